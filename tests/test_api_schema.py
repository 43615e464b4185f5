"""The REST API against its OpenAPI schema: what the schema says is what the API does.

- Every operation with a body, found by walking the schema, refuses a body that is not a JSON object, or not JSON,
  or of another content type, with a French 4xx; a route the walker cannot fill fails the test.
- Values of the wrong JSON type inside an object are field errors in French, never a 500 nor a silent coercion.
- The scenarios of the API tests are replayed through a client that checks every answer against the schema: the
  status is documented, the body valid (null only where declared nullable, no undocumented key, dates with an
  offset).
- The rules the forms apply are in the schema (required, lengths, bounds, choices, date-time, cross-field rules).
- Random JSON never gives a 5xx.
"""

from __future__ import annotations

import functools
import inspect
import json
import re
from datetime import datetime, timedelta

import jsonschema
import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token

from acss.core.api import NOT_AN_OBJECT
from acss.incidents.forms.declarations import STEPS, AddendumForm, QuickAlertForm, SituationForm
from acss.incidents.models import Addendum, Declaration, Message, SituationUpdate

from . import test_api_intake as intake_scenarios
from . import test_api_parity as parity_scenarios
from . import test_cases_api as handling_scenarios
from .intake_helpers import api_payload

# --------------------------------------------------------------------------------------------------
# The schema, and checking answers against it
# --------------------------------------------------------------------------------------------------


@functools.cache
def openapi() -> dict:
    """The schema as served, generated in-process (no request, no database)."""
    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def _as_jsonschema(node):
    """OpenAPI 3.0 to JSON Schema: ``nullable`` becomes a null alternative, and an object may carry only the
    properties it documents."""
    if isinstance(node, list):
        return [_as_jsonschema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _as_jsonschema(value) for key, value in node.items() if key != "nullable"}
    if "properties" in node:
        out["properties"] = {name: _as_jsonschema(value) for name, value in node["properties"].items()}
        out.setdefault("additionalProperties", False)
    if node.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


FORMATS = jsonschema.FormatChecker(formats=[])


@FORMATS.checks("date-time", raises=ValueError)
def _rfc3339(value) -> bool:
    """RFC 3339: a date, a time and an offset."""
    return not isinstance(value, str) or datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None


@FORMATS.checks("email")
def _email(value) -> bool:
    return not isinstance(value, str) or re.fullmatch(r"[^@\s]+@[^@\s]+", value) is not None


def validator(schema: dict, node: dict) -> jsonschema.Draft4Validator:
    components = {name: _as_jsonschema(s) for name, s in schema["components"]["schemas"].items()}
    return jsonschema.Draft4Validator(
        {**_as_jsonschema(node), "components": {"schemas": components}}, format_checker=FORMATS
    )


def component(schema: dict, name: str) -> dict:
    return schema["components"]["schemas"][name]


class SchemaChecker:
    """Checks each answer of the API against the operation of the schema it comes from."""

    def __init__(self, schema: dict):
        self.schema = schema
        self.routes = [(re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", p) + "$"), p) for p in schema["paths"]]
        self.problems: list[str] = []
        self.seen: set[tuple[str, str, int]] = set()

    def check(self, response) -> None:
        path, method = response.request["PATH_INFO"], response.request["REQUEST_METHOD"].lower()
        if not path.startswith("/api/") or path == reverse("api:schema"):
            return
        template = next((t for regex, t in self.routes if regex.match(path)), None)
        if template is None:
            self.problems.append(f"{method.upper()} {path}: route absent from the schema")
            return
        status = response.status_code
        self.seen.add((method, template, status))
        operation = self.schema["paths"][template].get(method)
        if operation is None:
            if status != 405:
                self.problems.append(f"{method.upper()} {template}: answered {status}, operation not in the schema")
            return
        documented = operation["responses"].get(str(status))
        if documented is None:
            self.problems.append(f"{method.upper()} {template}: answered {status}, not documented")
            return
        media = documented.get("content", {}).get("application/json")
        if media is None:
            return
        for error in validator(self.schema, media["schema"]).iter_errors(response.json()):
            where = "/".join(str(p) for p in error.absolute_path)
            self.problems.append(f"{method.upper()} {template} {status} at /{where}: {error.message}")


class CheckedClient(Client):
    def __init__(self, checker: SchemaChecker, **defaults):
        super().__init__(**defaults)
        self.checker = checker

    def request(self, **request):
        response = super().request(**request)
        self.checker.check(response)
        return response


def checked_api(world, checker: SchemaChecker):
    """``world.api`` with every answer checked against the schema."""

    def api(persona: str) -> CheckedClient:
        user = world.personas[persona]
        if user is None:
            return CheckedClient(checker)
        token, _created = Token.objects.get_or_create(user=user)
        return CheckedClient(checker, HTTP_AUTHORIZATION=f"Token {token.key}")

    return api


# --------------------------------------------------------------------------------------------------
# Walking the operations with a body
# --------------------------------------------------------------------------------------------------

WRITERS = {  # path prefix: a persona allowed to write there (the longest prefix wins)
    "/api/v1/declarations/": "declarant_a",
    "/api/v1/alertes/": "declarant_a",
    "/api/v1/dossiers/": "analyst",
    "/api/v1/accompagnements/": "analyst",
}


def _nis2_stage(world) -> str:
    """Declaration A made a NIS 2 entity's, so that its stage « notification » exists."""
    Declaration.objects.filter(pk=world.decl_a.pk).update(structure_snapshot={"nis2": "essential"})
    return "notification"


PATH_PARAMETERS = {"reference": lambda world: world.decl_a.reference, "stage": _nis2_stage}

NON_OBJECTS = ["true", "false", "[]", '[{"title": "x"}]', "1", "-1.5", '"x"', "null"]
NOT_JSON = {  # body: what the French message says
    b'{"title": ': "n'est pas du JSON valide (ligne 1, colonne 11)",
    b"{'title': 'x'}": "n'est pas du JSON valide (ligne 1, colonne 2)",
    b'{"title": "x",}': "n'est pas du JSON valide",
    b'{"degraded_hours": NaN}': "n'est pas du JSON valide.",
    b'{"degraded_hours": 1e999}': "contient un nombre hors des limites.",
    b'{"title": "\\ud800"}': "contient un caractère Unicode invalide.",
    b"9" * 5000: "n'est pas du JSON valide.",
    b"[" * 100_000: "est trop imbriqué.",
    b'{"title": "\xff"}': "n'est pas du texte valide dans l'encodage utf-8.",
}


def writes(schema: dict) -> list[tuple[str, str, dict]]:
    return [(path, method, op) for path, method, op in operations(schema) if "requestBody" in op]


def fill(template: str, world) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in PATH_PARAMETERS:
            pytest.fail(f"{template}: no value for the path parameter {name!r}; add one to PATH_PARAMETERS")
        return PATH_PARAMETERS[name](world)

    return re.sub(r"\{([^}]+)\}", value, template)


def writer(template: str) -> str:
    prefixes = [p for p in WRITERS if template.startswith(p)]
    if not prefixes:
        pytest.fail(f"{template}: no persona known to write there; add one to WRITERS")
    return WRITERS[max(prefixes, key=len)]


def written(world) -> tuple[int, ...]:
    return (
        Declaration.objects.count(),
        Addendum.objects.count(),
        SituationUpdate.objects.count(),
        Message.objects.count(),
    )


def test_the_walker_finds_every_write_of_the_api():
    found = {(method, path) for path, method, _op in writes(openapi())}
    assert found >= {
        ("post", "/api/v1/declarations/"),
        ("post", "/api/v1/alertes/"),
        ("post", "/api/v1/declarations/{reference}/complements/"),
        ("post", "/api/v1/declarations/{reference}/situations/"),
        ("post", "/api/v1/declarations/{reference}/completion/"),
        ("post", "/api/v1/dossiers/{reference}/messages/"),
        ("post", "/api/v1/dossiers/{reference}/actions/"),
        ("post", "/api/v1/declarations/{reference}/declarations-reglementaires/{stage}/contenu/"),
        ("post", "/api/v1/declarations/{reference}/declarations-reglementaires/{stage}/envoi/"),
    }


def test_every_write_refuses_a_body_that_is_not_a_json_object_in_french(world):
    schema = openapi()
    checker = SchemaChecker(schema)
    api = checked_api(world, checker)
    before = written(world)
    for template, method, _op in writes(schema):
        client, url = api(writer(template)), fill(template, world)

        # The persona gets through to validation: an empty object gives field errors.
        reached = client.generic(method.upper(), url, "{}", content_type="application/json")
        assert reached.status_code == 400 and reached.json()["errors"], (template, reached.content)

        for body in NON_OBJECTS:
            response = client.generic(method.upper(), url, body, content_type="application/json")
            assert response.status_code == 400, (template, body, response.status_code)
            assert response.json() == {"detail": str(NOT_AN_OBJECT)}, (template, body)
        for body, message in NOT_JSON.items():
            response = client.generic(method.upper(), url, body, content_type="application/json")
            assert response.status_code == 400, (template, body[:30], response.status_code)
            detail = response.json()["detail"]
            assert detail.startswith("Le corps de la requête ") and message in detail, (template, body[:30], detail)
    assert written(world) == before
    assert checker.problems == []


def test_every_write_refuses_another_content_type_in_french(world):
    schema = openapi()
    checker = SchemaChecker(schema)
    api = checked_api(world, checker)
    for template, method, op in writes(schema):
        client, url = api(writer(template)), fill(template, world)
        for content_type in ("text/plain", "application/xml", "application/x-www-form-urlencoded"):
            if content_type in op["requestBody"]["content"]:
                continue
            response = client.generic(method.upper(), url, "kind=note", content_type=content_type)
            assert response.status_code == 415, (template, content_type, response.status_code)
            assert response.json() == {"detail": f"Type de média «\xa0{content_type}\xa0» non supporté."}
    assert checker.problems == []


def test_an_unreadable_multipart_body_is_refused_in_french(world, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3
    checker = SchemaChecker(openapi())
    client = checked_api(world, checker)("declarant_a")
    url = reverse("api:addendum", args=[world.decl_a.reference])
    for content_type in ("multipart/form-data", "multipart/form-data; boundary="):
        response = client.generic("POST", url, b"--x\r\nnot a part", content_type=content_type)
        assert response.status_code == 400
        assert response.json() == {"detail": "Le corps multipart/form-data de la requête est illisible."}
    many = client.post(url, {f"field{i}": "x" for i in range(5)})  # multipart, from the test client
    assert many.status_code == 400
    assert many.json() == {"detail": "La requête contient trop de champs ou de fichiers."}
    assert checker.problems == []


def test_a_complement_with_files_goes_as_multipart(world):
    checker = SchemaChecker(openapi())
    url = reverse("api:addendum", args=[world.decl_a.reference])
    upload = SimpleUploadedFile("journal.txt", b"Connexion VPN refusee a 02:10\n", content_type="text/plain")
    response = checked_api(world, checker)("declarant_a").post(url, {"kind": "new_fact", "files": [upload]})
    assert response.status_code == 201, response.content
    assert Addendum.objects.get(pk=response.json()["id"]).attachments.get().original_name == "journal.txt"
    assert checker.problems == []


def test_a_body_larger_than_allowed_is_refused(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    checker = SchemaChecker(openapi())
    body = json.dumps({"title": "x" * 2000})
    response = checked_api(world, checker)("declarant_a").generic(
        "POST", reverse("api:declaration_list"), body, content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json() == {"detail": "Le corps de la requête dépasse la taille autorisée (1000 octets)."}
    assert checker.problems == []


# --------------------------------------------------------------------------------------------------
# Values of the wrong type inside an object
# --------------------------------------------------------------------------------------------------


def _valid_bodies(world) -> dict[str, tuple[str, str, dict]]:
    """endpoint: (url, persona, a body that passes the field validation)."""
    ref = world.decl_a.reference
    return {
        "declaration": (reverse("api:declaration_list"), "declarant_a", api_payload(world.structure_a)),
        "alert": (
            reverse("api:quick_alert"),
            "declarant_a",
            {
                "structure": world.structure_a.finess_et,
                "alert_summary": "Rançon affichée",
                "alert_since": "2026-11-20T02:50",
                "alert_care_impact": "degraded",
                "callback_phone": "0612345678",
                "is_major": False,
            },
        ),
        "addendum": (reverse("api:addendum", args=[ref]), "declarant_a", {"kind": "new_fact", "body": "Sauvegardes"}),
        "completion": (reverse("api:completion", args=[ref]), "declarant_a", api_payload(world.structure_a)),
        "situation": (
            reverse("api:situation", args=[ref]),
            "declarant_a",
            {"situation": "degraded", "effective_at": "2026-11-20T08:00"},
        ),
        "message": (reverse("api:case_messages", args=[ref]), "analyst", {"kind": "question", "body": "Depuis ?"}),
        "close": (reverse("api:case_actions", args=[ref]), "analyst", {"action": "close", "summary": "Restauré."}),
        "assign": (
            reverse("api:case_actions", args=[ref]),
            "analyst",
            {"action": "assign", "analyst": "analyste@acss.test"},
        ),
    }


WRONG_TYPES = [  # endpoint, field, value, what the French message says
    ("declaration", "title", {"fr": "Rançongiciel"}, "Une seule valeur (un texte) est attendue."),
    ("declaration", "title", ["Rançongiciel"], "Une seule valeur (un texte) est attendue."),
    ("declaration", "title", True, "Une seule valeur (un texte) est attendue."),
    ("declaration", "structure", {"finess_et": "750000012"}, "Une seule valeur (un texte) est attendue."),
    ("declaration", "systems", "annuaire", "Une liste est attendue"),
    ("declaration", "systems", [["annuaire"]], "Chaque élément de la liste doit être un texte."),
    ("declaration", "data_categories", [{"code": "sante"}], "Chaque élément de la liste doit être un texte."),
    ("declaration", "unavailability", "oui", "La valeur doit être true ou false."),
    ("declaration", "patients_count", [150], "Un nombre entier est attendu."),
    ("declaration", "patients_count", 10**30, "inférieure ou égale à 100000000"),
    ("declaration", "degraded_hours", 1e300, "Saisissez un nombre entier."),
    ("declaration", "degraded_hours", -(10**20), "supérieure ou égale à 0"),
    ("alert", "is_major", "x", "La valeur doit être true ou false."),
    ("completion", "health_products", "oui", "La valeur doit être true ou false."),
    ("completion", "systems", "imagerie-pacs", "Une liste est attendue"),
    ("completion", "discovered_at", 20261120, "Saisissez une date et une heure"),
    ("alert", "alert_since", {"date": "2026-11-20"}, "Saisissez une date et une heure"),
    ("situation", "note", ["Reprise partielle"], "Une seule valeur (un texte) est attendue."),
    ("situation", "effective_at", 20261120, "Saisissez une date et une heure"),
    ("addendum", "body", {"texte": "x"}, "Une seule valeur (un texte) est attendue."),
    ("addendum", "files", ["journal.txt"], "Les fichiers s'envoient en multipart/form-data, pas en JSON."),
    ("message", "body", ["Depuis ?"], "Une seule valeur (un texte) est attendue."),
    ("message", "kind", ["question"], "n'est pas un choix valide"),
    ("message", "question", 10**30, "inférieure ou égale à"),
    ("assign", "action", ["assign"], "Action inconnue"),
    ("assign", "action", {"name": "assign"}, "Action inconnue"),
    ("assign", "analyst", ["analyste@acss.test"], "Une seule valeur (un texte) est attendue."),
    ("close", "summary", {"texte": "Restauré."}, "Une seule valeur (un texte) est attendue."),
    ("close", "degraded_hours", 10**12, "inférieure ou égale à 100000"),
    ("close", "patients_affected", 1e300, "Saisissez un nombre entier."),
]


@pytest.mark.parametrize(("endpoint", "field", "value", "message"), WRONG_TYPES)
def test_a_value_of_the_wrong_type_is_a_field_error_in_french(world, endpoint, field, value, message):
    url, persona, body = _valid_bodies(world)[endpoint]
    checker = SchemaChecker(openapi())
    before = written(world)
    response = checked_api(world, checker)(persona).post(url, {**body, field: value}, content_type="application/json")
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    # Without a valid text, a complement has neither text nor file: the form says so too.
    also = ["__all__"] if (endpoint, field) == ("addendum", "body") else []
    assert sorted(errors) == sorted([field, *also]), errors
    assert message in errors[field][0], errors
    assert written(world) == before
    assert checker.problems == []


def test_the_valid_bodies_of_these_checks_are_accepted(world):
    """The bodies the wrong values are put into are valid, so each refusal above is the wrong value's."""
    bodies = _valid_bodies(world)
    for endpoint in ("declaration", "alert", "addendum", "situation", "completion", "message", "assign"):
        url, persona, body = bodies[endpoint]
        response = world.api(persona).post(url, body, content_type="application/json")
        assert response.status_code in (200, 201), (endpoint, response.content)


def test_a_long_idempotency_key_is_not_cut(world):
    """Two keys that share their first 64 characters name two declarations, and each one a single one."""
    api = world.api("declarant_a")
    url, _persona, body = _valid_bodies(world)["alert"]
    references = []
    for key in ("k" * 70 + "1", "k" * 70 + "2", "k" * 70 + "1"):
        response = api.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)
        assert response.status_code in (200, 201)
        references.append(response.json()["reference"])
    assert references[0] != references[1] and references[0] == references[2]


# --------------------------------------------------------------------------------------------------
# The schema against reality
# --------------------------------------------------------------------------------------------------


def _cases(function) -> list[tuple[str, dict]]:
    """The arguments of each case of a parametrised test (one case of none otherwise); the cases that go through
    the pages only (``transport`` « page ») have no API call to check."""
    cases = [("", {})]
    for mark in getattr(function, "pytestmark", []):
        if mark.name != "parametrize":
            continue
        names = mark.args[0].replace(" ", "").split(",") if isinstance(mark.args[0], str) else list(mark.args[0])
        rows = [values if len(names) > 1 else (values,) for values in mark.args[1]]
        cases = [
            (f"{case_id}[{index}]", {**kwargs, **dict(zip(names, row, strict=True))})
            for case_id, kwargs in cases
            for index, row in enumerate(rows)
        ]
    return [(case_id, kwargs) for case_id, kwargs in cases if kwargs.get("transport") != "page"]


def _scenarios():
    """The API tests that work on the shared world (property-based ones aside), each case of a parametrised one."""
    for module in (intake_scenarios, handling_scenarios, parity_scenarios):
        for name, function in vars(module).items():
            if (
                name.startswith("test_")
                and inspect.isfunction(function)
                and not getattr(function, "is_hypothesis_test", False)
                and "world" in inspect.signature(function).parameters
            ):
                for case_id, kwargs in _cases(function):
                    scenario = functools.partial(function, **kwargs) if kwargs else function
                    yield pytest.param(scenario, id=f"{module.__name__.rsplit('.', 1)[-1]}::{name}{case_id}")


unescalated = handling_scenarios.unescalated  # fixtures of the scenarios, replayed here
concurrent_commit = intake_scenarios.concurrent_commit


@pytest.mark.django_db  # the world is asked for by name: say it needs the database, to run with the db tests
@pytest.mark.parametrize("scenario", list(_scenarios()))
def test_the_api_answers_what_the_schema_documents(scenario, request, monkeypatch):
    world = request.getfixturevalue("world")
    checker = SchemaChecker(openapi())
    monkeypatch.setattr(world, "api", checked_api(world, checker))
    fixtures = [name for name, p in inspect.signature(scenario).parameters.items() if p.default is p.empty]
    scenario(**{name: request.getfixturevalue(name) for name in fixtures})
    assert checker.seen, "no API call was checked"
    assert checker.problems == []


def test_errors_and_reads_are_answered_as_documented(world):
    checker = SchemaChecker(openapi())
    api = checked_api(world, checker)
    ref = world.decl_a.reference
    declarations = reverse("api:declaration_list")

    listed = api("declarant_a").get(declarations).json()["results"]
    assert {d["reference"] for d in listed} == {ref}
    assert listed[0]["category"] is None and listed[0]["vector"] is None  # declared nullable, checked above
    api("analyst").get(reverse("api:declaration_detail", args=[ref]))
    api("declarant_a").get(reverse("api:me"))
    api("declarant_a").get(reverse("api:case_detail", args=[ref]))
    api("analyst").get(reverse("api:case_detail", args=[ref]))
    api("analyst").get(reverse("api:case_messages", args=[ref]))

    assert api("declarant_a").get(declarations, {"page": 9}).status_code == 404
    assert api("anonymous").post(declarations, {}, content_type="application/json").status_code == 401
    bad_token = CheckedClient(checker, HTTP_AUTHORIZATION="Token 0000")
    assert bad_token.get(reverse("api:case_detail", args=[ref])).status_code == 401

    # A 404 says the same whether the declaration is missing or hidden; visible but not writable is a 403 that
    # says who may write.
    missing = api("declarant_a").get(reverse("api:declaration_detail", args=["ACSS-2099-999999"]))
    hidden = api("declarant_b").get(reverse("api:declaration_detail", args=[ref]))
    hidden_write = api("declarant_b").post(
        reverse("api:addendum", args=[ref]), {"kind": "new_fact", "body": "x"}, content_type="application/json"
    )
    no_case = api("analyst").get(reverse("api:case_detail", args=["ACSS-2099-999999"]))
    assert missing.status_code == hidden.status_code == hidden_write.status_code == no_case.status_code == 404
    assert missing.json() == hidden.json() == hidden_write.json() == no_case.json()
    assert missing.json()["detail"].startswith("Introuvable")
    not_writable = api("ars_idf").post(
        reverse("api:addendum", args=[ref]), {"kind": "new_fact", "body": "x"}, content_type="application/json"
    )
    assert not_writable.status_code == 403
    assert not_writable.json()["errors"]["__all__"] == [
        "Seules la structure et la cellule ACSS complètent une déclaration."
    ]

    assert checker.problems == []
    for expected in (
        ("get", "/api/v1/declarations/", 200),
        ("get", "/api/v1/declarations/", 404),
        ("post", "/api/v1/declarations/", 401),
        ("get", "/api/v1/declarations/{reference}/", 404),
        ("post", "/api/v1/declarations/{reference}/complements/", 404),
        ("get", "/api/v1/dossiers/{reference}/", 401),
    ):
        assert expected in checker.seen


def _property(schema: dict, node: dict) -> dict:
    """A property with its reference resolved (enums), and for an optional one, its non-empty, non-null choice."""
    if "$ref" in node:
        return component(schema, node["$ref"].rsplit("/", 1)[-1])
    for key in ("allOf", "oneOf"):
        if key in node:
            first, *others = node[key]
            assert all(o in ({"type": "string", "maxLength": 0}, *EMPTY_ENUMS) for o in others), node
            return {**_property(schema, first), **{k: v for k, v in node.items() if k != key}}
    return node


EMPTY_ENUMS = ({"$ref": "#/components/schemas/BlankEnum"}, {"$ref": "#/components/schemas/NullEnum"})


REQUEST_COMPONENTS = [
    ("DeclarationInput", STEPS),
    ("QuickAlertInput", [QuickAlertForm]),
    ("AddendumInput", [AddendumForm]),
    ("AddendumUpload", [AddendumForm]),
    ("SituationInput", [SituationForm]),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "form_classes"), REQUEST_COMPONENTS)
def test_the_schema_states_the_rules_of_the_forms(name, form_classes):
    schema = openapi()
    request_schema = component(schema, name)
    properties, required = request_schema["properties"], set(request_schema.get("required", []))
    for form_class in form_classes:
        for field_name, field in form_class.base_fields.items():
            if isinstance(field, forms.FileField) and name != "AddendumUpload":
                assert field_name not in properties
                continue
            prop = _property(schema, properties[field_name])
            assert (field_name in required) == field.required, field_name
            assert prop.get("description"), field_name
            if getattr(field, "max_length", None):
                assert prop["maxLength"] == field.max_length, field_name
            if isinstance(field, forms.CharField) and field.required:
                assert prop["minLength"] == 1, field_name
            if isinstance(field, forms.IntegerField):
                assert prop["type"] == "integer"
                assert (prop.get("minimum"), prop.get("maximum")) == (field.min_value, field.max_value), field_name
            if isinstance(field, forms.DateTimeField):
                assert prop["format"] == "date-time", field_name
            if isinstance(field, forms.BooleanField):
                assert prop["type"] == "boolean", field_name
            if isinstance(field, forms.ModelMultipleChoiceField):
                active = set(field.queryset.values_list("code", flat=True))
                assert set(_property(schema, prop["items"])["enum"]) == active, field_name
            elif isinstance(field, forms.ModelChoiceField) and field.queryset is not None:
                assert set(prop["enum"]) == set(field.queryset.values_list("code", flat=True)), field_name
            elif isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
                assert prop["enum"] == [value for value, _label in field.choices if value != ""], field_name


def test_the_schema_states_the_rules_across_fields():
    schema = openapi()

    def description(name: str, field: str) -> str:
        return component(schema, name)["properties"][field]["description"]

    assert "Obligatoire si scope vaut « shared_provider »" in description("DeclarationInput", "provider_name")
    assert "Obligatoire si health_products est vrai" in description("DeclarationInput", "health_products_details")
    assert "Doit différer de declarant_email" in description("DeclarationInput", "alt_contact_email")
    assert "ni avant occurred_at" in description("DeclarationInput", "discovered_at")
    assert "Doit correspondre à origin" in description("DeclarationInput", "category")
    assert "GET /api/v1/moi/" in description("QuickAlertInput", "structure")
    assert "sauf si des fichiers sont joints" in description("AddendumInput", "body")
    idempotency = {
        (method, path): p
        for path, method, op in operations(schema)
        for p in op.get("parameters", [])
        if method == "post" and p["name"] == "Idempotency-Key"
    }
    assert set(idempotency) == {(method, path) for path, method, _op in writes(schema)}  # every write takes one
    assert all(p["in"] == "header" and p["description"] for p in idempotency.values())


def _schema_valid_bodies(world) -> dict[str, tuple[str, str, dict]]:
    """Bodies valid by the schema itself: numbers as numbers, dates with an offset."""
    bodies = _valid_bodies(world)
    declaration = {
        **api_payload(world.structure_a),
        "occurred_at": "2026-11-20T02:30:00+01:00",
        "discovered_at": "2026-11-20T03:00:00+01:00",
        "degraded_hours": 12,
        "patients_count": 150,
    }
    alert = {**bodies["alert"][2], "alert_since": "2026-11-20T02:50:00+01:00"}
    situation = {**bodies["situation"][2], "effective_at": "2026-11-20T08:00:00Z"}
    return {
        "DeclarationInput": (bodies["declaration"][0], declaration),
        "QuickAlertInput": (bodies["alert"][0], alert),
        "SituationInput": (bodies["situation"][0], situation),
    }


@pytest.mark.parametrize(
    ("name", "field"),
    [("DeclarationInput", "discovered_at"), ("QuickAlertInput", "alert_since"), ("SituationInput", "effective_at")],
)
def test_a_request_valid_by_the_schema_is_refused_only_for_a_rule_the_schema_states(world, name, field):
    schema = openapi()
    url, body = _schema_valid_bodies(world)[name]
    request_validator = validator(schema, {"$ref": f"#/components/schemas/{name}"})
    assert list(request_validator.iter_errors(body)) == []
    future = {**body, field: (timezone.now() + timedelta(days=2)).isoformat(timespec="seconds")}
    assert list(request_validator.iter_errors(future)) == []

    response = world.api("declarant_a").post(url, future, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"] == {field: ["Cette date est dans le futur : vérifiez le jour et l'heure."]}
    assert "Pas dans le futur" in component(schema, name)["properties"][field]["description"]
    assert world.api("declarant_a").post(url, body, content_type="application/json").status_code == 201


def test_the_served_schema_is_the_generated_one(client, db):
    served = client.get(reverse("api:schema"), {"format": "json"})
    assert served.status_code == 200
    assert served.json() == openapi()


# --------------------------------------------------------------------------------------------------
# Random JSON
# --------------------------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
FIELD_NAMES = sorted({name for form in [*STEPS, QuickAlertForm] for name in form.base_fields})


@pytest.mark.django_db
@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    endpoint=st.sampled_from(["api:declaration_list", "api:quick_alert"]),
    body=JSON_VALUES | st.dictionaries(st.sampled_from(FIELD_NAMES), JSON_VALUES, max_size=8),
    on_a_valid_declaration=st.booleans(),
)
def test_random_json_never_gives_a_server_error(world, endpoint, body, on_a_valid_declaration):
    if on_a_valid_declaration and isinstance(body, dict):
        body = {**api_payload(world.structure_a), **body}
    response = world.api("declarant_a").generic(
        "POST", reverse(endpoint), json.dumps(body), content_type="application/json"
    )
    assert response.status_code in (200, 201, 400), response.content
    if response.status_code == 400:
        answer = response.json()
        assert answer.get("detail") or answer.get("errors"), answer
