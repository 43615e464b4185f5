"""Reads of the observables of a declaration and of their correlations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from acss.incidents.models import Declaration
from acss.incidents.selectors.declarations import declaration_list_visible

from . import access
from .models import CaseObservable


def case_observable_list(*, declaration: Declaration) -> QuerySet[CaseObservable]:
    """The observables of a declaration (read it first with ``declaration_get_visible``)."""
    return (
        CaseObservable.objects.filter(declaration=declaration)
        .select_related("observable", "added_by")
        .order_by("observable__kind", "observable__value")
    )


@dataclass(frozen=True)
class SeenIn:
    """Another declaration that carries the same observable."""

    reference: str
    structure: str
    submitted_at: datetime


def correlations(*, user, declaration: Declaration) -> dict[int, list[SeenIn]]:
    """For each observable of ``declaration`` (by its id), the other declarations that share it, most recent
    first: the cell only (anyone else gets an empty mapping). One query, on the index ``(observable,
    declaration)``."""
    if not access.sees_correlations(user):
        return {}
    own = CaseObservable.objects.filter(declaration=declaration).values("observable_id")
    rows = CaseObservable.objects.filter(observable_id__in=own).exclude(declaration_id=declaration.pk)
    if access.correlation_q(user) is not None:  # the cell reads everything: no filter, the index alone
        rows = rows.filter(declaration_id__in=declaration_list_visible(user=user).values("pk"))
    out: dict[int, list[SeenIn]] = {}
    for observable_id, reference, structure, submitted_at in rows.order_by(
        "observable_id", "-declaration__submitted_at"
    ).values_list(
        "observable_id", "declaration__reference", "declaration__structure__name", "declaration__submitted_at"
    ):
        out.setdefault(observable_id, []).append(SeenIn(reference, structure, submitted_at))
    return out
