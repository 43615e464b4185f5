from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite
from drf_spectacular.views import SpectacularAPIView

# The Django admin requires a second factor too.
admin.site.__class__ = OTPAdminSite
admin.site.site_header = "ACSS — administration"

api_v1 = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("", include("acss.incidents.api.urls")),
]

urlpatterns = [
    path("", include("acss.portal.urls")),
    path("", include("acss.core.urls")),
    path("", include("acss.accounts.urls")),
    path("", include("acss.reflexes.urls")),
    path("", include("acss.incidents.urls")),
    path("", include("acss.veille.urls")),
    path("", include("acss.accompaniment.urls")),
    path("", include("acss.observables.urls")),
    path("", include("acss.providers.urls")),
    path("", include("acss.subscriptions.urls")),
    path("", include("acss.inventories.urls")),
    path("", include("acss.alerts.urls")),
    path("", include("acss.observatory.urls")),
    path("api/v1/", include((api_v1, "api"))),
    path(settings.ADMIN_URL, admin.site.urls),
]

handler400 = "acss.core.views.error_400"
handler403 = "acss.core.views.error_403"
handler404 = "acss.core.views.error_404"
handler500 = "acss.core.views.error_500"
