"""A provider's incident (the parent) and the declarations it caused (its victims)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ProviderState(models.TextChoices):
    OPEN = "open", _("Ouvert")
    CONTAINED = "contained", _("Maîtrisé")
    CLOSED = "closed", _("Clos")


class ProviderIncident(models.Model):
    """One provider hitting several structures: the cell's parent of their declarations."""

    provider_name = models.CharField(_("prestataire"), max_length=200)
    title = models.CharField(_("titre"), max_length=200)
    public_summary = models.TextField(_("résumé communiqué aux structures touchées"), blank=True)
    state = models.CharField(_("état"), max_length=10, choices=ProviderState.choices, default=ProviderState.OPEN)
    share_victim_count = models.BooleanField(
        _("les structures voient le nombre d'autres structures touchées"), default=False
    )
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(_("ouvert le"))
    closed_at = models.DateTimeField(_("clos le"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("incident de prestataire")
        verbose_name_plural = _("incidents de prestataires")

    def __str__(self) -> str:
        return f"{self.provider_name} – {self.title}"


class ProviderLink(models.Model):
    """A declaration caused by the provider's incident: a declaration belongs to at most one parent."""

    parent = models.ForeignKey(ProviderIncident, on_delete=models.CASCADE, related_name="links")
    declaration = models.OneToOneField("incidents.Declaration", on_delete=models.CASCADE, related_name="provider_link")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(_("rattachée le"))

    class Meta:
        ordering = ["linked_at", "id"]
        verbose_name = _("déclaration rattachée")
