"""The public space of the watch (no login, no JavaScript): alerts, news, the daily bulletin and the CSAF files.

Every page is GET only; the filters are a GET form; an invalid filter is reported and left out.
"""

from __future__ import annotations

import json
import re
from datetime import date

from django import forms
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe
from dsfr.forms import DsfrBaseForm

from acss.alerts import csaf
from acss.alerts.bulletin import bulletin_for, day_bounds, day_label, update_note
from acss.alerts.models import AlertState, Severity
from acss.alerts.selectors.public import (
    AlertFilters,
    alert_get_public,
    alert_list_public,
    alert_revisions,
    alert_vendor_choices,
    alerts_with_revisions_public,
    cve_list,
    news_list_public,
    product_lines,
)
from acss.reflexes.rendering import markdown_to_html

PAGE_SIZE = 20
YES, NO = "oui", "non"


class AlertFilterForm(DsfrBaseForm):
    q = forms.CharField(
        label=gettext_lazy("Rechercher"),
        help_text=gettext_lazy("Titre, texte, identifiant CVE ou produit."),
        required=False,
        max_length=200,
    )
    severity = forms.ChoiceField(
        label=gettext_lazy("Gravité"), required=False, choices=[("", gettext_lazy("Toutes"))] + list(Severity.choices)
    )
    vendor = forms.ChoiceField(label=gettext_lazy("Éditeur ou fabricant"), required=False)
    product = forms.CharField(label=gettext_lazy("Produit"), required=False, max_length=200)
    cve = forms.CharField(
        label=gettext_lazy("CVE"), help_text=gettext_lazy("Par exemple CVE-2026-12345."), required=False, max_length=40
    )
    exploited = forms.ChoiceField(
        label=gettext_lazy("Exploitée"),
        required=False,
        choices=[("", gettext_lazy("Peu importe")), (YES, gettext_lazy("Oui")), (NO, gettext_lazy("Non"))],
    )
    published_from = forms.DateField(
        label=gettext_lazy("Publiée à partir du"),
        help_text=gettext_lazy("Au format JJ/MM/AAAA."),
        required=False,
        error_messages={"invalid": gettext_lazy("Saisissez une date valide, par exemple 30/11/2026.")},
    )
    published_to = forms.DateField(
        label=gettext_lazy("Publiée jusqu'au"),
        help_text=gettext_lazy("Au format JJ/MM/AAAA."),
        required=False,
        error_messages={"invalid": gettext_lazy("Saisissez une date valide, par exemple 30/11/2026.")},
    )
    withdrawn = forms.BooleanField(label=gettext_lazy("Inclure les alertes retirées"), required=False)

    def __init__(self, data=None, *, vendors: list[tuple[str, str]], **kwargs):
        kwargs.setdefault("auto_id", "filtre-%s")
        super().__init__(data, **kwargs)
        self.fields["vendor"].choices = [("", _("Tous"))] + vendors
        for name in ("published_from", "published_to"):
            self.fields[name].input_formats = ["%d/%m/%Y", "%Y-%m-%d"]
        for bound in self.fields.values():
            widget = bound.widget
            if isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "fr-select")
            elif not isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "fr-input")

    def filters(self) -> AlertFilters:
        self.is_valid()
        data = self.cleaned_data
        exploited = {YES: True, NO: False}.get(data.get("exploited") or "")
        return AlertFilters(
            q=data.get("q") or "",
            severity=data.get("severity") or "",
            vendor=data.get("vendor") or "",
            product=data.get("product") or "",
            cve=data.get("cve") or "",
            exploited=exploited,
            published_from=data.get("published_from"),
            published_to=data.get("published_to"),
            include_withdrawn=bool(data.get("withdrawn")),
        )


SEVERITY_BADGES = {
    Severity.CRITICAL: "fr-badge--error",
    Severity.HIGH: "fr-badge--warning",
    Severity.MEDIUM: "fr-badge--new",
    Severity.LOW: "fr-badge--info",
}


def _links(values) -> list[dict]:
    """References as links when they are web addresses, as text otherwise (never a javascript: link)."""
    out = []
    for value in values or []:
        url = value.get("url", "") if isinstance(value, dict) else str(value)
        label = (value.get("title") or value.get("label") or url) if isinstance(value, dict) else url
        url = str(url or "")
        out.append({"url": url, "label": str(label or url), "is_link": url.startswith(("https://", "http://"))})
    return out


def _technical_html(text: str) -> SafeString:
    """The sanitised Markdown, its headings one level down: they sit under the page's « Détails techniques »."""
    html = markdown_to_html(text)
    shifted = re.sub(r"<(/?)h([2-5])\b", lambda m: f"<{m[1]}h{int(m[2]) + 1}", str(html))
    return mark_safe(shifted)  # noqa: S308 — sanitised by markdown_to_html; only tag names changed


def _row(alert) -> dict:
    return {
        "alert": alert,
        "badge": SEVERITY_BADGES.get(alert.severity, ""),
        "withdrawn": alert.state == AlertState.WITHDRAWN,
        "products": product_lines(alert.products),
        "cves": cve_list(alert.cves),
    }


@require_safe
def alert_list(request: HttpRequest) -> HttpResponse:
    form = AlertFilterForm(request.GET or None, vendors=alert_vendor_choices())
    filters = form.filters() if request.GET else AlertFilters()
    page = Paginator(alert_list_public(filters=filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "alerts/public/alert_list.html",
        {
            "title": _("Alertes de sécurité"),
            "form": form,
            "page": page,
            "rows": [_row(alert) for alert in page.object_list],
        },
    )


@require_safe
def alert_detail(request: HttpRequest, reference: str) -> HttpResponse:
    alert = alert_get_public(reference=reference)
    revisions = alert_revisions(alert=alert)
    return render(
        request,
        "alerts/public/alert_detail.html",
        {
            "title": f"{alert.reference} — {alert.title}",
            **_row(alert),
            "technical_html": _technical_html(alert.technical),
            "references": _links(alert.references),
            "revisions": revisions,
            "updates": [r for r in revisions if r.number > 1],
            "csaf_url": csaf.document_path(alert, revisions),
        },
    )


@require_safe
def news_list(request: HttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or "")[:200]
    page = Paginator(news_list_public(q=q), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "alerts/public/news_list.html", {"title": _("Actualités de la veille"), "q": q, "page": page}
    )


def _bulletin_page(request: HttpRequest, day: date) -> HttpResponse:
    bulletin = bulletin_for(day)
    start, end = day_bounds(day)
    updated = []
    if bulletin:
        updated = [{**_row(a), "note": update_note(a, start, end)} for a in bulletin.updated]
    return render(
        request,
        "alerts/public/bulletin.html",
        {
            "title": _("Bulletin de veille du %(day)s") % {"day": day_label(day)},
            "day": day,
            "day_label": day_label(day),
            "bulletin": bulletin,
            "published_rows": [_row(a) for a in bulletin.published] if bulletin else [],
            "updated_rows": updated,
            "previous_day": date.fromordinal(day.toordinal() - 1),
            "next_day": date.fromordinal(day.toordinal() + 1) if day < timezone.localdate() else None,
        },
    )


@require_safe
def bulletin_today(request: HttpRequest) -> HttpResponse:
    return _bulletin_page(request, timezone.localdate())


@require_safe
def bulletin_day(request: HttpRequest, day: str) -> HttpResponse:
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        raise Http404("jour") from None
    return _bulletin_page(request, parsed)


# --- CSAF ----------------------------------------------------------------------------------------------------------


def _json(data: dict) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def csaf_document(request: HttpRequest, year: int, name: str) -> HttpResponse:
    year = int(year)
    reference = name.removesuffix(".json").upper()
    alert = alert_get_public(reference=reference)
    revisions = alert_revisions(alert=alert)
    if csaf.file_name(alert) != name or csaf.release_year(alert, revisions) != year:
        raise Http404("csaf")
    return _json(csaf.csaf_document(alert, revisions))


@require_safe
def csaf_rolie_feed(request: HttpRequest) -> HttpResponse:
    return _json(csaf.rolie_feed(alerts_with_revisions_public()))


@require_safe
def csaf_provider_metadata(request: HttpRequest) -> HttpResponse:
    items = alerts_with_revisions_public()
    updated = [r.published_at for _alert, revisions in items for r in revisions]
    updated += [a.withdrawn_at for a, _revisions in items if a.withdrawn_at]
    return _json(csaf.provider_metadata(last_updated=max(updated, default=None)))
