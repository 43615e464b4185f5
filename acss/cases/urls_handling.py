from django.urls import path

from . import views_handling

app_name = "handling"

urlpatterns = [
    path("declarations/<str:reference>/traitement/<str:action>/", views_handling.case_action, name="action"),
    path("declarations/<str:reference>/messages/", views_handling.message_post, name="message"),
]
