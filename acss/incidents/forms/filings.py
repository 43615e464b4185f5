"""The forms of the regulatory filings: one per stage (its content), and the date it was sent. The pages and the
API validate with these very forms (``acss.incidents.actions.FILING_ACTIONS``), so the French messages are the
same whichever the transport."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from acss.core.forms import AcssForm
from acss.incidents.forms.declarations import LocalDateTimeField, StepForm
from acss.incidents.models import FilingStage

TEXT_MAX = 10_000
SHORT_MAX = 2_000
MAX_COUNT = 1_000_000_000

YES, NO, UNKNOWN = "yes", "no", "unknown"
YES_NO_UNKNOWN = [(YES, _("Oui")), (NO, _("Non")), (UNKNOWN, _("Pas encore déterminé"))]


def text(label, *, required: bool = True, rows: int = 5, max_length: int = TEXT_MAX, help_text="") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def yes_no_unknown(label) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=YES_NO_UNKNOWN, widget=forms.RadioSelect)


def count(label) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=MAX_COUNT,
        error_messages={"invalid": _("Saisissez un nombre entier, par exemple 1200.")},
    )


CONTACT = _("Personne à contacter (nom, fonction, téléphone, adresse électronique)")
MALICIOUS = _("L'incident est-il susceptible d'avoir été causé par des actes illicites ou malveillants ?")
CROSS_BORDER = _("L'incident est-il susceptible d'avoir un impact transfrontière ?")


class FilingForm(AcssForm):
    """The content of one stage; ``cleaned_data`` is what is stored, as typed (text stripped of its margins)."""

    stage: str = ""

    def content(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.fields}


class EarlyWarningForm(FilingForm):
    stage = FilingStage.EARLY_WARNING
    summary = text(_("Description succincte de l'incident"))
    suspected_malicious = yes_no_unknown(MALICIOUS)
    cross_border = yes_no_unknown(CROSS_BORDER)
    contact = text(CONTACT, rows=2, max_length=SHORT_MAX)


class NotificationForm(FilingForm):
    stage = FilingStage.NOTIFICATION
    summary = text(_("Description de l'incident"))
    severity = text(_("Gravité de l'incident (évaluation initiale)"), rows=3)
    impact = text(_("Impact de l'incident (évaluation initiale)"))
    indicators = text(
        _("Indicateurs de compromission, lorsqu'ils sont disponibles (facultatif)"),
        required=False,
        help_text=_("Un indicateur par ligne : adresse IP, nom de domaine, URL, empreinte de fichier…"),
    )
    suspected_malicious = yes_no_unknown(MALICIOUS)
    cross_border = yes_no_unknown(CROSS_BORDER)
    measures = text(_("Mesures prises (facultatif)"), required=False)
    contact = text(CONTACT, rows=2, max_length=SHORT_MAX)


class FinalReportForm(FilingForm):
    stage = FilingStage.FINAL_REPORT
    description = text(_("Description détaillée de l'incident, y compris sa gravité et son impact"), rows=8)
    threat_type = text(_("Type de menace ou cause profonde ayant probablement déclenché l'incident"), rows=4)
    mitigation_applied = text(_("Mesures d'atténuation appliquées"))
    mitigation_ongoing = text(_("Mesures d'atténuation en cours (facultatif)"), required=False)
    cross_border_impact = text(
        _("Impact transfrontière de l'incident, le cas échéant (facultatif)"), required=False, rows=3
    )
    contact = text(CONTACT, rows=2, max_length=SHORT_MAX)


class CnilForm(FilingForm):
    stage = FilingStage.CNIL
    nature = text(_("Nature de la violation (confidentialité, intégrité, disponibilité) et circonstances"))
    data_categories = text(_("Catégories de données à caractère personnel concernées"), rows=2, max_length=SHORT_MAX)
    persons_categories = text(_("Catégories de personnes concernées"), rows=2, max_length=SHORT_MAX)
    persons_count = count(_("Nombre approximatif de personnes concernées (facultatif)"))
    records_count = count(_("Nombre approximatif d'enregistrements concernés (facultatif)"))
    consequences = text(_("Conséquences probables de la violation"), rows=4)
    measures = text(_("Mesures prises ou envisagées pour remédier à la violation et en atténuer les conséquences"))
    dpo_contact = text(
        _("Nom et coordonnées du délégué à la protection des données ou d'un autre point de contact"),
        rows=2,
        max_length=SHORT_MAX,
    )


STAGE_FORMS: dict[str, type[FilingForm]] = {
    str(form.stage): form for form in (EarlyWarningForm, NotificationForm, FinalReportForm, CnilForm)
}


class FilingSentForm(StepForm):
    """The date the structure says it sent a stage to the authority: typed in its local time, not in the future,
    not before it became aware of the incident (``aware_at``)."""

    sent_at = LocalDateTimeField(label=_("Date et heure de l'envoi (heure locale)"))

    def __init__(self, *args, aware_at: datetime | None = None, **kwargs):
        self.aware_at = aware_at
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        self._not_in_future("sent_at")
        sent_at = data.get("sent_at")
        if sent_at and self.aware_at and sent_at < self.aware_at:
            when = self.aware_at.astimezone(self.tz).strftime("%d/%m/%Y %H:%M")
            self.add_error(
                "sent_at",
                _("L'envoi ne peut pas précéder la prise de connaissance de l'incident (le %(when)s).")
                % {"when": when},
            )
        return data
