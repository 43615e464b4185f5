from django.urls import path

from . import views

app_name = "veille"

urlpatterns = [
    path("acss/veille/", views.match_list, name="list"),
    path("acss/veille/liste-de-surveillance/", views.watchlist, name="watchlist"),
    path("acss/veille/<slug:kind>/<str:identifier>/", views.record_detail, name="detail"),
]
