"""Do the one-step bootstrap's rating intervals agree with full refits? (issue 31)

    python benchmarks/ratings_bootstrap.py            # 1,000 rounds a run
    python benchmarks/ratings_bootstrap.py 300        # fewer rounds, quicker

``bradley_terry(..., bootstrap=N)`` takes each Poisson resample's ratings by one Newton
step from the full fit once every model's Fisher information is at least
``ONE_STEP_FROM`` (before, every resample was refitted). For three data sets this
prints, over the interval endpoints, how far the one-step intervals are from the
refitted ones (each with seed 0, then each with seed 1), beside how far two refitted
runs with seeds 0 and 1 are from each other (the Monte Carlo error the old intervals
already had), all in Elo points, and the ratio of the interval widths:

- the benchmark's 1,000,000 battles among 100 models (``benchmarks/evaluate.py``);
- Chatbot Arena's 26,919 human votes of 2023 (``../shared/data/arena_2023_votes``;
  skipped when absent);
- the shipped LLMFAO battles (8,931 among 59 models; below ``ONE_STEP_FROM``, so its
  intervals are still refitted; shown with the one-step forced, for the record).

The refitted runs are the old method exactly (``ONE_STEP_FROM`` set to infinity).
"""

from __future__ import annotations

import math
import pathlib
import statistics
import sys
import time
from typing import Any

from evaluate import battles

from modelfolio import bradley_terry, datasets, summarize_battles
from modelfolio._evaluation import arena
from modelfolio.io import read_battles

ARENA = pathlib.Path(__file__).resolve().parents[2] / "shared/data/arena_2023_votes/human.jsonl"


def intervals(
    data: Any, rounds: int, seed: int, one_step: bool
) -> tuple[float, dict[str, tuple[float, float]]]:
    saved = arena.ONE_STEP_FROM
    arena.ONE_STEP_FROM = 0.0 if one_step else math.inf
    try:
        start = time.perf_counter()
        ratings = bradley_terry(data, bootstrap=rounds, seed=seed)
        return time.perf_counter() - start, dict(ratings.intervals)
    finally:
        arena.ONE_STEP_FROM = saved


def gaps(
    first: dict[str, tuple[float, float]], second: dict[str, tuple[float, float]]
) -> list[float]:
    return [abs(first[m][e] - second[m][e]) for m in first for e in (0, 1)]


def compare(name: str, data: Any, rounds: int) -> None:
    summary = summarize_battles(data)
    refit_s, refit = intervals(summary, rounds, 0, one_step=False)
    _, other = intervals(summary, rounds, 1, one_step=False)
    step_s, step = intervals(summary, rounds, 0, one_step=True)
    _, step_other = intervals(summary, rounds, 1, one_step=True)
    mc = gaps(refit, other)
    new = [gaps(refit, step), gaps(other, step_other)]
    widths = [(step[m][1] - step[m][0]) / (refit[m][1] - refit[m][0]) for m in refit]
    print(f"{name}: {summary.battles:,} battles, {len(refit)} models, {rounds} rounds")
    print(f"  refitted: {refit_s:6.2f} s   one-step: {step_s:6.2f} s")
    for seed, gap in enumerate(new):
        print(
            f"  endpoint gap, one-step vs refitted, both seed {seed}: median "
            f"{statistics.median(gap):.2f}, largest {max(gap):.2f} Elo"
        )
    print(
        f"  endpoint gap, refitted seed 0 vs seed 1 (Monte Carlo error): median "
        f"{statistics.median(mc):.2f}, largest {max(mc):.2f} Elo"
    )
    print(
        f"  interval width, one-step / refitted: median {statistics.median(widths):.3f}, "
        f"range {min(widths):.3f}-{max(widths):.3f}"
    )


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000
    compare("benchmark", battles(1_000_000, 100), rounds)
    if ARENA.exists():
        compare("Chatbot Arena 2023", read_battles(ARENA), rounds)
    else:
        print(f"Chatbot Arena 2023: skipped, {ARENA} is absent (../shared/data)")
    compare("LLMFAO (one-step forced)", datasets.load("llmfao").battles, rounds)


if __name__ == "__main__":
    main()
