"""A refusal that says why: the person may read the object but may not do this to it.

Raised by a view (page or API), it answers 403 with its French message: the DSFR error page for a page
(``views.error_403``), ``{"errors": {"__all__": [message]}}`` for the API (``api.exception_handler``). A person
who may not even read the object gets a 404 instead, like a missing one (docs/decisions.md, 2026-11-30).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied


class Forbidden(PermissionDenied):
    """403 with ``message``, a French sentence for the person who tried (it names who may act)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = str(message)
