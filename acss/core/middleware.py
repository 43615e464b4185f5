from django.conf import settings


class SecurityHeadersMiddleware:
    """Headers Django does not set itself (CSP is django-csp's, HSTS and the rest SecurityMiddleware's)."""

    PERMISSIONS_POLICY = (
        "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
        "payment=(), usb=(), interest-cohort=()"
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.PERMISSIONS_POLICY)
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if request.user.is_authenticated if hasattr(request, "user") else False:
            # Pages behind login may hold health data: never cache them in shared or browser caches.
            response.setdefault("Cache-Control", "no-store, private")
        if not settings.DEBUG:
            response.setdefault("Cross-Origin-Embedder-Policy", "require-corp")
        return response
