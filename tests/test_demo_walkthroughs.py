"""The README's walkthroughs, on the demonstration's own data and accounts: what a new user is told to do works
as told (accompaniment of the demo ransomware, expert mission, regulatory filings, the provider's incident)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from acss.accompaniment.models import Accompaniment, ActionState, ExpertMission
from acss.accounts.models import User
from acss.incidents.models import Case, CaseState, Declaration, Message
from acss.portal.demo import load_demo
from acss.providers.demo import TITLE
from acss.providers.models import ProviderIncident

from .conftest import login

RANSOMWARE = "ACSS-2026-000003"
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture
def demo(db):
    load_demo()

    def client_of(email: str) -> Client:
        return login(Client(), User.objects.get(email=email))

    return client_of


def test_the_accompaniment_of_the_demo_ransomware(demo):
    analyst = demo("analyste@acss.demo.example.fr")
    action = lambda name: reverse("incidents:action", args=[RANSOMWARE, name])  # noqa: E731
    assert analyst.post(action("take"), {}).status_code == 302
    qualified = analyst.post(
        action("qualify"),
        {"criticity": 4, "legal_level": "serious", "sanitary_impact_confirmed": True, "justification": "Urgences"},
    )
    assert qualified.status_code == 302
    assert (
        analyst.post(reverse("accompaniment:open", args=[RANSOMWARE]), {"template": "rancongiciel"}).status_code == 302
    )
    accompaniment = Accompaniment.objects.get(declaration__reference=RANSOMWARE)
    assert accompaniment.template_version.template.slug == "rancongiciel"
    assert Case.objects.get(declaration__reference=RANSOMWARE).state == CaseState.ACCOMPANIMENT

    declarant = demo("declarant@chu-paris.demo.example.fr")
    for plan_action in list(accompaniment.actions.all())[:3]:
        prefix = f"a{plan_action.pk}"
        response = declarant.post(
            reverse("accompaniment:action_progress", args=[RANSOMWARE, plan_action.pk]),
            {
                f"{prefix}-state": "done",
                f"{prefix}-evidence_note": "Fait ce matin.",
                f"{prefix}-evidence_file": SimpleUploadedFile("preuve.pdf", PDF),
            },
        )
        assert response.status_code == 302
    assert accompaniment.actions.filter(state=ActionState.DONE).count() == 3

    sheet = reverse("accompaniment:detail", args=[RANSOMWARE])
    assert demo("ars-idf@ars.demo.example.fr").get(sheet).status_code == 200
    assert demo("ars-grand-est@ars.demo.example.fr").get(sheet).status_code == 404

    assert analyst.post(reverse("accompaniment:close", args=[RANSOMWARE])).status_code == 302
    accompaniment.refresh_from_db()
    assert accompaniment.closed_at is not None


def test_the_expert_mission_requested_by_the_fssi(demo):
    fssi = demo("fssi@autorites.demo.example.fr")
    missions = reverse("accompaniment:missions", args=[RANSOMWARE])
    assert fssi.get(missions).status_code == 200
    response = fssi.post(
        reverse("accompaniment:mission_request", args=[RANSOMWARE]),
        {"kind": "analysis", "reason": "Chiffrement du PACS, besoin d'une analyse approfondie."},
    )
    assert response.status_code == 302
    mission = ExpertMission.objects.get(declaration__reference=RANSOMWARE)
    assert mission.kind == "analysis"
    assert demo("declarant@chu-paris.demo.example.fr").get(missions).status_code == 200
    assert demo("ars-idf@ars.demo.example.fr").get(missions).status_code == 404


def test_the_regulatory_filings_of_the_demo_ransomware(demo):
    page = demo("directeur@chu-paris.demo.example.fr").get(reverse("incidents:filings", args=[RANSOMWARE]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "envoyée le 20/11/2026 14:30" in body  # the early warning, marked sent by the demo
    assert body.count("envoyée le") == 1  # the notification and the final report are still to be sent


def test_the_message_to_every_victim_of_the_demo_provider(demo):
    parent = ProviderIncident.objects.get(title=TITLE)
    analyst = demo("analyste@acss.demo.example.fr")
    body = "Médisoft a restauré sa plateforme : rétablissez les accès distants après changement des mots de passe."
    assert analyst.post(reverse("providers:message", kwargs={"pk": parent.pk}), {"body": body}).status_code == 302
    victims = Declaration.objects.filter(provider_link__parent=parent)
    assert Message.objects.filter(body=body).count() == victims.count() == 5
    for email, shown in [
        ("ars-idf@ars.demo.example.fr", {"75", "77"}),
        ("ars-grand-est@ars.demo.example.fr", {"67"}),
        ("ars-occitanie@ars.demo.example.fr", {"31"}),
    ]:
        page = demo(email).get(reverse("providers:detail", kwargs={"pk": parent.pk})).content.decode()
        for victim in victims.select_related("structure"):
            assert (victim.reference in page) == (victim.structure.departement_id in shown), (email, victim.reference)
