"""``manage.py import_declarations FILE [--format auto|jsonl|csv] [--no-progress]``: past declarations.

JSON Lines (one declaration a line) or CSV (one a row), the format recognised by the extension; each line is
checked and imported on its own, a bad line is listed with its number and reason and never stops the others;
a line whose ``external_reference`` is already imported is left as it is. Imported declarations are never
routed nor notified. Format: docs/observatory-import.md.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from acss.core.progress import grouped, import_progress
from acss.observatory.services import FORMATS, HistoryReport, history_import

SHOWN_ERRORS = 50


class Command(BaseCommand):
    help = (
        "Importe des déclarations passées (JSON Lines ou CSV) avec leur structure et les faits de leur traitement ; "
        "idempotent sur la référence d'origine ; ni routage ni notification."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", metavar="FICHIER", help="Fichier .jsonl ou .csv (UTF-8).")
        parser.add_argument("--format", choices=FORMATS, default="auto", dest="fmt", help="Format imposé (auto).")
        parser.add_argument("--no-progress", action="store_true", help="Sans barre de progression.")

    def handle(self, *args, path: str, fmt: str, no_progress: bool, **options) -> None:
        try:
            open(path, "rb").close()
        except OSError as error:
            raise CommandError(f"fichier illisible : {path} ({error.strerror})") from None
        show_bar = not no_progress and sys.stderr.isatty() and self.stdout.isatty()
        if show_bar:
            bar = import_progress()
            task = bar.add_task("import", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            with bar:
                report = history_import(path=path, fmt=fmt, progress=progress)
        else:
            report = history_import(path=path, fmt=fmt)
        for line in summary(report):
            self.stdout.write(line)


def summary(report: HistoryReport) -> list[str]:
    """The closing summary, in French; its last line holds the totals."""
    lines = [f"Import terminé en {report.elapsed:.1f} s : {grouped(report.lines)} ligne(s) lue(s)."]
    if report.errors:
        lines.append(f"Lignes refusées ({grouped(report.invalid)}) :")
        lines += [f"  - ligne {number} : {reason}" for number, reason in report.errors[:SHOWN_ERRORS]]
        if report.invalid > SHOWN_ERRORS:
            lines.append(f"  … et {grouped(report.invalid - SHOWN_ERRORS)} autre(s).")
    lines.append(
        f"Total : {grouped(report.created)} créée(s), {grouped(report.present)} déjà présente(s), "
        f"{grouped(report.invalid)} refusée(s)."
    )
    return lines
