"""The handling panel on a declaration's page: thin views over the table of ``acss.incidents.actions`` (the same
forms, services and French messages as the API).

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
from django.views.decorators.http import require_POST

from acss.core.audit import AuditOrigin
from acss.core.errors import Refusal
from acss.core.idempotency import IdempotencyConflictError, scoped_key
from acss.incidents import access, actions
from acss.incidents.forms.cases import KEPT_ERRORS
from acss.incidents.models import Declaration
from acss.incidents.selectors.cases import case_get_for_declaration
from acss.incidents.selectors.declarations import declaration_get_visible

SESSION_KEY = "acss_handling_forms"


def _keep(request: HttpRequest, reference: str, action: str, errors: dict[str, list[str]] | None = None) -> None:
    """What was typed, for the page to show it again, with the form's errors (see ``forms.HandlingForm``)."""
    kept = request.session.get(SESSION_KEY, {})
    typed = {k: v for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", KEPT_ERRORS)}
    kept[f"{reference}:{action}"] = {**typed, KEPT_ERRORS: errors} if errors else typed
    request.session[SESSION_KEY] = kept


def pop_kept_forms(request: HttpRequest, reference: str) -> dict[str, dict]:
    kept = request.session.get(SESSION_KEY) or {}
    mine = {key.split(":", 1)[1]: value for key, value in kept.items() if key.startswith(f"{reference}:")}
    if mine:
        request.session[SESSION_KEY] = {k: v for k, v in kept.items() if not k.startswith(f"{reference}:")}
    return mine


def _back(reference: str) -> HttpResponse:
    return redirect(f"/declarations/{reference}/#traitement")


@login_required
@require_POST
def case_action(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    declaration = declaration_get_visible(user=request.user, reference=reference)
    if action not in actions.ACTIONS:
        raise Http404("unknown action")
    access.check_action(actor_or_user=request.user, declaration=declaration, action=action)
    user = request.user
    form = actions.action_form(action, request.POST, user=user, declaration=declaration)
    if form is not None and not form.is_valid():
        _keep(request, reference, action, actions.form_errors(form))
        messages.error(request, _("Action non enregistrée : corrigez les champs signalés."))
        return _back(reference)
    data = form.cleaned_data if form is not None else {}
    # A double click or a page sent again does the action once, and says it is done.
    key = scoped_key(kind=f"act-{action}", user_pk=user.pk, key=request.POST.get("submission_key"))
    try:
        actions.action_run(
            name=action,
            case=case_get_for_declaration(declaration=declaration),
            declaration=declaration,
            by=user,
            data=data,
            origin=AuditOrigin.of(request),
            key=key,
        )
    except IdempotencyConflictError:  # back in the browser, the form changed and sent again
        messages.error(request, _("Ce formulaire a déjà servi pour une autre action : rien n'a été fait cette fois."))
        return _back(reference)
    except Refusal as exc:
        _keep(request, reference, action)
        messages.error(request, exc.message)
        return _back(reference)
    messages.success(request, actions.ACTIONS[action].done(data))
    return _back(reference)


@login_required
@require_POST
def message_post(request: HttpRequest, reference: str) -> HttpResponse:
    declaration: Declaration = declaration_get_visible(user=request.user, reference=reference)
    kind = request.POST.get("kind")
    if kind not in actions.MESSAGES:
        raise Http404("unknown kind")
    access.check_action(actor_or_user=request.user, declaration=declaration, action=kind)
    form = actions.message_form(kind, request.POST, user=request.user, declaration=declaration)
    action = f"message-{kind}-{request.POST.get('question', '')}"
    if not form.is_valid():
        # The thread's forms are short: the first thing wrong is said above them.
        _keep(request, reference, action)
        messages.error(request, next(m for ms in actions.form_errors(form).values() for m in ms))
        return _back(reference)
    key = scoped_key(kind="message", user_pk=request.user.pk, key=request.POST.get("submission_key"))
    try:
        actions.message_post(
            kind=kind,
            declaration=declaration,
            by=request.user,
            data=form.cleaned_data,
            origin=AuditOrigin.of(request),
            key=key,
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
    messages.success(request, actions.MESSAGES[kind].sent(form.cleaned_data))
    return _back(reference)
