"""Side effects run as tasks, enqueued only once the transaction commits."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction

from acss.core.tasks import send_mail_on_commit


def test_a_rolled_back_write_sends_nothing(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        send_mail_on_commit(subject="Sujet", body="Corps", to=["a@b.test"])
        raise RuntimeError
    assert mail.outbox == []


def test_a_committed_write_sends_once(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        send_mail_on_commit(subject="Sujet", body="Corps", to=["a@b.test"])
    assert len(callbacks) == 1
    assert [m.subject for m in mail.outbox] == ["Sujet"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the worker closes its connections
def test_the_database_worker_delivers_queued_mail(settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mail"]}}
    send_mail_on_commit(subject="Par le worker", body="Corps", to=["a@b.test"])  # autocommit: enqueued at once
    assert mail.outbox == []
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    call_command("db_worker", batch=True, queue_name="*", verbosity=0)
    assert [m.subject for m in mail.outbox] == ["Par le worker"]
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_deferred_side_effect_waits_for_the_commit_and_its_time(settings):
    """``enqueue_on_commit(..., run_after=…)``: nothing before the commit, then a task that runs no sooner."""
    from datetime import timedelta

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from acss.core.tasks import enqueue_on_commit, send_mail_task

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mail"]}}
    later = timezone.now() + timedelta(minutes=5)
    with transaction.atomic():
        enqueue_on_commit(send_mail_task, subject="Plus tard", body="Corps", to=["a@b.test"], run_after=later)
        assert not DBTaskResult.objects.exists()
    row = DBTaskResult.objects.get()
    assert row.run_after == later
    call_command("db_worker", batch=True, queue_name="*", verbosity=0)
    assert mail.outbox == []
