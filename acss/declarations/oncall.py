"""On-call alerts that someone owns: the acknowledgement link, its service, and what the cell sees.

An on-call alert (``Notification`` of kind ONCALL, step 0) carries a link to acknowledge it. The link holds
the alert's id and an HMAC of its id and Message-ID under ``SECRET_KEY`` (salted for this one purpose): nothing
is stored, the token is recomputed and compared in constant time, and it opens nothing but the acknowledgement
page of that alert. The reminder and the deputy's message (``acss.declarations.tasks.escalate_oncall_alerts``)
carry the same link. A GET only shows the page (mail scanners follow links); a POST acknowledges, once.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from acss.accounts.models import User
from acss.core.audit import AuditOrigin, audit_record

from .models import Declaration, Notification, NotificationKind, NotificationState

TOKEN_SALT = "acss.declarations.oncall-acknowledgement"
ACKNOWLEDGED = "oncall.acknowledged"


def ack_token(alert: Notification, *, secret: str | None = None) -> str:
    return salted_hmac(TOKEN_SALT, f"{alert.pk}:{alert.message_id}", secret=secret, algorithm="sha256").hexdigest()


def ack_url(alert: Notification) -> str:
    return settings.SITE_URL + reverse("declarations:oncall_ack", args=[alert.pk, ack_token(alert)])


def oncall_alert_for_token(*, pk: int, token: str) -> Notification | None:
    """The on-call alert this link acknowledges, or None (a wrong token is the same as a missing alert)."""
    alert = (
        Notification.objects.select_related("declaration__structure", "organisation", "acknowledged_by")
        .filter(pk=pk, kind=NotificationKind.ONCALL, original__isnull=True)
        .first()
    )
    if alert is None:
        return None
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    # Every secret is tried, so that the time taken does not say which one matched.
    matches = [constant_time_compare(token, ack_token(alert, secret=secret)) for secret in secrets]
    return alert if any(matches) else None


@transaction.atomic
def oncall_acknowledge(
    *, alert: Notification, name: str, by: User | None = None, origin: AuditOrigin | None = None
) -> Notification:
    """Record who took the alert; the reminders not yet sent are cancelled. A second call changes nothing.

    Returns the alert as recorded (``acknowledged_at`` tells when, and by whom, if someone was first).
    """
    alert = Notification.objects.select_for_update().get(pk=alert.pk)
    if alert.acknowledged_at is not None:
        return alert
    by = by if by is not None and by.is_authenticated else None
    name = (name or "").strip()[:200] or (by.display_name if by is not None else "")
    now = timezone.now()
    alert.acknowledged_at, alert.acknowledged_by, alert.acknowledged_by_name = now, by, name
    alert.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledged_by_name"])
    cancelled = Notification.objects.filter(original=alert, state=NotificationState.PENDING).update(
        state=NotificationState.CANCELLED, next_attempt_at=None
    )
    sent_steps = list(
        alert.escalations.filter(state=NotificationState.SENT).order_by("step").values_list("step", flat=True)
    )
    audit_record(
        actor=by,
        action=ACKNOWLEDGED,
        obj=alert.declaration,
        origin=origin,
        data={
            "notification": alert.pk,
            "on_call": alert.recipient,
            "organisation": alert.organisation.name if alert.organisation_id else "",
            "name": name,
            "after_reminders": len(sent_steps),
            "cancelled": cancelled,
        },
    )
    return alert


@dataclass
class OncallAlertView:
    alert: Notification
    steps: list[Notification]  # reminder, deputy (those that exist)

    @property
    def acknowledged(self) -> bool:
        return self.alert.acknowledged_at is not None


def oncall_alerts_for(declaration: Declaration) -> list[OncallAlertView]:
    """The declaration's on-call alerts with their reminders, for the cell (two queries)."""
    alerts = (
        Notification.objects.filter(declaration=declaration, kind=NotificationKind.ONCALL, original__isnull=True)
        .select_related("organisation", "acknowledged_by")
        .prefetch_related(Prefetch("escalations", queryset=Notification.objects.order_by("step")))
        .order_by("created_at", "pk")
    )
    return [OncallAlertView(alert=a, steps=list(a.escalations.all())) for a in alerts]
