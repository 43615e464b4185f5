"""Reflex sheets: shipped content, matching to the typology, public pages, ACSS edits."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.apps import apps as django_apps
from django.db import DatabaseError, IntegrityError, transaction
from django.urls import reverse

from acss.core.models import AuditEvent, IncidentCategory
from acss.reflexes.content import INITIAL_NOTE, load_reflex_sheets, sheet_sources
from acss.reflexes.models import ReflexSheet, ReflexSheetVersion
from acss.reflexes.rendering import markdown_to_html, render_markdown
from acss.reflexes.selectors import orientation_for_structure, reflex_sheets_for_categories

from .conftest import make_structure
from .html_helpers import refusal_of

EXPECTED_CATEGORIES = {
    "rancongiciel": {"rancongiciel"},
    "compromission-messagerie": {"compromission-compte"},
    "compromission-systeme": {"compromission-si", "logiciel-malveillant"},
    "equipement-bordure": {"exploitation-vulnerabilite", "compromission-si"},
    "hameconnage": {"hameconnage", "fraude"},
    "fuite-donnees": {"fuite-donnees", "vol-equipement"},
    "deni-service": {"deni-service"},
    "defaillance-prestataire": {"defaillance-prestataire", "perte-lien-telecom"},
}
SECTIONS = [
    "Les premiers gestes (dans l'heure)",
    "À ne pas faire",
    "Continuité des soins",
    "Qui prévenir",
    "Conserver les preuves",
    "Pour aller plus loin",
]
PERSONAS = [
    "anonymous",
    "declarant_a",
    "manager_a",
    "declarant_b",
    "group_officer",
    "ars_idf",
    "ars_other",
    "analyst",
    "fssi",
    "dgs",
    "ansm",
    "admin",
]


def detail_url(slug: str) -> str:
    return reverse("reflexes:sheet_detail", args=[slug])


def edit_url(slug: str) -> str:
    return reverse("reflexes:sheet_edit", args=[slug])


def headings(html: str) -> list[str]:
    return [unescape(re.sub(r"<[^>]+>", "", h)).strip() for h in re.findall(r"<h2[^>]*>(.*?)</h2>", html, re.S)]


# --- shipped content ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("slug", [*EXPECTED_CATEGORIES, "premiers-reflexes"])
def test_each_shipped_sheet_renders_its_sections_publicly(client, slug):
    response = client.get(detail_url(slug))
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert html.count("<h1") == 1
    shown = headings(html)
    for section in SECTIONS:
        assert section in shown, f"{slug}: section {section!r} missing"
    assert "Version 1 du" in html
    assert reverse("reflexes:sheet_versions", args=[slug]) in html
    # The first hour is a numbered list for the direction and another for IT.
    sheet_html = html.split('class="acss-sheet', 1)[1]
    body = sheet_html.split("Les premiers gestes", 1)[1].split("À ne pas faire", 1)[0]
    assert body.count("<ol>") >= 2
    assert "Pour l'équipe informatique" in body


@pytest.mark.django_db
def test_the_sheets_answer_their_typologies():
    for slug, codes in EXPECTED_CATEGORIES.items():
        sheet = ReflexSheet.objects.get(slug=slug)
        assert codes <= set(sheet.categories.values_list("code", flat=True)), slug
        assert sheet.is_published
        assert sheet.versions.get().number == 1


@pytest.mark.django_db
def test_the_content_says_what_matters_at_3_am():
    ransomware = ReflexSheet.objects.get(slug="rancongiciel").current_version.body
    for must in ("N'éteignez pas", "Ne payez pas", "sauvegardes", "poste sain", "CNIL", "72 heures", "plainte"):
        assert must in ransomware, must
    for source in sheet_sources():
        assert source.summary and source.title
        assert "cellule ACSS" in source.body, source.slug


def test_every_content_file_parses_and_maps_to_known_codes():
    from acss.core.referential import INCIDENT_CATEGORIES

    known = {code for code, *_ in INCIDENT_CATEGORIES}
    sources = sheet_sources()
    assert {s.slug for s in sources} >= set(EXPECTED_CATEGORIES)
    for source in sources:
        assert set(source.categories) <= known, source.slug


@pytest.mark.django_db
def test_the_loader_is_idempotent_and_never_overwrites_acss_edits(world):
    before = ReflexSheetVersion.objects.count()
    load_reflex_sheets(django_apps)
    load_reflex_sheets(django_apps, revise=True)  # files unchanged: nothing to revise
    assert ReflexSheetVersion.objects.count() == before
    sheet = ReflexSheet.objects.get(slug="deni-service")
    world.client("analyst").post(
        edit_url(sheet.slug), {"body": "## Nouveau texte\n\n1. Un geste", "change_note": "Test", "based_on": 1}
    )
    load_reflex_sheets(django_apps)
    assert sheet.current_version.number == 2
    assert "Nouveau texte" in sheet.current_version.body


# --- matching ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_ransomware_matches_the_ransomware_sheet():
    assert [s.slug for s in reflex_sheets_for_categories(category_codes=["rancongiciel"])] == ["rancongiciel"]


@pytest.mark.django_db
def test_unknown_or_no_code_matches_nothing():
    assert reflex_sheets_for_categories(category_codes=["pas-un-code"]) == []
    assert reflex_sheets_for_categories(category_codes=[]) == []
    assert reflex_sheets_for_categories(category_codes=iter(["", "pas-un-code"])) == []


@pytest.mark.django_db
def test_matching_is_distinct_ordered_and_published_only():
    slugs = [s.slug for s in reflex_sheets_for_categories(category_codes=["hameconnage", "fraude"])]
    assert slugs == ["hameconnage"]
    slugs = [s.slug for s in reflex_sheets_for_categories(category_codes=("compromission-si", "rancongiciel"))]
    assert slugs == ["rancongiciel", "compromission-systeme", "equipement-bordure"]
    ReflexSheet.objects.filter(slug="equipement-bordure").update(is_published=False)
    slugs = [s.slug for s in reflex_sheets_for_categories(category_codes=["compromission-si"])]
    assert slugs == ["compromission-systeme"]


@pytest.mark.django_db
def test_matching_prefetches_the_current_version_without_n_plus_1(django_assert_num_queries):
    every_code = list(IncidentCategory.objects.values_list("code", flat=True))
    with django_assert_num_queries(3):  # sheets, current versions, typologies
        sheets = reflex_sheets_for_categories(category_codes=every_code)
        assert len(sheets) >= 8
        for sheet in sheets:
            assert sheet.current_version.number == 1
            list(sheet.categories.all())


# --- public pages --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_public_pages_answer_anonymously(client):
    for url in (
        reverse("reflexes:sheet_list"),
        detail_url("rancongiciel"),
        reverse("reflexes:sheet_versions", args=["rancongiciel"]),
        reverse("reflexes:sheet_version", args=["rancongiciel", 1]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.content.decode().count("<h1") == 1, url


@pytest.mark.django_db
def test_the_list_groups_sheets_by_typology_and_orients_small_structures(client):
    html = client.get(reverse("reflexes:sheet_list")).content.decode()
    for slug in EXPECTED_CATEGORIES:
        assert detail_url(slug) in html
    assert "Rançongiciel / cryptovirus" in html  # the typology table
    assert "https://www.cybermalveillance.gouv.fr/" in html


@pytest.mark.django_db
def test_unknown_sheet_or_version_is_404(client):
    assert client.get(detail_url("pas-une-fiche")).status_code == 404
    assert client.get(reverse("reflexes:sheet_version", args=["rancongiciel", 9])).status_code == 404


def test_an_unpublished_sheet_is_hidden_except_from_acss(world):
    ReflexSheet.objects.filter(slug="deni-service").update(is_published=False)
    assert world.client("anonymous").get(detail_url("deni-service")).status_code == 404
    assert world.client("declarant_a").get(detail_url("deni-service")).status_code == 404
    response = world.client("analyst").get(detail_url("deni-service"))
    assert response.status_code == 200
    assert "Non publiée" in response.content.decode()
    assert "deni-service" not in [s.slug for s in reflex_sheets_for_categories(category_codes=["deni-service"])]


@pytest.mark.parametrize("persona", PERSONAS)
def test_route_matrix(world, persona):
    """The rules given for tests/test_access_matrix.py."""
    client = world.client(persona)
    for url in (
        reverse("reflexes:sheet_list"),
        detail_url("rancongiciel"),
        reverse("reflexes:sheet_versions", args=["rancongiciel"]),
        reverse("reflexes:sheet_version", args=["rancongiciel", 1]),
    ):
        assert client.get(url).status_code == 200, (persona, url)
    expected = {"anonymous": 302, "analyst": 200}.get(persona, 403)  # the sheet is readable: a 403 says why
    assert client.get(edit_url("rancongiciel")).status_code == expected


# --- editing -------------------------------------------------------------------------------------


def test_the_edit_form_is_prefilled_with_the_current_text(world):
    response = world.client("analyst").get(edit_url("rancongiciel"))
    assert response.status_code == 200
    assert response.context["form"]["body"].value() == ReflexSheet.objects.get(slug="rancongiciel").current_version.body
    assert "Les premiers gestes (dans l'heure)" in unescape(response.content.decode())  # inside the textarea


def test_an_analyst_edit_creates_version_2_and_keeps_version_1(world):
    sheet = ReflexSheet.objects.get(slug="rancongiciel")
    v1 = sheet.versions.get(number=1)
    v1_body, v1_created = v1.body, v1.created_at
    new_body = v1_body + "\n## Retour d'expérience\n\n1. Un geste ajouté par la cellule.\n"
    response = world.client("analyst").post(
        edit_url(sheet.slug), {"body": new_body, "change_note": "Ajout d'un retour d'expérience", "based_on": 1}
    )
    assert response.status_code == 302
    assert response["Location"] == detail_url(sheet.slug)

    v2 = sheet.versions.get(number=2)
    assert v2.body.strip() == new_body.strip()
    assert v2.change_note == "Ajout d'un retour d'expérience"
    assert v2.created_by == world.personas["analyst"]
    v1.refresh_from_db()
    assert (v1.body, v1.created_at, v1.change_note) == (v1_body, v1_created, INITIAL_NOTE)
    assert sheet.current_version == v2

    public = world.client("anonymous")
    current = unescape(public.get(detail_url(sheet.slug)).content.decode())
    assert "Version 2 du" in current and "Un geste ajouté par la cellule." in current
    old = public.get(reverse("reflexes:sheet_version", args=[sheet.slug, 1]))
    assert old.status_code == 200
    old_html = unescape(old.content.decode())
    assert "ce n'est pas la version en vigueur" in old_html
    assert "Un geste ajouté par la cellule." not in old_html
    history = unescape(public.get(reverse("reflexes:sheet_versions", args=[sheet.slug])).content.decode())
    assert "Ajout d'un retour d'expérience" in history
    assert "analyste@acss.test" not in history  # authors are shown to ACSS only

    event = AuditEvent.objects.get(action="reflex_sheet.revised")
    assert event.actor == world.personas["analyst"]
    assert (event.object_type, event.object_id) == ("cases.reflexsheet", str(sheet.pk))
    assert event.data["version"] == 2 and event.data["previous_version"] == 1


@pytest.mark.parametrize("persona", ["declarant_a", "ars_idf", "fssi", "manager_a", "dgs", "admin"])
def test_non_acss_personas_are_refused_the_edit_page_in_french(world, persona):
    """The published sheet is readable by all: editing it is a 403 that says who may; an unpublished one,
    which they cannot read, is a 404."""
    client = world.client(persona)
    assert client.get(edit_url("rancongiciel")).status_code == 403
    response = client.post(edit_url("rancongiciel"), {"body": "## Piraté", "change_note": "x", "based_on": 1})
    assert response.status_code == 403
    assert refusal_of(response.content.decode()) == "Seule la cellule ACSS modifie les fiches réflexes."
    ReflexSheet.objects.filter(slug="deni-service").update(is_published=False)
    assert client.get(edit_url("deni-service")).status_code == 404
    assert ReflexSheetVersion.objects.filter(sheet__slug="rancongiciel").count() == 1
    assert not AuditEvent.objects.filter(action="reflex_sheet.revised").exists()


def test_anonymous_is_sent_to_login_from_the_edit_page(world):
    response = world.client("anonymous").post(edit_url("rancongiciel"), {"body": "x", "change_note": "x"})
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
    assert ReflexSheetVersion.objects.filter(sheet__slug="rancongiciel").count() == 1


def test_a_form_error_keeps_what_was_typed(world):
    typed = "## Texte en cours de rédaction\n\n1. Premier geste très important"
    response = world.client("analyst").post(edit_url("hameconnage"), {"body": typed, "change_note": "", "based_on": 1})
    assert response.status_code == 200
    assert response.context["form"].errors["change_note"] == ["Indiquez l'objet de la modification."]
    assert "Premier geste très important" in response.content.decode()
    assert ReflexSheetVersion.objects.filter(sheet__slug="hameconnage").count() == 1


def test_an_unchanged_text_is_refused(world):
    body = ReflexSheet.objects.get(slug="hameconnage").current_version.body
    response = world.client("analyst").post(
        edit_url("hameconnage"), {"body": body, "change_note": "Rien", "based_on": 1}
    )
    assert response.status_code == 200
    assert "identique à la version en vigueur" in response.content.decode()
    assert ReflexSheetVersion.objects.filter(sheet__slug="hameconnage").count() == 1


def test_a_concurrent_edit_is_not_overwritten(world):
    analyst = world.client("analyst")
    first = analyst.post(edit_url("deni-service"), {"body": "## A\n\n1. a", "change_note": "A", "based_on": 1})
    assert first.status_code == 302
    typed = "## B\n\n1. texte rédigé à partir de la version 1"
    second = analyst.post(edit_url("deni-service"), {"body": typed, "change_note": "B", "based_on": 1})
    assert second.status_code == 200
    html = second.content.decode()
    assert "modifiée entre-temps" in html and "texte rédigé à partir de la version 1" in html
    assert second.context["form"]["based_on"].value() == "2"
    assert ReflexSheetVersion.objects.filter(sheet__slug="deni-service").count() == 2


def test_preview_renders_without_saving(world):
    response = world.client("analyst").post(
        edit_url("deni-service"), {"body": "## Aperçu du texte\n\n**gras**", "change_note": "", "preview": "1"}
    )
    assert response.status_code == 200
    assert "<strong>gras</strong>" in response.content.decode()
    assert ReflexSheetVersion.objects.filter(sheet__slug="deni-service").count() == 1


# --- sanitising ----------------------------------------------------------------------------------


def test_markdown_with_script_or_handlers_is_sanitised_on_the_page(world):
    body = (
        "## Section\n\n<script>alert('xss')</script>\n\n"
        '<img src="x" onerror="alert(\'img\')">\n\n'
        '<p style="color:red" onclick="alert(1)">texte</p>\n\n'
        "[lien piégé](javascript:alert('js')) [lien sûr](https://cyber.gouv.fr/)\n"
    )
    assert (
        world.client("analyst")
        .post(edit_url("fuite-donnees"), {"body": body, "change_note": "Test XSS", "based_on": 1})
        .status_code
        == 302
    )
    html = world.client("anonymous").get(detail_url("fuite-donnees")).content.decode()
    sheet_html = html.split('class="acss-sheet', 1)[1]
    for bad in ("alert(", "onerror", "onclick", "javascript:", 'style="', "<img"):
        assert bad not in sheet_html, bad
    assert '<a href="https://cyber.gouv.fr/" rel="noopener noreferrer">lien sûr</a>' in sheet_html
    assert "texte" in sheet_html


def test_the_renderer_keeps_structure_and_demotes_h1():
    rendered = render_markdown(
        "# Titre\n\n## Sous-titre\n\n1. un\n2. deux\n\n> citation\n\n`code`\n\n|a|b|\n|-|-|\n|1|2|"
    )
    html = str(rendered.html)
    assert "<h1" not in html and '<h2 id="section-titre">Titre</h2>' in html
    assert "<ol>" in html and "<blockquote>" in html and "<code>code</code>" in html
    assert '<div class="fr-table"><table>' in html
    assert rendered.sections == [("section-titre", "Titre"), ("section-sous-titre", "Sous-titre")]
    assert 'id="content"' not in str(markdown_to_html('<h2 id="content">x</h2>'))


# --- database invariants -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_version_cannot_be_changed_or_duplicated_in_the_database():
    version = ReflexSheetVersion.objects.get(sheet__slug="rancongiciel", number=1)
    with pytest.raises(DatabaseError), transaction.atomic():
        ReflexSheetVersion.objects.filter(pk=version.pk).update(body="réécrit")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReflexSheetVersion.objects.create(sheet=version.sheet, number=1, body="x", change_note="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReflexSheetVersion.objects.create(sheet=version.sheet, number=0, body="x", change_note="x")
    version.refresh_from_db()
    assert version.body != "réécrit"


# --- orientation ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_small_and_medico_social_structures_are_oriented_to_cybermalveillance(world):
    assert orientation_for_structure(world.structure_a) is False  # a medium public hospital
    small = make_structure("Clinique", "75", "7500009", size="small")
    assert orientation_for_structure(small) is True
    ehpad = make_structure("EHPAD Les Tilleuls", "77", "7700009", stype="medico-social", size="large")
    assert orientation_for_structure(ehpad) is True
    assert orientation_for_structure(None) is False


# --- admin ---------------------------------------------------------------------------------------


def test_the_admin_lists_sheets_and_shows_versions_read_only(world):
    admin = world.client("admin")
    sheet = ReflexSheet.objects.get(slug="rancongiciel")
    version = sheet.versions.get()
    assert admin.get(reverse("admin:reflexes_reflexsheet_changelist")).status_code == 200
    page = admin.get(reverse("admin:reflexes_reflexsheet_change", args=[sheet.pk]))
    assert page.status_code == 200
    assert edit_url(sheet.slug) in page.content.decode()
    url = reverse("admin:reflexes_reflexsheetversion_change", args=[version.pk])
    assert admin.get(url).status_code == 200
    assert admin.post(url, {"body": "réécrit", "change_note": "x"}).status_code == 403
    assert admin.get(reverse("admin:reflexes_reflexsheetversion_add")).status_code == 403
    version.refresh_from_db()
    assert version.body != "réécrit"
