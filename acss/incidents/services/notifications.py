"""Writes of the intake's side effects: routing, the delivery of each notification (retried, one Message-ID
each), taking up what a worker that died left in flight, and the escalation of on-call alerts nobody acknowledged.

The background tasks of ``acss.incidents.tasks.notifications`` are thin wrappers over these services. Several
services record a notification and enqueue its delivery, which is itself a task: the tasks module imports this
one, so this one does not import it. The task to enqueue is passed in (``deliver``, the
``deliver_notification`` task): each delivery is then enqueued exactly where the row is written, in the same
transaction (``enqueue_on_commit``) — per alert for an escalation, at a retry's back-off for a failed sending —,
which returning the ids to the task would not keep.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks.base import Task

from acss.accounts.models import Organisation
from acss.core.audit import audit_record
from acss.core.tasks import enqueue_on_commit
from acss.incidents.models import (
    Declaration,
    EscalationSuggestion,
    Notification,
    NotificationKind,
    NotificationState,
    OncallStep,
)
from acss.incidents.oncall import ack_url
from acss.incidents.routing import routing_plan
from acss.incidents.selectors.notifications import (
    declaration_get_for_routing,
    notification_get_for_delivery,
    notification_list_stuck,
    oncall_alert_ids_unacknowledged,
)

logger = logging.getLogger("acss.notifications")

MAX_ATTEMPTS = 6
RECLAIM_BATCH = 500
# An on-call alert is escalated during this time after it was recorded, not later (nor those recorded before
# the escalation existed).
ONCALL_WINDOW = timedelta(hours=12)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8, 16 minutes… between attempts."""
    return timedelta(minutes=2 ** max(attempts - 1, 0))


def declaration_route(*, declaration_id: int, deliver: Task) -> int:
    """Record who is told and what is suggested; enqueue ``deliver`` for each new notification. Idempotent.
    Returns the number of notifications recorded."""
    declaration = declaration_get_for_routing(pk=declaration_id)
    now = timezone.now()
    plan = routing_plan(declaration, at=now)
    new_ids = []
    with transaction.atomic():
        for planned in plan.notifications:
            notification, created = Notification.objects.get_or_create(
                declaration=declaration,
                kind=planned.kind,
                recipient=planned.recipient,
                original=None,
                defaults={"organisation": planned.organisation, "reason": planned.reason, "created_at": now},
            )
            if created:
                new_ids.append(notification.pk)
        # The declaration's acknowledgement goes out at its first routing; a completion has its own
        # (completion_route).
        acknowledged = declaration.notifications.filter(kind=NotificationKind.ACKNOWLEDGEMENT).exists()
        for ack_to in [] if acknowledged else _acknowledgement_recipients(declaration):
            notification, created = Notification.objects.get_or_create(
                declaration=declaration,
                kind=NotificationKind.ACKNOWLEDGEMENT,
                recipient=ack_to,
                original=None,
                defaults={"reason": "accusé de réception au déclarant", "created_at": now},
            )
            if created:
                new_ids.append(notification.pk)
        authorities = {o.authority_code: o for o in Organisation.objects.filter(authority_code__in=plan.suggestions)}
        for code, reasons in plan.suggestions.items():
            if code in authorities:
                EscalationSuggestion.objects.update_or_create(
                    declaration=declaration,
                    authority=authorities[code],
                    defaults={"reasons": [str(r) for r in reasons], "created_at": now},
                )
        audit_record(
            action="declaration.routed",
            obj=declaration,
            data={
                "cell_open": plan.cell_open,
                "critical": [str(r) for r in plan.critical_reasons],
                "notifications": [f"{p.kind}:{p.recipient}" for p in plan.notifications],
                "suggestions": sorted(plan.suggestions),
            },
        )
        for pk in new_ids:
            enqueue_on_commit(deliver, pk)
    return len(new_ids)


def completion_route(*, declaration_id: int, deliver: Task) -> int:
    """A quick alert was completed: those informed of every declaration (routing_plan's INFORMATION recipients)
    get one message saying what was added, and the declarant and the alternative contact the completion's own
    acknowledgement. Idempotent: one notification per declaration, kind and recipient. Returns the number of
    notifications recorded."""
    declaration = declaration_get_for_routing(pk=declaration_id)
    now = timezone.now()
    informed = [p for p in routing_plan(declaration, at=now).notifications if p.kind == NotificationKind.INFORMATION]
    planned = [
        (p.organisation, NotificationKind.COMPLETION, p.recipient, _("complément d'une première alerte"))
        for p in informed
    ] + [
        (None, NotificationKind.COMPLETION_ACK, address, _("accusé de réception du complément"))
        for address in _acknowledgement_recipients(declaration)
    ]
    new_ids = []
    with transaction.atomic():
        for organisation, kind, recipient, reason in planned:
            notification, created = Notification.objects.get_or_create(
                declaration=declaration,
                kind=kind,
                recipient=recipient,
                defaults={"organisation": organisation, "reason": reason, "created_at": now},
            )
            if created:
                new_ids.append(notification.pk)
        audit_record(
            action="declaration.completion_routed",
            obj=declaration,
            data={"notifications": [f"{kind}:{recipient}" for _o, kind, recipient, _r in planned]},
        )
        for pk in new_ids:
            enqueue_on_commit(deliver, pk)
    return len(new_ids)


def _acknowledgement_recipients(declaration: Declaration) -> list[str]:
    addresses = [declaration.declarant_email or declaration.created_by.email, declaration.alt_contact_email]
    seen: list[str] = []
    for address in addresses:
        if address and address.lower() not in seen:
            seen.append(address.lower())
    return seen


def _message(notification: Notification) -> EmailMessage:
    """The e-mail of a notification, with its fixed Message-ID: every sending of the row is the same message."""
    declaration = notification.declaration
    alert = notification.original or notification
    context = {
        "n": notification,
        "d": declaration,
        "alert": alert,
        "site_url": settings.SITE_URL,
        "hotline": settings.ACSS_HOTLINE,
    }
    headers = {"Message-ID": notification.message_id}
    if notification.kind == NotificationKind.ONCALL:
        context["ack_url"] = ack_url(alert)
        if notification.original_id:
            headers.update({"In-Reply-To": alert.message_id, "References": alert.message_id})
    template = {
        NotificationKind.ACKNOWLEDGEMENT: "declarations/email/acknowledgement",
        NotificationKind.ONCALL: "declarations/email/oncall",
        NotificationKind.COMPLETION: "declarations/email/completion",
        NotificationKind.COMPLETION_ACK: "declarations/email/completion_acknowledgement",
    }.get(notification.kind, "declarations/email/information")
    subject = "".join(render_to_string(f"{template}_subject.txt", context).splitlines())
    return EmailMessage(
        subject=subject,
        body=render_to_string(f"{template}.txt", context),
        to=[notification.recipient],
        headers=headers,
    )


def notification_deliver(*, notification_id: int, deliver: Task) -> str:
    """Send one notification. The conditional update claims it, so that two workers never both send it.

    The claim counts an attempt and records when (``claimed_at``); the attempt number then fences what this
    worker writes afterwards: if the scheduler reclaimed the notification (its lease expired) and another
    worker claimed it again, this one's late outcome is not recorded over the other's. No transaction: the
    claim is committed before the sending. A failed sending is retried by enqueuing ``deliver`` again after
    the back-off (when the backend defers). Returns "sent", "retry", "failed", "cancelled" or "not pending".
    """
    claimed = Notification.objects.filter(pk=notification_id, state=NotificationState.PENDING).update(
        state=NotificationState.SENDING, attempts=F("attempts") + 1, claimed_at=timezone.now()
    )
    if not claimed:
        return "not pending"
    notification = notification_get_for_delivery(pk=notification_id)
    mine = Notification.objects.filter(pk=notification_id, attempts=notification.attempts)
    alert = notification.original or notification
    if notification.kind == NotificationKind.ONCALL and notification.original_id and alert.acknowledged_at:
        mine.filter(state=NotificationState.SENDING).update(state=NotificationState.CANCELLED)
        return "cancelled"
    try:
        _message(notification).send()
    except Exception as exc:  # noqa: BLE001 - any delivery failure is retried, then recorded
        failed = notification.attempts >= MAX_ATTEMPTS
        retry_at = timezone.now() + backoff(notification.attempts)
        recorded = mine.filter(state=NotificationState.SENDING).update(
            state=NotificationState.FAILED if failed else NotificationState.PENDING,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            next_attempt_at=None if failed else retry_at,
        )
        if recorded and not failed and deliver.get_backend().supports_defer:
            # Without deferral (the immediate test backend), the scheduler's retry_pending_notifications picks it up.
            enqueue_on_commit(deliver, notification_id, run_after=retry_at)
        return "failed" if failed else "retry"
    # Also when the lease expired meanwhile (back to pending, not yet claimed again): it was sent.
    mine.exclude(state=NotificationState.SENT).update(
        state=NotificationState.SENT, sent_at=timezone.now(), last_error="", next_attempt_at=None
    )
    return "sent"


@transaction.atomic
def notification_reclaim_stuck(*, now: datetime, deliver: Task) -> tuple[list[int], list[int]]:
    """Notifications left "sending" past their lease (the worker died): pending again, or failed after
    MAX_ATTEMPTS. Returns (requeued ids, failed ids); ``deliver`` is enqueued for each requeued one on commit.

    Sending again keeps the row's Message-ID: if the first sending did reach the server before the worker died,
    the recipient's software sees the same message twice, never two messages. A row "sending" without a claim
    time was left by a version that gave no fixed Message-ID: it stays for a person.
    """
    cutoff = now - timedelta(seconds=settings.ACSS_NOTIFICATION_LEASE_SECONDS)
    stuck = notification_list_stuck(claimed_before=cutoff, limit=RECLAIM_BATCH)
    requeued, failed = [], []
    for pk, attempts in stuck:
        # Conditional on the attempt read: a notification finished or claimed again meanwhile is left alone.
        same_claim = Notification.objects.filter(pk=pk, state=NotificationState.SENDING, attempts=attempts)
        if attempts >= MAX_ATTEMPTS:
            if same_claim.update(
                state=NotificationState.FAILED, next_attempt_at=None, last_error=_("Envoi interrompu (bail expiré).")
            ):
                failed.append(pk)
        elif same_claim.update(
            state=NotificationState.PENDING,
            next_attempt_at=now,
            last_error=_("Envoi interrompu (bail expiré) : nouvel envoi avec le même Message-ID."),
        ):
            requeued.append(pk)
            enqueue_on_commit(deliver, pk)
    for pk in requeued:
        logger.warning("notification %s restée en cours d'envoi : bail expiré, nouvel envoi", pk)
    for pk in failed:
        logger.error("notification %s restée en cours d'envoi %d fois : abandonnée", pk, MAX_ATTEMPTS)
    return requeued, failed


def _oncall_delay(step: int) -> timedelta:
    if step == OncallStep.ALERT:
        return timedelta(minutes=settings.ACSS_ONCALL_ACK_MINUTES)
    return timedelta(minutes=settings.ACSS_ONCALL_DEPUTY_MINUTES)


def oncall_alerts_escalate(*, deliver: Task) -> int:
    """Re-send an on-call alert nobody acknowledged, then send it to the on-call point's deputy.

    Step 1 (reminder, same address) once ACSS_ONCALL_ACK_MINUTES have passed since the alert was sent (or at
    once if it could not be sent), step 2 (the organisation's ``oncall_deputy_email``) ACSS_ONCALL_DEPUTY_MINUTES
    after the reminder. Each step is its own notification with its own Message-ID, created once (a unique
    constraint and a lock on the alert): several schedulers are harmless. Alerts older than ONCALL_WINDOW (and
    those acknowledged) are left. Each alert is escalated in its own transaction, ``deliver`` enqueued on its
    commit. Returns the number of steps created.
    """
    now = timezone.now()
    candidates = oncall_alert_ids_unacknowledged(since=now - ONCALL_WINDOW)
    return sum(1 for pk in candidates if oncall_alert_escalate(alert_pk=pk, now=now, deliver=deliver))


@transaction.atomic
def oncall_alert_escalate(*, alert_pk: int, now: datetime, deliver: Task) -> bool:
    """The next step of one on-call alert, if it is due (under a lock on the alert). Whether a step was created."""
    alert = Notification.objects.select_for_update().get(pk=alert_pk)
    if alert.acknowledged_at is not None:
        return False
    last = max([alert, *alert.escalations.all()], key=lambda n: n.step)
    if last.step >= OncallStep.DEPUTY:
        return False
    if last.state == NotificationState.SENT:
        if last.sent_at is None or last.sent_at > now - _oncall_delay(last.step):
            return False
    elif last.state != NotificationState.FAILED:
        return False  # still being sent
    step = OncallStep(last.step + 1)
    organisation = alert.organisation
    if step == OncallStep.REMINDER:
        recipient = alert.recipient
        reason = _("rappel : alerte d'astreinte sans accusé de réception depuis %(minutes)s minutes") % {
            "minutes": settings.ACSS_ONCALL_ACK_MINUTES
        }
    else:
        recipient = organisation.oncall_deputy_email if organisation is not None else ""
        reason = _("suppléance : l'astreinte %(name)s n'a pas accusé réception de l'alerte ni du rappel") % {
            "name": organisation.name if organisation is not None else alert.recipient
        }
    notification, created = Notification.objects.get_or_create(
        original=alert,
        step=step,
        defaults={
            "declaration_id": alert.declaration_id,
            "organisation": organisation,
            "kind": NotificationKind.ONCALL,
            "recipient": recipient,
            "reason": reason[:300],
            "created_at": now,
            # Without a deputy address, the step is recorded as failed: the cell sees that nobody was reached.
            "state": NotificationState.PENDING if recipient else NotificationState.FAILED,
            "last_error": "" if recipient else _("Aucune adresse de suppléant d'astreinte pour cette organisation."),
        },
    )
    if not created:
        return False
    audit_record(
        action="oncall.escalated",
        obj=alert.declaration,
        data={"notification": alert.pk, "step": int(step), "to": recipient, "previous": last.state},
    )
    if recipient:
        enqueue_on_commit(deliver, notification.pk)
    else:
        logger.error("alerte d'astreinte %s sans accusé de réception et sans suppléant", alert.pk)
    return True
