"""What a service answers when it refuses a write: one exception type, its message in French.

- ``Refusal``: the write is refused (missing text, an action the case's state forbids, a file of a refused type);
  ``code`` names the reason for a caller that looks at it, ``field`` the form field it concerns (None: the whole
  write). The API answers 400 with ``errors`` ({field or "__all__": [message]}); a page shows the message.
- ``Conflict``: refused because of what is already recorded (a quick alert already completed): the API answers 409
  with ``detail``.
- ``IdempotencyConflictError`` (``acss.core.idempotency``), a ``Conflict``: the key already names another write;
  the pages tell it apart to say the form was already sent.

The API maps them in one place, ``acss.core.api.exception_handler``; the pages put them on their form with
``refusal_on_form``.
"""

from __future__ import annotations

from typing import Any


class Refusal(Exception):  # noqa: N818 - a refusal is not an error of the program
    """A write refused by a service; ``message`` is French, for the person who tried."""

    def __init__(self, message: Any, *, code: str = "", field: str | None = None) -> None:
        self.message = str(message)
        self.code = code
        self.field = field
        super().__init__(self.message)


class Conflict(Refusal):
    """Refused because of what is already recorded (the API's 409)."""


def refusal_on_form(form: Any, refusal: Refusal) -> None:
    """Show ``refusal`` on ``form``: on its field when the form has it, else above the form."""
    form.add_error(refusal.field if refusal.field in form.fields else None, refusal.message)
