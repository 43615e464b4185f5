"""What intake adds to « Mon espace »: the way to the declarations the person may read."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from acss.core.panels import Shortcut


def declarations_shortcut(user) -> Shortcut:
    return Shortcut(_("Voir les déclarations"), reverse("declarations:list"))
