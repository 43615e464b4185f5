"""The cell's triage queue: a row per matched record (from the matcher and the backfill), the queue's filters and
order, the decisions (assign, « à alerter », dismiss with a reason, reopen), the start of an alert from several
items, and a constant number of queries per page."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from acss.alerts.models import Alert
from acss.core.errors import Refusal
from acss.core.models import AuditEvent
from acss.veille.matching import match_records
from acss.veille.models import Family, Match, Triage, TriageState, Vulnerability
from acss.veille.triage import triage_assign, triage_dismiss, triage_reopen

from .alerts_helpers import matched_cve, second_analyst, triage_of, watched_product

QUEUE = "veille:triage"


def decide(client, triage, **body):
    return client.post(reverse("veille:triage_action", args=[triage.pk]), body)


def test_the_matcher_gives_each_matched_record_its_triage_row(db):
    fortios = Vulnerability.objects.create(
        cve_id="CVE-2024-0101",
        title="Fortinet FortiOS",
        description="A heap overflow in Fortinet FortiOS SSL-VPN allows remote code execution.",
        has_record=True,
        cvss_score=9.8,
        affected=[{"vendor": "Fortinet", "product": "FortiOS", "versions": [], "cpes": []}],
        cpes=["cpe:2.3:o:fortinet:fortios:7.4.0:*:*:*:*:*:*:*"],
    )
    unrelated = Vulnerability.objects.create(
        cve_id="CVE-2024-0103",
        title="code-projects Hospital Management System",
        has_record=True,
        affected=[{"vendor": "code-projects", "product": "Hospital Management System", "versions": [], "cpes": []}],
    )
    match_records(vulnerability_ids=[fortios.pk, unrelated.pk])
    assert Match.objects.filter(vulnerability=fortios).exists()
    assert list(Triage.objects.values_list("vulnerability__cve_id", "state")) == [("CVE-2024-0101", "new")]
    # A decision survives matching again; no second row.
    Triage.objects.filter(vulnerability=fortios).update(state=TriageState.DISMISSED, dismissed_reason="Déjà traité")
    match_records(vulnerability_ids=[fortios.pk])
    assert Triage.objects.get().state == TriageState.DISMISSED and Triage.objects.count() == 1


def test_the_backfill_gives_a_row_to_records_matched_before(db):
    v = matched_cve()
    Triage.objects.all().delete()
    other = matched_cve()
    assert Triage.objects.count() == 1
    migration = importlib.import_module("acss.veille.migrations.0004_triage_backfill")
    migration.backfill(apps, None)
    migration.backfill(apps, None)  # idempotent
    assert set(Triage.objects.values_list("vulnerability_id", flat=True)) == {v.pk, other.pk}


@pytest.fixture
def items(world):
    health = watched_product("Vue PACS", "Philips", Family.HEALTH)
    return {
        "top": matched_cve("CVE-2026-0001", kev=True, priority=95, immediate=True, title="FortiOS exploitée"),
        "pacs": matched_cve(
            "CVE-2026-0002",
            kev=False,
            cvss=5.0,
            epss=None,
            product=health,
            family=Family.HEALTH,
            priority=40,
            immediate=False,
            title="Vue PACS mots de passe par défaut",
        ),
        "mid": matched_cve(
            "CVE-2026-0003", kev=False, cvss=8.1, priority=60, immediate=True, title="FortiOS débordement"
        ),
    }


def ids_on(response) -> list[str]:
    return [row.identifier for row in response.context["rows"]]


def test_the_queue_is_sorted_by_priority_and_shows_the_reasons(world, items):
    client = world.client("analyst")
    response = client.get(reverse(QUEUE))
    assert response.status_code == 200
    assert ids_on(response) == ["CVE-2026-0001", "CVE-2026-0003", "CVE-2026-0002"]
    html = response.content.decode()
    assert "Produit FortiOS nommé dans la notice" in html and "Exploitée (KEV)" in html


def test_the_queue_filters(world, items):
    client = world.client("analyst")
    analyst = world.personas["analyst"]
    triage_assign(by=analyst, triage=triage_of(items["pacs"]), assignee=analyst)
    triage_dismiss(by=analyst, triage=triage_of(items["mid"]), reason="Version non déployée")

    def ids(**params):
        return ids_on(client.get(reverse(QUEUE), params))

    assert ids(state="dismissed") == ["CVE-2026-0003"]
    assert ids(state="new") == ["CVE-2026-0001", "CVE-2026-0002"]
    assert ids(assignee="moi") == ["CVE-2026-0002"]
    assert ids(assignee=str(analyst.pk)) == ["CVE-2026-0002"]
    assert ids(assignee="personne") == ["CVE-2026-0001", "CVE-2026-0003"]
    assert ids(family="health") == ["CVE-2026-0002"]
    assert ids(family="common_it") == ["CVE-2026-0001", "CVE-2026-0003"]
    assert ids(immediate="on") == ["CVE-2026-0001", "CVE-2026-0003"]
    assert ids(kev="on") == ["CVE-2026-0001"]
    assert ids(min_priority="60") == ["CVE-2026-0001", "CVE-2026-0003"]
    assert ids(q="pacs") == ["CVE-2026-0002"]
    assert ids(q="CVE-2026-0003") == ["CVE-2026-0003"]
    # An invalid filter is said and left out.
    response = client.get(reverse(QUEUE), {"state": "nonsense", "kev": "on"})
    assert ids_on(response) == ["CVE-2026-0001"] and "Certains critères sont invalides" in response.content.decode()


def test_dismissing_needs_a_reason(world, items):
    client = world.client("analyst")
    triage = triage_of(items["pacs"])
    response = decide(client, triage, action="dismiss", reason="  ")
    assert response.status_code == 302
    triage.refresh_from_db()
    assert triage.state == TriageState.NEW and triage.dismissed_reason == ""
    assert not AuditEvent.objects.filter(action="triage.dismissed").exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert "Indiquez pourquoi cet élément est écarté." in messages
    with pytest.raises(Refusal):
        triage_dismiss(by=world.personas["analyst"], triage=triage, reason="")

    decide(client, triage, action="dismiss", reason="Aucun établissement n'a ce PACS.")
    triage.refresh_from_db()
    assert triage.state == TriageState.DISMISSED and triage.dismissed_reason == "Aucun établissement n'a ce PACS."
    assert triage.changed_by == world.personas["analyst"]
    assert "Aucun établissement n&#x27;a ce PACS." in world.client("analyst").get(reverse(QUEUE)).content.decode()
    event = AuditEvent.objects.get(action="triage.dismissed")
    assert event.data["reason"] == "Aucun établissement n'a ce PACS."

    decide(client, triage, action="reopen")
    triage.refresh_from_db()
    assert triage.state == TriageState.NEW and triage.dismissed_reason == ""


def test_to_alert_assign_and_reopen(world, items):
    client = world.client("analyst")
    triage = triage_of(items["top"])
    second = second_analyst()
    response = decide(client, triage, action="to_alert", next=reverse(QUEUE) + "?state=new")
    assert response["Location"] == reverse(QUEUE) + "?state=new"
    triage.refresh_from_db()
    assert triage.state == TriageState.TO_ALERT
    decide(client, triage, action="assign", assignee=str(second.pk))
    triage.refresh_from_db()
    assert triage.assignee == second
    # Only an analyst of the cell: the form offers no one else, the service refuses anyone else.
    decide(client, triage, action="assign", assignee=str(world.personas["declarant_a"].pk))
    triage.refresh_from_db()
    assert triage.assignee == second
    with pytest.raises(Refusal):
        triage_assign(by=world.personas["analyst"], triage=triage, assignee=world.personas["declarant_a"])
    # An outside address is not followed.
    response = decide(client, triage, action="reopen", next="https://ailleurs.example/")
    assert response["Location"] == reverse(QUEUE)
    triage.refresh_from_db()
    assert triage.state == TriageState.NEW
    with pytest.raises(Refusal):
        triage_reopen(by=world.personas["analyst"], triage=triage)


def test_the_queue_is_the_cells_only(world, items):
    triage = triage_of(items["top"])
    for persona in ("declarant_a", "ars_idf", "fssi", "admin"):
        client = world.client(persona)
        assert client.get(reverse(QUEUE)).status_code == 404
        assert decide(client, triage, action="dismiss", reason="Non").status_code == 404
    triage.refresh_from_db()
    assert triage.state == TriageState.NEW


def test_several_items_start_one_alert(world, items):
    client = world.client("analyst")
    response = client.post(
        reverse("alerts:cell_new"), {"items": [triage_of(items["top"]).pk, triage_of(items["pacs"]).pk]}
    )
    alert = Alert.objects.get()
    assert response["Location"] == reverse("alerts:cell_edit", args=[alert.pk])
    assert alert.cves == ["CVE-2026-0001", "CVE-2026-0002"]
    assert sorted(str(p) for p in alert.watched_products.all()) == ["Fortinet FortiOS", "Philips Vue PACS"]
    # Nothing selected: said, nothing written.
    response = client.post(reverse("alerts:cell_new"), {})
    assert response["Location"] == reverse(QUEUE) and Alert.objects.count() == 1


def test_a_page_costs_the_same_queries_whatever_the_number_of_items(world):
    client = world.client("analyst")
    for _ in range(3):
        matched_cve()
    client.get(reverse(QUEUE))  # warm the session and the caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(QUEUE)).status_code == 200
    for _ in range(40):
        matched_cve()
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse(QUEUE))
    assert len(response.context["rows"]) == 43
    assert len(many.captured_queries) == len(few.captured_queries)
