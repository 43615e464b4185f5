"""The two calendars and the regulatory clocks."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import holidays
import pytest
from django.template import Context, Template
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from acss.core.calendars import (
    BusinessCalendar,
    add_calendar_months,
    calendar_elapsed,
    cell_calendar,
    cnil_deadline,
    nis2_deadlines,
    structure_calendar,
)
from acss.core.models import Departement
from acss.core.templatetags.acss_time import format_offset, in_tz, structure_local, tz_label

PARIS = ZoneInfo("Europe/Paris")
REUNION = ZoneInfo("Indian/Reunion")
GUADELOUPE = ZoneInfo("America/Guadeloupe")
MAYOTTE = ZoneInfo("Indian/Mayotte")
UTC_ZONE = ZoneInfo("UTC")

CELL = BusinessCalendar(tz=PARIS)
ALSACE = BusinessCalendar(tz=PARIS, holiday_subdivision="6AE")
MOSELLE = BusinessCalendar(tz=PARIS, holiday_subdivision="57")
LA_REUNION = BusinessCalendar(tz=REUNION, holiday_subdivision="974")
LA_GUADELOUPE = BusinessCalendar(tz=GUADELOUPE, holiday_subdivision="971")
LA_GUYANE = BusinessCalendar(tz=ZoneInfo("America/Cayenne"), holiday_subdivision="973")
CALENDARS = [CELL, ALSACE, MOSELLE, LA_REUNION, LA_GUADELOUPE, LA_GUYANE]
# Opening hours straddling the DST changes (02:00→03:00 in March, 03:00→02:00 in October), every day:
# checks that durations are real time, never wall-clock differences.
NIGHT = BusinessCalendar(tz=PARIS, opening=time(1), closing=time(4), weekdays=frozenset(range(7)))


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


# Opening hours ---------------------------------------------------------------------------------------------


def test_cell_calendar_is_paris_national_9_to_18():
    cell = cell_calendar()
    assert cell == CELL
    assert (cell.tz, cell.holiday_subdivision, cell.opening, cell.closing) == (PARIS, None, time(9), time(18))


def test_cell_hours_come_from_settings(settings):
    settings.ACSS_CELL_OPENING = "08:30"
    settings.ACSS_CELL_CLOSING = "17:00"
    cell = cell_calendar()
    assert cell.is_open(paris(2026, 11, 20, 8, 30))
    assert not cell.is_open(paris(2026, 11, 20, 17, 0))


@pytest.mark.parametrize(
    ("at", "open_"),
    [
        (paris(2026, 11, 20, 9, 0), True),  # Friday
        (paris(2026, 11, 20, 17, 59), True),
        (paris(2026, 11, 20, 17, 59, 59, 999999), True),
        (paris(2026, 11, 20, 18, 0), False),
        (paris(2026, 11, 20, 8, 59), False),
        (paris(2026, 11, 20, 8, 59, 59, 999999), False),
        (paris(2026, 11, 21, 23, 0), False),  # Saturday night
        (paris(2026, 11, 22, 3, 0), False),  # Sunday night
        (paris(2026, 11, 22, 11, 0), False),  # Sunday noon
        (paris(2026, 11, 24, 2, 0), False),  # weekday night
        (paris(2026, 7, 14, 10, 0), False),  # Tuesday, Fête nationale
        (paris(2026, 7, 15, 10, 0), True),
    ],
)
def test_cell_open(at, open_):
    assert CELL.is_open(at) is open_


def test_is_open_uses_the_local_hour_of_the_given_instant():
    # 08:30 UTC is 09:30 in Paris in winter: open; 17:30 UTC is 18:30: closed.
    assert CELL.is_open(datetime(2026, 11, 20, 8, 30, tzinfo=UTC))
    assert not CELL.is_open(datetime(2026, 11, 20, 17, 30, tzinfo=UTC))
    # In summer Paris is UTC+2: 07:30 UTC is 09:30.
    assert CELL.is_open(datetime(2026, 7, 15, 7, 30, tzinfo=UTC))


def test_national_holiday_names_are_french():
    assert CELL.is_holiday(date(2026, 7, 14))
    assert CELL.holiday_name(date(2026, 7, 14)) == "Fête nationale"
    assert CELL.holiday_name(date(2026, 12, 25)) == "Noël"
    assert CELL.holiday_name(date(2026, 7, 15)) is None
    assert not CELL.is_business_day(date(2026, 7, 14))
    assert not CELL.is_business_day(date(2026, 11, 21))  # Saturday
    assert CELL.is_business_day(date(2026, 11, 20))


def test_good_friday_and_st_stephen_are_open_for_the_cell_but_holidays_in_alsace_moselle():
    good_friday, st_stephen = date(2026, 4, 3), date(2025, 12, 26)
    assert good_friday.weekday() == 4 and st_stephen.weekday() == 4
    for day in (good_friday, st_stephen):
        assert not CELL.is_holiday(day)
        assert CELL.is_open(datetime.combine(day, time(10), tzinfo=PARIS))
    for calendar in (ALSACE, MOSELLE):
        assert calendar.holiday_name(good_friday) == "Vendredi saint"
        assert calendar.holiday_name(st_stephen) == "Saint-Étienne"
        assert not calendar.is_open(datetime.combine(good_friday, time(10), tzinfo=PARIS))


@pytest.mark.django_db
def test_structure_calendars_of_strasbourg_and_metz(db):
    strasbourg = structure_calendar(Departement.objects.get(code="67"))
    metz = structure_calendar(Departement.objects.get(code="57"))
    paris_ = structure_calendar(Departement.objects.get(code="75"))
    assert strasbourg.tz == metz.tz == paris_.tz == PARIS
    assert (strasbourg.opening, strasbourg.closing) == (time(9), time(18))
    for calendar in (strasbourg, metz):
        assert calendar.holiday_name(date(2026, 4, 3)) == "Vendredi saint"
        assert calendar.holiday_name(date(2025, 12, 26)) == "Saint-Étienne"
        assert not calendar.is_open(paris(2025, 12, 26, 10))
    assert paris_.holiday_subdivision is None
    assert paris_.is_open(paris(2026, 4, 3, 10))


@pytest.mark.django_db
def test_overseas_structure_calendars(db):
    reunion = structure_calendar(Departement.objects.get(code="974"))
    guadeloupe = structure_calendar(Departement.objects.get(code="971"))
    mayotte = structure_calendar(Departement.objects.get(code="976"))
    at = paris(2026, 11, 20, 3, 0)
    assert reunion.local(at).replace(tzinfo=None) == datetime(2026, 11, 20, 6, 0)
    assert guadeloupe.local(at).replace(tzinfo=None) == datetime(2026, 11, 19, 22, 0)
    assert mayotte.local(at).replace(tzinfo=None) == datetime(2026, 11, 20, 5, 0)
    # 07:00 Paris is 10:00 at La Réunion: the structure is open, the cell is not.
    assert reunion.is_open(paris(2026, 11, 20, 7, 0)) and not CELL.is_open(paris(2026, 11, 20, 7, 0))
    # 16:00 Paris is 11:00 in Guadeloupe (UTC−4, no DST) in winter, 10:00 in summer (Paris UTC+2).
    assert guadeloupe.local(paris(2026, 7, 15, 16, 0)).hour == 10
    # Local holidays: 20 December at La Réunion, Victor Schoelcher on 21 July in Guadeloupe.
    assert reunion.holiday_name(date(2026, 12, 20)) == "Abolition de l'esclavage"
    assert guadeloupe.holiday_name(date(2026, 7, 21)) == "Fête de Victor Schoelcher"
    assert mayotte.holiday_name(date(2026, 4, 27)) == "Abolition de l'esclavage"
    assert CELL.is_open(paris(2026, 7, 21, 10))


def test_structure_without_departement_gets_the_national_calendar():
    assert structure_calendar(None) == CELL
    blank = SimpleNamespace(timezone="Europe/Paris", holiday_subdivision="")
    assert structure_calendar(blank).holiday_subdivision is None


def test_next_opening():
    friday_evening = paris(2026, 11, 20, 18, 0)
    assert CELL.next_opening(friday_evening) == paris(2026, 11, 23, 9, 0)
    assert CELL.next_opening(paris(2026, 11, 20, 10, 15)) == paris(2026, 11, 20, 10, 15)
    assert CELL.next_opening(paris(2026, 11, 20, 6, 0)) == paris(2026, 11, 20, 9, 0)
    assert CELL.next_opening(paris(2026, 7, 13, 19, 0)) == paris(2026, 7, 15, 9, 0)  # over 14 July
    assert CELL.next_opening(paris(2026, 11, 21, 12)).tzinfo == PARIS


# Business hours --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        (paris(2026, 11, 19, 16, 0), 4, paris(2026, 11, 20, 11, 0)),  # across a night
        (paris(2026, 11, 20, 16, 0), 4, paris(2026, 11, 23, 11, 0)),  # across a weekend
        (paris(2026, 11, 21, 15, 0), 1, paris(2026, 11, 23, 10, 0)),  # starting on a Saturday
        (paris(2026, 11, 20, 20, 0), 0, paris(2026, 11, 23, 9, 0)),  # zero hours when closed: next opening
        (paris(2026, 11, 20, 10, 0), 0, paris(2026, 11, 20, 10, 0)),
        (paris(2026, 7, 13, 17, 0), 2, paris(2026, 7, 15, 10, 0)),  # across 14 July
        (paris(2026, 3, 27, 17, 0), 2, paris(2026, 3, 30, 10, 0)),  # across the DST change
        (paris(2026, 10, 23, 17, 0), 2, paris(2026, 10, 26, 10, 0)),  # across the return to winter time
        (paris(2026, 11, 20, 9, 0), 9, paris(2026, 11, 20, 18, 0)),  # a full day ends at closing
        (paris(2026, 11, 20, 9, 0), 45, paris(2026, 11, 26, 18, 0)),  # a full week
        (paris(2026, 11, 20, 9, 0), timedelta(minutes=90), paris(2026, 11, 20, 10, 30)),
        (paris(2026, 11, 20, 9, 0), 1.5, paris(2026, 11, 20, 10, 30)),
    ],
)
def test_add_business_hours(start, hours, expected):
    result = CELL.add_business_hours(start, hours)
    assert result == expected
    assert result.tzinfo == PARIS


def test_add_business_hours_dst_example_counts_real_hours():
    start = paris(2026, 3, 27, 17, 0)
    end = CELL.add_business_hours(start, 2)
    assert end == paris(2026, 3, 30, 10, 0)
    assert end.utcoffset() == timedelta(hours=2) and start.utcoffset() == timedelta(hours=1)
    assert CELL.business_time_between(start, end) == timedelta(hours=2)


def test_add_business_hours_in_a_structure_zone():
    # Friday 17:00 Paris = 20:00 at La Réunion: closed; Monday 09:00 Réunion + 2 h = 11:00 Réunion = 08:00 Paris.
    end = LA_REUNION.add_business_hours(paris(2026, 11, 20, 17, 0), 2)
    assert end == datetime(2026, 11, 23, 11, 0, tzinfo=REUNION)
    assert end.astimezone(PARIS).hour == 8


def test_durations_are_real_time_when_dst_changes_inside_opening_hours():
    # 29 March 2026: 01:00 CET to 04:00 CEST is 2 real hours; 25 October: 01:00 CEST to 04:00 CET is 4.
    assert NIGHT.business_time_between(paris(2026, 3, 29, 0), paris(2026, 3, 30, 0)) == timedelta(hours=2)
    assert NIGHT.business_time_between(paris(2026, 10, 25, 0), paris(2026, 10, 26, 0)) == timedelta(hours=4)
    assert NIGHT.add_business_hours(paris(2026, 3, 29, 1), 2) == datetime(2026, 3, 29, 2, 0, tzinfo=UTC)
    assert NIGHT.add_business_hours(paris(2026, 3, 29, 1), 2.5) == paris(2026, 3, 30, 1, 30)
    assert NIGHT.add_business_hours(paris(2026, 10, 25, 1), 4) == datetime(2026, 10, 25, 3, 0, tzinfo=UTC)


def test_add_business_hours_rejects_negative():
    with pytest.raises(ValueError, match="negative"):
        CELL.add_business_hours(paris(2026, 11, 20, 10), -1)


def test_business_time_between_without_pauses():
    assert CELL.business_time_between(paris(2026, 11, 20, 10), paris(2026, 11, 20, 12)) == timedelta(hours=2)
    # Friday 16:00 to Monday 11:00: 2 h + 2 h.
    assert CELL.business_time_between(paris(2026, 11, 20, 16), paris(2026, 11, 23, 11)) == timedelta(hours=4)
    # A weekend alone is nothing; an inverted interval is zero.
    assert CELL.business_time_between(paris(2026, 11, 21, 0), paris(2026, 11, 23, 0)) == timedelta(0)
    assert CELL.business_time_between(paris(2026, 11, 20, 12), paris(2026, 11, 20, 10)) == timedelta(0)
    # Across 14 July.
    assert CELL.business_time_between(paris(2026, 7, 13, 17), paris(2026, 7, 15, 10)) == timedelta(hours=2)
    # Instants in other zones are the same instants.
    start = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # 10:00 Paris
    assert CELL.business_time_between(start, paris(2026, 11, 20, 12)) == timedelta(hours=2)


def test_business_time_between_with_a_pause_inside():
    start, end = paris(2026, 11, 16, 9), paris(2026, 11, 20, 18)  # a full week: 45 h
    assert CELL.business_time_between(start, end) == timedelta(hours=45)
    pause = (paris(2026, 11, 17, 14), paris(2026, 11, 18, 10))  # 4 h + 1 h open
    assert CELL.business_time_between(start, end, [pause]) == timedelta(hours=40)


def test_business_time_between_with_a_pause_overlapping_the_start():
    start, end = paris(2026, 11, 16, 9), paris(2026, 11, 16, 18)
    pause = (paris(2026, 11, 13, 12), paris(2026, 11, 16, 11))  # began the Friday before
    assert CELL.business_time_between(start, end, [pause]) == timedelta(hours=7)


def test_business_time_between_with_overlapping_pauses_counts_them_once():
    start, end = paris(2026, 11, 16, 9), paris(2026, 11, 16, 18)
    pauses = [
        (paris(2026, 11, 16, 10), paris(2026, 11, 16, 13)),
        (paris(2026, 11, 16, 12), paris(2026, 11, 16, 14)),  # overlaps the first
        (paris(2026, 11, 16, 11), paris(2026, 11, 16, 12)),  # inside the first
        (paris(2026, 11, 16, 14), paris(2026, 11, 16, 15)),  # touches the second
    ]
    assert CELL.business_time_between(start, end, pauses) == timedelta(hours=4)  # 9-10 and 15-18


def test_business_time_between_with_an_open_ended_pause():
    start, end = paris(2026, 11, 16, 9), paris(2026, 11, 17, 12)
    pauses = [(paris(2026, 11, 16, 16), None)]  # still waiting on the structure
    assert CELL.business_time_between(start, end, pauses) == timedelta(hours=7)
    # An open-ended pause starting after the end changes nothing; one that ended before the start neither.
    later = [(paris(2026, 11, 18, 9), None), (paris(2026, 11, 13, 9), paris(2026, 11, 13, 10))]
    assert CELL.business_time_between(start, end, later) == timedelta(hours=12)


def test_business_time_between_rejects_inverted_pauses():
    with pytest.raises(ValueError, match="before it starts"):
        CELL.business_time_between(
            paris(2026, 11, 16, 9), paris(2026, 11, 17, 9), [(paris(2026, 11, 16, 12), paris(2026, 11, 16, 11))]
        )


# Business days ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (paris(2026, 11, 20, 10), 2, paris(2026, 11, 24, 18)),  # Friday → Tuesday closing
        (paris(2026, 11, 20, 20), 2, paris(2026, 11, 24, 18)),  # Friday evening, same
        (paris(2026, 11, 21, 10), 2, paris(2026, 11, 24, 18)),  # Saturday: Monday is day 1
        (paris(2026, 11, 16, 10), 1, paris(2026, 11, 17, 18)),
        (paris(2026, 7, 13, 10), 1, paris(2026, 7, 15, 18)),  # 14 July skipped
        (paris(2026, 11, 20, 10), 0, paris(2026, 11, 20, 18)),
        (paris(2026, 11, 20, 18), 0, paris(2026, 11, 23, 18)),
        (paris(2026, 3, 27, 10), 1, paris(2026, 3, 30, 18)),  # across the DST change
    ],
)
def test_add_business_days_is_end_of_day(start, days, expected):
    assert CELL.add_business_days(start, days) == expected


def test_add_business_days_follows_local_holidays():
    # Thursday 2 April 2026 + 1 business day: Friday for the cell, Tuesday after Easter Monday in Alsace.
    start = paris(2026, 4, 2, 10)
    assert CELL.add_business_days(start, 1) == paris(2026, 4, 3, 18)
    assert ALSACE.add_business_days(start, 1) == paris(2026, 4, 7, 18)
    with pytest.raises(ValueError):
        CELL.add_business_days(start, -1)


# Calendar-time clocks --------------------------------------------------------------------------------------


def test_nis2_hours_are_real_hours_across_dst():
    aware_at = paris(2026, 3, 28, 12, 0)  # Saturday before the change to summer time
    deadlines = nis2_deadlines(aware_at, tz=PARIS)
    # 24 real hours: 13:00 local on Sunday (the clocks jumped forward one hour that night).
    assert deadlines["early_warning"] == paris(2026, 3, 29, 13, 0)
    # Beware: Python subtracts two datetimes sharing a tzinfo on their wall clocks (25 h here).
    assert deadlines["early_warning"] - aware_at == timedelta(hours=25)
    assert calendar_elapsed(aware_at, deadlines["early_warning"]) == timedelta(hours=24)
    assert deadlines["notification"] == paris(2026, 3, 31, 13, 0)
    assert calendar_elapsed(aware_at, deadlines["notification"]) == timedelta(hours=72)
    assert deadlines["final_report"] == paris(2026, 4, 28, 12, 0)
    assert all(d.tzinfo == PARIS for d in deadlines.values())


def test_nis2_across_the_return_to_winter_time():
    aware_at = paris(2026, 10, 24, 12, 0)
    assert nis2_deadlines(aware_at, tz=PARIS)["early_warning"] == paris(2026, 10, 25, 11, 0)


def test_nis2_final_report_counts_from_the_notification_when_known():
    aware_at = paris(2026, 1, 29, 10, 0)
    assert nis2_deadlines(aware_at, tz=PARIS)["final_report"] == paris(2026, 2, 28, 10, 0)  # 29 Jan → 28 Feb (clamped)
    notified = paris(2026, 1, 31, 16, 0)
    assert nis2_deadlines(aware_at, notified, tz=PARIS)["final_report"] == paris(2026, 2, 28, 16, 0)


def test_calendar_months_are_clamped_and_keep_local_time():
    assert add_calendar_months(paris(2028, 1, 31, 10), 1) == paris(2028, 2, 29, 10)  # leap year
    assert add_calendar_months(paris(2026, 1, 31, 10), 1) == paris(2026, 2, 28, 10)
    assert add_calendar_months(paris(2026, 3, 15, 10), 1) == paris(2026, 4, 15, 10)  # across DST: same wall time
    assert add_calendar_months(paris(2026, 12, 31, 23, 30), 2) == paris(2027, 2, 28, 23, 30)
    # The month is counted on Paris's wall clock: 28 Feb 01:30 UTC is 02:30 Paris.
    assert add_calendar_months(datetime(2026, 2, 28, 1, 30, tzinfo=UTC), 1) == paris(2026, 3, 28, 2, 30)


def test_calendar_month_into_a_dst_gap_or_overlap():
    # 28 March 2027 02:30 doesn't exist in Paris (clocks jump from 02:00 to 03:00): moved forward to 03:30.
    result = add_calendar_months(paris(2027, 2, 28, 2, 30), 1)
    assert result == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    assert result.replace(tzinfo=None) == datetime(2027, 3, 28, 3, 30)
    # 25 October 2026 02:30 happens twice: the first occurrence (summer time) is taken.
    result = add_calendar_months(paris(2026, 9, 25, 2, 30), 1)
    # (An ambiguous wall time never compares equal across zones, PEP 495: compare in UTC.)
    assert result.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert result.utcoffset() == timedelta(hours=2)


def test_cnil_deadline_is_72_real_hours():
    at = paris(2026, 10, 23, 18, 0)
    assert cnil_deadline(at) == paris(2026, 10, 26, 17, 0)  # one hour given back on 25 October
    assert calendar_elapsed(at, cnil_deadline(at)) == timedelta(hours=72)
    assert cnil_deadline(at).tzinfo == PARIS


def test_calendar_elapsed_never_pauses_and_may_be_negative():
    assert calendar_elapsed(paris(2026, 11, 20, 18), paris(2026, 11, 23, 9)) == timedelta(hours=63)
    assert calendar_elapsed(paris(2026, 11, 20, 18), paris(2026, 11, 20, 17)) == timedelta(hours=-1)


# Naive datetimes -------------------------------------------------------------------------------------------

NAIVE = datetime(2026, 11, 20, 10, 0)


@pytest.mark.parametrize(
    "call",
    [
        lambda: CELL.local(NAIVE),
        lambda: CELL.is_open(NAIVE),
        lambda: CELL.next_opening(NAIVE),
        lambda: CELL.add_business_hours(NAIVE, 1),
        lambda: CELL.add_business_days(NAIVE, 1),
        lambda: CELL.business_time_between(NAIVE, paris(2026, 11, 21)),
        lambda: CELL.business_time_between(paris(2026, 11, 19), NAIVE),
        lambda: CELL.business_time_between(paris(2026, 11, 19), paris(2026, 11, 21), [(NAIVE, None)]),
        lambda: CELL.business_time_between(paris(2026, 11, 19), paris(2026, 11, 21), [(paris(2026, 11, 19), NAIVE)]),
        lambda: calendar_elapsed(NAIVE, paris(2026, 11, 21)),
        lambda: nis2_deadlines(NAIVE, tz=PARIS),
        lambda: cnil_deadline(NAIVE),
        lambda: add_calendar_months(NAIVE, 1),
    ],
)
def test_naive_datetimes_raise(call):
    with pytest.raises(ValueError, match="timezone-aware"):
        call()


def test_invalid_calendars_are_rejected():
    with pytest.raises(ValueError):
        BusinessCalendar(tz=PARIS, opening=time(18), closing=time(9))
    with pytest.raises(ValueError):
        BusinessCalendar(tz=PARIS, weekdays=frozenset())


# Properties ------------------------------------------------------------------------------------------------

ZONES = [PARIS, REUNION, GUADELOUPE, MAYOTTE, UTC_ZONE, ZoneInfo("America/Cayenne")]
instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.sampled_from(ZONES)
)
calendars = st.sampled_from([*CALENDARS, NIGHT])
durations = st.one_of(
    st.floats(min_value=0, max_value=400, allow_nan=False, allow_infinity=False),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=400)),
)


def as_timedelta(hours: float | timedelta) -> timedelta:
    return hours if isinstance(hours, timedelta) else timedelta(hours=hours)


@hypothesis_settings(max_examples=300, deadline=None)
@given(calendar=calendars, start=instants, hours=durations)
def test_add_business_hours_then_measure_gives_the_hours_back(calendar, start, hours):
    end = calendar.add_business_hours(start, hours)
    assert end >= start
    assert abs(calendar.business_time_between(start, end) - as_timedelta(hours)) < timedelta(seconds=1)
    local = end.astimezone(calendar.tz)
    assert calendar.is_open(end) or (
        calendar.is_business_day(local.date()) and local.time() == calendar.closing and hours
    )


@hypothesis_settings(max_examples=500, deadline=None)
@given(calendar=st.sampled_from(CALENDARS), at=instants)
def test_is_open_agrees_with_brute_force(calendar, at):
    local = at.astimezone(calendar.tz)
    national_or_local = holidays.France(subdiv=calendar.holiday_subdivision, years=local.year)
    expected = local.weekday() < 5 and local.date() not in national_or_local and time(9) <= local.time() < time(18)
    assert calendar.is_open(at) is expected


@hypothesis_settings(max_examples=200, deadline=None)
@given(calendar=calendars, start=instants, end=instants, pauses=st.lists(st.tuples(instants, instants), max_size=4))
def test_pauses_never_add_time(calendar, start, end, pauses):
    ordered = [(min(a, b), max(a, b)) for a, b in pauses]
    full = calendar.business_time_between(start, end)
    paused = calendar.business_time_between(start, end, ordered)
    assert timedelta(0) <= paused <= full


@hypothesis_settings(max_examples=200, deadline=None)
@given(calendar=calendars, start=instants, days=st.integers(min_value=1, max_value=30))
def test_add_business_days_lands_on_a_closing_time(calendar, start, days):
    due = calendar.add_business_days(start, days)
    local = due.astimezone(calendar.tz)
    assert calendar.is_business_day(local.date()) and local.time() == calendar.closing
    assert local.date() > start.astimezone(calendar.tz).date()


@hypothesis_settings(max_examples=200, deadline=None)
@given(at=instants)
def test_nis2_property_real_hours(at):
    deadlines = nis2_deadlines(at, tz=PARIS)
    assert calendar_elapsed(at, deadlines["early_warning"]) == timedelta(hours=24)
    assert calendar_elapsed(at, deadlines["notification"]) == timedelta(hours=72)
    assert deadlines["final_report"] > deadlines["notification"]


# Template filters ------------------------------------------------------------------------------------------


def structure_in(zone: str):
    return SimpleNamespace(departement=SimpleNamespace(timezone=zone, holiday_subdivision=""))


def test_in_tz_and_structure_local():
    at = paris(2026, 11, 20, 3, 0)
    reunion = in_tz(at, "Indian/Reunion")
    assert reunion == at and reunion.tzinfo == REUNION and reunion.hour == 6
    assert structure_local(at, structure_in("America/Guadeloupe")).hour == 22
    assert structure_local(at, structure_in("Indian/Mayotte")).hour == 5
    assert in_tz("", "Indian/Reunion") == "" and in_tz(None, "Indian/Reunion") == ""
    assert in_tz(at, "Not/AZone").tzinfo == PARIS
    assert structure_local(at, None).tzinfo == PARIS


def test_tz_label():
    winter, summer = paris(2026, 11, 20, 3, 0), paris(2026, 7, 15, 10, 0)
    assert tz_label(winter, structure_in("Indian/Reunion")) == "heure de La Réunion (UTC+4)"
    assert tz_label(winter, structure_in("Europe/Paris")) == "heure de Paris (UTC+1)"
    assert tz_label(summer, structure_in("Europe/Paris")) == "heure de Paris (UTC+2)"
    assert tz_label(winter, structure_in("America/Guadeloupe")) == "heure de Guadeloupe (UTC\u22124)"
    assert tz_label(winter, structure_in("America/Cayenne")) == "heure de Guyane (UTC\u22123)"
    assert tz_label(winter, structure_in("Indian/Mayotte")) == "heure de Mayotte (UTC+3)"
    assert tz_label(winter, "Asia/Kolkata") == "heure de Kolkata (UTC+5:30)"
    assert tz_label(None, structure_in("Europe/Paris")) == ""
    assert format_offset(timedelta(0)) == "UTC"


@pytest.mark.django_db
def test_filters_in_a_template_with_a_real_departement(db):
    structure = SimpleNamespace(departement=Departement.objects.get(code="974"))
    rendered = Template(
        '{% load acss_time %}{{ at|structure_local:s|date:"d/m/Y H:i" }} ({{ at|tz_label:s }}) '
        '{{ at|in_tz:"America/Guadeloupe"|date:"d/m/Y H:i" }}'
    ).render(Context({"at": paris(2026, 11, 20, 3, 0), "s": structure}))
    assert rendered == "20/11/2026 06:00 (heure de La Réunion (UTC+4)) 19/11/2026 22:00"


def test_filtered_datetimes_are_not_converted_back_to_the_active_zone():
    template = Template('{% load acss_time %}{{ at|date:"H:i" }} {{ at|in_tz:"Indian/Mayotte"|date:"H:i" }}')
    at = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    with timezone.override("America/Cayenne"):
        assert template.render(Context({"at": at})) == "23:00 05:00"
    # Naive values are taken in the default time zone (Europe/Paris), as Django's timezone filter does.
    assert in_tz(datetime(2026, 11, 20, 3, 0), "Indian/Reunion").hour == 6
    # The second 02:30 of 25 October 2026 stays the second one.
    second = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert in_tz(second, "Europe/Paris").astimezone(UTC) == second
