"""The analyst queue with 100 and with 10,000 declarations: GET /acss/dossiers/ as the demo analyst.

Each request goes through every middleware (session, authentication, the staff second-factor check), computes the
analyst's rights, the five counters (one aggregate), the count, the ids of the first 50 rows sorted by due date
and those rows with everything they show (select_related), and renders the DSFR page with its filter and bulk-action forms. The two
sizes show whether the page's cost grows with the number of declarations.

The analyst is logged in through sessions created in ``prepare`` (one per client), with django-otp's device key set,
as if the TOTP code had been typed.
"""

from __future__ import annotations

import hashlib

import psycopg

from bench.benchmarks import submission
from bench.benchmarks.submission import SETTINGS
from bench.load import ClientContext, LoadResult, RequestSpec
from bench.registry import BenchContext, Benchmark, register
from bench.server import ServerSpec

SESSIONS = 64  # one per client (the run has at most this many clients)

SETUP = """
import random
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from acss.portal.demo import load_demo
from acss.accounts.models import Structure, User
from acss.incidents.models import Case, CaseState, OPEN_STATES
from acss.core.models import IncidentCategory
from acss.incidents.models import Declaration

TOTAL, SESSIONS = {total}, {sessions}
load_demo()
analyst = User.objects.get(email="analyste@acss.demo.example.fr")
author = User.objects.get(email="directeur@chu-paris.demo.example.fr")
structures = list(Structure.objects.all())
categories = [*IncidentCategory.objects.values_list("code", flat=True), None]
target = Declaration.objects.order_by("pk").first()
rng = random.Random(TOTAL)
now = timezone.now()
with transaction.atomic():
    missing = TOTAL - Case.objects.filter(declaration__imported=False).count()
    declarations = Declaration.objects.bulk_create(
        [
            Declaration(
                reference=f"ACSS-2025-9{{i:05d}}",  # apart from the demo's imported past year
                structure=rng.choice(structures),
                created_by=author,
                submitted_at=now - timedelta(minutes=rng.randint(0, 90 * 24 * 60)),
                title=rng.choice(["Rançongiciel", "Messagerie compromise", "Panne du DPI"]) + f" n° {{i}}",
                alert_summary=rng.choice(["", "Écrans bloqués", "Courriels suspects"]),
                category_id=rng.choice(categories),
            )
            for i in range(missing)
        ],
        batch_size=1000,
    )
    cases = []
    for d in declarations:
        state = rng.choice(list(CaseState))
        qualified = state in (CaseState.QUALIFIED, CaseState.ACCOMPANIMENT, CaseState.CLOSED)
        waiting = state in OPEN_STATES and rng.random() < 0.15
        cases.append(
            Case(
                declaration=d,
                state=state,
                opened_at=d.submitted_at,
                provisional_criticity=rng.randint(1, 4),
                criticity=rng.randint(1, 4) if qualified else None,
                qualified_at=d.submitted_at + timedelta(hours=1) if qualified else None,
                qualification_due_at=None if waiting else now + timedelta(hours=rng.randint(-72, 72)),
                waiting_since=now - timedelta(hours=2) if waiting else None,
                paused_remaining=timedelta(hours=2) if waiting else None,
                assigned_to=rng.choice([analyst, None]),
                merged_into=target if state == CaseState.DUPLICATE else None,
            )
        )
    Case.objects.bulk_create(cases, batch_size=1000)

device = TOTPDevice.objects.get(user=analyst, confirmed=True)
store = import_module(settings.SESSION_ENGINE).SessionStore
keys = []
for _ in range(SESSIONS):
    session = store()
    session["_auth_user_id"] = str(analyst.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = analyst.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.create()
    keys.append(session.session_key)
print(Case.objects.filter(declaration__imported=False).count(), *keys)
"""
# The cases the queue's figure is about: the demo's imported past year (the observatory's) is not counted.
COUNT = "from acss.incidents.models import Case; print(Case.objects.filter(declaration__imported=False).count())"


def _pg_names(ctx: BenchContext) -> tuple[str, str]:
    """(admin URL, URL of this benchmark's own database), unique per benchmark and run: submission's name keeps
    the last 8 characters of the work directory ("postgres"), the same for every benchmark."""
    base = ctx.database_url
    digest = hashlib.sha256(str(ctx.workdir).encode()).hexdigest()[:10]
    name = f"acss_bench_{ctx.name.replace('-', '_')}_{digest}"
    return base, base.rsplit("/", 1)[0] + "/" + name


def acss_env(ctx: BenchContext) -> dict[str, str]:
    """submission's environment (DEBUG=0…), on this benchmark's own database."""
    env = submission.acss_env(ctx)
    if ctx.database.engine == "postgres":
        env["DATABASE_URL"] = _pg_names(ctx)[1]
    return env


def drop_database(ctx: BenchContext) -> None:
    if ctx.database.engine == "postgres":
        admin, url = _pg_names(ctx)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def _make(total: int) -> Benchmark:
    sessions: list[str] = []

    def prepare(ctx: BenchContext) -> None:
        if ctx.database.engine == "postgres":
            admin, url = _pg_names(ctx)
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{url.rsplit("/", 1)[1]}"')
        env = acss_env(ctx)
        ctx.django(SETTINGS, "migrate", "--noinput", "-v0", env=env)
        # DEBUG=0 serves the page with the manifest storage, as in production: the manifest must exist.
        ctx.django(SETTINGS, "collectstatic", "--noinput", "-v0", env=env)
        out = ctx.django(SETTINGS, "shell", "-c", SETUP.format(total=total, sessions=SESSIONS), env=env).split()
        if int(out[-SESSIONS - 1]) != total:
            raise RuntimeError(f"expected {total} cases, got {out[-SESSIONS - 1]}")
        sessions[:] = out[-SESSIONS:]

    def setup_client(client: ClientContext) -> None:
        client.session.cookies["sessionid"] = sessions[client.index % len(sessions)]

    def request(client: ClientContext, seq: int) -> RequestSpec:
        # 200 only: a redirect to the login or second-factor page would mean the session was not accepted.
        return RequestSpec("GET", "/acss/dossiers/", ok_statuses=frozenset({200}))

    def server(ctx: BenchContext) -> ServerSpec:
        return ctx.server("config.wsgi:application", acss_env(ctx), ready_path="/healthz")

    def check(ctx: BenchContext, result: LoadResult) -> str:
        rows = int(ctx.django(SETTINGS, "shell", "-c", COUNT, env=acss_env(ctx)).split()[-1])
        verdict = "as expected" if rows == total else f"expected {total}"
        return f"{rows} declarations with their case in the database ({verdict})"

    return Benchmark(
        name=f"queue-{total}",
        title=f"Analyst queue with {total} declarations (GET /acss/dossiers/, logged-in analyst)",
        description=(
            f"GET /acss/dossiers/ as the demo analyst (session with the second factor passed), {total} declarations "
            "with their case (random but seeded states, criticities, due dates, waiting flags) over the demo "
            "structures: middleware, rights, five counters in one aggregate, the count, the ids of the first 50 "
            "rows sorted by due date, then those rows with everything they show, the feature applications' flags "
            "on them (a plan's overdue actions, late regulatory filings), the DSFR page with its filter and "
            "bulk-action forms: the same number of queries whatever the number of declarations (tests/test_queue.py)."
        ),
        server=server,
        request=request,
        setup_client=setup_client,
        prepare=prepare,
        check=check,
        cleanup=drop_database,
    )


register(_make(100))
register(_make(10_000))
