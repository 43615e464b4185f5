"""The public page of a published year, served from its snapshot, at 1,000 and then at 1,000,000 declarations.

A timed benchmark (no HTTP server): one Django process on a freshly migrated database writes 1,000 declarations of
the past year (with their structures spread over the regions), publishes that year, and times GET
/observatoire/<year>/ through Django's test client (every middleware, the template, the SVG charts and their
tables); then grows the declarations' table to 1,024,000 rows by doubling it in SQL (INSERT … SELECT, ten times)
and times the same page again. The page reads only the snapshot: the script checks, with the queries captured,
that no query of the page names the declarations' table, and that the page is the same before and after. Each
figure is the best of five rounds of 50 requests after 50 unmeasured ones (the spread of the rounds is noted).
Target: the page at 1,000,000 declarations costs at most 1.2 times the page at 1,000.
"""

from __future__ import annotations

import json

from bench.benchmarks.own_database import OwnDatabase
from bench.benchmarks.submission import SETTINGS
from bench.registry import BenchContext, Benchmark, Measure, TimedResult, register

TARGET = 1.2
ROUNDS = 5
REQUESTS = 50

SCRIPT = """
import json, random, re, time
from datetime import datetime
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from acss.accounts.models import Membership, Organisation, OrganisationKind, Role, Structure, User
from acss.core.models import Departement, StructureType
from acss.incidents.models import Declaration
from acss.observatory.periods import PARIS
from acss.observatory.publication import year_publish

ROUNDS, REQUESTS, YEAR = {rounds}, {requests}, 2025
rng = random.Random(YEAR)
author = User.objects.create_user(email="banc@example.test", password="x" * 20)
analyst = User.objects.create_user(email="analyste@example.test", password="x" * 20)
Membership.objects.create(user=analyst, organisation=Organisation.objects.get(kind=OrganisationKind.ACSS),
                          role=Role.ANALYST)
types = list(StructureType.objects.all())
departements = list(Departement.objects.all())
structures = [
    Structure.objects.create(kind=OrganisationKind.STRUCTURE, name=f"Structure {{i}}", finess_ej=f"B{{i:08d}}",
                             finess_et=f"C{{i:08d}}", structure_type=rng.choice(types),
                             departement=rng.choice(departements), verification="verified")
    for i in range(300)]
Declaration.objects.bulk_create([
    Declaration(reference=f"B-{{i:08d}}", structure=rng.choice(structures), title="Banc", created_by=author,
                submitted_at=datetime(YEAR, rng.randint(1, 12), rng.randint(1, 28), 10, tzinfo=PARIS),
                origin=rng.choice(["malicious", "non_malicious"]))
    for i in range(1000)])
year_publish(year=YEAR, by=analyst)
url = f"/observatoire/{{YEAR}}/"
client = Client(HTTP_HOST="127.0.0.1")


def page():
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    touched = [q["sql"] for q in queries.captured_queries if "declarations_declaration" in q["sql"]]
    assert not touched, touched
    html = response.content.decode()
    return re.sub(r'nonce="[^"]*"', "", html), len(queries.captured_queries)


def measure():
    for _ in range(REQUESTS):  # warm-up: templates, caches, the database's pages
        client.get(url)
    rounds = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for _ in range(REQUESTS):
            client.get(url)
        rounds.append(time.perf_counter() - started)
    return rounds


before, queries_small = page()
small = measure()
table = Declaration._meta.db_table
columns = [f.column for f in Declaration._meta.concrete_fields if f.column != "id"]
chosen = ", ".join(c if c != "reference" else "'D-' || CAST((id + %s) AS VARCHAR(20))" for c in columns)
names = ", ".join(columns)
with connection.cursor() as cursor:
    for _ in range(10):
        cursor.execute(f"SELECT MAX(id) FROM {{table}}")
        top = cursor.fetchone()[0]
        cursor.execute(f"INSERT INTO {{table}} ({{names}}) SELECT {{chosen}} FROM {{table}}", [top])
    cursor.execute("ANALYZE")
count = Declaration.objects.count()
after, queries_big = page()
assert after == before
big = measure()
print("BENCH-RESULT " + json.dumps({{"small": small, "big": big, "declarations": count,
      "queries": [queries_small, queries_big]}}))
"""


DATABASE = OwnDatabase("acss_bench_observatory")


def prepare(ctx: BenchContext) -> None:
    DATABASE.prepare(ctx)
    # DEBUG=0 serves the page with the manifest storage, as in production: the manifest must exist.
    ctx.django(SETTINGS, "collectstatic", "--noinput", "-v0", env=DATABASE.env(ctx))


def timed(ctx: BenchContext) -> TimedResult:
    out = ctx.django(SETTINGS, "shell", "-c", SCRIPT.format(rounds=ROUNDS, requests=REQUESTS), env=DATABASE.env(ctx))
    line = next(line for line in out.splitlines() if line.startswith("BENCH-RESULT "))
    figures = json.loads(line.removeprefix("BENCH-RESULT "))
    small_rounds, big_rounds = figures["small"], figures["big"]
    small = Measure("public year page, 1,000 declarations", REQUESTS, min(small_rounds), "pages", reference=True)
    big = Measure(f"public year page, {figures['declarations']:,} declarations", REQUESTS, min(big_rounds), "pages")
    result = TimedResult([small, big])
    ratio = result.ratio(big)
    verdict = "met" if ratio <= TARGET else "NOT met"
    result.notes.append(f"target: at most {TARGET}× the page at 1,000 declarations: {ratio:.2f}× ({verdict})")
    result.notes.append(
        "spread over the rounds (seconds for 50 pages): "
        f"{min(small_rounds):.3f}–{max(small_rounds):.3f} at 1,000, {min(big_rounds):.3f}–{max(big_rounds):.3f} after"
    )
    result.notes.append(
        f"queries per page: {figures['queries'][0]} then {figures['queries'][1]}, none on the declarations' table"
    )
    return result


register(
    Benchmark(
        name="observatory-page",
        title="The public page of a published year at 1,000 and 1,000,000 declarations",
        description=__doc__.split("\n\n", 1)[1].strip().replace("\n", " "),
        timed=timed,
        prepare=prepare,
        cleanup=DATABASE.cleanup,
    )
)
