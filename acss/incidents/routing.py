"""Who is told about a declaration at intake, and which escalations are suggested.

The rules are plain functions of the declaration and the time. ``routing_plan`` is pure:
the task ``route_declaration`` turns its result into notification records and suggestions.

- Always notified: the ARS of the site's département (FINESS ET), the ACSS cell, the FSSI.
- Also, when the cell is closed and the incident is suspected critical (``rules.critical_reasons``, the
  same definition as the highest provisional criticity): the on-call points of the FSSI, of the ARS and
  of the cell.
- Suggested, never sent (the analyst decides): DGS (sanitary impact or suspicion), ANSM
  (medicines or medical devices), ANSSI ("particular": OSE or NIS 2 essential entity, several
  structures, national scope, shared provider).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils.translation import gettext as _

from acss.accounts.models import AuthorityCode, Organisation, OrganisationKind
from acss.core.calendars import cell_calendar
from acss.incidents.models import Declaration, NotificationKind, PatientSafety, Scope, Situation
from acss.incidents.rules import critical_reasons


@dataclass(frozen=True)
class PlannedNotification:
    organisation: Organisation
    kind: str
    recipient: str
    reason: str


@dataclass
class RoutingPlan:
    cell_open: bool
    critical_reasons: list[str] = field(default_factory=list)
    notifications: list[PlannedNotification] = field(default_factory=list)
    suggestions: dict[str, list[str]] = field(default_factory=dict)  # authority code → reasons

    @property
    def suspected_critical(self) -> bool:
        return bool(self.critical_reasons)


def _care(declaration: Declaration) -> str:
    return declaration.functioning or declaration.alert_care_impact


def suggestion_reasons(declaration: Declaration) -> dict[str, list[str]]:
    suggestions: dict[str, list[str]] = {}
    snapshot = declaration.structure_snapshot or {}
    dgs = []
    if declaration.patient_safety in (PatientSafety.POTENTIAL, PatientSafety.ACTUAL):
        dgs.append(
            _("mise en danger des patients (%(level)s)")
            % {"level": PatientSafety(declaration.patient_safety).label.lower()}
        )
    if _care(declaration) == Situation.INTERRUPTED:
        dgs.append(_("prise en charge des patients interrompue"))
    if dgs:
        suggestions[AuthorityCode.DGS] = dgs
    if declaration.health_products:
        suggestions[AuthorityCode.ANSM] = [_("médicaments ou dispositifs médicaux en cause")]
    anssi = []
    if snapshot.get("is_ose"):
        anssi.append(_("structure opérateur de services essentiels"))
    if snapshot.get("nis2") == "essential" and getattr(settings, "ACSS_ANSSI_SUGGEST_NIS2_ESSENTIAL", True):
        anssi.append(_("entité essentielle au sens de NIS 2"))
    if declaration.scope == Scope.SHARED_PROVIDER:
        anssi.append(_("prestataire partagé : plusieurs structures peuvent être touchées"))
    if declaration.territory_impact.strip():
        anssi.append(_("impact déclaré sur d'autres structures ou le territoire"))
    if anssi:
        suggestions[AuthorityCode.ANSSI] = anssi
    return suggestions


def routing_plan(declaration: Declaration, *, at: datetime) -> RoutingPlan:
    plan = RoutingPlan(cell_open=cell_calendar().is_open(at), critical_reasons=critical_reasons(declaration))
    ars = Organisation.objects.filter(
        kind=OrganisationKind.ARS, region_id=declaration.structure.departement.region_id
    ).first()
    acss = Organisation.objects.filter(kind=OrganisationKind.ACSS).first()
    fssi = Organisation.objects.filter(authority_code=AuthorityCode.FSSI).first()
    info = _("information systématique de chaque déclaration")
    for org in (ars, acss, fssi):
        if org is not None and org.email:
            plan.notifications.append(PlannedNotification(org, NotificationKind.INFORMATION, org.email, info))
    if not plan.cell_open and plan.suspected_critical:
        why = _("cellule fermée et incident critique suspecté : %(reasons)s") % {
            "reasons": ", ".join(plan.critical_reasons)
        }
        for org in (fssi, ars, acss):
            if org is not None and org.oncall_email:
                plan.notifications.append(PlannedNotification(org, NotificationKind.ONCALL, org.oncall_email, why))
    plan.suggestions = suggestion_reasons(declaration)
    return plan
