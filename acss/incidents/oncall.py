"""On-call alerts that someone owns: the acknowledgement link.

An on-call alert (``Notification`` of kind ONCALL, step 0) carries a link to acknowledge it. The link holds
the alert's id and an HMAC of its id and Message-ID under ``SECRET_KEY`` (salted for this one purpose): nothing
is stored, the token is recomputed and compared in constant time, and it opens nothing but the acknowledgement
page of that alert. The reads are in ``selectors`` (``oncall_alert_get_for_token``,
``oncall_alert_list_for_declaration``), the acknowledgement in ``services`` (``oncall_acknowledge``). The reminder and the deputy's message (``acss.incidents.tasks.notifications.escalate_oncall_alerts``)
carry the same link. A GET only shows the page (mail scanners follow links); a POST acknowledges, once.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import salted_hmac

from acss.incidents.models import Notification

TOKEN_SALT = "acss.incidents.oncall-acknowledgement"


def ack_token(alert: Notification, *, secret: str | None = None) -> str:
    return salted_hmac(TOKEN_SALT, f"{alert.pk}:{alert.message_id}", secret=secret, algorithm="sha256").hexdigest()


def ack_url(alert: Notification) -> str:
    return settings.SITE_URL + reverse("incidents:oncall_ack", args=[alert.pk, ack_token(alert)])
