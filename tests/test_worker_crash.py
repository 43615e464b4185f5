"""Nothing is lost when a worker dies: a real ``db_worker`` process is killed (SIGKILL) while it delivers.

The worker shares the test database (tests/support/processes.py: on PostgreSQL the test database itself, on
SQLite a file copy of the in-memory test database that this process then uses too). E-mails go through a slow
file backend (tests/support/slow_mail.py), so that a kill lands in the middle of a delivery. Leases are
shortened through settings; the scheduler's reclaim runs in this process.
"""

from __future__ import annotations

import signal
import time
from collections import Counter

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from acss.incidents.models import Declaration, Notification, NotificationState
from acss.incidents.tasks.notifications import reclaim_expired_leases

from .intake_helpers import api_payload
from .support.processes import Processes, process_env, read_mails, shared_database_url, wait_for

MAIL_DELAY = 0.4  # seconds per message in the slow backend
# Where, within a message's delivery, each kill lands: before the message reaches the "server", or after it
# did but before the worker recorded it as sent.
KILL_AT = (0.2, 0.75, 0.4, 0.9)
DECLARATIONS = 3
DEADLINE = 150  # seconds for the whole test, whatever happens


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_while_delivering_loses_nothing_and_sends_nothing_twice(world, settings, tmp_path):
    started = time.monotonic()
    until = started + DEADLINE
    url, restore = shared_database_url(tmp_path)
    env = process_env(url, tmp_path, mail_delay=MAIL_DELAY)
    mail_dir = tmp_path / "mail"
    workers = Processes(env, tmp_path)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mail"]}}
    settings.ACSS_NOTIFICATION_LEASE_SECONDS = 2
    settings.ACSS_TASK_LEASE_SECONDS = 3
    settings.ACSS_TASK_LEASES = {}
    try:
        # The world was created before the copy; the declarations are submitted through the API, in the shared
        # database: each enqueues its routing, which records the notifications and enqueues their deliveries.
        api = world.api("declarant_a")
        for number in range(DECLARATIONS):
            response = api.post(
                reverse("api:declaration_list"),
                api_payload(world.structure_a),
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY=f"crash-{number}",
            )
            assert response.status_code == 201, response.content
        assert DBTaskResult.objects.filter(status="READY").count() == DECLARATIONS

        stuck: set[int] = set()  # notifications a kill left "sending"
        for fraction in KILL_AT:
            worker = workers.start_worker()
            # Kill it in the middle of a delivery it started (not one an earlier worker left behind).
            wait_for(
                lambda stuck=frozenset(stuck): (
                    Notification.objects.filter(state=NotificationState.SENDING).exclude(pk__in=stuck).exists()
                ),
                until=until,
                what="a delivery",
                processes=workers,
            )
            time.sleep(MAIL_DELAY * fraction)
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
            stuck |= set(Notification.objects.filter(state=NotificationState.SENDING).values_list("pk", flat=True))
        assert stuck, "no kill landed during a delivery"
        assert DBTaskResult.objects.filter(status="RUNNING").exists()  # what a dead worker leaves behind

        workers.start_worker()

        def everything_done() -> bool:
            reclaim_expired_leases.call()  # what the scheduler does at every tick
            failed = DBTaskResult.objects.filter(status="FAILED").first()
            assert failed is None, f"{failed.task_path}: {failed.traceback}"
            routed = Declaration.objects.filter(notifications__isnull=False).distinct().count() == DECLARATIONS
            return (
                routed
                and not DBTaskResult.objects.exclude(status="SUCCESSFUL").exists()
                and not Notification.objects.exclude(state=NotificationState.SENT).exists()
            )

        wait_for(everything_done, until=until, what="every notification sent", processes=workers, step=0.5)
    finally:
        workers.stop_all()

    try:
        notifications = {n.message_id: n for n in Notification.objects.all()}
        assert len(notifications) >= DECLARATIONS * 5  # the ARS, ACSS, the FSSI, two acknowledgements each
        assert stuck <= {n.pk for n in notifications.values()}
        # Workers died holding tasks; each was taken up again by another worker and none is left running.
        assert DBTaskResult.objects.filter(status="RUNNING").count() == 0
        assert any(len(worker_ids) > 1 for worker_ids in DBTaskResult.objects.values_list("worker_ids", flat=True))

        sent = read_mails(mail_dir)
        copies = Counter(m["Message-ID"] for m in sent)
        # Every notification reached its recipient, and only ever under its own one Message-ID.
        assert set(copies) == set(notifications)
        for message in sent:
            assert message["To"] == notifications[message["Message-ID"]].recipient
        # A message sent but not recorded before the kill went again: the same message, recognisably.
        print(f"{len(sent)} e-mails for {len(notifications)} notifications, {time.monotonic() - started:.1f} s")
    finally:
        restore()
