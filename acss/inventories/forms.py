from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from acss.core.forms import AcssForm

from .keys import cpe_parse

MAX_IMPORT_BYTES = 5 * 1024 * 1024


class WatchedAddForm(AcssForm):
    watched_product = forms.TypedChoiceField(
        label=_("Produit de la liste de surveillance"),
        coerce=int,
        error_messages={
            "required": _("Choisissez un produit."),
            "invalid_choice": _("Choisissez un produit de la liste."),
        },
    )
    version = forms.CharField(label=_("Version (facultatif)"), max_length=100, required=False)

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["watched_product"].choices = [("", _("— Choisir —")), *choices]


class TypedAddForm(AcssForm):
    vendor = forms.CharField(label=_("Fournisseur ou éditeur"), max_length=200, required=False)
    product = forms.CharField(label=_("Produit"), max_length=200, required=False)
    version = forms.CharField(label=_("Version (facultatif)"), max_length=100, required=False)
    cpe = forms.CharField(
        label=_("Identifiant CPE 2.3 (facultatif)"),
        help_text=_("Par exemple cpe:2.3:o:fortinet:fortios:7.2.4"),
        max_length=500,
        required=False,
    )

    def clean_cpe(self) -> str:
        value = self.cleaned_data["cpe"].strip()
        if value and cpe_parse(value) is None:
            raise forms.ValidationError(
                _("Ce n'est pas un identifiant CPE 2.3 valide (cpe:2.3:a:éditeur:produit:version…).")
            )
        return value

    def clean(self):
        data = super().clean()
        if not (data.get("product") or "").strip() and not data.get("cpe") and "cpe" not in self.errors:
            self.add_error("product", _("Indiquez le nom du produit (ou son identifiant CPE)."))
        return data


class MatchDecisionForm(AcssForm):
    decision = forms.ChoiceField(choices=[("confirm", _("Confirmer")), ("reject", _("Refuser"))])


class ImportForm(AcssForm):
    file = forms.FileField(
        label=_("Fichier d'inventaire"),
        help_text=_(
            "CSV (colonnes fournisseur, produit, version, cpe ; séparées par « ; » ou « , »), liste de CPE (un par "
            "ligne), SBOM CycloneDX (JSON ou XML) ou SPDX (JSON ou tag-value). 5 Mo au plus."
        ),
        error_messages={"required": _("Choisissez un fichier."), "empty": _("Le fichier est vide.")},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("Le fichier dépasse 5 Mo."))
        return upload
