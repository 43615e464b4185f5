"""Every route × every persona, generated from the URL configuration.

Each named route must have a rule below: a new route without one fails ``test_every_route_has_a_rule``.
What one cannot read is a 404, never a 403 that would confirm the object exists; a page to change what one reads
but may not change is a 403 with the French refusal (docs/decisions.md, 2026-11-30).
Staff personas have passed their second factor; what happens without it is tested in test_login.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from acss.alerts.models import Alert, AlertRevision
from acss.incidents.models import Notification, NotificationKind
from acss.incidents.oncall import ack_token
from acss.veille.models import Vulnerability

from .alerts_helpers import make_alert, matched_cve, triage_of


def certfr_advisory():
    from acss.veille.models import Advisory, DocumentFormat

    return Advisory.objects.get_or_create(
        tracking_id="CERTFR-2024-AVI-0001",
        defaults={"title": "Vulnérabilité dans un pare-feu", "document_format": DocumentFormat.CERTFR},
    )[0]


PERSONAS = [
    "anonymous",
    "declarant_a",
    "manager_a",
    "declarant_b",
    "group_officer",
    "ars_idf",
    "ars_other",
    "analyst",
    "fssi",
    "dgs",
    "ansm",
    "admin",
]
LOGGED_IN = [p for p in PERSONAS if p != "anonymous"]
STAFF = ["ars_idf", "ars_other", "analyst", "fssi", "dgs", "ansm", "admin"]


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(PERSONAS, status)


def login_then(status: int, **overrides: int) -> dict[str, int]:
    """Anonymous is sent to the login page; the logged-in get ``status`` unless overridden."""
    return {"anonymous": 302, **dict.fromkeys(LOGGED_IN, status), **overrides}


def only(allowed: list[str], status: int = 200, refused: int = 404, **overrides: int) -> dict[str, int]:
    return {"anonymous": 302, **dict.fromkeys(LOGGED_IN, refused), **overrides, **dict.fromkeys(allowed, status)}


def api(allowed: list[str], refused: int = 404) -> dict[str, int]:
    return {"anonymous": 401, **dict.fromkeys(LOGGED_IN, refused), **dict.fromkeys(allowed, 200)}


SEES_DECL_A = ["declarant_a", "manager_a", "group_officer", "ars_idf", "analyst", "fssi", "dgs"]
SEES_STRUCTURE_A = ["declarant_a", "manager_a", "group_officer", "ars_idf", "analyst"]
WRITES_DECL_A = ["declarant_a", "manager_a", "group_officer", "analyst"]
# Those who read declaration A but may not add to it (the region's ARS, the authorities that see it).
READS_ONLY_DECL_A = [p for p in SEES_DECL_A if p not in WRITES_DECL_A]
# Who may declare: people of a verified structure; on behalf, ACSS (any) and an ARS (its region's).
DECLARES = ["declarant_a", "manager_a", "declarant_b", "group_officer", "ars_idf", "analyst"]


def oncall_ack_kwargs(world) -> dict:
    alert = Notification.objects.create(
        declaration=world.decl_a,
        kind=NotificationKind.ONCALL,
        recipient="astreinte@acss.example.fr",
        reason="cellule fermée",
        created_at=timezone.now(),
    )
    return {"pk": alert.pk, "token": ack_token(alert)}


# --- subscriptions: the signed links of the e-mails are the access (wrong ones: test_subscriptions) ---------


def subscription_confirm_kwargs(world) -> dict:
    from acss.subscriptions import tokens
    from acss.subscriptions.models import Subscriber

    subscriber = Subscriber.objects.create(email="visiteur@example.test", created_at=timezone.now())
    return {"token": tokens.confirm_token(subscriber, ["alertes"])}


def subscription_unsubscribe_kwargs(world) -> dict:
    from acss.subscriptions import tokens
    from acss.subscriptions.models import Subscriber, Subscription

    now = timezone.now()
    subscriber = Subscriber.objects.create(email="abonne@example.test", created_at=now, confirmed_at=now)
    Subscription.objects.create(
        subscriber=subscriber, topic="alertes", frequency="immediate", created_at=now, updated_at=now
    )
    return {"token": tokens.unsubscribe_token(subscriber, "alertes")}


def published_alert(world) -> Alert:
    """A published alert (the public space of the watch), written as the editorial leaves it."""
    by = world.personas["analyst"]
    at = timezone.now()
    alert, created = Alert.objects.get_or_create(
        reference="ACSS-ALE-2026-0001",
        defaults={"state": "published", "title": "Alerte", "severity": "elevee", "created_by": by, "published_at": at},
    )
    if created:
        AlertRevision.objects.create(alert=alert, number=1, published_at=at, change_note="Publication.", by=by)
    return alert


def csaf_document_kwargs(world) -> dict:
    alert = published_alert(world)
    return {"year": alert.published_at.year, "name": f"{alert.reference.lower()}.json"}


# --- inventories and the structures an alert concerns ----------------------------------------------------------
# Hospital A's inventory is changed by its people and the cell; its region's ARS reads it (403 to change it).
WRITES_INVENTORY_A = ["declarant_a", "manager_a", "group_officer", "analyst"]


def published_alert_kwargs(world) -> dict:
    """A published alert that concerns hospital A (its status is set by A's people, counted for the cell and ARS)."""
    from acss.alerts.models import Alert, AlertConcern, AlertState

    alert, _ = Alert.objects.get_or_create(
        reference="ACSS-ALE-2026-0901",
        defaults={
            "state": AlertState.PUBLISHED,
            "title": "Alerte de test",
            "severity": "elevee",
            "created_by": world.personas["analyst"],
            "published_at": timezone.now(),
        },
    )
    AlertConcern.objects.get_or_create(alert=alert, structure=world.structure_a)
    return {"pk": alert.pk}


def inventory_item_kwargs(world) -> dict:
    from acss.inventories.models import InventoryItem

    item, _ = InventoryItem.objects.get_or_create(
        structure=world.structure_a,
        name_key="fortinet|fortios",
        version="",
        cpe="",
        defaults={"vendor": "Fortinet", "product": "FortiOS", "source": "typed"},
    )
    return {"pk": world.structure_a.pk, "item": item.pk}


# --- accompaniment ---
def accompaniment_of_a(world):
    """Hospital A's declaration, qualified, in accompaniment with the ransomware template (its 10 actions)."""
    from acss.accompaniment.models import Accompaniment, PlanTemplate
    from acss.accompaniment.services import accompaniment_open
    from acss.incidents.models import Case, CaseState

    existing = Accompaniment.objects.filter(declaration=world.decl_a).first()
    if existing is not None:
        return existing
    Case.objects.filter(declaration=world.decl_a).update(state=CaseState.QUALIFIED)
    return accompaniment_open(
        by=world.personas["analyst"],
        declaration=world.decl_a,
        template=PlanTemplate.objects.get(slug="rancongiciel"),
    )


def accompaniment_action_kwargs(world) -> dict:
    action = accompaniment_of_a(world).actions.first()
    return {"reference": world.decl_a.reference, "pk": action.pk}


def accompaniment_evidence_kwargs(world) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from acss.accompaniment.services import plan_action_update

    action = accompaniment_of_a(world).actions.first()
    plan_action_update(
        by=world.personas["declarant_a"],
        action=action,
        state="done",
        evidence_file=SimpleUploadedFile("preuve.txt", b"Sauvegardes verifiees.\n"),
    )
    return {"reference": world.decl_a.reference, "pk": action.pk}


# Who reads the expert missions of declaration A: its structure, the cell, the FSSI (not the ARS nor the DGS).
READS_MISSIONS_A = ["declarant_a", "manager_a", "group_officer", "analyst", "fssi"]


def expert_mission_of_a(world, state: str = "requested"):
    """An expert mission on hospital A's declaration, requested by the FSSI, then opened, then finished."""
    from datetime import date

    from django.core.files.uploadedfile import SimpleUploadedFile

    from acss.accompaniment import services
    from acss.accompaniment.models import ExpertMission

    mission = ExpertMission.objects.filter(declaration=world.decl_a, state=state).first()
    if mission is not None:
        return mission
    mission = services.mission_request(
        by=world.personas["fssi"], declaration=world.decl_a, kind="analysis", reason="Analyse approfondie."
    )
    if state in ("opened", "finished"):
        mission = services.mission_open(
            by=world.personas["analyst"],
            mission=mission,
            team="CERT Santé",
            starts_on=date(2026, 12, 2),
            ends_on=date(2026, 12, 3),
            scope="PACS",
        )
    if state == "finished":
        mission = services.mission_finish(
            by=world.personas["analyst"], mission=mission, report=SimpleUploadedFile("rapport.txt", b"Rapport.\n")
        )
    return mission


def expert_mission_kwargs(world, state: str = "requested") -> dict:
    return {"reference": world.decl_a.reference, "pk": expert_mission_of_a(world, state).pk}


@dataclass
class Rule:
    expect: dict[str, int]
    kwargs: Callable[[object], dict] = lambda world: {}
    api: bool = False


def observatory_year_kwargs(world) -> dict:
    """Last year, published by the cell (the observatory's public pages read its snapshot)."""
    from .observatory_helpers import published_year

    return {"year": published_year(world).year}


def provider_parent_kwargs(world) -> dict:
    """A provider's incident with declaration A linked (one provider, many victims)."""
    from acss.providers.models import ProviderIncident, ProviderLink

    analyst = world.personas["analyst"]
    link = ProviderLink.objects.filter(declaration=world.decl_a).first()
    if link is not None:
        return {"pk": link.parent_id}
    parent = ProviderIncident.objects.create(
        provider_name="Medisoft", title="Rançongiciel chez Medisoft", opened_by=analyst, opened_at=timezone.now()
    )
    ProviderLink.objects.create(parent=parent, declaration=world.decl_a, linked_by=analyst, linked_at=timezone.now())
    return {"pk": parent.pk}


# --- the regulatory filings: the structure, the cell and the region's ARS read them; the authorities do not ---
READS_FILINGS_A = ["declarant_a", "manager_a", "group_officer", "ars_idf", "analyst"]


def filing_kwargs(world) -> dict:
    """Declaration A, its structure a NIS 2 essential entity when it declared: the stage « notification »."""
    from acss.incidents.models import Declaration

    Declaration.objects.filter(pk=world.decl_a.pk).update(structure_snapshot={"nis2": "essential"})
    return {"reference": world.decl_a.reference, "stage": "notification"}


RULES: dict[str, Rule] = {
    "portal:home": Rule(everyone(200)),
    "portal:dashboard": Rule(login_then(200)),
    "core:legal_notice": Rule(everyone(200)),
    "core:personal_data": Rule(everyone(200)),
    "core:accessibility": Rule(everyone(200)),
    "core:contact": Rule(everyone(200)),
    "core:healthz": Rule(everyone(200)),
    "accounts:login": Rule({"anonymous": 200, **dict.fromkeys(LOGGED_IN, 302)}),
    "accounts:logout": Rule(everyone(405)),
    # Declarants have no device: sent to enrol. Staff have one: the form is shown.
    "accounts:otp_verify": Rule(login_then(200, declarant_a=302, manager_a=302, declarant_b=302, group_officer=302)),
    "accounts:otp_setup": Rule(login_then(302, declarant_a=200, manager_a=200, declarant_b=200, group_officer=200)),
    "accounts:password_reset": Rule(everyone(200)),
    "accounts:password_reset_done": Rule(everyone(200)),
    "accounts:password_reset_confirm": Rule(everyone(200), lambda w: {"uidb64": "MQ", "token": "set-password"}),
    "accounts:password_reset_complete": Rule(everyone(200)),
    "accounts:register": Rule(everyone(200)),
    "accounts:register_done": Rule(everyone(200)),
    "accounts:invitation_accept": Rule(everyone(404), lambda w: {"token": "not-a-token"}),
    "accounts:structure_detail": Rule(only(SEES_STRUCTURE_A), lambda w: {"pk": w.structure_a.pk}),
    "accounts:invite": Rule(
        only(["manager_a"], **dict.fromkeys([p for p in SEES_STRUCTURE_A if p != "manager_a"], 403)),
        lambda w: {"pk": w.structure_a.pk},
    ),
    "accounts:pending_structures": Rule(only(["analyst"])),
    "accounts:structure_decide": Rule(login_then(405), lambda w: {"pk": w.structure_a.pk}),
    "accounts:access_request_decide": Rule(login_then(405), lambda w: {"pk": 1}),
    "incidents:list": Rule(login_then(200)),
    "incidents:detail": Rule(only(SEES_DECL_A), lambda w: {"reference": w.decl_a.reference}),
    "incidents:start": Rule(login_then(200)),
    "incidents:quick_alert": Rule(only(DECLARES)),
    "incidents:draft_new": Rule(login_then(405)),
    "incidents:draft_step": Rule(only(["declarant_a"]), lambda w: {"key": w.draft_a.key, "step": 1}),
    "incidents:draft_submit": Rule(login_then(405), lambda w: {"key": w.draft_a.key}),
    "incidents:draft_delete": Rule(login_then(405), lambda w: {"key": w.draft_a.key}),
    "incidents:receipt": Rule(only(SEES_DECL_A), lambda w: {"reference": w.decl_a.reference}),
    "incidents:complete": Rule(login_then(405), lambda w: {"reference": w.decl_a.reference}),
    "incidents:addendum": Rule(
        only(WRITES_DECL_A, **dict.fromkeys(READS_ONLY_DECL_A, 403)), lambda w: {"reference": w.decl_a.reference}
    ),
    "incidents:situation": Rule(
        only(WRITES_DECL_A, **dict.fromkeys(READS_ONLY_DECL_A, 403)), lambda w: {"reference": w.decl_a.reference}
    ),
    "incidents:attachment": Rule(
        only(SEES_DECL_A), lambda w: {"reference": w.decl_a.reference, "pk": w.attachment_a.pk}
    ),
    # The on-call acknowledgement: no login, the token in the link is the access (wrong tokens: test_oncall).
    "incidents:oncall_ack": Rule(everyone(200), oncall_ack_kwargs),
    "reflexes:sheet_list": Rule(everyone(200)),
    "reflexes:sheet_detail": Rule(everyone(200), lambda w: {"slug": "rancongiciel"}),
    "reflexes:sheet_versions": Rule(everyone(200), lambda w: {"slug": "rancongiciel"}),
    "reflexes:sheet_version": Rule(everyone(200), lambda w: {"slug": "rancongiciel", "number": 1}),
    "reflexes:sheet_edit": Rule(only(["analyst"], refused=403), lambda w: {"slug": "rancongiciel"}),
    "incidents:action": Rule(login_then(405), lambda w: {"reference": w.decl_a.reference, "action": "take"}),
    "incidents:message": Rule(login_then(405), lambda w: {"reference": w.decl_a.reference}),
    "api:case_detail": Rule(api(SEES_DECL_A), lambda w: {"reference": w.decl_a.reference}, api=True),
    "api:case_messages": Rule(api(SEES_DECL_A), lambda w: {"reference": w.decl_a.reference}, api=True),
    "api:case_actions": Rule(api([], refused=405), lambda w: {"reference": w.decl_a.reference}, api=True),
    "veille:list": Rule(only(["analyst"])),
    "veille:watchlist": Rule(only(["analyst"])),
    "veille:detail": Rule(
        only(["analyst"]),
        lambda w: {"kind": "cve", "identifier": Vulnerability.objects.get_or_create(cve_id="CVE-2024-0001")[0].cve_id},
    ),
    "incidents:queue": Rule(only(["analyst"])),
    "incidents:ars_board": Rule(only(["ars_idf", "ars_other", "analyst"])),
    # --- the triage queue and the editorial of alerts (the cell only) ---------------------------------
    "veille:triage": Rule(only(["analyst"])),
    # --- the national CERT's advisories (the cell only) ------------------------------------------------
    "veille:certfr": Rule(only(["analyst"])),
    "veille:certfr_detail": Rule(only(["analyst"]), lambda w: {"reference": certfr_advisory().tracking_id}),
    "veille:triage_action": Rule(login_then(405), lambda w: {"pk": triage_of(matched_cve()).pk}),
    "alerts:cell_list": Rule(only(["analyst"])),
    "alerts:cell_new": Rule(login_then(405)),
    "alerts:cell_detail": Rule(only(["analyst"]), lambda w: {"pk": make_alert(w.personas["analyst"]).pk}),
    "alerts:cell_edit": Rule(only(["analyst"]), lambda w: {"pk": make_alert(w.personas["analyst"]).pk}),
    "alerts:cell_submit": Rule(login_then(405), lambda w: {"pk": make_alert(w.personas["analyst"]).pk}),
    "alerts:cell_approve": Rule(login_then(405), lambda w: {"pk": make_alert(w.personas["analyst"]).pk}),
    "alerts:cell_reject": Rule(login_then(405), lambda w: {"pk": make_alert(w.personas["analyst"]).pk}),
    "alerts:cell_withdraw": Rule(
        only(["analyst"]), lambda w: {"pk": make_alert(w.personas["analyst"], state="published").pk}
    ),
    # --- end of the triage queue and the editorial ---------------------------------------------------
    "api:schema": Rule(everyone(200), api=True),
    "api:me": Rule(api(LOGGED_IN), api=True),
    "api:declaration_list": Rule(api(LOGGED_IN), api=True),
    "api:declaration_detail": Rule(api(SEES_DECL_A), lambda w: {"reference": w.decl_a.reference}, api=True),
    "api:quick_alert": Rule(api([], refused=405), api=True),
    "api:addendum": Rule(api([], refused=405), lambda w: {"reference": w.decl_a.reference}, api=True),
    "api:situation": Rule(api([], refused=405), lambda w: {"reference": w.decl_a.reference}, api=True),
    "api:completion": Rule(api([], refused=405), lambda w: {"reference": w.decl_a.reference}, api=True),
    # --- subscriptions: public pages, the link of the e-mail is the access; the preferences for the logged-in --
    "subscriptions:subscribe": Rule(everyone(200)),
    "subscriptions:requested": Rule(everyone(200)),
    "subscriptions:confirm": Rule(everyone(200), subscription_confirm_kwargs),
    "subscriptions:unsubscribe": Rule(everyone(200), subscription_unsubscribe_kwargs),
    "subscriptions:preferences": Rule(login_then(200)),
    # The public space of the watch (no login): alerts, news, bulletin, feeds, JSON and CSAF files.
    "alerts:alert_list": Rule(everyone(200)),
    "alerts:alert_detail": Rule(everyone(200), lambda w: {"reference": published_alert(w).reference}),
    "alerts:feed_rss": Rule(everyone(200)),
    "alerts:feed_atom": Rule(everyone(200)),
    "alerts:news_list": Rule(everyone(200)),
    "alerts:bulletin_today": Rule(everyone(200)),
    "alerts:bulletin_day": Rule(everyone(200), lambda w: {"day": "2026-11-20"}),
    "alerts:api_alert_list": Rule(everyone(200)),
    "alerts:api_alert_detail": Rule(everyone(200), lambda w: {"reference": published_alert(w).reference}),
    "alerts:csaf_provider_metadata": Rule(everyone(200)),
    "alerts:csaf_rolie_feed": Rule(everyone(200)),
    "alerts:csaf_document": Rule(everyone(200), csaf_document_kwargs),
    # --- inventories and the structures an alert concerns ---
    "inventories:inventory": Rule(only(SEES_STRUCTURE_A), lambda w: {"pk": w.structure_a.pk}),
    "inventories:import": Rule(only(WRITES_INVENTORY_A, ars_idf=403), lambda w: {"pk": w.structure_a.pk}),
    "inventories:add_watched": Rule(login_then(405), lambda w: {"pk": w.structure_a.pk}),
    "inventories:add_typed": Rule(login_then(405), lambda w: {"pk": w.structure_a.pk}),
    "inventories:import_confirm": Rule(login_then(405), lambda w: {"pk": w.structure_a.pk}),
    "inventories:match_all": Rule(login_then(405), lambda w: {"pk": w.structure_a.pk}),
    "inventories:remove": Rule(login_then(405), inventory_item_kwargs),
    "inventories:match": Rule(login_then(405), inventory_item_kwargs),
    "alerts:concern_status": Rule(
        login_then(405), lambda w: {"pk": w.structure_a.pk, "alert": published_alert_kwargs(w)["pk"]}
    ),
    "alerts:concern_counts": Rule(only(["analyst"]), published_alert_kwargs),
    "alerts:concern_counts_region": Rule(only(["ars_idf", "ars_other", "analyst"]), published_alert_kwargs),
    # --- accompaniment: whoever reads the declaration reads its sheet and plan; the cell opens it ---
    "accompaniment:detail": Rule(only(SEES_DECL_A), lambda w: {"reference": w.decl_a.reference}),
    "accompaniment:open": Rule(
        only(["analyst"], **dict.fromkeys([p for p in SEES_DECL_A if p != "analyst"], 403)),
        lambda w: {"reference": w.decl_a.reference},
    ),
    "accompaniment:entry_add": Rule(login_then(405), lambda w: {"reference": w.decl_a.reference}),
    "accompaniment:action_add": Rule(login_then(405), lambda w: {"reference": w.decl_a.reference}),
    "accompaniment:action_progress": Rule(login_then(405), accompaniment_action_kwargs),
    "accompaniment:action_edit": Rule(login_then(405), accompaniment_action_kwargs),
    "accompaniment:close": Rule(login_then(405), lambda w: {"reference": w.decl_a.reference}),
    "accompaniment:evidence": Rule(only(SEES_DECL_A), accompaniment_evidence_kwargs),
    "accompaniment:templates": Rule(only(["analyst"])),
    "accompaniment:template_edit": Rule(only(["analyst"]), lambda w: {"slug": "rancongiciel"}),
    "accompaniment:api_detail": Rule(
        api(SEES_DECL_A), lambda w: {"reference": accompaniment_of_a(w).declaration.reference}, api=True
    ),
    # --- expert missions: the structure, the cell and the FSSI read them; not the ARS nor the DGS ---
    "accompaniment:missions": Rule(only(READS_MISSIONS_A), lambda w: {"reference": w.decl_a.reference}),
    "accompaniment:mission_request": Rule(login_then(405), lambda w: {"reference": w.decl_a.reference}),
    "accompaniment:mission_open": Rule(login_then(405), expert_mission_kwargs),
    "accompaniment:mission_refuse": Rule(login_then(405), expert_mission_kwargs),
    "accompaniment:mission_finish": Rule(login_then(405), expert_mission_kwargs),
    "accompaniment:mission_report": Rule(only(READS_MISSIONS_A), lambda w: expert_mission_kwargs(w, "finished")),
    "accompaniment:api_actions": Rule(api([], refused=405), lambda w: {"reference": w.decl_a.reference}, api=True),
    "accompaniment:api_missions": Rule(api(READS_MISSIONS_A), lambda w: {"reference": w.decl_a.reference}, api=True),
    "accompaniment:api_mission_report": Rule(
        api(READS_MISSIONS_A), lambda w: expert_mission_kwargs(w, "finished"), api=True
    ),
    "accompaniment:api_evidence": Rule(api(SEES_DECL_A), accompaniment_evidence_kwargs, api=True),
    # --- observables on cases: read by whoever reads the declaration; extraction by the cell and the structure ---
    "incidents:filings": Rule(only(READS_FILINGS_A), lambda w: {"reference": w.decl_a.reference}),
    "incidents:filing": Rule(only(READS_FILINGS_A), filing_kwargs),
    "incidents:filing_sent": Rule(login_then(405), filing_kwargs),
    "incidents:filing_pdf": Rule(only(READS_FILINGS_A), filing_kwargs),
    "incidents:filing_json": Rule(only(READS_FILINGS_A), filing_kwargs),
    "api:filings": Rule(api(READS_FILINGS_A), lambda w: {"reference": w.decl_a.reference}, api=True),
    "api:filing_content": Rule(api(READS_FILINGS_A), filing_kwargs, api=True),
    "api:filing_sent": Rule(api([], refused=405), filing_kwargs, api=True),
    "observables:list": Rule(only(SEES_DECL_A), lambda w: {"reference": w.decl_a.reference}),
    "observables:add": Rule(login_then(405), lambda w: {"reference": w.decl_a.reference}),
    "observables:extract": Rule(
        only(WRITES_DECL_A, **dict.fromkeys(READS_ONLY_DECL_A, 403)), lambda w: {"reference": w.decl_a.reference}
    ),
    "observables:stix": Rule(login_then(405), lambda w: {"reference": w.decl_a.reference}),
    # --- one provider, many victims: the cell manages, every ARS reads the parent (scoped to its region) ---
    "providers:list": Rule(only(["analyst"])),
    "providers:open": Rule(login_then(405)),
    "providers:detail": Rule(only(["analyst", "ars_idf", "ars_other"]), provider_parent_kwargs),
    "providers:update": Rule(login_then(405), provider_parent_kwargs),
    "providers:link": Rule(login_then(405), provider_parent_kwargs),
    "providers:message": Rule(login_then(405), provider_parent_kwargs),
    "providers:close": Rule(login_then(405), provider_parent_kwargs),
    # --- end of one provider, many victims ---
    # --- the observatory: a published year is public; the ARS its own region's dashboard; the cell all ---
    "observatory:public": Rule(everyone(200)),
    "observatory:year": Rule(everyone(200), observatory_year_kwargs),
    "observatory:report": Rule(everyone(200), observatory_year_kwargs),
    "observatory:report_pdf": Rule(everyone(200), observatory_year_kwargs),
    "observatory:indicators_csv": Rule(everyone(200), observatory_year_kwargs),
    "observatory:indicators_xlsx": Rule(everyone(200), observatory_year_kwargs),
    "observatory:open_data": Rule(everyone(200), observatory_year_kwargs),
    "observatory:ars": Rule(only(["ars_idf", "ars_other", "analyst"], status=302)),
    "observatory:ars_region": Rule(only(["ars_idf", "analyst"]), lambda w: {"region": "11"}),
    "observatory:cell": Rule(only(["analyst"])),
    "observatory:publish": Rule(login_then(405)),
    # --- end of the observatory ---
}

# The Django admin: one rule for its whole namespace (OTPAdminSite: superusers with a second factor only).
ADMIN_SAMPLES = [
    ("admin:index", {}),
    ("admin:accounts_structure_changelist", {}),
    ("admin:core_auditevent_changelist", {}),
]
ADMIN_EXPECT = {**dict.fromkeys(PERSONAS, 302), "admin": 200}


def iter_route_names(resolver: URLResolver | None = None, namespace: str = "") -> Iterator[str]:
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace
            yield from iter_route_names(pattern, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def test_every_route_has_a_rule():
    routes = set(iter_route_names())
    missing = sorted(r for r in routes if r not in RULES and not r.startswith("admin:"))
    assert missing == [], f"routes without an access rule in tests/test_access_matrix.py: {missing}"
    stale = sorted(set(RULES) - routes)
    assert stale == [], f"rules for routes that no longer exist: {stale}"


def test_every_rule_names_every_persona():
    for name, rule in RULES.items():
        assert sorted(rule.expect) == sorted(PERSONAS), name


@pytest.mark.parametrize("route", sorted(RULES))
def test_access_matrix(world, route):
    rule = RULES[route]
    url = reverse(route, kwargs=rule.kwargs(world))
    answers = {}
    for persona in PERSONAS:
        client = world.api(persona) if rule.api else world.client(persona)
        answers[persona] = client.get(url).status_code
    wrong = {p: f"got {answers[p]}, expected {rule.expect[p]}" for p in PERSONAS if answers[p] != rule.expect[p]}
    assert wrong == {}, f"{route} ({url})"


@pytest.mark.parametrize(("route", "kwargs"), ADMIN_SAMPLES)
def test_admin_needs_a_verified_superuser(world, route, kwargs):
    url = reverse(route, kwargs=kwargs)
    answers = {p: world.client(p).get(url).status_code for p in PERSONAS}
    assert answers == ADMIN_EXPECT
    # A superuser who has not passed the second factor is sent back to the login page.
    assert world.client("admin", second_factor=False).get(url).status_code == 302


def test_refusals_do_not_reveal_existence(world):
    """An existing declaration that one may not see answers exactly like one that does not exist."""
    client = world.client("declarant_b")
    hidden = client.get(reverse("incidents:detail", args=[world.decl_a.reference]))
    missing = client.get(reverse("incidents:detail", args=["ACSS-2099-999999"]))
    assert hidden.status_code == missing.status_code == 404

    def strip_nonce(html: bytes) -> bytes:  # the CSP nonce and the masked CSRF token differ on every response
        return re.sub(rb'(nonce|value)="[^"]*"', b"", html)

    assert strip_nonce(hidden.content) == strip_nonce(missing.content)
