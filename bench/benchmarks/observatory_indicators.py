"""A year's observatory indicators over 1,000,000 declarations on PostgreSQL, against the same figures from
hand-written SQL GROUP BY queries, in the same run.

A timed benchmark (no HTTP, PostgreSQL only): a database of its own is migrated and given 1,000 structures in
every region and type; the server then makes 1,000,000 declarations of one year with their cases, about 10 %
escalated (FSSI, ANSSI, ANSM, DGS) and 18 % accompanied, by ``INSERT … SELECT`` over ``generate_series`` with
values drawn from fixed hashes of the row number (the same rows every run), and ``ANALYZE``. That database is
kept as a template: each round is a fresh copy of it (``CREATE DATABASE … TEMPLATE``), in which one Django process
computes ``acss.observatory.indicators.compute_indicators`` for the year and runs the hand-written queries
(one aggregate with FILTER, GROUP BY region, type, typology, vector, month and authority, ``percentile_cont`` for
the delays, the accompaniments), checks that both give the same figures, and times each once, the order
alternating between rounds. Three rounds; the figures are the median round, with the spread in the notes.
Target: the indicators cost at most 3 times the hand-written queries. ``BENCH_OBSERVATORY_ROWS`` changes the
number of declarations.
"""

from __future__ import annotations

import json
import os
import re
import statistics

import psycopg

from bench.benchmarks.submission import SETTINGS, acss_env
from bench.registry import BenchContext, Benchmark, Measure, TimedResult, register

TARGET = 3.0
ROUNDS = 3
YEAR = 2025


def _rows() -> int:
    return int(os.environ.get("BENCH_OBSERVATORY_ROWS", "1000000"))


SETUP = """
import json
from django.db import models
from acss.accounts.models import Organisation, OrganisationKind, Structure, User
from acss.accompaniment.models import Accompaniment
from acss.core.models import Departement, StructureType, IncidentCategory, Vector
from acss.incidents.models import Case, Declaration, Escalation

author = User.objects.create_user(email="banc-observatoire@example.test", password="x" * 20)
departements = list(Departement.objects.order_by("code").values_list("code", flat=True))
types = list(StructureType.objects.order_by("code").values_list("code", flat=True))
structures = []
for i in range(1000):
    s = Structure.objects.create(
        kind=OrganisationKind.STRUCTURE, name=f"Structure du banc {{i}}", finess_ej=f"B{{i:08d}}",
        finess_et=f"C{{i:08d}}", structure_type_id=types[(i * 7) % len(types)],
        departement_id=departements[(i * 13) % len(departements)], verification="verified")
    structures.append(s.pk)
categories = list(IncidentCategory.objects.order_by("code").values_list("code", flat=True))
vectors = list(Vector.objects.order_by("code").values_list("code", flat=True))
authorities = dict(Organisation.objects.filter(kind="authority").values_list("authority_code", "pk"))


def h(k):  # a fixed hash of the row number g, 0..999 (the 'seed' of each drawn value)
    return f"((g::bigint * {{2654435761 + 97 * k}} + {{k * 7919}}) % 1000)"


def arr(values):
    return "ARRAY[" + ",".join(repr(v) if isinstance(v, str) else str(v) for v in values) + "]"


def columns(model, overrides):
    names, values = [], []
    for f in model._meta.concrete_fields:
        if f.primary_key and f.column == "id":
            continue
        names.append(f.column)
        if f.column in overrides:
            values.append(overrides[f.column])
        elif f.null:
            values.append("NULL")
        elif isinstance(f, models.BooleanField):
            values.append("false")
        elif isinstance(f, models.JSONField):
            values.append("'{{}}'::jsonb")
        elif isinstance(f, (models.CharField, models.TextField)):
            values.append("''")
        elif f.has_default() and not callable(f.default):
            values.append(repr(f.default))
        else:
            raise SystemExit(f"no value for {{model.__name__}}.{{f.column}}")
    return ", ".join(names), ", ".join(values)


d_table, c_table = Declaration._meta.db_table, Case._meta.db_table
submitted = f"(timestamptz '{year}-01-01 00:00:00+01' + ((g::bigint * 48271) % 31536000) * interval '1 second')"
cols, vals = columns(Declaration, {{
    "reference": "'B-' || lpad(g::text, 9, '0')",
    "structure_id": f"({{arr(structures)}})[1 + (g::bigint * 40503) % {{len(structures)}}]",
    "created_by_id": str(author.pk),
    "channel": "'form'",
    "submitted_at": submitted,
    "completed_at": submitted,
    "discovered_at": f"{{submitted}} - ({{h(1)}} % 96) * interval '1 hour'",
    "functioning": f"(CASE WHEN {{h(2)}} < 350 THEN 'degraded' WHEN {{h(2)}} < 400 THEN 'interrupted' ELSE 'normal' END)",
    "patient_safety": f"(CASE WHEN {{h(3)}} < 15 THEN 'actual' WHEN {{h(3)}} < 190 THEN 'potential' ELSE 'none' END)",
    "origin": f"(CASE WHEN {{h(4)}} < 430 THEN 'malicious' WHEN {{h(4)}} < 800 THEN 'non_malicious' ELSE 'undetermined' END)",
    "category_id": f"({{arr(categories)}})[1 + {{h(5)}} % {{len(categories)}}]",
    "vector_id": f"({{arr(vectors)}})[1 + {{h(6)}} % {{len(vectors)}}]",
    "accompaniment_requested": f"{{h(7)}} < 200",
    "unavailability": f"{{h(8)}} < 500",
    "integrity_loss": f"{{h(9)}} < 250",
    "confidentiality_loss": f"{{h(10)}} < 200",
    "provider_name": f"(CASE WHEN {{h(11)}} < 100 THEN 'Prestataire du banc' ELSE '' END)",
    "scope": "'one_site'",
}})
statements = [f"INSERT INTO {{d_table}} ({{cols}}) SELECT {{vals}} FROM generate_series(1, {rows}) AS g"]
cols, vals = columns(Case, {{
    "declaration_id": "d.id",
    "state": "(CASE WHEN d.id % 10 = 0 THEN 'qualified' ELSE 'closed' END)",
    "provisional_criticity": "1 + d.id % 4",
    "criticity": "1 + d.id % 4",
    "sanitary_impact_confirmed": "(d.id % 50 = 0)",
    "category_id": "(CASE WHEN d.id % 5 = 0 THEN d.category_id ELSE NULL END)",
    "opened_at": "d.submitted_at",
    "qualified_at": "d.submitted_at + (d.id % 48) * interval '1 hour'",
    "closed_at": "(CASE WHEN d.id % 10 = 0 THEN NULL ELSE d.submitted_at + (d.id % 90) * interval '1 day' END)",
}})
statements.append(f"INSERT INTO {{c_table}} ({{cols}}) SELECT {{vals}} FROM {{d_table}} d")
for code, modulo in (("fssi", 37), ("anssi", 41), ("ansm", 29), ("dgs", 53)):
    cols, vals = columns(Escalation, {{
        "declaration_id": "d.id", "authority_id": str(authorities[code]), "reason": "'banc'",
        "decided_by_id": str(author.pk), "decided_at": "d.submitted_at + interval '1 day'",
    }})
    statements.append(
        f"INSERT INTO {{Escalation._meta.db_table}} ({{cols}}) SELECT {{vals}} FROM {{d_table}} d WHERE d.id % {{modulo}} = 0"
    )
cols, vals = columns(Accompaniment, {{
    "declaration_id": "d.id", "origin": "'requested'", "opened_at": "d.submitted_at + interval '1 day'",
    "opened_by_id": str(author.pk),
}})
statements.append(
    f"INSERT INTO {{Accompaniment._meta.db_table}} ({{cols}}) SELECT {{vals}} FROM {{d_table}} d "
    f"WHERE d.accompaniment_requested AND d.id % 10 <> 3"
)
print("BENCH-SQL " + json.dumps(statements))
"""

MEASURE = """
import json, time
from django.db import connection
from acss.accounts.models import Organisation, Structure
from acss.accompaniment.models import Accompaniment
from acss.core.models import Departement
from acss.incidents.models import Case, Declaration, Escalation
from acss.observatory.indicators import compute_indicators
from acss.observatory.periods import Period

period = Period.year_of({year})
D, C, E = Declaration._meta.db_table, Case._meta.db_table, Escalation._meta.db_table
S, O, DEP = Structure._meta.db_table, Organisation._meta.db_table, Departement._meta.db_table
A = Accompaniment._meta.db_table
BASE = f"FROM {{D}} d JOIN {{C}} c ON c.declaration_id = d.id WHERE d.submitted_at >= %(start)s AND d.submitted_at < %(end)s AND c.merged_into_id IS NULL"
P = {{"start": period.start, "end": period.end}}


def rows(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql, P)
        return cursor.fetchall()


def hand_written():
    out = {{}}
    (out["totals"],) = rows(
        "SELECT count(*), count(DISTINCT d.structure_id), count(*) FILTER (WHERE d.accompaniment_requested), "
        "count(*) FILTER (WHERE c.sanitary_impact_confirmed), "
        "count(*) FILTER (WHERE d.functioning IN ('degraded', 'interrupted')), "
        "count(*) FILTER (WHERE d.origin = 'malicious'), "
        "count(*) FILTER (WHERE d.patient_safety IN ('potential', 'actual')), "
        "count(*) FILTER (WHERE d.patient_safety = 'actual'), "
        "count(*) FILTER (WHERE coalesce(c.category_id, d.category_id) = 'rancongiciel'), "
        "count(*) FILTER (WHERE d.unavailability), count(*) FILTER (WHERE d.integrity_loss), "
        "count(*) FILTER (WHERE d.confidentiality_loss), "
        "count(*) FILTER (WHERE d.scope = 'shared_provider' OR d.provider_name <> '' OR c.closure_provider <> '' "
        "OR d.category_id = 'defaillance-prestataire' OR d.vector_id = 'defaillance-prestataire') " + BASE
    )
    out["escalations"] = dict(rows(
        f"SELECT o.authority_code, count(DISTINCT e.declaration_id) FROM {{E}} e JOIN {{O}} o ON o.id = e.authority_id "
        f"WHERE e.declaration_id IN (SELECT d.id " + BASE + ") GROUP BY 1"
    ))
    out["regions"] = dict(rows(
        f"SELECT dep.region_id, count(*) FROM {{D}} d JOIN {{C}} c ON c.declaration_id = d.id "
        f"JOIN {{S}} s ON s.organisation_ptr_id = d.structure_id JOIN {{DEP}} dep ON dep.code = s.departement_id "
        "WHERE d.submitted_at >= %(start)s AND d.submitted_at < %(end)s AND c.merged_into_id IS NULL GROUP BY 1"
    ))
    out["types"] = dict(rows(
        f"SELECT s.structure_type_id, count(*) FROM {{D}} d JOIN {{C}} c ON c.declaration_id = d.id "
        f"JOIN {{S}} s ON s.organisation_ptr_id = d.structure_id "
        "WHERE d.submitted_at >= %(start)s AND d.submitted_at < %(end)s AND c.merged_into_id IS NULL GROUP BY 1"
    ))
    out["typology"] = dict(rows("SELECT coalesce(c.category_id, d.category_id), count(*) " + BASE + " GROUP BY 1"))
    out["vectors"] = dict(rows("SELECT d.vector_id, count(*) " + BASE + " AND d.origin = 'malicious' GROUP BY 1"))
    out["months"] = dict(rows(
        "SELECT to_char(date_trunc('month', d.submitted_at AT TIME ZONE 'Europe/Paris'), 'YYYY-MM'), count(*) "
        + BASE + " GROUP BY 1"
    ))
    (out["delays"],) = rows(
        "SELECT "
        + ", ".join(
            f"percentile_cont({{q}}) WITHIN GROUP (ORDER BY extract(epoch FROM ({{end}} - {{start}})) / 3600.0) "
            f"FILTER (WHERE {{end}} >= {{start}})"
            for end, start in (("d.submitted_at", "coalesce(d.discovered_at, d.occurred_at)"),
                               ("c.qualified_at", "d.submitted_at"), ("c.closed_at", "d.submitted_at"))
            for q in (0.5, 0.9)
        )
        + " " + BASE
    )
    (out["accompaniments"],) = rows(f"SELECT count(*) FROM {{A}} a WHERE a.declaration_id IN (SELECT d.id " + BASE + ")")[0]
    return out


def timed(fn):
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


order = [("orm", lambda: compute_indicators(period)), ("sql", hand_written)]
if {round} % 2:
    order.reverse()
times, values = {{}}, {{}}
for name, fn in order:
    times[name], values[name] = timed(fn)
ind, sql = values["orm"], values["sql"]
assert ind["declarations"] == sql["totals"][0] == {rows}, (ind["declarations"], sql["totals"][0])
assert ind["declaring_structures"] == sql["totals"][1]
assert ind["accompaniment_asked"] == sql["totals"][2] and ind["sanitary_impact"] == sql["totals"][3]
assert ind["actual_endangerment"] == sql["totals"][7]
assert ind["by_region"] == sql["regions"], (ind["by_region"], sql["regions"])
assert {{r["key"]: r["count"] for r in ind["by_structure_type_detail"]}} == sql["types"]
assert {{r["key"]: r["count"] for r in ind["typology"]}} == sql["typology"]
assert {{r["key"]: r["count"] for r in ind["main_vectors"]}} == sql["vectors"]
assert {{m["month"]: m["count"] for m in ind["by_month"] if m["count"]}} == sql["months"]
assert (ind["fssi_followed"], ind["anssi_handled"], ind["ansm_communicated"]) == tuple(
    sql["escalations"].get(k, 0) for k in ("fssi", "anssi", "ansm"))
assert ind["accompaniments"] == sql["accompaniments"]
assert abs(ind["delays"]["close"]["p90_hours"] - sql["delays"][5]) < 1e-6
print("BENCH-RESULT " + json.dumps({{"orm": times["orm"], "sql": times["sql"]}}))
"""


def _names(ctx: BenchContext) -> tuple[str, str, str]:
    """(admin URL, template database, prefix of the rounds' copies)."""
    suffix = re.sub(r"[^a-z0-9]", "_", ctx.workdir.parent.name.lower())[-12:]
    return ctx.database_url, f"acss_bench_obs_tpl_{suffix}", f"acss_bench_obs_r_{suffix}"


def _env(ctx: BenchContext, database: str) -> dict[str, str]:
    env = acss_env(ctx)
    env["DATABASE_URL"] = ctx.database_url.rsplit("/", 1)[0] + "/" + database
    return env


def prepare(ctx: BenchContext) -> None:
    if ctx.database.engine != "postgres":
        raise RuntimeError("PostgreSQL only: run with --engines postgres (generate_series, percentile_cont)")
    admin, template, _prefix = _names(ctx)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{template}"')
    ctx.django(SETTINGS, "migrate", "--noinput", "-v0", env=_env(ctx, template))
    out = ctx.django(SETTINGS, "shell", "-c", SETUP.format(year=YEAR, rows=_rows()), env=_env(ctx, template))
    line = next(line for line in out.splitlines() if line.startswith("BENCH-SQL "))
    url = _env(ctx, template)["DATABASE_URL"]
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in json.loads(line.removeprefix("BENCH-SQL ")):
            conn.execute(statement)
        conn.execute("VACUUM ANALYZE")


def timed(ctx: BenchContext) -> TimedResult:
    admin, template, prefix = _names(ctx)
    rounds = []
    for number in range(ROUNDS):
        copy = f"{prefix}_{number}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{template}"')
        try:
            script = MEASURE.format(year=YEAR, rows=_rows(), round=number)
            out = ctx.django(SETTINGS, "shell", "-c", script, env=_env(ctx, copy))
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
        line = next(line for line in out.splitlines() if line.startswith("BENCH-RESULT "))
        rounds.append(json.loads(line.removeprefix("BENCH-RESULT ")))
    orm = statistics.median(r["orm"] for r in rounds)
    sql = statistics.median(r["sql"] for r in rounds)
    n = _rows()
    reference = Measure("hand-written SQL GROUP BY queries", n, sql, "declarations", reference=True)
    measured = Measure("compute_indicators (ORM)", n, orm, "declarations")
    result = TimedResult([reference, measured])
    ratio = result.ratio(measured)
    verdict = "met" if ratio <= TARGET else "NOT met"
    result.notes.append(f"target: at most {TARGET}× the hand-written queries: {ratio:.2f}× ({verdict})")
    result.notes.append(
        "rounds (ORM / SQL, s): "
        + "; ".join(f"{r['orm']:.2f} / {r['sql']:.2f}" for r in rounds)
        + f"; ratio per round {min(r['orm'] / r['sql'] for r in rounds):.2f}–{max(r['orm'] / r['sql'] for r in rounds):.2f}"
    )
    return result


def cleanup(ctx: BenchContext) -> None:
    if ctx.database.engine != "postgres":
        return
    admin, template, prefix = _names(ctx)
    with psycopg.connect(admin, autocommit=True) as conn:
        for name in [template, *(f"{prefix}_{n}" for n in range(ROUNDS))]:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


register(
    Benchmark(
        name="observatory-indicators",
        title="A year's observatory indicators over 1,000,000 declarations, against hand-written SQL (PostgreSQL)",
        description=__doc__.split("\n\n", 1)[1].strip().replace("\n", " "),
        timed=timed,
        prepare=prepare,
        cleanup=cleanup,
    )
)
