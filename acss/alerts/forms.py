"""Forms of the cell's editorial: the alert's editor, the reviewer's comment, the withdrawal's reason.

Lists (products, CVEs, references) are typed one per line; a product line is « fabricant ; produit ; versions ».
"""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acss.core.forms import AcssForm
from acss.veille.models import WatchedProduct

from .models import Severity

CVE_RE = re.compile(r"^CVE-\d{4}-\d{4,}$", re.IGNORECASE)


def _lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


def products_to_text(products: list) -> str:
    lines = []
    for p in products or []:
        if isinstance(p, dict):
            lines.append(
                " ; ".join(
                    [str(p.get("vendor") or ""), str(p.get("product") or ""), str(p.get("versions") or "")]
                ).rstrip(" ;")
            )
    return "\n".join(lines)


def references_to_text(references: list) -> str:
    return "\n".join(r.get("url", "") if isinstance(r, dict) else str(r) for r in references or [])


class AlertForm(AcssForm):
    """The editor: what readers see, and the watched products the alert concerns."""

    title = forms.CharField(
        label=gettext_lazy("Titre"),
        max_length=300,
        error_messages={"required": gettext_lazy("Donnez un titre à l'alerte.")},
    )
    severity = forms.ChoiceField(
        label=gettext_lazy("Gravité"),
        choices=Severity.choices,
        help_text=gettext_lazy(
            "Suggérée : critique si exploitée et CVSS ≥ 9 ; élevée si exploitée ou CVSS ≥ 7 ; moyenne si CVSS ≥ 4 "
            "ou inconnu ; faible sinon."
        ),
    )
    summary = forms.CharField(
        label=gettext_lazy("En bref"),
        required=False,
        help_text=gettext_lazy("En mots simples, sans jargon : ce qui se passe et le risque. Texte simple."),
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "true"}),
    )
    who = forms.CharField(
        label=gettext_lazy("Qui est concerné ?"),
        required=False,
        help_text=gettext_lazy("Les établissements et les équipements concernés. Texte simple."),
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "true"}),
    )
    actions = forms.CharField(
        label=gettext_lazy("Que faire ?"),
        required=False,
        help_text=gettext_lazy("Les gestes à faire, dans l'ordre. Texte simple."),
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "true"}),
    )
    technical = forms.CharField(
        label=gettext_lazy("Détails techniques (Markdown)"),
        required=False,
        strip=False,
        help_text=gettext_lazy("Markdown ; le HTML, les images et les scripts sont retirés."),
        widget=forms.Textarea(attrs={"rows": 10}),
    )
    cvss_score = forms.DecimalField(
        label=gettext_lazy("Score CVSS"),
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("10"),
        decimal_places=1,
        max_digits=3,
        error_messages={
            "invalid": gettext_lazy("Saisissez un nombre, par exemple 9.8."),
            "min_value": gettext_lazy("Le score CVSS va de 0 à 10."),
            "max_value": gettext_lazy("Le score CVSS va de 0 à 10."),
            "max_decimal_places": gettext_lazy("Une décimale au plus."),
        },
    )
    cvss_vector = forms.CharField(label=gettext_lazy("Vecteur CVSS"), required=False, max_length=200)
    exploited = forms.BooleanField(label=gettext_lazy("Exploitée"), required=False)
    ransomware = forms.BooleanField(label=gettext_lazy("Utilisée par des rançongiciels"), required=False)
    epss = forms.FloatField(
        label=gettext_lazy("EPSS"),
        required=False,
        min_value=0,
        max_value=1,
        help_text=gettext_lazy("Probabilité d'exploitation, de 0 à 1."),
        error_messages={
            "invalid": gettext_lazy("Saisissez un nombre entre 0 et 1."),
            "min_value": gettext_lazy("L'EPSS va de 0 à 1."),
            "max_value": gettext_lazy("L'EPSS va de 0 à 1."),
        },
    )
    products = forms.CharField(
        label=gettext_lazy("Produits et versions"),
        required=False,
        help_text=gettext_lazy("Un produit par ligne : fabricant ; produit ; versions."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    cves = forms.CharField(
        label=gettext_lazy("CVE"),
        required=False,
        help_text=gettext_lazy("Une par ligne, par exemple CVE-2024-12345."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    references = forms.CharField(
        label=gettext_lazy("Références"),
        required=False,
        help_text=gettext_lazy("Une adresse web (https://…) par ligne."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    watched_products = forms.MultipleChoiceField(
        label=gettext_lazy("Produits surveillés concernés"),
        required=False,
        help_text=gettext_lazy("Les inventaires des établissements sont rapprochés de ces produits."),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    change_note = forms.CharField(
        label=gettext_lazy("Ce qui change"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("En une phrase, visible des lecteurs dans l'historique de l'alerte."),
    )

    def __init__(self, *args, updating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.updating = updating
        self.fields["watched_products"].choices = [
            (str(p.pk), str(p))
            for p in WatchedProduct.objects.select_related("vendor").order_by("vendor__name", "name")
        ]
        if updating:
            self.fields["change_note"].required = True
            self.fields["change_note"].error_messages["required"] = _(
                "Dites ce qui change dans cette nouvelle version."
            )
        else:
            del self.fields["change_note"]

    @classmethod
    def initial_from(cls, values: dict) -> dict:
        """The editor's initial values from the alert's (or its pending version's) values."""
        initial = {k: v for k, v in values.items() if k not in ("products", "cves", "references", "watched_products")}
        initial["products"] = products_to_text(values.get("products"))
        initial["cves"] = "\n".join(values.get("cves") or [])
        initial["references"] = references_to_text(values.get("references"))
        initial["watched_products"] = [str(pk) for pk in values.get("watched_products") or []]
        return initial

    def clean_cves(self):
        cves = [c.upper() for c in _lines(self.cleaned_data.get("cves"))]
        wrong = [c for c in cves if not CVE_RE.match(c)]
        if wrong:
            raise forms.ValidationError(
                _("Ces identifiants ne sont pas des CVE : %(list)s.") % {"list": ", ".join(wrong[:5])}
            )
        return list(dict.fromkeys(cves))

    def clean_references(self):
        refs = _lines(self.cleaned_data.get("references"))
        wrong = [r for r in refs if not r.startswith(("https://", "http://"))]
        if wrong:
            raise forms.ValidationError(_("Une référence est une adresse web commençant par https:// ou http://."))
        return list(dict.fromkeys(refs))

    def clean_products(self):
        products = []
        for line in _lines(self.cleaned_data.get("products")):
            parts = [p.strip() for p in line.split(";")]
            vendor, product, versions = (parts + ["", "", ""])[:3]
            if not product:
                raise forms.ValidationError(
                    _("« %(line)s » : écrivez « fabricant ; produit ; versions ».") % {"line": line[:80]}
                )
            products.append({"vendor": vendor, "product": product, "versions": versions})
        return products

    def values(self) -> dict:
        """The cleaned values, as the editorial services take them."""
        data = {k: v for k, v in self.cleaned_data.items() if k != "change_note"}
        data["watched_products"] = [int(pk) for pk in data.get("watched_products") or []]
        return data


class ReviewCommentForm(AcssForm):
    comment = forms.CharField(
        label=gettext_lazy("Ce qu'il faut reprendre"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Dites ce qu'il faut reprendre.")},
    )


class WithdrawForm(AcssForm):
    reason = forms.CharField(
        label=gettext_lazy("Motif du retrait"),
        help_text=gettext_lazy("Visible des lecteurs : l'alerte reste consultable, marquée retirée."),
        max_length=450,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Indiquez le motif du retrait.")},
    )
