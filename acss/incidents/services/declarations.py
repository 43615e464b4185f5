"""Writes on declarations. Keyword-only, typed, one transaction, own audit event, side effects on commit.

A declaration is never changed once submitted: the only later writes are its one-time completion
(a quick alert's empty fields filled in), addenda, situation updates and attachments.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from acss.accounts.models import Structure, User
from acss.core.audit import AuditOrigin, audit_record
from acss.core.errors import Conflict
from acss.core.idempotency import Written, create_once
from acss.core.tasks import enqueue_on_commit
from acss.incidents.models import (
    Addendum,
    Attachment,
    Channel,
    Declaration,
    DeclarationDraft,
    Notification,
    NotificationState,
    ReferenceCounter,
    SituationUpdate,
    attachment_path,
)
from acss.incidents.services.cases import case_open, case_refresh_provisional, keyed_action
from acss.incidents.tasks.notifications import attachment_files_remove, route_completion, route_declaration
from acss.incidents.uploads import atomic_with_files, file_write, upload_check

CONTENT_FIELDS = [
    "declarant_name",
    "declarant_function",
    "declarant_phone",
    "declarant_email",
    "alt_contact_phone",
    "alt_contact_email",
    "title",
    "description",
    "occurred_at",
    "discovered_at",
    "scope",
    "systems_other",
    "provider_name",
    "handling_state",
    "unavailability",
    "integrity_loss",
    "confidentiality_loss",
    "functioning",
    "degraded_hours",
    "patient_safety",
    "patients_count",
    "health_products",
    "health_products_details",
    "territory_impact",
    "origin",
    "category",
    "vector",
    "measures_taken",
    "accompaniment_requested",
    "complaint_filed",
    "cnil_notified",
    "anssi_notified",
]
M2M_FIELDS = ["systems", "data_categories"]


def reference_next(*, at) -> str:
    """ACSS-2026-000123: a yearly sequence; the row lock of the UPDATE keeps numbers unique under concurrency.

    The counter starts after the highest reference already in the table for that year (imported or demo data).
    """
    year = timezone.localtime(at).year
    if not ReferenceCounter.objects.filter(year=year).update(last=F("last") + 1):
        highest = (
            Declaration.objects.filter(reference__startswith=f"ACSS-{year}-")
            .order_by("-reference")
            .values_list("reference", flat=True)
            .first()
        )
        ReferenceCounter.objects.get_or_create(year=year, defaults={"last": int(highest[-6:]) if highest else 0})
        ReferenceCounter.objects.filter(year=year).update(last=F("last") + 1)
    last = ReferenceCounter.objects.filter(year=year).values_list("last", flat=True).get()
    return f"ACSS-{year}-{last:06d}"


def structure_snapshot(structure: Structure) -> dict[str, Any]:
    return {
        "name": structure.name,
        "finess_ej": structure.finess_ej,
        "finess_et": structure.finess_et,
        "type": structure.structure_type_id,
        "departement": structure.departement_id,
        "is_ose": structure.is_ose,
        "nis2": structure.nis2,
        "size": structure.size,
    }


def _create(
    *,
    complete: bool = False,
    by: User,
    structure: Structure,
    fields: dict,
    on_behalf: bool,
    channel: str,
    idempotency_key: str | None,
    m2m: dict | None = None,
    origin: AuditOrigin | None = None,
    action: str,
) -> Written[Declaration]:
    """Create a declaration once per idempotency key: a retry, a double click or a race hands back the first."""
    now = timezone.now()

    def insert() -> Declaration:
        return Declaration.objects.create(
            reference=reference_next(at=now),
            structure=structure,
            created_by=by,
            channel=channel,
            on_behalf=on_behalf,
            idempotency_key=idempotency_key or None,
            submitted_at=now,
            structure_snapshot=structure_snapshot(structure),
            completed_at=now if complete else None,
            **fields,
        )

    declaration, created = create_once(Declaration, key=idempotency_key, create=insert)
    if not created:
        return Written(declaration, created=False)
    _m2m_insert(declaration, m2m or {})
    case_open(declaration=declaration)
    audit_record(
        actor=by,
        action=action,
        obj=declaration,
        origin=origin,
        data={"reference": declaration.reference, "channel": channel, "on_behalf": on_behalf},
    )
    enqueue_on_commit(route_declaration, declaration.pk)
    return Written(declaration, created=True)


def _m2m_insert(declaration: Declaration, m2m: dict) -> None:
    """Write a new declaration's many-to-many rows in one INSERT each (no read of rows that cannot exist)."""
    for name, values in m2m.items():
        relation = Declaration._meta.get_field(name)
        through = relation.remote_field.through
        source = relation.m2m_field_name()
        target = relation.m2m_reverse_field_name()
        through.objects.bulk_create(
            [through(**{f"{source}_id": declaration.pk, f"{target}_id": value.pk}) for value in values]
        )


def _content(cleaned: dict) -> tuple[dict, dict]:
    fields = {name: cleaned.get(name) for name in CONTENT_FIELDS if name in cleaned}
    for name, value in list(fields.items()):
        if value is None and name not in (
            "occurred_at",
            "discovered_at",
            "degraded_hours",
            "patients_count",
            "category",
            "vector",
        ):
            fields[name] = ""
    m2m = {name: list(cleaned.get(name) or []) for name in M2M_FIELDS}
    return fields, m2m


@transaction.atomic
def quick_alert_submit(
    *,
    by: User,
    structure: Structure,
    summary: str,
    since,
    care_impact: str,
    phone: str,
    is_major: bool,
    on_behalf: bool = False,
    channel: str = Channel.FORM,
    idempotency_key: str | None = None,
    origin: AuditOrigin | None = None,
) -> Written[Declaration]:
    """The first alert: routed at once like a declaration, completed later."""
    fields = {
        "alert_summary": summary,
        "alert_since": since,
        "alert_care_impact": care_impact,
        "callback_phone": phone,
        "is_major": is_major,
        "declarant_name": by.display_name,
        "declarant_email": by.email,
        "declarant_phone": phone,
    }
    return _create(
        by=by,
        structure=structure,
        fields=fields,
        on_behalf=on_behalf,
        channel=channel,
        idempotency_key=idempotency_key,
        origin=origin,
        action="declaration.quick_alert",
    )


@transaction.atomic
def declaration_submit(
    *,
    by: User,
    structure: Structure,
    cleaned: dict,
    on_behalf: bool = False,
    channel: str = Channel.FORM,
    idempotency_key: str | None = None,
    draft: DeclarationDraft | None = None,
    origin: AuditOrigin | None = None,
) -> Written[Declaration]:
    """Submit a full declaration (validated by ``forms.validate_declaration``). Idempotent on its key."""
    fields, m2m = _content(cleaned)
    written = _create(
        complete=True,
        by=by,
        structure=structure,
        fields=fields,
        on_behalf=on_behalf,
        channel=channel,
        idempotency_key=idempotency_key,
        m2m=m2m,
        origin=origin,
        action="declaration.submitted",
    )
    if draft is not None:
        _finish_draft(draft, written.row)
    return written


@transaction.atomic
def declaration_complete(
    *,
    declaration: Declaration,
    by: User,
    cleaned: dict,
    draft: DeclarationDraft | None = None,
    idempotency_key: str | None = None,
    origin: AuditOrigin | None = None,
) -> Written[Declaration]:
    """Complete a quick alert once. What the alert said stays as it was; a second completion is refused.

    The same completion sent again is handed back, not refused: the same draft (the pages), or the same
    idempotency key for the same declaration (the API; ``created`` false then, and the content of the retry
    is not compared with the first, as for a declaration). A key already used on another declaration is an
    ``IdempotencyConflictError``."""
    done: dict[str, Written[Declaration]] = {}

    def run() -> None:
        done["written"] = _complete(declaration=declaration, by=by, cleaned=cleaned, draft=draft, origin=origin)

    created = keyed_action(
        key=idempotency_key,
        declaration=declaration,
        action="completion",
        by=by,
        params={},
        run=run,
    )
    if created and "written" in done:
        return done["written"]
    return Written(Declaration.objects.get(pk=declaration.pk), created=False)


def _complete(*, declaration: Declaration, by: User, cleaned: dict, draft, origin) -> Written[Declaration]:
    declaration = Declaration.objects.select_for_update().get(pk=declaration.pk)
    if declaration.completed_at is not None:
        if draft is not None and draft.submitted_id == declaration.pk:
            return Written(declaration, created=False)  # the same completion sent twice
        raise Conflict(_("Cette déclaration est déjà complète : ajoutez plutôt un complément."), code="complete")
    if cleaned.get("structure") and cleaned["structure"].pk != declaration.structure_id:
        raise Conflict(_("La structure d'une déclaration ne change pas."), code="structure", field="structure")
    fields, m2m = _content(cleaned)
    for name, value in fields.items():
        setattr(declaration, name, value)
    declaration.completed_at = timezone.now()
    declaration.save(update_fields=[*fields, "completed_at"])
    for name, values in m2m.items():
        getattr(declaration, name).set(values)
    if draft is not None:
        _finish_draft(draft, declaration)
    case_refresh_provisional(declaration=declaration)
    audit_record(actor=by, action="declaration.completed", obj=declaration, origin=origin)
    enqueue_on_commit(route_declaration, declaration.pk)  # new facts may add suggestions or on-call alerts
    enqueue_on_commit(route_completion, declaration.pk)  # what was added, to those informed; its acknowledgement
    return Written(declaration, created=True)


def _finish_draft(draft: DeclarationDraft, declaration: Declaration) -> None:
    draft.submitted = declaration
    draft.save(update_fields=["submitted", "updated_at"])
    draft.attachments.filter(declaration__isnull=True).update(declaration=declaration)


@atomic_with_files
def attachment_store(
    *,
    upload: UploadedFile,
    by: User,
    declaration: Declaration | None = None,
    draft: DeclarationDraft | None = None,
    addendum: Addendum | None = None,
    origin: AuditOrigin | None = None,
) -> Attachment:
    """Check a file on its content and store it under a random name outside the web root, with its row: if the
    transaction does not commit, the file is removed again (``atomic_with_files``)."""
    if draft is not None:
        draft_check_owner(draft=draft, by=by)
    checked = upload_check(upload)
    attachment = Attachment(
        declaration=declaration,
        draft=draft,
        addendum=addendum,
        original_name=(upload.name or "fichier")[:255],
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=by,
        uploaded_at=timezone.now(),
    )
    field = Attachment._meta.get_field("file")
    attachment.file.name = file_write(upload, storage=field.storage, name=attachment_path(attachment, ""))
    attachment.save()
    audit_record(
        actor=by,
        action="attachment.stored",
        obj=attachment,
        origin=origin,
        data={
            "sha256": checked.sha256,
            "size": checked.size,
            "type": checked.content_type,
            "declaration": declaration.pk if declaration else None,
        },
    )
    return attachment


@atomic_with_files
def addendum_add(
    *,
    declaration: Declaration,
    by: User,
    kind: str,
    body: str,
    uploads: Iterable[UploadedFile] = (),
    idempotency_key: str | None = None,
    origin: AuditOrigin | None = None,
) -> Written[Addendum]:
    """Add a complement, once per idempotency key. The same key again, for the same declaration by the same
    person with the same text and files, hands back the first (``created`` false); for anything else it is
    an ``IdempotencyConflictError``."""
    uploads = list(uploads)
    digests = sorted(upload_check(upload).sha256 for upload in uploads)  # all checked before anything is stored

    def same(addendum: Addendum) -> bool:
        sent = (addendum.declaration_id, addendum.author_id, addendum.kind, addendum.body)
        if sent != (declaration.pk, by.pk, kind, body):
            return False
        return sorted(addendum.attachments.values_list("sha256", flat=True)) == digests

    def insert() -> Addendum:
        return Addendum.objects.create(
            declaration=declaration,
            kind=kind,
            body=body,
            author=by,
            created_at=timezone.now(),
            idempotency_key=idempotency_key or None,
        )

    addendum, created = create_once(Addendum, key=idempotency_key, create=insert, same=same)
    if not created:
        return Written(addendum, created=False)
    for upload in uploads:
        attachment_store(upload=upload, by=by, declaration=declaration, addendum=addendum, origin=origin)
    audit_record(
        actor=by,
        action="declaration.addendum",
        obj=declaration,
        origin=origin,
        data={"addendum": addendum.pk, "kind": kind, "files": len(uploads)},
    )
    return Written(addendum, created=True)


@transaction.atomic
def situation_update_add(
    *,
    declaration: Declaration,
    by: User,
    situation: str,
    effective_at,
    note: str = "",
    idempotency_key: str | None = None,
    origin: AuditOrigin | None = None,
) -> Written[SituationUpdate]:
    """Record a point on the situation, once per idempotency key: as ``addendum_add``, the same key again hands
    back the first only for the same declaration, person, situation, time and note."""

    def same(update: SituationUpdate) -> bool:
        sent = (update.declaration_id, update.author_id, update.situation, update.effective_at, update.note)
        return sent == (declaration.pk, by.pk, situation, effective_at, note)

    def insert() -> SituationUpdate:
        return SituationUpdate.objects.create(
            declaration=declaration,
            situation=situation,
            effective_at=effective_at,
            note=note,
            author=by,
            created_at=timezone.now(),
            idempotency_key=idempotency_key or None,
        )

    update, created = create_once(SituationUpdate, key=idempotency_key, create=insert, same=same)
    if not created:
        return Written(update, created=False)
    audit_record(
        actor=by,
        action="declaration.situation",
        obj=declaration,
        origin=origin,
        data={"situation": situation, "effective_at": effective_at.isoformat()},
    )
    return Written(update, created=True)


def draft_check_owner(*, draft: DeclarationDraft, by: User) -> None:
    """Another person's draft is not readable: a 404, like a missing one."""
    if draft.owner_id != by.pk:
        raise Http404("draft not found")


@transaction.atomic
def draft_create(
    *, by: User, data: dict[str, Any], completes: Declaration | None = None, origin: AuditOrigin | None = None
) -> DeclarationDraft:
    """A new draft for its author, pre-filled with ``data``; ``completes``: the quick alert it will complete."""
    draft = DeclarationDraft.objects.create(
        owner=by,
        completes=completes,
        structure=completes.structure if completes is not None else None,
        data=data,
    )
    audit_record(
        actor=by,
        action="draft.created",
        obj=draft,
        origin=origin,
        data={"completes": completes.reference if completes is not None else None},
    )
    return draft


@transaction.atomic
def draft_step_save(
    *,
    draft: DeclarationDraft,
    by: User,
    step: int,
    raw: dict[str, Any],
    structure: Structure | None = None,
    on_behalf: bool = False,
    origin: AuditOrigin | None = None,
) -> DeclarationDraft:
    """Keep what was typed at ``step``, valid or not; ``structure`` (with ``on_behalf``) once the first step is
    valid. The audit event names the step, never what was typed."""
    draft_check_owner(draft=draft, by=by)
    draft.data = {**draft.data, **raw}
    draft.step = max(draft.step, step)
    fields = ["data", "step", "updated_at"]
    if structure is not None:
        draft.structure, draft.on_behalf = structure, on_behalf
        fields += ["structure", "on_behalf"]
    draft.save(update_fields=fields)
    audit_record(actor=by, action="draft.saved", obj=draft, origin=origin, data={"step": step})
    return draft


@transaction.atomic
def draft_delete(*, draft: DeclarationDraft, by: User, origin: AuditOrigin | None = None) -> None:
    """Delete a draft and the files attached to it (removed from the storage once the deletion commits)."""
    draft_check_owner(draft=draft, by=by)
    attachments = draft.attachments.filter(declaration__isnull=True)
    names = [name for name in attachments.values_list("file", flat=True) if name]
    attachments.delete()
    audit_record(
        actor=by,
        action="draft.deleted",
        obj=draft,
        origin=origin,
        data={"files": len(names), "completes": draft.completes.reference if draft.completes_id else None},
    )
    draft.delete()
    if names:
        enqueue_on_commit(attachment_files_remove, names)


# On-call alerts
# --------------------------------------------------------------------------------------------------

ONCALL_ACKNOWLEDGED = "oncall.acknowledged"


@transaction.atomic
def oncall_acknowledge(
    *, alert: Notification, name: str, by: User | None = None, origin: AuditOrigin | None = None
) -> Written[Notification]:
    """Record who took the alert; the reminders not yet sent are cancelled. A second call changes nothing.

    Returns the alert as recorded, and whether this call acknowledged it (False: someone was first).
    """
    alert = Notification.objects.select_for_update().get(pk=alert.pk)
    if alert.acknowledged_at is not None:
        return Written(alert, created=False)
    by = by if by is not None and by.is_authenticated else None
    name = (name or "").strip()[:200] or (by.display_name if by is not None else "")
    now = timezone.now()
    alert.acknowledged_at, alert.acknowledged_by, alert.acknowledged_by_name = now, by, name
    alert.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledged_by_name"])
    cancelled = Notification.objects.filter(original=alert, state=NotificationState.PENDING).update(
        state=NotificationState.CANCELLED, next_attempt_at=None
    )
    sent_steps = list(
        alert.escalations.filter(state=NotificationState.SENT).order_by("step").values_list("step", flat=True)
    )
    audit_record(
        actor=by,
        action=ONCALL_ACKNOWLEDGED,
        obj=alert.declaration,
        origin=origin,
        data={
            "notification": alert.pk,
            "on_call": alert.recipient,
            "organisation": alert.organisation.name if alert.organisation_id else "",
            "name": name,
            "after_reminders": len(sent_steps),
            "cancelled": cancelled,
        },
    )
    return Written(alert, created=True)
