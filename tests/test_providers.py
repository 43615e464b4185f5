"""One provider, many victims: suggestions, bulk links, the message to all, who sees which victims, closure."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from acss.accounts.models import Role
from acss.incidents.models import Case, CaseState, Declaration, Message
from acss.incidents.selectors.cases import message_list_visible, questions_awaiting_answer
from acss.incidents.services.cases import case_open
from acss.providers import services
from acss.providers.models import ProviderLink, ProviderState
from acss.providers.selectors import provider_for_declaration, provider_key, provider_suggestions, provider_victims

from .conftest import login, make_structure, make_user

COUNTER = iter(range(500, 100000))


def declare(structure, provider="Medisoft", *, days_ago: float = 0) -> Declaration:
    n = next(COUNTER)
    declaration = Declaration.objects.create(
        reference=f"ACSS-2026-{n:06d}",
        structure=structure,
        title=f"Incident {n}",
        created_by=make_user(f"u{n}@x.test", (structure, Role.DECLARANT)),
        submitted_at=timezone.now() - timedelta(days=days_ago),
        provider_name=provider,
        scope="shared_provider",
    )
    case_open(declaration=declaration)
    return declaration


def parent_of(world, **extra):
    return services.provider_incident_open(
        by=world.personas["analyst"], provider_name="Medisoft", title="Rançongiciel chez Medisoft", **extra
    )


def test_provider_key_ignores_case_accents_and_legal_forms():
    assert provider_key("Médisoft SAS") == provider_key("MEDISOFT") == provider_key("medisoft, Inc.") == "medisoft"
    assert provider_key("Medisoft") != provider_key("Medilog")


def test_suggestions_group_the_same_provider_spelled_differently(world):
    one = declare(world.structure_a, "Médisoft SAS", days_ago=1)
    two = declare(world.structure_b, "MEDISOFT", days_ago=4)
    declare(world.structure_c, "Autre prestataire")
    groups = provider_suggestions(user=world.personas["analyst"])
    assert [{d.pk for d in g.declarations} for g in groups] == [{one.pk, two.pk}]


def test_suggestions_not_across_ten_days_nor_the_same_structure_twice(world):
    declare(world.structure_a, "Medisoft", days_ago=12)
    declare(world.structure_b, "Medisoft SA", days_ago=1)
    declare(world.structure_c, "Logi", days_ago=1)
    declare(world.structure_c, "logi inc", days_ago=2)
    assert provider_suggestions(user=world.personas["analyst"]) == []


def test_linked_declarations_are_no_longer_suggested(world):
    one, two = declare(world.structure_a), declare(world.structure_b)
    services.provider_link(by=world.personas["analyst"], parent=parent_of(world), declarations=[one, two])
    assert provider_suggestions(user=world.personas["analyst"]) == []


def test_bulk_link_through_the_page_and_a_declaration_belongs_to_one_parent(world, client):
    decls = [declare(s) for s in (world.structure_a, world.structure_b, world.structure_c)]
    parent = parent_of(world)
    login(client, world.personas["analyst"])
    refs = "\n".join(d.reference for d in decls)
    response = client.post(
        reverse("providers:link", kwargs={"pk": parent.pk}), {"references": refs, "operation": "link"}
    )
    assert response.status_code == 302
    assert set(parent.links.values_list("declaration_id", flat=True)) == {d.pk for d in decls}
    other = parent_of(world)
    client.post(
        reverse("providers:link", kwargs={"pk": other.pk}), {"references": decls[0].reference, "operation": "link"}
    )
    assert ProviderLink.objects.get(declaration=decls[0]).parent_id == parent.pk
    client.post(
        reverse("providers:link", kwargs={"pk": parent.pk}), {"references": decls[0].reference, "operation": "unlink"}
    )
    assert not ProviderLink.objects.filter(declaration=decls[0]).exists()


def test_message_to_all_reaches_each_thread_and_each_structure_sees_only_its_own(world, client):
    a, b = declare(world.structure_a), declare(world.structure_b)
    parent = parent_of(world)
    services.provider_link(by=world.personas["analyst"], parent=parent, declarations=[a, b])
    login(client, world.personas["analyst"])
    response = client.post(reverse("providers:message", kwargs={"pk": parent.pk}), {"body": "Correctif publié."})
    assert response.status_code == 302
    assert Message.objects.filter(body="Correctif publié.").count() == 2
    seen_by_a = message_list_visible(user=world.personas["manager_a"], declaration=a)
    assert [m.body for m in seen_by_a] == ["Correctif publié."]
    assert all(m.declaration_id == a.pk for m in Message.objects.filter(pk__in=[m.pk for m in seen_by_a]))
    seen_by_b = message_list_visible(user=world.personas["declarant_b"], declaration=b)
    assert [m.body for m in seen_by_b] == ["Correctif publié."]
    # nothing waits on the structures: an information, no answer deadline, not among the questions to answer
    assert set(Message.objects.filter(body="Correctif publié.").values_list("kind", flat=True)) == {"info"}
    assert not Message.objects.filter(body="Correctif publié.", answer_due_at__isnull=False).exists()
    assert not questions_awaiting_answer(user=world.personas["declarant_b"]).exists()
    # a real question, once answered, restarts the cell's clock: the information does not keep it paused
    from acss.incidents.services.cases import question_answer, question_ask

    question = question_ask(declaration=b, by=world.personas["analyst"], body="Avez-vous des sauvegardes ?").row
    assert Case.objects.get(declaration=b).waiting_since is not None
    question_answer(question=question, by=world.personas["declarant_b"], body="Oui.")
    assert Case.objects.get(declaration=b).waiting_since is None
    page = client.get(reverse("incidents:detail", kwargs={"reference": a.reference}))
    assert page.status_code == 200


@pytest.mark.parametrize(("victims", "limit"), [(5, 9), (40, 9)])
def test_message_to_all_costs_constant_queries(world, django_assert_max_num_queries, victims, limit):
    structures = [make_structure(f"Clinique {i}", "75", f"759{i:04d}") for i in range(victims)]
    decls = [declare(s) for s in structures]
    parent = parent_of(world)
    services.provider_link(by=world.personas["analyst"], parent=parent, declarations=decls)
    with django_assert_max_num_queries(limit):
        assert (
            services.provider_message_all(by=world.personas["analyst"], parent=parent, body="Point de situation.")
            == victims
        )


def test_each_ars_sees_only_its_regions_victims(world, client):
    toulouse = make_structure("CHU Toulouse", "31", "3100001")
    a, b, t = declare(world.structure_a), declare(world.structure_b), declare(toulouse)
    parent = parent_of(world)
    services.provider_link(by=world.personas["analyst"], parent=parent, declarations=[a, b, t])
    assert set(provider_victims(user=world.personas["ars_idf"], parent=parent)) == {a}
    assert set(provider_victims(user=world.personas["ars_other"], parent=parent)) == {t}
    assert set(provider_victims(user=world.personas["analyst"], parent=parent)) == {a, b, t}
    login(client, world.personas["ars_other"])
    body = client.get(reverse("providers:detail", kwargs={"pk": parent.pk})).content.decode()
    assert t.reference in body and a.reference not in body and b.reference not in body
    assert "Envoyer à toutes" not in body


def test_a_structure_sees_state_summary_and_the_count_only_when_shared(world):
    a, b, c = declare(world.structure_a), declare(world.structure_b), declare(world.structure_c)
    parent = parent_of(world, public_summary="Le prestataire a isolé ses serveurs.")
    services.provider_link(by=world.personas["analyst"], parent=parent, declarations=[a, b, c])
    seen = provider_for_declaration(user=world.personas["declarant_b"], declaration=b)
    assert seen.state == ProviderState.OPEN and seen.public_summary == "Le prestataire a isolé ses serveurs."
    assert seen.others_count is None
    parent.share_victim_count = True
    parent.save()
    assert provider_for_declaration(user=world.personas["declarant_b"], declaration=b).others_count == 2
    # not on a declaration one does not read
    assert provider_for_declaration(user=world.personas["declarant_b"], declaration=a) is None


def test_close_proposes_the_children_and_closes_those_ticked(world, client):
    a, b, c = declare(world.structure_a), declare(world.structure_b), declare(world.structure_c)
    Case.objects.filter(declaration__in=[a, b]).update(state=CaseState.QUALIFIED)
    parent = parent_of(world)
    services.provider_link(by=world.personas["analyst"], parent=parent, declarations=[a, b, c])
    login(client, world.personas["analyst"])
    page = client.get(reverse("providers:detail", kwargs={"pk": parent.pk})).content.decode()
    assert f'value="{a.pk}"' in page and f'value="{b.pk}"' in page
    assert f'value="{c.pk}"' not in page  # a new case cannot be closed before it is qualified
    response = client.post(
        reverse("providers:close", kwargs={"pk": parent.pk}), {"children": [a.pk], "summary": "Correctif appliqué."}
    )
    assert response.status_code == 302
    parent.refresh_from_db()
    a.case.refresh_from_db()
    b.case.refresh_from_db()
    assert parent.state == ProviderState.CLOSED and parent.closed_at is not None
    assert a.case.state == CaseState.CLOSED and a.case.closure_provider == "Medisoft"
    assert b.case.state != CaseState.CLOSED


def test_cell_list_shows_suggestions(world, client):
    declare(world.structure_a, "Médisoft")
    declare(world.structure_b, "MEDISOFT SAS")
    login(client, world.personas["analyst"])
    body = client.get(reverse("providers:list")).content.decode()
    assert "Ouvrir un incident de prestataire avec ces déclarations" in body


def test_the_demo_provider_incident_has_five_victims_in_three_regions(db):
    from acss.accounts.demo import load_demo_accounts
    from acss.providers.demo import load_demo_providers

    accounts = load_demo_accounts()
    parent = load_demo_providers(structures=accounts.structures, analyst=accounts.analyst)
    again = load_demo_providers(structures=accounts.structures, analyst=accounts.analyst)
    assert again.pk == parent.pk and parent.links.count() == 5
    regions = set(parent.links.values_list("declaration__structure__departement__region_id", flat=True))
    assert len(regions) == 3


def test_the_declaration_page_shows_the_parent_to_its_structure_and_not_the_others(world, client):
    a, b = declare(world.structure_a), declare(world.structure_b)
    parent = parent_of(world, public_summary="Le prestataire a isolé ses serveurs.")
    services.provider_link(by=world.personas["analyst"], parent=parent, declarations=[a, b])
    page = world.client("manager_a").get(reverse("incidents:detail", args=[a.reference])).content.decode()
    assert "Incident chez un prestataire" in page and "Le prestataire a isolé ses serveurs." in page
    assert b.reference not in page and "autre structure" not in page  # the count is not shared
