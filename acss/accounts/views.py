from __future__ import annotations

from io import BytesIO

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from acss.core.audit import AuditOrigin, audit_record
from acss.core.calendars import cell_calendar, structure_calendar
from acss.core.errors import Refusal

from . import services
from .forms import (
    InvitationAcceptForm,
    InvitationForm,
    LoginForm,
    OTPTokenForm,
    PasswordResetForm,
    StructureRegistrationForm,
)
from .middleware import needs_second_factor, second_factor_url
from .models import AccessRequest
from .selectors import (
    actor_for,
    structure_get_managed,
    structure_get_pending_to_decide,
    structure_list_pending,
    structure_list_visible,
)


def _safe_next(request: HttpRequest, default: str = "portal:dashboard") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse(default)


class LoginView(auth_views.LoginView):
    """Password, then, for staff, the second factor at once; ``next`` (checked by Django) follows them."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
    extra_context = {"title": gettext_lazy("Connexion")}

    def get_success_url(self):
        user = self.request.user
        if needs_second_factor(user) and getattr(user, "otp_device", None) is None:
            return second_factor_url(user, super().get_success_url())
        return super().get_success_url()

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_record(actor=form.get_user(), action="auth.login", origin=AuditOrigin.of(self.request))
        return response


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    from django.contrib.auth import logout

    if request.user.is_authenticated:
        audit_record(actor=request.user, action="auth.logout", origin=AuditOrigin.of(request))
    logout(request)
    messages.info(request, _("Vous êtes déconnecté."))
    return redirect("portal:home")


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    devices = list(TOTPDevice.objects.devices_for_user(request.user, confirmed=True))
    if not devices:
        return redirect(second_factor_url(request.user, _safe_next(request)))
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        for device in devices:
            allowed, _info = device.verify_is_allowed()
            if allowed and device.verify_token(form.cleaned_data["token"]):
                otp_login(request, device)
                audit_record(actor=request.user, action="auth.second_factor", origin=AuditOrigin.of(request))
                return redirect(_safe_next(request))
        form.add_error("token", _("Code incorrect ou expiré. Après plusieurs erreurs, patientez avant de réessayer."))
        audit_record(actor=request.user, action="auth.second_factor_failed", origin=AuditOrigin.of(request))
    return render(
        request,
        "accounts/otp_verify.html",
        {"form": form, "title": _("Second facteur"), "next": request.GET.get("next", "")},
    )


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg") :]


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request: HttpRequest) -> HttpResponse:
    if TOTPDevice.objects.devices_for_user(request.user, confirmed=True).exists():
        return redirect(second_factor_url(request.user, _safe_next(request)))
    device = TOTPDevice.objects.devices_for_user(request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name=_("Application d'authentification"), confirmed=False)
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            audit_record(actor=request.user, action="auth.second_factor_enrolled", origin=AuditOrigin.of(request))
            messages.success(request, _("Votre second facteur est activé."))
            return redirect(_safe_next(request))
        form.add_error("token", _("Code incorrect : vérifiez l'heure de votre téléphone et saisissez le code affiché."))
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "title": _("Activer le second facteur"),
            "secret": secret,
            "qr_svg": mark_safe(_qr_svg(device.config_url)),  # noqa: S308 - generated by qrcode, no user input
            "next": request.GET.get("next", ""),
        },
    )


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    form = StructureRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        from acss.core.finess import finess_departement_code

        services.structure_register(
            name=data["name"],
            finess_ej=data["finess_ej"],
            finess_et=data["finess_et"],
            departement_code=finess_departement_code(data["finess_et"]),
            structure_type=data["structure_type"],
            is_ose=data["is_ose"],
            nis2=data["nis2"],
            size=data["size"],
            ght=data["ght"],
            finess_warnings=form.finess_warnings,
            first_name=data["first_name"],
            last_name=data["last_name"],
            job_title=data["job_title"],
            phone=data["phone"],
            email=data["email"],
            password=data["password1"],
            origin=AuditOrigin.of(request),
        )
        request.session["registration_warnings"] = form.finess_warnings
        return redirect("accounts:register_done")
    return render(request, "accounts/register.html", {"form": form, "title": _("Inscrire une structure")})


@require_safe
def register_done(request: HttpRequest) -> HttpResponse:
    warnings = request.session.pop("registration_warnings", [])
    return render(request, "accounts/register_done.html", {"title": _("Demande enregistrée"), "warnings": warnings})


@require_safe
@login_required
def structure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    structure = get_object_or_404(structure_list_visible(user=request.user), pk=pk)
    actor = actor_for(request.user)
    can_manage = structure.pk in actor.managed_structure_ids
    members = structure.memberships.select_related("user").order_by("user__last_name")
    year = timezone.localdate().year
    national = {day for day, _name in cell_calendar().holidays_in(year)}
    local_holidays = [
        (day, name, day not in national) for day, name in structure_calendar(structure.departement).holidays_in(year)
    ]
    return render(
        request,
        "accounts/structure_detail.html",
        {
            "structure": structure,
            "title": structure.name,
            "members": members,
            "can_manage": can_manage,
            "holidays": local_holidays,
            "year": year,
            "invitations": structure.invitations.filter(accepted_at__isnull=True).order_by("-created_at")
            if can_manage
            else [],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, pk: int) -> HttpResponse:
    structure = structure_get_managed(user=request.user, pk=pk)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.invitation_create(
            structure=structure,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            by=request.user,
            origin=AuditOrigin.of(request),
        )
        messages.success(request, _("Invitation envoyée à %(email)s.") % {"email": form.cleaned_data["email"]})
        return redirect("accounts:structure_detail", pk=structure.pk)
    return render(
        request, "accounts/invite.html", {"form": form, "structure": structure, "title": _("Inviter un déclarant")}
    )


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_get_valid(token=token)
    if invitation is None:
        raise Http404("invitation invalid or expired")
    user = request.user if request.user.is_authenticated else None
    if user is not None and user.email != invitation.email:
        return render(
            request,
            "accounts/invitation_other_account.html",
            {"title": _("Invitation"), "invitation": invitation},
            status=403,
        )
    from .models import User

    if user is None and User.objects.filter(email=invitation.email).exists():
        messages.info(
            request,
            _("Un compte existe déjà pour %(email)s : connectez-vous pour accepter l'invitation.")
            % {"email": invitation.email},
        )
        return redirect(f"{reverse_lazy('accounts:login')}?next={request.path}")
    form = None if user else InvitationAcceptForm(request.POST or None)
    if request.method == "POST" and (form is None or form.is_valid()):
        data = form.cleaned_data if form else {}
        try:
            person = services.invitation_accept(
                invitation=invitation,
                by=user,
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
                job_title=data.get("job_title", ""),
                phone=data.get("phone", ""),
                password=data.get("password1", ""),
                origin=AuditOrigin.of(request),
            )
        except Refusal as refusal:
            messages.error(request, refusal.message)
            return redirect("portal:home")
        if user is None:
            auth_login(request, person, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request, _("Vous pouvez désormais déclarer pour %(name)s.") % {"name": invitation.structure.name}
        )
        return redirect("portal:dashboard")
    return render(
        request,
        "accounts/invitation_accept.html",
        {"form": form, "invitation": invitation, "title": _("Accepter l'invitation")},
    )


@require_safe
@login_required
def pending_structures(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    if not actor.is_acss:
        raise Http404
    return render(
        request,
        "accounts/pending_structures.html",
        {
            "title": _("Inscriptions à vérifier"),
            "structures": structure_list_pending(user=request.user),
            "access_requests": AccessRequest.objects.filter(decided_at__isnull=True).select_related(
                "user", "structure"
            ),
        },
    )


@login_required
@require_POST
def structure_decide(request: HttpRequest, pk: int) -> HttpResponse:
    structure = structure_get_pending_to_decide(user=request.user, pk=pk)
    approve = request.POST.get("decision") == "approve"
    services.structure_verify(structure=structure, by=request.user, approve=approve, origin=AuditOrigin.of(request))
    messages.success(request, _("Décision enregistrée pour %(name)s.") % {"name": structure.name})
    return redirect("accounts:pending_structures")


@login_required
@require_POST
def access_request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    if not actor_for(request.user).is_acss:
        raise Http404
    access_request = get_object_or_404(AccessRequest, pk=pk, decided_at__isnull=True)
    services.access_request_decide(
        access_request=access_request,
        by=request.user,
        approve=request.POST.get("decision") == "approve",
        origin=AuditOrigin.of(request),
    )
    messages.success(request, _("Décision enregistrée."))
    return redirect("accounts:pending_structures")


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    form_class = PasswordResetForm
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")
    extra_context = {"title": gettext_lazy("Mot de passe oublié")}


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"
    extra_context = {"title": gettext_lazy("Message envoyé")}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    extra_context = {"title": gettext_lazy("Nouveau mot de passe")}


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
    extra_context = {"title": gettext_lazy("Mot de passe modifié")}
