"""Who may do what to an incident (a declaration and its case): the one access module of the incidents.

**Reads.** ``selectors.declaration_list_visible`` / ``declaration_get_visible`` stay the one read filter (a
structure its own, an ARS its region's, an authority what was escalated to it, the FSSI and ACSS everything);
what one may not read is a 404, exactly like a missing declaration. Staff opening a declaration, on a page or
through the API, is recorded here (``record_viewed``).

**Actions.** What a person may do follows from who they are for this declaration:

- the ACSS cell: the handling actions (take, assign, qualify, accompany, close, out of scope, merge, escalate),
  internal notes, questions, and adding to the declaration (addendum, situation, completion);
- the ARS of the structure's region: questions;
- the structure's people: answers, addenda, situation updates, the completion of a first alert, « résolu »;
- the authorities that read it: nothing, they read.

``allowed_actions`` is that set narrowed by the case as it is now: a move of the lifecycle only where
``cases.rules.TRANSITIONS`` allows it, assignment, escalation and « résolu » only while the case is open, the
completion only while the first alert waits for it. The pages show exactly these actions; the handling panel only
tests membership.

**The 403 rule.** ``check_action`` refuses with ``Forbidden`` (a 403 with the French message of ``REFUSALS``, the
same on the pages and in the API) an action that the person's place never allows, on a declaration they can
read. The case's state is not an access question: a move the state refuses is the services' answer
(``Refusal``: a message on the page, a 400 in the API), so that a retry under the same key still finds what
its twin did.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from acss.accounts.selectors import Actor, actor_for
from acss.core.audit import AuditOrigin, audit_record
from acss.core.finess import FINESS_RE
from acss.core.forbidden import Forbidden
from acss.incidents.models import Case, CaseState, Declaration
from acss.incidents.rules import TRANSITIONS
from acss.incidents.selectors.declarations import declaration_get_visible

# The handling actions of the cell that move the case, and where each moves it.
MOVES: dict[str, str] = {
    "take": CaseState.QUALIFYING,
    "qualify": CaseState.QUALIFIED,
    "accompany": CaseState.ACCOMPANIMENT,
    "close": CaseState.CLOSED,
    "out_of_scope": CaseState.OUT_OF_SCOPE,
    "merge": CaseState.DUPLICATE,
}
# The cell's actions on a case (posted to ``incidents:action``, or ``action`` in the API).
HANDLING_ACTIONS = frozenset({*MOVES, "assign", "escalate"})
# The thread (``incidents:message``, ``kind`` in the API).
QUESTION, ANSWER, NOTE = "question", "answer", "note"
# Adding to the declaration itself.
ADDENDUM, SITUATION, COMPLETE = "addendum", "situation", "complete"
RESOLVED = "resolved"

ADDS = frozenset({ADDENDUM, SITUATION, COMPLETE})
CELL = frozenset({*HANDLING_ACTIONS, NOTE, QUESTION, *ADDS})
REGION_ARS = frozenset({QUESTION})
STRUCTURE = frozenset({ANSWER, RESOLVED, *ADDS})
ACTIONS = CELL | REGION_ARS | STRUCTURE

# What a refusal says: who may do it.
CELL_ONLY = _("Seule la cellule ACSS peut faire cela.")
REFUSALS = {
    **dict.fromkeys(HANDLING_ACTIONS | {NOTE}, CELL_ONLY),
    QUESTION: _("Seules la cellule et l'ARS de la région posent des questions à la structure."),
    ANSWER: _("Seule la structure répond à ses questions."),
    RESOLVED: _("Seule la structure déclare l'incident résolu."),
    **dict.fromkeys(ADDS, _("Seules la structure et la cellule ACSS complètent une déclaration.")),
}


def _actor(actor_or_user) -> Actor:
    return actor_or_user if isinstance(actor_or_user, Actor) else actor_for(actor_or_user)


def actions_of(actor_or_user, declaration: Declaration) -> frozenset[str]:
    """What the person's place allows on this declaration, whatever the case's state."""
    actor = _actor(actor_or_user)
    allowed: set[str] = set()
    if actor.is_acss:
        allowed |= CELL
    if declaration.structure.departement.region_id in actor.ars_region_codes:
        allowed |= REGION_ARS
    if declaration.structure_id in actor.structure_ids:
        allowed |= STRUCTURE
    return frozenset(allowed)


def _state_allows(action: str, declaration: Declaration, case: Case | None) -> bool:
    if action in ADDS:
        return action != COMPLETE or declaration.is_quick_alert_pending
    if action in (QUESTION, ANSWER, NOTE):  # the thread stays open
        return case is not None
    if case is None:
        return False
    if action in MOVES:
        return MOVES[action] in TRANSITIONS.get(case.state, set())
    if action == RESOLVED:
        return case.is_open and case.structure_resolved_at is None
    return case.is_open  # assign, escalate


def allowed_actions(*, actor_or_user, declaration: Declaration, case: Case | None = None) -> frozenset[str]:
    """What this person may do now on ``declaration`` and its ``case`` (read it first: one query)."""
    if case is None:
        case = Case.objects.filter(declaration=declaration).first()
    return frozenset(a for a in actions_of(actor_or_user, declaration) if _state_allows(a, declaration, case))


def may(*, actor_or_user, declaration: Declaration, action: str) -> bool:
    return action in actions_of(actor_or_user, declaration)


def check_action(*, actor_or_user, declaration: Declaration, action: str) -> None:
    """Raise ``Forbidden`` (403, French) when the person's place does not allow ``action`` on a declaration they
    read. Call it after ``declaration_get_visible`` (which gives the 404) and before reading the body."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if not may(actor_or_user=actor_or_user, declaration=declaration, action=action):
        raise Forbidden(str(REFUSALS[action]))


def declaration_get_for_action(*, user, reference: str, action: str) -> Declaration:
    """The declaration ``reference``, read (404 when not visible), on which ``action`` is allowed (403 when not)."""
    declaration = declaration_get_visible(user=user, reference=reference)
    check_action(actor_or_user=user, declaration=declaration, action=action)
    return declaration


def refusal_message(*, actor_or_user, declaration: Declaration, action: str) -> str | None:
    """The French refusal of ``check_action``, or None when the action is allowed."""
    if may(actor_or_user=actor_or_user, declaration=declaration, action=action):
        return None
    return str(REFUSALS[action])


def record_viewed(request, declaration: Declaration, *, via: str | None = None) -> None:
    """Staff opening a declaration (its page, or the API's declaration, case or thread) is an audit event."""
    if actor_for(request.user).is_staff:
        audit_record(
            actor=request.user,
            action="declaration.viewed",
            obj=declaration,
            origin=AuditOrigin.of(request),
            data={"via": via} if via else None,
        )


def structure_check_for_declaring(*, structures: QuerySet, finess) -> None:
    """Declaring for a structure one does not act for is a 404, like any action on what one cannot read.

    ``structures`` are those the person may declare for (``structures_for_declaring``). A missing or malformed
    FINESS is not checked here: the form answers it with a field error on ``structure``.
    """
    if isinstance(finess, str) and FINESS_RE.match(finess) and not structures.filter(finess_et=finess).exists():
        raise Http404("structure not found")
