"""Intake side effects, run by the worker: routing, the delivery of each notification, taking up what a worker
that died left in flight, and the escalation of on-call alerts nobody acknowledged.

Thin wrappers over ``acss.incidents.services.notifications``, which writes the rows; their paths and signatures
stay as they are, for the tasks already queued refer to them.
"""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from acss.core.leases import reclaim_expired_tasks
from acss.incidents.models import Attachment
from acss.incidents.services.notifications import (
    completion_route,
    declaration_route,
    notification_deliver,
    notification_reclaim_stuck,
    oncall_alerts_escalate,
)


@task()
def route_declaration(declaration_id: int) -> int:
    """Record who is told and what is suggested; enqueue each new notification. Idempotent."""
    return declaration_route(declaration_id=declaration_id, deliver=deliver_notification)


@task()
def deliver_notification(notification_id: int) -> str:
    """Send one notification, claimed by a conditional update (``notification_deliver``)."""
    return notification_deliver(notification_id=notification_id, deliver=deliver_notification)


@task()
def route_completion(declaration_id: int) -> int:
    """A quick alert was completed: tell those informed of every declaration, acknowledge to the declarant."""
    return completion_route(declaration_id=declaration_id, deliver=deliver_notification)


@task()
def reclaim_expired_leases() -> dict[str, int]:
    """Take up again what workers that died left in flight: tasks RUNNING and notifications "sending" past
    their lease. Run by the scheduler itself at every tick (``acss_scheduler``), not through the queue it repairs.
    """
    now = timezone.now()
    tasks = reclaim_expired_tasks(now=now)
    requeued, failed = notification_reclaim_stuck(now=now, deliver=deliver_notification)
    return {
        "tasks_requeued": len(tasks.requeued),
        "tasks_failed": len(tasks.failed),
        "notifications_requeued": len(requeued),
        "notifications_failed": len(failed),
    }


@task()
def escalate_oncall_alerts() -> int:
    """Re-send an on-call alert nobody acknowledged, then send it to the deputy (``oncall_alerts_escalate``).
    Returns the number of steps created."""
    return oncall_alerts_escalate(deliver=deliver_notification)


@task()
def attachment_files_remove(names: list[str]) -> int:
    """Remove the files of attachment rows deleted by a committed transaction (a draft deleted)."""
    storage = Attachment._meta.get_field("file").storage
    for name in names:
        storage.delete(name)
    return len(names)


# For the scheduler (acss_scheduler): enqueued every tick. reclaim_expired_leases is run by the scheduler itself.
SCHEDULED_TASKS = (escalate_oncall_alerts,)
