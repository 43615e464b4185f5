"""The watch: the watch-list, the matcher (with the figures of "Done means") and the cell's pages.

The figures run the pure matcher over ``normalize_cve5``/``normalize_csaf`` of the real files of
the real public data folder (``tests/realdata.py``; no importer, no database: the watch-list snapshot is built from ``watchlist.py``). Run with
``-s`` to see the common-IT matches counted by product.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse

from acss.veille.forms import WatchedProductForm
from acss.veille.matching import (
    CPE,
    IDENTIFIER_KINDS,
    MATCH_THRESHOLD,
    SERIES,
    WatchList,
    evaluate_item,
    match_item,
    match_records,
    normalize_vendor,
    priority_for,
)
from acss.veille.models import Advisory, Family, Match, Vulnerability, WatchedProduct, WatchedVendor
from acss.veille.normalized import AffectedProduct, NormalizedItem, normalize_csaf, normalize_cve5
from acss.veille.watchlist import VENDORS, load_watchlist
from tests.realdata import REAL_DATA

DATA = REAL_DATA
needs_data = pytest.mark.skipif(
    not (DATA / "cve5").is_dir(),
    reason=f"the real data folder {DATA} is absent (see its README): the matcher's figures cannot be measured",
)


@pytest.fixture(scope="module")
def watch() -> WatchList:
    return WatchList.from_data()


def cve(identifier="CVE-2099-0001", *, vendor="n/a", product="n/a", text="", cpes=(), cvss=None, extra=()):
    affected = [AffectedProduct(vendor=vendor, product=product, cpes=list(cpes)), *extra]
    return NormalizedItem(
        kind="cve",
        identifier=identifier,
        description=text,
        affected=affected,
        cpes=sorted({c for a in affected for c in a.cpes}),
        cvss_score=cvss,
    )


def health(results) -> bool:
    return any(r.family == Family.HEALTH for r in results)


# --------------------------------------------------------------------------------------------------
# The figures of "Done means", on the real data
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus(watch):
    """Every CVE record and CSAF advisory of the data, normalised and matched once for the module."""
    started = time.perf_counter()
    cves = {
        p.stem: normalize_cve5(json.loads(p.read_text(encoding="utf-8")))
        for p in sorted((DATA / "cve5").glob("*.json"))
    }
    advisories = [
        normalize_csaf(json.loads(p.read_text(encoding="utf-8"))) for p in sorted((DATA / "csaf").rglob("*.json"))
    ]
    normalised = time.perf_counter()
    results = {item.identifier: match_item(item, watch) for item in [*cves.values(), *advisories]}
    matched = time.perf_counter()
    print(
        f"\n{len(cves)} CVE et {len(advisories)} avis : normalisés en {normalised - started:.1f} s, "
        f"rapprochés en {matched - normalised:.1f} s"
    )
    return {
        "cves": cves,
        "advisories": advisories,
        "results": results,
        "health_examples": [
            n.removesuffix(".json") for n in json.loads((DATA / "cve5-health-examples.json").read_text())
        ],
        "not_health_examples": [
            n.removesuffix(".json") for n in json.loads((DATA / "cve5-not-health-examples.json").read_text())
        ],
        "seconds": matched - normalised,
    }


@needs_data
def test_at_least_43_of_the_45_health_examples_are_matched_as_health(corpus):
    examples = corpus["health_examples"]
    assert len(examples) == 45
    missed = [i for i in examples if not health(corpus["results"][i])]
    print(f"\nexemples santé : {45 - len(missed)}/45 rapprochés comme santé ; manqués : {missed}")
    assert 45 - len(missed) >= 43, missed


@needs_data
def test_every_icsma_advisory_is_matched_as_health(corpus):
    icsma = [a for a in corpus["advisories"] if a.series == "ICSMA"]
    assert len(icsma) == 124
    missed = [a.identifier for a in icsma if not health(corpus["results"][a.identifier])]
    assert missed == []
    # Including those naming only embedded components (VxWorks, IPnet, RomPager): by their series.
    embedded = [
        a for a in icsma if any(p.product in ("VxWorks", "Allegro RomPager embedded web server") for p in a.affected)
    ]
    assert embedded
    for advisory in embedded:
        assert any(SERIES in {e.kind for e in r.evidence} for r in corpus["results"][advisory.identifier])


@needs_data
def test_at_most_2_of_the_86_not_health_examples_are_matched_as_health(corpus):
    examples = corpus["not_health_examples"]
    assert len(examples) == 86
    as_health = [i for i in examples if health(corpus["results"][i])]
    at_all = [i for i in examples if corpus["results"][i]]
    print(f"\nexemples hors santé : {len(as_health)}/86 rapprochés comme santé, {len(at_all)}/86 rapprochés du tout")
    assert len(as_health) <= 2, as_health


@needs_data
def test_under_one_percent_of_the_other_cve_records_are_matched_as_health(corpus):
    listed = set(corpus["health_examples"]) | set(corpus["not_health_examples"])
    others = [i for i in corpus["cves"] if i not in listed]
    assert len(others) == 5034 - 45 - 86 + 1  # CVE-2024-4654 is in both lists
    as_health = sorted(i for i in others if health(corpus["results"][i]))
    share = len(as_health) / len(others)
    print(f"\nautres CVE : {len(as_health)}/{len(others)} rapprochées comme santé ({share:.2%}) : {as_health}")
    assert share < 0.01


@needs_data
def test_common_it_matches_are_counted_by_product_each_naming_its_product(corpus):
    by_product: Counter[str] = Counter()
    for identifier, results in corpus["results"].items():
        for r in results:
            if r.family != Family.COMMON_IT:
                continue
            assert r.product is not None, identifier
            assert any(r.product.label in reason for reason in r.reasons), (identifier, r.reasons)
            by_product[r.product.label] += 1
    width = max(len(label) for label in by_product)
    print("\nCorrespondances « informatique commune » par produit surveillé :")
    for label, n in by_product.most_common():
        print(f"  {label:<{width}}  {n:>3}")
    print(f"  {'total':<{width}}  {sum(by_product.values()):>3}")
    for expected in ("Fortinet FortiOS", "Palo Alto Networks PAN-OS", "Ivanti Connect Secure", "VMware ESXi"):
        assert by_product[expected] >= 1, expected


@needs_data
def test_no_match_rests_on_an_identifier_alone(corpus):
    """Identifier = a CPE string, or an entry whose vendor and product are only its CPE's fields."""
    total = 0
    for identifier, results in corpus["results"].items():
        for r in results:
            total += 1
            assert r.score >= MATCH_THRESHOLD
            assert any(e.kind not in IDENTIFIER_KINDS for e in r.evidence), (identifier, r.reasons)
    assert total > 200


@needs_data
def test_the_matcher_is_fast_enough(corpus):
    assert corpus["seconds"] < 15


# --------------------------------------------------------------------------------------------------
# The matcher, unit by unit
# --------------------------------------------------------------------------------------------------


def test_vendor_names_are_normalised(watch):
    assert normalize_vendor("Becton, Dickinson and Company (BD)") == "becton dickinson and bd"
    assert normalize_vendor("Natus Medical, Inc. (Natus)") == "natus medical natus"
    assert normalize_vendor("Dräger") == "drager"
    assert normalize_vendor("Siemens Healthineers GmbH") == "siemens healthineers"
    by_name = {v.name: v for v in watch.vendors}
    for spelling in ("Philips", "Phillips", "PHILIPS", "Philips Healthcare", "Koninklijke Philips N.V."):
        assert list(watch.vendors_in(spelling)) == [by_name["Philips"]], spelling
    for spelling in ("GE Healthcare", "GE HealthCare", "gehealthcare", "Silex Technology and GE Healthcare"):
        assert watch.vendors_in(spelling) == {by_name["GE HealthCare"]: False}, spelling
    # "General Electric (GE)" names GE HealthCare, as a spelling shared with GE's industrial trades.
    assert watch.vendors_in("General Electric (GE)") == {by_name["GE HealthCare"]: True}
    assert list(watch.vendors_in("Becton Dickinson & Co")) == [by_name["BD"]]
    assert list(watch.vendors_in("Hillrom and ELI, Baxter International Inc.")) == [by_name["Baxter"]]
    assert list(watch.vendors_in("Innokas YhtymÃ¤ Oy")) == []
    # A person named Phillips, Toshiba's printers, Siemens' automation: not the watched makers.
    for spelling in ("Drew Phillips", "Toshiba Tec Corporation", "Siemens", "n/a", ""):
        assert not watch.vendors_in(spelling), spelling


def test_an_icsma_advisory_naming_only_vxworks_is_health(watch):
    advisory = NormalizedItem(
        kind="csaf",
        identifier="ICSMA-19-274-01",
        title="Interpeak IPnet Security Vulnerabilities Affecting Multiple Medical Devices",
        affected=[
            AffectedProduct(vendor="Wind River", product="VxWorks"),
            AffectedProduct(vendor="ENEA", product="OSE"),
        ],
        product_names=["VxWorks 6.9", "OSE 5.x"],
        series="ICSMA",
        cvss_score=9.8,
    )
    [result] = match_item(advisory, watch)
    assert result.family == Family.HEALTH
    assert result.product is None and result.vendor is None
    assert result.reasons == ["série ICSMA (avis médical de la CISA)"]
    # The same advisory in the industrial series concerns no health product…
    assert match_item(NormalizedItem(**{**advisory.__dict__, "series": "ICSA"}), watch) == []
    # …unless the healthcare sector is the only one it names (among others, it is an industrial product's list).
    sector = NormalizedItem(**{**advisory.__dict__, "series": "ICSA", "sector": "healthcare and public health"})
    assert [r.family for r in match_item(sector, watch)] == [Family.HEALTH]
    among = NormalizedItem(**{**advisory.__dict__, "series": "ICSA", "sector": "energy, healthcare and public health"})
    assert match_item(among, watch) == []


def test_a_cpe_hit_with_a_contradicting_vendor_is_not_a_match(watch):
    fortios = "cpe:2.3:o:fortinet:fortios:7.0.0:*:*:*:*:*:*:*"
    contradicted = cve(vendor="Acme", product="Widget", cpes=[fortios], text="A flaw in Widget.")
    assert match_item(contradicted, watch) == []
    # A CPE alone (the entry's names are only the CPE's fields) is an identifier alone: not a match either.
    alone = cve(vendor="fortinet", product="fortios", cpes=[fortios])
    [candidate] = evaluate_item(alone, watch)
    assert candidate.product.label == "Fortinet FortiOS"
    assert {e.kind for e in candidate.evidence} <= IDENTIFIER_KINDS
    assert not candidate.is_match
    # With the vendor's own names, it is.
    named = cve(vendor="Fortinet", product="FortiOS", cpes=[fortios], text="An issue in Fortinet FortiOS SSL-VPN.")
    [result] = match_item(named, watch)
    assert result.family == Family.COMMON_IT and result.score == 100
    assert "CPE cpe:2.3:o:fortinet:fortios correspond au produit surveillé Fortinet FortiOS" in result.reasons
    assert CPE in {e.kind for e in result.evidence}


def test_health_makers_products_and_text(watch):
    [baxter] = match_item(cve(vendor="Baxter", product="Welch Allyn Configuration Tool"), watch)
    assert baxter.family == Family.HEALTH and baxter.vendor.name == "Baxter" and baxter.product is None
    assert "fabricant de produits de santé surveillé : Baxter" in baxter.reasons
    [pacs] = match_item(cve(vendor="Phillips", product="Vue PACS"), watch)
    assert pacs.product.label == "Philips Vue PACS"
    # "Siemens" is a shorter spelling of Siemens Healthineers: it does not contradict its product.
    [medicalis] = match_item(cve(vendor="Siemens", product="Medicalis Workflow Orchestrator"), watch)
    assert medicalis.product.label == "Siemens Healthineers Medicalis"
    # A strong product name in the text of a record without vendor.
    [orthanc] = match_item(cve(text="Orthanc versions before 1.12.2 are affected by a reflected XSS."), watch)
    assert orthanc.product.label == "Orthanc"
    # A product named by its own name, whatever its maker.
    [dicom] = match_item(cve(vendor="Imaging Data Commons", product="libdicom"), watch)
    assert dicom.product.name == "Logiciel ou bibliothèque DICOM"


def test_text_alone_is_weak(watch):
    # A health word in the text of an unknown product: a hint, never a match.
    assert match_item(cve(text="A command injection in the Dicom C-ECHO sensor of PRTG."), watch) == []
    assert match_item(cve(text="The HL7 sensor of the monitoring tool has a path traversal."), watch) == []
    # A component pattern ("LDAP") counts only when the record names the vendor.
    assert match_item(cve(text="LDAP injection in the login form of a PHP application."), watch) == []
    [ad] = match_item(
        cve(vendor="Microsoft", product="Windows Server 2022", text="Windows LDAP Remote Code Execution Vulnerability"),
        watch,
    )
    assert ad.family == Family.COMMON_IT and ad.product.category == "annuaire"
    # A watched product named in the text of another vendor's record is that vendor's business.
    assert match_item(cve(vendor="Acme", product="Gateway", text="Unlike Fortinet FortiOS, Acme Gateway…"), watch) == []


@pytest.mark.parametrize(
    ("vendor", "product", "text"),
    [
        ("code-projects", "Hospital Management System", "SQL injection in get_doctor.php of the hospital system."),
        ("PHPGurukul", "Medical Card Generation System", "XSS in the medical card page (patient DICOM upload)."),
        ("itsourcecode", "Online Blood Bank Management System", "SQL injection in the blood bank login."),
        ("NicheAddons", "Medical Addon for Elementor", "WordPress Medical Addon for Elementor plugin <= 1.4 XSS."),
        ("Keap", "Keap Official Opt-in Forms", "Infusionsoft opt-in forms: stored XSS."),
        ("PHPFusion", "PHPFusion", "Local file inclusion in Forum Infusion."),
        ("Google", "gRPC", "See https://www.google.com/url?q=HL7XVEVTNIGEYBNKJBLL for the fix."),
        ("Drew Phillips", "Securimage-WP", "Cross-site scripting in the WordPress plugin."),
    ],
)
def test_the_floods_are_no_health_products(watch, vendor, product, text):
    assert match_item(cve(vendor=vendor, product=product, text=text), watch) == []


def test_priority_exploited_and_severe_first():
    kev = priority_for(score=100, family=Family.COMMON_IT, cvss=9.8, kev=True, ransomware=True, epss=0.9)
    severe = priority_for(score=100, family=Family.COMMON_IT, cvss=9.8)
    medium = priority_for(score=100, family=Family.HEALTH, cvss=5.0)
    unknown = priority_for(score=50, family=Family.HEALTH, cvss=None)
    assert kev > severe > medium > unknown
    assert 0 <= unknown and kev <= 100
    # Health before common IT, all else equal; a surer match before a weaker one.
    assert priority_for(score=60, family=Family.HEALTH, cvss=7.5) > priority_for(
        score=60, family=Family.COMMON_IT, cvss=7.5
    )
    assert priority_for(score=100, family=Family.HEALTH, cvss=7.5) > priority_for(
        score=50, family=Family.HEALTH, cvss=7.5
    )


# --------------------------------------------------------------------------------------------------
# The watch-list in the database, and match_records
# --------------------------------------------------------------------------------------------------


def test_the_migration_loads_the_starter_list_and_the_loader_is_idempotent(db):
    assert WatchedVendor.objects.count() == len(VENDORS)
    assert WatchedProduct.objects.count() == sum(len(v.get("products", [])) for v in VENDORS)
    assert load_watchlist(apps) == {"vendors_created": 0, "products_created": 0, "updated": 0}
    # What ACSS edited is kept; a new alias of the file is merged in.
    philips = WatchedVendor.objects.get(name="Philips")
    philips.aliases = ["Phillips"]
    philips.active = False
    philips.save()
    load_watchlist(apps)
    philips.refresh_from_db()
    assert philips.active is False
    assert philips.aliases[0] == "Phillips" and "Philips Healthcare" in philips.aliases
    WatchedVendor.objects.filter(pk=philips.pk).update(active=True)
    # The snapshot from the database recognises what the one from the file does.
    from_db, from_data = WatchList.from_db(), WatchList.from_data()
    assert sorted(p.label for p in from_db.products) == sorted(p.label for p in from_data.products)
    assert all(p.id is not None for p in from_db.products)


def vulnerability(cve_id, *, vendor, product, description="", cpes=(), cvss=None, **extra) -> Vulnerability:
    return Vulnerability.objects.create(
        cve_id=cve_id,
        title=f"{vendor} {product}",
        description=description,
        published=datetime(2024, 10, int(cve_id[-2:]) % 28 + 1, tzinfo=UTC),
        has_record=True,
        cvss_score=cvss,
        affected=[{"vendor": vendor, "product": product, "versions": [], "cpes": list(cpes)}],
        cpes=list(cpes),
        **extra,
    )


@pytest.fixture
def records(db):
    fortios = vulnerability(
        "CVE-2024-0101",
        vendor="Fortinet",
        product="FortiOS",
        description="A heap overflow in Fortinet FortiOS SSL-VPN allows remote code execution.",
        cpes=["cpe:2.3:o:fortinet:fortios:7.4.0:*:*:*:*:*:*:*"],
        cvss=9.8,
        kev=True,
        kev_ransomware=True,
        epss=0.95,
    )
    pacs = vulnerability(
        "CVE-2024-0102", vendor="Philips", product="Vue PACS", description="Default credentials.", cvss=5.0
    )
    demo = vulnerability("CVE-2024-0103", vendor="code-projects", product="Hospital Management System", cvss=9.8)
    icsma = Advisory.objects.create(
        tracking_id="ICSMA-19-274-01",
        title="Interpeak IPnet affecting multiple medical devices",
        series="ICSMA",
        published=datetime(2019, 10, 1, tzinfo=UTC),
        cvss_score=9.8,
        affected=[{"vendor": "Wind River", "product": "VxWorks", "versions": [], "cpes": []}],
        product_names=["VxWorks 6.9"],
        cves=["CVE-2024-0101", "CVE-2019-12256"],
        conformance_warnings=[{"rule": "6.1.31", "message": "version range in product name"}],
        references=["https://www.cisa.gov/news-events/ics-medical-advisories/icsma-19-274-01", "javascript:alert(1)"],
    )
    return {"fortios": fortios, "pacs": pacs, "demo": demo, "icsma": icsma}


def test_match_records_stores_and_replaces_the_matches(records, django_assert_max_num_queries):
    v = records
    summary = match_records(
        vulnerability_ids=[v["fortios"].pk, v["pacs"].pk, v["demo"].pk], advisory_ids=[v["icsma"].pk]
    )
    assert summary.records == 4 and summary.matched == 3
    fortios = Match.objects.get(vulnerability=v["fortios"])
    assert (
        fortios.family == Family.COMMON_IT and fortios.product.name == "FortiOS" and fortios.vendor.name == "Fortinet"
    )
    assert fortios.immediate is True  # CVSS 9.8 on a watched product
    assert "CPE cpe:2.3:o:fortinet:fortios correspond au produit surveillé Fortinet FortiOS" in fortios.reasons
    pacs = Match.objects.get(vulnerability=v["pacs"])
    assert pacs.family == Family.HEALTH and pacs.immediate is False  # CVSS 5
    assert fortios.priority > pacs.priority
    assert not Match.objects.filter(vulnerability=v["demo"]).exists()
    icsma = Match.objects.get(advisory=v["icsma"])
    assert icsma.family == Family.HEALTH and icsma.product is None and icsma.vendor is None
    assert icsma.immediate is False  # the series alone names no watched product
    assert icsma.priority > pacs.priority  # it covers a CVE in the KEV catalogue
    # Matching again replaces: the record changed, its match follows; nothing is duplicated.
    Vulnerability.objects.filter(pk=v["pacs"].pk).update(
        affected=[{"vendor": "Acme", "product": "Notes", "versions": [], "cpes": []}], title="Acme Notes"
    )
    match_records(vulnerability_ids=[v["fortios"].pk, v["pacs"].pk])
    assert Match.objects.filter(vulnerability=v["fortios"]).count() == 1
    assert not Match.objects.filter(vulnerability=v["pacs"]).exists()
    assert Match.objects.count() == 2
    # A fixed number of queries per batch, whatever its size: the watch-list (2), then per batch of
    # vulnerabilities (read, delete, insert, their triage rows) and of advisories (read, their CVEs, delete, insert,
    # their triage rows), plus savepoints.
    with django_assert_max_num_queries(15) as small:
        match_records(vulnerability_ids=[v["fortios"].pk], advisory_ids=[v["icsma"].pk])
    for i in range(20):
        vulnerability(f"CVE-2024-02{i:02d}", vendor="Fortinet", product="FortiProxy", cvss=7.0)
    ids = list(Vulnerability.objects.values_list("pk", flat=True))
    with django_assert_max_num_queries(len(small.captured_queries)):
        match_records(vulnerability_ids=ids, advisory_ids=[v["icsma"].pk])
    assert Match.objects.filter(product__name="FortiProxy").count() == 20


def test_the_command_prints_the_matches(records):
    match_records(vulnerability_ids=[records["fortios"].pk, records["pacs"].pk], advisory_ids=[records["icsma"].pk])
    out = StringIO()
    call_command("veille_matches", "--format", "json", stdout=out)
    rows = json.loads(out.getvalue())
    assert isinstance(rows, list) and len(rows) == 3
    assert {"id", "score", "family", "reasons"} <= set(rows[0])
    assert rows[0]["id"] == "CVE-2024-0101"  # highest priority first
    out = StringIO()
    call_command("veille_matches", "--format", "json", "--family", "health", "--min-score", "90", stdout=out)
    assert [r["id"] for r in json.loads(out.getvalue())] == ["CVE-2024-0102"]
    out = StringIO()
    call_command("veille_matches", "--rematch", stdout=out, stderr=StringIO())
    assert "CVE-2024-0101" in out.getvalue() and "3 correspondances." in out.getvalue()


def test_the_admin_form_refuses_a_broken_pattern(db):
    vendor = WatchedVendor.objects.get(name="Fortinet")
    form = WatchedProductForm(
        data={
            "vendor": vendor.pk,
            "name": "FortiWeb",
            "family": Family.COMMON_IT,
            "aliases": "[]",
            "cpe_patterns": '["fortinet:fortiweb"]',
            "name_patterns": '["(unclosed"]',
            "active": "on",
        }
    )
    assert not form.is_valid()
    assert set(form.errors) == {"cpe_patterns", "name_patterns"}


# --------------------------------------------------------------------------------------------------
# The cell's pages
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def matched(records):
    match_records(
        vulnerability_ids=[records["fortios"].pk, records["pacs"].pk, records["demo"].pk],
        advisory_ids=[records["icsma"].pk],
    )
    return records


def test_the_list_shows_the_matched_records_newest_first_to_acss_only(world, matched):
    url = reverse("veille:list")
    for persona in ("declarant_a", "ars_idf", "fssi", "admin"):
        assert world.client(persona).get(url).status_code == 404
    response = world.client("analyst").get(url)
    assert response.status_code == 200
    html = response.content.decode()
    order = [html.index(i) for i in ("CVE-2024-0102", "CVE-2024-0101", "ICSMA-19-274-01")]
    assert order == sorted(order)  # newest first
    assert "CVE-2024-0103" not in html  # the PHP demo application
    assert "Attention immédiate" in html and "Exploitée (KEV)" in html
    assert "<caption>" in html and 'scope="col"' in html
    assert " style=" not in html


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("family=health", ["CVE-2024-0102", "ICSMA-19-274-01"], ["CVE-2024-0101"]),
        ("family=common_it", ["CVE-2024-0101"], ["CVE-2024-0102"]),
        ("kev=on", ["CVE-2024-0101"], ["CVE-2024-0102", "ICSMA-19-274-01"]),
        ("immediate=on", ["CVE-2024-0101"], ["CVE-2024-0102"]),
        ("min_score=90", ["CVE-2024-0101", "CVE-2024-0102"], ["ICSMA-19-274-01"]),
        ("q=ssl-vpn", ["CVE-2024-0101"], ["CVE-2024-0102"]),
        ("min_score=deux-cents", ["CVE-2024-0101", "CVE-2024-0102"], []),
    ],
)
def test_the_list_filters(world, matched, query, shown, hidden):
    html = world.client("analyst").get(reverse("veille:list") + "?" + query).content.decode()
    for identifier in shown:
        assert identifier in html, (query, identifier)
    for identifier in hidden:
        assert identifier not in html, (query, identifier)


def test_the_list_filters_by_vendor(world, matched):
    philips = WatchedVendor.objects.get(name="Philips")
    html = world.client("analyst").get(reverse("veille:list"), {"vendor": philips.pk}).content.decode()
    assert "CVE-2024-0102" in html and "CVE-2024-0101" not in html


def test_the_list_costs_a_constant_number_of_queries(world, matched, django_assert_max_num_queries):
    client = world.client("analyst")
    url = reverse("veille:list")
    client.get(url)  # session, user, rights: warmed
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for i in range(30):
        vulnerability(f"CVE-2024-03{i:02d}", vendor="Philips", product="IntelliVue MX40", cvss=8.1)
    match_records(vulnerability_ids=Vulnerability.objects.values_list("pk", flat=True))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count('scope="row"') == 33


def test_the_detail_shows_the_record_and_why_it_matched(world, matched):
    client = world.client("analyst")
    url = reverse("veille:detail", args=["cve", "CVE-2024-0101"])
    assert world.client("declarant_a").get(url).status_code == 404
    html = client.get(url).content.decode()
    assert "A heap overflow in Fortinet FortiOS SSL-VPN" in html
    assert "CPE cpe:2.3:o:fortinet:fortios correspond au produit surveillé Fortinet FortiOS" in html
    assert "Fortinet FortiOS" in html and "Attention immédiate" in html
    assert "ICSMA-19-274-01" in html  # the advisory that covers it
    html = client.get(reverse("veille:detail", args=["avis", "ICSMA-19-274-01"])).content.decode()
    assert "série ICSMA (avis médical de la CISA)" in html
    assert "VxWorks" in html and "6.1.31" in html
    assert 'href="/acss/veille/cve/CVE-2024-0101/"' in html and "CVE-2019-12256" in html
    assert 'href="https://www.cisa.gov/' in html and 'href="javascript:' not in html
    assert " style=" not in html and "<caption>" in html
    assert client.get(reverse("veille:detail", args=["cve", "CVE-2099-9999"])).status_code == 404
    assert client.get(reverse("veille:detail", args=["autre", "CVE-2024-0101"])).status_code == 404


def test_the_watchlist_page(world, matched):
    url = reverse("veille:watchlist")
    assert world.client("ars_idf").get(url).status_code == 404
    html = world.client("analyst").get(url).content.decode()
    assert "Phillips" in html and "General Electric (GE)" in html and "cpe:2.3:*:fortinet:fortios" in html
    assert " style=" not in html and "<caption>" in html
