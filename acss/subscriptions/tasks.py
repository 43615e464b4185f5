"""The subscriptions' background work: thin wrappers over ``acss.subscriptions.services``.

- ``deliveries_send``: sends the pending deliveries (enqueued after each ``deliveries_enqueue`` and at every tick
  of the scheduler, which also retries what failed once its back-off has passed);
- ``digests_send``: once a day from ``ACSS_DIGEST_HOUR`` (7 by default, Paris time), one e-mail per subscriber
  combining what was held for them — none for a subscriber with nothing new;
- ``subscriptions_purge``: once a day, deletes the addresses never confirmed within 7 days and the deliveries
  older than a year.

Each is idempotent (conditional updates, one ``DailyRun`` row per daily task and day): several schedulers are
harmless.
"""

from __future__ import annotations

from django_tasks import task

from .services import deliveries_send_pending, digests_send_due, purge_due


@task(queue_name="mail")
def deliveries_send() -> int:
    """Send the pending deliveries that are due; returns the number sent."""
    return deliveries_send_pending()


@task()
def digests_send() -> int:
    """Send the day's digests when due; returns the number sent."""
    return digests_send_due()


@task()
def subscriptions_purge() -> dict[str, int]:
    """The daily purge of personal data; returns what was deleted (empty when it already ran today)."""
    return purge_due()


SCHEDULED_TASKS = (deliveries_send, digests_send, subscriptions_purge)
