"""Runs a WSGI application under gunicorn on 127.0.0.1 and a free port, for the duration of a `with` block.

The same runner serves the bench-only baseline site (`bench.baseline_site.wsgi:application`) and the ACSS project
(`config.wsgi:application`): only the application path and the environment differ.
"""

import http.client
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from bench.load import LOOPBACK

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ServerOptions:
    """The gunicorn settings chosen on the command line, the same for every benchmark of a run."""

    workers: int = 2
    threads: int = 4
    keep_alive: int = 5

    @property
    def worker_class(self) -> str:
        return "gthread" if self.threads > 1 else "sync"

    def describe(self) -> str:
        return (
            f"gunicorn {self.worker_class}, {self.workers} worker processes x {self.threads} threads, "
            f"keep-alive {self.keep_alive} s, access log off"
        )


@dataclass(frozen=True)
class ServerSpec:
    """What to serve: a WSGI application path, the full environment of the server process, and its options."""

    app: str  # "module:callable", imported with PROJECT_ROOT as working directory
    env: Mapping[str, str]
    options: ServerOptions
    log_file: Path
    ready_path: str = "/"  # polled until the server answers, whatever the status
    start_timeout: float = 30.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def gunicorn_command(spec: ServerSpec, port: int) -> list[str]:
    options = spec.options
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"{LOOPBACK}:{port}",
        "--workers",
        str(options.workers),
        "--threads",
        str(options.threads),
        "--worker-class",
        options.worker_class,
        "--keep-alive",
        str(options.keep_alive),
        "--graceful-timeout",
        "5",
        "--log-level",
        "warning",
        "--chdir",
        str(PROJECT_ROOT),
        spec.app,
    ]


def _answers(port: int, path: str) -> bool:
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=2)
    try:
        conn.request("GET", path)
        conn.getresponse().read()
    except OSError:
        return False
    finally:
        conn.close()
    return True


def _log_tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


class GunicornServer:
    """`with GunicornServer(spec) as server:` starts gunicorn, waits until it answers, and stops it on exit."""

    def __init__(self, spec: ServerSpec) -> None:
        self.spec = spec
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> "GunicornServer":
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        self.spec.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.spec.log_file.open("ab") as log:
            self._process = subprocess.Popen(
                gunicorn_command(self.spec, self.port),
                cwd=PROJECT_ROOT,
                env=dict(self.spec.env),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)  # gunicorn's graceful shutdown
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.spec.start_timeout
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                raise RuntimeError(f"gunicorn exited before answering:\n{_log_tail(self.spec.log_file)}")
            if _answers(self.port, self.spec.ready_path):
                return
            time.sleep(0.1)
        raise RuntimeError(
            f"gunicorn did not answer within {self.spec.start_timeout:.0f} s:\n{_log_tail(self.spec.log_file)}"
        )
