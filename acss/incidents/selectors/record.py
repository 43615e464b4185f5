"""What a declaration's page shows beyond the declaration itself — its addenda, situation updates, attachments,
escalations and audit events — together with those of the duplicates merged into it.

A merge moves nothing (``services.cases.case_merge``): each row stays its declaration's own. The survivor reads
them all, in order, each telling which declaration it came from. A person sees a duplicate's rows only when they
read that duplicate (``access.visibility_q``); the duplicates are of the survivor's structure, so in practice
whoever reads the survivor reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from acss.core.audit import object_type_of
from acss.core.models import AuditEvent
from acss.incidents import access
from acss.incidents.models import Addendum, Attachment, Case, Declaration, Escalation, Message, SituationUpdate

from .declarations import declaration_list_visible


def merged_into(*, user, declaration: Declaration) -> list[Declaration]:
    """The duplicates merged into ``declaration`` that ``user`` reads, oldest first."""
    return list(
        declaration_list_visible(user=user)
        .filter(case__merged_into=declaration)
        .select_related("case")
        .order_by("submitted_at", "id")
    )


# The audit trail's actions, in the words of the journal; an action not listed shows its code.
JOURNAL_LABELS = {
    "declaration.quick_alert": _("Alerte rapide déposée"),
    "declaration.submitted": _("Déclaration déposée"),
    "declaration.completed": _("Déclaration complétée"),
    "completion": _("Déclaration complétée"),
    "declaration.addendum": _("Complément ajouté"),
    "declaration.situation": _("Point de situation"),
    "declaration.routed": _("Acheminée (notifications)"),
    "declaration.completion_routed": _("Complétion acheminée"),
    "declaration.viewed": _("Consultée"),
    "attachment.stored": _("Pièce jointe déposée"),
    "attachment.downloaded": _("Pièce jointe téléchargée"),
    "case.transition": _("Changement d'état du dossier"),
    "case.assigned": _("Assignation"),
    "case.escalated": _("Transmission à une autorité"),
    "case.merged_in": _("Doublon fusionné dans cette déclaration"),
    "case.question": _("Question à la structure"),
    "case.answer": _("Réponse de la structure"),
    "case.note": _("Note interne"),
    "case.structure_resolved": _("Résolu selon la structure"),
    "oncall.escalated": _("Astreinte alertée"),
}


@dataclass(frozen=True)
class JournalEntry:
    at: datetime
    actor: str
    action: str
    label: str
    reference: str  # the declaration the event is about
    ip_address: str | None


@dataclass
class DeclarationRecord:
    """The rows of a declaration and of its duplicates, each list in chronological order."""

    merged: list[Declaration]
    addenda: QuerySet[Addendum]
    situations: QuerySet[SituationUpdate]
    attachments: QuerySet[Attachment]
    escalations: QuerySet[Escalation] | list
    journal: list[JournalEntry]

    @property
    def family_ids(self) -> list[int]:
        return [d.pk for d in self.merged]


def declaration_record(*, user, declaration: Declaration, reads_handling: bool) -> DeclarationRecord:
    merged = merged_into(user=user, declaration=declaration)
    family = [declaration.pk, *(d.pk for d in merged)]
    addenda = (
        Addendum.objects.filter(declaration_id__in=family)
        .select_related("author", "declaration")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )
    situations = (
        SituationUpdate.objects.filter(declaration_id__in=family)
        .select_related("author", "declaration")
        .order_by("effective_at", "id")
    )
    attachments = (
        Attachment.objects.filter(declaration_id__in=family, addendum__isnull=True)
        .select_related("declaration")
        .order_by("uploaded_at", "id")
    )
    escalations = (
        Escalation.objects.filter(declaration_id__in=family)
        .select_related("authority", "decided_by", "declaration")
        .order_by("decided_at", "id")
        if reads_handling
        else []
    )
    journal = journal_entries(family) if access.reads_journal(user) else []
    return DeclarationRecord(merged, addenda, situations, attachments, escalations, journal)


def journal_entries(declaration_ids: list[int]) -> list[JournalEntry]:
    """The audit events of these declarations — on the declarations, their cases, their messages, their files and
    their addenda — in the order they were written, each with the reference of its declaration."""
    references = dict(Declaration.objects.filter(pk__in=declaration_ids).values_list("pk", "reference"))
    owners: dict[tuple[str, str], str] = {(object_type_of(Declaration), str(pk)): ref for pk, ref in references.items()}
    for model in (Case, Message, Attachment, Addendum):
        for pk, declaration_id in model.objects.filter(declaration_id__in=declaration_ids).values_list(
            "pk", "declaration_id"
        ):
            owners[(object_type_of(model), str(pk))] = references[declaration_id]
    where = Q(pk__in=[])
    by_type: dict[str, list[str]] = {}
    for object_type, object_id in owners:
        by_type.setdefault(object_type, []).append(object_id)
    for object_type, object_ids in by_type.items():
        where |= Q(object_type=object_type, object_id__in=object_ids)
    return [
        JournalEntry(
            at=event.at,
            actor=event.actor_label,
            action=event.action,
            label=str(JOURNAL_LABELS.get(event.action, event.action)),
            reference=owners[(event.object_type, event.object_id)],
            ip_address=event.ip_address,
        )
        for event in AuditEvent.objects.filter(where).order_by("id")
    ]
