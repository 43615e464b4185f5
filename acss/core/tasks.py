"""Background work helpers: enqueue after the transaction commits, and the mail task."""

from __future__ import annotations

from datetime import datetime
from email.utils import make_msgid
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django_tasks import task


def enqueue_on_commit(task_obj: Any, *args: Any, run_after: datetime | None = None, **kwargs: Any) -> None:
    """Enqueue ``task_obj`` once the current transaction commits (at once outside a transaction).

    A rolled-back write never sends its side effects; a committed one always does. ``run_after`` defers the run
    (a retry's back-off) on a backend that supports it.
    """
    if run_after is not None:
        task_obj = task_obj.using(run_after=run_after)
    transaction.on_commit(partial(task_obj.enqueue, *args, **kwargs), robust=False)


@task(queue_name="mail")
def send_mail_task(
    *, subject: str, body: str, to: list[str], reply_to: list[str] | None = None, message_id: str = ""
) -> int:
    """Send one e-mail. ``message_id`` is fixed when it is enqueued: a run taken up again after a worker died
    sends the same message, never a second one with another Message-ID."""
    headers = {"Message-ID": message_id} if message_id else None
    message = EmailMessage(subject=subject, body=body, to=to, reply_to=reply_to or None, headers=headers)
    return message.send()


def send_mail_on_commit(*, subject: str, body: str, to: list[str], reply_to: list[str] | None = None) -> None:
    enqueue_on_commit(
        send_mail_task,
        subject=str(subject),
        body=body,
        to=list(to),
        reply_to=reply_to,
        message_id=make_msgid(domain=settings.ACSS_MESSAGE_ID_DOMAIN),
    )
