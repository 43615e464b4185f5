"""The handling panel on a declaration's page: thin views over ``handling`` services.

Who may act is ``acss.incidents.access``: a declaration one cannot read is a 404, an action one's place does
not allow on it a 403 page with the French refusal. An invalid action, or one the case's state refuses, keeps
what was typed (in the session, keyed by declaration and action) and the page shows it again with the message.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from acss.accounts.models import OrganisationKind
from acss.core.audit import AuditOrigin
from acss.core.errors import Refusal
from acss.core.idempotency import IdempotencyConflictError, scoped_key
from acss.incidents import access
from acss.incidents.forms.cases import (
    AssignForm,
    CloseForm,
    EscalateForm,
    MergeForm,
    MessageForm,
    QualifyForm,
    ReasonForm,
)
from acss.incidents.models import Declaration, Message, MessageKind
from acss.incidents.selectors.cases import acss_analysts, question_get_on_declaration
from acss.incidents.selectors.declarations import declaration_get_visible
from acss.incidents.services import cases as handling

SESSION_KEY = "acss_handling_forms"
FORMS = {
    "qualify": QualifyForm,
    "close": CloseForm,
    "out_of_scope": ReasonForm,
    "escalate": EscalateForm,
    "merge": MergeForm,
    "assign": AssignForm,
}


def _keep(request: HttpRequest, reference: str, action: str) -> None:
    kept = request.session.get(SESSION_KEY, {})
    kept[f"{reference}:{action}"] = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
    request.session[SESSION_KEY] = kept


def pop_kept_forms(request: HttpRequest, reference: str) -> dict[str, dict]:
    kept = request.session.get(SESSION_KEY) or {}
    mine = {key.split(":", 1)[1]: value for key, value in kept.items() if key.startswith(f"{reference}:")}
    if mine:
        request.session[SESSION_KEY] = {k: v for k, v in kept.items() if not k.startswith(f"{reference}:")}
    return mine


def _back(reference: str) -> HttpResponse:
    return redirect(f"/declarations/{reference}/#traitement")


# What each action did, in the words of the success message.
ACTION_DONE = {
    "take": _lazy("Dossier pris en charge : la qualification commence."),
    "qualify": _lazy("Qualification enregistrée."),
    "accompany": _lazy("Accompagnement de la structure commencé."),
    "close": _lazy("Dossier clos."),
    "out_of_scope": _lazy("Dossier classé hors du champ."),
    "resolved": _lazy("Incident déclaré résolu : la cellule va clore le dossier."),
}
ESCALATED_TO = {
    "dgs": _lazy("Dossier transmis à la DGS."),
    "ansm": _lazy("Dossier transmis à l'ANSM."),
    "anssi": _lazy("Dossier transmis à l'ANSSI."),
    "fssi": _lazy("Dossier transmis au FSSI."),
}


def action_done_message(action: str, data: dict) -> str:
    """The success message of an action on a case: what was done, to whom."""
    if action == "escalate":
        return str(ESCALATED_TO.get(data.get("authority_code"), _("Dossier transmis.")))
    if action == "assign":
        analyst = data.get("analyst")
        if analyst is None:
            return _("Assignation retirée : le dossier n'est plus suivi par un analyste.")
        return _("Dossier assigné à %(name)s.") % {"name": analyst.display_name}
    if action == "merge":
        return _("Dossier fusionné comme doublon de la déclaration %(ref)s.") % {"ref": data.get("into", "")}
    return str(ACTION_DONE[action])


@login_required
@require_POST
def case_action(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    declaration = declaration_get_visible(user=request.user, reference=reference)
    if action not in access.HANDLING_ACTIONS and action != access.RESOLVED:
        raise Http404("unknown action")
    access.check_action(actor_or_user=request.user, declaration=declaration, action=action)
    case = declaration.case
    user = request.user
    form = None
    if action in FORMS:
        kwargs = {"analysts": acss_analysts()} if action == "assign" else {}
        form = FORMS[action](request.POST, **kwargs)
        if not form.is_valid():
            _keep(request, reference, action)
            messages.error(request, _("Action non enregistrée : corrigez les champs signalés."))
            return _back(reference)
    data = form.cleaned_data if form is not None else {}
    if action == "merge":
        data = {**data, "into": declaration_get_visible(user=user, reference=data["into"].strip().upper())}

    def run() -> None:
        if action == "take":
            handling.case_take(case=case, by=user, origin=AuditOrigin.of(request))
        elif action == "assign":
            handling.case_assign(case=case, analyst=data["analyst"], by=user, origin=AuditOrigin.of(request))
        elif action == "qualify":
            handling.case_qualify(case=case, by=user, origin=AuditOrigin.of(request), **data)
        elif action == "accompany":
            handling.case_start_accompaniment(case=case, by=user, origin=AuditOrigin.of(request))
        elif action == "close":
            handling.case_close(case=case, by=user, origin=AuditOrigin.of(request), **data)
        elif action == "out_of_scope":
            handling.case_out_of_scope(case=case, by=user, reason=data["reason"], origin=AuditOrigin.of(request))
        elif action == "merge":
            handling.case_merge(case=case, by=user, into=data["into"], origin=AuditOrigin.of(request))
        elif action == "escalate":
            handling.case_escalate(case=case, by=user, origin=AuditOrigin.of(request), **data)
        elif action == "resolved":
            handling.case_structure_resolved(declaration=declaration, by=user, origin=AuditOrigin.of(request))

    # A double click or a page sent again does the action once, and says it is done.
    key = scoped_key(kind=f"act-{action}", user_pk=user.pk, key=request.POST.get("submission_key"))
    try:
        handling.keyed_action(key=key, declaration=declaration, action=action, by=user, params=data, run=run)
    except IdempotencyConflictError:  # back in the browser, the form changed and sent again
        messages.error(request, _("Ce formulaire a déjà servi pour une autre action : rien n'a été fait cette fois."))
        return _back(reference)
    except Refusal as exc:
        _keep(request, reference, action)
        messages.error(request, exc.message)
        return _back(reference)
    if action == "merge":
        data = {**data, "into": data["into"].reference}
    messages.success(request, action_done_message(action, data))
    return _back(reference)


@login_required
@require_POST
def message_post(request: HttpRequest, reference: str) -> HttpResponse:
    declaration: Declaration = declaration_get_visible(user=request.user, reference=reference)
    kind = request.POST.get("kind")
    if kind not in MessageKind.values:
        raise Http404("unknown kind")
    access.check_action(actor_or_user=request.user, declaration=declaration, action=kind)
    form = MessageForm(request.POST)
    action = f"message-{kind}-{request.POST.get('question', '')}"
    if not form.is_valid():
        _keep(request, reference, action)
        messages.error(request, str(handling.MESSAGE_REQUIRED.get(kind, _("Message non envoyé : il est vide."))))
        return _back(reference)
    body = form.cleaned_data["body"]
    key = scoped_key(kind="message", user_pk=request.user.pk, key=request.POST.get("submission_key"))
    question = None
    try:
        if kind == MessageKind.QUESTION:
            handling.question_ask(
                declaration=declaration, by=request.user, body=body, idempotency_key=key, origin=AuditOrigin.of(request)
            )
        elif kind == MessageKind.NOTE:
            handling.note_add(
                declaration=declaration, by=request.user, body=body, idempotency_key=key, origin=AuditOrigin.of(request)
            )
        elif kind == MessageKind.ANSWER:
            question = question_get_on_declaration(declaration=declaration, pk=request.POST.get("question"))
            if question is None:
                raise Http404("no such question")
            handling.question_answer(
                question=question, by=request.user, body=body, idempotency_key=key, origin=AuditOrigin.of(request)
            )
    except IdempotencyConflictError:  # the page sent again with another text (back in the browser)
        _keep(request, reference, action)
        messages.error(
            request,
            _(
                "Ce formulaire a déjà servi pour un autre message : rien n'a été envoyé cette fois. Relisez les "
                "échanges, puis envoyez de nouveau s'il s'agit bien d'un nouveau message."
            ),
        )
        return _back(reference)
    except Refusal as exc:
        _keep(request, reference, action)
        messages.error(request, exc.message)
        return _back(reference)
    messages.success(request, message_sent(kind, question if kind == MessageKind.ANSWER else None))
    return _back(reference)


def message_sent(kind: str, question: Message | None = None) -> str:
    """The success message of a message posted on the thread: what it was, who receives it."""
    if kind == MessageKind.QUESTION:
        return _("Question envoyée à la structure.")
    if kind == MessageKind.NOTE:
        return _("Note interne ajoutée (visible de la cellule seulement).")
    organisation = question.author_organisation if question is not None else None
    if organisation is None or organisation.kind == OrganisationKind.ACSS:
        return _("Réponse envoyée à la cellule.")
    return _("Réponse envoyée à %(name)s.") % {"name": organisation.name}
