"""The alerts' background work: thin wrappers over services. A task keeps its path, name and signature (queued
rows name them)."""

from __future__ import annotations

from django_tasks import task

from .services.publication import alert_publication_fanout, bulletin_send_due, concerns_refresh_due


@task()
def alert_published(alert_id: int, revision: int) -> bool:
    """An alert was published (``revision`` 1) or updated (2, 3…): hand it on (``alert_publication_fanout``)."""
    return alert_publication_fanout(alert_id=alert_id, revision=revision)


@task()
def bulletin_send() -> int:
    """The previous day's bulletin, once a day from ``ACSS_BULLETIN_HOUR`` (``bulletin_send_due``)."""
    return bulletin_send_due()


@task()
def concerns_refresh() -> int:
    """The concerns of every published alert, once an hour (``concerns_refresh_due``)."""
    return concerns_refresh_due()


# For the scheduler (``acss.core.schedule``): enqueued every tick, each runs when due (the bulletin once a day,
# the concerns once an hour).
SCHEDULED_TASKS = (bulletin_send, concerns_refresh)
