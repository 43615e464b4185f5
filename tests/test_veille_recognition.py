"""Recognising a health product from what a record describes (``acss/veille/recognition.py``), unit by unit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acss.veille.matching import RECOGNITION, WatchList, evaluate_item, match_item
from acss.veille.models import Family
from acss.veille.normalized import AffectedProduct, NormalizedItem
from acss.veille.recognition import (
    DESCRIPTION_POINTS,
    PRODUCT_POINTS,
    RECOGNISED_AT,
    TERMS,
    is_coordinator,
    recognise,
)


def record(*, vendor="n/a", product="n/a", title="", text="", cpes=(), names=(), kind="cve", sector="", series=""):
    return NormalizedItem(
        kind=kind,
        identifier="CVE-2099-0001" if kind == "cve" else "ICSA-99-001-01",
        title=title,
        description=text,
        affected=[AffectedProduct(vendor=vendor, product=product, cpes=list(cpes))],
        cpes=list(cpes),
        product_names=list(names),
        sector=sector,
        series=series,
    )


@pytest.fixture(scope="module")
def watch() -> WatchList:
    return WatchList.from_data()


@pytest.mark.parametrize(
    ("product", "term"),
    [
        ("Acme DICOM Gateway", "DICOM"),
        ("Nova PACS Server", "PACS"),
        ("HL7 Interface Engine", "HL7"),
        ("fhir-server", "FHIR"),
        ("Eclipse Radiotherapy Suite", "radiothérapie"),
        ("Orion Treatment Planning", "planification de traitement"),
        ("LabCore Laboratory Information System", "laboratoire"),
        ("Open EHR Platform", "dossier patient"),
        ("VitaFlow Infusion Pump", "pompe à perfusion"),
        ("Bedside Patient Monitor X2", "moniteur patient"),
        ("Aura ICU Ventilator", "ventilateur"),
        ("Rhythm Pacemaker Programmer", "stimulateur cardiaque"),
        ("SonoView Ultrasound", "échographie"),
        ("Modality Worklist Broker", "liste de travail des modalités"),
    ],
)
def test_a_strong_term_in_a_product_name_is_enough_whoever_the_maker(product, term):
    found = recognise(record(vendor="Unknown Startup Ltd", product=product))
    assert found is not None and found.recognised
    assert found.points >= PRODUCT_POINTS >= RECOGNISED_AT
    assert term in {h.term for h in found.hits}
    # The reason names the term as written, and where it was found.
    assert "dans le nom du produit" in found.reason
    assert product.split()[0] in product and any(h.text in product.lower() for h in found.hits)


def test_a_word_in_passing_is_no_product():
    one = recognise(record(text="A path traversal in the HL7 sensor of the monitoring tool."))
    assert one is not None and one.points == DESCRIPTION_POINTS and not one.recognised
    # Two distinct terms in the description, or a title and a description, are.
    two = recognise(record(text="The PACS archive accepts crafted DICOM files."))
    assert two.recognised and "la description" in two.reason
    titled = recognise(record(title="Flaws in the Acme Infusion Pump", text="Crafted HL7 messages crash it."))
    assert titled.recognised and "le titre" in titled.reason
    # A CPE's product field counts, less than a name.
    cpe = recognise(record(cpes=["cpe:2.3:a:acme:dicom_viewer:1.0:*:*:*:*:*:*:*"]))
    assert cpe is not None and not cpe.recognised and "le CPE" in cpe.reason
    # Ventilators, sequencers, pacemakers: only in a name (too common a word in prose).
    assert recognise(record(text="The ventilator fan and the pacemaker thread race.")) is None


@pytest.mark.parametrize(
    ("vendor", "product", "title", "text"),
    [
        ("code-projects", "Hospital Management System", "", "SQL injection in the DICOM upload of patient records."),
        ("SourceCodester", "Clinic PACS Uploader", "", "XSS."),
        ("n/a", "Patient Record Management System", "", "An HL7 import page is vulnerable."),
        ("NicheAddons", "Medical Addon for Elementor", "", "WordPress plugin: DICOM viewer widget XSS."),
        ("Acme", "HL7 Viewer", "", "The Acme HL7 Viewer plugin for WordPress is vulnerable to XSS."),
        ("Keap", "Infusionsoft Forms", "", "Stored XSS in the Infusionsoft opt-in forms."),
        ("Google", "gRPC", "", "See https://www.google.com/url?q=HL7XVEVTNIGEYBNKJBLL and http://x.test/dicom/pacs."),
    ],
)
def test_demo_applications_plugins_and_lookalikes_are_no_health_product(watch, vendor, product, title, text):
    item = record(vendor=vendor, product=product, title=title, text=text)
    found = recognise(item)
    assert found is None or not found.recognised
    assert not any(r.family == Family.HEALTH for r in match_item(item, watch))


@pytest.mark.parametrize(
    "vendor", ["CERT@VDE", "ICS-CERT", "JPCERT/CC", "CERT/CC", "Medical Device Manufacturer", "CISA", "NCSC-NL"]
)
def test_a_vendor_field_naming_a_cert_is_no_maker_and_the_product_decides(watch, vendor):
    assert is_coordinator(vendor)
    item = record(vendor=vendor, product="Orthanc", text="Orthanc before 1.12.2 has an XSS in its DICOM web viewer.")
    [result] = match_item(item, watch)
    # Without the rule the coordinator would contradict the watched product named in the text.
    assert result.family == Family.HEALTH and result.product.label == "Orthanc"
    unknown_product = record(vendor=vendor, product="SonoView Ultrasound System 3")
    assert [r.family for r in match_item(unknown_product, watch)] == [Family.HEALTH]


@pytest.mark.parametrize("vendor", ["Philips", "Acme Certification Labs", "Concert Software", "Siemens", "Fortinet"])
def test_makers_are_not_taken_for_coordinators(vendor):
    assert not is_coordinator(vendor)


def test_the_match_keeps_the_reason_of_the_recognition(watch):
    item = record(vendor="Brightwave Imaging Oy", product="Brightwave DICOM Router", text="A heap overflow.")
    [result] = match_item(item, watch)
    assert result.family == Family.HEALTH
    reasons = [e.reason for e in result.evidence if e.kind == RECOGNITION]
    assert reasons == [
        "produit de santé reconnu à ce qu'il décrit : « dicom » (DICOM) dans le nom du produit",
    ]


def test_the_healthcare_sector_counts_only_as_the_sole_sector(watch):
    plc = record(kind="csaf", vendor="Acme", product="S7 Controller", sector="energy, healthcare and public health")
    assert match_item(plc, watch) == []
    alone = record(kind="csaf", vendor="Acme", product="Hospital Courier Robot", sector="healthcare and public health")
    [result] = match_item(alone, watch)
    assert result.family == Family.HEALTH
    assert "secteur « santé et santé publique », seul désigné par l'avis" in result.reasons
    # A health product among several sectors is still recognised by what it is.
    named = record(kind="csaf", vendor="Acme", product="Acme PACS", names=["Acme PACS 4.2"], sector="energy, water")
    assert [r.family for r in match_item(named, watch)] == [Family.HEALTH]


def test_a_recognition_below_the_threshold_adds_no_candidate(watch):
    item = record(vendor="Acme", product="Widget", text="Widget can forward HL7 messages.")
    assert [r for r in evaluate_item(item, watch) if any(e.kind == RECOGNITION for e in r.evidence)] == []


_filler = st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyz "), min_size=0, max_size=40)


@given(prefix=_filler, suffix=_filler, index=st.integers(0, len(TERMS) - 1))
def test_terms_are_whole_words(prefix, suffix, index):
    """A term glued to other letters ("Infusionsoft", "xdicomx") is never found; set apart, it always is."""
    key, _pattern = TERMS[index]
    spelled = {
        "DICOM": "dicom",
        "PACS": "pacs",
        "HL7": "hl7",
        "FHIR": "fhir",
        "pompe à perfusion": "infusion pump",
    }.get(key)
    if spelled is None:
        return
    glued = recognise(record(product=f"{prefix}x{spelled}x{suffix}"))
    assert glued is None or key not in {h.term for h in glued.hits if h.field == "product"}
    apart = recognise(record(product=f"{prefix} {spelled} {suffix}"))
    assert apart is not None and key in {h.term for h in apart.hits}


@given(st.text(max_size=200))
def test_recognise_takes_any_text(text):
    found = recognise(record(vendor=text, product=text[:50], title=text[:80], text=text))
    assert found is None or 0 < found.points <= 60
