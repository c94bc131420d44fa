"""Replay speed: a quality-floor router over a million logged outcomes, and a 100-knob sweep.

    python benchmarks/simulate.py

100,000 items x 10 models of 0/1 outcomes with costs, items tagged with one of 20
tasks. Times: fitting the quality table, one ``simulate`` (target <= 2 s; the first
call also builds the dense replay matrix and the baselines, which later calls reuse),
and a ``sweep`` over 100 floors (target <= 1 s). Each figure is the median of three
runs, except the first replay, timed once.
"""

from __future__ import annotations

import random
from typing import Any

from _timing import timed

from modelfolio import Outcomes, fit_quality, quality_floor, simulate, sweep


def outcomes(items: int = 100_000, models: int = 10, tasks: int = 20, seed: int = 3) -> Outcomes:
    rng = random.Random(seed)
    task_of = [f"task-{rng.randrange(tasks)}" for _ in range(items)]
    skill = [[rng.uniform(0.3, 0.95) for _ in range(tasks)] for _ in range(models)]
    columns: dict[str, list[Any]] = {"item": [], "model": [], "score": [], "cost": [], "tags": []}
    for m in range(models):
        for i in range(items):
            t = int(task_of[i].split("-")[1])
            columns["item"].append(i)
            columns["model"].append(f"model-{m}")
            columns["score"].append(1.0 if rng.random() < skill[m][t] else 0.0)
            columns["cost"].append(0.0002 * (m + 1))
            columns["tags"].append((task_of[i],))
    return Outcomes.from_columns(**columns)


def main() -> None:
    table = outcomes()
    print(f"{len(table):,} outcomes ({len(table.items):,} items x {len(table.models)} models)")
    fit_s, quality = timed(lambda: fit_quality(table))
    print(f"  fit_quality                   {fit_s:6.2f} s")
    first_s, _ = timed(lambda: simulate(quality_floor(quality, 0.8), table), runs=1)
    print(f"  simulate, first (builds matrix) {first_s:5.2f} s")
    replay_s, report = timed(lambda: simulate(quality_floor(quality, 0.8), table))
    print(
        f"  simulate                      {replay_s:6.2f} s   (target <= 2 s): quality {report.quality:.4f}, ${report.cost_per_item:.6f}/item"
    )
    knobs = [k / 100 for k in range(100)]
    sweep_s, curve = timed(lambda: sweep(lambda floor: quality_floor(quality, floor), knobs, table))
    print(
        f"  sweep of {len(knobs)} floors           {sweep_s:6.2f} s   (target <= 1 s): {len(curve.points)} points"
    )


if __name__ == "__main__":
    main()
