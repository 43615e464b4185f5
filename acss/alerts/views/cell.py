"""The cell's editorial pages (ACSS only; anyone else gets the 404 of a missing page): the list of alerts, the
editor with its preview and readability, the approval page with the diff of an update, the withdrawal."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from acss.accounts.selectors import actor_for
from acss.core.audit import AuditOrigin
from acss.core.errors import Refusal, refusal_on_form
from acss.core.forbidden import Forbidden
from acss.veille.triage_selectors import triage_records

from ..forms import AlertForm, ReviewCommentForm, WithdrawForm
from ..models import AlertState, PendingState, Severity
from ..readability import TARGET, readability_report
from ..selectors.cell import (
    FIELD_LABELS,
    alert_cell_get,
    alert_cell_lists,
    alert_pending_diff,
    alert_revision_list,
    alert_sources,
    editable_values,
    reader_values,
    technical_html,
    watched_product_labels,
)
from ..services.editorial import (
    alert_approve,
    alert_create_from_items,
    alert_reject,
    alert_submit,
    alert_update,
    alert_withdraw,
)


def _require_acss(request: HttpRequest) -> None:
    if not actor_for(request.user).is_acss:
        raise Http404("alerts")


def _preview(values: dict) -> dict:
    """What readers would see, from the editor's values: plain parts escaped by the template, the technical
    part rendered from Markdown and sanitised."""
    return {
        **values,
        "technical_html": technical_html(values.get("technical", "")),
        "severity_label": Severity(values["severity"]).label if values.get("severity") in Severity.values else "",
        "watched_labels": watched_product_labels(values.get("watched_products") or []),
    }


def _report(values: dict):
    return readability_report(
        summary=values.get("summary") or "", who=values.get("who") or "", actions=values.get("actions") or ""
    )


@login_required
@require_safe
def cell_list(request: HttpRequest) -> HttpResponse:
    _require_acss(request)
    return render(request, "alerts/cell/list.html", {"title": _("Alertes de la cellule"), "lists": alert_cell_lists()})


@login_required
@require_POST
def cell_new(request: HttpRequest) -> HttpResponse:
    """A draft from the items selected in the triage queue (``items``: triage row ids)."""
    _require_acss(request)
    pks = [int(v) for v in request.POST.getlist("items") if v.isdigit()]
    vulnerability_ids, advisory_ids = triage_records(pks=pks)
    try:
        alert = alert_create_from_items(
            by=request.user,
            vulnerability_ids=vulnerability_ids,
            advisory_ids=advisory_ids,
            origin=AuditOrigin.of(request),
        )
    except Refusal as refusal:
        messages.error(request, refusal.message)
        return redirect("veille:triage")
    messages.success(request, _("Brouillon d'alerte créé à partir des éléments choisis."))
    return redirect("alerts:cell_edit", pk=alert.pk)


@login_required
@require_http_methods(["GET", "POST"])
def cell_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The editor: a draft, or the next version of a published alert. « Prévisualiser » shows the alert and its
    readability as typed, without saving."""
    _require_acss(request)
    alert = alert_cell_get(pk=pk)
    updating = alert.state == AlertState.PUBLISHED
    editable = alert.state == AlertState.DRAFT or (updating and alert.pending_state != PendingState.SUBMITTED)
    if not editable:
        messages.info(request, _("Cette alerte ne se modifie pas dans son état actuel."))
        return redirect("alerts:cell_detail", pk=alert.pk)
    values = editable_values(alert)
    if request.method == "POST":
        form = AlertForm(request.POST, updating=updating)
        if form.is_valid():
            if "preview" in request.POST:
                values = form.values()
            else:
                try:
                    alert_update(
                        by=request.user,
                        alert=alert,
                        values=form.values(),
                        change_note=form.cleaned_data.get("change_note", ""),
                        origin=AuditOrigin.of(request),
                    )
                except Refusal as refusal:
                    refusal_on_form(form, refusal)
                else:
                    messages.success(request, _("Alerte enregistrée."))
                    return redirect("alerts:cell_edit", pk=alert.pk)
    else:
        initial = AlertForm.initial_from(values)
        if updating:
            initial["change_note"] = alert.pending_note
        form = AlertForm(initial=initial, updating=updating)
    context = {
        "title": _("Rédiger l'alerte « %(title)s »") % {"title": alert.title},
        "alert": alert,
        "form": form,
        "updating": updating,
        "preview": _preview(values),
        "report": _report(values),
        "target": TARGET,
    }
    return render(request, "alerts/cell/edit.html", context)


@login_required
@require_safe
def cell_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The alert as readers (will) see it, its readability, the diff of a pending version, the decisions."""
    _require_acss(request)
    alert = alert_cell_get(pk=pk)
    published = reader_values(alert) if alert.state == AlertState.PUBLISHED else None
    current = published or editable_values(alert)
    pending = alert.pending.get("fields") if alert.pending_state else None
    user_pk = request.user.pk
    authors = {alert.created_by_id, alert.submitted_by_id} if alert.state == AlertState.SUBMITTED else set()
    if alert.pending_state == PendingState.SUBMITTED:
        authors = {alert.submitted_by_id, *(int(x) for x in alert.pending.get("editors", []))}
    context = {
        "title": alert.reference or alert.title,
        "alert": alert,
        "preview": _preview(current),
        "pending": _preview(pending) if pending else None,
        "report": _report(pending or current),
        "diff": alert_pending_diff(alert=alert, published=published) if published else [],
        "revisions": alert_revision_list(alert=alert),
        "sources": alert_sources(alert=alert),
        "reject_form": ReviewCommentForm(),
        "can_approve_here": user_pk not in authors,
        "awaiting": alert.state == AlertState.SUBMITTED or alert.pending_state == PendingState.SUBMITTED,
        "labels": FIELD_LABELS,
        "target": TARGET,
    }
    return render(request, "alerts/cell/detail.html", context)


@login_required
@require_POST
def cell_submit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_acss(request)
    alert = alert_cell_get(pk=pk)
    try:
        alert_submit(by=request.user, alert=alert, origin=AuditOrigin.of(request))
    except Refusal as refusal:
        messages.error(request, refusal.message)
        return redirect(
            "alerts:cell_edit" if alert.state in (AlertState.DRAFT, AlertState.PUBLISHED) else "alerts:cell_detail",
            pk=alert.pk,
        )
    messages.success(request, _("Alerte soumise : un autre analyste de la cellule doit l'approuver."))
    return redirect("alerts:cell_detail", pk=alert.pk)


@login_required
@require_POST
def cell_approve(request: HttpRequest, pk: int) -> HttpResponse:
    _require_acss(request)
    alert = alert_cell_get(pk=pk)
    try:
        alert = alert_approve(by=request.user, alert=alert, origin=AuditOrigin.of(request))
    except Refusal as refusal:
        if refusal.code == "four_eyes":
            raise Forbidden(refusal.message) from refusal
        messages.error(request, refusal.message)
        return redirect("alerts:cell_detail", pk=alert.pk)
    messages.success(request, _("Alerte %(ref)s publiée.") % {"ref": alert.reference})
    return redirect("alerts:cell_detail", pk=alert.pk)


@login_required
@require_POST
def cell_reject(request: HttpRequest, pk: int) -> HttpResponse:
    _require_acss(request)
    alert = alert_cell_get(pk=pk)
    form = ReviewCommentForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("alerts:cell_detail", pk=alert.pk)
    try:
        alert_reject(by=request.user, alert=alert, comment=form.cleaned_data["comment"], origin=AuditOrigin.of(request))
    except Refusal as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Alerte renvoyée en rédaction."))
    return redirect("alerts:cell_detail", pk=alert.pk)


@login_required
@require_http_methods(["GET", "POST"])
def cell_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    _require_acss(request)
    alert = alert_cell_get(pk=pk)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            alert_withdraw(
                by=request.user, alert=alert, reason=form.cleaned_data["reason"], origin=AuditOrigin.of(request)
            )
        except Refusal as refusal:
            refusal_on_form(form, refusal)
        else:
            messages.success(request, _("Alerte retirée."))
            return redirect("alerts:cell_detail", pk=alert.pk)
    return render(
        request,
        "alerts/cell/withdraw.html",
        {"title": _("Retirer l'alerte « %(title)s »") % {"title": alert.title}, "alert": alert, "form": form},
    )
