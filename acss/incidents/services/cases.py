"""Writes of the handling of a declaration. Keyword-only, one transaction, own audit event each.

The cell's clock: ``Case.qualification_due_at`` counts business hours on the cell's calendar from the
submission; while a question to the structure is open it is frozen (``paused_remaining``) and restarts when
the last open question is answered. The structure's answer deadline counts on its own calendar.

Idempotency: a message is written once per idempotency key (``Message.idempotency_key``, ``create_once``); an
action that adds no row of its own records its key in ``KeyedAction`` (``keyed_action``), so that the same key
again answers what is, without doing the action twice nor calling a retry an error.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acss.accounts.models import MembershipStatus, Organisation, OrganisationKind, User
from acss.core.audit import AuditOrigin, audit_record
from acss.core.calendars import cell_calendar, structure_calendar
from acss.core.errors import Refusal
from acss.core.french import de_organisation
from acss.core.idempotency import IdempotencyConflictError, Written, create_once
from acss.core.models import IncidentCategory
from acss.core.tasks import send_mail_on_commit
from acss.incidents import access
from acss.incidents.models import Case, CaseState, Criticity, Declaration, Escalation, KeyedAction, Message, MessageKind
from acss.incidents.rules import answer_business_days, provisional_criticity, qualification_hours, transition_allowed

# What is missing or out of range, in the services' words: the table's forms (page and API) say the same.
JUSTIFICATION_REQUIRED = gettext_lazy("La justification de la qualification est obligatoire.")
SUMMARY_REQUIRED = gettext_lazy("La synthèse de clôture est obligatoire.")
OUT_OF_SCOPE_REASON_REQUIRED = gettext_lazy("Indiquez pourquoi la déclaration est hors du champ.")
ESCALATION_REASON_REQUIRED = gettext_lazy("Le motif de la transmission est obligatoire.")
MESSAGE_REQUIRED = {
    MessageKind.QUESTION: gettext_lazy("Écrivez la question."),
    MessageKind.ANSWER: gettext_lazy("Écrivez votre réponse."),
    MessageKind.NOTE: gettext_lazy("Écrivez la note."),
}


def _criticity_range() -> str:
    return _("La criticité va de « %(low)s » à « %(high)s ».") % {
        "low": Criticity.MINOR.label,
        "high": Criticity.MAJOR.label,
    }


CRITICITY_RANGE = lazy(_criticity_range, str)()


def fingerprint(params: dict) -> str:
    """The SHA-256 of an action's parameters (objects by their primary key), to tell a retry from another write."""

    def plain(value):
        return value.pk if hasattr(value, "pk") else value

    canonical = json.dumps({k: plain(v) for k, v in params.items()}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def keyed_action(
    *,
    key: str | None,
    declaration: Declaration,
    action: str,
    by: User,
    params: dict,
    run: Callable[[], object],
    refusals: tuple[type[Exception], ...] = (Refusal,),
) -> bool:
    """Run ``run`` (a service) once per idempotency key; True when it ran now, False when the key says it already
    did. The key is recorded in ``KeyedAction`` in the same savepoint as what ``run`` writes.

    The same key again, for the same declaration, action, person and parameters, does nothing and says so (a
    retry); for anything else it is an ``IdempotencyConflictError``. When twin requests race, the second waits on
    the case's lock and is refused by the state the first left (``refusals``): its key then names the first's
    action, and it is a retry too."""
    if not key:
        run()
        return True
    digest = fingerprint(params)

    def same(row: KeyedAction) -> bool:
        return (row.declaration_id, row.action, row.author_id, row.fingerprint) == (
            declaration.pk,
            action,
            by.pk,
            digest,
        )

    def create() -> KeyedAction:
        run()
        return KeyedAction.objects.create(
            idempotency_key=key,
            declaration=declaration,
            action=action,
            fingerprint=digest,
            author=by,
            created_at=timezone.now(),
        )

    try:
        _row, created = create_once(KeyedAction, key=key, create=create, same=same)
    except IdempotencyConflictError:
        raise
    except refusals:
        stored = KeyedAction.objects.filter(idempotency_key=key).first()
        if stored is None:
            raise
        if not same(stored):
            raise IdempotencyConflictError from None
        return False
    return created


def _require_acss(user: User) -> None:
    """The cell's actions (``access.CELL``): the views check first (403); the services keep checking."""
    if not access.is_cell(user):
        raise Refusal(str(access.CELL_ONLY))


def _require(user: User, declaration: Declaration, action: str) -> None:
    """``action`` allowed to ``user`` on ``declaration`` by ``access``, else the same French refusal."""
    message = access.refusal_message(actor_or_user=user, declaration=declaration, action=action)
    if message:
        raise Refusal(message)


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update().select_related("declaration__structure__departement").get(pk=case.pk)


def case_open(*, declaration: Declaration) -> Case:
    """Called by intake in the submission's transaction: the case and its first deadline."""
    criticity = provisional_criticity(declaration)
    return Case.objects.create(
        declaration=declaration,
        opened_at=declaration.submitted_at,
        provisional_criticity=criticity,
        qualification_due_at=cell_calendar().add_business_hours(
            declaration.submitted_at, qualification_hours(criticity)
        ),
    )


def case_refresh_provisional(*, declaration: Declaration) -> None:
    """After a quick alert is completed: the provisional criticity may rise, and its deadline with it."""
    case = _locked(declaration.case)
    if case.criticity is not None or not case.is_open:
        return
    criticity = provisional_criticity(declaration)
    if criticity == case.provisional_criticity:
        return
    case.provisional_criticity = criticity
    fields = ["provisional_criticity"]
    if case.waiting_since is None:
        case.qualification_due_at = cell_calendar().add_business_hours(case.opened_at, qualification_hours(criticity))
        fields.append("qualification_due_at")
    case.save(update_fields=fields)


def _transition(
    case: Case, target: str, *, by: User, origin: AuditOrigin | None = None, data: dict | None = None
) -> Case:
    if not transition_allowed(case.state, target):
        raise Refusal(
            _("Passage impossible de « %(from)s » à « %(to)s ».")
            % {"from": CaseState(case.state).label, "to": CaseState(target).label}
        )
    previous = case.state
    case.state = target
    audit_record(
        actor=by,
        action="case.transition",
        obj=case.declaration,
        origin=origin,
        data={"from": previous, "to": target, **(data or {})},
    )
    return case


@transaction.atomic
def case_assign(*, case: Case, analyst: User | None, by: User, origin: AuditOrigin | None = None) -> Case:
    _require_acss(by)
    if analyst is not None and not access.is_cell(analyst):
        raise Refusal(_("On n'assigne un dossier qu'à un analyste de la cellule."))
    case = _locked(case)
    case.assigned_to = analyst
    case.save(update_fields=["assigned_to"])
    audit_record(
        actor=by,
        action="case.assigned",
        obj=case.declaration,
        origin=origin,
        data={"analyst": analyst.email if analyst else None},
    )
    return case


@transaction.atomic
def case_take(*, case: Case, by: User, origin: AuditOrigin | None = None) -> Case:
    """new → qualifying: an analyst takes the case (and is assigned it if nobody is)."""
    _require_acss(by)
    case = _locked(case)
    _transition(case, CaseState.QUALIFYING, by=by, origin=origin)
    if case.assigned_to_id is None:
        case.assigned_to = by
    case.save(update_fields=["state", "assigned_to"])
    return case


@transaction.atomic
def case_qualify(
    *,
    case: Case,
    by: User,
    criticity: int,
    legal_level: str,
    justification: str,
    sanitary_impact_confirmed: bool,
    category: IncidentCategory | None = None,
    rsit: str = "",
    origin: AuditOrigin | None = None,
) -> Case:
    """qualifying → qualified, with the analyst's criticity, legal level and a required justification.

    The typology and RSIT class retained by the cell are stored on the case; the declarant's answer stays
    as it was on the declaration."""
    _require_acss(by)
    if not justification.strip():
        raise Refusal(str(JUSTIFICATION_REQUIRED))
    if criticity not in Criticity.values:
        raise Refusal(str(CRITICITY_RANGE))
    case = _locked(case)
    _transition(
        case,
        CaseState.QUALIFIED,
        by=by,
        origin=origin,
        data={
            "criticity": criticity,
            "legal_level": legal_level,
            "sanitary_impact_confirmed": sanitary_impact_confirmed,
            "category": category.code if category else None,
            "rsit": rsit,
        },
    )
    case.criticity, case.legal_level, case.justification = criticity, legal_level, justification.strip()
    case.sanitary_impact_confirmed = sanitary_impact_confirmed
    case.category = category
    case.rsit = rsit or (category.rsit if category else "")
    case.qualified_at = timezone.now()
    case.save()
    return case


@transaction.atomic
def case_start_accompaniment(*, case: Case, by: User, origin: AuditOrigin | None = None) -> Case:
    _require_acss(by)
    case = _locked(case)
    _transition(case, CaseState.ACCOMPANIMENT, by=by, origin=origin)
    case.save(update_fields=["state"])
    return case


@transaction.atomic
def case_close(
    *,
    case: Case,
    by: User,
    summary: str,
    root_cause: str = "",
    degraded_hours: int | None = None,
    patients_affected: int | None = None,
    provider: str = "",
    origin: AuditOrigin | None = None,
) -> Case:
    _require_acss(by)
    if not summary.strip():
        raise Refusal(str(SUMMARY_REQUIRED))
    case = _locked(case)
    _transition(case, CaseState.CLOSED, by=by, origin=origin)
    _end_clock(case)
    case.closed_at, case.closed_by = timezone.now(), by
    case.closure_summary, case.closure_root_cause, case.closure_provider = summary.strip(), root_cause, provider
    case.closure_degraded_hours, case.closure_patients_affected = degraded_hours, patients_affected
    case.save()
    _notify_structure(case.declaration, "cases/email/closed", {"case": case})
    return case


@transaction.atomic
def case_out_of_scope(*, case: Case, by: User, reason: str, origin: AuditOrigin | None = None) -> Case:
    _require_acss(by)
    if not reason.strip():
        raise Refusal(str(OUT_OF_SCOPE_REASON_REQUIRED))
    case = _locked(case)
    _transition(case, CaseState.OUT_OF_SCOPE, by=by, origin=origin, data={"reason": reason})
    _end_clock(case)
    case.closed_at, case.closed_by, case.closure_summary = timezone.now(), by, reason.strip()
    case.save()
    return case


@transaction.atomic
def case_merge(*, case: Case, by: User, into: Declaration, origin: AuditOrigin | None = None) -> Case:
    """Merge a duplicate into the declaration that stays (the survivor), both of one structure.

    Nothing of the duplicate moves or changes: its messages, addenda, attachments, escalations and audit events
    stay its own, and the survivor's page shows them with its own, in order (``selectors.cases.merged_into``).
    Declarations merged earlier into the duplicate now point to the survivor, so one survivor holds them all.
    Declarations of two structures are never merged: they are linked to a provider's incident instead."""
    _require_acss(by)
    if into.pk == case.declaration_id:
        raise Refusal(_("Une déclaration ne peut pas être le doublon d'elle-même."))
    declaration = case.declaration
    if into.structure_id != declaration.structure_id:
        raise Refusal(
            _(
                "%(ref)s est une déclaration d'une autre structure : on ne fusionne que les doublons d'une même "
                "structure. Pour un incident qui touche plusieurs structures, reliez-les à un incident de prestataire."
            )
            % {"ref": into.reference}
        )
    survivor_case = Case.objects.filter(declaration=into).select_related("merged_into").first()
    if survivor_case is not None and survivor_case.merged_into_id is not None:
        raise Refusal(
            _("%(ref)s a elle-même été fusionnée dans %(final)s : fusionnez plutôt dans %(final)s.")
            % {"ref": into.reference, "final": survivor_case.merged_into.reference}
        )
    case = _locked(case)
    carried = list(
        Case.objects.filter(merged_into=declaration).values_list("declaration__reference", flat=True).order_by("id")
    )
    _transition(case, CaseState.DUPLICATE, by=by, origin=origin, data={"into": into.reference, "carried": carried})
    _end_clock(case)
    case.merged_into, case.closed_at, case.closed_by = into, timezone.now(), by
    case.save()
    if carried:
        Case.objects.filter(merged_into=declaration).update(merged_into=into)
    audit_record(
        actor=by,
        action="case.merged_in",
        obj=into,
        origin=origin,
        data={"duplicate": declaration.reference, "carried": carried},
    )
    return case


def _end_clock(case: Case) -> None:
    case.qualification_due_at = None if case.qualified_at else case.qualification_due_at
    case.paused_remaining = None
    case.waiting_since = None


@transaction.atomic
def case_escalate(
    *, case: Case, by: User, authority_code: str, reason: str, origin: AuditOrigin | None = None
) -> Escalation:
    """Escalate to an authority: recorded (to whom, when, why, by whom), the authority notified and given
    read access to the case."""
    _require_acss(by)
    if not reason.strip():
        raise Refusal(str(ESCALATION_REASON_REQUIRED))
    authority = Organisation.objects.get(kind=OrganisationKind.AUTHORITY, authority_code=authority_code)
    declaration = case.declaration
    escalation, created = Escalation.objects.get_or_create(
        declaration=declaration,
        authority=authority,
        defaults={"reason": reason.strip(), "decided_by": by, "decided_at": timezone.now()},
    )
    if not created:
        raise Refusal(_("La déclaration a déjà été transmise à %(name)s.") % {"name": authority.name})
    audit_record(
        actor=by,
        action="case.escalated",
        obj=declaration,
        origin=origin,
        data={"authority": authority_code, "reason": reason.strip()},
    )
    recipients = [a for a in (authority.email,) if a] + list(
        authority.memberships.filter(status=MembershipStatus.ACTIVE).values_list("user__email", flat=True)
    )
    if recipients:
        send_mail_on_commit(
            subject=_("[ACSS] Déclaration %(ref)s %(de_name)s transmise par la cellule ACSS")
            % {"ref": declaration.reference, "de_name": de_organisation(declaration.structure)},
            body=render_to_string(
                "cases/email/escalated.txt", {"d": declaration, "escalation": escalation, "site_url": settings.SITE_URL}
            ),
            to=sorted(set(recipients)),
        )
    return escalation


def _message_once(
    *, key: str | None, declaration: Declaration, kind: str, by: User, body: str, question, insert
) -> Written[Message]:
    """The message ``insert`` writes, or the one already written under ``key`` by the same person, on the same
    declaration, with the same text (``created`` says which); a key used for another message is an
    ``IdempotencyConflictError``."""

    def same(message: Message) -> bool:
        sent = (message.declaration_id, message.kind, message.author_id, message.body, message.question_id)
        return sent == (declaration.pk, kind, by.pk, body, question.pk if question else None)

    return Written(*create_once(Message, key=key, create=insert, same=same))


@transaction.atomic
def question_ask(
    *,
    declaration: Declaration,
    by: User,
    body: str,
    idempotency_key: str | None = None,
    origin: AuditOrigin | None = None,
) -> Written[Message]:
    """ACSS, or the ARS of the region, asks the structure. The cell's clock pauses until it is answered.

    Once per idempotency key: the same key again hands back the first question (``created`` false)."""
    _require(by, declaration, access.QUESTION)
    if not body.strip():
        raise Refusal(str(MESSAGE_REQUIRED[MessageKind.QUESTION]))
    now = timezone.now()
    due = structure_calendar(declaration.structure.departement).add_business_days(now, answer_business_days())
    written = _message_once(
        key=idempotency_key,
        declaration=declaration,
        kind=MessageKind.QUESTION,
        by=by,
        body=body.strip(),
        question=None,
        insert=lambda: Message.objects.create(
            declaration=declaration,
            kind=MessageKind.QUESTION,
            author=by,
            author_organisation=access.author_organisation(by),
            body=body.strip(),
            created_at=now,
            answer_due_at=due,
            idempotency_key=idempotency_key or None,
        ),
    )
    if not written.created:
        return written
    question = written.row
    case = _locked(declaration.case)
    if case.is_open and case.waiting_since is None:
        case.waiting_since = now
        if case.qualification_due_at is not None and case.qualified_at is None:
            case.paused_remaining = _remaining(case.qualification_due_at, now)
            case.qualification_due_at = None
        case.save(update_fields=["waiting_since", "paused_remaining", "qualification_due_at"])
    audit_record(actor=by, action="case.question", obj=declaration, origin=origin, data={"message": question.pk})
    _notify_structure(declaration, "cases/email/question", {"question": question})
    return written


def _remaining(due, now) -> timedelta:
    """Business time left before ``due`` (negative when already late)."""
    calendar = cell_calendar()
    if due >= now:
        return calendar.business_time_between(now, due)
    return -calendar.business_time_between(due, now)


@transaction.atomic
def question_answer(
    *, question: Message, by: User, body: str, idempotency_key: str | None = None, origin: AuditOrigin | None = None
) -> Written[Message]:
    """The structure answers; when no question is left open, the cell's clock restarts where it stopped.

    Once per idempotency key: the same key again hands back the first answer (``created`` false)."""
    declaration = question.declaration
    _require(by, declaration, access.ANSWER)
    if not body.strip():
        raise Refusal(str(MESSAGE_REQUIRED[MessageKind.ANSWER]))
    now = timezone.now()
    written = _message_once(
        key=idempotency_key,
        declaration=declaration,
        kind=MessageKind.ANSWER,
        by=by,
        body=body.strip(),
        question=question,
        insert=lambda: Message.objects.create(
            declaration=declaration,
            kind=MessageKind.ANSWER,
            author=by,
            body=body.strip(),
            created_at=now,
            question=question,
            idempotency_key=idempotency_key or None,
        ),
    )
    if not written.created:
        return written
    answer = written.row
    if question.answered_at is None:
        Message.objects.filter(pk=question.pk).update(answered_at=now)
    still_open = Message.objects.filter(
        declaration=declaration, kind=MessageKind.QUESTION, answered_at__isnull=True
    ).exists()
    case = _locked(declaration.case)
    if not still_open and case.waiting_since is not None:
        if case.paused_remaining is not None:
            remaining = case.paused_remaining
            calendar = cell_calendar()
            case.qualification_due_at = (
                calendar.add_business_hours(now, remaining) if remaining >= timedelta(0) else now - (-remaining)
            )
        case.waiting_since, case.paused_remaining = None, None
        case.save(update_fields=["waiting_since", "paused_remaining", "qualification_due_at"])
    audit_record(actor=by, action="case.answer", obj=declaration, origin=origin, data={"message": answer.pk})
    if question.author.email:
        send_mail_on_commit(
            subject=_("[ACSS] Réponse %(de_name)s à votre question sur %(ref)s")
            % {"de_name": de_organisation(declaration.structure), "ref": declaration.reference},
            body=render_to_string(
                "cases/email/answer.txt",
                {"d": declaration, "question": question, "answer": answer, "site_url": settings.SITE_URL},
            ),
            to=[question.author.email],
        )
    return written


@transaction.atomic
def note_add(
    *,
    declaration: Declaration,
    by: User,
    body: str,
    idempotency_key: str | None = None,
    origin: AuditOrigin | None = None,
) -> Written[Message]:
    """An internal note of the cell: never shown to the structure (nor to the ARS or authorities).

    Once per idempotency key: the same key again hands back the first note (``created`` false)."""
    _require_acss(by)
    if not body.strip():
        raise Refusal(str(MESSAGE_REQUIRED[MessageKind.NOTE]))
    written = _message_once(
        key=idempotency_key,
        declaration=declaration,
        kind=MessageKind.NOTE,
        by=by,
        body=body.strip(),
        question=None,
        insert=lambda: Message.objects.create(
            declaration=declaration,
            kind=MessageKind.NOTE,
            author=by,
            body=body.strip(),
            created_at=timezone.now(),
            author_organisation=access.author_organisation(by),
            idempotency_key=idempotency_key or None,
        ),
    )
    if not written.created:
        return written
    note = written.row
    audit_record(actor=by, action="case.note", obj=declaration, origin=origin, data={"message": note.pk})
    return written


@transaction.atomic
def case_structure_resolved(*, declaration: Declaration, by: User, origin: AuditOrigin | None = None) -> Case:
    """The structure says the incident is resolved; the cell closes."""
    _require(by, declaration, access.RESOLVED)
    case = _locked(declaration.case)
    if case.structure_resolved_at is None:
        case.structure_resolved_at = timezone.now()
        case.save(update_fields=["structure_resolved_at"])
        audit_record(actor=by, action="case.structure_resolved", obj=declaration, origin=origin)
    return case


def _notify_structure(declaration: Declaration, template: str, context: dict) -> None:
    recipients = set(
        declaration.structure.memberships.filter(status=MembershipStatus.ACTIVE).values_list("user__email", flat=True)
    )
    if declaration.alt_contact_email:
        recipients.add(declaration.alt_contact_email)
    if not recipients:
        return
    context = {**context, "d": declaration, "site_url": settings.SITE_URL}
    subject = "".join(render_to_string(f"{template}_subject.txt", context).splitlines())
    send_mail_on_commit(subject=subject, body=render_to_string(f"{template}.txt", context), to=sorted(recipients))
