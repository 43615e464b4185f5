"""The signed links of the e-mails: confirming a subscription, unsubscribing.

A token is ``<subscriber id>.<django.core.signing value>``; the signature's salt includes the subscriber's
``secret``, so that rotating it revokes every link already sent. Confirmation links carry the topics asked for
and expire after ``CONFIRM_MAX_AGE``; unsubscribe links do not expire (they sit in old e-mails' headers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core import signing

from .models import Subscriber

CONFIRM_MAX_AGE = timedelta(days=7)
CONFIRM_SALT = "acss.subscriptions.confirm"
UNSUBSCRIBE_SALT = "acss.subscriptions.unsubscribe"
ALL_TOPICS = "*"


class BadToken(Exception):  # noqa: N818 - an expected outcome, not a bug
    """The link is malformed, forged, revoked or expired."""


@dataclass(frozen=True)
class Decoded:
    subscriber: Subscriber
    payload: dict


def _salt(base: str, subscriber: Subscriber) -> str:
    return f"{base}:{subscriber.secret}"


def make(subscriber: Subscriber, base: str, payload: dict) -> str:
    return f"{subscriber.pk}.{signing.dumps(payload, salt=_salt(base, subscriber))}"


def read(token: str, base: str, *, max_age: timedelta | None = None) -> Decoded:
    pk, _, signed = token.partition(".")
    if not pk.isdigit() or not signed:
        raise BadToken
    subscriber = Subscriber.objects.filter(pk=int(pk)).first()
    if subscriber is None:
        raise BadToken
    try:
        payload = signing.loads(signed, salt=_salt(base, subscriber), max_age=max_age)
    except signing.BadSignature as exc:  # SignatureExpired is one
        raise BadToken from exc
    if not isinstance(payload, dict):
        raise BadToken
    return Decoded(subscriber, payload)


def confirm_token(subscriber: Subscriber, topics: list[str]) -> str:
    return make(subscriber, CONFIRM_SALT, {"topics": sorted(topics)})


def unsubscribe_token(subscriber: Subscriber, topic: str = ALL_TOPICS) -> str:
    return make(subscriber, UNSUBSCRIBE_SALT, {"topic": topic})
