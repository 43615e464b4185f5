"""Charts drawn on the server as SVG: no script, no inline style (the CSP forbids them; SVG presentation
attributes such as ``fill`` are attributes, not styles), the DSFR's colours.

Each chart carries ``role="img"``, a ``<title>`` and a ``<desc>`` (the text alternative, also shown under the
chart) and its data as rows for the table rendered beside it (``templates/observatory/_chart.html``). A time axis is
even: one slot per period, the missing periods given as zero by ``even_years`` / ``even_months`` before drawing. A
partial period (the current month or year) is drawn hatched and lighter and named in the legend, so that a printed
page in black and white still tells it apart; the platform's computed years are dotted beside the published ones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from html import escape

from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

# DSFR colours: blue France (sun-113), its lighter tone (main-525), the grey of text and lines.
BLUE = "#000091"
BLUE_LIGHT = "#6a6af4"
GREY_TEXT = "#3a3a3a"
GREY_LINE = "#dddddd"
WHITE = "#ffffff"

SOLID, PARTIAL, COMPUTED = "solid", "partial", "computed"


@dataclass(frozen=True)
class Point:
    label: str
    value: float
    kind: str = SOLID  # SOLID, PARTIAL (an unfinished period) or COMPUTED (the platform's own figure)
    note: str = ""  # shown in the table's last column (« partiel », the source…)


@dataclass
class Chart:
    chart_id: str
    title: str
    value_label: str
    points: list[Point]
    label_header: str = ""
    horizontal: bool = False
    legend: list[tuple[str, str]] = field(default_factory=list)  # (kind, French label)
    svg: SafeString = mark_safe("")
    description: str = ""

    @property
    def rows(self) -> list[tuple[str, str, str]]:
        return [(p.label, _format(p.value), p.note) for p in self.points]

    @property
    def has_notes(self) -> bool:
        return any(p.note for p in self.points)


def _format(value: float) -> str:
    if float(value).is_integer():
        return number_format(int(value), force_grouping=True)
    return number_format(value, decimal_pos=1, force_grouping=True)


def _nice_max(value: float) -> float:
    """The top of the axis: four even steps of 1, 2, 2.5 (from 25 up) or 5 times a power of ten (whole numbers from 4 up), at least
    the largest value."""
    if value <= 0:
        return 4
    raw = value / 4
    magnitude = 10 ** max(len(str(int(raw))) - 1, 0)
    for step in (1, 2, 2.5, 5, 10) if magnitude >= 10 else (1, 2, 5, 10):
        if step * magnitude >= raw:
            return 4 * step * magnitude
    return 40 * magnitude  # pragma: no cover - the loop ends at 10


def describe(title: str, points: list[Point], value_label: str) -> str:
    """The text alternative: what the chart shows in one or two sentences."""
    if not points:
        return _("%(title)s : aucune donnée.") % {"title": title}
    top = max(points, key=lambda p: p.value)
    low = min(points, key=lambda p: p.value)
    text = _(
        "%(title)s, %(count)s valeurs (%(unit)s) de %(first)s à %(last)s : la plus haute %(top)s (%(top_label)s), la plus basse %(low)s (%(low_label)s)."
    ) % {
        "title": title,
        "count": len(points),
        "unit": value_label,
        "first": points[0].label,
        "last": points[-1].label,
        "top": _format(top.value),
        "top_label": top.label,
        "low": _format(low.value),
        "low_label": low.label,
    }
    partial = [p.label for p in points if p.kind == PARTIAL]
    if partial:
        text += " " + _("Période en cours, partielle : %(labels)s.") % {"labels": ", ".join(partial)}
    return text


def _defs(chart_id: str) -> str:
    return (
        "<defs>"
        f'<pattern id="{chart_id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="{WHITE}"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{BLUE_LIGHT}" stroke-width="3"/></pattern>'
        f'<pattern id="{chart_id}-dots" width="5" height="5" patternUnits="userSpaceOnUse">'
        f'<rect width="5" height="5" fill="{BLUE_LIGHT}"/>'
        f'<circle cx="2.5" cy="2.5" r="1.2" fill="{WHITE}"/></pattern>'
        "</defs>"
    )


def _fill(chart_id: str, kind: str) -> str:
    if kind == PARTIAL:
        return f'fill="url(#{chart_id}-hatch)" stroke="{BLUE_LIGHT}" stroke-width="1"'
    if kind == COMPUTED:
        return f'fill="url(#{chart_id}-dots)" stroke="{BLUE}" stroke-width="1"'
    return f'fill="{BLUE}"'


def _text(x: float, y: float, content: str, *, anchor: str = "middle", size: int = 11, extra: str = "") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
        f'font-family="Marianne, arial, sans-serif" fill="{GREY_TEXT}"{extra}>{escape(content)}</text>'
    )


def _legend(chart: Chart, y: float) -> tuple[str, float]:
    parts, x = [], 0.0
    for kind, label in chart.legend:
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="14" height="14" {_fill(chart.chart_id, kind)}/>')
        parts.append(_text(x + 20, y + 11, label, anchor="start"))
        x += 30 + 6.5 * len(label)
    return "".join(parts), (22 if chart.legend else 0)


def _frame(chart: Chart, width: int, height: int, body: str) -> SafeString:
    cid = escape(chart.chart_id)
    return mark_safe(  # noqa: S308 — every text in it goes through escape()
        f'<svg xmlns="http://www.w3.org/2000/svg" class="acss-chart" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="{cid}-title {cid}-desc" focusable="false">'
        f'<title id="{cid}-title">{escape(chart.title)}</title>'
        f'<desc id="{cid}-desc">{escape(chart.description)}</desc>'
        f"{_defs(cid)}{body}</svg>"
    )


def _vertical(chart: Chart) -> SafeString:
    width, plot_h, left, top = 720, 220, 48, 10
    n = max(len(chart.points), 1)
    slot = (width - left - 8) / n
    bar = max(min(slot * 0.7, 48), 2)
    top_value = _nice_max(max((p.value for p in chart.points), default=0))
    body = []
    for i in range(5):  # the grid: 0, ¼, ½, ¾, top, at even steps
        value = top_value * i / 4
        y = top + plot_h - plot_h * i / 4
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 8}" y2="{y:.1f}" stroke="{GREY_LINE}"/>')
        body.append(_text(left - 6, y + 4, _format(value), anchor="end", size=10))
    every = max(1, round(n / 18))  # at most about 18 labels on the axis, at even intervals
    for i, point in enumerate(chart.points):
        x = left + slot * i + (slot - bar) / 2
        h = plot_h * point.value / top_value
        y = top + plot_h - h
        body.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" {_fill(chart.chart_id, point.kind)}>'
            f"<title>{escape(point.label)} : {escape(_format(point.value))}</title></rect>"
        )
        if n <= 24:
            body.append(_text(x + bar / 2, y - 3, _format(point.value), size=10))
        if i % every == 0:
            body.append(_text(x + bar / 2, top + plot_h + 14, point.label, size=10))
    body.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 8}" y2="{top + plot_h}" stroke="{GREY_TEXT}"/>')
    legend, legend_h = _legend(chart, top + plot_h + 26)
    body.append(legend)
    return _frame(chart, width, int(top + plot_h + 26 + legend_h + 4), "".join(body))


def _horizontal(chart: Chart) -> SafeString:
    width, row, left, top = 720, 22, 260, 4
    top_value = _nice_max(max((p.value for p in chart.points), default=0))
    plot_w = width - left - 60
    body = []
    for i, point in enumerate(chart.points):
        y = top + row * i
        w = plot_w * point.value / top_value
        label = point.label if len(point.label) <= 40 else point.label[:39] + "…"
        body.append(_text(left - 8, y + 14, label, anchor="end"))
        body.append(
            f'<rect x="{left}" y="{y + 3:.1f}" width="{w:.1f}" height="{row - 6}" {_fill(chart.chart_id, point.kind)}>'
            f"<title>{escape(point.label)} : {escape(_format(point.value))}</title></rect>"
        )
        body.append(_text(left + w + 6, y + 14, _format(point.value), anchor="start"))
    height = top + row * max(len(chart.points), 1)
    body.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height}" stroke="{GREY_TEXT}"/>')
    legend, legend_h = _legend(chart, height + 8)
    body.append(legend)
    return _frame(chart, width, int(height + 8 + legend_h + 4), "".join(body))


def bar_chart(
    *,
    chart_id: str,
    title: str,
    points: list[Point],
    value_label: str,
    label_header: str = "",
    horizontal: bool = False,
    legend: list[tuple[str, str]] | None = None,
) -> Chart:
    """A bar chart with its text alternative; a legend entry is added for partial periods when there are some."""
    chart = Chart(
        chart_id=chart_id,
        title=title,
        value_label=value_label,
        points=list(points),
        label_header=label_header or _("Période"),
        horizontal=horizontal,
        legend=list(legend or []),
    )
    if any(p.kind == PARTIAL for p in chart.points) and not any(k == PARTIAL for k, _label in chart.legend):
        if not chart.legend:
            chart.legend.append((SOLID, _("Période complète")))
        chart.legend.append((PARTIAL, _("Période en cours (partielle)")))
    chart.description = describe(title, chart.points, value_label)
    chart.svg = _horizontal(chart) if horizontal else _vertical(chart)
    return chart


MONTHS_SHORT = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]


def month_label(key: str) -> str:
    """« 2026-03 » → « mars 2026 »."""
    year, month = key.split("-")
    return f"{MONTHS_SHORT[int(month) - 1]} {year}"


def last_months(today: dt.date, count: int) -> list[str]:
    """The ``count`` months ending with today's, oldest first, as « YYYY-MM »."""
    year, month, keys = today.year, today.month, []
    for _i in range(count):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return keys[::-1]


def even_months(counts: dict[str, int], months: list[str], *, partial: str | None = None) -> list[Point]:
    """One point per month of ``months`` (missing ones at zero); ``partial`` names the unfinished month."""
    return [
        Point(
            month_label(key),
            counts.get(key, 0),
            PARTIAL if key == partial else SOLID,
            _("partiel") if key == partial else "",
        )
        for key in months
    ]


def even_years(counts: dict[int, int], *, partial: int | None = None) -> list[Point]:
    """One point per year from the first to the last (missing years at zero); ``partial`` the current year."""
    if not counts:
        return []
    return [
        Point(
            str(year),
            counts.get(year, 0),
            PARTIAL if year == partial else SOLID,
            _("partiel") if year == partial else "",
        )
        for year in range(min(counts), max(counts) + 1)
    ]
