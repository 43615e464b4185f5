"""Handling rules kept in one place: the provisional criticity, the deadlines, the allowed transitions.

Criticity (a design choice, see docs/decisions.md): 1 minor, 2 significant, 3 serious, 4 major. The provisional one is
computed from what the structure declared and drives the deadlines until an analyst qualifies the case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext_lazy as _

from acss.declarations.rules import critical_reasons

from .models import OPEN_STATES, CaseState, Criticity

TRANSITIONS: dict[str, set[str]] = {
    CaseState.NEW: {CaseState.QUALIFYING, CaseState.OUT_OF_SCOPE, CaseState.DUPLICATE},
    CaseState.QUALIFYING: {CaseState.QUALIFIED, CaseState.OUT_OF_SCOPE, CaseState.DUPLICATE},
    CaseState.QUALIFIED: {CaseState.ACCOMPANIMENT, CaseState.CLOSED, CaseState.OUT_OF_SCOPE, CaseState.DUPLICATE},
    CaseState.ACCOMPANIMENT: {CaseState.CLOSED, CaseState.OUT_OF_SCOPE, CaseState.DUPLICATE},
    CaseState.CLOSED: set(),
    CaseState.OUT_OF_SCOPE: set(),
    CaseState.DUPLICATE: set(),
}

# Business hours of the cell to qualify a case, by (provisional or qualified) criticity.
DEFAULT_QUALIFICATION_HOURS = {4: 2, 3: 4, 2: 9, 1: 18}
DEFAULT_ANSWER_BUSINESS_DAYS = 2


def transition_allowed(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, set())


def qualification_hours(criticity: int) -> timedelta:
    hours = getattr(settings, "ACSS_QUALIFICATION_HOURS", DEFAULT_QUALIFICATION_HOURS)
    return timedelta(hours=hours[criticity])


def answer_business_days() -> int:
    return getattr(settings, "ACSS_ANSWER_BUSINESS_DAYS", DEFAULT_ANSWER_BUSINESS_DAYS)


# The criticity of an incident suspected critical (``acss.declarations.rules.critical_reasons``): the one that
# alerts the on-call points when the cell is closed.
CRITICAL = Criticity.MAJOR


def provisional_criticity(d) -> int:
    """From the declaration (or a historical model with the same fields): 4 major … 1 minor.

    Major exactly when the incident is suspected critical (the definition routing uses for the on-call points).
    """
    if critical_reasons(d):
        return CRITICAL
    care = d.functioning or d.alert_care_impact
    if (
        care == "degraded"
        or d.patient_safety == "potential"
        or (d.confidentiality_loss and d.pk and d.data_categories.filter(code="sante").exists())
    ):
        return 3
    if d.unavailability or d.integrity_loss or d.confidentiality_loss:
        return 2
    return 1


STRUCTURE_STATUS = {
    CaseState.NEW: _("Reçue : la cellule va l'analyser."),
    CaseState.QUALIFYING: _("En cours d'analyse par la cellule."),
    CaseState.QUALIFIED: _("Analysée par la cellule."),
    CaseState.ACCOMPANIMENT: _("La cellule vous accompagne."),
    CaseState.CLOSED: _("Clôturée : la cellule a clos le dossier."),
    CaseState.OUT_OF_SCOPE: _("Hors du champ des incidents à déclarer : aucune suite n'est nécessaire."),
    CaseState.DUPLICATE: _("Regroupée avec une autre déclaration."),
}


@dataclass(frozen=True)
class DisplayStatus:
    """Where a declaration stands, in one word for lists and badges; ``level`` is the DSFR badge's colour."""

    label: str
    level: str  # "info", "warning", "success" or "" (grey)


CLOSED_LEVELS = {CaseState.CLOSED: "success", CaseState.OUT_OF_SCOPE: "", CaseState.DUPLICATE: ""}


def declaration_status(declaration) -> DisplayStatus:
    """The one status shown for a declaration: the case's state once it is closed, out of scope or merged;
    before that, a first alert still to complete; else « Déposée » until the cell takes it, then the case's state.
    Reads ``declaration.case`` (select it with the declaration in lists)."""
    try:
        case = declaration.case
    except ObjectDoesNotExist:
        case = None
    if case is not None and case.state not in OPEN_STATES:
        return DisplayStatus(str(case.get_state_display()), CLOSED_LEVELS.get(case.state, ""))
    if declaration.is_quick_alert_pending:
        return DisplayStatus(str(_("Alerte à compléter")), "warning")
    if case is None or case.state == CaseState.NEW:
        return DisplayStatus(str(_("Déposée")), "info")
    return DisplayStatus(str(case.get_state_display()), "info")
