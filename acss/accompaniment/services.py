"""Writes of the accompaniment. Keyword-only, one transaction, one audit event each.

Who may is ``acss.accompaniment.access``: the views check first (403); the services keep checking and refuse
with the same French sentence (``Refusal``), and they alone answer the state (an accompaniment that is not open).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from acss.accounts.models import AuthorityCode, MembershipStatus, Organisation, OrganisationKind, User
from acss.core.audit import AuditOrigin, audit_record
from acss.core.errors import Refusal
from acss.core.tasks import send_mail_on_commit
from acss.incidents.models import CaseState, Declaration
from acss.incidents.selectors.cases import case_get_for_declaration
from acss.incidents.services.cases import case_start_accompaniment
from acss.incidents.uploads import atomic_with_files, file_write, upload_check

from . import access
from .models import (
    Accompaniment,
    AccompanimentOrigin,
    ActionState,
    ExpertMission,
    MissionKind,
    MissionState,
    OverdueReminder,
    PlanAction,
    PlanTemplate,
    PlanTemplateAction,
    PlanTemplateVersion,
    SheetEntry,
    evidence_path,
    report_path,
)
from .selectors import overdue_actions_by_declaration


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
    context = {"d": declaration, "accompaniment": accompaniment, "actions": accompaniment.actions.count()}
    _mail("opened", context, structure_recipients(declaration) | _region_ars_recipients(declaration))
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


# --------------------------------------------------------------------------------------------------
# Mails
# --------------------------------------------------------------------------------------------------


def _mail(template: str, context: dict, recipients) -> None:
    """One mail of ``accompaniment/email/<template>``, sent once the transaction commits."""
    to = sorted({address for address in recipients if address})
    if not to:
        return
    context = {**context, "site_url": settings.SITE_URL}
    subject = "".join(render_to_string(f"accompaniment/email/{template}_subject.txt", context).splitlines())
    send_mail_on_commit(subject=subject, body=render_to_string(f"accompaniment/email/{template}.txt", context), to=to)


def _members(organisations) -> set[str]:
    return set(
        User.objects.filter(
            memberships__organisation__in=organisations, memberships__status=MembershipStatus.ACTIVE, is_active=True
        ).values_list("email", flat=True)
    )


def structure_recipients(declaration: Declaration) -> set[str]:
    """The structure's active people, and the declaration's alternative contact."""
    recipients = _members([declaration.structure_id])
    if declaration.alt_contact_email:
        recipients.add(declaration.alt_contact_email)
    return recipients


def _organisation_recipients(organisations) -> set[str]:
    """The organisations' own addresses, else their active people's."""
    organisations = list(organisations)
    own = {o.email for o in organisations if o.email}
    return own or _members(organisations)


def _cell_recipients() -> set[str]:
    return _organisation_recipients(Organisation.objects.filter(kind=OrganisationKind.ACSS))


def _fssi_recipients(mission: ExpertMission) -> set[str]:
    return _organisation_recipients(Organisation.objects.filter(authority_code=AuthorityCode.FSSI)) | {
        mission.requested_by.email
    }


def _region_ars_recipients(declaration: Declaration) -> set[str]:
    """The ARS of the structure's region: its address and its agents."""
    ars = list(
        Organisation.objects.filter(kind=OrganisationKind.ARS, region_id=declaration.structure.departement.region_id)
    )
    return {o.email for o in ars if o.email} | _members(ars)


# --------------------------------------------------------------------------------------------------
# Expert missions
# --------------------------------------------------------------------------------------------------


def _mission_locked(mission: ExpertMission, *, state: str, refusal) -> ExpertMission:
    mission = (
        ExpertMission.objects.select_for_update()
        .select_related("declaration__structure__departement", "requested_by")
        .get(pk=mission.pk)
    )
    if mission.state != state:
        raise Refusal(refusal)
    return mission


@transaction.atomic
def mission_request(
    *, by: User, declaration: Declaration, kind: str, reason: str, origin: AuditOrigin | None = None
) -> ExpertMission:
    """The FSSI asks for an expert mission on the case, with its reason; the cell is told."""
    _require(by, declaration, access.MISSION_REQUEST)
    if kind not in MissionKind.values:
        raise Refusal(_("Choisissez la nature de la mission."), field="kind")
    if not reason.strip():
        raise Refusal(_("Indiquez le motif de la demande."), field="reason")
    try:
        case_get_for_declaration(declaration=declaration)
    except Http404:
        raise Refusal(_("Une mission d'expertise se demande sur un dossier ouvert.")) from None
    mission = ExpertMission.objects.create(
        declaration=declaration,
        kind=kind,
        request_reason=reason.strip(),
        requested_by=by,
        requested_at=timezone.now(),
    )
    audit_record(
        actor=by,
        action="accompaniment.mission_requested",
        obj=mission,
        origin=origin,
        data={"declaration": declaration.reference, "kind": kind},
    )
    _mail("mission_requested", {"d": declaration, "mission": mission}, _cell_recipients())
    return mission


@transaction.atomic
def mission_open(
    *,
    by: User,
    mission: ExpertMission,
    team: str,
    starts_on: date,
    ends_on: date,
    scope: str,
    origin: AuditOrigin | None = None,
) -> ExpertMission:
    """The cell opens a requested mission: its team, dates and scope; the structure and the FSSI are told."""
    _require(by, mission.declaration, access.MISSION_OPEN)
    if not team.strip():
        raise Refusal(_("Indiquez l'équipe de la mission."), field="team")
    if not scope.strip():
        raise Refusal(_("Indiquez le périmètre de la mission."), field="scope")
    if starts_on is None or ends_on is None:
        raise Refusal(_("Indiquez les dates de début et de fin de la mission."), field="starts_on")
    if ends_on < starts_on:
        raise Refusal(_("La fin de la mission ne peut précéder son début."), field="ends_on")
    mission = _mission_locked(
        mission, state=MissionState.REQUESTED, refusal=_("Seule une mission demandée peut être ouverte.")
    )
    mission.state = MissionState.OPENED
    mission.team, mission.scope = team.strip(), scope.strip()
    mission.starts_on, mission.ends_on = starts_on, ends_on
    mission.opened_by, mission.opened_at = by, timezone.now()
    mission.save()
    declaration = mission.declaration
    audit_record(
        actor=by,
        action="accompaniment.mission_opened",
        obj=mission,
        origin=origin,
        data={"declaration": declaration.reference, "starts_on": str(starts_on), "ends_on": str(ends_on)},
    )
    recipients = structure_recipients(declaration) | _fssi_recipients(mission)
    _mail("mission_opened", {"d": declaration, "mission": mission}, recipients)
    return mission


@atomic_with_files
def mission_finish(
    *,
    by: User,
    mission: ExpertMission,
    report: UploadedFile | None,
    summary: str = "",
    origin: AuditOrigin | None = None,
) -> ExpertMission:
    """The cell finishes an open mission with its report attached; the structure and the FSSI are told."""
    _require(by, mission.declaration, access.MISSION_FINISH)
    if report is None:
        raise Refusal(_("Joignez le rapport de la mission."), field="report")
    mission = _mission_locked(
        mission, state=MissionState.OPENED, refusal=_("Seule une mission ouverte peut être terminée.")
    )
    try:
        checked = upload_check(report)
    except Refusal as exc:
        raise Refusal(exc.message, code=exc.code, field="report") from None
    field = ExpertMission._meta.get_field("report_file")
    mission.report_file.name = file_write(report, storage=field.storage, name=report_path(mission, ""))
    mission.report_name = (report.name or "rapport")[:255]
    mission.report_content_type = checked.content_type
    mission.report_size = checked.size
    mission.report_sha256 = checked.sha256
    mission.report_summary = summary.strip()
    mission.state = MissionState.FINISHED
    mission.finished_by, mission.finished_at = by, timezone.now()
    mission.save()
    declaration = mission.declaration
    audit_record(
        actor=by,
        action="accompaniment.mission_finished",
        obj=mission,
        origin=origin,
        data={"declaration": declaration.reference, "sha256": mission.report_sha256},
    )
    recipients = structure_recipients(declaration) | _fssi_recipients(mission)
    _mail("mission_finished", {"d": declaration, "mission": mission}, recipients)
    return mission


@transaction.atomic
def mission_refuse(
    *, by: User, mission: ExpertMission, reason: str, origin: AuditOrigin | None = None
) -> ExpertMission:
    """The cell refuses a requested mission, with its reason; the FSSI is told (the structure was not)."""
    _require(by, mission.declaration, access.MISSION_REFUSE)
    if not reason.strip():
        raise Refusal(_("Indiquez le motif du refus."), field="reason")
    mission = _mission_locked(
        mission, state=MissionState.REQUESTED, refusal=_("Seule une mission demandée peut être refusée.")
    )
    mission.state = MissionState.REFUSED
    mission.refusal_reason = reason.strip()
    mission.refused_by, mission.refused_at = by, timezone.now()
    mission.save()
    audit_record(
        actor=by,
        action="accompaniment.mission_refused",
        obj=mission,
        origin=origin,
        data={"declaration": mission.declaration.reference},
    )
    _mail("mission_refused", {"d": mission.declaration, "mission": mission}, _fssi_recipients(mission))
    return mission


# --------------------------------------------------------------------------------------------------
# Reminders of overdue plan actions
# --------------------------------------------------------------------------------------------------


def _reminder_recorded(action: PlanAction, today: date) -> bool:
    """Record that ``action`` is reminded ``today``; False when a run (this one, another) already did."""
    try:
        with transaction.atomic():
            OverdueReminder.objects.create(action=action, sent_on=today, sent_at=timezone.now())
    except IntegrityError:
        return False
    return True


def plan_actions_remind_overdue(*, today: date | None = None) -> int:
    """Mail each structure the open actions of its open plans past their due date, each action at most once a
    day (``OverdueReminder``, unique per action and day: a second run the same day, or a run racing this one,
    sends nothing new). One mail per structure and day listing its actions. Returns the number of actions
    reminded."""
    today = today or timezone.localdate()
    reminded = 0
    for declaration, overdue in overdue_actions_by_declaration(today=today):
        with transaction.atomic():
            fresh = [action for action in overdue if _reminder_recorded(action, today)]
            if not fresh:
                continue
            audit_record(
                actor=None,
                action="accompaniment.overdue_reminder",
                obj=declaration.accompaniment,
                data={"declaration": declaration.reference, "actions": [a.pk for a in fresh], "day": str(today)},
            )
            _mail("overdue_actions", {"d": declaration, "actions": fresh}, structure_recipients(declaration))
        reminded += len(fresh)
    return reminded
