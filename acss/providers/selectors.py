"""The reads of a provider's incident: the list, the victims one may see, the suggestions, and what a structure
sees on its own declaration (``provider_for_declaration``)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, QuerySet
from django.http import Http404

from acss.incidents.models import OPEN_STATES, Declaration
from acss.incidents.selectors.declarations import declaration_list_visible

from . import access
from .models import ProviderIncident, ProviderLink

# Legal forms left out when comparing provider names (« Medisoft SAS » is « MEDISOFT »).
LEGAL_SUFFIXES = frozenset(
    {
        "sas",
        "sasu",
        "sa",
        "sarl",
        "eurl",
        "sca",
        "scop",
        "inc",
        "ltd",
        "llc",
        "gmbh",
        "ag",
        "bv",
        "nv",
        "corp",
        "corporation",
        "limited",
        "plc",
        "spa",
        "srl",
        "co",
        "cie",
        "group",
        "groupe",
    }
)


def provider_key(name: str) -> str:
    """The normalised provider name: no accents, no case, no punctuation, no legal form."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = [w for w in re.split(r"[^a-z0-9]+", text) if w and w not in LEGAL_SUFFIXES]
    return " ".join(words)


def provider_list(*, user) -> QuerySet[ProviderIncident]:
    if not access.manages_providers(user):
        raise Http404("prestataires")
    return ProviderIncident.objects.annotate(victim_count=Count("links")).select_related("opened_by")


def provider_get_for_user(*, user, pk: int) -> ProviderIncident:
    """The parent for the cell or an ARS; anyone else a 404."""
    if not access.reads_parent(user):
        raise Http404("prestataire")
    try:
        return ProviderIncident.objects.get(pk=pk)
    except ProviderIncident.DoesNotExist:
        raise Http404("prestataire") from None


def provider_victims(*, user, parent: ProviderIncident) -> QuerySet[Declaration]:
    """The parent's declarations the person may see: all for the cell, an ARS only its region's."""
    codes = access.victim_region_codes(user)
    qs = declaration_list_visible(user=user).filter(provider_link__parent=parent)
    if codes is not None:
        qs = qs.filter(structure__departement__region_id__in=codes)
    return qs.select_related("structure__departement__region", "case").order_by("reference")


def declarations_by_references(*, user, references: list[str]) -> tuple[list[Declaration], list[str]]:
    """The visible declarations named, and the references not found (missing or not visible)."""
    found = list(declaration_list_visible(user=user).filter(reference__in=references))
    known = {d.reference for d in found}
    return found, [r for r in references if r not in known]


@dataclass(frozen=True)
class Suggestion:
    provider_key: str
    provider_names: list[str]
    declarations: list[Declaration]


def provider_suggestions(*, user, since_days: int = 5) -> list[Suggestion]:
    """Groups of open declarations of different structures naming the same provider (normalised name) within
    ``since_days`` of each other, not yet linked to a provider's incident; among what ``user`` reads (the cell:
    everything)."""
    rows = (
        declaration_list_visible(user=user)
        .filter(case__state__in=OPEN_STATES, provider_link__isnull=True)
        .exclude(provider_name="")
        .select_related("structure__departement")
        .order_by("submitted_at", "id")
    )
    by_key: dict[str, list[Declaration]] = {}
    for declaration in rows:
        key = provider_key(declaration.provider_name)
        if key:
            by_key.setdefault(key, []).append(declaration)
    window = timedelta(days=since_days)
    suggestions = []
    for key, declarations in sorted(by_key.items()):
        cluster: list[Declaration] = []
        for declaration in declarations + [None]:
            if declaration is not None and (
                not cluster or declaration.submitted_at - cluster[-1].submitted_at <= window
            ):
                cluster.append(declaration)
                continue
            if len({d.structure_id for d in cluster}) >= 2:
                names = sorted({d.provider_name for d in cluster})
                suggestions.append(Suggestion(key, names, cluster))
            cluster = [declaration] if declaration is not None else []
    return suggestions


@dataclass(frozen=True)
class ProviderForDeclaration:
    """What a person reading a declaration learns of its provider's incident."""

    parent_id: int
    provider_name: str
    title: str
    state: str
    state_label: str
    public_summary: str
    others_count: int | None  # None when the cell does not share it


def provider_for_declaration(*, user, declaration: Declaration) -> ProviderForDeclaration | None:
    """For a declaration the person reads: its parent's state and public summary, and how many other
    declarations are linked only when the cell shares it (the cell and the ARS always see it). None when the
    declaration is linked to no provider's incident, or not readable by the person."""
    if not declaration_list_visible(user=user).filter(pk=declaration.pk).exists():
        return None
    link = ProviderLink.objects.filter(declaration=declaration).select_related("parent").first()
    if link is None:
        return None
    parent = link.parent
    shown = access.sees_victim_count(parent=parent) or access.reads_parent(user)
    others = ProviderLink.objects.filter(parent=parent).count() - 1 if shown else None
    return ProviderForDeclaration(
        parent.pk,
        parent.provider_name,
        parent.title,
        parent.state,
        parent.get_state_display(),
        parent.public_summary,
        others,
    )
