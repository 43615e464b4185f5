"""What follows the publication of an alert (its first publication, each update, and its withdrawal), run in the
background by ``acss.alerts.tasks.alert_published``, once per alert and revision:

1. the structures whose inventory lists one of its products are found (``concerns.concerns_refresh``: new
   ``AlertConcern`` rows « À traiter », set-based);
2. the people of the concerned structures are told, as their preferences for « Alertes concernant ma structure »
   say (at once by default, or in the daily digest, or not) — except the structures that answered « Non
   concerné »;
3. the subscribers of « Alertes de sécurité » are told, as their preferences say;
4. the audit event ``alert.fanout`` records it.

And once a day the bulletin (``bulletin_send_due``): the previous day's alerts and news to the subscribers of
« Bulletin quotidien », nothing on a day with nothing new.

Everything is written in one transaction and the e-mails are sent by the subscriptions' outbox after the commit
(``subscriptions.services.deliveries_enqueue``, idempotent by key): a task run again after its lease expired
writes nothing more. The number of queries does not depend on the number of structures or people.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from acss.accounts.models import MembershipStatus, User
from acss.core.audit import audit_record, object_type_of
from acss.core.models import AuditEvent
from acss.subscriptions.models import Topic
from acss.subscriptions.services import daily_run_claim, daily_run_finish, deliveries_enqueue

from ..bulletin import bulletin_email, bulletin_for
from ..concerns import concerns_refresh, concerns_refresh_published
from ..models import Alert, AlertConcern, AlertRevision, AlertState, ConcernStatus
from ..selectors.public import product_lines

PARIS = ZoneInfo("Europe/Paris")


def alert_email(alert: Alert, *, revision: int, concerned: bool) -> tuple[str, str]:
    """The subject and the French plain-text body of the e-mail of ``revision`` of an alert (``concerned``: for the
    people of a structure whose inventory lists one of its products)."""
    with translation.override(settings.LANGUAGE_CODE):
        if alert.state == AlertState.WITHDRAWN:
            subject = _("[ACSS] Alerte retirée : %(ref)s — %(title)s")
        elif revision > 1:
            subject = _("[ACSS] Alerte mise à jour : %(ref)s — %(title)s")
        elif concerned:
            subject = _("[ACSS] Votre structure est concernée : %(ref)s — %(title)s")
        else:
            subject = _("[ACSS] Alerte %(ref)s — %(title)s")
        note = AlertRevision.objects.filter(alert=alert, number=revision).values_list("change_note", flat=True).first()
        body = render_to_string(
            "alerts/parts/alert_mail.txt",
            {
                "alert": alert,
                "revision": revision,
                "change_note": note or "",
                "concerned": concerned,
                "products": [
                    " ".join(filter(None, (line.vendor, line.product)))
                    + (f" ({line.versions_text})" if line.versions else "")
                    for line in product_lines(alert.products)
                ],
                "url": settings.SITE_URL + reverse("alerts:alert_detail", args=[alert.reference]),
            },
        )
    return subject % {"ref": alert.reference, "title": alert.title}, body


@transaction.atomic
def alert_publication_fanout(*, alert_id: int, revision: int) -> bool:
    """Hand revision ``revision`` of the alert on (see the module's docstring); False when already done, or when
    the alert is not public."""
    alert = Alert.objects.select_for_update().filter(pk=alert_id).first()
    if alert is None or not alert.is_public:
        return False
    done = AuditEvent.objects.filter(
        action="alert.fanout", object_type=object_type_of(Alert), object_id=str(alert_id), data__revision=revision
    ).exists()
    if done:
        return False
    new_structures = concerns_refresh(alert=alert) if alert.state == AlertState.PUBLISHED else []
    key = f"alert:{alert.reference}:{revision}"
    structures = AlertConcern.objects.filter(alert=alert).exclude(status=ConcernStatus.NOT_CONCERNED)
    people = User.objects.filter(
        memberships__organisation_id__in=structures.values("structure_id"),
        memberships__status=MembershipStatus.ACTIVE,
    ).values("pk")
    subject, body = alert_email(alert, revision=revision, concerned=True)
    told_structures = deliveries_enqueue(
        key=key, topic=Topic.STRUCTURE_ALERTS, subject=subject, body=body, user_ids=people
    )
    subject, body = alert_email(alert, revision=revision, concerned=False)
    told_subscribers = deliveries_enqueue(key=key, topic=Topic.ALERTS, subject=subject, body=body)
    audit_record(
        action="alert.fanout",
        obj=alert,
        data={
            "reference": alert.reference,
            "revision": revision,
            "new_structures": len(new_structures),
            "structure_deliveries": told_structures,
            "subscriber_deliveries": told_subscribers,
        },
    )
    return True


DEFAULT_BULLETIN_HOUR = 6  # Paris time: the previous day's bulletin, before the subscriptions' digest (7 h)


def bulletin_hour() -> int:
    return int(getattr(settings, "ACSS_BULLETIN_HOUR", DEFAULT_BULLETIN_HOUR))


def bulletin_send_due(*, now: datetime | None = None) -> int:
    """Once a day, from ``ACSS_BULLETIN_HOUR`` (Paris time), the previous day's bulletin — its alerts and news —
    to the subscribers of « Bulletin quotidien »; nothing on a day with nothing new. Returns the number of
    deliveries created (0 when not due, already done, or empty)."""
    now = now or timezone.now()
    local = now.astimezone(PARIS)
    if local.hour < bulletin_hour():
        return 0
    day = local.date() - timedelta(days=1)
    run = daily_run_claim(name="bulletin", day=day, now=now)
    if run is None:
        return 0
    created = 0
    bulletin = bulletin_for(day)
    if bulletin is not None:
        subject, body = bulletin_email(bulletin)
        with transaction.atomic():
            created = deliveries_enqueue(
                key=f"bulletin:{day.isoformat()}", topic=Topic.BULLETIN, subject=subject, body=body
            )
    daily_run_finish(run)
    return created


def concerns_refresh_due(*, now: datetime | None = None) -> int:
    """Once an hour, the concerns of every published alert again, so that a product added to an inventory after
    an alert was published shows the alert in « Mon espace » within the hour (no e-mail: the alert is not new).
    Returns the number of structures newly concerned (0 when this hour's run was done)."""
    now = now or timezone.now()
    local = now.astimezone(PARIS)
    run = daily_run_claim(name=f"concerns-{local.hour:02d}", day=local.date(), now=now)
    if run is None:
        return 0
    found = concerns_refresh_published()
    daily_run_finish(run)
    return sum(len(new) for new in found.values())
