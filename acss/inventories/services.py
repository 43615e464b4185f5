"""The writes of inventories: add a product (from the watch-list, or typed with a suggested match), decide on the
suggestion, remove, import a file's rows once previewed. Each one transaction and one audit event.

Imports are idempotent: a row whose product, version and CPE the structure already lists (names compared as
the matching compares them, ``keys.name_key``) is not added again, so the same file twice adds nothing; the
unique constraint settles a race (``ignore_conflicts``).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acss.accounts.models import Structure
from acss.core.audit import AuditOrigin, audit_record
from acss.core.errors import Refusal
from acss.core.idempotency import Written
from acss.veille.matching import WatchList, product_label
from acss.veille.models import WatchedProduct

from .imports import Row, _row
from .keys import cpe_key, cpe_parse, name_key
from .models import InventoryItem, ItemSource
from .suggestions import suggest


def _item(*, structure: Structure, row: Row, by, source: str, watched_id: int | None, confirmed: bool, now):
    return InventoryItem(
        structure=structure,
        vendor=row.vendor,
        product=row.product,
        version=row.version,
        cpe=row.cpe,
        name_key=name_key(row.vendor, row.product),
        cpe_key=cpe_key(row.cpe) if row.cpe else "",
        watched_product_id=watched_id,
        match_confirmed=confirmed,
        source=source,
        created_at=now,
        created_by=by,
    )


def _existing(structure: Structure) -> set[tuple[str, str, str]]:
    return set(InventoryItem.objects.filter(structure=structure).values_list("name_key", "version", "cpe"))


def _identity(item: InventoryItem) -> tuple[str, str, str]:
    return (item.name_key, item.version, item.cpe)


def _create_one(item: InventoryItem) -> Written[InventoryItem]:
    """Insert one item, or hand back the one already listed (same names, version and CPE)."""
    same = InventoryItem.objects.filter(
        structure=item.structure, name_key=item.name_key, version=item.version, cpe=item.cpe
    ).first()
    if same is not None:
        return Written(same, created=False)
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError:  # a twin request won the race
        return Written(
            InventoryItem.objects.get(
                structure=item.structure, name_key=item.name_key, version=item.version, cpe=item.cpe
            ),
            created=False,
        )
    return Written(item, created=True)


@transaction.atomic
def inventory_add_watched(
    *, by, structure: Structure, watched_product: WatchedProduct, version: str = "", origin: AuditOrigin | None = None
) -> Written[InventoryItem]:
    """Add a product picked from the watch-list: the match is the person's choice, so confirmed."""
    row = _row(watched_product.vendor.name, watched_product.name, version, "", _("Version"))
    item = _item(
        structure=structure,
        row=row,
        by=by,
        source=ItemSource.WATCHLIST,
        watched_id=watched_product.pk,
        confirmed=True,
        now=timezone.now(),
    )
    written = _create_one(item)
    audit_record(
        actor=by,
        action="inventory.item_added",
        obj=written.row,
        origin=origin,
        data={"structure": structure.pk, "source": ItemSource.WATCHLIST, "created": written.created},
    )
    return written


@transaction.atomic
def inventory_add_typed(
    *,
    by,
    structure: Structure,
    vendor: str,
    product: str,
    version: str = "",
    cpe: str = "",
    origin: AuditOrigin | None = None,
    watch: WatchList | None = None,
) -> Written[InventoryItem]:
    """Add a product typed freely, with the watch-list's product it most likely is as a suggestion to confirm."""
    if cpe.strip() and cpe_parse(cpe) is None:
        raise Refusal(
            _("Ce n'est pas un identifiant CPE 2.3 valide (cpe:2.3:a:éditeur:produit:version…)."), field="cpe"
        )
    if not product.strip() and not cpe.strip():
        raise Refusal(_("Indiquez le nom du produit (ou son identifiant CPE)."), field="product")
    row = _row(vendor, product, version, cpe.strip(), _("Produit"))
    watch = watch or WatchList.from_db()
    suggested = suggest(watch, vendor=row.vendor, product=row.product, cpe=row.cpe)
    item = _item(
        structure=structure,
        row=row,
        by=by,
        source=ItemSource.TYPED,
        watched_id=suggested,
        confirmed=False,
        now=timezone.now(),
    )
    written = _create_one(item)
    audit_record(
        actor=by,
        action="inventory.item_added",
        obj=written.row,
        origin=origin,
        data={
            "structure": structure.pk,
            "source": ItemSource.TYPED,
            "suggested": suggested,
            "created": written.created,
        },
    )
    return written


@transaction.atomic
def inventory_match_decide(
    *, by, item: InventoryItem, confirm: bool, origin: AuditOrigin | None = None
) -> InventoryItem:
    """The person confirms the suggested watch-list product, or says it is none of them."""
    item = InventoryItem.objects.select_for_update().get(pk=item.pk)
    if item.watched_product_id is None and confirm:
        raise Refusal(_("Aucune correspondance n'est suggérée pour ce produit."))
    suggested = item.watched_product_id
    if not confirm:
        item.watched_product = None
    item.match_confirmed = True
    item.save(update_fields=["watched_product", "match_confirmed"])
    audit_record(
        actor=by,
        action="inventory.match_confirmed" if confirm else "inventory.match_rejected",
        obj=item,
        origin=origin,
        data={"structure": item.structure_id, "watched_product": suggested},
    )
    return item


@transaction.atomic
def inventory_matches_confirm_all(*, by, structure: Structure, origin: AuditOrigin | None = None) -> int:
    """Confirm every suggestion of the structure's inventory at once (after an import); the number confirmed."""
    pending = InventoryItem.objects.filter(structure=structure, watched_product__isnull=False, match_confirmed=False)
    ids = list(pending.values_list("pk", flat=True))
    confirmed = InventoryItem.objects.filter(pk__in=ids).update(match_confirmed=True)
    audit_record(
        actor=by,
        action="inventory.matches_confirmed",
        obj=structure,
        origin=origin,
        data={"items": ids[:1000], "count": confirmed},
    )
    return confirmed


@transaction.atomic
def inventory_item_remove(*, by, item: InventoryItem, origin: AuditOrigin | None = None) -> None:
    data = {"structure": item.structure_id, "label": str(item), "cpe": item.cpe}
    pk = item.pk
    deleted, _rows = InventoryItem.objects.filter(pk=pk).delete()
    if not deleted:
        raise Refusal(_("Ce produit n'est plus dans l'inventaire."))
    audit_record(
        actor=by,
        action="inventory.item_removed",
        object_type="inventories.inventoryitem",
        object_id=pk,
        origin=origin,
        data=data,
    )


def rows_from_dicts(values: Iterable[dict]) -> list[Row]:
    """Rows kept between the preview and the confirmation (in the session), read back and checked again."""
    rows = []
    for number, value in enumerate(values, start=1):
        rows.append(
            _row(
                value.get("vendor", ""),
                value.get("product", ""),
                value.get("version", ""),
                value.get("cpe", ""),
                _("Ligne %(line)d") % {"line": number},
            )
        )
    return rows


@transaction.atomic
def inventory_import(
    *,
    by,
    structure: Structure,
    source: str,
    rows: list[Row],
    filename: str = "",
    origin: AuditOrigin | None = None,
    watch: WatchList | None = None,
) -> int:
    """Add the rows the structure does not list yet, each with its suggested match; the number added."""
    if source not in ItemSource.values or source in (ItemSource.WATCHLIST, ItemSource.TYPED):
        raise Refusal(_("Format d'import inconnu."))
    watch = watch or WatchList.from_db()
    now = timezone.now()
    seen = _existing(structure)
    new = []
    for row in rows:
        suggested = suggest(watch, vendor=row.vendor, product=row.product, cpe=row.cpe)
        item = _item(structure=structure, row=row, by=by, source=source, watched_id=suggested, confirmed=False, now=now)
        if _identity(item) in seen:
            continue
        seen.add(_identity(item))
        new.append(item)
    InventoryItem.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
    audit_record(
        actor=by,
        action="inventory.imported",
        obj=structure,
        origin=origin,
        data={"source": source, "file": filename[:200], "rows": len(rows), "added": len(new)},
    )
    return len(new)


def watched_label(product: WatchedProduct) -> str:
    return product_label(product.vendor.name, product.name)
