"""Subscriptions: double opt-in, one-click unsubscribe (RFC 8058), preferences, the outbox and its digest, the
purge of personal data."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from acss.accounts.models import Role
from acss.subscriptions import tokens
from acss.subscriptions.models import (
    DailyRun,
    Delivery,
    DeliveryState,
    Frequency,
    Subscriber,
    Subscription,
    Topic,
)
from acss.subscriptions.panels import subscriptions_shortcut
from acss.subscriptions.services import (
    deliveries_enqueue,
    deliveries_purge_old,
    digests_send_due,
    preference_set,
    subscribers_purge_unconfirmed,
)
from acss.subscriptions.tasks import SCHEDULED_TASKS, deliveries_send, digests_send, subscriptions_purge

from .conftest import PARIS, make_structure, make_user

pytestmark = pytest.mark.django_db


_capture = []


@pytest.fixture(autouse=True)
def _run_on_commit(django_capture_on_commit_callbacks):
    """What is enqueued after the commit runs when the helpers below finish (the test's transaction never
    commits)."""
    _capture[:] = [django_capture_on_commit_callbacks]
    yield
    _capture.clear()


def committed():
    return _capture[0](execute=True)


def enqueue(**kwargs) -> int:
    with committed():
        return deliveries_enqueue(**kwargs)


def link_in(message) -> str:
    return re.search(r"http://[^\s]+/abonnements/[^\s]+/", message.body).group(0).replace("http://127.0.0.1:8000", "")


def subscribe(client: Client, email: str, topics: list[str]):
    with committed():
        return client.post(reverse("subscriptions:subscribe"), {"email": email, "topics": topics})


def confirmed_visitor(email: str = "lecteur@example.test", topics=(Topic.ALERTS,)) -> Subscriber:
    client = Client()
    subscribe(client, email, list(topics))
    with committed():
        client.post(link_in(mail.outbox[-1]))
    return Subscriber.objects.get(email=email)


# --- double opt-in ------------------------------------------------------------------------------------------


def test_double_opt_in_sends_nothing_but_the_confirmation_until_confirmed():
    client = Client()
    page = client.get(reverse("subscriptions:subscribe"))
    assert page.status_code == 200
    assert "confirmer" in page.content.decode()
    response = subscribe(client, "Lecteur@Example.test", [Topic.ALERTS, Topic.BULLETIN])
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["lecteur@example.test"]
    subscriber = Subscriber.objects.get(email="lecteur@example.test")
    assert subscriber.confirmed_at is None
    assert not Subscription.objects.exists()

    # An alert published now reaches nobody: the address is not confirmed.
    assert enqueue(key="alert:1", topic=Topic.ALERTS, subject="Alerte", body="Texte") == 0
    assert len(mail.outbox) == 1

    # A link scanner opening the link confirms nothing.
    confirm_path = link_in(mail.outbox[0])
    page = client.get(confirm_path)
    assert page.status_code == 200
    assert "lecteur@example.test" in page.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.confirmed_at is None

    # The POST of the button does (CSRF checked: a real browser has the token from the page).
    csrf_client = Client(enforce_csrf_checks=True)
    page = csrf_client.get(confirm_path)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    assert csrf_client.post(confirm_path, {"csrfmiddlewaretoken": token}).status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.confirmed_at is not None
    assert dict(subscriber.subscriptions.values_list("topic", "frequency")) == {
        Topic.ALERTS: Frequency.IMMEDIATE,
        Topic.BULLETIN: Frequency.DAILY,
    }
    assert enqueue(key="alert:2", topic=Topic.ALERTS, subject="Alerte 2", body="Texte") == 1
    assert mail.outbox[-1].subject == "Alerte 2"


def test_a_confirmed_address_gets_the_same_page_and_a_neutral_message():
    confirmed_visitor("connu@example.test")
    first = subscribe(Client(), "connu@example.test", [Topic.BULLETIN])
    second = subscribe(Client(), "inconnu@example.test", [Topic.BULLETIN])
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    known, unknown = mail.outbox[-2], mail.outbox[-1]
    assert "déjà abonnée" in known.body
    assert "déjà abonnée" not in unknown.body


def test_a_confirmation_link_expires_after_seven_days_and_a_forged_one_is_refused(settings):
    subscribe(Client(), "tard@example.test", [Topic.ALERTS])
    path = link_in(mail.outbox[0])
    later = timezone.now() + timedelta(days=8)
    from unittest import mock

    with mock.patch("django.core.signing.time.time", return_value=later.timestamp()):
        assert Client().post(path).status_code == 404
    assert Subscriber.objects.get(email="tard@example.test").confirmed_at is None
    assert Client().get(path[:-3] + "xx/").status_code == 404


def test_the_form_needs_an_address_and_a_topic():
    response = subscribe(Client(), "pas-une-adresse", [])
    assert response.status_code == 200
    html = response.content.decode()
    assert "Indiquez une adresse électronique valide" in html
    assert "Choisissez au moins un envoi." in html
    assert not Subscriber.objects.exists()
    assert mail.outbox == []


# --- unsubscribe ---------------------------------------------------------------------------------------------


def test_one_click_unsubscribe_without_login_nor_csrf():
    subscriber = confirmed_visitor("parti@example.test", topics=(Topic.ALERTS, Topic.BULLETIN))
    path = reverse("subscriptions:unsubscribe", args=[tokens.unsubscribe_token(subscriber, Topic.ALERTS)])
    client = Client(enforce_csrf_checks=True)
    # GET only shows the button.
    assert client.get(path).status_code == 200
    assert subscriber.subscriptions.get(topic=Topic.ALERTS).frequency == Frequency.IMMEDIATE
    # The RFC 8058 POST of a mail client: no session, no CSRF token.
    response = client.post(path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert subscriber.subscriptions.get(topic=Topic.ALERTS).frequency == Frequency.NONE
    # Only that subscription changed.
    assert subscriber.subscriptions.get(topic=Topic.BULLETIN).frequency == Frequency.DAILY
    assert enqueue(key="alert:9", topic=Topic.ALERTS, subject="A", body="B") == 0


def test_unsubscribing_from_everything_forgets_a_visitor():
    subscriber = confirmed_visitor("oubli@example.test")
    path = reverse("subscriptions:unsubscribe", args=[tokens.unsubscribe_token(subscriber)])
    assert Client().post(path).status_code == 200
    assert not Subscriber.objects.filter(email="oubli@example.test").exists()


def test_rotating_the_secret_revokes_the_links():
    subscriber = confirmed_visitor("tourne@example.test")
    path = reverse("subscriptions:unsubscribe", args=[tokens.unsubscribe_token(subscriber)])
    subscriber.secret = "autre"
    subscriber.save()
    assert Client().post(path).status_code == 404
    assert subscriber.subscriptions.get().frequency == Frequency.IMMEDIATE


# --- the e-mails of the outbox ---------------------------------------------------------------------------------


def test_a_delivery_carries_the_one_click_headers_and_its_fixed_message_id():
    subscriber = confirmed_visitor()
    mail.outbox.clear()
    assert enqueue(key="alert:ACSS-ALE-2026-0001", topic=Topic.ALERTS, subject="Alerte", body="Corps") == 1
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.SENT
    assert delivery.sent_at is not None
    [message] = mail.outbox
    assert message.extra_headers["Message-ID"] == delivery.message_id
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert re.fullmatch(r"<https?://[^>]+/abonnements/desabonnement/[^/>]+/>", unsubscribe)
    parsed = message.message()
    assert parsed["List-Unsubscribe"] == unsubscribe
    assert "Corps" in message.body
    assert unsubscribe[1:-1] in message.body
    # The link of the header unsubscribes from that topic, by one POST.
    path = unsubscribe[1:-1].split("8000", 1)[1]
    assert Client(enforce_csrf_checks=True).post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    # It was this visitor's only subscription: the address is forgotten.
    assert not Subscriber.objects.filter(pk=subscriber.pk).exists()


def test_a_failed_send_is_retried_then_recorded_failed(monkeypatch):
    confirmed_visitor()
    mail.outbox.clear()

    def broken(self, fail_silently=False):
        raise OSError("serveur injoignable")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken)
    enqueue(key="alert:3", topic=Topic.ALERTS, subject="A", body="B")
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.PENDING
    assert delivery.attempts == 1
    assert delivery.next_attempt_at > timezone.now()
    monkeypatch.undo()
    Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    deliveries_send.enqueue()
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT
    assert delivery.attempts == 2
    assert len(mail.outbox) == 1


def test_deliveries_enqueue_is_idempotent_by_key():
    confirmed_visitor("un@example.test")
    confirmed_visitor("deux@example.test")
    mail.outbox.clear()
    assert enqueue(key="alert:7", topic=Topic.ALERTS, subject="A", body="B") == 2
    assert enqueue(key="alert:7", topic=Topic.ALERTS, subject="A", body="B") == 0
    assert Delivery.objects.count() == 2
    assert len(mail.outbox) == 2
    assert len(set(Delivery.objects.values_list("message_id", flat=True))) == 2


def _people(count: int, structure) -> list[int]:
    return [make_user(f"p{i}-{count}@{structure.pk}.test", (structure, Role.DECLARANT)).pk for i in range(count)]


@pytest.mark.parametrize("count", [10, 200])
def test_deliveries_enqueue_takes_a_constant_number_of_queries(count, django_assert_max_num_queries, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": []}}
    structure = make_structure(f"Hôpital {count}", "75", "7500009")
    ids = _people(count, structure)
    # For people of a structure, nobody chose: the default « Dès la publication » applies.
    with django_assert_max_num_queries(14):  # the same bound for 10 and for 200 people
        created = deliveries_enqueue(
            key="alert:S", topic=Topic.STRUCTURE_ALERTS, subject="Votre structure", body="…", user_ids=ids
        )
    assert created == count
    assert Delivery.objects.filter(state=DeliveryState.PENDING).count() == count
    # Visitors: every confirmed subscriber of the topic.
    now = timezone.now()
    subscribers = Subscriber.objects.bulk_create(
        Subscriber(email=f"v{i}@example.test", created_at=now, confirmed_at=now) for i in range(count)
    )
    Subscription.objects.bulk_create(
        Subscription(subscriber=s, topic=Topic.ALERTS, frequency=Frequency.IMMEDIATE, created_at=now, updated_at=now)
        for s in subscribers
    )
    with django_assert_max_num_queries(10):
        assert deliveries_enqueue(key="alert:T", topic=Topic.ALERTS, subject="Alerte", body="…") == count


def test_people_follow_their_preference_and_a_queryset_works(world):
    from acss.accounts.models import User

    a, manager = world.personas["declarant_a"], world.personas["manager_a"]
    preference_set(by=manager, topic=Topic.STRUCTURE_ALERTS, frequency=Frequency.NONE)
    preference_set(by=a, topic=Topic.STRUCTURE_ALERTS, frequency=Frequency.DAILY)
    people = User.objects.filter(pk__in=[a.pk, manager.pk, world.personas["group_officer"].pk])
    mail.outbox.clear()
    assert enqueue(key="k", topic=Topic.STRUCTURE_ALERTS, subject="S", body="B", user_ids=people) == 2
    states = dict(Delivery.objects.values_list("subscription__subscriber__user_id", "state"))
    assert states == {a.pk: DeliveryState.HELD, world.personas["group_officer"].pk: DeliveryState.SENT}
    assert [m.to for m in mail.outbox] == [["rssi@ght.test"]]


def test_an_address_first_subscribed_as_a_visitor_becomes_the_persons(world):
    subscribe(Client(), "declarant@a.test", [Topic.ALERTS])
    mail.outbox.clear()
    a = world.personas["declarant_a"]
    assert enqueue(key="k2", topic=Topic.STRUCTURE_ALERTS, subject="S", body="B", user_ids=[a.pk]) == 1
    subscriber = Subscriber.objects.get(email="declarant@a.test")
    assert subscriber.user == a
    assert subscriber.confirmed_at is not None
    assert [m.to for m in mail.outbox] == [["declarant@a.test"]]


# --- the digest ---------------------------------------------------------------------------------------------


def _daily_subscriber() -> Subscriber:
    return confirmed_visitor("quotidien@example.test", topics=(Topic.BULLETIN,))


def test_no_digest_on_a_day_with_nothing_new():
    _daily_subscriber()
    mail.outbox.clear()
    assert digests_send_due(now=datetime(2026, 12, 1, 8, 0, tzinfo=PARIS)) == 0
    assert mail.outbox == []


def test_one_digest_combines_the_held_deliveries_once_a_day(settings):
    settings.ACSS_DIGEST_HOUR = 7
    subscriber = _daily_subscriber()
    mail.outbox.clear()
    enqueue(key="alert:1", topic=Topic.BULLETIN, subject="Première alerte", body="Texte un")
    enqueue(key="news:2", topic=Topic.BULLETIN, subject="Une actualité", body="Texte deux")
    assert Delivery.objects.filter(state=DeliveryState.HELD).count() == 2
    assert mail.outbox == []
    tomorrow = timezone.now().astimezone(PARIS) + timedelta(days=1)
    # Before the hour: nothing.
    assert digests_send_due(now=tomorrow.replace(hour=6, minute=59)) == 0
    assert mail.outbox == []
    at = tomorrow.replace(hour=7, minute=1)
    assert digests_send_due(now=at) == 1
    [message] = mail.outbox
    assert message.to == [subscriber.email]
    assert "Première alerte" in message.body and "Texte deux" in message.body
    assert "Le résumé du " in message.body and "2 nouveautés" in message.subject
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.SENT}
    # A second run the same day, even with something new, sends nothing more.
    enqueue(key="alert:3", topic=Topic.BULLETIN, subject="Troisième", body="…")
    assert digests_send_due(now=at + timedelta(hours=2)) == 0
    assert len(mail.outbox) == 1
    assert DailyRun.objects.filter(name="digest").count() == 1


# --- preferences -------------------------------------------------------------------------------------------


def test_preferences_through_http(world):
    client = world.client("declarant_a")
    page = client.get(reverse("subscriptions:preferences"))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="alertes-structure"' in html
    # The default for people of a structure: immediately, with no row.
    assert re.search(r'name="alertes-structure" value="immediate"[^>]*checked', html)
    response = client.post(
        reverse("subscriptions:preferences"),
        {"alertes": "immediate", "bulletin": "daily", "alertes-structure": "none"},
    )
    assert response.status_code == 302
    subscriber = Subscriber.objects.get(user=world.personas["declarant_a"])
    assert subscriber.email == "declarant@a.test"
    assert subscriber.confirmed_at is not None
    assert dict(subscriber.subscriptions.values_list("topic", "frequency")) == {
        "alertes": "immediate",
        "bulletin": "daily",
        "alertes-structure": "none",
    }
    # Staff of no structure are not offered the alerts of a structure.
    staff_page = world.client("analyst").get(reverse("subscriptions:preferences")).content.decode()
    assert 'name="alertes"' in staff_page
    assert 'name="alertes-structure"' not in staff_page
    assert Client().get(reverse("subscriptions:preferences")).status_code == 302


def test_the_shortcut_of_my_space(world):
    shortcut = subscriptions_shortcut(world.personas["declarant_a"])
    assert shortcut.label == "Mes abonnements"
    assert shortcut.url == reverse("subscriptions:preferences")


# --- personal data ------------------------------------------------------------------------------------------


def test_unconfirmed_addresses_are_purged_after_seven_days():
    subscribe(Client(), "jamais@example.test", [Topic.ALERTS])
    confirmed_visitor("oui@example.test")
    now = timezone.now()
    assert subscribers_purge_unconfirmed(now=now + timedelta(days=6)) == 0
    assert subscribers_purge_unconfirmed(now=now + timedelta(days=7, minutes=1)) == 1
    assert list(Subscriber.objects.values_list("email", flat=True)) == ["oui@example.test"]


def test_deliveries_are_purged_after_a_year_and_the_purge_runs_once_a_day():
    confirmed_visitor()
    enqueue(key="old", topic=Topic.ALERTS, subject="A", body="B")
    assert deliveries_purge_old(now=timezone.now() + timedelta(days=300)) == 0
    Delivery.objects.update(created_at=timezone.now() - timedelta(days=366))
    assert subscriptions_purge.enqueue().return_value == {"subscribers": 0, "deliveries": 1}
    assert subscriptions_purge.enqueue().return_value == {}
    assert {subscriptions_purge, digests_send, deliveries_send} <= set(SCHEDULED_TASKS)


def test_the_personal_data_page_tells_what_is_kept_about_subscribers():
    html = Client().get(reverse("core:personal_data")).content.decode()
    assert 'id="abonnements"' in html
    assert "abonné" in html
    assert "7 jours" in html
    assert "1 an" in html


def test_the_cell_reads_the_outbox_in_the_admin_without_changing_it(world):
    confirmed_visitor()
    enqueue(key="alert:A", topic=Topic.ALERTS, subject="A", body="B")
    client = world.client("admin")
    assert "lecteur@example.test" in client.get(reverse("admin:subscriptions_subscriber_changelist")).content.decode()
    assert "alert:A" in client.get(reverse("admin:subscriptions_delivery_changelist")).content.decode()
    delivery = Delivery.objects.get()
    page = client.get(reverse("admin:subscriptions_delivery_change", args=[delivery.pk])).content.decode()
    assert 'name="_save"' not in page


def test_a_rolled_back_publication_sends_nothing():
    confirmed_visitor()
    mail.outbox.clear()
    with committed():
        with pytest.raises(RuntimeError), transaction.atomic():
            deliveries_enqueue(key="alert:R", topic=Topic.ALERTS, subject="A", body="B")
            raise RuntimeError
    assert not Delivery.objects.exists()
    assert mail.outbox == []


def test_a_person_who_unsubscribes_does_not_fall_back_to_the_default(world):
    a = world.personas["declarant_a"]
    assert enqueue(key="s:1", topic=Topic.STRUCTURE_ALERTS, subject="S", body="B", user_ids=[a.pk]) == 1
    message = mail.outbox[-1]
    path = message.extra_headers["List-Unsubscribe"][1:-1].split("8000", 1)[1]
    assert Client().post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    subscriber = Subscriber.objects.get(user=a)  # an account holder is kept, at « Aucun envoi »
    assert subscriber.subscriptions.get(topic=Topic.STRUCTURE_ALERTS).frequency == Frequency.NONE
    assert enqueue(key="s:2", topic=Topic.STRUCTURE_ALERTS, subject="S", body="B", user_ids=[a.pk]) == 0
    page = world.client("declarant_a").get(reverse("subscriptions:preferences")).content.decode()
    assert re.search(r'name="alertes-structure" value="none"[^>]*checked', page)


def test_the_public_pages_need_no_script_and_no_inline_style():
    subscriber = confirmed_visitor()
    pages = [
        reverse("subscriptions:subscribe"),
        reverse("subscriptions:requested"),
        reverse("subscriptions:unsubscribe", args=[tokens.unsubscribe_token(subscriber, Topic.ALERTS)]),
        reverse("subscriptions:confirm", args=[tokens.confirm_token(subscriber, [Topic.BULLETIN])]),
    ]
    for path in pages:
        response = Client().get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert html.count("<h1") == 1, path
        assert not re.search(r"\sstyle\s*=|\son[a-z]+\s*=", html), path
        assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_a_queryset_of_another_model_s_user_ids_names_those_people(world):
    """``Membership.objects.values("user_id")`` is read as the people's ids, not as the memberships' own."""
    from acss.accounts.models import Membership
    from acss.subscriptions.models import Delivery, Topic
    from acss.subscriptions.services import deliveries_enqueue

    people = Membership.objects.filter(organisation=world.structure_a).values("user_id")
    expected = set(people.values_list("user__email", flat=True))
    deliveries_enqueue(key="test:memberships", topic=Topic.STRUCTURE_ALERTS, subject="s", body="b", user_ids=people)
    told = set(
        Delivery.objects.filter(key="test:memberships").values_list("subscription__subscriber__email", flat=True)
    )
    assert told == {e.lower() for e in expected}
