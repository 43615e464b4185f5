"""The project's base form: django-dsfr's, without the marker attribute it leaves on choice widgets.

``dsfr.utils.dsfr_input_class_attr`` (called by ``DsfrBaseForm.__init__`` and by django-dsfr's field snippets)
tags radio and multiple-checkbox widgets with ``dsfr="dsfr"``, which django-dsfr's own option templates read to
decide on the DSFR wrapper. Our option templates (``templates/django/forms/widgets/``) always draw the DSFR
markup, and our field snippets (``templates/dsfr/form_field_snippets/``) do not call the filter again, so the
marker has no use and would only end up, invalid, in the HTML.
"""

from __future__ import annotations

from django import forms
from dsfr.forms import DsfrBaseForm

DSFR_MARKER = "dsfr"


class AcssForm(DsfrBaseForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                field.widget.attrs.pop(DSFR_MARKER, None)
