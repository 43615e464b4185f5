"""The reads of the background work on notifications: routing, delivery, leases, on-call escalation, retries.

No person reads here: the action that recorded the rows was allowed when it was done. The writes that follow these
reads (conditional updates, locks) are in ``acss.incidents.services.notifications``.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from acss.incidents.models import Declaration, Notification, NotificationKind, NotificationState, OncallStep


def declaration_get_for_routing(*, pk: int) -> Declaration:
    """The declaration to route, with what the routing plan and the acknowledgement's recipients read."""
    return Declaration.objects.select_related("structure__departement", "created_by").get(pk=pk)


def notification_get_for_delivery(*, pk: int) -> Notification:
    """A notification just claimed, with what its e-mail shows joined in."""
    return Notification.objects.select_related(
        "declaration__structure", "declaration__created_by", "original", "organisation"
    ).get(pk=pk)


def notification_list_stuck(*, claimed_before: datetime, limit: int) -> list[tuple[int, int]]:
    """(pk, attempts) of the notifications "sending" since before ``claimed_before``, oldest claim first."""
    return list(
        Notification.objects.filter(state=NotificationState.SENDING, claimed_at__lt=claimed_before)
        .order_by("claimed_at", "pk")
        .values_list("pk", "attempts")[:limit]
    )


def notification_ids_due(*, now: datetime, recorded_before: datetime, limit: int) -> list[int]:
    """The pending notifications whose next attempt is due, or that were never tried and were recorded before
    ``recorded_before``; oldest first."""
    due = Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True, created_at__lte=recorded_before)
    return list(
        Notification.objects.filter(due, state=NotificationState.PENDING)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def oncall_alert_ids_unacknowledged(*, since: datetime) -> list[int]:
    """The on-call alerts recorded since ``since``, not acknowledged, whose deputy was not yet told."""
    return list(
        Notification.objects.filter(
            kind=NotificationKind.ONCALL,
            original__isnull=True,
            acknowledged_at__isnull=True,
            created_at__gte=since,
        )
        .exclude(escalations__step=OncallStep.DEPUTY)
        .values_list("pk", flat=True)
    )
