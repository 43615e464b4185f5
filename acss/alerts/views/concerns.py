"""The structures' side of an alert: a structure sets where it stands (from « Mon espace »), the cell and the
ARS read the counts (``alerts.concerns``)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from acss.core.audit import AuditOrigin
from acss.core.errors import Refusal
from acss.core.forms import AcssForm

from ..concerns import concern_counts, concern_get_for_status, concern_status_set, concerns_readable_alert
from ..models import ConcernStatus


class ConcernStatusForm(AcssForm):
    status = forms.ChoiceField(
        label=gettext_lazy("Où en est la structure ?"),
        choices=ConcernStatus.choices,
        error_messages={
            "required": gettext_lazy("Choisissez un statut."),
            "invalid_choice": gettext_lazy("Choisissez un statut de la liste."),
        },
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("portal:dashboard")


@login_required
@require_POST
def concern_status(request: HttpRequest, pk: int, alert: int) -> HttpResponse:
    concern = concern_get_for_status(user=request.user, structure_pk=pk, alert_pk=alert)
    form = ConcernStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("status", [])) or _("Choisissez un statut."))
        return redirect(_next(request))
    try:
        concern = concern_status_set(
            by=request.user, concern=concern, status=form.cleaned_data["status"], origin=AuditOrigin.of(request)
        )
    except Refusal as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request,
            _("%(structure)s : alerte %(reference)s « %(status)s ».")
            % {
                "structure": concern.structure.name,
                "reference": concern.alert.reference,
                "status": concern.get_status_display(),
            },
        )
    return redirect(_next(request))


@login_required
@require_safe
def concern_counts_page(request: HttpRequest, pk: int, cell_only: bool = False) -> HttpResponse:
    alert = concerns_readable_alert(user=request.user, pk=pk, cell_only=cell_only)
    counts = concern_counts(alert=alert, user=request.user)
    return render(
        request,
        "alerts/concerns/counts.html",
        {
            "title": _("Structures concernées par l'alerte %(reference)s") % {"reference": alert.reference},
            "alert": alert,
            "counts": counts,
        },
    )
