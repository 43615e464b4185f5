"""One table of what can be done on a case, read by the pages and by the API alike.

Each handling action (``ACTIONS``) and each kind of message on the thread (``MESSAGES``) is one entry: the form
that validates its input (the page posts it, the API's JSON is turned into the same form data by
``acss.core.api.form_input``), the service it calls in ``handling``, and the French sentence that says it is done.
So a field is checked once, in one set of French words, and the same service runs, whichever the transport.

Who may do it (``acss.incidents.access.check_action``) is checked by each transport before the form, as the
answers differ (a 403 page, a 403 JSON); the idempotency key is the transport's too (a page's
``submission_key``, the API's ``Idempotency-Key`` header), scoped as each did before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acss.accounts.models import OrganisationKind, User
from acss.core.audit import AuditOrigin
from acss.core.calendars import zone_of
from acss.core.idempotency import Written
from acss.incidents.forms.cases import (
    AssignForm,
    CloseForm,
    EscalateForm,
    HandlingForm,
    MergeForm,
    MessageForm,
    QualifyForm,
    ReasonForm,
)
from acss.incidents.forms.filings import STAGE_FORMS, FilingSentForm
from acss.incidents.models import Case, Declaration, FilingStage, Message, MessageKind
from acss.incidents.rules import aware_at
from acss.incidents.services import cases as handling
from acss.incidents.services import filings


@dataclass(frozen=True)
class CaseAction:
    """One handling action: its form (None: it takes no input), the service it runs, its success sentence, and
    what the API's schema says of it (in French, for the people who read the schema)."""

    form: type[HandlingForm] | None
    run: Callable[..., object]
    done: Callable[[dict], str]
    summary: str = ""


def _said(sentence) -> Callable[[dict], str]:
    return lambda data: str(sentence)


def _take(*, case: Case, declaration: Declaration, by: User, origin: AuditOrigin, data: dict) -> object:
    return handling.case_take(case=case, by=by, origin=origin)


def _assign(*, case: Case, declaration: Declaration, by: User, origin: AuditOrigin, data: dict) -> object:
    return handling.case_assign(case=case, analyst=data.get("analyst"), by=by, origin=origin)


def _qualify(*, case: Case, declaration: Declaration, by: User, origin: AuditOrigin, data: dict) -> object:
    return handling.case_qualify(
        case=case,
        by=by,
        criticity=data["criticity"],
        legal_level=data["legal_level"],
        justification=data["justification"],
        sanitary_impact_confirmed=data["sanitary_impact_confirmed"],
        category=data.get("category"),
        rsit=data.get("rsit", ""),
        origin=origin,
    )


def _accompany(*, case: Case, declaration: Declaration, by: User, origin: AuditOrigin, data: dict) -> object:
    return handling.case_start_accompaniment(case=case, by=by, origin=origin)


def _close(*, case: Case, declaration: Declaration, by: User, origin: AuditOrigin, data: dict) -> object:
    return handling.case_close(
        case=case,
        by=by,
        summary=data["summary"],
        root_cause=data.get("root_cause", ""),
        degraded_hours=data.get("degraded_hours"),
        patients_affected=data.get("patients_affected"),
        provider=data.get("provider", ""),
        origin=origin,
    )


def _out_of_scope(*, case: Case, declaration: Declaration, by: User, origin: AuditOrigin, data: dict) -> object:
    return handling.case_out_of_scope(case=case, by=by, reason=data["reason"], origin=origin)


def _merge(*, case: Case, declaration: Declaration, by: User, origin: AuditOrigin, data: dict) -> object:
    return handling.case_merge(case=case, by=by, into=data["into"], origin=origin)


def _escalate(*, case: Case, declaration: Declaration, by: User, origin: AuditOrigin, data: dict) -> object:
    return handling.case_escalate(
        case=case, by=by, authority_code=data["authority_code"], reason=data["reason"], origin=origin
    )


def _resolved(*, case: Case, declaration: Declaration, by: User, origin: AuditOrigin, data: dict) -> object:
    return handling.case_structure_resolved(declaration=declaration, by=by, origin=origin)


ESCALATED_TO = {
    "dgs": gettext_lazy("Dossier transmis à la DGS."),
    "ansm": gettext_lazy("Dossier transmis à l'ANSM."),
    "anssi": gettext_lazy("Dossier transmis à l'ANSSI."),
    "fssi": gettext_lazy("Dossier transmis au FSSI."),
}


def _escalated(data: dict) -> str:
    return str(ESCALATED_TO.get(data.get("authority_code"), _("Dossier transmis.")))


def _assigned(data: dict) -> str:
    analyst = data.get("analyst")
    if analyst is None:
        return _("Assignation retirée : le dossier n'est plus suivi par un analyste.")
    return _("Dossier assigné à %(name)s.") % {"name": analyst.display_name}


def _merged(data: dict) -> str:
    into = data.get("into")
    reference = into.reference if isinstance(into, Declaration) else str(into or "")
    return _("Dossier fusionné comme doublon de la déclaration %(ref)s.") % {"ref": reference}


ACTIONS: dict[str, CaseAction] = {
    "take": CaseAction(
        None,
        _take,
        _said(gettext_lazy("Dossier pris en charge : la qualification commence.")),
        "new → qualifying ; l'analyste se voit assigner le dossier si personne ne l'est.",
    ),
    "assign": CaseAction(AssignForm, _assign, _assigned, "Assigner le dossier à un analyste de la cellule."),
    "qualify": CaseAction(
        QualifyForm,
        _qualify,
        _said(gettext_lazy("Qualification enregistrée.")),
        "qualifying → qualified : criticité, niveau légal, justification.",
    ),
    "accompany": CaseAction(
        None, _accompany, _said(gettext_lazy("Accompagnement de la structure commencé.")), "qualified → accompaniment."
    ),
    "close": CaseAction(CloseForm, _close, _said(gettext_lazy("Dossier clos.")), "Clore le dossier."),
    "out_of_scope": CaseAction(
        ReasonForm, _out_of_scope, _said(gettext_lazy("Dossier classé hors du champ.")), "Classer hors du champ."
    ),
    "merge": CaseAction(MergeForm, _merge, _merged, "Fusionner comme doublon d'une autre déclaration."),
    "escalate": CaseAction(EscalateForm, _escalate, _escalated, "Transmettre à une autorité."),
    "resolved": CaseAction(
        None,
        _resolved,
        _said(gettext_lazy("Incident déclaré résolu : la cellule va clore le dossier.")),
        "La structure déclare l'incident résolu (la cellule clôt ensuite).",
    ),
}


def action_form(name: str, data, *, user: User, declaration: Declaration) -> HandlingForm | None:
    """The bound form of action ``name`` for this person on this declaration (None: the action takes no input)."""
    form_class = ACTIONS[name].form
    return form_class(data, user=user, declaration=declaration) if form_class is not None else None


def action_run(
    *,
    name: str,
    case: Case,
    declaration: Declaration,
    by: User,
    data: dict,
    origin: AuditOrigin,
    key: str | None,
) -> bool:
    """Run action ``name`` with its validated ``data``, once per ``key`` (``handling.keyed_action``): True when
    done now, False for a retry. A ``Refusal`` or an ``IdempotencyConflictError`` is the transport's to answer."""
    entry = ACTIONS[name]
    return handling.keyed_action(
        key=key,
        declaration=declaration,
        action=name,
        by=by,
        params=data,
        run=lambda: entry.run(case=case, declaration=declaration, by=by, origin=origin, data=data),
    )


# --------------------------------------------------------------------------------------------------
# The thread
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThreadMessage:
    """One kind of message: the service that writes it once per key, and its success sentence."""

    write: Callable[..., Written[Message]]
    sent: Callable[[dict], str]


def _ask(*, declaration: Declaration, by: User, data: dict, key: str | None, origin: AuditOrigin) -> Written[Message]:
    return handling.question_ask(declaration=declaration, by=by, body=data["body"], idempotency_key=key, origin=origin)


def _answer(
    *, declaration: Declaration, by: User, data: dict, key: str | None, origin: AuditOrigin
) -> Written[Message]:
    return handling.question_answer(
        question=data["question"], by=by, body=data["body"], idempotency_key=key, origin=origin
    )


def _note(*, declaration: Declaration, by: User, data: dict, key: str | None, origin: AuditOrigin) -> Written[Message]:
    return handling.note_add(declaration=declaration, by=by, body=data["body"], idempotency_key=key, origin=origin)


def _answered(data: dict) -> str:
    """An answer goes to whoever asked: the cell, or the ARS named."""
    question = data.get("question")
    organisation = question.author_organisation if isinstance(question, Message) else None
    if organisation is None or organisation.kind == OrganisationKind.ACSS:
        return _("Réponse envoyée à la cellule.")
    return _("Réponse envoyée à %(name)s.") % {"name": organisation.name}


MESSAGES: dict[str, ThreadMessage] = {
    MessageKind.QUESTION: ThreadMessage(_ask, _said(gettext_lazy("Question envoyée à la structure."))),
    MessageKind.ANSWER: ThreadMessage(_answer, _answered),
    MessageKind.NOTE: ThreadMessage(
        _note, _said(gettext_lazy("Note interne ajoutée (visible de la cellule seulement)."))
    ),
}


def message_form(kind: str, data, *, user: User, declaration: Declaration) -> MessageForm:
    """The bound form of a message of ``kind`` on this declaration (the same form for every kind)."""
    return MessageForm(data, kind=kind, user=user, declaration=declaration)


def message_post(
    *, kind: str, declaration: Declaration, by: User, data: dict, origin: AuditOrigin, key: str | None
) -> Written[Message]:
    """Write a message of ``kind`` with its validated ``data``, once per ``key``."""
    return MESSAGES[kind].write(declaration=declaration, by=by, data=data, key=key, origin=origin)


def form_errors(form) -> dict[str, list[str]]:
    """A form's French messages, field by field (``__all__`` for the form as a whole)."""
    return {name: [str(m) for m in messages] for name, messages in form.errors.items()}


# --------------------------------------------------------------------------------------------------
# The regulatory filings (NIS 2 stages, CNIL): saving a stage's content, recording that it was sent
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FilingAction:
    """One write on a filing: its bound form for a stage, the service it runs once per key, its success sentence
    and what the API's schema says of it."""

    form: Callable[..., object]
    run: Callable[..., Written]
    done: Callable[[str], str]
    summary: str = ""


def _filing_content_form(data, *, declaration: Declaration, stage: str):
    return STAGE_FORMS[stage](data)


def _filing_sent_form(data, *, declaration: Declaration, stage: str):
    return FilingSentForm(data, tz=zone_of(declaration.structure), aware_at=aware_at(declaration))


def _filing_save(*, declaration: Declaration, stage: str, by: User, form, key: str | None, origin: AuditOrigin):
    return filings.filing_save(
        declaration=declaration, stage=stage, by=by, content=form.content(), idempotency_key=key, origin=origin
    )


def _filing_sent(*, declaration: Declaration, stage: str, by: User, form, key: str | None, origin: AuditOrigin):
    return filings.filing_mark_sent(
        declaration=declaration,
        stage=stage,
        by=by,
        sent_at=form.cleaned_data["sent_at"],
        idempotency_key=key,
        origin=origin,
    )


def _stage_label(stage: str) -> str:
    return str(FilingStage(stage).label)


FILING_SAVE, FILING_SENT = "save", "sent"
FILING_ACTIONS: dict[str, FilingAction] = {
    FILING_SAVE: FilingAction(
        _filing_content_form,
        _filing_save,
        lambda stage: _("%(stage)s : version enregistrée.") % {"stage": _stage_label(stage)},
        "Enregistre une nouvelle version du contenu de l'étape (les précédentes sont conservées).",
    ),
    FILING_SENT: FilingAction(
        _filing_sent_form,
        _filing_sent,
        lambda stage: _("%(stage)s : envoi enregistré.") % {"stage": _stage_label(stage)},
        "Enregistre la date à laquelle la structure a envoyé l'étape à l'autorité.",
    ),
}


def filing_form(name: str, data, *, declaration: Declaration, stage: str):
    """The bound form of filing action ``name`` for ``stage`` of this declaration."""
    return FILING_ACTIONS[name].form(data, declaration=declaration, stage=stage)


def filing_run(
    *, name: str, declaration: Declaration, stage: str, by: User, form, key: str | None, origin: AuditOrigin
) -> Written:
    """Run filing action ``name`` with its valid ``form``, once per ``key``. A ``Refusal``, ``Forbidden`` or
    ``IdempotencyConflictError`` is the transport's to answer."""
    return FILING_ACTIONS[name].run(declaration=declaration, stage=stage, by=by, form=form, key=key, origin=origin)
