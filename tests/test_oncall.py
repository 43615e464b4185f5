"""On-call alerts that someone owns: acknowledged through a link, reminded, then sent to the deputy."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from acss.core.models import AuditEvent
from acss.incidents.models import Declaration, Notification, NotificationKind, NotificationState, OncallStep
from acss.incidents.oncall import ack_token, ack_url
from acss.incidents.tasks.notifications import deliver_notification, escalate_oncall_alerts, route_declaration

from .intake_helpers import at_paris

T0 = at_paris(2026, 11, 18, 3, 0)  # a Wednesday night: the cell is closed


@contextmanager
def at(moment):
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a task as a worker would (immediate backend), the deliveries it enqueues on commit included."""

    def _run(task_obj, *args):
        with django_capture_on_commit_callbacks(execute=True):
            return task_obj.enqueue(*args).return_value

    return _run


@pytest.fixture
def alerts(world, run):
    """A critical declaration at 3 a.m.: the on-call points of the FSSI, the ARS and the cell are alerted."""
    Declaration.objects.filter(pk=world.decl_a.pk).update(is_major=True)
    with at(T0):
        run(route_declaration, world.decl_a.pk)
    found = {
        n.recipient: n
        for n in Notification.objects.filter(declaration=world.decl_a, kind=NotificationKind.ONCALL, original=None)
    }
    assert set(found) == {"astreinte-fssi@sg.example.fr", "astreinte-ars11@ars.example.fr", "astreinte@acss.example.fr"}
    assert all(n.state == NotificationState.SENT for n in found.values())
    return found


def oncall_mails(since: int = 0):
    return [m for m in mail.outbox[since:] if "[ASTREINTE]" in m.subject]


def ack_path(alert: Notification) -> str:
    return reverse("incidents:oncall_ack", args=[alert.pk, ack_token(alert)])


def test_an_unacknowledged_alert_is_sent_again_then_to_the_deputy_and_stops_once_acknowledged(world, alerts, run):
    fssi, ars, cell = (
        alerts["astreinte-fssi@sg.example.fr"],
        alerts["astreinte-ars11@ars.example.fr"],
        alerts["astreinte@acss.example.fr"],
    )
    first = oncall_mails()
    assert len(first) == 3
    assert all(ack_url(alerts[m.to[0]]) in m.body for m in first)  # each alert carries its own link

    with at(T0 + timedelta(minutes=10)):
        assert run(escalate_oncall_alerts) == 0  # within the delay
    count = len(mail.outbox)
    with at(T0 + timedelta(minutes=16)):
        assert run(escalate_oncall_alerts) == 3
        assert run(escalate_oncall_alerts) == 0  # once per step, whatever the number of runs
    reminders = oncall_mails(count)
    assert sorted(m.to[0] for m in reminders) == sorted(alerts)  # the same on-call addresses
    for message in reminders:
        alert = alerts[message.to[0]]
        assert "[RAPPEL]" in message.subject and world.decl_a.reference in message.subject
        assert ack_url(alert) in message.body  # the same link as the alert's
        headers = message.message()
        row = Notification.objects.get(original=alert, step=OncallStep.REMINDER)
        # A distinct notification with its own fixed Message-ID, threaded under the alert.
        assert headers["Message-ID"] == row.message_id != alert.message_id
        assert headers["In-Reply-To"] == alert.message_id

    # The FSSI's on-call acknowledges the reminder from the link in it, without an account.
    anonymous = Client()
    assert anonymous.post(ack_path(fssi), {"name": "Camille Garde"}).status_code == 302

    count = len(mail.outbox)
    with at(T0 + timedelta(minutes=25)):
        assert run(escalate_oncall_alerts) == 0  # the second delay runs from the reminder
    with at(T0 + timedelta(minutes=32)):
        assert run(escalate_oncall_alerts) == 2
    deputies = oncall_mails(count)
    assert sorted(m.to[0] for m in deputies) == [
        "astreinte-suppleant-ars11@ars.example.fr",
        "astreinte-suppleant@acss.example.fr",
    ]
    assert all("[SUPPLÉANCE]" in m.subject and "suppléant" in m.body for m in deputies)
    assert {m.to[0]: m for m in deputies}["astreinte-suppleant@acss.example.fr"].body.count(ack_url(cell)) == 1
    assert not Notification.objects.filter(original=fssi, step=OncallStep.DEPUTY).exists()

    assert Client().post(ack_path(ars), {"name": "Dominique Veille"}).status_code == 302
    count = len(mail.outbox)
    with at(T0 + timedelta(hours=3)):
        assert run(escalate_oncall_alerts) == 0  # after the deputy, nothing more
    assert oncall_mails(count) == []
    escalated = AuditEvent.objects.filter(action="oncall.escalated", object_id=str(world.decl_a.pk))
    assert escalated.count() == 5


def test_a_reminder_not_yet_sent_is_cancelled_by_the_acknowledgement(world, alerts, django_capture_on_commit_callbacks):
    cell = alerts["astreinte@acss.example.fr"]
    with at(T0 + timedelta(minutes=16)), django_capture_on_commit_callbacks(execute=False):
        escalate_oncall_alerts.call()  # the reminders are recorded; their deliveries not yet run
    reminder = Notification.objects.get(original=cell, step=OncallStep.REMINDER)
    assert reminder.state == NotificationState.PENDING
    count = len(mail.outbox)
    assert Client().post(ack_path(cell), {"name": "Alex Nuit"}).status_code == 302
    reminder.refresh_from_db()
    assert reminder.state == NotificationState.CANCELLED
    assert deliver_notification.call(reminder.pk) == "not pending"
    assert len(mail.outbox) == count


def test_without_a_deputy_address_the_cell_sees_that_nobody_was_reached(world, alerts, run):
    fssi = alerts["astreinte-fssi@sg.example.fr"]
    type(fssi.organisation).objects.filter(pk=fssi.organisation_id).update(oncall_deputy_email="")
    with at(T0 + timedelta(minutes=16)):
        run(escalate_oncall_alerts)
    count = len(mail.outbox)
    with at(T0 + timedelta(minutes=32)):
        assert run(escalate_oncall_alerts) == 3  # the step is recorded for all three, as failed for the FSSI
    assert len(oncall_mails(count)) == 2
    missing = Notification.objects.get(original=fssi, step=OncallStep.DEPUTY)
    assert missing.state == NotificationState.FAILED and "suppléant" in missing.last_error
    page = world.client("analyst").get(reverse("incidents:detail", args=[world.decl_a.reference]))
    assert "Aucune adresse de suppléant" in page.content.decode()


def test_the_link_shows_the_alert_but_a_get_does_not_acknowledge(world, alerts):
    alert = alerts["astreinte-ars11@ars.example.fr"]
    response = Client().get(ack_path(alert))
    assert response.status_code == 200
    html = response.content.decode()
    assert world.decl_a.reference in html and "Hôpital A" in html and "astreinte-ars11@ars.example.fr" in html
    assert "J'accuse réception et je prends l'alerte en charge" in html and 'name="name"' in html
    assert "no-store" in response["Cache-Control"]
    Client().head(ack_path(alert))
    alert.refresh_from_db()
    assert alert.acknowledged_at is None
    assert not AuditEvent.objects.filter(action="oncall.acknowledged").exists()


def test_a_wrong_token_is_a_404(world, alerts, settings):
    alert = alerts["astreinte-ars11@ars.example.fr"]
    other = alerts["astreinte@acss.example.fr"]
    information = Notification.objects.filter(declaration=world.decl_a, kind=NotificationKind.INFORMATION).first()
    client = Client()
    token = ack_token(alert)
    wrong = [
        (alert.pk, token[:-1] + ("0" if token[-1] != "0" else "1")),
        (alert.pk, ack_token(other)),  # another alert's link
        (information.pk, ack_token(information)),  # not an on-call alert
        (999999, token),
    ]
    for pk, candidate in wrong:
        url = reverse("incidents:oncall_ack", args=[pk, candidate])
        assert client.get(url).status_code == 404
        assert client.post(url, {"name": "Intrus"}).status_code == 404
    settings.SECRET_KEY = "another-secret-key-for-this-test-only"  # a link is bound to the platform's key
    assert client.get(ack_path(alert)).status_code == 200
    assert client.get(reverse("incidents:oncall_ack", args=[alert.pk, token])).status_code == 404
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


def test_a_post_acknowledges_once_with_an_audit_event(world, alerts):
    alert = alerts["astreinte-ars11@ars.example.fr"]
    client = Client()
    missing_name = client.post(ack_path(alert), {"name": "  "})
    assert missing_name.status_code == 200 and "fr-input-group--error" in missing_name.content.decode()
    alert.refresh_from_db()
    assert alert.acknowledged_at is None

    done = client.post(ack_path(alert), {"name": "Camille Garde"}, follow=True)
    assert "Accusé de réception enregistré" in done.content.decode()
    assert "Accusé de réception par Camille Garde" in done.content.decode()
    alert.refresh_from_db()
    assert alert.acknowledged_by_name == "Camille Garde" and alert.acknowledged_by is None
    first_at = alert.acknowledged_at
    assert first_at is not None

    again = Client().post(ack_path(alert), {"name": "Quelqu'un d'autre"})
    assert again.status_code == 200 and "Accusé de réception par Camille Garde" in again.content.decode()
    alert.refresh_from_db()
    assert (alert.acknowledged_by_name, alert.acknowledged_at) == ("Camille Garde", first_at)
    event = AuditEvent.objects.get(action="oncall.acknowledged")
    assert event.object_id == str(world.decl_a.pk) and event.actor is None
    assert event.data["name"] == "Camille Garde" and event.data["on_call"] == "astreinte-ars11@ars.example.fr"


def test_a_late_acknowledgement_says_someone_was_first(world, alerts, monkeypatch):
    """Two on-call people on the same page: the second POST learns from the service that nothing was recorded."""
    from acss.incidents.models import Notification
    from acss.incidents.views import oncall as views_oncall

    alert = alerts["astreinte-ars11@ars.example.fr"]
    stale = Notification.objects.get(pk=alert.pk)  # read before the first acknowledgement, as the twin page did
    assert Client().post(ack_path(alert), {"name": "Camille Garde"}).status_code == 302
    fresh = views_oncall.oncall_alert_get_for_token
    reads = iter([stale])  # the late POST reads the stale alert; the page it is sent back to reads it again
    monkeypatch.setattr(views_oncall, "oncall_alert_get_for_token", lambda **kw: next(reads, None) or fresh(**kw))
    late = Client().post(ack_path(alert), {"name": "Quelqu'un d'autre"}, follow=True).content.decode()
    assert "Accusé de réception enregistré" not in late
    assert "Quelqu&#x27;un a déjà accusé réception de cette alerte" in late
    assert "Accusé de réception par Camille Garde" in late
    alert.refresh_from_db()
    assert alert.acknowledged_by_name == "Camille Garde"
    assert AuditEvent.objects.filter(action="oncall.acknowledged").count() == 1


def test_a_logged_in_person_acknowledges_under_their_own_name(world, alerts):
    alert = alerts["astreinte@acss.example.fr"]
    client = world.client("analyst")
    name = world.personas["analyst"].display_name
    page = client.get(ack_path(alert)).content.decode()
    assert f"Vous accusez réception en tant que {name}" in page and 'name="name"' not in page
    assert client.post(ack_path(alert)).status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == world.personas["analyst"]
    assert alert.acknowledged_by_name == name
    assert AuditEvent.objects.get(action="oncall.acknowledged").actor == world.personas["analyst"]


def test_the_cell_sees_who_acknowledged_which_alert_and_when(world, alerts):
    Client().post(ack_path(alerts["astreinte-fssi@sg.example.fr"]), {"name": "Camille Garde"})
    url = reverse("incidents:detail", args=[world.decl_a.reference])
    panel = world.client("analyst").get(url).content.decode()
    assert "Alertes d'astreinte" in panel
    section = panel[panel.index('id="astreinte"') :]
    assert "par Camille Garde le" in section and "acquittée" in section
    assert section.count("sans accusé de réception") == 2  # the ARS's and the cell's alerts
    for persona in ("ars_idf", "declarant_a", "fssi"):
        page = world.client(persona).get(url).content.decode()
        assert 'id="astreinte"' not in page, persona
