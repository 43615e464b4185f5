"""Who may do what in an accompaniment: the one place, built on the incident's access module.

**Reads.** Whoever reads the declaration (``acss.incidents.access.visibility_q``, through
``declaration_get_visible``) reads its accompaniment: the sheet and the plan. What one cannot read is a 404.

**Actions**, by the person's place for this declaration (the same places as the incident's):

- the ACSS cell: opens and closes the accompaniment, writes every kind of entry, adds and edits plan actions,
  updates their state and evidence;
- the ARS of the structure's region: writes entries, urgent measures and recommendations included;
- the structure's people: write follow-up entries, add their own plan actions, update the state and evidence
  of any action;
- the authorities that read the declaration: nothing, they read.

**Expert missions** (``ExpertMission``) are read by fewer: the FSSI, the cell and the structure's people
(``reads_missions``); an ARS or another authority reading the declaration does not see them (404). The FSSI
requests one; the cell opens it, finishes it with its report, or refuses it.

``check`` refuses with ``Forbidden`` (403, a French sentence naming who may act) what the person's place never
allows on a declaration they read; the state (an accompaniment not open, already closed) is the services'
answer (``Refusal``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from acss.accounts.models import AuthorityCode, Organisation
from acss.accounts.selectors import Actor, actor_for
from acss.core.forbidden import Forbidden
from acss.incidents import access as incident_access
from acss.incidents.models import Declaration

from .models import EntryKind

OPEN, CLOSE = "open", "close"
ENTRY = "entry"  # a follow-up entry of the sheet
ADVICE = "advice"  # an urgent measure or a recommendation
PLAN_ADD = "plan_add"  # add an action to the plan
PLAN_EDIT = "plan_edit"  # change an action's title, owner, due date
PLAN_PROGRESS = "plan_progress"  # change an action's state and evidence
MISSION_REQUEST = "mission_request"  # the FSSI asks for an expert mission
MISSION_OPEN, MISSION_FINISH, MISSION_REFUSE = "mission_open", "mission_finish", "mission_refuse"
MISSION_CELL = frozenset({MISSION_OPEN, MISSION_FINISH, MISSION_REFUSE})

CELL = frozenset({OPEN, CLOSE, ENTRY, ADVICE, PLAN_ADD, PLAN_EDIT, PLAN_PROGRESS})
REGION_ARS = frozenset({ENTRY, ADVICE})
STRUCTURE = frozenset({ENTRY, PLAN_ADD, PLAN_PROGRESS})
FSSI = frozenset({MISSION_REQUEST})
ACTIONS = CELL | REGION_ARS | STRUCTURE | FSSI | MISSION_CELL

CELL_ONLY = _("Seule la cellule ACSS peut faire cela.")
REFUSALS = {
    OPEN: CELL_ONLY,
    CLOSE: CELL_ONLY,
    PLAN_EDIT: _("Seule la cellule ACSS modifie l'intitulé, le responsable et l'échéance d'une action."),
    ENTRY: _("Seules la cellule, l'ARS de la région et la structure écrivent dans la fiche de suivi."),
    ADVICE: _("Seules la cellule et l'ARS de la région écrivent des mesures d'urgence et des recommandations."),
    PLAN_ADD: _("Seules la cellule et la structure ajoutent des actions au plan."),
    PLAN_PROGRESS: _("Seules la cellule et la structure mettent à jour l'avancement du plan."),
    MISSION_REQUEST: _("Seul le FSSI demande une mission d'expertise."),
    MISSION_OPEN: CELL_ONLY,
    MISSION_FINISH: CELL_ONLY,
    MISSION_REFUSE: CELL_ONLY,
}


def actions_of(actor_or_user, declaration: Declaration) -> frozenset[str]:
    """What the person's place allows in the accompaniment of this declaration (one they read)."""
    places = incident_access.actions_of(actor_or_user, declaration)
    allowed: set[str] = set()
    if places >= incident_access.CELL:
        allowed |= CELL | MISSION_CELL
    if places & incident_access.REGION_ARS:  # the questions: the cell and the region's ARS
        allowed |= REGION_ARS
    if incident_access.acts_for_structure(actor_or_user=actor_or_user, declaration=declaration):
        allowed |= STRUCTURE
    if is_fssi(actor_or_user):
        allowed |= FSSI
    return frozenset(allowed)


def may(*, actor_or_user, declaration: Declaration, action: str) -> bool:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    return action in actions_of(actor_or_user, declaration)


def refusal_message(*, actor_or_user, declaration: Declaration, action: str) -> str | None:
    return None if may(actor_or_user=actor_or_user, declaration=declaration, action=action) else str(REFUSALS[action])


def check(*, actor_or_user, declaration: Declaration, action: str) -> None:
    """Raise ``Forbidden`` (403, French) when the person's place does not allow ``action``; call it after
    ``declaration_get_visible`` (the 404)."""
    message = refusal_message(actor_or_user=actor_or_user, declaration=declaration, action=action)
    if message:
        raise Forbidden(message)


def entry_action(kind: str) -> str:
    """The access action an entry of ``kind`` needs."""
    return ADVICE if kind in (EntryKind.URGENT_MEASURE, EntryKind.RECOMMENDATION) else ENTRY


def entry_kinds(*, actor_or_user, declaration: Declaration) -> list[tuple[str, str]]:
    """The kinds of entries the person may write (the form's choices)."""
    allowed = actions_of(actor_or_user, declaration)
    return [(value, label) for value, label in EntryKind.choices if entry_action(value) in allowed]


def writes_for(*, actor_or_user, declaration: Declaration) -> Organisation | None:
    """The organisation an entry is written in the name of: the cell, the person's ARS, or the structure."""
    organisation = incident_access.author_organisation(actor_or_user)
    if organisation is None and incident_access.acts_for_structure(
        actor_or_user=actor_or_user, declaration=declaration
    ):
        return declaration.structure
    return organisation


def is_fssi(actor_or_user) -> bool:
    """A member of the FSSI of the social ministries (an authority): requests expert missions."""
    actor = actor_or_user if isinstance(actor_or_user, Actor) else actor_for(actor_or_user)
    if not actor.authority_ids:
        return False
    return Organisation.objects.filter(pk__in=actor.authority_ids, authority_code=AuthorityCode.FSSI).exists()


def reads_missions(*, actor_or_user, declaration: Declaration) -> bool:
    """The expert missions of a declaration one reads: the FSSI, the cell and the structure's people."""
    return (
        is_cell(actor_or_user)
        or is_fssi(actor_or_user)
        or incident_access.acts_for_structure(actor_or_user=actor_or_user, declaration=declaration)
    )


def is_cell(actor_or_user) -> bool:
    return incident_access.is_cell(actor_or_user)


def acts_for_structures(actor_or_user) -> frozenset[int]:
    """The structures the person acts for (« Mon espace »: their open plan actions)."""
    return incident_access.own_structure_ids(actor_or_user)


def is_staff(user) -> bool:
    """Staff (the cell, an ARS, an authority): their downloads of evidence are audited."""
    return actor_for(user).is_staff
