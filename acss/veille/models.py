"""The watch: imported vulnerabilities, advisories and news; the watch-list of what structures run;
and the matches between them.

Records are stored with their normalised fields (``normalized.NormalizedItem``) and the raw document, and a
content hash so that importing the same file again changes nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Family(models.TextChoices):
    HEALTH = "health", _("Produit de santé")
    COMMON_IT = "common_it", _("Informatique commune (porte d'entrée)")


class Vulnerability(models.Model):
    """A CVE: from a CVE JSON 5 record, enriched by KEV and EPSS (which may arrive first)."""

    cve_id = models.CharField(_("identifiant CVE"), max_length=30, unique=True)
    title = models.CharField(_("titre"), max_length=500, blank=True)
    description = models.TextField(_("description"), blank=True)
    published = models.DateTimeField(_("publiée le"), null=True, blank=True, db_index=True)
    updated = models.DateTimeField(_("mise à jour le"), null=True, blank=True)
    assigner = models.CharField(_("CNA"), max_length=100, blank=True)
    cvss_score = models.FloatField(_("score CVSS"), null=True, blank=True, db_index=True)
    cvss_vector = models.CharField(_("vecteur CVSS"), max_length=200, blank=True)
    cwes = models.JSONField(default=list, blank=True)
    affected = models.JSONField(default=list, blank=True, help_text=_("Liste de {vendor, product, versions, cpes}."))
    cpes = models.JSONField(default=list, blank=True)
    references = models.JSONField(default=list, blank=True)
    has_record = models.BooleanField(
        _("notice CVE importée"), default=False, help_text=_("Faux tant que seuls KEV ou EPSS l'ont mentionnée.")
    )
    kev = models.BooleanField(_("exploitée (KEV)"), default=False, db_index=True)
    kev_date_added = models.DateField(_("ajoutée au KEV le"), null=True, blank=True)
    kev_ransomware = models.BooleanField(_("utilisée par des rançongiciels (KEV)"), default=False)
    kev_vendor = models.CharField(max_length=200, blank=True)
    kev_product = models.CharField(max_length=200, blank=True)
    epss = models.FloatField(_("EPSS"), null=True, blank=True)
    epss_percentile = models.FloatField(_("centile EPSS"), null=True, blank=True)
    epss_date = models.DateField(null=True, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published", "cve_id"]
        verbose_name = _("vulnérabilité")

    def __str__(self) -> str:
        return self.cve_id


class DocumentFormat(models.TextChoices):
    CSAF = "csaf", _("CSAF 2.0")
    CERTFR = "certfr", _("CERT-FR")


class Advisory(models.Model):
    """A CSAF 2.0 advisory (CISA ICSMA/ICSA, vendors…), kept even when not conformant, with its warnings; or an
    advisory of the national CERT (CERT-FR, its own JSON: ``certfr.py``), with its risks, revisions and content."""

    tracking_id = models.CharField(_("identifiant"), max_length=100, unique=True)
    title = models.CharField(_("titre"), max_length=500)
    publisher = models.CharField(_("éditeur"), max_length=200, blank=True)
    series = models.CharField(_("série"), max_length=20, blank=True, db_index=True)
    sector = models.CharField(_("secteurs"), max_length=300, blank=True)
    published = models.DateTimeField(_("publiée le"), null=True, blank=True, db_index=True)
    updated = models.DateTimeField(_("mise à jour le"), null=True, blank=True)
    description = models.TextField(_("résumé"), blank=True)
    cvss_score = models.FloatField(_("score CVSS maximal"), null=True, blank=True)
    cvss_vector = models.CharField(max_length=200, blank=True)
    affected = models.JSONField(default=list, blank=True)
    product_names = models.JSONField(default=list, blank=True)
    cpes = models.JSONField(default=list, blank=True)
    cves = models.JSONField(default=list, blank=True)
    references = models.JSONField(default=list, blank=True)
    conformance_warnings = models.JSONField(default=list, blank=True)
    source = models.CharField(_("source"), max_length=500, blank=True)
    document_format = models.CharField(
        _("format"), max_length=10, choices=DocumentFormat.choices, default=DocumentFormat.CSAF, db_index=True
    )
    # CERT-FR: what its JSON says beyond the common fields (empty for CSAF).
    risks = models.JSONField(_("risques"), default=list, blank=True)
    scada = models.BooleanField(_("systèmes industriels (SCADA)"), default=False)
    content = models.TextField(_("contenu (Markdown)"), blank=True)
    affected_content = models.TextField(_("précisions sur les systèmes affectés (Markdown ou HTML)"), blank=True)
    revisions = models.JSONField(_("révisions"), default=list, blank=True, help_text=_("[{date, description}]"))
    vendor_advisories = models.JSONField(_("bulletins des éditeurs"), default=list, blank=True)
    previous_versions = models.JSONField(
        _("versions précédentes"),
        default=list,
        blank=True,
        help_text=_("Ce que l'import a remplacé : [{content_hash, revisions, title, summary, cves, replaced_at}]."),
    )
    content_hash = models.CharField(max_length=64, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published", "tracking_id"]
        verbose_name = _("avis de sécurité")
        verbose_name_plural = _("avis de sécurité")

    def __str__(self) -> str:
        return self.tracking_id


class NewsItem(models.Model):
    """An item of an RSS or Atom feed (CERT-FR, vendors, press)."""

    feed = models.CharField(_("flux"), max_length=500)
    guid = models.CharField(max_length=500, unique=True)
    title = models.CharField(_("titre"), max_length=500)
    link = models.URLField(_("lien"), max_length=1000, blank=True)
    summary = models.TextField(_("résumé"), blank=True)
    published = models.DateTimeField(_("publié le"), null=True, blank=True, db_index=True)
    content_hash = models.CharField(max_length=64, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-published"]
        verbose_name = _("actualité")

    def __str__(self) -> str:
        return self.title


class WatchedVendor(models.Model):
    """A maker whose products structures run; its aliases normalise spellings ("Phillips", "GE Healthcare")."""

    name = models.CharField(_("nom"), max_length=200, unique=True)
    aliases = models.JSONField(_("autres graphies"), default=list, blank=True)
    family = models.CharField(_("famille"), max_length=12, choices=Family.choices)
    health_maker = models.BooleanField(
        _("fabricant de produits de santé"),
        default=False,
        help_text=_("Tout produit de ce fabricant compte comme produit de santé (dispositifs médicaux…)."),
    )
    notes = models.TextField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("fabricant surveillé")

    def __str__(self) -> str:
        return self.name


class WatchedProduct(models.Model):
    """A product (or product line) structures run, with what identifies it in a record."""

    vendor = models.ForeignKey(WatchedVendor, on_delete=models.CASCADE, related_name="products")
    name = models.CharField(_("produit"), max_length=200)
    family = models.CharField(_("famille"), max_length=12, choices=Family.choices)
    category = models.CharField(
        _("catégorie"),
        max_length=60,
        blank=True,
        help_text=_("pacs, dpi, laboratoire, hl7-fhir, dispositif, vpn, messagerie…"),
    )
    aliases = models.JSONField(_("autres noms"), default=list, blank=True)
    cpe_patterns = models.JSONField(
        _("motifs CPE"),
        default=list,
        blank=True,
        help_text=_("Préfixes CPE 2.3, par exemple cpe:2.3:a:fortinet:fortios"),
    )
    name_patterns = models.JSONField(_("motifs de nom (expressions régulières)"), default=list, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["vendor__name", "name"]
        verbose_name = _("produit surveillé")
        constraints = [models.UniqueConstraint(fields=["vendor", "name"], name="one_watched_product_per_vendor")]

    def __str__(self) -> str:
        return f"{self.vendor.name} {self.name}"


class Match(models.Model):
    """Why an imported record concerns what structures run: score, family, reasons, priority."""

    vulnerability = models.ForeignKey(
        Vulnerability, null=True, blank=True, on_delete=models.CASCADE, related_name="matches"
    )
    advisory = models.ForeignKey(Advisory, null=True, blank=True, on_delete=models.CASCADE, related_name="matches")
    product = models.ForeignKey(WatchedProduct, null=True, blank=True, on_delete=models.CASCADE, related_name="matches")
    vendor = models.ForeignKey(WatchedVendor, null=True, blank=True, on_delete=models.CASCADE, related_name="matches")
    family = models.CharField(_("famille"), max_length=12, choices=Family.choices, db_index=True)
    score = models.PositiveSmallIntegerField(_("score"), db_index=True)
    reasons = models.JSONField(_("raisons"), default=list)
    priority = models.PositiveSmallIntegerField(_("priorité"), default=0, db_index=True)
    immediate = models.BooleanField(_("attention immédiate"), default=False, db_index=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-priority", "-score"]
        verbose_name = _("correspondance")
        constraints = [
            models.CheckConstraint(
                condition=Q(vulnerability__isnull=False) ^ Q(advisory__isnull=False), name="match_has_one_record"
            ),
            models.UniqueConstraint(
                fields=["vulnerability", "product"],
                name="one_match_per_cve_product",
                condition=Q(vulnerability__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["advisory", "product"],
                name="one_match_per_advisory_product",
                condition=Q(advisory__isnull=False),
            ),
        ]


class TriageState(models.TextChoices):
    NEW = "new", _("Nouveau")
    TO_ALERT = "to_alert", _("À alerter")
    DISMISSED = "dismissed", _("Écarté")
    ALERTED = "alerted", _("Alerte publiée")


class Triage(models.Model):
    """The cell's decision on a matched record (a CVE or an advisory): the triage queue's row."""

    vulnerability = models.OneToOneField(
        Vulnerability, null=True, blank=True, on_delete=models.CASCADE, related_name="triage"
    )
    advisory = models.OneToOneField(Advisory, null=True, blank=True, on_delete=models.CASCADE, related_name="triage")
    state = models.CharField(_("état"), max_length=10, choices=TriageState.choices, default=TriageState.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dismissed_reason = models.TextField(_("motif"), blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    changed_at = models.DateTimeField(null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("tri")
        constraints = [
            models.CheckConstraint(
                condition=Q(vulnerability__isnull=False) ^ Q(advisory__isnull=False), name="triage_has_one_record"
            ),
            models.CheckConstraint(
                condition=~Q(state="dismissed") | ~Q(dismissed_reason=""), name="triage_dismissed_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["state", "created_at"])]


class ImportRun(models.Model):
    """One import (command or scheduled task): what it read and what it found, for the record."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    sources = models.JSONField(default=list)
    imported = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    invalid = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text=_("[{source, reason}] des enregistrements écartés."))

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("import")
