"""The platform's two calendars and the regulatory clocks.

* The **cell's** calendar: 09:00–18:00 Europe/Paris, Monday to Friday, national public holidays. It says
  whether the ACSS cell is open and counts the cell's own deadlines (a clock that pauses while the cell
  waits on the structure: :meth:`BusinessCalendar.business_time_between` with pauses).
* A **structure's** calendar: the same opening hours in the structure's own time zone, with the
  holidays of its département (Alsace-Moselle add Good Friday and 26 December, overseas départements
  have their own). It counts what the structure owes (answers to questions).
* **NIS2 and GDPR (CNIL) clocks** are calendar time: they never pause and ignore opening hours.

Every datetime given to or returned by this module is *aware*; a naive one raises ``ValueError``.
Business arithmetic works on local wall-clock times combined with the zone (never on fixed offsets), and
measures durations in real elapsed time, so DST changes are handled. Returned datetimes are expressed
in the calendar's own zone (or the zone given). To measure between them, use :func:`calendar_elapsed` or
convert to UTC first: Python subtracts two datetimes sharing a tzinfo on their wall clocks (Paris
28 March 12:00 → 29 March 13:00 gives 25 h, though 24 real hours passed).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from dateutil.relativedelta import relativedelta  # python-dateutil is a dependency of holidays
from django.conf import settings

DEFAULT_ZONE = "Europe/Paris"
PARIS = ZoneInfo(DEFAULT_ZONE)
WORKING_WEEKDAYS: frozenset[int] = frozenset(range(5))  # Monday (0) to Friday (4)

NIS2_EARLY_WARNING = timedelta(hours=24)
NIS2_NOTIFICATION = timedelta(hours=72)
CNIL_NOTIFICATION = timedelta(hours=72)

# A calendar always has business days (checked in __post_init__); a long run of holidays is a few days at
# most, so this bound only protects against an impossible configuration.
_MAX_SCAN_DAYS = 366 * 2


class HasCalendarFields(Protocol):
    """What :func:`structure_calendar` needs from a ``Departement``."""

    timezone: str
    holiday_subdivision: str


def _require_aware(dt: datetime, name: str = "datetime") -> None:
    if not isinstance(dt, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(dt).__name__}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {dt!r}")


def _utc(dt: datetime, name: str = "datetime") -> datetime:
    """``dt`` in UTC: the only zone where Python's aware arithmetic and comparisons are real-time ones.

    (Subtracting or comparing two datetimes that share a tzinfo works on their wall clocks, and an
    ambiguous wall time never compares equal to another zone: see PEP 495.)
    """
    _require_aware(dt, name)
    return dt.astimezone(UTC)


def _wall_clock_utc(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The instant (in UTC) the clocks of ``tz`` show ``at`` on ``day``.

    A wall time skipped by a DST jump is moved forward by the jump (02:30 → 03:30); an ambiguous one
    takes its first occurrence.
    """
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


@lru_cache(maxsize=256)
def _holidays(subdivision: str | None, year: int) -> dict[date, str]:
    """Public holidays of France (or one of its subdivisions) for ``year``, with their French names."""
    return dict(holidays.France(subdiv=subdivision, years=year, language="fr").items())


def _parse_time(value: str | time) -> time:
    return value if isinstance(value, time) else time.fromisoformat(value)


@dataclass(frozen=True)
class BusinessCalendar:
    """Opening hours in one time zone, on working weekdays that are not public holidays."""

    tz: ZoneInfo
    holiday_subdivision: str | None = None  # holidays.France subdivision ("57", "6AE", "971"…); None: national
    opening: time = time(9, 0)
    closing: time = time(18, 0)
    weekdays: frozenset[int] = field(default=WORKING_WEEKDAYS)

    def __post_init__(self) -> None:
        if not self.opening < self.closing:
            raise ValueError(f"opening {self.opening} must be before closing {self.closing}")
        if not self.weekdays or not self.weekdays <= set(range(7)):
            raise ValueError(f"weekdays must be a non-empty subset of 0..6, got {set(self.weekdays)}")
        if self.holiday_subdivision == "":
            object.__setattr__(self, "holiday_subdivision", None)

    # Days ---------------------------------------------------------------------------------------------

    def local(self, dt: datetime) -> datetime:
        """``dt`` as an aware datetime in the calendar's zone."""
        _require_aware(dt)
        return dt.astimezone(self.tz)

    def holiday_name(self, day: date) -> str | None:
        """French name of the public holiday on ``day`` (a local date), or None."""
        if isinstance(day, datetime):
            day = self.local(day).date()
        return _holidays(self.holiday_subdivision, day.year).get(day)

    def holidays_in(self, year: int) -> list[tuple[date, str]]:
        """The public holidays of a year on this calendar, in date order (for display)."""
        return sorted(_holidays(self.holiday_subdivision or None, year).items())

    def is_holiday(self, day: date) -> bool:
        return self.holiday_name(day) is not None

    def is_business_day(self, day: date) -> bool:
        if isinstance(day, datetime):
            day = self.local(day).date()
        return day.weekday() in self.weekdays and not self.is_holiday(day)

    def opening_at(self, day: date) -> datetime:
        """The opening instant of the local date ``day`` (whether or not it is a business day)."""
        return self._opening_utc(day).astimezone(self.tz)

    def closing_at(self, day: date) -> datetime:
        """The closing instant of the local date ``day`` (whether or not it is a business day)."""
        return self._closing_utc(day).astimezone(self.tz)

    def _opening_utc(self, day: date) -> datetime:
        return _wall_clock_utc(day, self.opening, self.tz)

    def _closing_utc(self, day: date) -> datetime:
        return _wall_clock_utc(day, self.closing, self.tz)

    def _local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.tz).date()

    def _business_days_from(self, day: date) -> Iterator[date]:
        for offset in range(_MAX_SCAN_DAYS):
            candidate = day + timedelta(days=offset)
            if self.is_business_day(candidate):
                yield candidate
        raise RuntimeError(f"no business day within {_MAX_SCAN_DAYS} days of {day}")  # pragma: no cover

    # Hours --------------------------------------------------------------------------------------------

    def is_open(self, dt: datetime) -> bool:
        """On a business day, opening <= local time < closing."""
        instant = _utc(dt)
        day = self._local_date(instant)
        return self.is_business_day(day) and self._opening_utc(day) <= instant < self._closing_utc(day)

    def _next_opening_utc(self, instant: datetime) -> datetime:
        for day in self._business_days_from(self._local_date(instant)):
            if instant < self._closing_utc(day):
                return max(instant, self._opening_utc(day))
        raise AssertionError("unreachable")  # pragma: no cover

    def next_opening(self, dt: datetime) -> datetime:
        """``dt`` itself (in the calendar's zone) if open, else the next opening instant."""
        return self._next_opening_utc(_utc(dt)).astimezone(self.tz)

    def add_business_hours(self, start: datetime, hours: float | timedelta) -> datetime:
        """The instant when ``hours`` of open time have passed since ``start``.

        Counting starts at ``next_opening(start)``, so zero hours from a closed instant gives the next
        opening. A result that exhausts a day exactly is that day's closing instant (not the next opening).
        """
        remaining = hours if isinstance(hours, timedelta) else timedelta(hours=hours)
        if remaining < timedelta(0):
            raise ValueError(f"hours must not be negative, got {hours!r}")
        current = self._next_opening_utc(_utc(start, "start"))
        while True:
            closing = self._closing_utc(self._local_date(current))
            available = closing - current
            if remaining <= available:
                return (current + remaining).astimezone(self.tz)
            remaining -= available
            current = self._next_opening_utc(closing)

    def _open_time(self, start: datetime, end: datetime) -> timedelta:
        """Open time within [start, end), both in UTC, start <= end."""
        total = timedelta(0)
        day, last = self._local_date(start), self._local_date(end)
        while day <= last:
            if self.is_business_day(day):
                low = max(start, self._opening_utc(day))
                high = min(end, self._closing_utc(day))
                if low < high:
                    total += high - low
            day += timedelta(days=1)
        return total

    def business_time_between(
        self,
        start: datetime,
        end: datetime,
        pauses: Iterable[tuple[datetime, datetime | None]] = (),
    ) -> timedelta:
        """Open time between ``start`` and ``end``, less the open time inside ``pauses``.

        A pause ``(since, None)`` runs until ``end``. Pauses are clipped to [start, end] and merged, so
        overlapping pauses are not subtracted twice. Zero when ``end <= start``; a pause that ends before
        it starts raises ValueError.
        """
        start, end = _utc(start, "start"), _utc(end, "end")
        intervals: list[tuple[datetime, datetime]] = []
        for since, until in pauses:
            since = _utc(since, "pause start")
            until = max(end, since) if until is None else _utc(until, "pause end")
            if until < since:
                raise ValueError(f"pause ends ({until}) before it starts ({since})")
            low, high = max(since, start), min(until, end)
            if low < high:
                intervals.append((low, high))
        if end <= start:
            return timedelta(0)
        merged: list[tuple[datetime, datetime]] = []
        for low, high in sorted(intervals):
            if merged and low <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], high))
            else:
                merged.append((low, high))
        paused = sum((self._open_time(low, high) for low, high in merged), timedelta(0))
        return self._open_time(start, end) - paused

    def add_business_days(self, start: datetime, days: int) -> datetime:
        """End-of-day deadline: the closing instant of the ``days``-th business day after ``start``'s local date.

        The day of ``start`` never counts, whatever the hour (French "jours ouvrés" practice): a question sent
        Friday 10:00, Friday 20:00 or Saturday with 2 business days is due Tuesday at closing time, local.
        ``days=0`` gives the closing of the first business day whose closing is still ahead of ``start``.
        """
        if days < 0:
            raise ValueError(f"days must not be negative, got {days}")
        instant = _utc(start, "start")
        today = self._local_date(instant)
        if days == 0:
            for day in self._business_days_from(today):
                if instant < self._closing_utc(day):
                    return self.closing_at(day)
        for counted, day in enumerate(self._business_days_from(today + timedelta(days=1)), start=1):
            if counted == days:
                return self.closing_at(day)
        raise AssertionError("unreachable")  # pragma: no cover


# The two calendars of the platform ------------------------------------------------------------------------


def cell_calendar() -> BusinessCalendar:
    """The ACSS cell: Europe/Paris, national holidays, hours from ACSS_CELL_OPENING / ACSS_CELL_CLOSING."""
    return BusinessCalendar(
        tz=PARIS,
        holiday_subdivision=None,
        opening=_parse_time(getattr(settings, "ACSS_CELL_OPENING", "09:00")),
        closing=_parse_time(getattr(settings, "ACSS_CELL_CLOSING", "18:00")),
    )


def zone_of(target: Any) -> ZoneInfo:
    """The zone of a structure (its département's), of a département, or named (a ZoneInfo or a zone name).

    The one place that says what a structure's local time is; anything without a known zone is in Europe/Paris.
    """
    if isinstance(target, ZoneInfo):
        return target
    name: Any = target
    if not isinstance(target, str):
        departement = getattr(target, "departement", None)
        name = getattr(departement if departement is not None else target, "timezone", None)
    try:
        return ZoneInfo(name) if isinstance(name, str) and name else PARIS
    except (ZoneInfoNotFoundError, ValueError):
        return PARIS


def structure_calendar(departement: HasCalendarFields | None) -> BusinessCalendar:
    """A structure's calendar: its département's zone and holidays, the cell's hours in local time.

    Without a département (unknown location) the structure gets the national calendar in Europe/Paris.
    """
    cell = cell_calendar()
    if departement is None:
        return cell
    return BusinessCalendar(
        tz=zone_of(departement),
        holiday_subdivision=departement.holiday_subdivision or None,
        opening=cell.opening,
        closing=cell.closing,
    )


# Calendar-time clocks (NIS2, GDPR) -------------------------------------------------------------------------


def calendar_elapsed(start: datetime, end: datetime) -> timedelta:
    """Real time elapsed from ``start`` to ``end`` (negative if ``end`` is earlier); never pauses."""
    return _utc(end, "end") - _utc(start, "start")


def add_real_time(at: datetime, delta: timedelta, tz: ZoneInfo = PARIS) -> datetime:
    """``at`` + ``delta`` of real elapsed time, expressed in ``tz``.

    Python adds a timedelta to an aware datetime on the wall clock (Paris 28 March 12:00 + 24 h would give
    29 March 12:00, only 23 real hours later across the DST change); going through UTC avoids that.
    """
    return (_utc(at, "at") + delta).astimezone(tz)


def add_calendar_months(at: datetime, months: int, tz: ZoneInfo = PARIS) -> datetime:
    """Same local time, ``months`` calendar months later in ``tz``; the day is clamped (31 Jan → 28/29 Feb)."""
    _require_aware(at, "at")
    local = at.astimezone(tz)
    wall = local.replace(tzinfo=None) + relativedelta(months=months)
    return wall.replace(tzinfo=tz).astimezone(UTC).astimezone(tz)


def nis2_deadlines(aware_at: datetime, notified_at: datetime | None = None, *, tz: ZoneInfo) -> dict[str, datetime]:
    """NIS2 (art. 23) deadlines from the moment the entity became aware of a significant incident.

    * ``early_warning``: 24 real hours after awareness;
    * ``notification``: 72 real hours after awareness;
    * ``final_report``: one calendar month after the incident notification was sent — ``notified_at`` when it
      is known, otherwise counted from awareness (a notification can't precede awareness, so this is the
      earliest possible date: never later than the legal one).

    "24 h" and "72 h" are real elapsed hours (a DST change doesn't stretch or shrink them); the month is a
    calendar month on ``tz``'s wall clock, the structure's (:func:`zone_of`), the day clamped at the month's
    end (31 January → 28 or 29 February). ``tz`` has no default: the same instant gives another final report
    on another clock. Results are expressed in ``tz``. For a declaration, read
    ``acss.incidents.rules.regulatory_deadlines``.
    """
    _require_aware(aware_at, "aware_at")
    return {
        "early_warning": add_real_time(aware_at, NIS2_EARLY_WARNING, tz),
        "notification": add_real_time(aware_at, NIS2_NOTIFICATION, tz),
        "final_report": add_calendar_months(notified_at or aware_at, 1, tz),
    }


def cnil_deadline(at: datetime, tz: ZoneInfo = PARIS) -> datetime:
    """GDPR art. 33: notify the CNIL within 72 real hours of becoming aware of a personal-data breach."""
    return add_real_time(at, CNIL_NOTIFICATION, tz)
