"""Every POST route × every persona: who may write, and that a refused write changes nothing.

Each route that accepts a POST (found by walking the URL configuration) must have a write rule below: one
without fails ``test_every_post_route_has_a_write_rule``. A rule gives the status of the POST for each of the
twelve personas of test_access_matrix and who may do the write, with a body valid enough that only the access
rule can refuse it (for a handling action, an action valid in the case's state).

Each persona's POST runs in a savepoint rolled back afterwards, so the personas do not see each other's
writes. Every table is read before and after (sessions aside: a refused form may be kept in one): a refused
POST leaves every row as it was — no new row, no changed field, no audit event; an allowed one answers 2xx/3xx
and writes.

The rule (docs/decisions.md, 2026-11-30): acting on what one cannot read is a 404; acting on what one can read
but may not change is a 403 with a French message (the DSFR error page, or the API's ``errors``). A form that is
invalid for a person who may act is shown again with what was typed. A rule that says otherwise today says so
(``today: …; target …``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import pytest
from django.apps import apps
from django.contrib import messages
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import resolve, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from acss.accounts import services as account_services
from acss.accounts.models import AccessRequest, Role, Structure, User
from acss.core.models import AuditEvent, Departement, StructureType
from acss.incidents.models import Case, CaseState, Declaration, DeclarationDraft, Escalation
from acss.incidents.services import cases as handling

from .alerts_helpers import make_alert, matched_cve, second_analyst, triage_of
from .conftest import PASSWORD, World, make_user, org
from .html_helpers import refusal_of
from .intake_helpers import STEP_DATA, api_payload, full_data
from .test_access_matrix import (
    DECLARES,
    LOGGED_IN,
    PERSONAS,
    READS_ONLY_DECL_A,
    RULES,
    SEES_DECL_A,
    SEES_STRUCTURE_A,
    STAFF,
    WRITES_DECL_A,
    WRITES_INVENTORY_A,
    accompaniment_action_kwargs,
    accompaniment_of_a,
    expert_mission_kwargs,
    filing_kwargs,
    inventory_item_kwargs,
    iter_route_names,
    oncall_ack_kwargs,
    provider_parent_kwargs,
    published_alert_kwargs,
    subscription_confirm_kwargs,
    subscription_unsubscribe_kwargs,
)
from .test_intake import alert_payload

STRUCTURE_A = ["declarant_a", "manager_a", "group_officer"]
DECLARANTS = ["declarant_a", "manager_a", "declarant_b", "group_officer"]


@dataclass
class Ctx:
    """One persona's attempt: the world, who, and their client (a rule may open a page first)."""

    world: World
    persona: str
    client: Client


@dataclass
class Write:
    route: str
    expect: dict[str, int]
    allowed: list[str]
    kwargs: Callable[[Ctx], dict] = lambda ctx: {}
    body: Callable[[Ctx], dict] = lambda ctx: {}
    api: bool = False
    # An allowed POST changes the database; False when it may not (a page that only sends an e-mail).
    must_write: bool = True
    # A page that answers a POST as it answers a GET: nobody writes anything through it.
    reads_only: bool = False
    # A readable refusal says why, in French: a message on the page it leads back to, or the API's ``errors``.
    says_why: bool = False


def page(allowed: list[str], ok: int = 302, refused: int = 404, **overrides: int) -> dict[str, int]:
    """Anonymous is sent to the login page; the logged-in are refused unless allowed or overridden."""
    return {"anonymous": 302, **dict.fromkeys(LOGGED_IN, refused), **dict.fromkeys(allowed, ok), **overrides}


def api(allowed: list[str], ok: int = 201, refused: int = 404, **overrides: int) -> dict[str, int]:
    return {"anonymous": 401, **dict.fromkeys(LOGGED_IN, refused), **dict.fromkeys(allowed, ok), **overrides}


def these(personas: list[str], status: int) -> dict[str, int]:
    return dict.fromkeys(personas, status)


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(PERSONAS, status)


# --- what the bodies need ---------------------------------------------------------------------------


def ref_a(ctx: Ctx) -> dict:
    return {"reference": ctx.world.decl_a.reference}


def totp_code(device: TOTPDevice) -> str:
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


def otp_verify_body(ctx: Ctx) -> dict:
    device = TOTPDevice.objects.filter(user=ctx.world.personas[ctx.persona], confirmed=True).first()
    return {"token": totp_code(device) if device else "123456", "next": "/espace/"}


def otp_setup_body(ctx: Ctx) -> dict:
    """A device being enrolled, as the page creates it on its first display; its current code."""
    user = ctx.world.personas[ctx.persona]
    if user is None:
        return {"token": "123456"}
    device = TOTPDevice.objects.create(user=user, name="Application", confirmed=False)
    return {"token": totp_code(device), "next": "/espace/"}


def password_reset_kwargs(ctx: Ctx) -> dict:
    """The link of the e-mail, opened first: Django keeps its token in the session and shows a neutral URL."""
    user = User.objects.get(email="declarant@a.test")  # as stored: the token covers the last login
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    opened = ctx.client.get(reverse("accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token}))
    assert opened.status_code == 302
    return {"uidb64": uid, "token": "set-password"}


def registration(ctx: Ctx) -> dict:
    return {
        "name": "Centre hospitalier de Bastia",
        "finess_ej": "2B0000017",
        "finess_et": "2B0000025",
        "structure_type": "es-public",
        "nis2": "important",
        "size": "large",
        "ght": "",
        "first_name": "Marie",
        "last_name": "Colonna",
        "job_title": "Directrice",
        "phone": "04 95 00 00 00",
        "email": "direction@ch-bastia.test",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }


def invitation_kwargs(ctx: Ctx) -> dict:
    """Hospital A's manager invites the account of hospital B's manager."""
    token = account_services.invitation_create(
        structure=ctx.world.structure_a,
        email="declarant@b.test",
        role=Role.DECLARANT,
        by=ctx.world.personas["manager_a"],
    )
    return {"token": token}


def pending_structure_kwargs(ctx: Ctx) -> dict:
    """A structure of Île-de-France waiting for ACSS (its region's ARS reads it)."""
    pending = Structure.objects.create(
        kind="structure",
        name="Clinique en attente",
        finess_ej="770009991",
        finess_et="770009992",
        structure_type=StructureType.objects.get(code="es-public"),
        departement=Departement.objects.get(code="77"),
        verification="pending",
    )
    return {"pk": pending.pk}


def access_request_kwargs(ctx: Ctx) -> dict:
    someone = make_user("nouveau@a.test")
    return {"pk": AccessRequest.objects.create(user=someone, structure=ctx.world.structure_a).pk}


def full_draft_kwargs(ctx: Ctx) -> dict:
    """A draft of declarant A with every step answered, ready to send."""
    draft = DeclarationDraft.objects.create(
        owner=ctx.world.personas["declarant_a"],
        structure=ctx.world.structure_a,
        data=full_data(ctx.world.structure_a),
        step=5,
    )
    return {"key": draft.key}


def step_one(ctx: Ctx) -> dict:
    return {**STEP_DATA[0], "structure": ctx.world.structure_a.finess_et, "nav": "next"}


def situation(ctx: Ctx) -> dict:
    return {"situation": "degraded", "effective_at": "2026-11-20T08:00", "note": "PACS arrêté", "submission_key": "s-1"}


def addendum(ctx: Ctx) -> dict:
    return {"kind": "new_fact", "body": "Les sauvegardes sont intactes.", "submission_key": "a-1"}


def sheet_revision(ctx: Ctx) -> dict:
    return {"body": "## Premiers gestes\n\n1. Isoler le poste du réseau.", "change_note": "Relecture", "based_on": 1}


def queue_assign(ctx: Ctx) -> dict:
    return {"action": "assign", "analyst": ctx.world.personas["analyst"].pk, "cases": [ctx.world.decl_a.case.pk]}


def alert_json(ctx: Ctx) -> dict:
    data = alert_payload(ctx.world.structure_a)
    data.pop("submission_key")
    return {**data, "is_major": True}


# --- inventories and the structures an alert concerns ----------------------------------------------------------


def structure_a_kwargs(ctx: Ctx) -> dict:
    return {"pk": ctx.world.structure_a.pk}


def fortios_body(ctx: Ctx) -> dict:
    from acss.veille.models import WatchedProduct

    return {"watched_product": WatchedProduct.objects.get(vendor__name="Fortinet", name="FortiOS").pk, "version": "7.2"}


def suggested_item_kwargs(ctx: Ctx) -> dict:
    """An item of hospital A with a suggested watch-list product, not yet confirmed."""
    from acss.inventories.models import InventoryItem
    from acss.veille.models import WatchedProduct

    kwargs = inventory_item_kwargs(ctx.world)
    InventoryItem.objects.filter(pk=kwargs["item"]).update(
        watched_product=WatchedProduct.objects.get(vendor__name="Fortinet", name="FortiOS"), match_confirmed=False
    )
    return kwargs


def suggestion_of_a_kwargs(ctx: Ctx) -> dict:
    """Hospital A's inventory, with one suggestion waiting for confirmation."""
    suggested_item_kwargs(ctx)
    return structure_a_kwargs(ctx)


def inventory_csv(ctx: Ctx) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile("inventaire.csv", b"fournisseur;produit;version\nFortinet;FortiOS;7.2\n")}


def previewed_import_kwargs(ctx: Ctx) -> dict:
    """The file is read first (its rows wait in the session of whoever may import)."""
    ctx.client.post(reverse("inventories:import", kwargs=structure_a_kwargs(ctx)), inventory_csv(ctx))
    return structure_a_kwargs(ctx)


def concern_status_kwargs(ctx: Ctx) -> dict:
    return {"pk": ctx.world.structure_a.pk, "alert": published_alert_kwargs(ctx.world)["pk"]}


# --- observables on cases ---------------------------------------------------------------------------


def observables_text_kwargs(ctx: Ctx) -> dict:
    """Declaration A names an address, defanged, in its description (the extraction offers it)."""
    Declaration.objects.filter(pk=ctx.world.decl_a.pk).update(description="Connexions vers 185.220.101[.]45.")
    return ref_a(ctx)


def stix_bundle_body(ctx: Ctx) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    bundle = (  # valid STIX 2.1 for stix2: an identifier « type--UUID », the indicator's timestamps
        b'{"type": "bundle", "id": "bundle--1", "objects": [{"type": "indicator",'
        b' "id": "indicator--00000000-0000-4000-8000-000000000001", "spec_version": "2.1",'
        b' "created": "2026-11-20T03:00:00Z", "modified": "2026-11-20T03:00:00Z", "valid_from": "2026-11-20T03:00:00Z",'
        b' "pattern_type": "stix", "pattern": "[domain-name:value = \'evil.example.com\']"}]}'
    )
    return {"file": SimpleUploadedFile("lot.json", bundle, content_type="application/json")}


# --- the handling of declaration A: one variant per action, each in a state where it is valid ---------


def in_state(state: str) -> Callable[[Ctx], None]:
    def prepare(ctx: Ctx) -> None:
        Case.objects.filter(declaration=ctx.world.decl_a).update(state=state)

    return prepare


def another_declaration_of_a(ctx: Ctx) -> str:
    """A second declaration of hospital A, escalated to the DGS like the first: everyone who reads one reads both."""
    other = Declaration.objects.create(
        reference="ACSS-2026-000009",
        structure=ctx.world.structure_a,
        title="Doublon",
        created_by=ctx.world.personas["declarant_a"],
        submitted_at=ctx.world.decl_a.submitted_at,
    )
    Escalation.objects.create(
        declaration=other,
        authority=org(authority_code="dgs"),
        reason="Impact sanitaire",
        decided_by=ctx.world.personas["analyst"],
        decided_at=ctx.world.decl_a.submitted_at,
    )
    handling.case_open(declaration=other)
    return other.reference


def qualification(api_body: bool) -> dict:
    if api_body:
        return {
            "criticity": 3,
            "legal_level": "significant",
            "justification": "Rançongiciel confirmé.",
            "sanitary_impact_confirmed": False,
        }
    return {
        "criticity": "3",
        "legal_level": "significant",
        "justification": "Rançongiciel confirmé.",
        "sanitary_impact_confirmed": "no",
        "category": "rancongiciel",
    }


# action → (the case's state, its body for the page / the API, who may do it)
HANDLING_ACTIONS: dict[str, tuple[str, Callable[[Ctx, bool], dict], list[str]]] = {
    "take": (CaseState.NEW, lambda ctx, as_api: {}, ["analyst"]),
    "assign": (
        CaseState.NEW,
        lambda ctx, as_api: {"analyst": "analyste@acss.test"},
        ["analyst"],
    ),
    "qualify": (CaseState.QUALIFYING, lambda ctx, as_api: qualification(as_api), ["analyst"]),
    "accompany": (CaseState.QUALIFIED, lambda ctx, as_api: {}, ["analyst"]),
    "close": (CaseState.QUALIFIED, lambda ctx, as_api: {"summary": "Incident maîtrisé, PACS rétabli."}, ["analyst"]),
    "out_of_scope": (CaseState.NEW, lambda ctx, as_api: {"reason": "Panne sans lien avec la sécurité."}, ["analyst"]),
    "merge": (CaseState.NEW, lambda ctx, as_api: {"into": another_declaration_of_a(ctx)}, ["analyst"]),
    "escalate": (
        CaseState.NEW,
        lambda ctx, as_api: {"authority_code": "ansm", "reason": "Un dispositif médical est touché."},
        ["analyst"],
    ),
    "resolved": (CaseState.NEW, lambda ctx, as_api: {}, STRUCTURE_A),
}


def ask_a_question(ctx: Ctx) -> int:
    question = handling.question_ask(
        declaration=ctx.world.decl_a, by=ctx.world.personas["analyst"], body="Le standard est-il joignable ?"
    )
    return question.row.pk


# kind → (body, who may write it)
MESSAGES: dict[str, tuple[Callable[[Ctx], dict], list[str]]] = {
    "question": (lambda ctx: {"kind": "question", "body": "Avez-vous porté plainte ?"}, ["analyst", "ars_idf"]),
    "note": (lambda ctx: {"kind": "note", "body": "Appeler le RSSI demain."}, ["analyst"]),
    "answer": (
        lambda ctx: {"kind": "answer", "question": ask_a_question(ctx), "body": "Oui, il répond."},
        STRUCTURE_A,
    ),
}


def handling_writes() -> dict[str, Write]:
    writes = {}
    for action, (state, body, allowed) in HANDLING_ACTIONS.items():
        readers_refused = [p for p in SEES_DECL_A if p not in allowed]

        def page_kwargs(ctx, state=state, action=action):
            in_state(state)(ctx)
            return {"reference": ctx.world.decl_a.reference, "action": action}

        def api_kwargs(ctx, state=state):
            in_state(state)(ctx)
            return ref_a(ctx)

        writes[f"incidents:action {action}"] = Write(
            "incidents:action",
            page(allowed, **these(readers_refused, 403)),
            allowed,
            page_kwargs,
            lambda ctx, body=body: body(ctx, False),
            says_why=True,
        )
        writes[f"api:case_actions {action}"] = Write(
            "api:case_actions",
            api(allowed, ok=200, **these(readers_refused, 403)),
            allowed,
            api_kwargs,
            lambda ctx, body=body, action=action: {"action": action, **body(ctx, True)},
            api=True,
            says_why=True,
        )
    for kind, (body, allowed) in MESSAGES.items():
        readers_refused = [p for p in SEES_DECL_A if p not in allowed]
        writes[f"incidents:message {kind}"] = Write(
            "incidents:message",
            page(allowed, **these(readers_refused, 403)),
            allowed,
            ref_a,
            body,
            says_why=True,
        )
        writes[f"api:case_messages {kind}"] = Write(
            "api:case_messages",
            api(allowed, **these(readers_refused, 403)),
            allowed,
            ref_a,
            body,
            api=True,
            says_why=True,
        )
    return writes


# --- accompaniment: the cell opens, edits and closes; the region's ARS advises; the structure reports -----------


def in_accompaniment(ctx: Ctx) -> dict:
    accompaniment_of_a(ctx.world)
    return ref_a(ctx)


def first_plan_action(ctx: Ctx) -> int:
    return accompaniment_of_a(ctx.world).actions.first().pk


def accompaniment_writes() -> dict[str, Write]:
    def rule(route: str, allowed: list[str], kwargs, body) -> Write:
        refused = [p for p in SEES_DECL_A if p not in allowed]
        return Write(route, page(allowed, **these(refused, 403)), allowed, kwargs, body, says_why=True)

    def opening(ctx: Ctx) -> dict:
        in_state(CaseState.QUALIFIED)(ctx)
        return ref_a(ctx)

    return {
        "accompaniment:open": rule(
            "accompaniment:open", ["analyst"], opening, lambda ctx: {"template": "rancongiciel"}
        ),
        "accompaniment:entry_add follow_up": rule(
            "accompaniment:entry_add",
            ["analyst", "ars_idf", *STRUCTURE_A],
            in_accompaniment,
            lambda ctx: {"kind": "follow_up", "body": "Les sauvegardes sont saines."},
        ),
        "accompaniment:entry_add recommendation": rule(
            "accompaniment:entry_add",
            ["analyst", "ars_idf"],
            in_accompaniment,
            lambda ctx: {"kind": "recommendation", "body": "Faire appel à un prestataire qualifié."},
        ),
        "accompaniment:action_add": rule(
            "accompaniment:action_add",
            ["analyst", *STRUCTURE_A],
            in_accompaniment,
            lambda ctx: {"title": "Changer la clé du Wi-Fi invités", "owner_name": "Service informatique"},
        ),
        "accompaniment:action_progress": rule(
            "accompaniment:action_progress",
            ["analyst", *STRUCTURE_A],
            lambda ctx: accompaniment_action_kwargs(ctx.world),
            lambda ctx: {
                f"a{first_plan_action(ctx)}-state": "done",
                f"a{first_plan_action(ctx)}-evidence_note": "Fait.",
            },
        ),
        "accompaniment:action_edit": rule(
            "accompaniment:action_edit",
            ["analyst"],
            lambda ctx: accompaniment_action_kwargs(ctx.world),
            lambda ctx: {f"e{first_plan_action(ctx)}-title": "Isoler les postes chiffrés"},
        ),
        "accompaniment:close": rule("accompaniment:close", ["analyst"], in_accompaniment, lambda ctx: {}),
        "accompaniment:template_edit": Write(
            "accompaniment:template_edit",
            page(["analyst"]),
            ["analyst"],
            lambda ctx: {"slug": "rancongiciel"},
            lambda ctx: {"actions": "Isoler les postes chiffrés | 0\nDéposer plainte | 1", "change_note": "Plus court"},
        ),
    }


# --- the regulatory filings: the structure completes and records the sending; the cell and the ARS read ---------


def filing_writes() -> dict[str, Write]:
    readers = ["ars_idf", "analyst"]

    def kwargs(ctx: Ctx) -> dict:
        return filing_kwargs(ctx.world)

    content = {
        "summary": "Rançongiciel sur les serveurs d'imagerie.",
        "severity": "Grave : imagerie indisponible.",
        "impact": "Mode dégradé aux urgences.",
        "suspected_malicious": "yes",
        "cross_border": "no",
        "contact": "Claire Martin, directrice — 01 23 45 67 89",
    }
    sent = {"sent_at": "2026-11-20T09:00"}
    return {
        "incidents:filing": Write(
            "incidents:filing",
            page(STRUCTURE_A, **these(readers, 403)),
            STRUCTURE_A,
            kwargs,
            lambda ctx: content,
            says_why=True,
        ),
        "incidents:filing_sent": Write(
            "incidents:filing_sent",
            page(STRUCTURE_A, **these(readers, 403)),
            STRUCTURE_A,
            kwargs,
            lambda ctx: sent,
            says_why=True,
        ),
        "api:filing_content": Write(
            "api:filing_content",
            api(STRUCTURE_A, **these(readers, 403)),
            STRUCTURE_A,
            kwargs,
            lambda ctx: content,
            api=True,
            says_why=True,
        ),
        "api:filing_sent": Write(
            "api:filing_sent",
            api(STRUCTURE_A, **these(readers, 403)),
            STRUCTURE_A,
            kwargs,
            lambda ctx: {"sent_at": "2026-11-20T09:00:00+01:00"},
            api=True,
            says_why=True,
        ),
    }


# --- expert missions: the FSSI requests; the cell opens, refuses, finishes; the ARS and the DGS see none (404) ---


def mission_writes() -> dict[str, Write]:
    readers = ["fssi", "analyst", *STRUCTURE_A]

    def rule(route: str, allowed: list[str], kwargs, body, *, api_: bool = False) -> Write:
        refused = [p for p in readers if p not in allowed]
        if api_:
            expect = api(allowed, ok=200, **these(refused, 403))
            return Write(route, expect, allowed, kwargs, body, api=True, says_why=True)
        return Write(route, page(allowed, **these(refused, 403)), allowed, kwargs, body, says_why=True)

    def mission(state: str):
        return lambda ctx: expert_mission_kwargs(ctx.world, state)

    def pk(ctx: Ctx, state: str) -> int:
        return expert_mission_kwargs(ctx.world, state)["pk"]

    def opening(ctx: Ctx, prefix: str = "") -> dict:
        p = f"o{pk(ctx, 'requested')}-" if prefix == "page" else ""
        return {
            f"{p}team": "CERT Santé",
            f"{p}starts_on": "2026-12-02",
            f"{p}ends_on": "2026-12-04",
            f"{p}scope": "PACS",
        }

    return {
        "accompaniment:mission_request": rule(
            "accompaniment:mission_request",
            ["fssi"],
            ref_a,
            lambda ctx: {"kind": "on_site", "reason": "Intervention sur site."},
        ),
        "accompaniment:mission_open": rule(
            "accompaniment:mission_open", ["analyst"], mission("requested"), lambda ctx: opening(ctx, "page")
        ),
        "accompaniment:mission_refuse": rule(
            "accompaniment:mission_refuse",
            ["analyst"],
            mission("requested"),
            lambda ctx: {f"r{pk(ctx, 'requested')}-reason": "Hors du champ."},
        ),
        "accompaniment:mission_finish": rule(
            "accompaniment:mission_finish",
            ["analyst"],
            mission("opened"),
            lambda ctx: {f"f{pk(ctx, 'opened')}-report": SimpleUploadedFile("rapport.txt", b"Rapport de mission.\n")},
        ),
        "accompaniment:api_actions mission_request": rule(
            "accompaniment:api_actions",
            ["fssi"],
            ref_a,
            lambda ctx: {"action": "mission_request", "kind": "analysis", "reason": "Analyse."},
            api_=True,
        ),
        "accompaniment:api_actions mission_open": rule(
            "accompaniment:api_actions",
            ["analyst"],
            ref_a,
            lambda ctx: {"action": "mission_open", "mission": pk(ctx, "requested"), **opening(ctx)},
            api_=True,
        ),
    }


def accompaniment_api_writes() -> dict[str, Write]:
    """The accompaniment's table of actions through the API: the pages' rules (test above), as JSON."""

    def rule(allowed: list[str], kwargs, body) -> Write:
        refused = [p for p in SEES_DECL_A if p not in allowed]
        return Write(
            "accompaniment:api_actions",
            api(allowed, ok=200, **these(refused, 403)),
            allowed,
            kwargs,
            body,
            api=True,
            says_why=True,
        )

    def opening(ctx: Ctx) -> dict:
        in_state(CaseState.QUALIFIED)(ctx)
        return ref_a(ctx)

    return {
        "accompaniment:api_actions open": rule(
            ["analyst"], opening, lambda ctx: {"action": "open", "template": "rancongiciel"}
        ),
        "accompaniment:api_actions entry recommendation": rule(
            ["analyst", "ars_idf"],
            in_accompaniment,
            lambda ctx: {"action": "entry", "kind": "recommendation", "body": "Faire appel à un prestataire."},
        ),
        "accompaniment:api_actions plan_add": rule(
            ["analyst", *STRUCTURE_A],
            in_accompaniment,
            lambda ctx: {"action": "plan_add", "title": "Changer la clé du Wi-Fi invités"},
        ),
        "accompaniment:api_actions plan_progress": rule(
            ["analyst", *STRUCTURE_A],
            in_accompaniment,
            lambda ctx: {
                "action": "plan_progress",
                "plan_action": first_plan_action(ctx),
                "state": "done",
                "evidence_note": "Fait.",
            },
        ),
        "accompaniment:api_actions plan_edit": rule(
            ["analyst"],
            in_accompaniment,
            lambda ctx: {"action": "plan_edit", "plan_action": first_plan_action(ctx), "title": "Isoler les postes"},
        ),
        "accompaniment:api_actions close": rule(["analyst"], in_accompaniment, lambda ctx: {"action": "close"}),
    }


WRITES: dict[str, Write] = {
    # --- accounts -----------------------------------------------------------------------------------
    # The logged-in are sent on (redirect_authenticated_user): nothing is written for them.
    "accounts:login": Write(
        "accounts:login",
        {"anonymous": 302, **dict.fromkeys(LOGGED_IN, 302)},
        ["anonymous"],
        body=lambda ctx: {"username": "declarant@a.test", "password": PASSWORD},
    ),
    "accounts:logout": Write("accounts:logout", everyone(302), LOGGED_IN),
    # Declarants have no device (sent to enrol), staff have one: only they verify a code.
    "accounts:otp_verify": Write(
        "accounts:otp_verify",
        page(STAFF, **these(DECLARANTS, 302)),
        STAFF,
        body=otp_verify_body,
    ),
    # Staff already have a device (sent to verify it): only declarants enrol.
    "accounts:otp_setup": Write(
        "accounts:otp_setup", page(DECLARANTS, **these(STAFF, 302)), DECLARANTS, body=otp_setup_body
    ),
    # Anyone may ask for a link; it only sends an e-mail (after commit), whatever the address.
    "accounts:password_reset": Write(
        "accounts:password_reset",
        everyone(302),
        PERSONAS,
        body=lambda ctx: {"email": "declarant@a.test"},
        must_write=False,
    ),
    # The token of the e-mail is the access, whoever holds it.
    "accounts:password_reset_confirm": Write(
        "accounts:password_reset_confirm",
        everyone(302),
        PERSONAS,
        password_reset_kwargs,
        lambda ctx: {"new_password1": "Un-autre-mot-de-passe-2026", "new_password2": "Un-autre-mot-de-passe-2026"},
    ),
    "accounts:register": Write("accounts:register", everyone(302), PERSONAS, body=registration),
    # The invitation is for hospital B's manager: anonymous is asked to log in; another account gets a 403.
    "accounts:invitation_accept": Write(
        "accounts:invitation_accept",
        {"anonymous": 302, **dict.fromkeys(LOGGED_IN, 403), "declarant_b": 302},
        ["declarant_b"],
        invitation_kwargs,
    ),
    "accounts:invite": Write(
        "accounts:invite",
        page(["manager_a"], **these([p for p in SEES_STRUCTURE_A if p != "manager_a"], 403)),
        ["manager_a"],
        lambda ctx: {"pk": ctx.world.structure_a.pk},
        lambda ctx: {"email": "nouveau@a.test", "role": "declarant"},
        says_why=True,
    ),
    "accounts:structure_decide": Write(
        "accounts:structure_decide",
        # The region's ARS reads the pending structure, so it is told that only the cell decides.
        page(["analyst"], ars_idf=403),
        ["analyst"],
        pending_structure_kwargs,
        lambda ctx: {"decision": "approve"},
        says_why=True,
    ),
    "accounts:access_request_decide": Write(
        "accounts:access_request_decide",
        page(["analyst"]),
        ["analyst"],
        access_request_kwargs,
        lambda ctx: {"decision": "approve"},
    ),
    # --- declaring ------------------------------------------------------------------------------------
    "incidents:quick_alert": Write(
        "incidents:quick_alert",
        # hospital B's manager, naming hospital A (which they cannot read): 404
        page([p for p in DECLARES if p != "declarant_b"]),
        [p for p in DECLARES if p != "declarant_b"],
        body=lambda ctx: alert_payload(ctx.world.structure_a),
    ),
    "incidents:draft_new": Write("incidents:draft_new", page(DECLARES), DECLARES),
    "incidents:draft_step": Write(
        "incidents:draft_step",
        page(["declarant_a"]),
        ["declarant_a"],
        lambda ctx: {"key": ctx.world.draft_a.key, "step": 1},
        step_one,
    ),
    "incidents:draft_submit": Write(
        "incidents:draft_submit", page(["declarant_a"]), ["declarant_a"], full_draft_kwargs
    ),
    "incidents:draft_delete": Write(
        "incidents:draft_delete",
        page(["declarant_a"]),
        ["declarant_a"],
        lambda ctx: {"key": ctx.world.draft_a.key},
    ),
    # Those who read declaration A but may not add to it (the region's ARS, the authorities) are told why.
    "incidents:complete": Write(
        "incidents:complete",
        page(WRITES_DECL_A, **these(READS_ONLY_DECL_A, 403)),
        WRITES_DECL_A,
        ref_a,
        says_why=True,
    ),
    "incidents:addendum": Write(
        "incidents:addendum",
        page(WRITES_DECL_A, **these(READS_ONLY_DECL_A, 403)),
        WRITES_DECL_A,
        ref_a,
        addendum,
        says_why=True,
    ),
    "incidents:situation": Write(
        "incidents:situation",
        page(WRITES_DECL_A, **these(READS_ONLY_DECL_A, 403)),
        WRITES_DECL_A,
        ref_a,
        situation,
        says_why=True,
    ),
    # The token of the on-call e-mail is the access; anonymous gives a name, the logged-in ack as themselves.
    "incidents:oncall_ack": Write(
        "incidents:oncall_ack",
        everyone(302),
        PERSONAS,
        lambda ctx: oncall_ack_kwargs(ctx.world),
        lambda ctx: {"name": "Camille Garde"},
    ),
    # --- the cell ---------------------------------------------------------------------------------------
    "reflexes:sheet_edit": Write(
        "reflexes:sheet_edit",
        # The published sheet is readable by all: the logged-in are told that only the cell edits it.
        page(["analyst"], refused=403),
        ["analyst"],
        lambda ctx: {"slug": "rancongiciel"},
        sheet_revision,
        says_why=True,
    ),
    "incidents:queue": Write("incidents:queue", page(["analyst"]), ["analyst"], body=queue_assign),
    **handling_writes(),
    # --- the triage queue and the editorial of alerts (the cell only; the others get a 404) -------------
    "veille:triage_action": Write(
        "veille:triage_action",
        page(["analyst"]),
        ["analyst"],
        lambda ctx: {"pk": triage_of(matched_cve()).pk},
        lambda ctx: {"action": "dismiss", "reason": "Produit absent des établissements."},
    ),
    "alerts:cell_new": Write(
        "alerts:cell_new", page(["analyst"]), ["analyst"], body=lambda ctx: {"items": [triage_of(matched_cve()).pk]}
    ),
    "alerts:cell_edit": Write(
        "alerts:cell_edit",
        page(["analyst"]),
        ["analyst"],
        lambda ctx: {"pk": make_alert(ctx.world.personas["analyst"]).pk},
        lambda ctx: {"title": "Faille dans FortiOS", "severity": "elevee", "summary": "Mettez à jour."},
    ),
    "alerts:cell_submit": Write(
        "alerts:cell_submit",
        page(["analyst"]),
        ["analyst"],
        lambda ctx: {"pk": make_alert(ctx.world.personas["analyst"]).pk},
    ),
    # Written and submitted by a second analyst: the first may approve it.
    "alerts:cell_approve": Write(
        "alerts:cell_approve",
        page(["analyst"]),
        ["analyst"],
        lambda ctx: {"pk": make_alert(second_analyst(), state="submitted").pk},
    ),
    "alerts:cell_reject": Write(
        "alerts:cell_reject",
        page(["analyst"]),
        ["analyst"],
        lambda ctx: {"pk": make_alert(second_analyst(), state="submitted").pk},
        lambda ctx: {"comment": "Le « Que faire ? » est trop technique."},
    ),
    "alerts:cell_withdraw": Write(
        "alerts:cell_withdraw",
        page(["analyst"]),
        ["analyst"],
        lambda ctx: {"pk": make_alert(ctx.world.personas["analyst"], state="published").pk},
        lambda ctx: {"reason": "Le fabricant a démenti la vulnérabilité."},
    ),
    # --- end of the triage queue and the editorial ----------------------------------------------------
    # --- inventories and the structures an alert concerns ---------------------------------------------------
    # Hospital A's people and the cell change its inventory; its region's ARS reads it and is told why.
    "inventories:add_watched": Write(
        "inventories:add_watched",
        page(WRITES_INVENTORY_A, ars_idf=403),
        WRITES_INVENTORY_A,
        structure_a_kwargs,
        fortios_body,
        says_why=True,
    ),
    "inventories:add_typed": Write(
        "inventories:add_typed",
        page(WRITES_INVENTORY_A, ars_idf=403),
        WRITES_INVENTORY_A,
        structure_a_kwargs,
        lambda ctx: {"vendor": "Philips", "product": "Vue PACS", "version": "12.2", "cpe": ""},
        says_why=True,
    ),
    "inventories:remove": Write(
        "inventories:remove",
        page(WRITES_INVENTORY_A, ars_idf=403),
        WRITES_INVENTORY_A,
        lambda ctx: inventory_item_kwargs(ctx.world),
        says_why=True,
    ),
    "inventories:match": Write(
        "inventories:match",
        page(WRITES_INVENTORY_A, ars_idf=403),
        WRITES_INVENTORY_A,
        suggested_item_kwargs,
        lambda ctx: {"decision": "confirm"},
        says_why=True,
    ),
    "inventories:match_all": Write(
        "inventories:match_all",
        page(WRITES_INVENTORY_A, ars_idf=403),
        WRITES_INVENTORY_A,
        suggestion_of_a_kwargs,
        says_why=True,
    ),
    # Reading the file shows its rows (200) and writes nothing; the confirmation writes them.
    "inventories:import": Write(
        "inventories:import",
        page(WRITES_INVENTORY_A, ok=200, ars_idf=403),
        WRITES_INVENTORY_A,
        structure_a_kwargs,
        inventory_csv,
        must_write=False,
        says_why=True,
    ),
    "inventories:import_confirm": Write(
        "inventories:import_confirm",
        page(WRITES_INVENTORY_A, ars_idf=403),
        WRITES_INVENTORY_A,
        previewed_import_kwargs,
        says_why=True,
    ),
    # Only hospital A's people say where it stands; the cell and the region's ARS read it and are told why.
    "alerts:concern_status": Write(
        "alerts:concern_status",
        page(STRUCTURE_A, ars_idf=403, analyst=403),
        STRUCTURE_A,
        concern_status_kwargs,
        lambda ctx: {"status": "traite"},
        says_why=True,
    ),
    # --- one provider, many victims: the cell writes; an ARS reads the parent and is told why; others 404 ---
    "providers:open": Write(
        "providers:open",
        page(["analyst"]),
        ["analyst"],
        body=lambda ctx: {"provider_name": "Medisoft SAS", "title": "Rançongiciel chez Medisoft"},
    ),
    "providers:update": Write(
        "providers:update",
        page(["analyst"], ars_idf=403, ars_other=403),
        ["analyst"],
        lambda ctx: provider_parent_kwargs(ctx.world),
        lambda ctx: {"state": "contained", "public_summary": "Le prestataire a isolé ses serveurs."},
        says_why=True,
    ),
    "providers:link": Write(
        "providers:link",
        page(["analyst"], ars_idf=403, ars_other=403),
        ["analyst"],
        lambda ctx: provider_parent_kwargs(ctx.world),
        lambda ctx: {"references": ctx.world.decl_b.reference, "operation": "link"},
        says_why=True,
    ),
    "providers:message": Write(
        "providers:message",
        page(["analyst"], ars_idf=403, ars_other=403),
        ["analyst"],
        lambda ctx: provider_parent_kwargs(ctx.world),
        lambda ctx: {"body": "Le prestataire a publié un correctif."},
        says_why=True,
    ),
    "providers:close": Write(
        "providers:close",
        page(["analyst"], ars_idf=403, ars_other=403),
        ["analyst"],
        lambda ctx: provider_parent_kwargs(ctx.world),
        lambda ctx: {"summary": "Incident résolu chez le prestataire."},
        says_why=True,
    ),
    # --- end of one provider, many victims ---
    # --- the observatory: only the cell publishes a year; nobody else sees the cell's dashboard (404) ---
    "observatory:publish": Write(
        "observatory:publish",
        page(["analyst"]),
        ["analyst"],
        body=lambda ctx: {"year": ctx.world.decl_a.submitted_at.year - 1, "reason": ""},
    ),
    # --- API ----------------------------------------------------------------------------------------------
    "api:declaration_list": Write(
        "api:declaration_list",
        # those who may not declare for hospital A (none of them reads A): 404
        api([p for p in DECLARES if p != "declarant_b"]),
        [p for p in DECLARES if p != "declarant_b"],
        body=lambda ctx: api_payload(ctx.world.structure_a),
        api=True,
    ),
    "api:quick_alert": Write(
        "api:quick_alert",
        # those who may not declare for hospital A (none of them reads A): 404
        api([p for p in DECLARES if p != "declarant_b"]),
        [p for p in DECLARES if p != "declarant_b"],
        body=alert_json,
        api=True,
    ),
    # Those who read declaration A but may not add to it are told why (the three below).
    "api:addendum": Write(
        "api:addendum",
        api(WRITES_DECL_A, **these(READS_ONLY_DECL_A, 403)),
        WRITES_DECL_A,
        ref_a,
        lambda ctx: {"kind": "new_fact", "body": "Les sauvegardes sont intactes."},
        api=True,
        says_why=True,
    ),
    # The world's declaration of A is a first alert until completed: completing it through the API.
    "api:completion": Write(
        "api:completion",
        api(WRITES_DECL_A, **these(READS_ONLY_DECL_A, 403)),
        WRITES_DECL_A,
        ref_a,
        lambda ctx: api_payload(ctx.world.structure_a),
        api=True,
        says_why=True,
    ),
    "api:situation": Write(
        "api:situation",
        api(WRITES_DECL_A, **these(READS_ONLY_DECL_A, 403)),
        WRITES_DECL_A,
        ref_a,
        lambda ctx: {"situation": "degraded", "effective_at": "2026-11-20T08:00"},
        api=True,
        says_why=True,
    ),
    # --- subscriptions ------------------------------------------------------------------------------------
    # Anyone may ask; the address gets the confirmation link (after commit), the unconfirmed subscriber is written.
    "subscriptions:subscribe": Write(
        "subscriptions:subscribe",
        everyone(302),
        PERSONAS,
        body=lambda ctx: {"email": "visiteur@example.test", "topics": ["alertes"]},
    ),
    # The signed link is the access, whoever holds it (no login; the unsubscribe POST needs no CSRF token).
    "subscriptions:confirm": Write(
        "subscriptions:confirm", everyone(200), PERSONAS, lambda ctx: subscription_confirm_kwargs(ctx.world)
    ),
    "subscriptions:unsubscribe": Write(
        "subscriptions:unsubscribe",
        everyone(200),
        PERSONAS,
        lambda ctx: subscription_unsubscribe_kwargs(ctx.world),
        lambda ctx: {"List-Unsubscribe": "One-Click"},
    ),
    # Each logged-in person sets their own preferences.
    "subscriptions:preferences": Write(
        "subscriptions:preferences",
        page(LOGGED_IN),
        LOGGED_IN,
        body=lambda ctx: {"alertes": "immediate", "bulletin": "daily", "alertes-structure": "immediate"},
    ),
    **accompaniment_writes(),
    **filing_writes(),
    **accompaniment_api_writes(),
    **mission_writes(),
    # --- observables on cases: the cell and the structure add; the others who read the declaration get a 403 ---
    "observables:add": Write(
        "observables:add",
        page(WRITES_DECL_A, **these(READS_ONLY_DECL_A, 403)),
        WRITES_DECL_A,
        ref_a,
        lambda ctx: {"kind": "", "value": "hxxps://evil-update[.]com/a", "note": ""},
        says_why=True,
    ),
    "observables:extract": Write(
        "observables:extract",
        page(WRITES_DECL_A, **these(READS_ONLY_DECL_A, 403)),
        WRITES_DECL_A,
        observables_text_kwargs,
        lambda ctx: {"candidates": ["ipv4|185.220.101.45"]},
        says_why=True,
    ),
    "observables:stix": Write(
        "observables:stix",
        page(WRITES_DECL_A, **these(READS_ONLY_DECL_A, 403)),
        WRITES_DECL_A,
        ref_a,
        stix_bundle_body,
        says_why=True,
    ),
}


# --- the database, before and after ---------------------------------------------------------------------

UNWATCHED = {"django_session"}  # a refused form may be kept in the session, to be shown again


@cache
def watched_tables() -> tuple[str, ...]:
    tables = {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }
    return tuple(sorted(tables - UNWATCHED))


def _plain(value):
    return bytes(value) if isinstance(value, memoryview) else value


def snapshot() -> dict[str, tuple[int, str]]:
    """Every watched table: its row count and a digest of all its rows' values."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # one round trip, the rows digested by the server
            cursor.execute(
                " UNION ALL ".join(
                    f"SELECT %s, COUNT(*), COALESCE(md5(string_agg(t::text, '|' ORDER BY t::text)), '') "  # noqa: S608
                    f"FROM {quote(table)} t"
                    for table in watched_tables()
                ),
                watched_tables(),
            )
            return {table: (count, digest) for table, count, digest in cursor.fetchall()}
        state = {}
        for table in watched_tables():
            cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608 - our own table names
            rows = sorted(repr(tuple(_plain(v) for v in row)) for row in cursor.fetchall())
            state[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return state


def changes(before: dict, after: dict, audit_before: int) -> list[str]:
    out = []
    for table, (count, digest) in after.items():
        was_count, was_digest = before[table]
        if count != was_count:
            out.append(f"{table}: {was_count} → {count} rows")
        elif digest != was_digest:
            out.append(f"{table}: rows changed")
    new_events = AuditEvent.objects.filter(pk__gt=audit_before).values_list("action", flat=True)
    if new_events:
        out.append(f"audit events {list(new_events)}")
    return out


def attempt(world: World, rule: Write, persona: str, client: Client | None = None) -> tuple[int, list[str], str]:
    """One persona's POST, in a savepoint rolled back afterwards: its status, what it changed, why it was refused
    (the page's error messages, or the API's ``errors``)."""
    if client is None:
        client = world.api(persona) if rule.api else world.client(persona)
    with transaction.atomic():
        ctx = Ctx(world, persona, client)
        url = reverse(rule.route, kwargs=rule.kwargs(ctx))
        body = rule.body(ctx)
        audit_before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        before = snapshot()
        if rule.api:
            response = client.post(url, body, content_type="application/json")
        else:
            response = client.post(url, body)
        changed = changes(before, snapshot(), audit_before)
        transaction.set_rollback(True)
    if rule.api:
        why = " ".join((response.json().get("errors") or {}).get("__all__", [])) if response.status_code == 403 else ""
    elif response.status_code == 403:
        why = refusal_of(response.content.decode())
    else:
        stored = getattr(response.wsgi_request, "_messages", [])
        why = " ".join(str(m) for m in stored if m.level == messages.ERROR)
    return response.status_code, changed, why


# --- the tests --------------------------------------------------------------------------------------------


def accepts_post(world: World, route: str) -> bool:
    """Whether a route's view takes a POST: class-based views by their methods; function views by trying one
    (empty, rolled back) as a logged-in person and as anonymous — only a 405 from both means GET only."""
    with transaction.atomic():
        url = reverse(route, kwargs=RULES[route].kwargs(world))
        view = resolve(url).func
        view_class = getattr(view, "view_class", None)
        if view_class is not None:
            accepted = "post" in view_class.http_method_names and hasattr(view_class, "post")
        else:
            logged_in = world.client("analyst").post(url).status_code
            anonymous = Client().post(url).status_code
            accepted = logged_in != 405 or anonymous not in (302, 405)
        transaction.set_rollback(True)
    return accepted


def test_every_post_route_has_a_write_rule(world):
    routes = sorted(r for r in iter_route_names() if not r.startswith("admin:"))
    assert [r for r in routes if r not in RULES] == [], "routes without a GET rule in tests/test_access_matrix.py"
    posting = {r for r in routes if accepts_post(world, r)}
    ruled = {w.route for w in WRITES.values()}
    assert sorted(posting - ruled) == [], "POST routes without a write rule in tests/test_access_writes.py"
    assert sorted(ruled - posting) == [], "write rules for routes that take no POST"


def test_every_write_rule_names_every_persona_and_someone_may_write():
    for name, rule in WRITES.items():
        assert sorted(rule.expect) == sorted(PERSONAS), name
        assert bool(rule.allowed) != rule.reads_only, name
        for persona in rule.allowed:
            assert 200 <= rule.expect[persona] < 400, (name, persona)


@pytest.mark.parametrize("name", sorted(WRITES))
def test_write_matrix(world, name):
    rule = WRITES[name]
    clients = {p: world.api(p) if rule.api else world.client(p) for p in PERSONAS}
    wrong = {}
    for persona in PERSONAS:
        status, changed, why = attempt(world, rule, persona, clients[persona])
        if status != rule.expect[persona]:
            wrong[persona] = f"got {status}, expected {rule.expect[persona]}"
        if persona in rule.allowed:
            if rule.must_write and not changed:
                wrong[persona] = f"{wrong.get(persona, status)}; allowed, but nothing was written"
        elif changed:
            wrong[persona] = f"{wrong.get(persona, status)}; REFUSED BUT WROTE: {changed}"
        elif rule.says_why and status == 403 and not why.startswith("Seul"):
            # The refusal names who may act (« Seule la cellule ACSS peut faire cela. »), not a form error.
            wrong[persona] = f"{wrong.get(persona, status)}; refused without saying why ({why!r})"
    assert wrong == {}, name


def test_an_access_request_deleted_through_the_admin_needs_a_verified_superuser(world):
    """The admin site takes POSTs everywhere: one sample write, refused (sent to the admin login) to all but
    a superuser who passed the second factor."""
    rule = Write(
        "admin:accounts_accessrequest_changelist",
        {**dict.fromkeys(PERSONAS, 302)},
        ["admin"],
        body=lambda ctx: {
            "action": "delete_selected",
            "_selected_action": [access_request_kwargs(ctx)["pk"]],
            "post": "yes",
        },
    )
    answers = {p: attempt(world, rule, p) for p in PERSONAS}
    assert {p: status for p, (status, _changed, _why) in answers.items()} == rule.expect
    assert {p for p, (_status, changed, _why) in answers.items() if changed} == {"admin"}
    assert answers["admin"][1][0].startswith("accounts_accessrequest")
    # A superuser who has not passed the second factor changes nothing either.
    with transaction.atomic():
        client = world.client("admin", second_factor=False)
        pk = access_request_kwargs(Ctx(world, "admin", client))["pk"]
        before = snapshot()
        response = client.post(
            reverse(rule.route), {"action": "delete_selected", "_selected_action": [pk], "post": "yes"}
        )
        assert response.status_code == 302
        assert snapshot() == before
        transaction.set_rollback(True)


def test_the_snapshot_sees_a_changed_field_not_only_a_new_row(world):
    """What the refusals are checked with: a case assigned to someone is a change, though no row was added."""
    before = snapshot()
    Case.objects.filter(declaration=world.decl_a).update(assigned_to=world.personas["analyst"])
    assert changes(before, snapshot(), 0) == ["cases_case: rows changed"]
