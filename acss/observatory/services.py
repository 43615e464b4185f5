"""Reading a file of past declarations (JSON Lines or CSV) and importing it line by line.

Each line is checked (``acss.incidents.services.history.history_record_parse``), then written in its own
transaction by ``history_line_import``: the declaration and its case (incidents), its accompaniment if the cell
gave one (accompaniment). A bad line is reported with its number and its reasons and never stops the others.
The format: docs/observatory-import.md.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from acss.accompaniment.services import accompaniment_import
from acss.accounts.models import User
from acss.incidents.services.history import (
    ImportRecord,
    Referential,
    declaration_import,
    history_record_parse,
    history_user,
)

FORMATS = ("auto", "jsonl", "csv")
CSV_LIST_SEPARATOR = "|"


@dataclass
class HistoryReport:
    lines: int = 0
    created: int = 0
    present: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def invalid(self) -> int:
        return len(self.errors)


def format_of(path: str, fmt: str = "auto") -> str:
    if fmt != "auto":
        return fmt
    suffix = Path(path).suffix.lower()
    if suffix in (".csv", ".tsv"):
        return "csv"
    return "jsonl"


def _csv_record(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row as the JSON line it stands for: ``structure_*`` columns in ``structure``, ``handling_*`` in
    ``handling`` (``handling_accompaniment_opened_at`` / ``_closed_at`` in its accompaniment); lists separated by
    « | »; an empty cell is an absent value."""
    record: dict[str, Any] = {"structure": {}, "handling": {}}
    accompaniment: dict[str, Any] = {}
    for key, value in row.items():
        if key is None:
            continue
        key = key.strip()
        value = (value or "").strip()
        if value == "":
            continue
        if key.startswith("structure_"):
            record["structure"][key.removeprefix("structure_")] = value
        elif key.startswith("handling_accompaniment_"):
            accompaniment[key.removeprefix("handling_accompaniment_")] = value
        elif key.startswith("handling_"):
            record["handling"][key.removeprefix("handling_")] = value
        else:
            record[key] = value
    if accompaniment:
        record["handling"]["accompaniment"] = accompaniment
    return record


def history_lines(path: str, fmt: str) -> Iterator[tuple[int, Any, str | None]]:
    """(line number, raw record or None, reason it could not be read) for each line of the file."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        if fmt == "csv":
            sample = handle.read(4096)
            handle.seek(0)
            delimiter = ";" if sample.count(";") > sample.count(",") else ","
            reader = csv.DictReader(handle, delimiter=delimiter)
            for row in reader:
                yield reader.line_num, _csv_record(row), None
            return
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line), None
            except json.JSONDecodeError as error:
                yield number, None, _("JSON illisible (%(error)s).") % {"error": error.msg}


def count_lines(path: str) -> int:
    with open(path, "rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


@transaction.atomic
def history_line_import(*, record: ImportRecord, by: User) -> bool:
    """One line: the declaration, its case, escalations and accompaniment, in one transaction. True if created,
    False if its external reference was already imported."""
    written = declaration_import(record=record, by=by)
    if written.created and record.accompaniment:
        accompaniment_import(
            by=by,
            declaration=written.row,
            opened_at=record.accompaniment["opened_at"],
            closed_at=record.accompaniment["closed_at"],
        )
    return written.created


def history_import(
    *, path: str, fmt: str = "auto", progress: Callable[[int, int], None] | None = None
) -> HistoryReport:
    """Import every line of the file; never stops on a bad one."""
    started = time.monotonic()
    fmt = format_of(path, fmt)
    report = HistoryReport()
    total = count_lines(path) if progress else 0
    referential = Referential.load()
    by = history_user()
    for number, raw, unreadable in history_lines(path, fmt):
        report.lines += 1
        if unreadable:
            report.errors.append((number, unreadable))
        else:
            record, reasons = history_record_parse(raw, referential=referential)
            if record is None:
                report.errors.append((number, " ; ".join(reasons)))
            else:
                try:
                    created = history_line_import(record=record, by=by)
                except Exception as error:  # one line's failure never stops the import
                    report.errors.append((number, _("non importée : %(error)s") % {"error": error}))
                else:
                    if created:
                        report.created += 1
                    else:
                        report.present += 1
        if progress:
            progress(number, max(total, number))
    report.elapsed = time.monotonic() - started
    return report


def history_example_csv(records: list[dict[str, Any]]) -> str:
    """The CSV that stands for these JSON lines (the inverse of ``_csv_record``), for documentation and tests."""
    rows = []
    for record in records:
        row: dict[str, str] = {}
        for key, value in record.items():
            if key == "structure":
                row.update({f"structure_{k}": str(v) for k, v in value.items()})
            elif key == "handling":
                for hk, hv in value.items():
                    if hk == "accompaniment" and isinstance(hv, dict):
                        row.update({f"handling_accompaniment_{k}": str(v or "") for k, v in hv.items()})
                    elif hk == "escalations":
                        names = [e if isinstance(e, str) else e["authority"] for e in hv]
                        row["handling_escalations"] = CSV_LIST_SEPARATOR.join(names)
                    else:
                        row[f"handling_{hk}"] = _csv_value(hv)
            else:
                row[key] = _csv_value(value)
        rows.append(row)
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, list):
        return CSV_LIST_SEPARATOR.join(str(v) for v in value)
    return str(value)
