from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from acss.core.forms import AcssForm
from acss.core.models import IncidentCategory
from acss.incidents.forms.declarations import MAX_DEGRADED_HOURS, MAX_PATIENTS
from acss.incidents.models import Criticity, LegalLevel, MessageKind
from acss.incidents.selectors.cases import acss_analysts, question_get_on_declaration
from acss.incidents.selectors.declarations import declaration_get_visible
from acss.incidents.services.cases import (
    CRITICITY_RANGE,
    ESCALATION_REASON_REQUIRED,
    JUSTIFICATION_REQUIRED,
    MESSAGE_REQUIRED,
    OUT_OF_SCOPE_REASON_REQUIRED,
    SUMMARY_REQUIRED,
)

# --------------------------------------------------------------------------------------------------
# Handling forms: the page and the API validate an action or a message with the same one
# (``acss.incidents.actions``)
# --------------------------------------------------------------------------------------------------

# Where a page keeps, with what was typed, the errors its form had: those that depend on the person (a
# reference they cannot see) cannot be found again when the page is drawn, so they are kept as they were said.
KEPT_ERRORS = "__errors__"

NOT_VISIBLE = _("Aucune déclaration de ce numéro ne vous est visible.")
NOT_AN_ANALYST = _("Aucun analyste de la cellule n'a cette adresse.")
QUESTION_REQUIRED = _("Indiquez la question à laquelle vous répondez.")
NO_SUCH_QUESTION = _("Cette question n'existe pas sur cette déclaration.")


class HandlingForm(AcssForm):
    """An action's or a message's form, for the person acting (``user``) on a declaration (``declaration``).

    Drawn again from what a page kept, it shows the errors kept with it (``KEPT_ERRORS``) besides its own, so
    that a check made for the person when it was sent is still said on the page that follows."""

    def __init__(self, *args, user=None, declaration=None, **kwargs):
        self.user, self.declaration = user, declaration
        super().__init__(*args, **kwargs)

    def full_clean(self):
        super().full_clean()
        kept = self.data.get(KEPT_ERRORS) if self.is_bound and hasattr(self.data, "get") else None
        if not isinstance(kept, dict):
            return
        for name, messages in kept.items():
            field = name if name in self.fields else None
            said = [str(m) for m in self.errors.get(name if field else "__all__", [])]
            for message in messages if isinstance(messages, list) else []:
                if isinstance(message, str) and message not in said:
                    self.add_error(field, message)


class YesNoField(forms.ChoiceField):
    """Yes or no, to be answered (``None`` is not « no »): the page's radio buttons send « yes » / « no », the
    API's JSON a boolean; both read the same.

    ``json_boolean`` tells the API (``acss.core.api.form_input`` and the schema) to take and document a boolean."""

    json_boolean = True
    TRUE, FALSE = ("yes", "true"), ("no", "false")

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", [("no", _("Non")), ("yes", _("Oui"))])
        kwargs.setdefault("widget", forms.RadioSelect)
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, bool):
            return value
        if value in self.empty_values:
            return None
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value})

    def validate(self, value):
        if value is None and self.required:
            raise ValidationError(self.error_messages["required"], code="required")

    def prepare_value(self, value):
        if isinstance(value, bool):
            return "yes" if value else "no"
        return value


class AnalystField(forms.ModelChoiceField):
    """An analyst of the cell, named by e-mail address (any case) on the page and in the API alike; empty is
    nobody. Given a primary key as its initial value (the case's analyst), it shows that analyst's address."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        analyst = self.queryset.filter(email__iexact=str(value).strip()).first()
        if analyst is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return analyst

    def prepare_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return self.queryset.filter(pk=value).values_list("email", flat=True).first()
        return super().prepare_value(value)


class QualifyForm(HandlingForm):
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
    sanitary_impact_confirmed = YesNoField(label=_("Impact sanitaire confirmé"))
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


class CloseForm(HandlingForm):
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


class ReasonForm(HandlingForm):
    """Why a declaration is out of scope."""

    reason = forms.CharField(
        label=_("Motif"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
        error_messages={"required": OUT_OF_SCOPE_REASON_REQUIRED},
    )


class EscalateForm(HandlingForm):
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


class MergeForm(HandlingForm):
    """The declaration that stays, by its reference (any case, spaces around ignored): for the person acting, one
    they can see, else the field says so (one they cannot see is not told apart from one that does not exist)."""

    into = forms.CharField(
        label=_("Référence de la déclaration principale"), max_length=20, help_text=_("Par exemple ACSS-2026-000123.")
    )

    def clean_into(self):
        reference = self.cleaned_data["into"].strip().upper()
        if self.user is None:  # drawn again on the page: the reference as typed, the kept error with it
            return reference
        try:
            return declaration_get_visible(user=self.user, reference=reference)
        except Http404:
            raise ValidationError(NOT_VISIBLE, code="not_visible") from None


class AssignForm(HandlingForm):
    analyst = AnalystField(
        label=_("Analyste"),
        queryset=None,
        required=False,
        empty_label=_("Personne"),
        to_field_name="email",
        error_messages={"invalid_choice": NOT_AN_ANALYST},
    )

    def __init__(self, *args, analysts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["analyst"].queryset = analysts if analysts is not None else acss_analysts()


class MessageForm(HandlingForm):
    """A message on the thread, of the ``kind`` given: its text, said missing in the kind's own words, and for an
    answer the question it answers, one of this declaration's."""

    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 3}), max_length=20000)
    question = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)

    def __init__(self, *args, kind: str = MessageKind.NOTE, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["body"].error_messages["required"] = MESSAGE_REQUIRED[kind]

    def clean_question(self):
        pk = self.cleaned_data.get("question")
        if self.kind != MessageKind.ANSWER:
            return None
        if pk is None:
            raise ValidationError(QUESTION_REQUIRED, code="required")
        if self.declaration is None:
            return pk
        question = question_get_on_declaration(declaration=self.declaration, pk=pk)
        if question is None:
            raise ValidationError(NO_SUCH_QUESTION, code="invalid_choice")
        return question
