"""Reference data of the territory and of the incident vocabulary, and the audit trail."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    """One of the 18 regions; each has one ARS (Saint-Pierre-et-Miquelon has none)."""

    code = models.CharField(_("code INSEE"), max_length=2, primary_key=True)
    name = models.CharField(_("nom"), max_length=80)

    class Meta:
        ordering = ["name"]
        verbose_name = _("région")

    def __str__(self) -> str:
        return self.name


class Departement(models.Model):
    code = models.CharField(_("code"), max_length=3, primary_key=True)
    name = models.CharField(_("nom"), max_length=80)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departements")
    timezone = models.CharField(_("fuseau horaire"), max_length=40, default="Europe/Paris")
    holiday_subdivision = models.CharField(
        _("subdivision des jours fériés"),
        max_length=5,
        blank=True,
        help_text=_("Code de subdivision du paquet holidays (57, 6AE, 971…), vide pour le calendrier national."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("département")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ReferenceItem(models.Model):
    """A code list entry: stable code for machines, French label for people."""

    code = models.SlugField(max_length=60, primary_key=True)
    label = models.CharField(_("libellé"), max_length=160)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(_("actif"), default=True)

    class Meta:
        abstract = True
        ordering = ["position", "label"]

    def __str__(self) -> str:
        return str(self.label)


class StructureType(ReferenceItem):
    group = models.CharField(
        _("groupe de l'observatoire"),
        max_length=20,
        help_text=_("es, lbm, radiotherapie, medico_social, autre"),
    )

    class Meta(ReferenceItem.Meta):
        verbose_name = _("type de structure")


class IncidentFamily(models.TextChoices):
    MALICIOUS = "malicious", _("Malveillant")
    NON_MALICIOUS = "non_malicious", _("Non malveillant")
    ANY = "any", _("Indéterminé")


class IncidentCategory(ReferenceItem):
    family = models.CharField(_("famille"), max_length=20, choices=IncidentFamily.choices)
    rsit = models.CharField(
        _("classe RSIT"),
        max_length=120,
        help_text=_("Une ou plusieurs étiquettes RSIT séparées par « or »."),
    )

    class Meta(ReferenceItem.Meta):
        verbose_name = _("catégorie d'incident")
        verbose_name_plural = _("catégories d'incident")


class Vector(ReferenceItem):
    class Meta(ReferenceItem.Meta):
        verbose_name = _("vecteur")


class AffectedSystem(ReferenceItem):
    class Meta(ReferenceItem.Meta):
        verbose_name = _("système affecté")


class DataCategory(ReferenceItem):
    class Meta(ReferenceItem.Meta):
        verbose_name = _("catégorie de données")
        verbose_name_plural = _("catégories de données")


class AuditEvent(models.Model):
    """An append-only, hash-chained record of who did or saw what, when, from where.

    Written only through ``acss.core.audit.audit_record``; verified by ``manage.py audit_verify``.
    """

    at = models.DateTimeField(_("date"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField(_("auteur"), max_length=254, help_text=_("Figé au moment de l'événement."))
    action = models.CharField(_("action"), max_length=80, db_index=True)
    object_type = models.CharField(_("type d'objet"), max_length=80, blank=True)
    object_id = models.CharField(_("identifiant d'objet"), max_length=64, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("événement d'audit")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.object_type}:{self.object_id}"


class AuditChainHead(models.Model):
    """A single row locked while appending, so that concurrent writers keep one linear chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_hash = models.CharField(max_length=64)
    count = models.PositiveBigIntegerField(default=0)
