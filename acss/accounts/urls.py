from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("compte/connexion/", views.LoginView.as_view(), name="login"),
    path("compte/deconnexion/", views.logout_view, name="logout"),
    path("compte/second-facteur/", views.otp_verify, name="otp_verify"),
    path("compte/second-facteur/activer/", views.otp_setup, name="otp_setup"),
    path("compte/mot-de-passe/oublie/", views.PasswordResetView.as_view(), name="password_reset"),
    path("compte/mot-de-passe/oublie/envoye/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "compte/mot-de-passe/nouveau/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("compte/mot-de-passe/modifie/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("compte/inscription/", views.register, name="register"),
    path("compte/inscription/enregistree/", views.register_done, name="register_done"),
    path("compte/invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("structures/<int:pk>/", views.structure_detail, name="structure_detail"),
    path("structures/<int:pk>/inviter/", views.invite, name="invite"),
    path("acss/inscriptions/", views.pending_structures, name="pending_structures"),
    path("acss/inscriptions/structures/<int:pk>/decision/", views.structure_decide, name="structure_decide"),
    path("acss/inscriptions/acces/<int:pk>/decision/", views.access_request_decide, name="access_request_decide"),
]
