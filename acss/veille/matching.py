"""Which imported records concern what structures run: a pure matcher, then ``match_records`` to store it.

The watch-list is loaded once per batch into a ``WatchList`` (compiled names, patterns and CPE index);
``match_item(item, watch)`` scores one ``NormalizedItem`` against it and returns a ``MatchResult`` per watched
product (or per health maker, or for the record itself when only its series or sector speak).

Evidence, and what each is worth (the best of each kind, summed, at most 100):

========================  ======  ==============================================================================
kind                      points  what
========================  ======  ==============================================================================
``cpe`` (identifier)      40      a CPE of the record fits a product's CPE prefix
``cpe_name`` (identifier) 35      an affected entry's product, when its names are only its CPE's fields (CISA's
                                  ADP entries), is a watched product's name
``cpe_vendor`` (ident.)   10/25   the same for a vendor (25 for a health maker)
``vendor``                20/55   an affected entry's vendor is a watched vendor (55 for a health maker; 20 when
                                  only a shared spelling such as "~General Electric (GE)" names it)
``product``               50/60   an affected product or CSAF product-tree name is a watched product's name
                                  (60 when the entry's vendor is the watched one; 50 when it is unknown or a
                                  shorter spelling such as "Siemens"; products of ``ANY_VENDOR``: 50)
``text``                  45/50   the title or description names a watched product (50); a product's component
                                  pattern ("LDAP", "Kerberos") counts only when the record names its vendor (45)
``text_weak``             15      the text uses a health product word (DICOM, HL7, FHIR, PACS…): a hint only
``series``                60      a CSAF advisory of the ICSMA series (CISA's medical advisories)
``sector``                50      a CSAF advisory whose sole sector is "healthcare and public health"
``recognition``           50–60   what the record describes is a health product (``recognition.py``: strong terms
                                  weighed by field — product name, CPE, title, description —, whoever the maker)
========================  ======  ==============================================================================

Identifiers (``cpe``, ``cpe_name``, ``cpe_vendor``) add at most 40 together. A result is a **match** when its score is at least
``MATCH_THRESHOLD`` (50) *and* it holds at least one evidence that is not an identifier: **no match rests on an
identifier alone**. A CPE, or a product's name met in the text, whose product's vendor is contradicted by the
vendors the record itself names (its CNA's entries, not the CPE-derived ones) is dropped.

Guards against the floods of the public data: PHP demo applications ("Hospital Management
System", "Blood Bank", "Medical Card Generation"…) and their sellers give no health evidence at all; health words
in a text are only a hint (recognition needs a product name, or two terms); CMS plugins give no generic health
product; vendor fields naming a CERT or a coordinator are no maker; names are matched as whole words ("Infusionsoft" is no infusion pump, "HL7" inside a
URL is not in the text matched).

Priority (``priority_for``): KEV 35, known ransomware use 10, CVSS × 3, EPSS × 15, health 10 / common IT 5, score
÷ 10, at most 100. ``immediate``: CVSS ≥ 8 on a watched product or maker (not on a series or sector alone).
"""

from __future__ import annotations

import fnmatch
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from .normalized import AffectedProduct, NormalizedItem
from .recognition import is_coordinator, recognise, vetoed
from .watchlist import ANY_VENDOR, COMMON_IT, HEALTH, iter_watchlist

logger = logging.getLogger(__name__)

MATCH_THRESHOLD = 50
IMMEDIATE_CVSS = 8.0
IDENTIFIER_CAP = 40

CPE = "cpe"
CPE_NAME = "cpe_name"
CPE_VENDOR = "cpe_vendor"
VENDOR = "vendor"
PRODUCT = "product"
TEXT = "text"
TEXT_WEAK = "text_weak"
SERIES = "series"
SECTOR = "sector"
RECOGNITION = "recognition"
IDENTIFIER_KINDS = frozenset({CPE, CPE_NAME, CPE_VENDOR})

HEALTH_SECTOR = "healthcare and public health"
# A vendor alias written "~General Electric (GE)" is a spelling shared with other trades: it names the vendor
# (its products' names then agree), but is not by itself evidence of a health product.
SHARED_MARK = "~"
MEDICAL_SERIES = "ICSMA"

# Sellers of PHP demo applications, and the names of those applications: never a health product.
DEMO_APP_VENDORS = frozenset(
    {
        "sourcecodester",
        "sourcecodesters",
        "code projects",
        "codeprojects",
        "phpgurukul",
        "itsourcecode",
        "campcodes",
        "codeastro",
        "kashipara",
        "janobe",
        "projectworlds",
        "codezips",
        "oretnom23",
        "remoteclinic",
    }
)
DEMO_APP_RE = re.compile(
    r"\b(hospital|clinic|clinics|patient|patients|pharmacy|doctor|doctors|medical|medicine|blood bank|laboratory|"
    r"dental|diagnostic|healthcare|health care|covid|vaccination|vaccine|hostel|student)\b"
    r".*\b(management|appointment|booking|queu\w*|record|records|card generation|donation|store|sale|point of sale)\b"
    r".*\b(system|portal|app|application)s?\b",
    re.IGNORECASE,
)

_UNKNOWN_VENDORS = frozenset({"", "n a", "na", "unknown", "none", "not applicable", "various", "multiple", "n"})
_LEGAL_WORDS = frozenset(
    {
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "company",
        "ltd",
        "limited",
        "llc",
        "gmbh",
        "ag",
        "sa",
        "sas",
        "sarl",
        "se",
        "plc",
        "oy",
        "ab",
        "bv",
        "nv",
        "kk",
        "srl",
        "spa",
        "pvt",
        "pte",
        "lp",
        "llp",
        "the",
        "project",
    }
)
_MARKS = str.maketrans("", "", "™®©")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_VENDOR_PARTS = re.compile(r"\s*(?:,|;|/|&|\(|\)|\band\b)\s*", re.IGNORECASE)


# ------------------------------------------------------------------------------------------------------
# Normalisation
# ------------------------------------------------------------------------------------------------------


def _fix_mojibake(value: str) -> str:
    """UTF-8 read as Windows-1252 ("Alarisâ„¢", "YhtymÃ¤"), as found in CISA's files."""
    if not any(c in value for c in "ÃÂâ"):
        return value
    try:
        return value.encode("cp1252").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def fold(value: str) -> str:
    """Lower case, without accents, trademark signs or mojibake: what names and texts are compared in."""
    value = value or ""
    if value.isascii():
        return value.lower()
    value = unicodedata.normalize("NFKD", _fix_mojibake(value).translate(_MARKS))
    return "".join(c for c in value if not unicodedata.combining(c)).lower()


def normalize_vendor(value: str) -> str:
    """A vendor name reduced to its words: "Becton, Dickinson and Company (BD)" → "becton dickinson and bd".

    Case, accents, punctuation and legal forms ("Inc.", "Corp.", "GmbH", "Co", "Ltd"…) go; "&" reads "and";
    what was in parentheses stays as words ("General Electric (GE)" → "general electric ge").
    """
    words = _NON_ALNUM.sub(" ", fold(value).replace("&", " and ")).split()
    words = [w for w in words if w not in _LEGAL_WORDS]
    while words and words[-1] == "and":
        words.pop()
    return " ".join(words)


def vendor_keys(name: str) -> set[str]:
    """The spellings a vendor name is recognised by: the name, without its parenthesis, and squeezed."""
    keys = {normalize_vendor(name), normalize_vendor(re.sub(r"\([^)]*\)", " ", name))}
    for key in list(keys):
        squeezed = key.replace(" ", "")
        if " " in key and len(squeezed) >= 6:
            keys.add(squeezed)
    return {k for k in keys if k}


def is_unknown_vendor(value: str) -> bool:
    """No maker: empty, "n/a"…, or a CERT or coordinator named in the vendor field ("CERT@VDE", "ICS-CERT")."""
    return normalize_vendor(value) in _UNKNOWN_VENDORS or is_coordinator(value)


_WORD = re.compile(r"[a-z0-9]+")


def words(value: str) -> list[str]:
    """The words of a folded text: names are compared word by word."""
    return _WORD.findall(fold(value))


def name_spellings(name: str) -> set[tuple[str, ...]]:
    """A name as word sequences, with and without its separators: "open-emr" meets "open emr" and "OpenEMR"."""
    tokens = tuple(words(name))
    if not tokens:
        return set()
    return {tokens, ("".join(tokens),)}


def product_label(vendor: str, product: str) -> str:
    """ "Fortinet FortiOS", but "Cisco Secure Client" (not "Cisco Cisco Secure Client")."""
    first = (words(vendor) or [""])[0]
    return product if first and (words(product) or [""])[0] == first else f"{vendor} {product}"


def split_cpe(cpe: str) -> list[str]:
    """The fields of a CPE 2.3 formatted string (escaped colons kept inside their field)."""
    return re.split(r"(?<!\\):", cpe or "")


# ------------------------------------------------------------------------------------------------------
# The watch-list, compiled
# ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class WatchVendor:
    id: int | None
    name: str
    family: str
    health_maker: bool
    keys: frozenset[str]

    @property
    def any_vendor(self) -> bool:
        return self.name == ANY_VENDOR


@dataclass(frozen=True, eq=False)
class WatchProduct:
    index: int
    id: int | None
    vendor: WatchVendor
    name: str
    family: str
    category: str

    @property
    def generic(self) -> bool:
        return self.vendor.any_vendor

    @property
    def label(self) -> str:
        return self.name if self.generic else product_label(self.vendor.name, self.name)


def _combined(sources: Sequence[str]) -> re.Pattern | None:
    sources = [s for s in sources if s]
    return re.compile("|".join(f"(?:{s})" for s in sources), re.IGNORECASE) if sources else None


class WatchList:
    """A snapshot of the active watch-list, compiled for matching many records (load it once per batch)."""

    def __init__(self, entries: Iterable[tuple[dict, list[dict]]]):
        self.vendors: list[WatchVendor] = []
        self.products: list[WatchProduct] = []
        self._key_vendor: dict[str, WatchVendor] = {}
        self._shared_keys: set[str] = set()
        # Distinctive names, in product names and in the text: by their first word, then the words that follow.
        self._names: dict[str, list[tuple[tuple[str, ...], int]]] = {}
        patterns: list[tuple[re.Pattern, int]] = []  # name patterns: in product names; in text with the vendor
        self._cpe_by_vendor: dict[str, list[tuple[list[str], int]]] = {}
        self._cpe_any_vendor: list[tuple[list[str], int]] = []
        for vdata, pdatas in entries:
            keys: set[str] = set()
            shared: set[str] = set()
            if vdata["name"] != ANY_VENDOR:
                for spelling in [vdata["name"], *vdata.get("aliases", [])]:
                    if spelling.startswith(SHARED_MARK):
                        shared |= vendor_keys(spelling[len(SHARED_MARK) :])
                    else:
                        keys |= vendor_keys(spelling)
                shared -= keys
                keys |= shared
            vendor = WatchVendor(
                id=vdata.get("id"),
                name=vdata["name"],
                family=vdata["family"],
                health_maker=bool(vdata.get("health_maker")),
                keys=frozenset(keys),
            )
            self.vendors.append(vendor)
            for key in keys:
                self._key_vendor.setdefault(key, vendor)
            self._shared_keys |= shared
            for pdata in pdatas:
                product = WatchProduct(
                    index=len(self.products),
                    id=pdata.get("id"),
                    vendor=vendor,
                    name=pdata["name"],
                    family=pdata.get("family") or vendor.family,
                    category=pdata.get("category", ""),
                )
                self.products.append(product)
                spellings = list(pdata.get("aliases", []))
                if not product.generic:
                    spellings.insert(0, product.name)
                for spelling in spellings:
                    for sequence in name_spellings(spelling):
                        self._names.setdefault(sequence[0], []).append((sequence, product.index))
                for source in pdata.get("name_patterns", []):
                    try:
                        patterns.append((re.compile(source, re.IGNORECASE), product.index))
                    except re.error as exc:
                        logger.warning("motif invalide ignoré pour %s : %r (%s)", product.label, source, exc)
                for prefix in pdata.get("cpe_patterns", []):
                    fields = split_cpe(prefix.strip().lower())
                    if len(fields) < 4 or fields[0] != "cpe" or fields[1] != "2.3":
                        logger.warning("motif CPE invalide ignoré pour %s : %r", product.label, prefix)
                        continue
                    target = (fields[2:], product.index)
                    if any(c in fields[3] for c in "*?["):
                        self._cpe_any_vendor.append(target)
                    else:
                        self._cpe_by_vendor.setdefault(fields[3], []).append(target)
        self._patterns = patterns
        # Products with name patterns: generic ones, and the others by vendor (the text reads only those it may).
        self.generic_patterned = {i for _, i in patterns if self.products[i].generic}
        self.patterned_by_vendor: dict[int, set[int]] = {}
        for _, i in patterns:
            if not self.products[i].generic:
                self.patterned_by_vendor.setdefault(id(self.products[i].vendor), set()).add(i)
        self._patterns_any = _combined([p.pattern for p, _ in patterns])
        ordered = sorted(self._key_vendor, key=len, reverse=True)
        self._keys_re = (
            re.compile(r"(?<![a-z0-9])(" + "|".join(re.escape(k) for k in ordered) + r")(?![a-z0-9])")
            if ordered
            else None
        )
        self._vendor_cache: dict[str, dict[WatchVendor, bool]] = {}
        self._name_cache: dict[str, tuple[frozenset[int], frozenset[int]]] = {}

    # Construction ---------------------------------------------------------------------------------

    @classmethod
    def from_data(cls) -> WatchList:
        """From ``watchlist.py``'s starter list, without the database (tests, benchmarks)."""
        return cls(iter_watchlist())

    @classmethod
    def from_db(cls) -> WatchList:
        """The active vendors and products as ACSS edited them: two queries."""
        from .models import WatchedProduct, WatchedVendor

        vendors = {
            v.pk: (
                {
                    "id": v.pk,
                    "name": v.name,
                    "aliases": list(v.aliases or []),
                    "family": v.family,
                    "health_maker": v.health_maker,
                },
                [],
            )
            for v in WatchedVendor.objects.filter(active=True).order_by("name")
        }
        for p in WatchedProduct.objects.filter(active=True, vendor__active=True).order_by("vendor__name", "name"):
            vendors[p.vendor_id][1].append(
                {
                    "id": p.pk,
                    "name": p.name,
                    "family": p.family,
                    "category": p.category,
                    "aliases": list(p.aliases or []),
                    "cpe_patterns": list(p.cpe_patterns or []),
                    "name_patterns": list(p.name_patterns or []),
                }
            )
        return cls(vendors.values())

    # Lookups --------------------------------------------------------------------------------------

    def vendors_in(self, value: str) -> dict[WatchVendor, bool]:
        """The watched vendors a record's vendor string names, each with whether only a shared spelling did.

        A vendor is named when one of its keys begins the string or one of its parts (split at commas, "and",
        "&", "/", parentheses): "Silex Technology and GE Healthcare" names GE HealthCare, "Hillrom and ELI,
        Baxter International Inc." names Baxter, "Drew Phillips" (a person) does not name Philips.
        """
        cached = self._vendor_cache.get(value)
        if cached is None:
            found: dict[WatchVendor, bool] = {}
            parts = {normalize_vendor(value)} | {normalize_vendor(p) for p in _VENDOR_PARTS.split(value)}
            for part in parts:
                if part in _UNKNOWN_VENDORS or self._keys_re is None:
                    continue
                for candidate in (part, part.replace(" ", "")):
                    m = self._keys_re.match(candidate)
                    if m is not None:
                        vendor = self._key_vendor[m.group(1)]
                        found[vendor] = found.get(vendor, True) and m.group(1) in self._shared_keys
            cached = self._vendor_cache[value] = found
        return cached

    def names_in(self, value: str) -> tuple[frozenset[int], frozenset[int]]:
        """(products whose distinctive name is in a product name, products whose name pattern is) — cached."""
        cached = self._name_cache.get(value)
        if cached is None:
            folded = fold(value)
            cached = (self.names_in_folded(folded), self.patterns_in_folded(folded))
            if len(value) < 300:
                self._name_cache[value] = cached
        return cached

    def names_in_folded(self, folded: str) -> frozenset[int]:
        """Products whose distinctive name is in a folded text, word for word."""
        found: set[int] = set()
        tokens = _WORD.findall(folded)
        for position, token in enumerate(tokens):
            for sequence, index in self._names.get(token, ()):
                if len(sequence) == 1 or tuple(tokens[position : position + len(sequence)]) == sequence:
                    found.add(index)
            bare = token.rstrip("0123456789")
            if bare != token and len(bare) >= 4:  # "InVesalius3", "FortiOS7"
                found.update(index for sequence, index in self._names.get(bare, ()) if len(sequence) == 1)
        return frozenset(found)

    def patterns_in_folded(self, folded: str, only: set[int] | None = None) -> frozenset[int]:
        """Products whose name pattern is in a folded text (``only``: look at these products' patterns alone)."""
        if only is None:
            if self._patterns_any is None or not self._patterns_any.search(folded):
                return frozenset()
            return frozenset(i for rx, i in self._patterns if rx.search(folded))
        return frozenset(i for rx, i in self._patterns if i in only and rx.search(folded))

    def products_for_cpe(self, cpe: str) -> set[int]:
        fields = split_cpe(cpe.lower())
        if len(fields) < 5 or fields[0] != "cpe":
            return set()
        rest = fields[2:]
        found = set()
        for pattern, index in self._cpe_by_vendor.get(rest[1], []) + self._cpe_any_vendor:
            if len(pattern) <= len(rest) and all(
                p in ("", "*") or fnmatch.fnmatchcase(v, p) for p, v in zip(pattern, rest, strict=False)
            ):
                found.add(index)
        return found

    def agreement(self, product: WatchProduct, vendor_value: str) -> str:
        """How an entry's vendor relates to a product's: agree, compatible, unknown or contradict."""
        if product.generic:
            return "unknown"
        normalized = normalize_vendor(vendor_value)
        if normalized in _UNKNOWN_VENDORS or is_coordinator(vendor_value):
            return "unknown"
        if product.vendor in self.vendors_in(vendor_value):
            return "agree"
        for key in product.vendor.keys:
            if key.startswith(normalized + " ") or normalized.startswith(key + " "):
                return "compatible"  # "Siemens" for Siemens Healthineers
        return "contradict"


# ------------------------------------------------------------------------------------------------------
# Matching one record
# ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    kind: str
    points: int
    reason: str

    @property
    def identifier(self) -> bool:
        return self.kind in IDENTIFIER_KINDS


@dataclass
class MatchResult:
    product: WatchProduct | None
    vendor: WatchVendor | None
    family: str
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def score(self) -> int:
        """The best evidence of each kind, summed; identifiers together at most ``IDENTIFIER_CAP``; at most 100."""
        best: dict[str, int] = {}
        for e in self.evidence:
            best[e.kind] = max(best.get(e.kind, 0), e.points)
        identifiers = sum(p for k, p in best.items() if k in IDENTIFIER_KINDS)
        others = sum(p for k, p in best.items() if k not in IDENTIFIER_KINDS)
        return min(100, min(identifiers, IDENTIFIER_CAP) + others)

    @property
    def reasons(self) -> list[str]:
        return [e.reason for e in self.evidence]

    @property
    def rests_on_identifier_alone(self) -> bool:
        return all(e.identifier for e in self.evidence)

    @property
    def is_match(self) -> bool:
        return self.score >= MATCH_THRESHOLD and not self.rests_on_identifier_alone

    @property
    def watched(self) -> bool:
        """A watched product or vendor (not only the advisory's series or sector)."""
        return self.product is not None or self.vendor is not None

    @property
    def label(self) -> str:
        if self.product is not None:
            return self.product.label
        if self.vendor is not None:
            return self.vendor.name
        return ""

    def add(self, evidence: Evidence) -> None:
        if evidence.reason not in {e.reason for e in self.evidence}:
            self.evidence.append(evidence)


def _cpe_fields(cpe: str) -> tuple[str, str]:
    fields = split_cpe(cpe)
    return (fields[3], fields[4]) if len(fields) > 4 else ("", "")


def _derived_from_cpe(entry: AffectedProduct) -> bool:
    """An entry whose vendor and product are only its CPE's fields (CISA's ADP entries): an identifier."""
    return any(_cpe_fields(c) == (entry.vendor, entry.product) for c in entry.cpes)


def _is_demo_app(entry: AffectedProduct) -> bool:
    return normalize_vendor(entry.vendor) in DEMO_APP_VENDORS or bool(DEMO_APP_RE.search(fold(entry.product)))


def _quote(value: str) -> str:
    value = " ".join(_fix_mojibake(value).split())
    return f"« {value[:120]} »"


def match_item(item: NormalizedItem, watch: WatchList) -> list[MatchResult]:
    """Every match of one record, best first (results below the threshold or on identifiers only are left out)."""
    return [r for r in evaluate_item(item, watch) if r.is_match]


def evaluate_item(item: NormalizedItem, watch: WatchList) -> list[MatchResult]:
    """Every candidate of one record, matches or not, best first (``match_item`` keeps the matches)."""
    products: dict[int, MatchResult] = {}
    vendor_evidence: dict[int, tuple[WatchVendor, list[Evidence]]] = {}
    demo = False

    def for_product(index: int) -> MatchResult:
        product = watch.products[index]
        if index not in products:
            products[index] = MatchResult(
                product=product, vendor=None if product.generic else product.vendor, family=product.family
            )
        return products[index]

    # What the record's own authors (not CPE copies) say the vendors are.
    entries = [(entry, _derived_from_cpe(entry)) for entry in item.affected]
    human_vendors = {e.vendor for e, derived in entries if not derived and not is_unknown_vendor(e.vendor)}

    def contradicted(product: WatchProduct) -> bool:
        if product.generic or not human_vendors:
            return False
        return all(watch.agreement(product, v) == "contradict" for v in human_vendors)

    # Names: each affected entry (vendor, product) and, for CSAF, the product tree's full names.
    named: list[tuple[AffectedProduct, bool, str]] = [(e, d, e.product) for e, d in entries]
    if item.product_names:
        if len(item.product_names) == len(item.affected):
            named += [
                (e, d, n)
                for (e, d), n in zip(entries, item.product_names, strict=True)
                if n and not n.startswith(e.product or "\0")  # "DCMTK: All versions prior to 3.6.7" adds nothing
            ]
        else:
            named += [(AffectedProduct(), False, n) for n in item.product_names]
    for entry, derived, name in named:
        if _is_demo_app(entry):
            demo = True
            continue
        for vendor, shared in watch.vendors_in(entry.vendor).items():
            if derived:
                evidence = Evidence(
                    CPE_VENDOR,
                    25 if vendor.health_maker else 10,
                    f"fabricant {_quote(entry.vendor)} (nom tiré d'un CPE) : {vendor.name}, surveillé",
                )
            elif vendor.health_maker and shared:
                evidence = Evidence(
                    VENDOR,
                    20,
                    f"fabricant surveillé : {vendor.name}, sous la graphie {_quote(entry.vendor)} partagée avec "
                    "d'autres activités (indice seulement)",
                )
            elif vendor.health_maker:
                evidence = Evidence(VENDOR, 55, f"fabricant de produits de santé surveillé : {vendor.name}")
            else:
                evidence = Evidence(VENDOR, 20, f"éditeur surveillé : {vendor.name}")
            vendor_evidence.setdefault(id(vendor), (vendor, []))[1].append(evidence)
        if not name:
            continue
        by_name, by_pattern = watch.names_in(name)
        for index in by_name | by_pattern:
            product = watch.products[index]
            agreement = watch.agreement(product, entry.vendor) if entry.vendor else "unknown"
            if agreement == "contradict":
                continue
            if derived:
                evidence = Evidence(
                    CPE_NAME, 35, f"produit {_quote(name)} (nom tiré d'un CPE) : produit surveillé {product.label}"
                )
            else:
                points = 60 if agreement == "agree" else 50
                evidence = Evidence(
                    PRODUCT, points, f"produit concerné {_quote(name)} : produit surveillé {product.label}"
                )
            for_product(index).add(evidence)

    # CPE strings.
    for cpe in item.cpes:
        for index in watch.products_for_cpe(cpe):
            product = watch.products[index]
            prefix = ":".join(split_cpe(cpe)[:5])
            for_product(index).add(Evidence(CPE, 40, f"CPE {prefix} correspond au produit surveillé {product.label}"))

    # The advisory's own series and sectors.
    record_health: list[Evidence] = []
    if item.series.upper() == MEDICAL_SERIES:
        record_health.append(Evidence(SERIES, 60, "série ICSMA (avis médical de la CISA)"))
    elif (item.sector or "") == HEALTH_SECTOR:
        # Only as its sole sector: industrial products list healthcare among many sectors they serve.
        record_health.append(Evidence(SECTOR, 50, "secteur « santé et santé publique », seul désigné par l'avis"))
    # What the record describes (recognition.py): a health product whoever makes it.
    recognition = recognise(item)
    if recognition is not None and recognition.recognised:
        record_health.append(Evidence(RECOGNITION, recognition.points, recognition.reason))

    # Text: title and description. Distinctive names always; a pattern only where it can count (a component of
    # a vendor the record names; a health word when the record already has a health candidate).
    text = fold(f"{item.title}\n{item.description}")
    health_hints: list[Evidence] = []
    if text.strip():
        by_name = watch.names_in_folded(text)
        for index in by_name:
            product = watch.products[index]
            if not product.generic:
                for_product(index).add(Evidence(TEXT, 50, f"le texte nomme le produit surveillé {product.label}"))
        named_vendors = {id(v) for v, _ in vendor_evidence.values()}
        health_candidate = (
            bool(record_health)
            or any(r.family == HEALTH for r in products.values())
            or any(v.health_maker for v, _ in vendor_evidence.values())
        )
        wanted = set(watch.generic_patterned) if health_candidate and not demo else set()
        for key in named_vendors:
            wanted |= watch.patterned_by_vendor.get(key, set())
        wanted -= by_name
        for index in watch.patterns_in_folded(text, only=wanted) if wanted else ():
            product = watch.products[index]
            if product.generic:
                health_hints.append(
                    Evidence(TEXT_WEAK, 15, f"le texte évoque un produit de santé ({product.name}) : indice faible")
                )
            else:
                for_product(index).add(
                    Evidence(TEXT, 45, f"le texte désigne un composant du produit surveillé {product.label}")
                )

    # Drop what the record's vendors contradict (a CPE or a name in the text of someone else's product).
    for index in list(products):
        if contradicted(watch.products[index]):
            del products[index]

    # Vendor evidence goes to the vendor's products; a health maker without a matched product is a result itself.
    results = list(products.values())
    matched_vendors = {id(r.product.vendor) for r in results if r.product is not None}
    for key, (vendor, evidences) in vendor_evidence.items():
        if key in matched_vendors:
            for result in results:
                if result.product is not None and result.product.vendor is vendor:
                    for e in evidences:
                        result.add(e)
        elif vendor.health_maker:
            result = MatchResult(product=None, vendor=vendor, family=HEALTH)
            for e in evidences:
                result.add(e)
            results.append(result)

    # Health evidence of the whole record goes to every health result, or makes one.
    health_results = [r for r in results if r.family == HEALTH]
    if record_health or health_hints:
        for result in health_results:
            for e in [*record_health, *health_hints]:
                result.add(e)
        if not health_results and record_health:
            result = MatchResult(product=None, vendor=None, family=HEALTH)
            for e in [*record_health, *health_hints]:
                result.add(e)
            results.append(result)

    # A demo application or a CMS plugin ("HL7 Viewer plugin for WordPress") is no generic health product.
    if any(r.product and r.product.generic for r in results) and vetoed(item):
        results = [r for r in results if not (r.product and r.product.generic)]

    # A product recognised only by a generic word ("DICOM Viewer") gives way to a named health match.
    if any(r.is_match and r.family == HEALTH and not (r.product and r.product.generic) for r in results):
        results = [r for r in results if not (r.product and r.product.generic)]

    # Names copied from a CPE say nothing more once the record's own names said it.
    for result in results:
        kinds = {e.kind for e in result.evidence}
        result.evidence = [
            e
            for e in result.evidence
            if not (e.kind == CPE_VENDOR and VENDOR in kinds) and not (e.kind == CPE_NAME and PRODUCT in kinds)
        ]
    results.sort(key=lambda r: (-r.score, r.label))
    return results


# ------------------------------------------------------------------------------------------------------
# Priority
# ------------------------------------------------------------------------------------------------------


def priority_for(
    *,
    score: int,
    family: str,
    cvss: float | None,
    kev: bool = False,
    ransomware: bool = False,
    epss: float | None = None,
) -> int:
    """0–100: exploited (KEV) first, then severity (CVSS), likelihood (EPSS), family and confidence (score).

    KEV 35, known ransomware use 10, CVSS × 3 (≤ 30), EPSS × 15, health 10 / common IT 5, score ÷ 10.
    """
    points = 0.0
    if kev:
        points += 35
    if ransomware:
        points += 10
    if cvss is not None:
        points += max(0.0, min(cvss, 10.0)) * 3
    if epss is not None:
        points += max(0.0, min(epss, 1.0)) * 15
    points += 10 if family == HEALTH else 5 if family == COMMON_IT else 0
    points += score / 10
    return min(100, round(points))


def is_immediate(result: MatchResult, cvss: float | None) -> bool:
    """CVSS ≥ 8 on a watched product or maker: for immediate attention."""
    return cvss is not None and cvss >= IMMEDIATE_CVSS and result.watched


# ------------------------------------------------------------------------------------------------------
# Storing matches
# ------------------------------------------------------------------------------------------------------


def item_from_row(row) -> NormalizedItem:
    """A stored Vulnerability or Advisory back in the normalised shape the matcher reads."""
    from .models import Advisory

    affected = []
    for entry in row.affected or []:
        if isinstance(entry, dict):
            affected.append(
                AffectedProduct(
                    vendor=str(entry.get("vendor") or ""),
                    product=str(entry.get("product") or ""),
                    versions=list(entry.get("versions") or []),
                    cpes=[str(c) for c in entry.get("cpes") or []],
                )
            )
    if isinstance(row, Advisory):
        return NormalizedItem(
            kind="csaf",
            identifier=row.tracking_id,
            title=row.title,
            description=row.description,
            affected=affected,
            cpes=list(row.cpes or []),
            product_names=[str(n) for n in row.product_names or []],
            cves=list(row.cves or []),
            cvss_score=row.cvss_score,
            series=row.series,
            sector=row.sector,
            publisher=row.publisher,
        )
    if getattr(row, "kev_vendor", "") or getattr(row, "kev_product", ""):
        # CISA's KEV names the vendor and product too, even before the CVE record arrives.
        affected.append(AffectedProduct(vendor=row.kev_vendor, product=row.kev_product))
    return NormalizedItem(
        kind="cve",
        identifier=row.cve_id,
        title=row.title,
        description=row.description,
        affected=affected,
        cpes=list(row.cpes or []),
        cvss_score=row.cvss_score,
    )


@dataclass
class MatchSummary:
    records: int = 0
    matched: int = 0
    matches: int = 0
    health: int = 0
    common_it: int = 0


def _chunks(ids: Iterable[int], size: int) -> Iterator[list[int]]:
    chunk: list[int] = []
    for i in ids:
        chunk.append(int(i))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _matches_for(results: list[MatchResult], *, cvss, kev, ransomware, epss, link: dict) -> list:
    from .models import Match

    return [
        Match(
            **link,
            product_id=r.product.id if r.product is not None else None,
            vendor_id=r.vendor.id if r.vendor is not None else None,
            family=r.family,
            score=r.score,
            reasons=r.reasons,
            priority=priority_for(score=r.score, family=r.family, cvss=cvss, kev=kev, ransomware=ransomware, epss=epss),
            immediate=is_immediate(r, cvss),
        )
        for r in results
    ]


def match_records(
    *,
    vulnerability_ids: Iterable[int] = (),
    advisory_ids: Iterable[int] = (),
    watch: WatchList | None = None,
    batch_size: int = 500,
) -> MatchSummary:
    """Match the given records (primary keys) and store their ``Match`` rows, replacing the previous ones.

    The watch-list is loaded once for the call. Each batch costs a fixed number of queries: read the records
    (and, for advisories, their CVEs' KEV and EPSS), delete their matches, insert the new ones.
    """
    from django.db import transaction

    from .models import Advisory, Match, Vulnerability
    from .triage import triage_ensure

    watch = watch or WatchList.from_db()
    summary = MatchSummary()

    def store(rows: list, new: list, filter_key: str, ids: list[int]) -> None:
        with transaction.atomic():
            Match.objects.filter(**{f"{filter_key}__in": ids}).delete()
            Match.objects.bulk_create(new, batch_size=500)
            # Every matched record gets its row in the cell's triage queue (set-based; kept when it stops matching).
            triage_ensure(**{f"{filter_key}_ids": {getattr(m, f"{filter_key}_id") for m in new}})
        summary.records += len(rows)
        summary.matches += len(new)
        summary.matched += len({getattr(m, f"{filter_key}_id") for m in new})
        summary.health += sum(1 for m in new if m.family == HEALTH)
        summary.common_it += sum(1 for m in new if m.family == COMMON_IT)

    vuln_fields = [
        "id",
        "cve_id",
        "title",
        "description",
        "affected",
        "cpes",
        "cvss_score",
        "kev",
        "kev_ransomware",
        "kev_vendor",
        "kev_product",
        "epss",
    ]
    for chunk in _chunks(vulnerability_ids, batch_size):
        rows = list(Vulnerability.objects.filter(pk__in=chunk).only(*vuln_fields))
        new = []
        for v in rows:
            results = match_item(item_from_row(v), watch)
            new += _matches_for(
                results,
                cvss=v.cvss_score,
                kev=v.kev,
                ransomware=v.kev_ransomware,
                epss=v.epss,
                link={"vulnerability_id": v.pk},
            )
        store(rows, new, "vulnerability", chunk)

    advisory_fields = [
        "id",
        "tracking_id",
        "title",
        "description",
        "affected",
        "product_names",
        "cpes",
        "cves",
        "cvss_score",
        "series",
        "sector",
        "publisher",
    ]
    for chunk in _chunks(advisory_ids, batch_size):
        rows = list(Advisory.objects.filter(pk__in=chunk).only(*advisory_fields))
        cve_ids = {c for a in rows for c in a.cves or []}
        known = {
            v["cve_id"]: v
            for v in Vulnerability.objects.filter(cve_id__in=cve_ids).values("cve_id", "kev", "kev_ransomware", "epss")
        }
        new = []
        for a in rows:
            covered = [known[c] for c in a.cves or [] if c in known]
            epss_values = [v["epss"] for v in covered if v["epss"] is not None]
            results = match_item(item_from_row(a), watch)
            new += _matches_for(
                results,
                cvss=a.cvss_score,
                kev=any(v["kev"] for v in covered),
                ransomware=any(v["kev_ransomware"] for v in covered),
                epss=max(epss_values) if epss_values else None,
                link={"advisory_id": a.pk},
            )
        store(rows, new, "advisory", chunk)
    return summary


def match_all(*, batch_size: int = 500) -> MatchSummary:
    """Match every imported record again (after the watch-list changed)."""
    from .models import Advisory, Vulnerability

    return match_records(
        vulnerability_ids=list(Vulnerability.objects.order_by("pk").values_list("pk", flat=True)),
        advisory_ids=list(Advisory.objects.order_by("pk").values_list("pk", flat=True)),
        batch_size=batch_size,
    )
