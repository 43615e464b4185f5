"""The REST API: the same declaration, the same validation, the same French messages as the form."""

import string

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acss.declarations.models import Declaration, DeclarationDraft

from .intake_helpers import STEP_DATA, api_payload


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
    response = world.api("declarant_b").post(
        reverse("api:declaration_list"), api_payload(world.structure_a), content_type="application/json"
    )
    assert response.status_code == 400
    assert "Sélectionnez un choix valide" in response.json()["errors"]["structure"][0]


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
    refused = world.api("ars_idf").post(
        reverse("api:addendum", args=[ref]), {"kind": "new_fact", "body": "x"}, content_type="application/json"
    )
    assert refused.status_code == 404


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
    page = world.client("declarant_a").post(reverse("declarations:draft_step", args=[world.draft.key, step]), form_data)
    form_errors = page.context["form"].errors.get(field, []) if page.status_code == 200 else []
    payload = api_payload(world.structure_a)
    payload[field] = value
    api = world.api("declarant_a").post(reverse("api:declaration_list"), payload, content_type="application/json")
    api_errors = api.json().get("errors", {}).get(field, []) if api.status_code == 400 else []
    assert list(form_errors) == api_errors


@pytest.fixture
def world_for_hypothesis(world):
    client = world.client("declarant_a")
    client.post(reverse("declarations:draft_new"))
    world.draft = DeclarationDraft.objects.latest("created_at")
    return world
