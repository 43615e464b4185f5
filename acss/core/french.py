"""French for the messages the platform writes: the article of a structure's name, dates in words.

« du Centre hospitalier de Meaux », « des Hôpitaux Démo de Strasbourg », « de la Clinique du Parc »,
« de l'EHPAD Les Tilleuls », « de l'Hôpital Nord »: the article comes from the name itself (a leading
« Le », « La », « Les », « L' ») or from its first word (« Centre » is masculine, « Clinique » feminine,
« Hôpitaux » plural, « Hôpital » starts with a mute h). A name this module does not recognise gets a
plain « de » (« d' » before a vowel); an organisation may store its article to override the guess
(``Organisation.article``).

Articles are given by code: ``le``, ``la``, ``l`` (elided), ``les``, ``none`` (no article); ``""`` means
"guess from the name".
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta
from typing import Any

from django.utils import dateformat, timezone, translation

LE, LA, L, LES, NONE = "le", "la", "l", "les", "none"
ARTICLES = (LE, LA, L, LES, NONE)

# First words (lower case, without accents) whose gender or number we know. Vowel-initial singular words need
# no entry (they take « l' »), nor do words we would not recognise anyway.
HEAD_WORDS: dict[str, str] = {
    **dict.fromkeys(
        [
            "centre",
            "ch",
            "chu",
            "chr",
            "chru",
            "chs",
            "chi",
            "chic",
            "cht",
            "chg",
            "chd",
            "chm",
            "clcc",
            "cmp",
            "cmpp",
            "cms",
            "csapa",
            "cabinet",
            "dispensaire",
            "dispositif",
            "foyer",
            "fssi",
            "gcs",
            "gh",
            "ghu",
            "ght",
            "groupe",
            "groupement",
            "laboratoire",
            "labo",
            "lbm",
            "pavillon",
            "pole",
            "reseau",
            "samu",
            "sanatorium",
            "service",
            "site",
            "smur",
            "ssiad",
            "syndicat",
            "village",
        ],
        LE,
    ),
    **dict.fromkeys(
        [
            "caisse",
            "cellule",
            "clinique",
            "communaute",
            "congregation",
            "cpam",
            "cpts",
            "croix",
            "direction",
            "federation",
            "fondation",
            "mas",
            "maison",
            "mission",
            "msp",
            "mutualite",
            "mutuelle",
            "permanence",
            "pharmacie",
            "plateforme",
            "polyclinique",
            "residence",
            "societe",
            "structure",
        ],
        LA,
    ),
    # Mute h: « l'Hôpital », « l'Hôtel-Dieu », « l'HAD » (hospitalisation à domicile).
    **dict.fromkeys(["hopital", "hotel", "hospice", "hospitalisation", "hebergement", "had", "hia"], L),
    **dict.fromkeys(
        [
            "centres",
            "cliniques",
            "etablissements",
            "groupes",
            "hcl",
            "hopitaux",
            "hospices",
            "hus",
            "instituts",
            "laboratoires",
            "maisons",
            "residences",
            "services",
            "thermes",
            "unites",
        ],
        LES,
    ),
}

_LEADING_ARTICLE = re.compile(r"^(?:(les|le|la)\s+|(l)['’]\s*)(?=\S)", re.IGNORECASE)
_FIRST_WORD = re.compile(r"[^\s\-'’/,.;:()«»\"–—]+")
_VOWELS = frozenset("aeiou")

DE = {LE: "du ", LA: "de la ", L: "de l'", LES: "des ", NONE: "de "}
WITH_ARTICLE = {LE: "le ", LA: "la ", L: "l'", LES: "les ", NONE: ""}


def _plain(text: str) -> str:
    """Lower case, without accents: « Hôpitaux » → « hopitaux »."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _starts_with_vowel(text: str) -> bool:
    return bool(text) and _plain(text[0])[:1] in _VOWELS


def split_article(name: str, article: str = "") -> tuple[str, str]:
    """(article code, the name without its leading article), whitespace collapsed.

    ``article`` forces the code (one of ``ARTICLES``); with ``none`` the name is kept whole, as written.
    """
    name = " ".join(str(name).split())
    if article == NONE:
        return NONE, name
    leading = _LEADING_ARTICLE.match(name)
    core = name[leading.end() :] if leading else name
    if article in ARTICLES:
        return article, core
    if leading:
        return (leading.group(1) or leading.group(2)).lower(), core
    first = _FIRST_WORD.match(core)
    head = _plain(first.group()) if first else ""
    if head in HEAD_WORDS:
        return HEAD_WORDS[head], core
    if _starts_with_vowel(core):
        return L, core
    return NONE, core


def de_nom(name: str, article: str = "") -> str:
    """« du Centre hospitalier de Meaux », « de l'Hôpital Nord », « de Saint-Joseph »; "" for an empty name."""
    code, core = split_article(name, article)
    if not core:
        return ""
    if code == NONE and _starts_with_vowel(core):
        return "d'" + core
    return DE[code] + core


def avec_article(name: str, article: str = "") -> str:
    """« le Centre hospitalier de Meaux », « l'ARS Île-de-France », « Saint-Joseph » (no article known)."""
    code, core = split_article(name, article)
    return WITH_ARTICLE[code] + core if core else ""


def de_organisation(organisation: Any) -> str:
    """``de_nom`` of an organisation (its stored article, if any) or of a plain name."""
    if isinstance(organisation, str):
        return de_nom(organisation)
    return de_nom(getattr(organisation, "name", "") or "", getattr(organisation, "article", "") or "")


def organisation_avec_article(organisation: Any) -> str:
    if isinstance(organisation, str):
        return avec_article(organisation)
    return avec_article(getattr(organisation, "name", "") or "", getattr(organisation, "article", "") or "")


# --- dates ------------------------------------------------------------------------------------------------------


def date_en_toutes_lettres(value: datetime, zone: Any = None, *, weekday: bool = True) -> str:
    """« vendredi 20 novembre 2026 à 3 h 05 (heure de Paris, UTC+1) », « mardi 1er décembre… »; without the
    weekday (``weekday=False``) for tables: « 20 novembre 2026 à 3 h 05 (heure de Paris, UTC+1) ».

    ``zone`` is anything ``calendars.zone_of`` accepts (a structure, a département, a zone name); Paris
    by default. Always in French, whatever language the current request asked for.
    """
    from acss.core.calendars import zone_of
    from acss.core.templatetags.acss_time import ZONE_LABELS, format_offset

    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    tz = zone_of(zone)
    local = value.astimezone(tz)
    with translation.override("fr"):
        day = dateformat.format(local, "l")
        month_year = dateformat.format(local, "F Y")
    number = "1er" if local.day == 1 else str(local.day)
    place = ZONE_LABELS.get(tz.key, tz.key.rsplit("/", 1)[-1].replace("_", " "))
    offset = format_offset(local.utcoffset() or timedelta(0))
    text = f"{number} {month_year} à {local.hour} h {local.minute:02d} (heure de {place}, {offset})"
    return f"{day} {text}" if weekday else text
