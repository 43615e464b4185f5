"""Routing at intake: who is told, when the on-call points are, what is suggested."""

from unittest import mock

import pytest
from django.core import mail

from acss.accounts.models import Role
from acss.incidents.models import Declaration, EscalationSuggestion, Notification
from acss.incidents.routing import critical_reasons, routing_plan
from acss.incidents.tasks.notifications import deliver_notification, route_declaration

from .conftest import make_structure, make_user
from .intake_helpers import at_paris

WEEKDAY_10H = at_paris(2026, 11, 18, 10, 0)  # a Wednesday
WEEKDAY_3H = at_paris(2026, 11, 18, 3, 0)


def declaration(structure, **fields) -> Declaration:
    fields.setdefault("title", "Incident")
    fields.setdefault("structure_snapshot", {"is_ose": structure.is_ose, "nis2": structure.nis2})
    count = Declaration.objects.count() + 100
    return Declaration.objects.create(
        reference=f"ACSS-2026-{count:06d}",
        structure=structure,
        created_by=make_user(f"u{count}@x.test", (structure, Role.DECLARANT)),
        submitted_at=WEEKDAY_10H,
        **fields,
    )


def recipients(plan, kind):
    return {p.recipient for p in plan.notifications if p.kind == kind}


@pytest.mark.parametrize(
    ("dep", "prefix", "region"),
    [
        ("2A", "2A00001", "94"),
        ("2B", "2B00001", "94"),
        ("971", "9710001", "01"),
        ("976", "9760001", "06"),
        ("57", "5700001", "44"),
        ("75", "7500009", "11"),
    ],
)
def test_the_ars_of_the_site_departement_acss_and_the_fssi_are_always_told(db, dep, prefix, region):
    structure = make_structure(f"Site {dep}", dep, prefix)
    assert structure.finess_et.startswith(dep)
    plan = routing_plan(declaration(structure), at=WEEKDAY_10H)
    assert recipients(plan, "information") == {
        f"signalement-ars{region}@ars.example.fr",
        "cert@acss.example.fr",
        "fssi@sg.example.fr",
    }
    assert recipients(plan, "oncall") == set()
    assert plan.suggestions == {}


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"functioning": "interrupted"}, "prise en charge des patients interrompue"),
        ({"alert_care_impact": "interrupted"}, "prise en charge des patients interrompue"),
        ({"patient_safety": "actual"}, "mise en danger avérée"),
        ({"category_id": "rancongiciel"}, "rançongiciel déclaré"),
        ({"alert_summary": "Demande de RANÇON sur tous les postes"}, "rançongiciel suspecté"),
        ({"is_major": True}, "incident majeur"),
        ({"scope": "shared_provider", "provider_name": "Hébergeur X"}, "prestataire partagé"),
        ({"territory_impact": "Trois hôpitaux du GHT touchés"}, "impact déclaré sur d'autres structures"),
    ],
)
def test_each_critical_rule(world, fields, reason):
    d = declaration(world.structure_a, **fields)
    assert any(reason in r for r in critical_reasons(d))
    closed = routing_plan(d, at=WEEKDAY_3H)
    assert recipients(closed, "oncall") == {
        "astreinte-fssi@sg.example.fr",
        "astreinte-ars11@ars.example.fr",
        "astreinte@acss.example.fr",
    }
    assert recipients(routing_plan(d, at=WEEKDAY_10H), "oncall") == set()  # the cell is open: no on-call


def test_a_non_critical_incident_at_night_wakes_nobody(world):
    d = declaration(world.structure_a, functioning="degraded", category_id="hameconnage")
    assert critical_reasons(d) == []
    assert recipients(routing_plan(d, at=WEEKDAY_3H), "oncall") == set()


@pytest.mark.parametrize(
    ("at", "is_open"),
    [
        (at_paris(2026, 11, 18, 9, 0), True),
        (at_paris(2026, 11, 18, 18, 0), False),
        (at_paris(2026, 11, 21, 23, 0), False),  # a Saturday night
        (at_paris(2026, 7, 14, 11, 0), False),  # 14 July
        (at_paris(2026, 4, 3, 11, 0), True),  # Good Friday: a holiday in Strasbourg, not for the cell
        (at_paris(2025, 12, 26, 11, 0), True),  # 26 December: likewise
    ],
)
def test_the_cell_calendar_decides_the_on_call(world, at, is_open):
    d = declaration(world.structure_b, is_major=True)  # a Strasbourg structure
    plan = routing_plan(d, at=at)
    assert plan.cell_open is is_open
    assert bool(recipients(plan, "oncall")) is (not is_open)


@pytest.mark.parametrize(
    ("fields", "authority"),
    [
        ({"patient_safety": "potential"}, "dgs"),
        ({"patient_safety": "actual"}, "dgs"),
        ({"functioning": "interrupted"}, "dgs"),
        ({"health_products": True, "health_products_details": "pompes"}, "ansm"),
        ({"scope": "shared_provider", "provider_name": "Hébergeur X"}, "anssi"),
        ({"territory_impact": "Trois hôpitaux du GHT touchés"}, "anssi"),
        ({"structure_snapshot": {"is_ose": True}}, "anssi"),
        ({"structure_snapshot": {"nis2": "essential"}}, "anssi"),
    ],
)
def test_each_suggestion_rule(world, fields, authority):
    plan = routing_plan(declaration(world.structure_a, **fields), at=WEEKDAY_10H)
    assert authority in plan.suggestions and plan.suggestions[authority]


def test_suggestions_are_recorded_not_sent_and_routing_is_idempotent(world, django_capture_on_commit_callbacks):
    d = declaration(world.structure_a, patient_safety="actual", health_products=True)
    with (
        mock.patch("django.utils.timezone.now", return_value=WEEKDAY_3H),
        django_capture_on_commit_callbacks(execute=True),
    ):
        route_declaration.enqueue(d.pk)
        route_declaration.enqueue(d.pk)  # a retried task
    assert set(
        EscalationSuggestion.objects.filter(declaration=d).values_list("authority__authority_code", flat=True)
    ) == {"dgs", "ansm"}
    sent_to = [m.to[0] for m in mail.outbox]
    assert not any("dgs" in a or "ansm" in a for a in sent_to)  # suggested only
    assert len(sent_to) == len(set(sent_to)) == Notification.objects.filter(declaration=d).count()


def test_a_notification_is_never_delivered_twice(world):
    d = declaration(world.structure_a)
    n = Notification.objects.create(
        declaration=d, kind="information", recipient="x@y.test", reason="r", created_at=WEEKDAY_10H
    )
    assert deliver_notification.call(n.pk) == "sent"
    assert deliver_notification.call(n.pk) == "not pending"
    assert len(mail.outbox) == 1


def test_a_failed_delivery_is_retried_with_backoff_then_given_up(world):
    d = declaration(world.structure_a)
    n = Notification.objects.create(
        declaration=d, kind="information", recipient="x@y.test", reason="r", created_at=WEEKDAY_10H
    )
    with mock.patch("django.core.mail.EmailMessage.send", side_effect=ConnectionRefusedError("smtp down")):
        assert deliver_notification.call(n.pk) == "retry"
        n.refresh_from_db()
        assert (n.state, n.attempts) == ("pending", 1) and "smtp down" in n.last_error
        first_delay = n.next_attempt_at
        assert deliver_notification.call(n.pk) == "retry"
        n.refresh_from_db()
        assert n.next_attempt_at > first_delay
    assert deliver_notification.call(n.pk) == "sent"
    n.refresh_from_db()
    assert (n.state, n.attempts, len(mail.outbox)) == ("sent", 3, 1)
    with mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("down")):
        m = Notification.objects.create(
            declaration=d, kind="oncall", recipient="z@y.test", reason="r", created_at=WEEKDAY_10H
        )
        for _ in range(6):
            deliver_notification.call(m.pk)
    m.refresh_from_db()
    assert m.state == "failed"
