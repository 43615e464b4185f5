from django.conf import settings
from django.utils.functional import SimpleLazyObject

from acss.accounts.selectors import actor_for

from .navigation import navigation_for


def platform(request):
    user = getattr(request, "user", None)
    return {
        "acss_actor": actor_for(user) if user is not None else None,
        "acss_nav": SimpleLazyObject(lambda: navigation_for(request)),
        "ACSS_CONTACT_EMAIL": settings.ACSS_CONTACT_EMAIL,
        "ACSS_HOTLINE": settings.ACSS_HOTLINE,
    }
