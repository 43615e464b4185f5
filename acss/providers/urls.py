from django.urls import path

from . import views

app_name = "providers"

urlpatterns = [
    path("acss/prestataires/", views.cell_list, name="list"),
    path("acss/prestataires/ouvrir/", views.open_parent, name="open"),
    path("acss/prestataires/<int:pk>/", views.detail, name="detail"),
    path("acss/prestataires/<int:pk>/etat/", views.update, name="update"),
    path("acss/prestataires/<int:pk>/rattachements/", views.link, name="link"),
    path("acss/prestataires/<int:pk>/message/", views.message_all, name="message"),
    path("acss/prestataires/<int:pk>/cloture/", views.close, name="close"),
]
