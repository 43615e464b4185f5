from django.conf import settings

from acss.accounts.selectors import actor_for


def platform(request):
    user = getattr(request, "user", None)
    return {
        "acss_actor": actor_for(user) if user is not None else None,
        "ACSS_CONTACT_EMAIL": settings.ACSS_CONTACT_EMAIL,
        "ACSS_HOTLINE": settings.ACSS_HOTLINE,
    }
