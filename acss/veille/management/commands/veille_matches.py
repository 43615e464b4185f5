"""Print the stored matches: ``manage.py veille_matches --format json|table [--family …] [--min-score N]``."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from acss.veille.matching import match_all
from acss.veille.models import Family, Match
from acss.veille.selectors import match_label


class Command(BaseCommand):
    help = "Affiche les correspondances de la veille (identifiant, score, famille, raisons)."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json", "table"], default="table")
        parser.add_argument("--family", choices=[f.value for f in Family])
        parser.add_argument("--min-score", type=int, default=0, dest="min_score")
        parser.add_argument(
            "--rematch",
            action="store_true",
            help="Recalcule d'abord toutes les correspondances (après une modification de la liste de surveillance).",
        )

    def handle(self, *args, **options):
        if options["rematch"]:
            summary = match_all()
            self.stderr.write(
                f"Correspondances recalculées : {summary.records} notices relues, {summary.matches} correspondances "
                f"({summary.health} santé, {summary.common_it} informatique commune)."
            )
        matches = (
            Match.objects.filter(score__gte=options["min_score"])
            .select_related("vulnerability", "advisory", "product__vendor", "vendor")
            .only(
                "id",
                "family",
                "score",
                "priority",
                "immediate",
                "reasons",
                "vulnerability__cve_id",
                "advisory__tracking_id",
                "product__name",
                "product__vendor__name",
                "vendor__name",
            )
            .order_by("-priority", "-score", "pk")
        )
        if options["family"]:
            matches = matches.filter(family=options["family"])
        rows = [
            {
                "id": m.vulnerability.cve_id if m.vulnerability_id else m.advisory.tracking_id,
                "kind": "cve" if m.vulnerability_id else "csaf",
                "score": m.score,
                "family": m.family,
                "priority": m.priority,
                "immediate": m.immediate,
                "watched": match_label(m),
                "reasons": list(m.reasons or []),
            }
            for m in matches.iterator(chunk_size=2000)
        ]
        if options["format"] == "json":
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{'identifiant':<22} {'score':>5} {'prio':>4} {'famille':<10} {'surveillé':<34} raisons")
        for r in rows:
            flag = "!" if r["immediate"] else " "
            self.stdout.write(
                f"{r['id']:<22} {r['score']:>5} {r['priority']:>4}{flag}{r['family']:<10} "
                f"{r['watched'][:34]:<34} {' ; '.join(r['reasons'])}"
            )
        self.stdout.write(f"{len(rows)} correspondances.")
