"""Two requests with the same Idempotency-Key at the same moment, for real: two threads, two connections.

Both look for the key before either inserts (a barrier holds them there), so both INSERT: PostgreSQL makes the
second wait on the unique index until the first commits, then refuses it; the loser reads the winner's row back.
SQLite takes its write lock when the transaction begins, so there both cannot be between the look and the INSERT
at once: the same path is simulated in test_api_intake (``concurrent_commit``).
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.urls import reverse

from acss.core import idempotency
from acss.incidents.models import Addendum, Declaration, SituationUpdate

from .intake_helpers import api_payload

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="two transactions at once: PostgreSQL only"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),  # each thread commits on its own connection
]


@pytest.fixture
def both_look_first(monkeypatch):
    """Each thread's first look for its key waits for the other's: both have missed the row before either
    inserts it."""
    barrier = threading.Barrier(2, timeout=20)
    real = idempotency._stored
    mine = threading.local()

    def stored(model, key):
        found = real(model, key)
        if not getattr(mine, "looked", False):
            mine.looked = True
            barrier.wait()
        return found

    monkeypatch.setattr(idempotency, "_stored", stored)


def at_once(*requests) -> list:
    """Run each request in its own thread (its own database connection); their responses, in order."""
    responses: list = [None] * len(requests)
    errors: list = []

    def run(index, request):
        try:
            responses[index] = request()
        except Exception as exc:  # noqa: BLE001 - reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return responses


def _post(api, url, body, key="k-race"):
    return lambda: api.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.parametrize(
    ("name", "body", "model"),
    [
        ("api:addendum", {"kind": "new_fact", "body": "Sauvegardes intactes."}, Addendum),
        ("api:situation", {"situation": "degraded", "effective_at": "2026-11-20T08:00"}, SituationUpdate),
    ],
)
def test_two_identical_requests_at_once_add_one_row_and_both_get_it(world, both_look_first, name, body, model):
    api = world.api("declarant_a"), world.api("declarant_a")  # two clients (their tokens made here, not in a thread)
    url = reverse(name, args=[world.decl_a.reference])
    first, second = at_once(_post(api[0], url, body), _post(api[1], url, body))
    assert sorted([first.status_code, second.status_code]) == [200, 201], (first.content, second.content)
    assert first.json() == second.json()
    assert model.objects.filter(declaration=world.decl_a).count() == 1


def test_two_different_requests_at_once_under_one_key_add_one_row_and_refuse_the_other(world, both_look_first):
    api = world.api("declarant_a"), world.api("declarant_a")
    url = reverse("api:addendum", args=[world.decl_a.reference])
    responses = at_once(
        _post(api[0], url, {"kind": "new_fact", "body": "Sauvegardes intactes."}),
        _post(api[1], url, {"kind": "new_fact", "body": "Sauvegardes chiffrées."}),
    )
    assert sorted(r.status_code for r in responses) == [201, 409]
    refused = next(r for r in responses if r.status_code == 409)
    assert refused.json() == {"detail": "Cette clé d'idempotence a déjà servi pour une autre requête."}
    assert Addendum.objects.filter(declaration=world.decl_a).count() == 1


def test_two_identical_declarations_at_once_give_one(world, both_look_first):
    api = world.api("declarant_a"), world.api("declarant_a")
    url, body = reverse("api:declaration_list"), api_payload(world.structure_a)
    first, second = at_once(_post(api[0], url, body), _post(api[1], url, body))
    assert sorted([first.status_code, second.status_code]) == [200, 201], (first.content, second.content)
    assert first.json()["reference"] == second.json()["reference"]
    assert Declaration.objects.filter(title="Rançongiciel sur le PACS").count() == 1
