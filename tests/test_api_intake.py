"""The REST API: the same declaration, the same validation, the same French messages as the form."""

import string
from contextlib import contextmanager

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acss.core import idempotency
from acss.incidents.models import Addendum, Declaration, DeclarationDraft, ReferenceCounter, SituationUpdate

from .intake_helpers import STEP_DATA, api_payload


def alert_json_for(site, **extra) -> dict:
    return {
        "structure": site.finess_et,
        "alert_summary": "Écrans bloqués, demande de rançon aux urgences",
        "alert_since": "2026-11-20T02:50",
        "alert_care_impact": "interrupted",
        "callback_phone": "06 12 34 56 78",
        "is_major": True,
        **extra,
    }


def test_a_structure_token_submits_a_declaration(world, django_capture_on_commit_callbacks):
    api = world.api("declarant_a")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            reverse("api:declaration_list"),
            api_payload(world.structure_a),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="abc",
        )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["reference"].startswith("ACSS-") and body["url"].endswith(f"/api/v1/declarations/{body['reference']}/")
    detail = api.get(body["url"]).json()
    assert detail["title"] == "Rançongiciel sur le PACS"
    assert sorted(detail["systems"]) == ["annuaire", "imagerie-pacs"]
    assert Declaration.objects.get(reference=body["reference"]).channel == "api"
    retry = api.post(
        reverse("api:declaration_list"),
        api_payload(world.structure_a),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="abc",
    )
    assert retry.status_code == 200 and retry.json()["reference"] == body["reference"]
    assert Declaration.objects.filter(title="Rançongiciel sur le PACS").count() == 1


def test_a_structure_cannot_declare_for_another(world):
    """Naming a structure one does not act for is the 404 of anything one cannot read; nothing is written."""
    api = world.api("declarant_b")
    missing = api.get(reverse("api:declaration_detail", args=["ACSS-0000-000000"]))
    for name, payload in (
        ("api:declaration_list", api_payload(world.structure_a)),
        ("api:quick_alert", alert_json_for(world.structure_a)),
        ("api:quick_alert", alert_json_for(world.structure_a, structure="750712184")),  # no such structure
    ):
        response = api.post(reverse(name), payload, content_type="application/json")
        assert response.status_code == 404, name
        assert response.json() == missing.json(), name
    assert not Declaration.objects.filter(structure=world.structure_a).exclude(pk=world.decl_a.pk).exists()


@pytest.mark.parametrize("structure", ["", "7507", "not-a-finess", None])
def test_a_missing_or_malformed_structure_is_a_field_error(world, structure):
    response = world.api("declarant_b").post(
        reverse("api:quick_alert"),
        alert_json_for(world.structure_b, structure=structure),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "structure" in response.json()["errors"]


def test_quick_alert_addendum_and_situation_through_the_api(world):
    api = world.api("declarant_a")
    alert = api.post(
        reverse("api:quick_alert"),
        {
            "structure": world.structure_a.finess_et,
            "alert_summary": "Rançon affichée",
            "alert_since": "2026-11-20T02:50",
            "alert_care_impact": "degraded",
            "callback_phone": "0612345678",
            "is_major": False,
        },
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="a1",
    )
    assert alert.status_code == 201
    ref = alert.json()["reference"]
    added = api.post(
        reverse("api:addendum", args=[ref]),
        {"kind": "new_fact", "body": "Sauvegardes OK"},
        content_type="application/json",
    )
    assert added.status_code == 201
    situation = api.post(
        reverse("api:situation", args=[ref]),
        {"situation": "normal", "effective_at": "2026-11-20T08:00"},
        content_type="application/json",
    )
    assert situation.status_code == 201
    refused = world.api("ars_idf").post(  # the region's ARS reads the declaration but does not add to it
        reverse("api:addendum", args=[ref]), {"kind": "new_fact", "body": "x"}, content_type="application/json"
    )
    assert refused.status_code == 403


# --------------------------------------------------------------------------------------------------
# Retries of complements and situation updates (Idempotency-Key)
# --------------------------------------------------------------------------------------------------

REUSED = {"detail": "Cette clé d'idempotence a déjà servi pour une autre requête."}
COMPLEMENT = {"kind": "new_fact", "body": "Sauvegardes intactes."}
SITUATION = {"situation": "degraded", "effective_at": "2026-11-20T08:00"}


def _post(api, name: str, declaration, body: dict, key: str | None = "k-1", **extra):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return api.post(reverse(name, args=[declaration.reference]), body, **headers, **extra)


def _json(api, name, declaration, body, key="k-1"):
    return _post(api, name, declaration, body, key, content_type="application/json")


@pytest.fixture
def concurrent_commit(monkeypatch):
    """Under ``with concurrent_commit():`` the next look for an idempotency key misses the row stored under it,
    as when a concurrent request with that key commits between this one's look and its INSERT."""
    real = idempotency._stored
    blind = {"next": False}

    def stored(model, key):
        if blind["next"]:
            blind["next"] = False
            return None
        return real(model, key)

    monkeypatch.setattr(idempotency, "_stored", stored)

    @contextmanager
    def racing():
        blind["next"] = True
        yield
        assert not blind["next"], "the write never looked for its key"

    return racing


# The writes on a declaration, each with a valid body and a change of its content (the scenarios are replayed
# against the schema one by one, without parameters: each loops over both).
ON_A_DECLARATION = [
    ("api:addendum", COMPLEMENT, Addendum, [{"body": "Sauvegardes chiffrées elles aussi."}, {"kind": "correction"}]),
    (
        "api:situation",
        SITUATION,
        SituationUpdate,
        [{"situation": "interrupted"}, {"effective_at": "2026-11-20T09:00"}, {"note": "Reprise partielle"}],
    ),
]


def test_a_retry_answers_200_with_what_the_first_request_added(world):
    api = world.api("declarant_a")
    for name, body, model, _changes in ON_A_DECLARATION:
        first = _json(api, name, world.decl_a, body)
        assert first.status_code == 201, first.content
        retry = _json(api, name, world.decl_a, body)
        assert retry.status_code == 200 and retry.json() == first.json(), name
        assert model.objects.filter(declaration=world.decl_a).count() == 1
        # Without a key, each request adds one.
        assert _json(api, name, world.decl_a, body, key=None).status_code == 201
        assert model.objects.filter(declaration=world.decl_a).count() == 2


def test_a_retry_of_a_complement_with_files_answers_200(world):
    api = world.api("declarant_a")

    def send(content: bytes):
        upload = SimpleUploadedFile("journal.txt", content, content_type="text/plain")
        return _post(api, "api:addendum", world.decl_a, {"kind": "new_fact", "files": [upload]})

    first, retry = send(b"Connexion VPN refusee a 02:10\n"), send(b"Connexion VPN refusee a 02:10\n")
    assert (first.status_code, retry.status_code) == (201, 200) and first.json() == retry.json()
    assert Addendum.objects.get(declaration=world.decl_a).attachments.count() == 1
    other_file = send(b"Autre contenu\n")
    assert other_file.status_code == 409 and other_file.json() == REUSED


def test_a_key_reused_on_another_declaration_is_refused_without_a_word_of_the_first(world):
    api = world.api("group_officer")  # declares for A and for C
    for name, body, model, _changes in ON_A_DECLARATION:
        first = _json(api, name, world.decl_a, body)
        assert first.status_code == 201
        reused = _json(api, name, world.decl_c, body)
        assert reused.status_code == 409 and reused.json() == REUSED, name
        assert world.decl_a.reference not in reused.content.decode()
        assert not model.objects.filter(declaration=world.decl_c).exists()
        assert model.objects.filter(declaration=world.decl_a).count() == 1


def test_a_key_reused_with_another_content_is_refused(world):
    api = world.api("declarant_a")
    for name, body, model, changes in ON_A_DECLARATION:
        first = _json(api, name, world.decl_a, body)
        assert first.status_code == 201
        for changed in changes:
            reused = _json(api, name, world.decl_a, {**body, **changed})
            assert reused.status_code == 409 and reused.json() == REUSED, (name, changed)
        assert model.objects.filter(declaration=world.decl_a).count() == 1
    # The same instant written with its offset is the same content.
    same = _json(api, "api:situation", world.decl_a, {**SITUATION, "effective_at": "2026-11-20T07:00:00Z"})
    assert same.status_code == 200


def test_a_key_is_each_person_s_own(world):
    """Another person's request with the same key is another request: added, and nothing of the first."""
    first = _json(world.api("declarant_a"), "api:addendum", world.decl_a, COMPLEMENT)
    other = _json(world.api("manager_a"), "api:addendum", world.decl_a, COMPLEMENT)
    assert (first.status_code, other.status_code) == (201, 201) and first.json() != other.json()
    assert Addendum.objects.filter(declaration=world.decl_a).count() == 2


def test_a_request_that_loses_the_race_gets_the_winner_s_row(world, concurrent_commit):
    """The unique constraint decides: the INSERT that comes second fails, and the row of the first is read back
    (or, when the second said something else, the key is refused as reused)."""
    api = world.api("declarant_a")
    for name, body, model, changes in ON_A_DECLARATION:
        first = _json(api, name, world.decl_a, body)
        with concurrent_commit():
            second = _json(api, name, world.decl_a, body)
        assert second.status_code == 200 and second.json() == first.json(), name
        with concurrent_commit():
            other = _json(api, name, world.decl_a, {**body, **changes[0]})
        assert other.status_code == 409 and other.json() == REUSED
        assert model.objects.count() == 1


def test_a_declaration_that_loses_the_race_gets_the_winner_s(world, concurrent_commit):
    api = world.api("declarant_a")
    url = reverse("api:declaration_list")
    first = api.post(url, api_payload(world.structure_a), content_type="application/json", HTTP_IDEMPOTENCY_KEY="d")
    assert first.status_code == 201
    counter = ReferenceCounter.objects.get().last
    with concurrent_commit():
        second = api.post(
            url, api_payload(world.structure_a), content_type="application/json", HTTP_IDEMPOTENCY_KEY="d"
        )
    assert second.status_code == 200 and second.json()["reference"] == first.json()["reference"]
    assert Declaration.objects.filter(title="Rançongiciel sur le PACS").count() == 1
    assert ReferenceCounter.objects.get().last == counter  # the loser's number was given back with its savepoint


def test_an_address_longer_than_its_column_is_refused_in_french(world):
    """Valid as an address, but longer than the 254 characters its column holds (PostgreSQL would refuse it)."""
    api = world.api("declarant_a")
    long_address = "x" * 250 + "@a.test"
    for field in ("declarant_email", "alt_contact_email"):
        payload = {**api_payload(world.structure_a), field: long_address}
        response = api.post(reverse("api:declaration_list"), payload, content_type="application/json")
        assert response.status_code == 400
        assert response.json()["errors"] == {
            field: ["Une adresse électronique compte 254 caractères au plus (257 saisis)."]
        }
    assert not Declaration.objects.filter(title="Rançongiciel sur le PACS").exists()
    at_the_limit = {**api_payload(world.structure_a), "alt_contact_email": "x" * 247 + "@a.test"}
    response = api.post(reverse("api:declaration_list"), at_the_limit, content_type="application/json")
    assert response.status_code == 201, response.content
    assert (
        Declaration.objects.get(title="Rançongiciel sur le PACS").alt_contact_email == at_the_limit["alt_contact_email"]
    )


def test_the_openapi_schema_describes_the_writes(client, db):
    schema = client.get(reverse("api:schema")).content.decode()
    for path in ("/api/v1/declarations/", "/api/v1/alertes/", "/api/v1/declarations/{reference}/complements/"):
        assert path in schema


FIELDS = {  # step, field
    "declarant_phone": 1,
    "declarant_email": 1,
    "alt_contact_email": 1,
    "title": 2,
    "discovered_at": 2,
    "occurred_at": 2,
    "scope": 2,
    "patients_count": 3,
    "degraded_hours": 3,
    "functioning": 3,
    "category": 4,
}


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    field=st.sampled_from(sorted(FIELDS)),
    value=st.one_of(
        st.text(alphabet=string.ascii_letters + string.digits + " -+:@.T/", max_size=30),
        st.sampled_from(["", "2099-01-01T00:00", "-1", "abc@", "2026-11-20T03:00", "0"]),
    ),
)
def test_the_api_and_the_form_give_the_same_messages(world_for_hypothesis, field, value):
    world = world_for_hypothesis
    step = FIELDS[field]
    form_data = dict(STEP_DATA[step - 1], nav="next")
    if step == 1:
        form_data["structure"] = world.structure_a.finess_et
    form_data[field] = value
    page = world.client("declarant_a").post(reverse("incidents:draft_step", args=[world.draft.key, step]), form_data)
    form_errors = page.context["form"].errors.get(field, []) if page.status_code == 200 else []
    payload = api_payload(world.structure_a)
    payload[field] = value
    api = world.api("declarant_a").post(reverse("api:declaration_list"), payload, content_type="application/json")
    api_errors = api.json().get("errors", {}).get(field, []) if api.status_code == 400 else []
    assert list(form_errors) == api_errors


@pytest.fixture
def world_for_hypothesis(world):
    client = world.client("declarant_a")
    client.post(reverse("incidents:draft_new"))
    world.draft = DeclarationDraft.objects.latest("created_at")
    return world
