"""Who sees what of a provider's incident, built on ``acss.incidents.access``.

- the ACSS cell manages everything (open, link, message, close) and sees every victim;
- an ARS sees the parent and only its region's victims (their references and structures);
- a structure sees, on its own declaration, the parent's state and public summary, and the number of other
  structures hit only when the cell allowed it (``share_victim_count``);
- nobody else learns of other victims."""

from __future__ import annotations

from acss.incidents import access as incident_access


def manages_providers(actor_or_user) -> bool:
    """The cell: the list, the suggestions, linking, the message to all, the closure."""
    return incident_access.is_cell(actor_or_user)


def victim_region_codes(actor_or_user) -> frozenset[str] | None:
    """The regions whose victims the person sees: ``None`` every region (the cell), an ARS its own, anyone else
    none (an empty set)."""
    return incident_access.board_region_codes(actor_or_user)


def reads_parent(actor_or_user) -> bool:
    """The cell and the ARS read a provider's incident page (the ARS scoped to its region)."""
    codes = victim_region_codes(actor_or_user)
    return codes is None or bool(codes)


def sees_victim_count(*, parent) -> bool:
    """A structure sees how many others are hit only when the cell shares it."""
    return bool(parent.share_victim_count)
