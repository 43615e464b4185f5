"""Writes done once per idempotency key: a double click, a retry after a cut or two requests racing each other
give one row.

- ``scoped_key``: the key stored for a client's key, scoped to the person and the kind of write; a long one is
  hashed whole, so that two keys sharing their first characters never name the same write.
- ``create_once``: the row a write creates, or the row its key already names. The unique constraint on the
  model's ``idempotency_key`` is the arbiter: when a concurrent request inserts first, this one's INSERT fails
  inside a savepoint and the row the other inserted is read back.
- ``Written``: what such a write hands back, the row and whether this call created it (the API's 201) or found
  it under its key (a retry, 200).
- ``IdempotencyConflictError``: the key already names another write (another target, another author,
  another content); the API answers it with a 409, never with the row of that other write.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Generic, NamedTuple, TypeVar

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from .errors import Conflict

KEY_LENGTH = 64  # the ``idempotency_key`` columns

M = TypeVar("M", bound=models.Model)


class Written(NamedTuple, Generic[M]):
    """The row a write done once per key hands back, and whether this call created it (False: a retry)."""

    row: M
    created: bool


class IdempotencyConflictError(Conflict):
    """The idempotency key was already used for another write: nothing is written, nothing of it is returned."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message or _("Cette clé d'idempotence a déjà servi pour une autre requête."), code="key_reused"
        )


def scoped_key(*, kind: str, user_pk: int, key: str | None) -> str | None:
    """``kind:user:key``, or ``kind:user:~hash`` when that would not fit the column; None without a key."""
    if not key:
        return None
    scoped = f"{kind}:{user_pk}:{key}"
    if len(scoped) <= KEY_LENGTH:
        return scoped
    return f"{kind}:{user_pk}:~{hashlib.sha256(key.encode()).hexdigest()[:32]}"


def _stored(model: type[M], key: str) -> M | None:
    return model._default_manager.filter(idempotency_key=key).first()


def _replayed(row: M, same: Callable[[M], bool]) -> M:
    if not same(row):
        raise IdempotencyConflictError
    return row


def create_once(
    model: type[M], *, key: str | None, create: Callable[[], M], same: Callable[[M], bool] = lambda row: True
) -> tuple[M, bool]:
    """The row ``create`` inserts, or the one already stored under ``key``; and whether this call created it.

    ``same`` tells whether a stored row is this very write (same target, same author, same content); if it is
    not, ``IdempotencyConflictError`` is raised. ``create`` runs in a savepoint: everything it wrote is undone
    when its INSERT loses a race."""
    if key:
        stored = _stored(model, key)
        if stored is not None:
            return _replayed(stored, same), False
    try:
        with transaction.atomic():
            return create(), True
    except IntegrityError:
        # A concurrent request with the same key inserted first (its transaction is committed by now).
        stored = _stored(model, key) if key else None
        if stored is None:
            raise
        return _replayed(stored, same), False
