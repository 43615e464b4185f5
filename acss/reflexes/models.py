"""Reflex sheets: what to do in the first hour, matched to the incident typology.

A sheet is versioned content edited by ACSS: each edit adds a ``ReflexSheetVersion`` and never
changes an earlier one (the database refuses to change a version's text). The current version is the
highest number.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReflexSheet(models.Model):
    audit_type = "cases.reflexsheet"  # the audit trail\'s name for these rows: acss.core.audit.object_type_of

    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)
    title = models.CharField(_("titre"), max_length=200)
    summary = models.TextField(
        _("résumé"), max_length=600, help_text=_("Une ou deux phrases : quand ouvrir cette fiche.")
    )
    categories = models.ManyToManyField(
        "core.IncidentCategory",
        blank=True,
        related_name="reflex_sheets",
        verbose_name=_("typologies"),
        help_text=_("Les catégories d'incident auxquelles cette fiche répond."),
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    is_published = models.BooleanField(_("publiée"), default=True)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)

    class Meta:
        db_table = "cases_reflexsheet"
        ordering = ["position", "title"]
        verbose_name = _("fiche réflexe")
        verbose_name_plural = _("fiches réflexes")
        constraints = [
            models.CheckConstraint(condition=~Q(slug=""), name="reflexsheet_slug_not_empty"),
            models.CheckConstraint(condition=~Q(title=""), name="reflexsheet_title_not_empty"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def current_version(self) -> ReflexSheetVersion | None:
        """The highest-numbered version; prefetched by the selectors (``_current_versions``)."""
        prefetched = getattr(self, "_current_versions", None)
        if prefetched is not None:
            return prefetched[0] if prefetched else None
        return self.versions.order_by("-number").first()


class ReflexSheetVersion(models.Model):
    """One immutable state of a sheet's text. A new edit is a new version."""

    audit_type = "cases.reflexsheetversion"  # the audit trail\'s name for these rows: acss.core.audit.object_type_of

    sheet = models.ForeignKey(ReflexSheet, on_delete=models.PROTECT, related_name="versions", verbose_name=_("fiche"))
    number = models.PositiveIntegerField(_("numéro"))
    body = models.TextField(_("texte (Markdown)"))
    change_note = models.CharField(_("objet de la modification"), max_length=300)
    created_at = models.DateTimeField(_("date"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("auteur"),
    )

    class Meta:
        db_table = "cases_reflexsheetversion"
        ordering = ["sheet", "-number"]
        verbose_name = _("version de fiche réflexe")
        verbose_name_plural = _("versions de fiches réflexes")
        constraints = [
            models.UniqueConstraint(fields=["sheet", "number"], name="reflexsheetversion_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="reflexsheetversion_number_positive"),
            models.CheckConstraint(condition=~Q(body=""), name="reflexsheetversion_body_not_empty"),
            models.CheckConstraint(condition=~Q(change_note=""), name="reflexsheetversion_note_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.sheet} — v{self.number}"
