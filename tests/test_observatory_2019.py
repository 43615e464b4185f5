"""THE 2019 test: a year composed like the 2019 « en bref », loaded through ``import_declarations``, reproduces
every figure the summary prints, as it prints it."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from acss.observatory.indicators import compute_indicators, round_share, truncate_average
from acss.observatory.periods import Period
from tests.observatory_2019 import write_2019


@pytest.fixture
def year_2019(db, tmp_path):
    path = write_2019(tmp_path / "signalements-2019.jsonl")
    call_command("import_declarations", str(path), "--no-progress", stdout=open(tmp_path / "out.txt", "w"))
    return compute_indicators(Period.year_of(2019))


def test_every_figure_of_the_2019_summary(year_2019):
    ind = year_2019
    by_type = {row["key"]: row for row in ind["by_structure_type"]}
    printed = {
        "incidents déclarés": str(ind["declarations"]),
        "demandes d'accompagnement": str(ind["accompaniments"]),
        "suivis par le FSSI": str(ind["fssi_followed"]),
        "pris en charge par l'ANSSI": str(ind["anssi_handled"]),
        "communiqués à l'ANSM": str(ind["ansm_communicated"]),
        "impact sanitaire": str(ind["sanitary_impact"]),
        "moyenne par mois": str(truncate_average(ind["monthly_average"])),
        "région la plus participative": f"{ind['top_region']['name']} {ind['top_region']['count']}",
        "accompagnement demandé": round_share(ind["accompaniment_asked_share"]),
        "établissements de santé": round_share(ind["health_establishments"]["share"]),
        "publics": round_share(ind["health_establishments"]["public"]),
        "privés": round_share(ind["health_establishments"]["private"]),
        "privés d'intérêt collectif": round_share(ind["health_establishments"]["non_profit"]),
        "laboratoires": round_share(by_type["lbm"]["share"]),
        "radiothérapie": round_share(by_type["radiotherapie"]["share"]),
        "autres, principalement EHPAD": round_share(by_type["medico_social"]["share"]),
        "mode dégradé": round_share(ind["degraded_mode_share"]),
        "malveillance": round_share(ind["malicious_share"]),
        "mise en danger potentielle": round_share(ind["potential_endangerment_share"]),
        "mise en danger avérée": str(ind["actual_endangerment"]),
    }
    nbsp = "\u00a0"
    assert printed == {
        "incidents déclarés": "392",
        "demandes d'accompagnement": "70",
        "suivis par le FSSI": "14",
        "pris en charge par l'ANSSI": "11",
        "communiqués à l'ANSM": "16",
        "impact sanitaire": "8",
        "moyenne par mois": "32",
        "région la plus participative": "Occitanie 57",
        "accompagnement demandé": f"20{nbsp}%",
        "établissements de santé": f"85{nbsp}%",
        "publics": f"74{nbsp}%",
        "privés": f"12{nbsp}%",
        "privés d'intérêt collectif": f"14{nbsp}%",
        "laboratoires": f"0,8{nbsp}%",
        "radiothérapie": f"1{nbsp}%",
        "autres, principalement EHPAD": f"7{nbsp}%",
        "mode dégradé": f"40{nbsp}%",
        "malveillance": f"43{nbsp}%",
        "mise en danger potentielle": f"19{nbsp}%",
        "mise en danger avérée": "5",
    }
    # The two main vectors of malicious incidents, in the summary's order.
    assert [v["key"] for v in ind["main_vectors"][:2]] == ["courriel-malveillant", "logiciel-malveillant"]
    # Occitanie (INSEE 76) leads the regions.
    assert ind["by_region"]["76"] == 57 and max(ind["by_region"].values()) == 57
    # Accompaniment asked on the form and taken up by the cell: two facts.
    assert ind["accompaniment_asked"] == 78 and ind["accompaniments"] == 70


def test_the_2019_file_is_the_same_every_time(tmp_path):
    first = write_2019(tmp_path / "a.jsonl").read_bytes()
    assert write_2019(tmp_path / "b.jsonl").read_bytes() == first
