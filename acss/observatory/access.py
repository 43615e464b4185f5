"""Who sees what of the observatory, built on ``acss.incidents.access``.

- the published years (« en bref », report, exports, open data) are public;
- the cell reads the live dashboards of the whole country and of every region, and publishes a year;
- an ARS agent reads the live dashboard of its own region(s) only;
- anyone else reads neither dashboard (the 404 of a missing page)."""

from __future__ import annotations

from acss.incidents import access as incident_access


def publishes(actor_or_user) -> bool:
    """The cell: the national dashboard, publishing a year, a corrected re-publication."""
    return incident_access.is_cell(actor_or_user)


def dashboard_regions(actor_or_user) -> frozenset[str] | None:
    """The regions whose live dashboard the person reads: ``None`` every one (the cell), an ARS its own, anyone else
    none (an empty set)."""
    return incident_access.board_region_codes(actor_or_user)


def reads_region(actor_or_user, code: str) -> bool:
    codes = dashboard_regions(actor_or_user)
    return codes is None or code in codes
