"""Command line of the harness: runs the selected benchmarks on each engine, writes bench/results.md."""

import argparse
import os
import shlex
import sys
import tempfile
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bench import database, machine, registry
from bench.database import Database
from bench.load import LoadConfig, LoadResult, run_load
from bench.registry import BenchContext, Benchmark
from bench.report import Outcome, RunInfo, markdown, rich_table, rich_timed_table
from bench.server import GunicornServer, ServerOptions
from bench.stats import summarize

RESULTS = Path(__file__).resolve().parent / "results.md"
MAX_CLIENTS = 256
MAX_DURATION = 600.0


def _bounded_int(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}")
        return value

    return parse


def _duration(text: str) -> float:
    value = float(text)
    if not 0 < value <= MAX_DURATION:
        raise argparse.ArgumentTypeError(f"must be in ]0, {MAX_DURATION:.0f}] seconds")
    return value


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/run.py", description="Run the HTTP benchmarks against 127.0.0.1, and the timed ones."
    )
    parser.add_argument("--clients", type=_bounded_int(1, MAX_CLIENTS), default=8, help="concurrent clients (8)")
    parser.add_argument(
        "--requests", type=_bounded_int(1, 1_000_000), default=2000, help="measured requests per benchmark (2000)"
    )
    parser.add_argument("--duration", type=_duration, default=60.0, help="wall-clock cap per benchmark, s (60)")
    parser.add_argument("--warmup", type=_bounded_int(0, 100), default=3, help="warm-up requests per client (3)")
    parser.add_argument("--workers", type=_bounded_int(1, 64), default=2, help="gunicorn worker processes (2)")
    parser.add_argument("--threads", type=_bounded_int(1, 64), default=4, help="threads per gunicorn worker (4)")
    parser.add_argument(
        "--only",
        action="append",
        type=_names,
        default=[],
        metavar="NAME",
        help="run only these benchmarks (repeatable or comma-separated); the baseline always runs too",
    )
    parser.add_argument(
        "--engines",
        type=_names,
        default=None,
        help="comma-separated engines among sqlite,postgres (default: the engine of DATABASE_URL, else sqlite)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="Markdown report to overwrite (bench/results.md)")
    return parser.parse_args(argv)


def _progress_bar(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[errors]} errors"),
        TimeElapsedColumn(),
        console=console,
    )


def _load(ctx: BenchContext, benchmark: Benchmark, port: int, args: argparse.Namespace, bar: Progress) -> LoadResult:
    config = LoadConfig(
        port=port, clients=args.clients, requests=args.requests, duration=args.duration, warmup=args.warmup
    )
    task = bar.add_task(f"{benchmark.name} ({ctx.database.engine})", total=args.requests, errors=0)

    def update(done: int, errors: int) -> None:
        bar.update(task, completed=done, errors=errors)

    return run_load(config, benchmark.request, benchmark.setup_client, update)


def run_benchmark(
    benchmark: Benchmark, db: Database, args: argparse.Namespace, workroot: Path, bar: Progress
) -> Outcome:
    workdir = workroot / f"{benchmark.name}-{db.engine}"
    workdir.mkdir(parents=True)
    ctx = BenchContext(benchmark.name, workdir, db, ServerOptions(args.workers, args.threads))
    outcome = Outcome(benchmark, db)
    try:
        if benchmark.prepare is not None:
            benchmark.prepare(ctx)
        if benchmark.timed is not None:
            task = bar.add_task(f"{benchmark.name} ({db.engine}, timed)", total=1, errors=0)
            outcome.timed = benchmark.timed(ctx)
            outcome.notes += outcome.timed.notes
            bar.update(task, completed=1)
            return outcome
        with GunicornServer(benchmark.server(ctx)) as server:
            result = _load(ctx, benchmark, server.port, args, bar)
        outcome.summary = summarize(result)
        outcome.notes += [f"error sample: {sample}" for sample in result.error_samples]
        if benchmark.check is not None:
            outcome.notes.append(benchmark.check(ctx, result))
    except Exception as exc:
        outcome.failure = f"{type(exc).__name__}: {exc}"
        bar.console.print(f"[red]{benchmark.name} ({db.engine}) failed[/red]\n{escape(traceback.format_exc())}")
    finally:
        _cleanup(benchmark, ctx, outcome, bar.console)
    return outcome


def _cleanup(benchmark: Benchmark, ctx: BenchContext, outcome: Outcome, console: Console) -> None:
    if benchmark.cleanup is None:
        return
    try:
        benchmark.cleanup(ctx)
    except Exception as exc:
        outcome.notes.append(f"cleanup failed: {type(exc).__name__}: {exc}")
        console.print(f"[yellow]{benchmark.name} ({ctx.database.engine}) cleanup failed: {escape(str(exc))}[/yellow]")


def _parameters(args: argparse.Namespace, databases: list[Database]) -> list[tuple[str, str]]:
    return [
        ("Clients", f"{args.clients} concurrent client threads (one process), keep-alive HTTP/1.1 to 127.0.0.1"),
        ("Requests", f"{args.requests} measured per benchmark and engine; {args.warmup} warm-up per client excluded"),
        ("Time cap", f"{args.duration:.0f} s per measured phase"),
        ("Server", ServerOptions(args.workers, args.threads).describe()),
        ("Engines", ", ".join(d.engine for d in databases)),
        ("DB_CONN_MAX_AGE", os.environ.get("DB_CONN_MAX_AGE", "0")),
    ]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    console = Console()
    if not console.is_terminal:  # captured output defaults to 80 columns, too narrow for the table
        console = Console(width=120)
    registry.discover()
    try:
        selected = registry.select([name for group in args.only for name in group])
        databases = database.resolve(args.engines)
    except (LookupError, ValueError) as exc:
        console.print(f"[red]{escape(str(exc))}[/red]")
        return 2
    started = datetime.now(UTC)
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="acss-bench-") as tmp, _progress_bar(console) as bar:
        for db in databases:
            outcomes += [run_benchmark(b, db, args, Path(tmp), bar) for b in selected]
    command = shlex.join([Path(sys.executable).name, "bench/run.py", *(argv if argv is not None else sys.argv[1:])])
    info = RunInfo(command, started, machine.describe(), databases, _parameters(args, databases))
    args.output.write_text(markdown(info, outcomes) + "\n")
    if any(not o.benchmark.is_timed for o in outcomes):
        console.print(rich_table([o for o in outcomes if not o.benchmark.is_timed]))
    if any(o.benchmark.is_timed for o in outcomes):
        console.print(rich_timed_table([o for o in outcomes if o.benchmark.is_timed]))
    console.print(f"Written to {args.output}")
    return 1 if any(o.failure for o in outcomes) else 0
