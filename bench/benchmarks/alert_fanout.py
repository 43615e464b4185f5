"""Publishing one alert to 10,000 structures with inventories of 20 products each, next to hand-written SQL doing
the same in the same run.

A timed benchmark (no HTTP): one Django process on a freshly migrated database builds the fleet (10,000
structures, one person each, 200,000 inventory items, every structure running the alert's product once among 19
others), then runs three interleaved rounds of:

- **the platform**: `acss.alerts.services.publication.alert_publication_fanout` — the structures concerned
  (`concerns_refresh`: an `AlertConcern` each, with the inventory lines as reasons), their people's default
  subscription written when missing, one delivery each in the outbox (`deliveries_enqueue`), the subscribers of
  « Alertes de sécurité » too, and the audit event;
- **the baseline**: the same rows written by hand-written SQL — one `INSERT … SELECT` joining the inventory to the
  alert's products for the concerns, then the subscribers, subscriptions and deliveries of the people of the
  concerned structures, each one `INSERT … SELECT`.

Between rounds the rows written are deleted. The number of queries of the platform's fan-out is counted for this
alert and for an alert that concerns 100 structures only: they must be equal (it does not grow with the number of
structures). Target: the platform at most 3 times the hand-written SQL.
"""

from __future__ import annotations

import json

from bench.benchmarks.own_database import OwnDatabase
from bench.benchmarks.submission import SETTINGS
from bench.registry import BenchContext, Benchmark, Measure, TimedResult, register

TARGET = 3.0
ROUNDS = 3
STRUCTURES = 10_000
ITEMS = 20

SCRIPT = r"""
import json, time
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from acss.accounts.models import Membership, MembershipStatus, Organisation, OrganisationKind, Role, Structure, User
from acss.alerts.models import Alert, AlertConcern, AlertRevision, AlertState
from acss.alerts.services.publication import alert_publication_fanout
from acss.core.models import Departement, StructureType
from acss.inventories.models import InventoryItem
from acss.subscriptions.models import Delivery, Subscriber, Subscription
from acss.veille.models import Family, WatchedProduct, WatchedVendor

N, ITEMS, ROUNDS = {structures}, {items}, {rounds}
now = timezone.now()
vendor, _ = WatchedVendor.objects.get_or_create(name="Bench", defaults={{"family": Family.HEALTH}})
products = [WatchedProduct.objects.get_or_create(vendor=vendor, name=f"P{{i}}", defaults={{"family": Family.HEALTH}})[0] for i in range(ITEMS + 1)]
target, rare = products[0], products[ITEMS]
dep, stype = Departement.objects.get(code="75"), StructureType.objects.order_by("pk").first()
author = User.objects.create(username="bench@acss.test", email="bench@acss.test")

with transaction.atomic():
    for i in range(N):
        Structure.objects.create(
            kind=OrganisationKind.STRUCTURE, name=f"Structure {{i}}", finess_ej=f"{{i:09d}}", finess_et=f"{{i + 500000000:09d}}",
            structure_type=stype, departement=dep,
        )
structure_ids = list(Structure.objects.order_by("pk").values_list("pk", flat=True))
User.objects.bulk_create([User(username=f"p{{i}}@bench.test", email=f"p{{i}}@bench.test") for i in range(N)], batch_size=2000)
users = list(User.objects.filter(email__endswith="@bench.test").order_by("pk").values_list("pk", flat=True))
Membership.objects.bulk_create(
    [Membership(user_id=u, organisation_id=s, role=Role.DECLARANT, status=MembershipStatus.ACTIVE) for u, s in zip(users, structure_ids)],
    batch_size=2000,
)
rows = []
for n, s in enumerate(structure_ids):
    for k in range(ITEMS):
        product = products[k] if not (k == ITEMS - 1 and n < 100) else rare  # 100 structures also run the rare one
        rows.append(InventoryItem(structure_id=s, vendor="Bench", product=product.name, name_key="bench|" + product.name.lower(), watched_product=product,
                                  match_confirmed=True, source="watchlist", created_at=now, created_by=author))
InventoryItem.objects.bulk_create(rows, batch_size=5000)


def alert(product, ref):
    a = Alert.objects.create(reference=ref, state=AlertState.PUBLISHED, title=ref, severity="elevee",
                             summary="En bref.", who="Qui.", actions="Que faire.", created_by=author, published_at=now)
    a.watched_products.set([product])
    return a


big, small = alert(target, "ACSS-ALE-2026-9001"), alert(rare, "ACSS-ALE-2026-9002")


def clear():
    Delivery.objects.all().delete()
    Subscription.objects.all().delete()
    Subscriber.objects.all().delete()
    AlertConcern.objects.all().delete()


def platform(revision):
    connection.queries_log.clear()  # a full log (the fleet's inserts) would hide the count
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        assert alert_publication_fanout(alert_id=big.pk, revision=revision)
    return time.perf_counter() - started, len(queries)


q = connection.ops.quote_name
HAND = [
    # the concerns: the structures whose inventory lists a product of the alert
    ("INSERT INTO alerts_alertconcern (alert_id, structure_id, reasons, status, created_at) "
     "SELECT %s, i.structure_id, '[]', 'a_traiter', %s FROM inventories_inventoryitem i "
     "JOIN alerts_alert_watched_products w ON w.watchedproduct_id = i.watched_product_id "
     "WHERE w.alert_id = %s AND i.match_confirmed GROUP BY i.structure_id", lambda r: [big.pk, now, big.pk]),
    # their people: a subscriber each
    ("INSERT INTO subscriptions_subscriber (email, user_id, confirmed_at, created_at, secret) "
     "SELECT lower(u.email), u.id, %s, %s, 's' || u.id FROM accounts_user u "
     "JOIN accounts_membership m ON m.user_id = u.id AND m.status = 'active' "
     "JOIN alerts_alertconcern c ON c.structure_id = m.organisation_id AND c.alert_id = %s", lambda r: [now, now, big.pk]),
    # their default subscription
    ("INSERT INTO subscriptions_subscription (subscriber_id, topic, frequency, created_at, updated_at) "
     "SELECT r.id, 'alertes-structure', 'immediate', %s, %s FROM subscriptions_subscriber r", lambda r: [now, now]),
    # one delivery each
    ("INSERT INTO subscriptions_delivery (subscription_id, key, subject, body, state, created_at, attempts, last_error, message_id) "
     "SELECT s.id, %s, 'Sujet', 'Corps', 'pending', %s, 0, '', '<' || s.id || '.bench@acss>' FROM subscriptions_subscription s",
     lambda r: [f"alert:hand:{{r}}", now]),
]


def hand(revision):
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for sql, params in HAND:
            cursor.execute(sql, params(revision))
    return time.perf_counter() - started


# Warm-up, unmeasured: templates, imports and caches loaded by a first fan-out.
assert alert_publication_fanout(alert_id=small.pk, revision=99)
clear()
ours, theirs, counts = [], [], []
for r in range(ROUNDS):
    clear()
    seconds = hand(r)
    assert AlertConcern.objects.count() == N and Delivery.objects.count() == N, (AlertConcern.objects.count(), Delivery.objects.count())
    theirs.append(seconds)
    clear()
    seconds, n = platform(r + 1)
    assert AlertConcern.objects.filter(alert=big).count() == N and Delivery.objects.count() == N
    ours.append(seconds)
    counts.append(n)
clear()
connection.queries_log.clear()
with CaptureQueriesContext(connection) as small_queries:
    assert alert_publication_fanout(alert_id=small.pk, revision=1)
assert AlertConcern.objects.filter(alert=small).count() == 100
print("BENCH-RESULT " + json.dumps({{"structures": N, "ours": ours, "theirs": theirs, "queries": counts, "queries_100": len(small_queries)}}))
"""


DATABASE = OwnDatabase("acss_bench_fanout")


def timed(ctx: BenchContext) -> TimedResult:
    script = SCRIPT.format(structures=STRUCTURES, items=ITEMS, rounds=ROUNDS)
    out = ctx.django(SETTINGS, "shell", "-c", script, env=DATABASE.env(ctx))
    line = next(line for line in out.splitlines() if line.startswith("BENCH-RESULT "))
    figures = json.loads(line.removeprefix("BENCH-RESULT "))
    n = figures["structures"]
    theirs = Measure(
        "hand-written SQL: concerns, subscribers, subscriptions, deliveries",
        n,
        min(figures["theirs"]),
        "structures",
        reference=True,
    )
    ours = Measure(
        "alert_publication_fanout (concerns_refresh + deliveries_enqueue)", n, min(figures["ours"]), "structures"
    )
    result = TimedResult([theirs, ours])
    ratio = result.ratio(ours)
    verdict = "met" if ratio <= TARGET else "NOT met"
    result.notes.append(f"target: the platform at most {TARGET:.0f}× the hand-written SQL: {ratio:.2f}× ({verdict})")
    constant = (
        "constant"
        if len(set(figures["queries"])) == 1 and figures["queries"][0] == figures["queries_100"]
        else "NOT constant"
    )
    result.notes.append(
        f"queries of the fan-out: {figures['queries'][0]} for {n:,} structures, {figures['queries_100']} for 100 ({constant})"
    )
    runs = ", ".join(f"{k} {', '.join(f'{v:.2f}' for v in figures[k])} s" for k in ("theirs", "ours"))
    result.notes.append(f"every run: {runs}")
    return result


register(
    Benchmark(
        name="alert-fanout",
        title="Publishing one alert to 10,000 structures (20 inventory items each) vs hand-written SQL",
        description=__doc__.split("\n\n", 1)[1].strip().replace("\n", " "),
        timed=timed,
        prepare=DATABASE.prepare,
        cleanup=DATABASE.cleanup,
    )
)
