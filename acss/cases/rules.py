"""Handling rules kept in one place: the provisional criticity, the deadlines, the allowed transitions.

Criticity (DOMAIN.md §5, design choice): 1 minor, 2 significant, 3 serious, 4 major. The provisional one is
computed from what the structure declared and drives the deadlines until an analyst qualifies the case.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import CaseState

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


def provisional_criticity(d) -> int:
    """From the declaration (or a historical model with the same fields): 4 major … 1 minor."""
    care = d.functioning or d.alert_care_impact
    if (
        care == "interrupted"
        or d.patient_safety == "actual"
        or d.is_major
        or d.scope == "shared_provider"
        or (d.territory_impact or "").strip()
    ):
        return 4
    if (
        care == "degraded"
        or d.patient_safety == "potential"
        or d.category_id == "rancongiciel"
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
