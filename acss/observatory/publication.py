"""The observatory's publication service: publishing a year, as a frozen snapshot (the history import is in ``services``).

``year_publish`` computes the year's indicators once, with their definitions and labels, the open-data aggregates
after statistical secrecy and the software version, and stores them in a new ``PublishedYear`` row. Nothing ever
changes a stored row: a later correction of declarations changes the live dashboards, never a published year; a
corrected re-publication is a new version, which must say why."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acss.accounts.models import User
from acss.core.audit import AuditOrigin, audit_record
from acss.core.errors import Conflict, Refusal

from . import access, opendata, selectors
from .indicators import DEFINITIONS, GROUP_LABELS, LABELS, compute_indicators
from .models import PublishedYear
from .periods import Period
from .version import software_version

__all__ = ["snapshot_of", "year_publish"]


def _jsonable(mapping) -> dict:
    return {str(k): str(v) for k, v in dict(mapping).items()}


def open_data_of(period: Period) -> dict:
    """The published form of the open-data table (masked cells without values)."""
    counts = selectors.open_data_counts(period)
    regions = selectors.regions()
    groups = selectors.structure_groups()
    cells = opendata.table_with_totals(counts, list(regions), groups)
    masked = opendata.suppress(cells)
    return {
        "threshold": opendata.THRESHOLD,
        "regions": regions,
        "groups": {g: str(GROUP_LABELS.get(g, g)) for g in groups},
        "cells": opendata.published(cells, masked),
    }


def snapshot_of(year: int) -> tuple[dict, dict]:
    period = Period.year_of(year)
    figures = {
        "period": {
            "code": period.code,
            "label": period.label,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
        },
        "indicators": compute_indicators(period),
        "definitions": _jsonable(DEFINITIONS),
        "labels": _jsonable(LABELS),
        "regions": selectors.regions(),
        "computed_at": timezone.now().isoformat(),
    }
    return figures, open_data_of(period)


@transaction.atomic
def year_publish(*, year: int, by: User, reason: str = "", origin: AuditOrigin | None = None) -> PublishedYear:
    """Publish a finished year (the cell only): version 1 needs no reason, a later version requires one."""
    if not access.publishes(by):
        raise Refusal(_("Seule la cellule ACSS publie une année de l'observatoire."), code="forbidden")
    now = timezone.now()
    if Period.year_of(year).end > now:
        raise Refusal(
            _("L'année %(year)s n'est pas terminée : seule une année terminée peut être publiée.") % {"year": year},
            code="unfinished",
            field="year",
        )
    reason = reason.strip()
    previous = selectors.published_year_latest(year)
    if previous is not None and not reason:
        raise Refusal(
            _("L'année %(year)s est déjà publiée : dites pourquoi vous en publiez une nouvelle version.")
            % {"year": year},
            code="reason_required",
            field="reason",
        )
    figures, open_data = snapshot_of(year)
    try:
        with transaction.atomic():
            published = PublishedYear(
                year=year,
                version=(previous.version + 1) if previous else 1,
                reason=reason,
                published_at=now,
                published_by=by,
                software_version=software_version(),
                figures=figures,
                open_data=open_data,
            )
            published.save()
    except IntegrityError as error:
        raise Conflict(
            _("Une autre publication de cette année vient d'être enregistrée ; rechargez la page.")
        ) from error
    audit_record(
        actor=by,
        action="observatory.year_published",
        obj=published,
        origin=origin,
        data={"year": year, "version": published.version, "reason": reason},
    )
    return published
