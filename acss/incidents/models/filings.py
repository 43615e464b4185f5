"""What a structure subject to NIS 2 (and any structure for a personal-data breach) files with the authorities,
prepared from its declaration: one ``RegulatoryFiling`` per declaration and stage, its content a series of
immutable versions (nothing typed is ever lost), and the date the structure says it sent it.

The platform does not send these to the authorities: the structure completes them, downloads them (PDF, JSON),
sends them through the authority's own channel, and records here the date it did.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class FilingStage(models.TextChoices):
    EARLY_WARNING = "early_warning", _("NIS 2 : alerte précoce (24 h)")
    NOTIFICATION = "notification", _("NIS 2 : notification d'incident (72 h)")
    FINAL_REPORT = "final_report", _("NIS 2 : rapport final (un mois)")
    CNIL = "cnil", _("CNIL : notification d'une violation de données personnelles (72 h)")


class RegulatoryFiling(models.Model):
    """One stage of one declaration. Its content is the last of its ``versions``; ``sent_at`` is the date the
    structure says it sent it (recorded by ``sent_recorded_by`` at ``sent_recorded_at``)."""

    declaration = models.ForeignKey(
        "incidents.Declaration", on_delete=models.PROTECT, related_name="filings", verbose_name=_("déclaration")
    )
    stage = models.CharField(_("étape"), max_length=16, choices=FilingStage.choices)
    created_at = models.DateTimeField(_("créée le"))
    sent_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    sent_recorded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_recorded_at = models.DateTimeField(_("envoi enregistré le"), null=True, blank=True)
    sent_idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)

    class Meta:
        ordering = ["declaration", "stage"]
        verbose_name = _("déclaration réglementaire")
        verbose_name_plural = _("déclarations réglementaires")
        constraints = [
            models.UniqueConstraint(fields=["declaration", "stage"], name="one_filing_per_stage"),
            models.CheckConstraint(
                condition=Q(sent_at__isnull=True) | Q(sent_recorded_by__isnull=False, sent_recorded_at__isnull=False),
                name="filing_sent_recorded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.declaration_id} {self.stage}"


class RegulatoryFilingVersion(models.Model):
    """One save of a filing's content, never changed afterwards: who, when, what (a JSON object of fields)."""

    filing = models.ForeignKey(RegulatoryFiling, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    content = models.JSONField(_("contenu"), default=dict)
    author = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("enregistrée le"))
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)

    class Meta:
        ordering = ["filing", "number"]
        verbose_name = _("version d'une déclaration réglementaire")
        constraints = [models.UniqueConstraint(fields=["filing", "number"], name="one_filing_version_number")]
