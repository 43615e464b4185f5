"""The audit trail: append-only, chained by hash, verified by a command that names the first broken link."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from acss.core.audit import audit_record, audit_verify
from acss.core.models import AuditEvent


def tamper(sql: str, params: list) -> None:
    """Change the table behind the application's back, as an attacker with database access would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")  # bypasses the append-only trigger
        cursor.execute(sql, params)


@pytest.fixture
def chain(db):
    return [audit_record(action="test.event", object_type="t", object_id=i, data={"n": i}) for i in range(5)]


def test_an_intact_chain_verifies(chain, capsys):
    assert audit_verify().ok
    call_command("audit_verify")
    assert "5 événements vérifiés" in capsys.readouterr().out


def test_each_event_links_to_the_previous_one(chain):
    assert chain[0].prev_hash == "0" * 64
    for previous, event in zip(chain, chain[1:], strict=False):
        assert event.prev_hash == previous.hash


def test_a_changed_event_is_named(chain):
    tamper("UPDATE core_auditevent SET data = %s WHERE id = %s", ['{"n": 99}', chain[2].id])
    report = audit_verify()
    assert report.broken_at == chain[2].id
    assert "modifié" in report.reason
    with pytest.raises(CommandError, match=f"n° {chain[2].id}"):
        call_command("audit_verify")


def test_a_changed_actor_label_is_named(chain):
    tamper("UPDATE core_auditevent SET actor_label = %s WHERE id = %s", ["quelqu'un d'autre", chain[1].id])
    assert audit_verify().broken_at == chain[1].id


def test_a_deleted_event_breaks_the_next_link(chain):
    tamper("DELETE FROM core_auditevent WHERE id = %s", [chain[3].id])
    report = audit_verify()
    assert report.broken_at == chain[4].id
    assert "rompu" in report.reason


def test_a_deleted_last_event_is_caught_by_the_chain_head(chain):
    tamper("DELETE FROM core_auditevent WHERE id = %s", [chain[4].id])
    report = audit_verify()
    assert not report.ok
    assert "supprimés" in report.reason


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL only")
def test_postgresql_refuses_updates_and_deletes(chain):
    for sql in ("UPDATE core_auditevent SET action = 'x'", "DELETE FROM core_auditevent"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as c:
            c.execute(sql)


def test_staff_opening_a_declaration_is_recorded_with_who_and_where(world):
    world.client("ars_idf").get(reverse("incidents:detail", args=[world.decl_a.reference]), REMOTE_ADDR="192.0.2.7")
    event = AuditEvent.objects.get(action="declaration.viewed")
    assert event.actor == world.personas["ars_idf"]
    assert event.object_id == str(world.decl_a.pk)
    assert event.ip_address == "192.0.2.7"
    assert audit_verify().ok


def test_staff_reading_through_the_api_is_recorded(world):
    world.api("analyst").get(reverse("api:declaration_detail", args=[world.decl_a.reference]))
    assert AuditEvent.objects.filter(action="declaration.viewed", data__via="api").count() == 1


def test_a_declarant_reading_its_own_declaration_is_not_an_access_event(world):
    world.client("declarant_a").get(reverse("incidents:detail", args=[world.decl_a.reference]))
    assert not AuditEvent.objects.filter(action="declaration.viewed").exists()


def test_a_refused_access_writes_no_view_event(world):
    world.client("ars_other").get(reverse("incidents:detail", args=[world.decl_a.reference]))
    assert not AuditEvent.objects.filter(action="declaration.viewed").exists()


def test_an_event_rolled_back_with_its_transaction_leaves_the_chain_intact(chain):
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(action="test.rolled_back")
        raise RuntimeError
    assert not AuditEvent.objects.filter(action="test.rolled_back").exists()
    audit_record(action="test.after")
    assert audit_verify().ok


def test_a_write_records_where_it_came_from_without_the_service_seeing_the_request(world):
    """The page builds an ``AuditOrigin`` (address, user agent) and hands it to the service with the person."""
    client = world.client("declarant_a")
    response = client.post(
        reverse("incidents:situation", args=[world.decl_a.reference]),
        {"situation": "degraded", "effective_at": "2026-11-20T08:00", "note": "", "submission_key": "s-1"},
        REMOTE_ADDR="198.51.100.4",
        HTTP_USER_AGENT="Navigateur de test",
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="declaration.situation")
    assert (event.actor, event.ip_address, event.user_agent) == (
        world.personas["declarant_a"],
        "198.51.100.4",
        "Navigateur de test",
    )
