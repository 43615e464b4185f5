from django.urls import path

from . import views

app_name = "observables"

urlpatterns = [
    path("declarations/<str:reference>/observables/", views.observable_list, name="list"),
    path("declarations/<str:reference>/observables/ajouter/", views.observable_add, name="add"),
    path("declarations/<str:reference>/observables/extraction/", views.observable_extract, name="extract"),
    path("declarations/<str:reference>/observables/stix/", views.observable_stix, name="stix"),
]
