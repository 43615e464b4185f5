"""The e-mails the platform sends, as a hospital director reads them: greeting, signature, names with their
article, dates in words in the structure's hour, no code, no HTML escaping; the completion of a quick alert."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.signals import template_rendered
from django.urls import reverse
from django.utils import timezone

from acss.accounts.models import Role
from acss.incidents.models import Case, Declaration, DeclarationDraft, Message, Notification
from acss.incidents.services import cases as handling
from acss.incidents.tasks.reminders import remind_overdue_qualifications, remind_unanswered_questions

from .conftest import login, make_structure, make_user
from .intake_helpers import at_paris, fill_draft

TEMPLATES = Path(settings.BASE_DIR) / "templates"
SIGNATURE = "La cellule ACSS — Agence du numérique en santé"
GREETING = "Madame, Monsieur,\n\n"
ARS_IDF, ACSS_CELL, FSSI = "signalement-ars11@ars.example.fr", "cert@acss.example.fr", "fssi@sg.example.fr"
RAW_CODES = re.compile(
    r"\b(rancongiciel|courriel-malveillant|imagerie-pacs|malicious|degraded|interrupted|potential|one_site|"
    r"ongoing|registered|access_requested|completion_ack|acknowledgement)\b"
)


def mail_templates() -> list[Path]:
    return sorted(
        p
        for p in TEMPLATES.glob("**/email/*.txt")
        if not p.stem.endswith("_subject") and p.parent != TEMPLATES / "email"
    )


def assert_well_written(message) -> None:
    """What every message of the platform has, whoever it is for."""
    body, subject = message.body, message.subject
    assert body.startswith(GREETING), body[:80]
    assert SIGNATURE in body
    assert settings.ACSS_HOTLINE in body and settings.ACSS_CONTACT_EMAIL in body
    assert body.rstrip().endswith("écrivez à l'adresse ci-dessus.")
    assert settings.SITE_URL in body.split(SIGNATURE, 1)[1]
    assert subject.startswith("[ACSS]") and "\n" not in subject
    for text in (body, subject):
        assert not re.search(r"&(#x?[0-9a-f]+|amp|lt|gt|quot);", text), text  # a text mail is never HTML-escaped
        assert "{{" not in text and "{%" not in text
        assert not RAW_CODES.search(text), RAW_CODES.search(text)
    assert "\n\n\n" not in body and not re.search(r"[ \t]+\n", body), body


def alert_payload(structure, key="k-mail"):
    return {
        "structure": structure.finess_et,
        "alert_summary": "Écrans bloqués, demande de rançon aux urgences",
        "alert_since": "2026-11-20T02:50",
        "alert_care_impact": "interrupted",
        "callback_phone": "06 12 34 56 78",
        "is_major": "on",
        "submission_key": key,
    }


def quick_alert(client, structure, capture, *, at=None, key="k-mail") -> Declaration:
    with (
        mock.patch("django.utils.timezone.now", return_value=at or at_paris(2026, 11, 20, 3, 0)),
        capture(execute=True),
    ):
        response = client.post(reverse("incidents:quick_alert"), alert_payload(structure, key))
    assert response.status_code == 302
    return Declaration.objects.get(alert_summary__startswith="Écrans bloqués", structure=structure)


def complete(client, declaration, structure, capture, *, at=None) -> None:
    client.post(reverse("incidents:complete", args=[declaration.reference]))
    draft = DeclarationDraft.objects.get(completes=declaration)
    fill_draft(client, draft.key, structure)
    with (
        mock.patch("django.utils.timezone.now", return_value=at or at_paris(2026, 11, 20, 9, 30)),
        capture(execute=True),
    ):
        response = client.post(reverse("incidents:draft_submit", args=[draft.key]))
    assert response.status_code == 302


def sent_to(address: str) -> list:
    return [m for m in mail.outbox if address in m.to]


# --- every mail, one shared greeting and signature -----------------------------------------------------------------


def test_every_mail_template_extends_the_shared_base():
    found = mail_templates()
    assert len(found) >= 17
    for path in found:
        assert path.read_text().startswith('{% extends "email/base.txt" %}'), path
    base = (TEMPLATES / "email" / "base.txt").read_text()
    assert '{% translate "Madame, Monsieur," %}' in base and "{% mail_signature %}" in base
    assert "{% autoescape off %}" in base
    for subject in TEMPLATES.glob("**/email/*_subject.txt"):
        assert "{% autoescape off %}" in subject.read_text(), subject


@pytest.fixture
def rendered():
    names: set[str] = set()

    def collect(sender, template, context, **kwargs):
        names.add(template.name)

    template_rendered.connect(collect)
    yield names
    template_rendered.disconnect(collect)


def test_every_kind_of_mail_has_the_greeting_and_the_signature(
    world, client, rendered, django_capture_on_commit_callbacks
):
    """A tour of everything the platform sends; each mail template must have been used at least once."""
    capture = django_capture_on_commit_callbacks
    declarant, analyst, ars = world.personas["declarant_a"], world.personas["analyst"], world.personas["ars_idf"]
    # Intake: information, on-call, acknowledgement; completion and its acknowledgement.
    d = quick_alert(world.client("declarant_a"), world.structure_a, capture)
    complete(world.client("declarant_a"), d, world.structure_a, capture)
    # Handling: questions, answer, escalation, closure; reminders.
    with capture(execute=True):
        question = handling.question_ask(
            declaration=world.decl_a, by=ars, body="Vos sauvegardes sont-elles intactes ?"
        ).row
        handling.question_answer(question=question, by=declarant, body="Oui.")
        handling.question_ask(declaration=world.decl_a, by=analyst, body="Depuis quand ?")
        handling.case_escalate(case=world.decl_b.case, by=analyst, authority_code="ansm", reason="Pompes à perfusion")
        handling.case_take(case=world.decl_c.case, by=analyst)
        handling.case_qualify(
            case=world.decl_c.case,
            by=analyst,
            criticity=3,
            legal_level="significant",
            justification="Mode dégradé court",
            sanitary_impact_confirmed=False,
        )
        handling.case_close(case=world.decl_c.case, by=analyst, summary="Incident maîtrisé, l'hôpital a repris.")
    Message.objects.filter(answered_at__isnull=True).update(answer_due_at=timezone.now() - timedelta(minutes=1))
    Case.objects.filter(declaration=world.decl_b).update(qualification_due_at=timezone.now() - timedelta(minutes=1))
    with capture(execute=True):
        remind_unanswered_questions.enqueue()
        remind_overdue_qualifications.enqueue()
    # Accompaniment: opened (the structure, the region's ARS); an expert mission requested, opened, finished; a
    # plan action overdue, reminded.
    from acss.accompaniment import services as accompaniment
    from acss.accompaniment.models import PlanTemplate
    from acss.accompaniment.tasks import remind_overdue_plan_actions

    Case.objects.filter(declaration=world.decl_a).update(state="qualified")
    with capture(execute=True):
        opened = accompaniment.accompaniment_open(
            by=analyst, declaration=world.decl_a, template=PlanTemplate.objects.get(slug="rancongiciel")
        )
        mission = accompaniment.mission_request(
            by=world.personas["fssi"], declaration=world.decl_a, kind="on_site", reason="Intervention sur site."
        )
        mission = accompaniment.mission_open(
            by=analyst,
            mission=mission,
            team="Mme Durand (CERT Santé)",
            starts_on=timezone.localdate(),
            ends_on=timezone.localdate() + timedelta(days=2),
            scope="Salle serveurs",
        )
        accompaniment.mission_finish(
            by=analyst,
            mission=mission,
            report=SimpleUploadedFile("rapport.txt", b"Rapport de mission.\n"),
            summary="Accès initial par le VPN.",
        )
        accompaniment.mission_refuse(
            by=analyst,
            mission=accompaniment.mission_request(
                by=world.personas["fssi"], declaration=world.decl_a, kind="analysis", reason="Analyse des journaux."
            ),
            reason="Le prestataire de la structure fait déjà cette analyse.",
        )
    opened.actions.update(due_on=timezone.localdate() - timedelta(days=1))
    with capture(execute=True):
        remind_overdue_plan_actions.enqueue()
    # Accounts: registration (new, known address, decided), invitation, password reset.
    form = {
        "name": "Centre hospitalier de Bastia",
        "finess_ej": "2B0000017",
        "finess_et": "2B0000025",
        "structure_type": "es-public",
        "nis2": "important",
        "size": "large",
        "first_name": "Marie",
        "last_name": "Colonna",
        "job_title": "Directrice",
        "phone": "04 95 00 00 00",
        "email": "direction@ch-bastia.test",
        "password1": "Un-mot-de-passe-solide-2026",
        "password2": "Un-mot-de-passe-solide-2026",
    }
    with capture(execute=True):
        client.post(reverse("accounts:register"), form)
        client.post(reverse("accounts:register"), dict(form, email="declarant@a.test", finess_et="2B0000033"))
    structure = world.structure_a.__class__.objects.get(finess_et="2B0000025")
    with capture(execute=True):
        world.client("analyst").post(reverse("accounts:structure_decide", args=[structure.pk]), {"decision": "approve"})
        world.client("manager_a").post(
            reverse("accounts:invite", args=[world.structure_a.pk]), {"email": "nouveau@a.test", "role": "declarant"}
        )
        client.post(reverse("accounts:password_reset"), {"email": "declarant@a.test"})

    # Subscriptions: a visitor's confirmation, an address already subscribed, a delivery, a digest.
    from acss.subscriptions.models import Subscriber, Subscription
    from acss.subscriptions.services import (
        deliveries_enqueue,
        deliveries_send_pending,
        digests_send_due,
        subscription_request,
    )

    now = timezone.now()
    known = Subscriber.objects.create(email="abonne@a.test", created_at=now, confirmed_at=now)
    Subscription.objects.create(
        subscriber=known, topic="alertes", frequency="immediate", created_at=now, updated_at=now
    )
    Subscription.objects.create(subscriber=known, topic="bulletin", frequency="daily", created_at=now, updated_at=now)
    with capture(execute=True):
        subscription_request(email="visiteur@a.test", topics=["alertes"])
        subscription_request(email="abonne@a.test", topics=["bulletin"])
        deliveries_enqueue(
            key="tour:alert", topic="alertes", subject="[ACSS] Alerte ACSS-ALE-2026-0001", body="En bref."
        )
        deliveries_enqueue(key="tour:bulletin", topic="bulletin", subject="[ACSS] Bulletin", body="Le bulletin.")
    deliveries_send_pending()
    digests_send_due(now=now.replace(hour=12) + timedelta(days=1))

    used = {name for name in rendered if "/email/" in name and not name.endswith("_subject.txt")}
    expected = {str(p.relative_to(TEMPLATES)) for p in mail_templates()}
    assert expected <= used, expected - used
    assert len(mail.outbox) >= len(expected)
    if dump := __import__("os").environ.get("ACSS_DUMP_MAILS"):
        Path(dump).write_text(
            "\n\n".join(f"À : {m.to}\nObjet : {m.subject}\n\n{m.body}\n{'=' * 100}" for m in mail.outbox)
        )
    for message in mail.outbox:
        assert_well_written(message)


def test_a_rejected_registration_is_written_like_the_others(world, django_capture_on_commit_callbacks):
    from acss.accounts import services

    structure = make_structure("Clinique du Lac", "74", "7400001")
    make_user("direction@lac.test", (structure, Role.MANAGER))
    with django_capture_on_commit_callbacks(execute=True):
        services.structure_verify(structure=structure, by=world.personas["analyst"], approve=False)
    (message,) = mail.outbox
    assert_well_written(message)
    assert message.subject == "[ACSS] Inscription de la Clinique du Lac refusée"
    assert "n'a pas pu valider l'inscription de la Clinique du Lac" in message.body


# --- articles --------------------------------------------------------------------------------------------------------


def test_the_article_in_real_mails_for_the_hopitaux_of_strasbourg(db, django_capture_on_commit_callbacks):
    hus = make_structure("Hôpitaux Démo de Strasbourg", "67", "6700002")
    director = make_user("direction@hus.test", (hus, Role.MANAGER))
    client = login(Client(), director)
    d = quick_alert(client, hus, django_capture_on_commit_callbacks)
    (ack,) = sent_to("direction@hus.test")
    assert (
        "la déclaration d'incident des Hôpitaux Démo de Strasbourg, le vendredi 20 novembre 2026 à 3 h 00" in ack.body
    )
    (info,) = sent_to("signalement-ars44@ars.example.fr")
    assert "une première alerte des Hôpitaux Démo de Strasbourg" in info.body
    assert d.reference in info.subject and "Hôpitaux Démo de Strasbourg (67)" in info.subject
    for message in mail.outbox:
        assert "de Hôpitaux" not in message.body and "de les" not in message.body


def test_the_stored_article_wins(world, django_capture_on_commit_callbacks):
    world.structure_a.name, world.structure_a.article = "Saint-Louis", "le"
    world.structure_a.save()
    with django_capture_on_commit_callbacks(execute=True):
        handling.question_ask(declaration=world.decl_a, by=world.personas["analyst"], body="?")
    assert "sur la déclaration ACSS-2026-000001 du Saint-Louis :" in mail.outbox[0].body


def test_names_with_an_apostrophe_are_not_escaped(world, django_capture_on_commit_callbacks):
    lab = make_structure("Laboratoire Démo d'Ajaccio", "2A", "2A00001")
    make_user("bio@lab.test", (lab, Role.MANAGER))
    d = Declaration.objects.create(
        reference="ACSS-2026-000077",
        structure=lab,
        title="Fuite d'un export <résultats> & comptes",
        created_by=world.personas["analyst"],
        submitted_at=at_paris(2026, 11, 20, 3, 0),
    )
    handling.case_open(declaration=d)
    with django_capture_on_commit_callbacks(execute=True):
        handling.question_ask(declaration=d, by=world.personas["analyst"], body="L'export <csv> & le reste ?")
        handling.case_escalate(
            case=d.case, by=world.personas["analyst"], authority_code="dgs", reason="Données d'un labo"
        )
    question, escalation = sent_to("bio@lab.test")[0], sent_to("alerte@dgs.example.fr")[0]
    assert "« L'export <csv> & le reste ? »" in question.body
    assert "du Laboratoire Démo d'Ajaccio" in question.body
    assert "Fuite d'un export <résultats> & comptes" in escalation.body
    assert (
        escalation.subject
        == "[ACSS] Déclaration ACSS-2026-000077 du Laboratoire Démo d'Ajaccio transmise par la cellule ACSS"
    )
    assert_well_written(question)
    assert_well_written(escalation)


# --- the question --------------------------------------------------------------------------------------------------


def test_the_question_mail_names_who_asks_quotes_the_question_and_gives_the_local_deadline(
    world, django_capture_on_commit_callbacks
):
    monday_10 = at_paris(2026, 11, 23, 10, 0)
    with (
        mock.patch("django.utils.timezone.now", return_value=monday_10),
        django_capture_on_commit_callbacks(execute=True),
    ):
        handling.question_ask(
            declaration=world.decl_a, by=world.personas["ars_idf"], body="Vos sauvegardes sont-elles intactes ?"
        )
    (message,) = mail.outbox
    assert message.to == ["declarant@a.test", "manager@a.test", "rssi@ght.test"]
    assert message.subject == (
        "[ACSS] Question sur votre déclaration ACSS-2026-000001 : l'ARS Île-de-France attend votre réponse"
    )
    body = message.body
    assert "L'ARS Île-de-France vous pose une question sur la déclaration ACSS-2026-000001 de l'Hôpital A :" in body
    assert "« Vos sauvegardes sont-elles intactes ? »" in body
    assert "avant le mercredi 25 novembre 2026 à 18 h 00 (heure de Paris, UTC+1)" in body
    assert f"{settings.SITE_URL}{reverse('incidents:detail', args=['ACSS-2026-000001'])}" in body
    assert_well_written(message)


def test_a_question_of_the_cell_to_a_structure_of_la_reunion(world, django_capture_on_commit_callbacks):
    site = make_structure("Clinique Démo de Saint-Denis", "974", "9740001", stype="es-prive")
    make_user("direction@clinique.test", (site, Role.MANAGER))
    d = Declaration.objects.create(
        reference="ACSS-2026-000088",
        structure=site,
        title="Messagerie compromise",
        created_by=world.personas["analyst"],
        submitted_at=at_paris(2026, 11, 20, 3, 0),
        alt_contact_email="perso@ailleurs.test",
    )
    handling.case_open(declaration=d)
    monday_10 = at_paris(2026, 11, 23, 10, 0)  # 13:00 in Saint-Denis
    with (
        mock.patch("django.utils.timezone.now", return_value=monday_10),
        django_capture_on_commit_callbacks(execute=True),
    ):
        handling.question_ask(declaration=d, by=world.personas["analyst"], body="Quel prestataire ?")
    (message,) = mail.outbox
    assert message.to == ["direction@clinique.test", "perso@ailleurs.test"]
    assert "La cellule ACSS vous pose une question sur la déclaration ACSS-2026-000088 de la Clinique" in message.body
    assert "(heure de La Réunion, UTC+4)" in message.body and "« Quel prestataire ? »" in message.body
    assert "la cellule ACSS attend votre réponse" in message.subject


# --- completing a quick alert -----------------------------------------------------------------------------------------


def test_completing_a_quick_alert_tells_the_ars_and_the_fssi_once_what_was_added(
    world, django_capture_on_commit_callbacks
):
    client = world.client("declarant_a")
    d = quick_alert(client, world.structure_a, django_capture_on_commit_callbacks)
    first = {address: len(sent_to(address)) for address in (ARS_IDF, ACSS_CELL, FSSI)}
    assert first == {ARS_IDF: 1, ACSS_CELL: 1, FSSI: 1}  # the alert's information
    mail.outbox.clear()

    complete(client, d, world.structure_a, django_capture_on_commit_callbacks)
    for address in (ARS_IDF, FSSI, ACSS_CELL):
        (message,) = sent_to(address)  # exactly one message each
        assert message.subject == f"[ACSS] Complément de la déclaration {d.reference} — Hôpital A (75)"
        body = message.body
        assert_well_written(message)
        assert "L'Hôpital A a complété, le vendredi 20 novembre 2026 à 9 h 30 (heure de Paris, UTC+1)" in body
        assert f"la première alerte {d.reference} transmise le vendredi 20 novembre 2026 à 3 h 00" in body
        for line in (
            "- Déclarant : Claire Martin, Directrice, 01 23 45 67 89",
            "- Titre : Rançongiciel sur le PACS",
            "- Typologie : Rançongiciel",
            "- Origine : Malveillante",
            "- Fonctionnement : Fonctionnement en mode dégradé (durée : 12 h)",
            "- Sécurité des patients : Mise en danger potentielle",
            "- Nombre approximatif de patients concernés : 150",
            "- Atteintes : indisponibilité",
            "- Accompagnement demandé : oui",
            "- Découvert le : vendredi 20 novembre 2026 à 3 h 00 (heure de Paris, UTC+1)",
            "- Également renseignés, à lire sur la plateforme : description, mesures déjà prises",
        ):
            assert line in body, line
        assert "Écrans bloqués par une demande de rançon" not in body  # free texts stay on the platform
        assert "Information systématique" not in body and "première alerte des" not in body  # not a copy
    kinds = Notification.objects.filter(declaration=d, kind="completion").values_list("recipient", flat=True)
    assert sorted(kinds) == sorted([ARS_IDF, ACSS_CELL, FSSI])


def test_the_completion_is_acknowledged_to_the_declarant_and_to_the_alternative_contact(
    world, django_capture_on_commit_callbacks
):
    client = world.client("declarant_a")
    d = quick_alert(client, world.structure_a, django_capture_on_commit_callbacks)
    (first_ack,) = sent_to("declarant@a.test")
    assert "Accusé de réception de votre déclaration" in first_ack.subject
    mail.outbox.clear()
    # The completion keeps the declarant's address (the one of the alert) and adds an alternative contact.
    with mock.patch("tests.intake_helpers.STEP_DATA", _step_data(declarant_email="declarant@a.test")):
        complete(client, d, world.structure_a, django_capture_on_commit_callbacks)
    acks = [m for m in mail.outbox if "Accusé" in m.subject]
    assert sorted(m.to[0] for m in acks) == ["claire.perso@ailleurs.test", "declarant@a.test"]
    for message in acks:
        assert message.subject == f"[ACSS] Accusé de réception du complément de votre déclaration {d.reference}"
        assert f"le complément de la déclaration {d.reference} de l'Hôpital A" in message.body
        assert_well_written(message)
    (to_alt,) = sent_to("claire.perso@ailleurs.test")
    assert "votre adresse a été donnée comme autre contact" in to_alt.body
    assert "autre contact" not in sent_to("declarant@a.test")[0].body
    # Each recipient has one acknowledgement of the declaration at most, and one of its completion.
    pairs = list(
        Notification.objects.filter(declaration=d, kind__in=["acknowledgement", "completion_ack"]).values_list(
            "kind", "recipient"
        )
    )
    assert sorted(pairs) == [
        ("acknowledgement", "declarant@a.test"),
        ("completion_ack", "claire.perso@ailleurs.test"),
        ("completion_ack", "declarant@a.test"),
    ]


def test_a_completion_routed_twice_sends_nothing_more(world, django_capture_on_commit_callbacks):
    from acss.incidents.tasks.notifications import route_completion

    client = world.client("declarant_a")
    d = quick_alert(client, world.structure_a, django_capture_on_commit_callbacks)
    complete(client, d, world.structure_a, django_capture_on_commit_callbacks)
    count = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        assert route_completion.enqueue(d.pk).return_value == 0
    assert len(mail.outbox) == count


def _step_data(**first_step):
    from .intake_helpers import STEP_DATA

    return [dict(STEP_DATA[0], **first_step), *STEP_DATA[1:]]
