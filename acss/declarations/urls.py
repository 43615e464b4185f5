from django.urls import path

from . import views, views_oncall

app_name = "declarations"

urlpatterns = [
    path("declarer/", views.declare_start, name="start"),
    path("declarer/alerte/", views.quick_alert, name="quick_alert"),
    path("declarer/formulaire/", views.draft_new, name="draft_new"),
    path("declarer/brouillons/<uuid:key>/etape/<int:step>/", views.draft_step, name="draft_step"),
    path("declarer/brouillons/<uuid:key>/envoyer/", views.draft_submit, name="draft_submit"),
    path("declarer/brouillons/<uuid:key>/supprimer/", views.draft_delete, name="draft_delete"),
    path("declarations/", views.declaration_list, name="list"),
    path("declarations/<str:reference>/", views.declaration_detail, name="detail"),
    path("declarations/<str:reference>/accuse-de-reception/", views.receipt, name="receipt"),
    path("declarations/<str:reference>/completer/", views.declaration_complete_start, name="complete"),
    path("declarations/<str:reference>/complements/", views.addendum_new, name="addendum"),
    path("declarations/<str:reference>/situation/", views.situation_new, name="situation"),
    path("declarations/<str:reference>/pieces-jointes/<int:pk>/", views.attachment_download, name="attachment"),
    path("astreinte/<int:pk>/<str:token>/", views_oncall.oncall_ack, name="oncall_ack"),
]
