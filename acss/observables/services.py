"""Writes of the observables of a declaration. Keyword-only, one transaction, one audit event each.

Every value is normalised (``normalize.normalize``) before it is written: the same indicator, typed, extracted
or imported, defanged or not, is one ``Observable`` row, recorded once per declaration (a second time changes
nothing and writes no event).

STIX: a STIX 2.1 bundle is parsed and validated with the ``stix2`` package (``stix.py``): each object by
``stix2.parse``, an indicator's pattern by ``stix2`` and read with ``stix2-patterns`` (``[ipv4-addr:value =
'1.2.3.4']``, ``[file:hashes.'SHA-256' = '…']``, several comparisons joined by ``OR``/``AND``), the observed
objects ``ipv4-addr``, ``ipv6-addr``, ``domain-name``, ``url``, ``email-addr`` and ``file`` (its ``hashes``), and
the CVE named by a ``vulnerability``. A bundle with one object at fault (not valid STIX 2.1, or a value that is
not the kind it claims) is refused whole, in French, naming the object.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acss.accounts.models import User
from acss.core.audit import AuditOrigin, audit_record
from acss.core.errors import Refusal
from acss.core.idempotency import Written
from acss.incidents.models import Declaration, MessageKind

from . import access, normalize, stix
from .models import CaseObservable, Observable, ObservableSource


def _check(by: User, declaration: Declaration) -> None:
    if not access.may_add(actor_or_user=by, declaration=declaration):
        raise Refusal(access.ADD_REFUSAL, code="forbidden")


def _record(*, by, declaration, kind, value, source, note="") -> tuple[CaseObservable, bool]:
    observable, _created = Observable.objects.get_or_create(kind=kind, value=value)
    return CaseObservable.objects.get_or_create(
        declaration=declaration,
        observable=observable,
        defaults={"source": source, "added_by": by, "added_at": timezone.now(), "note": note},
    )


@transaction.atomic
def observables_add(
    *,
    by: User,
    declaration: Declaration,
    kind: str,
    value: str,
    note: str = "",
    origin: AuditOrigin | None = None,
) -> Written[CaseObservable]:
    """Record one typed observable on the declaration (normalised; already there: nothing written)."""
    _check(by, declaration)
    kind = kind or normalize.guess_kind(value) or ""
    try:
        value = normalize.normalize(kind, value)
    except normalize.InvalidObservable as exc:
        raise Refusal(str(exc), code="invalid", field="value") from exc
    row, created = _record(
        by=by, declaration=declaration, kind=kind, value=value, source=ObservableSource.TYPED, note=note.strip()
    )
    if created:
        audit_record(
            actor=by,
            action="observable.added",
            obj=declaration,
            origin=origin,
            data={"kind": kind, "value": value, "source": ObservableSource.TYPED},
        )
    return Written(row, created)


def declaration_texts(*, declaration: Declaration, message_kinds: Iterable[str] | None = None) -> list[str]:
    """The free texts of a declaration: its own, its addenda, its situation notes and the messages of its thread
    of ``message_kinds`` (by default the questions and answers: the internal notes only when asked)."""
    kinds = set(message_kinds) if message_kinds is not None else {MessageKind.QUESTION, MessageKind.ANSWER}
    texts = [
        declaration.title,
        declaration.alert_summary,
        declaration.description,
        declaration.measures_taken,
        declaration.territory_impact,
        declaration.health_products_details,
    ]
    texts += list(declaration.addenda.values_list("body", flat=True))
    texts += list(declaration.situation_updates.values_list("note", flat=True))
    texts += list(declaration.messages.filter(kind__in=kinds).values_list("body", flat=True))
    return [t for t in texts if t]


def observables_extract(*, declaration: Declaration, user: User | None = None) -> list[normalize.Candidate]:
    """The observables written in the declaration's texts that it does not carry yet, each once. With ``user``,
    only the messages of the thread that person reads."""
    kinds = None
    if user is not None:
        kinds = access.readable_message_kinds(actor_or_user=user, declaration=declaration)
    known = set(declaration.observables.values_list("observable__kind", "observable__value"))
    found: list[normalize.Candidate] = []
    seen: set[tuple[str, str]] = set(known)
    for text in declaration_texts(declaration=declaration, message_kinds=kinds):
        for candidate in normalize.extract(text):
            if (candidate.kind, candidate.value) not in seen:
                seen.add((candidate.kind, candidate.value))
                found.append(candidate)
    return found


def _pairs(candidates) -> list[tuple[str, str]]:
    out = []
    for candidate in candidates:
        kind, value = (candidate.kind, candidate.value) if hasattr(candidate, "kind") else candidate
        try:
            out.append((kind, normalize.normalize(kind, value)))
        except normalize.InvalidObservable as exc:
            raise Refusal(str(exc), code="invalid") from exc
    return list(dict.fromkeys(out))


def _record_many(*, by, declaration, pairs, source) -> list[tuple[str, str]]:
    added = []
    for kind, value in pairs:
        _row, created = _record(by=by, declaration=declaration, kind=kind, value=value, source=source)
        if created:
            added.append((kind, value))
    return added


@transaction.atomic
def observables_confirm(
    *, by: User, declaration: Declaration, candidates: Iterable, origin: AuditOrigin | None = None
) -> int:
    """Record the extracted observables the person confirmed (``Candidate``s or ``(kind, value)`` pairs); the
    number of those new on the declaration."""
    _check(by, declaration)
    pairs = _pairs(candidates)
    if not pairs:
        raise Refusal(_("Cochez au moins un observable à ajouter."), code="empty", field="candidates")
    added = _record_many(by=by, declaration=declaration, pairs=pairs, source=ObservableSource.EXTRACTED)
    if added:
        audit_record(
            actor=by,
            action="observable.extracted",
            obj=declaration,
            origin=origin,
            data={"source": ObservableSource.EXTRACTED, "observables": [f"{k}|{v}" for k, v in added]},
        )
    return len(added)


@transaction.atomic
def stix_import(*, by: User, declaration: Declaration, file, origin: AuditOrigin | None = None) -> int:
    """Record the observables of a STIX 2.1 bundle (a file or bytes); the number new on the declaration. A bundle
    that cannot be read, or one object at fault, refuses the whole file (``Refusal``, French, naming the
    object)."""
    _check(by, declaration)
    raw = file if isinstance(file, bytes | str) else file.read()
    try:
        pairs = stix.bundle_observables(raw)
    except stix.StixError as exc:
        raise Refusal(str(exc), code="stix", field="file") from exc
    if not pairs:
        raise Refusal(_("Le lot STIX ne contient aucun observable reconnu."), code="stix", field="file")
    added = _record_many(by=by, declaration=declaration, pairs=pairs, source=ObservableSource.STIX)
    if added:
        audit_record(
            actor=by,
            action="observable.stix_imported",
            obj=declaration,
            origin=origin,
            data={"source": ObservableSource.STIX, "observables": [f"{k}|{v}" for k, v in added]},
        )
    return len(added)
