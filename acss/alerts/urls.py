"""The alerts' pages: the public space (no login), the cell's triage and editorial pages, and the concerns of
each structure. Each part has its own list of routes, all under the namespace ``alerts``."""

from django.urls import include, path

app_name = "alerts"

urlpatterns = [
    path("", include("acss.alerts.views.public_urls")),
    path("", include("acss.alerts.views.cell_urls")),
    path("", include("acss.alerts.views.concerns_urls")),
]
