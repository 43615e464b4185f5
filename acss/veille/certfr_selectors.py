"""Reads of the CERT-FR advisories' pages (the cell only: the views check ``actor_for(user).is_acss`` first).

The list costs a fixed number of queries: the page's advisories with, for each, how many structures it concerns
(structures whose inventory holds a confirmed watch-list product the advisory matched, counted in the database)
and how many watch-list matches it has; plus the paginator's count.
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from .models import Advisory, DocumentFormat

_LIST_FIELDS = ["id", "tracking_id", "title", "published", "updated", "risks", "cves", "scada", "revisions"]


def certfr_list(*, filters: dict) -> QuerySet[Advisory]:
    """The imported CERT-FR advisories, last revised first, filtered by text, SCADA, matched."""
    qs = Advisory.objects.filter(document_format=DocumentFormat.CERTFR)
    if text := (filters.get("q") or "").strip():
        qs = qs.filter(
            Q(tracking_id__icontains=text)
            | Q(title__icontains=text)
            | Q(description__icontains=text)
            | Q(cves__icontains=f'"{text.upper()}"')
        )
    if filters.get("scada"):
        qs = qs.filter(scada=True)
    if filters.get("matched"):
        qs = qs.filter(matches__isnull=False)
    return (
        qs.only(*_LIST_FIELDS)
        .annotate(
            match_count=Count("matches", distinct=True),
            structure_count=Count(
                "matches__product__inventory_items__structure",
                filter=Q(matches__product__inventory_items__match_confirmed=True),
                distinct=True,
            ),
        )
        .order_by("-updated", "-tracking_id")
    )


def certfr_get(*, reference: str) -> Advisory:
    """One CERT-FR advisory by its reference, with its structures count; 404 otherwise."""
    advisory = (
        Advisory.objects.filter(document_format=DocumentFormat.CERTFR, tracking_id=reference)
        .annotate(
            structure_count=Count(
                "matches__product__inventory_items__structure",
                filter=Q(matches__product__inventory_items__match_confirmed=True),
                distinct=True,
            )
        )
        .first()
    )
    if advisory is None:
        raise Http404("certfr")
    return advisory
