"""What the observables hand to the incident without the incident importing them: the indicators of compromise
recorded on a declaration, which its NIS 2 notification takes up (``acss.core.panels.declaration_indicators``)."""

from __future__ import annotations

from .selectors import case_observable_list


def indicators_of(declaration) -> list[str]:
    """« Type : valeur », one per observable of the declaration (read through the visibility filter first)."""
    return [
        f"{co.observable.get_kind_display()} : {co.observable.value}"
        for co in case_observable_list(declaration=declaration)
    ]


DECLARATION_INDICATORS = (indicators_of,)
