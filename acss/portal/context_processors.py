from django.utils.functional import SimpleLazyObject

from acss.accounts.selectors import actor_for

from .navigation import navigation_for


def navigation(request):
    """Who the person acts as and the main navigation drawn for them (computed only if a template reads it)."""
    user = getattr(request, "user", None)
    return {
        "acss_actor": actor_for(user) if user is not None else None,
        "acss_nav": SimpleLazyObject(lambda: navigation_for(request)),
    }
