"""What each structure runs: one ``InventoryItem`` per product (and version) it declares, typed, picked from the
watch-list or imported (CSV, CPE list, CycloneDX or SPDX SBOM).

Each item carries the keys the alerts are matched on, computed once when it is written (``keys.py``):
``name_key`` (the vendor's and the product's names normalised as the watch matches them) and ``cpe_key`` (the
vendor and product fields of its CPE). ``watched_product`` is the watch-list's product it is, suggested from
the watch-list's vocabulary; ``match_confirmed`` says the person decided (the product, or None: none of them).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ItemSource(models.TextChoices):
    WATCHLIST = "watchlist", _("Liste de surveillance")
    TYPED = "typed", _("Saisie")
    CSV = "csv", _("Fichier CSV")
    CPE = "cpe", _("Liste de CPE")
    CYCLONEDX = "cyclonedx", _("SBOM CycloneDX")
    SPDX = "spdx", _("SBOM SPDX")


class InventoryItem(models.Model):
    structure = models.ForeignKey("accounts.Structure", on_delete=models.CASCADE, related_name="inventory_items")
    vendor = models.CharField(_("fournisseur ou éditeur"), max_length=200, blank=True)
    product = models.CharField(_("produit"), max_length=200)
    version = models.CharField(_("version"), max_length=100, blank=True)
    cpe = models.CharField(_("CPE 2.3"), max_length=500, blank=True)
    # What alerts are matched on (see the module's docstring).
    name_key = models.CharField(max_length=410)
    cpe_key = models.CharField(max_length=410, blank=True)
    watched_product = models.ForeignKey(
        "veille.WatchedProduct",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inventory_items",
        verbose_name=_("produit de la liste de surveillance"),
    )
    match_confirmed = models.BooleanField(_("correspondance confirmée"), default=False)
    source = models.CharField(_("origine"), max_length=10, choices=ItemSource.choices)
    created_at = models.DateTimeField(_("ajouté le"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["vendor", "product", "version"]
        verbose_name = _("élément d'inventaire")
        constraints = [
            models.CheckConstraint(condition=~Q(product=""), name="inventory_item_product_not_empty"),
            models.UniqueConstraint(
                fields=["structure", "name_key", "version", "cpe"], name="one_inventory_item_per_product_version"
            ),
        ]
        indexes = [
            models.Index(fields=["name_key", "structure"], name="inventory_name_key"),
            models.Index(fields=["cpe_key", "structure"], name="inventory_cpe_key", condition=~Q(cpe_key="")),
            models.Index(
                fields=["watched_product", "structure"],
                name="inventory_watched_confirmed",
                condition=Q(match_confirmed=True),
            ),
        ]

    def __str__(self) -> str:
        return " ".join(p for p in (self.vendor, self.product, self.version) if p)
