"""The national CERT's advisories (CERT-FR JSON) in the watch: reading, import, revisions, news, cited CVEs,
matching, the cell's pages, and the CERT-FR RSS feed through the RSS/Atom importer.

Real files come from the real public data folder (``tests/realdata.py``): tests that need them are skipped, with
the folder in their reason, when it is absent.
"""

from __future__ import annotations

import copy
import json
import shutil
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acss.core.models import AuditEvent
from acss.inventories.services import inventory_add_watched
from acss.veille.certfr import looks_like_certfr, parse_certfr
from acss.veille.importers import classify
from acss.veille.models import Advisory, DocumentFormat, Match, NewsItem, Vulnerability, WatchedProduct
from acss.veille.services import veille_import
from tests.realdata import REAL_DATA

FOLDER = REAL_DATA / "certfr" / "avis-2024"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "certfr"
needs_data = pytest.mark.skipif(
    not FOLDER.is_dir(), reason=f"the CERT-FR advisories of the real data folder ({FOLDER}) are absent"
)


def real(reference: str) -> dict:
    return json.loads((FOLDER / f"{reference}.json").read_text(encoding="utf-8"))


def write(folder: Path, name: str, doc) -> Path:
    path = folder / name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def counts(report, kind: str = "certfr") -> dict[str, int]:
    return {k: v for k, v in report.counts[kind].items() if v}


# --- Reading -----------------------------------------------------------------------------------------------------


@needs_data
def test_real_advisories_are_read_with_their_fields():
    first = parse_certfr(real("CERTFR-2024-AVI-0001"))
    item = first.item
    assert (item.kind, item.identifier, item.series, item.publisher) == (
        "certfr",
        "CERTFR-2024-AVI-0001",
        "CERTFR-AVI",
        "CERT-FR",
    )
    assert item.title == "Vulnérabilité dans StormShield Network Security"
    assert item.cves == ["CVE-2023-48795"]
    assert [(a.vendor, a.product) for a in item.affected] == [("Stormshield", "Stormshield Network Security")]
    assert item.product_names == ["Stormshield Network Security toutes versions"]
    assert first.risks == ["Contournement de la politique de sécurité"]
    assert [r["description"] for r in first.revisions][0] == "Version initiale" and len(first.revisions) == 2
    assert item.published.isoformat() == "2024-01-02T00:00:00+00:00"
    assert item.updated.isoformat() == "2024-01-03T00:00:00+00:00"
    assert first.url == "https://www.cert.ssi.gouv.fr/avis/CERTFR-2024-AVI-0001/"
    assert "https://advisories.stormshield.eu/2023-035/" in item.references
    assert first.content.startswith("## Solution") and not first.scada and first.warnings == []

    moxa = parse_certfr(real("CERTFR-2024-AVI-0002"))
    assert moxa.scada and moxa.affected[0]["scada"] is True
    assert moxa.affected[0]["product"] == ""  # "N/A" names no product; its description does
    assert moxa.item.product_names[0].startswith("OnCell G3150A-LTE Series")
    assert "<span" not in moxa.summary and "les produits Moxa" in moxa.summary

    kibana = parse_certfr(real("CERTFR-2024-AVI-0500"))
    assert len(kibana.item.affected) == len(kibana.item.product_names) == 2
    assert len(kibana.item.cves) == 4 and len(kibana.vendor_advisories) == 3 and len(kibana.risks) == 3


@needs_data
def test_systems_named_only_in_the_note_are_read_from_its_list():
    citrix = parse_certfr(real("CERTFR-2024-AVI-0039"))
    assert real("CERTFR-2024-AVI-0039")["affected_systems"] == []
    assert "Citrix StoreFront versions 2308.x antérieures à 2308.1" in citrix.item.product_names
    assert len(citrix.item.affected) == len(citrix.item.product_names) > 3
    assert citrix.affected_content.startswith("<ul>")
    # A note beside a list of systems adds none.
    note = parse_certfr(real("CERTFR-2024-AVI-0453"))
    assert len(note.affected) == len(real("CERTFR-2024-AVI-0453")["affected_systems"])
    assert note.affected_content.startswith("Endpoint Manager versions 2021.1")


@needs_data
def test_the_shape_is_recognised():
    doc = real("CERTFR-2024-AVI-0001")
    assert looks_like_certfr(doc) and classify(doc) == "certfr"
    assert classify({"reference": "CERTFR-2024-AVI-0001"}) == "unknown"  # no affected_systems
    assert classify({"reference": "ACSS-2024-1", "affected_systems": []}) == "unknown"


def test_a_missing_reference_or_title_is_refused_in_french_naming_the_field():
    with pytest.raises(ValueError, match="champ « reference » absent"):
        parse_certfr({"title": "x", "affected_systems": []})
    with pytest.raises(ValueError, match="champ « reference » mal formé"):
        parse_certfr({"reference": "CERTFR-2024", "title": "x"})
    with pytest.raises(ValueError, match="CERTFR-2024-AVI-0009 : champ « title » absent ou vide"):
        parse_certfr({"reference": "CERTFR-2024-AVI-0009", "title": "  ", "affected_systems": []})


def test_malformed_optional_fields_are_left_out_with_a_warning():
    parsed = parse_certfr(
        {
            "reference": "CERTFR-2024-AVI-0009",
            "title": "Vulnérabilité dans un produit",
            "risks": "Déni de service",
            "affected_systems": [{"description": "Produit 1.0", "product": {"name": "Produit"}}, 3, {}],
            "cves": [{"name": "CVE-2024-1234"}, {"name": "pas une CVE"}],
            "revisions": [{"revision_date": "hier", "description": "Version initiale"}],
            "content": 12,
        }
    )
    assert parsed.item.cves == ["CVE-2024-1234"] and parsed.risks == [] and parsed.content == ""
    assert [a["product"] for a in parsed.affected] == ["Produit"] and parsed.item.published is None
    joined = "\n".join(parsed.warnings)
    for field in ("risks", "affected_systems[1]", "affected_systems[2]", "cves[1].name", "revisions[0]", "content"):
        assert f"« {field}" in joined


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=10,
)
FIELDS = ("summary", "risks", "affected_systems", "content", "cves", "vendor_advisories", "revisions", "links")


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.fixed_dictionaries({}, optional={name: JSON for name in FIELDS}), st.text(min_size=1, max_size=50))
def test_any_shape_of_the_optional_fields_is_read_or_warned_never_crashes(fields, title):
    doc = {"reference": "CERTFR-2024-AVI-0042", **fields, "title": title}
    if not title.strip():
        with pytest.raises(ValueError, match="title"):
            parse_certfr(doc)
        return
    parsed = parse_certfr(doc)
    assert parsed.item.identifier == "CERTFR-2024-AVI-0042"
    assert len(parsed.item.affected) == len(parsed.item.product_names) == len(parsed.affected)
    assert all(isinstance(w, str) and w for w in parsed.warnings)


@given(st.text(max_size=30))
def test_a_reference_is_taken_only_in_the_cert_fr_form(reference):
    doc = {"reference": reference, "title": "x"}
    try:
        parsed = parse_certfr(doc)
    except ValueError as exc:
        assert "reference" in str(exc)
    else:
        assert parsed.item.identifier.startswith("CERTFR-") and parsed.item.identifier.count("-") == 3


# --- Import ------------------------------------------------------------------------------------------------------


@needs_data
@pytest.mark.django_db
def test_a_bad_file_is_reported_in_french_and_the_others_are_imported(tmp_path):
    for reference in ("CERTFR-2024-AVI-0001", "CERTFR-2024-AVI-0002"):
        shutil.copy(FOLDER / f"{reference}.json", tmp_path)
    untitled = {**real("CERTFR-2024-AVI-0003"), "title": ""}
    write(tmp_path, "sans-titre.json", untitled)
    odd = {**real("CERTFR-2024-AVI-0500"), "risks": {"description": "pas une liste"}}
    write(tmp_path, "risques.json", odd)
    (tmp_path / "tronque.json").write_text('{"reference": "CERTFR-2024-AVI-0004", "affected', encoding="utf-8")

    report = veille_import(paths=[str(tmp_path)], match=False)
    assert counts(report) == {"imported": 3, "invalid": 1}
    assert report.invalid == 2  # the truncated file cannot be read at all
    reasons = {Path(e["source"]).name: e["reason"] for e in report.errors}
    assert reasons["sans-titre.json"] == "avis CERT-FR CERTFR-2024-AVI-0003 : champ « title » absent ou vide"
    assert reasons["tronque.json"].startswith("JSON invalide")
    kept = Advisory.objects.get(tracking_id="CERTFR-2024-AVI-0500")
    assert kept.risks == [] and "« risks »" in kept.conformance_warnings[0]["title"]
    assert report.with_warnings == 1

    out = StringIO()
    call_command("veille_import", str(tmp_path / "sans-titre.json"), "--no-progress", stdout=out)
    assert "champ « title » absent ou vide" in out.getvalue()


@pytest.mark.django_db
def test_forcing_the_format_on_another_document_says_why(tmp_path):
    path = write(tmp_path, "autre.json", {"title": "Pas un avis", "affected_systems": []})
    report = veille_import(paths=[str(path)], fmt="certfr", match=False)
    assert counts(report) == {"invalid": 1}
    assert report.errors[0]["reason"] == "avis CERT-FR : champ « reference » absent ou vide (None)"


@needs_data
@pytest.mark.django_db
def test_the_whole_folder_imports_with_its_counts_and_a_second_run_changes_nothing():
    files = len(list(FOLDER.glob("*.json")))
    started = time.perf_counter()
    out = StringIO()
    call_command("veille_import", str(FOLDER), "--no-progress", stdout=out)
    first = time.perf_counter() - started
    text = out.getvalue()
    print(f"\nCERT-FR folder: {files} files, first import {first:.1f} s\n{text}")
    assert Advisory.objects.filter(document_format=DocumentFormat.CERTFR).count() == files == 1109
    assert "CERT-FR     1 109 importé(s), 0 mis à jour, 0 inchangé(s), 0 invalide(s)" in text
    assert text.strip().splitlines()[-1] == "Total : 1 109 importé(s), 0 mis à jour, 0 inchangé(s), 0 invalide(s)."
    cited = {c for cves in Advisory.objects.values_list("cves", flat=True) for c in cves}
    assert Vulnerability.objects.filter(cve_id__in=cited).count() == len(cited) > 10000
    assert NewsItem.objects.filter(feed="CERT-FR").count() == files
    assert Advisory.objects.filter(scada=True).exists()
    before = (
        list(Advisory.objects.order_by("pk").values_list("pk", "content_hash", "changed_at")),
        Vulnerability.objects.count(),
        list(NewsItem.objects.order_by("pk").values_list("pk", "content_hash")),
        Match.objects.count(),
        AuditEvent.objects.count(),
    )

    started = time.perf_counter()
    out = StringIO()
    call_command("veille_import", str(FOLDER), "--no-progress", stdout=out)
    print(f"second import {time.perf_counter() - started:.1f} s\n{out.getvalue()}")
    assert out.getvalue().strip().splitlines()[-1] == (
        "Total : 0 importé(s), 0 mis à jour, 1 109 inchangé(s), 0 invalide(s)."
    )
    after = (
        list(Advisory.objects.order_by("pk").values_list("pk", "content_hash", "changed_at")),
        Vulnerability.objects.count(),
        list(NewsItem.objects.order_by("pk").values_list("pk", "content_hash")),
        Match.objects.count(),
        AuditEvent.objects.count(),
    )
    assert after == before


@needs_data
@pytest.mark.django_db
def test_a_new_revision_updates_the_advisory_keeps_the_previous_one_and_is_audited(tmp_path):
    doc = real("CERTFR-2024-AVI-0003")
    path = write(tmp_path, "avis.json", doc)
    assert counts(veille_import(paths=[str(path)], match=False)) == {"imported": 1}
    advisory = Advisory.objects.get(tracking_id="CERTFR-2024-AVI-0003")
    old_hash, old_cves = advisory.content_hash, list(advisory.cves)
    assert not Vulnerability.objects.filter(cve_id="CVE-2099-12345").exists()

    revised = copy.deepcopy(doc)
    revised["revisions"].append({"description": "Ajout d'une CVE", "revision_date": "2024-02-01T00:00:00.000000"})
    revised["cves"].append({"name": "CVE-2099-12345", "url": "https://www.cve.org/CVERecord?id=CVE-2099-12345"})
    revised["summary"] = "Résumé révisé."
    write(tmp_path, "avis.json", revised)
    report = veille_import(paths=[str(path)], match=False)
    assert counts(report) == {"updated": 1}

    advisory.refresh_from_db()
    assert len(advisory.revisions) == 2 and advisory.updated.isoformat() == "2024-02-01T00:00:00+00:00"
    assert advisory.description == "Résumé révisé."
    assert [(v["content_hash"], v["cves"]) for v in advisory.previous_versions] == [(old_hash, old_cves)]
    assert len(advisory.previous_versions[0]["revisions"]) == 1
    stub = Vulnerability.objects.get(cve_id="CVE-2099-12345")
    assert stub.has_record is False and report.stubs == 1
    event = AuditEvent.objects.get(action="veille.certfr_revised")
    assert event.object_id == str(advisory.pk)
    assert event.data["previous_hash"] == old_hash and event.data["revisions"] == 2
    news = NewsItem.objects.get(guid="https://www.cert.ssi.gouv.fr/avis/CERTFR-2024-AVI-0003/")
    assert news.summary == "Résumé révisé." and news.published == advisory.published

    assert counts(veille_import(paths=[str(path)], match=False)) == {"unchanged": 1}


@needs_data
@pytest.mark.django_db
def test_a_cve_record_imported_later_fills_the_stub_and_the_cve_page_links_the_advisory(world):
    veille_import(paths=[str(FOLDER / "CERTFR-2024-AVI-0001.json")], match=False)
    stub = Vulnerability.objects.get(cve_id="CVE-2023-48795")
    assert stub.has_record is False
    html = world.client("analyst").get(reverse("veille:detail", args=["cve", "CVE-2023-48795"])).content.decode()
    assert reverse("veille:certfr_detail", args=["CERTFR-2024-AVI-0001"]) in html
    assert "n'est pas encore importée" in html

    # An advisory cites a CVE whose record arrives afterwards: the same row gets it, counted imported.
    veille_import(paths=[str(FOLDER / "CERTFR-2024-AVI-0142.json")], match=False)
    stub = Vulnerability.objects.get(cve_id="CVE-2024-21987")
    assert stub.has_record is False
    report = veille_import(paths=[str(REAL_DATA / "cve5" / "CVE-2024-21987.json")], match=False)
    assert counts(report, "cve") == {"imported": 1}
    filled = Vulnerability.objects.get(cve_id="CVE-2024-21987")
    assert filled.pk == stub.pk and filled.has_record is True and filled.description
    # The generic address of the advisory leads to its CERT-FR page.
    response = world.client("analyst").get(reverse("veille:detail", args=["avis", "CERTFR-2024-AVI-0001"]))
    assert response.status_code == 302
    assert response["Location"] == reverse("veille:certfr_detail", args=["CERTFR-2024-AVI-0001"])


@needs_data
@pytest.mark.django_db
def test_the_advisory_is_news_too(world):
    veille_import(paths=[str(FOLDER / "CERTFR-2024-AVI-0500.json")], match=False)
    news = NewsItem.objects.get(guid="https://www.cert.ssi.gouv.fr/avis/CERTFR-2024-AVI-0500/")
    assert news.feed == "CERT-FR" and news.link == news.guid
    assert news.title == "CERTFR-2024-AVI-0500 : Multiples vulnérabilités dans Elastic Kibana"
    html = world.client("anonymous").get(reverse("alerts:news_list")).content.decode()
    assert "Multiples vulnérabilités dans Elastic Kibana" in html


# --- RSS ---------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_cert_fr_rss_feed_goes_through_the_rss_importer():
    report = veille_import(paths=[str(FIXTURES / "certfr-avis.rss")], match=False)
    assert counts(report, "news") == {"imported": 3}
    item = NewsItem.objects.get(guid="https://www.cert.ssi.gouv.fr/avis/CERTFR-2024-AVI-0002/")
    assert item.feed == "Avis – CERT-FR" and item.link == item.guid
    assert item.summary == "De multiples vulnérabilités ont été découvertes dans les produits Moxa."
    assert item.published.isoformat() == "2024-01-02T14:15:00+00:00"
    assert counts(veille_import(paths=[str(FIXTURES / "certfr-avis.rss")], match=False), "news") == {"unchanged": 3}


@needs_data
@pytest.mark.django_db
def test_the_json_advisory_replaces_its_rss_item_and_the_feed_does_not_overwrite_it():
    veille_import(paths=[str(FIXTURES / "certfr-avis.rss")], match=False)
    veille_import(paths=[str(FOLDER / "CERTFR-2024-AVI-0001.json")], match=False)
    guid = "https://www.cert.ssi.gouv.fr/avis/CERTFR-2024-AVI-0001/"
    assert NewsItem.objects.filter(guid=guid).count() == 1
    item = NewsItem.objects.get(guid=guid)
    assert item.feed == "CERT-FR" and "Elle permet à un attaquant" in item.summary
    report = veille_import(paths=[str(FIXTURES / "certfr-avis.rss")], match=False)
    assert counts(report, "news") == {"unchanged": 3}
    item.refresh_from_db()
    assert item.feed == "CERT-FR" and "Elle permet à un attaquant" in item.summary


# --- Matching ----------------------------------------------------------------------------------------------------


@needs_data
@pytest.mark.django_db
def test_a_cert_fr_advisory_is_matched_to_a_product_of_a_structures_inventory(world):
    product = WatchedProduct.objects.get(vendor__name="Stormshield", name="Stormshield Network Security")
    inventory_add_watched(by=world.personas["manager_a"], structure=world.structure_a, watched_product=product)
    report = veille_import(paths=[str(FOLDER / "CERTFR-2024-AVI-0001.json"), str(FOLDER / "CERTFR-2024-AVI-0002.json")])
    assert report.matching == "called" and report.matched_advisories == 2
    advisory = Advisory.objects.get(tracking_id="CERTFR-2024-AVI-0001")
    match = Match.objects.get(advisory=advisory, product=product)
    assert any("Stormshield Network Security" in reason for reason in match.reasons)
    assert Advisory.objects.get(tracking_id="CERTFR-2024-AVI-0002").scada is True

    client = world.client("analyst")
    html = client.get(reverse("veille:certfr"), {"matched": "on"}).content.decode()
    assert "CERTFR-2024-AVI-0001" in html and "CERTFR-2024-AVI-0002" not in html
    row = html.split("CERTFR-2024-AVI-0001", 1)[1].split("</tr>", 1)[0]
    assert "<td>1<br>" in row  # one structure concerned (hospital A)
    detail = client.get(reverse("veille:certfr_detail", args=["CERTFR-2024-AVI-0001"])).content.decode()
    assert "Stormshield Network Security" in detail and "<dd>1</dd>" in detail
    assert reverse("veille:certfr") in client.get(reverse("veille:list")).content.decode()


# --- Pages -------------------------------------------------------------------------------------------------------


def _advisory(reference="CERTFR-2024-AVI-0777", **extra) -> Advisory:
    values = {
        "title": "Vulnérabilité dans un produit",
        "document_format": DocumentFormat.CERTFR,
        "content": "## Solution\n\nMettre à jour. <script>alert(1)</script> [lien](javascript:alert(2))",
        "risks": ["Déni de service à distance"],
        "cves": ["CVE-2024-0001"],
        "revisions": [{"date": "2024-03-01T00:00:00+00:00", "description": "Version initiale"}],
        **extra,
    }
    return Advisory.objects.create(tracking_id=reference, **values)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 302), ("declarant_a", 404), ("declarant_b", 404), ("ars_idf", 404), ("dgs", 404), ("analyst", 200)],
)
def test_the_pages_are_for_the_cell_only(world, persona, status):
    advisory = _advisory()
    client = world.client(persona)
    assert client.get(reverse("veille:certfr")).status_code == status
    assert client.get(reverse("veille:certfr_detail", args=[advisory.tracking_id])).status_code == status


@pytest.mark.django_db
def test_the_detail_renders_the_content_safely(world):
    _advisory(
        affected=[{"vendor": "Éditeur", "product": "Produit", "versions": ["Produit 1.0"], "scada": True}],
        affected_content='<ul><li>Produit 2.0</li></ul><p onclick="alert(3)">Note</p>',
    )
    html = world.client("analyst").get(reverse("veille:certfr_detail", args=["CERTFR-2024-AVI-0777"])).content.decode()
    assert "<h3" in html and "Mettre à jour." in html
    assert "<script>alert(1)" not in html and "javascript:alert" not in html
    assert "Déni de service à distance" in html and "Produit 1.0" in html
    assert "<li>Produit 2.0</li>" in html and "<p>Note</p>" in html and "alert(3)" not in html
    assert reverse("veille:detail", args=["cve", "CVE-2024-0001"]) in html
    assert (
        world.client("analyst").get(reverse("veille:certfr_detail", args=["CERTFR-2024-AVI-0778"])).status_code == 404
    )


@pytest.mark.django_db
def test_the_list_filters_and_paginates(world):
    _advisory("CERTFR-2024-AVI-0777", scada=True, title="Vulnérabilité dans un automate")
    _advisory("CERTFR-2024-AVI-0778", cves=["CVE-2024-9999"], title="Vulnérabilité dans un navigateur")
    Advisory.objects.create(tracking_id="ICSMA-24-001-01", title="Un avis CSAF")
    client = world.client("analyst")
    html = client.get(reverse("veille:certfr")).content.decode()
    assert "CERTFR-2024-AVI-0777" in html and "CERTFR-2024-AVI-0778" in html and "ICSMA-24-001-01" not in html
    html = client.get(reverse("veille:certfr"), {"scada": "on"}).content.decode()
    assert "CERTFR-2024-AVI-0777" in html and "CERTFR-2024-AVI-0778" not in html
    html = client.get(reverse("veille:certfr"), {"q": "cve-2024-9999"}).content.decode()
    assert "CERTFR-2024-AVI-0778" in html and "CERTFR-2024-AVI-0777" not in html
    html = client.get(reverse("veille:certfr"), {"q": "x" * 300}).content.decode()
    assert "Certains critères sont invalides" in html and "CERTFR-2024-AVI-0777" in html
    for number in range(60):
        _advisory(f"CERTFR-2024-AVI-{1000 + number}")
    page = client.get(reverse("veille:certfr"), {"page": 2}).content.decode()
    assert "page 2 sur 2" in page
