"""What the incidents add to « Mon espace »: the way to the declarations the person may read, the questions
awaiting the answer of people of a structure, and the cases assigned to the cell's analysts."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from acss.core.panels import Panel, RowFlag, Shortcut
from acss.incidents import access
from acss.incidents.models import FilingStage
from acss.incidents.selectors.cases import cases_assigned_to, questions_awaiting_answer
from acss.incidents.selectors.filings import late_filings

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


def late_filing_flags(user, ids: list[int]) -> dict[int, list[RowFlag]]:
    """On the cell's queue: the regulatory filings (NIS 2 stages, CNIL) past their deadline and not recorded as
    sent, each leading to the declaration's filings."""
    if not access.is_cell(user):
        return {}
    return {
        declaration_id: [
            RowFlag(
                _("%(stage)s : en retard") % {"stage": FilingStage(stage).label},
                reverse("incidents:filings", args=[reference]),
            )
            for stage in stages
        ]
        for declaration_id, (reference, stages) in late_filings(declaration_ids=ids, now=timezone.now()).items()
    }


DECLARATION_FLAGS = (late_filing_flags,)
