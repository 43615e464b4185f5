"""What every e-mail of the platform shares: the signature, names with their article, dates in words.

    {% extends "email/base.txt" %}{% load i18n acss_mail %}
    {% block body %}{% blocktranslate with de_name=d.structure|de_structure %}La déclaration {{ de_name }}…
    {{ d.submitted_at|date_fr:d.structure }}   → vendredi 20 novembre 2026 à 3 h 00 (heure de Paris, UTC+1)
    {{ question|asker }}                       → la cellule ACSS / l'ARS Île-de-France

``email/base.txt`` writes the greeting, the body block and ``{% mail_signature %}``.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.utils.translation import gettext as _

from acss.accounts.models import OrganisationKind
from acss.core.french import date_en_toutes_lettres, de_organisation, organisation_avec_article

register = template.Library()


@register.inclusion_tag("email/_signature.txt")
def mail_signature() -> dict[str, str]:
    return {
        "hotline": settings.ACSS_HOTLINE,
        "contact_email": settings.ACSS_CONTACT_EMAIL,
        "site_url": settings.SITE_URL,
    }


@register.filter
def de_structure(organisation: Any) -> str:
    """« du Centre hospitalier de Meaux », « de l'EHPAD Les Tilleuls »: an organisation or a name."""
    return de_organisation(organisation) if organisation else ""


@register.filter
def avec_article(organisation: Any) -> str:
    """« le Centre hospitalier de Meaux », « l'ARS Île-de-France »: an organisation or a name."""
    return organisation_avec_article(organisation) if organisation else ""


@register.filter
def date_fr(value: Any, zone: Any = None) -> str:
    """The instant in words, in French, in the zone of ``zone`` (a structure, a département, a zone name)."""
    if not hasattr(value, "astimezone"):
        return ""
    return date_en_toutes_lettres(value, zone)


@register.filter
def asker(question: Any) -> str:
    """Who asks a question of the thread: « la cellule ACSS » or the ARS with its article."""
    organisation = getattr(question, "author_organisation", None)
    if organisation is None or organisation.kind == OrganisationKind.ACSS:
        return _("la cellule ACSS")
    return organisation_avec_article(organisation)
