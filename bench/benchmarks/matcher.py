"""The watch's matcher on the cve5 folder (5,034 CVE JSON 5 records), per record, next to the import's parse and
normalisation of the same records.

A timed benchmark (no HTTP, no database): one Django process reads the files once into memory (bytes), builds the
watch-list snapshot from ``watchlist.py`` (``WatchList.from_data``), then runs five interleaved rounds of: bare
``json.loads`` of every record (the reference), the import's reading (``json.loads`` + ``normalize_cve5``), the
matcher (``match_item``, with the recognition of ``recognition.py``) on the normalised records, and the matcher
with the recognition switched off (the curated watch-list alone). Each figure is the best of its rounds; the
ratio of the matcher to the import is given for every round (its spread: min–max). No target on that ratio (the
import's writes, measured by ``veille_import.py``, cost several times its reading); target: the recognition adds
at most half of the watch-list matcher's cost (matcher / matcher with recognition off ≤ 1.5).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from bench.benchmarks.submission import SETTINGS
from bench.registry import BenchContext, Benchmark, Measure, TimedResult, register
from bench.server import PROJECT_ROOT

# The real public data is kept beside the checkout (ACSS_REAL_DATA points elsewhere).
DATA = Path(os.environ.get("ACSS_REAL_DATA") or PROJECT_ROOT.parent / "shared" / "data") / "cve5"
TARGET = 1.5
ROUNDS = 5

SCRIPT = """
import gc, glob, json, time
from acss.veille import matching
from acss.veille.normalized import normalize_cve5

ROUNDS = {rounds}
blobs = []
for name in sorted(glob.glob({folder!r} + "/*.json")):
    with open(name, "rb") as fh:
        blobs.append(fh.read())
watch = matching.WatchList.from_data()


def timed(work):
    gc.collect()
    gc.disable()  # a collection falling in one measure and not the other is noise
    try:
        started = time.perf_counter()
        out = work()
        return time.perf_counter() - started, out
    finally:
        gc.enable()


def bare():
    return [json.loads(b) for b in blobs]


def imported():
    return [normalize_cve5(json.loads(b)) for b in blobs]


def matched(items):
    return sum(1 for item in items if matching.match_item(item, watch))


recognise, vetoed = matching.recognise, matching.vetoed


def listed_only(items):
    matching.recognise, matching.vetoed = (lambda item: None), (lambda item: False)
    try:
        return matched(items)
    finally:
        matching.recognise, matching.vetoed = recognise, vetoed


bare()
figures = {{"parse": [], "import": [], "match": [], "listed": []}}
counts = set()
for _ in range(ROUNDS):
    figures["parse"].append(timed(bare)[0])
    seconds, items = timed(imported)
    figures["import"].append(seconds)
    seconds, count = timed(lambda: matched(items))
    figures["match"].append(seconds)
    counts.add(count)
    figures["listed"].append(timed(lambda: listed_only(items))[0])
print("BENCH-RESULT " + json.dumps({{"files": len(blobs), "matched": sorted(counts), **figures}}))
"""


def prepare(ctx: BenchContext) -> None:
    if not DATA.is_dir():
        raise RuntimeError(f"{DATA} is absent: the benchmark reads the real CVE records (ACSS_REAL_DATA)")


def timed(ctx: BenchContext) -> TimedResult:
    out = ctx.django(SETTINGS, "shell", "-c", SCRIPT.format(folder=str(DATA), rounds=ROUNDS))
    line = next(line for line in out.splitlines() if line.startswith("BENCH-RESULT "))
    figures = json.loads(line.removeprefix("BENCH-RESULT "))
    files = figures["files"]
    parse = Measure("bare json.loads of the records", files, min(figures["parse"]), "records", reference=True)
    imported = Measure("import's reading: json.loads + normalize_cve5", files, min(figures["import"]), "records")
    matcher = Measure("matcher (watch-list + recognition)", files, min(figures["match"]), "records")
    listed = Measure("matcher, watch-list alone (recognition off)", files, min(figures["listed"]), "records")
    result = TimedResult([parse, imported, matcher, listed])
    ratios = [m / i for m, i in zip(figures["match"], figures["import"], strict=True)]
    overheads = [m / x for m, x in zip(figures["match"], figures["listed"], strict=True)]
    overhead = matcher.cost / listed.cost
    verdict = "met" if overhead <= TARGET else "NOT met"
    result.notes.append(
        f"matcher per record: {matcher.cost * 1e6:.0f} µs, import's reading {imported.cost * 1e6:.0f} µs: "
        f"{matcher.cost / imported.cost:.2f}× the import's reading (rounds {min(ratios):.2f}–{max(ratios):.2f}×)"
    )
    result.notes.append(
        f"recognition adds {(matcher.cost - listed.cost) * 1e6:.0f} µs per record: the matcher costs {overhead:.2f}× "
        f"the watch-list alone (rounds {min(overheads):.2f}–{max(overheads):.2f}×); target at most {TARGET}× "
        f"({verdict})"
    )
    result.notes.append(f"records matched: {figures['matched']}")
    runs = ", ".join(
        f"{k} {', '.join(f'{v:.2f}' for v in figures[k])} s" for k in ("parse", "import", "match", "listed")
    )
    result.notes.append(f"every run: {runs}")
    return result


register(
    Benchmark(
        name="matcher",
        title="Watch matcher per record on the cve5 folder (5,034 CVE JSON 5 records) vs the import's reading",
        description=__doc__.split("\n\n", 1)[1].strip().replace("\n", " "),
        timed=timed,
        prepare=prepare,
    )
)
