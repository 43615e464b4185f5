"""Observables (indicators of compromise) and the declarations they were seen in."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from . import normalize as n


class ObservableKind(models.TextChoices):
    IPV4 = n.IPV4, _("Adresse IPv4")
    IPV6 = n.IPV6, _("Adresse IPv6")
    DOMAIN = n.DOMAIN, _("Nom de domaine")
    URL = n.URL, _("URL")
    EMAIL = n.EMAIL, _("Adresse électronique")
    MD5 = n.MD5, _("Empreinte MD5")
    SHA1 = n.SHA1, _("Empreinte SHA-1")
    SHA256 = n.SHA256, _("Empreinte SHA-256")
    CVE = n.CVE, _("Identifiant CVE")


class ObservableSource(models.TextChoices):
    TYPED = "typed", _("saisi")
    EXTRACTED = "extracted", _("extrait")
    STIX = "stix", _("STIX")


class Observable(models.Model):
    """One value of one kind, normalised (``normalize.normalize``): the same indicator is one row."""

    kind = models.CharField(_("type"), max_length=10, choices=ObservableKind.choices)
    value = models.CharField(_("valeur"), max_length=2048)

    class Meta:
        verbose_name = _("observable")
        constraints = [models.UniqueConstraint(fields=["kind", "value"], name="observable_kind_value_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value}"


class CaseObservable(models.Model):
    """An observable recorded on a declaration: by whom, when, from where."""

    declaration = models.ForeignKey(
        "incidents.Declaration", on_delete=models.CASCADE, related_name="observables", verbose_name=_("déclaration")
    )
    observable = models.ForeignKey(Observable, on_delete=models.PROTECT, related_name="cases")
    source = models.CharField(_("source"), max_length=10, choices=ObservableSource.choices)
    added_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(_("ajouté le"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("observable d'un dossier")
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["declaration", "observable"], name="caseobservable_unique_per_declaration")
        ]
        # The correlation: from an observable to the declarations that carry it.
        indexes = [models.Index(fields=["observable", "declaration"], name="caseobservable_correlation")]
