"""The national CERT's advisories (CERT-FR, ANSSI) in their own JSON: reading one into the watch's shape.

A CERT-FR advisory (``reference`` CERTFR-2024-AVI-0001, ``title``, ``summary``, ``risks[]``, ``affected_systems[]``
with ``product{name, vendor{name, scada}}``, ``content`` in Markdown, ``cves[]``, ``vendor_advisories[]``,
``revisions[]``, ``links[]``) becomes:

- a ``NormalizedItem`` (kind ``certfr``) the matcher reads like any other: each affected system gives an
  ``AffectedProduct`` (vendor, product, its description as the version text) and its description is one of the
  item's ``product_names`` (the same count as ``affected``, as the matcher expects);
- what the ``Advisory`` row keeps beyond the common fields: risks, the SCADA flag (per system and for the whole
  advisory), the Markdown content, the revisions, the vendors' bulletins.

Pure functions of the parsed JSON (no database). Real data is imperfect: only a missing or malformed ``reference``
or ``title`` refuses the advisory (``ValueError``, in French, naming the field); any other field of an unexpected
type is left out with a warning kept with the advisory (``warnings``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from html import unescape
from typing import Any

from django.utils.html import strip_tags

from .normalized import CVE_ID_RE, AffectedProduct, NormalizedItem, _parse_dt

KIND = "certfr"
PUBLISHER = "CERT-FR"
NEWS_FEED = "CERT-FR"  # the feed name of the news made from the advisories (the RSS feeds have their own titles)
REFERENCE_RE = re.compile(r"^CERTFR-[0-9]{4}-[A-Z]{3}-[0-9]{3,6}$")
SITE = "https://www.cert.ssi.gouv.fr"
# The publication's folder on the CERT-FR site, from the reference's middle part.
SECTIONS = {"AVI": "avis", "ALE": "alerte", "ACT": "actualite", "CTI": "cti", "IOC": "ioc", "DUR": "dur"}


def looks_like_certfr(doc: Any) -> bool:
    """A CERT-FR advisory by its shape: a ``reference`` starting with CERTFR- and ``affected_systems``."""
    return (
        isinstance(doc, dict)
        and isinstance(doc.get("reference"), str)
        and doc["reference"].startswith("CERTFR-")
        and "affected_systems" in doc
    )


def certfr_reference(doc: Any) -> str:
    """The advisory's reference; ``ValueError`` (French, naming the field) if there is none or it is malformed."""
    if not isinstance(doc, dict):
        raise ValueError("avis CERT-FR : le document n'est pas un objet JSON")
    reference = doc.get("reference")
    if not isinstance(reference, str) or not reference.strip():
        raise ValueError(f"avis CERT-FR : champ « reference » absent ou vide ({reference!r})")
    reference = reference.strip()
    if not REFERENCE_RE.match(reference):
        raise ValueError(f"avis CERT-FR : champ « reference » mal formé ({reference!r}, attendu CERTFR-AAAA-XXX-NNNN)")
    return reference


def advisory_url(reference: str) -> str:
    """The advisory's page on the CERT-FR site (also the guid of its item in the CERT-FR RSS feeds)."""
    section = SECTIONS.get(reference.split("-")[2] if reference.count("-") >= 3 else "", "avis")
    return f"{SITE}/{section}/{reference}/"


@dataclass
class CertfrAdvisory:
    item: NormalizedItem
    url: str
    summary: str = ""
    content: str = ""
    affected_content: str = ""  # CERT-FR's notes on the affected systems (a list in HTML when it names none)
    risks: list[str] = field(default_factory=list)
    scada: bool = False
    affected: list[dict] = field(default_factory=list)  # {vendor, product, versions, cpes, scada}
    revisions: list[dict] = field(default_factory=list)  # {date (ISO 8601), description}
    vendor_advisories: list[dict] = field(default_factory=list)  # {title, url, published}
    links: list[dict] = field(default_factory=list)  # {title, url}
    warnings: list[str] = field(default_factory=list)

    @property
    def last_revision(self) -> datetime | None:
        return self.item.updated


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _plain(value: str) -> str:
    """A summary as text: CERT-FR's carries bits of HTML (``<span class="textit">``) and hard line breaks."""
    text = unescape(strip_tags(value)).replace("\xa0", " ")
    return "\n\n".join(" ".join(part.split()) for part in re.split(r"\n\s*\n", text) if part.strip())


UNKNOWN = {"n/a", "na", "-", "inconnu"}
_LIST_ITEM = re.compile(r"<li\b[^>]*>(.*?)</li>", re.IGNORECASE | re.DOTALL)


def _list_items(value: str) -> list[str]:
    """The items of an HTML list, as text (at most 500 characters each); none when it holds no list."""
    items = (" ".join(unescape(strip_tags(m)).split()) for m in _LIST_ITEM.findall(value))
    return [item[:500] for item in items if item]


class _Reader:
    """Reads the optional fields, keeping a warning for each one left out."""

    def __init__(self, doc: dict) -> None:
        self.doc = doc
        self.warnings: list[str] = []

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def text(self, name: str) -> str:
        value = self.doc.get(name)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.warn(f"champ « {name} » ignoré : texte attendu, {type(value).__name__} trouvé")
            return ""
        return value

    def objects(self, name: str) -> list[tuple[int, dict]]:
        value = self.doc.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self.warn(f"champ « {name} » ignoré : liste attendue, {type(value).__name__} trouvé")
            return []
        out = []
        for index, entry in enumerate(value):
            if isinstance(entry, dict):
                out.append((index, entry))
            else:
                self.warn(f"champ « {name}[{index}] » ignoré : objet attendu")
        return out


def parse_certfr(doc: Any) -> CertfrAdvisory:
    """A CERT-FR advisory read into the watch's shape. ``ValueError`` only without a valid reference or title."""
    reference = certfr_reference(doc)
    title = doc.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ValueError(f"avis CERT-FR {reference} : champ « title » absent ou vide")
    read = _Reader(doc)
    summary = _plain(read.text("summary"))
    content = read.text("content")

    risks = []
    for index, risk in read.objects("risks"):
        description = _text(risk.get("description"))
        if description:
            risks.append(description)
        else:
            read.warn(f"champ « risks[{index}].description » absent")

    affected: list[dict] = []
    products: list[AffectedProduct] = []
    names: list[str] = []
    for index, system in read.objects("affected_systems"):
        product = system.get("product") if isinstance(system.get("product"), dict) else {}
        vendor = product.get("vendor") if isinstance(product.get("vendor"), dict) else {}
        product_name, vendor_name = _text(product.get("name")), _text(vendor.get("name"))
        product_name = "" if product_name.lower() in UNKNOWN else product_name
        vendor_name = "" if vendor_name.lower() in UNKNOWN else vendor_name
        description = _text(system.get("description"))
        if not (product_name or description):
            read.warn(f"champ « affected_systems[{index}] » ignoré : ni produit ni description")
            continue
        scada = vendor.get("scada") is True
        versions = [description] if description else []
        affected.append(
            {"vendor": vendor_name, "product": product_name, "versions": versions, "cpes": [], "scada": scada}
        )
        products.append(AffectedProduct(vendor=vendor_name, product=product_name, versions=versions))
        names.append(description or product_name)

    affected_content = read.text("affected_systems_content").strip()
    if not affected and affected_content:
        # An advisory that names its systems only in this note (an HTML list): each item is a system, unsplit.
        for line in _list_items(affected_content):
            affected.append({"vendor": "", "product": "", "versions": [line], "cpes": [], "scada": False})
            products.append(AffectedProduct(versions=[line]))
            names.append(line)

    cves: list[str] = []
    for index, cve in read.objects("cves"):
        name = _text(cve.get("name")).upper()
        if CVE_ID_RE.match(name):
            if name not in cves:
                cves.append(name)
        else:
            read.warn(f"champ « cves[{index}].name » ignoré : identifiant CVE invalide ({cve.get('name')!r})")

    revisions = []
    for index, revision in read.objects("revisions"):
        when = _parse_dt(revision.get("revision_date"))
        if when is None:
            read.warn(f"champ « revisions[{index}].revision_date » ignoré : date invalide")
        revisions.append(
            {"date": when.isoformat() if when else None, "description": _text(revision.get("description"))}
        )
    dates = sorted(datetime.fromisoformat(r["date"]) for r in revisions if r["date"])

    vendor_advisories = []
    for _index, bulletin in read.objects("vendor_advisories"):
        url = _text(bulletin.get("url"))
        vendor_advisories.append(
            {"title": _text(bulletin.get("title")), "url": url, "published": _text(bulletin.get("published_at"))}
        )
    links = [{"title": _text(link.get("title")), "url": _text(link.get("url"))} for _i, link in read.objects("links")]

    url = advisory_url(reference)
    references = [url] + [
        entry["url"] for entry in [*vendor_advisories, *links] if entry["url"].startswith(("https://", "http://"))
    ]
    item = NormalizedItem(
        kind=KIND,
        identifier=reference,
        title=title.strip(),
        description=summary,
        published=dates[0] if dates else None,
        updated=dates[-1] if dates else None,
        affected=products,
        product_names=names,
        cves=cves,
        references=list(dict.fromkeys(references)),
        series=f"CERTFR-{reference.split('-')[2]}",  # CERTFR-AVI (advisories), CERTFR-ALE (alerts)…
        publisher=PUBLISHER,
        warnings=read.warnings,
    )
    return CertfrAdvisory(
        item=item,
        url=url,
        summary=summary,
        content=content,
        affected_content=affected_content,
        risks=risks,
        scada=any(a["scada"] for a in affected),
        affected=affected,
        revisions=revisions,
        vendor_advisories=vendor_advisories,
        links=links,
        warnings=read.warnings,
    )


def news_values(parsed: CertfrAdvisory) -> dict[str, Any]:
    """The fields of the news item an advisory also is (the watch's news list, the public news)."""
    return {
        "feed": NEWS_FEED,
        "title": f"{parsed.item.identifier} : {parsed.item.title}"[:500],
        "link": parsed.url,
        "summary": parsed.summary,
        "published": parsed.item.published,  # its first publication, as in the CERT-FR RSS feeds
    }
