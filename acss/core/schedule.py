"""What the scheduler (``manage.py acss_scheduler``) runs at every tick, gathered from the applications.

Each application says it in its own ``tasks`` module, next to the tasks themselves:

- ``SCHEDULED_TASKS``: tasks enqueued at every tick for the workers (``manage.py db_worker``); each decides
  itself whether it is due and deduplicates, so that several schedulers are harmless;
- ``RUN_IN_SCHEDULER``: tasks the scheduler runs itself, first, in its own process — the repairs that cannot go
  through the queue they repair (taking up again what a dead worker left in flight).

The scheduler lives in the lowest layer and imports no application: adding a periodic task to an application
is adding it to its module's ``SCHEDULED_TASKS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.apps import apps
from django.utils.module_loading import module_has_submodule


@dataclass(frozen=True)
class Schedule:
    run_in_scheduler: tuple[Any, ...]
    scheduled_tasks: tuple[Any, ...]


def schedule() -> Schedule:
    """Every installed application's ``tasks.RUN_IN_SCHEDULER`` and ``tasks.SCHEDULED_TASKS``, in the order of
    ``INSTALLED_APPS``."""
    run_in_scheduler: list[Any] = []
    scheduled: list[Any] = []
    for app_config in apps.get_app_configs():
        if not module_has_submodule(app_config.module, "tasks"):
            continue
        module = import_module(f"{app_config.name}.tasks")
        run_in_scheduler.extend(getattr(module, "RUN_IN_SCHEDULER", ()))
        scheduled.extend(getattr(module, "SCHEDULED_TASKS", ()))
    return Schedule(run_in_scheduler=tuple(run_in_scheduler), scheduled_tasks=tuple(scheduled))
