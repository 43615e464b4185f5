from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("mentions-legales/", views.legal_notice, name="legal_notice"),
    path("donnees-personnelles/", views.personal_data, name="personal_data"),
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("contact/", views.contact, name="contact"),
    path("healthz", views.healthz, name="healthz"),
]
