"""Reading what the watch imports: sources, format detection from the content, one item per record.

No database access here (``services.veille_import`` stores what this module reads). A source is a file, a folder
(walked recursively) or an http(s) URL. Its format is recognised from its content, never from its name:

- CVE JSON 5: ``dataType == "CVE_RECORD"`` or a ``cveMetadata`` object (single files or the cvelistV5 layout,
  whose ``deltaLog.json`` / ``delta.json`` change logs are recognised and ignored);
- CSAF 2.0: ``document.csaf_version``; a provider's ROLIE feed (``feed.entry[]``, each entry's ``content.src`` or
  its link to a ``.json``) and its ``provider-metadata.json`` (``distributions[].rolie.feeds[]``) are followed;
- CISA KEV: ``catalogVersion`` and ``vulnerabilities[].cveID``;
- CERT-FR advisories (the national CERT's own JSON, ``certfr.py``): a ``reference`` starting with CERTFR- and
  ``affected_systems``;
- EPSS: CSV whose first line is ``#model_version:…,score_date:…`` (or starts with ``cve,epss``), gzip or not;
- RSS and Atom (XML, read by feedparser).

Each source yields ``Record`` (one per CVE, advisory, KEV entry, EPSS row or news item), ``Invalid`` (with its
reason, in French: the command prints it), ``Ignored`` or ``Known`` (a ROLIE entry already stored at the same
date, not fetched again). A malformed source or record is an ``Invalid``, never an exception.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import HTTPRedirectHandler, Request, build_opener

from django.utils.html import strip_tags

from .certfr import certfr_reference, looks_like_certfr
from .normalized import CVE_ID_RE, NormalizedItem, normalize_csaf, normalize_cve5

FORMATS = ("auto", "cve5", "csaf", "kev", "epss", "feed", "certfr")
# In a folder, only these files are read (a file named on the command line is always read, whatever its name).
DATA_SUFFIXES = (".json", ".csv", ".gz", ".xml", ".rss", ".atom")
HTTP_TIMEOUT = 30.0  # seconds, per request
MAX_BYTES = 256 * 1024 * 1024  # the EPSS file is about 10 MB, cvelistV5 records a few KB
USER_AGENT = "ACSS-veille/1.0 (+https://acss.example.fr)"
MAX_WARNING_MESSAGES = 20  # messages kept per failed CSAF rule

KIND_LABELS = {
    "cve": "CVE JSON 5",
    "csaf": "CSAF 2.0",
    "kev": "KEV",
    "epss": "EPSS",
    "certfr": "CERT-FR",
    "news": "RSS/Atom",
    "": "sources",
}


class SourceError(Exception):
    """A source that cannot be read at all (missing, unreadable, not JSON, unknown format…): its reason, in French."""


@dataclass
class Record:
    """One record to store. ``key`` identifies its row (CVE id, tracking id, guid)."""

    kind: str  # "cve" | "csaf" | "kev" | "epss" | "news" | "certfr"
    source: str
    key: str
    payload: Any  # cve/csaf/certfr: the parsed document; kev/epss/news: the values of the row's fields
    item: NormalizedItem | None = None
    content_hash: str = ""
    canonical: str = ""  # cve/csaf: the canonical JSON the hash covers, stored as is in ``raw`` (one dumps less)
    normalizer: Callable[[dict], NormalizedItem] | None = None  # cve/csaf: run only when the record is written

    def normalize(self) -> NormalizedItem | None:
        """The normalised record (``normalized.py``), computed once; raises ValueError and the like if malformed."""
        if self.item is None and self.normalizer is not None:
            self.item = self.normalizer(self.payload)
        return self.item


@dataclass
class Invalid:
    source: str
    reason: str
    kind: str = ""


@dataclass
class Ignored:
    """Read but not a record: cvelistV5 change logs, EPSS rows of CVEs the base does not hold (decided later)…"""

    source: str
    reason: str
    kind: str = ""


@dataclass
class Known:
    """A ROLIE entry whose advisory is stored with the same ``current_release_date``: counted unchanged, not fetched."""

    kind: str
    source: str
    key: str


Event = Record | Invalid | Ignored | Known


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, ASCII: the same content always gives the same text, whatever its layout."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def content_hash(value: Any, canonical: str | None = None) -> str:
    """SHA-256 of the canonical JSON of ``value`` (or of ``canonical``, already computed)."""
    return hashlib.sha256((canonical if canonical is not None else canonical_json(value)).encode()).hexdigest()


def is_url(location: str) -> bool:
    return location.lower().startswith(("http://", "https://"))


# --- Sources ---------------------------------------------------------------------------------------------------


@dataclass
class Discovery:
    locations: list[str] = field(default_factory=list)
    problems: list[Invalid] = field(default_factory=list)
    ignored: int = 0  # files of a folder that are no data (README, LICENSE, signatures…)


def discover(paths: Iterable[str]) -> Discovery:
    """The files and URLs to read, in order: folders walked recursively (sorted, hidden entries skipped)."""
    found = Discovery()
    seen: set[str] = set()

    def add(location: str, identity: str) -> None:
        if identity not in seen:
            seen.add(identity)
            found.locations.append(location)

    for raw in paths:
        location = str(raw).strip()
        if not location:
            continue
        if is_url(location):
            add(location, location)
            continue
        if location.startswith("file://"):
            location = unquote(urlsplit(location).path)
        path = Path(location)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith(".") or not name.lower().endswith(DATA_SUFFIXES):
                        found.ignored += 1
                        continue
                    child = os.path.join(root, name)
                    add(child, os.path.abspath(child))  # no realpath: one syscall per component, per file
        elif path.is_file():
            add(location, os.path.realpath(location))
        else:
            found.problems.append(Invalid(location, "fichier ou dossier introuvable"))
    return found


class _SafeRedirects(HTTPRedirectHandler):
    """Follow redirects to http(s) only (urllib would also follow one to ftp://)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if not is_url(newurl):
            raise SourceError(f"redirection refusée vers {newurl}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch(url: str, *, timeout: float = HTTP_TIMEOUT, max_bytes: int = MAX_BYTES) -> bytes:
    """GET ``url`` (http or https only) with a timeout and a size limit."""
    if not is_url(url):
        raise SourceError(f"adresse refusée (http ou https seulement) : {url}")
    request = Request(url, headers={"User-Agent": USER_AGENT})  # noqa: S310 - the scheme is checked above
    try:
        with build_opener(_SafeRedirects).open(request, timeout=timeout) as response:
            data = response.read(max_bytes + 1)
    except SourceError:
        raise
    except Exception as exc:  # noqa: BLE001 - HTTP errors, timeouts, DNS, TLS: one reason for the report
        raise SourceError(f"téléchargement impossible ({type(exc).__name__}) : {exc}")
    if len(data) > max_bytes:
        raise SourceError(f"plus de {max_bytes // (1024 * 1024)} Mo")
    return data


def read_bytes(location: str) -> bytes:
    if is_url(location):
        return fetch(location)
    try:
        size = os.path.getsize(location)
        if size > MAX_BYTES:
            raise SourceError(f"plus de {MAX_BYTES // (1024 * 1024)} Mo")
        with open(location, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise SourceError(f"lecture impossible : {exc.strerror or exc}")


def _gunzip(data: bytes) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
            out = fh.read(MAX_BYTES + 1)
    except (OSError, EOFError) as exc:
        raise SourceError(f"archive gzip illisible : {exc}")
    if len(out) > MAX_BYTES:
        raise SourceError(f"plus de {MAX_BYTES // (1024 * 1024)} Mo une fois décompressé")
    return out


# --- Format detection ------------------------------------------------------------------------------------------


def _is_delta(doc: Any) -> bool:
    """cvelistV5's ``delta.json`` (an object) and ``deltaLog.json`` (a list of them): change logs, no records."""

    def one(d: Any) -> bool:
        return isinstance(d, dict) and "numberOfChanges" in d and ("new" in d or "updated" in d)

    return one(doc) or (isinstance(doc, list) and bool(doc) and all(one(d) for d in doc))


def classify(doc: Any) -> str:
    """The format of a parsed JSON document: cve5, csaf, kev, certfr, rolie, provider-metadata, cvelist-delta or
    unknown."""
    if isinstance(doc, dict):
        if looks_like_certfr(doc):
            return "certfr"
        if doc.get("dataType") == "CVE_RECORD" or "cveMetadata" in doc:
            return "cve5"
        document = doc.get("document")
        if isinstance(document, dict) and "csaf_version" in document:
            return "csaf"
        if "catalogVersion" in doc and "vulnerabilities" in doc:
            return "kev"
        feed = doc.get("feed")
        if isinstance(feed, dict) and ("entry" in feed or "link" in feed):
            return "rolie"
        if "distributions" in doc and ("canonical_url" in doc or "metadata_version" in doc):
            return "provider-metadata"
    if _is_delta(doc):
        return "cvelist-delta"
    return "unknown"


def _head(data: bytes) -> bytes:
    return data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")


def _parse_json(data: bytes) -> Any:
    try:
        return json.loads(data)
    except json.JSONDecodeError as exc:
        raise SourceError(f"JSON invalide (ligne {exc.lineno}, colonne {exc.colno}) : {exc.msg}")
    except UnicodeDecodeError as exc:
        raise SourceError(f"encodage illisible : {exc.reason}")
    except RecursionError:
        raise SourceError("JSON trop profondément imbriqué")


# --- Reading one source ----------------------------------------------------------------------------------------


@dataclass
class Reader:
    """Reads sources into events. ``known_advisory(tracking_id)`` gives the stored ``updated`` date of an advisory
    (or None): a ROLIE entry with that very date is not fetched again."""

    fmt: str = "auto"
    known_advisory: Callable[[str], datetime | None] | None = None

    def read(self, location: str) -> Iterator[Event]:
        try:
            data = read_bytes(location)
            yield from self._read_data(location, data, depth=0)
        except SourceError as exc:
            yield Invalid(location, str(exc))
        except Exception as exc:  # noqa: BLE001 - whatever a malformed source does, the import goes on
            yield Invalid(location, f"erreur inattendue ({type(exc).__name__}) : {exc}")

    def _read_data(self, location: str, data: bytes, depth: int) -> Iterator[Event]:
        if data[:2] == b"\x1f\x8b":
            data = _gunzip(data)
        head = _head(data)
        fmt = self.fmt
        if fmt == "epss" or (fmt == "auto" and (head.startswith(b"#model_version") or head.startswith(b"cve,epss"))):
            yield from read_epss(location, data)
            return
        if fmt == "feed" or (fmt == "auto" and head.startswith(b"<")):
            yield from read_news(location, data)
            return
        if not head:
            raise SourceError("fichier vide")
        doc = _parse_json(data)
        found = classify(doc)
        if found == "cvelist-delta":
            yield Ignored(location, "journal des changements de cvelistV5 (deltaLog.json / delta.json)")
            return
        if fmt == "auto":
            fmt = found
        elif fmt == "csaf" and found in ("rolie", "provider-metadata"):
            fmt = found
        if fmt == "cve5":
            yield read_cve5(location, doc)
        elif fmt == "csaf":
            yield read_csaf(location, doc)
        elif fmt == "kev":
            yield from read_kev(location, doc)
        elif fmt == "certfr":
            yield read_certfr(location, doc)
        elif fmt in ("rolie", "provider-metadata"):
            if depth >= 2:
                raise SourceError("flux ROLIE imbriqué trop profondément")
            yield from (self._read_rolie if fmt == "rolie" else self._read_provider)(location, doc, depth)
        else:
            raise SourceError(
                "format non reconnu (ni CVE JSON 5, ni CSAF 2.0, ni flux ROLIE, ni catalogue KEV, ni avis CERT-FR, "
                "ni EPSS, ni RSS/Atom)"
            )

    # ROLIE --------------------------------------------------------------------------------------------------

    def _resolve(self, base: str, href: str) -> str:
        """A document's location from its feed's: relative to it; a local file only when the feed is local."""
        href = href.strip()
        if is_url(href):
            return href
        if is_url(base):
            resolved = urljoin(base, href)
            if not is_url(resolved):
                raise SourceError(f"adresse refusée dans un flux distant : {href}")
            return resolved
        if href.startswith("file://"):
            return unquote(urlsplit(href).path)
        if "://" in href:
            raise SourceError(f"adresse refusée : {href}")
        return str(Path(base).parent / href)

    def _read_rolie(self, location: str, doc: dict, depth: int) -> Iterator[Event]:
        entries = doc["feed"].get("entry") or []
        if not isinstance(entries, list):
            raise SourceError("flux ROLIE : feed.entry n'est pas une liste")
        for index, entry in enumerate(entries):
            where = f"{location}#entry[{index}]"
            if not isinstance(entry, dict):
                yield Invalid(where, "entrée ROLIE qui n'est pas un objet", "csaf")
                continue
            href = _rolie_href(entry)
            if not href:
                yield Invalid(where, "entrée ROLIE sans content.src ni lien vers un document .json", "csaf")
                continue
            try:
                target = self._resolve(location, href)
            except SourceError as exc:
                yield Invalid(where, str(exc), "csaf")
                continue
            entry_id = entry.get("id") if isinstance(entry.get("id"), str) else ""
            updated = _parse_datetime(entry.get("updated"))
            if entry_id and updated is not None and self.known_advisory is not None:
                stored = self.known_advisory(entry_id)
                if stored is not None and stored == updated:
                    yield Known("csaf", target, entry_id)
                    continue
            try:
                yield from self._read_data(target, read_bytes(target), depth + 1)
            except SourceError as exc:
                yield Invalid(target, str(exc), "csaf")
            except Exception as exc:  # noqa: BLE001 - one bad entry must not end the feed
                yield Invalid(target, f"erreur inattendue ({type(exc).__name__}) : {exc}", "csaf")

    def _read_provider(self, location: str, doc: dict, depth: int) -> Iterator[Event]:
        feeds = []
        for distribution in doc.get("distributions") or []:
            rolie = distribution.get("rolie") if isinstance(distribution, dict) else None
            for feed in (rolie or {}).get("feeds") or []:
                if isinstance(feed, dict) and isinstance(feed.get("url"), str):
                    feeds.append(feed["url"])
        if not feeds:
            raise SourceError("provider-metadata.json sans flux ROLIE (distributions[].rolie.feeds[])")
        for feed_url in feeds:
            try:
                target = self._resolve(location, feed_url)
                yield from self._read_data(target, read_bytes(target), depth + 1)
            except SourceError as exc:
                yield Invalid(feed_url, str(exc), "csaf")


def _rolie_href(entry: dict) -> str:
    content = entry.get("content")
    if isinstance(content, dict) and isinstance(content.get("src"), str) and content["src"]:
        return content["src"]
    links = entry.get("link") or []
    links = [links] if isinstance(links, dict) else links
    candidates = [
        link for link in links if isinstance(link, dict) and str(link.get("href", "")).lower().endswith(".json")
    ]
    candidates.sort(key=lambda link: link.get("rel") != "self")
    return candidates[0]["href"] if candidates else ""


def _parse_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


# --- CVE JSON 5 and CSAF ---------------------------------------------------------------------------------------


def read_cve5(location: str, doc: Any) -> Record | Invalid:
    """A CVE record, hashed; normalised later, only if it is new or changed (``Record.normalize``)."""
    meta = doc.get("cveMetadata") if isinstance(doc, dict) else None
    cve_id = meta.get("cveId") if isinstance(meta, dict) else None
    if not isinstance(cve_id, str) or not CVE_ID_RE.match(cve_id):
        return Invalid(location, f"notice CVE sans identifiant valide (cveMetadata.cveId = {cve_id!r})", "cve")
    canonical = canonical_json(doc)
    return Record("cve", location, cve_id, doc, None, content_hash(doc, canonical), canonical, normalize_cve5)


def read_csaf(location: str, doc: Any) -> Record | Invalid:
    """A CSAF document, hashed; normalised (and validated) later, only if it is new or changed."""
    document = doc.get("document") if isinstance(doc, dict) else None
    tracking = document.get("tracking") if isinstance(document, dict) else None
    tracking_id = tracking.get("id") if isinstance(tracking, dict) else None
    if not isinstance(tracking_id, str) or not tracking_id.strip():
        return Invalid(location, f"document CSAF sans identifiant (document.tracking.id = {tracking_id!r})", "csaf")
    if len(tracking_id) > 100:
        return Invalid(location, "document CSAF : document.tracking.id de plus de 100 caractères", "csaf")
    canonical = canonical_json(doc)
    return Record("csaf", location, tracking_id, doc, None, content_hash(doc, canonical), canonical, normalize_csaf)


def read_certfr(location: str, doc: Any) -> Record | Invalid:
    """A CERT-FR advisory, hashed; read in full (``certfr.parse_certfr``) later, only if it is new or changed."""
    try:
        reference = certfr_reference(doc)
    except ValueError as exc:
        return Invalid(location, str(exc), "certfr")
    canonical = canonical_json(doc)
    return Record("certfr", location, reference, doc, None, content_hash(doc, canonical), canonical)


def csaf_conformance(document: dict) -> list[dict]:
    """The failed rules of the ``csaf`` package's validator, offline: what ``csaf validate --spec-version v20
    --no-network`` reports (JSON schema, then the mandatory tests 6.1.x). ``[]`` when conformant.

    Each failure is ``{"rule": "6.1.31", "title": "Version Range in Product Version", "messages": [...]}``
    (messages: ``"/json/pointer: message"``, at most ``MAX_WARNING_MESSAGES`` kept).
    """
    version = str((document.get("document") or {}).get("csaf_version", ""))
    try:
        if version == "2.1":
            from csaf.csaf.v21 import validate
        else:
            from csaf.csaf.v20 import validate
        report = validate(document, preset="basic")
    except Exception as exc:  # noqa: BLE001 - a validator crash must not lose the advisory
        return [{"rule": "validator", "title": "Validation impossible", "messages": [f"{type(exc).__name__}: {exc}"]}]
    failures = []
    for result in report.results:
        if result.passed or result.skipped:
            continue
        messages = [f"{e.instance_path}: {e.message}" for e in result.errors[:MAX_WARNING_MESSAGES]]
        if len(result.errors) > MAX_WARNING_MESSAGES:
            messages.append(f"… et {len(result.errors) - MAX_WARNING_MESSAGES} autre(s)")
        failures.append({"rule": result.id, "title": result.title, "messages": messages})
    if version not in ("2.0", "2.1"):
        failures.insert(0, {"rule": "csaf_version", "title": "Version", "messages": [f"csaf_version {version!r}"]})
    return failures


# --- KEV ---------------------------------------------------------------------------------------------------------


def _iso_date(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ValueError(f"date invalide : {value!r}")


def read_kev(location: str, doc: dict) -> Iterator[Record | Invalid]:
    """One record per catalogue entry: the KEV fields of its Vulnerability (and a title for a record-less one)."""
    entries = doc.get("vulnerabilities")
    if not isinstance(entries, list):
        yield Invalid(location, "catalogue KEV : vulnerabilities n'est pas une liste", "kev")
        return
    for index, entry in enumerate(entries):
        cve_id = entry.get("cveID") if isinstance(entry, dict) else None
        where = f"{location}#{cve_id if isinstance(cve_id, str) and cve_id else f'vulnerabilities[{index}]'}"
        if not isinstance(cve_id, str) or not CVE_ID_RE.match(cve_id):
            yield Invalid(where, f"entrée KEV sans identifiant CVE valide (cveID={cve_id!r})", "kev")
            continue
        try:
            added = _iso_date(entry.get("dateAdded"))
        except ValueError as exc:
            yield Invalid(where, f"entrée KEV : {exc}", "kev")
            continue
        values = {
            "kev_date_added": added,
            "kev_ransomware": str(entry.get("knownRansomwareCampaignUse", "")).strip().lower() == "known",
            "kev_vendor": str(entry.get("vendorProject") or "")[:200],
            "kev_product": str(entry.get("product") or "")[:200],
            # Shown until the CVE record itself is imported (record-less rows only).
            "title": str(entry.get("vulnerabilityName") or "")[:500],
            "description": str(entry.get("shortDescription") or ""),
        }
        yield Record("kev", where, cve_id, values)


# --- EPSS --------------------------------------------------------------------------------------------------------

SCORE_DATE_RE = re.compile(r"score_date:(\d{4}-\d{2}-\d{2})")


def read_epss(location: str, data: bytes) -> Iterator[Record | Invalid]:
    """EPSS scores: ``#model_version:…,score_date:…`` then ``cve,epss,percentile``. One record per row."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"EPSS : encodage illisible ({exc.reason})")
    lines = text.splitlines()
    score_date = None
    start = 0
    if lines and lines[0].startswith("#"):
        found = SCORE_DATE_RE.search(lines[0])
        score_date = date.fromisoformat(found.group(1)) if found else None
        start = 1
    if len(lines) <= start or [c.strip().lower() for c in lines[start].split(",")][:3] != ["cve", "epss", "percentile"]:
        raise SourceError("EPSS : en-tête « cve,epss,percentile » attendu")
    for number, row in enumerate(csv.reader(lines[start + 1 :]), start=start + 2):
        if not row:
            continue
        where = f"{location}:{number}"
        cve_id = row[0].strip()
        try:
            if not CVE_ID_RE.match(cve_id):
                raise ValueError(f"identifiant CVE invalide {cve_id!r}")
            epss, percentile = float(row[1]), float(row[2])
            if not (0 <= epss <= 1 and 0 <= percentile <= 1):
                raise ValueError("score hors de [0, 1]")
        except (ValueError, IndexError) as exc:
            yield Invalid(where, f"ligne EPSS invalide : {exc}", "epss")
            continue
        yield Record("epss", where, cve_id, {"epss": epss, "epss_percentile": percentile, "epss_date": score_date})


# --- RSS / Atom ----------------------------------------------------------------------------------------------------


def _struct_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime(*value[:6], tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> str:
    from html import unescape

    return unescape(strip_tags(str(value or ""))).strip()


def read_news(location: str, data: bytes) -> Iterator[Record | Invalid]:
    """RSS 0.9x/1.0/2.0 and Atom through feedparser: one NewsItem per entry, keyed by its guid (else its link)."""
    import feedparser

    parsed = feedparser.parse(data)
    if not parsed.get("version") and not parsed.entries:
        problem = parsed.get("bozo_exception")
        raise SourceError(f"flux RSS/Atom illisible{f' : {problem}' if problem else ''}")
    feed_name = _text(parsed.feed.get("title")) or location
    for index, entry in enumerate(parsed.entries):
        where = f"{location}#{index}"
        link = str(entry.get("link") or "")
        guid = str(entry.get("id") or link).strip()
        if not guid:
            yield Invalid(where, "élément de flux sans identifiant ni lien", "news")
            continue
        if len(guid) > 500:
            guid = "sha256:" + hashlib.sha256(guid.encode()).hexdigest()
        published = _struct_time(entry.get("published_parsed") or entry.get("updated_parsed"))
        values = {
            "feed": feed_name[:500],
            "title": (_text(entry.get("title")) or link or guid)[:500],
            "link": link[:1000] if is_url(link) else "",
            "summary": _text(entry.get("summary")),
            "published": published,
        }
        yield Record("news", where, guid, values, content_hash=content_hash(values))
