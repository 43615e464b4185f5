"""What follows the publication of an alert (its first publication and each update), run in the background by
``acss.alerts.tasks.alert_published``.

For now only the editorial's part: the audit event ``alert.fanout`` (once per alert and revision, so that a task
run again after its lease expired writes nothing more). Finding the structures each alert concerns and telling
the subscribers will be added here by the alerts' integration, under the same signature.
"""

from __future__ import annotations

from django.db import transaction

from acss.core.audit import audit_record
from acss.core.models import AuditEvent

from ..models import Alert


@transaction.atomic
def alert_publication_fanout(*, alert_id: int, revision: int) -> bool:
    """Record that revision ``revision`` of the alert was handed on; False when already done (or no such alert)."""
    alert = Alert.objects.filter(pk=alert_id).only("id", "reference").first()
    if alert is None:
        return False
    done = AuditEvent.objects.filter(
        action="alert.fanout", object_type="alerts.alert", object_id=str(alert_id), data__revision=revision
    ).exists()
    if done:
        return False
    audit_record(action="alert.fanout", obj=alert, data={"reference": alert.reference, "revision": revision})
    return True
