"""Who a person acts as: the single source of their rights.

Every page and API endpoint asks ``actor_for(user)`` what the person may see; the declaration
selectors build their filters from it. Only active memberships count, and a structure counts only
once ACSS has verified it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from acss.core.forbidden import Forbidden

from .models import (
    Membership,
    MembershipStatus,
    OrganisationKind,
    Role,
    Structure,
    VerificationStatus,
)

_CACHE_ATTR = "_acss_actor"


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    structure_ids: frozenset[int] = field(default_factory=frozenset)
    managed_structure_ids: frozenset[int] = field(default_factory=frozenset)
    ars_region_codes: frozenset[str] = field(default_factory=frozenset)
    authority_ids: frozenset[int] = field(default_factory=frozenset)
    systematic_authority: bool = False
    is_acss: bool = False

    @property
    def is_staff(self) -> bool:
        """ACSS, ARS or an authority: must log in with a second factor."""
        return self.is_acss or bool(self.ars_region_codes) or bool(self.authority_ids)

    @property
    def is_declarant(self) -> bool:
        return bool(self.structure_ids)

    @property
    def sees_all_declarations(self) -> bool:
        return self.is_acss or self.systematic_authority


ANONYMOUS = Actor(user_id=None)


def actor_for(user) -> Actor:
    """The rights of ``user``, computed once per user object (so once per request)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    structures, managed, regions, authorities = set(), set(), set(), set()
    systematic = is_acss = False
    memberships = Membership.objects.filter(user=user, status=MembershipStatus.ACTIVE).select_related(
        "organisation", "organisation__structure"
    )
    for m in memberships:
        org = m.organisation
        if org.kind == OrganisationKind.STRUCTURE:
            if org.structure.verification != VerificationStatus.VERIFIED:
                continue
            structures.add(org.pk)
            if m.role == Role.MANAGER:
                managed.add(org.pk)
        elif org.kind == OrganisationKind.ARS and org.region_id:
            regions.add(org.region_id)
        elif org.kind == OrganisationKind.AUTHORITY:
            authorities.add(org.pk)
            systematic = systematic or org.systematic_information
        elif org.kind == OrganisationKind.ACSS:
            is_acss = True
    actor = Actor(
        user_id=user.pk,
        structure_ids=frozenset(structures),
        managed_structure_ids=frozenset(managed),
        ars_region_codes=frozenset(regions),
        authority_ids=frozenset(authorities),
        systematic_authority=systematic,
        is_acss=is_acss,
    )
    setattr(user, _CACHE_ATTR, actor)
    return actor


def actor_forget(user) -> None:
    """Drop the cached rights after a membership change within the same request."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def structure_list_for_user(*, user) -> QuerySet[Structure]:
    """The structures a person acts for (verified ones only)."""
    actor = actor_for(user)
    return Structure.objects.filter(pk__in=actor.structure_ids).select_related("departement", "structure_type")


def structure_list_visible(*, user) -> QuerySet[Structure]:
    """Structures whose file a person may open: their own, their region's for an ARS, all for ACSS."""
    actor = actor_for(user)
    qs = Structure.objects.select_related("departement__region", "structure_type")
    if actor.is_acss:
        return qs
    if actor.ars_region_codes:
        return qs.filter(departement__region__in=actor.ars_region_codes) | qs.filter(pk__in=actor.structure_ids)
    return qs.filter(pk__in=actor.structure_ids)


def structure_get_managed(*, user, pk: int) -> Structure:
    """A structure the person manages (invites declarants for): a 404 when they cannot open its file, a 403 with
    the French refusal when they can but do not manage it."""
    from django.shortcuts import get_object_or_404

    structure = get_object_or_404(structure_list_visible(user=user), pk=pk)
    if structure.pk not in actor_for(user).managed_structure_ids:
        raise Forbidden(_("Seuls les responsables de la structure invitent des déclarants."))
    return structure


def structure_get_pending_to_decide(*, user, pk: int) -> Structure:
    """A registration waiting for ACSS: a 404 when the person cannot open the structure's file, a 403 when they can
    (the region's ARS) but are not the cell."""
    from django.shortcuts import get_object_or_404

    structure = get_object_or_404(structure_list_visible(user=user), pk=pk, verification=VerificationStatus.PENDING)
    if not actor_for(user).is_acss:
        raise Forbidden(_("Seule la cellule ACSS vérifie l'inscription d'une structure."))
    return structure


def structure_list_pending(*, user) -> QuerySet[Structure]:
    actor = actor_for(user)
    if not actor.is_acss:
        return Structure.objects.none()
    return Structure.objects.filter(verification=VerificationStatus.PENDING).select_related(
        "departement__region", "structure_type"
    )
