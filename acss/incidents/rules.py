"""The incident's rules, each defined once: the pages, the API, routing and handling call them.

* :func:`aware_at`: when the structure became aware of the incident (where the NIS 2 and CNIL clocks start);
* :func:`regulatory_deadlines`: the NIS 2 and CNIL clocks of a declaration, on the structure's clock;
* :func:`personal_data_breach`, :func:`filing_stages`, :func:`filing_deadlines`, :func:`filing_state`: which
  regulatory filings a declaration calls for (NIS 2 stages, CNIL), when each is due, where each stands;
* :func:`critical_reasons`: why an incident is suspected critical — the on-call points are alerted when the cell is
  closed, and its provisional criticity is the highest;
* :func:`provisional_criticity`: the criticity computed from what the structure declared, which drives the cell's
  deadline until an analyst qualifies the case (1 minor, 2 significant, 3 serious, 4 major; see
  docs/decisions.md);
* :data:`TRANSITIONS`: the case's lifecycle, from which the actions a person may take are derived
  (``acss.incidents.access``);
* :func:`declaration_status`: where a declaration stands, in one word.

The rules read from a declaration are pure functions of the declaration (or of a historical model with the same fields): no query but the
structure's département.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from acss.core.calendars import cnil_deadline, nis2_deadlines, zone_of

from .models import OPEN_STATES, CaseState, Criticity, FilingStage, PatientSafety, Scope, Situation

NIS2_ENTITIES = ("essential", "important")
RANSOMWARE_CATEGORY = "rancongiciel"
RANSOMWARE_WORDS = re.compile(r"ran[cç]on|ransom|chiffr[ée]|crypt[ée]|cryptolocker|lockbit", re.IGNORECASE)


# --- awareness and the regulatory clocks ---------------------------------------------------------------------


def aware_at(declaration) -> datetime:
    """When the structure became aware of the incident: the declared discovery, else the start of the first
    alert, else the submission."""
    return declaration.discovered_at or declaration.alert_since or declaration.submitted_at


@dataclass(frozen=True)
class Nis2Deadlines:
    early_warning: datetime
    notification: datetime
    final_report: datetime
    # True while the final report counts from awareness: until the structure records when it sent the 72-hour
    # notification, the date shown is the earliest the final report may be due.
    final_report_is_earliest: bool


@dataclass(frozen=True)
class RegulatoryDeadlines:
    aware_at: datetime
    zone: ZoneInfo
    nis2: Nis2Deadlines | None  # None: not a NIS 2 entity when it declared
    cnil: datetime | None  # None: no personal data at stake
    cnil_notified: bool
    # The date the structure says it sent each stage (``FilingStage``), for the stages it recorded.
    sent: Mapping[str, datetime] = field(default_factory=dict)


# Data categories of the declaration form that are personal data (health data, staff data).
PERSONAL_DATA_CATEGORIES = ("sante", "personnel")


def personal_data_breach(declaration) -> bool:
    """Whether the declaration shows a personal-data breach (GDPR art. 4 (12) and 33: the CNIL within 72 h).

    A loss of confidentiality, or the CNIL already notified (the clock's rule before), or — widened — a loss of
    availability or integrity of personal data: the declaration names health or staff data among the data
    affected and says the systems were unavailable or altered (a ransomware encrypting patient records is a breach
    of availability). The data categories are read only for a saved declaration (one query, or none when a selector annotated
    ``names_personal_data``)."""
    if declaration.confidentiality_loss or declaration.cnil_notified:
        return True
    if not (getattr(declaration, "unavailability", False) or getattr(declaration, "integrity_loss", False)):
        return False
    if not getattr(declaration, "pk", None):
        return False
    names_personal_data = getattr(declaration, "names_personal_data", None)  # annotated for many rows at once
    if names_personal_data is not None:
        return bool(names_personal_data)
    return declaration.data_categories.filter(code__in=PERSONAL_DATA_CATEGORIES).exists()


def is_nis2_entity(declaration) -> bool:
    """An essential or important entity of NIS 2, as the structure was when it declared."""
    return (declaration.structure_snapshot or {}).get("nis2") in NIS2_ENTITIES


def regulatory_deadlines(declaration, sent: Mapping[str, datetime] | None = None) -> RegulatoryDeadlines:
    """The NIS 2 clocks (essential and important entities, as the structure was when it declared) and the CNIL one
    (:func:`personal_data_breach`): calendar time from :func:`aware_at`, never paused.

    24 h and 72 h are real elapsed hours; the final report is one calendar month on the structure's wall clock after
    the notification was sent — ``sent`` (stage → the date the structure says it sent it) gives that date once
    recorded; before, it is counted from awareness and is the earliest date. Every instant is expressed in the
    structure's zone.
    """
    sent = dict(sent or {})
    aware = aware_at(declaration)
    zone = zone_of(declaration.structure)
    nis2 = None
    if is_nis2_entity(declaration):
        notified = sent.get(FilingStage.NOTIFICATION)
        deadlines = nis2_deadlines(aware, notified, tz=zone)
        nis2 = Nis2Deadlines(
            early_warning=deadlines["early_warning"],
            notification=deadlines["notification"],
            final_report=deadlines["final_report"],
            final_report_is_earliest=notified is None,
        )
    return RegulatoryDeadlines(
        aware_at=aware,
        zone=zone,
        nis2=nis2,
        cnil=cnil_deadline(aware, tz=zone) if personal_data_breach(declaration) else None,
        cnil_notified=declaration.cnil_notified or FilingStage.CNIL in sent,
        sent=sent,
    )


def filing_stages(declaration) -> list[str]:
    """The regulatory filings the declaration calls for, in order: the three NIS 2 stages for an essential or
    important entity, the CNIL's for a personal-data breach."""
    stages = []
    if is_nis2_entity(declaration):
        stages += [FilingStage.EARLY_WARNING, FilingStage.NOTIFICATION, FilingStage.FINAL_REPORT]
    if personal_data_breach(declaration):
        stages.append(FilingStage.CNIL)
    return [str(s) for s in stages]


def filing_deadlines(deadlines: RegulatoryDeadlines) -> dict[str, datetime]:
    """Stage → when it is due: 24 h and 72 h after awareness, the final report one month after the notification
    was sent (from awareness until then), the CNIL 72 h after awareness."""
    due: dict[str, datetime] = {}
    if deadlines.nis2 is not None:
        due[FilingStage.EARLY_WARNING] = deadlines.nis2.early_warning
        due[FilingStage.NOTIFICATION] = deadlines.nis2.notification
        due[FilingStage.FINAL_REPORT] = deadlines.nis2.final_report
    if deadlines.cnil is not None:
        due[FilingStage.CNIL] = deadlines.cnil
    return {str(k): v for k, v in due.items()}


FILING_PENDING, FILING_IN_PROGRESS, FILING_SENT, FILING_LATE = "pending", "in_progress", "sent", "late"
FILING_STATE_LABELS = {
    FILING_PENDING: _lazy("à préparer"),
    FILING_IN_PROGRESS: _lazy("en cours"),
    FILING_SENT: _lazy("envoyée"),
    FILING_LATE: _lazy("en retard"),
}


def filing_state(*, due: datetime, sent_at: datetime | None, has_content: bool, now: datetime) -> str:
    """Where a filing stands: sent once the structure recorded a date; else late past its deadline; else in
    progress once something was saved, to prepare before that."""
    if sent_at is not None:
        return FILING_SENT
    if due < now:
        return FILING_LATE
    return FILING_IN_PROGRESS if has_content else FILING_PENDING


# --- critical suspected --------------------------------------------------------------------------------------


def critical_reasons(declaration) -> list[str]:
    """Why the incident is suspected critical, in French (empty: it is not).

    Care interrupted, patients actually endangered, ransomware (declared, or suspected from the words used), the
    « incident majeur » box, a provider shared with other structures, or an impact declared on other structures or
    the territory.
    """
    reasons = []
    if (declaration.functioning or declaration.alert_care_impact) == Situation.INTERRUPTED:
        reasons.append(_("prise en charge des patients interrompue"))
    if declaration.patient_safety == PatientSafety.ACTUAL:
        reasons.append(_("mise en danger avérée de patients"))
    if declaration.category_id == RANSOMWARE_CATEGORY:
        reasons.append(_("rançongiciel déclaré"))
    elif RANSOMWARE_WORDS.search(f"{declaration.alert_summary} {declaration.title} {declaration.description}"):
        reasons.append(_("rançongiciel suspecté d'après le texte"))
    if declaration.is_major:
        reasons.append(_("case « incident majeur » cochée"))
    if declaration.scope == Scope.SHARED_PROVIDER:
        reasons.append(_("prestataire partagé : plusieurs structures peuvent être touchées"))
    if (declaration.territory_impact or "").strip():
        reasons.append(_("impact déclaré sur d'autres structures ou le territoire"))
    return reasons


def is_critical_suspected(declaration) -> bool:
    return bool(critical_reasons(declaration))


# --- the case's lifecycle and deadlines ----------------------------------------------------------------------

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


# The criticity of an incident suspected critical (:func:`critical_reasons`): the one that
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
    CaseState.NEW: _lazy("Reçue : la cellule va l'analyser."),
    CaseState.QUALIFYING: _lazy("En cours d'analyse par la cellule."),
    CaseState.QUALIFIED: _lazy("Analysée par la cellule."),
    CaseState.ACCOMPANIMENT: _lazy("La cellule vous accompagne."),
    CaseState.CLOSED: _lazy("Clôturée : la cellule a clos le dossier."),
    CaseState.OUT_OF_SCOPE: _lazy("Hors du champ des incidents à déclarer : aucune suite n'est nécessaire."),
    CaseState.DUPLICATE: _lazy("Regroupée avec une autre déclaration."),
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
        return DisplayStatus(_("Alerte à compléter"), "warning")
    if case is None or case.state == CaseState.NEW:
        return DisplayStatus(_("Déposée"), "info")
    return DisplayStatus(str(case.get_state_display()), "info")
