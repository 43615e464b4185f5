"""What the subscriptions add to « Mon espace »: a « Mes abonnements » button (``subscriptions_shortcut``, to be
listed in ``SHORTCUTS`` of ``acss/portal/dashboard.py``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from acss.core.panels import Shortcut


def subscriptions_shortcut(user) -> Shortcut | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Shortcut(_("Mes abonnements"), reverse("subscriptions:preferences"), secondary=True)
