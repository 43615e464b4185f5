"""What the review step ("Vérification et envoi") shows: each answer in words, step by step.

Built from the step forms themselves (their labels and choices), from what they cleaned: a choice by its label,
a date in the structure's local time with its zone, a yes/no as « Oui »/« Non », a count with its unit, several
choices as a list. The template only lays the rows out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django import forms
from django.utils import formats as django_formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acss.core import formats
from acss.core.templatetags.acss_time import long_local
from acss.incidents.forms.declarations import STEPS, LocalDateTimeField, step_kwargs

# Shorter labels than the questions of the form, where the question carries a hint.
REVIEW_LABELS = {
    "structure": gettext_lazy("Structure"),
    "alt_contact_phone": gettext_lazy("Autre téléphone"),
    "alt_contact_email": gettext_lazy("Autre adresse électronique"),
    "title": gettext_lazy("Titre"),
    "occurred_at": gettext_lazy("Survenu le"),
    "discovered_at": gettext_lazy("Découvert le"),
    "degraded_hours": gettext_lazy("Durée du mode dégradé"),
    "patients_count": gettext_lazy("Patients concernés"),
    "health_products_details": gettext_lazy("Médicaments ou dispositifs en cause"),
    "territory_impact": gettext_lazy("Impact sur d'autres structures ou sur le territoire"),
    "vector": gettext_lazy("Vecteur"),
    "provider_name": gettext_lazy("Prestataire en cause"),
}
# Details of another answer: left out when empty.
SHOWN_ONLY_IF_GIVEN = {"systems_other", "health_products_details"}
UNITS = {"patients_count": formats.patients, "degraded_hours": formats.hours}
OPTIONAL_HINT = re.compile(r"\s*\((facultatif|heure locale)\)\s*$")


@dataclass(frozen=True)
class ReviewRow:
    name: str
    label: str
    value: str = ""
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReviewSection:
    step: int
    title: str
    rows: list[ReviewRow] = field(default_factory=list)


def _label(name: str, form_field: forms.Field) -> str:
    if name in REVIEW_LABELS:
        return str(REVIEW_LABELS[name])
    return OPTIONAL_HINT.sub("", str(form_field.label))


def display_value(name: str, form_field: forms.Field, value, *, tz: ZoneInfo) -> tuple[str, tuple[str, ...]]:
    """(text, list items) for one cleaned value, as the person should read it."""
    if isinstance(form_field, forms.BooleanField):
        return formats.yes_no(bool(value)), ()
    if value is None or value == "" or (isinstance(value, list | tuple) and not value):
        return _("Non renseigné"), ()
    if isinstance(form_field, forms.ModelMultipleChoiceField):
        items = tuple(form_field.label_from_instance(obj) for obj in value)
        return ("", items) if items else (_("Non renseigné"), ())
    if isinstance(form_field, forms.ModelChoiceField):
        return str(form_field.label_from_instance(value)), ()
    if isinstance(form_field, forms.ChoiceField):
        labels = {str(key): label for key, label in form_field.choices}
        return str(labels.get(str(value), value)), ()
    if isinstance(form_field, LocalDateTimeField) or isinstance(value, datetime):
        return long_local(value, tz), ()
    if name in UNITS:
        return UNITS[name](value), ()
    if isinstance(value, int):
        return django_formats.number_format(value, force_grouping=True), ()
    return str(value), ()


def review_sections(cleaned: dict, *, structures, tz: ZoneInfo, files=()) -> list[ReviewSection]:
    """The answers of each step in words; the files joined, with their size, in a last section."""
    sections = []
    for number, step_form in enumerate(STEPS, start=1):
        form = step_form(tz=tz, **step_kwargs(step_form, structures=structures))
        rows = []
        for name, form_field in form.fields.items():
            value = cleaned.get(name)
            if name in SHOWN_ONLY_IF_GIVEN and not value:
                continue
            text, items = display_value(name, form_field, value, tz=tz)
            rows.append(ReviewRow(name=name, label=_label(name, form_field), value=text, items=items))
        sections.append(ReviewSection(step=number, title=str(step_form.step_title), rows=rows))
    attached = tuple(f"{f.original_name} ({formats.file_size(f.size)})" for f in files)
    sections.append(
        ReviewSection(
            step=len(STEPS),
            title=_("Pièces jointes"),
            rows=[ReviewRow(name="files", label=_("Fichiers"), value="" if attached else _("Aucune"), items=attached)],
        )
    )
    return sections
