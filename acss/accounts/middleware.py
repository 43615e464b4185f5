"""A second factor is mandatory for staff (ACSS, ARS, authorities) and for Django administrators.

The login asks for it right after the password (``LoginView``); this middleware is the safety net for
a session that has a password but no second factor yet, whatever page it asks for.
"""

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from .selectors import actor_for

# Pages a staff member may reach before the second factor: login, the second factor itself,
# logout, and the public pages.
_OPEN_PREFIXES = (
    "/static/",
    "/compte/",
    "/mentions-legales/",
    "/donnees-personnelles/",
    "/accessibilite/",
    "/contact/",
    "/healthz",
    "/api/",
)
_OPEN_EXACT = ("/",)


def needs_second_factor(user) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_superuser or user.is_staff or actor_for(user).is_staff


def second_factor_url(user, next_url: str = "") -> str:
    """The page that asks ``user`` for a code: verification, or enrolment when there is no device yet."""
    target = "accounts:otp_verify" if user.totpdevice_set.filter(confirmed=True).exists() else "accounts:otp_setup"
    query = f"?{urlencode({'next': next_url})}" if next_url else ""
    return reverse(target) + query


class StaffSecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            needs_second_factor(user)
            and not user.is_verified()
            and request.path not in _OPEN_EXACT
            and not request.path.startswith(_OPEN_PREFIXES)
        ):
            return redirect(second_factor_url(user, request.get_full_path()))
        return self.get_response(request)
