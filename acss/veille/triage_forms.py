"""Forms of the triage queue: its filters (GET) and one decision on an item (POST)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from dsfr.forms import DsfrBaseForm

from .models import Family, TriageState

ACTIONS = {
    "assign": gettext_lazy("Confier"),
    "to_alert": gettext_lazy("À alerter"),
    "dismiss": gettext_lazy("Écarter"),
    "reopen": gettext_lazy("Rouvrir"),
}


class TriageFilterForm(DsfrBaseForm):
    """The queue's filters. An invalid value is reported and left out; the others still apply."""

    q = forms.CharField(
        label=gettext_lazy("Rechercher"),
        help_text=gettext_lazy("Identifiant ou titre."),
        required=False,
        max_length=200,
    )
    state = forms.ChoiceField(
        label=gettext_lazy("État"), required=False, choices=[("", gettext_lazy("Tous"))] + list(TriageState.choices)
    )
    assignee = forms.ChoiceField(label=gettext_lazy("Confié à"), required=False)
    family = forms.ChoiceField(
        label=gettext_lazy("Famille"), required=False, choices=[("", gettext_lazy("Toutes"))] + list(Family.choices)
    )
    min_priority = forms.IntegerField(
        label=gettext_lazy("Priorité minimale"),
        help_text=gettext_lazy("De 0 à 100."),
        required=False,
        min_value=0,
        max_value=100,
        error_messages={
            "invalid": gettext_lazy("Saisissez un nombre entier."),
            "min_value": gettext_lazy("La priorité va de 0 à 100."),
            "max_value": gettext_lazy("La priorité va de 0 à 100."),
        },
    )
    immediate = forms.BooleanField(label=gettext_lazy("Attention immédiate uniquement"), required=False)
    kev = forms.BooleanField(label=gettext_lazy("Exploitées (KEV) uniquement"), required=False)

    def __init__(self, data=None, *, analysts: list[tuple[str, str]], **kwargs):
        kwargs.setdefault("auto_id", "filtre-%s")
        super().__init__(data, **kwargs)
        self.fields["assignee"].choices = [
            ("", _("Tout le monde")),
            ("moi", _("Moi")),
            ("personne", _("Personne")),
            *analysts,
        ]
        for bound in self.fields.values():
            widget = bound.widget
            if isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "fr-select")
            elif not isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "fr-input")

    def filters(self) -> dict:
        self.is_valid()
        return dict(self.cleaned_data)


class TriageActionForm(DsfrBaseForm):
    """One decision on one item; the service refuses what the item's state forbids."""

    action = forms.ChoiceField(
        label=gettext_lazy("Décision"),
        choices=list(ACTIONS.items()),
        error_messages={
            "required": gettext_lazy("Choisissez une décision."),
            "invalid_choice": gettext_lazy("Cette décision n'existe pas."),
        },
    )
    assignee = forms.ChoiceField(label=gettext_lazy("Analyste"), required=False)
    reason = forms.CharField(
        label=gettext_lazy("Motif"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, data=None, *, analysts: list[tuple[str, str]], **kwargs):
        super().__init__(data, **kwargs)
        self.fields["assignee"].choices = [("", _("Personne")), *analysts]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == "dismiss" and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Indiquez pourquoi cet élément est écarté."))
        return cleaned
