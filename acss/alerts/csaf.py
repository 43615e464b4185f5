"""Each public alert as a CSAF 2.0 ``csaf_security_advisory``, the ROLIE feed that lists them and the provider's
metadata (``/.well-known/csaf/``).

- ``document.tracking``: id = the alert's reference, version = the last revision's number, the revision history
  from ``AlertRevision`` (numbers 1…n), status ``final``. CSAF 2.0 has no « withdrawn » status (2.1 adds a
  category for it): a withdrawn alert stays ``final``, gets a last revision « Alerte retirée : motif » (one is added
  when the withdrawal was not recorded as a revision) and a note saying so.
- ``product_tree``: vendor → product_name → product_version (a version written as a range, « < 4.2 », « avant
  4.2 », « 4.x », becomes a ``product_version_range``: a range is not a version, mandatory test 6.1.31).
- ``vulnerabilities``: one per CVE (one without identifier when the alert names none), every product
  ``known_affected``, the « Que faire ? » text as remediation (``vendor_fix`` when it speaks of an update or a
  fix, ``mitigation`` otherwise).
- The file name is the lower-cased tracking id, ``.json``, in the folder of the initial release's year.

Every document is checked against the ``csaf`` package's schema and mandatory tests in the tests.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.urls import reverse

from acss.accounts.referential import ACSS_CELL
from acss.alerts.models import Alert, AlertRevision, AlertState
from acss.alerts.selectors.public import cve_list, product_lines

CSAF_VERSION = "2.0"
WITHDRAWAL_TOLERANCE = timedelta(minutes=1)
TLP_LABEL = "WHITE"
TLP_URL = "https://www.first.org/tlp/"
CSAF_SCHEMA_URL = "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json"
CVE_RE = re.compile(r"^CVE-[0-9]{4}-[0-9]{4,}$")
_PLAIN_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z.\-+_]*")
_RANGE_HINTS = re.compile(
    r"(?i)(^[<>=≤≥]|\.[x*](\b|$)|\b(prior|before|earlier|later|through|all|avant|après|apres|jusqu|toutes?|"
    r"antérieures?|anterieures?|postérieures?|posterieures?|suivantes?|précédentes?|precedentes?)\b)"
)
_FIX_HINTS = re.compile(r"(?i)(mettre à jour|mise à jour|mises à jour|correctif|version corrigée|patch|update)")


def site_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def publisher() -> dict[str, str]:
    return {
        "category": "coordinator",
        "name": ACSS_CELL["name"],
        "namespace": settings.SITE_URL,
        "contact_details": ACSS_CELL["email"],
    }


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def file_name(alert: Alert) -> str:
    """CSAF's file name: the tracking id lower-cased, any character but ``+``, ``-``, a–z, 0–9 replaced by ``_``."""
    return re.sub(r"[^+\-a-z0-9]+", "_", (alert.reference or "").lower()) + ".json"


def release_year(alert: Alert, revisions: list[AlertRevision]) -> int:
    return _initial_release(alert, revisions).astimezone(UTC).year


def document_path(alert: Alert, revisions: list[AlertRevision]) -> str:
    return reverse("alerts:csaf_document", args=[release_year(alert, revisions), file_name(alert)])


def document_url(alert: Alert, revisions: list[AlertRevision]) -> str:
    return site_url(document_path(alert, revisions))


def _initial_release(alert: Alert, revisions: list[AlertRevision]) -> datetime:
    dates = [r.published_at for r in revisions]
    if alert.published_at:
        dates.append(alert.published_at)
    return min(dates)


def revision_history(alert: Alert, revisions: list[AlertRevision]) -> list[dict[str, str]]:
    """Numbers 1…n in order, dated; a withdrawal not recorded as a revision becomes the last one."""
    history = []
    for index, revision in enumerate(sorted(revisions, key=lambda r: r.number), start=1):
        history.append(
            {"date": _iso(revision.published_at), "number": str(index), "summary": revision.change_note or "—"}
        )
    if not history:
        history.append({"date": _iso(alert.published_at), "number": "1", "summary": "Publication initiale."})
    if alert.state == AlertState.WITHDRAWN and alert.withdrawn_at:
        last = max(r.published_at for r in revisions) if revisions else alert.published_at
        # The editorial may record the withdrawal as a revision itself (a moment before ``withdrawn_at``).
        if alert.withdrawn_at > last + WITHDRAWAL_TOLERANCE:
            history.append(
                {
                    "date": _iso(alert.withdrawn_at),
                    "number": str(len(history) + 1),
                    "summary": f"Alerte retirée : {alert.withdrawn_reason}",
                }
            )
    return history


def _is_range(version: str) -> bool:
    return not _PLAIN_VERSION.fullmatch(version) or bool(_RANGE_HINTS.search(version))


def product_tree(alert: Alert) -> tuple[dict[str, Any], list[str]]:
    """The tree (vendor → product → version) and the product ids of its leaves, in order."""
    ids: list[str] = []

    def leaf(name: str) -> dict[str, Any]:
        pid = f"CSAFPID-{len(ids) + 1:04d}"
        ids.append(pid)
        return {"name": name, "product_id": pid}

    vendors: dict[str, dict[str, Any]] = {}
    for line in product_lines(alert.products):
        vendor_name = line.vendor or "Éditeur non précisé"
        product_name = line.product or vendor_name
        vendor = vendors.setdefault(vendor_name.casefold(), {"category": "vendor", "name": vendor_name, "branches": []})
        full_name = f"{vendor_name} {product_name}".strip()
        if line.versions:
            children = []
            for version in line.versions:
                category = "product_version_range" if _is_range(version) else "product_version"
                children.append({"category": category, "name": version, "product": leaf(f"{full_name} {version}")})
            vendor["branches"].append({"category": "product_name", "name": product_name, "branches": children})
        else:
            vendor["branches"].append({"category": "product_name", "name": product_name, "product": leaf(full_name)})
    if not vendors:
        return {"full_product_names": [leaf(f"Produits visés par l'alerte {alert.reference}")]}, ids
    return {"branches": list(vendors.values())}, ids


def _notes(alert: Alert) -> list[dict[str, str]]:
    notes = []
    if alert.state == AlertState.WITHDRAWN:
        notes.append(
            {
                "category": "general",
                "title": "Alerte retirée",
                "text": f"Cette alerte a été retirée : {alert.withdrawn_reason}",
            }
        )
    for category, title, text in (
        ("summary", "En bref", alert.summary),
        ("general", "Qui est concerné ?", alert.who),
        ("general", "Que faire ?", alert.actions),
        ("details", "Détails techniques", alert.technical),
    ):
        if text.strip():
            notes.append({"category": category, "title": title, "text": text})
    notes.append(
        {
            "category": "legal_disclaimer",
            "title": "Conditions d'utilisation",
            "text": "Alerte publiée par la cellule ACSS, librement réutilisable (TLP:WHITE).",
        }
    )
    return notes


def _references(alert: Alert, revisions: list[AlertRevision]) -> list[dict[str, str]]:
    refs = [
        {"category": "self", "summary": "Ce document CSAF", "url": document_url(alert, revisions)},
        {
            "category": "self",
            "summary": "L'alerte sur le site de la cellule ACSS",
            "url": site_url(reverse("alerts:alert_detail", args=[alert.reference])),
        },
    ]
    for value in alert.references or []:
        url = value.get("url", "") if isinstance(value, dict) else str(value)
        label = (value.get("title") or value.get("label") or "") if isinstance(value, dict) else ""
        url = str(url or "").strip()
        if url.startswith(("https://", "http://")) and not re.search(r"\s", url):
            refs.append({"category": "external", "summary": str(label or url), "url": url})
    return refs


def remediation_category(alert: Alert) -> str:
    return "vendor_fix" if _FIX_HINTS.search(alert.actions or "") else "mitigation"


def _vulnerabilities(alert: Alert, product_ids: list[str]) -> list[dict[str, Any]]:
    description = alert.summary.strip() or alert.title
    common: dict[str, Any] = {
        "notes": [{"category": "description", "title": "En bref", "text": description}],
        "product_status": {"known_affected": list(product_ids)},
    }
    if alert.actions.strip():
        common["remediations"] = [
            {"category": remediation_category(alert), "details": alert.actions, "product_ids": list(product_ids)}
        ]
    if alert.exploited:
        common["threats"] = [
            {
                "category": "exploit_status",
                "details": "Exploitation active constatée.",
                "product_ids": list(product_ids),
            }
        ]
    cves = [c for c in cve_list(alert.cves) if CVE_RE.match(c)]
    if not cves:
        return [{"title": alert.title, **common}]
    return [{"cve": cve, **common} for cve in cves]


def csaf_document(alert: Alert, revisions: list[AlertRevision]) -> dict[str, Any]:
    """The CSAF 2.0 document of a published or withdrawn alert (``revisions``: its ``AlertRevision`` rows)."""
    history = revision_history(alert, revisions)
    tree, product_ids = product_tree(alert)
    return {
        "document": {
            "category": "csaf_security_advisory",
            "csaf_version": CSAF_VERSION,
            "lang": "fr",
            "publisher": publisher(),
            "title": alert.title,
            "tracking": {
                "id": alert.reference,
                "status": "final",
                "version": history[-1]["number"],
                "initial_release_date": _iso(_initial_release(alert, revisions)),
                "current_release_date": history[-1]["date"],
                "revision_history": history,
                "generator": {"engine": {"name": "ACSS"}},
            },
            "distribution": {"tlp": {"label": TLP_LABEL, "url": TLP_URL}},
            "notes": _notes(alert),
            "references": _references(alert, revisions),
        },
        "product_tree": tree,
        "vulnerabilities": _vulnerabilities(alert, product_ids),
    }


def feed_path() -> str:
    return reverse("alerts:csaf_rolie_feed")


def rolie_feed(items: list[tuple[Alert, list[AlertRevision]]]) -> dict[str, Any]:
    """The ROLIE feed (TLP:WHITE) listing every document."""
    entries = []
    for alert, revisions in items:
        history = revision_history(alert, revisions)
        url = document_url(alert, revisions)
        entries.append(
            {
                "id": alert.reference,
                "title": alert.title,
                "link": [{"rel": "self", "href": url}],
                "published": _iso(_initial_release(alert, revisions)),
                "updated": history[-1]["date"],
                "summary": {"content": alert.summary or alert.title},
                "content": {"type": "application/json", "src": url},
                "format": {"schema": CSAF_SCHEMA_URL, "version": CSAF_VERSION},
            }
        )
    updated = max((e["updated"] for e in entries), default=_iso(datetime(2026, 1, 1, tzinfo=UTC)))
    return {
        "feed": {
            "id": "acss-csaf-feed-tlp-white",
            "title": "Alertes de la cellule ACSS (CSAF, TLP:WHITE)",
            "link": [{"rel": "self", "href": site_url(feed_path())}],
            "category": [{"scheme": "urn:ietf:params:rolie:category:information-type", "term": "csaf"}],
            "updated": updated,
            "entry": entries,
        }
    }


def provider_metadata(*, last_updated: datetime | None) -> dict[str, Any]:
    """``provider-metadata.json`` (CSAF 2.0, section 7.1.20): a ``csaf_provider`` distributing by ROLIE."""
    return {
        "canonical_url": site_url(reverse("alerts:csaf_provider_metadata")),
        "distributions": [
            {
                "rolie": {
                    "feeds": [
                        {
                            "summary": "Alertes de la cellule ACSS, TLP:WHITE",
                            "tlp_label": TLP_LABEL,
                            "url": site_url(feed_path()),
                        }
                    ]
                }
            }
        ],
        "last_updated": _iso(last_updated or datetime(2026, 1, 1, tzinfo=UTC)),
        "list_on_CSAF_aggregators": True,
        "metadata_version": CSAF_VERSION,
        "mirror_on_CSAF_aggregators": True,
        "publisher": publisher(),
        "role": "csaf_provider",
    }
