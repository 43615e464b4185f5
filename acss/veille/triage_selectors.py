"""Reads of the cell's triage queue (ACSS only: the views check it first).

The queue is the ``Triage`` rows, highest priority first (the best ``Match.priority`` of the record, read by a
subquery), then the newest. A page costs a constant number of queries whatever the number of rows: the count,
the page's rows with their record and assignee (one query, the records' raw documents left out), and the page's
matches (one query).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from acss.incidents.selectors.cases import acss_analysts

from .models import Family, Match, Triage, TriageState
from .selectors import KIND_ADVISORY, KIND_CVE, match_label

_DEFERRED = (
    "vulnerability__raw",
    "vulnerability__description",
    "vulnerability__affected",
    "vulnerability__references",
    "vulnerability__cpes",
    "vulnerability__cwes",
    "advisory__raw",
    "advisory__description",
    "advisory__affected",
    "advisory__references",
    "advisory__cpes",
    "advisory__conformance_warnings",
    "advisory__product_names",
)


def _record_matches(**extra) -> QuerySet[Match]:
    """The matches of the outer row's record (for ``Exists`` and ``Subquery``)."""
    return Match.objects.filter(
        Q(vulnerability_id=OuterRef("vulnerability_id"), vulnerability_id__isnull=False)
        | Q(advisory_id=OuterRef("advisory_id"), advisory_id__isnull=False),
        **extra,
    )


def triage_queue(*, filters: dict, user=None) -> QuerySet[Triage]:
    """The triage rows matching ``filters`` (state, assignee — an id, ``"moi"`` or ``"personne"`` —, family,
    minimum priority, immediate, KEV, text), highest priority first. Paginate it, then ``triage_rows``."""
    best = _record_matches().order_by("-priority").values("priority")[:1]
    qs = Triage.objects.annotate(
        best_priority=Coalesce(Subquery(best, output_field=IntegerField()), Value(0)),
        immediate=Exists(_record_matches(immediate=True)),
    )
    if state := filters.get("state"):
        qs = qs.filter(state=state)
    assignee = filters.get("assignee")
    if assignee == "moi" and user is not None:
        qs = qs.filter(assignee=user)
    elif assignee == "personne":
        qs = qs.filter(assignee__isnull=True)
    elif assignee:
        qs = qs.filter(assignee_id=assignee)
    if family := filters.get("family"):
        qs = qs.filter(Exists(_record_matches(family=family)))
    if filters.get("min_priority") is not None:
        qs = qs.filter(best_priority__gte=filters["min_priority"])
    if filters.get("immediate"):
        qs = qs.filter(immediate=True)
    if filters.get("kev"):
        qs = qs.filter(vulnerability__kev=True)
    if text := (filters.get("q") or "").strip():
        qs = qs.filter(
            Q(vulnerability__cve_id__icontains=text)
            | Q(vulnerability__title__icontains=text)
            | Q(advisory__tracking_id__icontains=text)
            | Q(advisory__title__icontains=text)
        )
    return (
        qs.select_related("vulnerability", "advisory", "assignee")
        .defer(*_DEFERRED)
        .order_by(F("best_priority").desc(), "-created_at", "-pk")
    )


@dataclass
class TriageRow:
    triage: Triage
    kind: str
    identifier: str
    title: str
    cvss: float | None
    kev: bool
    ransomware: bool
    epss: float | None
    priority: int
    immediate: bool
    families: list[str] = field(default_factory=list)
    watched: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def family_labels(self) -> list[str]:
        return [str(Family(f).label) for f in self.families]


def triage_rows(triages: list[Triage]) -> list[TriageRow]:
    """The rows of one page: their matches in one query (reasons, families, watched products)."""
    vuln_ids = [t.vulnerability_id for t in triages if t.vulnerability_id]
    advisory_ids = [t.advisory_id for t in triages if t.advisory_id]
    matches: dict[tuple[str, int], list[Match]] = {}
    if vuln_ids or advisory_ids:
        for m in (
            Match.objects.filter(Q(vulnerability_id__in=vuln_ids) | Q(advisory_id__in=advisory_ids))
            .select_related("product__vendor", "vendor")
            .order_by("-priority", "-score", "pk")
        ):
            key = ("v", m.vulnerability_id) if m.vulnerability_id else ("a", m.advisory_id)
            matches.setdefault(key, []).append(m)
    rows = []
    for t in triages:
        if t.vulnerability_id:
            record, found = t.vulnerability, matches.get(("v", t.vulnerability_id), [])
            kind, identifier = KIND_CVE, record.cve_id
            kev, ransomware, epss = record.kev, record.kev_ransomware, record.epss
        else:
            record, found = t.advisory, matches.get(("a", t.advisory_id), [])
            kind, identifier = KIND_ADVISORY, record.tracking_id
            kev, ransomware, epss = False, False, None
        reasons = list(dict.fromkeys(r for m in found for r in (m.reasons or []) if isinstance(r, str)))
        rows.append(
            TriageRow(
                triage=t,
                kind=kind,
                identifier=identifier,
                title=record.title,
                cvss=record.cvss_score,
                kev=kev,
                ransomware=ransomware,
                epss=epss,
                priority=getattr(t, "best_priority", 0),
                immediate=getattr(t, "immediate", False),
                families=sorted({m.family for m in found}),
                watched=list(dict.fromkeys(label for m in found if (label := match_label(m)))),
                reasons=reasons[:6],
            )
        )
    return rows


def triage_get(*, pk: int) -> Triage:
    triage = Triage.objects.select_related("vulnerability", "advisory").defer(*_DEFERRED).filter(pk=pk).first()
    if triage is None:
        raise Http404("triage")
    return triage


def triage_records(*, pks: list[int]) -> tuple[list[int], list[int]]:
    """The records (vulnerability ids, advisory ids) of these triage rows, for starting an alert (one query)."""
    vulns, advisories = [], []
    for vulnerability_id, advisory_id in Triage.objects.filter(pk__in=pks).values_list(
        "vulnerability_id", "advisory_id"
    ):
        if vulnerability_id:
            vulns.append(vulnerability_id)
        else:
            advisories.append(advisory_id)
    return vulns, advisories


def triage_assignee_choices() -> list[tuple[str, str]]:
    """The analysts of the cell, as choices (id, name)."""
    return [(str(u.pk), u.get_full_name() or u.email) for u in acss_analysts()]


def triage_counts() -> dict[str, int]:
    """How many rows in each state (one query)."""
    counted = dict(Triage.objects.values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    return {state: counted.get(state, 0) for state in TriageState.values}


def triage_analyst(*, pk: str | int | None):
    """The analyst of the cell with this id, or None."""
    if not pk:
        return None
    return acss_analysts().filter(pk=pk).first()
