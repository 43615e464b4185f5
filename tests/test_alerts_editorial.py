"""The cell's editorial of alerts: from watch items to a published alert, four eyes, revisions, withdrawal,
readability and jargon, and what the pages do with HTML typed in any field."""

from __future__ import annotations

import re

import pytest
import textstat
from django.urls import reverse
from django.utils import timezone

from acss.alerts.models import Alert, AlertRevision, AlertState, GlossaryTerm, PendingState, Severity
from acss.alerts.readability import KANDEL_MOLES_IN_TEXTSTAT, TARGET, readability_report
from acss.alerts.selectors.cell import READER_FIELDS
from acss.alerts.services.editorial import (
    alert_approve,
    alert_create_from_items,
    alert_reject,
    alert_submit,
    alert_update,
    alert_withdraw,
    suggest_severity,
)
from acss.core.errors import Refusal
from acss.core.models import AuditEvent
from acss.reflexes.rendering import markdown_to_html
from acss.veille.models import Triage, TriageState

from .alerts_helpers import make_alert, matched_cve, second_analyst, triage_of
from .conftest import login


@pytest.fixture
def analysts(world):
    first = world.personas["analyst"]
    second = second_analyst()
    return first, second


def client_of(user):
    from django.test import Client

    return login(Client(), user)


def form_of(alert: Alert, **changes) -> dict:
    data = {
        "title": alert.title,
        "severity": alert.severity,
        "summary": alert.summary,
        "who": alert.who,
        "actions": alert.actions,
        "technical": alert.technical,
        "cvss_score": "" if alert.cvss_score is None else str(alert.cvss_score),
        "cvss_vector": alert.cvss_vector,
        "epss": "" if alert.epss is None else str(alert.epss),
        "products": "\n".join(f"{p['vendor']} ; {p['product']} ; {p['versions']}" for p in alert.products),
        "cves": "\n".join(alert.cves),
        "references": "\n".join(alert.references),
        "watched_products": [str(pk) for pk in alert.watched_products.values_list("pk", flat=True)],
    }
    if alert.exploited:
        data["exploited"] = "on"
    if alert.ransomware:
        data["ransomware"] = "on"
    data.update(changes)
    return data


# --- the full path ------------------------------------------------------------------------------------------


def test_item_to_draft_to_submission_to_publication_by_a_second_analyst(
    world, analysts, django_capture_on_commit_callbacks
):
    first, second = analysts
    cve = matched_cve("CVE-2026-1001", cvss=9.8, kev=True, ransomware=True, epss=0.91)
    other = matched_cve("CVE-2026-1002", cvss=7.5, kev=False, epss=0.2)
    c1 = client_of(first)

    # From the triage queue: two items selected.
    response = c1.post(reverse("alerts:cell_new"), {"items": [triage_of(cve).pk, triage_of(other).pk]})
    alert = Alert.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("alerts:cell_edit", args=[alert.pk])
    assert alert.state == AlertState.DRAFT and alert.created_by == first and alert.reference is None
    assert alert.cves == ["CVE-2026-1001", "CVE-2026-1002"]
    assert str(alert.cvss_score) == "9.8" and alert.cvss_vector.startswith("CVSS:3.1/")
    assert alert.exploited and alert.ransomware and alert.epss == pytest.approx(0.91)
    assert alert.severity == Severity.CRITICAL  # exploited and CVSS ≥ 9
    assert alert.title == "Vulnérabilités exploitées dans Fortinet FortiOS"
    assert alert.products == [{"vendor": "Fortinet", "product": "FortiOS", "versions": "7.4.0, 7.2.5"}]
    assert [str(p) for p in alert.watched_products.all()] == ["Fortinet FortiOS"]
    assert alert.references == ["https://www.fortiguard.com/psirt/FG-IR-24-015"]  # no javascript: link
    assert set(alert.vulnerabilities.all()) == {cve, other}

    # The editor shows the draft, its readability and the jargon.
    page = c1.get(reverse("alerts:cell_edit", args=[alert.pk])).content.decode()
    assert "Lisibilité" in page and "Première publication" not in page

    # Save the plain-language parts, then submit.
    response = c1.post(
        reverse("alerts:cell_edit", args=[alert.pk]),
        form_of(
            alert,
            summary="Une faille touche les pare-feu Fortinet. Des pirates l'utilisent déjà.",
            who="Les hôpitaux qui ont un pare-feu Fortinet.",
            actions="Faites la mise à jour. Changez les mots de passe.",
        ),
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.summary.startswith("Une faille") and alert.state == AlertState.DRAFT
    assert c1.post(reverse("alerts:cell_submit", args=[alert.pk])).status_code == 302
    alert.refresh_from_db()
    assert alert.state == AlertState.SUBMITTED and alert.submitted_by == first

    # The same analyst may not approve: a 403 that says why, and nothing published.
    refused = c1.post(reverse("alerts:cell_approve", args=[alert.pk]))
    assert refused.status_code == 403
    assert "Seul un autre analyste" in refused.content.decode()
    alert.refresh_from_db()
    assert alert.state == AlertState.SUBMITTED and alert.reference is None and not alert.revisions.exists()
    with pytest.raises(Refusal) as caught:
        alert_approve(by=first, alert=alert)
    assert caught.value.code == "four_eyes"
    # The approval page tells them so too.
    assert (
        "un autre analyste de la cellule doit"
        in c1.get(reverse("alerts:cell_detail", args=[alert.pk])).content.decode()
    )

    # A second analyst approves: published with its reference and revision 1; the task is enqueued on commit.
    c2 = client_of(second)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = c2.post(reverse("alerts:cell_approve", args=[alert.pk]))
    assert response.status_code == 302
    assert len(callbacks) == 1
    alert.refresh_from_db()
    year = timezone.localdate().year
    assert alert.state == AlertState.PUBLISHED and alert.reference == f"ACSS-ALE-{year}-0001"
    assert alert.approved_by == second and alert.published_at is not None
    revision = alert.revisions.get()
    assert revision.number == 1 and revision.change_note == "Première publication" and revision.by == second
    assert set(READER_FIELDS) <= set(revision.snapshot)
    assert revision.snapshot["title"] == alert.title and revision.snapshot["summary"] == alert.summary
    assert revision.snapshot["reference"] == alert.reference and revision.snapshot["cvss_score"] == "9.8"
    assert set(Triage.objects.values_list("state", flat=True)) == {TriageState.ALERTED}
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert "alert.published" in actions and "triage.alerted" in actions
    fanout = AuditEvent.objects.get(action="alert.fanout")
    assert {k: fanout.data[k] for k in ("reference", "revision")} == {"reference": alert.reference, "revision": 1}
    # The fan-out is idempotent: running the task again writes nothing.
    from acss.alerts.tasks import alert_published

    alert_published.call(alert_id=alert.pk, revision=1)
    assert AuditEvent.objects.filter(action="alert.fanout").count() == 1


def test_the_reference_counts_up_within_the_year(world, analysts):
    first, second = analysts
    refs = []
    for _ in range(2):
        alert = make_alert(first, state=AlertState.SUBMITTED)
        refs.append(alert_approve(by=second, alert=alert).reference)
    year = timezone.localdate().year
    assert refs == [f"ACSS-ALE-{year}-0001", f"ACSS-ALE-{year}-0002"]


def test_the_author_may_not_approve_what_another_submitted(world, analysts):
    first, second = analysts
    alert = make_alert(first)
    alert_submit(by=second, alert=alert)
    with pytest.raises(Refusal) as caught:
        alert_approve(by=first, alert=alert)
    assert caught.value.code == "four_eyes"
    third = second_analyst("analyste3@acss.test")
    assert alert_approve(by=third, alert=alert).state == AlertState.PUBLISHED


def test_a_rejected_draft_goes_back_with_the_comment(world, analysts):
    first, second = analysts
    alert = make_alert(first, state=AlertState.SUBMITTED)
    c2 = client_of(second)
    assert c2.post(reverse("alerts:cell_reject", args=[alert.pk]), {"comment": ""}).status_code == 302
    alert.refresh_from_db()
    assert alert.state == AlertState.SUBMITTED  # a comment is required
    c2.post(reverse("alerts:cell_reject", args=[alert.pk]), {"comment": "Trop de jargon dans « En bref »."})
    alert.refresh_from_db()
    assert alert.state == AlertState.DRAFT and alert.review_comment == "Trop de jargon dans « En bref »."
    assert "Trop de jargon" in client_of(first).get(reverse("alerts:cell_edit", args=[alert.pk])).content.decode()


def test_submitting_needs_the_plain_language_parts(world, analysts):
    first, _second = analysts
    alert = make_alert(first, summary="", actions="")
    with pytest.raises(Refusal):
        alert_submit(by=first, alert=alert)
    alert.refresh_from_db()
    assert alert.state == AlertState.DRAFT


# --- updates --------------------------------------------------------------------------------------------------


def published_alert(first, second) -> Alert:
    alert = make_alert(first, state=AlertState.SUBMITTED)
    return alert_approve(by=second, alert=alert)


def test_an_update_is_a_pending_version_approved_by_a_second_analyst(
    world, analysts, django_capture_on_commit_callbacks
):
    first, second = analysts
    alert = published_alert(first, second)
    c1 = client_of(first)
    url = reverse("alerts:cell_edit", args=[alert.pk])
    # The change note is required for an update.
    response = c1.post(url, form_of(alert, title="Nouveau titre"))
    assert response.status_code == 200 and "Dites ce qui change" in response.content.decode()
    response = c1.post(
        url,
        form_of(
            alert,
            title="Vulnérabilité exploitée dans FortiOS : correctif disponible",
            actions="Installez la version 7.4.3. Changez les mots de passe.",
            change_note="Le correctif est disponible.",
        ),
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    # Readers still see the published version.
    assert alert.title == "Vulnérabilité exploitée dans FortiOS" and alert.pending_state == PendingState.DRAFT
    assert alert.pending["fields"]["title"].endswith("correctif disponible")
    assert alert.revisions.count() == 1
    assert c1.post(reverse("alerts:cell_submit", args=[alert.pk])).status_code == 302
    alert.refresh_from_db()
    assert alert.pending_state == PendingState.SUBMITTED

    # The approval page shows the diff with the published version.
    c2 = client_of(second)
    page = c2.get(reverse("alerts:cell_detail", args=[alert.pk])).content.decode()
    assert "Différences avec la version publiée" in page
    assert "<del>" in page and "<ins>" in page and "Installez la version 7.4.3." in page

    # Its editor may not approve it.
    assert c1.post(reverse("alerts:cell_approve", args=[alert.pk])).status_code == 403
    alert.refresh_from_db()
    assert alert.revisions.count() == 1 and alert.updated_at is None

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert c2.post(reverse("alerts:cell_approve", args=[alert.pk])).status_code == 302
    assert len(callbacks) == 1
    alert.refresh_from_db()
    assert alert.title.endswith("correctif disponible") and alert.updated_at is not None
    assert alert.pending == {} and alert.pending_state == PendingState.NONE
    revision = alert.revisions.get(number=2)
    assert revision.change_note == "Le correctif est disponible." and revision.by == second
    assert revision.snapshot["actions"].startswith("Installez la version 7.4.3.")
    assert AuditEvent.objects.filter(action="alert.fanout", data__revision=2).exists()


def test_the_approver_of_the_first_version_may_not_approve_the_update_they_wrote(world, analysts):
    first, second = analysts
    alert = published_alert(first, second)
    alert_update(by=second, alert=alert, values={"summary": "Texte revu."}, change_note="Texte revu")
    alert_submit(by=second, alert=alert)
    with pytest.raises(Refusal):
        alert_approve(by=second, alert=alert)
    alert = alert_approve(by=first, alert=alert)  # the first author did not edit this version
    assert alert.summary == "Texte revu." and alert.revisions.count() == 2


# --- withdrawal -----------------------------------------------------------------------------------------------


def test_withdrawal_needs_a_reason_and_keeps_the_alert(world, analysts):
    first, second = analysts
    alert = published_alert(first, second)
    c1 = client_of(first)
    url = reverse("alerts:cell_withdraw", args=[alert.pk])
    assert c1.get(url).status_code == 200
    response = c1.post(url, {"reason": "  "})
    assert response.status_code == 200 and "Indiquez le motif du retrait." in response.content.decode()
    alert.refresh_from_db()
    assert alert.state == AlertState.PUBLISHED
    assert c1.post(url, {"reason": "Le fabricant a démenti."}).status_code == 302
    alert.refresh_from_db()
    assert alert.state == AlertState.WITHDRAWN and alert.withdrawn_by == first
    assert alert.withdrawn_reason == "Le fabricant a démenti." and alert.reference
    last = alert.revisions.order_by("-number").first()
    assert last.number == 2 and last.change_note == "Retrait : Le fabricant a démenti."
    assert last.snapshot["withdrawn"] is True
    assert Alert.objects.filter(pk=alert.pk).exists()
    with pytest.raises(Refusal):
        alert_withdraw(by=first, alert=alert, reason="Encore")
    with pytest.raises(Refusal):
        alert_withdraw(by=first, alert=published_alert(first, second), reason="")


# --- no path publishes without approval ------------------------------------------------------------------------


def test_no_post_route_publishes_a_draft(world, analysts):
    first, _second = analysts
    alert = make_alert(first)
    c1 = client_of(first)
    body = form_of(alert, state="published", reference="ACSS-ALE-2026-9999", approved_by=str(first.pk))
    for route in ("cell_edit", "cell_submit", "cell_approve", "cell_reject", "cell_withdraw"):
        c1.post(reverse(f"alerts:{route}", args=[alert.pk]), body)
        alert.refresh_from_db()
        assert alert.state in (AlertState.DRAFT, AlertState.SUBMITTED), route
        assert alert.reference is None and alert.published_at is None, route
        assert not AlertRevision.objects.exists(), route
    c1.post(reverse("alerts:cell_new"), {"items": [triage_of(matched_cve()).pk], "state": "published"})
    assert not Alert.objects.exclude(state__in=[AlertState.DRAFT, AlertState.SUBMITTED]).exists()
    assert not AuditEvent.objects.filter(action="alert.published").exists()


def test_no_service_publishes_without_a_second_analyst(world, analysts):
    first, second = analysts
    alert = make_alert(first)
    # Editing ignores what is not an editable field.
    alert_update(by=first, alert=alert, values={"state": "published", "reference": "X", "title": "T"})
    alert.refresh_from_db()
    assert alert.state == AlertState.DRAFT and alert.reference is None and alert.title == "T"
    with pytest.raises(Refusal):  # nothing submitted
        alert_approve(by=second, alert=alert)
    with pytest.raises(Refusal):  # not published
        alert_withdraw(by=first, alert=alert, reason="Erreur")
    alert_submit(by=first, alert=alert)
    with pytest.raises(Refusal):
        alert_approve(by=first, alert=alert)
    # Someone outside the cell: refused by every service.
    outsider = world.personas["admin"]
    for call in (
        lambda: alert_approve(by=outsider, alert=alert),
        lambda: alert_reject(by=outsider, alert=alert, comment="Non"),
        lambda: alert_create_from_items(by=outsider, vulnerability_ids=[matched_cve().pk]),
    ):
        with pytest.raises(Refusal):
            call()
    alert.refresh_from_db()
    assert alert.state == AlertState.SUBMITTED and not alert.revisions.exists()
    # The database refuses an approval by the submitter too.
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.filter(pk=alert.pk).update(approved_by=first)


def test_the_pages_are_the_cells_only(world, analysts):
    first, _second = analysts
    alert = make_alert(first)
    for persona in ("declarant_a", "ars_idf", "fssi", "admin"):
        client = world.client(persona)
        assert client.get(reverse("alerts:cell_list")).status_code == 404
        assert client.get(reverse("alerts:cell_detail", args=[alert.pk])).status_code == 404
        assert client.post(reverse("alerts:cell_submit", args=[alert.pk])).status_code == 404
    alert.refresh_from_db()
    assert alert.state == AlertState.DRAFT


# --- what is typed stays text -----------------------------------------------------------------------------------

SCRIPT = '<script>alert("x")</script><img src=x onerror="alert(1)">'


def test_a_script_in_any_field_is_inert_on_the_cell_pages(world, analysts):
    first, second = analysts
    alert = make_alert(
        first,
        state=AlertState.SUBMITTED,
        submitted_by=second,
        title=f"Titre {SCRIPT}",
        summary=f"Résumé {SCRIPT}",
        who=f"Qui {SCRIPT}",
        actions=f"Faire {SCRIPT}",
        technical=f"## Détails\n\n{SCRIPT}\n\n[lien](javascript:alert(1))",
        cvss_vector=SCRIPT,
        products=[{"vendor": SCRIPT, "product": SCRIPT, "versions": SCRIPT}],
        cves=[SCRIPT],
        references=[SCRIPT],
        review_comment=SCRIPT,
    )
    GlossaryTerm.objects.create(term="alert", plain=SCRIPT)
    c1 = client_of(first)
    for url in (
        reverse("alerts:cell_list"),
        reverse("alerts:cell_detail", args=[alert.pk]),
        reverse("alerts:cell_withdraw", args=[alert.pk]),
    ):
        html = c1.get(url).content.decode()
        assert "<script>alert" not in html and "onerror=" not in html.replace("onerror=&quot;", ""), url
        assert 'href="javascript:' not in html
    alert.state = AlertState.DRAFT
    alert.save()
    html = c1.get(reverse("alerts:cell_edit", args=[alert.pk])).content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert not re.search(r"<img[^>]*onerror", html)


def test_markdown_of_the_technical_part_is_sanitised():
    html = str(markdown_to_html('# Titre\n\n<script>alert(1)</script>\n\n<a href="javascript:x" onclick="y">l</a>'))
    assert "<script" not in html and "onclick" not in html and "javascript:" not in html
    assert "<h2" in html  # the page holds the only h1


# --- readability and jargon -------------------------------------------------------------------------------------

PLAIN = (
    "Une faille touche les pare-feu. Des pirates l'utilisent déjà. "
    "Faites la mise à jour ce jour. Changez les mots de passe."
)
JARGON = (
    "L'exploitation de cette vulnérabilité zero-day permet une exécution de code arbitraire à distance sans "
    "authentification préalable via une requête spécifiquement forgée ciblant le firmware des équipements, "
    "référencée CVE et cotée CVSS critique, dont un exploit public est disponible en attendant le patch."
)


def kandel_moles(text: str) -> float:
    """Computed here from the formula, with textstat's counts: 207 − 1.015 × words/sentence − 73.6 × syllables/word."""
    textstat.set_lang("fr")
    words = textstat.lexicon_count(text)
    sentences = textstat.sentence_count(text)
    syllables = textstat.syllable_count(text)
    return 207 - 1.015 * words / sentences - 73.6 * syllables / words


def test_textstat_french_is_kandel_and_moles():
    assert KANDEL_MOLES_IN_TEXTSTAT


@pytest.mark.django_db
def test_a_plain_text_meets_the_target_and_a_jargon_text_does_not():
    plain = readability_report(summary=PLAIN, who="", actions="")
    assert plain.parts[0].score == pytest.approx(kandel_moles(PLAIN), abs=0.06)
    assert plain.parts[0].score >= TARGET and plain.parts[0].meets_target
    assert plain.parts[1].score is None  # no text
    assert plain.jargon == []

    report = readability_report(summary=JARGON, who=PLAIN, actions="Appliquez le patch.")
    assert report.parts[0].score == pytest.approx(kandel_moles(JARGON), abs=0.06)
    assert report.parts[0].score < TARGET and not report.parts[0].meets_target
    together = "\n\n".join([JARGON, PLAIN, "Appliquez le patch."])
    assert report.together.score == pytest.approx(kandel_moles(together), abs=0.06)
    flagged = {hit.term: hit for hit in report.jargon}
    assert {"vulnérabilité zero-day", "zero-day", "firmware", "CVE", "CVSS", "exploit", "patch"} <= set(flagged)
    assert flagged["firmware"].plain == "micrologiciel" and flagged["patch"].plain == "correctif"
    assert flagged["patch"].parts == ["En bref", "Que faire ?"]
    assert "exploitée" not in flagged  # « exploitation » is not « exploitée » nor « exploit »: whole words only


@pytest.mark.django_db
def test_jargon_is_found_whatever_the_case_and_the_accents():
    report = readability_report(summary="Une VULNERABILITE ZERO-DAY dans le Firmware.", who="", actions="")
    assert {"vulnérabilité zero-day", "zero-day", "firmware"} <= {hit.term for hit in report.jargon}
    assert not readability_report(summary="Les patchs sont prêts.", who="", actions="").jargon


@pytest.mark.django_db
def test_the_glossary_is_seeded():
    assert GlossaryTerm.objects.count() >= 25
    assert GlossaryTerm.objects.get(term="firmware").plain == "micrologiciel"


def test_the_editor_shows_scores_and_jargon(world, analysts):
    first, _second = analysts
    alert = make_alert(first, summary=JARGON, who="Les hôpitaux.", actions=PLAIN)
    page = client_of(first).get(reverse("alerts:cell_edit", args=[alert.pk])).content.decode()
    assert "fr-badge--error" in page and "fr-badge--success" in page
    assert "micrologiciel" in page and "Jargon à remplacer" in page
    # « Prévisualiser » shows what was typed, without saving.
    response = client_of(first).post(
        reverse("alerts:cell_edit", args=[alert.pk]), form_of(alert, summary=PLAIN, preview="1")
    )
    assert response.status_code == 200
    alert.refresh_from_db()
    assert alert.summary == JARGON
    assert "Des pirates l&#x27;utilisent déjà." in response.content.decode()


@pytest.mark.parametrize(
    ("cvss", "exploited", "expected"),
    [
        (9.8, True, Severity.CRITICAL),
        (9.0, True, Severity.CRITICAL),
        (8.9, True, Severity.HIGH),
        (None, True, Severity.HIGH),
        (9.8, False, Severity.HIGH),
        (7.0, False, Severity.HIGH),
        (6.9, False, Severity.MEDIUM),
        (None, False, Severity.MEDIUM),
        (3.9, False, Severity.LOW),
    ],
)
def test_the_suggested_severity(cvss, exploited, expected):
    assert suggest_severity(cvss=cvss, exploited=exploited) == expected
