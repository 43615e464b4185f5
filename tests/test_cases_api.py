"""The handling through the REST API: the same services, rights and French messages as the pages."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from acss.core.calendars import cnil_deadline, nis2_deadlines
from acss.core.models import AuditEvent
from acss.incidents.models import Case, Declaration, Escalation, Message

from .conftest import declaration_of_same_structure

PARIS = ZoneInfo("Europe/Paris")


def case_url(declaration: Declaration) -> str:
    return reverse("api:case_detail", args=[declaration.reference])


def messages_url(declaration: Declaration) -> str:
    return reverse("api:case_messages", args=[declaration.reference])


def actions_url(declaration: Declaration) -> str:
    return reverse("api:case_actions", args=[declaration.reference])


def act(client, declaration: Declaration, action: str, **params):
    return client.post(actions_url(declaration), {"action": action, **params}, content_type="application/json")


def post_message(client, declaration: Declaration, kind: str, body: str, **extra):
    return client.post(
        messages_url(declaration), {"kind": kind, "body": body, **extra}, content_type="application/json"
    )


def case_of(declaration: Declaration) -> Case:
    return Case.objects.get(declaration=declaration)


def audit_actions(declaration: Declaration) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="declarations.declaration", object_id=str(declaration.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


@pytest.fixture
def unescalated(world):
    """Declaration A without the escalation the shared world gives it: the DGS does not see it yet."""
    Escalation.objects.filter(declaration=world.decl_a).delete()
    return world.decl_a


def test_the_analyst_takes_a_declaration_from_new_to_closed(world, unescalated, django_capture_on_commit_callbacks):
    decl = unescalated
    analyst, declarant, dgs = world.api("analyst"), world.api("declarant_a"), world.api("dgs")
    assert dgs.get(case_url(decl)).status_code == 404

    response = act(analyst, decl, "take")
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "qualifying"
    assert response.json()["handling"]["assigned_to"] == "analyste@acss.test"
    case = case_of(decl)
    assert case.state == "qualifying" and case.assigned_to == world.personas["analyst"]

    refused = act(declarant, decl, "qualify", criticity=3, legal_level="serious", justification="x")
    assert refused.status_code == 403
    assert refused.json() == {"errors": {"__all__": ["Seule la cellule ACSS peut faire cela."]}}

    blank = act(
        analyst, decl, "qualify", criticity=3, legal_level="serious", justification="  ", sanitary_impact_confirmed=True
    )
    assert blank.status_code == 400
    assert blank.json() == {"errors": {"justification": ["La justification de la qualification est obligatoire."]}}
    assert case_of(decl).state == "qualifying"

    response = act(
        analyst,
        decl,
        "qualify",
        criticity=3,
        legal_level="serious",
        justification="Rançongiciel, PACS chiffré, déprogrammations.",
        sanitary_impact_confirmed=True,
        category="rancongiciel",
    )
    assert response.status_code == 200, response.json()
    handling = response.json()["handling"]
    assert (handling["criticity"], handling["legal_level"], handling["category"]) == (3, "serious", "rancongiciel")
    case = case_of(decl)
    assert (case.state, case.criticity, case.legal_level, case.sanitary_impact_confirmed) == (
        "qualified",
        3,
        "serious",
        True,
    )
    assert case.category_id == "rancongiciel" and case.rsit and case.qualified_at is not None

    with django_capture_on_commit_callbacks(execute=True):
        response = act(analyst, decl, "escalate", authority_code="dgs", reason="Impact sanitaire confirmé")
    assert response.status_code == 200, response.json()
    assert [e["authority"] for e in response.json()["handling"]["escalations"]] == ["dgs"]
    assert Escalation.objects.filter(declaration=decl, authority__authority_code="dgs").exists()
    assert any("alerte@dgs.example.fr" in m.to for m in mail.outbox)
    seen_by_dgs = dgs.get(case_url(decl))
    assert seen_by_dgs.status_code == 200
    assert seen_by_dgs.json()["handling"]["justification"] == "Rançongiciel, PACS chiffré, déprogrammations."
    again = act(analyst, decl, "escalate", authority_code="dgs", reason="Encore")
    assert again.status_code == 400
    assert "déjà été transmise" in again.json()["errors"]["__all__"][0]

    note = post_message(analyst, decl, "note", "Piste : VPN non patché.")
    assert note.status_code == 201 and note.json()["kind"] == "note"
    question = post_message(analyst, decl, "question", "Depuis quand le PACS est-il indisponible ?")
    assert question.status_code == 201, question.json()
    question_id = question.json()["id"]
    assert question.json()["answer_due_at"] is not None
    assert case_of(decl).waiting_since is not None

    # The structure reads the plain status and the question, never the note nor the handling.
    seen = declarant.get(case_url(decl)).json()
    assert seen["handling"] is None
    assert seen["status"] == "Analysée par la cellule." and seen["awaiting_structure"] is True
    assert [q["id"] for q in seen["open_questions"]] == [question_id]
    thread = declarant.get(messages_url(decl)).json()
    assert [m["kind"] for m in thread] == ["question"]
    assert "VPN" not in str(thread)
    assert [m["kind"] for m in analyst.get(messages_url(decl)).json()] == ["note", "question"]

    answer = post_message(declarant, decl, "answer", "Depuis 2 h du matin.", question=question_id)
    assert answer.status_code == 201, answer.json()
    assert answer.json()["question"] == question_id
    assert answer.json()["author_organisation"] == "Hôpital A"
    assert Message.objects.get(pk=question_id).answered_at is not None
    case = case_of(decl)
    assert case.waiting_since is None and case.paused_remaining is None
    assert declarant.get(case_url(decl)).json()["awaiting_structure"] is False

    response = act(
        analyst,
        decl,
        "close",
        summary="Restauration depuis les sauvegardes.",
        root_cause="VPN non patché",
        degraded_hours=36,
        patients_affected=120,
        provider="Éditeur PACS",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "closed"
    case = case_of(decl)
    assert (case.state, case.closed_by, case.closure_degraded_hours, case.closure_patients_affected) == (
        "closed",
        world.personas["analyst"],
        36,
        120,
    )
    closed = declarant.get(case_url(decl)).json()
    assert (
        closed["status"] == "Clôturée : la cellule a clos le dossier."
        and closed["closure_summary"] == "Restauration depuis les sauvegardes."
    )

    actions = audit_actions(decl)
    for expected in ("case.transition", "case.escalated", "case.note", "case.question", "case.answer"):
        assert expected in actions
    assert actions.count("case.transition") == 3  # take, qualify, close


def test_the_other_actions(world):
    analyst = world.api("analyst")
    decl_b, decl_c = world.decl_b, world.decl_c

    response = act(analyst, decl_b, "assign", analyst="ANALYSTE@acss.test")
    assert response.status_code == 200 and response.json()["handling"]["assigned_to"] == "analyste@acss.test"
    assert case_of(decl_b).assigned_to == world.personas["analyst"]
    not_cell = act(analyst, decl_b, "assign", analyst="declarant@a.test")
    assert not_cell.json() == {"errors": {"analyst": ["Aucun analyste de la cellule n'a cette adresse."]}}
    unknown = act(analyst, decl_b, "assign", analyst="personne@nulle-part.test")
    assert unknown.status_code == 400 and "analyst" in unknown.json()["errors"]
    assert act(analyst, decl_b, "assign", analyst=None).status_code == 200
    assert case_of(decl_b).assigned_to is None

    too_early = act(analyst, decl_b, "accompany")
    assert too_early.status_code == 400
    assert too_early.json()["errors"]["__all__"] == ["Passage impossible de « Nouvelle » à « En accompagnement »."]
    act(analyst, decl_b, "take")
    act(
        analyst,
        decl_b,
        "qualify",
        criticity=2,
        legal_level="significant",
        justification="Ok",
        sanitary_impact_confirmed=False,
    )
    response = act(analyst, decl_b, "accompany")
    assert response.status_code == 200 and case_of(decl_b).state == "accompaniment"

    missing = act(analyst, decl_c, "merge", into="ACSS-2099-999999")
    assert missing.status_code == 400 and "into" in missing.json()["errors"]
    itself = act(analyst, decl_c, "merge", into=decl_c.reference.lower())
    assert itself.json()["errors"]["__all__"] == ["Une déclaration ne peut pas être le doublon d'elle-même."]
    other_structure = act(analyst, decl_c, "merge", into=world.decl_a.reference)
    assert (
        other_structure.status_code == 400 and "une autre structure" in other_structure.json()["errors"]["__all__"][0]
    )
    survivor = declaration_of_same_structure(decl_c)
    response = act(analyst, decl_c, "merge", into=survivor.reference)
    assert response.status_code == 200 and response.json()["handling"]["merged_into"] == survivor.reference
    case = case_of(decl_c)
    assert case.state == "duplicate" and case.merged_into == survivor

    no_reason = act(analyst, decl_b, "out_of_scope", reason="")
    assert no_reason.json()["errors"]["reason"] == ["Indiquez pourquoi la déclaration est hors du champ."]
    response = act(analyst, decl_b, "out_of_scope", reason="Panne matérielle, pas un incident de sécurité.")
    assert response.status_code == 200 and case_of(decl_b).state == "out_of_scope"
    closed = act(analyst, decl_b, "take")
    assert closed.json()["errors"]["__all__"] == ["Passage impossible de « Hors du champ » à « En qualification »."]


def test_the_structure_declares_the_incident_resolved(world):
    decl = world.decl_a
    refused = act(world.api("analyst"), decl, "resolved")
    assert refused.status_code == 403
    assert refused.json()["errors"]["__all__"] == ["Seule la structure déclare l'incident résolu."]
    response = act(world.api("declarant_a"), decl, "resolved")
    assert response.status_code == 200
    assert response.json()["structure_resolved_at"] is not None and response.json()["handling"] is None
    assert case_of(decl).structure_resolved_at is not None
    assert act(world.api("declarant_b"), decl, "resolved").status_code == 404


def test_parameters_are_validated_in_french(world):
    analyst = world.api("analyst")
    response = act(analyst, world.decl_a, "qualify", criticity=5, legal_level="grave", sanitary_impact_confirmed=True)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["criticity"] == ["La criticité va de « 1 – Mineur » à « 4 – Majeur »."]
    assert "legal_level" in errors and "justification" in errors
    assert "obligatoire" in errors["justification"][0]
    unknown = act(analyst, world.decl_a, "reopen")
    assert unknown.status_code == 400 and "Action inconnue" in unknown.json()["errors"]["action"][0]
    bad_authority = act(analyst, world.decl_a, "escalate", authority_code="police", reason="x")
    assert bad_authority.status_code == 400 and "authority_code" in bad_authority.json()["errors"]
    bad_category = act(
        analyst,
        world.decl_a,
        "qualify",
        criticity=2,
        legal_level="significant",
        justification="x",
        sanitary_impact_confirmed=False,
        category="n-existe-pas",
    )
    assert bad_category.status_code == 400 and "category" in bad_category.json()["errors"]
    assert case_of(world.decl_a).state == "new"


def test_who_may_write_in_the_thread(world):
    decl = world.decl_a
    empty = post_message(world.api("analyst"), decl, "question", "   ")
    assert empty.status_code == 400 and empty.json() == {"errors": {"body": ["Écrivez la question."]}}

    question = post_message(world.api("ars_idf"), decl, "question", "Le plan blanc est-il déclenché ?")
    assert question.status_code == 201 and question.json()["author_organisation"].startswith("ARS")
    assert post_message(world.api("ars_idf"), decl, "note", "Interne").status_code == 403
    denied = post_message(world.api("declarant_a"), decl, "question", "?")
    assert denied.status_code == 403
    assert denied.json()["errors"]["__all__"] == [
        "Seules la cellule et l'ARS de la région posent des questions à la structure."
    ]
    assert post_message(world.api("declarant_a"), decl, "note", "x").status_code == 403
    staff_answer = post_message(world.api("analyst"), decl, "answer", "x", question=question.json()["id"])
    assert staff_answer.status_code == 403
    no_question = post_message(world.api("declarant_a"), decl, "answer", "Oui")
    assert no_question.status_code == 400 and "question" in no_question.json()["errors"]
    other_question = post_message(world.api("analyst"), world.decl_b, "question", "Sur B ?").json()["id"]
    wrong = post_message(world.api("declarant_a"), decl, "answer", "Oui", question=other_question)
    assert wrong.status_code == 400 and "question" in wrong.json()["errors"]
    post_message(world.api("analyst"), decl, "note", "Note de la cellule")

    def kinds(persona: str) -> list[str]:
        return [m["kind"] for m in world.api(persona).get(messages_url(decl)).json()]

    assert kinds("analyst") == ["question", "note"]
    assert kinds("ars_idf") == kinds("declarant_a") == kinds("manager_a") == ["question"]
    assert kinds("dgs") == kinds("fssi") == []  # an authority reads the case, not the thread
    assert Message.objects.filter(declaration=decl).count() == 2


def test_refusals_are_404_for_what_one_cannot_see(world):
    for url in (case_url(world.decl_a), messages_url(world.decl_a)):
        assert world.api("ars_other").get(url).status_code == 404
        assert world.api("declarant_b").get(url).status_code == 404
        assert world.api("ansm").get(url).status_code == 404
        assert world.api("anonymous").get(url).status_code == 401
    assert act(world.api("ars_other"), world.decl_a, "take").status_code == 404
    assert post_message(world.api("ars_other"), world.decl_a, "question", "?").status_code == 404
    assert act(world.api("analyst"), Declaration(reference="ACSS-2099-999999"), "take").status_code == 404
    assert world.api("analyst").get(actions_url(world.decl_a)).status_code == 405
    assert case_of(world.decl_a).state == "new"


def test_the_case_shows_deadlines_to_both_sides(world):
    decl = world.decl_a
    discovered = datetime(2026, 11, 19, 22, 30, tzinfo=PARIS)
    Declaration.objects.filter(pk=decl.pk).update(
        discovered_at=discovered, structure_snapshot={"nis2": "essential"}, confidentiality_loss=True
    )
    for persona in ("declarant_a", "analyst"):
        deadlines = world.api(persona).get(case_url(decl)).json()["regulatory_deadlines"]
        assert datetime.fromisoformat(deadlines["aware_at"]) == discovered
        expected = nis2_deadlines(discovered, tz=PARIS)
        for key in ("early_warning", "notification", "final_report"):
            assert datetime.fromisoformat(deadlines["nis2"][key]) == expected[key]
        assert datetime.fromisoformat(deadlines["cnil"]["notification"]) == cnil_deadline(discovered)
        assert deadlines["cnil"]["notified"] is False

    due = timezone.now() - timedelta(minutes=5)
    Case.objects.filter(declaration=decl).update(qualification_due_at=due)
    staff = world.api("analyst").get(case_url(decl)).json()
    assert datetime.fromisoformat(staff["handling"]["qualification_due_at"]) == due
    assert staff["handling"]["provisional_criticity"] == case_of(decl).provisional_criticity
    assert staff["handling"]["qualification_overdue"] is True

    # No NIS 2 entity, no personal data: no such clocks; without a discovery date, the submission counts.
    plain = world.api("declarant_b").get(case_url(world.decl_b)).json()["regulatory_deadlines"]
    assert plain["nis2"] is None and plain["cnil"] is None
    assert datetime.fromisoformat(plain["aware_at"]) == world.decl_b.submitted_at


def test_staff_reading_a_case_is_audited(world):
    world.api("ars_idf").get(case_url(world.decl_a))
    world.api("declarant_a").get(case_url(world.decl_a))
    events = AuditEvent.objects.filter(action="declaration.viewed", object_id=str(world.decl_a.pk))
    assert [(e.actor_label, e.data) for e in events] == [("agent@ars-idf.test", {"via": "api:case"})]


def test_the_schema_documents_the_handling_api(client, db):
    schema = client.get(reverse("api:schema")).content.decode()
    for path in (
        "/api/v1/dossiers/{reference}/:",
        "/api/v1/dossiers/{reference}/messages/:",
        "/api/v1/dossiers/{reference}/actions/:",
    ):
        assert path in schema
    for component in ("CaseAction:", "CaseQualify:", "CaseEscalate:", "MessageInput:", "Case:", "HandlingErrors:"):
        assert component in schema


def test_the_closing_figures_are_bounded_like_the_declaration_s(world):
    """Hours and patients within what the declaration forms accept: never an integer overflow on PostgreSQL."""
    analyst = world.api("analyst")
    decl = world.decl_c
    act(analyst, decl, "take")
    qualified = act(
        analyst,
        decl,
        "qualify",
        criticity=2,
        legal_level="significant",
        justification="Messagerie indisponible",
        sanitary_impact_confirmed=False,
    )
    assert qualified.status_code == 200, qualified.json()
    for field, limit in (("degraded_hours", 100000), ("patients_affected", 100000000)):
        response = act(analyst, decl, "close", summary="Remédiation faite", **{field: 10**10})
        assert response.status_code == 400
        assert response.json()["errors"] == {
            field: [f"Assurez-vous que cette valeur est inférieure ou égale à {limit}."]
        }
    assert case_of(decl).state != "closed"
    done = act(analyst, decl, "close", summary="Remédiation faite", degraded_hours=100000, patients_affected=100000000)
    assert done.status_code == 200, done.json()
    assert (case_of(decl).closure_degraded_hours, case_of(decl).closure_patients_affected) == (100000, 100000000)
