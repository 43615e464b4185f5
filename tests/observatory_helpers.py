"""Past declarations and published years for the observatory's tests."""

from __future__ import annotations

import itertools
from datetime import datetime

from acss.incidents.models import Declaration
from acss.incidents.services.cases import case_open
from acss.observatory.periods import PARIS
from acss.observatory.publication import year_publish

from .conftest import make_structure

PAST_YEAR = 2025
_numbers = itertools.count(900000)


def past_declarations(world, count: int = 6, *, year: int = PAST_YEAR, structure=None) -> list[Declaration]:
    """``count`` declarations submitted during ``year``, one a month from January, with their cases."""
    made = []
    for i in range(count):
        declaration = Declaration.objects.create(
            reference=f"ACSS-{year}-{next(_numbers):06d}",
            structure=structure or (world.structure_a, world.structure_b, world.structure_c)[i % 3],
            title=f"Incident passé {i}",
            created_by=world.personas["declarant_a"],
            submitted_at=datetime(year, 1 + i % 12, 10, 9, 0, tzinfo=PARIS),
            origin="malicious",
        )
        case_open(declaration=declaration)
        made.append(declaration)
    return made


def published_year(world, year: int = PAST_YEAR):
    """The year published by the analyst, once (its latest version)."""
    from acss.observatory.models import PublishedYear

    existing = PublishedYear.objects.filter(year=year).order_by("-version").first()
    return existing or year_publish(year=year, by=world.personas["analyst"])


def structures_in(departement: str, count: int, prefix: str, stype: str = "es-public"):
    """``count`` verified structures of a département; ``prefix`` is 3 digits."""
    return [make_structure(f"Structure {prefix}-{i}", departement, f"{prefix}{i:04d}", stype) for i in range(count)]


def main_of(response) -> str:
    """The page's main content (the scripts' nonces change at each request)."""
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]
