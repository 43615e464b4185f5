from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from .dashboard import panels_for, shortcuts_for


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"title": _("Accueil")})


@login_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    context = {
        "title": _("Mon espace"),
        "panels": panels_for(request.user),
        "shortcuts": shortcuts_for(request.user),
    }
    return render(request, "portal/dashboard.html", context)
