"""Reminders and the scheduler that enqueues them: each reminder is sent once."""

from __future__ import annotations

import logging
import os
import signal
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from acss.core.models import AuditEvent
from acss.incidents.models import Case, Message, Notification, NotificationKind, NotificationState
from acss.incidents.services import cases as handling
from acss.incidents.tasks.reminders import (
    remind_overdue_qualifications,
    remind_unanswered_questions,
    retry_pending_notifications,
)

SCHEDULED = {
    "acss.incidents.tasks.reminders.remind_overdue_qualifications",
    "acss.incidents.tasks.reminders.remind_unanswered_questions",
    "acss.incidents.tasks.reminders.retry_pending_notifications",
    "acss.incidents.tasks.notifications.escalate_oncall_alerts",
    "acss.veille.tasks.veille_import_sources",
    # subscriptions: the outbox, the daily digest, the daily purge
    "acss.subscriptions.tasks.deliveries_send",
    "acss.subscriptions.tasks.digests_send",
    "acss.subscriptions.tasks.subscriptions_purge",
    # alerts: the daily bulletin, the hourly refresh of the concerns
    "acss.alerts.tasks.bulletin_send",
    "acss.alerts.tasks.concerns_refresh",
    # accompaniment: the daily reminder of overdue plan actions
    "acss.accompaniment.tasks.remind_overdue_plan_actions",
}


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a task as a worker would (the immediate backend), its e-mails sent once the transaction commits."""

    def _run(task_obj):
        with django_capture_on_commit_callbacks(execute=True):
            result = task_obj.enqueue()
        return result.return_value

    return _run


@pytest.fixture
def only_a_overdue(world):
    now = timezone.now()
    Case.objects.update(qualification_due_at=now + timedelta(hours=2))
    Case.objects.filter(declaration=world.decl_a).update(qualification_due_at=now - timedelta(minutes=10))
    return world.decl_a


def test_an_overdue_case_is_reminded_once_to_the_cell(world, only_a_overdue, run):
    assert run(remind_overdue_qualifications) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["cert@acss.example.fr"]  # nobody assigned: the cell's address
    assert world.decl_a.reference in message.subject and "retard" in message.subject
    assert "Aucun analyste n'est assigné" in message.body
    assert run(remind_overdue_qualifications) == 0
    assert len(mail.outbox) == 1
    events = AuditEvent.objects.filter(action="case.reminder", object_id=str(world.decl_a.pk))
    assert events.count() == 1
    assert events.get().data["to"] == ["cert@acss.example.fr"]


def test_the_assigned_analyst_is_reminded_and_a_new_due_date_is_reminded_again(world, only_a_overdue, run):
    handling.case_take(case=Case.objects.get(declaration=only_a_overdue), by=world.personas["analyst"])
    assert run(remind_overdue_qualifications) == 1
    assert mail.outbox[-1].to == ["analyste@acss.test"]
    assert "Vous êtes l'analyste assigné" in mail.outbox[-1].body
    # The clock paused and restarted: a new due date, missed too, is a new reminder (once).
    Case.objects.filter(declaration=only_a_overdue).update(qualification_due_at=timezone.now() - timedelta(minutes=1))
    assert run(remind_overdue_qualifications) == 1
    assert run(remind_overdue_qualifications) == 0
    assert len(mail.outbox) == 2


def test_no_reminder_for_a_qualified_paused_or_closed_case(world, run):
    now = timezone.now()
    Case.objects.update(qualification_due_at=now - timedelta(minutes=10))
    Case.objects.filter(declaration=world.decl_a).update(qualified_at=now, state="qualified")
    Case.objects.filter(declaration=world.decl_b).update(qualification_due_at=None, waiting_since=now)
    Case.objects.filter(declaration=world.decl_c).update(state="out_of_scope")
    assert run(remind_overdue_qualifications) == 0
    assert mail.outbox == []


def test_an_unanswered_question_is_reminded_once_to_the_structure(world, run):
    Case.objects.update(qualification_due_at=timezone.now() + timedelta(hours=2))
    question = handling.question_ask(declaration=world.decl_a, by=world.personas["analyst"], body="Depuis quand ?").row
    assert run(remind_unanswered_questions) == 0  # not yet due
    Message.objects.filter(pk=question.pk).update(answer_due_at=timezone.now() - timedelta(minutes=1))
    mail.outbox.clear()
    assert run(remind_unanswered_questions) == 1
    assert len(mail.outbox) == 1
    reminder = mail.outbox[0]
    assert reminder.to == ["declarant@a.test", "manager@a.test", "rssi@ght.test"]  # the structure's active members
    assert world.decl_a.reference in reminder.subject and "Rappel" in reminder.subject
    assert "attend toujours votre réponse" in reminder.body
    assert run(remind_unanswered_questions) == 0
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(action="case.question_reminder", object_id=str(question.pk)).count() == 1


def test_no_reminder_for_an_answered_question_or_a_closed_case(world, run):
    analyst = world.personas["analyst"]
    answered = handling.question_ask(declaration=world.decl_a, by=analyst, body="Q1").row
    handling.question_answer(question=answered, by=world.personas["declarant_a"], body="R1")
    closed = handling.question_ask(declaration=world.decl_b, by=analyst, body="Q2").row
    Case.objects.filter(declaration=world.decl_b).update(state="out_of_scope")
    Message.objects.filter(pk__in=[answered.pk, closed.pk]).update(answer_due_at=timezone.now() - timedelta(hours=1))
    mail.outbox.clear()
    assert run(remind_unanswered_questions) == 0
    assert mail.outbox == []


def test_a_pending_notification_is_retried(world, run):
    now = timezone.now()
    due = Notification.objects.create(
        declaration=world.decl_a,
        kind=NotificationKind.INFORMATION,
        recipient="signalement@ars.test",
        reason="information de l'ARS",
        created_at=now - timedelta(hours=1),
        attempts=1,
        next_attempt_at=now - timedelta(minutes=1),
    )
    later = Notification.objects.create(
        declaration=world.decl_a,
        kind=NotificationKind.INFORMATION,
        recipient="plus-tard@ars.test",
        reason="information",
        created_at=now - timedelta(hours=1),
        attempts=1,
        next_attempt_at=now + timedelta(minutes=30),
    )
    sent = Notification.objects.create(
        declaration=world.decl_a,
        kind=NotificationKind.INFORMATION,
        recipient="deja@ars.test",
        reason="information",
        created_at=now - timedelta(hours=1),
        state=NotificationState.SENT,
    )
    assert run(retry_pending_notifications) == 1
    assert [m.to for m in mail.outbox] == [["signalement@ars.test"]]
    due.refresh_from_db()
    assert (due.state, due.attempts) == (NotificationState.SENT, 2)
    later.refresh_from_db()
    sent.refresh_from_db()
    assert later.state == NotificationState.PENDING and sent.attempts == 0
    assert run(retry_pending_notifications) == 0
    assert len(mail.outbox) == 1


def test_the_scheduler_enqueues_each_scheduled_task_once(db, settings, caplog):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mail"]}}
    with caplog.at_level(logging.INFO, logger="acss.scheduler"):
        call_command("acss_scheduler", "--once")
    assert set(DBTaskResult.objects.values_list("task_path", flat=True)) == SCHEDULED
    assert DBTaskResult.objects.count() == len(SCHEDULED)
    assert f"{len(SCHEDULED)} tâche(s) mise(s) en file" in caplog.text


def test_the_scheduler_once_runs_the_reminders_with_the_immediate_backend(world, only_a_overdue):
    call_command("acss_scheduler", "--once")
    # The tasks ran; the reminder is recorded (its e-mail waits for the commit the test never makes).
    assert AuditEvent.objects.filter(action="case.reminder", object_id=str(only_a_overdue.pk)).count() == 1
    call_command("acss_scheduler", "--once")
    assert AuditEvent.objects.filter(action="case.reminder").count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the loop closes stale connections
def test_the_scheduler_loops_until_sigterm(settings, caplog):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mail"]}}
    timer = threading.Timer(0.5, os.kill, args=(os.getpid(), signal.SIGTERM))
    previous = signal.getsignal(signal.SIGTERM)
    with caplog.at_level(logging.INFO, logger="acss.scheduler"):
        timer.start()
        try:
            call_command("acss_scheduler", "--interval", "0.1")
        finally:
            timer.cancel()
    ticks = caplog.text.count("mise(s) en file")
    assert ticks >= 2
    assert DBTaskResult.objects.count() == len(SCHEDULED) * ticks
    assert "SIGTERM" in caplog.text and "arrêté" in caplog.text
    assert signal.getsignal(signal.SIGTERM) == previous  # the handler is given back


def test_the_interval_must_be_positive(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("acss_scheduler", "--interval", "0")
