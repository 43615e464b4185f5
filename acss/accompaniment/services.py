"""Writes of the accompaniment. Keyword-only, one transaction, one audit event each.

Who may is ``acss.accompaniment.access``: the views check first (403); the services keep checking and refuse
with the same French sentence (``Refusal``), and they alone answer the state (an accompaniment that is not open).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from acss.accounts.models import MembershipStatus, User
from acss.core.audit import AuditOrigin, audit_record
from acss.core.errors import Refusal
from acss.incidents.models import CaseState, Declaration
from acss.incidents.selectors.cases import case_get_for_declaration
from acss.incidents.services.cases import case_start_accompaniment
from acss.incidents.uploads import atomic_with_files, file_write, upload_check

from . import access
from .models import (
    Accompaniment,
    AccompanimentOrigin,
    ActionState,
    PlanAction,
    PlanTemplate,
    PlanTemplateAction,
    PlanTemplateVersion,
    SheetEntry,
    evidence_path,
)


def _require(by: User, declaration: Declaration, action: str) -> None:
    message = access.refusal_message(actor_or_user=by, declaration=declaration, action=action)
    if message:
        raise Refusal(message)


def _open_of(declaration: Declaration) -> Accompaniment:
    accompaniment = Accompaniment.objects.select_for_update().filter(declaration=declaration).first()
    if accompaniment is None:
        raise Refusal(_("Aucun accompagnement n'est ouvert pour cette déclaration."))
    if not accompaniment.is_open:
        raise Refusal(_("L'accompagnement est clos : il ne change plus."))
    return accompaniment


def _structure_member(declaration: Declaration, user: User | None) -> User | None:
    if user is None:
        return None
    if not user.memberships.filter(organisation_id=declaration.structure_id, status=MembershipStatus.ACTIVE).exists():
        raise Refusal(_("Le responsable doit être une personne de la structure."), field="owner")
    return user


@transaction.atomic
def accompaniment_open(
    *,
    by: User,
    declaration: Declaration,
    template: PlanTemplate | None = None,
    origin: AuditOrigin | None = None,
) -> Accompaniment:
    """The cell opens the accompaniment of a qualified case (which moves to « en accompagnement ») or of a case
    already in accompaniment; a template's current version gives the plan its first actions, due from today."""
    _require(by, declaration, access.OPEN)
    try:  # read afresh (the declaration may carry an older case); the move locks it and checks again
        case = case_get_for_declaration(declaration=declaration)
    except Http404:
        case = None
    if case is None or case.state not in (CaseState.QUALIFIED, CaseState.ACCOMPANIMENT):
        raise Refusal(_("L'accompagnement s'ouvre sur un dossier qualifié."))
    if Accompaniment.objects.filter(declaration=declaration).exists():
        raise Refusal(_("Un accompagnement est déjà ouvert pour cette déclaration."))
    if case.state == CaseState.QUALIFIED:
        case_start_accompaniment(case=case, by=by, origin=origin)
    now = timezone.now()
    version = template.current_version if template is not None else None
    accompaniment = Accompaniment.objects.create(
        declaration=declaration,
        origin=AccompanimentOrigin.REQUESTED if declaration.accompaniment_requested else AccompanimentOrigin.DECIDED,
        template_version=version,
        opened_at=now,
        opened_by=by,
    )
    if version is not None:
        today = timezone.localdate()
        PlanAction.objects.bulk_create(
            PlanAction(
                accompaniment=accompaniment,
                position=step.position,
                title=step.title,
                due_on=today + timedelta(days=step.due_offset_days),
                created_at=now,
                created_by=by,
                updated_at=now,
                updated_by=by,
            )
            for step in version.actions.all()
        )
    audit_record(
        actor=by,
        action="accompaniment.opened",
        obj=accompaniment,
        origin=origin,
        data={"declaration": declaration.reference, "template": str(version) if version else None},
    )
    return accompaniment


@transaction.atomic
def accompaniment_close(*, by: User, declaration: Declaration, origin: AuditOrigin | None = None) -> Accompaniment:
    _require(by, declaration, access.CLOSE)
    accompaniment = _open_of(declaration)
    accompaniment.closed_at, accompaniment.closed_by = timezone.now(), by
    accompaniment.save(update_fields=["closed_at", "closed_by"])
    audit_record(
        actor=by,
        action="accompaniment.closed",
        obj=accompaniment,
        origin=origin,
        data={"declaration": declaration.reference},
    )
    return accompaniment


@transaction.atomic
def sheet_entry_add(
    *, by: User, declaration: Declaration, kind: str, body: str, origin: AuditOrigin | None = None
) -> SheetEntry:
    """An entry of the shared sheet, in the name of the cell, the person's ARS or the structure."""
    _require(by, declaration, access.entry_action(kind))
    if not body.strip():
        raise Refusal(_("Écrivez l'entrée."), field="body")
    accompaniment = _open_of(declaration)
    entry = SheetEntry.objects.create(
        accompaniment=accompaniment,
        kind=kind,
        body=body.strip(),
        author=by,
        author_organisation=access.writes_for(actor_or_user=by, declaration=declaration),
        created_at=timezone.now(),
    )
    audit_record(
        actor=by,
        action="accompaniment.entry_added",
        obj=entry,
        origin=origin,
        data={"declaration": declaration.reference, "kind": kind},
    )
    return entry


def _store_evidence(action: PlanAction, upload: UploadedFile, by: User) -> None:
    checked = upload_check(upload)
    field = PlanAction._meta.get_field("evidence_file")
    action.evidence_file.name = file_write(upload, storage=field.storage, name=evidence_path(action, ""))
    action.evidence_name = (upload.name or "fichier")[:255]
    action.evidence_content_type = checked.content_type
    action.evidence_size = checked.size
    action.evidence_sha256 = checked.sha256


@atomic_with_files
def plan_action_add(
    *,
    by: User,
    declaration: Declaration,
    title: str,
    owner_name: str = "",
    owner: User | None = None,
    due_on: date | None = None,
    origin: AuditOrigin | None = None,
) -> PlanAction:
    """The cell adds an action to the plan; the structure adds its own."""
    _require(by, declaration, access.PLAN_ADD)
    if not title.strip():
        raise Refusal(_("Écrivez l'intitulé de l'action."), field="title")
    accompaniment = _open_of(declaration)
    now = timezone.now()
    last = accompaniment.actions.order_by("-position").values_list("position", flat=True).first() or 0
    action = PlanAction.objects.create(
        accompaniment=accompaniment,
        position=last + 1,
        title=title.strip(),
        owner_name=owner_name.strip(),
        owner=_structure_member(declaration, owner),
        due_on=due_on,
        created_at=now,
        created_by=by,
        updated_at=now,
        updated_by=by,
    )
    audit_record(
        actor=by,
        action="accompaniment.action_added",
        obj=action,
        origin=origin,
        data={"declaration": declaration.reference, "title": action.title},
    )
    return action


PLANNING = ("title", "owner_name", "owner", "due_on")


@atomic_with_files
def plan_action_update(
    *,
    by: User,
    action: PlanAction,
    state: str | None = None,
    evidence_note: str | None = None,
    evidence_file: UploadedFile | None = None,
    title: str | None = None,
    owner_name: str | None = None,
    owner: User | None = None,
    due_on: date | None = None,
    origin: AuditOrigin | None = None,
) -> PlanAction:
    """The state and evidence of an action (the cell, the structure); its title, owner and due date (the cell).
    ``None`` leaves a field as it is (``owner_name=""`` and no owner clear the owner)."""
    declaration = action.accompaniment.declaration
    planning = {"title": title, "owner_name": owner_name, "owner": owner, "due_on": due_on}
    progress = {"state": state, "evidence_note": evidence_note, "evidence_file": evidence_file}
    if any(v is not None for v in planning.values()):
        _require(by, declaration, access.PLAN_EDIT)
    if any(v is not None for v in progress.values()) or not any(v is not None for v in planning.values()):
        _require(by, declaration, access.PLAN_PROGRESS)
    _open_of(declaration)
    action = PlanAction.objects.select_for_update().get(pk=action.pk)
    changed: list[str] = []
    if state is not None:
        if state not in ActionState.values:
            raise Refusal(_("Cet état n'existe pas."), field="state")
        action.state = state
        changed.append("state")
    if evidence_note is not None:
        action.evidence_note = evidence_note.strip()
        changed.append("evidence_note")
    if evidence_file is not None:
        _store_evidence(action, evidence_file, by)
        changed.append("evidence_file")
    if title is not None:
        if not title.strip():
            raise Refusal(_("Écrivez l'intitulé de l'action."), field="title")
        action.title = title.strip()
        changed.append("title")
    if owner_name is not None or owner is not None:
        action.owner_name = (owner_name or "").strip()
        action.owner = _structure_member(declaration, owner)
        changed.append("owner")
    if due_on is not None:
        action.due_on = due_on
        changed.append("due_on")
    action.updated_at, action.updated_by = timezone.now(), by
    action.save()
    audit_record(
        actor=by,
        action="accompaniment.action_updated",
        obj=action,
        origin=origin,
        data={
            "declaration": declaration.reference,
            "changed": changed,
            "state": action.state,
            "sha256": action.evidence_sha256 or None,
        },
    )
    return action


@transaction.atomic
def plan_template_revise(
    *,
    by: User,
    template: PlanTemplate,
    actions: list[tuple[str, int]],
    change_note: str,
    origin: AuditOrigin | None = None,
) -> PlanTemplateVersion:
    """A new version of a template (the cell): its actions (title, due offset in days); earlier versions, and
    the plans made from them, do not change."""
    if not access.is_cell(by):
        raise Refusal(str(access.CELL_ONLY))
    if not change_note.strip():
        raise Refusal(_("Indiquez l'objet de la modification."), field="change_note")
    if not actions:
        raise Refusal(_("Un modèle compte au moins une action."), field="actions")
    template = PlanTemplate.objects.select_for_update().get(pk=template.pk)
    last = template.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = PlanTemplateVersion.objects.create(
        template=template, number=last + 1, change_note=change_note.strip(), created_by=by
    )
    PlanTemplateAction.objects.bulk_create(
        PlanTemplateAction(version=version, position=i, title=title.strip(), due_offset_days=days)
        for i, (title, days) in enumerate(actions, start=1)
    )
    audit_record(
        actor=by,
        action="accompaniment.template_revised",
        obj=version,
        origin=origin,
        data={"template": template.slug, "number": version.number},
    )
    return version


@transaction.atomic
def accompaniment_import(
    *,
    by: User,
    declaration: Declaration,
    opened_at: datetime,
    closed_at: datetime | None = None,
    origin: AuditOrigin | None = None,
) -> Accompaniment:
    """A past accompaniment, loaded with an imported declaration (``import_declarations``): written as it was,
    with its dates, no plan, nobody told. Only for an imported declaration; once per declaration."""
    if not declaration.imported:
        raise Refusal(_("Seul l'accompagnement d'une déclaration importée se reprend de l'historique."))
    existing = Accompaniment.objects.filter(declaration=declaration).first()
    if existing is not None:
        return existing
    accompaniment = Accompaniment.objects.create(
        declaration=declaration,
        origin=AccompanimentOrigin.REQUESTED if declaration.accompaniment_requested else AccompanimentOrigin.DECIDED,
        opened_at=opened_at,
        opened_by=by,
        closed_at=closed_at,
        closed_by=by if closed_at else None,
    )
    audit_record(
        actor=by,
        action="accompaniment.imported",
        obj=accompaniment,
        origin=origin,
        data={"declaration": declaration.reference},
    )
    return accompaniment
