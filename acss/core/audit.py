"""The audit trail: append-only, chained by SHA-256.

Each event's hash covers its own content and the previous event's hash, so that changing,
inserting or deleting any event breaks the chain from that point on. Appends take a row lock on
``AuditChainHead`` so that several web and worker processes keep one linear chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from .models import AuditChainHead, AuditEvent

GENESIS = "0" * 64


def _canonical(event: AuditEvent) -> bytes:
    payload = {
        "prev": event.prev_hash,
        "at": event.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "ip": event.ip_address,
        "ua": event.user_agent,
        "data": event.data,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def compute_hash(event: AuditEvent) -> str:
    return hashlib.sha256(_canonical(event)).hexdigest()


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


@dataclass(frozen=True)
class AuditOrigin:
    """Where a write came from, for its audit event: the client's address and user agent. Built by the view
    (``AuditOrigin.of(request)``) and handed to the service, which never sees the request itself."""

    ip_address: str | None = None
    user_agent: str = ""

    @classmethod
    def of(cls, request: HttpRequest | None) -> AuditOrigin | None:
        if request is None:
            return None
        return cls(ip_address=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", "")[:300])


def object_type_of(model: type[models.Model] | models.Model) -> str:
    """The name the audit trail gives a model's rows: ``app_label.model``, unless the model keeps the name its
    rows were first recorded under (a class attribute ``audit_type``). Events are never rewritten (the chain
    would break), so a model that moves to another application keeps its name and its past events."""
    return getattr(model, "audit_type", "") or model._meta.label_lower


def audit_record(
    *,
    actor: Any = None,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    origin: AuditOrigin | None = None,
    data: dict | None = None,
) -> AuditEvent:
    """Append one event. Call it inside the service's transaction: it commits or rolls back with it.

    Where it came from: ``origin``, what a service is handed (a view recording a read builds it with
    ``AuditOrigin.of(request)``)."""
    origin = origin or AuditOrigin()
    if obj is not None:
        object_type = object_type or object_type_of(obj)
        object_id = object_id or obj.pk
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    label = actor.email if actor is not None else "système"
    # Round-trip through JSON now so the hash is computed on what the database will hand back.
    clean_data = json.loads(json.dumps(data or {}, default=str))
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(
            id=1, defaults={"last_hash": GENESIS, "count": 0}
        )
        event = AuditEvent(
            at=timezone.now(),
            actor=actor,
            actor_label=label,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            ip_address=origin.ip_address,
            user_agent=origin.user_agent,
            data=clean_data,
            prev_hash=head.last_hash,
        )
        event.hash = compute_hash(event)
        event.save(force_insert=True)
        AuditChainHead.objects.filter(id=1).update(last_hash=event.hash, count=models.F("count") + 1)
    return event


@dataclass
class ChainReport:
    checked: int
    broken_at: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None and not self.reason


def audit_iter_verify(chunk: int = 2000) -> Iterator[tuple[int, ChainReport | None]]:
    """Yield (events checked so far, None) as it goes, then (n, report) at the end or the first break."""
    prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        batch = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:chunk])
        if not batch:
            break
        for event in batch:
            if event.prev_hash != prev:
                yield (
                    checked,
                    ChainReport(
                        checked,
                        event.id,
                        "le lien vers l'événement précédent est rompu (événement supprimé, inséré ou réordonné)",
                    ),
                )
                return
            if compute_hash(event) != event.hash:
                yield checked, ChainReport(checked, event.id, "le contenu de l'événement a été modifié")
                return
            prev = event.hash
            checked += 1
            last_id = event.id
        yield checked, None
    head = AuditChainHead.objects.filter(id=1).first()
    if head is not None and (head.last_hash != prev or head.count != checked):
        yield (
            checked,
            ChainReport(
                checked,
                None,
                f"la tête de chaîne attend {head.count} événements se terminant "
                f"par {head.last_hash[:12]}… : des événements de fin ont été supprimés",
            ),
        )
        return
    yield checked, ChainReport(checked)


def audit_verify() -> ChainReport:
    report = None
    for _, report in audit_iter_verify():
        pass
    assert report is not None
    return report
