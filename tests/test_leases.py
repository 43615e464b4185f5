"""Leases: what a worker that died left in flight is taken up again, and a notification keeps one Message-ID.

The real thing (a worker process killed with SIGKILL) is in test_worker_crash; these drive each rule directly.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from acss.core.tasks import send_mail_on_commit
from acss.incidents.models import Notification, NotificationKind, NotificationState
from acss.incidents.services.notifications import MAX_ATTEMPTS
from acss.incidents.tasks.notifications import deliver_notification, reclaim_expired_leases

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mail"]}}


def notification(world, recipient: str, **fields) -> Notification:
    fields.setdefault("created_at", timezone.now() - timedelta(hours=1))
    return Notification.objects.create(
        declaration=world.decl_a, kind=NotificationKind.INFORMATION, recipient=recipient, reason="r", **fields
    )


def running(task_result_id, *, since: timedelta, workers: int = 1) -> None:
    """What a worker's claim leaves: RUNNING, started ``since`` ago, by ``workers`` workers so far."""
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(pk=task_result_id).update(
        status="RUNNING",
        started_at=timezone.now() - since,
        worker_ids=[f"dead-worker-{i}" for i in range(workers)],
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the worker closes its connections
def test_a_task_left_running_past_its_lease_is_run_again_with_the_same_message_id(settings):
    from django_tasks_db.models import DBTaskResult

    from acss.veille.tasks import veille_import_sources

    settings.TASKS = DB_TASKS
    send_mail_on_commit(subject="Rappel", body="Corps", to=["a@b.test"])  # autocommit: enqueued at once
    send_mail_on_commit(subject="En cours", body="Corps", to=["c@d.test"])
    dead, busy = DBTaskResult.objects.order_by("enqueued_at")
    running(dead.pk, since=timedelta(minutes=31))
    running(busy.pk, since=timedelta(minutes=5))  # within its lease: its worker may well be alive
    long_import = veille_import_sources.enqueue()
    running(long_import.id, since=timedelta(hours=2))  # the import has a lease of its own (7 hours)

    assert reclaim_expired_leases.call()["tasks_requeued"] == 1
    assert reclaim_expired_leases.call()["tasks_requeued"] == 0  # a second scheduler finds nothing left
    assert DBTaskResult.objects.get(pk=dead.pk).status == "READY"
    assert set(DBTaskResult.objects.exclude(pk=dead.pk).values_list("status", flat=True)) == {"RUNNING"}

    call_command("db_worker", batch=True, queue_name="mail", verbosity=0)
    dead.refresh_from_db()
    assert dead.status == "SUCCESSFUL" and len(dead.worker_ids) == 2  # the dead worker and the one that finished
    assert [m.subject for m in mail.outbox] == ["Rappel"]
    # The Message-ID was fixed when the mail was enqueued: the run taken up again sends that same message.
    assert mail.outbox[0].message()["Message-ID"] == dead.args_kwargs["kwargs"]["message_id"]
    assert dead.args_kwargs["kwargs"]["message_id"].endswith("@acss.example.fr>")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_task_whose_workers_keep_dying_is_failed_not_requeued_for_ever(settings, caplog):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DB_TASKS
    send_mail_on_commit(subject="Poison", body="Corps", to=["a@b.test"])
    task_result = DBTaskResult.objects.get()
    running(task_result.pk, since=timedelta(hours=1), workers=settings.ACSS_TASK_MAX_CLAIMS)
    with caplog.at_level(logging.ERROR, logger="acss.leases"):
        assert reclaim_expired_leases.call()["tasks_failed"] == 1
    task_result.refresh_from_db()
    assert task_result.status == "FAILED"
    assert task_result.exception_class_path == "acss.core.leases.LeaseExpired"
    assert "claimed 5 times" in task_result.traceback
    assert "abandonnée" in caplog.text


def test_a_notification_left_sending_past_its_lease_is_sent_again_by_the_scheduler(
    world, settings, django_capture_on_commit_callbacks
):
    now = timezone.now()
    stuck = notification(world, "ars@x.test", state=NotificationState.SENDING, attempts=1)
    Notification.objects.filter(pk=stuck.pk).update(claimed_at=now - timedelta(minutes=6))
    sending = notification(world, "acss@x.test", state=NotificationState.SENDING, attempts=1, claimed_at=now)
    # Left "sending" before claims were timed: its first attempt had another Message-ID; it stays for a person.
    legacy = notification(world, "fssi@x.test", state=NotificationState.SENDING, attempts=1)

    with django_capture_on_commit_callbacks(execute=True):
        call_command("acss_scheduler", "--once")

    sent = [m for m in mail.outbox if m.to[0].endswith("@x.test")]  # the world's cases also get their reminders
    assert [m.to for m in sent] == [["ars@x.test"]]
    assert sent[0].message()["Message-ID"] == stuck.message_id
    stuck.refresh_from_db()
    assert (stuck.state, stuck.attempts) == (NotificationState.SENT, 2)
    assert "bail expiré" not in stuck.last_error  # cleared once sent
    for other in (sending, legacy):
        other.refresh_from_db()
        assert other.state == NotificationState.SENDING


def test_a_notification_that_keeps_killing_its_worker_is_given_up(world):
    dying = notification(
        world,
        "ars@x.test",
        state=NotificationState.SENDING,
        attempts=MAX_ATTEMPTS,
        claimed_at=timezone.now() - timedelta(hours=1),
    )
    assert reclaim_expired_leases.call()["notifications_failed"] == 1
    dying.refresh_from_db()
    assert dying.state == NotificationState.FAILED and "bail expiré" in dying.last_error
    assert mail.outbox == []


def test_every_sending_of_a_notification_carries_its_fixed_message_id(world):
    first = notification(world, "ars@x.test")
    second = notification(world, "acss@x.test")
    assert first.message_id != second.message_id
    assert first.message_id.startswith("<") and first.message_id.endswith("@acss.example.fr>")
    sent_ids = []

    def fake_send(message, fail_silently=False):
        sent_ids.append(message.message()["Message-ID"])
        raise ConnectionRefusedError("smtp down")

    with mock.patch("django.core.mail.EmailMessage.send", fake_send):
        assert deliver_notification.call(first.pk) == "retry"
    assert deliver_notification.call(first.pk) == "sent"
    sent_ids.append(mail.outbox[0].message()["Message-ID"])
    assert sent_ids == [first.message_id, first.message_id]


def test_a_late_worker_does_not_record_over_the_worker_that_took_the_notification_up(world):
    """The attempt number fences a worker whose lease expired while it was still sending."""
    n = notification(world, "ars@x.test")

    def slow_then_failing_send(message, fail_silently=False):
        # Meanwhile the lease expired and another worker claimed the notification again.
        Notification.objects.filter(pk=n.pk).update(attempts=F("attempts") + 1, claimed_at=timezone.now())
        raise TimeoutError("smtp timeout")

    with mock.patch("django.core.mail.EmailMessage.send", slow_then_failing_send):
        deliver_notification.call(n.pk)
    n.refresh_from_db()
    assert (n.state, n.attempts, n.last_error) == (NotificationState.SENDING, 2, "")  # the other worker's claim
