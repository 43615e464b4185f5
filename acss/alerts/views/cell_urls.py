"""The cell's editorial pages, under /acss/alertes/ (namespace ``alerts``, names ``cell_…``)."""

from django.urls import path

from . import cell

urlpatterns = [
    path("acss/alertes/", cell.cell_list, name="cell_list"),
    path("acss/alertes/nouvelle/", cell.cell_new, name="cell_new"),
    path("acss/alertes/<int:pk>/", cell.cell_detail, name="cell_detail"),
    path("acss/alertes/<int:pk>/modifier/", cell.cell_edit, name="cell_edit"),
    path("acss/alertes/<int:pk>/soumettre/", cell.cell_submit, name="cell_submit"),
    path("acss/alertes/<int:pk>/approuver/", cell.cell_approve, name="cell_approve"),
    path("acss/alertes/<int:pk>/renvoyer/", cell.cell_reject, name="cell_reject"),
    path("acss/alertes/<int:pk>/retirer/", cell.cell_withdraw, name="cell_withdraw"),
]
