"""The cell's triage queue (ACSS only; anyone else gets the 404 of a missing page): the matched records to
decide on, their decisions, and the start of an alert from the items selected (posted to the alerts' editorial).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from acss.core.audit import AuditOrigin
from acss.core.errors import Refusal

from .triage import triage_assign, triage_dismiss, triage_mark_to_alert, triage_reopen
from .triage_forms import TriageActionForm, TriageFilterForm
from .triage_selectors import (
    triage_analyst,
    triage_assignee_choices,
    triage_counts,
    triage_get,
    triage_queue,
    triage_rows,
)
from .views import _require_acss

PAGE_SIZE = 50

DONE = {
    "assign": gettext_lazy("Élément confié."),
    "to_alert": gettext_lazy("Élément marqué « à alerter »."),
    "dismiss": gettext_lazy("Élément écarté."),
    "reopen": gettext_lazy("Élément rouvert."),
}


@login_required
@require_safe
def triage_list(request: HttpRequest) -> HttpResponse:
    _require_acss(request)
    analysts = triage_assignee_choices()
    form = TriageFilterForm(request.GET, analysts=analysts)
    paginator = Paginator(triage_queue(filters=form.filters(), user=request.user), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "veille/triage.html",
        {
            "title": _("Tri de la veille"),
            "form": form,
            "page": page,
            "rows": triage_rows(list(page.object_list)),
            "analysts": analysts,
            "counts": triage_counts(),
            "here": request.get_full_path(),
        },
    )


@login_required
@require_POST
def triage_action(request: HttpRequest, pk: int) -> HttpResponse:
    _require_acss(request)
    triage = triage_get(pk=pk)
    form = TriageActionForm(request.POST, analysts=triage_assignee_choices())
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}) or not back.startswith("/"):
        back = ""
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back or "veille:triage")
    action = form.cleaned_data["action"]
    origin = AuditOrigin.of(request)
    try:
        if action == "assign":
            triage_assign(
                by=request.user,
                triage=triage,
                assignee=triage_analyst(pk=form.cleaned_data["assignee"]),
                origin=origin,
            )
        elif action == "to_alert":
            triage_mark_to_alert(by=request.user, triage=triage, origin=origin)
        elif action == "dismiss":
            triage_dismiss(by=request.user, triage=triage, reason=form.cleaned_data["reason"], origin=origin)
        else:
            triage_reopen(by=request.user, triage=triage, origin=origin)
    except Refusal as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, DONE[action])
    return redirect(back or "veille:triage")
