"""Reminders of the handling, run by the tasks of ``acss.incidents.tasks.reminders`` (enqueued by
``manage.py acss_scheduler``), and the retry of the notifications left pending.

Each may run several times at once (several schedulers on several machines, a slow worker): a reminder is
recorded as an audit event before its e-mail is enqueued, in one transaction holding a lock on the row it is
about, so that a reminder is sent once for a given due date whatever the number of runs.

The retry enqueues the delivery task, which the tasks module defines and which imports this one: it is passed in
(``deliver``), as in ``acss.incidents.services.notifications``.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks.base import Task

from acss.accounts.models import MembershipStatus, Organisation, OrganisationKind
from acss.core.audit import audit_record, object_type_of
from acss.core.models import AuditEvent
from acss.core.tasks import enqueue_on_commit, send_mail_on_commit
from acss.incidents.models import OPEN_STATES, Case, Declaration, Message
from acss.incidents.selectors.cases import case_list_overdue_qualification, question_list_overdue
from acss.incidents.selectors.notifications import notification_ids_due

logger = logging.getLogger("acss.scheduler")

QUALIFICATION_REMINDER = "case.reminder"
QUESTION_REMINDER = "case.question_reminder"
DECLARATION_TYPE = object_type_of(Declaration)
MESSAGE_TYPE = object_type_of(Message)
# A notification just recorded is enqueued by the routing itself; the scheduler only picks up what was left
# behind (a worker that died, the immediate backend's retries, a deferred retry that was lost).
RETRY_GRACE = timedelta(minutes=2)
RETRY_BATCH = 500


def _iso(at: datetime) -> str:
    """The due date as recorded in the reminder's event: UTC, ISO 8601, the same on every database."""
    return at.astimezone(UTC).isoformat()


def _render(template: str, context: dict) -> tuple[str, str]:
    context = {**context, "site_url": settings.SITE_URL}
    subject = "".join(render_to_string(f"{template}_subject.txt", context).splitlines())
    return subject, render_to_string(f"{template}.txt", context)


def _cell_address() -> str:
    cell = Organisation.objects.filter(kind=OrganisationKind.ACSS).exclude(email="").first()
    return cell.email if cell else settings.ACSS_CONTACT_EMAIL


def _reminded(action: str, object_type: str, object_ids: list[str]) -> set[tuple[str, str]]:
    """(object id, due) of the reminders already recorded for these objects, in one query."""
    events = AuditEvent.objects.filter(action=action, object_type=object_type, object_id__in=object_ids)
    return {(object_id, (data or {}).get("due", "")) for object_id, data in events.values_list("object_id", "data")}


def qualifications_remind_overdue() -> int:
    """E-mail the assigned analyst (or the cell) once for each open, unqualified case past its due date.

    A case whose clock is paused has no due date; when the clock restarts, the new due date gets its own
    reminder if it is missed too. Returns the number of reminders sent.
    """
    now = timezone.now()
    overdue = case_list_overdue_qualification(now=now)
    if not overdue:
        return 0
    done = _reminded(QUALIFICATION_REMINDER, DECLARATION_TYPE, [str(d) for _, d, _ in overdue])
    sent = 0
    for case_pk, declaration_pk, due in overdue:
        if (str(declaration_pk), _iso(due)) not in done and qualification_remind(case_pk=case_pk, now=now):
            sent += 1
    return sent


@transaction.atomic
def qualification_remind(*, case_pk: int, now: datetime) -> bool:
    """The reminder of one case's overdue qualification, once per due date (under a lock on the case)."""
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("declaration__structure", "assigned_to")
        .get(pk=case_pk)
    )
    due = case.qualification_due_at
    if case.state not in OPEN_STATES or case.qualified_at is not None or due is None or due >= now:
        return False
    declaration = case.declaration
    if AuditEvent.objects.filter(
        action=QUALIFICATION_REMINDER, object_type=DECLARATION_TYPE, object_id=str(declaration.pk), data__due=_iso(due)
    ).exists():
        return False
    analyst = case.assigned_to
    to = analyst.email if analyst is not None and analyst.is_active and analyst.email else _cell_address()
    audit_record(action=QUALIFICATION_REMINDER, obj=declaration, data={"due": _iso(due), "to": [to]})
    subject, body = _render(
        "cases/email/reminder_qualification", {"d": declaration, "case": case, "due": due, "analyst": analyst}
    )
    send_mail_on_commit(subject=subject, body=body, to=[to])
    logger.info("rappel de qualification %s envoyé à %s", declaration.reference, to)
    return True


def questions_remind_unanswered() -> int:
    """E-mail the structure's active members once for each question left unanswered past its deadline.

    Only questions on open cases: a closed case expects nothing more. Returns the number of reminders sent.
    """
    now = timezone.now()
    late = question_list_overdue(now=now)
    if not late:
        return 0
    done = {pk for pk, _ in _reminded(QUESTION_REMINDER, MESSAGE_TYPE, [str(pk) for pk, _ in late])}
    sent = 0
    for pk, _due in late:
        if str(pk) not in done and question_remind(question_pk=pk):
            sent += 1
    return sent


@transaction.atomic
def question_remind(*, question_pk: int) -> bool:
    """The reminder of one unanswered question, once (under a lock on the question)."""
    question = (
        Message.objects.select_for_update(of=("self",))
        .select_related("declaration__structure__departement", "declaration__case")
        .get(pk=question_pk)
    )
    declaration = question.declaration
    if question.answered_at is not None or declaration.case.state not in OPEN_STATES:
        return False
    if AuditEvent.objects.filter(
        action=QUESTION_REMINDER, object_type=MESSAGE_TYPE, object_id=str(question.pk)
    ).exists():
        return False
    recipients = set(
        declaration.structure.memberships.filter(status=MembershipStatus.ACTIVE, user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if declaration.alt_contact_email:
        recipients.add(declaration.alt_contact_email)
    to = sorted(recipients)
    # Recorded even without recipients, so that a structure without members is not looked at every minute.
    audit_record(
        action=QUESTION_REMINDER,
        obj=question,
        data={"declaration": declaration.reference, "due": _iso(question.answer_due_at), "to": to},
    )
    if not to:
        logger.warning("question %s sur %s en retard : la structure n'a aucun membre actif", question.pk, declaration)
        return False
    subject, body = _render("cases/email/reminder_question", {"d": declaration, "question": question})
    send_mail_on_commit(subject=subject, body=body, to=to)
    logger.info("rappel de la question %s sur %s envoyé à la structure", question.pk, declaration.reference)
    return True


def notifications_retry_pending(*, deliver: Task) -> int:
    """Enqueue ``deliver`` for every notification still pending whose next attempt is due.

    The delivery claims a notification with a conditional update before sending, so enqueuing one twice sends
    it once. Returns the number of deliveries enqueued.
    """
    now = timezone.now()
    ids = notification_ids_due(now=now, recorded_before=now - RETRY_GRACE, limit=RETRY_BATCH)
    for pk in ids:
        enqueue_on_commit(deliver, pk)
    return len(ids)
