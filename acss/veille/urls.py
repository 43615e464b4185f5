from django.urls import path

from . import triage_views, views

app_name = "veille"

urlpatterns = [
    path("acss/veille/", views.match_list, name="list"),
    path("acss/veille/liste-de-surveillance/", views.watchlist, name="watchlist"),
    # The triage queue (its own module: triage_views.py).
    path("acss/veille/tri/", triage_views.triage_list, name="triage"),
    path("acss/veille/tri/<int:pk>/decision/", triage_views.triage_action, name="triage_action"),
    path("acss/veille/<slug:kind>/<str:identifier>/", views.record_detail, name="detail"),
]
