"""The periods the observatory counts over: a year, a quarter or a month, in Europe/Paris time.

A period starts at midnight Europe/Paris on its first day and ends (excluded) at midnight on the first day
of the next period, so a declaration made on 31 December at 23:30 in Paris belongs to that year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

PARIS = ZoneInfo("Europe/Paris")

KINDS = ("year", "quarter", "month")

MONTH_NAMES = (
    gettext_lazy("janvier"),
    gettext_lazy("février"),
    gettext_lazy("mars"),
    gettext_lazy("avril"),
    gettext_lazy("mai"),
    gettext_lazy("juin"),
    gettext_lazy("juillet"),
    gettext_lazy("août"),
    gettext_lazy("septembre"),
    gettext_lazy("octobre"),
    gettext_lazy("novembre"),
    gettext_lazy("décembre"),
)

_PATTERN = re.compile(r"^\s*(?P<year>\d{4})(?:-(?:(?P<quarter>[Tt][1-4])|(?P<month>0[1-9]|1[0-2])))?\s*$")


@dataclass(frozen=True)
class Period:
    kind: str  # "year" | "quarter" | "month"
    year: int
    number: int | None = None  # the quarter (1–4) or the month (1–12); None for a year

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown period kind: {self.kind!r}")
        if not 1900 <= self.year <= 9998:
            raise ValueError(f"year out of range: {self.year!r}")
        limits = {"year": None, "quarter": 4, "month": 12}
        top = limits[self.kind]
        if top is None:
            if self.number is not None:
                raise ValueError("a year has no number")
        elif self.number is None or not 1 <= self.number <= top:
            raise ValueError(f"{self.kind} number out of range: {self.number!r}")

    # --- constructors -------------------------------------------------------------------------
    @classmethod
    def year_of(cls, year: int) -> Period:
        return cls("year", int(year), None)

    @classmethod
    def quarter_of(cls, year: int, quarter: int) -> Period:
        return cls("quarter", int(year), int(quarter))

    @classmethod
    def month_of(cls, year: int, month: int) -> Period:
        return cls("month", int(year), int(month))

    @classmethod
    def parse(cls, text: str) -> Period:
        """« 2019 », « 2019-T2 » (a quarter) or « 2019-03 » (a month); ValueError with a French message otherwise."""
        match = _PATTERN.match(text or "")
        if not match:
            raise ValueError(
                _("Période « %(text)s » non reconnue : écrivez 2019, 2019-T2 (trimestre) ou 2019-03 (mois).")
                % {"text": text}
            )
        year = int(match["year"])
        if match["quarter"]:
            return cls.quarter_of(year, int(match["quarter"][1]))
        if match["month"]:
            return cls.month_of(year, int(match["month"]))
        return cls.year_of(year)

    # --- bounds -------------------------------------------------------------------------------
    @property
    def first_month(self) -> int:
        if self.kind == "year":
            return 1
        if self.kind == "quarter":
            return 3 * (self.number - 1) + 1
        return self.number

    @property
    def months(self) -> int:
        return {"year": 12, "quarter": 3, "month": 1}[self.kind]

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.first_month, 1, tzinfo=PARIS)

    @property
    def end(self) -> datetime:
        """The first instant after the period (excluded)."""
        index = self.year * 12 + self.first_month - 1 + self.months
        return datetime(index // 12, index % 12 + 1, 1, tzinfo=PARIS)

    def month_starts(self) -> list[tuple[int, int]]:
        """(year, month) of each month of the period, in order."""
        return [(self.year, self.first_month + i) for i in range(self.months)]

    def is_partial(self, now: datetime) -> bool:
        """True while the period is not over yet (its figures will still change)."""
        return now < self.end

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    # --- text ---------------------------------------------------------------------------------
    @property
    def label(self) -> str:
        """« 2019 », « 2e trimestre 2019 », « mars 2019 »."""
        if self.kind == "year":
            return str(self.year)
        if self.kind == "quarter":
            ordinal = _("1er") if self.number == 1 else _("%(n)se") % {"n": self.number}
            return _("%(ordinal)s trimestre %(year)s") % {"ordinal": ordinal, "year": self.year}
        return f"{MONTH_NAMES[self.number - 1]} {self.year}"

    @property
    def code(self) -> str:
        """What ``parse`` reads back: « 2019 », « 2019-T2 », « 2019-03 »."""
        if self.kind == "year":
            return str(self.year)
        if self.kind == "quarter":
            return f"{self.year}-T{self.number}"
        return f"{self.year}-{self.number:02d}"

    def __str__(self) -> str:
        return self.label
