"""How numbers are worded for a French reader, in one place: file sizes, patients, hours.

File sizes are binary (1 Mo = 1 048 576 octets), the unit French users see in their file managers, and are
written with the French unit names (octets, Ko, Mo, Go) and a decimal comma: the limit of the settings and the
size of a refused file are formatted by the same function, so they can be compared.
"""

from __future__ import annotations

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

FILE_SIZE_UNITS = ("Ko", "Mo", "Go", "To")


def _french_count(n: int) -> int:
    """French takes the singular up to 1 (« 0 patient »), English-style plural rules would not."""
    return 1 if abs(n) < 2 else n


def file_size(size: int) -> str:
    """« 512 octets », « 1,5 Ko », « 20 Mo » (binary multiples, one decimal at most)."""
    size = int(size or 0)
    if size < 1024:
        return ngettext("%(n)s octet", "%(n)s octets", _french_count(size)) % {"n": size}
    value = float(size)
    unit = FILE_SIZE_UNITS[0]
    for unit in FILE_SIZE_UNITS:
        value /= 1024
        if value < 1024:
            break
    text = formats.number_format(round(value, 1), decimal_pos=1)
    decimal = formats.get_format("DECIMAL_SEPARATOR")
    if text.endswith(f"{decimal}0"):
        text = text[:-2]
    return f"{text}\u00a0{unit}"


def patients(count: int | None) -> str:
    """« 1 patient », « 120 patients », « 1 200 patients »; "" when unknown."""
    if count is None or count == "":
        return ""
    count = int(count)
    number = formats.number_format(count, force_grouping=True)
    return ngettext("%(n)s patient", "%(n)s patients", _french_count(count)) % {"n": number}


def hours(count: int | None) -> str:
    """« 1 heure », « 12 heures »; "" when unknown."""
    if count is None or count == "":
        return ""
    count = int(count)
    number = formats.number_format(count, force_grouping=True)
    return ngettext("%(n)s heure", "%(n)s heures", _french_count(count)) % {"n": number}


def yes_no(value: bool) -> str:
    return _("Oui") if value else _("Non")
