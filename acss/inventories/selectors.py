"""Reads of inventories, and who may read or change a structure's.

A structure's inventory is read by its people (declarants and managers), by the cell, and by the ARS of its
region (``accounts.selectors.structure_list_visible``); anyone else gets the 404 of a missing page. It is changed
by its people and the cell; the region's ARS, who reads it, is told so (403).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy

from acss.accounts.models import Structure
from acss.accounts.selectors import actor_for, structure_list_visible
from acss.core.forbidden import Forbidden
from acss.veille.matching import WatchList, product_label
from acss.veille.models import WatchedProduct

from .imports import Row
from .keys import name_key
from .models import InventoryItem
from .suggestions import suggest

WRITE_REFUSAL = gettext_lazy("Seules les personnes de la structure et la cellule ACSS modifient son inventaire.")


def structure_get_inventory(*, user, pk: int) -> Structure:
    """A structure whose inventory the person reads (404 otherwise)."""
    return get_object_or_404(structure_list_visible(user=user), pk=pk)


def inventory_may_write(*, user, structure: Structure) -> bool:
    actor = actor_for(user)
    return actor.is_acss or structure.pk in actor.structure_ids


def structure_get_inventory_for_change(*, user, pk: int) -> Structure:
    """A structure whose inventory the person changes: 404 when they cannot read it, 403 when they only read it."""
    structure = structure_get_inventory(user=user, pk=pk)
    if not inventory_may_write(user=user, structure=structure):
        raise Forbidden(str(WRITE_REFUSAL))
    return structure


def inventory_list(*, structure: Structure) -> list[InventoryItem]:
    """The structure's items, each with ``watched_label`` (« Fortinet FortiOS », « Orthanc ») when it has one."""
    items = list(
        structure.inventory_items.select_related("watched_product__vendor").order_by(
            "vendor", "product", "version", "pk"
        )
    )
    for item in items:
        watched = item.watched_product
        item.watched_label = product_label(watched.vendor.name, watched.name) if watched else ""
    return items


def inventory_item_get(*, structure: Structure, pk: int) -> InventoryItem:
    return get_object_or_404(InventoryItem.objects.select_related("structure"), structure=structure, pk=pk)


def watched_product_choices() -> list[tuple[int, str]]:
    """The watch-list's named products (not « Tout fabricant »'s kinds of product), by maker."""
    from acss.veille.watchlist import ANY_VENDOR

    products = (
        WatchedProduct.objects.filter(active=True, vendor__active=True)
        .exclude(vendor__name=ANY_VENDOR)
        .select_related("vendor")
        .order_by("vendor__name", "name")
    )
    return sorted(((p.pk, product_label(p.vendor.name, p.name)) for p in products), key=lambda c: c[1].casefold())


@dataclass(frozen=True)
class PreviewRow:
    row: Row
    present: bool
    suggestion: str = ""


def import_preview(*, structure: Structure, rows: list[Row]) -> list[PreviewRow]:
    """The rows of a file as the confirmation would add them: those already listed (or twice in the file) marked,
    the others with the watch-list product that will be suggested. Three queries."""
    seen = set(InventoryItem.objects.filter(structure=structure).values_list("name_key", "version", "cpe"))
    watch = WatchList.from_db()
    labels = {p.id: p.label for p in watch.products}
    out = []
    for row in rows:
        identity = (name_key(row.vendor, row.product), row.version, row.cpe)
        present = identity in seen
        suggested = None if present else suggest(watch, vendor=row.vendor, product=row.product, cpe=row.cpe)
        out.append(PreviewRow(row=row, present=present, suggestion=labels.get(suggested, "")))
        seen.add(identity)
    return out
