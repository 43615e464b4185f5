"""The NIS 2 and CNIL clocks of a declaration, the same on the page and through the API, on the structure's clock."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, timedelta
from html import unescape
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token

from acss.accounts.models import Role
from acss.core.calendars import PARIS, calendar_elapsed, structure_calendar, zone_of
from acss.core.models import Departement
from acss.incidents.models import Declaration
from acss.incidents.rules import aware_at, regulatory_deadlines
from acss.incidents.services.cases import case_open

from .conftest import login, make_structure, make_user

AWARE = datetime(2026, 3, 15, 10, 0, tzinfo=UTC)  # before the change to summer time in Paris (29 March)

# What the page shows of each clock (local time and zone) and the final report in UTC, by département.
CLOCKS = {
    "974": {
        "early_warning": "16/03/2026 14:00 (heure de La Réunion (UTC+4))",
        "notification": "18/03/2026 14:00 (heure de La Réunion (UTC+4))",
        "final_report": "15/04/2026 14:00 (heure de La Réunion (UTC+4))",
        "final_report_utc": datetime(2026, 4, 15, 10, 0, tzinfo=UTC),
    },
    "67": {
        "early_warning": "16/03/2026 11:00 (heure de Paris (UTC+1))",
        "notification": "18/03/2026 11:00 (heure de Paris (UTC+1))",
        "final_report": "15/04/2026 11:00 (heure de Paris (UTC+2))",  # after the change to summer time
        "final_report_utc": datetime(2026, 4, 15, 9, 0, tzinfo=UTC),
    },
    "973": {
        "early_warning": "16/03/2026 07:00 (heure de Guyane (UTC\u22123))",
        "notification": "18/03/2026 07:00 (heure de Guyane (UTC\u22123))",
        "final_report": "15/04/2026 07:00 (heure de Guyane (UTC\u22123))",
        "final_report_utc": datetime(2026, 4, 15, 10, 0, tzinfo=UTC),
    },
}
FINESS_PREFIX = {"974": "9740001", "67": "6700002", "973": "9730001"}


def nis2_declaration(dep: str, *, aware: datetime = AWARE, **fields) -> tuple[Declaration, object]:
    """A declaration by a NIS 2 essential entity in ``dep``, discovered at ``aware``; and its declarant."""
    structure = make_structure(f"Centre hospitalier {dep}", dep, FINESS_PREFIX[dep], nis2="essential")
    declarant = make_user(f"declarant@{dep}.test", (structure, Role.DECLARANT))
    declaration = Declaration.objects.create(
        reference=f"ACSS-2026-9{dep:0>5}",
        structure=structure,
        title="Incident",
        created_by=declarant,
        submitted_at=aware + timedelta(hours=2),
        discovered_at=aware,
        structure_snapshot={"nis2": "essential"},
        confidentiality_loss=True,
        **fields,
    )
    case_open(declaration=declaration)
    return declaration, declarant


def page_clocks(client, declaration) -> dict[str, str]:
    """The regulatory clocks as the declaration page lists them: label → « dd/mm/yyyy hh:mm (heure de …) »."""
    response = client.get(reverse("incidents:detail", args=[declaration.reference]))
    assert response.status_code == 200
    section = unescape(response.content.decode()).split("Délais réglementaires", 1)[1].split("</ul>", 1)[0]
    items = re.findall(r"<li>(.*?) : (\d\d/\d\d/\d{4} \d\d:\d\d \(heure de .*?\))(?: <span|</li>)", section)
    return {label: when for label, when in items}


def api_deadlines(user, declaration) -> dict:
    """The regulatory deadlines of ``GET /api/v1/dossiers/<ref>/`` as ``user`` reads them."""
    token, _ = Token.objects.get_or_create(user=user)
    response = Client(HTTP_AUTHORIZATION=f"Token {token.key}").get(
        reverse("api:case_detail", args=[declaration.reference])
    )
    assert response.status_code == 200
    return response.json()["regulatory_deadlines"]


@pytest.mark.parametrize("dep", ["974", "67", "973"])
def test_the_page_and_the_api_give_the_same_clocks_on_the_structure_s_clock(world, dep):
    declaration, declarant = nis2_declaration(dep)
    expected = CLOCKS[dep]

    for reader in (declarant, world.personas["analyst"]):
        assert page_clocks(login(Client(), reader), declaration) == {
            "NIS 2 : alerte précoce (24 h)": expected["early_warning"],
            "NIS 2 : notification (72 h)": expected["notification"],
            "NIS 2 : rapport final (un mois après la notification ; au plus tôt)": expected["final_report"],
            "CNIL : notification d'une violation de données (72 h)": expected["notification"],
        }

        data = api_deadlines(reader, declaration)
        assert datetime.fromisoformat(data["aware_at"]) == AWARE
        assert datetime.fromisoformat(data["nis2"]["early_warning"]) == AWARE + timedelta(hours=24)
        assert datetime.fromisoformat(data["nis2"]["notification"]) == AWARE + timedelta(hours=72)
        assert datetime.fromisoformat(data["nis2"]["final_report"]) == expected["final_report_utc"]
        assert data["nis2"]["final_report_is_earliest"] is True
        assert datetime.fromisoformat(data["cnil"]["notification"]) == AWARE + timedelta(hours=72)


@pytest.mark.parametrize(
    ("aware", "final"),
    [
        # 31 January 10:00 in La Réunion: 28 February 10:00 (clamped), 29 February in a leap year.
        (datetime(2026, 1, 31, 6, 0, tzinfo=UTC), datetime(2026, 2, 28, 6, 0, tzinfo=UTC)),
        (datetime(2028, 1, 31, 6, 0, tzinfo=UTC), datetime(2028, 2, 29, 6, 0, tzinfo=UTC)),
        # 31 January 22:00 UTC is already 1 February 02:00 in La Réunion: 1 March 02:00 there (on the Paris clock,
        # 31 January 23:00, it would have been 28 February 23:00).
        (datetime(2026, 1, 31, 22, 0, tzinfo=UTC), datetime(2026, 2, 28, 22, 0, tzinfo=UTC)),
    ],
)
def test_the_final_report_day_is_clamped_on_the_structure_s_calendar(world, aware, final):
    declaration, declarant = nis2_declaration("974", aware=aware)
    data = api_deadlines(declarant, declaration)
    assert datetime.fromisoformat(data["nis2"]["final_report"]) == final


def test_awareness_is_the_discovery_else_the_alert_else_the_submission(world):
    declaration, declarant = nis2_declaration("974")
    since = AWARE - timedelta(hours=5)
    Declaration.objects.filter(pk=declaration.pk).update(discovered_at=None, alert_since=since)
    assert datetime.fromisoformat(api_deadlines(declarant, declaration)["aware_at"]) == since
    Declaration.objects.filter(pk=declaration.pk).update(alert_since=None)
    declaration.refresh_from_db()
    assert datetime.fromisoformat(api_deadlines(declarant, declaration)["aware_at"]) == declaration.submitted_at
    early_warning = (declaration.submitted_at + timedelta(hours=24)).astimezone(ZoneInfo("Indian/Reunion"))
    clocks = page_clocks(world.client("analyst"), declaration)
    assert clocks["NIS 2 : alerte précoce (24 h)"].startswith(early_warning.strftime("%d/%m/%Y %H:%M"))


def test_one_zone_for_a_structure(db):
    reunion = make_structure("CHU de La Réunion", "974", "9740009")
    assert zone_of(reunion) == zone_of(reunion.departement) == ZoneInfo("Indian/Reunion")
    assert structure_calendar(reunion.departement).tz == zone_of(reunion)
    assert zone_of(Departement.objects.get(code="67")) == PARIS
    for unknown in (None, "", "Nowhere/Nothing", SimpleNamespace(departement=None)):
        assert zone_of(unknown) == PARIS


# Properties -----------------------------------------------------------------------------------------------------

ZONE_NAMES = [
    "Europe/Paris",
    "Indian/Reunion",
    "America/Cayenne",
    "America/Guadeloupe",
    "America/Martinique",
    "Indian/Mayotte",
    "America/Miquelon",
]
instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2060, 12, 31), timezones=st.just(UTC))


def declaration_in(zone: str, aware: datetime, **fields) -> SimpleNamespace:
    """What ``regulatory_deadlines`` reads of a declaration (a NIS 2 entity in ``zone``, aware at ``aware``)."""
    values = {
        "discovered_at": aware,
        "alert_since": None,
        "submitted_at": aware + timedelta(hours=1),
        "structure": SimpleNamespace(departement=SimpleNamespace(timezone=zone)),
        "structure_snapshot": {"nis2": "important"},
        "confidentiality_loss": False,
        "cnil_notified": False,
    }
    return SimpleNamespace(**(values | fields))


def wall_time_exists(local_wall: datetime, zone: ZoneInfo) -> bool:
    """Whether the clocks of ``zone`` ever show this (naive) wall time (not inside a DST gap)."""
    roundtrip = local_wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
    return roundtrip.replace(tzinfo=None) == local_wall


@hypothesis_settings(max_examples=400, deadline=None)
@given(zone_name=st.sampled_from(ZONE_NAMES), aware=instants)
def test_property_final_report_one_month_later_on_the_structure_s_wall_clock(zone_name, aware):
    zone = ZoneInfo(zone_name)
    deadlines = regulatory_deadlines(declaration_in(zone_name, aware))
    nis2 = deadlines.nis2
    assert calendar_elapsed(aware, nis2.early_warning) == timedelta(hours=24)
    assert calendar_elapsed(aware, nis2.notification) == timedelta(hours=72)
    assert nis2.final_report >= nis2.notification
    assert nis2.final_report.tzinfo == zone

    local = aware.astimezone(zone)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    day = min(local.day, calendar.monthrange(year, month)[1])  # clamped at the month's end
    final = nis2.final_report.astimezone(zone)
    assert final.date() == local.date().replace(year=year, month=month, day=day)
    wall = datetime.combine(final.date(), local.time())
    if wall_time_exists(wall, zone):
        assert final.time() == local.time()
    else:  # inside a DST gap: moved forward by the gap
        assert final.time() > local.time()


@hypothesis_settings(max_examples=200, deadline=None)
@given(
    discovered=st.none() | instants,
    alert_since=st.none() | instants,
    submitted=instants,
    nis2=st.sampled_from(["essential", "important", "none", None]),
    confidentiality_loss=st.booleans(),
    cnil_notified=st.booleans(),
)
def test_property_awareness_and_which_clocks(
    discovered, alert_since, submitted, nis2, confidentiality_loss, cnil_notified
):
    declaration = declaration_in(
        "Indian/Reunion",
        submitted,
        discovered_at=discovered,
        alert_since=alert_since,
        submitted_at=submitted,
        structure_snapshot={"nis2": nis2} if nis2 else {},
        confidentiality_loss=confidentiality_loss,
        cnil_notified=cnil_notified,
    )
    expected_aware = discovered or alert_since or submitted
    deadlines = regulatory_deadlines(declaration)
    assert deadlines.aware_at == aware_at(declaration) == expected_aware
    assert (deadlines.nis2 is not None) is (nis2 in ("essential", "important"))
    assert (deadlines.cnil is not None) is (confidentiality_loss or cnil_notified)
    if deadlines.cnil is not None:
        assert calendar_elapsed(expected_aware, deadlines.cnil) == timedelta(hours=72)
