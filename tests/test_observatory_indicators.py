"""The observatory's periods, indicators and printing helpers, on small sets loaded through the import."""

from __future__ import annotations

import io
import json
import statistics as stats
from datetime import datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import strategies as st

from acss.incidents.models import Declaration
from acss.incidents.selectors.statistics import percentile
from acss.incidents.services.cases import case_merge
from acss.observatory.indicators import DEFINITIONS, LABELS, compute_indicators, round_share, truncate_average
from acss.observatory.periods import PARIS, Period

NBSP = "\u00a0"

# --------------------------------------------------------------------------------------------------
# Periods
# --------------------------------------------------------------------------------------------------


def test_periods_have_french_labels_and_paris_bounds():
    year, quarter, month = Period.parse("2019"), Period.parse("2019-T2"), Period.parse("2019-03")
    assert (year.label, quarter.label, month.label) == ("2019", "2e trimestre 2019", "mars 2019")
    assert Period.quarter_of(2019, 1).label == "1er trimestre 2019"
    assert (year.months, quarter.months, month.months) == (12, 3, 1)
    assert quarter.start == datetime(2019, 4, 1, tzinfo=PARIS) and quarter.end == datetime(2019, 7, 1, tzinfo=PARIS)
    assert Period.month_of(2019, 12).end == datetime(2020, 1, 1, tzinfo=PARIS)
    # Midnight in Paris, summer and winter: 22:00 and 23:00 UTC the day before.
    assert quarter.start.utcoffset() == timedelta(hours=2) and year.start.utcoffset() == timedelta(hours=1)


def test_a_period_is_partial_until_it_ends():
    period = Period.month_of(2019, 3)
    assert period.is_partial(datetime(2019, 3, 31, 23, 59, tzinfo=PARIS))
    assert not period.is_partial(datetime(2019, 4, 1, 0, 0, tzinfo=PARIS))


@pytest.mark.parametrize("text", ["19", "2019-13", "2019-T5", "2019-Q2", "mars 2019", ""])
def test_an_unknown_period_is_refused_in_french(text):
    with pytest.raises(ValueError, match="non reconnue : écrivez 2019, 2019-T2"):
        Period.parse(text)


@given(st.sampled_from(["year", "quarter", "month"]), st.integers(1990, 2100), st.integers(1, 12))
def test_a_period_reads_back_and_its_end_is_the_next_start(kind, year, n):
    period = {
        "year": Period.year_of(year),
        "quarter": Period.quarter_of(year, (n - 1) % 4 + 1),
        "month": Period.month_of(year, n),
    }[kind]
    assert Period.parse(period.code) == period
    after = period.end
    assert after > period.start and after.day == 1 and after.hour == 0 and after.tzinfo == PARIS
    assert len(period.month_starts()) == period.months


# --------------------------------------------------------------------------------------------------
# Printing as the summary prints
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fraction", "printed"),
    [
        (78 / 392, "20"),
        (3 / 392, "0,8"),
        (4 / 392, "1"),
        (333 / 392, "85"),
        (0.125, "13"),
        (0.005, "0,5"),
        (0.0099, "1"),
        (0.0, "0"),
        (1.0, "100"),
    ],
)
def test_round_share(fraction, printed):
    assert round_share(fraction) == f"{printed}{NBSP}%"


def test_round_share_of_nothing():
    assert round_share(None) == "—"


@given(st.floats(0.01, 1.0))
def test_a_share_of_at_least_one_percent_is_the_nearest_whole_percent(fraction):
    text = round_share(fraction)
    assert text.endswith(f"{NBSP}%") and "," not in text
    assert abs(int(text.removesuffix(f"{NBSP}%")) - fraction * 100) <= 0.5 + 1e-9


@given(st.floats(0.0001, 0.0094))
def test_a_share_below_one_percent_has_one_decimal(fraction):
    whole, decimal = round_share(fraction).removesuffix(f"{NBSP}%").split(",")
    assert whole == "0" and abs(float(f"0.{decimal}") - fraction * 100) <= 0.05 + 1e-9


def test_the_monthly_average_is_truncated():
    assert truncate_average(392 / 12) == 32
    assert truncate_average(33.0) == 33 and truncate_average(32.999) == 32 and truncate_average(None) is None


def test_percentiles_interpolate_linearly():
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.9) == pytest.approx(3.7)
    assert percentile([5.0], 0.9) == 5.0 and percentile([], 0.5) is None


@given(st.lists(st.floats(0, 10_000), min_size=2, max_size=60))
def test_percentiles_agree_with_the_inclusive_method(values):
    values = sorted(values)
    assert percentile(values, 0.5) == pytest.approx(stats.median(values), abs=1e-6)
    assert percentile(values, 0.9) == pytest.approx(stats.quantiles(values, n=10, method="inclusive")[8], abs=1e-6)


def test_every_indicator_has_a_label_and_a_definition():
    assert set(LABELS) == set(DEFINITIONS)
    assert all(str(DEFINITIONS[key]).strip() and str(LABELS[key]).strip() for key in LABELS)


# --------------------------------------------------------------------------------------------------
# Indicators on a small set, loaded through the import
# --------------------------------------------------------------------------------------------------


def line(ref: str, submitted: str, **extra) -> dict:
    base = {
        "external_reference": ref,
        "submitted_at": submitted,
        "structure": {"name": "CH de Rodez", "type": "es-public", "departement": "12"},
        "functioning": "normal",
        "patient_safety": "none",
        "origin": "non_malicious",
        "category": "dysfonctionnement-applicatif",
    }
    base.update(extra)
    return base


SMALL = [
    # Occitanie, public hospital, January: ransomware, degraded, potential endangerment, FSSI + ANSSI, accompanied.
    line(
        "S-1",
        "2019-01-10T10:00:00+01:00",
        discovered_at="2019-01-10T08:00:00+01:00",
        origin="malicious",
        category="hameconnage",
        vector="courriel-malveillant",
        functioning="degraded",
        patient_safety="potential",
        unavailability=True,
        confidentiality_loss=True,
        accompaniment_requested=True,
        handling={
            "qualified_at": "2019-01-10T12:00:00+01:00",
            "category": "rancongiciel",  # the cell's typology wins over the declared one
            "escalations": ["fssi", "anssi"],
            "accompaniment": True,
            "closed_at": "2019-01-20T10:00:00+01:00",
        },
    ),
    # Occitanie, same hospital, February: provider named, ANSM, sanitary impact, actual endangerment.
    line(
        "S-2",
        "2019-02-10T10:00:00+01:00",
        discovered_at="2019-02-10T06:00:00+01:00",
        provider_name="Éditeur DPI",
        functioning="interrupted",
        patient_safety="actual",
        integrity_loss=True,
        health_products=True,
        accompaniment_requested=True,
        handling={
            "qualified_at": "2019-02-10T14:00:00+01:00",
            "sanitary_impact": True,
            "escalations": ["ansm", "dgs"],
            "closed_at": "2019-02-12T10:00:00+01:00",
        },
    ),
    # Île-de-France laboratory, April (2nd quarter), malicious by malware, never qualified.
    line(
        "S-3",
        "2019-04-02T09:00:00+02:00",
        discovered_at="2019-04-02T03:00:00+02:00",
        structure={"name": "Laboratoire de Créteil", "type": "lbm", "departement": "94"},
        origin="malicious",
        category="logiciel-malveillant",
        vector="logiciel-malveillant",
    ),
    # The last minutes of 2019 in Paris (22:30 UTC) count in 2019; the first of 2020 (23:30 UTC 2019) do not.
    line(
        "S-4",
        "2019-12-31T23:30:00+01:00",
        structure={"name": "EHPAD Les Tilleuls", "type": "medico-social", "departement": "31"},
    ),
    line("S-5", "2020-01-01T00:30:00+01:00"),
]


@pytest.fixture
def small(db, tmp_path):
    path = tmp_path / "small.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in SMALL))
    call_command("import_declarations", str(path), "--no-progress", stdout=io.StringIO())


def test_the_indicators_of_a_small_year(small):
    ind = compute_indicators(Period.year_of(2019))
    assert ind["period"] == "2019" and ind["scope"]["label"] == "National"
    assert ind["declarations"] == 4 and ind["declaring_structures"] == 3
    assert ind["declarations_per_structure"] == pytest.approx(4 / 3)
    assert (ind["accompaniment_asked"], ind["accompaniment_asked_share"], ind["accompaniments"]) == (2, 0.5, 1)
    assert (ind["fssi_followed"], ind["anssi_handled"], ind["ansm_communicated"], ind["sanitary_impact"]) == (
        1,
        1,
        1,
        1,
    )
    assert ind["monthly_average"] == pytest.approx(4 / 12)
    assert [m["count"] for m in ind["by_month"]] == [1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]
    assert ind["by_month"][0] == {"month": "2019-01", "count": 1}
    assert ind["by_region"] == {"76": 3, "11": 1}
    assert ind["top_region"] == {"code": "76", "name": "Occitanie", "count": 3}
    groups = {row["key"]: row["count"] for row in ind["by_structure_type"]}
    assert groups == {"es": 2, "lbm": 1, "radiotherapie": 0, "medico_social": 1, "autre": 0}
    assert ind["health_establishments"] == {"count": 2, "share": 0.5, "public": 1.0, "private": 0.0, "non_profit": 0.0}
    assert ind["degraded_mode_share"] == 0.5 and ind["malicious_share"] == 0.5
    assert [(v["key"], v["count"], v["share"]) for v in ind["main_vectors"]] == [
        ("courriel-malveillant", 1, 0.5),
        ("logiciel-malveillant", 1, 0.5),
    ]
    assert ind["potential_endangerment_share"] == 0.5 and ind["actual_endangerment"] == 1
    typology = {row["key"]: row["count"] for row in ind["typology"]}
    assert typology == {"rancongiciel": 1, "dysfonctionnement-applicatif": 2, "logiciel-malveillant": 1}
    assert ind["ransomware_share"] == 0.25
    assert ind["data_impact"] == {"availability": 0.25, "integrity": 0.25, "confidentiality": 0.25}
    assert ind["provider_caused_share"] == 0.25
    # Declare: 2, 4, 6 hours (S-4 has no discovery date) → median 4, p90 5.6. Qualify: 2 and 4 hours.
    # Close: 240 and 48 hours.
    assert ind["delays"]["declare"]["median_hours"] == pytest.approx(4)
    assert ind["delays"]["declare"]["p90_hours"] == pytest.approx(5.6)
    assert ind["delays"]["qualify"]["median_hours"] == pytest.approx(3)
    assert ind["delays"]["qualify"]["p90_hours"] == pytest.approx(3.8)
    assert ind["delays"]["close"]["median_hours"] == pytest.approx(144)
    json.dumps(ind)  # JSON-serialisable as it is


def test_quarter_month_region_and_type_scopes(small):
    assert compute_indicators(Period.quarter_of(2019, 1))["declarations"] == 2
    assert compute_indicators(Period.quarter_of(2019, 2))["declarations"] == 1
    assert compute_indicators(Period.month_of(2019, 12))["declarations"] == 1
    assert compute_indicators(Period.month_of(2020, 1))["declarations"] == 1
    occitanie = compute_indicators(Period.year_of(2019), region="76")
    assert occitanie["declarations"] == 3 and occitanie["scope"]["label"] == "Occitanie"
    assert occitanie["by_region"] == {"76": 3}
    labs = compute_indicators(Period.year_of(2019), structure_type="lbm")
    assert labs["declarations"] == 1 and labs["malicious_share"] == 1.0
    hospitals = compute_indicators(Period.year_of(2019), structure_type="es")
    assert hospitals["declarations"] == 2 and hospitals["scope"]["label"] == "Établissements de santé"
    both = compute_indicators(Period.year_of(2019), region="11", structure_type="es-public")
    assert both["declarations"] == 0 and both["malicious_share"] == 0.0
    assert both["delays"]["close"] == {"median_hours": None, "p90_hours": None}


def test_the_command_prints_json_and_csv(small):
    out = io.StringIO()
    call_command("observatory", "--year", "2019", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    required = {
        "declarations",
        "accompaniment_asked",
        "accompaniment_asked_share",
        "accompaniments",
        "fssi_followed",
        "anssi_handled",
        "ansm_communicated",
        "sanitary_impact",
        "monthly_average",
        "by_region",
        "by_structure_type",
        "degraded_mode_share",
        "malicious_share",
        "potential_endangerment_share",
        "actual_endangerment",
    }
    assert required <= set(data)
    assert data["declarations"] == 4 and data["by_region"] == {"76": 3, "11": 1}

    out = io.StringIO()
    call_command("observatory", "--year", "2019", "--quarter", "1", "--region", "76", "--format", "csv", stdout=out)
    rows = out.getvalue().splitlines()
    assert rows[0] == "indicateur,valeur,libellé"
    assert "declarations,2,Incidents déclarés" in rows
    assert "health_establishments.public,1.0,Établissements de santé (public, privé, privé non lucratif)" in [
        r.replace('"', "") for r in rows
    ]
    assert any(r.startswith("by_month.2.month,2019-03") for r in rows)

    out = io.StringIO()
    call_command("observatory", "--year", "2019", "--month", "4", stdout=out)
    assert json.loads(out.getvalue())["period"] == "avril 2019"


def test_the_command_refuses_an_unknown_scope_in_french(db):
    with pytest.raises(CommandError, match="région « 99 » inconnue"):
        call_command("observatory", "--year", "2019", "--region", "99", stdout=io.StringIO())
    with pytest.raises(CommandError, match="type de structure « hopital » inconnu"):
        call_command("observatory", "--year", "2019", "--structure-type", "hopital", stdout=io.StringIO())


def test_a_merged_duplicate_is_counted_once(world, tmp_path):
    path = tmp_path / "twice.jsonl"
    path.write_text(
        "\n".join(
            json.dumps(x)
            for x in (
                line("D-1", "2019-05-02T10:00:00+02:00", handling={"qualified_at": "2019-05-02T12:00:00+02:00"}),
                line("D-2", "2019-05-02T10:30:00+02:00"),
            )
        )
    )
    call_command("import_declarations", str(path), "--no-progress", stdout=io.StringIO())
    assert compute_indicators(Period.month_of(2019, 5))["declarations"] == 2
    survivor, duplicate = (Declaration.objects.get(imported_reference=r) for r in ("D-1", "D-2"))
    case_merge(case=duplicate.case, by=world.personas["analyst"], into=survivor)
    counted = compute_indicators(Period.month_of(2019, 5))
    assert counted["declarations"] == 1 and counted["declaring_structures"] == 1


def test_every_indicator_computed_is_defined(db):
    computed = set(compute_indicators(Period.year_of(2019))) - {"period", "period_code", "partial", "scope"}
    assert computed == set(DEFINITIONS)
