from django.urls import path

from . import views

app_name = "subscriptions"

urlpatterns = [
    path("abonnements/", views.subscribe, name="subscribe"),
    path("abonnements/demande-envoyee/", views.requested, name="requested"),
    path("abonnements/confirmation/<str:token>/", views.confirm, name="confirm"),
    path("abonnements/desabonnement/<str:token>/", views.unsubscribe_view, name="unsubscribe"),
    path("abonnements/preferences/", views.preferences, name="preferences"),
]
