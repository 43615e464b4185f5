"""The observatory's counts, computed in the database (aggregates and GROUP BY, never a loop over rows).

Every function takes the declarations of a period and a scope (``declarations_counted``) and hands back plain
numbers; the observatory (``acss.observatory.indicators``) turns them into indicators with their definitions.
A merged duplicate is not counted: its incident is counted once, on the declaration it was merged into.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Func, Q, QuerySet
from django.db.models.functions import Coalesce, TruncMonth

from acss.core.models import IncidentCategory, Region, StructureType, Vector
from acss.incidents.models import Declaration, Escalation, Origin, PatientSafety, Scope, Situation


def declarations_counted(
    *, start: datetime, end: datetime, region: str | None = None, structure_type: str | None = None
) -> QuerySet[Declaration]:
    """Declarations submitted in [start, end), of one region (INSEE code) or one structure type (a type's code,
    or an observatory group such as « es »), merged duplicates left out."""
    qs = Declaration.objects.filter(submitted_at__gte=start, submitted_at__lt=end, case__merged_into__isnull=True)
    if region:
        qs = qs.filter(structure__departement__region_id=region)
    if structure_type:
        qs = qs.filter(
            Q(structure__structure_type_id=structure_type) | Q(structure__structure_type__group=structure_type)
        )
    return qs


PROVIDER_CAUSED = (
    Q(scope=Scope.SHARED_PROVIDER)
    | ~Q(provider_name="")
    | ~Q(case__closure_provider="")
    | Q(category_id="defaillance-prestataire")
    | Q(vector_id="defaillance-prestataire")
)


def statistics_totals(qs: QuerySet[Declaration]) -> dict[str, int]:
    """One aggregate query: the counts of the period's declarations that need no grouping."""
    degraded = Q(functioning__in=[Situation.DEGRADED, Situation.INTERRUPTED])
    endangered = Q(patient_safety__in=[PatientSafety.POTENTIAL, PatientSafety.ACTUAL])
    ransomware = Q(case__category_id="rancongiciel") | Q(case__category__isnull=True, category_id="rancongiciel")
    totals = qs.aggregate(
        declarations=Count("id"),
        declaring_structures=Count("structure_id", distinct=True),
        accompaniment_asked=Count("id", filter=Q(accompaniment_requested=True)),
        sanitary_impact=Count("id", filter=Q(case__sanitary_impact_confirmed=True)),
        degraded_mode=Count("id", filter=degraded),
        malicious=Count("id", filter=Q(origin=Origin.MALICIOUS)),
        potential_endangerment=Count("id", filter=endangered),
        actual_endangerment=Count("id", filter=Q(patient_safety=PatientSafety.ACTUAL)),
        ransomware=Count("id", filter=ransomware),
        availability=Count("id", filter=Q(unavailability=True)),
        integrity=Count("id", filter=Q(integrity_loss=True)),
        confidentiality=Count("id", filter=Q(confidentiality_loss=True)),
        provider_caused=Count("id", filter=PROVIDER_CAUSED),
    )
    return {key: value or 0 for key, value in totals.items()}


def statistics_escalations(qs: QuerySet[Declaration]) -> dict[str, int]:
    """Declarations escalated to each authority (its code: fssi, anssi, ansm, dgs → count), one GROUP BY."""
    rows = (
        Escalation.objects.filter(declaration__in=qs.values("id"))
        .values("authority__authority_code")
        .annotate(n=Count("declaration_id", distinct=True))
    )
    return {row["authority__authority_code"]: row["n"] for row in rows if row["authority__authority_code"]}


def statistics_group(qs: QuerySet[Declaration], by: str) -> list[tuple[str | None, int]]:
    """(key, count) for one field, most frequent first: « region », « structure_type », « category »
    (the typology the cell retained, else the declared one), « vector_malicious » (vectors of the malicious
    declarations)."""
    expressions = {
        "region": F("structure__departement__region_id"),
        "structure_type": F("structure__structure_type_id"),
        "category": Coalesce("case__category_id", "category_id"),
        "vector_malicious": F("vector_id"),
    }
    if by == "vector_malicious":
        qs = qs.filter(origin=Origin.MALICIOUS)
    rows = qs.order_by().values(key=expressions[by]).annotate(n=Count("id")).order_by("-n", "key")
    return [(row["key"], row["n"]) for row in rows]


def statistics_by_month(qs: QuerySet[Declaration], tzinfo) -> dict[tuple[int, int], int]:
    """(year, month) → count, months of the given time zone."""
    rows = qs.order_by().values(month=TruncMonth("submitted_at", tzinfo=tzinfo)).annotate(n=Count("id"))
    out: dict[tuple[int, int], int] = {}
    for row in rows:
        month = row["month"]
        if month is not None:
            local = month.astimezone(tzinfo) if month.tzinfo else month
            out[(local.year, local.month)] = out.get((local.year, local.month), 0) + row["n"]
    return out


class HoursBetween(Func):
    """Hours from ``start`` to ``end`` (a float; NULL when either is missing)."""

    output_field = FloatField()
    arity = 2

    def as_sql(self, compiler, conn, **extra):  # SQLite and others
        end, start = self.source_expressions
        end_sql, end_params = compiler.compile(end)
        start_sql, start_params = compiler.compile(start)
        return f"((julianday({end_sql}) - julianday({start_sql})) * 24.0)", [*end_params, *start_params]

    def as_postgresql(self, compiler, conn, **extra):
        end, start = self.source_expressions
        end_sql, end_params = compiler.compile(end)
        start_sql, start_params = compiler.compile(start)
        return f"(EXTRACT(EPOCH FROM ({end_sql} - {start_sql})) / 3600.0)", [*end_params, *start_params]


class PercentileCont(Aggregate):
    """PostgreSQL's ``percentile_cont(p) WITHIN GROUP (ORDER BY expr)``: linear interpolation between ranks."""

    function = "percentile_cont"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        self.fraction = float(fraction)
        super().__init__(expression, **extra)

    def as_sql(self, compiler, conn, **extra):
        inner_sql, params = compiler.compile(self.source_expressions[0])
        sql = f"percentile_cont({self.fraction!r}) WITHIN GROUP (ORDER BY {inner_sql})"
        if self.filter is not None:
            filter_sql, filter_params = compiler.compile(self.filter)
            sql += f" FILTER (WHERE {filter_sql})"
            params = [*params, *filter_params]
        return sql, params


DELAYS = {
    "declare": (F("submitted_at"), Coalesce("discovered_at", "occurred_at")),
    "qualify": (F("case__qualified_at"), F("submitted_at")),
    "close": (F("case__closed_at"), F("submitted_at")),
}


def percentile(values: list[float], fraction: float) -> float | None:
    """The ``fraction`` quantile of sorted ``values`` by linear interpolation between closest ranks (rank
    fraction × (n − 1)), as PostgreSQL's percentile_cont and numpy's default; None for no value."""
    if not values:
        return None
    rank = fraction * (len(values) - 1)
    low = int(rank)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (rank - low)


def statistics_delays(qs: QuerySet[Declaration]) -> dict[str, dict[str, float | None]]:
    """Median and 90th percentile, in hours, of the time to declare (discovery, else occurrence, to submission),
    to qualify (submission to qualification) and to close (submission to closure). Negative spans (a date
    typed wrong) are left out. PostgreSQL computes them in one query; elsewhere the spans alone are read,
    sorted by the database."""
    out: dict[str, dict[str, float | None]] = {}
    if connection.vendor == "postgresql":
        aggregates = {}
        for name, (end, start) in DELAYS.items():
            span = HoursBetween(end, start)
            valid = Q(**{f"{name}_span__gte": 0})
            aggregates[f"{name}_median"] = PercentileCont(F(f"{name}_span"), 0.5, filter=valid)
            aggregates[f"{name}_p90"] = PercentileCont(F(f"{name}_span"), 0.9, filter=valid)
            qs = qs.annotate(**{f"{name}_span": span})
        row = qs.order_by().aggregate(**aggregates)
        for name in DELAYS:
            out[name] = {"median_hours": row[f"{name}_median"], "p90_hours": row[f"{name}_p90"]}
        return out
    for name, (end, start) in DELAYS.items():
        spans = list(
            qs.order_by()
            .annotate(span=HoursBetween(end, start))
            .filter(span__gte=0)
            .order_by("span")
            .values_list("span", flat=True)
        )
        out[name] = {"median_hours": percentile(spans, 0.5), "p90_hours": percentile(spans, 0.9)}
    return out


def structure_type_reference() -> dict[str, tuple[str, str]]:
    """Structure type code → (label, observatory group)."""
    return {code: (label, group) for code, label, group in StructureType.objects.values_list("code", "label", "group")}


def region_names() -> dict[str, str]:
    return dict(Region.objects.values_list("code", "name"))


def category_reference() -> dict[str, tuple[str, str]]:
    """Incident category code → (label, family)."""
    return {
        code: (label, family) for code, label, family in IncidentCategory.objects.values_list("code", "label", "family")
    }


def vector_labels() -> dict[str, str]:
    return dict(Vector.objects.values_list("code", "label"))
