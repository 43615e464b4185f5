from django.conf import settings


def platform(request):
    """What every page may show of the platform itself: how to reach the cell."""
    return {
        "ACSS_CONTACT_EMAIL": settings.ACSS_CONTACT_EMAIL,
        "ACSS_HOTLINE": settings.ACSS_HOTLINE,
    }
