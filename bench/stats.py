"""Throughput, latency percentiles and ratios to the baseline, from one load run."""

import math
import statistics
from dataclasses import dataclass

from bench.load import LoadResult


@dataclass(frozen=True)
class Summary:
    requests: int  # successful measured requests
    errors: int
    elapsed: float  # seconds
    throughput: float  # successful requests per second
    p50_ms: float
    p95_ms: float
    capped: bool  # the wall-clock cap ended the run before the request budget

    @property
    def cost(self) -> float:
        """Seconds of the whole server per request (1 / throughput)."""
        return 1 / self.throughput if self.throughput > 0 else math.inf


def percentile(values: list[float], pct: int) -> float:
    """The pct-th percentile (1..99), interpolated between the closest ranks; NaN when there is no value."""
    if not values:
        return math.nan
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def summarize(result: LoadResult) -> Summary:
    done = len(result.latencies)
    return Summary(
        requests=done,
        errors=result.errors,
        elapsed=result.elapsed,
        throughput=done / result.elapsed if result.elapsed > 0 else 0.0,
        p50_ms=percentile(result.latencies, 50) * 1000,
        p95_ms=percentile(result.latencies, 95) * 1000,
        capped=result.capped,
    )


def cost_ratio(summary: Summary, baseline: Summary) -> float:
    """Cost per request relative to the baseline: 2.0 means each request costs twice the baseline's."""
    return summary.cost / baseline.cost


def p95_ratio(summary: Summary, baseline: Summary) -> float:
    return summary.p95_ms / baseline.p95_ms if baseline.p95_ms > 0 else math.nan
