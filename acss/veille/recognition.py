"""What a record describes: is it a health product, whoever makes it? A pure function, with a checkable reason.

The watch-list (``watchlist.py``) knows makers and products by name; ``recognise(item)`` reads what the record
itself says the product is — its affected products' names, the CSAF product tree's names, the product field of
its CPEs, its title and description — against a vocabulary of **strong product terms** (DICOM, PACS, HL7, FHIR,
radiotherapy and treatment planning, laboratory information systems, patient records, infusion pumps, patient
monitors, ventilators, pacemakers and their programmers, ultrasound, modality worklists…).

Where a term appears decides what it is worth (the best of each field, summed, at most ``MAX_POINTS``):

==================  ======  ===================================================================================
field               points  what
==================  ======  ===================================================================================
product name        60      an affected product's name, or a CSAF product-tree name
CPE product         40      the product field of a CPE ("vue_pacs" read "vue pacs")
title               50      the record's title
description         25      per distinct term of the description, at most 50 (one word in passing is no product);
                            a category word ("medical devices") in the title counts as in the description
==================  ======  ===================================================================================

A record is recognised when it reaches ``RECOGNISED_AT`` (50): a term in a product name; a term in the title and
the description; or two distinct terms in the description. Negative evidence vetoes: the PHP demo applications
("Hospital Management System" and the like, by code-projects, PHPGurukul, SourceCodester, itsourcecode…) and
WordPress / Joomla / Elementor plugins. Terms are whole words ("Infusionsoft" is no infusion pump) read outside
URLs ("…?q=HL7XVE…" is no HL7). Vendor fields naming a CERT or a coordinator ("CERT@VDE", "ICS-CERT",
"JPCERT/CC", "Medical Device Manufacturer") are no maker (``is_coordinator``): the matcher ignores them and the
product decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .normalized import NormalizedItem

RECOGNISED_AT = 50
MAX_POINTS = 60
PRODUCT_POINTS = 60
CPE_POINTS = 40
TITLE_POINTS = 50
DESCRIPTION_POINTS = 25
DESCRIPTION_MAX = 50

# Field keys, with the words a reason names them by.
PRODUCT_FIELD = "product"
CPE_FIELD = "cpe"
TITLE_FIELD = "title"
DESCRIPTION_FIELD = "description"
FIELD_LABELS = {
    PRODUCT_FIELD: _("le nom du produit"),
    CPE_FIELD: _("le CPE"),
    TITLE_FIELD: _("le titre"),
    DESCRIPTION_FIELD: _("la description"),
}
FIELD_POINTS = {PRODUCT_FIELD: PRODUCT_POINTS, CPE_FIELD: CPE_POINTS, TITLE_FIELD: TITLE_POINTS}

# (term key, pattern) — the key is what the reason names; patterns are read in lower case, as whole words.
TERMS: tuple[tuple[str, str], ...] = (
    ("DICOM", r"dicom\w*"),
    ("PACS", r"pacs|picture archiving( and communication)?"),
    ("HL7", r"hl7|hl-7"),
    ("FHIR", r"fhir"),
    ("radiothérapie", r"radiotherap\w*|radiation (therapy|oncology)|brachytherap\w*|linear accelerators?|linac"),
    ("planification de traitement", r"treatment planning"),
    ("radiologie", r"radiology|radiological information system|ris/pacs"),
    (
        "imagerie médicale",
        r"medical imag\w*|molecular imaging|mammograph\w*|tomosynthesis|computed tomography|magnetic resonance|"
        r"pet/ct|spect(/ct)?",
    ),
    ("cardiologie", r"cardiovascular|cardiology"),
    ("échographie", r"ultrasound|ultrasonograph\w*|echocardiograph\w*"),
    ("liste de travail des modalités", r"modality work ?lists?"),
    (
        "laboratoire",
        r"laboratory information (management )?systems?|lims|microbiology|clinical (laborator\w*|chemistry)|"
        r"specimen processors?|hematology|immunoassay",
    ),
    (
        "dossier patient",
        r"electronic (health|medical|patient) records?|ehr|emr|patient records? (system|software)|"
        r"dossier patient( informatis[eé])?|hospital information systems?",
    ),
    ("pompe à perfusion", r"(infusion|syringe|insulin|volumetric) pumps?|infusion systems?"),
    ("moniteur patient", r"(patient|bedside|vital signs?|fetal|cardiac) monitor\w*|patient monitoring"),
    ("ventilateur", r"(icu|anesthesia|anaesthesia|mechanical|critical care|medical) ventilators?|ventilators"),
    ("stimulateur cardiaque", r"pacemakers?|defibrillators?|cardioverter\w*|neurostimulators?"),
    ("programmateur de dispositif implanté", r"(pacemaker|implant\w*|clinician) programmers?"),
    ("électrocardiographe", r"electrocardiograph\w*|ecg|ekg|holter"),
    ("dispositif médical", r"medical devices?|medical systems?|in vitro diagnostic\w*|ivd"),
    ("glycémie", r"(blood )?glucose (monitor|meter)s?|continuous glucose|diabet\w*"),
    ("dialyse", r"dialys[ie]s|hemodialysis"),
    ("anesthésie", r"an(a)?esthesia (machine|workstation|system|device|station)s?"),
    ("implant", r"implant(ed|able) (cardiac )?devices?"),
    ("dispensation de médicaments", r"(medication|medicine|drug) dispens\w*|automated dispensing|medstation"),
    ("chirurgie", r"(electro)?surgical (generator|system|robot|platform)s?|endo-surgery|electrosurgery"),
    ("appel infirmier", r"nurse call"),
    ("séquenceur", r"(dna )?sequencers?|sequencing (instrument|system)s?"),
)
_TERMS_RE = re.compile(
    r"(?<![a-z0-9])(?:" + "|".join(f"(?P<t{i}>{p})" for i, (_key, p) in enumerate(TERMS)) + r")(?![a-z0-9])"
)
# A gate before the patterns (most texts hold none): every pattern's match holds one of these words, or a word
# beginning with one of these stems. ``tests/test_veille_recognition_labelled.py`` checks the gate drops nothing.
GATE_WORDS = frozenset(
    "pacs picture hl7 hl fhir radiation linac planning radiology radiological ris tomosynthesis tomography resonance "
    "pet spect cardiovascular cardiology ultrasound modality laboratory lims microbiology clinical specimen "
    "hematology immunoassay ehr emr dossier hospital infusion medical ecg ekg holter vitro ivd glucose hemodialysis "
    "anesthesia anaesthesia medstation surgery nurse".split()
)
GATE_STEMS = (
    "dicom", "radiotherap", "brachytherap", "accelerator", "imag", "mammograph", "ultrasonograph", "echocardiograph",
    "record", "pump", "monitor", "ventilator", "pacemaker", "defibrillator", "cardioverter", "neurostimulator",
    "programmer", "electrocardiograph", "diabet", "dialys", "implant", "dispens", "surgical", "electrosurg", "sequenc",
)  # fmt: skip
_GATE_WORD = re.compile(r"[a-z0-9]+")
_GATE_HEADS = frozenset(stem[:4] for stem in GATE_STEMS)


def _gated(text: str) -> bool:
    """Whether a lower-case text may hold a term at all (cheap: a set of words, before the patterns)."""
    found = set(_GATE_WORD.findall(text))
    if not found.isdisjoint(GATE_WORDS):
        return True
    return any(w.startswith(GATE_STEMS) for w in found if w[:4] in _GATE_HEADS)


# Terms that are only worth something in a product name or a CPE (too common in a prose sentence).
NAME_ONLY = frozenset({"ventilateur", "séquenceur", "électrocardiographe", "stimulateur cardiaque"})
# Words of a category rather than of a product: in a title ("…Affecting Multiple Medical Devices") worth what they are
# in a description.
CATEGORY_TERMS = frozenset({"dispositif médical"})

# Negative evidence: sellers of PHP demo applications, their products' names, CMS plugins.
DEMO_APP_VENDOR_RE = re.compile(
    r"^(sourcecodesters?|code[ -]?projects|phpgurukul|itsourcecode|campcodes|codeastro|kashipara|janobe|"
    r"projectworlds|codezips|oretnom23|remoteclinic|bdtask|fabianros|razormist)$"
)
DEMO_APP_NAME_RE = re.compile(
    r"\b(hospital|clinic|clinics|patient|patients|pharmacy|doctor|doctors|medical|medicine|blood bank|laboratory|"
    r"dental|diagnostic|healthcare|health care|covid|vaccination|vaccine)\b.*\b(management|appointment|booking|"
    r"queu\w*|record|records|card generation|donation|store|sale|point of sale)\b.*\b(system|portal|app|"
    r"application)s?\b"
)
PLUGIN_RE = re.compile(r"\b(wordpress|wp plugin|elementor|joomla|drupal module|woocommerce|prestashop module)\b")
URL_RE = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+")

# Vendor fields naming who coordinated the disclosure, not who makes the product.
COORDINATOR_RE = re.compile(
    r"(^|[^a-z])(cert|csirt|psirt)([^a-z]|$)|cert@|cert/cc|jpcert|ics-cert|cisa|ncsc|bsi\b|anssi|"
    r"coordinat|medical device manufacturer|device manufacturer|^vendor$|^manufacturer$",
)


def is_coordinator(vendor: str) -> bool:
    """A vendor field that names a CERT or a coordinator ("CERT@VDE", "ICS-CERT", "JPCERT/CC"), or a placeholder
    ("Medical Device Manufacturer"): no maker at all."""
    return bool(vendor) and bool(COORDINATOR_RE.search(vendor.lower()))


@dataclass(frozen=True)
class Hit:
    term: str
    field: str
    text: str  # the words found, as written

    @property
    def points(self) -> int:
        if self.term in CATEGORY_TERMS and self.field == TITLE_FIELD:
            return DESCRIPTION_POINTS
        return FIELD_POINTS.get(self.field, DESCRIPTION_POINTS)


@dataclass(frozen=True)
class Recognition:
    points: int
    hits: tuple[Hit, ...]

    @property
    def recognised(self) -> bool:
        return self.points >= RECOGNISED_AT

    @property
    def reason(self) -> str:
        """French and checkable: which term, in which field, as written there."""
        parts = [
            str(_("« %(text)s » (%(term)s) dans %(field)s"))
            % {"text": h.text, "term": h.term, "field": FIELD_LABELS[h.field]}
            for h in self.hits
        ]
        return str(_("produit de santé reconnu à ce qu'il décrit : %(parts)s")) % {"parts": " ; ".join(parts)}


def _terms_in(text: str, field: str, *, gate: bool = True) -> list[Hit]:
    hits: list[Hit] = []
    if gate and not _gated(text):
        return hits
    for m in _TERMS_RE.finditer(text):
        key = TERMS[int(m.lastgroup[1:])][0]
        if field in (TITLE_FIELD, DESCRIPTION_FIELD) and key in NAME_ONLY:
            continue
        hits.append(Hit(term=key, field=field, text=m.group(0)))
    return hits


def _without_urls(text: str) -> str:
    return URL_RE.sub(" ", text) if "://" in text or "www." in text else text


def _cpe_product(cpe: str) -> str:
    fields = re.split(r"(?<!\\):", cpe) if "\\" in cpe else cpe.split(":")
    return fields[4].replace("_", " ").replace("\\", "") if len(fields) > 4 else ""


def vetoed(item: NormalizedItem) -> bool:
    """Negative evidence: a PHP demo application, or a CMS plugin."""
    for entry in item.affected:
        vendor = " ".join(re.findall(r"[a-z0-9]+", entry.vendor.lower()))
        if DEMO_APP_VENDOR_RE.match(vendor) or DEMO_APP_NAME_RE.search(entry.product.lower()):
            return True
    head = f"{item.title}\n{item.description[:600]}".lower()
    if DEMO_APP_NAME_RE.search(item.title.lower()) or PLUGIN_RE.search(head):
        return True
    return any(PLUGIN_RE.search(e.product.lower()) for e in item.affected)


def recognise(item: NormalizedItem) -> Recognition | None:
    """The health-product terms of what the record describes, weighed by field; None when nothing is said.

    ``Recognition.recognised`` tells whether they are enough (a vetoed record — demo application, plugin — is None).
    """
    names = {e.product for e in item.affected if e.product} | {n for n in item.product_names if n}
    cpes = {p for p in (_cpe_product(c) for c in item.cpes) if p}
    found: list[Hit] = []
    if _gated("\n".join([*names, *cpes]).lower()):
        for name in names:
            found += _terms_in(name.lower(), PRODUCT_FIELD)
        for name in cpes:
            found += _terms_in(name.lower(), CPE_FIELD)
    prose = f"{item.title}\n{item.description}".lower()
    if _gated(prose):
        found += _terms_in(_without_urls(item.title.lower()), TITLE_FIELD, gate=False)
        found += _terms_in(_without_urls(item.description.lower()), DESCRIPTION_FIELD, gate=False)
    if not found or vetoed(item):
        return None
    best: dict[str, Hit] = {}
    described: dict[str, Hit] = {}
    for hit in found:
        if hit.field == DESCRIPTION_FIELD or (hit.field == TITLE_FIELD and hit.term in CATEGORY_TERMS):
            described.setdefault(hit.term, hit)
        elif hit.field not in best or hit.points > best[hit.field].points:
            best.setdefault(hit.field, hit)
    points = sum(h.points for h in best.values())
    points += min(DESCRIPTION_MAX, DESCRIPTION_POINTS * len(described))
    hits = tuple(sorted(best.values(), key=lambda h: -h.points)) + tuple(described.values())[:3]
    return Recognition(points=min(MAX_POINTS, points), hits=hits)
