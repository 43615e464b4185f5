"""The baseline: a bare Django view (bench-only site, no middleware) that saves one row per POST."""

from bench.load import ClientContext, LoadResult, RequestSpec
from bench.registry import BenchContext, Benchmark, register
from bench.server import ServerSpec

SETTINGS = "bench.baseline_site.settings"
TABLE_COMMAND = "bench_baseline_table"


def prepare(ctx: BenchContext) -> None:
    ctx.django(SETTINGS, TABLE_COMMAND, "create")


def server(ctx: BenchContext) -> ServerSpec:
    return ctx.server("bench.baseline_site.wsgi:application", ctx.env(DJANGO_SETTINGS_MODULE=SETTINGS), "/health/")


def request(ctx: ClientContext, seq: int) -> RequestSpec:
    return RequestSpec("POST", "/hit/", ok_statuses=frozenset({200}))


def check(ctx: BenchContext, result: LoadResult) -> str:
    rows = int(ctx.django(SETTINGS, TABLE_COMMAND, "count").strip())
    expected = len(result.latencies) + result.warmup_ok
    verdict = "as expected" if rows == expected else f"expected {expected}"
    return f"{rows} rows written ({verdict}: measured successes + warm-up)"


def cleanup(ctx: BenchContext) -> None:
    ctx.django(SETTINGS, TABLE_COMMAND, "drop")


register(
    Benchmark(
        name="baseline",
        title="Bare Django view that saves one row",
        description=(
            "POST /hit/ on a bench-only Django site (no middleware, no templates, no session): the view inserts "
            "one row (`bench_baseline_hit`) and answers 200 with a 2-byte body. The floor every other benchmark "
            "is compared with."
        ),
        server=server,
        request=request,
        prepare=prepare,
        check=check,
        cleanup=cleanup,
        baseline=True,
    )
)
