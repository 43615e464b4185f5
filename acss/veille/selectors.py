"""Reads of the watch for the cell's pages: matched records, one record with why it matched, the watch-list.

Every read here is for ACSS only: the views check ``actor_for(user).is_acss`` first. Each page costs a fixed
number of queries whatever the number of records: the list groups ``Match`` rows by record in one query (plus
its count), then fetches the page's records and their matches in three more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, F, Max, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404

from .matching import product_label
from .models import Advisory, Family, Match, Vulnerability, WatchedProduct, WatchedVendor
from .watchlist import ANY_VENDOR

KIND_CVE = "cve"
KIND_ADVISORY = "avis"
KINDS = (KIND_CVE, KIND_ADVISORY)

_VULNERABILITY_LIST_FIELDS = [
    "id",
    "cve_id",
    "title",
    "description",
    "published",
    "cvss_score",
    "kev",
    "kev_ransomware",
    "epss",
    "epss_percentile",
]
_ADVISORY_LIST_FIELDS = ["id", "tracking_id", "title", "published", "cvss_score", "series", "publisher"]


@dataclass
class MatchedRecord:
    """One row of the list: a vulnerability or an advisory, with the best of its matches."""

    kind: str
    identifier: str
    title: str
    published: datetime | None
    cvss: float | None
    kev: bool
    ransomware: bool
    epss: float | None
    score: int
    priority: int
    immediate: bool
    families: list[str] = field(default_factory=list)
    watched: list[str] = field(default_factory=list)

    @property
    def family_labels(self) -> list[str]:
        return [str(Family(f).label) for f in self.families]


def match_filter(qs: QuerySet[Match], filters: dict) -> QuerySet[Match]:
    """The list's filters on matches: family, watched vendor, exploited (KEV), minimum score, immediate, text."""
    if filters.get("family"):
        qs = qs.filter(family=filters["family"])
    if filters.get("vendor"):
        vendor = filters["vendor"]
        qs = qs.filter(Q(vendor_id=vendor) | Q(product__vendor_id=vendor))
    if filters.get("kev"):
        qs = qs.filter(vulnerability__kev=True)
    if filters.get("min_score") is not None:
        qs = qs.filter(score__gte=filters["min_score"])
    if filters.get("immediate"):
        qs = qs.filter(immediate=True)
    if text := (filters.get("q") or "").strip():
        qs = qs.filter(
            Q(vulnerability__cve_id__icontains=text)
            | Q(vulnerability__title__icontains=text)
            | Q(vulnerability__description__icontains=text)
            | Q(advisory__tracking_id__icontains=text)
            | Q(advisory__title__icontains=text)
        )
    return qs


def matched_record_list(*, filters: dict) -> QuerySet:
    """Matched records, newest first: one dict per record (``vulnerability_id`` or ``advisory_id``) with the
    best score and priority of its matches and whether one is immediate. Paginate it, then ``matched_rows``."""
    return (
        match_filter(Match.objects.all(), filters)
        .values("vulnerability_id", "advisory_id")
        .annotate(
            published=Coalesce(Max("vulnerability__published"), Max("advisory__published")),
            best_score=Max("score"),
            best_priority=Max("priority"),
            immediate_count=Count("pk", filter=Q(immediate=True)),
        )
        .order_by(F("published").desc(nulls_last=True), "-best_priority", "vulnerability_id", "advisory_id")
    )


def matched_rows(groups: list[dict]) -> list[MatchedRecord]:
    """The rows of one page of ``matched_record_list``: three queries (vulnerabilities, advisories, matches)."""
    vuln_ids = [g["vulnerability_id"] for g in groups if g["vulnerability_id"]]
    advisory_ids = [g["advisory_id"] for g in groups if g["advisory_id"]]
    vulns = {v.pk: v for v in Vulnerability.objects.filter(pk__in=vuln_ids).only(*_VULNERABILITY_LIST_FIELDS)}
    advisories = {a.pk: a for a in Advisory.objects.filter(pk__in=advisory_ids).only(*_ADVISORY_LIST_FIELDS)}
    matches: dict[tuple[str, int], list[Match]] = {}
    if vuln_ids or advisory_ids:
        for m in (
            Match.objects.filter(Q(vulnerability_id__in=vuln_ids) | Q(advisory_id__in=advisory_ids))
            .select_related("product__vendor", "vendor")
            .order_by("-score", "pk")
        ):
            key = ("v", m.vulnerability_id) if m.vulnerability_id else ("a", m.advisory_id)
            matches.setdefault(key, []).append(m)
    rows = []
    for g in groups:
        if g["vulnerability_id"]:
            record = vulns.get(g["vulnerability_id"])
            key = ("v", g["vulnerability_id"])
        else:
            record = advisories.get(g["advisory_id"])
            key = ("a", g["advisory_id"])
        if record is None:  # deleted between the two queries
            continue
        found = matches.get(key, [])
        is_cve = isinstance(record, Vulnerability)
        rows.append(
            MatchedRecord(
                kind=KIND_CVE if is_cve else KIND_ADVISORY,
                identifier=record.cve_id if is_cve else record.tracking_id,
                title=record.title or (record.description[:160] if is_cve else ""),
                published=record.published,
                cvss=record.cvss_score,
                kev=record.kev if is_cve else False,
                ransomware=record.kev_ransomware if is_cve else False,
                epss=record.epss if is_cve else None,
                score=g["best_score"],
                priority=g["best_priority"],
                immediate=g["immediate_count"] > 0,
                families=sorted({m.family for m in found}),
                watched=list(dict.fromkeys(match_label(m) for m in found if match_label(m))),
            )
        )
    return rows


def match_label(match: Match) -> str:
    """What a match is about: the watched product, else the watched vendor, else nothing (series or sector)."""
    if match.product_id:
        product = match.product
        return product.name if product.vendor.name == ANY_VENDOR else product_label(product.vendor.name, product.name)
    if match.vendor_id:
        return match.vendor.name
    return ""


def record_get(*, kind: str, identifier: str) -> Vulnerability | Advisory:
    """A vulnerability (``cve``) or an advisory (``avis``) by its identifier; 404 otherwise."""
    if kind == KIND_CVE:
        record = Vulnerability.objects.filter(cve_id=identifier).first()
    elif kind == KIND_ADVISORY:
        record = Advisory.objects.filter(tracking_id=identifier).first()
    else:
        record = None
    if record is None:
        raise Http404("record")
    return record


def record_matches(record: Vulnerability | Advisory) -> list[Match]:
    """The matches of one record, best first, with their watched product and vendor (one query)."""
    link = {"vulnerability": record} if isinstance(record, Vulnerability) else {"advisory": record}
    return list(
        Match.objects.filter(**link).select_related("product__vendor", "vendor").order_by("-priority", "-score")
    )


def advisory_cves(advisory: Advisory) -> list[tuple[str, bool]]:
    """The CVEs an advisory covers, each with whether its record is here (one query)."""
    cves = [c for c in advisory.cves or [] if isinstance(c, str)]
    known = set(Vulnerability.objects.filter(cve_id__in=cves).values_list("cve_id", flat=True))
    return [(c, c in known) for c in cves]


def advisories_covering(vulnerability: Vulnerability) -> list[Advisory]:
    """The advisories that name this CVE (one query; the JSON text holds the identifier in quotes)."""
    return list(
        Advisory.objects.filter(cves__icontains=f'"{vulnerability.cve_id}"').only(
            "id", "tracking_id", "title", "document_format"
        )
    )


def watchlist_vendors() -> list[WatchedVendor]:
    """The watch-list with its products and how many matches each has (two queries)."""
    return list(
        WatchedVendor.objects.annotate(match_count=Count("matches", distinct=True))
        .prefetch_related(
            Prefetch(
                "products",
                queryset=WatchedProduct.objects.annotate(match_count=Count("matches")).order_by("name"),
            )
        )
        .order_by("family", "name")
    )


def watched_vendor_choices() -> list[tuple[str, str]]:
    return [(str(pk), name) for pk, name in WatchedVendor.objects.order_by("name").values_list("pk", "name")]
