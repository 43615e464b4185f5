"""What the incidents add to « Mon espace »: the way to the declarations the person may read, the questions
awaiting the answer of people of a structure, and the cases assigned to the cell's analysts."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from acss.core.panels import Panel, Shortcut
from acss.incidents import access
from acss.incidents.selectors.cases import cases_assigned_to, questions_awaiting_answer

SHOWN = 50  # rows at most in each panel


def declarations_shortcut(user) -> Shortcut:
    return Shortcut(_("Voir les déclarations"), reverse("incidents:list"))


def questions_panel(user) -> Panel | None:
    if not access.answers_questions(user):
        return None
    return Panel("cases/panels/questions.html", {"questions": questions_awaiting_answer(user=user)[:SHOWN]})


def assigned_cases_panel(user) -> Panel | None:
    if not access.is_cell(user):
        return None
    return Panel("cases/panels/assigned.html", {"assigned": cases_assigned_to(user=user)[:SHOWN]})
