"""The incident's background work: routing and notifications (``notifications``), reminders of the handling
(``reminders``). What the scheduler runs at every tick is declared here (see ``acss.core.schedule``)."""

from .notifications import SCHEDULED_TASKS as NOTIFICATION_TASKS
from .notifications import reclaim_expired_leases
from .reminders import SCHEDULED_TASKS as REMINDER_TASKS

SCHEDULED_TASKS = (*REMINDER_TASKS, *NOTIFICATION_TASKS)
RUN_IN_SCHEDULER = (reclaim_expired_leases,)
