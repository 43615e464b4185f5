"""Which structures a published alert concerns, and where each stands (« à traiter », « traité », « non
concerné »).

``concerns_refresh(alert=…)`` is set-based: one query finds, for every structure at once, the inventory items
the alert names, and two more write the ``AlertConcern`` rows (an INSERT … SELECT for the structures newly
concerned, an UPDATE of the reasons of the others), whatever the number of structures and items. An item
concerns the alert when

- its watch-list product (``watched_product``, once the person confirmed it) is one of the alert's
  ``watched_products``;
- or the vendor and product of its CPE (``cpe_key``) are those of a CPE of the alert: in its ``products``
  entries (``cpe`` or ``cpes``), in the records it was written from (its vulnerabilities' and advisories'
  ``cpes``), or a CPE prefix of its watched products that names one vendor and one product;
- or its vendor and product names, normalised (``inventories.keys.name_key``), are those of an entry of the
  alert's ``products``.

A row already there keeps its status (and who set it); its reasons are refreshed. A structure that no longer
lists the product keeps its row: what it did about the alert stays on record.

``concern_status_set`` is the structure's own answer; ``concern_counts`` what the cell (all) and an ARS (its
region) see of the answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Aggregate, Case, Count, F, JSONField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import JSONObject
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acss.accounts.selectors import actor_for, structure_list_visible
from acss.core.audit import AuditOrigin, audit_record
from acss.core.errors import Refusal
from acss.core.forbidden import Forbidden
from acss.inventories.keys import cpe_key, name_key
from acss.inventories.models import InventoryItem

from .models import Alert, AlertConcern, AlertState, ConcernStatus

WHY_WATCHED = "watched"
WHY_CPE = "cpe"
WHY_NAME = "name"
WHY_LABELS = {
    WHY_WATCHED: gettext_lazy("produit de la liste de surveillance"),
    WHY_CPE: gettext_lazy("identifiant CPE"),
    WHY_NAME: gettext_lazy("nom du fournisseur et du produit"),
}
STATUS_REFUSAL = gettext_lazy("Seules les personnes de la structure indiquent où elle en est de cette alerte.")


class JSONArrayAgg(Aggregate):
    """The rows' JSON values as one JSON array: ``json_group_array`` (SQLite), ``jsonb_agg`` (PostgreSQL)."""

    function = "JSON_GROUP_ARRAY"
    output_field = JSONField()

    def as_postgresql(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, function="JSONB_AGG", **extra)


@dataclass(frozen=True)
class AlertKeys:
    watched_ids: frozenset[int]
    cpe_keys: frozenset[str]
    name_keys: frozenset[str]

    @property
    def empty(self) -> bool:
        return not (self.watched_ids or self.cpe_keys or self.name_keys)


def _entry_cpes(entry: dict) -> list[str]:
    values = entry.get("cpes") or []
    if isinstance(values, str):
        values = [values]
    if entry.get("cpe"):
        values = [entry["cpe"], *values]
    return [v for v in values if isinstance(v, str)]


def alert_keys(alert: Alert) -> AlertKeys:
    """What inventory items are compared with: three queries (watched products and their CPE prefixes, the
    records' CPEs)."""
    watched_rows = list(alert.watched_products.values_list("pk", "cpe_patterns"))
    watched = frozenset(pk for pk, _patterns in watched_rows)
    # The watched products' CPE prefixes that name one vendor and one product (no wildcard there).
    cpes: list[str] = [p for _pk, patterns in watched_rows for p in patterns or [] if isinstance(p, str)]
    names: set[str] = set()
    for entry in alert.products or []:
        if not isinstance(entry, dict):
            continue
        cpes += _entry_cpes(entry)
        if str(entry.get("product") or "").strip():
            names.add(name_key(str(entry.get("vendor") or ""), str(entry["product"])))
    for values in alert.vulnerabilities.values_list("cpes", flat=True):
        cpes += [v for v in values or [] if isinstance(v, str)]
    for values in alert.advisories.values_list("cpes", flat=True):
        cpes += [v for v in values or [] if isinstance(v, str)]
    keys = frozenset(k for k in (cpe_key(c) for c in cpes) if k)
    return AlertKeys(watched_ids=watched, cpe_keys=keys, name_keys=frozenset(names))


def _matching_items(keys: AlertKeys):
    condition = Q(pk__in=[])
    why = []
    if keys.watched_ids:
        watched = Q(match_confirmed=True, watched_product_id__in=sorted(keys.watched_ids))
        condition |= watched
        why.append(When(watched, then=Value(WHY_WATCHED)))
    if keys.cpe_keys:
        cpe = Q(cpe_key__in=sorted(keys.cpe_keys))
        condition |= cpe
        why.append(When(cpe, then=Value(WHY_CPE)))
    if keys.name_keys:
        condition |= Q(name_key__in=sorted(keys.name_keys))
    return InventoryItem.objects.filter(condition), Case(*why, default=Value(WHY_NAME))


def _reasons(items, why):
    """Per structure, its matching items as a JSON array of {item, vendor, product, version, why}."""
    return (
        items.order_by()
        .values("structure_id")
        .annotate(
            reasons=JSONArrayAgg(
                JSONObject(item=F("pk"), vendor=F("vendor"), product=F("product"), version=F("version"), why=why)
            )
        )
    )


@transaction.atomic
def concerns_refresh(*, alert: Alert, by=None, origin: AuditOrigin | None = None) -> list[int]:
    """Write the concerns of a published alert; the ids of the structures it newly concerns.

    A constant number of queries whatever the number of structures and items (see the module's docstring).
    ``by``: who published or updated the alert (None: the platform itself), for the audit event.
    """
    if alert.state != AlertState.PUBLISHED:
        return []
    keys = alert_keys(alert)
    if keys.empty:
        return []
    items, why = _matching_items(keys)
    already = set(AlertConcern.objects.filter(alert=alert).values_list("structure_id", flat=True))
    concerned = set(items.order_by().values_list("structure_id", flat=True).distinct())
    new_ids = sorted(concerned - already)
    if new_ids:
        grouped = _reasons(items, why)
        select_sql, select_params = grouped.query.sql_with_params()
        table = connection.ops.quote_name(AlertConcern._meta.db_table)
        sql = (
            f"INSERT INTO {table} (alert_id, structure_id, reasons, status, created_at) "  # noqa: S608 - our names
            f"SELECT %s, g.structure_id, g.reasons, %s, %s FROM ({select_sql}) g "
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} c WHERE c.alert_id = %s AND c.structure_id = g.structure_id) "
            "ON CONFLICT (alert_id, structure_id) DO NOTHING"  # a twin refresh committed first
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [alert.pk, ConcernStatus.TO_HANDLE, timezone.now(), *select_params, alert.pk])
    if already & concerned:
        per_structure = _reasons(items.filter(structure_id=OuterRef("structure_id")), why).values("reasons")
        # The rows just inserted are rewritten with the same reasons: cheaper than naming thousands of ids.
        AlertConcern.objects.filter(alert=alert, structure_id__in=items.values("structure_id")).update(
            reasons=Subquery(per_structure, output_field=JSONField())
        )
    audit_record(
        actor=by,
        action="alert.concerns_refreshed",
        obj=alert,
        origin=origin,
        data={"concerned": len(concerned), "new": len(new_ids)},
    )
    return new_ids


def concerns_refresh_published(*, origin: AuditOrigin | None = None) -> dict[int, list[int]]:
    """Refresh every published alert (after inventories changed): per alert, the structures newly concerned.
    A constant number of queries per alert, whatever the number of structures."""
    alerts = Alert.objects.filter(state=AlertState.PUBLISHED).order_by("pk")
    return {alert.pk: new for alert in alerts if (new := concerns_refresh(alert=alert, origin=origin))}


# --- the structure's answer -----------------------------------------------------------------------------------


def concern_get_for_status(*, user, structure_pk: int, alert_pk: int) -> AlertConcern:
    """The concern a person sets the status of: 404 when they cannot read the structure (or it is not concerned by
    that published alert), 403 when they read it without acting for it (the cell, the region's ARS)."""
    structure = get_object_or_404(structure_list_visible(user=user), pk=structure_pk)
    concern = get_object_or_404(
        AlertConcern.objects.select_related("alert", "structure"),
        structure=structure,
        alert_id=alert_pk,
        alert__state=AlertState.PUBLISHED,
    )
    if structure.pk not in actor_for(user).structure_ids:
        raise Forbidden(str(STATUS_REFUSAL))
    return concern


@transaction.atomic
def concern_status_set(*, by, concern: AlertConcern, status: str, origin: AuditOrigin | None = None) -> AlertConcern:
    """The structure says where it stands: « à traiter », « traité » or « non concerné »."""
    if status not in ConcernStatus.values:
        raise Refusal(_("Choisissez un statut : à traiter, traité ou non concerné."), field="status")
    if concern.structure_id not in actor_for(by).structure_ids:
        raise Refusal(str(STATUS_REFUSAL))
    concern = AlertConcern.objects.select_for_update().get(pk=concern.pk)
    previous = concern.status
    if previous == status:
        return concern
    concern.status = status
    concern.status_changed_at = timezone.now()
    concern.status_changed_by = by
    concern.save(update_fields=["status", "status_changed_at", "status_changed_by"])
    audit_record(
        actor=by,
        action="alert.concern_status",
        obj=concern,
        origin=origin,
        data={"alert": concern.alert_id, "structure": concern.structure_id, "from": previous, "to": status},
    )
    return concern


# --- reads --------------------------------------------------------------------------------------------------


def concern_list_for_user(*, user):
    """The concerns of the structures a person acts for, on published alerts, the latest alert first."""
    actor = actor_for(user)
    return (
        AlertConcern.objects.filter(structure_id__in=actor.structure_ids, alert__state=AlertState.PUBLISHED)
        .select_related("alert", "structure")
        .order_by("-alert__published_at", "structure__name")
    )


@dataclass
class RegionCounts:
    region: str
    concerned: int
    acted: int
    handled: int
    not_concerned: int

    @property
    def to_handle(self) -> int:
        return self.concerned - self.acted


@dataclass
class ConcernCounts:
    concerned: int = 0
    acted: int = 0
    handled: int = 0
    not_concerned: int = 0
    regions: list[RegionCounts] = field(default_factory=list)
    structures: list[AlertConcern] = field(default_factory=list)

    @property
    def to_handle(self) -> int:
        return self.concerned - self.acted


def concerns_readable_alert(*, user, pk: int, cell_only: bool = False) -> Alert:
    """A published (or withdrawn) alert whose counts the person reads (the cell; an ARS unless ``cell_only``, the
    cell's own page); a 404 for anyone else."""
    actor = actor_for(user)
    if actor.is_acss or (actor.ars_region_codes and not cell_only):
        return get_object_or_404(Alert, pk=pk, state__in=[AlertState.PUBLISHED, AlertState.WITHDRAWN])
    raise Http404("alert counts")


STRUCTURES_SHOWN = 500


def concern_counts(*, alert: Alert, user) -> ConcernCounts:
    """For the cell, how many structures the alert concerns and how many have acted (status ≠ à traiter), by
    region; for an ARS the same for its regions, with its structures one by one. Three queries."""
    actor = actor_for(user)
    qs = AlertConcern.objects.filter(alert=alert)
    if not actor.is_acss:
        qs = qs.filter(structure__departement__region__in=actor.ars_region_codes)
    by_region = (
        qs.order_by()
        .values("structure__departement__region__name")
        .annotate(
            concerned=Count("pk"),
            acted=Count("pk", filter=~Q(status=ConcernStatus.TO_HANDLE)),
            handled=Count("pk", filter=Q(status=ConcernStatus.HANDLED)),
            not_concerned=Count("pk", filter=Q(status=ConcernStatus.NOT_CONCERNED)),
        )
        .order_by("structure__departement__region__name")
    )
    counts = ConcernCounts()
    for row in by_region:
        region = RegionCounts(
            region=row["structure__departement__region__name"] or "—",
            concerned=row["concerned"],
            acted=row["acted"],
            handled=row["handled"],
            not_concerned=row["not_concerned"],
        )
        counts.regions.append(region)
        counts.concerned += region.concerned
        counts.acted += region.acted
        counts.handled += region.handled
        counts.not_concerned += region.not_concerned
    if not actor.is_acss:
        counts.structures = list(
            qs.select_related("structure__departement").order_by("status", "structure__name")[:STRUCTURES_SHOWN]
        )
    return counts
