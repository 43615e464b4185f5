"""Reads of the public space: published (and withdrawn) alerts, their history, the news of the watch.

Only ``published`` and ``withdrawn`` alerts are ever read here; drafts and alerts awaiting approval do not exist
for the public (a 404). A list costs a fixed number of queries whatever the number of alerts: the filters on the
JSON fields (products, CVE) are decided in Python over one query of the public alerts' identifiers and JSON
fields (identical on SQLite and PostgreSQL, accents included), then the page is read with its last revision date
as an annotation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Max, Q, QuerySet
from django.http import Http404

from acss.alerts.models import Alert, AlertRevision, AlertState
from acss.veille.models import NewsItem

PUBLIC_STATES = (AlertState.PUBLISHED, AlertState.WITHDRAWN)


@dataclass(frozen=True)
class AlertFilters:
    """What the reader asked for; empty values mean « any »."""

    q: str = ""
    severity: str = ""
    vendor: str = ""
    product: str = ""
    cve: str = ""
    exploited: bool | None = None
    published_from: date | None = None
    published_to: date | None = None
    include_withdrawn: bool = False


@dataclass
class ProductLine:
    vendor: str
    product: str
    versions: list[str] = field(default_factory=list)

    @property
    def versions_text(self) -> str:
        return ", ".join(self.versions)


def _fold(value: Any) -> str:
    return str(value or "").casefold().strip()


def product_lines(products: Any) -> list[ProductLine]:
    """The alert's ``products`` JSON as lines (tolerant of a missing key, a list or a string of versions)."""
    lines = []
    for item in products or []:
        if not isinstance(item, dict):
            if str(item).strip():
                lines.append(ProductLine("", str(item).strip()))
            continue
        raw = item.get("versions", "")
        if isinstance(raw, (list, tuple)):
            versions = [str(v).strip() for v in raw if str(v).strip()]
        else:
            versions = [v.strip() for v in re.split(r"[;,\n]", str(raw or "")) if v.strip()]
        vendor = str(item.get("vendor", "") or "").strip()
        product = str(item.get("product", "") or "").strip()
        if vendor or product:
            lines.append(ProductLine(vendor, product, versions))
    return lines


def cve_list(cves: Any) -> list[str]:
    """The alert's CVE identifiers, upper-case, in order, without duplicates."""
    out: list[str] = []
    for value in cves or []:
        text = value.get("id", "") if isinstance(value, dict) else value
        text = str(text or "").strip().upper()
        if text and text not in out:
            out.append(text)
    return out


def _public() -> QuerySet[Alert]:
    return Alert.objects.filter(state__in=PUBLIC_STATES)


def _json_matches(filters: AlertFilters) -> tuple[set[int] | None, set[int]]:
    """(ids kept by the vendor/product/CVE filters, or None when none is set; ids whose products or CVE contain
    the searched text)."""
    vendor, product, cve, q = _fold(filters.vendor), _fold(filters.product), _fold(filters.cve), _fold(filters.q)
    if not (vendor or product or cve or q):
        return None, set()
    kept: set[int] = set()
    found: set[int] = set()
    for pk, products, cves in _public().values_list("pk", "products", "cves"):
        lines = product_lines(products)
        ids = [_fold(c) for c in cve_list(cves)]
        ok = True
        if vendor and not any(_fold(line.vendor) == vendor for line in lines):
            ok = False
        if product and not any(product in _fold(line.product) for line in lines):
            ok = False
        if cve and not any(cve in c for c in ids):
            ok = False
        if ok:
            kept.add(pk)
        if q and (any(q in _fold(f"{line.vendor} {line.product}") for line in lines) or any(q in c for c in ids)):
            found.add(pk)
    return (kept if (vendor or product or cve) else None), found


def alert_list_public(*, filters: AlertFilters = AlertFilters()) -> QuerySet[Alert]:
    """Public alerts matching ``filters``, newest first, each with ``last_revision_at`` (its last revision's
    date, else its publication)."""
    qs = _public() if filters.include_withdrawn else Alert.objects.filter(state=AlertState.PUBLISHED)
    kept, found = _json_matches(filters)
    if kept is not None:
        qs = qs.filter(pk__in=kept)
    if filters.q:
        text = filters.q.strip()
        qs = qs.filter(
            Q(title__icontains=text)
            | Q(reference__iexact=text)
            | Q(summary__icontains=text)
            | Q(who__icontains=text)
            | Q(actions__icontains=text)
            | Q(technical__icontains=text)
            | Q(pk__in=found)
        )
    if filters.severity:
        qs = qs.filter(severity=filters.severity)
    if filters.exploited is not None:
        qs = qs.filter(exploited=filters.exploited)
    if filters.published_from:
        qs = qs.filter(published_at__date__gte=filters.published_from)
    if filters.published_to:
        qs = qs.filter(published_at__date__lte=filters.published_to)
    return qs.annotate(last_revision_at=Max("revisions__published_at")).order_by("-published_at", "-pk")


def alert_vendor_choices() -> list[tuple[str, str]]:
    """The vendors named by published alerts, for the filter (one query)."""
    names: dict[str, str] = {}
    for products in _public().values_list("products", flat=True):
        for line in product_lines(products):
            if line.vendor:
                names.setdefault(_fold(line.vendor), line.vendor)
    return sorted(((v, v) for v in names.values()), key=lambda pair: pair[0].casefold())


def alert_get_public(*, reference: str) -> Alert:
    """The published or withdrawn alert of this reference, with its revisions; 404 otherwise (drafts too)."""
    alert = (
        _public().filter(reference__iexact=reference).annotate(last_revision_at=Max("revisions__published_at")).first()
    )
    if alert is None:
        raise Http404("alerte")
    return alert


def alert_revisions(*, alert: Alert) -> list[AlertRevision]:
    return list(AlertRevision.objects.filter(alert=alert).order_by("number"))


def alert_feed_items(*, limit: int = 50) -> QuerySet[Alert]:
    """The newest published alerts for the RSS and Atom feeds."""
    return (
        Alert.objects.filter(state=AlertState.PUBLISHED)
        .annotate(last_revision_at=Max("revisions__published_at"))
        .order_by("-published_at", "-pk")[:limit]
    )


def alerts_with_revisions_public() -> list[tuple[Alert, list[AlertRevision]]]:
    """Every public alert with its revisions, in two queries (the CSAF feed and documents)."""
    alerts = list(_public().order_by("-published_at", "-pk").prefetch_related("revisions"))
    return [(alert, sorted(alert.revisions.all(), key=lambda r: r.number)) for alert in alerts]


def alerts_of_period(*, start: datetime, end: datetime) -> tuple[list[Alert], list[Alert]]:
    """Public alerts first published in [start, end), and those published before but revised (or withdrawn) in it."""
    published = list(
        _public()
        .filter(published_at__gte=start, published_at__lt=end)
        .annotate(last_revision_at=Max("revisions__published_at"))
        .order_by("published_at", "pk")
    )
    revised_ids = (
        AlertRevision.objects.filter(published_at__gte=start, published_at__lt=end, alert__state__in=PUBLIC_STATES)
        .exclude(alert__published_at__gte=start)
        .values("alert_id")
    )
    withdrawn = Q(withdrawn_at__gte=start, withdrawn_at__lt=end, published_at__lt=start)
    updated = list(
        _public()
        .filter(Q(pk__in=revised_ids) | withdrawn)
        .prefetch_related("revisions")
        .annotate(last_revision_at=Max("revisions__published_at"))
        .order_by("published_at", "pk")
    )
    return published, updated


def news_list_public(*, q: str = "") -> QuerySet[NewsItem]:
    qs = NewsItem.objects.all()
    if q.strip():
        text = q.strip()
        qs = qs.filter(Q(title__icontains=text) | Q(summary__icontains=text) | Q(feed__icontains=text))
    return qs.order_by("-published", "-pk")


def news_of_period(*, start: datetime, end: datetime) -> list[NewsItem]:
    return list(NewsItem.objects.filter(published__gte=start, published__lt=end).order_by("published", "pk"))
