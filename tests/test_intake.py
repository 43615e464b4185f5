"""Intake: quick alert, the declaration in steps, drafts, idempotency, immutability, addenda, situation."""

import re
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse

from acss.incidents.models import Addendum, Declaration, DeclarationDraft, Notification, SituationUpdate

from .conftest import login
from .intake_helpers import STEP_DATA, at_paris, fill_draft

REF_RE = re.compile(r"^ACSS-\d{4}-\d{6}$")
LONG_EMAIL = "x" * 250 + "@a.test"  # a valid address, longer than the column (254)


def alert_payload(site, **extra):
    data = {
        "structure": site.finess_et,
        "alert_summary": "Écrans bloqués, demande de rançon aux urgences",
        "alert_since": "2026-11-20T02:50",
        "alert_care_impact": "interrupted",
        "callback_phone": "06 12 34 56 78",
        "is_major": "on",
        "submission_key": "k-123",
    }
    data.update(extra)
    return data


def new_draft(client):
    response = client.post(reverse("incidents:draft_new"))
    assert response.status_code == 302
    return DeclarationDraft.objects.latest("created_at")


def test_a_quick_alert_at_3am_is_routed_and_completed(world, django_capture_on_commit_callbacks):
    client = world.client("declarant_a")
    with (
        mock.patch("django.utils.timezone.now", return_value=at_paris(2026, 11, 20, 3, 0)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(reverse("incidents:quick_alert"), alert_payload(world.structure_a))
    declaration = Declaration.objects.get(alert_summary__startswith="Écrans bloqués")
    assert response.url == reverse("incidents:receipt", args=[declaration.reference])
    assert REF_RE.match(declaration.reference)
    assert declaration.is_quick_alert_pending and declaration.is_major
    kinds = set(Notification.objects.filter(declaration=declaration).values_list("kind", "recipient"))
    assert ("information", "signalement-ars11@ars.example.fr") in kinds
    assert ("information", "cert@acss.example.fr") in kinds
    assert ("information", "fssi@sg.example.fr") in kinds
    assert ("oncall", "astreinte-fssi@sg.example.fr") in kinds  # the cell is closed at 3 a.m.
    assert ("oncall", "astreinte-ars11@ars.example.fr") in kinds
    assert ("acknowledgement", "declarant@a.test") in kinds
    assert Notification.objects.filter(declaration=declaration).exclude(state="sent").count() == 0
    assert any("[ASTREINTE]" in m.subject for m in mail.outbox)
    # The receipt gives the 24/7 channel and the matching reflex sheet.
    receipt = client.get(response.url).content.decode()
    assert declaration.reference in receipt and "24 h/24" in receipt

    # Completed later into the full declaration; what the alert said is kept as it was.
    client.post(reverse("incidents:complete", args=[declaration.reference]))
    draft = DeclarationDraft.objects.get(completes=declaration)
    fill_draft(client, draft.key, world.structure_a)
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("incidents:draft_submit", args=[draft.key]))
    assert done.url == reverse("incidents:receipt", args=[declaration.reference])
    declaration.refresh_from_db()
    assert declaration.completed_at is not None
    assert declaration.title == "Rançongiciel sur le PACS"
    assert declaration.alert_summary.startswith("Écrans bloqués")
    assert declaration.alert_care_impact == "interrupted"
    assert Declaration.objects.count() == 4  # the three of the world and this one: no second declaration

    # The ARS of the region, ACSS and the FSSI find it in their lists; another region's ARS does not.
    for persona in ("ars_idf", "analyst", "fssi"):
        listing = world.client(persona).get(reverse("incidents:list")).content.decode()
        assert declaration.reference in listing, persona
    assert declaration.reference not in world.client("ars_other").get(reverse("incidents:list")).content.decode()


def test_the_full_declaration_in_steps(world, django_capture_on_commit_callbacks):
    client = world.client("declarant_a")
    draft = new_draft(client)
    fill_draft(client, draft.key, world.structure_a)
    review = client.get(reverse("incidents:draft_step", args=[draft.key, 6]))
    assert "Rançongiciel sur le PACS" in review.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("incidents:draft_submit", args=[draft.key]))
    declaration = Declaration.objects.get(title="Rançongiciel sur le PACS")
    assert response.url == reverse("incidents:receipt", args=[declaration.reference])
    assert declaration.structure == world.structure_a
    assert sorted(declaration.systems.values_list("code", flat=True)) == ["annuaire", "imagerie-pacs"]
    assert declaration.category_id == "rancongiciel" and declaration.accompaniment_requested
    assert declaration.occurred_at == at_paris(2026, 11, 20, 2, 30)
    assert not declaration.on_behalf
    subjects = [m.subject for m in mail.outbox]
    assert any(declaration.reference in s and "Accusé" in s for s in subjects)


def test_a_draft_is_saved_at_every_step_and_restored_after_a_new_login(world):
    client = world.client("declarant_a")
    draft = new_draft(client)
    fill_draft(client, draft.key, world.structure_a, steps={1, 2})
    fresh = login(type(client)(), world.personas["declarant_a"])
    start = fresh.get(reverse("incidents:start")).content.decode()
    assert "Rançongiciel sur le PACS" in start  # the draft is listed
    step2 = fresh.get(reverse("incidents:draft_step", args=[draft.key, 2])).content.decode()
    assert "Rançongiciel sur le PACS" in step2 and "2026-11-20T03:00" in step2


def test_an_invalid_step_keeps_everything_typed(world):
    client = world.client("declarant_a")
    draft = new_draft(client)
    fill_draft(client, draft.key, world.structure_a, steps={1})
    bad = dict(STEP_DATA[1], discovered_at="2026-11-20T01:00", nav="next")  # before the occurrence
    response = client.post(reverse("incidents:draft_step", args=[draft.key, 2]), bad)
    html = response.content.decode()
    assert response.status_code == 200
    assert "La découverte ne peut pas précéder la survenue." in html
    assert "Écrans bloqués par une demande de rançon" in html
    draft.refresh_from_db()
    assert draft.data["discovered_at"] == "2026-11-20T01:00" and draft.data["title"] == "Rançongiciel sur le PACS"


def test_a_form_posted_after_the_session_expired_is_kept_and_restored_after_login(world):
    draft = new_draft(world.client("declarant_a"))
    expired = type(world.client("anonymous"))()
    url = reverse("incidents:draft_step", args=[draft.key, 2])
    response = expired.post(url, dict(STEP_DATA[1], nav="next"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    expired.post(reverse("accounts:login"), {"username": "declarant@a.test", "password": "Un-mot-de-passe-solide-2026"})
    html = expired.get(url).content.decode()
    assert "Votre session avait expiré" in html
    assert "Écrans bloqués par une demande de rançon" in html


def test_a_form_posted_with_a_stale_csrf_token_is_kept(world):
    client = world.client("declarant_a")
    client.handler.enforce_csrf_checks = True
    url = reverse("incidents:quick_alert")
    response = client.post(
        url, dict(alert_payload(world.structure_a), csrfmiddlewaretoken="stale"), HTTP_ORIGIN="http://testserver"
    )
    assert response.status_code == 302 and response.url == url
    html = client.get(url).content.decode()
    assert "Écrans bloqués, demande de rançon" in html and "06 12 34 56 78" in html
    assert not Declaration.objects.filter(alert_summary__startswith="Écrans bloqués").exists()


def test_a_cross_site_post_is_not_planted_in_the_form(world):
    client = world.client("declarant_a")
    client.handler.enforce_csrf_checks = True
    url = reverse("incidents:quick_alert")
    response = client.post(url, alert_payload(world.structure_a), HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert "Écrans bloqués" not in client.get(url).content.decode()


def test_submission_is_idempotent_double_click_and_retry(world, django_capture_on_commit_callbacks):
    client = world.client("declarant_a")
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(reverse("incidents:quick_alert"), alert_payload(world.structure_a))
        second = client.post(reverse("incidents:quick_alert"), alert_payload(world.structure_a))
    assert first.url == second.url
    assert Declaration.objects.filter(alert_summary__startswith="Écrans bloqués").count() == 1
    draft = new_draft(client)
    fill_draft(client, draft.key, world.structure_a)
    one = client.post(reverse("incidents:draft_submit", args=[draft.key]))
    two = client.post(reverse("incidents:draft_submit", args=[draft.key]))
    assert one.url == two.url
    assert Declaration.objects.filter(title="Rançongiciel sur le PACS").count() == 1


def test_a_submitted_declaration_never_changes(world, django_capture_on_commit_callbacks):
    client = world.client("declarant_a")
    draft = new_draft(client)
    fill_draft(client, draft.key, world.structure_a)
    client.post(reverse("incidents:draft_submit", args=[draft.key]))
    declaration = Declaration.objects.get(title="Rançongiciel sur le PACS")
    # The draft is closed: its steps are gone, it cannot be re-submitted with other content.
    assert client.get(reverse("incidents:draft_step", args=[draft.key, 2])).status_code == 404
    assert (
        client.post(
            reverse("incidents:draft_step", args=[draft.key, 2]), dict(STEP_DATA[1], title="Autre chose")
        ).status_code
        == 404
    )
    # A full declaration cannot be "completed" again.
    client.post(reverse("incidents:complete", args=[declaration.reference]))
    assert not DeclarationDraft.objects.filter(completes=declaration).exists()
    declaration.refresh_from_db()
    assert declaration.title == "Rançongiciel sur le PACS"


def test_addenda_and_situation_updates_are_kept_in_order(world):
    client = world.client("declarant_a")
    ref = world.decl_a.reference
    client.post(reverse("incidents:addendum", args=[ref]), {"kind": "new_fact", "body": "Sauvegardes intactes."})
    client.post(reverse("incidents:addendum", args=[ref]), {"kind": "correction", "body": "Le PACS seul."})
    client.post(
        reverse("incidents:situation", args=[ref]),
        {"situation": "degraded", "effective_at": "2026-11-20T04:00", "submission_key": "s1"},
    )
    client.post(
        reverse("incidents:situation", args=[ref]),
        {"situation": "normal", "effective_at": "2026-11-21T09:00", "submission_key": "s2"},
    )
    assert list(world.decl_a.addenda.values_list("body", flat=True)) == ["Sauvegardes intactes.", "Le PACS seul."]
    updates = SituationUpdate.objects.filter(declaration=world.decl_a)
    assert list(updates.values_list("situation", flat=True)) == ["degraded", "normal"]
    assert updates[0].effective_at == at_paris(2026, 11, 20, 4, 0)
    page = client.get(reverse("incidents:detail", args=[ref])).content.decode()
    assert page.index("Sauvegardes intactes.") < page.index("Le PACS seul.")
    # Only the structure's people (and ACSS) add to it; the region's ARS reads it, and is told so (403).
    assert (
        world.client("ars_idf")
        .post(reverse("incidents:addendum", args=[ref]), {"kind": "new_fact", "body": "x"})
        .status_code
        == 403
    )


def test_an_empty_addendum_is_refused_in_french(world):
    response = world.client("declarant_a").post(
        reverse("incidents:addendum", args=[world.decl_a.reference]), {"kind": "new_fact", "body": ""}
    )
    assert "Écrivez un texte ou joignez au moins un fichier." in response.content.decode()


SENT_ALREADY = "Ce formulaire a déjà été envoyé avec un autre contenu : rien n&#x27;a été enregistré cette fois."
PAGE_WRITES = [
    ("incidents:addendum", {"kind": "new_fact", "body": "Sauvegardes intactes."}, {"body": "Autre texte"}, Addendum),
    (
        "incidents:situation",
        {"situation": "degraded", "effective_at": "2026-11-20T04:00"},
        {"situation": "normal"},
        SituationUpdate,
    ),
]


def _submission_key(html: str) -> str:
    return re.search(r'name="submission_key" value="([^"]+)"', html).group(1)


def test_a_complement_or_a_situation_sent_twice_is_added_once(world):
    client = world.client("declarant_a")
    for name, data, _changed, model in PAGE_WRITES:
        url = reverse(name, args=[world.decl_a.reference])
        key = _submission_key(client.get(url).content.decode())
        for _ in range(2):  # a double click
            response = client.post(url, {**data, "submission_key": key})
            assert response.status_code == 302, name
        assert model.objects.filter(declaration=world.decl_a).count() == 1


def test_a_form_sent_again_with_another_content_adds_nothing_and_says_so(world):
    """Back in the browser, text changed, sent again: the first stands, and the person is told before anything."""
    client = world.client("declarant_a")
    for name, data, changed, model in PAGE_WRITES:
        url = reverse(name, args=[world.decl_a.reference])
        assert client.post(url, {**data, "submission_key": "page-1"}).status_code == 302
        again = client.post(url, {**data, **changed, "submission_key": "page-1"})
        html = again.content.decode()
        assert again.status_code == 200 and SENT_ALREADY in html, name
        assert model.objects.filter(declaration=world.decl_a).count() == 1
        # Sent once more on purpose, the form carries a new key: it is added.
        fresh = _submission_key(html)
        assert fresh != "page-1"
        assert client.post(url, {**data, **changed, "submission_key": fresh}).status_code == 302
        assert model.objects.filter(declaration=world.decl_a).count() == 2


def test_a_submission_key_reused_on_another_declaration_shows_nothing_of_the_first(world):
    client = world.client("group_officer")  # acts for A and C
    for name, data, _changed, model in PAGE_WRITES:
        client.post(reverse(name, args=[world.decl_a.reference]), {**data, "submission_key": "page-2"}, follow=True)
        other = client.post(reverse(name, args=[world.decl_c.reference]), {**data, "submission_key": "page-2"})
        assert other.status_code == 200 and SENT_ALREADY in other.content.decode(), name
        assert world.decl_a.reference not in other.content.decode()
        assert not model.objects.filter(declaration=world.decl_c).exists()


def test_acss_declares_on_behalf_and_the_structure_sees_it_as_its_own(world, django_capture_on_commit_callbacks):
    analyst = world.client("analyst")
    with django_capture_on_commit_callbacks(execute=True):
        analyst.post(reverse("incidents:quick_alert"), alert_payload(world.structure_a, submission_key="phone-1"))
    declaration = Declaration.objects.get(alert_summary__startswith="Écrans bloqués")
    assert declaration.on_behalf and declaration.created_by == world.personas["analyst"]
    page = world.client("declarant_a").get(reverse("incidents:detail", args=[declaration.reference]))
    assert page.status_code == 200 and "Saisie pour le compte de la structure" in page.content.decode()
    assert world.client("declarant_a").get(reverse("incidents:complete", args=[declaration.reference]))


def test_an_ars_declares_on_behalf_only_in_its_region(world):
    ars = world.client("ars_idf")
    ok = ars.post(reverse("incidents:quick_alert"), alert_payload(world.structure_c, submission_key="p2"))
    assert ok.status_code == 302
    refused = ars.post(reverse("incidents:quick_alert"), alert_payload(world.structure_b, submission_key="p3"))
    assert refused.status_code == 404  # outside its region: a structure it cannot read


def test_quick_alert_for_a_structure_one_does_not_act_for_is_a_404(world):
    client = world.client("declarant_a")
    for finess in (world.structure_b.finess_et, "750712184"):  # another's, and one that does not exist
        response = client.post(reverse("incidents:quick_alert"), alert_payload(world.structure_a, structure=finess))
        assert response.status_code == 404, finess
    assert not Declaration.objects.filter(alert_summary__startswith="Écrans bloqués").exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("alert_summary", "", "Ce champ est obligatoire."),
        ("callback_phone", "abc", "Saisissez un numéro de téléphone joignable"),
        ("alert_since", "hier soir", "Saisissez une date et une heure"),
        ("alert_since", "2099-01-01T00:00", "Cette date est dans le futur"),
        ("alert_care_impact", "pire", "Sélectionnez un choix valide"),
        ("structure", "7507121", "Sélectionnez un choix valide"),  # malformed: validation, not access
        ("structure", "", "Ce champ est obligatoire."),
    ],
)
def test_quick_alert_field_validation(world, field, value, message):
    response = world.client("declarant_a").post(
        reverse("incidents:quick_alert"), alert_payload(world.structure_a, **{field: value})
    )
    html = response.content.decode()
    assert response.status_code == 200 and message in html
    if field != "alert_summary":
        assert "Écrans bloqués, demande de rançon" in html


@pytest.mark.parametrize(
    ("step", "field", "value", "message"),
    [
        (1, "declarant_email", "pas-une-adresse", "adresse e-mail valide"),
        (1, "declarant_email", LONG_EMAIL, "Une adresse électronique compte 254 caractères au plus (257 saisis)."),
        (1, "alt_contact_email", LONG_EMAIL, "Une adresse électronique compte 254 caractères au plus (257 saisis)."),
        (1, "declarant_phone", "12", "Saisissez un numéro de téléphone joignable"),
        (1, "alt_contact_email", "claire.martin@a.test", "Donnez une autre adresse"),
        (1, "declarant_name", "", "Ce champ est obligatoire."),
        (2, "title", "", "Ce champ est obligatoire."),
        (2, "discovered_at", "2099-01-01T10:00", "Cette date est dans le futur"),
        (2, "scope", "ailleurs", "Sélectionnez un choix valide"),
        (2, "systems", ["inconnu"], "Sélectionnez un choix valide"),
        (2, "scope", "shared_provider", "Nommez le prestataire partagé."),
        (3, "functioning", "", "Ce champ est obligatoire."),
        (3, "patients_count", "-3", "supérieure ou égale à 0"),
        (3, "health_products", "on", "Précisez les médicaments"),
        (4, "category", "hameconnage-inconnu", "Sélectionnez un choix valide"),
        (4, "category", "erreur-humaine", "ne correspond pas à l'origine"),
    ],
)
def test_each_step_validates_its_fields_in_french(world, step, field, value, message):
    client = world.client("declarant_a")
    draft = new_draft(client)
    data = dict(STEP_DATA[step - 1], nav="next")
    if step == 1:
        data["structure"] = world.structure_a.finess_et
    data[field] = value
    response = client.post(reverse("incidents:draft_step", args=[draft.key, step]), data)
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")


def test_dates_are_read_in_the_structure_local_time(world, db):
    from acss.accounts.models import Role

    from .conftest import make_structure, make_user

    reunion = make_structure("Clinique de Saint-Denis", "974", "9740001")
    user = make_user("declarant@reunion.test", (reunion, Role.MANAGER))
    client = login(type(world.client("anonymous"))(), user)
    draft = new_draft(client)
    fill_draft(client, draft.key, reunion)
    client.post(reverse("incidents:draft_submit", args=[draft.key]))
    declaration = Declaration.objects.get(structure=reunion)
    assert declaration.discovered_at == at_paris(2026, 11, 20, 0, 0)  # 03:00 in Réunion is midnight in Paris
    receipt = client.get(reverse("incidents:receipt", args=[declaration.reference])).content.decode()
    assert "heure de La Réunion" in receipt
