"""Writes of the watch: ``veille_import`` stores what ``importers`` reads, in batches, idempotently.

- **Idempotent and incremental.** A CVE record, a CSAF advisory and a news item are stored with the SHA-256 of
  their canonical JSON (``importers.content_hash``): the same hash is *unchanged* (no write), another one is
  *updated*. KEV and EPSS only enrich a ``Vulnerability``: their fields are compared as they are (same values,
  no write). A second import of the same files therefore writes nothing.
- **Batches.** Records are buffered (``BATCH_SIZE``, one kind at a time, in reading order); each batch reads the
  stored hashes in one query, then writes its new rows (one ``executemany`` INSERT, see ``_insert``) and its
  changed rows (``bulk_update``) in one transaction. A record is normalised (and a CSAF document validated) only
  when it is new or changed. A batch the database refuses (a NUL character PostgreSQL will not store…) is written again
  row by row, and only the refused rows are counted invalid. The import as a whole is not one transaction: what
  is written stays written if it stops, and running it again carries on (unchanged rows cost a hash).
- **KEV before CVE.** A KEV entry whose CVE is not in the base creates a *record-less* ``Vulnerability``
  (``has_record=False``, titled with the KEV name); the CVE record, when it comes, fills the same row and counts
  as *imported*. KEV flags are set, never cleared: a partial catalogue must not un-flag anything.
- **EPSS only updates.** The EPSS file scores every published CVE (about 250,000): a row of a CVE the base does
  not hold is *ignored* (no record-less row), so EPSS never grows the base; import it after the CVE records.
  The scores of a CVE imported later arrive with the next EPSS file.
- **CSAF conformance.** A new or changed advisory is validated offline with the ``csaf`` package (the
  ``basic`` preset: schema and mandatory tests, as ``csaf validate --spec-version v20 --no-network``); a
  non-conformant one is stored all the same, its failures in ``conformance_warnings``. Unchanged advisories are
  not validated again.
- **CERT-FR.** A CERT-FR advisory (``certfr.py``) is idempotent on its reference and content hash like a CSAF one.
  A new or changed one is stored as an ``Advisory`` (``document_format="certfr"``), as a ``NewsItem`` (guid: its
  page on the CERT-FR site, the guid of its item in the CERT-FR RSS feeds, whose shorter text never overwrites
  it), and each CVE it cites without a row here gets a record-less ``Vulnerability`` (as KEV does; the CVE record
  fills it later). A changed advisory (a new revision) keeps what it replaced in ``previous_versions`` and writes
  an audit event, in the batch's transaction.
- **Matching hook.** After each batch is committed, ``acss.veille.matching.match_records(vulnerability_ids=…,
  advisory_ids=…)`` is called, when that module provides it, with the rows whose *record* was created or changed
  (CVE records, advisories, record-less KEV rows), plus rows whose KEV or EPSS enrichment changed when they
  already have a ``Match`` (those only change a priority: the daily EPSS file changes nearly every score, and
  re-matching the whole base every day for it would be waste), and the matched advisories citing a CVE whose KEV
  or EPSS changed (an advisory's priority reads them). Unchanged rows are never passed. A failure of the
  matcher is reported (``ImportReport.matching_error``) and stops further calls for this import; the import
  itself goes on.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, connections, models, router, transaction
from django.utils import timezone

from acss.core.audit import audit_record, object_type_of

from . import certfr
from .importers import (
    Discovery,
    Event,
    Ignored,
    Invalid,
    Known,
    Reader,
    Record,
    content_hash,
    csaf_conformance,
    discover,
    is_url,
)
from .models import Advisory, DocumentFormat, ImportRun, Match, NewsItem, Vulnerability

logger = logging.getLogger("acss.veille")

BATCH_SIZE = 500
MAX_STORED_ERRORS = 1000  # in ImportRun.errors (the count is always exact)
OUTCOMES = ("imported", "updated", "unchanged", "invalid", "ignored")

Progress = Callable[[int, int, str], None]  # (sources done, sources in all, the source being read)

CVE_FIELDS = [
    "title",
    "description",
    "published",
    "updated",
    "assigner",
    "cvss_score",
    "cvss_vector",
    "cwes",
    "affected",
    "cpes",
    "references",
    "has_record",
    "content_hash",
    "raw",
]
KEV_FIELDS = ["kev", "kev_date_added", "kev_ransomware", "kev_vendor", "kev_product"]
KEV_RECORDLESS_FIELDS = [*KEV_FIELDS, "title", "description"]
EPSS_FIELDS = ["epss", "epss_percentile", "epss_date"]
ADVISORY_FIELDS = [
    "title",
    "publisher",
    "series",
    "sector",
    "published",
    "updated",
    "description",
    "cvss_score",
    "cvss_vector",
    "affected",
    "product_names",
    "cpes",
    "cves",
    "references",
    "conformance_warnings",
    "source",
    "content_hash",
    "raw",
]
NEWS_FIELDS = ["feed", "title", "link", "summary", "published", "content_hash"]
CERTFR_FIELDS = [
    *ADVISORY_FIELDS,
    "document_format",
    "risks",
    "scada",
    "content",
    "affected_content",
    "revisions",
    "vendor_advisories",
    "previous_versions",
]
STUB_QUERY_SIZE = 900  # identifiers per ``IN (…)`` when looking up the CVEs an advisory cites


@dataclass
class ImportReport:
    """What one import read and did. Counts are per kind of record: cve, csaf, kev, epss, news ("" for a
    source that could not be read at all)."""

    sources: list[str]
    counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    errors: list[dict] = field(default_factory=list)  # {"source", "reason"}, at most MAX_STORED_ERRORS
    files_read: int = 0
    files_ignored: int = 0  # files of a folder that hold no data (README, LICENSE…)
    nonconformant: int = 0  # advisories written with conformance warnings
    with_warnings: int = 0  # CERT-FR advisories written with fields left out (their warnings are kept)
    stubs: int = 0  # record-less vulnerabilities created for the CVEs a CERT-FR advisory cites
    vulnerability_ids: list[int] = field(default_factory=list)  # written (created or changed)
    advisory_ids: list[int] = field(default_factory=list)
    news_ids: list[int] = field(default_factory=list)
    matched_vulnerabilities: int = 0  # ids passed to the matcher
    matched_advisories: int = 0
    matching: str = "absent"  # "absent" (no acss.veille.matching.match_records), "called", "error", "skipped"
    matching_error: str = ""
    elapsed: float = 0.0
    run: ImportRun | None = None

    def total(self, outcome: str) -> int:
        return sum(counter[outcome] for counter in self.counts.values())

    @property
    def imported(self) -> int:
        return self.total("imported")

    @property
    def updated(self) -> int:
        return self.total("updated")

    @property
    def unchanged(self) -> int:
        return self.total("unchanged")

    @property
    def invalid(self) -> int:
        return self.total("invalid")

    @property
    def ignored(self) -> int:
        return self.total("ignored")

    def as_dict(self) -> dict[str, Any]:
        """JSON-serialisable: what a task returns."""
        return {
            "run": self.run.pk if self.run else None,
            **{outcome: self.total(outcome) for outcome in OUTCOMES},
            "by_kind": {kind: dict(counter) for kind, counter in self.counts.items()},
            "files_read": self.files_read,
            "nonconformant": self.nonconformant,
            "with_warnings": self.with_warnings,
            "stubs": self.stubs,
            "matching": self.matching,
            "matching_error": self.matching_error,
            "elapsed": round(self.elapsed, 3),
        }


def _cut(value: str, length: int) -> str:
    return (value or "")[:length]


def _affected(item) -> list[dict]:
    return [{"vendor": a.vendor, "product": a.product, "versions": a.versions, "cpes": a.cpes} for a in item.affected]


def _cve_values(record: Record) -> dict[str, Any]:
    item = record.item
    return {
        "title": _cut(item.title, 500),
        "description": item.description,
        "published": item.published,
        "updated": item.updated,
        "assigner": _cut(item.publisher, 100),
        "cvss_score": item.cvss_score,
        "cvss_vector": _cut(item.cvss_vector, 200),
        "cwes": item.cwes,
        "affected": _affected(item),
        "cpes": item.cpes,
        "references": item.references,
        "has_record": True,
        "content_hash": record.content_hash,
        "raw": record.payload,
    }


def _advisory_values(record: Record, warnings: list[dict]) -> dict[str, Any]:
    item = record.item
    source = record.source if is_url(record.source) else os.path.abspath(record.source)
    return {
        "title": _cut(item.title, 500),
        "publisher": _cut(item.publisher, 200),
        "series": _cut(item.series, 20),
        "sector": _cut(item.sector, 300),
        "published": item.published,
        "updated": item.updated,
        "description": item.description,
        "cvss_score": item.cvss_score,
        "cvss_vector": _cut(item.cvss_vector, 200),
        "affected": _affected(item),
        "product_names": item.product_names,
        "cpes": item.cpes,
        "cves": item.cves,
        "references": item.references,
        "conformance_warnings": warnings,
        "source": _cut(source, 500),
        "content_hash": record.content_hash,
        "raw": record.payload,
    }


def _certfr_values(record: Record, advisory: certfr.CertfrAdvisory) -> dict[str, Any]:
    item = advisory.item
    values = _advisory_values(record, [{"rule": "certfr", "title": w, "messages": []} for w in advisory.warnings])
    values.update(
        affected=advisory.affected,  # with each system's SCADA flag
        document_format=DocumentFormat.CERTFR,
        risks=advisory.risks,
        scada=advisory.scada,
        content=advisory.content,
        affected_content=advisory.affected_content,
        revisions=advisory.revisions,
        vendor_advisories=advisory.vendor_advisories,
        description=item.description,
    )
    return values


# A row to write: (its record, the primary key of the stored row or None, the values of its fields, whether the
# matcher must see it). A written row: (its record, its primary key, "imported" or "updated", the same flag).
Row = tuple[Record, int | None, dict[str, Any], bool]
Written = tuple[Record, int, str, bool]

# Values of these fields go to the database driver as they are (str, bool, float, int, None): no preparation.
_PLAIN_FIELDS = (models.CharField, models.TextField, models.BooleanField, models.FloatField, models.IntegerField)


def _insert(model: type[models.Model], key_field: str, rows: list[Row], now) -> dict[str, int]:
    """INSERT new rows with one ``executemany``, then read their primary keys back in one query.

    What ``bulk_create`` does, without building a model instance per row nor compiling SQL per value (together
    60 % of the import's time on 5,000 CVE records): dates are still prepared by their field
    (``get_db_prep_save``), JSON is serialised once, and a record's ``raw`` is the canonical JSON already
    computed for its hash. Fields a row does not give get their default. Called inside the batch's transaction.
    """
    connection = connections[router.db_for_write(model)]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    json_placeholder = "%s::jsonb" if connection.vendor == "postgresql" else "%s"

    def preparer(f: models.Field):
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            stamp = f.get_db_prep_save(now, connection)
            return lambda _value: stamp
        if isinstance(f, models.JSONField):
            return lambda value: json.dumps(value, cls=f.encoder)
        if isinstance(f, _PLAIN_FIELDS):
            return None
        return lambda value: f.get_db_prep_save(value, connection)

    plan = []
    for f in fields:
        default, prepare = f.get_default(), preparer(f)
        # A field the row does not give takes its default, prepared once (record-less rows give one field).
        plan.append((f.name, default, prepare, default if prepare is None else prepare(default)))
    params = []
    for record, _pk, values, _rematch in rows:
        values = {key_field: record.key, **values}
        row = []
        for name, default, prepare, prepared_default in plan:
            if name == "raw" and record.canonical:
                row.append(record.canonical)
                continue
            value = values.get(name, default)
            if value is default:
                row.append(prepared_default)
            else:
                row.append(value if prepare is None else prepare(value))
        params.append(row)
    quote = connection.ops.quote_name
    placeholders = ", ".join(json_placeholder if isinstance(f, models.JSONField) else "%s" for f in fields)
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - names from the model, values as parameters
        quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields), placeholders
    )
    raw = connection.connection
    if connection.vendor == "postgresql" and type(raw).__module__.startswith("psycopg."):
        import psycopg

        # Server-side binding: Django's psycopg cursor binds on the client, escaping 40 MB of JSON into the SQL.
        with psycopg.Cursor(raw) as cursor:
            cursor.executemany(sql, params)
    else:
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)
    keys = [record.key for record, *_rest in rows]
    return dict(model.objects.filter(**{f"{key_field}__in": keys}).values_list(key_field, "pk"))


_LZ4: dict[str, bool] = {}  # per database alias: whether PostgreSQL can compress with lz4


def _fast_toast(model: type[models.Model]) -> None:
    """On PostgreSQL (14+, built with lz4), compress this transaction's large values (``raw``: 8 KB on average)
    with lz4 rather than pglz: half the INSERT time of a batch of CVE records, and as readable by every query.
    ``SET LOCAL`` ends with the transaction. (A migration ``ALTER COLUMN raw SET COMPRESSION lz4`` would do it
    for good.)"""
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return
    if alias not in _LZ4:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)"
            )
            _LZ4[alias] = cursor.fetchone() is not None
    if _LZ4[alias]:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL default_toast_compression = lz4")


def _match_hook() -> tuple[Callable[..., Any] | None, str]:
    """``acss.veille.matching.match_records`` when that module provides it (written separately), and the error
    that prevented importing it (a broken matcher must not stop the import)."""
    try:
        from acss.veille.matching import match_records
    except ImportError as exc:
        if exc.name == "acss.veille.matching":  # no module, or no match_records in it yet
            return None, ""
        return None, f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # noqa: BLE001 - reported with the import's summary
        return None, f"{type(exc).__name__}: {exc}"
    return match_records, ""


class _Importer:
    """Buffers records one kind at a time and writes them batch by batch."""

    def __init__(self, report: ImportReport, *, match: bool) -> None:
        self.report = report
        self.pending: dict[str, Record] = {}
        self.kind = ""
        self.match, error = _match_hook() if match else (None, "")
        self.report.matching = "error" if error else ("absent" if self.match is None else "called")
        self.report.matching_error = error
        if not match:
            self.report.matching = "skipped"
        self._advisory_dates: dict[str, Any] | None = None
        self._advisories_by_cve: dict[str, set[int]] | None = None

    # Reading side ---------------------------------------------------------------------------------------------

    def known_advisory(self, tracking_id: str):
        """The stored ``updated`` of an advisory, for ROLIE entries (loaded once per import)."""
        if self._advisory_dates is None:
            self._advisory_dates = dict(Advisory.objects.values_list("tracking_id", "updated"))
        return self._advisory_dates.get(tracking_id)

    def add(self, event: Event) -> None:
        if isinstance(event, Record):
            if event.kind != self.kind or event.key in self.pending or len(self.pending) >= BATCH_SIZE:
                self.flush()
            self.kind = event.kind
            self.pending[event.key] = event
        elif isinstance(event, Invalid):
            self.invalid(event.kind, event.source, event.reason)
        elif isinstance(event, Ignored):
            self.report.counts[event.kind]["ignored"] += 1
        elif isinstance(event, Known):
            self.report.counts[event.kind]["unchanged"] += 1

    def invalid(self, kind: str, source: str, reason: str) -> None:
        self.report.counts[kind]["invalid"] += 1
        if len(self.report.errors) < MAX_STORED_ERRORS:
            self.report.errors.append({"source": source, "reason": reason})

    # Writing side ---------------------------------------------------------------------------------------------

    def flush(self) -> None:
        if not self.pending:
            return
        records, kind = list(self.pending.values()), self.kind
        self.pending = {}
        store = {
            "cve": self._store_cves,
            "csaf": self._store_advisories,
            "kev": self._store_kev,
            "epss": self._store_epss,
            "news": self._store_news,
            "certfr": self._store_certfr,
        }[kind]
        written = store(records)
        counts = self.report.counts[kind]
        for _record, _pk, outcome, _rematch in written:
            counts[outcome] += 1
        ids = [pk for _r, pk, _o, _m in written]
        to_match = [pk for _r, pk, _o, rematch in written if rematch]
        if kind in ("csaf", "certfr"):
            self.report.advisory_ids += ids
            self._advisories_by_cve = None  # their matches may have changed
            self._call_matcher(vulnerability_ids=[], advisory_ids=to_match)
        elif kind == "news":
            self.report.news_ids += ids
        else:
            self.report.vulnerability_ids += ids
            # A matched advisory's priority reads its CVEs' KEV and EPSS: re-match it when they change.
            citing = self._advisories_citing([r.key for r, _pk, _o, _m in written]) if kind != "cve" else []
            self._call_matcher(vulnerability_ids=to_match, advisory_ids=citing)

    def _advisories_citing(self, cve_ids: list[str]) -> list[int]:
        """Matched advisories that cite one of ``cve_ids`` (the index is read once, again after CSAF batches)."""
        if self.match is None or not cve_ids:
            return []
        if self._advisories_by_cve is None:
            index: dict[str, set[int]] = defaultdict(set)
            rows = Advisory.objects.filter(matches__isnull=False).distinct().values_list("pk", "cves")
            for pk, cves in rows:
                for cve in cves or []:
                    index[cve].add(pk)
            self._advisories_by_cve = index
        return sorted({pk for cve in cve_ids for pk in self._advisories_by_cve.get(cve, ())})

    def _call_matcher(self, *, vulnerability_ids: list[int], advisory_ids: list[int]) -> None:
        if self.match is None or not (vulnerability_ids or advisory_ids):
            return
        try:
            self.match(vulnerability_ids=vulnerability_ids, advisory_ids=advisory_ids)
        except Exception as exc:  # noqa: BLE001 - the import goes on; the error is reported
            logger.exception("veille : le rapprochement a échoué")
            self.report.matching, self.report.matching_error = "error", f"{type(exc).__name__}: {exc}"
            self.match = None
            return
        self.report.matched_vulnerabilities += len(vulnerability_ids)
        self.report.matched_advisories += len(advisory_ids)

    def _write(self, model: type[models.Model], key_field: str, rows: list[Row], fields: list[str]) -> list[Written]:
        """Insert the new rows and update ``fields`` of the stored ones in one transaction; row by row if the
        database refuses the batch."""
        if not rows:
            return []
        now = timezone.now()
        stamped = any(f.name == "changed_at" for f in model._meta.fields)
        if stamped:
            fields = [*fields, "changed_at"]  # bulk_update does not apply auto_now
        creates = [row for row in rows if row[1] is None]
        updates = [row for row in rows if row[1] is not None]
        try:
            with transaction.atomic():
                _fast_toast(model)
                pks = _insert(model, key_field, creates, now) if creates else {}
                if updates:
                    stamp = {"changed_at": now} if stamped else {}  # a news item has no changed_at
                    objs = [model(pk=pk, **stamp, **values) for _r, pk, values, _m in updates]
                    model.objects.bulk_update(objs, fields, batch_size=100)
        except DatabaseError as exc:
            logger.warning("veille : lot refusé par la base (%s), écriture ligne à ligne", exc)
            return self._write_one_by_one(model, key_field, rows, fields, now)
        return [(r, pks[r.key], "imported", m) for r, _pk, _v, m in creates] + [
            (r, pk, "updated", m) for r, pk, _v, m in updates
        ]

    def _write_one_by_one(self, model, key_field: str, rows: list[Row], fields: list[str], now) -> list[Written]:
        written: list[Written] = []
        for record, stored_pk, values, rematch in rows:
            try:
                with transaction.atomic():
                    pk = model.objects.filter(**{key_field: record.key}).values_list("pk", flat=True).first()
                    if pk is None:
                        obj = model(**{key_field: record.key, **values})
                        obj.save(force_insert=True)
                        pk = obj.pk
                    else:
                        changes = {name: values[name] for name in fields if name in values}
                        model.objects.filter(pk=pk).update(
                            **changes, **({"changed_at": now} if "changed_at" in fields else {})
                        )
            except DatabaseError as exc:
                self.invalid(record.kind, record.source, f"refusé par la base de données : {exc}".strip())
                continue
            written.append((record, pk, "imported" if stored_pk is None else "updated", rematch))
        return written

    # One kind each ----------------------------------------------------------------------------------------------

    def _unchanged(self, kind: str) -> None:
        self.report.counts[kind]["unchanged"] += 1

    def _normalized(self, record: Record) -> bool:
        """Normalise a new or changed record; a malformed one is counted invalid (its old version stays)."""
        try:
            record.normalize()
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            what = "notice CVE invalide" if record.kind == "cve" else "document CSAF invalide"
            detail = str(exc) if isinstance(exc, ValueError) else f"structure inattendue ({type(exc).__name__}: {exc})"
            self.invalid(record.kind, record.source, f"{what} : {detail}")
            return False
        return True

    def _stored(self, model: type[models.Model], key_field: str, records: list[Record], *columns: str) -> dict:
        """{key: (pk, *columns)} of the stored rows of these records, in one query."""
        rows = model.objects.filter(**{f"{key_field}__in": [r.key for r in records]}).values_list(
            key_field, "pk", *columns
        )
        return {row[0]: row[1:] for row in rows}

    def _store_cves(self, records: list[Record]) -> list[Written]:
        stored = self._stored(Vulnerability, "cve_id", records, "content_hash")
        rows: list[Row] = []
        for record in records:
            pk, digest = stored.get(record.key, (None, None))
            if digest == record.content_hash:
                self._unchanged("cve")
            elif self._normalized(record):
                rows.append((record, pk, _cve_values(record), True))
        written = self._write(Vulnerability, "cve_id", rows, CVE_FIELDS)
        # A record-less row (created by KEV) receiving its CVE record: the record is imported.
        recordless = {pk for pk, digest in stored.values() if not digest}
        return [(r, pk, "imported" if pk in recordless else outcome, m) for r, pk, outcome, m in written]

    def _store_advisories(self, records: list[Record]) -> list[Written]:
        stored = self._stored(Advisory, "tracking_id", records, "content_hash")
        rows: list[Row] = []
        warned: set[str] = set()
        for record in records:
            pk, digest = stored.get(record.key, (None, None))
            if digest == record.content_hash:
                self._unchanged("csaf")
                continue
            if not self._normalized(record):
                continue
            warnings = csaf_conformance(record.payload)  # outside the write transaction: ~15 ms each
            if warnings:
                warned.add(record.key)
            rows.append((record, pk, _advisory_values(record, warnings), True))
        written = self._write(Advisory, "tracking_id", rows, ADVISORY_FIELDS)
        self.report.nonconformant += sum(1 for r, _pk, _o, _m in written if r.key in warned)
        return written

    def _matched(self, pks: Iterable[int | None]) -> set[int]:
        pks = [pk for pk in pks if pk is not None]
        if not pks:
            return set()
        return set(Match.objects.filter(vulnerability_id__in=pks).values_list("vulnerability_id", flat=True))

    def _store_kev(self, records: list[Record]) -> list[Written]:
        stored = self._stored(Vulnerability, "cve_id", records, "has_record", *KEV_RECORDLESS_FIELDS)
        recordless: list[Row] = []  # new rows, and rows only KEV (or EPSS) knows
        with_record: list[Row] = []
        for record in records:
            wanted = {"kev": True, **record.payload}
            row = stored.get(record.key)
            if row is None:
                recordless.append((record, None, {"has_record": False, **wanted}, True))
                continue
            pk, has_record, *current = row
            names = KEV_FIELDS if has_record else KEV_RECORDLESS_FIELDS
            current = dict(zip(KEV_RECORDLESS_FIELDS, current, strict=True))
            if all(current[name] == wanted[name] for name in names):
                self._unchanged("kev")
                continue
            values = {name: wanted[name] for name in names}
            (with_record if has_record else recordless).append((record, pk, values, not has_record))
        # On a row with its record, KEV changes a priority only: re-match it only if it is matched already.
        matched = self._matched(pk for _r, pk, _v, _m in with_record)
        with_record = [(r, pk, values, pk in matched) for r, pk, values, _m in with_record]
        written = self._write(Vulnerability, "cve_id", recordless, KEV_RECORDLESS_FIELDS)
        return written + self._write(Vulnerability, "cve_id", with_record, KEV_FIELDS)

    def _store_epss(self, records: list[Record]) -> list[Written]:
        stored = self._stored(Vulnerability, "cve_id", records, *EPSS_FIELDS)
        rows: list[Row] = []
        for record in records:
            pk, *current = stored.get(record.key, (None,))
            if pk is None:
                self.report.counts["epss"]["ignored"] += 1
                continue
            wanted = record.payload
            if tuple(current) == tuple(wanted[name] for name in EPSS_FIELDS):
                self._unchanged("epss")
                continue
            rows.append((record, pk, wanted, False))
        matched = self._matched(pk for _r, pk, _v, _m in rows)  # a priority only, as for KEV
        rows = [(r, pk, values, pk in matched) for r, pk, values, _m in rows]
        return self._write(Vulnerability, "cve_id", rows, EPSS_FIELDS)

    def _store_news(self, records: list[Record]) -> list[Written]:
        stored = self._stored(NewsItem, "guid", records, "content_hash", "feed")
        rows: list[Row] = []
        for record in records:
            pk, digest, feed = stored.get(record.key, (None, None, None))
            if digest == record.content_hash:
                self._unchanged("news")
            elif feed == certfr.NEWS_FEED and record.payload.get("feed") != certfr.NEWS_FEED:
                # A CERT-FR advisory imported from its JSON: its RSS item (a shorter text) does not replace it.
                self._unchanged("news")
            else:
                rows.append((record, pk, {**record.payload, "content_hash": record.content_hash}, False))
        return self._write(NewsItem, "guid", rows, NEWS_FIELDS)

    def _store_certfr(self, records: list[Record]) -> list[Written]:
        stored = self._stored(
            Advisory, "tracking_id", records, "content_hash", "title", "description", "cves", "revisions"
        )
        previous = {}
        rows: list[Row] = []
        parsed: dict[str, certfr.CertfrAdvisory] = {}
        now = timezone.now()
        for record in records:
            pk, digest, *old = stored.get(record.key, (None, None, None, None, None, None))
            if digest == record.content_hash:
                self._unchanged("certfr")
                continue
            try:
                advisory = certfr.parse_certfr(record.payload)
            except ValueError as exc:
                self.invalid("certfr", record.source, str(exc))
                continue
            except (TypeError, AttributeError, KeyError) as exc:
                self.invalid("certfr", record.source, f"avis CERT-FR : structure inattendue ({exc})")
                continue
            record.item = advisory.item
            parsed[record.key] = advisory
            values = _certfr_values(record, advisory)
            if pk is not None:
                title, summary, cves, revisions = old
                previous[pk] = {
                    "content_hash": digest,
                    "title": title,
                    "summary": summary,
                    "cves": cves,
                    "revisions": revisions,
                    "replaced_at": now.isoformat(),
                }
            rows.append((record, pk, values, True))
        if not rows:
            return []
        if previous:
            history = dict(Advisory.objects.filter(pk__in=list(previous)).values_list("pk", "previous_versions"))
            for _record, pk, values, _m in rows:
                if pk in previous:
                    values["previous_versions"] = [*(history.get(pk) or []), previous[pk]]
        with transaction.atomic():
            written = self._write(Advisory, "tracking_id", rows, CERTFR_FIELDS)
            self._certfr_news([parsed[r.key] for r, _pk, _o, _m in written], now)
            self._certfr_stubs({cve for r, _pk, _o, _m in written for cve in parsed[r.key].item.cves})
            object_type = object_type_of(Advisory)
            for record, pk, outcome, _m in written:
                if outcome == "updated":
                    audit_record(
                        action="veille.certfr_revised",
                        object_type=object_type,
                        object_id=pk,
                        data={
                            "reference": record.key,
                            "revisions": len(parsed[record.key].revisions),
                            "previous_hash": previous.get(pk, {}).get("content_hash", ""),
                            "content_hash": record.content_hash,
                        },
                    )
        self.report.with_warnings += sum(1 for r, _pk, _o, _m in written if parsed[r.key].warnings)
        return written

    def _certfr_news(self, advisories: list[certfr.CertfrAdvisory], now) -> None:
        """The news item of each written CERT-FR advisory (not counted: the advisory is)."""
        news = []
        for advisory in advisories:
            values = certfr.news_values(advisory)
            news.append(Record("news", advisory.url, advisory.url, values, content_hash=content_hash(values)))
        stored = self._stored(NewsItem, "guid", news, "content_hash")
        rows: list[Row] = [
            (record, stored.get(record.key, (None,))[0], {**record.payload, "content_hash": record.content_hash}, False)
            for record in news
            if stored.get(record.key, (None, None))[1] != record.content_hash
        ]
        self.report.news_ids += [pk for _r, pk, _o, _m in self._write(NewsItem, "guid", rows, NEWS_FIELDS)]

    def _certfr_stubs(self, cve_ids: set[str]) -> None:
        """A record-less vulnerability for each cited CVE the base does not hold (its record may come later)."""
        wanted = sorted(cve_ids)
        known: set[str] = set()
        for start in range(0, len(wanted), STUB_QUERY_SIZE):
            chunk = wanted[start : start + STUB_QUERY_SIZE]
            known |= set(Vulnerability.objects.filter(cve_id__in=chunk).values_list("cve_id", flat=True))
        missing = [cve for cve in wanted if cve not in known]
        if not missing:
            return
        rows: list[Row] = [(Record("cve", "", cve, None), None, {"has_record": False}, False) for cve in missing]
        try:
            with transaction.atomic():  # executemany (``_insert``): a tenth of bulk_create's time here
                _insert(Vulnerability, "cve_id", rows, timezone.now())
        except DatabaseError:  # another import created some of them meanwhile
            stubs = [Vulnerability(cve_id=cve, has_record=False) for cve in missing]
            Vulnerability.objects.bulk_create(stubs, batch_size=500, ignore_conflicts=True)
        self.report.stubs += len(missing)


def veille_import(
    *,
    paths: Iterable[str],
    fmt: str = "auto",
    progress: Progress | None = None,
    match: bool = True,
    run: ImportRun | None = None,
) -> ImportReport:
    """Import the files, folders (recursively) and URLs of ``paths``; record the run in an ``ImportRun``.

    ``fmt`` forces a format (``importers.FORMATS``); ``progress(done, total, source)`` is called before each
    source and once at the end; ``match=False`` skips the matching hook; ``run`` is an ``ImportRun`` already
    created by the caller (the scheduled task claims its run before importing).
    """
    paths = [str(p) for p in paths]
    started = time.perf_counter()
    if run is None:
        run = ImportRun.objects.create(started_at=timezone.now(), sources=paths)
    report = ImportReport(sources=paths, run=run)
    importer = _Importer(report, match=match)
    found: Discovery = discover(paths)
    for problem in found.problems:
        importer.invalid("", problem.source, problem.reason)
    report.files_ignored = found.ignored
    reader = Reader(fmt=fmt, known_advisory=importer.known_advisory)
    total = len(found.locations)
    # Parsing JSON allocates millions of containers, and each full collection of the cyclic garbage collector
    # would walk every object of the process (Django's included): freezing those already there (they outlive the
    # import anyway) takes 15 % off the import. Reference counting frees the records as usual.
    gc.freeze()
    try:
        for index, location in enumerate(found.locations):
            if progress is not None:
                progress(index, total, location)
            for event in reader.read(location):
                importer.add(event)
            report.files_read += 1
        importer.flush()
    finally:
        gc.unfreeze()
    if progress is not None:
        progress(total, total, "")
    report.elapsed = time.perf_counter() - started

    errors = list(report.errors)
    if report.invalid > len(errors):
        errors.append({"source": "…", "reason": f"{report.invalid - len(errors)} autre(s) non conservé(s)"})
    run.finished_at = timezone.now()
    run.imported, run.updated = report.imported, report.updated
    run.unchanged, run.invalid = report.unchanged, report.invalid
    run.errors = errors
    run.save(update_fields=["finished_at", "imported", "updated", "unchanged", "invalid", "errors"])
    logger.info(
        "veille : import n° %s, %s importé(s), %s mis à jour, %s inchangé(s), %s invalide(s) en %.1f s",
        run.pk,
        report.imported,
        report.updated,
        report.unchanged,
        report.invalid,
        report.elapsed,
    )
    return report
