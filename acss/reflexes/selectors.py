"""Reads of reflex sheets ("what to do in the first hour").

Published sheets are public. Every list comes with each sheet's current version and typologies
prefetched, in a fixed number of queries whatever the number of sheets.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404

from acss.core.models import IncidentCategory
from acss.reflexes.models import ReflexSheet, ReflexSheetVersion

CYBERMALVEILLANCE_URL = "https://www.cybermalveillance.gouv.fr/"
# Who is oriented to cybermalveillance.gouv.fr: small structures (StructureSize.SMALL) and the
# medico-social sector (EHPAD…), which rarely have IT staff (observatory group of StructureType).
ORIENTED_SIZES = frozenset({"small"})
ORIENTED_STRUCTURE_GROUPS = frozenset({"medico_social"})


def _with_current_version(qs: QuerySet[ReflexSheet]) -> QuerySet[ReflexSheet]:
    latest = ReflexSheetVersion.objects.filter(sheet=OuterRef("sheet")).order_by("-number").values("number")[:1]
    return qs.prefetch_related(
        Prefetch(
            "versions",
            queryset=ReflexSheetVersion.objects.filter(number=Subquery(latest)),
            to_attr="_current_versions",
        ),
        Prefetch("categories", queryset=IncidentCategory.objects.order_by("position", "label")),
    )


def _published() -> QuerySet[ReflexSheet]:
    has_text = Exists(ReflexSheetVersion.objects.filter(sheet=OuterRef("pk")))
    return ReflexSheet.objects.filter(has_text, is_published=True)


def reflex_sheet_list_published() -> list[ReflexSheet]:
    """Published sheets that have a text, in display order."""
    return list(_with_current_version(_published()).order_by("position", "title"))


def reflex_sheet_get(slug: str, *, published_only: bool = True) -> ReflexSheet:
    """One sheet with its current version; 404 if missing (or unpublished when ``published_only``)."""
    qs = _published() if published_only else ReflexSheet.objects.all()
    try:
        return _with_current_version(qs).get(slug=slug)
    except ReflexSheet.DoesNotExist:
        raise Http404("reflex sheet not found") from None


def reflex_sheet_version_list(*, sheet: ReflexSheet) -> QuerySet[ReflexSheetVersion]:
    """Every version of a sheet, newest first."""
    return sheet.versions.select_related("created_by").order_by("-number")


def reflex_sheet_version_get(*, sheet: ReflexSheet, number: int) -> ReflexSheetVersion:
    try:
        return sheet.versions.select_related("created_by").get(number=number)
    except ReflexSheetVersion.DoesNotExist:
        raise Http404("reflex sheet version not found") from None


def reflex_sheets_for_categories(*, category_codes: Iterable[str]) -> list[ReflexSheet]:
    """The published sheets answering any of these incident categories (codes of ``IncidentCategory``).

    Ordered by position, each sheet once, current version and typologies prefetched. Unknown
    codes match nothing. Called by the intake right after a declaration is submitted.
    """
    codes = sorted({code for code in category_codes if code})
    if not codes:
        return []
    qs = _published().filter(categories__code__in=codes).distinct()
    return list(_with_current_version(qs).order_by("position", "title"))


def reflex_sheet_index_by_category(
    *, sheets: Sequence[ReflexSheet]
) -> list[tuple[IncidentCategory, list[ReflexSheet]]]:
    """Group already-loaded sheets by typology, in the typology's order (no query)."""
    by_code: dict[str, tuple[IncidentCategory, list[ReflexSheet]]] = {}
    for sheet in sheets:
        for category in sheet.categories.all():
            by_code.setdefault(category.code, (category, []))[1].append(sheet)
    return sorted(by_code.values(), key=lambda item: (item[0].position, str(item[0].label)))


def orientation_for_structure(structure) -> bool:
    """Whether to orient this structure to cybermalveillance.gouv.fr.

    True for a small structure or a medico-social one (EHPAD…): they seldom have IT staff, and
    the national scheme puts them in touch with labelled providers nearby. ACSS stays their
    interlocutor for the declaration itself.
    """
    if structure is None:
        return False
    if getattr(structure, "size", None) in ORIENTED_SIZES:
        return True
    structure_type = getattr(structure, "structure_type", None)
    return structure_type is not None and structure_type.group in ORIENTED_STRUCTURE_GROUPS
