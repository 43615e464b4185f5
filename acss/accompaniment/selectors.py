"""Reads of the accompaniment, all built on the declarations the person reads
(``acss.incidents.selectors.declarations``): what one cannot read is a 404."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from acss.accounts.models import MembershipStatus, User
from acss.incidents.selectors.declarations import declaration_get_visible, declaration_list_visible

from . import access
from .models import OPEN_ACTION_STATES, Accompaniment, PlanAction, PlanTemplate


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


def open_plan_actions_of_structures(*, user) -> QuerySet[PlanAction]:
    """The open actions of the plans of the structures the person acts for."""
    return _open_actions(user=user).filter(
        accompaniment__declaration__structure_id__in=access.acts_for_structures(user)
    )


def accompaniments_count(*, declarations: QuerySet) -> int:
    """How many of these declarations the cell accompanied (an accompaniment opened, whatever its origin):
    the observatory's « accompagnements », a fact distinct from the request ticked on the form."""
    return Accompaniment.objects.filter(declaration__in=declarations.values("id")).count()
