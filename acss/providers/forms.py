from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from acss.core.forms import AcssForm
from acss.incidents.models import CaseState
from acss.incidents.rules import transition_allowed

from .models import ProviderState


class OpenForm(AcssForm):
    provider_name = forms.CharField(label=_("Prestataire"), max_length=200)
    title = forms.CharField(label=_("Titre"), max_length=200)
    public_summary = forms.CharField(
        label=_("Résumé communiqué aux structures touchées"), widget=forms.Textarea, required=False
    )
    share_victim_count = forms.BooleanField(
        label=_("Les structures voient le nombre d'autres structures touchées"), required=False
    )
    references = forms.CharField(widget=forms.HiddenInput, required=False)


class UpdateForm(AcssForm):
    state = forms.ChoiceField(
        label=_("État"),
        choices=[
            (ProviderState.OPEN, ProviderState.OPEN.label),
            (ProviderState.CONTAINED, ProviderState.CONTAINED.label),
        ],
    )
    public_summary = forms.CharField(
        label=_("Résumé communiqué aux structures touchées"), widget=forms.Textarea, required=False
    )
    share_victim_count = forms.BooleanField(
        label=_("Les structures voient le nombre d'autres structures touchées"), required=False
    )


class LinkForm(AcssForm):
    references = forms.CharField(
        label=_("Références des déclarations"),
        help_text=_(
            "Une ou plusieurs références ACSS-AAAA-NNNNNN, séparées par des espaces, virgules ou retours à la ligne."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    operation = forms.ChoiceField(
        label=_("Opération"), choices=[("link", _("Rattacher")), ("unlink", _("Détacher"))], initial="link"
    )

    def clean_references(self) -> list[str]:
        refs = [r.upper() for r in re.split(r"[\s,;]+", self.cleaned_data["references"]) if r]
        if not refs:
            raise forms.ValidationError(_("Indiquez au moins une référence."))
        return list(dict.fromkeys(refs))


class MessageForm(AcssForm):
    body = forms.CharField(label=_("Message à toutes les structures touchées"), widget=forms.Textarea)


class CloseForm(AcssForm):
    summary = forms.CharField(label=_("Synthèse de clôture des dossiers"), widget=forms.Textarea, required=False)
    children = forms.TypedMultipleChoiceField(
        label=_("Clôturer aussi ces dossiers"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, victims=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["children"].choices = [
            (d.pk, f"{d.reference} – {d.structure.name}")
            for d in victims
            if transition_allowed(d.case.state, CaseState.CLOSED)
        ]
