"""The published watch of the demonstration, on top of the watch's demo advisories (``acss.veille.demo``):

- the CHU Démo Paris's inventory: BD Alaris and OFFIS DCMTK picked from the watch-list, and two products typed;
- a visitor subscribed to « Alertes de sécurité » and to the « Bulletin quotidien » (confirmed);
- an alert on OFFIS DCMTK written by the first demo analyst and approved by the second: published, the CHU
  concerned (its « Mon espace » shows it), e-mails in the outbox.

The BD Alaris advisory stays in the triage queue: the demonstration's path is to write an alert from it, have
the other analyst approve it, and see the CHU told. Idempotent: loading twice changes nothing.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from acss.accounts.models import Structure, User
from acss.inventories.models import InventoryItem
from acss.inventories.services import inventory_add_typed, inventory_add_watched
from acss.subscriptions.models import Frequency, Subscriber, Subscription, Topic
from acss.veille.models import Advisory, WatchedProduct

from .models import Alert
from .services.editorial import alert_approve, alert_create_from_items, alert_submit, alert_update

DEMO_SUBSCRIBER = "abonne@demo.example.fr"
DCMTK_ADVISORY = "ICSMA-22-174-01"

PLAIN = {
    "title": "Logiciel d'imagerie DCMTK : des failles permettent de prendre la main sur un serveur d'images",
    "summary": (
        "Des failles touchent DCMTK, un logiciel qui échange des images médicales. "
        "Un pirate peut lire ou écrire des fichiers sur le serveur."
    ),
    "who": "Les services d'imagerie et les laboratoires qui utilisent DCMTK ou un produit construit avec lui.",
    "actions": (
        "Installez la version 3.6.7 ou plus récente. Demandez à votre fournisseur d'imagerie si ses produits "
        "contiennent DCMTK. Ne laissez pas le serveur d'images joignable depuis Internet."
    ),
}


def _inventory(structure: Structure, by: User) -> None:
    for vendor, product in (("BD", "Alaris"), ("OFFIS", "DCMTK")):
        watched = WatchedProduct.objects.filter(vendor__name=vendor, name=product).first()
        if watched is not None:
            inventory_add_watched(by=by, structure=structure, watched_product=watched, version="")
    for vendor, product, version in (("Microsoft", "Exchange Server", "2019"), ("Fortinet", "FortiGate", "7.2")):
        if not InventoryItem.objects.filter(structure=structure, vendor=vendor, product=product).exists():
            inventory_add_typed(by=by, structure=structure, vendor=vendor, product=product, version=version)


def _subscriber() -> None:
    now = timezone.now()
    subscriber, _ = Subscriber.objects.get_or_create(
        email=DEMO_SUBSCRIBER, defaults={"created_at": now, "confirmed_at": now}
    )
    for topic in (Topic.ALERTS, Topic.BULLETIN):
        Subscription.objects.get_or_create(
            subscriber=subscriber,
            topic=topic,
            defaults={"frequency": Frequency.IMMEDIATE, "created_at": now, "updated_at": now},
        )


def _published_alert(analyst: User, second_analyst: User) -> None:
    advisory = Advisory.objects.filter(tracking_id=DCMTK_ADVISORY).first()
    if advisory is None or advisory.alerts.exists():
        return
    alert = alert_create_from_items(by=analyst, advisory_ids=[advisory.pk])
    alert = alert_update(by=analyst, alert=alert, values=PLAIN)
    alert = alert_submit(by=analyst, alert=Alert.objects.get(pk=alert.pk))
    alert_approve(by=second_analyst, alert=Alert.objects.get(pk=alert.pk))


@transaction.atomic
def load_demo_alerts(*, structure: Structure, manager: User, analyst: User, second_analyst: User) -> None:
    _inventory(structure, manager)
    _subscriber()
    _published_alert(analyst, second_analyst)
