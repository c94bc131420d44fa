"""Seconds for ``contamination_gap`` on 10,000 graded items a side (issue 31's target: 1 s).

    python benchmarks/contamination.py

Scores are 0.01-step grades around 6.5 (public) and 6.0 (private); from 1,000 items a
side the interval is read by saddlepoint instead of 2,000 bootstrap rounds. Also prints,
for reference, the time of the resampled interval on the same data (what the function
did before) and both intervals. Median of 3 runs.
"""

from __future__ import annotations

import random
import statistics
import sys
import time

from modelfolio import Outcomes, contamination_gap
from modelfolio._evaluation.stats import counts_of, percentile_interval, poisson_draws


def main() -> None:
    rng = random.Random(3)
    n = 10_000
    public = [round(rng.gauss(6.5, 2.0), 2) for _ in range(n)]
    private = [round(rng.gauss(6.0, 2.0), 2) for _ in range(n)]
    table = Outcomes.from_columns(
        item=list(range(2 * n)),
        model=["m"] * (2 * n),
        score=public + private,
        split=["public"] * n + ["private"] * n,
    )
    times = []
    for _ in range(3):
        start = time.perf_counter()
        gap = contamination_gap(table, "m", public="public", private="private")
        times.append(time.perf_counter() - start)
    start = time.perf_counter()
    draw = random.Random(0)
    first = poisson_draws(counts_of(public), 2_000, draw)
    second = poisson_draws(counts_of(private), 2_000, draw)
    resampled = percentile_interval(sorted(a - b for a, b in zip(first, second, strict=True)), 0.95)  # type: ignore[operator]
    old = time.perf_counter() - start
    print(f"python {sys.version.split()[0]}")
    print(
        f"contamination_gap, {n:,} graded items a side: {statistics.median(times):.3f} s "
        f"(target 1); interval [{gap.ci_low:.4f}, {gap.ci_high:.4f}]"
    )
    print(
        f"resampled with 2,000 Poisson bootstrap rounds, for reference: {old:.2f} s; "
        f"interval [{resampled[0]:.4f}, {resampled[1]:.4f}]"
    )


if __name__ == "__main__":
    main()
