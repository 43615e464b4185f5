from django.urls import path

from . import views

app_name = "inventories"

urlpatterns = [
    path("structures/<int:pk>/inventaire/", views.inventory, name="inventory"),
    path("structures/<int:pk>/inventaire/ajouter/", views.add_watched, name="add_watched"),
    path("structures/<int:pk>/inventaire/saisir/", views.add_typed, name="add_typed"),
    path("structures/<int:pk>/inventaire/<int:item>/supprimer/", views.remove, name="remove"),
    path("structures/<int:pk>/inventaire/<int:item>/correspondance/", views.match_decide, name="match"),
    path("structures/<int:pk>/inventaire/confirmer-tout/", views.match_confirm_all, name="match_all"),
    path("structures/<int:pk>/inventaire/importer/", views.import_upload, name="import"),
    path("structures/<int:pk>/inventaire/importer/confirmer/", views.import_confirm, name="import_confirm"),
]
