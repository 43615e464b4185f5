"""Words of the e-mails that depend on the kind of an organisation.

{% load i18n acss_mail accounts_mail %}
{{ question|asker }}   → la cellule ACSS / l'ARS Île-de-France
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from acss.core.french import organisation_avec_article

from ..models import OrganisationKind

register = template.Library()


@register.filter
def asker(question: Any) -> str:
    """Who asks a question of the thread: « la cellule ACSS » or the ARS with its article."""
    organisation = getattr(question, "author_organisation", None)
    if organisation is None or organisation.kind == OrganisationKind.ACSS:
        return _("la cellule ACSS")
    return organisation_avec_article(organisation)
