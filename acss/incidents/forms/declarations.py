"""The declaration's forms. The step forms are also the API's validation (``validate_declaration``),
so the page and the API give the same French messages for the same input.

Dates and times are typed in the structure's local time (its time zone: Réunion, Antilles…).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from acss.core.forms import AcssForm
from acss.core.models import AffectedSystem, DataCategory, IncidentCategory, Vector
from acss.incidents.models import HandlingState, Origin, PatientSafety, Scope, Situation
from acss.incidents.uploads import max_upload_label

PHONE_RE = re.compile(r"^\+?[0-9 .()\-]{6,25}$")
FUTURE_TOLERANCE = timedelta(minutes=10)
# The bounds of what is typed, within what the columns hold (PostgreSQL refuses more, it does not cut):
EMAIL_MAX_LENGTH = 254
MAX_DEGRADED_HOURS = 100_000  # over eleven years
MAX_PATIENTS = 100_000_000


def clean_phone(value: str) -> str:
    value = (value or "").strip()
    if value and (not PHONE_RE.match(value) or sum(c.isdigit() for c in value) < 6):
        raise forms.ValidationError(
            _("Saisissez un numéro de téléphone joignable, par exemple 01 23 45 67 89 ou +262 262 00 00 00."),
            code="phone",
        )
    return value


class EmailField(forms.EmailField):
    """An e-mail address that fits its column, refused in French when longer."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", EMAIL_MAX_LENGTH)
        kwargs.setdefault(
            "error_messages",
            {
                "max_length": _(
                    "Une adresse électronique compte %(limit_value)d caractères au plus (%(show_value)d saisis)."
                )
            },
        )
        super().__init__(**kwargs)


class PhoneField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))
        super().__init__(**kwargs)

    def clean(self, value):
        return clean_phone(super().clean(value))


class LocalDateTimeField(forms.DateTimeField):
    """A date and time typed in the structure's local time (the form's ``tz``)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M"])
        kwargs.setdefault(
            "error_messages", {"invalid": _("Saisissez une date et une heure, par exemple 20/11/2026 03:15.")}
        )
        super().__init__(**kwargs)


class StepForm(AcssForm):
    """A step of the declaration. ``tz`` is the structure's time zone, used to read typed dates."""

    step_title: str = ""

    def __init__(self, *args, tz: ZoneInfo | None = None, **kwargs):
        self.tz = tz or ZoneInfo("Europe/Paris")
        super().__init__(*args, **kwargs)

    def full_clean(self):
        with timezone.override(self.tz):
            super().full_clean()

    def _not_in_future(self, name: str) -> None:
        value = self.cleaned_data.get(name)
        if value and value > timezone.now() + FUTURE_TOLERANCE:
            self.add_error(name, _("Cette date est dans le futur : vérifiez le jour et l'heure."))


def yes_no(label, **kwargs) -> forms.BooleanField:
    return forms.BooleanField(label=label, required=False, **kwargs)


class IdentificationForm(StepForm):
    step_title = _("Identification")
    structure = forms.ModelChoiceField(
        label=_("Structure concernée (site FINESS géographique)"),
        queryset=None,
        empty_label=_("Sélectionnez la structure"),
    )
    declarant_name = forms.CharField(label=_("Nom et prénom du déclarant"), max_length=200)
    declarant_function = forms.CharField(label=_("Fonction"), max_length=120)
    declarant_phone = PhoneField(label=_("Téléphone"))
    declarant_email = EmailField(label=_("Adresse électronique"))
    alt_contact_phone = PhoneField(
        label=_("Autre téléphone (facultatif)"),
        required=False,
        help_text=_("Un numéro joignable si le standard ou la téléphonie de la structure sont touchés."),
    )
    alt_contact_email = EmailField(
        label=_("Autre adresse électronique (facultatif)"),
        required=False,
        help_text=_("Une adresse hors de la messagerie de la structure, qui peut être aux mains de l'attaquant."),
    )

    def __init__(self, *args, structures=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["structure"].queryset = structures
        self.fields["structure"].to_field_name = "finess_et"
        self.fields["structure"].label_from_instance = lambda s: f"{s.name} — FINESS {s.finess_et}"

    def clean(self):
        data = super().clean()
        if data.get("alt_contact_email") and data.get("alt_contact_email") == data.get("declarant_email"):
            self.add_error("alt_contact_email", _("Donnez une autre adresse que la première, ou laissez vide."))
        return data


class DescriptionForm(StepForm):
    step_title = _("Description")
    title = forms.CharField(
        label=_("Titre de l'incident"),
        max_length=200,
        help_text=_("En quelques mots, par exemple « Rançongiciel sur le PACS »."),
    )
    occurred_at = LocalDateTimeField(
        label=_("Date et heure de survenue (heure locale)"), required=False, help_text=_("Si vous la connaissez.")
    )
    discovered_at = LocalDateTimeField(label=_("Date et heure de découverte (heure locale)"))
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=20000,
        help_text=_(
            "Ce qui s'est passé, ce qui est touché. N'indiquez aucune donnée permettant d'identifier un patient."
        ),
    )
    scope = forms.ChoiceField(label=_("Périmètre"), choices=Scope.choices, widget=forms.RadioSelect)
    systems = forms.ModelMultipleChoiceField(
        label=_("Systèmes affectés"),
        queryset=AffectedSystem.objects.filter(active=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        to_field_name="code",
    )
    systems_other = forms.CharField(label=_("Autre système (précisez)"), max_length=200, required=False)
    data_categories = forms.ModelMultipleChoiceField(
        label=_("Données affectées"),
        queryset=DataCategory.objects.filter(active=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        to_field_name="code",
    )
    provider_name = forms.CharField(label=_("Prestataire en cause (facultatif)"), max_length=200, required=False)
    handling_state = forms.ChoiceField(
        label=_("État de l'incident"), choices=HandlingState.choices, widget=forms.RadioSelect
    )

    def clean(self):
        data = super().clean()
        self._not_in_future("occurred_at")
        self._not_in_future("discovered_at")
        occurred, discovered = data.get("occurred_at"), data.get("discovered_at")
        if occurred and discovered and discovered < occurred:
            self.add_error("discovered_at", _("La découverte ne peut pas précéder la survenue."))
        if data.get("scope") == Scope.SHARED_PROVIDER and not data.get("provider_name"):
            self.add_error("provider_name", _("Nommez le prestataire partagé."))
        return data


class ImpactsForm(StepForm):
    step_title = _("Impacts")
    unavailability = yes_no(_("Indisponibilité de systèmes ou de données"))
    integrity_loss = yes_no(_("Perte d'intégrité (données modifiées ou détruites)"))
    confidentiality_loss = yes_no(_("Perte de confidentialité (données consultées ou divulguées)"))
    functioning = forms.ChoiceField(
        label=_("Fonctionnement de la structure"), choices=Situation.choices, widget=forms.RadioSelect
    )
    degraded_hours = forms.IntegerField(
        label=_("Durée du mode dégradé, en heures (facultatif)"),
        min_value=0,
        max_value=MAX_DEGRADED_HOURS,
        required=False,
    )
    patient_safety = forms.ChoiceField(
        label=_("Sécurité des patients"), choices=PatientSafety.choices, widget=forms.RadioSelect
    )
    patients_count = forms.IntegerField(
        label=_("Nombre approximatif de patients concernés (facultatif)"),
        min_value=0,
        max_value=MAX_PATIENTS,
        required=False,
    )
    health_products = yes_no(_("Des médicaments ou des dispositifs médicaux sont en cause"))
    health_products_details = forms.CharField(
        label=_("Lesquels ?"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, required=False
    )
    territory_impact = forms.CharField(
        label=_("Impact sur d'autres structures ou sur le territoire (facultatif)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        required=False,
    )

    def clean(self):
        data = super().clean()
        if data.get("health_products") and not data.get("health_products_details"):
            self.add_error("health_products_details", _("Précisez les médicaments ou dispositifs médicaux en cause."))
        return data


class CausesForm(StepForm):
    step_title = _("Causes")
    origin = forms.ChoiceField(label=_("Origine"), choices=Origin.choices, widget=forms.RadioSelect)
    category = forms.ModelChoiceField(
        label=_("Typologie"),
        queryset=IncidentCategory.objects.filter(active=True),
        to_field_name="code",
        empty_label=_("Sélectionnez la typologie"),
    )
    vector = forms.ModelChoiceField(
        label=_("Vecteur (facultatif)"),
        queryset=Vector.objects.filter(active=True),
        to_field_name="code",
        required=False,
        empty_label=_("Je ne sais pas"),
    )

    def clean(self):
        data = super().clean()
        category, origin = data.get("category"), data.get("origin")
        if category and origin and category.family != "any" and origin != Origin.UNDETERMINED:
            if category.family != origin:
                self.add_error(
                    "category",
                    _("Cette typologie ne correspond pas à l'origine choisie (%(origin)s).")
                    % {"origin": Origin(origin).label},
                )
        return data


class ActionsForm(StepForm):
    step_title = _("Actions et demandes")
    measures_taken = forms.CharField(
        label=_("Mesures déjà prises"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10000, required=False
    )
    accompaniment_requested = yes_no(_("Je demande l'accompagnement de la cellule ACSS"))
    complaint_filed = yes_no(_("Une plainte a été déposée"))
    cnil_notified = yes_no(_("La CNIL a été notifiée (violation de données personnelles, 72 h)"))
    anssi_notified = yes_no(_("L'ANSSI a été notifiée"))


STEPS: list[type[StepForm]] = [IdentificationForm, DescriptionForm, ImpactsForm, CausesForm, ActionsForm]
REVIEW_STEP = len(STEPS) + 1


def step_kwargs(step_form: type[StepForm], *, structures) -> dict:
    return {"structures": structures} if step_form is IdentificationForm else {}


def validate_declaration(data: dict, *, structures, tz: ZoneInfo) -> tuple[dict, dict[str, list[str]]]:
    """Validate a whole declaration with the step forms; returns (cleaned data, errors by field)."""
    cleaned: dict = {}
    errors: dict[str, list[str]] = {}
    for step_form in STEPS:
        form = step_form(data, tz=tz, **step_kwargs(step_form, structures=structures))
        if form.is_valid():
            cleaned.update(form.cleaned_data)
        else:
            for field, messages in form.errors.items():
                errors.setdefault(field, []).extend(str(m) for m in messages)
    return cleaned, errors


def all_field_names() -> list[str]:
    return [name for step_form in STEPS for name in step_form.base_fields]


class QuickAlertForm(StepForm):
    """The first alert: six fields, sent in under a minute."""

    structure = forms.ModelChoiceField(label=_("Structure"), queryset=None, empty_label=_("Sélectionnez la structure"))
    alert_summary = forms.CharField(
        label=_("Ce qui se passe"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Par exemple : « écrans bloqués par une demande de rançon aux urgences »."),
    )
    alert_since = LocalDateTimeField(label=_("Depuis (heure locale)"))
    alert_care_impact = forms.ChoiceField(
        label=_("Impact sur les soins"), choices=Situation.choices, widget=forms.RadioSelect
    )
    callback_phone = PhoneField(label=_("Téléphone pour vous rappeler"))
    is_major = yes_no(_("Incident majeur"), help_text=_("Cochez si la situation dépasse vos capacités."))

    def __init__(self, *args, structures=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["structure"].queryset = structures
        self.fields["structure"].to_field_name = "finess_et"
        self.fields["structure"].label_from_instance = lambda s: f"{s.name} — FINESS {s.finess_et}"

    def clean(self):
        data = super().clean()
        self._not_in_future("alert_since")
        return data


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked on its content by the service (uploads.upload_check)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return super().clean(data, initial)


def _upload_help() -> str:
    return gettext("%(limit)s au plus par fichier. Aucune donnée identifiant un patient.") % {
        "limit": max_upload_label()
    }


upload_help = lazy(_upload_help, str)  # read at rendering: the limit is a setting


class AddendumForm(AcssForm):
    kind = forms.ChoiceField(
        label=_("Nature"),
        choices=[("new_fact", _("Fait nouveau")), ("correction", _("Correction"))],
        widget=forms.RadioSelect,
    )
    body = forms.CharField(label=_("Texte"), widget=forms.Textarea(attrs={"rows": 5}), max_length=20000, required=False)
    files = MultipleFileField(label=_("Pièces jointes (facultatif)"), required=False, help_text=upload_help())

    def clean(self):
        data = super().clean()
        if not data.get("body") and not self.files.getlist("files"):
            raise forms.ValidationError(_("Écrivez un texte ou joignez au moins un fichier."))
        return data


class SituationForm(StepForm):
    situation = forms.ChoiceField(
        label=_("Situation de la structure"), choices=Situation.choices, widget=forms.RadioSelect
    )
    effective_at = LocalDateTimeField(label=_("Depuis (heure locale)"))
    note = forms.CharField(
        label=_("Précisions (facultatif)"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, required=False
    )

    def clean(self):
        data = super().clean()
        self._not_in_future("effective_at")
        return data


def raw_step_data(post, step_form: type[StepForm]) -> dict:
    """What was typed for one step, exactly as typed (lists kept for multiple choices)."""
    out = {}
    for name, field in step_form.base_fields.items():
        if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
            out[name] = post.getlist(name)
        elif isinstance(field, forms.BooleanField):
            out[name] = post.get(name) in ("on", "true", "True", "1")
        elif name in post:
            out[name] = post.get(name)
    return out


def as_form_data(data: dict) -> dict:
    """Turn stored draft data back into what a bound form expects (booleans as 'on')."""
    out = {}
    for key, value in data.items():
        if value is True:
            out[key] = "on"
        elif value is False or value is None:
            continue
        else:
            out[key] = value
    return out


def iter_step_titles() -> Iterable[tuple[int, str]]:
    for number, step_form in enumerate(STEPS, start=1):
        yield number, step_form.step_title
