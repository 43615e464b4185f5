"""The report: bench/results.md (Markdown) and the summary table printed in the terminal (rich)."""

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from rich.table import Table

from bench.database import Database
from bench.registry import Benchmark, TimedResult
from bench.stats import Summary, cost_ratio, p95_ratio

HEADERS = [
    "Engine",
    "Requests",
    "Elapsed (s)",
    "Throughput (req/s)",
    "p50 (ms)",
    "p95 (ms)",
    "Errors",
    "Cost ratio",
    "p95 ratio",
]
TERMINAL_HEADERS = ["Req", "Elapsed s", "req/s", "p50 ms", "p95 ms", "Err", "Cost ratio", "p95 ratio"]
TIMED_HEADERS = ["Engine", "Measure", "Items", "Elapsed (s)", "Throughput", "Ratio to reference"]


@dataclass
class Outcome:
    """One benchmark run on one database: its summary, or why it failed."""

    benchmark: Benchmark
    database: Database
    summary: Summary | None = None  # HTTP benchmarks
    timed: TimedResult | None = None  # timed benchmarks
    notes: list[str] = field(default_factory=list)
    failure: str | None = None


@dataclass(frozen=True)
class RunInfo:
    command: str
    started: datetime
    machine: list[tuple[str, str]]
    databases: list[Database]
    parameters: list[tuple[str, str]]


def _number(value: float, digits: int = 1) -> str:
    return "n/a" if math.isnan(value) or math.isinf(value) else f"{value:,.{digits}f}"


def _baseline_of(outcome: Outcome, outcomes: list[Outcome]) -> Summary | None:
    for other in outcomes:
        if other.benchmark.baseline and other.database == outcome.database:
            return other.summary
    return None


def row(outcome: Outcome, outcomes: list[Outcome]) -> list[str]:
    """The cells of one outcome, in HEADERS order; ratios against the baseline on the same engine in this run."""
    engine = outcome.database.engine
    summary = outcome.summary
    if summary is None:
        return [engine, "failed", "", "", "", "", "", "", ""]
    base = _baseline_of(outcome, outcomes)
    if outcome.benchmark.baseline:
        ratios = ["—", "—"]
    elif base is None or base.throughput <= 0 or summary.throughput <= 0:
        ratios = ["n/a", "n/a"]
    else:
        ratios = [f"{cost_ratio(summary, base):.2f}", f"{p95_ratio(summary, base):.2f}"]
    elapsed = _number(summary.elapsed, 2) + (" (time cap)" if summary.capped else "")
    return [
        engine,
        str(summary.requests),
        elapsed,
        _number(summary.throughput),
        _number(summary.p50_ms, 2),
        _number(summary.p95_ms, 2),
        str(summary.errors),
        *ratios,
    ]


def _table(rows: Iterable[list[str]], headers: list[str] = HEADERS) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return lines


def timed_rows(outcome: Outcome) -> list[list[str]]:
    """The cells of a timed outcome, one row per measure, in TIMED_HEADERS order."""
    engine = outcome.database.engine
    result = outcome.timed
    if result is None:
        return [[engine, "failed", "", "", "", ""]]
    rows = []
    for measure in result.measures:
        ratio = "— (reference)" if measure.reference else f"{result.ratio(measure):.2f}"
        rows.append(
            [
                engine,
                measure.label,
                f"{measure.items:,}",
                _number(measure.seconds, 3),
                f"{_number(measure.throughput)} {measure.unit}/s",
                ratio,
            ]
        )
    return rows


def _key_values(title: str, pairs: list[tuple[str, str]]) -> list[str]:
    return [f"## {title}", "", "| | |", "|---|---|", *(f"| {k} | {v} |" for k, v in pairs), ""]


def _benchmark_section(benchmark: Benchmark, outcomes: list[Outcome]) -> list[str]:
    mine = [o for o in outcomes if o.benchmark is benchmark]
    lines = [f"### `{benchmark.name}`: {benchmark.title}", "", benchmark.description, ""]
    if benchmark.is_timed:
        lines += [*_table((cells for o in mine for cells in timed_rows(o)), TIMED_HEADERS), ""]
    else:
        lines += [*_table(row(o, outcomes) for o in mine), ""]
    for outcome in mine:
        for note in outcome.notes:
            lines.append(f"- {outcome.database.engine}: {note}")
        if outcome.failure:
            lines += [f"- {outcome.database.engine}: **failed**:", "", "```text", outcome.failure, "```"]
    if lines[-1]:
        lines.append("")
    return lines


def markdown(info: RunInfo, outcomes: list[Outcome]) -> str:
    databases = [(d.engine, d.describe()) for d in info.databases]
    lines = [
        "# Benchmark results",
        "",
        f"Written by `{info.command}` on {info.started.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC; "
        "every run overwrites this file. Compare ratios within one run, not absolute figures across machines.",
        "",
        *_key_values("Machine", [*info.machine, *(("Database " + e, d) for e, d in databases)]),
        *_key_values("Parameters", info.parameters),
        "## Results",
        "",
        "Throughput counts successful measured requests over the measured phase's elapsed time. Latencies are "
        "those of successful measured requests, seen by the client (p50/p95 interpolated between ranks). "
        "Cost ratio = (1 / throughput) / (1 / baseline throughput), p95 ratio = p95 / baseline p95, both against "
        "the baseline on the same engine in this run: 3.00 means three times the baseline's cost. Timed "
        "(non-HTTP) benchmarks are compared with their own reference measure, taken in the same run: their ratio "
        "is the cost per item over the reference's cost per item.",
        "",
    ]
    for benchmark in dict.fromkeys(o.benchmark for o in outcomes):
        lines += _benchmark_section(benchmark, outcomes)
    return "\n".join(lines)


def rich_table(outcomes: list[Outcome]) -> Table:
    table = Table(title="Benchmark results (ratios: against the baseline, same engine)")
    table.add_column("Benchmark (engine)", no_wrap=True)
    for header in TERMINAL_HEADERS:
        table.add_column(header, justify="right")
    for outcome in outcomes:
        engine, *cells = row(outcome, outcomes)
        table.add_row(f"{outcome.benchmark.name} ({engine})", *cells)
    return table


def rich_timed_table(outcomes: list[Outcome]) -> Table:
    table = Table(title="Timed benchmarks (ratios: cost per item against each one's reference, same run)")
    table.add_column("Benchmark (engine)", no_wrap=True)
    for header in TIMED_HEADERS[1:]:
        table.add_column(header, justify="left" if header == "Measure" else "right")
    for outcome in outcomes:
        for engine, *cells in timed_rows(outcome):
            table.add_row(f"{outcome.benchmark.name} ({engine})", *cells)
    return table
