"""Evaluation speed: a leaderboard over a million outcomes, arena ratings over a million battles.

    python benchmarks/evaluate.py

1. 100,000 items x 10 models of 0/1 outcomes with costs: time to build the
   ``Outcomes`` table, and to compute ``leaderboard`` (target <= 2 s).
2. 1,000,000 battles among 100 models drawn from a Bradley-Terry model with 10% ties:
   ``bradley_terry`` with 100 bootstrap rounds (target <= 30 s), and, for reference,
   a fit of the same likelihood with scipy (L-BFGS-B, then trust-exact) (``pip install -e ".[bench]"``):
   its time, our time with 100 rounds as a multiple of it (issue 31's target: 1.5x),
   and the largest rating difference from ours.
Each figure is the median of three runs.
"""

from __future__ import annotations

import math
import random
from typing import Any

from _timing import timed

from modelfolio import Outcomes, bradley_terry, compare, leaderboard


def outcome_columns(items: int, models: int, seed: int = 1) -> dict[str, list[Any]]:
    rng = random.Random(seed)
    skill = [0.5 + 0.04 * m for m in range(models)]
    columns: dict[str, list[Any]] = {"item": [], "model": [], "score": [], "cost": []}
    for m in range(models):
        name = f"model-{m}"
        for i in range(items):
            columns["item"].append(i)
            columns["model"].append(name)
            columns["score"].append(1.0 if rng.random() < skill[m] else 0.0)
            columns["cost"].append(0.0001 * (m + 1))
    return columns


def battles(count: int, models: int, seed: int = 2) -> list[tuple[str, str, str]]:
    rng = random.Random(seed)
    strength = [rng.gauss(0.0, 1.0) for _ in range(models)]
    names = [f"m{k:03d}" for k in range(models)]
    made = []
    for _ in range(count):
        i, j = rng.sample(range(models), 2)
        p = 1.0 / (1.0 + math.exp(strength[j] - strength[i]))
        r = rng.random()
        made.append((names[i], names[j], "tie" if r < 0.1 else ("a" if r < 0.1 + 0.9 * p else "b")))
    return made


def scipy_reference(data: list[tuple[str, str, str]]) -> dict[str, float] | None:
    try:
        import numpy as np
        from scipy.optimize import minimize
    except ImportError:
        return None
    models = sorted({m for a, b, _ in data for m in (a, b)})
    index = {m: k for k, m in enumerate(models)}
    credit = np.zeros((len(models), len(models)))
    for a, b, winner in data:
        i, j = index[a], index[b]
        if winner == "a":
            credit[i, j] += 1
        elif winner == "b":
            credit[j, i] += 1
        else:
            credit[i, j] += 0.5
            credit[j, i] += 0.5
    rows, cols = np.nonzero(credit)
    weights = credit[rows, cols]

    def objective(theta: Any) -> tuple[float, Any]:
        margin = theta[rows] - theta[cols]
        p = 1.0 / (1.0 + np.exp(-margin))
        g = weights * (1.0 - p)
        gradient = -np.bincount(rows, g, len(models)) + np.bincount(cols, g, len(models))
        return float(np.sum(weights * np.logaddexp(0.0, -margin))), gradient

    def hessian(theta: Any) -> Any:
        p = 1.0 / (1.0 + np.exp(-(theta[rows] - theta[cols])))
        w = weights * p * (1.0 - p)
        matrix = np.zeros((len(models), len(models)))
        np.add.at(matrix, (rows, cols), -w)
        np.add.at(matrix, (cols, rows), -w)
        matrix[np.diag_indices(len(models))] = -matrix.sum(axis=1)
        return matrix

    result = minimize(objective, np.zeros(len(models)), jac=True, method="L-BFGS-B")
    # Polish with exact-Hessian trust-region steps, so the reference is as precise as ours.
    result = minimize(
        objective, result.x, jac=True, hess=hessian, method="trust-exact", options={"gtol": 1e-9}
    )
    ratings = 400.0 * result.x / math.log(10.0)
    ratings += 1000.0 - ratings.mean()
    return {m: float(ratings[index[m]]) for m in models}


def main() -> None:
    columns = outcome_columns(100_000, 10)
    build_s, table = timed(lambda: Outcomes.from_columns(**columns), runs=1)
    board_s, board = timed(lambda: leaderboard(table))
    print(
        f"leaderboard: {len(table):,} rows ({len(table.items):,} items x {len(table.models)} models)"
    )
    print(f"  build Outcomes table   {build_s:6.2f} s")
    print(
        f"  leaderboard            {board_s:6.2f} s   (target <= 2 s); best {board.entries[0].model} {board.entries[0].mean:.4f}"
    )

    data = battles(1_000_000, 100)
    fit_s, ratings = timed(lambda: bradley_terry(data, bootstrap=100, seed=0))
    plain_s, _ = timed(lambda: bradley_terry(data))
    print(f"bradley_terry: {len(data):,} battles, 100 models, 100 bootstrap rounds")
    print(f"  modelfolio             {fit_s:6.2f} s   (target <= 30 s)")
    print(f"  modelfolio, no bootstrap {plain_s:4.2f} s")
    first_s, reference = timed(lambda: scipy_reference(data), runs=1)
    if reference is None:
        print("  scipy reference        skipped: install the bench extra (numpy, scipy)")
    else:
        warm_s, _ = timed(lambda: scipy_reference(data))
        gap = max(abs(ratings.rating(m) - reference[m]) for m in reference)
        print(
            f"  scipy reference fit    {first_s:6.2f} s   (one fit, no bootstrap; the first call, "
            "which imports scipy, as issue 31 measured it)"
        )
        print(f"  scipy reference fit    {warm_s:6.2f} s   (the median of three later calls)")
        print(
            f"  with 100 rounds / scipy's one fit: {fit_s / first_s:.2f}x its first call "
            "(issue 31's target: <= 1.5x; its 0.76 s reference was a first call), "
            f"{fit_s / warm_s:.2f}x a later call"
        )
        print(f"  largest rating difference from scipy: {gap:.2e} Elo points")

    rng = random.Random(11)
    graded = Outcomes.from_columns(
        item=list(range(10_000)) * 2,
        model=["old"] * 10_000 + ["new"] * 10_000,
        score=[rng.random() * 10 for _ in range(20_000)],
    )
    compare_s, comparison = timed(lambda: compare(graded, baseline="old", candidate="new"))
    print(
        f"compare: 10,000 items with graded scores (all distinct): {compare_s:.2f} s (target 1 s)"
    )
    print(f"  {comparison}")
    print(f"  method: {comparison.method}")
    wide = Outcomes.from_columns(
        item=list(range(30_000)) * 2,
        model=["old"] * 30_000 + ["new"] * 30_000,
        score=[rng.random() * 10 for _ in range(60_000)],
    )
    big = Outcomes.from_columns(
        item=list(range(100_000)) * 2,
        model=["a"] * 100_000 + ["b"] * 100_000,
        score=[rng.random() * 10 for _ in range(200_000)],
    )
    wide_s, _ = timed(lambda: compare(wide, baseline="old", candidate="new"))
    print(f"compare: 30,000 graded items: {wide_s:.2f} s (was about 90 s)")
    board_s, _ = timed(lambda: leaderboard(big))
    print(f"leaderboard: 2 models x 100,000 graded items (all distinct): {board_s:.2f} s")

    chain = []
    for k in range(239):
        chain += [(f"m{k}", f"m{k + 1}", "a")] * 20 + [(f"m{k}", f"m{k + 1}", "b")]
    chain_s, _ = timed(lambda: bradley_terry(chain))
    print(f"bradley_terry: a lopsided chain of 240 models (20:1 each link): {chain_s:.2f} s")


if __name__ == "__main__":
    main()
