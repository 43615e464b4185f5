"""``manage.py observatory --year 2019 [--quarter N | --month N] [--region CODE] [--structure-type CODE]
[--format json|csv]``: the observatory's indicators of a period, printed at once.

JSON: the dict of ``acss.observatory.indicators.compute_indicators`` (shares as unrounded fractions of 1).
CSV: one row per indicator, nested values flattened (``health_establishments.public``, ``by_region.76``,
``main_vectors.0.count``…), with its French label.
"""

from __future__ import annotations

import csv
import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from acss.incidents.selectors.statistics import region_names, structure_type_reference
from acss.observatory.indicators import GROUP_LABELS, LABELS, compute_indicators
from acss.observatory.periods import Period


def flatten(value, prefix: str = "") -> list[tuple[str, object]]:
    """(« a.b.0.c », leaf) for every leaf of nested dicts and lists."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return [(prefix, value)]
    out: list[tuple[str, object]] = []
    for key, child in items:
        out += flatten(child, f"{prefix}.{key}" if prefix else str(key))
    if not out and prefix:
        out.append((prefix, ""))
    return out


class Command(BaseCommand):
    help = "Affiche les indicateurs de l'observatoire d'une période (année, trimestre ou mois), en JSON ou en CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="Année, par exemple 2019.")
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--quarter", type=int, choices=range(1, 5), help="Trimestre (1 à 4).")
        which.add_argument("--month", type=int, choices=range(1, 13), help="Mois (1 à 12).")
        parser.add_argument("--region", help="Code INSEE de la région (76 pour l'Occitanie).")
        parser.add_argument("--structure-type", dest="structure_type", help="Type de structure ou groupe (es, lbm…).")
        parser.add_argument("--format", choices=("json", "csv"), default="json", dest="fmt")

    def handle(self, *args, year, quarter, month, region, structure_type, fmt, **options) -> None:
        try:
            if quarter:
                period = Period.quarter_of(year, quarter)
            elif month:
                period = Period.month_of(year, month)
            else:
                period = Period.year_of(year)
        except ValueError as error:
            raise CommandError(f"période invalide : {error}") from None
        if region and region not in region_names():
            raise CommandError(f"région « {region} » inconnue : donnez son code INSEE (76 pour l'Occitanie).")
        if structure_type and structure_type not in structure_type_reference() and structure_type not in GROUP_LABELS:
            known = ", ".join([*GROUP_LABELS, *structure_type_reference()])
            raise CommandError(f"type de structure « {structure_type} » inconnu : {known}.")
        indicators = compute_indicators(period, region=region, structure_type=structure_type)
        if fmt == "json":
            self.stdout.write(json.dumps(indicators, ensure_ascii=False, indent=2))
            return
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(["indicateur", "valeur", "libellé"])
        for key, value in flatten(indicators):
            root = key.split(".", 1)[0]
            writer.writerow([key, "" if value is None else value, str(LABELS.get(root, ""))])
