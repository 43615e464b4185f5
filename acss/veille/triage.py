"""Writes of the cell's triage queue: one ``Triage`` row per matched record (a CVE or an advisory), and the cell's
decisions on it.

- ``triage_ensure`` gives every record that has a ``Match`` its row, set-based (one INSERT per kind of record,
  ``ignore_conflicts`` leaving the rows already there as they are): the matcher calls it after
  storing its matches (``matching.match_records``); the migration ``0004_triage_backfill`` did it once for the
  matches stored before. A record that stops matching keeps its row and its decision.
- The decisions: ``triage_assign`` (to an analyst of the cell, or nobody), ``triage_mark_to_alert``
  (« à alerter »), ``triage_dismiss`` (a reason is required), ``triage_reopen`` (back to « nouveau »), and
  ``triage_mark_alerted``, which the alerts' editorial calls when an alert written from the records is published.
  Each is ``@transaction.atomic``, writes one audit event and refuses with a French ``Refusal``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from acss.core.audit import AuditOrigin, audit_record
from acss.core.errors import Refusal
from acss.incidents.selectors.cases import acss_analysts

from .models import Triage, TriageState


def triage_ensure(*, vulnerability_ids: Iterable[int] = (), advisory_ids: Iterable[int] = ()) -> None:
    """Create the missing ``Triage`` rows of these records: one INSERT per kind, the rows already there left as
    they are by ``ignore_conflicts`` (which also decides a race between two matchers).

    No audit event: this is the matcher's bookkeeping, not a person's decision."""
    now = timezone.now()
    for field_name, ids in (("vulnerability_id", set(vulnerability_ids)), ("advisory_id", set(advisory_ids))):
        if ids:
            Triage.objects.bulk_create(
                [Triage(**{field_name: pk}, created_at=now) for pk in sorted(ids)],
                batch_size=500,
                ignore_conflicts=True,
            )


def _locked(triage: Triage) -> Triage:
    return Triage.objects.select_for_update().get(pk=triage.pk)


def _record_label(triage: Triage) -> str:
    if triage.vulnerability_id:
        return triage.vulnerability.cve_id
    return triage.advisory.tracking_id


def _save(triage: Triage, *, by, fields: list[str]) -> None:
    triage.changed_at = timezone.now()
    triage.changed_by = by
    triage.save(update_fields=[*fields, "changed_at", "changed_by"])


@transaction.atomic
def triage_assign(*, by, triage: Triage, assignee, origin: AuditOrigin | None = None) -> Triage:
    """Give the item to an analyst of the cell (``assignee``), or to nobody (``None``)."""
    if assignee is not None and not acss_analysts().filter(pk=assignee.pk).exists():
        raise Refusal(_("Seul un analyste de la cellule peut se voir confier un élément."), field="assignee")
    triage = _locked(triage)
    triage.assignee = assignee
    _save(triage, by=by, fields=["assignee"])
    audit_record(
        actor=by,
        action="triage.assigned",
        obj=triage,
        origin=origin,
        data={"record": _record_label(triage), "assignee": assignee.email if assignee else None},
    )
    return triage


@transaction.atomic
def triage_mark_to_alert(*, by, triage: Triage, origin: AuditOrigin | None = None) -> Triage:
    """« À alerter »: the cell will write an alert from it."""
    triage = _locked(triage)
    if triage.state not in (TriageState.NEW, TriageState.DISMISSED):
        raise Refusal(_("Seul un élément nouveau ou écarté peut être marqué « à alerter »."), code="state")
    triage.state = TriageState.TO_ALERT
    triage.dismissed_reason = ""
    _save(triage, by=by, fields=["state", "dismissed_reason"])
    audit_record(actor=by, action="triage.to_alert", obj=triage, origin=origin, data={"record": _record_label(triage)})
    return triage


@transaction.atomic
def triage_dismiss(*, by, triage: Triage, reason: str, origin: AuditOrigin | None = None) -> Triage:
    """Dismiss the item; the reason is required (it stays with the row)."""
    reason = (reason or "").strip()
    if not reason:
        raise Refusal(_("Indiquez pourquoi cet élément est écarté."), code="reason", field="reason")
    triage = _locked(triage)
    if triage.state == TriageState.ALERTED:
        raise Refusal(_("Une alerte a déjà été publiée pour cet élément."), code="state")
    triage.state = TriageState.DISMISSED
    triage.dismissed_reason = reason
    _save(triage, by=by, fields=["state", "dismissed_reason"])
    audit_record(
        actor=by,
        action="triage.dismissed",
        obj=triage,
        origin=origin,
        data={"record": _record_label(triage), "reason": reason},
    )
    return triage


@transaction.atomic
def triage_reopen(*, by, triage: Triage, origin: AuditOrigin | None = None) -> Triage:
    """Back to « nouveau » (a dismissed item, or one marked « à alerter »); the former reason is kept in the
    audit trail only."""
    triage = _locked(triage)
    if triage.state not in (TriageState.DISMISSED, TriageState.TO_ALERT):
        raise Refusal(_("Seul un élément écarté ou « à alerter » peut être rouvert."), code="state")
    former = triage.dismissed_reason
    triage.state = TriageState.NEW
    triage.dismissed_reason = ""
    _save(triage, by=by, fields=["state", "dismissed_reason"])
    audit_record(
        actor=by,
        action="triage.reopened",
        obj=triage,
        origin=origin,
        data={"record": _record_label(triage), "former_reason": former},
    )
    return triage


@transaction.atomic
def triage_mark_alerted(
    *,
    by,
    vulnerability_ids: Iterable[int] = (),
    advisory_ids: Iterable[int] = (),
    alert_reference: str = "",
    origin: AuditOrigin | None = None,
) -> int:
    """The records an alert was written from: their rows are « alerte publiée » (created if missing). One UPDATE,
    one audit event naming the alert; returns how many rows changed."""
    vulnerability_ids, advisory_ids = list(vulnerability_ids), list(advisory_ids)
    triage_ensure(vulnerability_ids=vulnerability_ids, advisory_ids=advisory_ids)
    changed = (
        Triage.objects.filter(Q(vulnerability_id__in=vulnerability_ids) | Q(advisory_id__in=advisory_ids))
        .exclude(state=TriageState.ALERTED)
        .update(state=TriageState.ALERTED, dismissed_reason="", changed_at=timezone.now(), changed_by=by)
    )
    audit_record(
        actor=by,
        action="triage.alerted",
        object_type="veille.triage",
        object_id=alert_reference,
        origin=origin,
        data={
            "alert": alert_reference,
            "vulnerabilities": sorted(vulnerability_ids),
            "advisories": sorted(advisory_ids),
            "changed": changed,
        },
    )
    return changed
