"""The writes of the regulatory filings: a new version of a stage's content, the date the structure says it sent
it. Each in one transaction, once per idempotency key, with its audit event; a version is never changed, so
nothing typed is ever lost."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acss.accounts.models import User
from acss.core.audit import AuditOrigin, audit_record
from acss.core.errors import Refusal
from acss.core.idempotency import IdempotencyConflictError, Written, create_once
from acss.incidents import access
from acss.incidents.models import Declaration, RegulatoryFiling, RegulatoryFilingVersion
from acss.incidents.rules import aware_at, filing_stages

FUTURE_TOLERANCE = timedelta(minutes=10)  # as the forms: a clock a little ahead is not the future


def _filing_for(*, declaration: Declaration, stage: str, by: User) -> RegulatoryFiling:
    """The filing of this stage, created at its first write, locked for the rest of the transaction."""
    access.check_filing(actor_or_user=by, declaration=declaration)
    if stage not in filing_stages(declaration):
        raise Refusal(_("Cette déclaration réglementaire ne concerne pas cet incident."), code="stage")
    RegulatoryFiling.objects.get_or_create(
        declaration=declaration, stage=stage, defaults={"created_at": timezone.now()}
    )
    return RegulatoryFiling.objects.select_for_update().get(declaration=declaration, stage=stage)


@transaction.atomic
def filing_save(
    *,
    declaration: Declaration,
    stage: str,
    by: User,
    content: dict,
    idempotency_key: str | None = None,
    origin: AuditOrigin | None = None,
) -> Written[RegulatoryFilingVersion]:
    """Save ``content`` (validated by the stage's form) as the stage's next version. The same key again hands back
    that version only for the same declaration, stage, person and content (else ``IdempotencyConflictError``)."""
    filing = _filing_for(declaration=declaration, stage=stage, by=by)

    def same(version: RegulatoryFilingVersion) -> bool:
        return (version.filing_id, version.author_id, version.content) == (filing.pk, by.pk, content)

    def insert() -> RegulatoryFilingVersion:
        last = filing.versions.order_by("-number").values_list("number", flat=True).first() or 0
        return RegulatoryFilingVersion.objects.create(
            filing=filing,
            number=last + 1,
            content=content,
            author=by,
            created_at=timezone.now(),
            idempotency_key=idempotency_key or None,
        )

    version, created = create_once(RegulatoryFilingVersion, key=idempotency_key, create=insert, same=same)
    if created:
        audit_record(
            actor=by,
            action="filing.saved",
            obj=declaration,
            origin=origin,
            data={"stage": stage, "version": version.number},
        )
    return Written(version, created)


@transaction.atomic
def filing_mark_sent(
    *,
    declaration: Declaration,
    stage: str,
    by: User,
    sent_at: datetime,
    idempotency_key: str | None = None,
    origin: AuditOrigin | None = None,
) -> Written[RegulatoryFiling]:
    """Record the date the structure says it sent the stage (a later record corrects it, each one audited).
    Not in the future, not before the structure became aware of the incident (the form says it first)."""
    filing = _filing_for(declaration=declaration, stage=stage, by=by)
    if sent_at > timezone.now() + FUTURE_TOLERANCE:
        raise Refusal(_("Cette date est dans le futur : vérifiez le jour et l'heure."), field="sent_at")
    if sent_at < aware_at(declaration):
        raise Refusal(
            _("L'envoi ne peut pas précéder la prise de connaissance de l'incident."), field="sent_at", code="before"
        )
    if idempotency_key:
        if filing.sent_idempotency_key == idempotency_key:
            if filing.sent_at != sent_at or filing.sent_recorded_by_id != by.pk:
                raise IdempotencyConflictError
            return Written(filing, False)
        if RegulatoryFiling.objects.filter(sent_idempotency_key=idempotency_key).exists():
            raise IdempotencyConflictError
    previous = filing.sent_at
    filing.sent_at = sent_at
    filing.sent_recorded_by = by
    filing.sent_recorded_at = timezone.now()
    filing.sent_idempotency_key = idempotency_key or None
    filing.save(update_fields=["sent_at", "sent_recorded_by", "sent_recorded_at", "sent_idempotency_key"])
    audit_record(
        actor=by,
        action="filing.sent",
        obj=declaration,
        origin=origin,
        data={"stage": stage, "sent_at": sent_at.isoformat(), "previous": previous.isoformat() if previous else None},
    )
    return Written(filing, True)
