from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from acss.accounts.selectors import actor_for
from acss.core.audit import AuditOrigin
from acss.core.errors import Refusal
from acss.core.forbidden import Forbidden
from acss.reflexes.forms import ReflexSheetRevisionForm
from acss.reflexes.rendering import render_markdown
from acss.reflexes.selectors import (
    reflex_sheet_get,
    reflex_sheet_index_by_category,
    reflex_sheet_list_published,
    reflex_sheet_version_get,
    reflex_sheet_version_list,
)
from acss.reflexes.services import reflex_sheet_revise


def _sheet_for(request: HttpRequest, slug: str):
    """ACSS also reads its unpublished sheets; everyone else only published ones."""
    return reflex_sheet_get(slug, published_only=not actor_for(request.user).is_acss)


@require_safe
def sheet_list(request: HttpRequest) -> HttpResponse:
    sheets = reflex_sheet_list_published()
    context = {
        "title": _("Fiches réflexes"),
        "sheets": sheets,
        "index": reflex_sheet_index_by_category(sheets=sheets),
    }
    return render(request, "cases/sheet_list.html", context)


@require_safe
def sheet_detail(request: HttpRequest, slug: str) -> HttpResponse:
    sheet = _sheet_for(request, slug)
    version = sheet.current_version
    if version is None:
        raise Http404("reflex sheet without text")
    context = {
        "title": sheet.title,
        "sheet": sheet,
        "version": version,
        "rendered": render_markdown(version.body),
        "can_edit": actor_for(request.user).is_acss,
    }
    return render(request, "cases/sheet_detail.html", context)


@require_safe
def sheet_versions(request: HttpRequest, slug: str) -> HttpResponse:
    sheet = _sheet_for(request, slug)
    context = {
        "title": _("Historique — %(title)s") % {"title": sheet.title},
        "sheet": sheet,
        "versions": reflex_sheet_version_list(sheet=sheet),
        "current": sheet.current_version,
        "show_authors": actor_for(request.user).is_acss,
    }
    return render(request, "cases/sheet_versions.html", context)


@require_safe
def sheet_version_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    sheet = _sheet_for(request, slug)
    version = reflex_sheet_version_get(sheet=sheet, number=number)
    current = sheet.current_version
    context = {
        "title": _("%(title)s — version %(n)s") % {"title": sheet.title, "n": version.number},
        "sheet": sheet,
        "version": version,
        "current": current,
        "is_current": current is not None and current.number == version.number,
        "rendered": render_markdown(version.body),
    }
    return render(request, "cases/sheet_version.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def sheet_edit(request: HttpRequest, slug: str) -> HttpResponse:
    is_acss = actor_for(request.user).is_acss
    sheet = reflex_sheet_get(slug, published_only=not is_acss)  # what one cannot read is a 404
    if not is_acss:
        raise Forbidden(_("Seule la cellule ACSS modifie les fiches réflexes."))
    current = sheet.current_version
    preview = None
    if request.method == "POST" and "preview" in request.POST:
        # Show the text as it will look, without saving and without error messages yet.
        form = ReflexSheetRevisionForm(initial=request.POST.dict())
        preview = render_markdown(request.POST.get("body", ""))
    elif request.method == "POST":
        form = ReflexSheetRevisionForm(request.POST)
        if form.is_valid():
            try:
                version = reflex_sheet_revise(
                    sheet=sheet,
                    body=form.cleaned_data["body"],
                    change_note=form.cleaned_data["change_note"],
                    based_on=form.cleaned_data["based_on"],
                    by=request.user,
                    origin=AuditOrigin.of(request),
                )
            except Refusal as refusal:
                if refusal.code == "stale":
                    # Let the author save on purpose once they have seen the newer version.
                    data = request.POST.copy()
                    data["based_on"] = str(current.number if current else 0)
                    form = ReflexSheetRevisionForm(data)
                    form.is_valid()
                form.add_error("body" if refusal.code in ("empty", "unchanged") else None, refusal.message)
            else:
                messages.success(request, _("La version %(n)s de la fiche est en vigueur.") % {"n": version.number})
                return redirect("reflexes:sheet_detail", slug=sheet.slug)
    else:
        form = ReflexSheetRevisionForm(
            initial={"body": current.body if current else "", "based_on": current.number if current else 0}
        )
    context = {
        "title": _("Modifier la fiche « %(title)s »") % {"title": sheet.title},
        "sheet": sheet,
        "current": current,
        "form": form,
        "preview": preview,
    }
    return render(request, "cases/sheet_edit.html", context)
