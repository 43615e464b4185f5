"""Leases on tasks: a task left RUNNING by a worker that died is put back in the queue.

django-tasks-db marks a task RUNNING when a worker claims it and never looks at it again: a worker killed in
the middle (SIGKILL, out of memory, a machine lost) leaves it RUNNING for good. ``reclaim_expired_tasks``
(run by the scheduler, ``acss.incidents.tasks.notifications.reclaim_expired_leases``) puts a task RUNNING for longer than
its lease back to READY — the same row, so its id, arguments, queue and priority stay, and ``worker_ids``
keeps the history of every worker that claimed it. A task claimed ``ACSS_TASK_MAX_CLAIMS`` times without
finishing is marked FAILED instead (``LeaseExpired``), so that a task that kills its worker every time does not
loop for ever.

The lease is ``ACSS_TASK_LEASE_SECONDS`` (30 minutes), or the task's own in ``ACSS_TASK_LEASES`` (the watch's
import may run for hours). A lease must be longer than the task can run: a task still running past its lease
may run twice at once. Every task of ours is idempotent for this reason (see docs/decisions.md, 2026-11-30).

Each change is a conditional UPDATE on the status and the claim time read, so several schedulers on several
machines reclaim a task once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger("acss.leases")

BATCH = 500


class LeaseExpired(Exception):  # noqa: N818 - the name is what the task's record shows
    """Recorded as the failure of a task whose workers all died before it finished."""


@dataclass
class TaskReclaim:
    requeued: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def task_lease(task_path: str) -> timedelta:
    leases = getattr(settings, "ACSS_TASK_LEASES", {}) or {}
    return timedelta(seconds=leases.get(task_path, settings.ACSS_TASK_LEASE_SECONDS))


def reclaim_expired_tasks(*, now: datetime | None = None) -> TaskReclaim:
    """Put back to READY (or fail after too many claims) every task RUNNING for longer than its lease."""
    now = now or timezone.now()
    shortest = min([settings.ACSS_TASK_LEASE_SECONDS, *(getattr(settings, "ACSS_TASK_LEASES", {}) or {}).values()])
    candidates = (
        DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=now - timedelta(seconds=shortest))
        .order_by("started_at")
        .values_list("pk", "task_path", "started_at", "worker_ids")[:BATCH]
    )
    max_claims = settings.ACSS_TASK_MAX_CLAIMS
    report = TaskReclaim()
    for pk, task_path, started_at, worker_ids in candidates:
        if started_at >= now - task_lease(task_path):
            continue
        # Conditional on what was read: a task claimed again meanwhile, or reclaimed by another scheduler, is left.
        same_claim = DBTaskResult.objects.filter(pk=pk, status=TaskResultStatus.RUNNING, started_at=started_at)
        if len(worker_ids or []) >= max_claims:
            changed = same_claim.update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                return_value=None,
                exception_class_path=f"{LeaseExpired.__module__}.{LeaseExpired.__qualname__}",
                traceback=(
                    f"LeaseExpired: claimed {len(worker_ids)} times by workers that did not finish it "
                    f"({', '.join(worker_ids)}); not put back in the queue again.\n"
                ),
            )
            if changed:
                report.failed.append(str(pk))
                logger.error(
                    "tâche %s (%s) abandonnée : %d workers sont morts pendant son exécution",
                    pk,
                    task_path,
                    len(worker_ids),
                )
        elif same_claim.update(status=TaskResultStatus.READY):
            report.requeued.append(str(pk))
            logger.warning("tâche %s (%s) remise en file : bail expiré depuis %s", pk, task_path, started_at)
    return report
