from django.urls import path

from . import views

app_name = "observatory"

urlpatterns = [
    path("observatoire/", views.public, name="public"),
    path("observatoire/<int:year>/", views.year, name="year"),
    path("observatoire/<int:year>/rapport/", views.report, name="report"),
    path("observatoire/<int:year>/rapport.pdf", views.report_pdf, name="report_pdf"),
    path("observatoire/<int:year>/indicateurs.csv", views.indicators_csv, name="indicators_csv"),
    path("observatoire/<int:year>/indicateurs.xlsx", views.indicators_xlsx, name="indicators_xlsx"),
    path("observatoire/<int:year>/donnees-ouvertes.csv", views.open_data, name="open_data"),
    path("ars/observatoire/", views.ars_home, name="ars"),
    path("ars/observatoire/<str:region>/", views.ars_region, name="ars_region"),
    path("acss/observatoire/", views.cell, name="cell"),
    path("acss/observatoire/publier/", views.publish, name="publish"),
]
