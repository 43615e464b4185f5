from django.urls import path

from . import views

app_name = "declarations"

urlpatterns = [
    path("declarations/", views.declaration_list, name="list"),
    path("declarations/<str:reference>/", views.declaration_detail, name="detail"),
]
