from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite
from drf_spectacular.views import SpectacularAPIView

from acss.cases import api as cases_api
from acss.declarations import api as declarations_api

# The Django admin requires a second factor too.
admin.site.__class__ = OTPAdminSite
admin.site.site_header = "ACSS — administration"

api_v1 = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("moi/", declarations_api.MeAPI.as_view(), name="me"),
    path("declarations/", declarations_api.DeclarationListAPI.as_view(), name="declaration_list"),
    path("alertes/", declarations_api.QuickAlertAPI.as_view(), name="quick_alert"),
    path("declarations/<str:reference>/", declarations_api.DeclarationDetailAPI.as_view(), name="declaration_detail"),
    path("declarations/<str:reference>/complements/", declarations_api.AddendumAPI.as_view(), name="addendum"),
    path("declarations/<str:reference>/situations/", declarations_api.SituationAPI.as_view(), name="situation"),
    path("declarations/<str:reference>/completion/", declarations_api.CompletionAPI.as_view(), name="completion"),
    path("dossiers/<str:reference>/", cases_api.CaseDetailAPI.as_view(), name="case_detail"),
    path("dossiers/<str:reference>/messages/", cases_api.MessageListAPI.as_view(), name="case_messages"),
    path("dossiers/<str:reference>/actions/", cases_api.CaseActionAPI.as_view(), name="case_actions"),
]

urlpatterns = [
    path("", include("acss.portal.urls")),
    path("", include("acss.core.urls")),
    path("", include("acss.accounts.urls")),
    path("", include("acss.declarations.urls")),
    path("", include("acss.cases.urls")),
    path("", include("acss.cases.urls_handling")),
    path("", include("acss.veille.urls")),
    path("api/v1/", include((api_v1, "api"))),
    path(settings.ADMIN_URL, admin.site.urls),
]

handler400 = "acss.core.views.error_400"
handler403 = "acss.core.views.error_403"
handler404 = "acss.core.views.error_404"
handler500 = "acss.core.views.error_500"
