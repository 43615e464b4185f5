"""The writes of the subscriptions, and the API the other applications call.

**Sending something to the people who asked for it** (alerts now, community notices later)::

    from acss.subscriptions.models import Topic
    from acss.subscriptions.services import deliveries_enqueue

    deliveries_enqueue(
        key="alert:ACSS-ALE-2026-0001",      # what is sent; the same key again sends nothing more
        topic=Topic.ALERTS,                  # or Topic.BULLETIN, Topic.STRUCTURE_ALERTS
        subject="…", body="…",               # plain text, French; the footer (unsubscribe link) is added
        user_ids=None,                       # or the people concerned: ids, or a queryset of ids
    ) -> int                                 # the number of deliveries created

- without ``user_ids``: every confirmed subscriber of ``topic`` whose frequency is not « Aucun envoi »;
- with ``user_ids``: only those people (active accounts), with their preference for ``topic`` — for
  ``STRUCTURE_ALERTS`` the default « Dès la publication » when they never chose (the row is written then).
  A queryset (``User.objects.filter(…).values("pk")``) is used as a subquery; a list is sent as one JSON
  parameter: either way a constant number of queries whatever the number of people.

« Dès la publication » deliveries are ``pending`` and sent by ``tasks.deliveries_send`` (enqueued after the
commit); « Un résumé par jour » ones are ``held`` for ``tasks.digests_send``; « Aucun envoi » gets nothing. Call
it inside the transaction that publishes: nothing is enqueued if it rolls back.

The visitors' side: ``subscription_request`` (double opt-in), ``subscription_confirm``, ``unsubscribe``; the
logged-in side: ``preference_set``; the daily purge: ``subscribers_purge_unconfirmed``, ``deliveries_purge_old``.
Sending: ``deliveries_send_pending`` and ``digests_send_due``, which the tasks wrap.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, connection, transaction
from django.db.models import F, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from acss.accounts.selectors import actor_for
from acss.core.audit import AuditOrigin, audit_record
from acss.core.errors import Refusal
from acss.core.tasks import enqueue_on_commit, send_mail_on_commit

from . import tokens
from .models import (
    DEFAULT_FREQUENCY,
    PUBLIC_FREQUENCY,
    PUBLIC_TOPICS,
    DailyRun,
    Delivery,
    DeliveryState,
    Frequency,
    Subscriber,
    Subscription,
    Topic,
)

logger = logging.getLogger("acss.subscriptions")

PARIS = ZoneInfo("Europe/Paris")
UNCONFIRMED_KEPT = timedelta(days=7)
DELIVERIES_KEPT = timedelta(days=365)
SEND_BATCH = 200
MAX_ATTEMPTS = 5
SENDING_LEASE = timedelta(minutes=10)
DEFAULT_DIGEST_HOUR = 7


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def unsubscribe_url(subscriber: Subscriber, topic: str = tokens.ALL_TOPICS) -> str:
    return absolute(reverse("subscriptions:unsubscribe", args=[tokens.unsubscribe_token(subscriber, topic)]))


def _mail_context(**extra) -> dict:
    return {"site_url": settings.SITE_URL, **extra}


# --- visitors: double opt-in -------------------------------------------------------------------------------


@transaction.atomic
def subscription_request(*, email: str, topics: Iterable[str], origin: AuditOrigin | None = None) -> None:
    """A visitor asks to receive ``topics`` at ``email``: one e-mail to that address, with a signed link that
    confirms (and only then creates the subscriptions). Whether the address was known, confirmed or not, the
    caller learns nothing: the page says the same; an address already confirmed is told so in the e-mail only.
    """
    email = email.strip().lower()
    chosen = sorted({str(t) for t in topics} & {str(t) for t in PUBLIC_TOPICS})
    if not chosen:
        raise Refusal(_("Choisissez au moins un envoi."), field="topics")
    subscriber, created = Subscriber.objects.get_or_create(email=email, defaults={"created_at": timezone.now()})
    link = absolute(reverse("subscriptions:confirm", args=[tokens.confirm_token(subscriber, chosen)]))
    labels = [Topic(t).label for t in chosen]
    template = "already_subscribed" if subscriber.confirmed_at else "confirm"
    send_mail_on_commit(
        subject=_("[ACSS] Confirmez votre abonnement aux envois de la cellule"),
        body=render_to_string(
            f"subscriptions/email/{template}.txt",
            _mail_context(link=link, topics=labels, days=tokens.CONFIRM_MAX_AGE.days),
        ),
        to=[email],
    )
    audit_record(
        action="subscription.requested",
        obj=subscriber,
        origin=origin,
        data={"topics": chosen, "new": created},
    )


@transaction.atomic
def subscription_confirm(*, token: str, origin: AuditOrigin | None = None) -> Subscriber:
    """Confirm the address of a confirmation link and subscribe it to the topics the link carries. Refused
    (``Refusal``) when the link is forged, revoked or older than seven days."""
    try:
        decoded = tokens.read(token, tokens.CONFIRM_SALT, max_age=tokens.CONFIRM_MAX_AGE)
    except tokens.BadToken as exc:
        raise Refusal(_("Ce lien de confirmation n'est pas valide ou a expiré."), code="bad_token") from exc
    subscriber = Subscriber.objects.select_for_update().get(pk=decoded.subscriber.pk)
    topics = [t for t in decoded.payload.get("topics", []) if t in PUBLIC_FREQUENCY]
    now = timezone.now()
    if subscriber.confirmed_at is None:
        subscriber.confirmed_at = now
        subscriber.save(update_fields=["confirmed_at"])
    for topic in topics:
        subscription, created = Subscription.objects.get_or_create(
            subscriber=subscriber,
            topic=topic,
            defaults={"frequency": PUBLIC_FREQUENCY[topic], "created_at": now, "updated_at": now},
        )
        if not created and subscription.frequency == Frequency.NONE:
            subscription.frequency, subscription.updated_at = PUBLIC_FREQUENCY[topic], now
            subscription.save(update_fields=["frequency", "updated_at"])
    audit_record(action="subscription.confirmed", obj=subscriber, origin=origin, data={"topics": topics})
    return subscriber


@transaction.atomic
def unsubscribe(*, token: str, origin: AuditOrigin | None = None) -> Subscriber | None:
    """Stop what an unsubscribe link names: one topic, or every topic (``*``). No login: the signed link is the
    access. The subscription is kept at « Aucun envoi » (so that a person of a structure does not fall back to
    the default) and what was waiting to be sent for it is dropped; a visitor left with nothing is deleted with
    the history of their deliveries. Returns the subscriber still recorded, or None."""
    try:
        decoded = tokens.read(token, tokens.UNSUBSCRIBE_SALT)
    except tokens.BadToken as exc:
        raise Refusal(_("Ce lien de désabonnement n'est pas valide."), code="bad_token") from exc
    subscriber = decoded.subscriber
    topic = decoded.payload.get("topic")
    now = timezone.now()
    if topic == tokens.ALL_TOPICS:
        topics = (
            [t.value for t in Topic]
            if subscriber.user_id
            else list(subscriber.subscriptions.values_list("topic", flat=True))
        )
    elif topic in Topic.values:
        topics = [topic]
    else:
        raise Refusal(_("Ce lien de désabonnement n'est pas valide."), code="bad_token")
    for t in topics:
        Subscription.objects.update_or_create(
            subscriber=subscriber,
            topic=t,
            defaults={"frequency": Frequency.NONE, "updated_at": now},
            create_defaults={"frequency": Frequency.NONE, "created_at": now, "updated_at": now},
        )
    Delivery.objects.filter(
        subscription__subscriber=subscriber,
        subscription__topic__in=topics,
        state__in=[DeliveryState.PENDING, DeliveryState.HELD],
    ).delete()
    audit_record(action="subscription.unsubscribed", obj=subscriber, origin=origin, data={"topics": topics})
    if subscriber.user_id is None and not subscriber.subscriptions.exclude(frequency=Frequency.NONE).exists():
        subscriber.delete()
        return None
    return subscriber


# --- logged-in people --------------------------------------------------------------------------------------


def topics_for(user) -> list[str]:
    """The topics a person may choose: the alerts of their structure only for people of a structure."""
    topics = [Topic.ALERTS.value, Topic.BULLETIN.value]
    if actor_for(user).is_declarant:
        topics.append(Topic.STRUCTURE_ALERTS.value)
    return topics


def _subscriber_of(user, now: datetime) -> Subscriber:
    """The person's subscriber: their account's address, confirmed (the account proved it)."""
    email = user.email.strip().lower()
    subscriber = Subscriber.objects.select_for_update().filter(user=user).first()
    if subscriber is None:
        subscriber, _created = Subscriber.objects.select_for_update().get_or_create(
            email=email, defaults={"created_at": now, "user": user, "confirmed_at": now}
        )
    changed = []
    if subscriber.user_id != user.pk:
        subscriber.user = user
        changed.append("user")
    if subscriber.email != email and not Subscriber.objects.filter(email=email).exclude(pk=subscriber.pk).exists():
        subscriber.email = email
        changed.append("email")
    if subscriber.confirmed_at is None:
        subscriber.confirmed_at = now
        changed.append("confirmed_at")
    if changed:
        subscriber.save(update_fields=changed)
    return subscriber


@transaction.atomic
def preference_set(*, by, topic: str, frequency: str, origin: AuditOrigin | None = None) -> Subscription:
    """Set how often ``by`` receives ``topic``."""
    if topic not in topics_for(by):
        raise Refusal(_("Cet envoi n'est pas proposé à votre compte."), field=topic)
    if frequency not in Frequency.values:
        raise Refusal(_("Choisissez une fréquence proposée."), field=topic)
    now = timezone.now()
    subscriber = _subscriber_of(by, now)
    subscription, created = Subscription.objects.update_or_create(
        subscriber=subscriber,
        topic=topic,
        defaults={"frequency": frequency, "updated_at": now},
        create_defaults={"frequency": frequency, "created_at": now, "updated_at": now},
    )
    if frequency == Frequency.NONE:
        subscription.deliveries.filter(state__in=[DeliveryState.PENDING, DeliveryState.HELD]).delete()
    audit_record(
        actor=by,
        action="subscription.preference_set",
        obj=subscription,
        origin=origin,
        data={"topic": topic, "frequency": frequency},
    )
    return subscription


# --- the API of the other applications: the outbox ---------------------------------------------------------


def _ids_source(user_ids) -> tuple[str, list]:
    """SQL giving the ids of ``user_ids`` and its parameters: a queryset as a subquery, a list as one JSON
    parameter unpacked by the database (no parameter per id: no limit, one query)."""
    if isinstance(user_ids, QuerySet):
        # ``Membership.objects.values("user_id")`` gives its one column; a queryset of users gives their pk.
        chosen = user_ids if len(user_ids.query.values_select) == 1 else user_ids.values("pk")
        sql, params = chosen.query.sql_with_params()
        return sql, list(params)
    ids = json.dumps(sorted({int(i) for i in user_ids}))
    if connection.vendor == "postgresql":
        return "SELECT (value)::bigint FROM jsonb_array_elements_text(%s::jsonb)", [ids]
    return "SELECT value FROM json_each(%s)", [ids]


def _random_secret_sql() -> str:
    if connection.vendor == "postgresql":
        return "md5(random()::text || clock_timestamp()::text || u.id::text)"
    return "lower(hex(randomblob(16)))"


def _message_id_parts(key: str) -> tuple[str, str]:
    """Left and right of a delivery's Message-ID, ``<subscription id>.<key>@domain``: unique since the key is
    unique per subscription (the key's characters outside the atext of RFC 5322 replaced, and a digest added)."""
    slug = re.sub(r"[^A-Za-z0-9-]+", "-", key)[:80]
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    return f".{slug}.{digest}@{settings.ACSS_MESSAGE_ID_DOMAIN}>", "<"


@transaction.atomic
def deliveries_enqueue(
    *, key: str, topic: str, subject: str, body: str, user_ids: Iterable[int] | QuerySet | None = None
) -> int:
    """One delivery per matching confirmed subscription (see the module's docstring); idempotent by ``key``.

    Set-based: INSERT … SELECT … ON CONFLICT DO NOTHING, so that the number of queries does not depend on the
    number of recipients (``bulk_create`` would split a large insert into batches on SQLite). Returns the
    number of deliveries created by this call."""
    if topic not in Topic.values:
        raise ValueError(f"unknown topic {topic!r}")
    now = timezone.now()
    q = connection.ops.quote_name
    subscriber_t, subscription_t = q(Subscriber._meta.db_table), q(Subscription._meta.db_table)
    delivery_t, user_t = q(Delivery._meta.db_table), q(Subscriber._meta.get_field("user").related_model._meta.db_table)
    with connection.cursor() as cursor:
        people = ""
        people_params: list = []
        if user_ids is not None:
            ids_sql, ids_params = _ids_source(user_ids)
            people = f"AND r.user_id IN ({ids_sql}) AND r.user_id IN (SELECT id FROM {user_t} WHERE is_active)"  # noqa: S608 - our own table names
            people_params = ids_params
            # An address first subscribed as a visitor becomes the person's (their account proves it).
            cursor.execute(
                f"UPDATE {subscriber_t} SET user_id = (SELECT u.id FROM {user_t} u "  # noqa: S608
                f"WHERE lower(u.email) = {subscriber_t}.email), confirmed_at = COALESCE(confirmed_at, %s) "
                f"WHERE user_id IS NULL AND email IN (SELECT lower(u.email) FROM {user_t} u "
                f"WHERE u.id IN ({ids_sql}) AND u.is_active "
                f"AND NOT EXISTS (SELECT 1 FROM {subscriber_t} s WHERE s.user_id = u.id))",
                [now, *ids_params],
            )
            default = DEFAULT_FREQUENCY.get(topic)
            if default is not None:
                # Their subscriber (their account's address, confirmed) and the default subscription, when missing.
                cursor.execute(
                    f"INSERT INTO {subscriber_t} (email, user_id, confirmed_at, created_at, secret) "  # noqa: S608
                    f"SELECT lower(u.email), u.id, %s, %s, {_random_secret_sql()} FROM {user_t} u "
                    f"WHERE u.id IN ({ids_sql}) AND u.is_active "
                    f"AND NOT EXISTS (SELECT 1 FROM {subscriber_t} s WHERE s.user_id = u.id) "
                    "ON CONFLICT DO NOTHING",
                    [now, now, *ids_params],
                )
                cursor.execute(
                    f"INSERT INTO {subscription_t} (subscriber_id, topic, frequency, created_at, updated_at) "  # noqa: S608
                    f"SELECT r.id, %s, %s, %s, %s FROM {subscriber_t} r WHERE r.user_id IN ({ids_sql}) "
                    "ON CONFLICT DO NOTHING",
                    [topic, str(default), now, now, *ids_params],
                )
        right, left = _message_id_parts(key)
        cursor.execute(
            f"INSERT INTO {delivery_t} (subscription_id, key, subject, body, state, created_at, attempts, "  # noqa: S608
            "last_error, message_id) "
            "SELECT s.id, %s, %s, %s, CASE WHEN s.frequency = %s THEN %s ELSE %s END, %s, 0, '', "
            f"%s || CAST(s.id AS VARCHAR(20)) || %s FROM {subscription_t} s "
            f"JOIN {subscriber_t} r ON r.id = s.subscriber_id "
            f"WHERE s.topic = %s AND s.frequency IN (%s, %s) AND r.confirmed_at IS NOT NULL {people} "
            "ON CONFLICT DO NOTHING",
            [
                key,
                str(subject)[:300],
                body,
                Frequency.IMMEDIATE.value,
                DeliveryState.PENDING.value,
                DeliveryState.HELD.value,
                now,
                left,
                right,
                topic,
                Frequency.IMMEDIATE.value,
                Frequency.DAILY.value,
                *people_params,
            ],
        )
        created = max(cursor.rowcount, 0)
    if created:
        # Imported here: the tasks module imports this one (the other applications call this function, so the
        # task cannot be handed to it as the incidents' services are handed theirs).
        from .tasks import deliveries_send  # noqa: PLC0415

        enqueue_on_commit(deliveries_send)
    audit_record(
        action="subscription.deliveries_enqueued",
        object_type="subscriptions.delivery",
        object_id=key[:64],
        data={"topic": topic, "created": created, "people": user_ids is not None},
    )
    return created


# --- sending -----------------------------------------------------------------------------------------------


def _footer(subscriber: Subscriber, topic: str) -> str:
    return render_to_string(
        "subscriptions/parts/footer.txt",
        _mail_context(
            unsubscribe_url=unsubscribe_url(subscriber, topic),
            preferences_url=absolute(reverse("subscriptions:preferences")),
            has_account=subscriber.user_id is not None,
        ),
    )


def _message(*, subscriber: Subscriber, topic: str, subject: str, body: str, message_id: str, conn) -> EmailMessage:
    link = unsubscribe_url(subscriber, topic)
    return EmailMessage(
        subject=subject,
        # The platform's greeting and signature around what is sent, the unsubscribe footer before the signature.
        body=render_to_string(
            "subscriptions/email/delivery.txt",
            _mail_context(body=body.strip(), footer=_footer(subscriber, topic).strip()),
        ),
        to=[subscriber.email],
        headers={
            "Message-ID": message_id,
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        connection=conn,
    )


def backoff(attempts: int) -> timedelta:
    return timedelta(minutes=2 ** max(attempts - 1, 0))


def deliveries_reclaim_stuck(*, now: datetime) -> int:
    """Deliveries left « sending » past their lease (a worker that died) go back to pending."""
    return Delivery.objects.filter(state=DeliveryState.SENDING, claimed_at__lt=now - SENDING_LEASE).update(
        state=DeliveryState.PENDING, next_attempt_at=now
    )


def deliveries_send_pending(*, now: datetime | None = None, max_batches: int = 50) -> int:
    """Send the pending deliveries that are due, by batches: each claimed by a conditional UPDATE (so two
    workers never send the same one), sent with its fixed Message-ID, then marked sent, or pending again with a
    back-off, or failed after ``MAX_ATTEMPTS``. No transaction around the sending. Returns the number sent."""
    now = now or timezone.now()
    deliveries_reclaim_stuck(now=now)
    sent = 0
    for _batch in range(max_batches):
        due = list(
            Delivery.objects.filter(state=DeliveryState.PENDING)
            .exclude(next_attempt_at__gt=now)
            .select_related("subscription__subscriber")
            .order_by("pk")[:SEND_BATCH]
        )
        if not due:
            break
        with get_connection() as conn:
            for delivery in due:
                claimed_at = timezone.now()
                if not Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.PENDING).update(
                    state=DeliveryState.SENDING, attempts=F("attempts") + 1, claimed_at=claimed_at
                ):
                    continue
                mine = Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.SENDING, claimed_at=claimed_at)
                subscription = delivery.subscription
                try:
                    _message(
                        subscriber=subscription.subscriber,
                        topic=subscription.topic,
                        subject=delivery.subject,
                        body=delivery.body,
                        message_id=delivery.message_id,
                        conn=conn,
                    ).send()
                except Exception as exc:  # noqa: BLE001 - any failure of the mail server is retried
                    attempts = delivery.attempts + 1
                    failed = attempts >= MAX_ATTEMPTS
                    mine.update(
                        state=DeliveryState.FAILED if failed else DeliveryState.PENDING,
                        next_attempt_at=None if failed else timezone.now() + backoff(attempts),
                        last_error=str(exc)[:300],
                    )
                    logger.warning("envoi %s : échec (%s)", delivery.pk, exc)
                    continue
                mine.update(state=DeliveryState.SENT, sent_at=timezone.now(), last_error="", next_attempt_at=None)
                sent += 1
    return sent


def digest_hour() -> int:
    return int(getattr(settings, "ACSS_DIGEST_HOUR", DEFAULT_DIGEST_HOUR))


def daily_run_claim(*, name: str, day, now: datetime) -> DailyRun | None:
    """The day's run of ``name``, or None when it already ran (or another runs it now)."""
    try:
        with transaction.atomic():
            return DailyRun.objects.create(name=name, day=day, started_at=now)
    except IntegrityError:
        pass
    # A run left unfinished for an hour (a worker that died) is taken over.
    taken = DailyRun.objects.filter(
        name=name, day=day, finished_at__isnull=True, started_at__lt=now - timedelta(hours=1)
    ).update(started_at=now)
    return DailyRun.objects.get(name=name, day=day) if taken else None


def daily_run_finish(run: DailyRun) -> None:
    DailyRun.objects.filter(pk=run.pk).update(finished_at=timezone.now())


def digests_send_due(*, now: datetime | None = None) -> int:
    """Once a day, from ``ACSS_DIGEST_HOUR`` (Paris time): one e-mail per subscriber combining what was held
    for them; nobody with nothing held gets an e-mail. Returns the number of digests sent."""
    now = now or timezone.now()
    local = now.astimezone(PARIS)
    if local.hour < digest_hour():
        return 0
    run = daily_run_claim(name="digest", day=local.date(), now=now)
    if run is None:
        return 0
    sent = 0
    subscriber_ids = list(
        Delivery.objects.filter(state=DeliveryState.HELD, created_at__lte=now)
        .values_list("subscription__subscriber_id", flat=True)
        .distinct()
        .order_by("subscription__subscriber_id")
    )
    with get_connection() as conn:
        for subscriber_id in subscriber_ids:
            sent += _digest_send(subscriber_id=subscriber_id, now=now, day=local.date(), conn=conn)
    daily_run_finish(run)
    return sent


def day_label(day) -> str:
    """« 1er décembre 2026 », « 2 décembre 2026 »."""
    return f"{'1er' if day.day == 1 else day.day} {dateformat.format(day, 'F Y')}"


def _digest_send(*, subscriber_id: int, now: datetime, day, conn) -> int:
    claimed_at = timezone.now()
    held = Delivery.objects.filter(
        subscription__subscriber_id=subscriber_id, state=DeliveryState.HELD, created_at__lte=now
    )
    if not Delivery.objects.filter(pk__in=list(held.values_list("pk", flat=True)), state=DeliveryState.HELD).update(
        state=DeliveryState.SENDING, claimed_at=claimed_at, attempts=F("attempts") + 1
    ):
        return 0
    mine = Delivery.objects.filter(
        subscription__subscriber_id=subscriber_id, state=DeliveryState.SENDING, claimed_at=claimed_at
    )
    items = list(mine.select_related("subscription__subscriber").order_by("created_at", "pk"))
    if not items:
        return 0
    subscriber = items[0].subscription.subscriber
    topics = sorted({d.subscription.topic for d in items})
    body = render_to_string("subscriptions/parts/digest.txt", _mail_context(items=items, day=day, count=len(items)))
    message_id = f"<digest.{subscriber_id}.{day.isoformat()}@{settings.ACSS_MESSAGE_ID_DOMAIN}>"
    subject = ngettext(
        "[ACSS] Résumé du jour — %(n)s nouveauté", "[ACSS] Résumé du jour — %(n)s nouveautés", len(items)
    ) % {"n": len(items)}
    ids = [d.pk for d in items]
    try:
        _message(
            subscriber=subscriber,
            topic=topics[0] if len(topics) == 1 else tokens.ALL_TOPICS,
            subject=subject,
            body=body,
            message_id=message_id,
            conn=conn,
        ).send()
    except Exception as exc:  # noqa: BLE001 - held again, for tomorrow's digest
        Delivery.objects.filter(pk__in=ids, state=DeliveryState.SENDING).update(
            state=DeliveryState.HELD, last_error=str(exc)[:300]
        )
        logger.warning("résumé de l'abonné %s : échec (%s)", subscriber_id, exc)
        return 0
    Delivery.objects.filter(pk__in=ids).update(state=DeliveryState.SENT, sent_at=timezone.now(), last_error="")
    return 1


# --- the retention of personal data ------------------------------------------------------------------------


@transaction.atomic
def subscribers_purge_unconfirmed(*, now: datetime) -> int:
    """Delete the addresses never confirmed within seven days of their request."""
    deleted, _detail = Subscriber.objects.filter(
        confirmed_at__isnull=True, user__isnull=True, created_at__lt=now - UNCONFIRMED_KEPT
    ).delete()
    if deleted:
        audit_record(
            action="subscription.purged_unconfirmed", object_type="subscriptions.subscriber", data={"rows": deleted}
        )
    return deleted


@transaction.atomic
def deliveries_purge_old(*, now: datetime) -> int:
    """Delete the deliveries older than a year (sent or not)."""
    deleted, _detail = Delivery.objects.filter(created_at__lt=now - DELIVERIES_KEPT).delete()
    if deleted:
        audit_record(
            action="subscription.purged_deliveries", object_type="subscriptions.delivery", data={"rows": deleted}
        )
    return deleted


def purge_due(*, now: datetime | None = None) -> dict[str, int]:
    """The daily purge, once a day whatever the number of schedulers."""
    now = now or timezone.now()
    run = daily_run_claim(name="purge", day=now.astimezone(PARIS).date(), now=now)
    if run is None:
        return {}
    result = {
        "subscribers": subscribers_purge_unconfirmed(now=now),
        "deliveries": deliveries_purge_old(now=now),
    }
    daily_run_finish(run)
    return result
