"""Writes on people and organisations. Keyword-only, one transaction, own audit event, side effects on commit."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acss.core.audit import AuditOrigin, audit_record
from acss.core.errors import Conflict, Refusal
from acss.core.french import de_organisation, organisation_avec_article
from acss.core.models import Departement, StructureType
from acss.core.tasks import send_mail_on_commit

from .models import (
    AccessRequest,
    Invitation,
    Membership,
    MembershipStatus,
    Organisation,
    OrganisationKind,
    Role,
    Structure,
    User,
    VerificationStatus,
)
from .selectors import actor_forget

INVITATION_VALIDITY = timedelta(days=7)
REGISTRATION_OUTCOMES = {
    "registered": gettext_lazy("nouvelle structure"),
    "access_requested": gettext_lazy("demande d'accès à une structure déjà inscrite"),
}


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _acss_recipients() -> list[str]:
    return list(
        Organisation.objects.filter(kind=OrganisationKind.ACSS).exclude(email="").values_list("email", flat=True)
    )


@transaction.atomic
def structure_register(
    *,
    name: str,
    finess_ej: str,
    finess_et: str,
    departement_code: str,
    structure_type: StructureType,
    is_ose: bool,
    nis2: str,
    size: str,
    ght: str,
    finess_warnings: list[str],
    first_name: str,
    last_name: str,
    job_title: str,
    phone: str,
    email: str,
    password: str,
    origin: AuditOrigin | None = None,
) -> str:
    """Register a new structure and its first manager, both waiting for ACSS's verification.

    Returns what happened, for tests and logs only: the person always sees the same answer, so
    that registration reveals neither known FINESS numbers nor known e-mail addresses.
    - "registered": new structure (pending) and new account, manager of it once verified;
    - "access_requested": the FINESS ET is known: a new account and an access request for ACSS,
      never a membership;
    - "email_known": an account exists with this address: nothing changes, its owner is told.
    """
    email = email.strip().lower()
    if User.objects.filter(email=email).exists():
        send_mail_on_commit(
            subject=_("[ACSS] Tentative d'inscription avec votre adresse"),
            body=render_to_string("accounts/email/registration_email_known.txt", {"site_url": settings.SITE_URL}),
            to=[email],
        )
        audit_record(
            action="registration.email_known",
            object_type="accounts.user",
            object_id=email,
            origin=origin,
            data={"finess_et": finess_et},
        )
        return "email_known"

    user = User.objects.create_user(
        email=email, password=password, first_name=first_name, last_name=last_name, job_title=job_title, phone=phone
    )
    existing = Structure.objects.filter(finess_et=finess_et).first()
    if existing is not None:
        access = AccessRequest.objects.create(user=user, structure=existing)
        audit_record(
            actor=user,
            action="registration.access_requested",
            obj=access,
            origin=origin,
            data={"finess_et": finess_et},
        )
        outcome = "access_requested"
    else:
        structure = Structure.objects.create(
            kind=OrganisationKind.STRUCTURE,
            name=name,
            email=email,
            finess_ej=finess_ej,
            finess_et=finess_et,
            departement=Departement.objects.get(code=departement_code),
            structure_type=structure_type,
            is_ose=is_ose,
            nis2=nis2,
            size=size,
            ght=ght,
            verification=VerificationStatus.PENDING,
            finess_warning=" ".join(finess_warnings)[:200],
        )
        Membership.objects.create(user=user, organisation=structure, role=Role.MANAGER)
        audit_record(
            actor=user,
            action="structure.registered",
            obj=structure,
            origin=origin,
            data={"finess_ej": finess_ej, "finess_et": finess_et, "warnings": finess_warnings},
        )
        outcome = "registered"
    send_mail_on_commit(
        subject=_("[ACSS] Votre demande d'inscription est enregistrée"),
        body=render_to_string("accounts/email/registration_received.txt", {"user": user}),
        to=[email],
    )
    recipients = _acss_recipients()
    if recipients:
        send_mail_on_commit(
            subject=_("[ACSS] Inscription à vérifier : FINESS %(finess)s") % {"finess": finess_et},
            body=render_to_string(
                "accounts/email/registration_to_verify.txt",
                {
                    "finess_et": finess_et,
                    "name": name,
                    "outcome": REGISTRATION_OUTCOMES[outcome],
                    "warnings": finess_warnings,
                    "url": settings.SITE_URL + reverse("accounts:pending_structures"),
                },
            ),
            to=recipients,
        )
    return outcome


@transaction.atomic
def structure_verify(*, structure: Structure, by: User, approve: bool, origin: AuditOrigin | None = None) -> Structure:
    structure = Structure.objects.select_for_update().get(pk=structure.pk)
    structure.verification = VerificationStatus.VERIFIED if approve else VerificationStatus.REJECTED
    structure.verified_at = timezone.now()
    structure.verified_by = by
    structure.save(update_fields=["verification", "verified_at", "verified_by"])
    audit_record(
        actor=by, action="structure.verified" if approve else "structure.rejected", obj=structure, origin=origin
    )
    managers = list(
        structure.memberships.filter(role=Role.MANAGER, status=MembershipStatus.ACTIVE).values_list(
            "user__email", flat=True
        )
    )
    if managers:
        send_mail_on_commit(
            subject=(
                _("[ACSS] Inscription %(de_name)s validée") if approve else _("[ACSS] Inscription %(de_name)s refusée")
            )
            % {"de_name": de_organisation(structure)},
            body=render_to_string(
                "accounts/email/registration_decided.txt",
                {
                    "structure": structure,
                    "approved": approve,
                    "contact_email": settings.ACSS_CONTACT_EMAIL,
                    "site_url": settings.SITE_URL,
                },
            ),
            to=managers,
        )
    return structure


@transaction.atomic
def access_request_decide(
    *, access_request: AccessRequest, by: User, approve: bool, origin: AuditOrigin | None = None
) -> None:
    access_request = AccessRequest.objects.select_for_update().get(pk=access_request.pk)
    if access_request.decided_at:
        return
    access_request.decided_at = timezone.now()
    access_request.decision = "granted" if approve else "refused"
    access_request.save(update_fields=["decided_at", "decision"])
    if approve:
        Membership.objects.get_or_create(
            user=access_request.user, organisation=access_request.structure, defaults={"role": Role.DECLARANT}
        )
    audit_record(actor=by, action=f"access_request.{access_request.decision}", obj=access_request, origin=origin)


@transaction.atomic
def invitation_create(
    *, structure: Structure, email: str, role: str, by: User, origin: AuditOrigin | None = None
) -> str:
    """Invite a person to act for the structure; returns the single-use token (sent by e-mail only)."""
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        structure=structure,
        email=email.strip().lower(),
        role=role,
        token_hash=_token_hash(token),
        invited_by=by,
        expires_at=timezone.now() + INVITATION_VALIDITY,
    )
    audit_record(
        actor=by,
        action="invitation.created",
        obj=invitation,
        origin=origin,
        data={"email": invitation.email, "role": role, "structure": structure.pk},
    )
    send_mail_on_commit(
        subject=_("[ACSS] Invitation à déclarer pour %(name)s") % {"name": organisation_avec_article(structure)},
        body=render_to_string(
            "accounts/email/invitation.txt",
            {
                "structure": structure,
                "by": by,
                "expires_at": invitation.expires_at,
                "url": settings.SITE_URL + reverse("accounts:invitation_accept", args=[token]),
            },
        ),
        to=[invitation.email],
    )
    return token


def invitation_get_valid(*, token: str) -> Invitation | None:
    invitation = Invitation.objects.select_related("structure").filter(token_hash=_token_hash(token)).first()
    if invitation is None or invitation.accepted_at or invitation.expires_at < timezone.now():
        return None
    return invitation


@transaction.atomic
def invitation_accept(
    *,
    invitation: Invitation,
    by: User | None = None,
    first_name: str = "",
    last_name: str = "",
    job_title: str = "",
    phone: str = "",
    password: str = "",
    origin: AuditOrigin | None = None,
) -> User:
    """Accept an invitation: as the logged-in person ``by`` whose address was invited, or by creating the account."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at:
        raise Conflict(_("Cette invitation a déjà été utilisée."), code="invitation_used")
    user = by
    if user is None:
        user = User.objects.create_user(
            email=invitation.email,
            password=password,
            first_name=first_name,
            last_name=last_name,
            job_title=job_title,
            phone=phone,
        )
    elif user.email != invitation.email:
        raise Refusal(_("Cette invitation est adressée à une autre personne."), code="invitation_other_person")
    Membership.objects.update_or_create(
        user=user,
        organisation=invitation.structure,
        defaults={"role": invitation.role, "status": MembershipStatus.ACTIVE, "invited_by": invitation.invited_by},
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    actor_forget(user)
    audit_record(actor=user, action="invitation.accepted", obj=invitation, origin=origin)
    return user
