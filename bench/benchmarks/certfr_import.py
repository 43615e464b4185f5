"""The watch's import of the CERT-FR folder (1,109 advisories of 2024), next to a bare read and parse of the files.

A timed benchmark (no HTTP): one Django process on a freshly migrated database warms the page cache with one
unmeasured bare parse (every file opened and `json.load`-ed, nothing else), then runs three rounds of: bare
parse, import into an empty base (emptied first), bare parse, import again of the same unchanged files, and an
import into an empty base with the matcher. Interleaved so that a busy moment weighs on both sides; each figure is
the best of its runs. The import is `acss.veille.services.veille_import`: reading, hashing, reading each advisory
(`certfr.parse_certfr`), writing the advisories, their news items and the record-less vulnerabilities of the CVEs
they cite (about 11,400) in batches of 500, and the `ImportRun` row.
Targets, per advisory against the bare parse: a second import of the unchanged folder (what a daily run mostly
is: a hash per file) at most 10 times; a first import at most 30 times, as each advisory writes about twelve rows
(itself, its news item, ten record-less CVEs on average).
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
DATA = Path(os.environ.get("ACSS_REAL_DATA") or PROJECT_ROOT.parent / "shared" / "data") / "certfr" / "avis-2024"
TARGET_AGAIN = 10.0
TARGET_NEW = 30.0
ROUNDS = 3

SCRIPT = """
import glob, json, time
from acss.veille.models import Advisory, ImportRun, NewsItem, Vulnerability
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
    Advisory.objects.all().delete()
    NewsItem.objects.all().delete()
    Vulnerability.objects.all().delete()
    ImportRun.objects.all().delete()


def timed_import(match):
    started = time.perf_counter()
    report = veille_import(paths=[folder], match=match)
    return report, time.perf_counter() - started


bare()
parse, new, again, matched = [], [], [], []
for _ in range(ROUNDS):
    parse.append(bare())
    empty()
    report, elapsed = timed_import(False)
    assert report.imported == len(files) and report.invalid == 0, report.as_dict()
    new.append(elapsed)
    parse.append(bare())
    report, elapsed = timed_import(False)
    assert report.unchanged == len(files) and report.imported == report.updated == 0, report.as_dict()
    again.append(elapsed)
    empty()
    report, elapsed = timed_import(True)
    assert report.imported == len(files) and report.matching == "called", report.as_dict()
    matched.append(elapsed)
print("BENCH-RESULT " + json.dumps({{"files": len(files), "parse": parse, "new": new, "again": again,
                                     "matched": matched}}))
"""


DATABASE = OwnDatabase("acss_bench_certfr")


def prepare(ctx: BenchContext) -> None:
    if not DATA.is_dir():
        raise RuntimeError(f"{DATA} is absent: the benchmark reads the real CERT-FR advisories (ACSS_REAL_DATA)")
    DATABASE.prepare(ctx)


def timed(ctx: BenchContext) -> TimedResult:
    out = ctx.django(SETTINGS, "shell", "-c", SCRIPT.format(folder=str(DATA), rounds=ROUNDS), env=DATABASE.env(ctx))
    line = next(line for line in out.splitlines() if line.startswith("BENCH-RESULT "))
    figures = json.loads(line.removeprefix("BENCH-RESULT "))
    files = figures["files"]
    parse = Measure("bare json.load of the files", files, min(figures["parse"]), "advisories", reference=True)
    new = Measure("import into an empty base", files, min(figures["new"]), "advisories")
    again = Measure("import again, nothing changed", files, min(figures["again"]), "advisories")
    matched = Measure("import into an empty base, with the matcher", files, min(figures["matched"]), "advisories")
    result = TimedResult([parse, new, again, matched])
    runs = ", ".join(f"{k} {', '.join(f'{v:.2f}' for v in figures[k])} s" for k in ("parse", "new", "again", "matched"))
    for measure, target in ((again, TARGET_AGAIN), (new, TARGET_NEW)):
        ratio = result.ratio(measure)
        verdict = "met" if ratio <= target else "NOT met"
        result.notes.append(
            f"target: {measure.label} at most {target:.0f}× the bare parse per advisory: {ratio:.2f}× ({verdict})"
        )
    result.notes.append(f"every run: {runs}")
    return result


register(
    Benchmark(
        name="certfr-import",
        title="Watch import of the CERT-FR folder (1,109 advisories of 2024) vs a bare json.load",
        description=__doc__.split("\n\n", 1)[1].strip().replace("\n", " "),
        timed=timed,
        prepare=prepare,
        cleanup=DATABASE.cleanup,
    )
)
