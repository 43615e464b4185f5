"""Who may do what to an incident (a declaration and its case): the one access module of the incident.

**Reads.** ``visibility_q`` is the one rule of who reads a declaration (a structure its own, an ARS its region's,
an authority what was escalated to it, the FSSI and ACSS everything), ``readable_message_kinds`` who reads which
messages of its thread (notes: the cell only), ``declaring_q`` for which structures one may declare. The selectors
build every read on them (``selectors.declarations.declaration_list_visible`` / ``declaration_get_visible``,
``selectors.cases.message_list_visible``); what one may not read is a 404, exactly like a missing declaration.
Staff opening a declaration, on a page or through the API, is recorded here (``record_viewed``), and so is
staff downloading one of its files (``record_downloaded``).

**Actions.** What a person may do follows from who they are for this declaration:

- the ACSS cell: the handling actions (take, assign, qualify, accompany, close, out of scope, merge, escalate),
  internal notes, questions, and adding to the declaration (addendum, situation, completion);
- the ARS of the structure's region: questions;
- the structure's people: answers, addenda, situation updates, the completion of a first alert, « résolu »;
- the authorities that read it: nothing, they read.

``allowed_actions`` is that set narrowed by the case as it is now: a move of the lifecycle only where
``rules.TRANSITIONS`` allows it, assignment, escalation and « résolu » only while the case is open, the
completion only while the first alert waits for it. The pages show exactly these actions; the handling panel only
tests membership.

**What a page shows beyond the declaration** is decided here too, never in a view or a template:
``reads_handling`` (the case's handling, escalations: the staff who read the declaration), ``reads_routing``
(who was told, the suggestions, the on-call alerts: the cell), ``uses_queue`` (the analyst's queue: the cell),
``board_region_codes`` (the ARS board: the cell every region, an ARS its own), ``declare_mode`` (declaring as a
structure, or on behalf of one), ``answers_questions`` and ``is_cell`` (the panels of « Mon espace »).

**The 403 rule.** ``check_action`` refuses with ``Forbidden`` (a 403 with the French message of ``REFUSALS``, the
same on the pages and in the API) an action that the person's place never allows, on a declaration they can
read. The case's state is not an access question: a move the state refuses is the services' answer
(``Refusal``: a message on the page, a 400 in the API), so that a retry under the same key still finds what
its twin did.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from acss.accounts.models import Organisation, OrganisationKind
from acss.accounts.selectors import Actor, actor_for
from acss.core.audit import AuditOrigin, audit_record
from acss.core.finess import FINESS_RE
from acss.core.forbidden import Forbidden
from acss.incidents.models import Case, CaseState, Declaration, Escalation, MessageKind
from acss.incidents.rules import TRANSITIONS

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


# --- reads ----------------------------------------------------------------------------------------------------


def visibility_q(actor_or_user) -> Q | None:
    """The Q that restricts declarations to what the person may read; None means everything."""
    actor = _actor(actor_or_user)
    if actor.sees_all_declarations:
        return None
    q = Q(pk__in=[])
    if actor.structure_ids:
        q |= Q(structure_id__in=actor.structure_ids)
    if actor.ars_region_codes:
        q |= Q(structure__departement__region_id__in=actor.ars_region_codes)
    if actor.authority_ids:
        q |= Q(Exists(Escalation.objects.filter(declaration=OuterRef("pk"), authority_id__in=actor.authority_ids)))
    return q


def declaring_q(actor_or_user) -> Q | None:
    """The Q on verified structures the person may declare for: their own; on behalf of one, the cell any (None),
    an ARS its region's."""
    actor = _actor(actor_or_user)
    if actor.is_acss:
        return None
    q = Q(pk__in=actor.structure_ids)
    if actor.ars_region_codes:
        q |= Q(departement__region_id__in=actor.ars_region_codes)
    return q


def declares_on_behalf(actor_or_user, structure) -> bool:
    """True when the person records for a structure they do not belong to (the cell or an ARS)."""
    return structure.pk not in _actor(actor_or_user).structure_ids


def acts_for_structure(*, actor_or_user, declaration: Declaration) -> bool:
    """The person acts for the declaring structure (its questions wait on them; they say « résolu »)."""
    return declaration.structure_id in _actor(actor_or_user).structure_ids


def author_organisation(actor_or_user) -> Organisation | None:
    """The organisation a message is written in the name of: the cell, else the person's ARS; a structure's
    people write in the name of the declaring structure (None here)."""
    actor = _actor(actor_or_user)
    if actor.is_acss:
        return Organisation.objects.filter(kind=OrganisationKind.ACSS).first()
    if actor.ars_region_codes:
        return Organisation.objects.filter(kind=OrganisationKind.ARS, region_id__in=actor.ars_region_codes).first()
    return None


def own_structure_ids(actor_or_user) -> frozenset[int]:
    """The structures the person acts for (« Questions en attente »: the questions they are to answer)."""
    return frozenset(_actor(actor_or_user).structure_ids)


THREAD_WITHOUT_NOTES = frozenset({MessageKind.QUESTION, MessageKind.ANSWER, MessageKind.INFORMATION})


def readable_message_kinds(*, actor_or_user, declaration: Declaration) -> frozenset[str]:
    """The kinds of messages of the thread the person reads: the cell all of them (its internal notes too), the
    structure and the ARS of its region questions and answers, the authorities none."""
    actor = _actor(actor_or_user)
    if actor.is_acss:
        return frozenset(MessageKind.values)
    if declaration.structure_id in actor.structure_ids:
        return THREAD_WITHOUT_NOTES
    if declaration.structure.departement.region_id in actor.ars_region_codes:
        return THREAD_WITHOUT_NOTES
    return frozenset()


# --- actions --------------------------------------------------------------------------------------------------


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
        try:
            case = declaration.case
        except Case.DoesNotExist:
            case = None
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


def record_downloaded(request, declaration: Declaration, attachment) -> None:
    """Staff downloading a file of a declaration is an audit event (the structure's own downloads are not)."""
    if actor_for(request.user).is_staff:
        audit_record(
            actor=request.user,
            action="attachment.downloaded",
            obj=attachment,
            origin=AuditOrigin.of(request),
            data={"declaration": declaration.reference, "sha256": attachment.sha256},
        )


# --- what a page shows beyond the declaration ---------------------------------------------------------------


def reads_handling(*, actor_or_user, declaration: Declaration) -> bool:
    """Whether the person reads the case's handling (criticity, legal level, analyst, escalations) rather than
    the structure's plain-language status: the cell, the authorities informed of everything, the ARS of the
    structure's region, an authority the case was escalated to. Call it on a declaration they read."""
    actor = _actor(actor_or_user)
    if actor.is_acss or actor.systematic_authority:
        return True
    if declaration.structure.departement.region_id in actor.ars_region_codes:
        return True
    return bool(actor.authority_ids) and declaration.escalations.filter(authority_id__in=actor.authority_ids).exists()


def reads_routing(*, actor_or_user) -> bool:
    """Who was told, the escalation suggestions and the on-call alerts of a declaration: the cell only."""
    return _actor(actor_or_user).is_acss


def reads_journal(actor_or_user) -> bool:
    """The audit events of a declaration (who saw and changed what, from where): the cell only."""
    return _actor(actor_or_user).is_acss


def is_cell(actor_or_user) -> bool:
    """A member of the ACSS cell (the queue, the assignment of cases, « Mes dossiers »)."""
    return _actor(actor_or_user).is_acss


uses_queue = is_cell


def answers_questions(actor_or_user) -> bool:
    """The people of a structure, who answer the cell's and the ARS's questions (« Questions en attente »)."""
    return _actor(actor_or_user).is_declarant


def board_region_codes(actor_or_user) -> frozenset[str] | None:
    """The regions of the ARS board: ``None`` for every region (the cell), the person's own for an ARS agent,
    an empty set for anyone else (no board)."""
    actor = _actor(actor_or_user)
    if actor.is_acss:
        return None
    return frozenset(actor.ars_region_codes)


# --- the regulatory filings (NIS 2 stages, CNIL) --------------------------------------------------------------

FILING_REFUSAL = _("Seule la structure complète ses déclarations réglementaires et en enregistre l'envoi.")


def reads_filings(*, actor_or_user, declaration: Declaration) -> bool:
    """The regulatory filings of a declaration (the NIS 2 stages, the CNIL's): its structure, the cell, the ARS of
    its region; the authorities do not (a 404). Call it on a declaration they read."""
    actor = _actor(actor_or_user)
    return (
        actor.is_acss
        or declaration.structure_id in actor.structure_ids
        or declaration.structure.departement.region_id in actor.ars_region_codes
    )


def writes_filings(*, actor_or_user, declaration: Declaration) -> bool:
    """Completing a filing and recording that it was sent: the structure's people only (it files, not the cell)."""
    return acts_for_structure(actor_or_user=actor_or_user, declaration=declaration)


def check_filing(*, actor_or_user, declaration: Declaration) -> None:
    """``Forbidden`` (403, French) for one who reads the filings but may not write them."""
    if not writes_filings(actor_or_user=actor_or_user, declaration=declaration):
        raise Forbidden(str(FILING_REFUSAL))


DECLARE_AS_STRUCTURE, DECLARE_ON_BEHALF = "structure", "on_behalf"


def declare_mode(actor_or_user) -> str | None:
    """How the person declares: for their structure, on behalf of a structure (the cell, an ARS), or not."""
    actor = _actor(actor_or_user)
    if actor.is_declarant:
        return DECLARE_AS_STRUCTURE
    if actor.is_acss or actor.ars_region_codes:
        return DECLARE_ON_BEHALF
    return None


def structure_check_for_declaring(*, structures: QuerySet, finess) -> None:
    """Declaring for a structure one does not act for is a 404, like any action on what one cannot read.

    ``structures`` are those the person may declare for (``structures_for_declaring``). A missing or malformed
    FINESS is not checked here: the form answers it with a field error on ``structure``.
    """
    if isinstance(finess, str) and FINESS_RE.match(finess) and not structures.filter(finess_et=finess).exists():
        raise Http404("structure not found")
