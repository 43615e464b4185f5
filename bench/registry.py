"""The benchmark registry: each module of bench/benchmarks/ calls `register(Benchmark(...))` once.

Two kinds of benchmark:
- **HTTP** (`server` + `request`): how to prepare its database, which WSGI application to serve (through
  `BenchContext.server`), which request each client sends, and optionally how each client sets itself up (log in,
  fetch a CSRF token). The load generator, the gunicorn runner and the report are shared; the result is compared
  with the HTTP baseline of the same run.
- **Timed** (`timed`): a function that does some work once (an import, a computation) and returns its
  `Measure`s, one of them its own *reference* measured in the same run (a bare parse of the same files…); the
  report gives each measure's throughput and its cost ratio to that reference. No server, no HTTP baseline.
"""

import importlib
import os
import pkgutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.database import Database
from bench.load import ClientSetup, LoadResult, RequestFactory
from bench.server import PROJECT_ROOT, ServerOptions, ServerSpec


@dataclass(frozen=True)
class BenchContext:
    """What a benchmark's hooks get: its private working directory, its database and the server options."""

    name: str
    workdir: Path
    database: Database
    server_options: ServerOptions

    @property
    def database_url(self) -> str:
        return self.database.url_for(self.workdir)

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of this benchmark's subprocesses: the harness's own, with DATABASE_URL and `extra`."""
        return {**os.environ, "DATABASE_URL": self.database_url, **extra}

    def server(self, app: str, env: dict[str, str], ready_path: str = "/") -> ServerSpec:
        """A gunicorn server for `app` ("module:callable"), with the run's worker options."""
        return ServerSpec(app, env, self.server_options, self.workdir / "gunicorn.log", ready_path)

    def django(self, settings_module: str, *args: str, env: dict[str, str] | None = None) -> str:
        """Run `django-admin ARGS` for the given settings in a subprocess; return its standard output."""
        environment = {**(env or self.env()), "DJANGO_SETTINGS_MODULE": settings_module}
        done = subprocess.run(
            [sys.executable, "-m", "django", *args],
            cwd=PROJECT_ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"django-admin {' '.join(args)} failed:\n{done.stderr[-2000:]}")
        return done.stdout


@dataclass(frozen=True)
class Measure:
    """One timed measure of a timed benchmark: `items` (records, files…) done in `seconds`."""

    label: str  # e.g. "import, new records"
    items: int
    seconds: float
    unit: str = "items"  # e.g. "records": the throughput column reads "records/s"
    reference: bool = False  # the measure the others are compared with (exactly one per result)

    @property
    def throughput(self) -> float:
        return self.items / self.seconds if self.seconds > 0 else 0.0

    @property
    def cost(self) -> float:
        """Seconds per item."""
        return self.seconds / self.items if self.items > 0 else float("inf")


@dataclass(frozen=True)
class TimedResult:
    measures: list[Measure]
    notes: list[str] = field(default_factory=list)  # for the report, e.g. whether a target is met

    @property
    def reference(self) -> Measure | None:
        return next((m for m in self.measures if m.reference), None)

    def ratio(self, measure: Measure) -> float:
        """Cost per item relative to the reference: 4.0 means four times the reference's cost per item."""
        ref = self.reference
        return measure.cost / ref.cost if ref is not None and ref.cost > 0 else float("nan")


@dataclass(frozen=True)
class Benchmark:
    name: str  # used by --only and in the report
    title: str  # one line, e.g. "Declaration submission over HTTP"
    description: str  # a few sentences for the report: what one request (or one timed run) does
    server: Callable[[BenchContext], ServerSpec] | None = None  # HTTP benchmarks
    request: RequestFactory | None = None  # HTTP benchmarks
    timed: Callable[[BenchContext], TimedResult] | None = None  # timed benchmarks, instead of server + request
    setup_client: ClientSetup | None = None
    prepare: Callable[[BenchContext], None] | None = None  # before the server starts: create tables, users...
    check: Callable[[BenchContext, LoadResult], str] | None = None  # after the load, server stopped: a short note
    cleanup: Callable[[BenchContext], None] | None = None  # always, last: drop what prepare made outside workdir
    baseline: bool = False  # exactly one benchmark is the baseline every other HTTP one is compared with

    @property
    def is_timed(self) -> bool:
        return self.timed is not None


_REGISTRY: dict[str, Benchmark] = {}


def register(benchmark: Benchmark) -> Benchmark:
    if benchmark.name in _REGISTRY:
        raise ValueError(f"benchmark {benchmark.name!r} is registered twice")
    http = benchmark.server is not None and benchmark.request is not None
    if http == benchmark.is_timed or (benchmark.is_timed and (benchmark.server or benchmark.request)):
        raise ValueError(f"benchmark {benchmark.name!r} needs either server and request (HTTP) or timed")
    if benchmark.baseline and benchmark.is_timed:
        raise ValueError("the baseline is an HTTP benchmark")
    if benchmark.baseline and any(b.baseline for b in _REGISTRY.values()):
        raise ValueError("only one benchmark can be the baseline")
    _REGISTRY[benchmark.name] = benchmark
    return benchmark


def discover() -> None:
    """Import every module of bench/benchmarks/, which registers its benchmarks."""
    package = importlib.import_module("bench.benchmarks")
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"bench.benchmarks.{module.name}")


def all_benchmarks() -> list[Benchmark]:
    """Registered benchmarks, the baseline first."""
    return sorted(_REGISTRY.values(), key=lambda b: (not b.baseline, b.name))


def baseline() -> Benchmark:
    for benchmark in _REGISTRY.values():
        if benchmark.baseline:
            return benchmark
    raise LookupError("no baseline benchmark is registered")


def select(names: list[str]) -> list[Benchmark]:
    """The benchmarks named (all when none is), with the baseline first when an HTTP benchmark is among them:
    their ratios need it in the same run (timed benchmarks carry their own reference)."""
    if not names:
        return all_benchmarks()
    unknown = [n for n in names if n not in _REGISTRY]
    if unknown:
        raise LookupError(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(_REGISTRY)}")
    chosen = [b for b in all_benchmarks() if b.name in names and not b.baseline]
    if all(b.is_timed for b in chosen) and not any(_REGISTRY[n].baseline for n in names):
        return chosen
    base = baseline()
    return [base, *(b for b in chosen if b is not base)]
