"""The reads of the regulatory filings: which stages a declaration calls for, where each stands, what each was
prepared from. The declaration is read first through the visibility filter (``filing_declaration_get``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, OuterRef
from django.http import Http404

from acss.core.calendars import zone_of
from acss.core.panels import declaration_indicators
from acss.incidents import access
from acss.incidents.filings import FilingSource, prefill
from acss.incidents.forms.filings import STAGE_FORMS
from acss.incidents.models import Case, Declaration, FilingStage, RegulatoryFiling, RegulatoryFilingVersion
from acss.incidents.rules import (
    FILING_LATE,
    FILING_STATE_LABELS,
    PERSONAL_DATA_CATEGORIES,
    filing_deadlines,
    filing_stages,
    filing_state,
    regulatory_deadlines,
)
from acss.incidents.selectors.declarations import declaration_get_visible


def filing_declaration_get(*, user, reference: str) -> Declaration:
    """The declaration ``reference`` whose filings the person reads (its structure, the cell, the region's ARS);
    a 404 for anyone else, exactly like a missing declaration."""
    declaration = declaration_get_visible(user=user, reference=reference)
    if not access.reads_filings(actor_or_user=user, declaration=declaration):
        raise Http404("declaration not found")
    return declaration


def filing_stage_get(*, declaration: Declaration, stage: str) -> str:
    """``stage`` when the declaration calls for it; a 404 otherwise (a stage that does not apply has no page)."""
    if stage not in filing_stages(declaration):
        raise Http404("stage not found")
    return stage


def sent_dates(declaration: Declaration) -> dict[str, datetime]:
    """Stage → the date the structure says it sent it, for the stages it recorded (one query)."""
    return dict(
        RegulatoryFiling.objects.filter(declaration=declaration, sent_at__isnull=False).values_list("stage", "sent_at")
    )


def declaration_deadlines(declaration: Declaration):
    """``rules.regulatory_deadlines`` with the sendings the structure recorded."""
    return regulatory_deadlines(declaration, sent_dates(declaration))


@dataclass(frozen=True)
class FilingRow:
    stage: str
    label: str
    due: datetime
    state: str
    sent_at: datetime | None
    sent_recorded_by: Any
    versions: int
    filing: RegulatoryFiling | None

    @property
    def state_label(self) -> str:
        return str(FILING_STATE_LABELS[self.state])

    @property
    def late(self) -> bool:
        return self.state == "late"

    @property
    def sent_late(self) -> bool:
        return self.sent_at is not None and self.sent_at > self.due


def filing_rows(*, declaration: Declaration, now: datetime) -> list[FilingRow]:
    """The stages the declaration calls for, in order, each with its deadline and state (two queries)."""
    filings = {
        f.stage: f for f in RegulatoryFiling.objects.filter(declaration=declaration).select_related("sent_recorded_by")
    }
    counts = dict(
        RegulatoryFilingVersion.objects.filter(filing__declaration=declaration)
        .values_list("filing__stage")
        .annotate(n=Count("id"))
    )
    sent = {stage: f.sent_at for stage, f in filings.items() if f.sent_at is not None}
    due = filing_deadlines(regulatory_deadlines(declaration, sent))
    rows = []
    for stage in filing_stages(declaration):
        filing = filings.get(stage)
        rows.append(
            FilingRow(
                stage=stage,
                label=str(FilingStage(stage).label),
                due=due[stage],
                state=filing_state(
                    due=due[stage], sent_at=sent.get(stage), has_content=counts.get(stage, 0) > 0, now=now
                ),
                sent_at=sent.get(stage),
                sent_recorded_by=filing.sent_recorded_by if filing else None,
                versions=counts.get(stage, 0),
                filing=filing,
            )
        )
    return rows


def late_filings(*, declaration_ids: list[int], now: datetime) -> dict[int, tuple[str, list[str]]]:
    """Declaration id → its reference and the stages past their deadline and not sent, for these declarations (a page of the cell's
    queue), in two queries whatever their number: the declarations with whether they name personal data, and the
    sendings recorded. ``declaration_ids`` are those of rows already read through the visibility filter (the
    queue's page, ``queue.case_queue_base``), and the queue's provider answers only the cell."""
    categories = Declaration.data_categories.through
    declarations = Declaration.objects.filter(pk__in=declaration_ids).select_related("structure__departement")
    declarations = declarations.annotate(
        names_personal_data=Exists(
            categories.objects.filter(declaration_id=OuterRef("pk"), datacategory__code__in=PERSONAL_DATA_CATEGORIES)
        )
    )
    sent: dict[int, dict[str, datetime]] = {}
    for declaration_id, stage, sent_at in RegulatoryFiling.objects.filter(
        declaration_id__in=declaration_ids, sent_at__isnull=False
    ).values_list("declaration_id", "stage", "sent_at"):
        sent.setdefault(declaration_id, {})[stage] = sent_at
    late: dict[int, tuple[str, list[str]]] = {}
    for declaration in declarations:
        stages = filing_stages(declaration)
        if not stages:
            continue
        mine = sent.get(declaration.pk, {})
        due = filing_deadlines(regulatory_deadlines(declaration, mine))
        overdue = [
            stage
            for stage in stages
            if filing_state(due=due[stage], sent_at=mine.get(stage), has_content=False, now=now) == FILING_LATE
        ]
        if overdue:
            late[declaration.pk] = (declaration.reference, overdue)
    return late


def filing_versions(*, declaration: Declaration, stage: str) -> list[RegulatoryFilingVersion]:
    """Every saved version of a stage, the latest first."""
    return list(
        RegulatoryFilingVersion.objects.filter(filing__declaration=declaration, filing__stage=stage)
        .select_related("author")
        .order_by("-number")
    )


def latest_contents(declaration: Declaration) -> dict[str, dict]:
    """Stage → the content of its latest saved version."""
    latest: dict[str, dict] = {}
    for stage, content in (
        RegulatoryFilingVersion.objects.filter(filing__declaration=declaration)
        .order_by("filing__stage", "number")
        .values_list("filing__stage", "content")
    ):
        latest[stage] = content
    return latest


def filing_source(declaration: Declaration) -> FilingSource:
    """What the filings of a declaration are prepared from (``filings.prefill``)."""
    case = Case.objects.select_related("category").filter(declaration=declaration).first()
    return FilingSource(
        declaration=declaration,
        case=case,
        addenda=list(declaration.addenda.order_by("created_at", "id")),
        systems=[str(s) for s in declaration.systems.all()],
        data_categories=[(c.code, str(c)) for c in declaration.data_categories.all()],
        indicators=declaration_indicators(declaration),
        saved=latest_contents(declaration),
        zone=zone_of(declaration.structure),
    )


def filing_content(*, declaration: Declaration, stage: str) -> tuple[dict, RegulatoryFilingVersion | None]:
    """The content of a stage as it stands: its latest saved version, else what the declaration prefills."""
    versions = filing_versions(declaration=declaration, stage=stage)
    if versions:
        return dict(versions[0].content), versions[0]
    return prefill(stage, filing_source(declaration)), None


def filing_prefill(*, declaration: Declaration, stage: str) -> dict:
    return prefill(stage, filing_source(declaration))


def filing_labels(stage: str) -> dict[str, str]:
    """Field → its French label, in the form's order."""
    return {name: str(field.label) for name, field in STAGE_FORMS[stage].base_fields.items()}


def filing_document(*, declaration: Declaration, stage: str, now: datetime) -> dict:
    """One stage as it stands, for the JSON download, the PDF and the API: the declaration and structure, the
    deadline and state, the content (latest version, else the prefill) with its labels."""
    row = next(r for r in filing_rows(declaration=declaration, now=now) if r.stage == stage)
    content, version = filing_content(declaration=declaration, stage=stage)
    structure = declaration.structure
    return {
        "declaration": declaration.reference,
        "structure": {
            "name": structure.name,
            "finess_et": structure.finess_et,
            "nis2": (declaration.structure_snapshot or {}).get("nis2") or None,
        },
        "stage": stage,
        "stage_label": row.label,
        "aware_at": regulatory_deadlines(declaration).aware_at,
        "due": row.due,
        "state": row.state,
        "state_label": row.state_label,
        "sent_at": row.sent_at,
        "version": version.number if version else None,
        "saved_at": version.created_at if version else None,
        "saved_by": version.author.display_name if version else None,
        "prefilled": version is None,
        "content": content,
        "labels": filing_labels(stage),
    }


def filing_display(*, stage: str, content: dict) -> list[tuple[str, str]]:
    """(label, value as read) of each field: a choice by its French label, the rest as typed."""
    shown = []
    for name, field in STAGE_FORMS[stage].base_fields.items():
        value = content.get(name)
        choices = dict(getattr(field, "choices", ()) or ())
        if value in choices:
            value = str(choices[value])
        shown.append((str(field.label), "" if value is None else str(value)))
    return shown
