"""The « Accompagnement » page of a declaration and its forms: thin views over the selectors and services.

A declaration one cannot read is a 404 (``declaration_get_visible``); a write one's place does not allow on it a
403 with the French refusal (``access.check``). A refused or invalid form shows the page again with what was
typed and why.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from acss.core.audit import AuditOrigin
from acss.core.errors import Refusal, refusal_on_form
from acss.core.idempotency import IdempotencyConflictError, scoped_key
from acss.incidents.selectors.declarations import declaration_get_visible

from . import access, actions, services
from .downloads import evidence_response, mission_report_response
from .forms import (
    ActionPlanningForm,
    ActionProgressForm,
    EntryForm,
    MissionFinishForm,
    MissionOpenForm,
    MissionRefuseForm,
    MissionRequestForm,
    OpenForm,
    TemplateRevisionForm,
)
from .selectors import (
    accompaniment_for,
    declaration_get_for_missions,
    expert_mission_get_visible,
    expert_missions,
    plan_action_get_visible,
    plan_actions,
    plan_template_get,
    plan_template_list,
    sheet_entries,
    structure_people,
)


def _url(reference: str, anchor: str = "") -> str:
    return f"/declarations/{reference}/accompagnement/" + (f"#{anchor}" if anchor else "")


def _page(request: HttpRequest, declaration, *, status: int = 200, **bound) -> HttpResponse:
    user = request.user
    allowed = access.actions_of(user, declaration)
    accompaniment = accompaniment_for(declaration=declaration)
    people = structure_people(declaration=declaration)
    actions = list(plan_actions(accompaniment=accompaniment)) if accompaniment else []
    writable = accompaniment is not None and accompaniment.is_open
    kinds = access.entry_kinds(actor_or_user=user, declaration=declaration)
    return render(
        request,
        "accompaniment/detail.html",
        {
            "title": _("Accompagnement"),
            "declaration": declaration,
            "submission_key": uuid.uuid4().hex,  # a double click does the action once
            "accompaniment": accompaniment,
            "entries": sheet_entries(accompaniment=accompaniment) if accompaniment else [],
            "actions": actions,
            "overdue": sum(1 for a in actions if a.is_overdue),
            "may": {name: name in allowed and writable for name in access.ACTIONS},
            "may_open": access.OPEN in allowed and accompaniment is None,
            "entry_form": bound.get("entry_form") or (EntryForm(kinds=kinds) if kinds else None),
            "add_form": bound.get("add_form") or ActionPlanningForm(people=people),
            "rows": [
                {
                    "action": a,
                    "progress": (bound.get("progress_form") if bound.get("progress_pk") == a.pk else None)
                    or ActionProgressForm(
                        initial={"state": a.state, "evidence_note": a.evidence_note}, prefix=f"a{a.pk}"
                    ),
                    "edit": (bound.get("edit_form") if bound.get("edit_pk") == a.pk else None)
                    or ActionPlanningForm(
                        people=people,
                        prefix=f"e{a.pk}",
                        initial={
                            "title": a.title,
                            "owner": a.owner_id,
                            "owner_name": a.owner_name,
                            "due_on": a.due_on,
                        },
                    ),
                }
                for a in actions
            ],
        },
        status=status,
    )


@login_required
@require_GET
def accompaniment_detail(request: HttpRequest, reference: str) -> HttpResponse:
    declaration = declaration_get_visible(user=request.user, reference=reference)
    return _page(request, declaration)


def _perform(request: HttpRequest, name: str, declaration, *, target=None, prefix: str | None = None):
    """Action ``name`` of the table, as the page posts it: 403 when the person's place does not allow it; the
    form, and whether it was done (a success message then), else the form with why."""
    access.check(actor_or_user=request.user, declaration=declaration, action=actions.access_action(name, request.POST))
    form = actions.action_form(
        name, request.POST, request.FILES, user=request.user, declaration=declaration, prefix=prefix
    )
    if form is not None and not form.is_valid():
        return form, False
    # A double click or a page sent again does the action once, and says it is done.
    key = scoped_key(kind=f"acc-{name}", user_pk=request.user.pk, key=request.POST.get("submission_key"))
    try:
        actions.action_run(
            name=name,
            declaration=declaration,
            target=target,
            by=request.user,
            data=form.cleaned_data if form is not None else {},
            origin=AuditOrigin.of(request),
            key=key,
        )
    except IdempotencyConflictError:  # back in the browser, another form of the same page sent with its key
        messages.error(request, _("Ce formulaire a déjà servi pour une autre action : rien n'a été fait cette fois."))
        return form, False
    except Refusal as exc:
        if form is None:
            messages.error(request, exc.message)
        else:
            refusal_on_form(form, exc)
        return form, False
    messages.success(request, actions.done(name))
    return form, True


@login_required
@require_http_methods(["GET", "POST"])
def accompaniment_open(request: HttpRequest, reference: str) -> HttpResponse:
    declaration = declaration_get_visible(user=request.user, reference=reference)
    access.check(actor_or_user=request.user, declaration=declaration, action=access.OPEN)
    templates = plan_template_list()
    form = OpenForm(templates=templates)
    if request.method == "POST":
        form, done = _perform(request, access.OPEN, declaration)
        if done:
            return redirect(_url(reference))
    return render(
        request,
        "accompaniment/open.html",
        {
            "title": _("Ouvrir l'accompagnement"),
            "declaration": declaration,
            "form": form,
            "templates": templates,
            "submission_key": uuid.uuid4().hex,
        },
    )


@login_required
@require_POST
def entry_add(request: HttpRequest, reference: str) -> HttpResponse:
    declaration = declaration_get_visible(user=request.user, reference=reference)
    form, done = _perform(request, access.ENTRY, declaration)
    if done:
        return redirect(_url(reference, "fiche"))
    return _page(request, declaration, entry_form=form)


@login_required
@require_POST
def action_add(request: HttpRequest, reference: str) -> HttpResponse:
    declaration = declaration_get_visible(user=request.user, reference=reference)
    form, done = _perform(request, access.PLAN_ADD, declaration)
    if done:
        return redirect(_url(reference, "plan"))
    return _page(request, declaration, add_form=form)


@login_required
@require_POST
def action_progress(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    declaration, action = plan_action_get_visible(user=request.user, reference=reference, pk=pk)
    form, done = _perform(request, access.PLAN_PROGRESS, declaration, target=action, prefix=f"a{pk}")
    if done:
        return redirect(_url(reference, f"action-{pk}"))
    return _page(request, declaration, progress_form=form, progress_pk=pk)


@login_required
@require_POST
def action_edit(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    declaration, action = plan_action_get_visible(user=request.user, reference=reference, pk=pk)
    form, done = _perform(request, access.PLAN_EDIT, declaration, target=action, prefix=f"e{pk}")
    if done:
        return redirect(_url(reference, f"action-{pk}"))
    return _page(request, declaration, edit_form=form, edit_pk=pk)


@login_required
@require_POST
def accompaniment_close(request: HttpRequest, reference: str) -> HttpResponse:
    declaration = declaration_get_visible(user=request.user, reference=reference)
    _perform(request, access.CLOSE, declaration)
    return redirect(_url(reference))


@login_required
@require_GET
def evidence_download(request: HttpRequest, reference: str, pk: int) -> FileResponse:
    """The evidence file of a plan action, always as a download (never shown in the browser)."""
    return evidence_response(request, reference=reference, pk=pk)


@login_required
@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    """The plan templates, their current version and history (the cell)."""
    if not access.is_cell(request.user):
        raise Http404("not the cell")
    return render(
        request,
        "accompaniment/templates.html",
        {"title": _("Modèles de plan de remédiation"), "templates": plan_template_list()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """A new version of a plan template (the cell); earlier versions and the plans made from them stay."""
    if not access.is_cell(request.user):
        raise Http404("not the cell")
    template = plan_template_get(slug=slug)
    current = template.current_version
    initial = {
        "actions": "\n".join(f"{a.title} | {a.due_offset_days}" for a in current.actions.all()) if current else ""
    }
    form = TemplateRevisionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.plan_template_revise(
                by=request.user,
                template=template,
                actions=form.cleaned_data["actions"],
                change_note=form.cleaned_data["change_note"],
                origin=AuditOrigin.of(request),
            )
        except Refusal as exc:
            refusal_on_form(form, exc)
        else:
            messages.success(request, _("Version %(n)d du modèle enregistrée.") % {"n": version.number})
            return redirect(f"/accompagnement/modeles/#modele-{template.slug}")
    return render(
        request,
        "accompaniment/template_edit.html",
        {"title": _("Modifier un modèle de plan"), "template": template, "current": current, "form": form},
    )


# --------------------------------------------------------------------------------------------------
# Expert missions
# --------------------------------------------------------------------------------------------------


def _missions_url(reference: str, anchor: str = "") -> str:
    return f"/declarations/{reference}/missions/" + (f"#{anchor}" if anchor else "")


def _missions_page(request: HttpRequest, declaration, *, status: int = 200, **bound) -> HttpResponse:
    allowed = access.actions_of(request.user, declaration)
    missions = list(expert_missions(declaration=declaration))
    may_cell = access.MISSION_CELL <= allowed
    return render(
        request,
        "accompaniment/missions.html",
        {
            "title": _("Missions d'expertise"),
            "declaration": declaration,
            "submission_key": uuid.uuid4().hex,  # a double click does the action once
            "request_form": (bound.get("request_form") or MissionRequestForm())
            if access.MISSION_REQUEST in allowed
            else None,
            "rows": [
                {
                    "mission": m,
                    "open_form": (bound.get("open_form") if bound.get("pk") == m.pk else None)
                    or MissionOpenForm(prefix=f"o{m.pk}"),
                    "refuse_form": (bound.get("refuse_form") if bound.get("pk") == m.pk else None)
                    or MissionRefuseForm(prefix=f"r{m.pk}"),
                    "finish_form": (bound.get("finish_form") if bound.get("pk") == m.pk else None)
                    or MissionFinishForm(prefix=f"f{m.pk}"),
                }
                for m in missions
            ],
            "may_cell": may_cell,
        },
        status=status,
    )


@login_required
@require_GET
def mission_list(request: HttpRequest, reference: str) -> HttpResponse:
    """The expert missions of a declaration: the FSSI, the cell and the structure read them (404 for others)."""
    declaration = declaration_get_for_missions(user=request.user, reference=reference)
    return _missions_page(request, declaration)


@login_required
@require_POST
def mission_request(request: HttpRequest, reference: str) -> HttpResponse:
    declaration = declaration_get_for_missions(user=request.user, reference=reference)
    form, done = _perform(request, access.MISSION_REQUEST, declaration)
    if done:
        return redirect(_missions_url(reference))
    return _missions_page(request, declaration, request_form=form)


def _mission_step(request: HttpRequest, reference: str, pk: int, name: str, prefix: str, bound: str):
    declaration, mission = expert_mission_get_visible(user=request.user, reference=reference, pk=pk)
    form, done = _perform(request, name, declaration, target=mission, prefix=f"{prefix}{pk}")
    if done:
        return redirect(_missions_url(reference, f"mission-{pk}"))
    return _missions_page(request, declaration, pk=pk, **{bound: form})


@login_required
@require_POST
def mission_open(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    return _mission_step(request, reference, pk, access.MISSION_OPEN, "o", "open_form")


@login_required
@require_POST
def mission_refuse(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    return _mission_step(request, reference, pk, access.MISSION_REFUSE, "r", "refuse_form")


@login_required
@require_POST
def mission_finish(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    return _mission_step(request, reference, pk, access.MISSION_FINISH, "f", "finish_form")


@login_required
@require_GET
def mission_report(request: HttpRequest, reference: str, pk: int) -> FileResponse:
    """The report of a finished mission, always as a download (never shown in the browser)."""
    return mission_report_response(request, reference=reference, pk=pk)
