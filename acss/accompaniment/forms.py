"""The forms of the accompaniment page: every message in French."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from acss.core.forms import AcssForm

from .models import ActionState, MissionKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_INVALID = _("Saisissez une date au format jj/mm/aaaa.")


class OpenForm(AcssForm):
    template = forms.ModelChoiceField(
        label=_("Modèle de plan de remédiation"),
        help_text=_("Ses actions sont ajoutées au plan, avec leurs échéances comptées à partir d'aujourd'hui."),
        queryset=None,
        required=False,
        empty_label=_("Aucun : plan vide"),
        to_field_name="slug",
    )

    def __init__(self, *args, templates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates


class EntryForm(AcssForm):
    kind = forms.ChoiceField(label=_("Nature"), choices=())
    body = forms.CharField(
        label=_("Texte"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Écrivez l'entrée."), "max_length": _("5 000 caractères au plus.")},
    )

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds
        self.fields["kind"].error_messages["invalid_choice"] = _("Vous ne pouvez pas écrire ce type d'entrée.")


class ActionPlanningForm(AcssForm):
    """An action's title, owner and due date (adding one; the cell editing one)."""

    title = forms.CharField(
        label=_("Action"), max_length=300, error_messages={"required": _("Écrivez l'intitulé de l'action.")}
    )
    owner = forms.ModelChoiceField(
        label=_("Responsable (personne de la structure)"),
        queryset=None,
        required=False,
        empty_label=_("— Personne désignée —"),
        error_messages={"invalid_choice": _("Choisissez une personne de la structure.")},
    )
    owner_name = forms.CharField(
        label=_("Ou responsable (texte libre)"),
        help_text=_("Un service, un prestataire…"),
        max_length=200,
        required=False,
    )
    due_on = forms.DateField(label=_("Échéance"), required=False, widget=DATE, error_messages={"invalid": DATE_INVALID})

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people
        self.fields["owner"].label_from_instance = lambda user: user.display_name


class ActionProgressForm(AcssForm):
    state = forms.ChoiceField(
        label=_("État"),
        choices=ActionState.choices,
        error_messages={"required": _("Choisissez l'état."), "invalid_choice": _("Cet état n'existe pas.")},
    )
    evidence_note = forms.CharField(
        label=_("Preuve ou commentaire"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    evidence_file = forms.FileField(
        label=_("Fichier de preuve"),
        help_text=_("PDF, image, document bureautique, archive ZIP, courriel ou texte."),
        required=False,
    )


class TemplateRevisionForm(AcssForm):
    """A new version of a plan template: one action a line, « intitulé | jours »."""

    actions = forms.CharField(
        label=_("Actions, une par ligne"),
        help_text=_("Écrivez « intitulé | délai en jours », par exemple « Isoler les postes chiffrés | 0 »."),
        widget=forms.Textarea(attrs={"rows": 14}),
        error_messages={"required": _("Un modèle compte au moins une action.")},
    )
    change_note = forms.CharField(
        label=_("Objet de la modification"),
        max_length=300,
        error_messages={
            "required": _("Indiquez l'objet de la modification."),
            "max_length": _("300 caractères au plus."),
        },
    )

    def clean_actions(self) -> list[tuple[str, int]]:
        parsed = []
        for number, line in enumerate(self.cleaned_data["actions"].splitlines(), start=1):
            if not line.strip():
                continue
            title, _sep, days = line.rpartition("|")
            if not _sep or not title.strip() or not days.strip().isdigit() or int(days) > 365:
                raise forms.ValidationError(
                    _("Ligne %(n)d : écrivez « intitulé | délai en jours » (de 0 à 365 jours).") % {"n": number}
                )
            if len(title.strip()) > 300:
                raise forms.ValidationError(_("Ligne %(n)d : 300 caractères au plus.") % {"n": number})
            parsed.append((title.strip(), int(days)))
        if not parsed:
            raise forms.ValidationError(_("Un modèle compte au moins une action."))
        return parsed


class MissionRequestForm(AcssForm):
    """The FSSI's request for an expert mission."""

    kind = forms.ChoiceField(
        label=_("Nature de la mission"),
        choices=MissionKind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choisissez la nature de la mission."),
            "invalid_choice": _("Choisissez la nature de la mission."),
        },
    )
    reason = forms.CharField(
        label=_("Motif de la demande"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": _("Indiquez le motif de la demande."),
            "max_length": _("5 000 caractères au plus."),
        },
    )


class MissionOpenForm(AcssForm):
    """The cell opens a requested mission: its team, dates and scope."""

    team = forms.CharField(
        label=_("Équipe"),
        help_text=_("Les noms des experts, leur organisme."),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": _("Indiquez l'équipe de la mission."),
            "max_length": _("2 000 caractères au plus."),
        },
    )
    starts_on = forms.DateField(
        label=_("Début"),
        widget=DATE,
        error_messages={"required": _("Indiquez la date de début de la mission."), "invalid": DATE_INVALID},
    )
    ends_on = forms.DateField(
        label=_("Fin"),
        widget=DATE,
        error_messages={"required": _("Indiquez la date de fin de la mission."), "invalid": DATE_INVALID},
    )
    scope = forms.CharField(
        label=_("Périmètre"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("Indiquez le périmètre de la mission."),
            "max_length": _("5 000 caractères au plus."),
        },
    )

    def clean(self):
        data = super().clean()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("La fin de la mission ne peut précéder son début."))
        return data


class MissionFinishForm(AcssForm):
    """The cell finishes an open mission with its report."""

    report = forms.FileField(
        label=_("Rapport de la mission"),
        help_text=_("PDF, document bureautique, archive ZIP ou texte."),
        error_messages={"required": _("Joignez le rapport de la mission.")},
    )
    summary = forms.CharField(
        label=_("Synthèse (facultatif)"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": _("5 000 caractères au plus.")},
    )


class MissionRefuseForm(AcssForm):
    reason = forms.CharField(
        label=_("Motif du refus"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Indiquez le motif du refus."), "max_length": _("5 000 caractères au plus.")},
    )
