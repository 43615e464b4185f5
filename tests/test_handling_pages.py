"""The handling pages in words: one criticity vocabulary, the state after closure in the lists, success messages
that say what was done."""

from __future__ import annotations

import pytest
from django.urls import reverse

from acss.core.errors import Refusal
from acss.incidents.forms.cases import QualifyForm
from acss.incidents.models import Case, CaseState, Criticity, Declaration, Message
from acss.incidents.rules import declaration_status
from acss.incidents.services import cases as handling

from .conftest import declaration_of_same_structure
from .html_helpers import elements, page_tree, text

LABELS = ["1 – Mineur", "2 – Significatif", "3 – Grave", "4 – Majeur"]
OLD_WORDS = ["— mineur", "— significatif", "— grave", "— majeur", "sévère", "élevé", "critique"]


def qualify(world, declaration, criticity=3):
    analyst = world.personas["analyst"]
    case = declaration.case
    handling.case_take(case=case, by=analyst)
    handling.case_qualify(
        case=case,
        by=analyst,
        criticity=criticity,
        legal_level="serious",
        justification="Urgences en mode dégradé",
        sanitary_impact_confirmed=True,
    )
    return case


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- criticity --------------------------------------------------------------------------------------


def test_one_criticity_scale():
    assert [label for _, label in Criticity.choices] == LABELS
    assert [str(label) for _, label in QualifyForm.base_fields["criticity"].choices] == LABELS


def test_the_queue_and_the_handling_panel_use_the_criticity_labels(world):
    qualify(world, world.decl_a, criticity=4)
    analyst = world.client("analyst")
    queue = analyst.get(reverse("incidents:queue")).content.decode()
    tree = page_tree(queue)
    (select,) = [s for s in elements(tree, "select") if ("name", "criticity") in s.attributes]
    assert [text(o) for o in elements(select, "option")][1:] == list(reversed(LABELS))
    cells = [text(td) for td in elements(tree, "td")]
    assert "4 – Majeur" in cells  # the analyst's criticity
    assert any(c.startswith("1 – Mineur") and "provisoire" in c for c in cells)  # the provisional one

    taken = world.decl_b
    handling.case_take(case=taken.case, by=world.personas["analyst"])
    panel = analyst.get(reverse("incidents:detail", args=[taken.reference])).content.decode()
    for label in LABELS:  # the qualification form's choices
        assert f">{label}</label>" in panel
    assert "1 – Mineur" in panel and "provisoire" in panel
    done = analyst.get(reverse("incidents:detail", args=[world.decl_a.reference])).content.decode()
    assert "4 – Majeur" in done and "niveau légal : Grave" in done
    for page in (queue, panel, done):
        for word in OLD_WORDS:
            assert word not in page, word


def test_the_ars_board_uses_the_criticity_labels(world):
    qualify(world, world.decl_a, criticity=2)
    board = world.client("ars_idf").get(reverse("incidents:ars_board")).content.decode()
    assert "2 – Significatif" in board and "1 – Mineur" in board  # A qualified, C provisional
    for word in OLD_WORDS:
        assert word not in board, word


def test_a_criticity_out_of_the_scale_is_refused_with_its_labels(world):
    case = world.decl_a.case
    handling.case_take(case=case, by=world.personas["analyst"])
    with pytest.raises(Refusal, match="« 1 – Mineur » à « 4 – Majeur »"):
        handling.case_qualify(
            case=case,
            by=world.personas["analyst"],
            criticity=5,
            legal_level="serious",
            justification="x",
            sanitary_impact_confirmed=False,
        )


# --- the status after closure -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "pending", "label", "level"),
    [
        (CaseState.NEW, True, "Alerte à compléter", "warning"),
        (CaseState.NEW, False, "Déposée", "info"),
        (CaseState.QUALIFYING, False, "En qualification", "info"),
        (CaseState.ACCOMPANIMENT, True, "Alerte à compléter", "warning"),
        (CaseState.CLOSED, True, "Clôturée", "success"),
        (CaseState.OUT_OF_SCOPE, False, "Hors du champ", ""),
        (CaseState.DUPLICATE, True, "Doublon fusionné", ""),
    ],
)
def test_the_display_status(world, state, pending, label, level):
    Case.objects.filter(declaration=world.decl_a).update(
        state=state, merged_into=world.decl_b if state == CaseState.DUPLICATE else None
    )
    Declaration.objects.filter(pk=world.decl_a.pk).update(completed_at=None if pending else world.decl_a.submitted_at)
    declaration = Declaration.objects.select_related("case").get(pk=world.decl_a.pk)
    status = declaration_status(declaration)
    assert (status.label, status.level) == (label, level)
    assert declaration.display_status == status


def test_the_lists_show_the_state_after_closure(world):
    analyst = world.personas["analyst"]
    case = qualify(world, world.decl_a)
    handling.case_close(case=case, by=analyst, summary="Restauré depuis les sauvegardes")
    handling.case_out_of_scope(case=world.decl_c.case, by=analyst, reason="Panne matérielle sans lien avec la SSI")
    html = world.client("group_officer").get(reverse("incidents:list")).content.decode()  # acts for A and C
    rows = {text(tr).split()[0]: text(tr) for tr in elements(page_tree(html), "tr") if "ACSS-" in text(tr)}
    assert "Clôturée" in rows[world.decl_a.reference] and "Déposée" not in rows[world.decl_a.reference]
    assert "Hors du champ" in rows[world.decl_c.reference]
    detail = world.client("declarant_a").get(reverse("incidents:detail", args=[world.decl_a.reference]))
    assert '<span class="fr-badge fr-badge--success">Clôturée</span>' in detail.content.decode()


# --- success messages ---------------------------------------------------------------------------------


def test_each_action_says_what_was_done(world):
    analyst, group = world.client("analyst"), world.client("group_officer")
    ref = world.decl_c.reference
    action = lambda name: reverse("incidents:action", args=[ref, name])  # noqa: E731
    message = reverse("incidents:message", args=[ref])

    def done(client, url, data=None):
        return messages_of(client.post(url, data or {}, follow=True))

    assert done(analyst, action("take")) == ["Dossier pris en charge : la qualification commence."]
    assert done(analyst, action("assign"), {"analyst": world.personas["analyst"].email}) == [
        f"Dossier assigné à {world.personas['analyst'].display_name}."
    ]
    qualification = {
        "criticity": "3",
        "legal_level": "serious",
        "sanitary_impact_confirmed": "yes",
        "justification": "Urgences en mode dégradé",
    }
    assert done(analyst, action("qualify"), qualification) == ["Qualification enregistrée."]
    assert done(analyst, action("escalate"), {"authority_code": "dgs", "reason": "Impact sanitaire"}) == [
        "Dossier transmis à la DGS."
    ]
    assert done(analyst, message, {"kind": "question", "body": "Les sauvegardes ?"}) == [
        "Question envoyée à la structure."
    ]
    assert done(analyst, message, {"kind": "note", "body": "À rappeler demain"}) == [
        "Note interne ajoutée (visible de la cellule seulement)."
    ]
    question = Message.objects.get(declaration=world.decl_c, kind="question")
    assert done(group, message, {"kind": "answer", "question": question.pk, "body": "Intactes"}) == [
        "Réponse envoyée à la cellule."
    ]
    assert done(analyst, action("accompany")) == ["Accompagnement de la structure commencé."]
    assert done(group, action("resolved")) == ["Incident déclaré résolu : la cellule va clore le dossier."]
    assert done(analyst, action("close"), {"summary": "Remédiation faite"}) == ["Dossier clos."]


def test_an_answer_to_the_ars_says_so(world):
    ref = world.decl_a.reference
    message = reverse("incidents:message", args=[ref])
    world.client("ars_idf").post(message, {"kind": "question", "body": "Le standard est-il joignable ?"})
    question = Message.objects.get(declaration=world.decl_a, kind="question")
    response = world.client("declarant_a").post(
        message, {"kind": "answer", "question": question.pk, "body": "Oui"}, follow=True
    )
    assert messages_of(response) == [f"Réponse envoyée à {question.author_organisation.name}."]


def test_merge_and_out_of_scope_messages(world):
    analyst = world.client("analyst")
    survivor = declaration_of_same_structure(world.decl_b)
    merge = reverse("incidents:action", args=[world.decl_b.reference, "merge"])
    response = analyst.post(merge, {"into": survivor.reference.lower()}, follow=True)
    assert messages_of(response) == [f"Dossier fusionné comme doublon de la déclaration {survivor.reference}."]
    oos = reverse("incidents:action", args=[world.decl_c.reference, "out_of_scope"])
    assert messages_of(analyst.post(oos, {"reason": "Hors SSI"}, follow=True)) == ["Dossier classé hors du champ."]


def test_the_closing_figures_are_bounded_like_the_declaration_s(world):
    """The close form refuses what no column holds (PostgreSQL would overflow), in French, and closes nothing."""
    qualify(world, world.decl_a)
    analyst = world.client("analyst")
    close = reverse("incidents:action", args=[world.decl_a.reference, "close"])
    for field, limit in (("degraded_hours", "100000"), ("patients_affected", "100000000")):
        response = analyst.post(close, {"summary": "Remédiation faite", field: str(10**10)}, follow=True)
        assert messages_of(response) == ["Action non enregistrée : corrigez les champs signalés."]
        assert f"Assurez-vous que cette valeur est inférieure ou égale à {limit}." in response.content.decode()
        assert Case.objects.get(declaration=world.decl_a).state != CaseState.CLOSED
    done = analyst.post(
        close,
        {"summary": "Remédiation faite", "degraded_hours": "100000", "patients_affected": "100000000"},
        follow=True,
    )
    assert messages_of(done) == ["Dossier clos."]
    case = Case.objects.get(declaration=world.decl_a)
    assert (case.state, case.closure_degraded_hours, case.closure_patients_affected) == (
        CaseState.CLOSED,
        100000,
        100000000,
    )
