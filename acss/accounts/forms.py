from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.forms import PasswordResetForm as BasePasswordResetForm
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from acss.core.finess import finess_check
from acss.core.models import StructureType
from acss.core.tasks import send_mail_on_commit

from .models import NIS2Status, Role, StructureSize


def check_password_pair(form: forms.Form, data: dict) -> None:
    p1, p2 = data.get("password1"), data.get("password2")
    if p1 and p2 and p1 != p2:
        form.add_error("password2", _("Les deux mots de passe ne sont pas identiques."))
    elif p1:
        try:
            password_validation.validate_password(p1)
        except forms.ValidationError as exc:
            form.add_error("password1", exc)


class LoginForm(DsfrBaseForm, AuthenticationForm):
    username = forms.EmailField(
        label=_("Adresse électronique"), widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True})
    )
    error_messages = {
        "invalid_login": _(
            "Adresse électronique ou mot de passe incorrect. Après %(limit)s essais infructueux, "
            "le compte est bloqué pendant %(minutes)s minutes."
        ),
        "inactive": _("Ce compte est désactivé."),
    }

    def get_invalid_login_error(self):
        from django.conf import settings

        return forms.ValidationError(
            self.error_messages["invalid_login"],
            code="invalid_login",
            params={"limit": settings.AXES_FAILURE_LIMIT, "minutes": int(settings.AXES_COOLOFF_TIME * 60)},
        )


class PasswordResetForm(DsfrBaseForm, BasePasswordResetForm):
    """Django's form, its message sent by the task worker after commit like every other e-mail."""

    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None
    ):
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        send_mail_on_commit(subject=subject, body=render_to_string(email_template_name, context), to=[to_email])


class OTPTokenForm(DsfrBaseForm):
    token = forms.CharField(
        label=_("Code à usage unique"),
        help_text=_("Les 6 chiffres affichés par votre application d'authentification."),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_token(self):
        token = self.cleaned_data["token"].replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError(_("Le code ne contient que des chiffres."))
        return token


class FinessField(forms.CharField):
    """A FINESS number: format and département refused when wrong; a bad Luhn key only warns."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 12)
        kwargs.setdefault("help_text", _("9 caractères, par exemple 750712184 (2A ou 2B pour la Corse)."))
        super().__init__(**kwargs)
        self.warnings: list[str] = []

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return value
        check = finess_check(value)
        if not check.ok:
            raise forms.ValidationError(check.errors, code="finess")
        self.warnings = check.warnings
        return check.value


class StructureRegistrationForm(DsfrBaseForm):
    name = forms.CharField(label=_("Nom de la structure"), max_length=200)
    finess_ej = FinessField(label=_("Numéro FINESS juridique (EJ)"))
    finess_et = FinessField(label=_("Numéro FINESS géographique (ET) du site"))
    structure_type = forms.ModelChoiceField(
        label=_("Type de structure"),
        queryset=StructureType.objects.filter(active=True),
        empty_label=_("Sélectionnez un type"),
    )
    is_ose = forms.BooleanField(label=_("La structure est opérateur de services essentiels (OSE)"), required=False)
    nis2 = forms.ChoiceField(label=_("Assujettissement à NIS 2"), choices=NIS2Status.choices)
    size = forms.ChoiceField(label=_("Taille"), choices=StructureSize.choices)
    ght = forms.CharField(label=_("Groupement hospitalier de territoire (facultatif)"), max_length=200, required=False)
    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=_("Nom"), max_length=150)
    job_title = forms.CharField(label=_("Fonction"), max_length=120)
    phone = forms.CharField(label=_("Téléphone"), max_length=30)
    email = forms.EmailField(label=_("Adresse électronique professionnelle"))
    password1 = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("12 caractères au moins, ni trop courant ni seulement des chiffres."),
    )
    password2 = forms.CharField(
        label=_("Confirmation du mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    @property
    def finess_warnings(self) -> list[str]:
        return self.fields["finess_ej"].warnings + self.fields["finess_et"].warnings

    def clean(self):
        data = super().clean()
        check_password_pair(self, data)
        return data


class InvitationForm(DsfrBaseForm):
    email = forms.EmailField(label=_("Adresse électronique de la personne invitée"))
    role = forms.ChoiceField(
        label=_("Rôle"), choices=[(Role.DECLARANT, Role.DECLARANT.label), (Role.MANAGER, Role.MANAGER.label)]
    )


class InvitationAcceptForm(DsfrBaseForm):
    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=_("Nom"), max_length=150)
    job_title = forms.CharField(label=_("Fonction"), max_length=120, required=False)
    phone = forms.CharField(label=_("Téléphone"), max_length=30, required=False)
    password1 = forms.CharField(
        label=_("Mot de passe"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Confirmation du mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        check_password_pair(self, data)
        return data
