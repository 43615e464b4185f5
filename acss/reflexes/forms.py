from django import forms
from django.utils.translation import gettext_lazy as _

from acss.core.forms import AcssForm


class ReflexSheetRevisionForm(AcssForm):
    body = forms.CharField(
        label=_("Texte de la fiche (Markdown)"),
        help_text=_(
            "Sections : « ## Titre » ; sous-sections : « ### Titre » ; liste numérotée : « 1. » ; "
            "gras : **texte** ; lien : [texte](https://adresse). Le HTML, les images et les scripts sont retirés."
        ),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "true"}),
        error_messages={"required": _("Le texte de la fiche ne peut pas être vide.")},
    )
    change_note = forms.CharField(
        label=_("Objet de la modification"),
        help_text=_("Ce qui change et pourquoi, en une phrase ; visible dans l'historique public de la fiche."),
        max_length=300,
        error_messages={
            "required": _("Indiquez l'objet de la modification."),
            "max_length": _("300 caractères au plus (%(show_value)d saisis)."),
        },
    )
    based_on = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
