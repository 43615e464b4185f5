"""``import_declarations``: past declarations from JSON Lines or CSV, checked line by line, idempotent, never
routed nor notified."""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acss.accompaniment.models import Accompaniment
from acss.accounts.models import Structure
from acss.core.models import AuditEvent
from acss.incidents.models import Case, CaseState, Declaration, Escalation, EscalationSuggestion, Notification
from acss.incidents.services.history import history_record_parse
from acss.observatory.services import history_example_csv
from tests.conftest import PARIS, make_structure


def record(ref: str = "OLD-1", **extra) -> dict:
    base = {
        "external_reference": ref,
        "submitted_at": "2019-03-04T10:30:00+01:00",
        "structure": {"name": "Clinique du Lac", "type": "es-prive", "departement": "31"},
        "title": "Rançongiciel sur le PACS",
        "occurred_at": "2019-03-03T22:00:00+01:00",
        "discovered_at": "2019-03-04T07:00:00+01:00",
        "functioning": "degraded",
        "patient_safety": "potential",
        "origin": "malicious",
        "category": "rancongiciel",
        "vector": "logiciel-malveillant",
        "systems": ["imagerie-pacs"],
        "accompaniment_requested": True,
        "handling": {
            "qualified_at": "2019-03-04T14:00:00+01:00",
            "criticity": 3,
            "legal_level": "significant",
            "sanitary_impact": False,
            "escalations": [{"authority": "fssi", "at": "2019-03-04T15:00:00+01:00", "reason": "Suivi"}],
            "accompaniment": {"opened_at": "2019-03-05T09:00:00+01:00"},
            "closed_at": "2019-04-01T12:00:00+02:00",
            "closure_summary": "Restauration depuis les sauvegardes.",
        },
    }
    base.update(extra)
    return base


def write_jsonl(tmp_path, lines, name="history.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n")
    return str(path)


def run(path: str, *args: str) -> str:
    out = io.StringIO()
    call_command("import_declarations", path, "--no-progress", *args, stdout=out)
    return out.getvalue()


def test_a_line_becomes_a_declaration_with_its_case_escalation_and_accompaniment(world, tmp_path):
    mail.outbox.clear()
    notifications_before = Notification.objects.count()
    output = run(write_jsonl(tmp_path, [record()]))
    assert "Total : 1 créée(s), 0 déjà présente(s), 0 refusée(s)." in output

    declaration = Declaration.objects.get(imported_reference="OLD-1")
    assert declaration.imported is True
    assert declaration.reference.startswith("ACSS-2019-")
    assert declaration.submitted_at == datetime(2019, 3, 4, 10, 30, tzinfo=PARIS)
    assert declaration.structure.name == "Clinique du Lac" and declaration.structure.departement_id == "31"
    assert list(declaration.systems.values_list("code", flat=True)) == ["imagerie-pacs"]
    case = Case.objects.get(declaration=declaration)
    assert case.state == CaseState.CLOSED and case.criticity == 3 and case.qualification_due_at is None
    assert case.closure_summary == "Restauration depuis les sauvegardes."
    assert Escalation.objects.get(declaration=declaration).authority.authority_code == "fssi"
    accompaniment = Accompaniment.objects.get(declaration=declaration)
    assert accompaniment.opened_at == datetime(2019, 3, 5, 9, 0, tzinfo=PARIS)
    assert AuditEvent.objects.filter(action="declaration.imported", object_id=str(declaration.pk)).exists()
    # Never routed nor notified: no notification, no suggestion, no mail (tasks run inline in the tests).
    assert Notification.objects.count() == notifications_before
    assert not EscalationSuggestion.objects.filter(declaration=declaration).exists()
    assert mail.outbox == []


def test_a_second_run_creates_nothing(world, tmp_path):
    path = write_jsonl(tmp_path, [record("OLD-1"), record("OLD-2")])
    assert "Total : 2 créée(s), 0 déjà présente(s)" in run(path)
    assert "Total : 0 créée(s), 2 déjà présente(s), 0 refusée(s)." in run(path)
    assert Declaration.objects.filter(imported=True).count() == 2
    assert Accompaniment.objects.filter(declaration__imported=True).count() == 2
    # Both lines name the same structure without FINESS: it is made once, then found by name and département.
    assert Structure.objects.filter(name="Clinique du Lac").count() == 1


def test_bad_lines_are_reported_with_their_number_and_reason_and_never_stop_the_others(db, tmp_path):
    lines = [
        record("OK-1"),
        "{pas du json",
        record("KO-DEP", structure={"name": "X", "type": "es-public", "departement": "99"}),
        record("KO-DATE", submitted_at="04/03/2019"),
        record("KO-FUTURE", submitted_at="2999-01-01T00:00:00+01:00"),
        record("KO-CAT", category="inconnue", functioning="parfois"),
        {k: v for k, v in record().items() if k != "external_reference"},
        record("KO-AUTH", handling={"escalations": ["interpol"]}),
        record("OK-2"),
    ]
    output = run(write_jsonl(tmp_path, lines))
    assert "ligne 2 : JSON illisible" in output
    assert "ligne 3 : structure.departement : département « 99 » inconnu." in output
    assert "ligne 4 : submitted_at : « 04/03/2019 » n'est pas une date et heure ISO 8601" in output
    assert "ligne 5 : submitted_at : la date 2999-01-01T00:00:00+01:00 est dans le futur." in output
    assert "ligne 6 : " in output and "code « inconnue » inconnu." in output and "« parfois »" in output
    assert "ligne 7 : external_reference : obligatoire" in output
    assert "ligne 8 : handling.escalations : autorité « interpol » inconnue" in output
    assert "Total : 2 créée(s), 0 déjà présente(s), 7 refusée(s)." in output
    assert set(Declaration.objects.values_list("imported_reference", flat=True)) == {"OK-1", "OK-2"}


def test_csv_gives_the_same_declarations_as_json_lines(db, tmp_path):
    records = [
        record("CSV-1"),
        record(
            "CSV-2",
            structure={"name": "Laboratoire Sud", "type": "lbm", "departement": "13"},
            origin="non_malicious",
            category="erreur-humaine",
            vector="erreur-humaine",
            functioning="normal",
            accompaniment_requested=False,
            handling={"qualified_at": "2019-03-05T10:00:00+01:00", "escalations": ["ansm", "anssi"]},
        ),
    ]
    path = tmp_path / "history.csv"
    path.write_text(history_example_csv(records))
    assert "Total : 2 créée(s), 0 déjà présente(s), 0 refusée(s)." in run(str(path))
    lab = Declaration.objects.get(imported_reference="CSV-2")
    assert lab.structure.structure_type_id == "lbm" and lab.accompaniment_requested is False
    assert lab.case.state == CaseState.QUALIFIED
    assert set(lab.escalations.values_list("authority__authority_code", flat=True)) == {"ansm", "anssi"}
    first = Declaration.objects.get(imported_reference="CSV-1")
    assert first.functioning == "degraded" and first.case.state == CaseState.CLOSED
    assert first.accompaniment.opened_at == datetime(2019, 3, 5, 9, 0, tzinfo=PARIS)


def test_the_format_can_be_forced(db, tmp_path):
    path = tmp_path / "export.txt"
    path.write_text(history_example_csv([record("TXT-1")]))
    assert "1 créée(s)" in run(str(path), "--format", "csv")


def test_a_structure_is_found_by_its_finess(db, tmp_path):
    known = make_structure("CHU de Toulouse", "31", "3100001")
    line = record("F-1", structure={"name": "Autre nom", "type": "es-public", "finess_et": known.finess_et})
    run(write_jsonl(tmp_path, [line]))
    assert Declaration.objects.get(imported_reference="F-1").structure == known


def test_a_missing_file_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="fichier illisible"):
        run(str(tmp_path / "absent.jsonl"))


def test_imported_closed_cases_are_not_work_in_the_queue_open_ones_are(world, tmp_path):
    open_line = record("OPEN-1", handling={"qualified_at": "2019-03-04T14:00:00+01:00"})
    run(write_jsonl(tmp_path, [record("CLOSED-1"), open_line]))
    rows = world.client("analyst").get(reverse("incidents:queue")).context["rows"]
    shown = {row.declaration.imported_reference for row in rows}
    assert "OPEN-1" in shown and "CLOSED-1" not in shown


def test_the_documented_examples_import(db, tmp_path):
    text = (Path(__file__).resolve().parents[1] / "docs" / "observatory-import.md").read_text(encoding="utf-8")
    json_example = text.split("```json\n", 1)[1].split("```", 1)[0]
    csv_example = text.split("```csv\n", 1)[1].split("```", 1)[0]
    (tmp_path / "example.jsonl").write_text(json_example)
    (tmp_path / "example.csv").write_text(csv_example.replace("SIG-2019-0042", "SIG-2019-0043"))
    assert "1 créée(s), 0 déjà présente(s), 0 refusée(s)" in run(str(tmp_path / "example.jsonl"))
    assert "1 créée(s), 0 déjà présente(s), 0 refusée(s)" in run(str(tmp_path / "example.csv"))
    from_csv = Declaration.objects.get(imported_reference="SIG-2019-0043")
    assert from_csv.structure == Declaration.objects.get(imported_reference="SIG-2019-0042").structure
    assert set(from_csv.escalations.values_list("authority__authority_code", flat=True)) == {"fssi", "anssi"}
    assert from_csv.accompaniment.closed_at is None and from_csv.case.state == CaseState.CLOSED


JUNK = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
KEYS = st.sampled_from(
    ["external_reference", "submitted_at", "structure", "handling", "origin", "category", "systems", "functioning"]
)


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(KEYS, JUNK, max_size=6) | JUNK)
def test_any_line_is_either_a_record_or_french_reasons_never_a_crash(raw):
    record_, reasons = history_record_parse(raw)
    assert (record_ is None) == bool(reasons)
    assert all(isinstance(reason, str) and reason for reason in reasons)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None)
@given(st.integers(0, 100), st.sampled_from(["", " ", "—"]))
def test_a_valid_line_with_any_free_text_is_accepted(n, filler):
    raw = record(f"H-{n}", title=f"{filler}Incident {n}", description=filler * n)
    record_, reasons = history_record_parse(raw)
    assert reasons == [] and record_.external_reference == f"H-{n}"
    assert record_.fields["title"] == f"{filler}Incident {n}".strip()


def test_an_imported_declaration_says_so_on_its_page(world, tmp_path):
    run(write_jsonl(tmp_path, [record("PAGE-1")]))
    declaration = Declaration.objects.get(imported_reference="PAGE-1")
    html = world.client("analyst").get(reverse("incidents:detail", args=[declaration.reference])).content.decode()
    assert "Reprise de l'historique (référence d'origine PAGE-1)" in html
    other = world.client("analyst").get(reverse("incidents:detail", args=[world.decl_a.reference])).content.decode()
    assert "Reprise de l'historique" not in other
