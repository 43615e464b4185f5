"""Reads of the accompaniment, all built on the declarations the person reads
(``acss.incidents.selectors.declarations``): what one cannot read is a 404."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone

from acss.accounts.models import MembershipStatus, User
from acss.incidents.selectors.declarations import declaration_get_visible, declaration_list_visible

from . import access
from .models import OPEN_ACTION_STATES, Accompaniment, ExpertMission, PlanAction, PlanTemplate


def accompaniment_for(*, declaration) -> Accompaniment | None:
    return (
        Accompaniment.objects.select_related("opened_by", "closed_by", "template_version__template")
        .filter(declaration=declaration)
        .first()
    )


def sheet_entries(*, accompaniment: Accompaniment) -> QuerySet:
    return accompaniment.entries.select_related("author", "author_organisation")


def plan_actions(*, accompaniment: Accompaniment) -> QuerySet[PlanAction]:
    return accompaniment.actions.select_related("owner", "updated_by")


def plan_action_get_visible(*, user, reference: str, pk: int) -> tuple:
    """The declaration ``reference`` and its plan action ``pk``: 404 unless the person reads the declaration."""
    declaration = declaration_get_visible(user=user, reference=reference)
    action = (
        PlanAction.objects.select_related("accompaniment__declaration__structure__departement")
        .filter(pk=pk, accompaniment__declaration=declaration)
        .first()
    )
    if action is None:
        raise Http404("plan action not found")
    return declaration, action


def plan_template_list() -> QuerySet[PlanTemplate]:
    return PlanTemplate.objects.select_related("category").prefetch_related("versions__actions")


def plan_template_get(*, slug: str) -> PlanTemplate:
    template = PlanTemplate.objects.filter(slug=slug).first()
    if template is None:
        raise Http404("template not found")
    return template


def structure_people(*, declaration) -> QuerySet[User]:
    """The people of the declaring structure (a plan action's owner is one of them, or free text)."""
    return User.objects.filter(
        memberships__organisation_id=declaration.structure_id,
        memberships__status=MembershipStatus.ACTIVE,
        is_active=True,
    ).order_by("last_name", "first_name", "email")


def _open_actions(*, user) -> QuerySet[PlanAction]:
    return (
        PlanAction.objects.filter(
            state__in=OPEN_ACTION_STATES,
            accompaniment__closed_at__isnull=True,
            accompaniment__declaration__in=declaration_list_visible(user=user),
        )
        .select_related("accompaniment__declaration__structure", "owner")
        .order_by("due_on", "id")
    )


def overdue_plan_actions(*, user) -> QuerySet[PlanAction]:
    """The open actions of open accompaniments the person reads whose due date has passed."""
    return _open_actions(user=user).filter(due_on__lt=timezone.localdate())


def overdue_plan_action_counts(*, user, declaration_ids: list[int]) -> dict[int, tuple[str, int]]:
    """How many overdue actions the open plan of each of these declarations has (those the person reads), in one
    query: ``{declaration id: (reference, count)}`` for the declarations that have some."""
    rows = (
        overdue_plan_actions(user=user)
        .filter(accompaniment__declaration_id__in=declaration_ids)
        .order_by()
        .values_list("accompaniment__declaration_id", "accompaniment__declaration__reference")
        .annotate(n=Count("id"))
    )
    return {declaration_id: (reference, n) for declaration_id, reference, n in rows}


def open_plan_actions_of_structures(*, user) -> QuerySet[PlanAction]:
    """The open actions of the plans of the structures the person acts for."""
    return _open_actions(user=user).filter(
        accompaniment__declaration__structure_id__in=access.acts_for_structures(user)
    )


def accompaniments_count(*, declarations: QuerySet) -> int:
    """How many of these declarations the cell accompanied (an accompaniment opened, whatever its origin):
    the observatory's « accompagnements », a fact distinct from the request ticked on the form."""
    return Accompaniment.objects.filter(declaration__in=declarations.values("id")).count()


def declaration_get_for_missions(*, user, reference: str):
    """The declaration ``reference`` whose expert missions the person reads: 404 for whoever does not read the
    declaration, and for an ARS or an authority other than the FSSI (they do not see missions)."""
    declaration = declaration_get_visible(user=user, reference=reference)
    if not access.reads_missions(actor_or_user=user, declaration=declaration):
        raise Http404("missions not readable")
    return declaration


def expert_missions(*, declaration) -> QuerySet[ExpertMission]:
    return declaration.expert_missions.select_related("requested_by", "opened_by", "finished_by", "refused_by")


def expert_mission_get_visible(*, user, reference: str, pk: int) -> tuple:
    """The declaration ``reference`` and its expert mission ``pk``: 404 unless the person reads its missions."""
    declaration = declaration_get_for_missions(user=user, reference=reference)
    mission = expert_missions(declaration=declaration).filter(pk=pk).first()
    if mission is None:
        raise Http404("expert mission not found")
    return declaration, mission


def overdue_actions_by_declaration(*, today) -> list[tuple]:
    """Every open plan's open actions past their due date (``today``, local), grouped by declaration: the daily
    reminder's list, for every structure (not one person's reads)."""
    actions = (
        PlanAction.objects.filter(state__in=OPEN_ACTION_STATES, accompaniment__closed_at__isnull=True, due_on__lt=today)
        .select_related("accompaniment__declaration__structure__departement", "owner")
        .order_by("accompaniment__declaration_id", "due_on", "position", "id")
    )
    grouped: dict[int, tuple] = {}
    for action in actions:
        declaration = action.accompaniment.declaration
        grouped.setdefault(declaration.pk, (declaration, []))[1].append(action)
    return list(grouped.values())
