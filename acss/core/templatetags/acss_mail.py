"""What every e-mail of the platform shares: the signature, names with their article, dates in words.

    {% extends "email/base.txt" %}{% load i18n acss_mail %}
    {% block body %}{% blocktranslate with de_name=d.structure|de_structure %}La déclaration {{ de_name }}…
    {{ d.submitted_at|date_fr:d.structure }}   → vendredi 20 novembre 2026 à 3 h 00 (heure de Paris, UTC+1)

``email/base.txt`` writes the greeting, the body block and ``{% mail_signature %}``. Who asks a question of a
case (``{{ question|asker }}``) is in ``{% load accounts_mail %}``: it knows the kinds of organisations.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

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
