"""A timed benchmark's own database: on PostgreSQL, a database named after the run's temporary folder (two runs
at once on the same server, or the HTTP benchmarks on acss_bench_postgres, do not collide), created and migrated
before, dropped after; on SQLite, the fresh file of the run. Used by the benchmarks that run one Django process."""

from __future__ import annotations

import re
from dataclasses import dataclass

import psycopg

from bench.benchmarks.submission import SETTINGS, acss_env
from bench.registry import BenchContext


@dataclass(frozen=True)
class OwnDatabase:
    prefix: str  # e.g. "acss_bench_veille"

    def _names(self, ctx: BenchContext) -> tuple[str, str]:
        """(admin URL, name of this run's own database)."""
        suffix = re.sub(r"[^a-z0-9]", "_", ctx.workdir.parent.name.lower())[-12:]
        return ctx.database_url, f"{self.prefix}_{suffix}"

    def env(self, ctx: BenchContext) -> dict[str, str]:
        env = acss_env(ctx)
        if ctx.database.engine == "postgres":
            admin, name = self._names(ctx)
            env["DATABASE_URL"] = admin.rsplit("/", 1)[0] + "/" + name
        return env

    def prepare(self, ctx: BenchContext) -> None:
        if ctx.database.engine == "postgres":
            admin, name = self._names(ctx)
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
        ctx.django(SETTINGS, "migrate", "--noinput", "-v0", env=self.env(ctx))

    def cleanup(self, ctx: BenchContext) -> None:
        if ctx.database.engine == "postgres":
            admin, name = self._names(ctx)
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
