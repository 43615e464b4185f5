"""The analyst queue (ACSS) and the ARS board. Thin: the reads and the bulk runner live in ``queue.py``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_safe

from acss.accounts.selectors import actor_for
from acss.core.audit import AuditOrigin
from acss.core.panels import declaration_flags
from acss.incidents import access
from acss.incidents.queue import (
    BOARD_PAGE_SIZE,
    BoardFilterForm,
    BulkAction,
    QueueBulkForm,
    QueueFilterForm,
    ars_board_counters,
    ars_board_declarations,
    ars_board_regions,
    ars_board_scope,
    ars_degraded_structures,
    case_queue,
    case_queue_counters,
    queue_bulk_run,
    queue_page,
    queue_rows,
)
from acss.incidents.selectors.cases import acss_analysts


def _done_message(action: str, n: int) -> str:
    if action == BulkAction.ASSIGN:
        return ngettext("%(n)d dossier assigné.", "%(n)d dossiers assignés.", n) % {"n": n}
    if action == BulkAction.QUESTION:
        return ngettext("Question envoyée à %(n)d structure.", "Question envoyée à %(n)d structures.", n) % {"n": n}
    return ngettext("%(n)d dossier clos comme doublon.", "%(n)d dossiers clos comme doublons.", n) % {"n": n}


@login_required
@require_http_methods(["GET", "POST"])
def queue(request: HttpRequest) -> HttpResponse:
    if not access.uses_queue(request.user):
        raise Http404("queue")
    analysts = list(acss_analysts())  # read once, used by both forms
    bulk = QueueBulkForm(request.POST or None, user=request.user, analysts=analysts)
    if request.method == "POST" and bulk.is_valid():
        outcome = queue_bulk_run(by=request.user, data=bulk.cleaned_data, origin=AuditOrigin.of(request))
        if outcome.done:
            messages.success(request, _done_message(bulk.cleaned_data["action"], len(outcome.done)))
        for error in outcome.errors:
            messages.error(request, error)
        query = request.GET.urlencode()
        return redirect(reverse("incidents:queue") + (f"?{query}" if query else ""))
    now = timezone.now()
    form = QueueFilterForm(request.GET, analysts=analysts)
    page = queue_page(case_queue(user=request.user, filters=form.filters(), now=now), request.GET.get("page"))
    return render(
        request,
        "cases/queue.html",
        {
            "title": _("File des dossiers"),
            "form": form,
            "bulk": bulk,
            "selected": set(bulk.cleaned_data.get("cases", [])) if bulk.is_bound else set(),
            "counters": case_queue_counters(user=request.user, now=now),
            "page": page,
            "rows": queue_rows(
                page.object_list, now=now, flags=declaration_flags(request.user, [d.pk for d in page.object_list])
            ),
            "now": now,
        },
    )


@login_required
@require_safe
def ars_board(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    regions = ars_board_regions(user=request.user)
    if regions is None:
        raise Http404("board")
    form = BoardFilterForm(request.GET, regions=regions)
    filters = form.filters()
    region = filters.get("region") or ("" if len(regions) != 1 else regions[0].code)
    scope = ars_board_scope(user=request.user, region=region)
    declarations = ars_board_declarations(scope, state=filters.get("state", ""))
    page = queue_page(declarations, request.GET.get("page"), per_page=BOARD_PAGE_SIZE)
    return render(
        request,
        "cases/ars.html",
        {
            "title": _("Tableau de bord régional"),
            "form": form,
            # What the board covers: the region chosen, else the agent's region(s); for ACSS, every region.
            "regions": [r for r in regions if r.code == region]
            if region or access.board_region_codes(actor) is None
            else regions,
            "degraded": ars_degraded_structures(scope),
            "counters": ars_board_counters(scope),
            "page": page,
            "now": timezone.now(),
        },
    )
