"""The pages of a structure's inventory: the list, adding (from the watch-list or typed), the suggested match,
removing, and importing a file (preview, then confirmation). Who may: ``selectors`` (404 / 403)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from acss.core.audit import AuditOrigin
from acss.core.errors import Refusal, refusal_on_form
from acss.core.french import de_organisation
from acss.veille.models import WatchedProduct

from . import services
from .forms import ImportForm, MatchDecisionForm, TypedAddForm, WatchedAddForm
from .imports import parse_inventory
from .models import ItemSource
from .selectors import (
    import_preview,
    inventory_item_get,
    inventory_list,
    inventory_may_write,
    structure_get_inventory,
    structure_get_inventory_for_change,
    watched_product_choices,
)

SESSION_PREFIX = "inventory-import-"


def _page(request, structure, *, watched_form=None, typed_form=None, status: int = 200) -> HttpResponse:
    may_write = inventory_may_write(user=request.user, structure=structure)
    items = inventory_list(structure=structure)
    return render(
        request,
        "inventories/inventory.html",
        {
            "title": _("Inventaire %(of_structure)s") % {"of_structure": de_organisation(structure)},
            "structure": structure,
            "items": items,
            "to_confirm": sum(1 for i in items if i.watched_product_id and not i.match_confirmed),
            "may_write": may_write,
            "watched_form": watched_form or WatchedAddForm(choices=watched_product_choices()) if may_write else None,
            "typed_form": typed_form or TypedAddForm() if may_write else None,
        },
        status=status,
    )


@login_required
@require_safe
def inventory(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, structure_get_inventory(user=request.user, pk=pk))


@login_required
@require_POST
def add_watched(request: HttpRequest, pk: int) -> HttpResponse:
    structure = structure_get_inventory_for_change(user=request.user, pk=pk)
    form = WatchedAddForm(request.POST, choices=watched_product_choices())
    if not form.is_valid():
        return _page(request, structure, watched_form=form)
    written = services.inventory_add_watched(
        by=request.user,
        structure=structure,
        watched_product=WatchedProduct.objects.select_related("vendor").get(pk=form.cleaned_data["watched_product"]),
        version=form.cleaned_data["version"],
        origin=AuditOrigin.of(request),
    )
    if written.created:
        messages.success(request, _("« %(item)s » ajouté à l'inventaire.") % {"item": written.row})
    else:
        messages.info(request, _("« %(item)s » figure déjà dans l'inventaire.") % {"item": written.row})
    return redirect("inventories:inventory", pk=structure.pk)


@login_required
@require_POST
def add_typed(request: HttpRequest, pk: int) -> HttpResponse:
    structure = structure_get_inventory_for_change(user=request.user, pk=pk)
    form = TypedAddForm(request.POST)
    if form.is_valid():
        try:
            written = services.inventory_add_typed(
                by=request.user, structure=structure, origin=AuditOrigin.of(request), **form.cleaned_data
            )
        except Refusal as refusal:
            refusal_on_form(form, refusal)
        else:
            item = written.row
            if not written.created:
                messages.info(request, _("« %(item)s » figure déjà dans l'inventaire.") % {"item": item})
            elif item.watched_product_id:
                messages.success(
                    request,
                    _("« %(item)s » ajouté. Vérifiez la correspondance suggérée avec la liste de surveillance.")
                    % {"item": item},
                )
            else:
                messages.success(request, _("« %(item)s » ajouté à l'inventaire.") % {"item": item})
            return redirect("inventories:inventory", pk=structure.pk)
    return _page(request, structure, typed_form=form)


@login_required
@require_POST
def remove(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    structure = structure_get_inventory_for_change(user=request.user, pk=pk)
    row = inventory_item_get(structure=structure, pk=item)
    services.inventory_item_remove(by=request.user, item=row, origin=AuditOrigin.of(request))
    messages.success(request, _("« %(item)s » retiré de l'inventaire.") % {"item": row})
    return redirect("inventories:inventory", pk=structure.pk)


@login_required
@require_POST
def match_decide(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    structure = structure_get_inventory_for_change(user=request.user, pk=pk)
    row = inventory_item_get(structure=structure, pk=item)
    form = MatchDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez de confirmer ou de refuser la correspondance."))
        return redirect("inventories:inventory", pk=structure.pk)
    confirm = form.cleaned_data["decision"] == "confirm"
    try:
        services.inventory_match_decide(by=request.user, item=row, confirm=confirm, origin=AuditOrigin.of(request))
    except Refusal as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Correspondance confirmée.") if confirm else _("Correspondance écartée."))
    return redirect("inventories:inventory", pk=structure.pk)


@login_required
@require_POST
def match_confirm_all(request: HttpRequest, pk: int) -> HttpResponse:
    structure = structure_get_inventory_for_change(user=request.user, pk=pk)
    confirmed = services.inventory_matches_confirm_all(
        by=request.user, structure=structure, origin=AuditOrigin.of(request)
    )
    messages.success(request, _("%(n)d correspondance(s) confirmée(s).") % {"n": confirmed})
    return redirect("inventories:inventory", pk=structure.pk)


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """The file is read and shown (nothing is written); its rows wait in the session for the confirmation."""
    structure = structure_get_inventory_for_change(user=request.user, pk=pk)
    form = ImportForm(request.POST or None, request.FILES or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            parsed = parse_inventory(upload.read())
        except Refusal as refusal:
            refusal_on_form(form, refusal)
        else:
            preview = import_preview(structure=structure, rows=parsed.rows)
            request.session[f"{SESSION_PREFIX}{structure.pk}"] = {
                "source": parsed.source,
                "filename": upload.name[:200],
                "rows": [r.as_dict() for r in parsed.rows],
            }
            return render(
                request,
                "inventories/import_preview.html",
                {
                    "title": _("Vérifier l'import"),
                    "structure": structure,
                    "preview": preview,
                    "source_label": ItemSource(parsed.source).label,
                    "filename": upload.name,
                    "new_count": sum(1 for p in preview if not p.present),
                },
            )
    return render(
        request,
        "inventories/import.html",
        {"title": _("Importer un inventaire"), "structure": structure, "form": form},
    )


@login_required
@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    structure = structure_get_inventory_for_change(user=request.user, pk=pk)
    pending = request.session.pop(f"{SESSION_PREFIX}{structure.pk}", None)
    if not pending:
        messages.error(request, _("Aucun import n'attend de confirmation : choisissez à nouveau le fichier."))
        return redirect("inventories:import", pk=structure.pk)
    try:
        added = services.inventory_import(
            by=request.user,
            structure=structure,
            source=pending["source"],
            rows=services.rows_from_dicts(pending["rows"]),
            filename=pending.get("filename", ""),
            origin=AuditOrigin.of(request),
        )
    except Refusal as refusal:
        messages.error(request, refusal.message)
        return redirect("inventories:import", pk=structure.pk)
    if added:
        messages.success(
            request,
            _("%(n)d produit(s) ajouté(s) à l'inventaire.") % {"n": added},
        )
    else:
        messages.info(request, _("Aucun produit ajouté : l'inventaire les listait déjà tous."))
    return redirect("inventories:inventory", pk=structure.pk)
