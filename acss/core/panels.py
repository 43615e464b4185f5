"""What an application hands to « Mon espace »: a panel (its own partial template and what it shows) or a
shortcut (a button at the bottom of the page).

The types live here, in the lowest layer, so that every application can build them without importing the portal;
the portal (``acss/portal/dashboard.py``) lists the functions that build them and lays them out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Panel:
    """A section of « Mon espace »: ``template`` is included with ``panel`` bound to ``context``."""

    template: str
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Shortcut:
    """A button of « Mon espace »: a label already translated, a URL, primary or secondary."""

    label: str
    url: str
    secondary: bool = False


# Each takes the person (``request.user``) and gives nothing when the panel or the shortcut is not for them.
PanelProvider = Callable[[Any], "Panel | None"]
ShortcutProvider = Callable[[Any], "Shortcut | None"]
