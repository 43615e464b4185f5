"""Import the watch: ``manage.py veille_import PATH… [--format auto|cve5|csaf|kev|epss|feed|certfr] [--no-progress]``.

PATH is a file, a folder (walked recursively: a cvelistV5 checkout, a CSAF mirror…) or an http(s) URL (a KEV
or EPSS file, a provider's ROLIE feed, an RSS/Atom feed, a folder of CERT-FR advisories). The format is recognised from the content. A progress
bar (on a terminal only) and a closing summary: imported, updated, unchanged, invalid (each with its file and
reason), ignored; the run is recorded as an ``ImportRun``. See ``acss/veille/services.py``.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from acss.core.progress import grouped, import_progress
from acss.veille.importers import FORMATS, KIND_LABELS
from acss.veille.services import ImportReport, veille_import

SHOWN_ERRORS = 20  # invalid entries listed at the end; the ImportRun keeps up to 1000


class Command(BaseCommand):
    help = (
        "Importe la veille : notices CVE JSON 5, avis CSAF 2.0 (fichiers, dossiers, flux ROLIE), catalogue KEV, "
        "scores EPSS, avis du CERT-FR (JSON), flux RSS/Atom. Format reconnu d'après le contenu ; idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="CHEMIN", help="Fichiers, dossiers ou adresses http(s).")
        parser.add_argument("--format", choices=FORMATS, default="auto", dest="fmt", help="Format imposé (auto).")
        parser.add_argument("--no-progress", action="store_true", help="Sans barre de progression.")
        parser.add_argument("--no-match", action="store_true", help="Sans rapprochement avec la liste surveillée.")

    def handle(self, *args, paths: list[str], fmt: str, no_progress: bool, no_match: bool, **options) -> None:
        show_bar = not no_progress and sys.stderr.isatty() and self.stdout.isatty()
        if show_bar:
            bar = import_progress(with_source=True)
            task = bar.add_task("import", total=None, source="")

            def progress(done: int, total: int, source: str) -> None:
                bar.update(task, completed=done, total=total, source=source.rsplit("/", 1)[-1][-50:])

            with bar:
                report = veille_import(paths=paths, fmt=fmt, progress=progress, match=not no_match)
        else:
            report = veille_import(paths=paths, fmt=fmt, match=not no_match)
        for line in summary(report):
            self.stdout.write(line)
        if report.matching == "error":
            raise CommandError(f"le rapprochement a échoué : {report.matching_error}")


def summary(report: ImportReport) -> list[str]:
    """The closing summary, in French; its last line holds the totals."""
    run = f"import n° {report.run.pk}" if report.run else "import"
    lines = [
        f"Import terminé en {report.elapsed:.1f} s : {grouped(report.files_read)} fichier(s) ou adresse(s) lus ({run})."
    ]
    if report.invalid:
        lines.append(f"Invalides ({grouped(report.invalid)}) :")
        lines += [f"  - {e['source']} : {e['reason']}" for e in report.errors[:SHOWN_ERRORS]]
        if report.invalid > SHOWN_ERRORS:
            lines.append(
                f"  … et {grouped(report.invalid - SHOWN_ERRORS)} autre(s) (liste dans l'{run}, ImportRun.errors)."
            )
    for kind, label in KIND_LABELS.items():
        counts = report.counts.get(kind)
        if not counts or not any(counts.values()):
            continue
        parts = [
            f"{grouped(counts['imported'])} importé(s)",
            f"{grouped(counts['updated'])} mis à jour",
            f"{grouped(counts['unchanged'])} inchangé(s)",
            f"{grouped(counts['invalid'])} invalide(s)",
        ]
        if counts["ignored"]:
            parts.append(f"{grouped(counts['ignored'])} ignoré(s)")
        extra = ""
        if kind == "csaf" and report.nonconformant:
            extra = f" — dont {grouped(report.nonconformant)} écrit(s) avec des avertissements de conformité"
        if kind == "certfr" and report.with_warnings:
            extra = (
                f" — dont {grouped(report.with_warnings)} écrit(s) avec des champs écartés (avertissements conservés)"
            )
        lines.append(f"  {label:<11} {', '.join(parts)}{extra}")
    if report.stubs:
        lines.append(
            f"  {grouped(report.stubs)} vulnérabilité(s) citée(s) par le CERT-FR créée(s) sans notice CVE (à compléter)."
        )
    if report.files_ignored:
        lines.append(
            f"  {grouped(report.files_ignored)} fichier(s) sans données ignoré(s) dans les dossiers (README…)."
        )
    if report.matching == "called":
        lines.append(
            f"Rapprochement : {grouped(report.matched_vulnerabilities)} vulnérabilité(s) et "
            f"{grouped(report.matched_advisories)} avis transmis."
        )
    elif report.matching == "absent":
        lines.append("Rapprochement : acss.veille.matching.match_records absent, rien n'a été rapproché.")
    elif report.matching == "skipped":
        lines.append("Rapprochement : non demandé (--no-match).")
    elif report.matching == "error":
        lines.append(f"Rapprochement : ÉCHEC ({report.matching_error}).")
    lines.append(
        f"Total : {grouped(report.imported)} importé(s), {grouped(report.updated)} mis à jour, "
        f"{grouped(report.unchanged)} inchangé(s), {grouped(report.invalid)} invalide(s)."
    )
    return lines
