"""The one access module of the incident (``acss.incidents.access``), seen through the pages and the API.

The declaration's page offers exactly the actions ``allowed_actions`` gives, for each persona who reads the
declaration and each state of the lifecycle; the page and the API refuse the same actions to the same people with
the same French sentence, both with a 403.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from acss.incidents import access
from acss.incidents.models import Case, CaseState
from acss.incidents.rules import TRANSITIONS
from acss.incidents.services import cases as handling

from .html_helpers import attr, elements, page_tree, refusal_of
from .test_access_matrix import SEES_DECL_A


def offered(html: str, reference: str) -> set[str]:
    """The actions the declaration's page offers: its forms (handling, thread, completion) and its links."""
    root = page_tree(html)
    found = set()
    for form in elements(root, "form"):
        target = attr(form, "action") or ""
        if m := re.fullmatch(rf"/declarations/{reference}/traitement/(\w+)/", target):
            found.add(m.group(1))
        elif target == reverse("incidents:message", args=[reference]):
            kind = next(attr(i, "value") for i in elements(form, "input") if attr(i, "name") == "kind")
            found.add(kind)
        elif target == reverse("incidents:complete", args=[reference]):
            found.add(access.COMPLETE)
    for link in elements(root, "a"):
        href = attr(link, "href")
        if href == reverse("incidents:addendum", args=[reference]):
            found.add(access.ADDENDUM)
        elif href == reverse("incidents:situation", args=[reference]):
            found.add(access.SITUATION)
    return found


@pytest.mark.parametrize("state", list(TRANSITIONS))
def test_the_page_offers_exactly_the_allowed_actions(world, state):
    declaration = world.decl_a
    # An open question, so that the structure has something to answer.
    handling.question_ask(declaration=declaration, by=world.personas["analyst"], body="Le standard répond-il ?")
    merged_into = world.decl_b if state == CaseState.DUPLICATE else None
    Case.objects.filter(declaration=declaration).update(state=state, merged_into=merged_into)
    case = Case.objects.get(declaration=declaration)
    for persona in SEES_DECL_A:
        response = world.client(persona).get(reverse("incidents:detail", args=[declaration.reference]))
        assert response.status_code == 200, persona
        allowed = access.allowed_actions(actor_or_user=world.personas[persona], declaration=declaration, case=case)
        assert offered(response.content.decode(), declaration.reference) == set(allowed), (state, persona)
    # The cell's moves are those the lifecycle's table allows from this state, and nothing else.
    analyst = access.allowed_actions(actor_or_user=world.personas["analyst"], declaration=declaration, case=case)
    assert {access.MOVES[a] for a in analyst & set(access.MOVES)} == set(TRANSITIONS[state])


def test_who_may_do_what_on_a_new_case(world):
    """The places, spelled out once: the cell handles, the region's ARS asks, the structure answers and adds,
    the authorities read."""
    actions = {
        p: access.allowed_actions(actor_or_user=world.personas[p], declaration=world.decl_a) for p in SEES_DECL_A
    }
    structure = {"answer", "resolved", "addendum", "situation", "complete"}  # the world's A is a first alert
    assert actions == {
        "declarant_a": structure,
        "manager_a": structure,
        "group_officer": structure,
        "ars_idf": {"question"},
        "analyst": {
            "take",
            "assign",
            "out_of_scope",
            "merge",
            "escalate",
            "note",
            "question",
            "addendum",
            "situation",
            "complete",
        },
        "fssi": set(),
        "dgs": set(),
    }


def test_what_is_resolved_is_not_offered_again(world):
    Case.objects.filter(declaration=world.decl_a).update(structure_resolved_at=timezone.now())
    response = world.client("declarant_a").get(reverse("incidents:detail", args=[world.decl_a.reference]))
    assert "resolved" not in offered(response.content.decode(), world.decl_a.reference)
    assert "Vous avez déclaré l'incident résolu le" in response.content.decode()


# Each action as the page posts it and as the API takes it (the refusal comes before any validation).
def page_post(world, persona: str, action: str):
    ref = world.decl_a.reference
    client = world.client(persona)
    if action in access.HANDLING_ACTIONS or action == access.RESOLVED:
        return client.post(reverse("incidents:action", args=[ref, action]), {})
    if action in (access.QUESTION, access.ANSWER, access.NOTE):
        return client.post(reverse("incidents:message", args=[ref]), {"kind": action, "body": "Bonjour"})
    return client.post(reverse(f"incidents:{action}", args=[ref]), {})


API_ROUTES = {access.ADDENDUM: "api:addendum", access.SITUATION: "api:situation", access.COMPLETE: "api:completion"}


def api_post(world, persona: str, action: str):
    ref = world.decl_a.reference
    client = world.api(persona)
    if action in access.HANDLING_ACTIONS or action == access.RESOLVED:
        url, body = reverse("api:case_actions", args=[ref]), {"action": action}
    elif action in (access.QUESTION, access.ANSWER, access.NOTE):
        url, body = reverse("api:case_messages", args=[ref]), {"kind": action, "body": "Bonjour"}
    else:
        url, body = reverse(API_ROUTES[action], args=[ref]), {}
    return client.post(url, body, content_type="application/json")


@pytest.mark.parametrize("persona", SEES_DECL_A)
def test_the_page_and_the_api_refuse_the_same_actions_in_the_same_words(world, persona):
    refused = sorted(access.ACTIONS - access.actions_of(world.personas[persona], world.decl_a))
    said = {}
    for action in refused:
        page, api = page_post(world, persona, action), api_post(world, persona, action)
        assert (page.status_code, api.status_code) == (403, 403), action
        said[action] = (refusal_of(page.content.decode()), api.json()["errors"]["__all__"])
    assert said == {a: (str(access.REFUSALS[a]), [str(access.REFUSALS[a])]) for a in refused}
    assert (persona in ("fssi", "dgs")) == (set(refused) == access.ACTIONS)  # the authorities only read
    assert Case.objects.get(declaration=world.decl_a).state == CaseState.NEW


def test_a_declaration_one_cannot_read_is_a_404_whatever_the_action(world):
    """Hospital B's manager reads nothing of A: every action on it is the 404 of a missing declaration."""
    for action in sorted(access.ACTIONS):
        assert page_post(world, "declarant_b", action).status_code == 404, action
        assert api_post(world, "declarant_b", action).status_code == 404, action


def test_a_refused_page_action_is_the_dsfr_error_page_with_its_sentence(world):
    response = page_post(world, "ars_idf", "take")
    html = response.content.decode()
    assert response.status_code == 403
    assert "Accès refusé" in html and "Erreur 403" in html
    assert refusal_of(html) == "Seule la cellule ACSS peut faire cela."
