"""What accounts add to « Mon espace »: the organisations the person belongs to and, for the cell, the
registrations waiting for its verification."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from acss.core.panels import Panel, Shortcut

from .selectors import actor_for


def memberships_panel(user) -> Panel:
    memberships = user.memberships.select_related("organisation").order_by("organisation__name")
    return Panel("accounts/panels/memberships.html", {"memberships": memberships})


def pending_registrations_shortcut(user) -> Shortcut | None:
    if not actor_for(user).is_acss:
        return None
    return Shortcut(_("Inscriptions à vérifier"), reverse("accounts:pending_structures"), secondary=True)
