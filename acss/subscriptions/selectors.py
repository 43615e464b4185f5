"""The reads of the subscriptions."""

from __future__ import annotations

from .models import DEFAULT_FREQUENCY, Frequency, Subscription


def preferences_for(*, user, topics: list[str]) -> dict[str, str]:
    """How often ``user`` receives each of ``topics``: their choice, else the default (« Dès la publication »
    for the alerts of their structure, « Aucun envoi » for the others)."""
    chosen = dict(
        Subscription.objects.filter(subscriber__user=user, topic__in=topics).values_list("topic", "frequency")
    )
    return {t: chosen.get(t) or str(DEFAULT_FREQUENCY.get(t, Frequency.NONE)) for t in topics}
