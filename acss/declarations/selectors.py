"""Every read of a declaration goes through here (DEVELOPERS.md, house style).

A structure sees its own; an ARS agent its region's (by the site's département); an authority
what was escalated to it (the FSSI, informed of everything, sees all); ACSS sees everything.
Anything else is a 404, indistinguishable from a declaration that does not exist.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from acss.accounts.selectors import actor_for

from .models import Declaration, Escalation


def declaration_visibility_filter(*, user) -> Q | None:
    """The Q that restricts declarations to what ``user`` may see; None means everything."""
    actor = actor_for(user)
    if actor.sees_all_declarations:
        return None
    q = Q(pk__in=[])
    if actor.structure_ids:
        q |= Q(structure_id__in=actor.structure_ids)
    if actor.ars_region_codes:
        q |= Q(structure__departement__region_id__in=actor.ars_region_codes)
    if actor.authority_ids:
        q |= Q(Exists(Escalation.objects.filter(declaration=OuterRef("pk"), authority_id__in=actor.authority_ids)))
    return q


def declaration_list_visible(*, user) -> QuerySet[Declaration]:
    qs = Declaration.objects.select_related("structure", "structure__departement")
    q = declaration_visibility_filter(user=user)
    return qs if q is None else qs.filter(q)


def declaration_get_visible(*, user, reference: str) -> Declaration:
    try:
        return declaration_list_visible(user=user).get(reference=reference)
    except Declaration.DoesNotExist:
        raise Http404("declaration not found") from None
