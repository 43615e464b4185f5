"""Expert missions on a case, through HTTP with the personas: the FSSI requests one, the cell opens it then
finishes it with its report (or refuses it), the structure reads it and downloads the report; the region's ARS,
the DGS (which reads the declaration, escalated to it) and another hospital see nothing (404)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from acss.accompaniment import services
from acss.accompaniment.models import ExpertMission, MissionKind, MissionState
from acss.core.errors import Refusal
from acss.core.models import AuditEvent

from .html_helpers import refusal_of

REPORT = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
READERS = ["declarant_a", "manager_a", "group_officer", "analyst", "fssi"]
NOT_READERS = ["declarant_b", "ars_idf", "ars_other", "dgs", "ansm"]


def missions_url(world) -> str:
    return reverse("accompaniment:missions", args=[world.decl_a.reference])


def requested(world) -> ExpertMission:
    return services.mission_request(
        by=world.personas["fssi"],
        declaration=world.decl_a,
        kind=MissionKind.ANALYSIS,
        reason="Chiffrement du PACS : analyse des journaux demandée.",
    )


def opened(world) -> ExpertMission:
    return services.mission_open(
        by=world.personas["analyst"],
        mission=requested(world),
        team="Équipe CERT Santé : Mme Durand, M. Leroy",
        starts_on=date(2026, 12, 2),
        ends_on=date(2026, 12, 4),
        scope="Serveurs PACS et contrôleur de domaine",
    )


def finished(world) -> ExpertMission:
    return services.mission_finish(
        by=world.personas["analyst"],
        mission=opened(world),
        report=SimpleUploadedFile("rapport.pdf", REPORT, content_type="application/pdf"),
        summary="Accès initial par le VPN.",
    )


def test_the_whole_mission_through_the_pages(world, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    fssi, analyst, declarant = world.client("fssi"), world.client("analyst"), world.client("declarant_a")
    page = fssi.get(missions_url(world))
    assert page.status_code == 200 and "Demander une mission d'expertise" in page.content.decode()

    with capture(execute=True):
        response = fssi.post(
            reverse("accompaniment:mission_request", args=[world.decl_a.reference]),
            {"kind": "on_site", "reason": "Intervention sur site demandée par le FSSI."},
        )
    assert response.status_code == 302
    mission = ExpertMission.objects.get()
    assert (mission.state, mission.kind, mission.requested_by) == ("requested", "on_site", world.personas["fssi"])
    told = [m for m in mail.outbox if "demandée par le FSSI" in m.subject]
    assert told and "cert@acss.example.fr" in told[0].to
    assert "Intervention sur site demandée par le FSSI." in told[0].body
    assert not fssi.get(missions_url(world)).context["may_cell"]

    # The cell sees its forms; the structure does not.
    assert "Ouvrir la mission" in analyst.get(missions_url(world)).content.decode()
    assert "Ouvrir la mission" not in declarant.get(missions_url(world)).content.decode()

    mail.outbox.clear()
    with capture(execute=True):
        response = analyst.post(
            reverse("accompaniment:mission_open", args=[world.decl_a.reference, mission.pk]),
            {
                f"o{mission.pk}-team": "Mme Durand, M. Leroy (CERT Santé)",
                f"o{mission.pk}-starts_on": "2026-12-02",
                f"o{mission.pk}-ends_on": "2026-12-04",
                f"o{mission.pk}-scope": "Site principal, salle serveurs",
            },
        )
    assert response.status_code == 302
    mission.refresh_from_db()
    assert mission.state == MissionState.OPENED and mission.starts_on == date(2026, 12, 2)
    recipients = {a for m in mail.outbox for a in m.to}
    assert {"declarant@a.test", "officier@fssi.test", "fssi@sg.example.fr"} <= recipients
    assert "cert@acss.example.fr" not in recipients

    mail.outbox.clear()
    with capture(execute=True):
        response = analyst.post(
            reverse("accompaniment:mission_finish", args=[world.decl_a.reference, mission.pk]),
            {
                f"f{mission.pk}-report": SimpleUploadedFile("rapport.pdf", REPORT, content_type="application/pdf"),
                f"f{mission.pk}-summary": "Accès initial par le VPN.",
            },
        )
    assert response.status_code == 302
    mission.refresh_from_db()
    assert mission.state == MissionState.FINISHED and mission.report_name == "rapport.pdf"
    finished_mail = [m for m in mail.outbox if "terminée" in m.subject]
    assert finished_mail and "declarant@a.test" in finished_mail[0].to and "officier@fssi.test" in finished_mail[0].to

    listing = declarant.get(missions_url(world)).content.decode()
    assert "Accès initial par le VPN." in listing and "Télécharger rapport.pdf" in listing
    download = declarant.get(reverse("accompaniment:mission_report", args=[world.decl_a.reference, mission.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Content-Type"] == "application/octet-stream"
    assert b"".join(download.streaming_content) == REPORT
    actions = set(
        AuditEvent.objects.filter(action__startswith="accompaniment.mission").values_list("action", flat=True)
    )
    assert actions == {
        "accompaniment.mission_requested",
        "accompaniment.mission_opened",
        "accompaniment.mission_finished",
    }


@pytest.mark.parametrize("persona", READERS)
def test_the_fssi_the_cell_and_the_structure_read_the_missions_and_the_report(world, persona):
    mission = finished(world)
    client = world.client(persona)
    assert client.get(missions_url(world)).status_code == 200
    report = client.get(reverse("accompaniment:mission_report", args=[world.decl_a.reference, mission.pk]))
    assert report.status_code == 200 and report["Content-Disposition"].startswith("attachment")
    declaration_page = client.get(reverse("incidents:detail", args=[world.decl_a.reference])).content.decode()
    assert missions_url(world) in declaration_page


@pytest.mark.parametrize("persona", NOT_READERS)
def test_an_ars_another_authority_or_another_hospital_sees_no_mission(world, persona):
    mission = finished(world)
    client = world.client(persona)
    assert client.get(missions_url(world)).status_code == 404
    assert (
        client.get(reverse("accompaniment:mission_report", args=[world.decl_a.reference, mission.pk])).status_code
        == 404
    )
    response = client.post(
        reverse("accompaniment:mission_request", args=[world.decl_a.reference]),
        {"kind": "analysis", "reason": "Je voudrais voir."},
    )
    assert response.status_code == 404
    assert (
        world.api(persona).get(reverse("accompaniment:api_missions", args=[world.decl_a.reference])).status_code == 404
    )
    declaration_page = client.get(reverse("incidents:detail", args=[world.decl_a.reference]))
    assert missions_url(world) not in declaration_page.content.decode()
    assert ExpertMission.objects.count() == 1


@pytest.mark.parametrize("persona", ["declarant_a", "analyst"])
def test_only_the_fssi_requests_a_mission(world, persona):
    response = world.client(persona).post(
        reverse("accompaniment:mission_request", args=[world.decl_a.reference]),
        {"kind": "analysis", "reason": "Une analyse, s'il vous plaît."},
    )
    assert response.status_code == 403
    assert refusal_of(response.content.decode()) == "Seul le FSSI demande une mission d'expertise."
    assert not ExpertMission.objects.exists()


@pytest.mark.parametrize("persona", ["declarant_a", "fssi"])
def test_only_the_cell_opens_finishes_or_refuses(world, persona):
    mission = requested(world)
    ref = world.decl_a.reference
    for route, body in (
        ("mission_open", {f"o{mission.pk}-team": "X", f"o{mission.pk}-scope": "Y"}),
        ("mission_refuse", {f"r{mission.pk}-reason": "Non."}),
        ("mission_finish", {}),
    ):
        response = world.client(persona).post(reverse(f"accompaniment:{route}", args=[ref, mission.pk]), body)
        assert response.status_code == 403, route
        assert refusal_of(response.content.decode()) == "Seule la cellule ACSS peut faire cela."
    mission.refresh_from_db()
    assert mission.state == MissionState.REQUESTED


def test_a_bad_request_form_keeps_what_was_typed_and_says_why_in_french(world):
    response = world.client("fssi").post(
        reverse("accompaniment:mission_request", args=[world.decl_a.reference]),
        {"kind": "", "reason": "Motif tapé par le FSSI"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Choisissez la nature de la mission." in body and "Motif tapé par le FSSI" in body


def test_the_end_may_not_precede_the_start_and_the_states_follow_each_other(world, django_capture_on_commit_callbacks):
    mission = requested(world)
    ref = world.decl_a.reference
    p = f"o{mission.pk}"
    response = world.client("analyst").post(
        reverse("accompaniment:mission_open", args=[ref, mission.pk]),
        {f"{p}-team": "Équipe", f"{p}-starts_on": "2026-12-04", f"{p}-ends_on": "2026-12-02", f"{p}-scope": "Tout"},
    )
    assert response.status_code == 200
    assert "La fin de la mission ne peut précéder son début." in response.content.decode()
    assert "Équipe" in response.content.decode()
    with pytest.raises(Refusal, match="Seule une mission ouverte peut être terminée."):
        services.mission_finish(
            by=world.personas["analyst"], mission=mission, report=SimpleUploadedFile("r.pdf", REPORT)
        )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.mission_refuse(by=world.personas["analyst"], mission=mission, reason="Hors du champ des experts.")
    (refused_mail,) = mail.outbox
    assert "officier@fssi.test" in refused_mail.to and "declarant@a.test" not in refused_mail.to
    assert "Hors du champ des experts." in refused_mail.body
    mission.refresh_from_db()
    assert mission.state == MissionState.REFUSED
    with pytest.raises(Refusal, match="Seule une mission demandée peut être ouverte."):
        services.mission_open(
            by=world.personas["analyst"],
            mission=mission,
            team="Équipe",
            starts_on=date(2026, 12, 2),
            ends_on=date(2026, 12, 3),
            scope="Tout",
        )
    assert "Hors du champ des experts." in world.client("fssi").get(missions_url(world)).content.decode()


def test_finishing_without_a_report_is_refused_in_french(world):
    mission = opened(world)
    response = world.client("analyst").post(
        reverse("accompaniment:mission_finish", args=[world.decl_a.reference, mission.pk]),
        {f"f{mission.pk}-summary": "Synthèse sans rapport"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Joignez le rapport de la mission." in body and "Synthèse sans rapport" in body
    mission.refresh_from_db()
    assert mission.state == MissionState.OPENED
