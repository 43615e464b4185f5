"""Handling: lifecycle, qualification, escalation, questions pausing the cell's clock, notes, closure."""

from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse

from acss.core.calendars import cell_calendar
from acss.core.errors import Refusal
from acss.core.models import AuditEvent, IncidentCategory
from acss.incidents.models import Case, CaseState, Message
from acss.incidents.rules import TRANSITIONS
from acss.incidents.selectors.cases import regulatory_clocks
from acss.incidents.services import cases as handling

from .conftest import declaration_of_same_structure
from .intake_helpers import at_paris

ALL = [s.value for s in CaseState]


def act(world, case, target):
    """The service that moves a case to ``target``."""
    by = world.personas["analyst"]
    if target == CaseState.QUALIFYING:
        return handling.case_take(case=case, by=by)
    if target == CaseState.QUALIFIED:
        return handling.case_qualify(
            case=case, by=by, criticity=3, legal_level="serious", justification="Soins", sanitary_impact_confirmed=True
        )
    if target == CaseState.ACCOMPANIMENT:
        return handling.case_start_accompaniment(case=case, by=by)
    if target == CaseState.CLOSED:
        return handling.case_close(case=case, by=by, summary="Résolu")
    if target == CaseState.OUT_OF_SCOPE:
        return handling.case_out_of_scope(case=case, by=by, reason="Pas un incident de SI")
    if target == CaseState.DUPLICATE:
        return handling.case_merge(case=case, by=by, into=declaration_of_same_structure(world.decl_a))
    raise AssertionError(target)


@pytest.mark.parametrize("source", ALL)
@pytest.mark.parametrize("target", [s for s in ALL if s != CaseState.NEW])
def test_every_allowed_and_every_refused_transition(world, source, target):
    case = world.decl_a.case
    Case.objects.filter(pk=case.pk).update(state=source, merged_into=world.decl_c if source == "duplicate" else None)
    case.refresh_from_db()
    before = AuditEvent.objects.filter(action="case.transition").count()
    if target in TRANSITIONS[source]:
        act(world, case, target)
        case.refresh_from_db()
        assert case.state == target
        assert AuditEvent.objects.filter(action="case.transition").count() == before + 1
    else:
        with pytest.raises(Refusal, match="Passage impossible"):
            act(world, case, target)
        case.refresh_from_db()
        assert case.state == source


def test_only_acss_drives_the_lifecycle(world):
    for persona in ("declarant_a", "ars_idf", "fssi", "dgs"):
        with pytest.raises(Refusal):
            handling.case_take(case=world.decl_a.case, by=world.personas[persona])


def test_qualification_needs_a_justification_and_keeps_the_declarant_answer(world):
    case = handling.case_take(case=world.decl_a.case, by=world.personas["analyst"])
    with pytest.raises(Refusal, match="justification"):
        handling.case_qualify(
            case=case,
            by=world.personas["analyst"],
            criticity=2,
            legal_level="significant",
            justification="  ",
            sanitary_impact_confirmed=False,
        )
    world.decl_a.category_id = "hameconnage"
    world.decl_a.save(update_fields=["category"])
    handling.case_qualify(
        case=case,
        by=world.personas["analyst"],
        criticity=4,
        legal_level="serious",
        justification="Rançongiciel avéré",
        sanitary_impact_confirmed=True,
        category=IncidentCategory.objects.get(code="rancongiciel"),
    )
    case.refresh_from_db()
    world.decl_a.refresh_from_db()
    assert (case.criticity, case.category_id, case.rsit) == (
        4,
        "rancongiciel",
        "information-content-security:unauthorised-information-modification",
    )
    assert world.decl_a.category_id == "hameconnage"  # what the structure said stays visible
    page = world.client("analyst").get(reverse("incidents:detail", args=[world.decl_a.reference])).content.decode()
    assert "déclarée :" in page and "retenue :" in page


def test_the_qualification_deadline_counts_business_hours_only(world):
    case = world.decl_a.case
    friday_17 = at_paris(2026, 11, 20, 17, 0)
    Case.objects.filter(pk=case.pk).update(opened_at=friday_17, provisional_criticity=3)
    world.decl_a.submitted_at = friday_17
    due = cell_calendar().add_business_hours(friday_17, timedelta(hours=4))
    assert due == at_paris(2026, 11, 23, 12, 0)  # Friday 17-18, then Monday 9-12


def test_the_cell_clock_pauses_while_a_question_is_open(world):
    case = world.decl_a.case
    monday_10 = at_paris(2026, 11, 23, 10, 0)
    Case.objects.filter(pk=case.pk).update(qualification_due_at=at_paris(2026, 11, 23, 14, 0))  # 4 h left
    with mock.patch("django.utils.timezone.now", return_value=monday_10):
        question = handling.question_ask(
            declaration=world.decl_a, by=world.personas["analyst"], body="Sauvegardes ?"
        ).row
    case.refresh_from_db()
    assert case.waiting_since == monday_10 and case.qualification_due_at is None
    assert case.paused_remaining == timedelta(hours=4)
    # The structure's answer deadline counts on its own calendar: two business days, end of day.
    assert question.answer_due_at == at_paris(2026, 11, 25, 18, 0)
    # Answered on Wednesday at 16:00: the 4 business hours left run from then (2 h Wednesday, 2 h Thursday).
    with mock.patch("django.utils.timezone.now", return_value=at_paris(2026, 11, 25, 16, 0)):
        handling.question_answer(question=question, by=world.personas["declarant_a"], body="Intactes")
    case.refresh_from_db()
    assert case.waiting_since is None
    assert case.qualification_due_at == at_paris(2026, 11, 26, 11, 0)


def test_the_clock_restarts_only_when_every_question_is_answered(world):
    analyst, declarant = world.personas["analyst"], world.personas["declarant_a"]
    q1 = handling.question_ask(declaration=world.decl_a, by=analyst, body="Un ?").row
    q2 = handling.question_ask(declaration=world.decl_a, by=world.personas["ars_idf"], body="Deux ?").row
    handling.question_answer(question=q1, by=declarant, body="Un.")
    assert Case.objects.get(pk=world.decl_a.case.pk).waiting_since is not None
    handling.question_answer(question=q2, by=declarant, body="Deux.")
    assert Case.objects.get(pk=world.decl_a.case.pk).waiting_since is None


def test_nis2_and_cnil_clocks_never_pause(world):
    d = world.decl_a
    d.discovered_at = at_paris(2026, 11, 20, 3, 0)
    d.structure_snapshot = {"nis2": "essential"}
    d.confidentiality_loss = True
    before = {c.label: c.due for c in regulatory_clocks(d, at_paris(2026, 11, 20, 4, 0))}
    handling.question_ask(declaration=d, by=world.personas["analyst"], body="?")
    after = {c.label: c.due for c in regulatory_clocks(d, at_paris(2026, 11, 22, 4, 0))}
    assert before == after
    assert before["NIS 2 : alerte précoce (24 h)"] == at_paris(2026, 11, 21, 3, 0)
    assert before["CNIL : notification d'une violation de données (72 h)"] == at_paris(2026, 11, 23, 3, 0)


def test_an_authority_sees_the_case_only_once_escalated(world):
    url = reverse("incidents:detail", args=[world.decl_b.reference])
    assert world.client("dgs").get(url).status_code == 404
    handling.case_escalate(
        case=world.decl_b.case, by=world.personas["analyst"], authority_code="dgs", reason="Impact sanitaire suspecté"
    )
    page = world.client("dgs").get(url)
    assert page.status_code == 200 and "Impact sanitaire suspecté" in page.content.decode()
    assert world.client("ansm").get(url).status_code == 404
    with pytest.raises(Refusal, match="déjà été transmise"):
        handling.case_escalate(case=world.decl_b.case, by=world.personas["analyst"], authority_code="dgs", reason="x")


def test_the_structure_never_sees_internal_notes(world):
    handling.note_add(declaration=world.decl_a, by=world.personas["analyst"], body="Piste : prestataire négligent")
    handling.question_ask(declaration=world.decl_a, by=world.personas["analyst"], body="Quel prestataire ?")
    url = reverse("incidents:detail", args=[world.decl_a.reference])
    for persona in ("declarant_a", "manager_a", "group_officer", "ars_idf", "fssi", "dgs"):
        html = world.client(persona).get(url).content.decode()
        assert "Piste : prestataire négligent" not in html, persona
    assert "Quel prestataire ?" in world.client("declarant_a").get(url).content.decode()
    assert "Piste : prestataire négligent" in world.client("analyst").get(url).content.decode()
    with pytest.raises(Refusal):
        handling.note_add(declaration=world.decl_a, by=world.personas["ars_idf"], body="x")


def test_each_service_writes_an_audit_event(world):
    analyst, declarant = world.personas["analyst"], world.personas["declarant_a"]
    case = world.decl_a.case
    handling.case_assign(case=case, analyst=analyst, by=analyst)
    handling.case_take(case=case, by=analyst)
    handling.case_qualify(
        case=case,
        by=analyst,
        criticity=2,
        legal_level="significant",
        justification="j",
        sanitary_impact_confirmed=False,
    )
    handling.case_escalate(case=case, by=analyst, authority_code="anssi", reason="OSE")
    q = handling.question_ask(declaration=world.decl_a, by=analyst, body="?").row
    handling.question_answer(question=q, by=declarant, body="!")
    handling.note_add(declaration=world.decl_a, by=analyst, body="n")
    handling.case_structure_resolved(declaration=world.decl_a, by=declarant)
    handling.case_start_accompaniment(case=case, by=analyst)
    handling.case_close(case=case, by=analyst, summary="fin")
    actions = set(AuditEvent.objects.filter(object_id=str(world.decl_a.pk)).values_list("action", flat=True))
    assert {
        "case.assigned",
        "case.transition",
        "case.escalated",
        "case.question",
        "case.answer",
        "case.note",
        "case.structure_resolved",
    } <= actions
    assert AuditEvent.objects.filter(action="case.transition", object_id=str(world.decl_a.pk)).count() == 4


def test_the_analyst_takes_a_declaration_from_new_to_closed_through_the_pages(world):
    analyst, declarant, dgs = world.client("analyst"), world.client("declarant_a"), world.client("dgs")
    ref = world.decl_c.reference
    detail = reverse("incidents:detail", args=[ref])
    action = lambda name: reverse("incidents:action", args=[ref, name])  # noqa: E731
    assert dgs.get(detail).status_code == 404
    assert analyst.post(action("take")).status_code == 302
    analyst.post(
        action("qualify"),
        {
            "criticity": "3",
            "legal_level": "serious",
            "sanitary_impact_confirmed": "yes",
            "justification": "Mode dégradé des urgences",
            "category": "rancongiciel",
        },
    )
    analyst.post(action("escalate"), {"authority_code": "dgs", "reason": "Impact sanitaire"})
    assert dgs.get(detail).status_code == 200
    analyst.post(reverse("incidents:message", args=[ref]), {"kind": "question", "body": "Les sauvegardes ?"})
    question = Message.objects.get(declaration=world.decl_c, kind="question")
    group = world.client("group_officer")  # acts for structure C
    assert "La cellule attend votre réponse" in group.get(detail).content.decode()
    group.post(reverse("incidents:message", args=[ref]), {"kind": "answer", "question": question.pk, "body": "Oui"})
    group.post(action("resolved"))
    analyst.post(action("close"), {"summary": "Remédiation faite", "root_cause": "Hameçonnage", "degraded_hours": "30"})
    case = Case.objects.get(declaration=world.decl_c)
    assert (case.state, case.criticity, case.closure_degraded_hours) == ("closed", 3, 30)
    assert case.structure_resolved_at is not None
    assert "Clôturée : la cellule a clos le dossier." in group.get(detail).content.decode()
    assert declarant.get(detail).status_code == 404  # declarant A has nothing to do with C


def test_an_invalid_action_keeps_what_was_typed(world):
    analyst = world.client("analyst")
    ref = world.decl_a.reference
    analyst.post(reverse("incidents:action", args=[ref, "take"]))
    analyst.post(reverse("incidents:action", args=[ref, "qualify"]), {"criticity": "3", "justification": "Mon texte"})
    html = analyst.get(reverse("incidents:detail", args=[ref])).content.decode()
    assert "Mon texte" in html and "Ce champ est obligatoire" in html
    assert Case.objects.get(declaration=world.decl_a).state == "qualifying"
