"""The « Accompagnement » page of a declaration and its forms: thin views over the selectors and services.

A declaration one cannot read is a 404 (``declaration_get_visible``); a write one's place does not allow on it a
403 with the French refusal (``access.check``). A refused or invalid form shows the page again with what was
typed and why.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from acss.core.audit import AuditOrigin, audit_record
from acss.core.errors import Refusal, refusal_on_form
from acss.incidents.selectors.declarations import declaration_get_visible

from . import access, services
from .forms import ActionPlanningForm, ActionProgressForm, EntryForm, OpenForm, TemplateRevisionForm
from .selectors import (
    accompaniment_for,
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


@login_required
@require_http_methods(["GET", "POST"])
def accompaniment_open(request: HttpRequest, reference: str) -> HttpResponse:
    declaration = declaration_get_visible(user=request.user, reference=reference)
    access.check(actor_or_user=request.user, declaration=declaration, action=access.OPEN)
    templates = plan_template_list()
    form = OpenForm(request.POST or None, templates=templates)
    if request.method == "POST" and form.is_valid():
        try:
            services.accompaniment_open(
                by=request.user,
                declaration=declaration,
                template=form.cleaned_data["template"],
                origin=AuditOrigin.of(request),
            )
        except Refusal as exc:
            refusal_on_form(form, exc)
        else:
            messages.success(request, _("Accompagnement ouvert."))
            return redirect(_url(reference))
    return render(
        request,
        "accompaniment/open.html",
        {"title": _("Ouvrir l'accompagnement"), "declaration": declaration, "form": form, "templates": templates},
    )


@login_required
@require_POST
def entry_add(request: HttpRequest, reference: str) -> HttpResponse:
    declaration = declaration_get_visible(user=request.user, reference=reference)
    access.check(
        actor_or_user=request.user,
        declaration=declaration,
        action=access.entry_action(request.POST.get("kind", "")),
    )
    kinds = access.entry_kinds(actor_or_user=request.user, declaration=declaration)
    form = EntryForm(request.POST, kinds=kinds)
    if form.is_valid():
        try:
            services.sheet_entry_add(
                by=request.user, declaration=declaration, origin=AuditOrigin.of(request), **form.cleaned_data
            )
        except Refusal as exc:
            refusal_on_form(form, exc)
        else:
            messages.success(request, _("Entrée ajoutée à la fiche de suivi."))
            return redirect(_url(reference, "fiche"))
    return _page(request, declaration, entry_form=form)


@login_required
@require_POST
def action_add(request: HttpRequest, reference: str) -> HttpResponse:
    declaration = declaration_get_visible(user=request.user, reference=reference)
    access.check(actor_or_user=request.user, declaration=declaration, action=access.PLAN_ADD)
    form = ActionPlanningForm(request.POST, people=structure_people(declaration=declaration))
    if form.is_valid():
        try:
            services.plan_action_add(
                by=request.user, declaration=declaration, origin=AuditOrigin.of(request), **form.cleaned_data
            )
        except Refusal as exc:
            refusal_on_form(form, exc)
        else:
            messages.success(request, _("Action ajoutée au plan."))
            return redirect(_url(reference, "plan"))
    return _page(request, declaration, add_form=form)


@login_required
@require_POST
def action_progress(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    declaration, action = plan_action_get_visible(user=request.user, reference=reference, pk=pk)
    access.check(actor_or_user=request.user, declaration=declaration, action=access.PLAN_PROGRESS)
    form = ActionProgressForm(request.POST, request.FILES, prefix=f"a{pk}")
    if form.is_valid():
        try:
            services.plan_action_update(
                by=request.user,
                action=action,
                state=form.cleaned_data["state"],
                evidence_note=form.cleaned_data["evidence_note"],
                evidence_file=form.cleaned_data["evidence_file"],
                origin=AuditOrigin.of(request),
            )
        except Refusal as exc:
            refusal_on_form(form, exc)
        else:
            messages.success(request, _("Avancement de l'action enregistré."))
            return redirect(_url(reference, f"action-{pk}"))
    return _page(request, declaration, progress_form=form, progress_pk=pk)


@login_required
@require_POST
def action_edit(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    declaration, action = plan_action_get_visible(user=request.user, reference=reference, pk=pk)
    access.check(actor_or_user=request.user, declaration=declaration, action=access.PLAN_EDIT)
    form = ActionPlanningForm(request.POST, people=structure_people(declaration=declaration), prefix=f"e{pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.plan_action_update(
                by=request.user,
                action=action,
                title=data["title"],
                owner=data["owner"],
                owner_name=data["owner_name"],
                due_on=data["due_on"],
                origin=AuditOrigin.of(request),
            )
        except Refusal as exc:
            refusal_on_form(form, exc)
        else:
            messages.success(request, _("Action modifiée."))
            return redirect(_url(reference, f"action-{pk}"))
    return _page(request, declaration, edit_form=form, edit_pk=pk)


@login_required
@require_POST
def accompaniment_close(request: HttpRequest, reference: str) -> HttpResponse:
    declaration = declaration_get_visible(user=request.user, reference=reference)
    access.check(actor_or_user=request.user, declaration=declaration, action=access.CLOSE)
    try:
        services.accompaniment_close(by=request.user, declaration=declaration, origin=AuditOrigin.of(request))
    except Refusal as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Accompagnement clos."))
    return redirect(_url(reference))


@login_required
@require_GET
def evidence_download(request: HttpRequest, reference: str, pk: int) -> FileResponse:
    """The evidence file of a plan action, always as a download (never shown in the browser)."""
    declaration, action = plan_action_get_visible(user=request.user, reference=reference, pk=pk)
    if not action.evidence_file:
        raise Http404("no evidence file")
    if access.is_staff(request.user):
        audit_record(
            actor=request.user,
            action="accompaniment.evidence_downloaded",
            obj=action,
            origin=AuditOrigin.of(request),
            data={"declaration": declaration.reference, "sha256": action.evidence_sha256},
        )
    response = FileResponse(
        action.evidence_file.open("rb"),
        as_attachment=True,
        filename=action.evidence_name or "preuve",
        content_type="application/octet-stream",
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response


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
