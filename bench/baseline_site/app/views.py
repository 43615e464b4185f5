from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from bench.baseline_site.app.models import Hit


@require_GET
def health(request: HttpRequest) -> HttpResponse:
    """Answers without touching the database: the harness polls it until the server is up."""
    return HttpResponse(b"ok", content_type="text/plain")


@csrf_exempt  # bench-only site, no CSRF middleware anyway
@require_POST
def hit(request: HttpRequest) -> HttpResponse:
    """The baseline: save one row, answer with a tiny body."""
    Hit.objects.create()
    return HttpResponse(b"ok", content_type="text/plain")
