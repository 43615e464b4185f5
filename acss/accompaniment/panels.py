"""What the accompaniment adds to « Mon espace »: for the people of a structure, the open actions of their
remediation plans; for the cell, the overdue actions of every plan."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import ngettext

from acss.core.panels import Panel, RowFlag

from . import access
from .selectors import open_plan_actions_of_structures, overdue_plan_action_counts, overdue_plan_actions

SHOWN = 50


def plan_actions_panel(user) -> Panel | None:
    if access.is_cell(user):
        return Panel(
            "accompaniment/panels/plan_actions.html",
            {"actions": list(overdue_plan_actions(user=user)[:SHOWN]), "cell": True},
        )
    if access.acts_for_structures(user):
        return Panel(
            "accompaniment/panels/plan_actions.html",
            {"actions": list(open_plan_actions_of_structures(user=user)[:SHOWN]), "cell": False},
        )
    return None


def missions_panel(user, declaration) -> Panel | None:
    """On a declaration's page, the link to its expert missions, for those who read them."""
    if not access.reads_missions(actor_or_user=user, declaration=declaration):
        return None
    return Panel("accompaniment/panels/missions.html", {"declaration": declaration})


DECLARATION_PANELS = (missions_panel,)


def overdue_plan_flags(user, ids: list[int]) -> dict[int, list[RowFlag]]:
    """On the queue's rows: the number of overdue actions of the declaration's remediation plan."""
    counts = overdue_plan_action_counts(user=user, declaration_ids=ids)
    return {
        declaration_id: [
            RowFlag(
                ngettext("%(n)d action du plan en retard", "%(n)d actions du plan en retard", n) % {"n": n},
                reverse("accompaniment:detail", args=[reference]),
            )
        ]
        for declaration_id, (reference, n) in counts.items()
    }


DECLARATION_FLAGS = (overdue_plan_flags,)
