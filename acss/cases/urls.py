from django.urls import path

from . import views, views_queue

app_name = "cases"

urlpatterns = [
    path("fiches-reflexes/", views.sheet_list, name="sheet_list"),
    path("fiches-reflexes/<slug:slug>/", views.sheet_detail, name="sheet_detail"),
    path("fiches-reflexes/<slug:slug>/versions/", views.sheet_versions, name="sheet_versions"),
    path("fiches-reflexes/<slug:slug>/versions/<int:number>/", views.sheet_version_detail, name="sheet_version"),
    path("acss/fiches-reflexes/<slug:slug>/modifier/", views.sheet_edit, name="sheet_edit"),
    path("acss/dossiers/", views_queue.queue, name="queue"),
    path("ars/tableau/", views_queue.ars_board, name="ars_board"),
]
