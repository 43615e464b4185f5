"""One table of the accompaniment's writes, read by the pages and by the API alike.

Each write (``ACTIONS``) is one entry: the form that validates its input (the page posts it; the API's body is
turned into the same form data by ``acss.core.api.form_input``), the service it runs, the object it is on (a plan
action, an expert mission: the page's URL names it, the API's body gives its id), and the French sentence that
says it is done. So a field is checked once, in one set of French words, and the same service runs, whichever
the transport; the idempotency key is the incident's machinery (``handling.keyed_action``).

Who may is ``access``: each transport calls ``check`` (403) after reading the declaration (404), and reads
missions only through ``selectors.declaration_get_for_missions`` (404 for an ARS or another authority).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from acss.accounts.models import User
from acss.core.audit import AuditOrigin
from acss.core.forms import AcssForm
from acss.incidents.models import Declaration
from acss.incidents.services.cases import keyed_action

from . import access, services
from .forms import (
    ActionPlanningForm,
    ActionProgressForm,
    EntryForm,
    MissionFinishForm,
    MissionOpenForm,
    MissionRefuseForm,
    MissionRequestForm,
    OpenForm,
)
from .selectors import plan_template_list, structure_people

PLAN_ACTION, MISSION = "plan_action", "mission"  # what an action is on (the API's body names it by its id)


@dataclass(frozen=True)
class AccompanimentAction:
    """One write: its form (None: no input), the service it runs, its success sentence, what it is on, and
    what the API's schema says of it (in French)."""

    form: type[AcssForm] | None
    run: Callable[..., object]
    done: object
    target: str = ""
    summary: str = ""

    @property
    def on_missions(self) -> bool:
        return self.target == MISSION or self.form is MissionRequestForm


def _open(*, by: User, declaration: Declaration, target, data: dict, origin: AuditOrigin) -> object:
    return services.accompaniment_open(by=by, declaration=declaration, template=data.get("template"), origin=origin)


def _entry(*, by: User, declaration: Declaration, target, data: dict, origin: AuditOrigin) -> object:
    return services.sheet_entry_add(by=by, declaration=declaration, kind=data["kind"], body=data["body"], origin=origin)


def _plan_add(*, by: User, declaration: Declaration, target, data: dict, origin: AuditOrigin) -> object:
    return services.plan_action_add(
        by=by,
        declaration=declaration,
        title=data["title"],
        owner=data.get("owner"),
        owner_name=data.get("owner_name", ""),
        due_on=data.get("due_on"),
        origin=origin,
    )


def _plan_progress(*, by: User, declaration: Declaration, target, data: dict, origin: AuditOrigin) -> object:
    return services.plan_action_update(
        by=by,
        action=target,
        state=data["state"],
        evidence_note=data.get("evidence_note", ""),
        evidence_file=data.get("evidence_file"),
        origin=origin,
    )


def _plan_edit(*, by: User, declaration: Declaration, target, data: dict, origin: AuditOrigin) -> object:
    return services.plan_action_update(
        by=by,
        action=target,
        title=data["title"],
        owner=data.get("owner"),
        owner_name=data.get("owner_name", ""),
        due_on=data.get("due_on"),
        origin=origin,
    )


def _close(*, by: User, declaration: Declaration, target, data: dict, origin: AuditOrigin) -> object:
    return services.accompaniment_close(by=by, declaration=declaration, origin=origin)


def _mission_request(*, by: User, declaration: Declaration, target, data: dict, origin: AuditOrigin) -> object:
    return services.mission_request(
        by=by, declaration=declaration, kind=data["kind"], reason=data["reason"], origin=origin
    )


def _mission_open(*, by: User, declaration: Declaration, target, data: dict, origin: AuditOrigin) -> object:
    return services.mission_open(
        by=by,
        mission=target,
        team=data["team"],
        starts_on=data["starts_on"],
        ends_on=data["ends_on"],
        scope=data["scope"],
        origin=origin,
    )


def _mission_finish(*, by: User, declaration: Declaration, target, data: dict, origin: AuditOrigin) -> object:
    return services.mission_finish(
        by=by, mission=target, report=data.get("report"), summary=data.get("summary", ""), origin=origin
    )


def _mission_refuse(*, by: User, declaration: Declaration, target, data: dict, origin: AuditOrigin) -> object:
    return services.mission_refuse(by=by, mission=target, reason=data["reason"], origin=origin)


ACTIONS: dict[str, AccompanimentAction] = {
    access.OPEN: AccompanimentAction(
        OpenForm,
        _open,
        _("Accompagnement ouvert."),
        summary="La cellule ouvre l'accompagnement d'un dossier qualifié (« template » : un modèle de plan).",
    ),
    access.ENTRY: AccompanimentAction(
        EntryForm, _entry, _("Entrée ajoutée à la fiche de suivi."), summary="Écrire dans la fiche de suivi."
    ),
    access.PLAN_ADD: AccompanimentAction(
        ActionPlanningForm, _plan_add, _("Action ajoutée au plan."), summary="Ajouter une action au plan."
    ),
    access.PLAN_PROGRESS: AccompanimentAction(
        ActionProgressForm,
        _plan_progress,
        _("Avancement de l'action enregistré."),
        PLAN_ACTION,
        "L'état d'une action du plan et sa preuve (note ; fichier en multipart/form-data).",
    ),
    access.PLAN_EDIT: AccompanimentAction(
        ActionPlanningForm,
        _plan_edit,
        _("Action modifiée."),
        PLAN_ACTION,
        "La cellule modifie l'intitulé, le responsable, l'échéance d'une action.",
    ),
    access.CLOSE: AccompanimentAction(None, _close, _("Accompagnement clos."), summary="Clore l'accompagnement."),
    access.MISSION_REQUEST: AccompanimentAction(
        MissionRequestForm,
        _mission_request,
        _("Mission d'expertise demandée : la cellule ACSS est prévenue."),
        summary="Le FSSI demande une mission d'expertise, avec son motif.",
    ),
    access.MISSION_OPEN: AccompanimentAction(
        MissionOpenForm,
        _mission_open,
        _("Mission d'expertise ouverte."),
        MISSION,
        "La cellule ouvre une mission demandée : équipe, dates, périmètre.",
    ),
    access.MISSION_FINISH: AccompanimentAction(
        MissionFinishForm,
        _mission_finish,
        _("Mission d'expertise terminée : son rapport est joint."),
        MISSION,
        "La cellule termine une mission ouverte, avec son rapport (« report », en multipart/form-data).",
    ),
    access.MISSION_REFUSE: AccompanimentAction(
        MissionRefuseForm,
        _mission_refuse,
        _("Demande de mission refusée."),
        MISSION,
        "La cellule refuse une mission demandée, avec son motif.",
    ),
}


def access_action(name: str, data) -> str:
    """The access action ``name`` needs (an entry's depends on its kind)."""
    return access.entry_action(data.get("kind", "") or "") if name == access.ENTRY else name


def action_form(name: str, data, files=None, *, user: User, declaration: Declaration, prefix: str | None = None):
    """The bound form of action ``name`` for this person on this declaration (None: the action takes no input)."""
    form_class = ACTIONS[name].form
    if form_class is None:
        return None
    if form_class is OpenForm:
        return OpenForm(data, templates=plan_template_list(), prefix=prefix)
    if form_class is EntryForm:
        return EntryForm(data, kinds=access.entry_kinds(actor_or_user=user, declaration=declaration), prefix=prefix)
    if form_class is ActionPlanningForm:
        return ActionPlanningForm(data, people=structure_people(declaration=declaration), prefix=prefix)
    return form_class(data, files, prefix=prefix)


def action_run(
    *,
    name: str,
    declaration: Declaration,
    target,
    by: User,
    data: dict,
    origin: AuditOrigin,
    key: str | None,
) -> bool:
    """Run action ``name`` with its validated ``data``, once per ``key`` (``keyed_action``): True when done now,
    False for a retry. A ``Refusal`` or an ``IdempotencyConflictError`` is the transport's to answer."""
    entry = ACTIONS[name]
    params = {**data, "target": target.pk if target is not None else None}
    return keyed_action(
        key=key,
        declaration=declaration,
        action=f"acc.{name}",
        by=by,
        params=params,
        run=lambda: entry.run(by=by, declaration=declaration, target=target, data=data, origin=origin),
    )


def done(name: str) -> str:
    return str(ACTIONS[name].done)
