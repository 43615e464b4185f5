"""Real processes for tests: ``manage.py db_worker`` and other commands, sharing the test database.

``shared_database_url`` gives another process a way to the test database (PostgreSQL: the test database itself;
SQLite: a file copy of the in-memory test database, that this process then uses too). ``Processes`` starts the
commands with their output in a log file, bounds them in time and stops them all at the end (``stop_all``, in a
``finally``). E-mails are expected to go through ``tests.support.slow_mail``: ``read_mails`` reads them back.
"""

from __future__ import annotations

import email
import email.policy
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection


def shared_database_url(tmp_path: Path) -> tuple[str, Callable[[], None]]:
    """A DATABASE_URL for another process to reach the test database, and a function to undo what it took."""
    params = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = quote(params["USER"] or "")
        if params.get("PASSWORD"):
            auth += ":" + quote(params["PASSWORD"])
        host = f"{params.get('HOST') or 'localhost'}:{params.get('PORT') or 5432}"
        return f"postgres://{auth}@{host}/{quote(params['NAME'])}", lambda: None
    if connection.vendor != "sqlite":
        pytest.skip(f"no way to share a {connection.vendor} test database with another process")
    # The in-memory test database dies with its last connection, and Django never closes it: keep that
    # connection aside, copy the database into a file, and use the file from here on, like the other processes.
    path = tmp_path / "shared.sqlite3"
    connection.ensure_connection()
    memory, memory_name = connection.connection, params["NAME"]
    with sqlite3.connect(path) as copy:
        memory.backup(copy)
    copy.close()
    connection.connection = None
    params["NAME"] = str(path)

    def restore() -> None:
        connection.close()
        params["NAME"] = memory_name
        connection.connection = memory

    return f"sqlite:///{path}", restore


def process_env(database_url: str, tmp_path: Path, *, mail_delay: float, **extra: str) -> dict[str, str]:
    """The environment of the processes: the shared database, the database task backend, e-mails written by
    the slow backend into ``tmp_path / "mail"`` (created here, like the processes' var directory)."""
    (tmp_path / "mail").mkdir()
    (tmp_path / "var").mkdir()
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "EMAIL_BACKEND": "tests.support.slow_mail.EmailBackend",
        "ACSS_TEST_MAIL_DIR": str(tmp_path / "mail"),
        "ACSS_TEST_MAIL_DELAY": str(mail_delay),
        "ACSS_VAR_DIR": str(tmp_path / "var"),
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


class Processes:
    """``manage.py`` processes, each killed or stopped before the test ends; their output goes to ``logs``."""

    def __init__(self, env: dict[str, str], logs: Path):
        self.env, self.logs, self.started = env, logs, []

    def start(self, name: str, *arguments: str) -> subprocess.Popen:
        log = open(self.logs / f"{name}-{len(self.started)}.log", "wb")  # noqa: SIM115 - closed in stop_all
        process = subprocess.Popen(
            [sys.executable, "manage.py", *arguments],
            cwd=django_settings.BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started.append((process, log))
        return process

    def start_worker(self) -> subprocess.Popen:
        return self.start(
            "worker",
            *["db_worker", "--queue-name", "*", "--interval", "0.1"],
            *["--no-startup-delay", "--no-reload", "--verbosity", "1"],
        )

    def run(self, name: str, *arguments: str, until: float, limit: float = 60) -> None:
        """Run a command to its end, at most ``limit`` seconds and not past ``until``; it must succeed."""
        process = self.start(name, *arguments)
        try:
            code = process.wait(timeout=max(min(limit, until - time.monotonic()), 1))
        except subprocess.TimeoutExpired:
            pytest.fail(f"{' '.join(arguments)} did not finish in time\n{self.output()}")
        assert code == 0, f"{' '.join(arguments)} exited with {code}\n{self.output()}"

    def stop_all(self) -> None:
        for process, log in self.started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)
            log.close()

    def output(self) -> str:
        return "\n".join(
            f"--- {p.name}\n" + p.read_text(errors="replace")[-3000:]
            for p in sorted(self.logs.glob("*.log"), key=lambda p: p.stat().st_mtime)
        )


def wait_for(condition, *, until: float, what: str, processes: Processes, step: float = 0.05):
    """``condition()``'s first true value, polled every ``step`` seconds; the test fails at ``until``."""
    while time.monotonic() < until:
        value = condition()
        if value:
            return value
        time.sleep(step)
    pytest.fail(f"timed out waiting for {what}\n{processes.output()}")


def read_mail(path: Path) -> EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def read_mails(directory: Path) -> list[EmailMessage]:
    """The messages the slow backend wrote, in the order they were sent."""
    return [read_mail(p) for p in sorted(directory.glob("*.eml"), key=lambda p: int(p.name.split("-")[0]))]
