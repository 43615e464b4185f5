"""The main navigation and "Mon espace": one current item, the "Déclarer" menu for the people of a verified
structure only, the questions waiting for the person's answer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from acss.core.templatetags.acss_time import long_local
from acss.incidents.models import Message
from acss.incidents.services import cases as handling

from .html_helpers import attr, elements, find_id, page_tree, text

DECLARER = ["Envoyer une première alerte", "Déclarer un incident"]


def nav_of(html: str):
    nav = find_id(page_tree(html), "fr-navigation")
    assert nav is not None
    return nav


def current_of(html: str) -> tuple[list[str], list[str]]:
    """(links marked aria-current="page", menu buttons marked aria-current="true") in the main navigation."""
    nav = nav_of(html)
    pages = [text(e) for e in elements(nav) if attr(e, "aria-current") == "page"]
    menus = [text(e) for e in elements(nav, "button") if attr(e, "aria-current") == "true"]
    assert all(attr(e, "aria-current") in ("page", "true") for e in elements(nav) if attr(e, "aria-current"))
    return pages, menus


def menus_of(html: str) -> dict[str, list[tuple[str, str]]]:
    """Each DSFR menu of the navigation: its button's label → its links (label, href)."""
    nav = nav_of(html)
    found = {}
    for item in elements(nav, "li", "fr-nav__item"):
        button = next(elements(item, "button", "fr-nav__btn"), None)
        if button is None:
            continue
        menu = find_id(item, attr(button, "aria-controls"))
        assert menu is not None and {"fr-collapse", "fr-menu"} <= set((attr(menu, "class") or "").split())
        assert attr(button, "aria-expanded") == "false"
        found[text(button)] = [(text(a), attr(a, "href")) for a in elements(menu, "a", "fr-nav__link")]
    return found


@pytest.mark.parametrize(
    ("persona", "path", "page", "menu"),
    [
        ("anonymous", "portal:home", "Accueil", None),
        ("anonymous", "core:contact", "Contact et urgence", None),
        ("declarant_a", "portal:dashboard", "Mon espace", None),
        ("declarant_a", "incidents:quick_alert", "Envoyer une première alerte", "Déclarer"),
        ("declarant_a", "incidents:start", "Déclarer un incident", "Déclarer"),
        ("declarant_a", "incidents:list", "Déclarations", None),
        ("declarant_a", "reflexes:sheet_list", "Fiches réflexes", None),
        ("analyst", "incidents:queue", "File des dossiers", "Cellule ACSS"),
        ("analyst", "incidents:ars_board", "Tableau régional", "Cellule ACSS"),
        ("analyst", "veille:list", "Veille", "Cellule ACSS"),
        ("analyst", "veille:watchlist", "Veille", "Cellule ACSS"),
        ("analyst", "veille:certfr", "Veille", "Cellule ACSS"),
        ("analyst", "accounts:pending_structures", "Inscriptions à vérifier", "Cellule ACSS"),
        ("analyst", "incidents:list", "Déclarations", None),
        ("analyst", "incidents:start", "Déclarations", None),  # on behalf of a structure
        ("ars_idf", "incidents:ars_board", "Tableau régional", None),
        ("anonymous", "observatory:public", "Observatoire", None),
        ("analyst", "observatory:cell", "Observatoire", "Cellule ACSS"),
    ],
)
def test_exactly_one_item_is_current(world, persona, path, page, menu):
    html = world.client(persona).get(reverse(path)).content.decode()
    assert current_of(html) == ([page], [menu] if menu else [])


def test_pages_under_a_declaration_or_a_sheet_keep_their_item_current(world):
    client = world.client("declarant_a")
    ref = world.decl_a.reference
    for name in ("detail", "receipt", "situation", "addendum"):
        html = client.get(reverse(f"incidents:{name}", args=[ref])).content.decode()
        assert current_of(html) == (["Déclarations"], []), name
    draft_step = reverse("incidents:draft_step", args=[world.draft_a.key, 1])
    assert current_of(client.get(draft_step).content.decode()) == (["Déclarer un incident"], ["Déclarer"])
    sheet = reverse("reflexes:sheet_detail", args=["rancongiciel"])
    assert current_of(client.get(sheet).content.decode()) == (["Fiches réflexes"], [])
    legal = client.get(reverse("core:legal_notice")).content.decode()
    assert current_of(legal) == ([], [])  # a page outside the navigation marks nothing


def test_the_quick_alert_is_under_declarer(world):
    menus = menus_of(world.client("declarant_a").get(reverse("portal:dashboard")).content.decode())
    assert menus["Déclarer"] == [
        ("Envoyer une première alerte", reverse("incidents:quick_alert")),
        ("Déclarer un incident", reverse("incidents:start")),
    ]


@pytest.mark.parametrize(
    ("persona", "declares"),
    [
        ("anonymous", False),
        ("declarant_a", True),
        ("manager_a", True),
        ("declarant_b", True),
        ("group_officer", True),
        ("ars_idf", False),
        ("analyst", False),
        ("fssi", False),
        ("dgs", False),
        ("admin", False),
    ],
)
def test_declarer_is_offered_only_to_the_people_of_a_verified_structure(world, persona, declares):
    html = world.client(persona).get(reverse("portal:home")).content.decode()
    labels = [text(e) for e in elements(nav_of(html)) if e.name in ("a", "button")]
    assert ("Déclarer" in labels) is declares
    for label in DECLARER:
        assert (label in labels) is declares


def test_declarer_goes_away_with_the_structure_verification(world):
    world.structure_a.verification = "pending"
    world.structure_a.save()
    html = world.client("declarant_a").get(reverse("portal:home")).content.decode()
    assert "Déclarer" not in menus_of(html)
    declarations = world.client("declarant_a").get(reverse("incidents:list")).content.decode()
    assert "Déclarer un incident" not in declarations


def test_the_staff_navigation_groups_the_cell_pages(world):
    analyst = menus_of(world.client("analyst").get(reverse("portal:home")).content.decode())
    assert [label for label, _ in analyst["Cellule ACSS"]] == [
        "File des dossiers",
        "Tableau régional",
        "Veille",
        "File de tri",
        "Rédaction des alertes",
        "Prestataires",
        "Observatoire",
        "Inscriptions à vérifier",
    ]
    # The ARS has no cell menu; like everyone, it has the public space of the watch.
    assert list(menus_of(world.client("ars_idf").get(reverse("portal:home")).content.decode())) == ["Alertes"]


def test_everyone_finds_the_observatory_after_the_alerts_and_the_ars_its_region(world):
    for persona in ("anonymous", "declarant_a", "ars_idf", "analyst"):
        nav = nav_of(world.client(persona).get(reverse("portal:home")).content.decode())
        labels = [text(e) for e in elements(nav, "li", "fr-nav__item")]
        alerts = next(i for i, label in enumerate(labels) if label.startswith("Alertes"))
        assert labels[alerts + 1] == "Observatoire", persona
    ars = nav_of(world.client("ars_idf").get(reverse("observatory:ars_region", args=["11"])).content.decode())
    regional = [a for a in elements(ars, "a") if text(a) == "Observatoire régional"]
    assert [attr(a, "href") for a in regional] == [reverse("observatory:ars")]
    assert attr(regional[0], "aria-current") == "page"
    declarant = nav_of(world.client("declarant_a").get(reverse("portal:home")).content.decode())
    assert "Observatoire régional" not in [text(a) for a in elements(declarant, "a")]


def test_everyone_finds_the_public_space_of_the_watch(world):
    for persona in ("anonymous", "declarant_a", "analyst"):
        menus = menus_of(world.client(persona).get(reverse("portal:home")).content.decode())
        assert [label for label, _ in menus["Alertes"]] == [
            "Alertes de sécurité",
            "Actualités",
            "Bulletin quotidien",
            "S'abonner",
        ], persona


def test_the_list_offers_to_declare_or_to_record_on_behalf(world):
    def button(persona):
        html = world.client(persona).get(reverse("incidents:list")).content.decode()
        main = find_id(page_tree(html), "content")
        return [text(a) for a in elements(main, "a", "fr-btn") if attr(a, "href") == reverse("incidents:start")]

    assert button("declarant_a") == ["Déclarer un incident"]
    assert button("analyst") == button("ars_idf") == ["Saisir une déclaration pour le compte d'une structure"]
    assert button("dgs") == []


# --- Mon espace ---------------------------------------------------------------------------------------


def test_mon_espace_lists_the_questions_waiting_for_an_answer(world):
    analyst = world.personas["analyst"]
    handling.question_ask(declaration=world.decl_a, by=analyst, body="Les sauvegardes hors ligne sont-elles intactes ?")
    handling.question_ask(declaration=world.decl_b, by=analyst, body="Question pour Strasbourg")
    handling.question_ask(declaration=world.decl_c, by=world.personas["ars_idf"], body="Le standard répond-il ?")
    answered = handling.question_ask(declaration=world.decl_a, by=analyst, body="Question déjà répondue").row
    handling.question_answer(question=answered, by=world.personas["declarant_a"], body="Oui")
    question = Message.objects.get(body__startswith="Les sauvegardes")

    html = world.client("declarant_a").get(reverse("portal:dashboard")).content.decode()
    section = find_id(page_tree(html), "questions-titre")
    assert section is not None
    rows = [text(tr) for tr in elements(page_tree(html), "tr") if "ACSS-" in text(tr)]
    assert len(rows) == 1
    (row,) = rows
    assert world.decl_a.reference in row and "Les sauvegardes hors ligne sont-elles intactes ?" in row
    deadline = long_local(question.answer_due_at, world.structure_a)
    assert deadline in row and "heure de Paris" in deadline
    assert f'href="{reverse("incidents:detail", args=[world.decl_a.reference])}#traitement"' in html
    assert "Question pour Strasbourg" not in html and "Question déjà répondue" not in html

    group = world.client("group_officer").get(reverse("portal:dashboard")).content.decode()  # acts for A and C
    assert "Les sauvegardes hors ligne" in group and "Le standard répond-il ?" in group
    assert "Question pour Strasbourg" not in group


def test_an_overdue_question_is_flagged(world):
    handling.question_ask(declaration=world.decl_a, by=world.personas["analyst"], body="Où en êtes-vous ?")
    Message.objects.filter(kind="question").update(answer_due_at=timezone.now() - timedelta(hours=1))
    html = world.client("declarant_a").get(reverse("portal:dashboard")).content.decode()
    assert "Délai dépassé" in html


def test_mon_espace_without_questions_and_for_staff(world):
    html = world.client("declarant_a").get(reverse("portal:dashboard")).content.decode()
    assert "Aucune question n'attend votre réponse." in html
    handling.case_assign(case=world.decl_b.case, analyst=world.personas["analyst"], by=world.personas["analyst"])
    staff = world.client("analyst").get(reverse("portal:dashboard")).content.decode()
    assert "Questions en attente de votre réponse" not in staff  # staff do not answer questions
    assert "Dossiers qui me sont assignés" in staff and world.decl_b.reference in staff
    assert world.decl_a.reference not in staff
