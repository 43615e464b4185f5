"""The pages of a provider's incident: the cell's list with its suggestions, the parent's page (the cell manages
it; an ARS reads it scoped to its region), and the cell's writes. Anyone else gets the 404 of a missing page;
an ARS posting a write gets a 403 saying who may."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from acss.core.audit import AuditOrigin
from acss.core.errors import Refusal
from acss.core.forbidden import Forbidden

from . import access, services
from .forms import CloseForm, LinkForm, MessageForm, OpenForm, UpdateForm
from .selectors import (
    declarations_by_references,
    provider_get_for_user,
    provider_list,
    provider_suggestions,
    provider_victims,
)

CELL_ONLY = _("Seule la cellule ACSS gère les incidents de prestataires.")


def _parent_for_write(request: HttpRequest, pk: int):
    parent = provider_get_for_user(user=request.user, pk=pk)
    if not access.manages_providers(request.user):
        raise Forbidden(str(CELL_ONLY))
    return parent


@login_required
@require_safe
def cell_list(request: HttpRequest) -> HttpResponse:
    parents = provider_list(user=request.user)
    return render(
        request,
        "providers/list.html",
        {"parents": parents, "suggestions": provider_suggestions(user=request.user), "form": OpenForm()},
    )


@login_required
@require_POST
def open_parent(request: HttpRequest) -> HttpResponse:
    if not access.manages_providers(request.user):
        raise Http404("prestataires")
    form = OpenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Le prestataire et le titre sont obligatoires."))
        return redirect("providers:list")
    origin = AuditOrigin.of(request)
    data = form.cleaned_data
    parent = services.provider_incident_open(
        by=request.user,
        provider_name=data["provider_name"],
        title=data["title"],
        public_summary=data["public_summary"],
        share_victim_count=data["share_victim_count"],
        origin=origin,
    )
    references = [r for r in data["references"].split() if r]
    if references:
        found, _missing = declarations_by_references(user=request.user, references=references)
        try:
            services.provider_link(by=request.user, parent=parent, declarations=found, origin=origin)
        except Refusal as refusal:
            messages.error(request, refusal.message)
    messages.success(request, _("Incident de prestataire ouvert."))
    return redirect("providers:detail", pk=parent.pk)


@login_required
@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    parent = provider_get_for_user(user=request.user, pk=pk)
    victims = list(provider_victims(user=request.user, parent=parent))
    manages = access.manages_providers(request.user)
    context = {"parent": parent, "victims": victims, "manages": manages}
    if manages:
        context |= {
            "update_form": UpdateForm(
                initial={
                    "state": parent.state,
                    "public_summary": parent.public_summary,
                    "share_victim_count": parent.share_victim_count,
                }
            ),
            "link_form": LinkForm(),
            "message_form": MessageForm(),
            "close_form": CloseForm(victims=victims, initial={"children": [d.pk for d in victims]}),
        }
    return render(request, "providers/detail.html", context)


def _run(request: HttpRequest, pk: int, write) -> HttpResponse:
    try:
        sentence = write()
    except Refusal as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, sentence)
    return redirect("providers:detail", pk=pk)


@login_required
@require_POST
def update(request: HttpRequest, pk: int) -> HttpResponse:
    parent = _parent_for_write(request, pk)
    form = UpdateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("L'état choisi n'existe pas."))
        return redirect("providers:detail", pk=pk)

    def write():
        services.provider_update(by=request.user, parent=parent, origin=AuditOrigin.of(request), **form.cleaned_data)
        return _("Incident de prestataire mis à jour.")

    return _run(request, pk, write)


@login_required
@require_POST
def link(request: HttpRequest, pk: int) -> HttpResponse:
    parent = _parent_for_write(request, pk)
    form = LinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Indiquez au moins une référence."))
        return redirect("providers:detail", pk=pk)
    found, missing = declarations_by_references(user=request.user, references=form.cleaned_data["references"])
    if missing:
        messages.error(request, _("Références inconnues : %(refs)s.") % {"refs": ", ".join(missing)})
        return redirect("providers:detail", pk=pk)

    def write():
        origin = AuditOrigin.of(request)
        if form.cleaned_data["operation"] == "unlink":
            done = services.provider_unlink(by=request.user, parent=parent, declarations=found, origin=origin)
            return _("%(n)d déclaration(s) détachée(s).") % {"n": len(done)}
        done = services.provider_link(by=request.user, parent=parent, declarations=found, origin=origin)
        return _("%(n)d déclaration(s) rattachée(s).") % {"n": len(done)}

    return _run(request, pk, write)


@login_required
@require_POST
def message_all(request: HttpRequest, pk: int) -> HttpResponse:
    parent = _parent_for_write(request, pk)
    form = MessageForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Le message est vide."))
        return redirect("providers:detail", pk=pk)

    def write():
        n = services.provider_message_all(
            by=request.user, parent=parent, body=form.cleaned_data["body"], origin=AuditOrigin.of(request)
        )
        return _("Message envoyé à %(n)d structure(s).") % {"n": n}

    return _run(request, pk, write)


@login_required
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    parent = _parent_for_write(request, pk)
    victims = list(provider_victims(user=request.user, parent=parent))
    form = CloseForm(request.POST, victims=victims)
    if not form.is_valid():
        messages.error(request, _("Les dossiers cochés ne sont pas ceux de cet incident."))
        return redirect("providers:detail", pk=pk)
    children = form.cleaned_data["children"]

    def write():
        closed = services.provider_close(
            by=request.user,
            parent=parent,
            close_children=bool(children),
            children=children,
            summary=form.cleaned_data["summary"],
            origin=AuditOrigin.of(request),
        )
        return _("Incident de prestataire clos ; %(n)d dossier(s) clôturé(s).") % {"n": len(closed)}

    return _run(request, pk, write)
