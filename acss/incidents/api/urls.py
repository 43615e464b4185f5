"""The incident's REST API, version 1 (mounted under ``/api/v1/`` with the namespace ``api``)."""

from django.urls import path

from . import cases, declarations, filings

urlpatterns = [
    path("moi/", declarations.MeAPI.as_view(), name="me"),
    path("declarations/", declarations.DeclarationListAPI.as_view(), name="declaration_list"),
    path("alertes/", declarations.QuickAlertAPI.as_view(), name="quick_alert"),
    path("declarations/<str:reference>/", declarations.DeclarationDetailAPI.as_view(), name="declaration_detail"),
    path("declarations/<str:reference>/complements/", declarations.AddendumAPI.as_view(), name="addendum"),
    path("declarations/<str:reference>/situations/", declarations.SituationAPI.as_view(), name="situation"),
    path("declarations/<str:reference>/completion/", declarations.CompletionAPI.as_view(), name="completion"),
    path("declarations/<str:reference>/declarations-reglementaires/", filings.FilingListAPI.as_view(), name="filings"),
    path(
        "declarations/<str:reference>/declarations-reglementaires/<str:stage>/contenu/",
        filings.FilingContentAPI.as_view(),
        name="filing_content",
    ),
    path(
        "declarations/<str:reference>/declarations-reglementaires/<str:stage>/envoi/",
        filings.FilingSentAPI.as_view(),
        name="filing_sent",
    ),
    path("dossiers/<str:reference>/", cases.CaseDetailAPI.as_view(), name="case_detail"),
    path("dossiers/<str:reference>/messages/", cases.MessageListAPI.as_view(), name="case_messages"),
    path("dossiers/<str:reference>/actions/", cases.CaseActionAPI.as_view(), name="case_actions"),
]
