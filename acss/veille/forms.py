"""Forms of the watch: the filters of the matched records, and the watch-list's admin forms (checked patterns)."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from dsfr.forms import DsfrBaseForm

from .matching import SHARED_MARK, split_cpe
from .models import Family, WatchedProduct, WatchedVendor


class MatchFilterForm(DsfrBaseForm):
    """The list's filters (GET). An invalid value is reported and left out; the others still apply."""

    q = forms.CharField(
        label=gettext_lazy("Rechercher"),
        help_text=gettext_lazy("Identifiant, titre ou description."),
        required=False,
        max_length=200,
    )
    family = forms.ChoiceField(
        label=gettext_lazy("Famille"),
        required=False,
        choices=[("", gettext_lazy("Toutes"))] + list(Family.choices),
    )
    vendor = forms.ChoiceField(label=gettext_lazy("Fabricant surveillé"), required=False)
    min_score = forms.IntegerField(
        label=gettext_lazy("Score minimal"),
        help_text=gettext_lazy("De 0 à 100."),
        required=False,
        min_value=0,
        max_value=100,
        error_messages={
            "invalid": gettext_lazy("Saisissez un nombre entier."),
            "min_value": gettext_lazy("Le score va de 0 à 100."),
            "max_value": gettext_lazy("Le score va de 0 à 100."),
        },
    )
    kev = forms.BooleanField(label=gettext_lazy("Exploitées (KEV) uniquement"), required=False)
    immediate = forms.BooleanField(label=gettext_lazy("Attention immédiate uniquement"), required=False)

    def __init__(self, data=None, *, vendors: list[tuple[str, str]], **kwargs):
        kwargs.setdefault("auto_id", "filtre-%s")
        super().__init__(data, **kwargs)
        self.fields["vendor"].choices = [("", _("Tous"))] + vendors
        for bound in self.fields.values():
            widget = bound.widget
            if isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "fr-select")
            elif not isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "fr-input")

    def filters(self) -> dict:
        """The valid filters (an invalid one is left out, with its error shown)."""
        self.is_valid()
        data = dict(self.cleaned_data)
        if data.get("vendor"):
            data["vendor"] = int(data["vendor"])
        return data


class CertfrFilterForm(DsfrBaseForm):
    """The CERT-FR list's filters (GET); an invalid value is reported and left out."""

    q = forms.CharField(
        label=gettext_lazy("Rechercher"),
        help_text=gettext_lazy("Référence, titre, résumé ou identifiant CVE."),
        required=False,
        max_length=200,
    )
    scada = forms.BooleanField(label=gettext_lazy("Systèmes industriels (SCADA) uniquement"), required=False)
    matched = forms.BooleanField(
        label=gettext_lazy("Rapprochés de la liste de surveillance uniquement"), required=False
    )

    def __init__(self, data=None, **kwargs):
        kwargs.setdefault("auto_id", "filtre-%s")
        super().__init__(data, **kwargs)
        self.fields["q"].widget.attrs.setdefault("class", "fr-input")

    def filters(self) -> dict:
        self.is_valid()
        return dict(self.cleaned_data)


# --------------------------------------------------------------------------------------------------
# Admin forms: the watch-list as ACSS edits it.
# --------------------------------------------------------------------------------------------------


def _string_list(value, label: str) -> list[str]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise forms.ValidationError(
            _('%(label)s : une liste de textes est attendue, par exemple ["Phillips"].') % {"label": label}
        )
    return [v.strip() for v in value if v.strip()]


class WatchedVendorForm(forms.ModelForm):
    class Meta:
        model = WatchedVendor
        fields = ["name", "aliases", "family", "health_maker", "notes", "active"]
        help_texts = {
            "aliases": gettext_lazy(
                'Liste JSON des autres graphies, par exemple ["Phillips", "Philips Healthcare"]. Une graphie '
                'précédée de « %(mark)s » est partagée avec d\'autres activités ("%(mark)sGeneral Electric (GE)") : '
                "elle reconnaît le fabricant sans suffire seule à faire un produit de santé."
            )
            % {"mark": SHARED_MARK},
        }

    def clean_aliases(self):
        return _string_list(self.cleaned_data.get("aliases"), _("Autres graphies"))


class WatchedProductForm(forms.ModelForm):
    class Meta:
        model = WatchedProduct
        fields = ["vendor", "name", "family", "category", "aliases", "cpe_patterns", "name_patterns", "active"]
        help_texts = {
            "aliases": gettext_lazy(
                "Liste JSON de noms distinctifs, cherchés comme mots entiers dans les noms de produits et le texte."
            ),
            "cpe_patterns": gettext_lazy(
                'Liste JSON de préfixes CPE 2.3, « * » permis dans un champ : ["cpe:2.3:*:fortinet:fortios"]. '
                "Un CPE seul ne fait jamais une correspondance."
            ),
            "name_patterns": gettext_lazy(
                "Liste JSON d'expressions régulières (sans casse) sur les noms de produits ; dans le texte, elles ne "
                "comptent que si la notice nomme le fabricant."
            ),
        }

    def clean_aliases(self):
        return _string_list(self.cleaned_data.get("aliases"), _("Autres noms"))

    def clean_cpe_patterns(self):
        patterns = _string_list(self.cleaned_data.get("cpe_patterns"), _("Motifs CPE"))
        for pattern in patterns:
            fields = split_cpe(pattern.lower())
            if len(fields) < 5 or fields[:2] != ["cpe", "2.3"] or not fields[3] or not fields[4]:
                raise forms.ValidationError(
                    _("« %(p)s » n'est pas un préfixe CPE 2.3 (cpe:2.3:partie:fabricant:produit).") % {"p": pattern}
                )
        return patterns

    def clean_name_patterns(self):
        patterns = _string_list(self.cleaned_data.get("name_patterns"), _("Motifs de nom"))
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise forms.ValidationError(
                    _("« %(p)s » n'est pas une expression régulière valide : %(e)s.") % {"p": pattern, "e": exc}
                )
        return patterns
