"""The accompaniment's table of actions through the API (``POST /api/v1/accompagnements/<ref>/actions/``) and its
missions (``GET …/missions/``): the same rules and French messages as the pages, an Idempotency-Key honoured
like the incident's actions."""

from __future__ import annotations

import json
from html import unescape

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from acss.accompaniment.models import Accompaniment, ExpertMission, MissionState, PlanAction, PlanTemplate
from acss.accompaniment.services import accompaniment_open
from acss.incidents.models import Case, CaseState

from .html_helpers import refusal_of

REPORT = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def in_accompaniment(world) -> Accompaniment:
    Case.objects.filter(declaration=world.decl_a).update(state=CaseState.QUALIFIED)
    return accompaniment_open(
        by=world.personas["analyst"], declaration=world.decl_a, template=PlanTemplate.objects.get(slug="rancongiciel")
    )


def act(world, persona: str, body: dict, *, key: str | None = None, reference: str | None = None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    url = reverse("accompaniment:api_actions", args=[reference or world.decl_a.reference])
    return world.api(persona).post(url, json.dumps(body), content_type="application/json", **headers)


def test_an_action_retried_with_its_key_is_done_once(world):
    in_accompaniment(world)
    before = PlanAction.objects.count()
    body = {"action": "plan_add", "title": "Changer la clé du Wi-Fi invités", "owner_name": "Informatique"}
    first = act(world, "declarant_a", body, key="k-plan-1")
    assert first.status_code == 200, first.content
    assert first.json()["detail"] == "Action ajoutée au plan." and first.json()["retry"] is False
    again = act(world, "declarant_a", body, key="k-plan-1")
    assert again.status_code == 200 and again.json()["retry"] is True
    assert PlanAction.objects.count() == before + 1
    other = act(world, "declarant_a", {**body, "title": "Autre chose"}, key="k-plan-1")
    assert other.status_code == 409
    assert PlanAction.objects.count() == before + 1
    # The key is the person's: another person's same key is another write.
    assert act(world, "manager_a", body, key="k-plan-1").json()["retry"] is False
    assert PlanAction.objects.count() == before + 2


def test_a_mission_request_retried_with_its_key_is_one_mission_and_one_mail(world, django_capture_on_commit_callbacks):
    body = {"action": "mission_request", "kind": "analysis", "reason": "Analyse des journaux du PACS."}
    with django_capture_on_commit_callbacks(execute=True):
        first = act(world, "fssi", body, key="k-mission")
        again = act(world, "fssi", body, key="k-mission")
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json()["retry"] is True
    assert ExpertMission.objects.count() == 1
    assert len([m for m in mail.outbox if "demandée par le FSSI" in m.subject]) == 1
    assert [m["state"] for m in first.json()["missions"]] == ["requested"]


def test_a_state_change_retried_after_it_was_done_answers_the_current_state(world):
    mission = act(world, "fssi", {"action": "mission_request", "kind": "on_site", "reason": "Sur site."}).json()
    pk = mission["missions"][0]["id"]
    body = {
        "action": "mission_open",
        "mission": pk,
        "team": "CERT Santé",
        "starts_on": "2026-12-02",
        "ends_on": "2026-12-03",
        "scope": "PACS",
    }
    assert act(world, "analyst", body, key="k-open").status_code == 200
    retry = act(world, "analyst", body, key="k-open")
    assert retry.status_code == 200 and retry.json()["retry"] is True
    without_key = act(world, "analyst", body)
    assert without_key.status_code == 400
    assert without_key.json()["errors"] == {"__all__": ["Seule une mission demandée peut être ouverte."]}


def test_finishing_a_mission_with_its_report_in_multipart_then_reading_it(world):
    pk = act(world, "fssi", {"action": "mission_request", "kind": "analysis", "reason": "Analyse."}).json()["missions"][
        0
    ]["id"]
    opening = {"action": "mission_open", "mission": pk, "team": "CERT", "scope": "PACS"}
    assert act(world, "analyst", {**opening, "starts_on": "2026-12-02", "ends_on": "2026-12-02"}).status_code == 200
    url = reverse("accompaniment:api_actions", args=[world.decl_a.reference])
    as_json = act(world, "analyst", {"action": "mission_finish", "mission": pk, "report": "rapport.pdf"})
    assert as_json.status_code == 400
    assert as_json.json()["errors"]["report"] == ["Les fichiers s'envoient en multipart/form-data, pas en JSON."]
    response = world.api("analyst").post(
        url,
        {
            "action": "mission_finish",
            "mission": pk,
            "summary": "Accès initial par le VPN.",
            "report": SimpleUploadedFile("rapport.pdf", REPORT, content_type="application/pdf"),
        },
    )
    assert response.status_code == 200, response.content
    listing = world.api("declarant_a").get(reverse("accompaniment:api_missions", args=[world.decl_a.reference]))
    (mission,) = listing.json()
    assert mission["state"] == MissionState.FINISHED and mission["report_file"] == "rapport.pdf"
    # The report, with the token (the API's own address), as an attachment; the page's address for a browser.
    assert mission["report_url"] == reverse("accompaniment:api_mission_report", args=[world.decl_a.reference, pk])
    download = world.api("declarant_a").get(mission["report_url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == REPORT
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["Content-Type"] == "application/octet-stream"
    assert world.api("ars_idf").get(mission["report_url"]).status_code == 404  # the ARS does not see missions
    page = world.client("declarant_a").get(reverse("accompaniment:mission_report", args=[world.decl_a.reference, pk]))
    assert page.status_code == 200 and b"".join(page.streaming_content) == REPORT


def test_unknown_action_and_missing_target_are_refused_in_french(world):
    unknown = act(world, "analyst", {"action": "fly"})
    assert unknown.status_code == 400
    assert unknown.json()["errors"]["action"][0].startswith("Action inconnue ; les actions sont : open, entry")
    missing = act(world, "analyst", {"action": "mission_open", "team": "CERT"})
    assert missing.json()["errors"] == {"mission": ["Indiquez la mission (son id)."]}
    assert act(world, "analyst", {"action": "plan_edit", "plan_action": 999999, "title": "x"}).status_code == 404


def test_a_mission_of_another_declaration_is_a_404(world):
    pk = act(world, "fssi", {"action": "mission_request", "kind": "analysis", "reason": "Analyse."}).json()["missions"][
        0
    ]["id"]
    response = act(
        world,
        "analyst",
        {"action": "mission_refuse", "mission": pk, "reason": "Non."},
        reference=world.decl_b.reference,
    )
    assert response.status_code == 404
    assert ExpertMission.objects.get().state == MissionState.REQUESTED


# --------------------------------------------------------------------------------------------------
# Parity: the page and the API say the same
# --------------------------------------------------------------------------------------------------


def page_errors(response, expected: list[str]) -> list[str]:
    """Those of ``expected`` the page shows (its form again, with why)."""
    html = unescape(response.content.decode())
    return sorted(m for m in expected if m in html)


def api_errors(response) -> list[str]:
    return sorted(m for messages in response.json()["errors"].values() for m in messages)


def test_an_invalid_plan_action_is_refused_in_the_same_words(world):
    in_accompaniment(world)
    page = world.client("analyst").post(
        reverse("accompaniment:action_add", args=[world.decl_a.reference]), {"title": "", "due_on": "demain"}
    )
    api = act(world, "analyst", {"action": "plan_add", "title": "", "due_on": "demain"})
    assert page.status_code == 200 and api.status_code == 400
    expected = sorted(["Écrivez l'intitulé de l'action.", "Saisissez une date au format jj/mm/aaaa."])
    assert page_errors(page, expected) == api_errors(api) == expected


def test_a_mission_ending_before_it_starts_is_refused_in_the_same_words(world):
    pk = act(world, "fssi", {"action": "mission_request", "kind": "analysis", "reason": "Analyse."}).json()["missions"][
        0
    ]["id"]
    fields = {"team": "CERT", "starts_on": "2026-12-04", "ends_on": "2026-12-02", "scope": "PACS"}
    page = world.client("analyst").post(
        reverse("accompaniment:mission_open", args=[world.decl_a.reference, pk]),
        {f"o{pk}-{name}": value for name, value in fields.items()},
    )
    api = act(world, "analyst", {"action": "mission_open", "mission": pk, **fields})
    expected = ["La fin de la mission ne peut précéder son début."]
    assert page.status_code == 200 and api.status_code == 400
    assert page_errors(page, expected) == api_errors(api) == expected


@pytest.mark.parametrize(
    ("persona", "body", "refusal"),
    [
        (
            "declarant_a",
            {"action": "entry", "kind": "recommendation", "body": "Conseil."},
            "Seules la cellule et l'ARS de la région écrivent des mesures d'urgence et des recommandations.",
        ),
        ("ars_idf", {"action": "close"}, "Seule la cellule ACSS peut faire cela."),
        (
            "analyst",
            {"action": "mission_request", "kind": "analysis", "reason": "Analyse."},
            "Seul le FSSI demande une mission d'expertise.",
        ),
    ],
)
def test_a_refused_action_says_the_same_on_the_page_and_in_the_api(world, persona, body, refusal):
    in_accompaniment(world)
    routes = {"entry": "entry_add", "close": "close", "mission_request": "mission_request"}
    name = body["action"]
    page = world.client(persona).post(
        reverse(f"accompaniment:{routes[name]}", args=[world.decl_a.reference]),
        {k: v for k, v in body.items() if k != "action"},
    )
    api = act(world, persona, body)
    assert (page.status_code, api.status_code) == (403, 403)
    assert refusal_of(page.content.decode()) == refusal
    assert api.json() == {"errors": {"__all__": [refusal]}}


@pytest.mark.parametrize("transport", ["page", "api"])
def test_a_plan_action_through_either_gives_the_same_row(world, transport):
    in_accompaniment(world)
    fields = {"title": "Réinitialiser les comptes de service", "owner_name": "DSI", "due_on": "2026-12-15"}
    if transport == "page":
        response = world.client("declarant_a").post(
            reverse("accompaniment:action_add", args=[world.decl_a.reference]), fields
        )
        assert response.status_code == 302
    else:
        assert act(world, "declarant_a", {"action": "plan_add", **fields}).status_code == 200
    action = PlanAction.objects.order_by("-pk").first()
    assert (action.title, action.owner_name, str(action.due_on), action.created_by.email) == (
        "Réinitialiser les comptes de service",
        "DSI",
        "2026-12-15",
        "declarant@a.test",
    )
