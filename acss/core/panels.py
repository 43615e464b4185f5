"""What an application hands to « Mon espace »: a panel (its own partial template and what it shows) or a
shortcut (a button at the bottom of the page).

The types live here, in the lowest layer, so that every application can build them without importing the portal;
the portal (``acss/portal/dashboard.py``) lists the functions that build them and lays them out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.apps import apps
from django.utils.module_loading import module_has_submodule


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
# A panel of a declaration's page: takes the person and the declaration (already read through the visibility
# filter), gives nothing when it has nothing to show them.
DeclarationPanelProvider = Callable[[Any, Any], "Panel | None"]


def declaration_panels(user, declaration) -> list[Panel]:
    """The panels the feature applications add to a declaration's page (each application's ``panels`` module
    lists its providers in ``DECLARATION_PANELS``), in the order of ``INSTALLED_APPS``: the incident's page shows
    them without importing the applications above it."""
    found: list[Panel] = []
    for app_config in apps.get_app_configs():
        if not module_has_submodule(app_config.module, "panels"):
            continue
        for provider in getattr(import_module(f"{app_config.name}.panels"), "DECLARATION_PANELS", ()):
            if (panel := provider(user, declaration)) is not None:
                found.append(panel)
    return found


# The indicators of compromise recorded on a declaration, as text (one per item): takes the declaration.
DeclarationIndicatorsProvider = Callable[[Any], "list[str]"]


def declaration_indicators(declaration) -> list[str]:
    """The indicators of compromise the feature applications record on a declaration (each application's
    ``panels`` module lists its providers in ``DECLARATION_INDICATORS``): the incident's regulatory filings take
    them up without importing the applications above it."""
    found: list[str] = []
    for app_config in apps.get_app_configs():
        if not module_has_submodule(app_config.module, "panels"):
            continue
        for provider in getattr(import_module(f"{app_config.name}.panels"), "DECLARATION_INDICATORS", ()):
            found.extend(provider(declaration))
    return found


@dataclass(frozen=True)
class RowFlag:
    """A badge on a declaration's row in the cell's queue, set by a feature application: a label already
    translated, and where it leads (the feature's page of that declaration)."""

    label: str
    url: str = ""


# The flags of the declarations ``ids`` for the person: takes the person and the ids (those of one page of the
# queue), gives ``{declaration id: [RowFlag, …]}`` for the declarations that have one, in one query.
DeclarationFlagsProvider = Callable[[Any, "list[int]"], "Mapping[int, list[RowFlag]]"]


def declaration_flags(user, ids: list[int]) -> dict[int, list[RowFlag]]:
    """The flags the feature applications put on the queue's rows (each application's ``panels`` module lists its
    providers in ``DECLARATION_FLAGS``): the queue shows, say, a plan's overdue actions without importing the
    accompaniment."""
    found: dict[int, list[RowFlag]] = {}
    if not ids:
        return found
    for app_config in apps.get_app_configs():
        if not module_has_submodule(app_config.module, "panels"):
            continue
        for provider in getattr(import_module(f"{app_config.name}.panels"), "DECLARATION_FLAGS", ()):
            for declaration_id, flags in provider(user, ids).items():
                found.setdefault(declaration_id, []).extend(flags)
    return found
