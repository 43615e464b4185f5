"""Reminders of the handling and the retry of pending notifications, enqueued by ``manage.py acss_scheduler``.

Thin wrappers over ``acss.incidents.services.reminders``, which explains how a reminder is sent once whatever
the number of runs.
"""

from __future__ import annotations

from django_tasks import task

from acss.incidents.services.reminders import (
    notifications_retry_pending,
    qualifications_remind_overdue,
    questions_remind_unanswered,
)
from acss.incidents.tasks.notifications import deliver_notification


@task()
def remind_overdue_qualifications() -> int:
    """E-mail the assigned analyst (or the cell) once for each open, unqualified case past its due date.
    Returns the number of reminders sent."""
    return qualifications_remind_overdue()


@task()
def remind_unanswered_questions() -> int:
    """E-mail the structure's active members once for each question left unanswered past its deadline.
    Returns the number of reminders sent."""
    return questions_remind_unanswered()


@task()
def retry_pending_notifications() -> int:
    """Enqueue the delivery of every notification still pending whose next attempt is due. Returns the number
    of deliveries enqueued."""
    return notifications_retry_pending(deliver=deliver_notification)


SCHEDULED_TASKS = (remind_overdue_qualifications, remind_unanswered_questions, retry_pending_notifications)
