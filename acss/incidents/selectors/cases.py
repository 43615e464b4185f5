"""Reads for the handling panel: what each person sees of a case (the structure never sees internal notes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import BooleanField, ExpressionWrapper, F, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from acss.accounts.models import MembershipStatus, OrganisationKind, User
from acss.accounts.selectors import actor_for
from acss.incidents import access
from acss.incidents.models import (
    OPEN_STATES,
    Case,
    Declaration,
    FilingStage,
    KeyedAction,
    Message,
    MessageKind,
    Situation,
    SituationUpdate,
)
from acss.incidents.rules import STRUCTURE_STATUS, regulatory_deadlines
from acss.incidents.selectors.declarations import declaration_list_visible, declaration_with_state
from acss.incidents.selectors.filings import sent_dates
from acss.incidents.selectors.record import merged_into


def acss_analysts() -> QuerySet[User]:
    """The people of the cell a case can be assigned to (active members of the ACSS organisation)."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__organisation__kind=OrganisationKind.ACSS,
            memberships__status=MembershipStatus.ACTIVE,
        )
        .distinct()
        .order_by("last_name", "first_name", "email")
    )


def message_list_visible(*, user, declaration: Declaration, merged: list[Declaration] = ()) -> QuerySet[Message]:
    """The thread as this person may read it (``access.readable_message_kinds``): notes for ACSS only;
    authorities see no thread. With ``merged`` (the duplicates merged into it that the person reads), their
    messages too, in order: a duplicate is of the same structure, so the same kinds are read on it."""
    kinds = access.readable_message_kinds(actor_or_user=user, declaration=declaration)
    family = [declaration.pk, *(d.pk for d in merged)]
    qs = (
        Message.objects.filter(declaration_id__in=family)
        .select_related("author", "author_organisation", "question", "declaration")
        .order_by("created_at", "id")
    )
    return qs.filter(kind__in=kinds) if kinds else qs.none()


@dataclass
class Clock:
    label: str
    due: datetime
    overdue: bool  # late: past its deadline and not sent
    stage: str = ""
    sent_at: datetime | None = None  # the date the structure says it sent it


@dataclass
class HandlingView:
    case: Case
    status: str
    waiting: bool
    is_acss: bool
    is_structure: bool
    # What this person may do now (``acss.incidents.access.allowed_actions``); the panel shows these only.
    actions: frozenset[str]
    thread: list[Message]
    open_questions: list[Message]
    clocks: list[Clock] = field(default_factory=list)
    # The regulatory filings' pages (the structure, the cell, the region's ARS; not the authorities).
    reads_filings: bool = False

    @property
    def handling_actions(self) -> frozenset[str]:
        """The cell's actions on the case among ``actions`` (the panel's « Actions de la cellule »)."""
        return self.actions & access.HANDLING_ACTIONS

    @property
    def waiting_on_you(self) -> bool:
        """A question waits for the answer of the person reading (the structure's)."""
        return self.waiting and self.is_structure

    @property
    def closure_in_status(self) -> bool:
        """The closure's summary, told with the status to all but the cell (which reads it in the case's table)."""
        return bool(self.case.closure_summary) and not self.is_acss

    @property
    def shows_oncall(self) -> bool:
        """The on-call alerts and their acknowledgements, for the cell."""
        return self.is_acss

    @property
    def said_resolved(self) -> bool:
        """The structure said its incident resolved and the cell has not closed yet (told to the structure)."""
        return self.is_structure and self.case.is_open and self.case.structure_resolved_at is not None


def regulatory_clocks(declaration: Declaration, now: datetime) -> list[Clock]:
    """The NIS 2 and CNIL clocks of ``acss.incidents.rules.regulatory_deadlines``, labelled for the page: a stage
    the structure recorded as sent says when; one past its deadline and not sent is late."""
    sent = sent_dates(declaration)
    deadlines = regulatory_deadlines(declaration, sent)
    clocks = []
    if deadlines.nis2 is not None:
        nis2 = deadlines.nis2
        final_label = (
            _("NIS 2 : rapport final (un mois après la notification ; au plus tôt)")
            if nis2.final_report_is_earliest
            else _("NIS 2 : rapport final (un mois après la notification)")
        )
        for stage, due, label in (
            (FilingStage.EARLY_WARNING, nis2.early_warning, _("NIS 2 : alerte précoce (24 h)")),
            (FilingStage.NOTIFICATION, nis2.notification, _("NIS 2 : notification (72 h)")),
            (FilingStage.FINAL_REPORT, nis2.final_report, final_label),
        ):
            sent_at = sent.get(stage)
            clocks.append(Clock(label, due, sent_at is None and due < now, str(stage), sent_at))
    if deadlines.cnil is not None:
        sent_at = sent.get(FilingStage.CNIL)
        clocks.append(
            Clock(
                _("CNIL : notification d'une violation de données (72 h)"),
                deadlines.cnil,
                deadlines.cnil < now and not deadlines.cnil_notified,
                str(FilingStage.CNIL),
                sent_at,
            )
        )
    return clocks


def handling_view(*, user, declaration: Declaration) -> HandlingView | None:
    case = Case.objects.select_related("assigned_to", "category", "merged_into").filter(declaration=declaration).first()
    if case is None:
        return None
    actor = actor_for(user)
    thread = list(
        message_list_visible(user=user, declaration=declaration, merged=merged_into(user=user, declaration=declaration))
    )
    open_questions = [m for m in thread if m.kind == MessageKind.QUESTION and m.answered_at is None]
    return HandlingView(
        case=case,
        status=str(STRUCTURE_STATUS[case.state]),
        waiting=case.waiting_since is not None,
        is_acss=access.is_cell(actor),
        is_structure=access.acts_for_structure(actor_or_user=actor, declaration=declaration),
        actions=access.allowed_actions(actor_or_user=actor, declaration=declaration, case=case),
        thread=thread,
        open_questions=open_questions,
        clocks=regulatory_clocks(declaration, timezone.now()),
        reads_filings=access.reads_filings(actor_or_user=actor, declaration=declaration),
    )


def questions_awaiting_answer(*, user, now: datetime | None = None) -> QuerySet[Message]:
    """The open questions the person is expected to answer: on the declarations of the structures they act for
    (read through the visibility filter), the nearest deadline first; ``overdue`` when it has passed."""
    structure_ids = access.own_structure_ids(user)
    if not structure_ids:
        return Message.objects.none()
    mine = declaration_list_visible(user=user).filter(structure_id__in=structure_ids)
    return (
        Message.objects.filter(kind=MessageKind.QUESTION, answered_at__isnull=True, declaration__in=mine.values("pk"))
        .select_related("declaration__structure__departement", "author", "author_organisation")
        .annotate(overdue=ExpressionWrapper(Q(answer_due_at__lt=now or timezone.now()), output_field=BooleanField()))
        .order_by(F("answer_due_at").asc(nulls_last=True), "created_at", "pk")
    )


def cases_assigned_to(*, user) -> QuerySet[Declaration]:
    """The open cases assigned to the person (an analyst), the nearest qualification deadline first."""
    if not access.is_cell(user):
        return Declaration.objects.none()
    return (
        declaration_list_visible(user=user)
        .filter(case__assigned_to=user, case__state__in=OPEN_STATES)
        .select_related("case")
        .order_by(F("case__qualification_due_at").asc(nulls_last=True), "pk")
    )


def case_get_for_declaration(*, declaration: Declaration) -> Case:
    """The case of a declaration already read through the visibility filter; 404 if it has none."""
    try:
        return Case.objects.select_related("assigned_to", "closed_by", "merged_into").get(declaration=declaration)
    except Case.DoesNotExist:
        raise Http404("case not found") from None


def question_get_on_declaration(*, declaration: Declaration, pk) -> Message | None:
    """A question of this declaration's thread, or None (another declaration's question is no question here)."""
    return Message.objects.filter(pk=pk, declaration=declaration, kind=MessageKind.QUESTION).first()


def message_get_for_display(*, pk) -> Message:
    """A message just written, with what its display shows joined in."""
    return Message.objects.select_related("author", "author_organisation", "declaration__structure").get(pk=pk)


DEGRADED_SITUATIONS = (Situation.DEGRADED, Situation.INTERRUPTED)


def declaration_list_degraded_now(*, scope: QuerySet[Declaration]) -> QuerySet[Declaration]:
    """Of ``scope`` (already visible), the open declarations whose current situation is degraded or interrupted,
    oldest first, with their situation updates in order (two queries)."""
    return (
        declaration_with_state(scope.filter(case__state__in=OPEN_STATES))
        .filter(current_situation__in=DEGRADED_SITUATIONS)
        .select_related("case", "structure__departement__region", "structure__structure_type")
        .prefetch_related(
            Prefetch("situation_updates", queryset=SituationUpdate.objects.order_by("effective_at", "id"))
        )
        .order_by("submitted_at", "pk")
    )


def keyed_action_exists(*, key: str) -> bool:
    """Whether an action was already recorded under this idempotency key (a retry)."""
    return KeyedAction.objects.filter(idempotency_key=key).exists()


# The reminders' reads (the scheduler's; no person reads here)
# --------------------------------------------------------------------------------------------------


def case_list_overdue_qualification(*, now: datetime) -> list[tuple[int, int, datetime]]:
    """(case pk, declaration pk, due) of the open, unqualified cases whose qualification was due before ``now``."""
    return list(
        Case.objects.filter(state__in=OPEN_STATES, qualified_at__isnull=True, qualification_due_at__lt=now).values_list(
            "pk", "declaration_id", "qualification_due_at"
        )
    )


def question_list_overdue(*, now: datetime) -> list[tuple[int, datetime]]:
    """(pk, answer due) of the questions on open cases left unanswered past their deadline."""
    return list(
        Message.objects.filter(
            kind=MessageKind.QUESTION,
            answered_at__isnull=True,
            answer_due_at__lt=now,
            declaration__case__state__in=OPEN_STATES,
        ).values_list("pk", "answer_due_at")
    )
