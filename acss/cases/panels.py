"""What the handling adds to « Mon espace »: the questions awaiting the person's answer (people of a structure)
and the cases assigned to them (the cell's analysts)."""

from __future__ import annotations

from acss.accounts.selectors import actor_for
from acss.core.panels import Panel

from .selectors_handling import cases_assigned_to, questions_awaiting_answer

SHOWN = 50  # rows at most in each panel


def questions_panel(user) -> Panel | None:
    if not actor_for(user).is_declarant:
        return None
    return Panel("cases/panels/questions.html", {"questions": questions_awaiting_answer(user=user)[:SHOWN]})


def assigned_cases_panel(user) -> Panel | None:
    if not actor_for(user).is_acss:
        return None
    return Panel("cases/panels/assigned.html", {"assigned": cases_assigned_to(user=user)[:SHOWN]})
