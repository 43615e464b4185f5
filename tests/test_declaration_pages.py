"""The declaration pages as a person reads them: the review step in words, the DSFR radio and checkbox groups,
the receipts, counts with their unit, one unit for file sizes."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from acss.core.formats import file_size, patients
from acss.incidents.forms.declarations import STEPS, validate_declaration
from acss.incidents.models import Declaration, DeclarationDraft
from acss.incidents.review import review_sections
from acss.incidents.selectors.declarations import structures_for_declaring
from acss.incidents.uploads import max_upload_label

from .html_helpers import attr, children, classes, elements, page_tree, text
from .intake_helpers import full_data
from .test_intake import alert_payload, fill_draft, new_draft

REVIEW = 6


def review_of(client, key) -> str:
    return client.get(reverse("incidents:draft_step", args=[key, REVIEW])).content.decode()


def rows_of(html: str) -> dict[str, str]:
    """The review's rows: label → what is shown."""
    tree = page_tree(html)
    shown = {}
    for row in elements(tree, "tr"):
        header, cells = next(elements(row, "th"), None), list(elements(row, "td"))
        if header is not None and cells:
            items = [text(li) for li in elements(cells[0], "li")]
            shown[text(header)] = items or text(cells[0])
    return shown


# --- the review step ------------------------------------------------------------------------------


def test_the_review_shows_each_answer_in_words(world):
    client = world.client("declarant_a")
    draft = new_draft(client)
    fill_draft(client, draft.key, world.structure_a)
    html = review_of(client, draft.key)
    rows = rows_of(html)
    assert rows["Structure"] == f"Hôpital A — FINESS {world.structure_a.finess_et}"
    assert rows["Découvert le"] == "20 novembre 2026 à 3 h 00 (heure de Paris, UTC+1)"
    assert rows["Survenu le"] == "20 novembre 2026 à 2 h 30 (heure de Paris, UTC+1)"
    assert rows["Périmètre"] == "Un seul site"
    assert rows["État de l'incident"] == "En cours"
    assert rows["Fonctionnement de la structure"] == "Fonctionnement en mode dégradé"
    assert rows["Sécurité des patients"] == "Mise en danger potentielle"
    assert rows["Patients concernés"] == "150 patients"
    assert rows["Durée du mode dégradé"] == "12 heures"
    assert rows["Systèmes affectés"] == ["Imagerie / PACS", "Annuaire / Active Directory"]
    assert rows["Origine"] == "Malveillante"
    assert rows["Indisponibilité de systèmes ou de données"] == "Oui"
    assert rows["Une plainte a été déposée"] == "Non"
    assert rows["Je demande l'accompagnement de la cellule ACSS"] == "Oui"
    assert rows["Fichiers"] == "Aucune"
    for raw in ("2026-11-20T03:00", ">degraded<", ">potential<", ">one_site<", ">True<", ">False<", ">on<"):
        assert raw not in html, raw


def test_review_sections_build_the_rows_in_the_structure_local_time(world):
    """The function behind the page: cleaned data in, label → words out; dates in the structure's own zone."""
    reunion = ZoneInfo("Indian/Reunion")
    structures = structures_for_declaring(user=world.personas["declarant_a"])
    data = full_data(world.structure_a)
    data.update(unavailability="on", accompaniment_requested="on", patients_count="1", degraded_hours="")
    cleaned, errors = validate_declaration(data, structures=structures, tz=reunion)
    assert not errors
    sections = review_sections(cleaned, structures=structures, tz=reunion)
    assert [s.title for s in sections] == [str(f.step_title) for f in STEPS] + ["Pièces jointes"]
    rows = {row.label: row for section in sections for row in section.rows}
    assert rows["Découvert le"].value == "20 novembre 2026 à 3 h 00 (heure de La Réunion, UTC+4)"
    assert rows["Patients concernés"].value == "1 patient"
    assert rows["Durée du mode dégradé"].value == "Non renseigné"
    assert rows["Données affectées"].items == ("Données de santé",)
    assert rows["Typologie"].value == str(cleaned["category"])
    assert "Lesquels ?" not in rows  # a detail of an answer left empty is left out


def test_the_review_page_names_its_step_once(world):
    client = world.client("declarant_a")
    draft = new_draft(client)
    fill_draft(client, draft.key, world.structure_a)
    tree = page_tree(review_of(client, draft.key))
    headings = [text(h) for tag in ("h1", "h2", "h3", "h4") for h in elements(tree, tag)]
    assert sum("Vérification et envoi" in h for h in headings) == 1, headings
    assert [text(h) for h in elements(tree, "h1")] == ["Déclarer un incident"]


# --- DSFR radio and checkbox groups -----------------------------------------------------------------


def assert_dsfr_choice_groups(html: str, *, path: str) -> int:
    """Every radio and checkbox of a choice list sits in the DSFR's fieldset structure; returns how many groups."""
    assert 'dsfr="dsfr"' not in html and " dsfr=" not in html, path
    tree = page_tree(html)
    groups = 0
    for fieldset in elements(tree, "fieldset", "fr-fieldset"):
        inputs = [i for i in elements(fieldset, "input") if attr(i, "type") in ("radio", "checkbox")]
        if not inputs:
            continue
        groups += 1
        legend = children(fieldset)[0]
        assert legend.name == "legend" and "fr-fieldset__legend" in classes(legend), path
        kind = "fr-radio-group" if attr(inputs[0], "type") == "radio" else "fr-checkbox-group"
        for element in elements(fieldset, "div", "fr-fieldset__element"):
            (group,) = children(element)
            assert kind in classes(group), (path, kind)
            field, label = children(group)
            assert field.name == "input" and attr(field, "type") in ("radio", "checkbox"), path
            assert label.name == "label" and "fr-label" in classes(label), path
            assert attr(label, "for") == attr(field, "id"), path
        assert len(list(elements(fieldset, "div", "fr-fieldset__element"))) == len(inputs), path
    return groups


def test_radio_buttons_and_checkboxes_use_the_dsfr_markup(world):
    client = world.client("declarant_a")
    draft = new_draft(client)
    fill_draft(client, draft.key, world.structure_a, steps={1})
    ref = world.decl_a.reference
    pages = {
        reverse("incidents:quick_alert"): 1,
        reverse("incidents:draft_step", args=[draft.key, 2]): 4,  # scope, systems, data, state
        reverse("incidents:draft_step", args=[draft.key, 3]): 2,
        reverse("incidents:draft_step", args=[draft.key, 4]): 1,
        reverse("incidents:addendum", args=[ref]): 1,
        reverse("incidents:situation", args=[ref]): 1,
    }
    for path, expected in pages.items():
        html = client.get(path).content.decode()
        assert assert_dsfr_choice_groups(html, path=path) == expected, path
    # The analyst's qualification form, on the declaration page.
    analyst = world.client("analyst")
    analyst.post(reverse("incidents:action", args=[ref, "take"]))
    detail = reverse("incidents:detail", args=[ref])
    assert assert_dsfr_choice_groups(analyst.get(detail).content.decode(), path=detail) == 3


def test_a_missing_choice_is_reported_in_the_fieldset(world):
    client = world.client("declarant_a")
    response = client.post(reverse("incidents:quick_alert"), alert_payload(world.structure_a, alert_care_impact=""))
    tree = page_tree(response.content.decode())
    (fieldset,) = [f for f in elements(tree, "fieldset") if attr(f, "id") == "radio-id_alert_care_impact"]
    assert "fr-fieldset--error" in classes(fieldset)
    messages = [m for m in elements(fieldset, "p", "fr-message--error")]
    assert [text(m) for m in messages] == ["Ce champ est obligatoire."]
    assert "id_alert_care_impact-messages" in attr(fieldset, "aria-labelledby")


# --- receipts ------------------------------------------------------------------------------------------


def test_the_receipt_of_a_completion_says_the_completion_was_received(world, django_capture_on_commit_callbacks):
    client = world.client("declarant_a")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("incidents:quick_alert"), alert_payload(world.structure_a))
    alert_receipt = client.get(response.url).content.decode()
    declaration = Declaration.objects.get(alert_summary__startswith="Écrans bloqués")
    assert f"Première alerte reçue : {declaration.reference}" in alert_receipt
    assert "Votre première alerte" in alert_receipt

    client.post(reverse("incidents:complete", args=[declaration.reference]))
    draft = DeclarationDraft.objects.get(completes=declaration)
    fill_draft(client, draft.key, world.structure_a)
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("incidents:draft_submit", args=[draft.key]))
    completion = client.get(done.url).content.decode()
    assert f"Déclaration complétée : {declaration.reference}" in completion
    assert (
        "Les compléments de votre première alerte" in completion
        and "la déclaration est maintenant complète" in completion
    )
    assert "Première alerte reçue" not in completion and "Compléter la déclaration" not in completion


def test_the_receipt_of_a_full_declaration(world, django_capture_on_commit_callbacks):
    client = world.client("declarant_a")
    draft = new_draft(client)
    fill_draft(client, draft.key, world.structure_a)
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("incidents:draft_submit", args=[draft.key]))
    html = client.get(done.url).content.decode()
    reference = Declaration.objects.get(title="Rançongiciel sur le PACS").reference
    assert f"Déclaration reçue : {reference}" in html
    assert "a été reçue le " in html and "(heure de Paris, UTC+1)" in html


# --- units ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "shown"), [(0, "0 patient"), (1, "1 patient"), (120, "120 patients"), (1200, "1\u00a0200 patients")]
)
def test_patient_counts_have_their_unit(count, shown):
    assert patients(count) == shown


def test_the_declaration_page_shows_patients_with_their_unit(world):
    Declaration.objects.filter(pk=world.decl_a.pk).update(
        completed_at=world.decl_a.submitted_at, patient_safety="potential", patients_count=120, degraded_hours=12
    )
    html = world.client("declarant_a").get(reverse("incidents:detail", args=[world.decl_a.reference]))
    html = html.content.decode()
    assert "Mise en danger potentielle — 120 patients" in html
    assert "Fonctionnement" in html and "12 heures" in html


@pytest.mark.parametrize(
    ("size", "shown"),
    [(512, "512 octets"), (1024, "1\u00a0Ko"), (1536, "1,5\u00a0Ko"), (20 * 1024 * 1024, "20\u00a0Mo")],
)
def test_file_sizes_in_one_unit(size, shown):
    assert file_size(size) == shown


def test_the_upload_limit_reads_the_same_in_the_help_and_in_the_error(world, settings):
    settings.ACSS_MAX_UPLOAD_BYTES = 2 * 1024 * 1024
    client = world.client("declarant_a")
    draft = new_draft(client)
    fill_draft(client, draft.key, world.structure_a, steps={1, 2, 3, 4})
    step = reverse("incidents:draft_step", args=[draft.key, 5])
    limit = max_upload_label()
    assert limit == "2\u00a0Mo"
    assert f"{limit} au plus par fichier" in client.get(step).content.decode()
    big = SimpleUploadedFile("journal.txt", b"a" * (3 * 1024 * 1024))
    error = client.post(step, {"nav": "next", "files": [big]}).content.decode()
    assert f"« journal.txt » pèse 3\u00a0Mo : la limite est de {limit} par fichier." in error.replace("&#x27;", "'")
    assert "Mio" not in error
