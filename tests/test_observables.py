"""Observables on cases: recognising and normalising indicators (defanged forms too), adding them (typed,
extracted after confirmation, STIX 2.1), and the correlations that only the cell sees."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from acss.core.errors import Refusal
from acss.core.models import AuditEvent
from acss.incidents.models import Addendum, Declaration, Message, MessageKind
from acss.observables import normalize as n
from acss.observables import selectors, services
from acss.observables.models import CaseObservable, Observable

RANSOMWARE = """Rançongiciel LockBit 3.0 sur le site principal

Ce matin vers 6 h, l'équipe de nuit a constaté que les postes du service de radiologie affichaient une demande de
rançon. M. Dupont, RSSI, a isolé le réseau. Environ 3.5 % des postes sont chiffrés ; le PACS (version 7.2.5) est
touché. La note de rançon (fichier rapport.pdf puis LockBit_Readme.txt) renvoie vers lockbitsupp[.]onion et vers
hxxps://decrypt-lockbit[.]com/portal?id=4711 ; l'adresse de contact est negociation[at]protonmail[.]com.

Le pare-feu montre des connexions sortantes vers 185.220.101[.]45 et 91[.]215[.]85[.]12, ainsi que vers
2a03:b0c0:3:d0::1a2b:1. L'exécutable déposé (svchost32.exe) a pour empreinte SHA-256
8D3F68B16F0710F858D8C1D2C699260E6F43161A5510ABB0E7BA567BD72C965B et pour MD5 9e107d9d372bb6826bd81d3542a419d6.
L'intrusion est passée par la passerelle Citrix (CVE-2023-4966, « Citrix Bleed »), voir l'avis du CERT Santé
sur www.cert.ssi.gouv.fr. Mesures prises : coupure d'Internet, réinitialisation des comptes, dépôt de plainte.
"""

EXPECTED = {
    ("domain", "lockbitsupp.onion"),
    ("url", "https://decrypt-lockbit.com/portal?id=4711"),
    ("email", "negociation@protonmail.com"),
    ("ipv4", "185.220.101.45"),
    ("ipv4", "91.215.85.12"),
    ("ipv6", "2a03:b0c0:3:d0::1a2b:1"),
    ("sha256", "8d3f68b16f0710f858d8c1d2c699260e6f43161a5510abb0e7ba567bd72c965b"),
    ("md5", "9e107d9d372bb6826bd81d3542a419d6"),
    ("cve", "CVE-2023-4966"),
    ("domain", "www.cert.ssi.gouv.fr"),
}


# --- recognising and normalising --------------------------------------------------------------------------


def test_extraction_on_a_ransomware_declaration_finds_exactly_the_indicators():
    found = n.extract(RANSOMWARE)
    assert {(c.kind, c.value) for c in found} == EXPECTED
    assert len(found) == len(EXPECTED)
    for c in found:  # each span points at the text as written
        written = RANSOMWARE[c.span[0] : c.span[1]]
        assert n.normalize(c.kind, written) == c.value


@pytest.mark.parametrize(
    "prose",
    [
        "M. Dupont a appelé à 10:30:00.",
        "3.5 % des postes, version 7.2.5, puis 10.0.17763.1.",
        "Le fichier rapport.pdf, le script setup.py et le journal README.md.",
        "Voir p.ex. le chap. 3, c.-à-d. la fin. Début du suivant.",
        "Le serveur S.A.S. Durand, la note n.b. et l'avis etc.",
    ],
)
def test_ordinary_french_prose_gives_no_observable(prose):
    assert n.extract(prose) == []


def test_a_file_like_country_code_counts_when_defanged_or_with_more_labels():
    assert [(c.kind, c.value) for c in n.extract("vers mal[.]sh et cdn.mal.sh")] == [
        ("domain", "mal.sh"),
        ("domain", "cdn.mal.sh"),
    ]


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("ipv6", "2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("ipv6", "2001[:]db8[:][:]1", "2001:db8::1"),
        ("domain", "Evil (dot) Example [.] COM.", "evil.example.com"),
        ("url", "HXXPS[:]//Evil[.]Example(.)com/Chemin?Q=1", "https://evil.example.com/Chemin?Q=1"),
        ("email", "Jean.Martin (at) exemple[.]fr", "jean.martin@exemple.fr"),
        ("email", "jean[@]exemple{.}fr", "jean@exemple.fr"),
        ("sha1", "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        ("cve", "cve-2021-44228", "CVE-2021-44228"),
    ],
)
def test_normalize(kind, value, expected):
    assert n.normalize(kind, value) == expected


@pytest.mark.parametrize(
    ("kind", "value"),
    [("ipv4", "300.1.1.1"), ("ipv4", "2001:db8::1"), ("domain", "rapport.pdf"), ("md5", "abc"), ("cve", "CVE-21")],
)
def test_normalize_refuses_in_french(kind, value):
    with pytest.raises(n.InvalidObservable, match="n'"):
        n.normalize(kind, value)


# --- properties: every defanged variant normalises back; normalising is idempotent ------------------------

LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)
TLD = st.sampled_from(sorted(n.TLDS))
DOMAINS = st.builds(lambda labels, tld: ".".join([*labels, tld]), st.lists(LABEL, min_size=1, max_size=3), TLD)
EMAILS = st.builds(
    lambda local, d: f"{local}@{d}", st.from_regex(r"[a-z0-9][a-z0-9._+-]{0,10}", fullmatch=True), DOMAINS
)
URLS = st.builds(
    lambda scheme, d, path: f"{scheme}://{d}/{path}",
    st.sampled_from(["http", "https"]),
    DOMAINS,
    st.from_regex(r"[a-zA-Z0-9_/-]{0,12}", fullmatch=True),
)
DOTS = ["[.]", "(.)", "{.}", "[dot]", "(dot)", " [.] ", " (dot) "]
ATS = ["[at]", "(at)", "[@]", " [at] "]


def defanged(kind: str, value: str) -> list[str]:
    """Every defanged way of writing ``value`` that analysts use."""
    variants = [value, value.upper() if kind in ("domain", "email") else value]
    for dot in DOTS:
        variants.append(value.replace(".", dot))
        variants.append(value.replace(".", dot, 1))
    if kind == "email":
        variants += [v.replace("@", at) for v in list(variants) for at in ATS]
    if kind == "url":
        variants += [v.replace("http", "hxxp", 1) for v in list(variants)]
        variants += [v.replace("://", "[:]//", 1) for v in list(variants)]
    if kind == "ipv6":
        variants.append(value.replace(":", "[:]"))
    return variants


def _check_variants(kind: str, value: str) -> None:
    normal = n.normalize(kind, value)
    assert n.normalize(kind, normal) == normal
    for variant in defanged(kind, value):
        assert n.normalize(kind, variant) == normal, variant


@settings(max_examples=150, deadline=None)
@given(DOMAINS)
def test_defanged_domains_normalise_back(value):
    _check_variants("domain", value)
    for variant in defanged("domain", value)[2:]:
        assert [(c.kind, c.value) for c in n.extract(f"Trafic vers {variant} ce matin.")] == [("domain", value)], (
            variant
        )


@settings(max_examples=150, deadline=None)
@given(EMAILS)
def test_defanged_emails_normalise_back(value):
    _check_variants("email", value)


@settings(max_examples=150, deadline=None)
@given(URLS)
def test_defanged_urls_normalise_back(value):
    _check_variants("url", value)
    normal = n.normalize("url", value)
    for variant in defanged("url", value):
        assert [(c.kind, c.value) for c in n.extract(f"Lien : {variant} (reçu par courriel)")] == [("url", normal)], (
            variant
        )


@settings(max_examples=150, deadline=None)
@given(st.ip_addresses())
def test_defanged_addresses_normalise_back(address):
    kind = "ipv4" if address.version == 4 else "ipv6"
    _check_variants(kind, address.exploded)
    assert n.normalize(kind, address.exploded) == address.compressed


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["md5", "sha1", "sha256"]).flatmap(lambda k: st.tuples(st.just(k), st.binary())))
def test_hashes_normalise_to_lower_case_and_idempotently(kind_and_data):
    import hashlib

    kind, data = kind_and_data
    digest = hashlib.new(kind, data).hexdigest()
    assert n.normalize(kind, digest.upper()) == digest == n.normalize(kind, n.normalize(kind, digest))
    assert n.guess_kind(digest) == kind


# --- the services -------------------------------------------------------------------------------------------


def test_adding_the_same_observable_twice_records_it_once(world):
    analyst = world.personas["analyst"]
    first = services.observables_add(by=analyst, declaration=world.decl_a, kind="", value="185.220.101[.]45")
    again = services.observables_add(by=analyst, declaration=world.decl_a, kind="ipv4", value="185.220.101.45")
    assert first.created and not again.created and first.row == again.row
    services.observables_add(
        by=world.personas["declarant_b"], declaration=world.decl_b, kind="", value="185.220.101.45"
    )
    assert Observable.objects.filter(kind="ipv4", value="185.220.101.45").count() == 1
    assert CaseObservable.objects.count() == 2
    assert AuditEvent.objects.filter(action="observable.added").count() == 2


def test_adding_refuses_a_wrong_value_and_an_ars(world):
    with pytest.raises(Refusal, match="adresse IPv4"):
        services.observables_add(by=world.personas["analyst"], declaration=world.decl_a, kind="ipv4", value="::1")
    with pytest.raises(Refusal, match="Seules la structure et la cellule"):
        services.observables_add(by=world.personas["ars_idf"], declaration=world.decl_a, kind="", value="a.example.fr")
    assert not CaseObservable.objects.exists()


def test_extraction_reads_texts_addenda_and_the_thread_the_person_reads(world):
    decl = world.decl_a
    Declaration.objects.filter(pk=decl.pk).update(description=RANSOMWARE)
    decl.refresh_from_db()
    now = timezone.now()
    Addendum.objects.create(
        declaration=decl, kind="new_fact", body="Nouveau C2 : 45.9.148[.]221", author=decl.created_by, created_at=now
    )
    question = Message.objects.create(
        declaration=decl,
        kind=MessageKind.QUESTION,
        author=world.personas["analyst"],
        body="Avez-vous vu c2[.]lockbit-support[.]net ?",
        created_at=now,
    )
    Message.objects.create(
        declaration=decl,
        kind=MessageKind.NOTE,
        author=world.personas["analyst"],
        body="Lié à 203.0.113.77",
        created_at=now,
    )
    services.observables_add(by=world.personas["analyst"], declaration=decl, kind="", value="185.220.101.45")
    assert question.pk

    for_structure = {
        (c.kind, c.value) for c in services.observables_extract(declaration=decl, user=world.personas["declarant_a"])
    }
    extra = {("ipv4", "45.9.148.221"), ("domain", "c2.lockbit-support.net")}
    assert for_structure == (EXPECTED - {("ipv4", "185.220.101.45")}) | extra
    for_cell = {
        (c.kind, c.value) for c in services.observables_extract(declaration=decl, user=world.personas["analyst"])
    }
    assert for_cell == for_structure | {("ipv4", "203.0.113.77")}


def test_extraction_page_offers_then_records_what_was_ticked(world):
    decl = world.decl_a
    Declaration.objects.filter(pk=decl.pk).update(description=RANSOMWARE)
    client = world.client("declarant_a")
    url = reverse("observables:extract", kwargs={"reference": decl.reference})
    page = client.get(url).content.decode()
    assert "negociation@protonmail.com" in page and "CVE-2023-4966" in page
    response = client.post(url, {"candidates": ["email|negociation@protonmail.com", "cve|CVE-2023-4966"]})
    assert response.status_code == 302
    assert set(CaseObservable.objects.values_list("observable__value", "source")) == {
        ("negociation@protonmail.com", "extracted"),
        ("CVE-2023-4966", "extracted"),
    }
    assert AuditEvent.objects.filter(action="observable.extracted").count() == 1
    # Nothing ticked: said in French, nothing written.
    response = client.post(url, {})
    assert response.status_code == 400 and "Cochez au moins un observable" in response.content.decode()
    assert world.client("ars_idf").get(url).status_code == 403


# stix2 validates every object: identifiers are « type--UUID », SDOs and relationships carry their timestamps
# (created, modified; an indicator its valid_from) and a relationship its two ends.
WHEN = {"created": "2026-11-20T03:00:00.000Z", "modified": "2026-11-20T03:00:00.000Z"}
IDENTITY = "identity--311b2d2d-f010-4473-83ec-1edf84858f4c"
INDICATOR_1 = "indicator--a1a1a1a1-0000-4000-8000-000000000001"


def stix_id(kind: str, n: int) -> str:
    return f"{kind}--00000000-0000-4000-8000-{n:012d}"


STIX_GOOD = {
    "type": "bundle",
    "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
    "objects": [
        {"type": "identity", "spec_version": "2.1", "id": IDENTITY, "name": "CERT Santé", **WHEN},
        {
            "type": "indicator",
            "spec_version": "2.1",
            "id": INDICATOR_1,
            "pattern_type": "stix",
            "pattern": "[ipv4-addr:value = '185.220.101.45'] OR [domain-name:value = 'Decrypt-Lockbit.com']",
            "valid_from": "2026-11-20T03:00:00Z",
            **WHEN,
        },
        {
            "type": "indicator",
            "spec_version": "2.1",
            "id": stix_id("indicator", 2),
            "pattern_type": "stix",
            "pattern": "[file:hashes.'SHA-256' = '8D3F68B16F0710F858D8C1D2C699260E6F43161A5510ABB0E7BA567BD72C965B'"
            " AND file:name = 'svchost32.exe']",
            "valid_from": "2026-11-20T03:00:00Z",
            **WHEN,
        },
        {
            "type": "indicator",
            "spec_version": "2.1",
            "id": stix_id("indicator", 3),
            "pattern_type": "sigma",
            "pattern": "x",
            "valid_from": "2026-11-20T03:00:00Z",
            **WHEN,
        },
        {
            "type": "url",
            "spec_version": "2.1",
            "id": stix_id("url", 1),
            "value": "hxxps://decrypt-lockbit[.]com/portal",
        },
        {
            "type": "email-addr",
            "spec_version": "2.1",
            "id": stix_id("email-addr", 1),
            "value": "negociation@protonmail.com",
        },
        {"type": "ipv6-addr", "spec_version": "2.1", "id": stix_id("ipv6-addr", 1), "value": "2a03:b0c0:3:d0::1a2b:1"},
        {
            "type": "file",
            "spec_version": "2.1",
            "id": stix_id("file", 1),
            "hashes": {"MD5": "9E107D9D372BB6826BD81D3542A419D6"},
        },
        {
            "type": "vulnerability",
            "spec_version": "2.1",
            "id": stix_id("vulnerability", 1),
            "name": "CVE-2023-4966",
            **WHEN,
        },
        {
            "type": "relationship",
            "spec_version": "2.1",
            "id": stix_id("relationship", 1),
            "relationship_type": "indicates",
            "source_ref": INDICATOR_1,
            "target_ref": IDENTITY,
            **WHEN,
        },
    ],
}


def _bundle(data) -> SimpleUploadedFile:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return SimpleUploadedFile("lot.json", raw, content_type="application/json")


def test_stix_import_through_the_page(world):
    client = world.client("analyst")
    url = reverse("observables:stix", kwargs={"reference": world.decl_a.reference})
    assert client.post(url, {"file": _bundle(STIX_GOOD)}).status_code == 302
    assert set(CaseObservable.objects.values_list("observable__kind", "observable__value")) == {
        ("ipv4", "185.220.101.45"),
        ("domain", "decrypt-lockbit.com"),
        ("sha256", "8d3f68b16f0710f858d8c1d2c699260e6f43161a5510abb0e7ba567bd72c965b"),
        ("url", "https://decrypt-lockbit.com/portal"),
        ("email", "negociation@protonmail.com"),
        ("ipv6", "2a03:b0c0:3:d0::1a2b:1"),
        ("md5", "9e107d9d372bb6826bd81d3542a419d6"),
        ("cve", "CVE-2023-4966"),
    }
    assert set(CaseObservable.objects.values_list("source", flat=True)) == {"stix"}
    assert AuditEvent.objects.filter(action="observable.stix_imported").count() == 1


INDICATOR = {
    "type": "indicator",
    "spec_version": "2.1",
    "pattern_type": "stix",
    "valid_from": "2026-11-20T03:00:00Z",
    **WHEN,
}


def _with(obj: dict) -> dict:
    return {**STIX_GOOD, "objects": [*STIX_GOOD["objects"], obj]}


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"{pas du json", "n'est pas un JSON valide"),
        ({"type": "report", "id": "report--1"}, "n'est pas un lot STIX 2.1"),
        (
            _with({**INDICATOR, "id": stix_id("indicator", 90), "pattern": "ipv4-addr:value = 1"}),
            f"L'indicateur « {stix_id('indicator', 90)} » a un motif STIX illisible",
        ),
        (
            _with({"type": "ipv4-addr", "id": stix_id("ipv4-addr", 91), "value": "999.1.1.1"}),
            f"« {stix_id('ipv4-addr', 91)} » porte une",
        ),
        (
            _with({**INDICATOR, "id": stix_id("indicator", 92), "pattern": "[file:hashes.MD5 = 'abc']"}),
            f"« {stix_id('indicator', 92)} » porte une valeur invalide",
        ),
        # What stix2 refuses besides: an identifier that is not « type--UUID », a required property missing.
        (
            _with({"type": "ipv4-addr", "id": "ipv4-addr--1", "value": "1.2.3.4"}),
            "« ipv4-addr--1 » a un identifiant invalide",
        ),
        (
            _with({"type": "indicator", "id": stix_id("indicator", 93), "pattern": "[ipv4-addr:value = '1.2.3.4']"}),
            f"« {stix_id('indicator', 93)} » n'a pas ses propriétés obligatoires",
        ),
        (_with({"type": "domain-name", "value": "a.fr"}), "n'a pas de « type » ou d'« id »"),
    ],
)
def test_a_bad_stix_bundle_is_refused_whole_in_french(world, data, says):
    client = world.client("declarant_a")
    response = client.post(
        reverse("observables:stix", kwargs={"reference": world.decl_a.reference}), {"file": _bundle(data)}
    )
    assert response.status_code == 400
    assert says in response.content.decode().replace("&#x27;", "'").replace("&laquo;", "«").replace("&raquo;", "»")
    assert not CaseObservable.objects.exists() and not Observable.objects.exists()


# --- correlations: the cell only ----------------------------------------------------------------------------


@pytest.fixture
def shared(world):
    """Declarations A and B both saw the same address; A also has one of its own."""
    analyst = world.personas["analyst"]
    services.observables_add(by=analyst, declaration=world.decl_a, kind="", value="185.220.101.45")
    services.observables_add(by=analyst, declaration=world.decl_a, kind="", value="seul-a.example.fr")
    services.observables_add(by=analyst, declaration=world.decl_b, kind="", value="185.220.101[.]45")
    return world


def test_correlations_selector_is_for_the_cell_only(shared, django_assert_num_queries):
    world = shared
    with django_assert_num_queries(1):
        seen = selectors.correlations(user=world.personas["analyst"], declaration=world.decl_a)
    ip = Observable.objects.get(kind="ipv4")
    assert list(seen) == [ip.pk]
    assert [(s.reference, s.structure) for s in seen[ip.pk]] == [(world.decl_b.reference, "Hôpital B")]
    for persona in ("declarant_a", "manager_a", "ars_idf", "dgs", "fssi"):
        assert selectors.correlations(user=world.personas[persona], declaration=world.decl_a) == {}, persona


def test_the_page_shows_also_seen_in_to_the_cell_only(shared):
    world = shared
    url = reverse("observables:list", kwargs={"reference": world.decl_a.reference})
    cell = world.client("analyst").get(url).content.decode()
    assert "Aussi vu dans :" in cell and world.decl_b.reference in cell and "Hôpital B" in cell
    for persona in ("declarant_a", "ars_idf", "dgs"):
        page = world.client(persona).get(url).content.decode()
        assert "185.220.101.45" in page and "seul-a.example.fr" in page, persona
        assert "Aussi vu dans" not in page and world.decl_b.reference not in page and "Hôpital B" not in page, persona
    # Only those who may add see the forms.
    assert "observables/ajouter/" in world.client("declarant_a").get(url).content.decode()
    assert "observables/ajouter/" not in world.client("ars_idf").get(url).content.decode()


def test_typed_observable_through_the_page(world):
    client = world.client("manager_a")
    url = reverse("observables:add", kwargs={"reference": world.decl_a.reference})
    assert (
        client.post(url, {"kind": "", "value": "hxxp://phish[.]example[.]fr/login", "note": "Courriel"}).status_code
        == 302
    )
    row = CaseObservable.objects.get()
    assert (row.observable.kind, row.observable.value, row.source, row.note) == (
        "url",
        "http://phish.example.fr/login",
        "typed",
        "Courriel",
    )
    response = client.post(url, {"kind": "ipv4", "value": "pas une adresse"})
    assert response.status_code == 400 and "adresse IP valide" in response.content.decode()
