"""The keys inventory items and alerts are compared on (pure): names normalised as the watch matches them, and
the vendor and product fields of a CPE 2.3 formatted string.

- ``name_key(vendor, product)``: ``veille.matching.normalize_vendor`` of the vendor (case, accents, legal forms
  gone) and the product's words, « Fortinet, Inc. » / « FortiOS » → ``fortinet|fortios``;
- ``cpe_parse(value)``: a ``Cpe`` (vendor, product, version, the string completed to its 13 fields) or None when
  the value is not a CPE 2.3 formatted string naming a vendor and a product;
- ``cpe_key(cpe)``: ``vendor:product`` of a CPE, lower case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from acss.veille.matching import normalize_vendor, split_cpe, words

CPE_FIELDS = 13  # cpe, 2.3, part, vendor, product, version, update, edition, language, sw_edition, target_sw, …
_PARTS = {"a", "o", "h", "*", "-"}
_FIELD = re.compile(r"^(?:\*|-|(?:[^\s:*?\\]|\\.)+(?:[*?])?|[*?](?:[^\s:*?\\]|\\.)+)$")
_ANY = {"", "*", "-"}


def product_words(value: str) -> str:
    return " ".join(words(value))


def name_key(vendor: str, product: str) -> str:
    return f"{normalize_vendor(vendor or '')}|{product_words(product)}"


@dataclass(frozen=True)
class Cpe:
    value: str
    vendor: str
    product: str
    version: str

    @property
    def key(self) -> str:
        return f"{self.vendor}:{self.product}"


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value)


def cpe_parse(value: str) -> Cpe | None:
    """A CPE 2.3 formatted string (``cpe:2.3:part:vendor:product[:version…]``, completed with ``*`` up to its 13
    fields), or None when it is not one or names no vendor and product."""
    value = (value or "").strip()
    fields = split_cpe(value)
    if not (5 <= len(fields) <= CPE_FIELDS) or fields[0].lower() != "cpe" or fields[1] != "2.3":
        return None
    if fields[2].lower() not in _PARTS or any(not _FIELD.match(f) for f in fields[3:]):
        return None
    vendor, product = fields[3].lower(), fields[4].lower()
    if vendor in _ANY or product in _ANY or any(c in vendor + product for c in "*?"):
        return None
    fields = [f.lower() if i < 5 else f for i, f in enumerate(fields)]
    fields += ["*"] * (CPE_FIELDS - len(fields))
    version = "" if fields[5] in _ANY else _unescape(fields[5])
    return Cpe(value=":".join(fields), vendor=vendor, product=product, version=version)


def cpe_key(value: str) -> str:
    cpe = cpe_parse(value)
    return cpe.key if cpe else ""


def cpe_label(part: str) -> str:
    """A CPE field as a name: « vue_pacs » → « vue pacs »."""
    return _unescape(part).replace("_", " ")
