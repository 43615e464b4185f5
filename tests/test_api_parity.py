"""Whatever a page lets a person do, the API does too: the same input through the page and through the API gives
the same rows and the same French messages, and a retry with the same key writes once.

Each scenario runs over both transports (``page``: the session of a logged-in person, ``api``: a token), from the
same data; the tests with ``world`` alone are also replayed against the OpenAPI schema (tests/test_api_schema.py).
"""

from __future__ import annotations

import html
import re
import uuid

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from acss.accounts.models import Organisation
from acss.core.models import AuditEvent, IncidentCategory
from acss.incidents.forms.declarations import STEPS, QuickAlertForm
from acss.incidents.models import (
    Addendum,
    Case,
    Declaration,
    DeclarationDraft,
    Escalation,
    KeyedAction,
    Message,
    SituationUpdate,
)
from acss.incidents.services import cases as handling
from acss.incidents.services import declarations as services

from . import test_api_intake as intake_scenarios
from .conftest import declaration_of_same_structure
from .html_helpers import refusal_of
from .intake_helpers import api_payload, at_paris, full_data

concurrent_commit = intake_scenarios.concurrent_commit  # the fixture, shared

TRANSPORTS = ["page", "api"]
REUSED = {"detail": "Cette clé d'idempotence a déjà servi pour une autre requête."}
ALREADY_COMPLETE = "Cette déclaration est déjà complète : ajoutez plutôt un complément."


def flashes(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def audited(declaration: Declaration, action: str) -> int:
    return AuditEvent.objects.filter(
        action=action, object_type="declarations.declaration", object_id=str(declaration.pk)
    ).count()


# --------------------------------------------------------------------------------------------------
# What a full declaration offers: the same fields on the page and in the API
# --------------------------------------------------------------------------------------------------


def test_the_full_declaration_offers_the_same_fields_on_the_page_and_in_the_api():
    """« Incident majeur » belongs to the first alert, on the page as in the API; the five steps of the full
    declaration (and of a completion) do not ask it, in either."""
    from .test_api_schema import component, openapi

    schema = openapi()
    step_fields = {name for step in STEPS for name in step.base_fields}
    assert set(component(schema, "DeclarationInput")["properties"]) == step_fields
    assert "is_major" not in step_fields
    assert "is_major" in component(schema, "QuickAlertInput")["properties"]
    assert set(component(schema, "QuickAlertInput")["properties"]) == set(QuickAlertForm.base_fields)
    completion = schema["paths"]["/api/v1/declarations/{reference}/completion/"]["post"]
    body = completion["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/DeclarationInput"}


# --------------------------------------------------------------------------------------------------
# Completing a quick alert
# --------------------------------------------------------------------------------------------------


def quick_alert(world, structure=None) -> Declaration:
    """A first alert, « incident majeur » ticked, as the declarant of A sends it."""
    return services.quick_alert_submit(
        by=world.personas["declarant_a"],
        structure=structure or world.structure_a,
        summary="Écrans bloqués, demande de rançon aux urgences",
        since=at_paris(2026, 11, 20, 2, 50),
        care_impact="interrupted",
        phone="06 12 34 56 78",
        is_major=True,
        idempotency_key=f"alert:{uuid.uuid4().hex}",
    ).row


def complete(world, transport: str, declaration: Declaration, changes: dict | None = None, key=None):
    """Complete ``declaration`` with the full declaration's data (and ``changes``): the field errors, {} when done."""
    changes = changes or {}
    if transport == "page":
        client = world.client("declarant_a")
        client.post(reverse("incidents:complete", args=[declaration.reference]))
        draft = DeclarationDraft.objects.get(completes=declaration, submitted__isnull=True)
        data = {**full_data(declaration.structure), **changes}
        errors = {}
        for number, step in enumerate(STEPS, start=1):
            fields = {name: data[name] for name in step.base_fields if name in data and data[name] is not None}
            page = client.post(reverse("incidents:draft_step", args=[draft.key, number]), {**fields, "nav": "next"})
            if page.status_code == 200:
                errors.update({k: list(v) for k, v in page.context["form"].errors.items()})
        if errors:
            return errors
        done = client.post(reverse("incidents:draft_submit", args=[draft.key]))
        assert done.url == reverse("incidents:receipt", args=[declaration.reference])
        return {}
    body = {**api_payload(declaration.structure), **{k: (True if v == "on" else v) for k, v in changes.items()}}
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    response = world.api("declarant_a").post(
        reverse("api:completion", args=[declaration.reference]), body, content_type="application/json", **headers
    )
    if response.status_code == 400:
        return response.json()["errors"]
    assert response.status_code == 201, response.content
    assert response.json()["reference"] == declaration.reference
    return {}


def declaration_content(declaration: Declaration) -> dict:
    declaration.refresh_from_db()
    content = {
        name: getattr(declaration, name) for name in services.CONTENT_FIELDS if name not in ("category", "vector")
    }
    content.update(
        category=declaration.category_id,
        vector=declaration.vector_id,
        systems=sorted(declaration.systems.values_list("code", flat=True)),
        data_categories=sorted(declaration.data_categories.values_list("code", flat=True)),
        alert=(declaration.alert_summary, declaration.alert_since, declaration.alert_care_impact),
        callback_phone=declaration.callback_phone,
        is_major=declaration.is_major,
        completed=declaration.completed_at is not None,
        provisional_criticity=Case.objects.get(declaration=declaration).provisional_criticity,
        audited=audited(declaration, "declaration.completed"),
    )
    return content


def test_a_quick_alert_completed_through_the_page_and_through_the_api_is_the_same(world):
    by_page, by_api = quick_alert(world), quick_alert(world)
    assert complete(world, "page", by_page) == {}
    assert complete(world, "api", by_api, key="c-1") == {}
    page, api = declaration_content(by_page), declaration_content(by_api)
    assert page == api
    assert page["title"] == "Rançongiciel sur le PACS" and page["systems"] == ["annuaire", "imagerie-pacs"]
    # What the alert said is kept, « incident majeur » with it; completed once, audited once.
    assert page["is_major"] is True and page["alert"][2] == "interrupted" and page["callback_phone"] == "06 12 34 56 78"
    assert page["completed"] is True and page["audited"] == 1
    assert Declaration.objects.count() == 5  # the three of the world and these two: no new declaration


INVALID_COMPLETIONS = {  # what is wrong: the changes to the valid data
    "a discovery in the future": {"discovered_at": "2099-01-01T00:00"},
    "a discovery before the occurrence": {"occurred_at": "2026-11-20T04:00", "discovered_at": "2026-11-20T03:00"},
    "a typology of the wrong origin": {"origin": "non_malicious", "category": "rancongiciel"},
    "a shared provider unnamed": {"scope": "shared_provider", "provider_name": ""},
    "health products unnamed": {"health_products": "on", "health_products_details": ""},
    "an unreachable phone": {"declarant_phone": "12"},
    "no title": {"title": ""},
    "hours out of bounds": {"degraded_hours": "-1"},
    "another structure": {"structure": "STRUCTURE-B"},
}


@pytest.mark.parametrize("case", list(INVALID_COMPLETIONS))
def test_a_completion_is_refused_with_the_same_french_messages_on_the_page_and_in_the_api(world, case):
    changes = dict(INVALID_COMPLETIONS[case])
    if changes.get("structure") == "STRUCTURE-B":
        changes["structure"] = world.structure_c.finess_et  # one the declarant of A may not use for this alert
    by_page, by_api = quick_alert(world), quick_alert(world)
    page_errors = complete(world, "page", by_page, changes)
    api_errors = complete(world, "api", by_api, changes)
    assert page_errors and page_errors == api_errors, (page_errors, api_errors)
    for declaration in (by_page, by_api):
        declaration.refresh_from_db()
        assert declaration.is_quick_alert_pending and declaration.title == ""


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_declaration_already_complete_is_refused_in_the_same_words(world, transport):
    declaration = quick_alert(world)
    assert complete(world, "api", declaration) == {}
    if transport == "page":
        response = world.client("declarant_a").post(
            reverse("incidents:complete", args=[declaration.reference]), follow=True
        )
        assert flashes(response) == [ALREADY_COMPLETE]
    else:
        response = world.api("declarant_a").post(
            reverse("api:completion", args=[declaration.reference]),
            api_payload(world.structure_a),
            content_type="application/json",
        )
        assert response.status_code == 409 and response.json() == {"detail": ALREADY_COMPLETE}
    assert audited(declaration, "declaration.completed") == 1


def test_a_completion_sent_again_with_its_key_answers_200(world):
    declaration = quick_alert(world)
    api = world.api("declarant_a")
    url = reverse("api:completion", args=[declaration.reference])
    first = api.post(url, api_payload(world.structure_a), content_type="application/json", HTTP_IDEMPOTENCY_KEY="c")
    assert first.status_code == 201, first.content
    # The retry is not read again (as a declaration's): even an empty body gives back the completed declaration.
    retry = api.post(url, {}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="c")
    assert retry.status_code == 200 and retry.json() == first.json()
    assert audited(declaration, "declaration.completed") == 1
    # Without the key, or with another, it is already complete.
    other = api.post(url, api_payload(world.structure_a), content_type="application/json", HTTP_IDEMPOTENCY_KEY="d")
    assert other.status_code == 409 and other.json() == {"detail": ALREADY_COMPLETE}
    # The same key on another alert is another request: refused, nothing of the first named.
    second_alert = quick_alert(world)
    reused = api.post(
        reverse("api:completion", args=[second_alert.reference]),
        api_payload(world.structure_a),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="c",
    )
    assert reused.status_code == 409 and reused.json() == REUSED
    assert declaration.reference not in reused.content.decode()
    second_alert.refresh_from_db()
    assert second_alert.is_quick_alert_pending


def test_a_completion_is_for_those_who_may_write_on_the_declaration(world):
    declaration = quick_alert(world)
    url = reverse("api:completion", args=[declaration.reference])
    # 404 for who does not read the alert (the DGS was not told of it); 403 for who reads it but may not add to it.
    refused = {"declarant_b": 404, "dgs": 404, "ars_idf": 403, "fssi": 403}
    message = "Seules la structure et la cellule ACSS complètent une déclaration."
    for persona, code in refused.items():
        response = world.api(persona).post(url, api_payload(world.structure_a), content_type="application/json")
        assert response.status_code == code, persona
        if code == 403:
            assert response.json() == {"errors": {"__all__": [message]}}, persona
    declaration.refresh_from_db()
    assert declaration.is_quick_alert_pending


def test_completing_another_hospitals_alert_is_a_404_that_changes_nothing(world):
    """The declarant of B, naming its own structure (one it acts for), cannot read A's alert: a 404, as for a
    missing one, never a field error that would tell the alert exists; nothing is written."""
    declaration = quick_alert(world)
    response = world.api("declarant_b").post(
        reverse("api:completion", args=[declaration.reference]),
        api_payload(world.structure_b),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="b-1",
    )
    assert response.status_code == 404
    assert "errors" not in response.json()
    declaration.refresh_from_db()
    assert declaration.is_quick_alert_pending and declaration.title == ""
    assert audited(declaration, "declaration.completed") == 0
    assert not KeyedAction.objects.filter(idempotency_key__endswith=":b-1").exists()


def test_twin_completions_racing_give_one_completion(world, concurrent_commit):
    declaration = quick_alert(world)
    api = world.api("declarant_a")
    url = reverse("api:completion", args=[declaration.reference])
    first = api.post(url, api_payload(world.structure_a), content_type="application/json", HTTP_IDEMPOTENCY_KEY="t")
    with concurrent_commit():
        twin = api.post(url, api_payload(world.structure_a), content_type="application/json", HTTP_IDEMPOTENCY_KEY="t")
    assert (first.status_code, twin.status_code) == (201, 200)
    assert audited(declaration, "declaration.completed") == 1


# --------------------------------------------------------------------------------------------------
# Complements and situation updates
# --------------------------------------------------------------------------------------------------


def add(world, transport: str, what: str, declaration: Declaration, data: dict, files=(), key: str = "k"):
    """A complement or a situation update through the page or the API: (its errors, the rows of that kind)."""
    if transport == "page":
        name = {"addendum": "incidents:addendum", "situation": "incidents:situation"}[what]
        payload = {**data, "submission_key": key}
        if files:
            payload["files"] = [SimpleUploadedFile(n, c, content_type="text/plain") for n, c in files]
        response = world.client("declarant_a").post(reverse(name, args=[declaration.reference]), payload)
        errors = {k: list(v) for k, v in response.context["form"].errors.items()} if response.status_code == 200 else {}
    else:
        name = {"addendum": "api:addendum", "situation": "api:situation"}[what]
        url = reverse(name, args=[declaration.reference])
        if files:
            uploads = [SimpleUploadedFile(n, c, content_type="text/plain") for n, c in files]
            response = world.api("declarant_a").post(url, {**data, "files": uploads}, HTTP_IDEMPOTENCY_KEY=key)
        else:
            response = world.api("declarant_a").post(
                url, data, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
            )
        errors = response.json().get("errors", {}) if response.status_code == 400 else {}
    return errors


def complements(declaration: Declaration) -> list[tuple]:
    return [
        (a.kind, a.body, a.author.email, sorted((f.original_name, f.sha256) for f in a.attachments.all()))
        for a in Addendum.objects.filter(declaration=declaration).order_by("pk")
    ]


def situations(declaration: Declaration) -> list[tuple]:
    return [
        (s.situation, s.effective_at, s.note, s.author.email)
        for s in SituationUpdate.objects.filter(declaration=declaration).order_by("pk")
    ]


JOURNAL = [("journal.txt", b"Connexion VPN refusee a 02:10\n")]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_complement_with_files_through_either_gives_the_same_rows_once(world, transport):
    data = {"kind": "correction", "body": "Les sauvegardes sont chiffrées elles aussi."}
    for _attempt in range(2):  # a retry with the same key (the page's submission_key, the API's header)
        assert add(world, transport, "addendum", world.decl_a, data, files=JOURNAL) == {}
    rows = complements(world.decl_a)
    assert len(rows) == 1
    kind, body, author, files = rows[0]
    assert (kind, body, author) == ("correction", "Les sauvegardes sont chiffrées elles aussi.", "declarant@a.test")
    assert [name for name, _sha in files] == ["journal.txt"]
    assert audited(world.decl_a, "declaration.addendum") == 1


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_situation_update_through_either_gives_the_same_row_once(world, transport):
    data = {"situation": "degraded", "effective_at": "2026-11-20T08:00", "note": "Urgences en mode papier"}
    for _attempt in range(2):
        assert add(world, transport, "situation", world.decl_a, data) == {}
    assert situations(world.decl_a) == [
        ("degraded", at_paris(2026, 11, 20, 8, 0), "Urgences en mode papier", "declarant@a.test")
    ]


INVALID_ADDITIONS = [
    ("addendum", {"kind": "new_fact", "body": ""}),
    ("addendum", {"kind": "opinion", "body": "x"}),
    ("addendum", {"kind": "new_fact", "body": "x" * 20001}),
    ("situation", {"situation": "degraded", "effective_at": "2099-01-01T00:00"}),
    ("situation", {"situation": "mauvaise", "effective_at": "2026-11-20T08:00"}),
    ("situation", {"situation": "normal", "effective_at": "hier"}),
]


@pytest.mark.parametrize(("what", "data"), INVALID_ADDITIONS)
def test_what_is_refused_is_refused_in_the_same_words_on_the_page_and_in_the_api(world, what, data):
    page_errors = add(world, "page", what, world.decl_a, data, key="p")
    api_errors = add(world, "api", what, world.decl_a, data, key="a")
    assert page_errors and page_errors == api_errors
    assert complements(world.decl_a) == [] and situations(world.decl_a) == []


# --------------------------------------------------------------------------------------------------
# The thread: questions, answers, notes
# --------------------------------------------------------------------------------------------------


def post_message(world, transport: str, persona: str, declaration: Declaration, data: dict, key: str | None = None):
    """A message through the page (its answer, followed) or the API."""
    if transport == "page":
        payload = {**data, **({"submission_key": key} if key else {})}
        url = reverse("incidents:message", args=[declaration.reference])
        return world.client(persona).post(url, payload, follow=True)
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return world.api(persona).post(
        reverse("api:case_messages", args=[declaration.reference]), data, content_type="application/json", **headers
    )


def thread(declaration: Declaration) -> list[tuple]:
    return [
        (m.kind, m.body, m.author.email, m.question.body if m.question else None, m.answered_at is not None)
        for m in Message.objects.filter(declaration=declaration).select_related("author", "question")
    ]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_questions_answers_and_notes_through_either_give_the_same_thread_each_once(world, transport):
    decl = world.decl_a
    for _attempt in range(2):  # each sent twice with its key: written once
        post_message(world, transport, "analyst", decl, {"kind": "question", "body": "Les sauvegardes ?"}, key="q")
    question = Message.objects.get(declaration=decl, kind="question")
    waiting = Case.objects.get(declaration=decl).waiting_since
    assert waiting is not None
    for _attempt in range(2):
        post_message(world, transport, "analyst", decl, {"kind": "note", "body": "Piste VPN"}, key="n")
    for _attempt in range(2):
        post_message(
            world,
            transport,
            "declarant_a",
            decl,
            {"kind": "answer", "question": question.pk, "body": "Intactes"},
            key="r",
        )
    assert thread(decl) == [
        ("question", "Les sauvegardes ?", "analyste@acss.test", None, True),
        ("note", "Piste VPN", "analyste@acss.test", None, False),
        ("answer", "Intactes", "declarant@a.test", "Les sauvegardes ?", False),
    ]
    assert Case.objects.get(declaration=decl).waiting_since is None
    for action in ("case.question", "case.note", "case.answer"):
        assert audited(decl, action) == 1, action


def test_a_message_retried_through_the_api_answers_200_with_the_first(world):
    decl = world.decl_a
    first = post_message(world, "api", "analyst", decl, {"kind": "question", "body": "Depuis ?"}, key="m")
    retry = post_message(world, "api", "analyst", decl, {"kind": "question", "body": "Depuis ?"}, key="m")
    assert (first.status_code, retry.status_code) == (201, 200) and first.json() == retry.json()
    other = post_message(world, "api", "analyst", decl, {"kind": "question", "body": "Autre ?"}, key="m")
    assert other.status_code == 409 and other.json() == REUSED
    elsewhere = post_message(world, "api", "analyst", world.decl_b, {"kind": "question", "body": "Depuis ?"}, key="m")
    assert elsewhere.status_code == 409 and elsewhere.json() == REUSED
    noted = post_message(world, "api", "analyst", decl, {"kind": "note", "body": "Depuis ?"}, key="m")
    assert noted.status_code == 409
    assert Message.objects.count() == 1
    # Another person's key is their own.
    ars = post_message(world, "api", "ars_idf", decl, {"kind": "question", "body": "Depuis ?"}, key="m")
    assert ars.status_code == 201 and Message.objects.count() == 2


def test_twin_messages_racing_give_one_message(world, concurrent_commit):
    first = post_message(world, "api", "analyst", world.decl_a, {"kind": "note", "body": "x"}, key="race")
    with concurrent_commit():
        twin = post_message(world, "api", "analyst", world.decl_a, {"kind": "note", "body": "x"}, key="race")
    assert (first.status_code, twin.status_code) == (201, 200) and first.json() == twin.json()
    assert Message.objects.count() == 1


def test_a_refused_message_says_the_same_on_the_page_and_in_the_api(world):
    """A refusal of the service (who may write what) is the same sentence through both."""
    decl = world.decl_a
    for persona, data in (
        ("declarant_a", {"kind": "question", "body": "?"}),
        ("ars_idf", {"kind": "note", "body": "Interne"}),
    ):
        page = post_message(world, "page", persona, decl, data)
        api = post_message(world, "api", persona, decl, data)
        assert page.status_code == api.status_code == 403, (persona, data)
        assert api.json()["errors"]["__all__"] == [refusal_of(page.content.decode())], (persona, data)
    assert Message.objects.count() == 0


# --------------------------------------------------------------------------------------------------
# Handling actions
# --------------------------------------------------------------------------------------------------

# The same action as the page's form posts it and as the API's JSON says it.
ACTIONS = {
    "take": ({}, {}),
    "assign": ({"analyst": "analyste@acss.test"}, {"analyst": "analyste@acss.test"}),
    "qualify": (
        {
            "criticity": "3",
            "legal_level": "serious",
            "sanitary_impact_confirmed": "yes",
            "justification": "PACS chiffré, urgences en mode dégradé",
            "category": "rancongiciel",
        },
        {
            "criticity": 3,
            "legal_level": "serious",
            "sanitary_impact_confirmed": True,
            "justification": "PACS chiffré, urgences en mode dégradé",
            "category": "rancongiciel",
        },
    ),
    "escalate": (
        {"authority_code": "ansm", "reason": "Dispositif médical en cause"},
        {"authority_code": "ansm", "reason": "Dispositif médical en cause"},
    ),
    "accompany": ({}, {}),
    "close": (
        {"summary": "Restauration depuis les sauvegardes.", "root_cause": "VPN non patché", "degraded_hours": "36"},
        {"summary": "Restauration depuis les sauvegardes.", "root_cause": "VPN non patché", "degraded_hours": 36},
    ),
    "out_of_scope": ({"reason": "Panne matérielle"}, {"reason": "Panne matérielle"}),
    "merge": ({"into": "OTHER"}, {"into": "OTHER"}),
    "resolved": ({}, {}),
}


def act(world, transport: str, persona: str, declaration: Declaration, action: str, key: str | None = None):
    """One action through the page or the API; the French message of a refusal, or None when done."""
    page_data, api_data = ACTIONS[action]
    if transport == "page":
        data = dict(page_data)
        if data.get("into") == "OTHER":
            data["into"] = declaration_of_same_structure(declaration).reference
        client = world.client(persona)
        response = client.post(reverse("incidents:action", args=[declaration.reference, action]), data, follow=True)
        if response.status_code == 403:  # who may not act is told so on the error page
            return refusal_of(response.content.decode())
        said = flashes(response)
        assert len(said) == 1, said
        level = next(iter(response.context["messages"])).level_tag
        return None if level == "success" else said[0]
    data = {"action": action, **api_data}
    if data.get("into") == "OTHER":
        data["into"] = declaration_of_same_structure(declaration).reference
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    response = world.api(persona).post(
        reverse("api:case_actions", args=[declaration.reference]), data, content_type="application/json", **headers
    )
    if response.status_code == 200:
        return None
    return response.json()["errors"]["__all__"][0]


def case_content(declaration: Declaration) -> dict:
    case = Case.objects.select_related("assigned_to", "closed_by", "category", "merged_into").get(
        declaration=declaration
    )
    return {
        "state": case.state,
        "assigned_to": case.assigned_to.email if case.assigned_to else None,
        "criticity": case.criticity,
        "legal_level": case.legal_level,
        "justification": case.justification,
        "sanitary_impact_confirmed": case.sanitary_impact_confirmed,
        "category": case.category_id,
        "rsit": case.rsit,
        "qualified": case.qualified_at is not None,
        "closed_by": case.closed_by.email if case.closed_by else None,
        "closure": (case.closure_summary, case.closure_root_cause, case.closure_degraded_hours),
        "merged_into": case.merged_into.reference if case.merged_into else None,
        "structure_resolved": case.structure_resolved_at is not None,
        "escalations": sorted(
            (e.authority.authority_code, e.reason, e.decided_by.email) for e in declaration.escalations.all()
        ),
        "transitions": audited(declaration, "case.transition"),
    }


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_the_lifecycle_through_either_gives_the_same_case(world, transport, django_capture_on_commit_callbacks):
    decl = world.decl_a
    with django_capture_on_commit_callbacks(execute=True):
        for persona, action in (
            ("analyst", "take"),
            ("analyst", "assign"),
            ("analyst", "qualify"),
            ("analyst", "escalate"),
            ("analyst", "accompany"),
            ("declarant_a", "resolved"),
            ("analyst", "close"),
        ):
            assert act(world, transport, persona, decl, action) is None, action
    assert case_content(decl) == {
        "state": "closed",
        "assigned_to": "analyste@acss.test",
        "criticity": 3,
        "legal_level": "serious",
        "justification": "PACS chiffré, urgences en mode dégradé",
        "sanitary_impact_confirmed": True,
        "category": "rancongiciel",
        "rsit": Case.objects.get(declaration=decl).category.rsit,
        "qualified": True,
        "closed_by": "analyste@acss.test",
        "closure": ("Restauration depuis les sauvegardes.", "VPN non patché", 36),
        "merged_into": None,
        "structure_resolved": True,
        "escalations": [
            ("ansm", "Dispositif médical en cause", "analyste@acss.test"),
            ("dgs", "Impact sanitaire", "analyste@acss.test"),  # the world's
        ],
        "transitions": 4,  # take, qualify, accompany, close
    }
    assert any("[ACSS]" in m.subject and "transmise" in m.subject for m in mail.outbox)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_merge_and_out_of_scope_through_either(world, transport):
    assert act(world, transport, "analyst", world.decl_c, "merge") is None
    assert act(world, transport, "analyst", world.decl_a, "out_of_scope") is None
    assert case_content(world.decl_c)["merged_into"] == Declaration.objects.get(reference="ACSS-2026-000901").reference
    assert Declaration.objects.get(reference="ACSS-2026-000901").structure == world.decl_c.structure
    assert case_content(world.decl_a)["state"] == "out_of_scope"


REFUSED_ACTIONS = [  # (persona, action, what comes first, the French refusal)
    ("analyst", "accompany", [], "Passage impossible de « Nouvelle » à « En accompagnement »."),
    ("analyst", "close", [], "Passage impossible de « Nouvelle » à « Clôturée »."),
    (
        "analyst",
        "take",
        [("analyst", "out_of_scope")],
        "Passage impossible de « Hors du champ » à « En qualification ».",
    ),
    ("analyst", "escalate", [("analyst", "escalate")], "La déclaration a déjà été transmise à ANSM."),
    ("declarant_a", "take", [], "Seule la cellule ACSS peut faire cela."),
    ("analyst", "resolved", [], "Seule la structure déclare l'incident résolu."),
]


@pytest.mark.parametrize(("persona", "action", "before", "refusal"), REFUSED_ACTIONS)
def test_a_refused_action_says_the_same_on_the_page_and_in_the_api(world, persona, action, before, refusal):
    """The refusals of the services (state, rights, once per authority): the same sentence through both."""
    for earlier_persona, earlier in before:
        assert act(world, "api", earlier_persona, world.decl_a, earlier) is None
    expected = refusal.replace("ANSM", Organisation.objects.get(authority_code="ansm").name)
    before_content = case_content(world.decl_a)
    assert act(world, "page", persona, world.decl_a, action) == expected
    assert act(world, "api", persona, world.decl_a, action) == expected
    assert case_content(world.decl_a) == before_content


def test_the_bounds_of_the_closing_figures_are_the_same_on_the_page_and_in_the_api(world):
    decl = world.decl_a
    for action in ("take", "qualify"):
        assert act(world, "api", "analyst", decl, action) is None
    message = "Assurez-vous que cette valeur est inférieure ou égale à 100000."
    page = world.client("analyst").post(
        reverse("incidents:action", args=[decl.reference, "close"]),
        {"summary": "Fait", "degraded_hours": str(10**10)},
        follow=True,
    )
    assert message in page.content.decode()
    api = world.api("analyst").post(
        reverse("api:case_actions", args=[decl.reference]),
        {"action": "close", "summary": "Fait", "degraded_hours": 10**10},
        content_type="application/json",
    )
    assert api.json()["errors"] == {"degraded_hours": [message]}
    assert case_content(decl)["state"] == "qualified"


# --------------------------------------------------------------------------------------------------
# Retries of actions (Idempotency-Key)
# --------------------------------------------------------------------------------------------------


def api_act(world, persona: str, declaration: Declaration, key: str | None, **data):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return world.api(persona).post(
        reverse("api:case_actions", args=[declaration.reference]), data, content_type="application/json", **headers
    )


def test_an_escalation_retried_with_its_key_is_one_escalation_and_one_mail(world, django_capture_on_commit_callbacks):
    decl = world.decl_a
    with django_capture_on_commit_callbacks(execute=True):
        first = api_act(world, "analyst", decl, "e", action="escalate", authority_code="ansm", reason="DM en cause")
        retry = api_act(world, "analyst", decl, "e", action="escalate", authority_code="ansm", reason="DM en cause")
    assert (first.status_code, retry.status_code) == (200, 200) and first.json() == retry.json()
    assert Escalation.objects.filter(declaration=decl, authority__authority_code="ansm").count() == 1
    assert len([m for m in mail.outbox if "transmise" in m.subject]) == 1
    assert audited(decl, "case.escalated") == 1
    # Without the key, a second escalation is refused as on the page.
    again = api_act(world, "analyst", decl, None, action="escalate", authority_code="ansm", reason="DM en cause")
    assert again.status_code == 400 and "déjà été transmise" in again.json()["errors"]["__all__"][0]
    # The key for another authority is another request: refused, nothing escalated.
    other = api_act(world, "analyst", decl, "e", action="escalate", authority_code="anssi", reason="DM en cause")
    assert other.status_code == 409 and other.json() == REUSED
    assert not Escalation.objects.filter(declaration=decl, authority__authority_code="anssi").exists()


def test_a_transition_retried_with_its_key_answers_the_current_state(world):
    decl = world.decl_a
    first = api_act(world, "analyst", decl, "t", action="take")
    retry = api_act(world, "analyst", decl, "t", action="take")
    assert (first.status_code, retry.status_code) == (200, 200)
    assert retry.json()["state"] == "qualifying" and audited(decl, "case.transition") == 1
    # Once the case moved on, the retry still answers what is, without error and without going back.
    qualify = {
        "action": "qualify",
        "criticity": 2,
        "legal_level": "significant",
        "justification": "Messagerie",
        "sanitary_impact_confirmed": False,
    }
    assert api_act(world, "analyst", decl, "q", **qualify).status_code == 200
    late = api_act(world, "analyst", decl, "t", action="take")
    assert late.status_code == 200 and late.json()["state"] == "qualified"
    # Without a key, taking again is refused, as on the page.
    refused = api_act(world, "analyst", decl, None, action="take")
    assert refused.json()["errors"]["__all__"] == ["Passage impossible de « Qualifiée » à « En qualification »."]
    # The key of « take » for another action, other parameters or another declaration: 409, nothing done.
    assert api_act(world, "analyst", decl, "t", action="accompany").json() == REUSED
    assert api_act(world, "analyst", decl, "q", **{**qualify, "criticity": 3}).json() == REUSED
    assert api_act(world, "analyst", world.decl_b, "t", action="take").json() == REUSED
    assert Case.objects.get(declaration=world.decl_b).state == "new"
    assert audited(decl, "case.transition") == 2


def test_twin_actions_racing_give_one_transition(world, concurrent_commit):
    decl = world.decl_a
    first = api_act(world, "analyst", decl, "twin", action="take")
    with concurrent_commit():
        twin = api_act(world, "analyst", decl, "twin", action="take")
    assert (first.status_code, twin.status_code) == (200, 200)
    assert audited(decl, "case.transition") == 1
    assert KeyedAction.objects.count() == 1


def test_a_refused_action_leaves_its_key_free(world):
    """Nothing done, nothing recorded: the same key, once the case allows it, does the action."""
    decl = world.decl_a
    early = api_act(world, "analyst", decl, "acc", action="accompany")
    assert early.status_code == 400 and not KeyedAction.objects.exists()
    assert api_act(world, "declarant_a", decl, "acc", action="take").status_code == 403
    assert not KeyedAction.objects.exists()


def test_a_page_sent_again_with_another_text_writes_nothing(world):
    """Back in the browser, the text changed, sent again: the thread's form key names the first message."""
    first = post_message(world, "page", "analyst", world.decl_a, {"kind": "note", "body": "Piste VPN"}, key="f")
    assert flashes(first) == ["Note interne ajoutée (visible de la cellule seulement)."]
    again = post_message(world, "page", "analyst", world.decl_a, {"kind": "note", "body": "Piste RDP"}, key="f")
    assert flashes(again) == [
        "Ce formulaire a déjà servi pour un autre message : rien n'a été envoyé cette fois. Relisez les échanges, "
        "puis envoyez de nouveau s'il s'agit bien d'un nouveau message."
    ]
    assert [m.body for m in Message.objects.all()] == ["Piste VPN"]
    thread_read = world.api("analyst").get(reverse("api:case_messages", args=[world.decl_a.reference])).json()
    assert [m["body"] for m in thread_read] == ["Piste VPN"]
    # Each rendering of the page gives its forms a new key.
    url = reverse("incidents:detail", args=[world.decl_a.reference])
    keys = [
        set(
            re.findall(
                r'name="submission_key" value="([0-9a-f]{32})"', world.client("analyst").get(url).content.decode()
            )
        )
        for _render in range(2)
    ]
    assert all(len(k) == 1 for k in keys) and keys[0] != keys[1]


INVALID_ACTIONS = [  # (action, as the page posts it, as the API says it, the French message both give)
    (
        "qualify",
        {"criticity": "3", "legal_level": "serious", "sanitary_impact_confirmed": "yes", "justification": "  "},
        {"criticity": 3, "legal_level": "serious", "sanitary_impact_confirmed": True, "justification": "  "},
        "La justification de la qualification est obligatoire.",
    ),
    (
        "qualify",
        {"criticity": "5", "legal_level": "serious", "sanitary_impact_confirmed": "yes", "justification": "x"},
        {"criticity": 5, "legal_level": "serious", "sanitary_impact_confirmed": True, "justification": "x"},
        "La criticité va de « 1 – Mineur » à « 4 – Majeur ».",
    ),
    ("close", {"summary": ""}, {"summary": ""}, "La synthèse de clôture est obligatoire."),
    ("out_of_scope", {"reason": " "}, {"reason": " "}, "Indiquez pourquoi la déclaration est hors du champ."),
    (
        "escalate",
        {"authority_code": "ansm", "reason": ""},
        {"authority_code": "ansm", "reason": ""},
        "Le motif de la transmission est obligatoire.",
    ),
]


@pytest.mark.parametrize(("action", "page_data", "api_data", "message"), INVALID_ACTIONS)
def test_an_invalid_action_is_refused_in_the_same_words_on_the_page_and_in_the_api(
    world, action, page_data, api_data, message
):
    decl = world.decl_a
    for earlier in ("take", "qualify") if action == "close" else ("take",):
        assert act(world, "api", "analyst", decl, earlier) is None
    before = case_content(decl)
    page = world.client("analyst").post(
        reverse("incidents:action", args=[decl.reference, action]), page_data, follow=True
    )
    assert message in html.unescape(page.content.decode())
    api = world.api("analyst").post(
        reverse("api:case_actions", args=[decl.reference]),
        {"action": action, **api_data},
        content_type="application/json",
    )
    assert api.status_code == 400 and message in [m for ms in api.json()["errors"].values() for m in ms]
    assert case_content(decl) == before


@pytest.mark.parametrize(("persona", "kind"), [("analyst", "question"), ("analyst", "note"), ("declarant_a", "answer")])
def test_an_empty_message_is_refused_in_the_same_words_on_the_page_and_in_the_api(world, persona, kind):
    decl = world.decl_a
    data = {"kind": kind, "body": "   "}
    if kind == "answer":
        data["question"] = handling.question_ask(declaration=decl, by=world.personas["analyst"], body="Depuis ?").row.pk
    written = Message.objects.count()
    page = post_message(world, "page", persona, decl, data)
    api = post_message(world, "api", persona, decl, data)
    assert api.status_code == 400 and api.json()["errors"]["body"] == flashes(page)
    assert flashes(page) == [
        {"question": "Écrivez la question.", "note": "Écrivez la note."}.get(kind, "Écrivez votre réponse.")
    ]
    assert Message.objects.count() == written


@pytest.mark.parametrize("action", ["take", "escalate"])
def test_a_double_click_on_a_page_action_does_it_once_and_says_it_is_done(
    world, action, django_capture_on_commit_callbacks
):
    """The page's forms carry a key, as the API's requests do: sent twice, the action is done once, and the second
    answer is the first's (not « Passage impossible », not « déjà transmise »)."""
    decl = world.decl_a
    client = world.client("analyst")
    page = client.get(reverse("incidents:detail", args=[decl.reference])).content.decode()
    assert 'name="submission_key"' in page
    data = {**ACTIONS[action][0], "submission_key": "double-clic"}
    url = reverse("incidents:action", args=[decl.reference, action])
    with django_capture_on_commit_callbacks(execute=True):
        first, second = client.post(url, data, follow=True), client.post(url, data, follow=True)
    assert flashes(first) == flashes(second) and len(flashes(first)) == 1
    assert next(iter(second.context["messages"])).level_tag == "success"
    assert audited(decl, "case.transition" if action == "take" else "case.escalated") == 1
    if action == "escalate":
        assert Escalation.objects.filter(declaration=decl, authority__authority_code="ansm").count() == 1
        assert len([m for m in mail.outbox if "transmise" in m.subject]) == 1
    # Sent again on purpose from a fresh page (a new key), it is refused as before.
    again = client.post(url, {**data, "submission_key": "nouvelle"}, follow=True)
    assert next(iter(again.context["messages"])).level_tag == "error"
    # The API reads the case the pages left: taken once, or escalated once to the ANSM.
    read = world.api("analyst").get(reverse("api:case_detail", args=[decl.reference])).json()
    if action == "take":
        assert read["state"] == "qualifying"
    else:
        assert [e["authority"] for e in read["handling"]["escalations"]] == ["dgs", "ansm"]


def test_a_disabled_typology_is_refused_in_the_same_words_on_the_page_and_in_the_api(world):
    """The cell disabled a typology: neither the page nor the API retain it in a qualification."""
    IncidentCategory.objects.filter(code="rancongiciel").update(active=False)
    decl = world.decl_a
    assert act(world, "api", "analyst", decl, "take") is None
    page = world.client("analyst").post(
        reverse("incidents:action", args=[decl.reference, "qualify"]), ACTIONS["qualify"][0], follow=True
    )
    api = world.api("analyst").post(
        reverse("api:case_actions", args=[decl.reference]),
        {"action": "qualify", **ACTIONS["qualify"][1]},
        content_type="application/json",
    )
    assert api.status_code == 400
    (message,) = api.json()["errors"]["category"]
    assert message == "Sélectionnez un choix valide. Ce choix ne fait pas partie de ceux disponibles."
    assert message in html.unescape(page.content.decode())
    assert case_content(decl)["state"] == "qualifying"
