"""Intake side effects: routing and the delivery of each notification (retried, never sent twice)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from acss.accounts.models import Organisation
from acss.core.audit import audit_record

from .models import Declaration, EscalationSuggestion, Notification, NotificationKind, NotificationState
from .routing import routing_plan

MAX_ATTEMPTS = 6


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8, 16 minutes… between attempts."""
    return timedelta(minutes=2 ** max(attempts - 1, 0))


@task()
def route_declaration(declaration_id: int) -> int:
    """Record who is told and what is suggested; enqueue each new notification. Idempotent."""
    declaration = Declaration.objects.select_related("structure__departement").get(pk=declaration_id)
    now = timezone.now()
    plan = routing_plan(declaration, at=now)
    new_ids = []
    with transaction.atomic():
        for planned in plan.notifications:
            notification, created = Notification.objects.get_or_create(
                declaration=declaration,
                kind=planned.kind,
                recipient=planned.recipient,
                defaults={"organisation": planned.organisation, "reason": planned.reason, "created_at": now},
            )
            if created:
                new_ids.append(notification.pk)
        # The declaration's acknowledgement goes out at its first routing; a completion has its own (route_completion).
        acknowledged = declaration.notifications.filter(kind=NotificationKind.ACKNOWLEDGEMENT).exists()
        for ack_to in [] if acknowledged else _acknowledgement_recipients(declaration):
            notification, created = Notification.objects.get_or_create(
                declaration=declaration,
                kind=NotificationKind.ACKNOWLEDGEMENT,
                recipient=ack_to,
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
            transaction.on_commit(lambda pk=pk: deliver_notification.enqueue(pk))
    return len(new_ids)


def _acknowledgement_recipients(declaration: Declaration) -> list[str]:
    addresses = [declaration.declarant_email or declaration.created_by.email, declaration.alt_contact_email]
    seen: list[str] = []
    for address in addresses:
        if address and address.lower() not in seen:
            seen.append(address.lower())
    return seen


def _message(notification: Notification) -> EmailMessage:
    declaration = notification.declaration
    context = {"n": notification, "d": declaration, "site_url": settings.SITE_URL, "hotline": settings.ACSS_HOTLINE}
    template = {
        NotificationKind.ACKNOWLEDGEMENT: "declarations/email/acknowledgement",
        NotificationKind.ONCALL: "declarations/email/oncall",
        NotificationKind.COMPLETION: "declarations/email/completion",
        NotificationKind.COMPLETION_ACK: "declarations/email/completion_acknowledgement",
    }.get(notification.kind, "declarations/email/information")
    subject = "".join(render_to_string(f"{template}_subject.txt", context).splitlines())
    return EmailMessage(subject=subject, body=render_to_string(f"{template}.txt", context), to=[notification.recipient])


@task()
def deliver_notification(notification_id: int) -> str:
    """Send one notification. The conditional update claims it, so that two workers never both send it."""
    claimed = Notification.objects.filter(pk=notification_id, state=NotificationState.PENDING).update(
        state=NotificationState.SENDING, attempts=F("attempts") + 1
    )
    if not claimed:
        return "not pending"
    notification = Notification.objects.select_related("declaration__structure", "declaration__created_by").get(
        pk=notification_id
    )
    try:
        _message(notification).send()
    except Exception as exc:  # noqa: BLE001 - any delivery failure is retried, then recorded
        failed = notification.attempts >= MAX_ATTEMPTS
        retry_at = timezone.now() + backoff(notification.attempts)
        Notification.objects.filter(pk=notification_id).update(
            state=NotificationState.FAILED if failed else NotificationState.PENDING,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            next_attempt_at=None if failed else retry_at,
        )
        if not failed and deliver_notification.get_backend().supports_defer:
            # Without deferral (the immediate test backend), the scheduler's retry_pending_notifications picks it up.
            deliver_notification.using(run_after=retry_at).enqueue(notification_id)
        return "failed" if failed else "retry"
    Notification.objects.filter(pk=notification_id).update(
        state=NotificationState.SENT, sent_at=timezone.now(), last_error=""
    )
    return "sent"


@task()
def route_completion(declaration_id: int) -> int:
    """A quick alert was completed: those informed of every declaration (routing_plan's INFORMATION recipients)
    get one message saying what was added, and the declarant and the alternative contact the completion's own
    acknowledgement. Idempotent: one notification per declaration, kind and recipient."""
    declaration = Declaration.objects.select_related("structure__departement", "created_by").get(pk=declaration_id)
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
            transaction.on_commit(lambda pk=pk: deliver_notification.enqueue(pk))
    return len(new_ids)
