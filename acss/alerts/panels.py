"""What the alerts add to « Mon espace »: the published alerts that concern the person's structures, with where
each structure stands and a form to say so, and the way to each structure's inventory (what the alerts are
matched on)."""

from __future__ import annotations

from acss.accounts.selectors import actor_for, structure_list_for_user
from acss.core.panels import Panel

from .concerns import concern_list_for_user
from .models import ConcernStatus

SHOWN = 50


def alert_concerns_panel(user) -> Panel | None:
    if not actor_for(user).structure_ids:
        return None
    concerns = list(concern_list_for_user(user=user)[:SHOWN])
    return Panel(
        "alerts/concerns/panel.html",
        {
            "concerns": concerns,
            "statuses": ConcernStatus.choices,
            "to_handle": sum(1 for c in concerns if c.status == ConcernStatus.TO_HANDLE),
            "structures": list(structure_list_for_user(user=user).order_by("name")),
        },
    )
