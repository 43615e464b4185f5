"""Rules read from what a declaration says, each defined once: the pages, the API, routing and handling call them.

* :func:`aware_at`: when the structure became aware of the incident (where the NIS 2 and CNIL clocks start);
* :func:`regulatory_deadlines`: the NIS 2 and CNIL clocks of a declaration, on the structure's clock;
* :func:`critical_reasons`: why an incident is suspected critical — the on-call points are alerted when the cell is
  closed, and its provisional criticity is the highest.

They are pure functions of the declaration (or of a historical model with the same fields): no query but the
structure's département.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from acss.core.calendars import cnil_deadline, nis2_deadlines, zone_of

from .models import PatientSafety, Scope, Situation

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
    # True while the final report counts from awareness: the platform does not record when the 72-hour
    # notification was sent, so the date shown is the earliest the final report may be due.
    final_report_is_earliest: bool


@dataclass(frozen=True)
class RegulatoryDeadlines:
    aware_at: datetime
    zone: ZoneInfo
    nis2: Nis2Deadlines | None  # None: not a NIS 2 entity when it declared
    cnil: datetime | None  # None: no personal data at stake
    cnil_notified: bool


def regulatory_deadlines(declaration) -> RegulatoryDeadlines:
    """The NIS 2 clocks (essential and important entities, as the structure was when it declared) and the CNIL one
    (a loss of confidentiality, or the CNIL already notified): calendar time from :func:`aware_at`, never paused.

    24 h and 72 h are real elapsed hours; the final report is one calendar month on the structure's wall clock after
    the notification was sent — the platform does not record that sending, so it is counted from awareness and is
    the earliest date. Every instant is expressed in the structure's zone.
    """
    aware = aware_at(declaration)
    zone = zone_of(declaration.structure)
    nis2 = None
    if (declaration.structure_snapshot or {}).get("nis2") in NIS2_ENTITIES:
        deadlines = nis2_deadlines(aware, None, tz=zone)
        nis2 = Nis2Deadlines(
            early_warning=deadlines["early_warning"],
            notification=deadlines["notification"],
            final_report=deadlines["final_report"],
            final_report_is_earliest=True,
        )
    personal_data = declaration.confidentiality_loss or declaration.cnil_notified
    return RegulatoryDeadlines(
        aware_at=aware,
        zone=zone,
        nis2=nis2,
        cnil=cnil_deadline(aware, tz=zone) if personal_data else None,
        cnil_notified=declaration.cnil_notified,
    )


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
