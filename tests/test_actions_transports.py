"""One table of actions (``acss.incidents.actions``): each handling action and each message, sent with the same data
through the page and through the API, leaves the case in the same state or is refused in the same French words.

The page is a logged-in person posting the form and reading the page the redirect leads to (its flash message,
the form drawn again with its errors); the API is the same person's token, with the data as JSON. The page acts
on declaration A, the API on declaration C (both of Île-de-France, seen alike by the cell), and what each leaves
is compared.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import reverse

from acss.core.models import IncidentCategory
from acss.incidents import access, actions
from acss.incidents.models import Case, Declaration, Escalation, Message, MessageKind
from acss.incidents.services import cases as handling

from .conftest import declaration_of_same_structure
from .html_helpers import attr, elements, page_tree

Before = Callable[[object, Declaration], None]
QUESTION = "<the open question of this declaration>"


# --------------------------------------------------------------------------------------------------
# What comes before: the services themselves, the same on both declarations
# --------------------------------------------------------------------------------------------------


def take(world, declaration: Declaration) -> None:
    handling.case_take(case=declaration.case, by=world.personas["analyst"])


def qualify(world, declaration: Declaration) -> None:
    take(world, declaration)
    handling.case_qualify(
        case=declaration.case,
        by=world.personas["analyst"],
        criticity=2,
        legal_level="significant",
        justification="Messagerie indisponible",
        sanitary_impact_confirmed=False,
    )


def assign(world, declaration: Declaration) -> None:
    handling.case_assign(case=declaration.case, analyst=world.personas["analyst"], by=world.personas["analyst"])


def escalate(world, declaration: Declaration) -> None:
    handling.case_escalate(
        case=declaration.case, by=world.personas["analyst"], authority_code="ansm", reason="Dispositif médical"
    )


def disable_ransomware(world, declaration: Declaration) -> None:
    IncidentCategory.objects.filter(code="rancongiciel").update(active=False)


def ask(world, declaration: Declaration) -> None:
    handling.question_ask(declaration=declaration, by=world.personas["analyst"], body="Les sauvegardes ?")


# --------------------------------------------------------------------------------------------------
# One action or message, through either transport
# --------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    done: bool
    said: str  # the page as read after the redirect, or the API's JSON, unescaped
    errors: dict = field(default_factory=dict)  # the API's « errors »; for the page, none


def page_value(value) -> str:
    """A JSON value as the page's form posts it: a boolean is the radio's « yes » / « no », null nothing."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


def with_question(data: dict, declaration: Declaration) -> dict:
    if data.get("question") != QUESTION:
        return data
    question = Message.objects.get(declaration=declaration, kind=MessageKind.QUESTION)
    return {**data, "question": question.pk}


def send(world, transport: str, persona: str, declaration: Declaration, what: str, data: dict) -> Outcome:
    """``what``: an action's name, or « message » (``data`` then says its kind)."""
    data = with_question(data, declaration)
    if data.get("into") == "SAME-STRUCTURE":  # another declaration of its structure, as typed: any case, spaces
        target = declaration_of_same_structure(declaration, number=1 if transport == "page" else 2)
        data = {**data, "into": f" {target.reference.lower()} "}
    if transport == "page":
        if what == "message":
            url = reverse("incidents:message", args=[declaration.reference])
        else:
            url = reverse("incidents:action", args=[declaration.reference, what])
        response = world.client(persona).post(url, {k: page_value(v) for k, v in data.items()}, follow=True)
        assert response.status_code == 200, response.status_code
        levels = [m.level_tag for m in response.context["messages"]]
        assert len(levels) == 1, levels
        return Outcome(levels == ["success"], html.unescape(response.content.decode()))
    if what == "message":
        url, body = reverse("api:case_messages", args=[declaration.reference]), data
    else:
        url, body = reverse("api:case_actions", args=[declaration.reference]), {"action": what, **data}
    response = world.api(persona).post(url, body, content_type="application/json")
    assert response.status_code in (200, 201, 400), response.content
    answer = response.json()
    return Outcome(response.status_code in (200, 201), str(answer), answer.get("errors", {}))


def snapshot(declaration: Declaration) -> dict:
    """What the case and its thread hold, without what names the declaration itself."""
    case = Case.objects.select_related("assigned_to", "merged_into").get(declaration=declaration)
    return {
        "state": case.state,
        "assigned_to": case.assigned_to.email if case.assigned_to else None,
        "criticity": case.criticity,
        "legal_level": case.legal_level,
        "justification": case.justification,
        "sanitary_impact_confirmed": case.sanitary_impact_confirmed,
        "category": case.category_id,
        "rsit": case.rsit,
        "closure": (case.closure_summary, case.closure_degraded_hours),
        # Into another declaration of the same structure (each twin has its own): told by its title.
        "merged_into": case.merged_into.title.split(",")[0] if case.merged_into else None,
        "structure_resolved": case.structure_resolved_at is not None,
        "waiting": case.waiting_since is not None,
        "escalations": sorted(
            Escalation.objects.filter(declaration=declaration).values_list("authority__authority_code", "reason")
        ),
        "thread": [
            (m.kind, m.body, m.author.email, m.question.body if m.question else None)
            for m in Message.objects.filter(declaration=declaration).select_related("author", "question")
        ],
    }


@pytest.fixture
def twins(world):
    """Declarations A (for the page) and C (for the API), alike: A loses the escalation the shared world gives it."""
    Escalation.objects.filter(declaration=world.decl_a).delete()
    return world.decl_a, world.decl_c


# --------------------------------------------------------------------------------------------------
# Done the same
# --------------------------------------------------------------------------------------------------

DONE = [  # (id, persona, what, what comes before, data as JSON, what the case holds after)
    ("take", "analyst", "take", [], {}, {"state": "qualifying", "assigned_to": "analyste@acss.test"}),
    ("assign", "analyst", "assign", [], {"analyst": "ANALYSTE@acss.test"}, {"assigned_to": "analyste@acss.test"}),
    ("assign-nobody", "analyst", "assign", [assign], {"analyst": None}, {"assigned_to": None}),
    (
        "qualify",
        "analyst",
        "qualify",
        [take],
        {
            "criticity": 3,
            "legal_level": "serious",
            "sanitary_impact_confirmed": False,
            "justification": "PACS chiffré",
            "category": "rancongiciel",
        },
        {
            "state": "qualified",
            "criticity": 3,
            "legal_level": "serious",
            "sanitary_impact_confirmed": False,
            "justification": "PACS chiffré",
            "category": "rancongiciel",
        },
    ),
    (
        "qualify-impact",
        "analyst",
        "qualify",
        [take],
        {"criticity": 4, "legal_level": "serious", "sanitary_impact_confirmed": True, "justification": "Urgences"},
        {"state": "qualified", "criticity": 4, "sanitary_impact_confirmed": True, "category": None},
    ),
    ("accompany", "analyst", "accompany", [qualify], {}, {"state": "accompaniment"}),
    (
        "close",
        "analyst",
        "close",
        [qualify],
        {"summary": "Restauré depuis les sauvegardes.", "degraded_hours": 12},
        {"state": "closed", "closure": ("Restauré depuis les sauvegardes.", 12)},
    ),
    ("out_of_scope", "analyst", "out_of_scope", [], {"reason": "Panne matérielle"}, {"state": "out_of_scope"}),
    ("merge", "analyst", "merge", [], {"into": "SAME-STRUCTURE"}, {"state": "duplicate"}),
    (
        "escalate",
        "analyst",
        "escalate",
        [],
        {"authority_code": "ansm", "reason": "Dispositif médical"},
        {"escalations": [("ansm", "Dispositif médical")]},
    ),
    ("resolved", "group_officer", "resolved", [], {}, {"structure_resolved": True}),
    (
        "question",
        "analyst",
        "message",
        [],
        {"kind": "question", "body": "Les sauvegardes ?"},
        {"waiting": True, "thread": [("question", "Les sauvegardes ?", "analyste@acss.test", None)]},
    ),
    (
        "answer",
        "group_officer",
        "message",
        [ask],
        {"kind": "answer", "question": QUESTION, "body": "Intactes"},
        {
            "waiting": False,
            "thread": [
                ("question", "Les sauvegardes ?", "analyste@acss.test", None),
                ("answer", "Intactes", "rssi@ght.test", "Les sauvegardes ?"),
            ],
        },
    ),
    (
        "note",
        "analyst",
        "message",
        [],
        {"kind": "note", "body": "Piste VPN"},
        {"thread": [("note", "Piste VPN", "analyste@acss.test", None)]},
    ),
]


@pytest.mark.parametrize(
    ("persona", "what", "before", "data", "after"), [pytest.param(*row[1:], id=row[0]) for row in DONE]
)
def test_an_action_through_the_page_and_through_the_api_leaves_the_same_case(
    world, twins, persona, what, before, data, after
):
    by_page, by_api = twins
    for step in before:
        step(world, by_page)
        step(world, by_api)
    page = send(world, "page", persona, by_page, what, data)
    api = send(world, "api", persona, by_api, what, data)
    assert page.done and api.done, (page.said[-2000:], api.said)
    assert snapshot(by_page) == snapshot(by_api)
    held = snapshot(by_page)
    assert {name: held[name] for name in after} == after
    if what == "merge":  # each into another declaration of its own structure, typed in lower case with spaces
        assert Case.objects.get(declaration=by_page).merged_into.reference == "ACSS-2026-000901"
        assert Case.objects.get(declaration=by_api).merged_into.reference == "ACSS-2026-000902"


# --------------------------------------------------------------------------------------------------
# Refused the same
# --------------------------------------------------------------------------------------------------

VALID_QUALIFICATION = {
    "criticity": 3,
    "legal_level": "serious",
    "sanitary_impact_confirmed": True,
    "justification": "PACS chiffré",
    "category": "rancongiciel",
}

REFUSED = [  # (id, persona, what, what comes before, data as JSON, the field (None: the whole), the French message)
    (
        "qualify-no-justification",
        "analyst",
        "qualify",
        [take],
        {**VALID_QUALIFICATION, "justification": "  "},
        "justification",
        "La justification de la qualification est obligatoire.",
    ),
    (
        "qualify-criticity-out-of-range",
        "analyst",
        "qualify",
        [take],
        {**VALID_QUALIFICATION, "criticity": 5},
        "criticity",
        str(handling.CRITICITY_RANGE),
    ),
    (
        "qualify-disabled-category",
        "analyst",
        "qualify",
        [take, disable_ransomware],
        VALID_QUALIFICATION,
        "category",
        "Sélectionnez un choix valide. Ce choix ne fait pas partie de ceux disponibles.",
    ),
    (
        "close-no-summary",
        "analyst",
        "close",
        [qualify],
        {"summary": ""},
        "summary",
        "La synthèse de clôture est obligatoire.",
    ),
    (
        "assign-not-an-analyst",
        "analyst",
        "assign",
        [],
        {"analyst": "declarant@a.test"},
        "analyst",
        "Aucun analyste de la cellule n'a cette adresse.",
    ),
    (
        "merge-unknown-reference",
        "analyst",
        "merge",
        [],
        {"into": "ACSS-2099-999999"},
        "into",
        "Aucune déclaration de ce numéro ne vous est visible.",
    ),
    (
        "escalate-twice",
        "analyst",
        "escalate",
        [escalate],
        {"authority_code": "ansm", "reason": "Encore"},
        None,
        "La déclaration a déjà été transmise à ANSM.",
    ),
    (
        "question-empty",
        "analyst",
        "message",
        [],
        {"kind": "question", "body": "   "},
        "body",
        "Écrivez la question.",
    ),
    (
        "answer-no-such-question",
        "group_officer",
        "message",
        [],
        {"kind": "answer", "question": 999999, "body": "Intactes"},
        "question",
        "Cette question n'existe pas sur cette déclaration.",
    ),
]


@pytest.mark.parametrize(
    ("persona", "what", "before", "data", "field_name", "message"),
    [pytest.param(*row[1:], id=row[0]) for row in REFUSED],
)
def test_an_action_refused_through_the_page_and_through_the_api_says_the_same(
    world, twins, persona, what, before, data, field_name, message
):
    by_page, by_api = twins
    for step in before:
        step(world, by_page)
        step(world, by_api)
    message = message.replace("ANSM", by_page.escalations.get().authority.name) if what == "escalate" else message
    held = snapshot(by_page), snapshot(by_api)
    page = send(world, "page", persona, by_page, what, data)
    api = send(world, "api", persona, by_api, what, data)
    assert not page.done and not api.done
    assert message in page.said, page.said[-3000:]
    assert api.errors == {field_name or "__all__": [message]}
    assert (snapshot(by_page), snapshot(by_api)) == held


def test_the_page_shows_again_a_reference_it_could_not_find_with_its_error(world, twins):
    """The reference typed is kept in the merge form, the field's error under it: not a 404 page."""
    by_page, _by_api = twins
    client = world.client("analyst")
    url = reverse("incidents:action", args=[by_page.reference, "merge"])
    response = client.post(url, {"into": "ACSS-2099-999999"}, follow=True)
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == ["Action non enregistrée : corrigez les champs signalés."]
    (merge_input,) = [i for i in elements(page_tree(response.content.decode()), "input") if attr(i, "name") == "into"]
    assert attr(merge_input, "value") == "ACSS-2099-999999"
    # Drawn once: the next rendering of the page has the form empty again.
    again = client.get(reverse("incidents:detail", args=[by_page.reference])).content.decode()
    assert "Aucune déclaration de ce numéro ne vous est visible." not in html.unescape(again)


def test_the_page_names_analysts_by_address_and_shows_the_one_assigned(world, twins):
    by_page, _by_api = twins
    assign(world, by_page)
    page = world.client("analyst").get(reverse("incidents:detail", args=[by_page.reference])).content.decode()
    (select,) = [s for s in elements(page_tree(page), "select") if attr(s, "name") == "analyst"]
    options = {attr(o, "value"): attr(o, "selected") is not None for o in elements(select, "option")}
    assert options[""] is False and options["analyste@acss.test"] is True


def test_the_table_has_every_action_and_every_kind_of_message():
    assert set(actions.ACTIONS) == {*access.HANDLING_ACTIONS, access.RESOLVED}
    # « information » is written by the cell to every victim of a provider's incident, not posted on one thread
    assert set(actions.MESSAGES) == set(MessageKind.values) - {MessageKind.INFORMATION}


def test_every_entry_of_the_table_is_run_over_both_transports():
    """A new action (or kind of message) added to the table without its case here fails the suite."""
    covered = {row[4]["kind"] if row[2] == "message" else row[2] for row in DONE}
    assert covered >= set(actions.ACTIONS) | set(actions.MESSAGES), sorted(
        (set(actions.ACTIONS) | set(actions.MESSAGES)) - covered
    )
