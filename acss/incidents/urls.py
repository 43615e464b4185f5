"""The incident's pages: declaring, reading a declaration and its handling, the analyst's queue, the ARS board,
the on-call acknowledgement."""

from django.urls import path

from .views import cases, declarations, filings, oncall, queue

app_name = "incidents"

urlpatterns = [
    path("declarer/", declarations.declare_start, name="start"),
    path("declarer/alerte/", declarations.quick_alert, name="quick_alert"),
    path("declarer/formulaire/", declarations.draft_new, name="draft_new"),
    path("declarer/brouillons/<uuid:key>/etape/<int:step>/", declarations.draft_step, name="draft_step"),
    path("declarer/brouillons/<uuid:key>/envoyer/", declarations.draft_submit, name="draft_submit"),
    path("declarer/brouillons/<uuid:key>/supprimer/", declarations.draft_delete, name="draft_delete"),
    path("declarations/", declarations.declaration_list, name="list"),
    path("declarations/<str:reference>/", declarations.declaration_detail, name="detail"),
    path("declarations/<str:reference>/accuse-de-reception/", declarations.receipt, name="receipt"),
    path("declarations/<str:reference>/completer/", declarations.declaration_complete_start, name="complete"),
    path("declarations/<str:reference>/complements/", declarations.addendum_new, name="addendum"),
    path("declarations/<str:reference>/situation/", declarations.situation_new, name="situation"),
    path("declarations/<str:reference>/pieces-jointes/<int:pk>/", declarations.attachment_download, name="attachment"),
    path("declarations/<str:reference>/traitement/<str:action>/", cases.case_action, name="action"),
    path("declarations/<str:reference>/messages/", cases.message_post, name="message"),
    path("declarations/<str:reference>/declarations-reglementaires/", filings.filing_list, name="filings"),
    path("declarations/<str:reference>/declarations-reglementaires/<str:stage>/", filings.filing_detail, name="filing"),
    path(
        "declarations/<str:reference>/declarations-reglementaires/<str:stage>/envoi/",
        filings.filing_sent,
        name="filing_sent",
    ),
    path(
        "declarations/<str:reference>/declarations-reglementaires/<str:stage>/pdf/",
        filings.filing_pdf,
        name="filing_pdf",
    ),
    path(
        "declarations/<str:reference>/declarations-reglementaires/<str:stage>/json/",
        filings.filing_json,
        name="filing_json",
    ),
    path("astreinte/<int:pk>/<str:token>/", oncall.oncall_ack, name="oncall_ack"),
    path("acss/dossiers/", queue.queue, name="queue"),
    path("ars/tableau/", queue.ars_board, name="ars_board"),
]
