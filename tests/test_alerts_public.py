"""The public space of the watch: lists and filters, an alert's page, news, feeds, JSON, CSAF 2.0, the bulletin.

Alerts are written directly with the models (the editorial is another feature); the CSAF documents are checked
with the ``csaf`` package's schema and mandatory tests (0 failure).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import feedparser
import pytest
from csaf.csaf.v20 import validate
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from acss.accounts.models import User
from acss.alerts import csaf as alert_csaf
from acss.alerts.bulletin import bulletin_email, bulletin_for
from acss.alerts.models import Alert, AlertRevision, AlertState, Severity
from acss.veille.models import NewsItem

PARIS = ZoneInfo("Europe/Paris")
AT = datetime(2026, 11, 20, 10, 0, tzinfo=PARIS)
_counter = iter(range(1, 100_000))


@pytest.fixture
def author(db) -> User:
    return User.objects.create_user(email="redacteur@acss.test", password="x-long-password-1")


def make_alert(author: User, *, state: str = AlertState.PUBLISHED, revisions: int = 1, **fields) -> Alert:
    """A public alert as the editorial would leave it: reference, publication date, revisions 1…n."""
    n = next(_counter)
    published_at = fields.pop("published_at", AT)
    reference = fields.pop("reference", None) or f"ACSS-ALE-2026-{n:04d}"
    values = {
        "title": f"Vulnérabilité critique dans un logiciel {n}",
        "severity": Severity.HIGH,
        "cvss_score": "9.8",
        "cvss_vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "products": [{"vendor": "Philips", "product": "IntelliSpace", "versions": "4.1, < 4.2"}],
        "cves": [f"CVE-2026-{10000 + n}"],
        "summary": "Une faille permet de prendre la main à distance.",
        "who": "Les établissements qui utilisent IntelliSpace.",
        "actions": "Appliquer la mise à jour 4.2 de l'éditeur.",
        "technical": "## Détail\n\nUn *débordement* de tampon.",
        "references": [{"url": "https://example.org/avis", "title": "Avis de l'éditeur"}],
        **fields,
    }
    if state in (AlertState.DRAFT, AlertState.SUBMITTED):
        return Alert.objects.create(state=state, created_by=author, **values)
    alert = Alert.objects.create(
        state=AlertState.PUBLISHED,
        reference=reference,
        published_at=published_at,
        updated_at=published_at + timedelta(days=revisions - 1),
        created_by=author,
        **values,
    )
    for number in range(1, revisions + 1):
        AlertRevision.objects.create(
            alert=alert,
            number=number,
            published_at=published_at + timedelta(days=number - 1),
            change_note="Publication." if number == 1 else f"Correctif disponible (révision {number}).",
            by=author,
        )
    if state == AlertState.WITHDRAWN:
        alert.state = AlertState.WITHDRAWN
        alert.withdrawn_at = published_at + timedelta(days=revisions)
        alert.withdrawn_reason = "Faux positif : la version n'est pas concernée."
        alert.save()
    return alert


def references_on(response) -> list[str]:
    return [row["alert"].reference for row in response.context["rows"]]


# --- list, filters, search -----------------------------------------------------------------------------------------


def test_list_shows_published_alerts_and_hides_drafts_and_withdrawn(client, author):
    shown = make_alert(author)
    draft = make_alert(author, state=AlertState.DRAFT, title="Brouillon secret")
    make_alert(author, state=AlertState.SUBMITTED, title="En attente secrète")
    withdrawn = make_alert(author, state=AlertState.WITHDRAWN)
    response = client.get(reverse("alerts:alert_list"))
    assert response.status_code == 200
    assert references_on(response) == [shown.reference]
    assert b"secret" not in response.content
    assert draft.pk
    with_withdrawn = client.get(reverse("alerts:alert_list"), {"withdrawn": "on"})
    assert set(references_on(with_withdrawn)) == {shown.reference, withdrawn.reference}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "pompe"}, {"pump"}),
        ({"q": "CVE-2026-99999"}, {"pump"}),
        ({"q": "infusomat"}, {"pump"}),
        ({"q": "dépassement"}, {"pump"}),
        ({"severity": "critique"}, {"pump"}),
        ({"vendor": "B. Braun"}, {"pump"}),
        ({"product": "intelli"}, {"pacs"}),
        ({"cve": "cve-2026-99999"}, {"pump"}),
        ({"exploited": "oui"}, {"pump"}),
        ({"exploited": "non"}, {"pacs"}),
        ({"published_from": "01/11/2026"}, {"pump"}),
        ({"published_to": "2026-10-31"}, {"pacs"}),
        ({"published_from": "pas une date"}, {"pump", "pacs"}),
    ],
)
def test_filters_and_search(client, author, params, expected):
    alerts = {
        "pump": make_alert(
            author,
            title="Pompe à perfusion vulnérable",
            severity=Severity.CRITICAL,
            exploited=True,
            products=[{"vendor": "B. Braun", "product": "Infusomat Space", "versions": "2.0"}],
            cves=["CVE-2026-99999"],
            technical="Un **dépassement** d'entier.",
            published_at=datetime(2026, 11, 5, 9, 0, tzinfo=PARIS),
        ),
        "pacs": make_alert(author, title="PACS exposé", published_at=datetime(2026, 10, 3, 9, 0, tzinfo=PARIS)),
    }
    response = client.get(reverse("alerts:alert_list"), params)
    assert response.status_code == 200
    assert set(references_on(response)) == {alerts[k].reference for k in expected}


def test_an_invalid_filter_is_reported(client, author):
    make_alert(author)
    response = client.get(reverse("alerts:alert_list"), {"published_from": "demain"})
    assert "Certains critères sont invalides" in response.content.decode()
    assert "Saisissez une date valide" in response.content.decode()


def test_the_list_costs_a_constant_number_of_queries(client, author):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("alerts:alert_list"), {"q": "faille", "vendor": "Philips"}).status_code == 200
        return len(ctx.captured_queries)

    make_alert(author)
    few = count()
    for _ in range(25):
        make_alert(author, summary="Une faille encore.")
    assert count() == few


def test_the_list_is_paginated(client, author):
    for _ in range(25):
        make_alert(author)
    first = client.get(reverse("alerts:alert_list"))
    second = client.get(reverse("alerts:alert_list"), {"page": 2})
    assert len(first.context["rows"]) == 20
    assert len(second.context["rows"]) == 5


# --- an alert's page -----------------------------------------------------------------------------------------------


def test_alert_page_shows_everything_a_reader_needs(client, author):
    alert = make_alert(author, revisions=2, exploited=True)
    response = client.get(reverse("alerts:alert_detail", args=[alert.reference]))
    page = response.content.decode()
    assert response.status_code == 200
    for text in (
        alert.reference,
        alert.title,
        "Gravité Élevée",
        "9,8",
        "Exploitée",
        "Philips",
        "IntelliSpace",
        "4.1, &lt; 4.2",
        alert.cves[0],
        "En bref",
        "Qui est concerné ?",
        "Que faire ?",
        "Appliquer la mise à jour 4.2",
        "<em>débordement</em>",
        '<h3 id="section-detail">Détail</h3>',
        'href="https://example.org/avis"',
        "Mise à jour du 21 novembre 2026 : Correctif disponible (révision 2).",
    ):
        assert text in page, text
    assert "Alerte retirée" not in page


@pytest.mark.parametrize("state", [AlertState.DRAFT, AlertState.SUBMITTED])
def test_drafts_and_submitted_alerts_are_404(client, author, state):
    alert = make_alert(author, state=state)
    alert.reference = "ACSS-ALE-2026-9999"
    alert.save()
    assert client.get(reverse("alerts:alert_detail", args=[alert.reference])).status_code == 404
    assert client.get(reverse("alerts:api_alert_detail", args=[alert.reference])).status_code == 404


def test_a_withdrawn_alert_stays_reachable_with_its_banner(client, author):
    alert = make_alert(author, state=AlertState.WITHDRAWN)
    page = client.get(reverse("alerts:alert_detail", args=[alert.reference])).content.decode()
    assert "Alerte retirée le 21 novembre 2026 : Faux positif : la version n&#x27;est pas concernée." in page
    assert 'class="fr-alert fr-alert--warning' in page


SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_script_is_inert_in_every_field(client, author):
    alert = make_alert(
        author,
        title=f"Titre {SCRIPT}",
        summary=SCRIPT,
        who=SCRIPT,
        actions=SCRIPT,
        technical=f"# Titre\n\n{SCRIPT}\n\n[lien](javascript:alert(1))",
        products=[{"vendor": SCRIPT, "product": SCRIPT, "versions": SCRIPT}],
        cves=[SCRIPT],
        references=[{"url": "javascript:alert(1)", "title": SCRIPT}],
    )
    AlertRevision.objects.filter(alert=alert).update(change_note=SCRIPT)
    for url in (
        reverse("alerts:alert_detail", args=[alert.reference]),
        reverse("alerts:alert_list"),
        reverse("alerts:bulletin_day", args=["2026-11-20"]),
    ):
        page = client.get(url).content.decode()
        assert '<script>alert("x")' not in page, url
        assert "onerror=alert" not in page.replace("onerror=alert(1)&gt;", ""), url
        assert 'href="javascript:' not in page, url
        assert "<img" not in page, url


# --- news ----------------------------------------------------------------------------------------------------------


def test_news_list_with_search(client, db):
    NewsItem.objects.create(feed="CERT-FR", guid="a", title="Rançongiciel à l'hôpital", published=AT)
    NewsItem.objects.create(feed="Éditeur", guid="b", title="Nouvelle version", summary="<b>rien</b>", published=AT)
    everything = client.get(reverse("alerts:news_list"))
    assert [n.guid for n in everything.context["page"].object_list] == ["b", "a"] or len(
        everything.context["page"].object_list
    ) == 2
    found = client.get(reverse("alerts:news_list"), {"q": "rançongiciel"})
    assert [n.guid for n in found.context["page"].object_list] == ["a"]


# --- feeds ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ["alerts:feed_rss", "alerts:feed_atom"])
def test_feeds_parse_with_feedparser(client, author, settings, route):
    settings.SITE_URL = "https://acss.example.fr"
    old = make_alert(author, published_at=datetime(2026, 11, 1, 9, 0, tzinfo=PARIS))
    recent = make_alert(author, revisions=3)
    make_alert(author, state=AlertState.DRAFT, title="Brouillon")
    make_alert(author, state=AlertState.WITHDRAWN)
    response = client.get(reverse(route))
    assert response.status_code == 200
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.version == ("rss20" if route.endswith("rss") else "atom10")
    assert [e.link for e in parsed.entries] == [
        f"https://acss.example.fr/alertes/{recent.reference}/",
        f"https://acss.example.fr/alertes/{old.reference}/",
    ]
    assert parsed.entries[0].title.startswith(f"{recent.reference} — {recent.title}")
    assert parsed.feed.link.startswith("https://acss.example.fr/")
    if route.endswith("atom"):
        updated = datetime(*parsed.entries[0].updated_parsed[:6], tzinfo=ZoneInfo("UTC"))
        assert updated == AT + timedelta(days=2)
        published = datetime(*parsed.entries[0].published_parsed[:6], tzinfo=ZoneInfo("UTC"))
        assert published == AT
    else:
        published = datetime(*parsed.entries[1].published_parsed[:6], tzinfo=ZoneInfo("UTC"))
        assert published == datetime(2026, 11, 1, 9, 0, tzinfo=PARIS)


# --- JSON ----------------------------------------------------------------------------------------------------------


def test_json_list_and_detail(client, author):
    pump = make_alert(author, exploited=True, cves=["CVE-2026-4242"])
    make_alert(author, exploited=False)
    make_alert(author, state=AlertState.DRAFT)
    everything = client.get(reverse("alerts:api_alert_list")).json()
    assert everything["count"] == 2
    exploited = client.get(reverse("alerts:api_alert_list"), {"exploited": "oui"}).json()
    assert [a["reference"] for a in exploited["results"]] == [pump.reference]
    assert exploited["results"][0]["cves"] == ["CVE-2026-4242"]
    assert exploited["results"][0]["products"][0] == {
        "vendor": "Philips",
        "product": "IntelliSpace",
        "versions": ["4.1", "< 4.2"],
    }
    detail = client.get(reverse("alerts:api_alert_detail", args=[pump.reference])).json()
    assert detail["revisions"][0]["number"] == 1
    assert detail["csaf_url"].endswith(f"/.well-known/csaf/white/2026/{pump.reference.lower()}.json")
    bad = client.get(reverse("alerts:api_alert_list"), {"published_from": "hier"})
    assert bad.status_code == 400
    assert "published_from" in bad.json()["errors"]
    assert client.get(reverse("alerts:api_alert_detail", args=["ACSS-ALE-2099-0001"])).status_code == 404


# --- CSAF ----------------------------------------------------------------------------------------------------------


def failures(document: dict) -> list[str]:
    report = validate(document, preset="basic")
    return [
        f"{r.id} {r.title}: {[e.message for e in r.errors]}"
        for r in report.results
        if not r.passed and not r.skipped and r.group != "informative"
    ]


def get_csaf(client: Client, alert: Alert) -> dict:
    url = f"/.well-known/csaf/white/2026/{alert.reference.lower()}.json"
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


def test_csaf_of_a_full_alert_is_valid(client, author, settings):
    settings.SITE_URL = "https://acss.example.fr"
    alert = make_alert(
        author,
        revisions=3,
        exploited=True,
        cves=["CVE-2026-1111", "CVE-2026-2222"],
        products=[
            {"vendor": "Philips", "product": "IntelliSpace", "versions": "4.1, < 4.2, 4.x"},
            {"vendor": "Philips", "product": "Vue PACS", "versions": ["12.2.1", "antérieures à 12.2"]},
            {"vendor": "GE HealthCare", "product": "Centricity", "versions": ""},
        ],
    )
    document = get_csaf(client, alert)
    assert failures(document) == []
    tracking = document["document"]["tracking"]
    assert tracking["id"] == alert.reference
    assert tracking["status"] == "final"
    assert tracking["version"] == "3"
    assert [r["number"] for r in tracking["revision_history"]] == ["1", "2", "3"]
    assert document["document"]["distribution"]["tlp"]["label"] == "WHITE"
    assert document["document"]["publisher"] == {
        "category": "coordinator",
        "name": "Cellule ACSS (CERT Santé)",
        "namespace": "https://acss.example.fr",
        "contact_details": "cert@acss.example.fr",
    }
    assert {n["category"] for n in document["document"]["notes"]} >= {"summary", "general", "details"}
    assert [v["cve"] for v in document["vulnerabilities"]] == ["CVE-2026-1111", "CVE-2026-2222"]
    ids = document["vulnerabilities"][0]["product_status"]["known_affected"]
    assert len(ids) == 6
    assert document["vulnerabilities"][0]["remediations"][0]["category"] == "vendor_fix"
    philips = document["product_tree"]["branches"][0]
    assert philips["category"] == "vendor"
    assert [b["name"] for b in philips["branches"]] == ["IntelliSpace", "Vue PACS"]
    assert [b["category"] for b in philips["branches"][0]["branches"]] == [
        "product_version",
        "product_version_range",
        "product_version_range",
    ]


def test_csaf_of_a_minimal_alert_is_valid(client, author):
    alert = make_alert(
        author, products=[], cves=[], summary="", who="", technical="", references=[], actions="Couper l'accès."
    )
    document = get_csaf(client, alert)
    assert failures(document) == []
    assert document["vulnerabilities"][0]["remediations"][0]["category"] == "mitigation"


def test_csaf_of_a_withdrawn_alert_is_valid_and_says_so(client, author):
    alert = make_alert(author, state=AlertState.WITHDRAWN, revisions=2)
    document = get_csaf(client, alert)
    assert failures(document) == []
    tracking = document["document"]["tracking"]
    assert tracking["status"] == "final"
    assert tracking["version"] == "3"
    assert tracking["revision_history"][-1]["summary"].startswith("Alerte retirée : Faux positif")
    assert document["document"]["notes"][0]["title"] == "Alerte retirée"


def test_csaf_of_a_draft_or_a_wrong_year_is_404(client, author):
    draft = make_alert(author, state=AlertState.DRAFT)
    published = make_alert(author)
    assert draft.reference is None
    assert client.get(f"/.well-known/csaf/white/2025/{published.reference.lower()}.json").status_code == 404
    assert client.get(f"/.well-known/csaf/white/2026/{published.reference}.json").status_code == 404


def test_provider_metadata_and_rolie_feed_list_every_document(client, author, settings):
    settings.SITE_URL = "https://acss.example.fr"
    alerts = [make_alert(author), make_alert(author, state=AlertState.WITHDRAWN), make_alert(author, revisions=2)]
    make_alert(author, state=AlertState.DRAFT)
    metadata = client.get("/.well-known/csaf/provider-metadata.json").json()
    for key in (
        "canonical_url",
        "last_updated",
        "list_on_CSAF_aggregators",
        "metadata_version",
        "mirror_on_CSAF_aggregators",
        "publisher",
        "role",
    ):
        assert key in metadata, key
    assert metadata["canonical_url"] == "https://acss.example.fr/.well-known/csaf/provider-metadata.json"
    assert metadata["metadata_version"] == "2.0"
    assert metadata["role"] in ("csaf_provider", "csaf_trusted_provider")
    assert metadata["publisher"]["category"] == "coordinator"
    feed_url = metadata["distributions"][0]["rolie"]["feeds"][0]["url"]
    assert metadata["distributions"][0]["rolie"]["feeds"][0]["tlp_label"] == "WHITE"
    assert feed_url == "https://acss.example.fr/.well-known/csaf/white/feed-tlp-white.json"
    feed = client.get(feed_url.removeprefix("https://acss.example.fr")).json()["feed"]
    assert {e["id"] for e in feed["entry"]} == {a.reference for a in alerts}
    for entry in feed["entry"]:
        src = entry["content"]["src"]
        assert src == f"https://acss.example.fr/.well-known/csaf/white/2026/{entry['id'].lower()}.json"
        assert entry["format"] == {"schema": alert_csaf.CSAF_SCHEMA_URL, "version": "2.0"}
        document = client.get(src.removeprefix("https://acss.example.fr")).json()
        assert document["document"]["tracking"]["id"] == entry["id"]
        assert failures(document) == []


# --- the daily bulletin --------------------------------------------------------------------------------------------


def test_bulletin_of_an_empty_day_is_none(client, db):
    assert bulletin_for(date(2026, 11, 19)) is None
    page = client.get(reverse("alerts:bulletin_day", args=["2026-11-19"]))
    assert "Rien de nouveau ce jour-là." in page.content.decode()
    assert client.get(reverse("alerts:bulletin_today")).status_code == 200


def test_bulletin_gathers_the_day_in_paris(client, author):
    new = make_alert(author, published_at=datetime(2026, 11, 20, 0, 30, tzinfo=PARIS))
    updated = make_alert(author, published_at=datetime(2026, 11, 19, 12, 0, tzinfo=PARIS), revisions=2)
    make_alert(author, published_at=datetime(2026, 11, 19, 23, 30, tzinfo=PARIS))
    make_alert(author, state=AlertState.DRAFT)
    NewsItem.objects.create(
        feed="CERT-FR", guid="n1", title="Avis CERT-FR", published=AT, link="https://example.org/n1"
    )
    NewsItem.objects.create(feed="CERT-FR", guid="n2", title="La veille", published=AT - timedelta(days=1))
    bulletin = bulletin_for(date(2026, 11, 20))
    assert [a.reference for a in bulletin.published] == [new.reference]
    assert [a.reference for a in bulletin.updated] == [updated.reference]
    assert [n.guid for n in bulletin.news] == ["n1"]
    subject, body = bulletin_email(bulletin)
    assert subject == "Bulletin de veille ACSS du vendredi 20 novembre 2026 : 2 alertes"
    assert new.reference in body and updated.reference in body
    assert "Correctif disponible (révision 2)." in body
    assert "Avis CERT-FR" in body
    page = client.get(reverse("alerts:bulletin_day", args=["2026-11-20"])).content.decode()
    assert new.reference in page and updated.reference in page and "Avis CERT-FR" in page


def test_bulletin_of_an_unknown_day_is_404(client, db):
    assert client.get("/bulletin/2026-02-31/").status_code == 404


def test_the_csaf_check_does_catch_a_broken_document(client, author):
    """The validation above is not vacuous: a version that is not the last revision's is a mandatory failure."""
    document = get_csaf(client, make_alert(author, revisions=2))
    document["document"]["tracking"]["version"] = "7"
    assert any(f.startswith("6.1.16") for f in failures(document))
    del document["document"]["publisher"]
    assert any(f.startswith("schema") for f in failures(document)), failures(document)


def test_a_withdrawal_recorded_as_a_revision_is_not_doubled(client, author):
    alert = make_alert(author, state=AlertState.WITHDRAWN, revisions=1)
    AlertRevision.objects.create(
        alert=alert, number=2, published_at=alert.withdrawn_at - timedelta(seconds=1), change_note="Retrait.", by=author
    )
    document = get_csaf(client, alert)
    assert failures(document) == []
    assert [r["summary"] for r in document["document"]["tracking"]["revision_history"]] == ["Publication.", "Retrait."]


def test_the_bulletin_mail_is_in_french_whatever_the_language(author):
    from django.utils import translation

    alert = make_alert(author, state=AlertState.WITHDRAWN, published_at=datetime(2026, 11, 10, 9, 0, tzinfo=PARIS))
    with translation.override("en"):
        subject, body = bulletin_email(bulletin_for(alert.withdrawn_at.astimezone(PARIS).date()))
    assert subject == "Bulletin de veille ACSS du mercredi 11 novembre 2026 : 1 alerte"
    assert "ALERTES MISES À JOUR" in body
    assert "Alerte retirée : Faux positif" in body
