"""The accompaniment: the shared follow-up sheet and the remediation plan, through HTTP with the personas.

Hospital A's declaration is a ransomware; the analyst opens its accompaniment with the ransomware template, the
structure reports progress with evidence, the region's ARS writes in the sheet, the others are refused.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from acss.accompaniment import services
from acss.accompaniment.models import (
    Accompaniment,
    AccompanimentOrigin,
    ActionState,
    EntryKind,
    PlanAction,
    PlanTemplate,
    SheetEntry,
)
from acss.accompaniment.selectors import overdue_plan_actions
from acss.core.errors import Refusal
from acss.core.models import AuditEvent
from acss.incidents.models import Case, CaseState

from .html_helpers import refusal_of

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def qualified(declaration) -> None:
    Case.objects.filter(declaration=declaration).update(state=CaseState.QUALIFIED)


def page(reference: str) -> str:
    return reverse("accompaniment:detail", args=[reference])


def opened(world, template: str | None = "rancongiciel") -> Accompaniment:
    qualified(world.decl_a)
    return services.accompaniment_open(
        by=world.personas["analyst"],
        declaration=world.decl_a,
        template=PlanTemplate.objects.get(slug=template) if template else None,
    )


def test_seeded_templates_are_concrete_and_versioned(db):
    templates = {t.slug: t for t in PlanTemplate.objects.all()}
    assert set(templates) == {"rancongiciel", "compromission-messagerie", "equipement-bordure", "fuite-donnees"}
    for template in templates.values():
        version = template.current_version
        assert version.number == 1
        assert 6 <= version.actions.count() <= 10
    assert templates["rancongiciel"].category_id == "rancongiciel"


def test_the_done_means_path(world):
    ref = world.decl_a.reference
    qualified(world.decl_a)
    analyst = world.client("analyst")

    # The analyst opens the accompaniment with the ransomware template: the case moves to accompaniment.
    form = analyst.get(reverse("accompaniment:open", args=[ref]))
    assert form.status_code == 200
    assert "Rançongiciel" in form.content.decode()
    response = analyst.post(reverse("accompaniment:open", args=[ref]), {"template": "rancongiciel"})
    assert response.status_code == 302
    accompaniment = Accompaniment.objects.get(declaration=world.decl_a)
    assert accompaniment.origin == AccompanimentOrigin.DECIDED
    assert accompaniment.template_version.template.slug == "rancongiciel"
    assert Case.objects.get(declaration=world.decl_a).state == CaseState.ACCOMPANIMENT
    actions = list(accompaniment.actions.all())
    assert len(actions) == 10
    assert actions[0].due_on == timezone.localdate()
    assert actions[-1].due_on == timezone.localdate() + timedelta(days=60)
    assert AuditEvent.objects.filter(action="accompaniment.opened").count() == 1

    # The structure's declarant marks three actions done, with a file and notes.
    declarant = world.client("declarant_a")
    for action in actions[:3]:
        response = declarant.post(
            reverse("accompaniment:action_progress", args=[ref, action.pk]),
            {
                f"a{action.pk}-state": "done",
                f"a{action.pk}-evidence_note": f"Fait : {action.title}",
                f"a{action.pk}-evidence_file": SimpleUploadedFile("preuve.pdf", PDF),
            },
        )
        assert response.status_code == 302, response.content.decode()[:500]
    done = PlanAction.objects.filter(accompaniment=accompaniment, state=ActionState.DONE)
    assert done.count() == 3
    assert all(a.evidence_file and a.evidence_note.startswith("Fait") for a in done)
    assert all(a.updated_by == world.personas["declarant_a"] for a in done)
    assert done.first().evidence_content_type == "application/pdf"

    # The region's ARS reads the sheet and the plan, and writes an entry.
    ars = world.client("ars_idf")
    shown = ars.get(page(ref))
    assert shown.status_code == 200
    assert "Isoler du réseau" in shown.content.decode()
    response = ars.post(
        reverse("accompaniment:entry_add", args=[ref]),
        {"kind": "recommendation", "body": "Faire appel à un prestataire qualifié PRIS."},
    )
    assert response.status_code == 302
    entry = SheetEntry.objects.get(accompaniment=accompaniment)
    assert entry.kind == EntryKind.RECOMMENDATION
    assert entry.author_organisation.kind == "ars"
    assert "prestataire qualifié PRIS" in ars.get(page(ref)).content.decode()

    # Another region's ARS and hospital B's declarant do not see it: 404, like a missing declaration.
    for persona in ("ars_other", "declarant_b"):
        client = world.client(persona)
        assert client.get(page(ref)).status_code == 404
        assert (
            client.post(reverse("accompaniment:entry_add", args=[ref]), {"kind": "follow_up", "body": "x"}).status_code
            == 404
        )
        assert client.get(reverse("accompaniment:evidence", args=[ref, actions[0].pk])).status_code == 404

    # An authority that only reads gets 403 on writes, with the reason.
    dgs = world.client("dgs")
    assert dgs.get(page(ref)).status_code == 200
    refused = dgs.post(reverse("accompaniment:entry_add", args=[ref]), {"kind": "follow_up", "body": "Vu."})
    assert refused.status_code == 403
    assert refusal_of(refused.content.decode()).startswith("Seules la cellule")
    refused = dgs.post(
        reverse("accompaniment:action_progress", args=[ref, actions[4].pk]), {f"a{actions[4].pk}-state": "done"}
    )
    assert refused.status_code == 403
    assert dgs.post(reverse("accompaniment:close", args=[ref])).status_code == 403
    assert SheetEntry.objects.count() == 1

    # The analyst closes; the sheet no longer changes.
    assert analyst.post(reverse("accompaniment:close", args=[ref])).status_code == 302
    accompaniment.refresh_from_db()
    assert accompaniment.closed_at is not None and accompaniment.closed_by == world.personas["analyst"]
    assert AuditEvent.objects.filter(action="accompaniment.closed").count() == 1
    with pytest.raises(Refusal):
        services.sheet_entry_add(
            by=world.personas["declarant_a"], declaration=world.decl_a, kind="follow_up", body="Encore ?"
        )


def test_an_accompaniment_asked_by_the_structure_and_already_in_accompaniment(world):
    world.decl_a.accompaniment_requested = True
    world.decl_a.save(update_fields=["accompaniment_requested"])
    Case.objects.filter(declaration=world.decl_a).update(state=CaseState.ACCOMPANIMENT)
    accompaniment = services.accompaniment_open(by=world.personas["analyst"], declaration=world.decl_a)
    assert accompaniment.origin == AccompanimentOrigin.REQUESTED
    assert accompaniment.actions.count() == 0


def test_opening_needs_a_qualified_case_and_the_cell(world):
    with pytest.raises(Refusal, match="qualifié"):
        services.accompaniment_open(by=world.personas["analyst"], declaration=world.decl_a)
    qualified(world.decl_a)
    with pytest.raises(Refusal, match="Seule la cellule"):
        services.accompaniment_open(by=world.personas["declarant_a"], declaration=world.decl_a)
    response = world.client("declarant_a").post(reverse("accompaniment:open", args=[world.decl_a.reference]))
    assert response.status_code == 403
    assert not Accompaniment.objects.exists()
    assert Case.objects.get(declaration=world.decl_a).state == CaseState.QUALIFIED


def test_who_writes_what_kind_of_entry(world):
    opened(world)
    with pytest.raises(Refusal, match="Seules la cellule et l'ARS"):
        services.sheet_entry_add(
            by=world.personas["declarant_a"], declaration=world.decl_a, kind="urgent_measure", body="Couper tout."
        )
    entry = services.sheet_entry_add(
        by=world.personas["declarant_a"], declaration=world.decl_a, kind="follow_up", body="Sauvegardes saines."
    )
    assert entry.author_organisation_id == world.structure_a.pk
    urgent = services.sheet_entry_add(
        by=world.personas["analyst"], declaration=world.decl_a, kind="urgent_measure", body="Couper le VPN."
    )
    assert urgent.author_organisation.kind == "acss"
    # The structure's form offers only the follow-up entry.
    html = world.client("declarant_a").get(page(world.decl_a.reference)).content.decode()
    assert 'value="follow_up"' in html and 'value="urgent_measure"' not in html


def test_the_structure_adds_its_own_action_but_only_the_cell_edits_one(world):
    accompaniment = opened(world, template=None)
    ref = world.decl_a.reference
    response = world.client("declarant_a").post(
        reverse("accompaniment:action_add", args=[ref]),
        {"title": "Changer le mot de passe du Wi-Fi invités", "owner": world.personas["manager_a"].pk},
    )
    assert response.status_code == 302
    action = accompaniment.actions.get()
    assert action.owner == world.personas["manager_a"]
    refused = world.client("declarant_a").post(
        reverse("accompaniment:action_edit", args=[ref, action.pk]), {f"e{action.pk}-title": "Autre chose"}
    )
    assert refused.status_code == 403
    # The owner is a person of the structure, or free text.
    with pytest.raises(Refusal, match="personne de la structure"):
        services.plan_action_update(by=world.personas["analyst"], action=action, owner=world.personas["declarant_b"])
    response = world.client("analyst").post(
        reverse("accompaniment:action_edit", args=[ref, action.pk]),
        {f"e{action.pk}-title": "Changer la clé du Wi-Fi invités", f"e{action.pk}-owner_name": "Prestataire réseau"},
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.title, action.owner, action.owner_name) == (
        "Changer la clé du Wi-Fi invités",
        None,
        "Prestataire réseau",
    )


def test_a_double_click_adds_the_action_once(world):
    accompaniment = opened(world, template=None)
    ref = world.decl_a.reference
    client = world.client("declarant_a")
    key = client.get(page(ref)).context["submission_key"]
    body = {"title": "Sauvegarder hors ligne", "owner_name": "DSI", "submission_key": key}
    first = client.post(reverse("accompaniment:action_add", args=[ref]), body)
    second = client.post(reverse("accompaniment:action_add", args=[ref]), body, follow=True)
    assert first.status_code == 302 and second.status_code == 200
    assert accompaniment.actions.count() == 1
    assert "Action ajoutée au plan." in second.content.decode()  # the retry says it is done
    # The same key for another action of the page (back in the browser): nothing is done, and it is said.
    other = client.post(
        reverse("accompaniment:action_add", args=[ref]),
        {"title": "Autre action", "owner_name": "DSI", "submission_key": key},
        follow=True,
    )
    assert accompaniment.actions.count() == 1
    assert "Ce formulaire a déjà servi pour une autre action" in other.content.decode()
    # A new page, a new key: a second action is added.
    fresh = client.get(page(ref)).context["submission_key"]
    assert fresh != key
    client.post(
        reverse("accompaniment:action_add", args=[ref]),
        {"title": "Autre action", "owner_name": "DSI", "submission_key": fresh},
    )
    assert accompaniment.actions.count() == 2


def test_an_invalid_evidence_file_is_refused_on_the_page(world):
    accompaniment = opened(world)
    action = accompaniment.actions.first()
    response = world.client("declarant_a").post(
        reverse("accompaniment:action_progress", args=[world.decl_a.reference, action.pk]),
        {
            f"a{action.pk}-state": "done",
            f"a{action.pk}-evidence_file": SimpleUploadedFile("outil.exe", b"MZ\x90\x00rest"),
        },
    )
    assert response.status_code == 200
    assert "exécutable" in response.content.decode()
    action.refresh_from_db()
    assert action.state == ActionState.TODO and not action.evidence_file


def test_evidence_is_downloaded_as_an_attachment(world):
    accompaniment = opened(world)
    action = accompaniment.actions.first()
    services.plan_action_update(
        by=world.personas["declarant_a"],
        action=action,
        state="done",
        evidence_file=SimpleUploadedFile("rapport.pdf", PDF),
    )
    url = reverse("accompaniment:evidence", args=[world.decl_a.reference, action.pk])
    response = world.client("ars_idf").get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "rapport.pdf" in response["Content-Disposition"]
    assert response["Content-Type"] == "application/octet-stream"
    assert b"".join(response.streaming_content) == PDF
    assert AuditEvent.objects.filter(action="accompaniment.evidence_downloaded").count() == 1
    # The same file through the API, with a token: the address the plan's API gives, the same rules.
    plan = world.api("ars_idf").get(reverse("accompaniment:api_detail", args=[world.decl_a.reference])).json()
    listed = next(a for a in plan["actions"] if a["id"] == action.pk)
    assert listed["evidence_url"] == reverse("accompaniment:api_evidence", args=[world.decl_a.reference, action.pk])
    response = world.api("ars_idf").get(listed["evidence_url"])
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == PDF
    assert AuditEvent.objects.filter(action="accompaniment.evidence_downloaded").count() == 2
    assert world.api("declarant_b").get(listed["evidence_url"]).status_code == 404


def test_overdue_detection_and_the_panels(world):
    accompaniment = opened(world)
    late = accompaniment.actions.first()
    PlanAction.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - timedelta(days=2))
    done_late = accompaniment.actions.all()[1]
    PlanAction.objects.filter(pk=done_late.pk).update(
        due_on=timezone.localdate() - timedelta(days=2), state=ActionState.DONE
    )
    assert [a.pk for a in overdue_plan_actions(user=world.personas["analyst"])] == [late.pk]
    assert [a.pk for a in overdue_plan_actions(user=world.personas["ars_idf"])] == [late.pk]
    assert list(overdue_plan_actions(user=world.personas["declarant_b"])) == []
    # The page highlights it.
    html = world.client("declarant_a").get(page(world.decl_a.reference)).content.decode()
    assert "En retard" in html and "1 action a dépassé son échéance" in html
    # « Mon espace »: the cell sees the overdue action; the structure its open actions; hospital B nothing.
    dashboard = reverse("portal:dashboard")
    cell = world.client("analyst").get(dashboard).content.decode()
    assert "Actions de remédiation en retard" in cell and late.title in cell
    mine = world.client("declarant_a").get(dashboard).content.decode()
    assert "Vos actions de remédiation" in mine and late.title in mine and done_late.title not in mine
    other = world.client("declarant_b").get(dashboard).content.decode()
    assert late.title not in other
    # The analyst's queue flags the declaration whose plan is late, and only that one, with a link to its plan.
    PlanAction.objects.filter(pk=accompaniment.actions.all()[2].pk).update(
        due_on=timezone.localdate() - timedelta(days=1)
    )
    rows = world.client("analyst").get(reverse("incidents:queue") + "?state=all").context["rows"]
    flags = {row.declaration.reference: [(f.label, f.url) for f in row.flags] for row in rows}
    assert flags[world.decl_a.reference] == [("2 actions du plan en retard", page(world.decl_a.reference))]
    assert all(not f for ref, f in flags.items() if ref != world.decl_a.reference)
    queue = world.client("analyst").get(reverse("incidents:queue") + "?state=all").content.decode()
    assert "2 actions du plan en retard" in queue
    # A closed accompaniment's actions are no longer overdue, in the queue either.
    services.accompaniment_close(by=world.personas["analyst"], declaration=world.decl_a)
    assert list(overdue_plan_actions(user=world.personas["analyst"])) == []
    assert (
        "du plan en retard"
        not in world.client("analyst").get(reverse("incidents:queue") + "?state=all").content.decode()
    )


def test_template_versioning(world):
    template = PlanTemplate.objects.get(slug="fuite-donnees")
    first = template.current_version
    first_titles = list(first.actions.values_list("title", flat=True))
    accompaniment = opened(world, template="fuite-donnees")
    version = services.plan_template_revise(
        by=world.personas["analyst"],
        template=template,
        actions=[("Fermer la source de la fuite", 0), ("Notifier la CNIL", 3)],
        change_note="Plan resserré",
    )
    assert version.number == 2
    assert template.current_version == version
    # The earlier version and the plan made from it do not change.
    first.refresh_from_db()
    assert list(first.actions.values_list("title", flat=True)) == first_titles
    assert accompaniment.actions.count() == len(first_titles)
    assert AuditEvent.objects.filter(action="accompaniment.template_revised").count() == 1
    with pytest.raises(Refusal, match="Seule la cellule"):
        services.plan_template_revise(
            by=world.personas["declarant_a"], template=template, actions=[("x", 1)], change_note="Non"
        )
    page_html = world.client("analyst").get(reverse("accompaniment:templates")).content.decode()
    assert "Version 2" in page_html and "Plan resserré" in page_html
    # Through the page: a third version; a malformed line is shown again with why.
    url = reverse("accompaniment:template_edit", args=["fuite-donnees"])
    bad = world.client("analyst").post(url, {"actions": "Sans délai", "change_note": "Essai"})
    assert bad.status_code == 200 and "Ligne 1" in bad.content.decode()
    response = world.client("analyst").post(
        url,
        {"actions": "Fermer la source | 0\nNotifier la CNIL | 3\nInformer les patients | 7", "change_note": "Ajout"},
    )
    assert response.status_code == 302
    third = PlanTemplate.objects.get(slug="fuite-donnees").current_version
    assert third.number == 3
    assert list(third.actions.values_list("due_offset_days", flat=True)) == [0, 3, 7]


def test_the_api_reads_the_sheet_and_the_plan(world):
    opened(world)
    ref = world.decl_a.reference
    detail = world.api("ars_idf").get(reverse("accompaniment:api_detail", args=[ref]))
    assert detail.status_code == 200
    assert len(detail.json()["actions"]) == 10
    assert world.api("ars_other").get(reverse("accompaniment:api_detail", args=[ref])).status_code == 404
    assert world.api("ars_idf").get(reverse("accompaniment:api_detail", args=["ACSS-2099-999999"])).status_code == 404


def test_sheet_entries_are_append_only_on_postgresql(world):
    from django.db import DatabaseError, connection, transaction

    opened(world)
    entry = services.sheet_entry_add(
        by=world.personas["analyst"], declaration=world.decl_a, kind="follow_up", body="Point du matin."
    )
    if connection.vendor != "postgresql":
        pytest.skip("the trigger is PostgreSQL's")
    with pytest.raises(DatabaseError), transaction.atomic():
        SheetEntry.objects.filter(pk=entry.pk).update(body="Réécrit.")
