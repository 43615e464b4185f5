"""The structures concerned by an alert: their answer (status) and the counts the cell and the ARS read."""

from django.urls import path

from . import concerns

urlpatterns = [
    path("structures/<int:pk>/alertes/<int:alert>/statut/", concerns.concern_status, name="concern_status"),
    path(
        "acss/alertes/<int:pk>/structures/",
        concerns.concern_counts_page,
        {"cell_only": True},
        name="concern_counts",
    ),
    path("ars/alertes/<int:pk>/structures/", concerns.concern_counts_page, name="concern_counts_region"),
]
