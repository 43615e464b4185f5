"""Reads of the cell's editorial pages (ACSS only: the views check it first)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import Http404
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from acss.reflexes.rendering import markdown_to_html
from acss.veille.models import WatchedProduct

from ..models import Alert, AlertRevision, AlertState, PendingState, Severity

# What readers see of an alert, in the order of the page; each revision's snapshot holds them all.
READER_FIELDS = (
    "title",
    "severity",
    "cvss_score",
    "cvss_vector",
    "exploited",
    "ransomware",
    "epss",
    "products",
    "cves",
    "summary",
    "who",
    "actions",
    "technical",
    "references",
)
# What the editor changes: the reader fields and the watched products the alert concerns.
EDITABLE_FIELDS = (*READER_FIELDS, "watched_products")


def reader_values(alert: Alert) -> dict:
    """What readers see of the alert now (JSON-ready), with its watched products (one query)."""
    values = {name: getattr(alert, name) for name in READER_FIELDS}
    values["cvss_score"] = None if alert.cvss_score is None else str(alert.cvss_score)
    values["watched_products"] = sorted(alert.watched_products.values_list("pk", flat=True))
    return values


def editable_values(alert: Alert) -> dict:
    """What the editor shows: the pending version of a published alert when there is one, else the alert."""
    if alert.state == AlertState.PUBLISHED and alert.pending.get("fields"):
        return dict(alert.pending["fields"])
    return reader_values(alert)


FIELD_LABELS = {
    "title": _("Titre"),
    "severity": _("Gravité"),
    "cvss_score": _("Score CVSS"),
    "cvss_vector": _("Vecteur CVSS"),
    "exploited": _("Exploitée"),
    "ransomware": _("Utilisée par des rançongiciels"),
    "epss": _("EPSS"),
    "products": _("Produits et versions"),
    "cves": _("CVE"),
    "summary": _("En bref"),
    "who": _("Qui est concerné ?"),
    "actions": _("Que faire ?"),
    "technical": _("Détails techniques"),
    "references": _("Références"),
    "watched_products": _("Produits surveillés concernés"),
}

_LIST_FIELDS = (
    "id",
    "reference",
    "state",
    "title",
    "severity",
    "pending_state",
    "created_at",
    "submitted_at",
    "published_at",
    "updated_at",
    "withdrawn_at",
    "created_by__email",
    "submitted_by__email",
)


@dataclass
class CellLists:
    drafts: list[Alert] = field(default_factory=list)
    to_approve: list[Alert] = field(default_factory=list)
    published: list[Alert] = field(default_factory=list)
    withdrawn: list[Alert] = field(default_factory=list)


def alert_cell_lists() -> CellLists:
    """Every alert, by what the cell has to do with it (one query): drafts (and published alerts whose next
    version is being written), to approve (first publication or update), published, withdrawn."""
    lists = CellLists()
    for alert in (
        Alert.objects.select_related("created_by", "submitted_by")
        .only(*_LIST_FIELDS)
        .order_by("-published_at", "-created_at", "-pk")
    ):
        if alert.state == AlertState.DRAFT:
            lists.drafts.append(alert)
        elif alert.state == AlertState.SUBMITTED or alert.pending_state == PendingState.SUBMITTED:
            lists.to_approve.append(alert)
        elif alert.state == AlertState.PUBLISHED:
            lists.published.append(alert)
            if alert.pending_state == PendingState.DRAFT:
                lists.drafts.append(alert)
        else:
            lists.withdrawn.append(alert)
    return lists


def alert_cell_get(*, pk: int) -> Alert:
    alert = (
        Alert.objects.select_related("created_by", "submitted_by", "approved_by", "withdrawn_by").filter(pk=pk).first()
    )
    if alert is None:
        raise Http404("alert")
    return alert


def alert_revision_list(*, alert: Alert) -> QuerySet[AlertRevision]:
    return alert.revisions.select_related("by").order_by("number")


def _text(name: str, value) -> str:
    """A field's value as the reviewer reads it in a diff."""
    if value in (None, ""):
        return ""
    if name == "severity":
        return str(Severity(value).label) if value in Severity.values else str(value)
    if name in ("exploited", "ransomware"):
        return str(_("Oui")) if value else str(_("Non"))
    if name == "products":
        return "\n".join(
            " ; ".join(str(p.get(k) or "") for k in ("vendor", "product", "versions")).rstrip(" ;")
            for p in value
            if isinstance(p, dict)
        )
    if name == "watched_products":
        names = dict((p.pk, str(p)) for p in WatchedProduct.objects.select_related("vendor").filter(pk__in=list(value)))
        return "\n".join(names.get(pk, str(pk)) for pk in value)
    if isinstance(value, list):
        return "\n".join(v.get("url", "") if isinstance(v, dict) else str(v) for v in value)
    return str(value)


@dataclass
class FieldDiff:
    name: str
    label: str
    lines: list[tuple[str, str]]  # ("same" | "removed" | "added", text)


def values_diff(*, before: dict, after: dict) -> list[FieldDiff]:
    """The fields that differ between two versions, each as lines kept, removed and added."""
    diffs = []
    for name, label in FIELD_LABELS.items():
        old, new = _text(name, before.get(name)), _text(name, after.get(name))
        if old == new:
            continue
        lines = []
        for line in difflib.ndiff(old.splitlines(), new.splitlines()):
            code, text = line[:2], line[2:]
            if code == "  ":
                lines.append(("same", text))
            elif code == "- ":
                lines.append(("removed", text))
            elif code == "+ ":
                lines.append(("added", text))
        diffs.append(FieldDiff(name=name, label=str(label), lines=lines))
    return diffs


def alert_pending_diff(*, alert: Alert, published: dict) -> list[FieldDiff]:
    """What the pending version of a published alert changes (``published``: its current values)."""
    if alert.state != AlertState.PUBLISHED or not alert.pending.get("fields"):
        return []
    return values_diff(before=published, after=alert.pending["fields"])


def technical_html(text: str) -> SafeString:
    """The technical part, Markdown rendered and sanitised (no script, no handler, no image)."""
    return markdown_to_html(text or "")


def watched_product_labels(pks: list[int]) -> list[str]:
    return [str(p) for p in WatchedProduct.objects.select_related("vendor").filter(pk__in=list(pks or []))]


def alert_sources(*, alert: Alert) -> list[tuple[str, str]]:
    """The watch records the alert was written from, as (kind of the watch's page, identifier) (two queries)."""
    cves = [("cve", cve_id) for cve_id in alert.vulnerabilities.order_by("cve_id").values_list("cve_id", flat=True)]
    advisories = [
        ("avis", tracking_id)
        for tracking_id in alert.advisories.order_by("tracking_id").values_list("tracking_id", flat=True)
    ]
    return cves + advisories
