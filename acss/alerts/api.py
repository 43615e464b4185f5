"""The public JSON of the alerts, read-only, without authentication: plain Django views (``/donnees/alertes/``),
outside the token-authenticated REST API of ``/api/v1/`` and its schema.

The list takes the page's filters as query parameters (same form, same French messages: an invalid one is a 400
with ``errors`` by field) and ``page``; each alert is the same object in the list and in the detail.
"""

from __future__ import annotations

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from acss.alerts import csaf
from acss.alerts.models import Alert, AlertState
from acss.alerts.selectors.public import (
    AlertFilters,
    alert_get_public,
    alert_list_public,
    alert_revisions,
    alert_vendor_choices,
    cve_list,
    product_lines,
)
from acss.alerts.views.public import AlertFilterForm

API_PAGE_SIZE = 50


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _absolute(path: str) -> str:
    return csaf.site_url(path)


def alert_json(alert: Alert, *, revisions=None) -> dict:
    data = {
        "reference": alert.reference,
        "url": _absolute(reverse("alerts:alert_detail", args=[alert.reference])),
        "api_url": _absolute(reverse("alerts:api_alert_detail", args=[alert.reference])),
        "state": "withdrawn" if alert.state == AlertState.WITHDRAWN else "published",
        "title": alert.title,
        "severity": alert.severity,
        "severity_label": str(alert.get_severity_display()),
        "cvss_score": float(alert.cvss_score) if alert.cvss_score is not None else None,
        "cvss_vector": alert.cvss_vector or None,
        "exploited": alert.exploited,
        "ransomware": alert.ransomware,
        "products": [
            {"vendor": p.vendor, "product": p.product, "versions": p.versions} for p in product_lines(alert.products)
        ],
        "cves": cve_list(alert.cves),
        "summary": alert.summary,
        "who": alert.who,
        "actions": alert.actions,
        "technical_markdown": alert.technical,
        "published_at": _iso(alert.published_at),
        "updated_at": _iso(getattr(alert, "last_revision_at", None) or alert.updated_at or alert.published_at),
        "withdrawn_at": _iso(alert.withdrawn_at),
        "withdrawn_reason": alert.withdrawn_reason or None,
    }
    if revisions is not None:
        data["revisions"] = [
            {"number": r.number, "published_at": _iso(r.published_at), "change_note": r.change_note} for r in revisions
        ]
        data["csaf_url"] = csaf.document_url(alert, revisions)
    return data


def _json(data: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def api_alert_list(request: HttpRequest) -> JsonResponse:
    form = AlertFilterForm(request.GET, vendors=alert_vendor_choices())
    filters = form.filters() if request.GET else AlertFilters()
    if form.errors:
        return _json({"errors": {k: [str(m) for m in v] for k, v in form.errors.items()}}, status=400)
    paginator = Paginator(alert_list_public(filters=filters), API_PAGE_SIZE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except (EmptyPage, PageNotAnInteger):
        return _json({"errors": {"page": [_("Cette page n'existe pas.")]}}, status=400)

    def page_url(number: int) -> str:
        query = request.GET.copy()
        query["page"] = str(number)
        return _absolute(f"{request.path}?{query.urlencode()}")

    return _json(
        {
            "count": paginator.count,
            "page": page.number,
            "pages": paginator.num_pages,
            "next": page_url(page.next_page_number()) if page.has_next() else None,
            "previous": page_url(page.previous_page_number()) if page.has_previous() else None,
            "results": [alert_json(alert) for alert in page.object_list],
        }
    )


@require_safe
def api_alert_detail(request: HttpRequest, reference: str) -> JsonResponse:
    try:
        alert = alert_get_public(reference=reference)
    except Http404:
        return _json({"detail": _("Introuvable.")}, status=404)
    return _json(alert_json(alert, revisions=alert_revisions(alert=alert)))
