"""Writes of reflex sheets: a revision adds a version, never changes one."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from acss.accounts.models import User
from acss.core.audit import AuditOrigin, audit_record
from acss.core.errors import Refusal
from acss.reflexes.models import ReflexSheet, ReflexSheetVersion


def _normalise(body: str) -> str:
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip() + "\n"


@transaction.atomic
def reflex_sheet_revise(
    *,
    sheet: ReflexSheet,
    body: str,
    change_note: str,
    by: User,
    based_on: int | None = None,
    origin: AuditOrigin | None = None,
) -> ReflexSheetVersion:
    """Record a new version of ``sheet`` (number = highest + 1, under a lock on the sheet).

    ``based_on`` is the version number the author started from: if someone else revised the
    sheet in the meantime the revision is refused rather than silently overwriting theirs.
    """
    body = _normalise(body)
    change_note = " ".join(change_note.split())
    if not body.strip():
        raise Refusal(_("Le texte de la fiche ne peut pas être vide."), code="empty")
    if not change_note:
        raise Refusal(_("Indiquez l'objet de la modification."), code="no_note")
    locked = ReflexSheet.objects.select_for_update().get(pk=sheet.pk)
    current_number = locked.versions.aggregate(n=Max("number"))["n"] or 0
    if based_on is not None and based_on != current_number:
        raise Refusal(
            _(
                "La fiche a été modifiée entre-temps : la version %(n)s est désormais en vigueur. "
                "Votre texte est conservé ci-dessous ; reportez-y les changements de la version %(n)s avant "
                "d'enregistrer."
            )
            % {"n": current_number},
            code="stale",
        )
    if current_number and _normalise(locked.versions.get(number=current_number).body) == body:
        raise Refusal(_("Le texte est identique à la version en vigueur."), code="unchanged")
    version = ReflexSheetVersion.objects.create(
        sheet=locked,
        number=current_number + 1,
        body=body,
        change_note=change_note[:300],
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    audit_record(
        actor=by,
        action="reflex_sheet.revised",
        obj=locked,
        origin=origin,
        data={
            "slug": locked.slug,
            "version": version.number,
            "previous_version": current_number or None,
            "change_note": version.change_note,
        },
    )
    return version
