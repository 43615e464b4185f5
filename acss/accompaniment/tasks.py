"""The accompaniment's background work: thin wrappers over services. A task keeps its path, name and signature
(queued rows name them)."""

from __future__ import annotations

from django_tasks import task

from .services import plan_actions_remind_overdue


@task()
def remind_overdue_plan_actions() -> int:
    """Mail each structure its plan actions past their due date, each at most once a day
    (``plan_actions_remind_overdue``). Returns the number of actions reminded."""
    return plan_actions_remind_overdue()


# For the scheduler (``acss.core.schedule``): enqueued every tick; a day's reminders are sent once.
SCHEDULED_TASKS = (remind_overdue_plan_actions,)
