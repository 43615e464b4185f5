"""The analyst queue and the ARS board: their filters, forms and reads.

Every read starts from ``declaration_list_visible(user=...)``; each page runs a fixed number of queries
whatever the number of declarations: one aggregate for the counters; the count, the page's ids in order and
the page's rows with everything a row shows joined in (``queue_page``); a few small lists for the filters.

What is due next on a case: the qualification deadline of the cell (``Case.qualification_due_at``) while the
case is open and not yet qualified; nothing once qualified or closed, nothing while the clock is paused (the
cell waits on the structure). A case is **overdue** when that deadline has passed. The queue sorts by it by
default, soonest first, cases with nothing due last, then by declaration id (a deterministic tie-break).

Bulk actions go through the handling services one case at a time (each its own transaction and audit event);
a refusal on one case is reported and does not stop the others.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Case as SqlCase
from django.db.models import Count, DateTimeField, F, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.forms.utils import flatatt
from django.http import Http404
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from dsfr.forms import DsfrBaseForm

from acss.accounts.models import User
from acss.core.audit import AuditOrigin
from acss.core.errors import Refusal
from acss.core.models import IncidentCategory, Region, StructureType
from acss.incidents import access
from acss.incidents.models import OPEN_STATES, CaseState, Criticity, Declaration, Situation
from acss.incidents.selectors.cases import declaration_list_degraded_now
from acss.incidents.selectors.declarations import (
    declaration_get_visible,
    declaration_list_visible,
    declaration_with_state,
)
from acss.incidents.services.cases import case_assign, case_merge, question_ask

QUEUE_PAGE_SIZE = 50
BOARD_PAGE_SIZE = 50
STATE_OPEN = ""  # the default of the state filter: every open state
STATE_ALL = "all"
ANALYST_ME = "me"
ANALYST_NONE = "none"
CRITICITY_LABELS = {c.value: c.label for c in sorted(Criticity, reverse=True)}  # the filter: highest first


class QueueSort:
    DUE = "due"
    OPENED = "opened"
    RECENT = "recent"
    CRITICITY = "criticity"
    CHOICES = (
        (DUE, gettext_lazy("Échéance la plus proche")),
        (OPENED, gettext_lazy("Ouverture : plus anciennes d'abord")),
        (RECENT, gettext_lazy("Ouverture : plus récentes d'abord")),
        (CRITICITY, gettext_lazy("Criticité la plus haute")),
    )


def _cell_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


# --------------------------------------------------------------------------------------------------
# Expressions shared by the rows, the filters and the counters (one definition of "due" and "overdue").
# --------------------------------------------------------------------------------------------------


def _open_q() -> Q:
    return Q(case__state__in=OPEN_STATES)


def _due_expression() -> SqlCase:
    """The next deadline of the cell on the case: the qualification deadline while open and not qualified."""
    return SqlCase(
        When(
            case__state__in=OPEN_STATES,
            case__qualified_at__isnull=True,
            then=F("case__qualification_due_at"),
        ),
        default=Value(None),
        output_field=DateTimeField(),
    )


def _overdue_q(now: datetime) -> Q:
    return _open_q() & Q(case__qualified_at__isnull=True, case__qualification_due_at__lt=now)


def _waiting_q() -> Q:
    return _open_q() & Q(case__waiting_since__isnull=False)


def _unassigned_q() -> Q:
    return _open_q() & Q(case__assigned_to__isnull=True)


# --------------------------------------------------------------------------------------------------
# Reads
# --------------------------------------------------------------------------------------------------


def case_queue_base(*, user) -> QuerySet[Declaration]:
    """Declarations with their case, as ``user`` may see them, with everything a queue row shows."""
    return (
        declaration_list_visible(user=user)
        .filter(case__isnull=False)
        .select_related(
            "case",
            "case__assigned_to",
            "case__category",
            "category",
            "structure__structure_type",
            "structure__departement__region",
        )
        .annotate(
            due_at=_due_expression(),
            criticity_value=Coalesce("case__criticity", "case__provisional_criticity"),
        )
    )


def _day_start(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=_cell_tz())


def case_queue(*, user, filters: Mapping, now: datetime | None = None) -> QuerySet[Declaration]:
    """The queue: ``case_queue_base`` filtered by the cleaned values of ``QueueFilterForm`` and sorted.

    Sorts (``filters["sort"]``): by due date (default; nothing due last), by opening date, by criticity
    (highest first, then due date); the declaration id breaks every tie, so the order is total."""
    now = now or timezone.now()
    qs = case_queue_base(user=user)
    state = filters.get("state") or STATE_OPEN
    if state == STATE_OPEN:
        qs = qs.filter(case__state__in=OPEN_STATES)
    elif state != STATE_ALL:
        qs = qs.filter(case__state=state)
    if region := filters.get("region"):
        qs = qs.filter(structure__departement__region_id=region)
    if structure_type := filters.get("structure_type"):
        qs = qs.filter(structure__structure_type_id=structure_type)
    if typology := filters.get("typology"):
        qs = qs.filter(Q(case__category_id=typology) | Q(case__category__isnull=True, category_id=typology))
    if criticity := filters.get("criticity"):
        qs = qs.filter(criticity_value=int(criticity))
    if opened_from := filters.get("opened_from"):
        qs = qs.filter(case__opened_at__gte=_day_start(opened_from))
    if opened_to := filters.get("opened_to"):
        qs = qs.filter(case__opened_at__lt=_day_start(opened_to + timedelta(days=1)))
    analyst = filters.get("analyst")
    if analyst == ANALYST_NONE:
        qs = qs.filter(case__assigned_to__isnull=True)
    elif analyst == ANALYST_ME:
        qs = qs.filter(case__assigned_to=user)
    elif analyst:
        qs = qs.filter(case__assigned_to_id=int(analyst))
    if filters.get("overdue"):
        qs = qs.filter(_overdue_q(now))
    if filters.get("waiting"):
        qs = qs.filter(_waiting_q())
    if text := (filters.get("q") or "").strip():
        qs = qs.filter(
            Q(reference__icontains=text)
            | Q(structure__name__icontains=text)
            | Q(structure__finess_et__icontains=text)
            | Q(structure__finess_ej__icontains=text)
            | Q(title__icontains=text)
            | Q(alert_summary__icontains=text)
            | Q(description__icontains=text)
        )
    due_first = F("due_at").asc(nulls_last=True)
    order = {
        QueueSort.OPENED: ["case__opened_at", "pk"],
        QueueSort.RECENT: ["-case__opened_at", "-pk"],
        QueueSort.CRITICITY: ["-criticity_value", due_first, "pk"],
    }.get(filters.get("sort") or QueueSort.DUE, [due_first, "pk"])
    return qs.order_by(*order)


def case_queue_counters(*, user, now: datetime | None = None) -> dict[str, int]:
    """Open, new, overdue, waiting on the structure and unassigned cases the user sees: one query."""
    now = now or timezone.now()
    return declaration_list_visible(user=user).aggregate(
        open=Count("pk", filter=_open_q()),
        new=Count("pk", filter=Q(case__state=CaseState.NEW)),
        overdue=Count("pk", filter=_overdue_q(now)),
        waiting=Count("pk", filter=_waiting_q()),
        unassigned=Count("pk", filter=_unassigned_q()),
    )


def queue_page(qs: QuerySet, number, *, per_page: int = QUEUE_PAGE_SIZE) -> Page:
    """One page of ``qs`` in three queries whatever the number of rows: the count; the page's ids in order, by
    a narrow query (only the tables the filters and the sort need); the rows of those ids with everything
    joined in. In one query, PostgreSQL joins every related table to every matching row before sorting."""
    page = Paginator(qs.values_list("pk", flat=True), per_page).get_page(number)
    ids = list(page.object_list)
    rows = {row.pk: row for row in qs.order_by().filter(pk__in=ids)} if ids else {}
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    return page


def age_label(delta: timedelta) -> str:
    """A short human age: "12 min", "3 h", "2 j"."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    if minutes < 60:
        return _("%(n)d min") % {"n": minutes}
    if minutes < 24 * 60:
        return _("%(n)d h") % {"n": minutes // 60}
    return _("%(n)d j") % {"n": minutes // (24 * 60)}


@dataclass(frozen=True)
class QueueRow:
    declaration: Declaration
    age: str
    due_at: datetime | None
    overdue: bool
    paused: bool
    criticity: int
    provisional: bool
    flags: tuple = ()  # the feature applications' badges (``acss.core.panels.RowFlag``)

    @property
    def case(self):
        return self.declaration.case

    @property
    def typology(self) -> IncidentCategory | None:
        return self.declaration.case.category or self.declaration.category

    @property
    def criticity_label(self) -> str:
        return str(CRITICITY_LABELS.get(self.criticity, self.criticity))


def queue_rows(
    declarations: Iterable[Declaration], *, now: datetime, flags: Mapping[int, list] | None = None
) -> list[QueueRow]:
    """What each row shows, from the rows already loaded (no query), with the feature applications' ``flags`` by
    declaration id."""
    flags = flags or {}
    rows = []
    for d in declarations:
        case = d.case
        due = getattr(d, "due_at", None)
        rows.append(
            QueueRow(
                declaration=d,
                age=age_label(now - case.opened_at),
                due_at=due,
                overdue=due is not None and due < now,
                paused=case.is_open and case.waiting_since is not None,
                criticity=case.effective_criticity,
                provisional=case.criticity is None,
                flags=tuple(flags.get(d.pk, ())),
            )
        )
    return rows


# --------------------------------------------------------------------------------------------------
# Forms
# --------------------------------------------------------------------------------------------------


class _Select(forms.Select):
    """A select drawn in Python: Django renders each option through its own template, which cost more than
    the rest of the queue page put together (five selects, about a hundred options)."""

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        chosen = set(self.format_value(value))
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((str(v), " selected" if str(v) in chosen else "", label) for v, label in self.choices),
        )
        return format_html("<select{}>{}</select>", flatatt(final), options)


def _dsfr_classes(form: forms.Form) -> None:
    """The DSFR classes on the widgets (the templates draw the fields themselves, see _queue_field.html)."""
    for bound in form.fields.values():
        widget = bound.widget
        if isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "fr-select")
        elif not isinstance(widget, forms.CheckboxInput | forms.MultipleHiddenInput):
            widget.attrs.setdefault("class", "fr-input")


def _analyst_choices(analysts: Sequence[User]) -> list[tuple[str, str]]:
    return [(str(a.pk), a.display_name) for a in analysts]


class QueueFilterForm(DsfrBaseForm):
    """The queue's filters (GET). Invalid values are reported and ignored; the others still apply."""

    q = forms.CharField(
        label=gettext_lazy("Rechercher"),
        help_text=gettext_lazy("Référence, structure, FINESS, titre, alerte ou description."),
        required=False,
        max_length=200,
    )
    region = forms.ChoiceField(widget=_Select, label=gettext_lazy("Région"), required=False)
    structure_type = forms.ChoiceField(widget=_Select, label=gettext_lazy("Type de structure"), required=False)
    typology = forms.ChoiceField(widget=_Select, label=gettext_lazy("Typologie"), required=False)
    criticity = forms.ChoiceField(
        widget=_Select,
        label=gettext_lazy("Criticité"),
        required=False,
        choices=[("", gettext_lazy("Toutes"))] + [(str(k), v) for k, v in CRITICITY_LABELS.items()],
    )
    state = forms.ChoiceField(
        widget=_Select,
        label=gettext_lazy("État"),
        required=False,
        choices=[(STATE_OPEN, gettext_lazy("Ouverts (par défaut)")), (STATE_ALL, gettext_lazy("Tous"))]
        + list(CaseState.choices),
    )
    opened_from = forms.DateField(
        label=gettext_lazy("Ouverts à partir du"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("Saisissez une date valide.")},
    )
    opened_to = forms.DateField(
        label=gettext_lazy("Ouverts jusqu'au"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("Saisissez une date valide.")},
    )
    analyst = forms.ChoiceField(widget=_Select, label=gettext_lazy("Analyste"), required=False)
    overdue = forms.BooleanField(label=gettext_lazy("En retard uniquement"), required=False)
    waiting = forms.BooleanField(label=gettext_lazy("En attente de la structure uniquement"), required=False)
    sort = forms.ChoiceField(widget=_Select, label=gettext_lazy("Trier par"), required=False, choices=QueueSort.CHOICES)

    def __init__(self, data=None, *, analysts: Sequence[User], **kwargs):
        kwargs.setdefault("auto_id", "filtre-%s")
        super().__init__(data, **kwargs)
        everything = [("", _("Toutes"))]
        self.fields["region"].choices = everything + [(r.code, r.name) for r in Region.objects.order_by("name")]
        self.fields["structure_type"].choices = [("", _("Tous"))] + [
            (t.code, t.label) for t in StructureType.objects.order_by("position", "label")
        ]
        self.fields["typology"].choices = everything + [
            (c.code, c.label) for c in IncidentCategory.objects.order_by("position", "label")
        ]
        self.fields["analyst"].choices = [
            ("", _("Tous")),
            (ANALYST_ME, _("Moi")),
            (ANALYST_NONE, _("Non assigné")),
        ] + _analyst_choices(analysts)
        _dsfr_classes(self)

    def clean(self):
        data = super().clean()
        start, end = data.get("opened_from"), data.get("opened_to")
        if start and end and start > end:
            self.add_error("opened_to", _("La date de fin précède la date de début."))
        return data

    def filters(self) -> dict:
        """The valid filters (an invalid one is left out, with its error shown)."""
        self.is_valid()
        return dict(self.cleaned_data)


class _IdsField(forms.Field):
    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": gettext_lazy("Cochez au moins un dossier."),
        "invalid": gettext_lazy("Sélection de dossiers invalide."),
    }

    def to_python(self, value):
        if not value:
            return []
        try:
            return sorted({int(v) for v in value})
        except (TypeError, ValueError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class BulkAction:
    ASSIGN = "assign"
    QUESTION = "question"
    MERGE = "merge"
    CHOICES = (
        (ASSIGN, gettext_lazy("Assigner à un analyste")),
        (QUESTION, gettext_lazy("Poser la même question aux structures")),
        (MERGE, gettext_lazy("Clore comme doublons d'une déclaration")),
    )


class QueueBulkForm(DsfrBaseForm):
    """One action on the checked cases (POST)."""

    cases = _IdsField()
    action = forms.ChoiceField(
        widget=_Select,
        label=gettext_lazy("Action sur les dossiers cochés"),
        choices=BulkAction.CHOICES,
        error_messages={"required": gettext_lazy("Choisissez une action.")},
    )
    analyst = forms.ChoiceField(
        widget=_Select,
        label=gettext_lazy("Analyste (pour « Assigner »)"),
        required=False,
    )
    body = forms.CharField(
        label=gettext_lazy("Question (pour « Poser la même question »)"),
        help_text=gettext_lazy("Envoyée à chaque structure, sur sa déclaration ; l'horloge de la cellule s'arrête."),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    into = forms.CharField(
        label=gettext_lazy("Référence de la déclaration principale (pour « Clore comme doublons »)"),
        help_text=gettext_lazy("Au format ACSS-AAAA-NNNNNN."),
        required=False,
        max_length=20,
    )

    def __init__(self, data=None, *, user, analysts: Sequence[User], **kwargs):
        kwargs.setdefault("auto_id", "lot-%s")
        super().__init__(data, **kwargs)
        self.user = user
        self.analysts = {a.pk: a for a in analysts}
        self.fields["analyst"].choices = [("", "—"), (ANALYST_NONE, _("Personne (retirer l'assignation)"))] + (
            _analyst_choices(analysts)
        )
        _dsfr_classes(self)

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action == BulkAction.ASSIGN:
            choice = data.get("analyst")
            if not choice:
                self.add_error("analyst", _("Choisissez l'analyste à qui assigner les dossiers."))
            else:
                data["analyst_user"] = None if choice == ANALYST_NONE else self.analysts.get(int(choice))
        elif action == BulkAction.QUESTION:
            if not (data.get("body") or "").strip():
                self.add_error("body", _("Écrivez la question à envoyer aux structures."))
        elif action == BulkAction.MERGE:
            reference = (data.get("into") or "").strip().upper()
            if not reference:
                self.add_error("into", _("Indiquez la référence de la déclaration principale."))
            else:
                try:
                    data["into_declaration"] = declaration_get_visible(user=self.user, reference=reference)
                except Http404:
                    self.add_error(
                        "into", _("Aucune déclaration ne porte la référence « %(ref)s ».") % {"ref": reference}
                    )
        return data


@dataclass
class BulkOutcome:
    done: list[str] = field(default_factory=list)  # references handled
    errors: list[str] = field(default_factory=list)  # one French line per refused case


def queue_bulk_run(*, by: User, data: Mapping, origin: AuditOrigin | None = None) -> BulkOutcome:
    """Apply the bulk form's action to each checked case the user sees, through the handling services.

    Each case is its own transaction with its own audit event; a refusal (``Refusal``) is reported
    for that case and the others go on. Ids the user cannot see are reported as not found."""
    outcome = BulkOutcome()
    ids = list(data["cases"])
    declarations = list(case_queue_base(user=by).filter(case__pk__in=ids).order_by("reference"))
    missing = set(ids) - {d.case.pk for d in declarations}
    if missing:
        outcome.errors.append(
            _("%(n)d dossier(s) introuvable(s) : ils ont été ignorés.") % {"n": len(missing)},
        )
    action = data["action"]
    for d in declarations:
        try:
            if action == BulkAction.ASSIGN:
                case_assign(case=d.case, analyst=data.get("analyst_user"), by=by, origin=origin)
            elif action == BulkAction.QUESTION:
                question_ask(declaration=d, by=by, body=data["body"], origin=origin)
            elif action == BulkAction.MERGE:
                case_merge(case=d.case, by=by, into=data["into_declaration"], origin=origin)
        except Refusal as error:
            outcome.errors.append(_("%(ref)s : %(error)s") % {"ref": d.reference, "error": error})
        else:
            outcome.done.append(d.reference)
    return outcome


# --------------------------------------------------------------------------------------------------
# ARS board
# --------------------------------------------------------------------------------------------------


def ars_board_regions(*, user) -> list[Region] | None:
    """The regions a person may look at on the board: all for ACSS, their ARS's; None: no board for them."""
    codes = access.board_region_codes(user)
    if codes is None:
        return list(Region.objects.order_by("name"))
    if codes:
        return list(Region.objects.filter(code__in=codes).order_by("name"))
    return None


class BoardFilterForm(DsfrBaseForm):
    region = forms.ChoiceField(widget=_Select, label=gettext_lazy("Région"), required=False)
    state = forms.ChoiceField(
        widget=_Select,
        label=gettext_lazy("État"),
        required=False,
        choices=[(STATE_OPEN, gettext_lazy("Ouverts (par défaut)")), (STATE_ALL, gettext_lazy("Tous"))]
        + list(CaseState.choices),
    )

    def __init__(self, data=None, *, regions: Sequence[Region], **kwargs):
        kwargs.setdefault("auto_id", "tableau-%s")
        super().__init__(data, **kwargs)
        choices = [(r.code, r.name) for r in regions]
        self.fields["region"].choices = ([("", _("Toutes"))] if len(choices) > 1 else []) + choices
        _dsfr_classes(self)

    def filters(self) -> dict:
        self.is_valid()
        return dict(self.cleaned_data)


def ars_board_scope(*, user, region: str = "") -> QuerySet[Declaration]:
    """The declarations (with a case) of the board: the ARS's region(s), or all for ACSS; ``region`` narrows."""
    codes = access.board_region_codes(user)
    qs = declaration_list_visible(user=user).filter(case__isnull=False)
    if codes is not None:
        if not codes:
            raise Http404("no board")
        qs = qs.filter(structure__departement__region_id__in=codes)
    if region:
        qs = qs.filter(structure__departement__region_id=region)
    return qs


def ars_board_counters(scope: QuerySet[Declaration]) -> dict[str, int]:
    """How many declarations in each state, and how many wait on the structure: one query."""
    counts = scope.aggregate(
        waiting=Count("pk", filter=_waiting_q()),
        **{f"state_{state.value}": Count("pk", filter=Q(case__state=state)) for state in CaseState},
    )
    counts["open"] = sum(counts[f"state_{s.value}"] for s in CaseState if s in OPEN_STATES)
    return counts


def ars_board_declarations(scope: QuerySet[Declaration], *, state: str = STATE_OPEN) -> QuerySet[Declaration]:
    """The board's list: newest first, with the case, the place and the current situation."""
    qs = declaration_with_state(scope).select_related(
        "case", "case__category", "category", "structure__departement__region", "structure__structure_type"
    )
    if state == STATE_OPEN:
        qs = qs.filter(case__state__in=OPEN_STATES)
    elif state and state != STATE_ALL:
        qs = qs.filter(case__state=state)
    return qs.order_by("-submitted_at", "-pk")


@dataclass
class DegradedStructure:
    structure: object
    situation: str  # Situation value: the worst among its open declarations
    since: datetime | None
    declarations: list[Declaration] = field(default_factory=list)

    @property
    def interrupted(self) -> bool:
        return self.situation == Situation.INTERRUPTED

    @property
    def situation_label(self) -> str:
        return str(Situation(self.situation).label)


def situation_since(declaration: Declaration) -> datetime | None:
    """Since when the declaration's current situation holds, from its situation updates (prefetched in order).

    The start of the last run of updates with the current situation; when every update says the same as
    the declaration (or there is none), since the incident began (alert, occurrence, discovery, submission)."""
    current = declaration.current_situation
    since = None
    for update in reversed(list(declaration.situation_updates.all())):
        if update.situation != current:
            return since
        since = update.effective_at
    declared = declaration.functioning or declaration.alert_care_impact
    if declared == current:
        return (
            declaration.alert_since or declaration.occurred_at or declaration.discovered_at or declaration.submitted_at
        )
    return since


def ars_degraded_structures(scope: QuerySet[Declaration]) -> list[DegradedStructure]:
    """Structures in degraded mode or with care interrupted right now: the current situation (latest update,
    else what was declared) of one of their OPEN cases. Interrupted first, then the longest-running. Two queries."""
    declarations = declaration_list_degraded_now(scope=scope)
    by_structure: dict[int, DegradedStructure] = {}
    for d in declarations:
        since = situation_since(d)
        entry = by_structure.get(d.structure_id)
        if entry is None:
            by_structure[d.structure_id] = DegradedStructure(d.structure, d.current_situation, since, [d])
            continue
        entry.declarations.append(d)
        if d.current_situation == Situation.INTERRUPTED and entry.situation != Situation.INTERRUPTED:
            entry.situation, entry.since = Situation.INTERRUPTED, since
        elif d.current_situation == entry.situation and since and (entry.since is None or since < entry.since):
            entry.since = since
    far_future = datetime.max.replace(tzinfo=ZoneInfo("UTC"))
    return sorted(by_structure.values(), key=lambda e: (not e.interrupted, e.since or far_future, e.structure.name))
