"""The watch's import of the cve5 folder (5,034 CVE JSON 5 files), next to a bare `json.load` of the same files.

A timed benchmark (no HTTP): one Django process on a freshly migrated database warms the page cache with one
unmeasured bare parse (every file opened and `json.load`-ed, nothing else), then runs three rounds of: bare
parse, import into an empty base (emptied first), bare parse, import again of the same unchanged files. The runs
are interleaved so that a busy moment of the machine weighs on both sides; each figure is the best of its runs.
The import is `acss.veille.services.veille_import(match=False)`: reading, hashing (canonical JSON, SHA-256),
normalising, writing in batches of 500 and the `ImportRun` row — without the matcher, which is measured apart.
Target: the import costs at most 10 times the bare parse per record.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from bench.benchmarks.own_database import OwnDatabase
from bench.benchmarks.submission import SETTINGS
from bench.registry import BenchContext, Benchmark, Measure, TimedResult, register
from bench.server import PROJECT_ROOT

# The real public data is kept beside the checkout (ACSS_REAL_DATA points elsewhere).
DATA = Path(os.environ.get("ACSS_REAL_DATA") or PROJECT_ROOT.parent / "shared" / "data") / "cve5"
TARGET = 10.0
ROUNDS = 3

SCRIPT = """
import glob, json, time
from acss.veille.models import ImportRun, Vulnerability
from acss.veille.services import veille_import

folder = {folder!r}
ROUNDS = {rounds}
files = sorted(glob.glob(folder + "/*.json"))


def bare():
    started = time.perf_counter()
    for name in files:
        with open(name, "rb") as fh:
            json.load(fh)
    return time.perf_counter() - started


def empty():
    Vulnerability.objects.all().delete()
    ImportRun.objects.all().delete()


bare()
parse, new, again = [], [], []
for _ in range(ROUNDS):
    parse.append(bare())
    empty()
    report = veille_import(paths=[folder], match=False)
    assert report.imported == len(files) and report.invalid == 0, report.as_dict()
    new.append(report.elapsed)
    parse.append(bare())
    report = veille_import(paths=[folder], match=False)
    assert report.unchanged == len(files) and report.imported == report.updated == 0, report.as_dict()
    again.append(report.elapsed)
print("BENCH-RESULT " + json.dumps({{"files": len(files), "parse": parse, "new": new, "again": again}}))
"""


DATABASE = OwnDatabase("acss_bench_veille")


def prepare(ctx: BenchContext) -> None:
    if not DATA.is_dir():
        raise RuntimeError(f"{DATA} is absent: the benchmark reads the real CVE records (ACSS_REAL_DATA)")
    DATABASE.prepare(ctx)


def timed(ctx: BenchContext) -> TimedResult:
    out = ctx.django(SETTINGS, "shell", "-c", SCRIPT.format(folder=str(DATA), rounds=ROUNDS), env=DATABASE.env(ctx))
    line = next(line for line in out.splitlines() if line.startswith("BENCH-RESULT "))
    figures = json.loads(line.removeprefix("BENCH-RESULT "))
    files = figures["files"]
    parse = Measure("bare json.load of the files", files, min(figures["parse"]), "records", reference=True)
    new = Measure("import into an empty base", files, min(figures["new"]), "records")
    again = Measure("import again, nothing changed", files, min(figures["again"]), "records")
    result = TimedResult([parse, new, again])
    ratio = result.ratio(new)
    verdict = "met" if ratio <= TARGET else "NOT met"
    runs = ", ".join(f"{k} {', '.join(f'{v:.2f}' for v in figures[k])} s" for k in ("parse", "new", "again"))
    result.notes.append(f"target: import at most {TARGET:.0f}× the bare parse per record: {ratio:.2f}× ({verdict})")
    result.notes.append(f"every run: {runs}")
    return result


register(
    Benchmark(
        name="veille-import",
        title="Watch import of the cve5 folder (5,034 CVE JSON 5 records) vs a bare json.load",
        description=__doc__.split("\n\n", 1)[1].strip().replace("\n", " "),
        timed=timed,
        prepare=prepare,
        cleanup=DATABASE.cleanup,
    )
)
