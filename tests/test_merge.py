"""Merging duplicates: the survivor shows everything of the merged declaration — messages, addenda, attachments,
escalations, audit events — in order, and the merged one points to it; declarations of two structures are never
merged (they are linked to a provider's incident instead)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from acss.core.models import AuditEvent
from acss.incidents.models import Addendum, Attachment, Case, Declaration, Escalation, Message
from acss.incidents.selectors.record import journal_entries
from acss.incidents.services.cases import case_open

from .html_helpers import page_tree
from .html_helpers import text as text_of

PARIS = ZoneInfo("Europe/Paris")


def another_declaration_of(world, structure, number: int, *, at: datetime) -> Declaration:
    declaration = Declaration.objects.create(
        reference=f"ACSS-2026-0001{number:02d}",
        structure=structure,
        title=f"Doublon {number} {structure.name}",
        created_by=world.personas["declarant_a"],
        submitted_at=at,
    )
    case_open(declaration=declaration)
    return declaration


def act(client, declaration: Declaration, action: str, **params):
    return client.post(
        reverse("api:case_actions", args=[declaration.reference]),
        {"action": action, **params},
        content_type="application/json",
    )


def say(client, declaration: Declaration, kind: str, body: str, **extra):
    response = client.post(
        reverse("api:case_messages", args=[declaration.reference]),
        {"kind": kind, "body": body, **extra},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def add_addendum(client, declaration: Declaration, body: str, filename: str):
    upload = SimpleUploadedFile(filename, b"Journal du pare-feu\n" + body.encode(), content_type="text/plain")
    response = client.post(
        reverse("api:addendum", args=[declaration.reference]), {"kind": "new_fact", "body": body, "files": [upload]}
    )
    assert response.status_code == 201, response.content


def owned_by(declaration: Declaration) -> dict[str, int]:
    """What belongs to a declaration, counted in the tables."""
    return {
        "messages": Message.objects.filter(declaration=declaration).count(),
        "addenda": Addendum.objects.filter(declaration=declaration).count(),
        "attachments": Attachment.objects.filter(declaration=declaration).count(),
        "escalations": Escalation.objects.filter(declaration=declaration).count(),
        "events": len(journal_entries([declaration.pk])),
    }


@pytest.fixture
def duplicate(world, settings):
    """A second declaration of hospital A, with a life of its own before it is found to be a duplicate: a question
    and its answer, a note, an addendum with a file, an escalation to the ANSM."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    analyst, declarant = world.api("analyst"), world.api("declarant_a")
    at = datetime(2026, 11, 20, 4, 0, tzinfo=PARIS)
    dup = another_declaration_of(world, world.structure_a, 1, at=at)
    question = say(analyst, dup, "question", "Le chiffrement touche-t-il aussi les sauvegardes ?")
    say(declarant, dup, "answer", "Non, les sauvegardes hors ligne sont intactes.", question=question["id"])
    say(analyst, dup, "note", "Même souche que la déclaration principale.")
    add_addendum(declarant, dup, "Les journaux du pare-feu sont joints.", "pare-feu.txt")
    assert (
        act(analyst, dup, "escalate", authority_code="ansm", reason="Dispositifs médicaux touchés").status_code == 200
    )
    # The survivor has a thread of its own, so that the two interleave.
    say(analyst, world.decl_a, "question", "Quels services sont touchés ?")
    return dup


def test_the_survivor_shows_everything_of_the_merged_one_in_order_and_nothing_moves(world, duplicate):
    survivor, analyst = world.decl_a, world.api("analyst")
    before = owned_by(duplicate)
    assert before == {"messages": 3, "addenda": 1, "attachments": 1, "escalations": 1, "events": before["events"]}
    assert before["events"] >= 6  # question, answer, note, addendum, file, escalation
    survivor_before = owned_by(survivor)

    response = act(analyst, duplicate, "merge", into=survivor.reference)
    assert response.status_code == 200, response.json()
    assert Case.objects.get(declaration=duplicate).merged_into == survivor

    # Nothing moved and nothing was lost: each row is still its declaration's own (the merge adds its events).
    after = owned_by(duplicate)
    assert {k: v for k, v in after.items() if k != "events"} == {k: v for k, v in before.items() if k != "events"}
    assert after["events"] == before["events"] + 1  # the duplicate's transition
    assert owned_by(survivor)["events"] == survivor_before["events"] + 1  # « doublon fusionné » on the survivor

    # The survivor's page, for the cell: every message, addendum, file, escalation and event of both.
    page = world.client("analyst").get(reverse("incidents:detail", args=[survivor.reference]))
    html = page.content.decode()
    tree = page_tree(html)
    text = text_of(tree)
    for words in (
        "Le chiffrement touche-t-il aussi les sauvegardes ?",
        "Non, les sauvegardes hors ligne sont intactes.",
        "Même souche que la déclaration principale.",
        "Les journaux du pare-feu sont joints.",
        "Dispositifs médicaux touchés",
        "Quels services sont touchés ?",
    ):
        assert words in text, words
    assert "pare-feu.txt" in text and "journal.txt" in text  # the duplicate's file beside the survivor's own
    assert (
        reverse("incidents:attachment", args=[duplicate.reference, Attachment.objects.get(declaration=duplicate).pk])
        in html
    )
    # In order: the duplicate's question came before the survivor's own, which came after the escalation.
    assert (
        text.index("Le chiffrement touche-t-il")
        < text.index("Non, les sauvegardes")
        < text.index("Quels services sont touchés ?")
    )
    assert f"de {duplicate.reference} (fusionnée)" in text
    assert "Doublons fusionnés dans cette déclaration" in text
    # The journal: every event of the duplicate, listed with its reference, oldest first.
    journal = [e for e in journal_entries([survivor.pk, duplicate.pk])]
    assert [e.at for e in journal] == sorted(e.at for e in journal)
    shown_for_duplicate = text.count(duplicate.reference)
    assert shown_for_duplicate >= after["events"]
    assert "Doublon fusionné dans cette déclaration" in text

    # The merged one points to the survivor.
    merged_page = world.client("declarant_a").get(reverse("incidents:detail", args=[duplicate.reference]))
    assert f"Suivie avec la déclaration {survivor.reference}." in text_of(page_tree(merged_page.content.decode()))


def test_the_structure_reads_the_merged_thread_but_never_the_notes_nor_the_journal(world, duplicate):
    survivor = world.decl_a
    assert act(world.api("analyst"), duplicate, "merge", into=survivor.reference).status_code == 200
    for persona in ("declarant_a", "ars_idf"):
        text = text_of(
            page_tree(
                world.client(persona).get(reverse("incidents:detail", args=[survivor.reference])).content.decode()
            )
        )
        assert "Les journaux du pare-feu sont joints." in text, persona
        assert "Même souche que la déclaration principale." not in text, persona  # an internal note
        assert "Journal du dossier" not in text, persona
    declarant_text = text_of(
        page_tree(
            world.client("declarant_a").get(reverse("incidents:detail", args=[survivor.reference])).content.decode()
        )
    )
    assert "Non, les sauvegardes hors ligne sont intactes." in declarant_text
    # The structure answers its questions on the declaration they were asked on, not on the survivor.
    assert declarant_text.count("Votre réponse") == 1  # the survivor's own open question only
    assert world.client("declarant_b").get(reverse("incidents:detail", args=[survivor.reference])).status_code == 404


@pytest.mark.parametrize("transport", ["page", "api"])
def test_declarations_of_two_structures_are_never_merged(world, transport):
    other = world.decl_b  # hospital B, Strasbourg
    written = AuditEvent.objects.exclude(action="declaration.viewed")  # following the page is a view
    before = (Case.objects.get(declaration=other).state, written.count())
    if transport == "api":
        response = act(world.api("analyst"), other, "merge", into=world.decl_a.reference)
        assert response.status_code == 400
        (message,) = response.json()["errors"]["__all__"]
    else:
        response = world.client("analyst").post(
            reverse("incidents:action", args=[other.reference, "merge"]),
            {"into": world.decl_a.reference, "submission_key": "k1"},
            follow=True,
        )
        message = text_of(page_tree(response.content.decode()))
    assert "une autre structure" in message and "incident de prestataire" in message
    assert (Case.objects.get(declaration=other).state, written.count()) == before


def test_a_chain_of_duplicates_ends_on_one_survivor(world):
    at = datetime(2026, 11, 20, 5, 0, tzinfo=PARIS)
    first = another_declaration_of(world, world.structure_a, 2, at=at)
    second = another_declaration_of(world, world.structure_a, 3, at=at + timedelta(hours=1))
    analyst = world.api("analyst")
    assert act(analyst, first, "merge", into=second.reference).status_code == 200
    # Into a declaration that is itself merged: refused, naming where to merge instead.
    refused = act(analyst, world.decl_a, "merge", into=first.reference)
    assert refused.status_code == 400
    assert second.reference in refused.json()["errors"]["__all__"][0]
    # The second merged into A: the first now points to A as well, and A shows both.
    assert act(analyst, second, "merge", into=world.decl_a.reference).status_code == 200
    assert Case.objects.get(declaration=first).merged_into == world.decl_a
    event = AuditEvent.objects.filter(action="case.merged_in", object_id=str(world.decl_a.pk)).get()
    assert event.data == {"duplicate": second.reference, "carried": [first.reference]}
    text = text_of(
        page_tree(
            world.client("analyst").get(reverse("incidents:detail", args=[world.decl_a.reference])).content.decode()
        )
    )
    assert first.reference in text and second.reference in text


def test_the_api_gives_the_survivor_s_thread_with_the_merged_one_s_and_names_them(world, duplicate):
    survivor = world.decl_a
    assert act(world.api("analyst"), duplicate, "merge", into=survivor.reference).status_code == 200
    case = world.api("declarant_a").get(reverse("api:case_detail", args=[survivor.reference])).json()
    assert case["merged"] == [duplicate.reference]
    thread = world.api("declarant_a").get(reverse("api:case_messages", args=[survivor.reference])).json()
    assert [(m["declaration"], m["kind"]) for m in thread] == [
        (duplicate.reference, "question"),
        (duplicate.reference, "answer"),
        (survivor.reference, "question"),
    ]  # no internal note for the structure, in the order they were written
    assert [m["created_at"] for m in thread] == sorted(m["created_at"] for m in thread)
