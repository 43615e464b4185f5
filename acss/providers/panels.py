"""What the providers' incidents add to a declaration's page: the parent incident it belongs to, as its reader
may see it (``selectors.provider_for_declaration``)."""

from __future__ import annotations

from acss.core.panels import Panel

from .selectors import provider_for_declaration


def provider_panel(user, declaration) -> Panel | None:
    provider = provider_for_declaration(user=user, declaration=declaration)
    if provider is None:
        return None
    return Panel("providers/panels/declaration.html", {"provider": provider})


DECLARATION_PANELS = (provider_panel,)
