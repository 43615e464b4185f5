"""Who sees which declaration: through the pages and the API, always via the one selector."""

from django.urls import reverse

from acss.incidents.selectors.declarations import declaration_list_visible


def references(world, persona: str) -> set[str]:
    page = world.client(persona).get(reverse("incidents:list"))
    assert page.status_code == 200
    shown = {d.reference for d in page.context["page"].object_list}
    api = world.api(persona).get(reverse("api:declaration_list")).json()["results"]
    assert {d["reference"] for d in api} == shown, "the API and the pages must agree"
    return shown


def test_a_person_acting_for_two_structures_sees_both_and_no_third(world):
    assert references(world, "group_officer") == {world.decl_a.reference, world.decl_c.reference}


def test_a_declarant_sees_only_its_structure(world):
    assert references(world, "declarant_a") == {world.decl_a.reference}
    assert references(world, "declarant_b") == {world.decl_b.reference}


def test_an_ars_sees_its_region_only(world):
    assert references(world, "ars_idf") == {world.decl_a.reference, world.decl_c.reference}
    assert references(world, "ars_other") == set()


def test_an_authority_sees_only_what_was_escalated_to_it(world):
    assert references(world, "dgs") == {world.decl_a.reference}
    assert references(world, "ansm") == set()


def test_acss_and_the_fssi_see_everything(world):
    everything = {world.decl_a.reference, world.decl_b.reference, world.decl_c.reference}
    assert references(world, "analyst") == everything
    assert references(world, "fssi") == everything


def test_a_revoked_membership_or_an_unverified_structure_grants_nothing(world):
    officer = world.personas["group_officer"]
    officer.memberships.filter(organisation=world.structure_c).update(status="revoked")
    assert references(world, "group_officer") == {world.decl_a.reference}
    world.structure_a.verification = "pending"
    world.structure_a.save(update_fields=["verification"])
    assert references(world, "group_officer") == set()


def test_the_selector_costs_a_constant_number_of_queries(world, django_assert_max_num_queries):
    user = world.personas["ars_idf"]
    with django_assert_max_num_queries(2):
        list(declaration_list_visible(user=user))
