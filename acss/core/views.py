from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from .forbidden import Forbidden


@require_safe
def legal_notice(request: HttpRequest) -> HttpResponse:
    return render(request, "core/legal_notice.html", {"title": _("Mentions légales")})


@require_safe
def personal_data(request: HttpRequest) -> HttpResponse:
    from django.conf import settings

    context = {
        "title": _("Données personnelles"),
        "dpo_email": settings.ACSS_DPO_EMAIL,
        "session_hours": settings.SESSION_COOKIE_AGE // 3600,
        "csrf_cookie_days": settings.CSRF_COOKIE_AGE // (24 * 3600),
    }
    return render(request, "core/personal_data.html", context)


@require_safe
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accessibility.html", {"title": _("Déclaration d'accessibilité")})


@require_safe
def contact(request: HttpRequest) -> HttpResponse:
    from .calendars import cell_calendar

    calendar = cell_calendar()
    context = {"title": _("Contact"), "cell_opening": calendar.opening, "cell_closing": calendar.closing}
    return render(request, "core/contact.html", context)


@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A stale form is not the user's fault: keep what was typed on the declaration pages and show it again."""
    from django.contrib import messages
    from django.shortcuts import redirect

    from .formsafety import keep_post_on_csrf_failure

    if keep_post_on_csrf_failure(request):
        messages.warning(
            request,
            _("Le formulaire avait expiré. Vos réponses ont été conservées : vérifiez-les, puis envoyez à nouveau."),
        )
        return redirect(request.get_full_path())
    return render(request, "core/csrf_failure.html", {"title": _("Formulaire expiré"), "status": 403}, status=403)


def error_400(request: HttpRequest, exception=None) -> HttpResponse:
    return _standalone_error("core/400.html", 400, _("Requête incorrecte"))


def error_403(request: HttpRequest, exception=None) -> HttpResponse:
    """A ``Forbidden`` refusal shows its French message; any other 403 the general one."""
    message = exception.message if isinstance(exception, Forbidden) else None
    return render(request, "core/403.html", {"title": _("Accès refusé"), "status": 403, "message": message}, status=403)


def error_404(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "core/404.html", {"title": _("Page non trouvée"), "status": 404}, status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    return _standalone_error("core/500.html", 500, _("Erreur inattendue"))


def _standalone_error(template_name: str, status: int, title: str) -> HttpResponse:
    """Rendered without the request: no context processor, no session, no database query can fail again."""
    from django.conf import settings
    from django.template import loader

    context = {
        "title": title,
        "status": status,
        "ACSS_HOTLINE": settings.ACSS_HOTLINE,
    }
    return HttpResponse(loader.render_to_string(template_name, context), status=status)
