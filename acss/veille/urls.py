from django.urls import path

from . import certfr_views, triage_views, views

app_name = "veille"

urlpatterns = [
    path("acss/veille/", views.match_list, name="list"),
    path("acss/veille/liste-de-surveillance/", views.watchlist, name="watchlist"),
    # The triage queue (its own module: triage_views.py).
    path("acss/veille/tri/", triage_views.triage_list, name="triage"),
    path("acss/veille/tri/<int:pk>/decision/", triage_views.triage_action, name="triage_action"),
    # The national CERT's advisories (before the records' catch-all route).
    path("acss/veille/cert-fr/", certfr_views.certfr_advisories, name="certfr"),
    path("acss/veille/cert-fr/<str:reference>/", certfr_views.certfr_advisory, name="certfr_detail"),
    path("acss/veille/<slug:kind>/<str:identifier>/", views.record_detail, name="detail"),
]
