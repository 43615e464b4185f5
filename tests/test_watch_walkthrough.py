"""The published watch from end to end, through HTTP: an analyst writes an alert from a matched medical-device
advisory (CSAF, ICSMA series), a second analyst approves it; it is on the public page, in the RSS and Atom feeds,
in the public JSON and as a valid CSAF document; the hospital whose inventory lists the product is told by
e-mail (with a one-click unsubscribe), sees the alert in « Mon espace » and marks it « traité »; the analyst sees
the count change; a subscriber of « Alertes de sécurité » is told too; the next morning's bulletin carries it.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import feedparser
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from acss.alerts.models import Alert, AlertConcern, AlertState, ConcernStatus
from acss.alerts.services.publication import bulletin_send_due
from acss.inventories.models import InventoryItem
from acss.subscriptions.models import Subscriber, Subscription
from acss.subscriptions.services import deliveries_send_pending
from acss.veille.models import Triage, WatchedProduct
from acss.veille.services import veille_import

from .alerts_helpers import second_analyst
from .conftest import login
from .test_alerts_public import failures
from .test_emails import assert_well_written

ADVISORY = Path(__file__).resolve().parent.parent / "acss" / "veille" / "demo_advisories" / "icsma-20-317-01.json"


def client_of(user):
    from django.test import Client

    return login(Client(), user)


@pytest.fixture
def alaris(world) -> WatchedProduct:
    """The BD Alaris advisory imported and matched as any import; hospital A's inventory lists BD Alaris."""
    veille_import(paths=[str(ADVISORY)])
    product = WatchedProduct.objects.get(vendor__name="BD", name="Alaris")
    InventoryItem.objects.create(
        structure=world.structure_a,
        vendor="BD",
        product="Alaris",
        version="12.1.0",
        watched_product=product,
        match_confirmed=True,
        source="typed",
        created_by=world.personas["declarant_a"],
    )
    now = timezone.now()
    visitor = Subscriber.objects.create(email="visiteur@example.test", created_at=now, confirmed_at=now)
    Subscription.objects.create(
        subscriber=visitor, topic="alertes", frequency="immediate", created_at=now, updated_at=now
    )
    Subscription.objects.create(
        subscriber=visitor, topic="bulletin", frequency="immediate", created_at=now, updated_at=now
    )
    return product


def test_from_a_matched_advisory_to_the_hospital_that_runs_the_product(
    world, alaris, django_capture_on_commit_callbacks
):
    first, second = world.personas["analyst"], second_analyst()
    c1, c2 = client_of(first), client_of(second)

    # The advisory is in the triage queue with the match's reasons.
    triage = Triage.objects.get(advisory__tracking_id="ICSMA-20-317-01")
    queue = c1.get(reverse("veille:triage")).content.decode()
    assert "ICSMA-20-317-01" in queue

    # The analyst starts an alert from it: prefilled from the advisory.
    response = c1.post(reverse("alerts:cell_new"), {"items": [triage.pk]})
    alert = Alert.objects.get()
    assert response.status_code == 302
    assert alaris in alert.watched_products.all()
    assert alert.cves and all(c.startswith("CVE-") for c in alert.cves)
    edit = c1.get(reverse("alerts:cell_edit", args=[alert.pk]))
    data = {
        name: ("\n".join(value) if isinstance(value, list) and name != "watched_products" else value)
        for name, value in edit.context["form"].initial.items()
        if value is not None
    }
    data.update(
        title="Pompes à perfusion BD Alaris : des failles permettent de modifier les réglages",
        summary="Des failles touchent les pompes à perfusion BD Alaris. Un pirate sur le réseau peut changer leurs réglages.",
        who="Les services qui utilisent des pompes BD Alaris et leur logiciel de gestion.",
        actions="Appliquez la mise à jour du fabricant. Isolez les pompes du reste du réseau.",
        severity="elevee",
    )
    data["watched_products"] = [str(alaris.pk)]
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    assert c1.post(reverse("alerts:cell_edit", args=[alert.pk]), data).status_code == 302
    assert c1.post(reverse("alerts:cell_submit", args=[alert.pk])).status_code == 302

    # Nothing is public before the second analyst approves.
    alert.refresh_from_db()
    assert alert.state == AlertState.SUBMITTED
    assert world.client("anonymous").get(reverse("alerts:alert_list")).content.decode().count("BD Alaris") == 0

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert c2.post(reverse("alerts:cell_approve", args=[alert.pk])).status_code == 302
    alert.refresh_from_db()
    assert alert.state == AlertState.PUBLISHED and alert.reference

    # Public: the page, the feeds, the JSON, the CSAF document.
    public = world.client("anonymous")
    page = public.get(reverse("alerts:alert_detail", args=[alert.reference]))
    assert page.status_code == 200 and "Appliquez la mise à jour du fabricant." in page.content.decode()
    for name in ("alerts:feed_rss", "alerts:feed_atom"):
        feed = feedparser.parse(public.get(reverse(name)).content)
        assert [entry.title for entry in feed.entries if alert.reference in entry.title]
    listing = json.loads(public.get(reverse("alerts:api_alert_list")).content)
    assert alert.reference in json.dumps(listing)
    document = json.loads(
        public.get(
            reverse("alerts:csaf_document", args=[alert.published_at.year, f"{alert.reference.lower()}.json"])
        ).content
    )
    assert document["document"]["tracking"]["id"] == alert.reference
    assert failures(document) == []

    # The hospital whose inventory lists the product is concerned; its people and the subscriber are told.
    concern = AlertConcern.objects.get(alert=alert)
    assert concern.structure == world.structure_a and concern.status == ConcernStatus.TO_HANDLE
    assert not AlertConcern.objects.filter(alert=alert, structure=world.structure_b).exists()
    deliveries_send_pending()
    told = {address for message in mail.outbox for address in message.to}
    assert world.personas["declarant_a"].email in told
    assert world.personas["declarant_b"].email not in told
    assert "visiteur@example.test" in told
    to_a = next(m for m in mail.outbox if world.personas["declarant_a"].email in m.to)
    assert alert.reference in to_a.subject and "Votre structure est concernée" in to_a.subject
    assert_well_written(to_a)  # the platform's greeting and signature, the unsubscribe line before the signature
    assert to_a.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/abonnements/desabonnement/" in to_a.extra_headers["List-Unsubscribe"]

    # « Mon espace »: the alert, marked « traité »; the analyst's count changes.
    counts_url = reverse("alerts:concern_counts", args=[alert.pk])
    assert c1.get(counts_url).context["counts"].acted == 0
    hospital = world.client("declarant_a")
    assert alert.reference in hospital.get(reverse("portal:dashboard")).content.decode()
    status_url = reverse("alerts:concern_status", args=[world.structure_a.pk, alert.pk])
    assert hospital.post(status_url, {"status": "traite"}).status_code == 302
    assert c1.get(counts_url).context["counts"].acted == 1

    # The next morning's bulletin carries it (and no bulletin for an empty day).
    mail.outbox.clear()
    tomorrow_morning = timezone.localtime(alert.published_at).replace(hour=8) + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert bulletin_send_due(now=tomorrow_morning) == 1
        assert bulletin_send_due(now=tomorrow_morning) == 0  # once a day
    deliveries_send_pending()
    bulletin = [m for m in mail.outbox if "visiteur@example.test" in m.to]
    assert len(bulletin) == 1 and alert.reference in bulletin[0].body
    with django_capture_on_commit_callbacks(execute=True):
        assert bulletin_send_due(now=tomorrow_morning + timedelta(days=5)) == 0


def test_a_withdrawal_is_told_to_those_told_of_the_alert(world, alaris, django_capture_on_commit_callbacks):
    from acss.alerts.services.editorial import alert_approve, alert_create_from_items, alert_submit, alert_withdraw

    first, second = world.personas["analyst"], second_analyst()
    triage = Triage.objects.get(advisory__tracking_id="ICSMA-20-317-01")
    with django_capture_on_commit_callbacks(execute=True):
        alert = alert_create_from_items(by=first, vulnerability_ids=[], advisory_ids=[triage.advisory_id])
        Alert.objects.filter(pk=alert.pk).update(summary="Une faille.", who="Les hôpitaux.", actions="Mettez à jour.")
        alert.refresh_from_db()
        alert_submit(by=first, alert=alert)
        alert_approve(by=second, alert=alert)
    deliveries_send_pending()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        alert_withdraw(by=first, alert=Alert.objects.get(pk=alert.pk), reason="Le fabricant a corrigé l'avis.")
    deliveries_send_pending()
    subjects = {m.subject for m in mail.outbox}
    assert any("Alerte retirée" in s for s in subjects)
    assert {a for m in mail.outbox for a in m.to} >= {world.personas["declarant_a"].email, "visiteur@example.test"}


def test_a_product_added_after_the_alert_shows_it_within_the_hour(world, alaris, django_capture_on_commit_callbacks):
    from acss.alerts.services.editorial import alert_approve, alert_create_from_items, alert_submit
    from acss.alerts.services.publication import concerns_refresh_due

    first, second = world.personas["analyst"], second_analyst()
    triage = Triage.objects.get(advisory__tracking_id="ICSMA-20-317-01")
    with django_capture_on_commit_callbacks(execute=True):
        alert = alert_create_from_items(by=first, vulnerability_ids=[], advisory_ids=[triage.advisory_id])
        Alert.objects.filter(pk=alert.pk).update(summary="Une faille.", who="Les hôpitaux.", actions="Mettez à jour.")
        alert.refresh_from_db()
        alert_submit(by=first, alert=alert)
        alert_approve(by=second, alert=alert)
    assert list(AlertConcern.objects.values_list("structure_id", flat=True)) == [world.structure_a.pk]
    InventoryItem.objects.create(
        structure=world.structure_b,
        vendor="BD",
        product="Alaris",
        watched_product=alaris,
        match_confirmed=True,
        source="typed",
        created_by=world.personas["declarant_b"],
    )
    now = timezone.now()
    assert concerns_refresh_due(now=now) == 1
    assert concerns_refresh_due(now=now) == 0  # once an hour
    assert AlertConcern.objects.filter(alert=alert, structure=world.structure_b).exists()
