"""The cell's pages of the CERT-FR advisories: the list (filters, pagination) and one advisory.

ACSS only (anyone else gets the 404 of a missing page). The Markdown content is rendered by
``acss.reflexes.rendering`` (``markdown`` then ``nh3``'s allow-list): never the advisory's HTML as it is.
"""

from __future__ import annotations

import re

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from acss.reflexes.rendering import markdown_to_html

from .certfr_selectors import certfr_get, certfr_list
from .forms import CertfrFilterForm
from .selectors import advisory_cves, match_label, record_matches
from .views import PAGE_SIZE, _require_acss

_HEADING = re.compile(r"<(/?)h([1-5])\b")


def _content(markdown: str) -> SafeString:
    """The advisory's Markdown, sanitised, its headings one level down (the page's sections are level 2)."""
    clean = markdown_to_html(markdown)
    return mark_safe(_HEADING.sub(lambda m: f"<{m[1]}h{int(m[2]) + 1}", clean))  # noqa: S308 - nh3-sanitised above


def _is_link(url: str) -> bool:
    return str(url).startswith(("https://", "http://"))


@login_required
@require_safe
def certfr_advisories(request: HttpRequest) -> HttpResponse:
    _require_acss(request)
    form = CertfrFilterForm(request.GET)
    paginator = Paginator(certfr_list(filters=form.filters()), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "veille/certfr_list.html",
        {"title": _("Avis du CERT-FR"), "form": form, "page": page, "advisories": list(page.object_list)},
    )


@login_required
@require_safe
def certfr_advisory(request: HttpRequest, reference: str) -> HttpResponse:
    _require_acss(request)
    advisory = certfr_get(reference=reference)
    matches = record_matches(advisory)
    return render(
        request,
        "veille/certfr_detail.html",
        {
            "title": f"{advisory.tracking_id} — {advisory.title}",
            "advisory": advisory,
            "content": _content(advisory.content) if advisory.content.strip() else "",
            "affected_content": _content(advisory.affected_content) if advisory.affected_content.strip() else "",
            "bulletins": [{**b, "is_link": _is_link(b.get("url", ""))} for b in advisory.vendor_advisories or []],
            "cves": advisory_cves(advisory),
            "matches": [{"match": m, "label": match_label(m)} for m in matches],
            "links": [r for r in advisory.references or [] if _is_link(r)],
        },
    )
