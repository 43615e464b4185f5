"""Publishing a year freezes it: a snapshot of its figures with their definitions and the software version; later
corrections of declarations never change it; a re-publication is a new version with its reason."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.urls import reverse

from acss.core.errors import Refusal
from acss.core.models import AuditEvent
from acss.incidents.models import Declaration
from acss.observatory.models import FrozenError, PublishedYear
from acss.observatory.publication import year_publish

from .observatory_helpers import PAST_YEAR, main_of, past_declarations


def test_a_published_year_does_not_change_when_a_declaration_is_corrected(world):
    declarations = past_declarations(world, 6)
    client = world.client("analyst")
    response = client.post(reverse("observatory:publish"), {"year": PAST_YEAR, "reason": ""})
    assert response.status_code == 302
    page = main_of(world.client("anonymous").get(reverse("observatory:year", args=[PAST_YEAR])))
    published = PublishedYear.objects.get(year=PAST_YEAR)
    assert published.version == 1
    assert published.figures["indicators"]["declarations"] == 6
    assert published.figures["definitions"]["declarations"]
    assert published.software_version
    # Corrections: a declaration moved to another year, another's origin changed, a new one in the year.
    Declaration.objects.filter(pk=declarations[0].pk).update(submitted_at=world.decl_a.submitted_at)
    Declaration.objects.filter(pk=declarations[1].pk).update(origin="non_malicious")
    past_declarations(world, 1, structure=world.structure_b)
    again = main_of(world.client("anonymous").get(reverse("observatory:year", args=[PAST_YEAR])))
    assert ">6<" in again
    assert again == page
    assert PublishedYear.objects.get(year=PAST_YEAR).figures == published.figures


def test_republication_needs_a_reason_and_makes_version_2(world):
    past_declarations(world, 3)
    analyst = world.personas["analyst"]
    year_publish(year=PAST_YEAR, by=analyst)
    client = world.client("analyst")
    refused = client.post(reverse("observatory:publish"), {"year": PAST_YEAR, "reason": "  "})
    assert refused.status_code == 400
    assert "dites pourquoi" in refused.content.decode()
    assert PublishedYear.objects.filter(year=PAST_YEAR).count() == 1
    Declaration.objects.filter(reference__startswith=f"ACSS-{PAST_YEAR}-").first().delete()
    reason = "Une déclaration saisie deux fois a été retirée."
    assert client.post(reverse("observatory:publish"), {"year": PAST_YEAR, "reason": reason}).status_code == 302
    v1, v2 = PublishedYear.objects.filter(year=PAST_YEAR).order_by("version")
    assert (v2.version, v2.reason) == (2, reason)
    assert (v1.figures["indicators"]["declarations"], v2.figures["indicators"]["declarations"]) == (3, 2)
    page = world.client("anonymous").get(reverse("observatory:year", args=[PAST_YEAR])).content.decode()
    assert reason in page and "Version 1" in page and "Version 2" in page
    first = world.client("anonymous").get(reverse("observatory:year", args=[PAST_YEAR]) + "?version=1")
    assert first.context["published"].version == 1
    events = AuditEvent.objects.filter(action="observatory.year_published").order_by("id")
    assert [e.data["version"] for e in events] == [1, 2]


def test_only_the_cell_publishes_and_only_a_finished_year(world):
    with pytest.raises(Refusal):
        year_publish(year=PAST_YEAR, by=world.personas["ars_idf"])
    this_year = world.decl_a.submitted_at.year
    with pytest.raises(Refusal, match="pas terminée"):
        year_publish(year=this_year + 1, by=world.personas["analyst"])
    assert not PublishedYear.objects.exists()


def test_the_model_refuses_to_change_or_delete_a_published_year(world):
    published = year_publish(year=PAST_YEAR, by=world.personas["analyst"])
    published.reason = "autre"
    with pytest.raises(FrozenError):
        published.save()
    with pytest.raises(FrozenError):
        published.delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_on_postgresql_a_trigger_refuses_update_and_delete(world):
    from django.db import DatabaseError

    published = year_publish(year=PAST_YEAR, by=world.personas["analyst"])
    for write in (
        lambda: PublishedYear.objects.filter(pk=published.pk).update(reason="réécrit"),
        lambda: PublishedYear.objects.filter(pk=published.pk)._raw_delete(connection.alias),
    ):
        with pytest.raises(DatabaseError, match="frozen"), transaction.atomic():
            write()
    assert PublishedYear.objects.get(pk=published.pk).reason == ""


def test_a_refused_publication_keeps_what_was_typed_and_says_why_in_french(world):
    client = world.client("analyst")
    response = client.post(reverse("observatory:publish"), {"year": "1990", "reason": "Motif saisi à garder"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choisissez une année terminée dans la liste." in html
    assert "Motif saisi à garder" in html
    assert not PublishedYear.objects.exists()
