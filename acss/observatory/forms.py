from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from acss.core.forms import AcssForm


class PublishForm(AcssForm):
    year = forms.TypedChoiceField(label=_("Année à publier"), coerce=int)
    reason = forms.CharField(
        label=_("Motif d'une nouvelle version"),
        help_text=_("Obligatoire quand l'année est déjà publiée : la correction que la nouvelle version apporte."),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]
        self.fields["year"].error_messages["invalid_choice"] = _("Choisissez une année terminée dans la liste.")
