"""Which database engines a run uses, and how to describe them in the report.

Without `--engines`, the engine is the one DATABASE_URL names (as for the ACSS run), SQLite when it is unset.
SQLite always runs on a fresh file in the run's temporary directory (one per benchmark), never on a file named by
DATABASE_URL. PostgreSQL runs on DATABASE_URL when it names PostgreSQL, else on BENCH_POSTGRES_URL.
"""

import os
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ENGINES = ("sqlite", "postgres")
POSTGRES_SCHEMES = ("postgres", "postgresql", "pgsql", "postgis")

# The SQLite options of config/settings.py, repeated here because the bench-only site must not import ACSS settings.
SQLITE_OPTIONS = {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}


@dataclass(frozen=True)
class Database:
    engine: str  # "sqlite" or "postgres"
    postgres_url: str | None = None  # for "postgres"; SQLite files are made per benchmark

    def url_for(self, workdir: Path) -> str:
        """The DATABASE_URL a benchmark running in workdir uses."""
        if self.postgres_url is not None:
            return self.postgres_url
        return f"sqlite:///{workdir / 'db.sqlite3'}"

    def describe(self) -> str:
        if self.postgres_url is None:
            return (
                f"SQLite {sqlite3.sqlite_version}, fresh file in a temporary directory per benchmark, "
                "WAL journal, busy timeout 20 s, IMMEDIATE transactions"
            )
        return f"PostgreSQL {_postgres_version(self.postgres_url)} at {_redacted(self.postgres_url)}"


def engine_of(url: str | None) -> str:
    if not url:
        return "sqlite"
    scheme = urlsplit(url).scheme.split("+")[0]
    if scheme == "sqlite":
        return "sqlite"
    if scheme in POSTGRES_SCHEMES:
        return "postgres"
    raise ValueError(f"DATABASE_URL scheme {scheme!r} is not supported by the benchmarks (sqlite or postgres)")


def resolve(engines: list[str] | None, environ: Mapping[str, str] = os.environ) -> list[Database]:
    """The databases to run on, in order; `engines` None means the one DATABASE_URL names."""
    url = environ.get("DATABASE_URL")
    names = engines or [engine_of(url)]
    databases = []
    for name in names:
        if name == "sqlite":
            databases.append(Database("sqlite"))
        elif name == "postgres":
            databases.append(Database("postgres", _postgres_url(environ)))
        else:
            raise ValueError(f"unknown engine {name!r}: choose among {', '.join(ENGINES)}")
    return databases


def _postgres_url(environ: Mapping[str, str]) -> str:
    url = environ.get("DATABASE_URL")
    if url and engine_of(url) == "postgres":
        return url
    fallback = environ.get("BENCH_POSTGRES_URL")
    if fallback:
        return fallback
    raise ValueError("the postgres engine needs DATABASE_URL or BENCH_POSTGRES_URL set to a PostgreSQL URL")


def _redacted(url: str) -> str:
    """host:port/dbname, without user or password."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.hostname or 'localhost'}{port}{parts.path}"


def _postgres_version(url: str) -> str:
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=5) as conn:
            row = conn.execute("SHOW server_version").fetchone()
    except Exception as exc:
        return f"(version unknown: {type(exc).__name__})"
    return str(row[0]).split(" ")[0] if row else "(version unknown)"
