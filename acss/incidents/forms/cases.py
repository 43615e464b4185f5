from django import forms
from django.utils.translation import gettext_lazy as _

from acss.core.forms import AcssForm
from acss.core.models import IncidentCategory
from acss.incidents.forms.declarations import MAX_DEGRADED_HOURS, MAX_PATIENTS
from acss.incidents.models import Criticity, LegalLevel
from acss.incidents.services.cases import (
    CRITICITY_RANGE,
    ESCALATION_REASON_REQUIRED,
    JUSTIFICATION_REQUIRED,
    OUT_OF_SCOPE_REASON_REQUIRED,
    SUMMARY_REQUIRED,
)

# --------------------------------------------------------------------------------------------------
# Handling forms
# --------------------------------------------------------------------------------------------------


class QualifyForm(AcssForm):
    criticity = forms.TypedChoiceField(
        label=_("Criticité"),
        coerce=int,
        widget=forms.RadioSelect,
        choices=Criticity.choices,
        error_messages={"invalid_choice": CRITICITY_RANGE},
    )
    legal_level = forms.ChoiceField(
        label=_("Niveau légal (article D.1111-16-2 du CSP)"), choices=LegalLevel.choices, widget=forms.RadioSelect
    )
    sanitary_impact_confirmed = forms.TypedChoiceField(
        label=_("Impact sanitaire confirmé"),
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        choices=[("no", _("Non")), ("yes", _("Oui"))],
    )
    category = forms.ModelChoiceField(
        label=_("Typologie retenue par la cellule"),
        to_field_name="code",
        queryset=IncidentCategory.objects.filter(active=True),
        required=False,
        empty_label=_("Celle de la déclaration"),
    )
    rsit = forms.CharField(
        label=_("Classe RSIT retenue (facultatif)"),
        max_length=120,
        required=False,
        help_text=_("Par défaut, celle de la typologie retenue."),
    )
    justification = forms.CharField(
        label=_("Justification"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        error_messages={"required": JUSTIFICATION_REQUIRED},
    )


class CloseForm(AcssForm):
    summary = forms.CharField(
        label=_("Synthèse"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10000,
        error_messages={"required": SUMMARY_REQUIRED},
    )
    root_cause = forms.CharField(
        label=_("Cause racine"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000, required=False
    )
    degraded_hours = forms.IntegerField(
        label=_("Durée en mode dégradé (heures)"), min_value=0, max_value=MAX_DEGRADED_HOURS, required=False
    )
    patients_affected = forms.IntegerField(
        label=_("Patients concernés"), min_value=0, max_value=MAX_PATIENTS, required=False
    )
    provider = forms.CharField(label=_("Prestataire en cause"), max_length=200, required=False)


class ReasonForm(AcssForm):
    """Why a declaration is out of scope."""

    reason = forms.CharField(
        label=_("Motif"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
        error_messages={"required": OUT_OF_SCOPE_REASON_REQUIRED},
    )


class EscalateForm(AcssForm):
    authority_code = forms.ChoiceField(
        label=_("Autorité"),
        choices=[
            ("dgs", _("DGS (impact sanitaire)")),
            ("ansm", _("ANSM (médicaments, dispositifs médicaux)")),
            ("anssi", _("ANSSI (incident particulier)")),
            ("fssi", _("FSSI (pilotage d'un incident significatif)")),
        ],
    )
    reason = forms.CharField(
        label=_("Motif"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
        error_messages={"required": ESCALATION_REASON_REQUIRED},
    )


class MergeForm(AcssForm):
    into = forms.CharField(
        label=_("Référence de la déclaration principale"), max_length=20, help_text=_("Par exemple ACSS-2026-000123.")
    )


class AssignForm(AcssForm):
    analyst = forms.ModelChoiceField(label=_("Analyste"), queryset=None, required=False, empty_label=_("Personne"))

    def __init__(self, *args, analysts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["analyst"].queryset = analysts


class MessageForm(AcssForm):
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 3}), max_length=20000)
