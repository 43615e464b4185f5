"""Closed-loop HTTP load generator: N client threads, each on its own keep-alive connection to 127.0.0.1.

Each client runs its setup hook (e.g. log in), then a few warm-up requests that are not measured; all clients then
start the measured phase together. The phase ends when the request budget is spent or the wall-clock cap is
reached, whichever comes first, so a run always stops by itself.
"""

import http.client
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from typing import Any

LOOPBACK = "127.0.0.1"
MAX_ERROR_SAMPLES = 5

# A client that drops its keep-alive connection makes the next request fail with one of these before any byte of
# the response arrives; the request is then sent once more on a new connection.
_STALE_CONNECTION_ERRORS = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


@dataclass(frozen=True)
class RequestSpec:
    """One HTTP request to send: what a benchmark's request factory returns."""

    method: str
    path: str
    body: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    ok_statuses: frozenset[int] | None = None  # None: any 2xx or 3xx status is a success

    def is_ok(self, status: int) -> bool:
        if self.ok_statuses is None:
            return 200 <= status < 400
        return status in self.ok_statuses


@dataclass(frozen=True)
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


class ClientSession:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1 and a cookie jar (enough for Django sessions and CSRF)."""

    def __init__(self, port: int, timeout: float) -> None:
        self.port = port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self._conn: http.client.HTTPConnection | None = None

    def request(self, spec: RequestSpec) -> Response:
        headers = self._headers(spec)
        reused = self._conn is not None
        try:
            response = self._send(spec, headers)
        except _STALE_CONNECTION_ERRORS:
            if not reused:
                raise
            response = self._send(spec, headers)
        self._store_cookies(response.headers)
        return response

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _headers(self, spec: RequestSpec) -> dict[str, str]:
        headers = dict(spec.headers)
        if self.cookies and "Cookie" not in headers:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        return headers

    def _send(self, spec: RequestSpec, headers: dict[str, str]) -> Response:
        if self._conn is None:
            self._conn = http.client.HTTPConnection(LOOPBACK, self.port, timeout=self.timeout)
        try:
            self._conn.request(spec.method, spec.path, body=spec.body, headers=headers)
            raw = self._conn.getresponse()
            body = raw.read()
        except BaseException:
            self.close()
            raise
        if raw.will_close:
            self.close()
        return Response(raw.status, raw.headers, body)

    def _store_cookies(self, headers: http.client.HTTPMessage) -> None:
        for line in headers.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(line)
            except CookieError:
                continue
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value


@dataclass
class ClientContext:
    """What a client's setup hook and request factory see: its index, its session and a free-form state."""

    index: int
    session: ClientSession
    state: dict[str, Any] = field(default_factory=dict)


ClientSetup = Callable[[ClientContext], None]
RequestFactory = Callable[[ClientContext, int], RequestSpec]
ProgressCallback = Callable[[int, int], None]  # (completed requests, errors so far)


@dataclass(frozen=True)
class LoadConfig:
    port: int
    clients: int = 8
    requests: int = 2000  # measured requests, all clients together
    duration: float = 60.0  # wall-clock cap of the measured phase, in seconds
    warmup: int = 3  # unmeasured requests per client before the measured phase
    timeout: float = 30.0  # socket timeout of one request


@dataclass(frozen=True)
class LoadResult:
    latencies: list[float]  # seconds, successful measured requests only
    errors: int  # failed measured requests, plus clients whose setup or warm-up failed
    elapsed: float  # seconds from the start of the measured phase to the end of its last request
    capped: bool  # True when the wall-clock cap, not the request budget, ended the phase
    warmup_ok: int  # successful warm-up requests (e.g. rows a benchmark may find written besides the measured ones)
    error_samples: list[str]


class _Tracker:
    """Shared state of one load run: hands out request tickets and collects the measurements."""

    def __init__(self, config: LoadConfig) -> None:
        self.config = config
        self.lock = threading.Lock()
        self.issued = 0
        self.errors = 0
        self.warmup_ok = 0
        self.capped = False
        self.start = 0.0
        self.deadline = 0.0
        self.end = 0.0
        self.latencies: list[float] = []
        self.error_samples: list[str] = []

    def begin(self) -> None:
        self.start = time.perf_counter()
        self.deadline = self.start + self.config.duration

    def claim(self) -> bool:
        with self.lock:
            if self.issued >= self.config.requests:
                return False
            if time.perf_counter() >= self.deadline:
                self.capped = True
                return False
            self.issued += 1
            return True

    def record(self, latency: float, error: str | None) -> None:
        with self.lock:
            self.end = max(self.end, time.perf_counter())
            if error is None:
                self.latencies.append(latency)
            else:
                self._error(error)

    def warmed_up(self) -> None:
        with self.lock:
            self.warmup_ok += 1

    def client_failed(self, error: str) -> None:
        with self.lock:
            self._error(f"client setup/warm-up: {error}")

    def snapshot(self) -> tuple[int, int]:
        with self.lock:
            return len(self.latencies) + self.errors, self.errors

    def _error(self, error: str) -> None:
        self.errors += 1
        if len(self.error_samples) < MAX_ERROR_SAMPLES:
            self.error_samples.append(error)

    def result(self) -> LoadResult:
        with self.lock:
            elapsed = max(self.end - self.start, 0.0) if self.start else 0.0
            return LoadResult(
                sorted(self.latencies), self.errors, elapsed, self.capped, self.warmup_ok, list(self.error_samples)
            )


def _send_one(session: ClientSession, spec: RequestSpec) -> str | None:
    """Send one request; None on success, else a short description of the failure."""
    try:
        response = session.request(spec)
    except (OSError, http.client.HTTPException) as exc:
        return f"{spec.method} {spec.path}: {type(exc).__name__}: {exc}"
    if not spec.is_ok(response.status):
        return f"{spec.method} {spec.path}: HTTP {response.status}"
    return None


def _prepare_client(ctx: ClientContext, setup: ClientSetup | None, request: RequestFactory, tracker: _Tracker) -> bool:
    try:
        if setup is not None:
            setup(ctx)
        for seq in range(tracker.config.warmup):
            error = _send_one(ctx.session, request(ctx, seq))
            if error is not None:
                raise RuntimeError(error)
            tracker.warmed_up()
    except Exception as exc:
        tracker.client_failed(str(exc))
        return False
    return True


def _measure(ctx: ClientContext, request: RequestFactory, tracker: _Tracker) -> None:
    seq = tracker.config.warmup
    while tracker.claim():
        spec = request(ctx, seq)
        seq += 1
        started = time.perf_counter()
        error = _send_one(ctx.session, spec)
        tracker.record(time.perf_counter() - started, error)


def _client(
    ctx: ClientContext,
    setup: ClientSetup | None,
    request: RequestFactory,
    tracker: _Tracker,
    barrier: threading.Barrier,
) -> None:
    try:
        ready = _prepare_client(ctx, setup, request, tracker)
        try:
            barrier.wait(timeout=tracker.config.duration + tracker.config.timeout)
        except threading.BrokenBarrierError:
            return
        if ready:
            _measure(ctx, request, tracker)
    finally:
        ctx.session.close()


def run_load(
    config: LoadConfig,
    request: RequestFactory,
    setup: ClientSetup | None = None,
    progress: ProgressCallback | None = None,
) -> LoadResult:
    """Run the load against 127.0.0.1:config.port and return the measurements of the measured phase."""
    tracker = _Tracker(config)
    barrier = threading.Barrier(config.clients, action=tracker.begin)
    threads = [
        threading.Thread(
            target=_client,
            args=(ClientContext(i, ClientSession(config.port, config.timeout)), setup, request, tracker, barrier),
            name=f"bench-client-{i}",
            daemon=True,
        )
        for i in range(config.clients)
    ]
    for thread in threads:
        thread.start()
    # Setup, warm-up and the measured phase are each bounded, so this cap is only a safety net.
    give_up = time.monotonic() + 2 * (config.duration + config.timeout) + 10
    while any(t.is_alive() for t in threads) and time.monotonic() < give_up:
        if progress is not None:
            progress(*tracker.snapshot())
        time.sleep(0.1)
    if progress is not None:
        progress(*tracker.snapshot())
    return tracker.result()
