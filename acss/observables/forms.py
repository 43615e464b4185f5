"""The forms of the observables page; every message in French."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from .models import ObservableKind


class ObservableAddForm(DsfrBaseForm):
    kind = forms.ChoiceField(
        label=_("Type"),
        choices=[("", _("Reconnaître automatiquement")), *ObservableKind.choices],
        required=False,
    )
    value = forms.CharField(
        label=_("Valeur"),
        max_length=2048,
        help_text=_("Les formes neutralisées sont comprises : hxxps://, [.], [at]…"),
        error_messages={"required": _("Indiquez la valeur de l'observable.")},
    )
    note = forms.CharField(label=_("Note (facultative)"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CandidatesForm(DsfrBaseForm):
    candidates = forms.MultipleChoiceField(
        label=_("Observables trouvés dans la déclaration"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Cochez au moins un observable à ajouter."),
            "invalid_choice": _("« %(value)s » n'est plus proposé : rechargez la page."),
        },
    )

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(ObservableKind.choices)
        self.fields["candidates"].choices = [(c.key, f"{labels.get(c.kind, c.kind)} : {c.value}") for c in candidates]


class StixForm(DsfrBaseForm):
    file = forms.FileField(
        label=_("Lot STIX 2.1 (JSON)"),
        error_messages={"required": _("Choisissez un fichier STIX.")},
    )
