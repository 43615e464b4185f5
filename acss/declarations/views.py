from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from acss.accounts.selectors import actor_for
from acss.core.audit import audit_record

from .selectors import declaration_get_visible, declaration_list_visible


@login_required
@require_safe
def declaration_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(declaration_list_visible(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "declarations/list.html", {"title": _("Déclarations"), "page": page})


@login_required
@require_safe
def declaration_detail(request: HttpRequest, reference: str) -> HttpResponse:
    declaration = declaration_get_visible(user=request.user, reference=reference)
    if actor_for(request.user).is_staff:
        audit_record(actor=request.user, action="declaration.viewed", obj=declaration, request=request)
    return render(request, "declarations/detail.html", {"title": declaration.reference, "declaration": declaration})
