"""The cell's correlation lookup (« Aussi vu dans ») for one declaration with 20 observables, against a table of
1,000 and then of 100,000 observables.

A timed benchmark (no HTTP): one Django process on a freshly migrated database writes 1,000 observables, each
recorded on two declarations out of 500 (2,000 rows of ``CaseObservable``), plus the measured declaration whose 20
observables are each shared with 3 other declarations; it times `acss.observables.selectors.correlations` for
the cell (one query, on the index ``(observable, declaration)``), then grows the tables to 100,000 observables on
50,000 declarations (200,000 rows; the measured declaration's answer is the same 60 rows) and times it again. The
statistics of the database are refreshed (``ANALYZE``) after each load. Each figure is the best of five rounds of
200 lookups. Target: the lookup against 100,000 observables costs at most 1.5 times the lookup against 1,000.
"""

from __future__ import annotations

import json

from bench.benchmarks.own_database import OwnDatabase
from bench.benchmarks.submission import SETTINGS
from bench.registry import BenchContext, Benchmark, Measure, TimedResult, register

TARGET = 1.5
ROUNDS = 5
LOOKUPS = 200

SCRIPT = """
import json, time
from datetime import datetime, timedelta, timezone as tz
from django.db import connection
from acss.accounts.models import Membership, Organisation, OrganisationKind, Role, Structure, User
from acss.core.models import Departement, StructureType
from acss.incidents.models import Declaration
from acss.observables.models import CaseObservable, Observable
from acss.observables.selectors import correlations

ROUNDS, LOOKUPS = {rounds}, {lookups}
structure = Structure.objects.create(
    kind=OrganisationKind.STRUCTURE, name="Hôpital du banc", finess_ej="750000011", finess_et="750000029",
    structure_type=StructureType.objects.first(), departement=Departement.objects.get(code="75"),
    verification="verified",
)
author = User.objects.create_user(email="banc@example.test", password="x" * 20)
analyst = User.objects.create_user(email="analyste@example.test", password="x" * 20)
Membership.objects.create(user=analyst, organisation=Organisation.objects.get(kind=OrganisationKind.ACSS),
                          role=Role.ANALYST)
at = datetime(2026, 1, 1, tzinfo=tz.utc)
state = {{"declarations": 0, "observables": 0}}


def declarations(count):
    start = state["declarations"]
    rows = [Declaration(reference=f"B-{{start + i:08d}}", structure=structure, title="Banc", created_by=author,
                        submitted_at=at + timedelta(minutes=start + i)) for i in range(count)]
    state["declarations"] += count
    return Declaration.objects.bulk_create(rows, batch_size=2000)


def grow(observables, per_declaration=4):
    # observables new rows, each on two of observables // 2 new declarations
    start = state["observables"]
    decls = declarations(observables // 2)
    obs = Observable.objects.bulk_create(
        [Observable(kind="ipv4", value=f"10.{{(start + i) >> 16 & 255}}.{{(start + i) >> 8 & 255}}.{{(start + i) & 255}}")
         for i in range(observables)], batch_size=2000)
    state["observables"] += observables
    links = []
    for i, o in enumerate(obs):
        for j in (i % len(decls), (i * 7 + 3) % len(decls)):
            links.append(CaseObservable(declaration=decls[j], observable=o, source="typed", added_by=author, added_at=at))
    CaseObservable.objects.bulk_create(links, batch_size=2000, ignore_conflicts=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


grow(1000 - 20)
target = declarations(1)[0]
others = declarations(3)
own = Observable.objects.bulk_create([Observable(kind="domain", value=f"c2-{{i}}.banc.example.fr") for i in range(20)])
state["observables"] += 20
CaseObservable.objects.bulk_create(
    [CaseObservable(declaration=d, observable=o, source="typed", added_by=author, added_at=at)
     for o in own for d in [target, *others]])
with connection.cursor() as cursor:
    cursor.execute("ANALYZE")


def measure():
    answer = correlations(user=analyst, declaration=target)
    assert len(answer) == 20 and sum(len(v) for v in answer.values()) == 60, answer
    best = None
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for _ in range(LOOKUPS):
            correlations(user=analyst, declaration=target)
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    return best


small = measure()
small_rows = CaseObservable.objects.count()
grow(100_000 - 1000)
big = measure()
print("BENCH-RESULT " + json.dumps({{"small": small, "big": big, "small_rows": small_rows,
      "big_rows": CaseObservable.objects.count(), "observables": Observable.objects.count(),
      "declarations": Declaration.objects.count()}}))
"""


DATABASE = OwnDatabase("acss_bench_observables")


def timed(ctx: BenchContext) -> TimedResult:
    out = ctx.django(SETTINGS, "shell", "-c", SCRIPT.format(rounds=ROUNDS, lookups=LOOKUPS), env=DATABASE.env(ctx))
    line = next(line for line in out.splitlines() if line.startswith("BENCH-RESULT "))
    figures = json.loads(line.removeprefix("BENCH-RESULT "))
    small = Measure("lookup, 1,000 observables", LOOKUPS, figures["small"], "lookups", reference=True)
    big = Measure("lookup, 100,000 observables", LOOKUPS, figures["big"], "lookups")
    result = TimedResult([small, big])
    ratio = result.ratio(big)
    verdict = "met" if ratio <= TARGET else "NOT met"
    result.notes.append(f"target: at most {TARGET}× the lookup against 1,000 observables: {ratio:.2f}× ({verdict})")
    result.notes.append(
        f"rows of CaseObservable: {figures['small_rows']:,} then {figures['big_rows']:,}; "
        f"{figures['observables']:,} observables on {figures['declarations']:,} declarations at the end"
    )
    return result


register(
    Benchmark(
        name="observable-correlation",
        title="Correlation of one declaration's 20 observables against 1,000 and 100,000 observables",
        description=__doc__.split("\n\n", 1)[1].strip().replace("\n", " "),
        timed=timed,
        prepare=DATABASE.prepare,
        cleanup=DATABASE.cleanup,
    )
)
