"""Which watch-list product an inventory line is (pure, given a compiled ``veille.matching.WatchList``).

The watch's own vocabulary decides: a CPE that fits a product's CPE prefix first; then the product's name or one
of its aliases found, as whole words, in the line's product name, when the line's vendor does not contradict the
product's maker (« Vue PACS » of « Philips » or of no vendor, not of « Agfa »). Products recognised whatever their
maker (« Tout fabricant ») are never suggested: they name a kind of product, not one a structure runs.
"""

from __future__ import annotations

from acss.veille.matching import WatchList


def suggest(watch: WatchList, *, vendor: str, product: str, cpe: str = "") -> int | None:
    """The id of the watched product the line most likely is, or None."""
    candidates = []
    if cpe:
        for index in sorted(watch.products_for_cpe(cpe)):
            candidate = watch.products[index]
            if not candidate.generic:
                candidates.append((0, candidate.name, candidate.id))
    names, _patterns = watch.names_in(product)
    for index in sorted(names):
        candidate = watch.products[index]
        if candidate.generic:
            continue
        agreement = watch.agreement(candidate, vendor or "")
        if agreement == "contradict":
            continue
        candidates.append((1 if agreement == "agree" else 2, candidate.name, candidate.id))
    if not candidates:
        return None
    return min(candidates)[2]
