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
