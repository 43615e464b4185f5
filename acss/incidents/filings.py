"""« Déclarer une fois, réutiliser » : each regulatory filing's first content, prepared from the declaration.

:func:`prefill` is a pure function of a :class:`FilingSource` (the declaration, its addenda, its case, the
indicators of compromise recorded on it, what the structure already saved for the other stages), gathered by
``selectors.filings.filing_source``. The structure completes it (``forms.filings``); what it saves is kept as
versions. A later stage takes up what an earlier one said (the early warning's answers, the notification's
assessment), so that nothing is typed twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from acss.incidents.forms.filings import NO, STAGE_FORMS, UNKNOWN, YES
from acss.incidents.models import AddendumKind, FilingStage, Origin
from acss.incidents.rules import critical_reasons


@dataclass(frozen=True)
class FilingSource:
    """What a filing is prepared from (read by ``selectors.filings.filing_source``)."""

    declaration: Any
    case: Any = None
    addenda: Sequence[Any] = ()
    systems: Sequence[str] = ()
    data_categories: Sequence[tuple[str, str]] = ()  # (code, name)
    indicators: Sequence[str] = ()
    saved: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # stage → its latest saved content
    zone: Any = None


def _when(at: datetime | None, zone) -> str:
    if at is None:
        return ""
    return (at.astimezone(zone) if zone else at).strftime("%d/%m/%Y %H:%M")


def _lines(*parts: str) -> str:
    return "\n".join(p for p in parts if p)


def contact(source: FilingSource) -> str:
    d = source.declaration
    who = ", ".join(p for p in (d.declarant_name, d.declarant_function) if p)
    reach = " — ".join(p for p in (d.declarant_phone, d.declarant_email, d.alt_contact_phone, d.alt_contact_email) if p)
    return _lines(who, reach) or d.callback_phone


def summary(source: FilingSource) -> str:
    d = source.declaration
    facts = [a for a in source.addenda if a.kind in (AddendumKind.NEW_FACT, AddendumKind.CORRECTION) and a.body]
    lines = [d.title, d.description or d.alert_summary]
    if d.occurred_at:
        lines.append(_("Survenu le %(when)s.") % {"when": _when(d.occurred_at, source.zone)})
    aware = d.discovered_at or d.alert_since or d.submitted_at
    lines.append(_("Prise de connaissance le %(when)s.") % {"when": _when(aware, source.zone)})
    if facts:
        lines.append(_("Compléments apportés depuis la déclaration :"))
        lines += [f"- {_when(a.created_at, source.zone)} ({a.get_kind_display().lower()}) : {a.body}" for a in facts]
    return _lines(*lines)


def suspected_malicious(source: FilingSource) -> str:
    return {Origin.MALICIOUS: YES, Origin.NON_MALICIOUS: NO}.get(source.declaration.origin, UNKNOWN)


def severity(source: FilingSource) -> str:
    case = source.case
    lines = []
    if case is not None:
        if case.criticity is None:
            lines.append(
                _("Criticité provisoire, calculée d'après la déclaration : %(level)s.")
                % {"level": case.criticity_label}
            )
        else:
            lines.append(_("Criticité retenue par la cellule ACSS : %(level)s.") % {"level": case.criticity_label})
        if case.legal_level:
            lines.append(_("Niveau légal : %(level)s.") % {"level": case.get_legal_level_display()})
        if case.justification:
            lines.append(case.justification)
    reasons = critical_reasons(source.declaration)
    if reasons:
        lines.append(_("Éléments de gravité : %(reasons)s.") % {"reasons": " ; ".join(reasons)})
    return _lines(*lines)


def impact(source: FilingSource) -> str:
    d = source.declaration
    losses = [
        label
        for flag, label in (
            (d.unavailability, _("indisponibilité")),
            (d.integrity_loss, _("perte d'intégrité")),
            (d.confidentiality_loss, _("perte de confidentialité")),
        )
        if flag
    ]
    lines = []
    if losses:
        lines.append(_("Atteintes : %(losses)s.") % {"losses": ", ".join(losses)})
    functioning = d.functioning or d.alert_care_impact
    if functioning:
        lines.append(
            _("Fonctionnement : %(state)s.")
            % {"state": d.get_functioning_display() or d.get_alert_care_impact_display()}
        )
    if d.degraded_hours is not None:
        lines.append(_("Durée du mode dégradé : %(hours)s h.") % {"hours": d.degraded_hours})
    if d.patient_safety:
        lines.append(_("Sécurité des patients : %(state)s.") % {"state": d.get_patient_safety_display()})
    if d.patients_count is not None:
        lines.append(_("Nombre approximatif de patients concernés : %(count)s.") % {"count": d.patients_count})
    if source.systems:
        lines.append(_("Systèmes affectés : %(systems)s.") % {"systems": ", ".join(source.systems)})
    if d.territory_impact:
        lines.append(_("Impact sur d'autres structures ou le territoire : %(text)s") % {"text": d.territory_impact})
    return _lines(*lines)


def threat_type(source: FilingSource) -> str:
    d, case = source.declaration, source.case
    lines = []
    if d.origin:
        lines.append(_("Origine : %(origin)s.") % {"origin": d.get_origin_display()})
    category = (case.category if case is not None and case.category_id else None) or d.category
    if category is not None:
        lines.append(_("Typologie : %(category)s.") % {"category": category})
    if d.vector is not None:
        lines.append(_("Vecteur : %(vector)s.") % {"vector": d.vector})
    if case is not None and case.closure_root_cause:
        lines.append(_("Cause racine : %(cause)s") % {"cause": case.closure_root_cause})
    return _lines(*lines)


def consequences(source: FilingSource) -> str:
    d = source.declaration
    lines = []
    if d.confidentiality_loss:
        lines.append(_("Divulgation possible des données à des tiers non autorisés."))
    if d.integrity_loss:
        lines.append(_("Altération possible des données."))
    if d.unavailability:
        lines.append(_("Indisponibilité temporaire des données, pouvant retarder la prise en charge des personnes."))
    return _lines(*lines)


PERSONS = {"sante": _("Patients"), "personnel": _("Personnels de la structure")}


def _and(items: Sequence[str]) -> str:
    """« a, b et c »."""
    items = [str(i) for i in items]
    return (
        items[0]
        if len(items) == 1
        else _("%(first)s et %(last)s") % {"first": ", ".join(items[:-1]), "last": items[-1]}
    )


def _nature(source: FilingSource) -> str:
    d = source.declaration
    kinds = [
        label
        for flag, label in (
            (d.confidentiality_loss, _("la confidentialité")),
            (d.integrity_loss, _("l'intégrité")),
            (d.unavailability, _("la disponibilité")),
        )
        if flag
    ]
    head = _("Violation portant sur %(kinds)s des données.") % {"kinds": _and(kinds)} if kinds else ""
    return _lines(head, summary(source))


def prefill(stage: str, source: FilingSource) -> dict[str, Any]:
    """The first content of ``stage``, from the declaration and what was saved for the other stages. Every key
    is a field of the stage's form (``forms.filings.STAGE_FORMS``)."""
    d = source.declaration
    early = source.saved.get(FilingStage.EARLY_WARNING, {})
    notified = source.saved.get(FilingStage.NOTIFICATION, {})
    if stage == FilingStage.EARLY_WARNING:
        content = {
            "summary": summary(source),
            "suspected_malicious": suspected_malicious(source),
            "cross_border": UNKNOWN,
            "contact": contact(source),
        }
    elif stage == FilingStage.NOTIFICATION:
        content = {
            "summary": summary(source),
            "severity": severity(source),
            "impact": impact(source),
            "indicators": "\n".join(source.indicators),
            "suspected_malicious": early.get("suspected_malicious") or suspected_malicious(source),
            "cross_border": early.get("cross_border") or UNKNOWN,
            "measures": d.measures_taken,
            "contact": early.get("contact") or contact(source),
        }
    elif stage == FilingStage.FINAL_REPORT:
        closure = source.case.closure_summary if source.case is not None else ""
        content = {
            "description": _lines(
                notified.get("summary") or summary(source),
                notified.get("severity") or severity(source),
                notified.get("impact") or impact(source),
                closure,
            ),
            "threat_type": threat_type(source),
            "mitigation_applied": notified.get("measures") or d.measures_taken,
            "mitigation_ongoing": "",
            "cross_border_impact": _("Aucun impact transfrontière identifié.")
            if (notified.get("cross_border") or early.get("cross_border")) == NO
            else "",
            "contact": notified.get("contact") or early.get("contact") or contact(source),
        }
    elif stage == FilingStage.CNIL:
        codes = [code for code, _name in source.data_categories]
        content = {
            "nature": _nature(source),
            "data_categories": ", ".join(name for _code, name in source.data_categories),
            "persons_categories": ", ".join(str(PERSONS[c]) for c in codes if c in PERSONS),
            "persons_count": d.patients_count,
            "records_count": None,
            "consequences": consequences(source),
            "measures": d.measures_taken,
            "dpo_contact": contact(source),
        }
    else:
        raise ValueError(f"unknown stage {stage!r}")
    assert set(content) == set(STAGE_FORMS[stage].base_fields), stage  # noqa: S101 - a programming error
    return content
