"""The observables page of a declaration (``/declarations/<reference>/observables/``): thin views.

Who reads the declaration reads its observables (404 otherwise); the cell and the structure add them (403 with
the French refusal for the others); the cell alone sees « Aussi vu dans » (``selectors.correlations``).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from acss.core.audit import AuditOrigin
from acss.core.errors import Refusal
from acss.incidents.selectors.declarations import declaration_get_visible

from . import access, selectors, services
from .forms import CandidatesForm, ObservableAddForm, StixForm


def _page(request: HttpRequest, declaration, *, add_form=None, stix_form=None, status: int = 200) -> HttpResponse:
    rows = list(selectors.case_observable_list(declaration=declaration))
    seen = selectors.correlations(user=request.user, declaration=declaration)
    may_add = access.may_add(actor_or_user=request.user, declaration=declaration)
    return render(
        request,
        "observables/list.html",
        {
            "title": _("Observables de la déclaration %(ref)s") % {"ref": declaration.reference},
            "d": declaration,
            "rows": [(row, seen.get(row.observable_id, [])) for row in rows],
            "sees_correlations": access.sees_correlations(request.user),
            "may_add": may_add,
            "add_form": add_form or (ObservableAddForm() if may_add else None),
            "stix_form": stix_form or (StixForm() if may_add else None),
        },
        status=status,
    )


@login_required
@require_safe
def observable_list(request: HttpRequest, reference: str) -> HttpResponse:
    declaration = declaration_get_visible(user=request.user, reference=reference)
    return _page(request, declaration)


@login_required
@require_POST
def observable_add(request: HttpRequest, reference: str) -> HttpResponse:
    declaration = declaration_get_visible(user=request.user, reference=reference)
    access.check_add(actor_or_user=request.user, declaration=declaration)
    form = ObservableAddForm(request.POST)
    if form.is_valid():
        try:
            written = services.observables_add(
                by=request.user,
                declaration=declaration,
                kind=form.cleaned_data["kind"],
                value=form.cleaned_data["value"],
                note=form.cleaned_data["note"],
                origin=AuditOrigin.of(request),
            )
        except Refusal as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            if written.created:
                messages.success(request, _("Observable ajouté : %(v)s.") % {"v": written.row.observable.value})
            else:
                messages.info(request, _("Cet observable figurait déjà sur la déclaration."))
            return redirect("observables:list", reference=reference)
    return _page(request, declaration, add_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def observable_extract(request: HttpRequest, reference: str) -> HttpResponse:
    declaration = declaration_get_visible(user=request.user, reference=reference)
    access.check_add(actor_or_user=request.user, declaration=declaration)
    candidates = services.observables_extract(declaration=declaration, user=request.user)
    form = CandidatesForm(request.POST if request.method == "POST" else None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        chosen = [tuple(key.split("|", 1)) for key in form.cleaned_data["candidates"]]
        try:
            count = services.observables_confirm(
                by=request.user, declaration=declaration, candidates=chosen, origin=AuditOrigin.of(request)
            )
        except Refusal as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                ngettext("%(n)d observable ajouté.", "%(n)d observables ajoutés.", count) % {"n": count},
            )
            return redirect("observables:list", reference=reference)
    return render(
        request,
        "observables/extract.html",
        {
            "title": _("Observables trouvés dans la déclaration %(ref)s") % {"ref": declaration.reference},
            "d": declaration,
            "form": form,
            "candidates": candidates,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def observable_stix(request: HttpRequest, reference: str) -> HttpResponse:
    declaration = declaration_get_visible(user=request.user, reference=reference)
    access.check_add(actor_or_user=request.user, declaration=declaration)
    form = StixForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            count = services.stix_import(
                by=request.user, declaration=declaration, file=form.cleaned_data["file"], origin=AuditOrigin.of(request)
            )
        except Refusal as exc:
            form.add_error("file", exc.message)
        else:
            messages.success(
                request,
                ngettext("%(n)d observable importé du lot STIX.", "%(n)d observables importés du lot STIX.", count)
                % {"n": count},
            )
            return redirect("observables:list", reference=reference)
    return _page(request, declaration, stix_form=form, status=400)
