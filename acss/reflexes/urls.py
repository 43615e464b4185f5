from django.urls import path

from acss.reflexes import views

app_name = "reflexes"

urlpatterns = [
    path("fiches-reflexes/", views.sheet_list, name="sheet_list"),
    path("fiches-reflexes/<slug:slug>/", views.sheet_detail, name="sheet_detail"),
    path("fiches-reflexes/<slug:slug>/versions/", views.sheet_versions, name="sheet_versions"),
    path("fiches-reflexes/<slug:slug>/versions/<int:number>/", views.sheet_version_detail, name="sheet_version"),
    path("acss/fiches-reflexes/<slug:slug>/modifier/", views.sheet_edit, name="sheet_edit"),
]
