"""Declarations of incidents, and their escalations to the authorities.

The foundation holds what access control needs; intake (issue 3) adds the form's fields.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Declaration(models.Model):
    reference = models.CharField(_("référence"), max_length=20, unique=True)
    structure = models.ForeignKey(
        "accounts.Structure", on_delete=models.PROTECT, related_name="declarations", verbose_name=_("structure")
    )
    title = models.CharField(_("titre"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    on_behalf = models.BooleanField(_("saisie pour le compte de la structure"), default=False)
    submitted_at = models.DateTimeField(_("déposée le"), db_index=True)

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("déclaration")

    def __str__(self) -> str:
        return f"{self.reference} — {self.title}"


class Escalation(models.Model):
    """A decided escalation: it opens the declaration to the authority."""

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="escalations")
    authority = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="escalations",
        limit_choices_to={"kind": "authority"},
    )
    reason = models.TextField(_("motif"))
    decided_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("décidée le"))

    class Meta:
        verbose_name = _("transmission")
        constraints = [
            models.UniqueConstraint(fields=["declaration", "authority"], name="one_escalation_per_authority")
        ]
