from django.urls import path

from . import api, views

app_name = "accompaniment"

BASE = "declarations/<str:reference>/accompagnement/"
API = "api/v1/accompagnements/<str:reference>/"

urlpatterns = [
    path(BASE, views.accompaniment_detail, name="detail"),
    path(f"{BASE}ouvrir/", views.accompaniment_open, name="open"),
    path(f"{BASE}fiche/", views.entry_add, name="entry_add"),
    path(f"{BASE}plan/", views.action_add, name="action_add"),
    path(f"{BASE}plan/<int:pk>/avancement/", views.action_progress, name="action_progress"),
    path(f"{BASE}plan/<int:pk>/modifier/", views.action_edit, name="action_edit"),
    path(f"{BASE}plan/<int:pk>/preuve/", views.evidence_download, name="evidence"),
    path(f"{BASE}cloturer/", views.accompaniment_close, name="close"),
    path("declarations/<str:reference>/missions/", views.mission_list, name="missions"),
    path("declarations/<str:reference>/missions/demander/", views.mission_request, name="mission_request"),
    path("declarations/<str:reference>/missions/<int:pk>/ouvrir/", views.mission_open, name="mission_open"),
    path("declarations/<str:reference>/missions/<int:pk>/refuser/", views.mission_refuse, name="mission_refuse"),
    path("declarations/<str:reference>/missions/<int:pk>/terminer/", views.mission_finish, name="mission_finish"),
    path("declarations/<str:reference>/missions/<int:pk>/rapport/", views.mission_report, name="mission_report"),
    path("accompagnement/modeles/", views.template_list, name="templates"),
    path("accompagnement/modeles/<slug:slug>/modifier/", views.template_edit, name="template_edit"),
    # API v1 (token), beside the incident's under /api/v1/
    path(f"{API}", api.AccompanimentAPI.as_view(), name="api_detail"),
    path(f"{API}actions/", api.AccompanimentActionAPI.as_view(), name="api_actions"),
    path(f"{API}missions/", api.MissionListAPI.as_view(), name="api_missions"),
    path(f"{API}missions/<int:pk>/rapport/", api.MissionReportAPI.as_view(), name="api_mission_report"),
    path(f"{API}plan/<int:pk>/preuve/", api.EvidenceAPI.as_view(), name="api_evidence"),
]
