"""On-call escalation with real processes: a ``db_worker`` delivers, ``acss_scheduler --once`` runs the ticks.

A critical declaration is routed at night (in this process, its clock set to the last moment the cell was
closed); the worker delivers the on-call alerts through the slow file backend (tests/support/slow_mail.py),
sharing the test database (tests/support/processes.py). Time passing is simulated honestly, between two
scheduler runs, by moving the declaration's notifications back in time in the shared database: the processes
keep the real clock and the settings' real delays (minutes). Nobody acknowledges: the alerts are sent again,
then to the deputies; the worker is killed (SIGKILL) once while it delivers a reminder, and the reminder goes
again with the same Message-ID. Acknowledged through the link of the e-mails the worker wrote, an alert is
escalated no further, however late the scheduler runs again.
"""

from __future__ import annotations

import re
import signal
import time
from collections import Counter
from datetime import timedelta
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.db.models import F
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from acss.core.calendars import cell_calendar
from acss.core.models import AuditEvent
from acss.incidents.models import Case, Declaration, Notification, NotificationKind, NotificationState, OncallStep
from acss.incidents.services.notifications import ONCALL_WINDOW
from acss.incidents.tasks.notifications import route_declaration

from .support.processes import Processes, process_env, read_mail, read_mails, shared_database_url, wait_for

ACK_MINUTES, DEPUTY_MINUTES = 15, 10  # the processes' delays, from their environment
MAIL_DELAY = 0.2  # seconds per message in the slow backend
LEASE_SECONDS = 1  # nothing else is in flight when the scheduler reclaims
DEADLINE = 90  # seconds for the whole test, whatever happens
FSSI, ARS, CELL = "astreinte-fssi@sg.example.fr", "astreinte-ars11@ars.example.fr", "astreinte@acss.example.fr"
DEPUTIES = {ARS: "astreinte-suppleant-ars11@ars.example.fr", CELL: "astreinte-suppleant@acss.example.fr"}


def last_night():
    """The last moment, on the real clock, when the cell was closed (now, out of hours)."""
    calendar, moment = cell_calendar(), timezone.now()
    oldest = moment - (ONCALL_WINDOW - timedelta(hours=2))  # the test moves time on by less than two hours
    while calendar.is_open(moment):
        moment -= timedelta(minutes=5)
        assert moment > oldest, "the cell was open for too long to route at night within the on-call window"
    return moment


def elapse(declaration: Declaration, delta: timedelta) -> None:
    """As if ``delta`` had passed: every instant recorded on the declaration's notifications moves back."""
    Notification.objects.filter(declaration=declaration).update(
        created_at=F("created_at") - delta,
        claimed_at=F("claimed_at") - delta,
        sent_at=F("sent_at") - delta,
        acknowledged_at=F("acknowledged_at") - delta,
    )


def ack_link(message) -> str:
    """The path of the acknowledgement link in an e-mail (the only link to that page)."""
    body = message.get_body(("plain",)).get_content()
    links = []
    for path in {urlsplit(url).path for url in re.findall(r"https?://\S+", body)}:
        try:
            if resolve(path).url_name == "oncall_ack":
                links.append(path)
        except Resolver404:
            pass
    assert len(links) == 1, body
    return links[0]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_unacknowledged_alert_is_reminded_then_sent_to_the_deputy_by_real_processes(world, settings, tmp_path):
    started = time.monotonic()
    until = started + DEADLINE
    url, restore = shared_database_url(tmp_path)
    hold = tmp_path / "hold"  # while it exists, the worker does not learn that a message it wrote was sent
    env = process_env(
        url,
        tmp_path,
        mail_delay=MAIL_DELAY,
        ACSS_TEST_MAIL_HOLD=str(hold),
        ACSS_ONCALL_ACK_MINUTES=str(ACK_MINUTES),
        ACSS_ONCALL_DEPUTY_MINUTES=str(DEPUTY_MINUTES),
        ACSS_NOTIFICATION_LEASE_SECONDS=str(LEASE_SECONDS),
        ACSS_TASK_LEASE_SECONDS=str(LEASE_SECONDS),
        ACSS_VEILLE_SOURCES="",
    )
    mail_dir = tmp_path / "mail"
    processes = Processes(env, tmp_path)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mail"]}}
    declaration = world.decl_a
    timings = {}

    def oncall(step: OncallStep) -> dict[str, Notification]:
        rows = Notification.objects.filter(declaration=declaration, kind=NotificationKind.ONCALL, step=step)
        return {n.original.recipient if n.original_id else n.recipient: n for n in rows.select_related("original")}

    def settled() -> bool:
        """The worker has run every task enqueued and sent every notification it could."""
        failed = DBTaskResult.objects.filter(status="FAILED").first()
        assert failed is None, f"{failed.task_path}: {failed.traceback}"
        return (
            not DBTaskResult.objects.exclude(status="SUCCESSFUL").exists()
            and not Notification.objects.filter(
                state__in=[NotificationState.PENDING, NotificationState.SENDING]
            ).exists()
        )

    def tick(what: str) -> None:
        """One scheduler tick, then the worker runs what it enqueued."""
        moment = time.monotonic()
        processes.run("scheduler", "acss_scheduler", "--once", until=until)
        wait_for(settled, until=until, what=what, processes=processes, step=0.2)
        timings[what] = time.monotonic() - moment

    def mails_to(address: str, marker: str) -> list:
        return [m for m in read_mails(mail_dir) if m["To"] == address and marker in m["Subject"]]

    try:
        # Only the on-call escalation writes to anybody: the world's cases are not overdue.
        Case.objects.update(qualification_due_at=timezone.now() + timedelta(days=30))
        Declaration.objects.filter(pk=declaration.pk).update(is_major=True)
        with mock.patch("django.utils.timezone.now", return_value=last_night()):
            route_declaration.call(declaration.pk)  # the deliveries are enqueued in the shared database
        alerts = oncall(OncallStep.ALERT)
        assert set(alerts) == {FSSI, ARS, CELL}

        worker = processes.start_worker()
        wait_for(settled, until=until, what="the alerts", processes=processes, step=0.2)
        timings["alerts"] = time.monotonic() - started
        for recipient, alert in alerts.items():
            [message] = mails_to(recipient, "[ASTREINTE]")
            assert message["Message-ID"] == alert.message_id

        # Nobody acknowledged: past the delay, the scheduler's tick has the worker send a reminder to each. The
        # worker is killed once the first reminder is written, before it learns that it was sent.
        elapse(declaration, timedelta(minutes=ACK_MINUTES, seconds=30))
        hold.touch()
        processes.run("scheduler", "acss_scheduler", "--once", until=until)
        seen: set[str] = set()

        def a_reminder_written():
            for path in set(mail_dir.glob("*.eml")) - {mail_dir / name for name in seen}:
                seen.add(path.name)
                message = read_mail(path)
                if "[RAPPEL]" in message["Subject"]:
                    return message

        written = wait_for(a_reminder_written, until=until, what="a reminder", processes=processes)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        killed_at = time.monotonic()
        hold.unlink()
        interrupted = Notification.objects.get(message_id=written["Message-ID"])
        assert interrupted.step == OncallStep.REMINDER and interrupted.state == NotificationState.SENDING
        assert DBTaskResult.objects.filter(status="RUNNING").count() == 1

        # Another worker sends the other reminders; once the leases expire, the scheduler's next tick takes the
        # interrupted one up again. The reminders were just sent: no deputy yet.
        processes.start_worker()
        wait_for(
            lambda: (
                len(oncall(OncallStep.REMINDER)) == 3
                and Notification.objects.filter(step=OncallStep.REMINDER, state=NotificationState.SENT).count() == 2
            ),
            until=until,
            what="the other reminders",
            processes=processes,
        )
        time.sleep(max(killed_at + LEASE_SECONDS + 0.5 - time.monotonic(), 0))
        tick("the interrupted reminder")
        reminders = oncall(OncallStep.REMINDER)
        assert all(n.state == NotificationState.SENT for n in reminders.values())
        assert oncall(OncallStep.DEPUTY) == {}
        for recipient, reminder in reminders.items():
            assert reminder.recipient == recipient
            copies = mails_to(recipient, "[RAPPEL]")
            # The interrupted reminder went twice, as the same message; the others once.
            assert len(copies) == (2 if reminder.pk == interrupted.pk else 1)
            assert {m["Message-ID"] for m in copies} == {reminder.message_id}
            assert all(m["In-Reply-To"] == alerts[recipient].message_id for m in copies)

        # The FSSI's on-call acknowledges from the link in the reminder the worker wrote.
        fssi_reminder = mails_to(FSSI, "[RAPPEL]")[0]
        assert Client().post(ack_link(fssi_reminder), {"name": "Camille Garde"}).status_code == 302

        # Past the second delay, the two others go to the deputies.
        elapse(declaration, timedelta(minutes=DEPUTY_MINUTES, seconds=30))
        tick("the deputies")
        deputies = oncall(OncallStep.DEPUTY)
        assert {alert: n.recipient for alert, n in deputies.items()} == DEPUTIES
        for alert, deputy in DEPUTIES.items():
            [message] = mails_to(deputy, "[SUPPLÉANCE]")
            assert message["Message-ID"] == deputies[alert].message_id
            # The deputy acknowledges the alert from the link in their e-mail.
            assert ack_link(message) == ack_link(mails_to(alert, "[ASTREINTE]")[0])
            assert Client().post(ack_link(message), {"name": "Dominique Veille"}).status_code == 302

        # Much later (still within the on-call window), the scheduler runs again: nothing more is sent.
        count, rows = len(read_mails(mail_dir)), Notification.objects.count()
        elapse(declaration, timedelta(minutes=ACK_MINUTES + DEPUTY_MINUTES + 60))
        tick("nothing more")
        last = DBTaskResult.objects.filter(task_path__endswith=".escalate_oncall_alerts").order_by("-enqueued_at")[0]
        assert last.return_value == 0
        assert (len(read_mails(mail_dir)), Notification.objects.count()) == (count, rows)
    finally:
        processes.stop_all()

    try:
        notifications = {n.message_id: n for n in Notification.objects.all()}
        assert all(n.state == NotificationState.SENT for n in notifications.values())
        assert all(n.acknowledged_at is not None for n in oncall(OncallStep.ALERT).values())
        # Every e-mail is one notification's, under its own one Message-ID; only the interrupted one went twice.
        sent = read_mails(mail_dir)
        copies = Counter(m["Message-ID"] for m in sent)
        assert set(copies) == set(notifications)
        assert [n for n, c in copies.items() if c > 1] == [interrupted.message_id]
        assert all(m["To"] == notifications[m["Message-ID"]].recipient for m in sent)
        assert not DBTaskResult.objects.exclude(status="SUCCESSFUL").exists()  # none left RUNNING
        assert any(len(ids) > 1 for ids in DBTaskResult.objects.values_list("worker_ids", flat=True))
        assert AuditEvent.objects.filter(action="oncall.escalated").count() == 5
        assert AuditEvent.objects.filter(action="oncall.acknowledged").count() == 3
        print(
            f"{len(sent)} e-mails for {len(notifications)} notifications, {time.monotonic() - started:.1f} s: "
            + ", ".join(f"{what} {seconds:.1f} s" for what, seconds in timings.items())
        )
    finally:
        restore()
