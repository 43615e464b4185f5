"""The observatory's reads: the published years (from their snapshots, never from the declarations), the live
indicators of the dashboards, and the counts behind the open-data file."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Max, Q
from django.db.models.functions import ExtractYear
from django.utils import timezone

from acss.core.models import Region, StructureType
from acss.incidents.selectors import statistics

from .indicators import GROUP_LABELS, compute_indicators
from .models import PublishedYear
from .periods import PARIS, Period


def published_year_latest(year: int) -> PublishedYear | None:
    """The latest version of a published year (what the public pages show), or None."""
    return PublishedYear.objects.filter(year=year).order_by("-version").first()


def published_year_get(*, year: int, version: int | None = None) -> PublishedYear | None:
    if version is None:
        return published_year_latest(year)
    return PublishedYear.objects.filter(year=year, version=version).first()


def published_year_versions(year: int) -> list[PublishedYear]:
    """Every version of a year, the latest first, without their snapshots."""
    return list(
        PublishedYear.objects.filter(year=year)
        .order_by("-version")
        .select_related("published_by")
        .defer("figures", "open_data")
    )


def published_years_summary() -> list[dict]:
    """Each published year once (its latest version) with its declarations, oldest first; one query."""
    latest = PublishedYear.objects.values("year").annotate(version=Max("version")).values_list("year", "version")
    wanted = Q()
    for year, version in latest:
        wanted |= Q(year=year, version=version)
    if not wanted:
        return []
    rows = (
        PublishedYear.objects.filter(wanted)
        .order_by("year")
        .values("year", "version", "figures__indicators__declarations")
    )
    return [
        {"year": r["year"], "version": r["version"], "declarations": r["figures__indicators__declarations"] or 0}
        for r in rows
    ]


def published_versions_all() -> list[PublishedYear]:
    return list(
        PublishedYear.objects.order_by("-year", "-version").select_related("published_by").defer("figures", "open_data")
    )


def _counted():
    """Every declaration the observatory counts (the indicators' definition: merged duplicates left out), from the
    platform's first year to now."""
    return statistics.declarations_counted(
        start=datetime(2000, 1, 1, tzinfo=PARIS), end=timezone.now() + timedelta(days=1)
    )


def live_indicators(period: Period, *, region: str | None = None) -> dict:
    return compute_indicators(period, region=region)


def yearly_counts() -> dict[int, int]:
    """Declarations per calendar year (Paris time) over every year with some."""
    rows = (
        _counted()
        .annotate(year=ExtractYear("submitted_at", tzinfo=PARIS))
        .values("year")
        .annotate(n=Count("id"))
        .order_by("year")
    )
    return {r["year"]: r["n"] for r in rows}


def open_data_counts(period: Period) -> dict[tuple[str, str], tuple[int, int]]:
    """(region code, structure type group) → (declaring structures, declarations) over the period."""
    rows = (
        statistics.declarations_counted(start=period.start, end=period.end)
        .order_by()
        .values("structure__departement__region_id", "structure__structure_type__group")
        .annotate(structures=Count("structure_id", distinct=True), declarations=Count("id"))
    )
    return {
        (r["structure__departement__region_id"], r["structure__structure_type__group"]): (
            r["structures"],
            r["declarations"],
        )
        for r in rows
    }


def regions() -> dict[str, str]:
    return dict(Region.objects.order_by("code").values_list("code", "name"))


def region_get(code: str) -> Region | None:
    return Region.objects.filter(code=code).first()


def structure_groups() -> list[str]:
    """The observatory's groups of structure types, in the order of the « en bref »."""
    present = set(StructureType.objects.values_list("group", flat=True))
    return [g for g in GROUP_LABELS if g in present] + sorted(present - set(GROUP_LABELS))


def now_paris():
    return timezone.now().astimezone(PARIS)


def monthly_counts(*, months: list[str], region: str | None = None) -> dict[str, int]:
    """« YYYY-MM » → declarations, over the given consecutive months (Paris time), of one region or all."""
    first = Period.parse(months[0])
    last = Period.parse(months[-1])
    qs = statistics.declarations_counted(start=first.start, end=last.end, region=region)
    return {f"{y:04d}-{m:02d}": n for (y, m), n in statistics.statistics_by_month(qs, PARIS).items()}
