"""Every read of a declaration goes through here, on the rules of the access module (``access.visibility_q``).

A structure sees its own; an ARS agent its region's (by the site's département); an authority
what was escalated to it (the FSSI, informed of everything, sees all); ACSS sees everything.
Anything else is a 404, indistinguishable from a declaration that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Case, CharField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, NullIf
from django.http import Http404
from django.utils.crypto import constant_time_compare

from acss.accounts.models import Structure, VerificationStatus
from acss.incidents import access
from acss.incidents.models import (
    Attachment,
    Declaration,
    DeclarationDraft,
    Notification,
    NotificationKind,
    SituationUpdate,
)
from acss.incidents.oncall import ack_token


def declaration_visibility_filter(*, user) -> Q | None:
    """The Q that restricts declarations to what ``user`` may see (``access.visibility_q``); None: everything."""
    return access.visibility_q(user)


def declaration_list_visible(*, user) -> QuerySet[Declaration]:
    qs = Declaration.objects.select_related("structure", "structure__departement")
    q = declaration_visibility_filter(user=user)
    return qs if q is None else qs.filter(q)


def declaration_get_visible(*, user, reference: str) -> Declaration:
    try:
        return declaration_list_visible(user=user).get(reference=reference)
    except Declaration.DoesNotExist:
        raise Http404("declaration not found") from None


def declaration_get_for_action(*, user, reference: str, action: str) -> Declaration:
    """The declaration ``reference``, read (404 when not visible), on which ``action`` is allowed (403 when not)."""
    declaration = declaration_get_visible(user=user, reference=reference)
    access.check_action(actor_or_user=user, declaration=declaration, action=action)
    return declaration


def structures_for_declaring(*, user) -> QuerySet[Structure]:
    """Structures a person may declare for (``access.declaring_q``), verified ones only."""
    verified = Structure.objects.filter(verification=VerificationStatus.VERIFIED).select_related(
        "departement", "structure_type"
    )
    q = access.declaring_q(user)
    return (verified if q is None else verified.filter(q)).order_by("name")


def declaring_on_behalf(*, user, structure) -> bool:
    """True when the person records for a structure they do not belong to (ACSS or ARS staff)."""
    return access.declares_on_behalf(user, structure)


def draft_get_for_user(*, user, key) -> DeclarationDraft:
    try:
        return DeclarationDraft.objects.select_related("structure", "completes").get(
            key=key, owner=user, submitted__isnull=True
        )
    except (DeclarationDraft.DoesNotExist, ValueError, ValidationError):
        raise Http404("draft not found") from None


def draft_list_for_user(*, user) -> QuerySet:
    return DeclarationDraft.objects.filter(owner=user, submitted__isnull=True).select_related("structure", "completes")


def attachment_get_visible(*, user, reference: str, pk: int):

    declaration = declaration_get_visible(user=user, reference=reference)
    try:
        return declaration, Attachment.objects.get(pk=pk, declaration=declaration)
    except Attachment.DoesNotExist:
        raise Http404("attachment not found") from None


def declaration_with_state(qs: QuerySet[Declaration]) -> QuerySet[Declaration]:
    """Annotate ``current_situation``: the latest situation update, else what the declaration said."""

    latest = SituationUpdate.objects.filter(declaration=OuterRef("pk")).order_by("-effective_at", "-id")
    declared = Case(
        When(~Q(functioning=""), then="functioning"),
        default=NullIf("alert_care_impact", Value("")),
        output_field=CharField(),
    )
    return qs.annotate(current_situation=Coalesce(Subquery(latest.values("situation")[:1]), declared))


def draft_get_submitted(*, user, key) -> DeclarationDraft | None:
    """This person's draft under ``key`` if it was already sent (a double click or a retry), else None."""
    return DeclarationDraft.objects.filter(key=key, owner=user, submitted__isnull=False).first()


# On-call alerts (the acknowledgement link is in ``oncall``)
# --------------------------------------------------------------------------------------------------


def oncall_alert_get_for_token(*, pk: int, token: str) -> Notification | None:
    """The on-call alert this link acknowledges, or None (a wrong token is the same as a missing alert)."""
    alert = (
        Notification.objects.select_related("declaration__structure", "organisation", "acknowledged_by")
        .filter(pk=pk, kind=NotificationKind.ONCALL, original__isnull=True)
        .first()
    )
    if alert is None:
        return None
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    # Every secret is tried, so that the time taken does not say which one matched.
    matches = [constant_time_compare(token, ack_token(alert, secret=secret)) for secret in secrets]
    return alert if any(matches) else None


@dataclass
class OncallAlertView:
    alert: Notification
    steps: list[Notification]  # reminder, deputy (those that exist)

    @property
    def acknowledged(self) -> bool:
        return self.alert.acknowledged_at is not None


def oncall_alert_list_for_declaration(*, declaration: Declaration) -> list[OncallAlertView]:
    """The declaration's on-call alerts with their reminders, for the cell (two queries)."""
    alerts = (
        Notification.objects.filter(declaration=declaration, kind=NotificationKind.ONCALL, original__isnull=True)
        .select_related("organisation", "acknowledged_by")
        .prefetch_related(Prefetch("escalations", queryset=Notification.objects.order_by("step")))
        .order_by("created_at", "pk")
    )
    return [OncallAlertView(alert=a, steps=list(a.escalations.all())) for a in alerts]
