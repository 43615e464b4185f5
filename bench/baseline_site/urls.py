from django.urls import path

from bench.baseline_site.app import views

urlpatterns = [
    path("health/", views.health),
    path("hit/", views.hit),
]
