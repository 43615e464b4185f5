"""The forms of the subscriptions: a visitor's request, a person's preferences."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from .models import PUBLIC_TOPICS, TOPIC_HELP, Frequency, Topic


class SubscribeForm(DsfrBaseForm):
    email = forms.EmailField(
        label=_("Adresse électronique"),
        help_text=_("Format attendu : nom@domaine.fr"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("Indiquez votre adresse électronique."),
            "invalid": _("Indiquez une adresse électronique valide, par exemple nom@domaine.fr."),
        },
    )
    topics = forms.MultipleChoiceField(
        label=_("Ce que vous souhaitez recevoir"),
        choices=[(t.value, f"{t.label} — {TOPIC_HELP[t]}") for t in PUBLIC_TOPICS],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choisissez au moins un envoi.")},
    )


class PreferencesForm(DsfrBaseForm):
    """One radio group per topic the person may choose."""

    def __init__(self, *args, topics: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        for topic in topics:
            self.fields[topic] = forms.ChoiceField(
                label=Topic(topic).label,
                help_text=TOPIC_HELP[Topic(topic)],
                choices=Frequency.choices,
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Choisissez une fréquence."),
                    "invalid_choice": _("Choisissez une fréquence proposée."),
                },
            )
