"""What people asked to receive by e-mail, and the outbox of what is sent to them.

- ``Subscriber``: an address (lower-cased, unique), confirmed by double opt-in for a visitor, confirmed at once
  for a person with an account (their account's address); ``secret`` salts their links' signatures (rotating it
  revokes every link sent).
- ``Subscription``: a subscriber's choice for one topic (``Topic``), at a ``Frequency``.
  **The default**: a person of a structure receives ``STRUCTURE_ALERTS`` « Dès la publication » without any row;
  the absence of a row means that default. ``deliveries_enqueue`` writes the row, with the default, the first
  time it has a delivery to hang on it; the preferences page writes it when the person chooses. For the other
  topics the absence of a row means « Aucun envoi ».
- ``Delivery``: one e-mail for one subscription (an outbox), unique per (subscription, key) so that enqueueing
  twice is harmless; its Message-ID is fixed when it is created. ``held`` ones wait for the daily digest.
- ``DailyRun``: one row per daily task and day (the digest, the purge), so that several schedulers run it once.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def new_secret() -> str:
    return secrets.token_hex(16)


class Topic(models.TextChoices):
    ALERTS = "alertes", _("Alertes de sécurité")
    BULLETIN = "bulletin", _("Bulletin quotidien")
    STRUCTURE_ALERTS = "alertes-structure", _("Alertes concernant ma structure")


TOPIC_HELP = {
    Topic.ALERTS: _("Chaque alerte publiée par la cellule ACSS."),
    Topic.BULLETIN: _("Les alertes et actualités du jour."),
    Topic.STRUCTURE_ALERTS: _("Les alertes qui concernent ce que votre structure utilise."),
}

# What a visitor may ask for (the alerts about a structure need an account of that structure), and how often.
PUBLIC_TOPICS = (Topic.ALERTS, Topic.BULLETIN)


class Frequency(models.TextChoices):
    IMMEDIATE = "immediate", _("Dès la publication")
    DAILY = "daily", _("Un résumé par jour")
    NONE = "none", _("Aucun envoi")


# What a visitor's confirmed subscription starts at, per topic; and the default without a row.
PUBLIC_FREQUENCY = {Topic.ALERTS: Frequency.IMMEDIATE, Topic.BULLETIN: Frequency.DAILY}
DEFAULT_FREQUENCY = {Topic.STRUCTURE_ALERTS: Frequency.IMMEDIATE}


class Subscriber(models.Model):
    email = models.EmailField(_("adresse électronique"), max_length=254, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="subscribers",
        verbose_name=_("compte"),
    )
    confirmed_at = models.DateTimeField(_("confirmé le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"))
    secret = models.CharField(max_length=64, default=new_secret)

    class Meta:
        verbose_name = _("abonné")
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(user__isnull=False), name="one_subscriber_per_user"
            ),
            models.CheckConstraint(condition=models.Q(email=models.functions.Lower("email")), name="email_lower"),
        ]

    def __str__(self) -> str:
        return self.email


class Subscription(models.Model):
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="subscriptions")
    topic = models.CharField(_("thème"), max_length=20, choices=Topic.choices)
    frequency = models.CharField(_("fréquence"), max_length=10, choices=Frequency.choices)
    created_at = models.DateTimeField(_("créé le"))
    updated_at = models.DateTimeField(_("modifié le"))

    class Meta:
        verbose_name = _("abonnement")
        constraints = [models.UniqueConstraint(fields=["subscriber", "topic"], name="one_subscription_per_topic")]

    def __str__(self) -> str:
        return f"{self.subscriber} — {self.get_topic_display()} ({self.get_frequency_display()})"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("à envoyer")
    SENDING = "sending", _("en cours d'envoi")
    SENT = "sent", _("envoyé")
    FAILED = "failed", _("échec")
    HELD = "held", _("réservé pour le résumé du jour")


class Delivery(models.Model):
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    key = models.CharField(_("clé"), max_length=200)
    subject = models.CharField(_("objet"), max_length=300)
    body = models.TextField(_("texte"))
    state = models.CharField(_("état"), max_length=10, choices=DeliveryState.choices)
    created_at = models.DateTimeField(_("créé le"))
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True, default="")
    message_id = models.CharField(max_length=300)

    class Meta:
        verbose_name = _("envoi")
        constraints = [models.UniqueConstraint(fields=["subscription", "key"], name="one_delivery_per_key")]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="delivery_state_due")]

    def __str__(self) -> str:
        return f"{self.key} → {self.subscription_id} ({self.state})"


class DailyRun(models.Model):
    name = models.CharField(max_length=40)
    day = models.DateField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "day"], name="one_daily_run")]
