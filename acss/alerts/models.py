"""Security alerts written by the cell from watch items, published for everyone, and who they concern.

An ``Alert`` is written (draft), submitted, approved by a second analyst (four eyes), then published with a
number ``ACSS-ALE-YYYY-NNNN`` given at publication. Every publication — the first and each update — is an
``AlertRevision``: a dated copy of what readers were shown, with what changed. An alert is withdrawn with a
reason, never deleted. ``AlertConcern`` is one structure whose inventory lists a product of a published alert,
with the status that structure sets.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Severity(models.TextChoices):
    CRITICAL = "critique", _("Critique")
    HIGH = "elevee", _("Élevée")
    MEDIUM = "moyenne", _("Moyenne")
    LOW = "faible", _("Faible")


class AlertState(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    SUBMITTED = "submitted", _("À approuver")
    PUBLISHED = "published", _("Publiée")
    WITHDRAWN = "withdrawn", _("Retirée")


class PendingState(models.TextChoices):
    """The next version of a published alert: none (blank), being edited, waiting for a second analyst."""

    NONE = "", _("Aucune")
    DRAFT = "draft", _("En préparation")
    SUBMITTED = "submitted", _("À approuver")


class Alert(models.Model):
    reference = models.CharField(_("référence"), max_length=20, unique=True, null=True, blank=True)
    state = models.CharField(_("état"), max_length=12, choices=AlertState.choices, default=AlertState.DRAFT)
    title = models.CharField(_("titre"), max_length=300)
    severity = models.CharField(_("gravité"), max_length=10, choices=Severity.choices)
    cvss_score = models.DecimalField(_("score CVSS"), max_digits=3, decimal_places=1, null=True, blank=True)
    cvss_vector = models.CharField(_("vecteur CVSS"), max_length=200, blank=True)
    exploited = models.BooleanField(_("exploitée"), default=False)
    ransomware = models.BooleanField(_("utilisée par des rançongiciels"), default=False)
    epss = models.FloatField(_("EPSS"), null=True, blank=True)
    # [{"vendor": …, "product": …, "versions": …}] as readers see them
    products = models.JSONField(_("produits et versions"), default=list, blank=True)
    cves = models.JSONField(_("CVE"), default=list, blank=True)
    summary = models.TextField(_("En bref"), blank=True)
    who = models.TextField(_("Qui est concerné ?"), blank=True)
    actions = models.TextField(_("Que faire ?"), blank=True)
    technical = models.TextField(_("Détails techniques (Markdown)"), blank=True)
    references = models.JSONField(_("références"), default=list, blank=True)
    # What the alert was written from, and the watched products it concerns (inventories are matched on these).
    vulnerabilities = models.ManyToManyField("veille.Vulnerability", blank=True, related_name="alerts")
    advisories = models.ManyToManyField("veille.Advisory", blank=True, related_name="alerts")
    watched_products = models.ManyToManyField("veille.WatchedProduct", blank=True, related_name="alerts")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True, db_index=True)
    updated_at = models.DateTimeField(_("mise à jour le"), null=True, blank=True, db_index=True)
    withdrawn_at = models.DateTimeField(_("retirée le"), null=True, blank=True)
    withdrawn_reason = models.TextField(_("motif du retrait"), blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The editorial (acss/alerts/services/editorial.py): the next version of a published alert, edited and then
    # approved by a second analyst before readers see it ({"fields": {…}, "editors": [user ids]}).
    pending = models.JSONField(_("version en préparation"), default=dict, blank=True)
    pending_state = models.CharField(
        _("état de la version en préparation"), max_length=10, choices=PendingState.choices, blank=True
    )
    pending_note = models.CharField(_("ce qui change"), max_length=500, blank=True)
    review_comment = models.TextField(_("commentaire du relecteur"), blank=True)

    class Meta:
        ordering = ["-published_at", "-created_at"]
        verbose_name = _("alerte")
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="alert_title_not_empty"),
            models.CheckConstraint(
                condition=Q(state__in=["draft", "submitted"]) | Q(reference__isnull=False, published_at__isnull=False),
                name="alert_published_has_reference",
            ),
            models.CheckConstraint(
                condition=~Q(state="withdrawn") | ~Q(withdrawn_reason=""), name="alert_withdrawn_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("submitted_by")),
                name="alert_four_eyes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference or _('brouillon')} — {self.title}"

    @property
    def is_public(self) -> bool:
        return self.state in (AlertState.PUBLISHED, AlertState.WITHDRAWN)


class AlertReferenceCounter(models.Model):
    """The last alert number given in a year; locked while giving the next one."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


class AlertRevision(models.Model):
    """One publication of an alert as readers saw it: the first (number 1), then each update, then a withdrawal."""

    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField()
    published_at = models.DateTimeField(default=timezone.now)
    change_note = models.CharField(_("ce qui change"), max_length=500)
    snapshot = models.JSONField(default=dict)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["alert", "number"]
        constraints = [models.UniqueConstraint(fields=["alert", "number"], name="one_alert_revision_number")]


class GlossaryTerm(models.Model):
    """A word of jargon and the plainer words the cell prefers in the plain-language parts of an alert."""

    term = models.CharField(_("terme"), max_length=100, unique=True)
    plain = models.CharField(_("plutôt dire"), max_length=300)
    note = models.TextField(_("remarque"), blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["term"]
        verbose_name = _("terme du glossaire")
        verbose_name_plural = _("glossaire")

    def __str__(self) -> str:
        return self.term


class ConcernStatus(models.TextChoices):
    TO_HANDLE = "a_traiter", _("À traiter")
    HANDLED = "traite", _("Traité")
    NOT_CONCERNED = "non_concerne", _("Non concerné")


class AlertConcern(models.Model):
    """A structure concerned by a published alert (its inventory lists one of the alert's products)."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="concerns")
    structure = models.ForeignKey("accounts.Structure", on_delete=models.CASCADE, related_name="alert_concerns")
    reasons = models.JSONField(default=list, blank=True, help_text=_("Les lignes de l'inventaire concernées."))
    status = models.CharField(
        _("statut"), max_length=12, choices=ConcernStatus.choices, default=ConcernStatus.TO_HANDLE
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["alert", "structure"], name="one_concern_per_alert_structure")]
        indexes = [models.Index(fields=["structure", "status"])]
