"""One shape for everything the watch imports (CVE JSON 5, CSAF 2.0, KEV, news): what matching reads.

The normalisers here are pure functions of the parsed JSON; the importers store their result, the matcher
(``matching.py``) scores it against the watch-list. Keep them free of database access.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

CVE_ID_RE = re.compile(r"^CVE-\d{4}-\d{4,}$")


@dataclass
class AffectedProduct:
    vendor: str = ""
    product: str = ""
    versions: list[str] = field(default_factory=list)
    cpes: list[str] = field(default_factory=list)


@dataclass
class NormalizedItem:
    kind: str  # "cve" | "csaf" | "news"
    identifier: str  # CVE-2024-1234, ICSMA-17-009-01A, a feed item's guid
    title: str = ""
    description: str = ""
    published: datetime | None = None
    updated: datetime | None = None
    affected: list[AffectedProduct] = field(default_factory=list)
    cpes: list[str] = field(default_factory=list)  # every CPE string found in the record
    product_names: list[str] = field(default_factory=list)  # CSAF product-tree full names
    cves: list[str] = field(default_factory=list)  # for an advisory: the CVEs it covers
    cvss_score: float | None = None  # highest base score found
    cvss_vector: str = ""
    cwes: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    series: str = ""  # CSAF: "ICSMA", "ICSA"… from the tracking id
    sector: str = ""  # CSAF: the critical-infrastructure sectors named by the advisory, lower case
    publisher: str = ""
    warnings: list[str] = field(default_factory=list)  # conformance problems kept with the record


def _parse_dt(value) -> datetime | None:
    """An ISO 8601 date-time; one without an offset (a quarter of the CVE records here) is taken as UTC."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _english(descriptions: list[dict]) -> str:
    for d in descriptions or []:
        if str(d.get("lang", "")).lower().startswith("en") and d.get("value"):
            return d["value"]
    return (descriptions or [{}])[0].get("value", "") if descriptions else ""


def _metrics_max(metrics: list[dict]) -> tuple[float | None, str]:
    best, vector = None, ""
    for metric in metrics or []:
        for key in ("cvssV4_0", "cvssV3_1", "cvssV3_0", "cvssV2_0"):
            data = metric.get(key)
            if data and isinstance(data.get("baseScore"), int | float):
                if best is None or data["baseScore"] > best:
                    best, vector = float(data["baseScore"]), data.get("vectorString", "")
    return best, vector


def normalize_cve5(record: dict) -> NormalizedItem:
    """A CVE JSON 5 record (CNA container, plus the CISA ADP container's CVSS and CPEs when present)."""
    meta = record.get("cveMetadata") or {}
    identifier = meta.get("cveId", "")
    if not CVE_ID_RE.match(identifier):
        raise ValueError(f"not a CVE record: cveMetadata.cveId={identifier!r}")
    containers = record.get("containers") or {}
    cna = containers.get("cna") or {}
    adps = containers.get("adp") or []
    item = NormalizedItem(
        kind="cve",
        identifier=identifier,
        title=cna.get("title", "") or "",
        # A rejected record has no description, only its reasons ("DO NOT USE THIS CANDIDATE NUMBER…").
        description=_english(cna.get("descriptions", []) or cna.get("rejectedReasons", [])),
        published=_parse_dt(meta.get("datePublished")),
        updated=_parse_dt(meta.get("dateUpdated")),
        publisher=(cna.get("providerMetadata") or {}).get("shortName", "") or meta.get("assignerShortName", ""),
    )
    for container in [cna, *adps]:
        for affected in container.get("affected", []) or []:
            product = AffectedProduct(
                vendor=affected.get("vendor", "") or "",
                product=affected.get("product", "") or "",
                versions=[v.get("version", "") for v in affected.get("versions", []) or [] if v.get("version")],
                cpes=list(affected.get("cpes", []) or []),
            )
            item.affected.append(product)
            item.cpes.extend(product.cpes)
        score, vector = _metrics_max(container.get("metrics", []))
        if score is not None and (item.cvss_score is None or score > item.cvss_score):
            item.cvss_score, item.cvss_vector = score, vector
        for problem in container.get("problemTypes", []) or []:
            for desc in problem.get("descriptions", []) or []:
                if desc.get("cweId") and desc["cweId"] not in item.cwes:
                    item.cwes.append(desc["cweId"])
        item.references.extend(r.get("url", "") for r in container.get("references", []) or [] if r.get("url"))
    item.cpes = sorted(set(item.cpes))
    return item


SECTOR_RE = re.compile(
    r"(healthcare and public health|critical manufacturing|energy|water|transportation|"
    r"communications|information technology|commercial facilities|food and agriculture|"
    r"government facilities|chemical|emergency services|financial services|dams|"
    r"defense industrial base|nuclear)",
    re.IGNORECASE,
)


def _walk_branches(branches: list[dict], path: list[tuple[str, str]], out: list[tuple[dict, list]]) -> None:
    for branch in branches or []:
        here = [*path, (branch.get("category", ""), branch.get("name", ""))]
        if "product" in branch:
            out.append((branch["product"], here))
        _walk_branches(branch.get("branches", []), here, out)


def normalize_csaf(document: dict) -> NormalizedItem:
    """A CSAF 2.0 advisory: tracking id, series (its prefix), sectors from the notes, the product tree's names."""
    doc = document.get("document") or {}
    tracking = doc.get("tracking") or {}
    identifier = tracking.get("id", "")
    if not identifier:
        raise ValueError("not a CSAF document: document.tracking.id is missing")
    item = NormalizedItem(
        kind="csaf",
        identifier=identifier,
        title=doc.get("title", "") or "",
        published=_parse_dt(tracking.get("initial_release_date")),
        updated=_parse_dt(tracking.get("current_release_date")),
        publisher=(doc.get("publisher") or {}).get("name", ""),
    )
    item.series = re.split(r"[-_]", identifier, maxsplit=1)[0].upper()
    # The sectors are those of the note CISA titles "Critical infrastructure sectors" (other notes may name
    # sectors in passing: "communications", "energy"…).
    sector_notes = " ".join(
        n.get("text", "") for n in doc.get("notes", []) or [] if "sector" in (n.get("title") or "").lower()
    )
    item.sector = ", ".join(sorted({m.lower() for m in SECTOR_RE.findall(sector_notes)}))
    summaries = [
        n.get("text", "")
        for n in doc.get("notes", []) or []
        if n.get("category") in ("summary", "general") and "CISA Disclaimer" not in (n.get("title") or "")
    ]
    products: list[tuple[dict, list]] = []
    product_tree = document.get("product_tree") or {}
    _walk_branches(product_tree.get("branches", []), [], products)
    # Products may also be named outside any branch (a document without branches, CSAF 2.0 §3.2.3.2).
    products += [(product, []) for product in product_tree.get("full_product_names", []) or []]
    for product, path in products:
        vendor = next((name for category, name in path if category == "vendor"), "")
        name = next((name for category, name in path if category == "product_name"), "") or product.get("name", "")
        version = next((name for category, name in path if category.startswith("product_version")), "")
        helper = product.get("product_identification_helper") or {}
        cpes = [helper["cpe"]] if helper.get("cpe") else []
        item.affected.append(
            AffectedProduct(vendor=vendor, product=name, versions=[version] if version else [], cpes=cpes)
        )
        item.product_names.append(product.get("name", ""))
        item.cpes.extend(cpes)
    for vuln in document.get("vulnerabilities", []) or []:
        if vuln.get("cve"):
            item.cves.append(vuln["cve"])
        for score in vuln.get("scores", []) or []:
            for key in ("cvss_v3", "cvss_v2"):
                data = score.get(key) or {}
                if isinstance(data.get("baseScore"), int | float) and (
                    item.cvss_score is None or data["baseScore"] > item.cvss_score
                ):
                    item.cvss_score, item.cvss_vector = float(data["baseScore"]), data.get("vectorString", "")
        for note in vuln.get("notes", []) or []:
            if note.get("category") == "summary":
                summaries.append(note.get("text", ""))
        if (vuln.get("cwe") or {}).get("id"):
            item.cwes.append(vuln["cwe"]["id"])
    item.description = "\n\n".join(s for s in summaries if s)[:20000]
    item.references = [r.get("url", "") for r in doc.get("references", []) or [] if r.get("url")]
    item.cpes = sorted(set(item.cpes))
    return item
