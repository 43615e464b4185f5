"""The cell's pages of the watch (ACSS only; anyone else gets the 404 of a missing page)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from acss.accounts.selectors import actor_for

from .forms import MatchFilterForm
from .models import DocumentFormat, Vulnerability
from .selectors import (
    KIND_ADVISORY,
    KIND_CVE,
    advisories_covering,
    advisory_cves,
    match_label,
    matched_record_list,
    matched_rows,
    record_get,
    record_matches,
    watched_vendor_choices,
    watchlist_vendors,
)

PAGE_SIZE = 50


def _require_acss(request: HttpRequest) -> None:
    if not actor_for(request.user).is_acss:
        raise Http404("veille")


def _links(values) -> list[dict]:
    """References as links when they are web addresses, as text otherwise (never a javascript: link)."""
    out = []
    for value in values or []:
        url = value.get("url", "") if isinstance(value, dict) else str(value)
        out.append({"url": url, "is_link": url.startswith(("https://", "http://"))})
    return out


def _warnings(values) -> list[str]:
    out = []
    for value in values or []:
        if isinstance(value, dict):
            parts = [str(value.get(k)) for k in ("rule", "test", "path", "message", "reason") if value.get(k)]
            out.append(" — ".join(parts) or str(value))
        else:
            out.append(str(value))
    return out


@login_required
@require_safe
def match_list(request: HttpRequest) -> HttpResponse:
    _require_acss(request)
    form = MatchFilterForm(request.GET, vendors=watched_vendor_choices())
    paginator = Paginator(matched_record_list(filters=form.filters()), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "veille/list.html",
        {
            "title": _("Veille : vulnérabilités et avis qui nous concernent"),
            "form": form,
            "page": page,
            "rows": matched_rows(list(page.object_list)),
        },
    )


@login_required
@require_safe
def record_detail(request: HttpRequest, kind: str, identifier: str) -> HttpResponse:
    _require_acss(request)
    if kind not in (KIND_CVE, KIND_ADVISORY):
        raise Http404("kind")
    record = record_get(kind=kind, identifier=identifier)
    is_cve = isinstance(record, Vulnerability)
    if not is_cve and record.document_format == DocumentFormat.CERTFR:
        return redirect("veille:certfr_detail", reference=record.tracking_id)
    matches = record_matches(record)
    return render(
        request,
        "veille/detail.html",
        {
            "title": record.cve_id if is_cve else record.tracking_id,
            "record": record,
            "is_cve": is_cve,
            "identifier": record.cve_id if is_cve else record.tracking_id,
            "matches": [{"match": m, "label": match_label(m)} for m in matches],
            "immediate": any(m.immediate for m in matches),
            "references": _links(record.references),
            "warnings": [] if is_cve else _warnings(record.conformance_warnings),
            "cves": [] if is_cve else advisory_cves(record),
            "covering": advisories_covering(record) if is_cve else [],
        },
    )


@login_required
@require_safe
def watchlist(request: HttpRequest) -> HttpResponse:
    _require_acss(request)
    return render(
        request,
        "veille/watchlist.html",
        {"title": _("Liste de surveillance"), "vendors": watchlist_vendors()},
    )
