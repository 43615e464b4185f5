"""A declaration submitted over HTTP by concurrent clients: POST /api/v1/declarations/ with a structure's token.

Each request goes through the whole ACSS stack (every middleware, token authentication, the five step forms
that validate the declaration, the reference counter, the audit chain, the routing task enqueued on commit)
and creates one declaration. Compared with the baseline in the same run; the target is at most 3 times its
cost per request.
"""

from __future__ import annotations

import json
import uuid

import psycopg

from bench.load import ClientContext, LoadResult, RequestSpec
from bench.registry import BenchContext, Benchmark, register
from bench.server import ServerSpec

SETTINGS = "config.settings"
SETUP = """
from acss.portal.demo import load_demo
from acss.accounts.models import User
from rest_framework.authtoken.models import Token
load_demo()
user = User.objects.get(email="directeur@chu-paris.demo.example.fr")
print(Token.objects.get_or_create(user=user)[0].key, user.memberships.get().organisation.structure.finess_et)
"""
_STATE: dict[str, str] = {}  # the demo declarant's token and FINESS, written by prepare()
COUNT = "from acss.incidents.models import Declaration; print(Declaration.objects.filter(channel='api').count())"


def _pg_names(ctx: BenchContext) -> tuple[str, str]:
    """(admin URL, URL of the benchmark's own database): the shared database is never touched."""
    base = ctx.database_url
    name = f"acss_bench_submit_{abs(hash(str(ctx.workdir))) % 10**8}"  # unique per run: runs may overlap
    return base, base.rsplit("/", 1)[0] + "/" + name


def _url(ctx: BenchContext) -> str:
    return _pg_names(ctx)[1] if ctx.database.engine == "postgres" else ctx.database_url


def acss_env(ctx: BenchContext) -> dict[str, str]:
    return ctx.env(
        DATABASE_URL=_url(ctx),
        DEBUG="0",
        SECRET_KEY="bench-" + "x" * 60,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        ACSS_VAR_DIR=str(ctx.workdir),
        SITE_URL="http://127.0.0.1",
    )


def prepare(ctx: BenchContext) -> None:
    if ctx.database.engine == "postgres":
        admin, url = _pg_names(ctx)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{url.rsplit("/", 1)[1]}"')
    env = acss_env(ctx)
    ctx.django(SETTINGS, "migrate", "--noinput", "-v0", env=env)
    _STATE["token"], _STATE["finess"] = ctx.django(SETTINGS, "shell", "-c", SETUP, env=env).split()[-2:]


def server(ctx: BenchContext) -> ServerSpec:
    return ctx.server("config.wsgi:application", acss_env(ctx), ready_path="/healthz")


def payload(finess: str, seq: int) -> bytes:
    return json.dumps(
        {
            "structure": finess,
            "declarant_name": "Claire Martin",
            "declarant_function": "Directrice",
            "declarant_phone": "01 23 45 67 89",
            "declarant_email": "claire@chu.test",
            "title": f"Rançongiciel n° {seq}",
            "discovered_at": "2026-11-20T03:00",
            "occurred_at": "2026-11-20T02:30",
            "description": "Écrans bloqués par une demande de rançon.",
            "scope": "one_site",
            "systems": ["imagerie-pacs"],
            "data_categories": ["sante"],
            "handling_state": "ongoing",
            "unavailability": True,
            "functioning": "degraded",
            "patient_safety": "potential",
            "origin": "malicious",
            "category": "rancongiciel",
            "vector": "courriel-malveillant",
            "accompaniment_requested": True,
        }
    ).encode()


def request(client: ClientContext, seq: int) -> RequestSpec:
    headers = {
        "Authorization": f"Token {_STATE['token']}",
        "Content-Type": "application/json",
        "Idempotency-Key": uuid.uuid4().hex,
    }
    return RequestSpec("POST", "/api/v1/declarations/", payload(_STATE["finess"], seq), headers, frozenset({201}))


def check(ctx: BenchContext, result: LoadResult) -> str:
    rows = int(ctx.django(SETTINGS, "shell", "-c", COUNT, env=acss_env(ctx)).split()[-1])
    expected = len(result.latencies) + result.warmup_ok
    return f"{rows} declarations created ({'as expected' if rows == expected else f'expected {expected}'})"


def cleanup(ctx: BenchContext) -> None:
    if ctx.database.engine == "postgres":
        admin, url = _pg_names(ctx)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


register(
    Benchmark(
        name="declaration-submit",
        title="Declaration submitted over HTTP (API, structure token)",
        description=(
            "POST /api/v1/declarations/ with a structure's token and a full declaration (JSON): every middleware, "
            "token authentication, the step forms' validation, the yearly reference counter, the audit chain and "
            "the routing task enqueued on commit; one declaration created per request. Target: at most 3 times "
            "the baseline's cost per request."
        ),
        server=server,
        request=request,
        prepare=prepare,
        check=check,
        cleanup=cleanup,
    )
)
