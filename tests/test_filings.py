"""« Déclarer une fois, réutiliser »: the NIS 2 stages and the CNIL notification prepared from the declaration.

Which stages a declaration calls for, what each is prefilled with, where each stands (à préparer → en cours →
envoyée, en retard past its deadline), the downloads (PDF, JSON), the sent date and its checks, the clocks of the
declaration page and of the case API, and the API's parity with the pages (same rules, same messages, one
write per Idempotency-Key). Who may read and write each route is in test_access_matrix and test_access_writes.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from acss.core.calendars import PARIS
from acss.core.models import AuditEvent
from acss.incidents.forms.filings import STAGE_FORMS, FilingSentForm
from acss.incidents.models import (
    Addendum,
    Case,
    Declaration,
    FilingStage,
    RegulatoryFiling,
    RegulatoryFilingVersion,
)
from acss.incidents.rules import (
    FILING_IN_PROGRESS,
    FILING_LATE,
    FILING_PENDING,
    FILING_SENT,
    filing_stages,
    filing_state,
    personal_data_breach,
)
from acss.incidents.selectors.filings import filing_rows
from acss.observables.models import CaseObservable, Observable

from .test_api_schema import SchemaChecker, checked_api, openapi

EW, NOTIF, FINAL, CNIL = "early_warning", "notification", "final_report", "cnil"
AWARE = datetime(2026, 11, 20, 3, 0, tzinfo=PARIS)


def ransomware(world, *, nis2: str | None = "essential", aware: datetime = AWARE, **fields) -> Declaration:
    """Hospital A's declaration as a full ransomware declaration; its structure of NIS 2 kind ``nis2``."""
    values = {
        "structure_snapshot": {"nis2": nis2} if nis2 else {},
        "title": "Rançongiciel : écrans bloqués aux urgences",
        "description": "Les postes des urgences affichent une demande de rançon. Serveurs isolés.",
        "occurred_at": aware - timedelta(minutes=20),
        "discovered_at": aware,
        "submitted_at": aware + timedelta(minutes=10),
        "origin": "malicious",
        "category_id": "rancongiciel",
        "vector_id": "courriel-malveillant",
        "unavailability": True,
        "integrity_loss": True,
        "functioning": "degraded",
        "degraded_hours": 24,
        "patient_safety": "potential",
        "patients_count": 300,
        "measures_taken": "Isolement des serveurs, mode dégradé papier.",
        "declarant_name": "Claire Martin",
        "declarant_function": "Directrice",
        "declarant_phone": "01 23 45 67 89",
        "declarant_email": "claire.martin@a.test",
    }
    Declaration.objects.filter(pk=world.decl_a.pk).update(**(values | fields))
    declaration = Declaration.objects.get(pk=world.decl_a.pk)
    declaration.systems.set(["imagerie-pacs", "dossier-patient"])
    declaration.data_categories.set(["sante"])
    return declaration


def url(name: str, declaration: Declaration, stage: str | None = None) -> str:
    args = [declaration.reference] if stage is None else [declaration.reference, stage]
    return reverse(name, args=args)


def content_of(client, declaration, stage) -> dict:
    response = client.get(url("api:filing_content", declaration, stage))
    assert response.status_code == 200, response.content
    return response.json()


# --- which stages apply ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nis2", "fields", "categories", "expected"),
    [
        ("essential", {}, [], [EW, NOTIF, FINAL]),
        ("important", {"confidentiality_loss": True}, [], [EW, NOTIF, FINAL, CNIL]),
        ("none", {"confidentiality_loss": True}, [], [CNIL]),
        (None, {}, [], []),
        (None, {"cnil_notified": True}, [], [CNIL]),
        # Widened: health or staff data made unavailable or altered is a personal-data breach too.
        (None, {"unavailability": True}, ["sante"], [CNIL]),
        ("essential", {"integrity_loss": True}, ["personnel"], [EW, NOTIF, FINAL, CNIL]),
        (None, {"unavailability": True}, ["technique"], []),
        (None, {}, ["sante"], []),
    ],
)
def test_which_stages_apply(world, nis2, fields, categories, expected):
    base = {"confidentiality_loss": False, "integrity_loss": False, "unavailability": False, "cnil_notified": False}
    Declaration.objects.filter(pk=world.decl_a.pk).update(
        structure_snapshot={"nis2": nis2} if nis2 else {}, **(base | fields)
    )
    declaration = Declaration.objects.get(pk=world.decl_a.pk)
    declaration.data_categories.set(categories)
    assert filing_stages(declaration) == expected
    assert personal_data_breach(declaration) is (CNIL in expected)
    listed = world.api("declarant_a").get(url("api:filings", declaration)).json()["stages"]
    assert [s["stage"] for s in listed] == expected
    page = world.client("declarant_a").get(url("incidents:filings", declaration)).content.decode()
    for stage in FilingStage.values:
        assert (reverse("incidents:filing", args=[declaration.reference, stage]) in page) is (stage in expected)
    # A stage the declaration does not call for has no page.
    for stage in set(FilingStage.values) - set(expected):
        assert world.client("declarant_a").get(url("incidents:filing", declaration, stage)).status_code == 404


@hypothesis_settings(max_examples=200, deadline=None)
@given(
    confidentiality=st.booleans(),
    integrity=st.booleans(),
    availability=st.booleans(),
    notified=st.booleans(),
    nis2=st.sampled_from(["essential", "important", "none", None]),
)
def test_property_stages_without_data_categories(confidentiality, integrity, availability, notified, nis2):
    """Unsaved (no categories to read): the CNIL exactly when confidentiality is lost or the CNIL was notified;
    the NIS 2 stages exactly for an essential or important entity."""
    declaration = SimpleNamespace(
        pk=None,
        confidentiality_loss=confidentiality,
        integrity_loss=integrity,
        unavailability=availability,
        cnil_notified=notified,
        structure_snapshot={"nis2": nis2} if nis2 else {},
    )
    stages = filing_stages(declaration)
    assert (CNIL in stages) is (confidentiality or notified)
    assert (stages[:3] == [EW, NOTIF, FINAL]) is (nis2 in ("essential", "important"))


# --- the prefill ----------------------------------------------------------------------------------------------


def test_each_stage_is_prefilled_from_the_declaration_its_addenda_its_case_and_its_observables(world):
    declaration = ransomware(world)
    Addendum.objects.create(
        declaration=declaration,
        kind="new_fact",
        body="Les sauvegardes hors ligne sont intactes.",
        author=world.personas["declarant_a"],
        created_at=AWARE + timedelta(hours=3),
    )
    Case.objects.filter(declaration=declaration).update(
        criticity=3, legal_level="serious", justification="Imagerie indisponible, urgences en mode dégradé."
    )
    observable = Observable.objects.create(kind="domain", value="evil-update.com")
    CaseObservable.objects.create(
        declaration=declaration,
        observable=observable,
        source="typed",
        added_by=world.personas["analyst"],
        added_at=timezone.now(),
    )
    client = world.api("declarant_a")

    early = content_of(client, declaration, EW)
    assert early["prefilled"] is True and early["version"] is None
    assert set(early["content"]) == set(STAGE_FORMS[EW].base_fields) == set(early["labels"])
    assert early["content"]["summary"].startswith("Rançongiciel : écrans bloqués aux urgences\nLes postes des urgences")
    assert "Prise de connaissance le 20/11/2026 03:00." in early["content"]["summary"]
    assert "Les sauvegardes hors ligne sont intactes." in early["content"]["summary"]  # the addendum
    assert early["content"]["suspected_malicious"] == "yes"  # declared malicious
    assert early["content"]["cross_border"] == "unknown"
    assert early["content"]["contact"] == "Claire Martin, Directrice\n01 23 45 67 89 — claire.martin@a.test"

    notification = content_of(client, declaration, NOTIF)["content"]
    assert notification["severity"].startswith(
        "Criticité retenue par la cellule ACSS : 3 – Grave.\nNiveau légal : Grave."
    )
    assert "Imagerie indisponible, urgences en mode dégradé." in notification["severity"]
    assert "rançongiciel déclaré" in notification["severity"]
    assert "Atteintes : indisponibilité, perte d'intégrité." in notification["impact"]
    assert "Durée du mode dégradé : 24 h." in notification["impact"]
    assert "Nombre approximatif de patients concernés : 300." in notification["impact"]
    assert "Systèmes affectés : " in notification["impact"] and "PACS" in notification["impact"]
    assert notification["indicators"] == "Nom de domaine : evil-update.com"
    assert notification["measures"] == "Isolement des serveurs, mode dégradé papier."

    final = content_of(client, declaration, FINAL)["content"]
    assert "Origine : Malveillante." in final["threat_type"]
    assert "Typologie : " in final["threat_type"] and "Vecteur : " in final["threat_type"]
    assert final["mitigation_applied"] == "Isolement des serveurs, mode dégradé papier."
    assert final["description"].startswith("Rançongiciel : écrans bloqués aux urgences")
    assert final["cross_border_impact"] == ""

    cnil = content_of(client, declaration, CNIL)["content"]  # health data made unavailable: a breach
    assert cnil["nature"].startswith(
        "Violation portant sur l'intégrité et la disponibilité des données.\nRançongiciel : écrans bloqués"
    )
    assert cnil["data_categories"] == "Données de santé"
    assert cnil["persons_categories"] == "Patients"
    assert cnil["persons_count"] == 300
    assert cnil["records_count"] is None
    assert "Indisponibilité temporaire des données" in cnil["consequences"]
    assert cnil["dpo_contact"].startswith("Claire Martin")


def test_a_later_stage_takes_up_what_an_earlier_one_saved(world):
    declaration = ransomware(world)
    client = world.api("declarant_a")
    early = content_of(client, declaration, EW)["content"] | {
        "cross_border": "no",
        "contact": "Astreinte de direction — 01 99 99 99 99",
    }
    assert (
        client.post(url("api:filing_content", declaration, EW), early, content_type="application/json").status_code
        == 201
    )
    notification = content_of(client, declaration, NOTIF)["content"]
    assert notification["cross_border"] == "no"
    assert notification["contact"] == "Astreinte de direction — 01 99 99 99 99"
    final = content_of(client, declaration, FINAL)["content"]
    assert final["cross_border_impact"] == "Aucun impact transfrontière identifié."
    assert final["contact"] == "Astreinte de direction — 01 99 99 99 99"


def test_the_stage_page_shows_the_prefilled_form_to_the_structure_and_the_content_to_the_cell(world):
    declaration = ransomware(world)
    page = world.client("declarant_a").get(url("incidents:filing", declaration, EW)).content.decode()
    assert 'name="summary"' in page and "Rançongiciel : écrans bloqués aux urgences" in page
    assert re.search(r'<input[^>]*name="suspected_malicious"[^>]*value="yes"[^>]*checked', page)
    assert not re.search(r'<input[^>]*name="suspected_malicious"[^>]*value="no"[^>]*checked', page)
    assert "Prérempli d'après votre déclaration" in page
    cell = world.client("analyst").get(url("incidents:filing", declaration, EW)).content.decode()
    assert 'name="summary"' not in cell and 'name="sent_at"' not in cell
    assert "prérempli, pas encore enregistré par la structure" in cell
    assert "Oui" in cell  # the choice read by its label


# --- the states ----------------------------------------------------------------------------------------------


def test_filing_state_rule():
    due = AWARE + timedelta(hours=24)
    before, after = due - timedelta(minutes=1), due + timedelta(minutes=1)
    assert filing_state(due=due, sent_at=None, has_content=False, now=before) == FILING_PENDING
    assert filing_state(due=due, sent_at=None, has_content=True, now=before) == FILING_IN_PROGRESS
    assert filing_state(due=due, sent_at=None, has_content=True, now=after) == FILING_LATE
    assert filing_state(due=due, sent_at=None, has_content=False, now=after) == FILING_LATE
    assert filing_state(due=due, sent_at=before, has_content=False, now=after) == FILING_SENT
    assert filing_state(due=due, sent_at=after, has_content=True, now=after + timedelta(days=3)) == FILING_SENT


def states(declaration, now) -> dict[str, str]:
    return {r.stage: r.state for r in filing_rows(declaration=declaration, now=now)}


def test_pending_then_in_progress_then_sent_and_late_past_the_deadline(world):
    declaration = ransomware(world)
    just_after = AWARE + timedelta(hours=1)  # the time frozen for the selector
    assert states(declaration, just_after) == {EW: "pending", NOTIF: "pending", FINAL: "pending", CNIL: "pending"}

    client = world.client("declarant_a")
    form = content_of(world.api("declarant_a"), declaration, EW)["content"]
    response = client.post(url("incidents:filing", declaration, EW), form | {"submission_key": "k1"})
    assert response.status_code == 302
    assert states(declaration, just_after)[EW] == "in_progress"
    # 24 hours after awareness, not sent: late; the others are not due yet.
    day_after = AWARE + timedelta(hours=24, minutes=1)
    assert states(declaration, day_after) == {EW: "late", NOTIF: "pending", FINAL: "pending", CNIL: "pending"}

    sent_at = AWARE + timedelta(hours=25)
    response = client.post(
        url("incidents:filing_sent", declaration, EW),
        {"sent_at": sent_at.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M"), "submission_key": "s1"},
    )
    assert response.status_code == 302
    filing = RegulatoryFiling.objects.get(declaration=declaration, stage=EW)
    assert filing.sent_at == sent_at and filing.sent_recorded_by == world.personas["declarant_a"]
    assert states(declaration, AWARE + timedelta(days=10))[EW] == "sent"
    rows = {r.stage: r for r in filing_rows(declaration=declaration, now=AWARE + timedelta(days=10))}
    assert rows[EW].sent_late is True  # sent after its 24 hours
    assert rows[NOTIF].state == "late" and rows[CNIL].state == "late"

    listing = client.get(url("incidents:filings", declaration)).content.decode()
    assert "envoyée le 21/11/2026 04:00" in listing
    assert 'fr-badge--error">en retard' in listing  # the notification (real time is long past its 72 hours)


def test_the_final_report_counts_from_the_notification_once_it_is_sent(world):
    declaration = ransomware(world)
    client = world.api("declarant_a")
    before = {r.stage: r.due for r in filing_rows(declaration=declaration, now=AWARE)}
    assert before[FINAL] == datetime(2026, 12, 20, 3, 0, tzinfo=PARIS)  # from awareness, at the earliest
    notified = AWARE + timedelta(days=2)
    response = client.post(
        url("api:filing_sent", declaration, NOTIF), {"sent_at": notified.isoformat()}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    after = {r.stage: r.due for r in filing_rows(declaration=declaration, now=AWARE)}
    assert after[FINAL] == datetime(2026, 12, 22, 3, 0, tzinfo=PARIS)
    deadlines = client.get(reverse("api:case_detail", args=[declaration.reference])).json()["regulatory_deadlines"]
    assert deadlines["nis2"]["final_report_is_earliest"] is False


# --- the clocks of the declaration page and of the case API ---------------------------------------------------


def test_the_clocks_say_sent_and_late(world):
    declaration = ransomware(world)
    client = world.client("declarant_a")
    client.post(url("incidents:filing_sent", declaration, EW), {"sent_at": "2026-11-20T14:30", "submission_key": "s"})
    page = client.get(reverse("incidents:detail", args=[declaration.reference])).content.decode()
    clocks = page.split("Délais réglementaires", 1)[1].split("</ul>", 1)[0]
    early = next(li for li in clocks.split("<li>") if li.startswith("NIS 2 : alerte précoce"))
    notification = next(li for li in clocks.split("<li>") if li.startswith("NIS 2 : notification"))
    assert "envoyé le 20/11/2026 14:30" in early and "en retard" not in early
    assert 'fr-badge--error">en retard' in notification
    assert reverse("incidents:filings", args=[declaration.reference]) in page

    data = world.api("declarant_a").get(reverse("api:case_detail", args=[declaration.reference])).json()
    stages = {s["stage"]: s for s in data["regulatory_deadlines"]["stages"]}
    assert stages[EW]["state"] == "sent"
    assert datetime.fromisoformat(stages[EW]["sent_at"]) == datetime(2026, 11, 20, 14, 30, tzinfo=PARIS)
    assert stages[NOTIF]["state"] == "late" and stages[NOTIF]["sent_at"] is None
    assert data["regulatory_deadlines"]["cnil"]["notified"] is False
    world.api("declarant_a").post(
        url("api:filing_sent", declaration, CNIL),
        {"sent_at": "2026-11-21T10:00:00+01:00"},
        content_type="application/json",
    )
    data = world.api("declarant_a").get(reverse("api:case_detail", args=[declaration.reference])).json()
    assert data["regulatory_deadlines"]["cnil"]["notified"] is True


def test_the_authorities_see_the_clocks_but_not_the_filings(world):
    declaration = ransomware(world)
    page = world.client("dgs").get(reverse("incidents:detail", args=[declaration.reference])).content.decode()
    assert "NIS 2 : alerte précoce" in page
    assert reverse("incidents:filings", args=[declaration.reference]) not in page
    assert world.client("dgs").get(url("incidents:filings", declaration)).status_code == 404


# --- versions: nothing typed is lost ----------------------------------------------------------------------------


def test_each_save_is_a_new_version_and_none_is_changed(world):
    declaration = ransomware(world)
    client = world.client("declarant_a")
    first = content_of(world.api("declarant_a"), declaration, EW)["content"]
    second = first | {"summary": "Rançongiciel LockBit : 40 postes chiffrés."}
    client.post(url("incidents:filing", declaration, EW), first | {"submission_key": "a"})
    client.post(url("incidents:filing", declaration, EW), second | {"submission_key": "b"})
    versions = list(RegulatoryFilingVersion.objects.filter(filing__declaration=declaration).order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].content["summary"] == first["summary"]
    assert versions[1].content["summary"] == "Rançongiciel LockBit : 40 postes chiffrés."
    assert all(v.author == world.personas["declarant_a"] for v in versions)
    # The same submission again (a double click) is not a third version.
    client.post(url("incidents:filing", declaration, EW), second | {"submission_key": "b"})
    assert RegulatoryFilingVersion.objects.filter(filing__declaration=declaration).count() == 2
    page = client.get(url("incidents:filing", declaration, EW)).content.decode()
    assert "Rançongiciel LockBit : 40 postes chiffrés." in page  # the form shows the latest version
    assert AuditEvent.objects.filter(action="filing.saved").count() == 2


def test_versions_refuse_update_on_postgresql(world):
    from django.db import DatabaseError, connection, transaction

    declaration = ransomware(world)
    content = content_of(world.api("declarant_a"), declaration, EW)["content"]
    world.client("declarant_a").post(url("incidents:filing", declaration, EW), content | {"submission_key": "v"})
    version = RegulatoryFilingVersion.objects.get(filing__declaration=declaration)
    if connection.vendor != "postgresql":
        pytest.skip("the trigger is PostgreSQL's")
    with pytest.raises(DatabaseError), transaction.atomic():
        RegulatoryFilingVersion.objects.filter(pk=version.pk).update(content={"summary": "Réécrit."})
    version.refresh_from_db()
    assert version.content["summary"] == content["summary"]


def test_an_invalid_form_keeps_what_was_typed_and_says_why_in_french(world):
    declaration = ransomware(world)
    typed = {"summary": "Ce que j'ai tapé reste là.", "suspected_malicious": "peut-être", "submission_key": "x"}
    response = world.client("declarant_a").post(url("incidents:filing", declaration, EW), typed)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ce que j&#x27;ai tapé reste là." in html or "Ce que j'ai tapé reste là." in html
    assert "Certaines réponses sont à corriger" in html
    assert "Ce champ est obligatoire." in html  # the contact
    assert not RegulatoryFilingVersion.objects.exists()


@hypothesis_settings(max_examples=50, deadline=None)
@given(text=st.text(min_size=1, max_size=300).filter(lambda t: t.strip() and "\x00" not in t))
def test_property_any_text_is_kept_as_typed(text):
    """What a person types in a free-text field is what the form hands to the version (its margins aside)."""
    data = {
        "summary": text,
        "suspected_malicious": "unknown",
        "cross_border": "no",
        "contact": "Standard — 01 23 45 67 89",
    }
    form = STAGE_FORMS[EW](data)
    assert form.is_valid(), form.errors
    assert form.content()["summary"] == text.strip()


# --- the sent date ---------------------------------------------------------------------------------------------


def test_the_sent_date_is_not_in_the_future_nor_before_awareness(world):
    declaration = ransomware(world)
    client = world.client("declarant_a")
    future = (timezone.now() + timedelta(days=1)).astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url("incidents:filing_sent", declaration, EW), {"sent_at": future, "submission_key": "f"})
    assert response.status_code == 200
    assert "Cette date est dans le futur : vérifiez le jour et l&#x27;heure." in response.content.decode()
    response = client.post(
        url("incidents:filing_sent", declaration, EW), {"sent_at": "2026-11-20T02:00", "submission_key": "g"}
    )
    assert response.status_code == 200
    assert "L&#x27;envoi ne peut pas précéder la prise de connaissance de l&#x27;incident (le 20/11/2026 03:00)." in (
        response.content.decode()
    )
    response = client.post(url("incidents:filing_sent", declaration, EW), {"sent_at": "hier", "submission_key": "h"})
    assert "Saisissez une date et une heure" in response.content.decode()
    assert not RegulatoryFiling.objects.filter(sent_at__isnull=False).exists()


@hypothesis_settings(max_examples=100, deadline=None)
@given(offset=st.integers(min_value=-10_000, max_value=10_000))
def test_property_sent_form_accepts_exactly_between_awareness_and_now(offset):
    aware = datetime(2026, 1, 10, 8, 0, tzinfo=UTC)
    sent = aware + timedelta(minutes=offset)
    form = FilingSentForm({"sent_at": sent.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")}, tz=PARIS, aware_at=aware)
    assert form.is_valid() is (offset >= 0)


# --- downloads -------------------------------------------------------------------------------------------------


def test_the_pdf_is_a_pdf_served_as_an_attachment(world):
    declaration = ransomware(world)
    response = world.client("declarant_a").get(url("incidents:filing_pdf", declaration, NOTIF))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{declaration.reference}-notification.pdf"'
    assert response.content.startswith(b"%PDF")


def test_the_json_download_has_the_content_and_the_labels(world):
    declaration = ransomware(world)
    response = world.client("ars_idf").get(url("incidents:filing_json", declaration, CNIL))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{declaration.reference}-cnil.json"'
    data = json.loads(response.content)
    assert set(data) == {
        "declaration", "structure", "stage", "stage_label", "aware_at", "due", "state", "state_label", "sent_at",
        "version", "saved_at", "saved_by", "prefilled", "content", "labels",
    }  # fmt: skip
    assert data["declaration"] == declaration.reference and data["stage"] == CNIL
    assert data["structure"] == {"name": "Hôpital A", "finess_et": declaration.structure.finess_et, "nis2": "essential"}
    assert datetime.fromisoformat(data["due"]) == AWARE + timedelta(hours=72)
    assert list(data["labels"]) == list(STAGE_FORMS[CNIL].base_fields)
    assert data["labels"]["persons_count"] == "Nombre approximatif de personnes concernées (facultatif)"
    # The same document as the API's.
    api = world.api("ars_idf").get(url("api:filing_content", declaration, CNIL)).json()
    assert api == json.loads(json.dumps(data))


# --- the API: parity with the page, idempotency, the schema --------------------------------------------------------


def test_the_api_refuses_what_the_page_refuses_with_the_same_words(world):
    declaration = ransomware(world)
    bad = {"summary": "", "suspected_malicious": "peut-être", "cross_border": "no", "contact": "x"}
    page = world.client("declarant_a").post(url("incidents:filing", declaration, EW), bad | {"submission_key": "p"})
    api = world.api("declarant_a").post(
        url("api:filing_content", declaration, EW), bad, content_type="application/json"
    )
    assert api.status_code == 400
    errors = api.json()["errors"]
    assert set(errors) == {"summary", "suspected_malicious"}
    html = page.content.decode()
    for messages in errors.values():
        for message in messages:
            assert escape(message) in html
    refused = world.api("analyst").post(
        url("api:filing_content", declaration, EW), bad, content_type="application/json"
    )
    assert refused.status_code == 403
    assert refused.json() == {
        "errors": {"__all__": ["Seule la structure complète ses déclarations réglementaires et en enregistre l'envoi."]}
    }


def test_the_api_writes_once_per_idempotency_key(world):
    declaration = ransomware(world)
    checker = SchemaChecker(openapi())
    client = checked_api(world, checker)("declarant_a")
    body = content_of(client, declaration, NOTIF)["content"] | {"indicators": "185.220.101.45"}
    first = client.post(
        url("api:filing_content", declaration, NOTIF), body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k"
    )
    again = client.post(
        url("api:filing_content", declaration, NOTIF), body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["version"] == again.json()["version"] == 1
    assert first.json()["content"]["indicators"] == "185.220.101.45"
    other = client.post(
        url("api:filing_content", declaration, NOTIF),
        body | {"indicators": "autre"},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert other.status_code == 409
    assert RegulatoryFilingVersion.objects.count() == 1

    sent = {"sent_at": "2026-11-22T18:00:00+01:00"}
    first = client.post(
        url("api:filing_sent", declaration, NOTIF), sent, content_type="application/json", HTTP_IDEMPOTENCY_KEY="s"
    )
    again = client.post(
        url("api:filing_sent", declaration, NOTIF), sent, content_type="application/json", HTTP_IDEMPOTENCY_KEY="s"
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["state"] == "sent"
    assert AuditEvent.objects.filter(action="filing.sent").count() == 1
    listed = client.get(url("api:filings", declaration)).json()
    assert {s["stage"]: s["state"] for s in listed["stages"]}[NOTIF] == "sent"
    assert client.get(url("api:filing_content", declaration, "inconnue")).status_code == 404
    assert checker.problems == []


def test_the_api_and_the_page_record_the_same_sent_date(world):
    declaration = ransomware(world)
    world.client("declarant_a").post(
        url("incidents:filing_sent", declaration, EW), {"sent_at": "2026-11-20T14:30", "submission_key": "p"}
    )
    world.api("manager_a").post(
        url("api:filing_sent", declaration, NOTIF),
        {"sent_at": "2026-11-20T14:30:00+01:00"},
        content_type="application/json",
    )
    sent = dict(RegulatoryFiling.objects.filter(declaration=declaration).values_list("stage", "sent_at"))
    assert sent[EW] == sent[NOTIF] == datetime(2026, 11, 20, 14, 30, tzinfo=PARIS)


# --- the demonstration ---------------------------------------------------------------------------------------------


def test_the_demo_ransomware_has_its_early_warning_sent_and_the_rest_pending(db, settings):
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("load_demo", stdout=__import__("io").StringIO())
    declaration = Declaration.objects.get(reference="ACSS-2026-000003")
    rows = {r.stage: r for r in filing_rows(declaration=declaration, now=datetime(2026, 11, 20, 15, 0, tzinfo=PARIS))}
    assert rows[EW].state == "sent" and rows[EW].versions == 1
    assert rows[NOTIF].state == "pending" and rows[FINAL].state == "pending"
    call_command("load_demo", stdout=__import__("io").StringIO())  # loaded again: nothing doubled
    assert RegulatoryFilingVersion.objects.filter(filing__declaration=declaration).count() == 1


def test_the_cells_queue_flags_the_filings_past_their_deadline(world, django_assert_max_num_queries):
    from django.utils import timezone

    from acss.incidents.selectors.filings import late_filings

    aware = timezone.now().replace(microsecond=0) - timedelta(days=5)
    declaration = ransomware(world, aware=aware)  # 24 h and 72 h are past, the month is not
    queue = reverse("incidents:queue") + "?state=all"

    def flags() -> dict[str, list[tuple[str, str]]]:
        rows = world.client("analyst").get(queue).context["rows"]
        return {r.declaration.reference: [(f.label, f.url) for f in r.flags] for r in rows}

    filings = url("incidents:filings", declaration)
    assert flags()[declaration.reference] == [
        ("NIS 2 : alerte précoce (24 h) : en retard", filings),
        ("NIS 2 : notification d'incident (72 h) : en retard", filings),
        ("CNIL : notification d'une violation de données personnelles (72 h) : en retard", filings),
    ]
    assert not flags()[world.decl_b.reference]  # no stage called for
    # The same states as the declaration's own list of filings (the rows' rule, read for a whole page at once).
    now = timezone.now()
    late_in_rows = [r.stage for r in filing_rows(declaration=declaration, now=now) if r.late]
    ids = [world.decl_a.pk, world.decl_b.pk, world.decl_c.pk]
    with django_assert_max_num_queries(2):
        assert late_filings(declaration_ids=ids, now=now) == {declaration.pk: (declaration.reference, late_in_rows)}
    # Sent: no longer flagged. No personal data named: no CNIL stage.
    sent_at = aware + timedelta(hours=20)
    response = world.client("declarant_a").post(
        url("incidents:filing_sent", declaration, EW),
        {"sent_at": sent_at.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M"), "submission_key": "q1"},
    )
    assert response.status_code == 302
    declaration.data_categories.set([])
    assert [label for label, _ in flags()[declaration.reference]] == [
        "NIS 2 : notification d'incident (72 h) : en retard"
    ]
    assert (
        "NIS 2 : notification d&#x27;incident (72 h) : en retard" in world.client("analyst").get(queue).content.decode()
    )
