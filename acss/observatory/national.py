"""The national years as they were published, before the platform computed any: the number of declarations of
each year in the agency's observatory of that year, with its source, so that the public page shows them beside
the years the platform computes itself, each labelled which is which.

These figures are quoted, never recomputed: they come from the yearly « Observatoire des incidents de sécurité des
systèmes d'information pour le secteur santé » and stay as published."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

SOURCE_TITLE = "Observatoire des incidents de sécurité des systèmes d'information pour le secteur santé"


@dataclass(frozen=True)
class NationalYear:
    year: int
    declarations: int
    publisher: str

    @property
    def source(self) -> str:
        """« Observatoire des incidents … pour le secteur santé – 2019 »."""
        return f"{SOURCE_TITLE} – {self.year}"


# The agency was « ASIP Santé » until the end of 2019, then « Agence du numérique en santé » (with their article:
# « publié par l'Agence… »).
_ASIP = "l'ASIP Santé"
_ANS = "l'Agence du numérique en santé"

NATIONAL_YEARS: tuple[NationalYear, ...] = (
    NationalYear(2018, 327, _ASIP),
    NationalYear(2019, 392, _ANS),
    NationalYear(2020, 369, _ANS),
    NationalYear(2021, 733, _ANS),
    NationalYear(2022, 592, _ANS),
    NationalYear(2023, 581, _ANS),
    NationalYear(2024, 749, _ANS),
)

PUBLISHED_BY = _("publié par %(publisher)s")
COMPUTED_BY_PLATFORM = _("calculé par la plateforme")


def national_year(year: int) -> NationalYear | None:
    return next((n for n in NATIONAL_YEARS if n.year == year), None)
