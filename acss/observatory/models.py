"""A published year: the frozen snapshot of a year's figures, their definitions and labels, the open-data
aggregates and the software version that computed them. A row is never changed nor deleted (the model refuses it,
and on PostgreSQL a trigger, migration 0002); a corrected publication is a new version with its reason."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FrozenError(Exception):
    """A published year is never changed nor deleted."""


class PublishedYear(models.Model):
    year = models.PositiveSmallIntegerField(_("année"))
    version = models.PositiveSmallIntegerField(_("version"))
    reason = models.TextField(_("motif de la nouvelle version"), blank=True)
    published_at = models.DateTimeField(_("publiée le"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    software_version = models.CharField(_("version du logiciel"), max_length=80)
    figures = models.JSONField(_("indicateurs, définitions et libellés"))
    open_data = models.JSONField(_("agrégats en données ouvertes"))

    class Meta:
        ordering = ["-year", "-version"]
        verbose_name = _("année publiée")
        verbose_name_plural = _("années publiées")
        constraints = [models.UniqueConstraint(fields=["year", "version"], name="observatory_year_version_unique")]

    def __str__(self) -> str:
        return f"{self.year} v{self.version}"

    def save(self, *args, **kwargs):
        if self.pk is not None or not self._state.adding:
            raise FrozenError("a published year is never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise FrozenError("a published year is never deleted")
