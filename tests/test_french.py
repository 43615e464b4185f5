"""The article of a structure's name in the messages (« du Centre hospitalier… », « de l'EHPAD… »), dates in words."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acss.accounts.models import Article
from acss.core.french import (
    ARTICLES,
    HEAD_WORDS,
    avec_article,
    date_en_toutes_lettres,
    de_nom,
    de_organisation,
    split_article,
)

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Centre hospitalier de Meaux", "du Centre hospitalier de Meaux"),
        ("Centre hospitalier universitaire Démo Paris", "du Centre hospitalier universitaire Démo Paris"),
        ("CENTRE HOSPITALIER DE BASTIA", "du CENTRE HOSPITALIER DE BASTIA"),
        ("Hôpitaux Démo de Strasbourg", "des Hôpitaux Démo de Strasbourg"),
        ("Hôpitaux universitaires de Strasbourg", "des Hôpitaux universitaires de Strasbourg"),
        ("HOPITAUX CIVILS DE COLMAR", "des HOPITAUX CIVILS DE COLMAR"),
        ("Hospices civils de Lyon", "des Hospices civils de Lyon"),
        ("Clinique Démo de Saint-Denis", "de la Clinique Démo de Saint-Denis"),
        ("Polyclinique du Parc", "de la Polyclinique du Parc"),
        ("EHPAD Démo Les Tilleuls", "de l'EHPAD Démo Les Tilleuls"),
        ("Hôpital Nord", "de l'Hôpital Nord"),
        ("Hôpital A", "de l'Hôpital A"),
        ("Hôtel-Dieu de Pontoise", "de l'Hôtel-Dieu de Pontoise"),
        ("Assistance Publique – Hôpitaux de Paris", "de l'Assistance Publique – Hôpitaux de Paris"),
        ("AP-HP", "de l'AP-HP"),
        ("ARS Île-de-France", "de l'ARS Île-de-France"),
        ("CHU de Rennes", "du CHU de Rennes"),
        ("CH de Meaux", "du CH de Meaux"),
        ("Groupe hospitalier Paris Saint-Joseph", "du Groupe hospitalier Paris Saint-Joseph"),
        ("Laboratoire Démo d'Ajaccio", "du Laboratoire Démo d'Ajaccio"),
        ("Institut Curie", "de l'Institut Curie"),
        ("Institut Gustave-Roussy", "de l'Institut Gustave-Roussy"),
        ("Maison de santé pluriprofessionnelle du Val", "de la Maison de santé pluriprofessionnelle du Val"),
        ("Fondation Rothschild", "de la Fondation Rothschild"),
        ("Les Hôpitaux de Chartres", "des Hôpitaux de Chartres"),
        ("Le Centre hospitalier du Rouvray", "du Centre hospitalier du Rouvray"),
        ("La Clinique des Cèdres", "de la Clinique des Cèdres"),
        ("L'Hôpital privé d'Antony", "de l'Hôpital privé d'Antony"),
        ("L’Hôpital Foch", "de l'Hôpital Foch"),
        ("Le Vinatier", "du Vinatier"),
        ("La Pitié-Salpêtrière", "de la Pitié-Salpêtrière"),
        ("Établissement public de santé mental", "de l'Établissement public de santé mental"),
        ("Union des mutuelles", "de l'Union des mutuelles"),
        ("Unité de soins", "de l'Unité de soins"),
        ("Établissements Durand", "des Établissements Durand"),
        ("HAD de France", "de l'HAD de France"),
        ("Cellule ACSS (CERT Santé)", "de la Cellule ACSS (CERT Santé)"),
        ("FSSI des ministères sociaux", "du FSSI des ministères sociaux"),
        ("Direction générale de la santé — CORRUSS", "de la Direction générale de la santé — CORRUSS"),
        ("Saint-Joseph", "de Saint-Joseph"),
        ("Bretonneau", "de Bretonneau"),
        ("  Centre   hospitalier  de  Meaux ", "du Centre hospitalier de Meaux"),
        ("", ""),
    ],
)
def test_the_article_of_real_structure_names(name, expected):
    assert de_nom(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Centre hospitalier de Meaux", "le Centre hospitalier de Meaux"),
        ("ARS Île-de-France", "l'ARS Île-de-France"),
        ("Clinique du Parc", "la Clinique du Parc"),
        ("Les Hôpitaux de Chartres", "les Hôpitaux de Chartres"),
        ("Hôpitaux Démo de Strasbourg", "les Hôpitaux Démo de Strasbourg"),
        ("Saint-Joseph", "Saint-Joseph"),
    ],
)
def test_the_name_with_its_article(name, expected):
    assert avec_article(name) == expected


@pytest.mark.parametrize(
    ("name", "article", "expected"),
    [
        ("Saint-Joseph", "la", "de la Saint-Joseph"),
        ("Les Tilleuls", "none", "de Les Tilleuls"),  # kept as written
        ("Orléans Santé", "none", "d'Orléans Santé"),
        ("La Pitié", "le", "du Pitié"),  # the stored article replaces the one in the name
        ("Bretonneau", "le", "du Bretonneau"),
        ("Centre X", "", "du Centre X"),  # blank: deduced from the name
    ],
)
def test_the_stored_article_overrides_the_guess(name, article, expected):
    assert de_nom(name, article) == expected


def test_the_model_choices_are_the_codes_the_function_knows():
    assert set(Article.values) == set(ARTICLES)


class Named:
    def __init__(self, name, article=""):
        self.name, self.article = name, article


def test_an_organisation_or_a_name():
    assert de_organisation(Named("Saint-Joseph", "l")) == "de l'Saint-Joseph"
    assert de_organisation(Named("Clinique du Parc")) == "de la Clinique du Parc"
    assert de_organisation("Hôpital Nord") == "de l'Hôpital Nord"


PREFIXES = ("du ", "de la ", "de l'", "des ", "de ", "d'")
names = st.text(min_size=1, max_size=60)
heads = st.sampled_from(sorted(HEAD_WORDS))
tails = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéèàô -'ABCDEFGHIJ", max_size=30)


@given(names)
def test_any_name_gets_exactly_one_preposition_and_keeps_its_words(name):
    result = de_nom(name)
    code, core = split_article(name)
    if not core:
        assert result == ""
        return
    assert code in ARTICLES
    assert result.endswith(core)
    assert result[: len(result) - len(core)] in PREFIXES


@given(names)
def test_adding_the_article_then_the_preposition_changes_nothing(name):
    assert de_nom(avec_article(name)) == de_nom(name)


@given(names, st.sampled_from(["Le ", "La ", "Les ", "L'", "le ", "LES ", "L’"]))
def test_a_leading_article_is_never_doubled(name, article):
    result = de_nom(article + name)
    for wrong in ("de le ", "de les ", "de la la ", "de la le ", "du le ", "du la ", "des les ", "de l'l'"):
        assert not result.lower().startswith(wrong)


@given(heads, tails)
def test_the_first_word_decides_whatever_follows_and_whatever_the_case(head, tail):
    name = f"{head} {tail}"
    for variant in (name, name.upper(), name.capitalize()):
        assert split_article(variant)[0] == HEAD_WORDS[head]


@given(st.sampled_from("AEIOUÉÈÊÎÔaeiouéèêîô"), tails)
def test_an_unknown_name_starting_with_a_vowel_takes_de_l(vowel, tail):
    name = vowel + "x" + tail
    assert de_nom(name).startswith("de l'")


@given(names, st.sampled_from(ARTICLES))
def test_a_stored_article_is_always_obeyed(name, article):
    result = de_nom(name, article)
    if result:
        expected = {"le": "du ", "la": "de la ", "l": "de l'", "les": "des "}.get(article)
        assert result.startswith(expected) if expected else result.startswith(("de ", "d'"))


def test_dates_in_words_in_the_structure_zone():
    at = datetime(2026, 11, 20, 3, 5, tzinfo=PARIS)
    assert date_en_toutes_lettres(at) == "vendredi 20 novembre 2026 à 3 h 05 (heure de Paris, UTC+1)"
    assert date_en_toutes_lettres(at, "Indian/Reunion") == (
        "vendredi 20 novembre 2026 à 6 h 05 (heure de La Réunion, UTC+4)"
    )
    first = datetime(2026, 12, 1, 14, 30, tzinfo=PARIS)
    assert date_en_toutes_lettres(first, "America/Martinique") == (
        "mardi 1er décembre 2026 à 9 h 30 (heure de Martinique, UTC\u22124)"
    )
    summer = datetime(2026, 7, 14, 12, 0, tzinfo=PARIS)
    assert date_en_toutes_lettres(summer).endswith("(heure de Paris, UTC+2)")


def test_dates_are_written_in_french_even_when_the_request_is_in_english():
    from django.utils import translation

    with translation.override("en"):
        assert date_en_toutes_lettres(datetime(2026, 11, 20, 3, 0, tzinfo=PARIS)).startswith("vendredi 20 novembre")
