"""Seconds for the judge-bias analyses (issue 28's targets).

    python benchmarks/judges.py

1. ``win_rates`` (raw and length-controlled) on AlpacaEval 2's 58 models x 805
   instructions, shipped in the package (target: at most 2 s).
2. ``bradley_terry(..., style=[4 features], bootstrap=100)`` on 100,000 synthetic
   battles among 50 models whose judge rewards length (target: at most 10 s), beside
   the plain fit of the same battles.

Each figure is the median of 3 runs on this machine.
"""

from __future__ import annotations

import math
import random
import statistics
import sys
import time

from modelfolio import Battle, bradley_terry, datasets, win_rates


def timed(function: object, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def battles(count: int, models: int, seed: int = 0) -> list[Battle]:
    rng = random.Random(seed)
    strength = [rng.gauss(0, 1) for _ in range(models)]
    length = [rng.uniform(200, 2000) for _ in range(models)]
    made = []
    for _ in range(count):
        a, b = rng.sample(range(models), 2)
        style = []
        for side in (a, b):
            style.append(
                {
                    "length": length[side] * rng.uniform(0.5, 1.5),
                    "headers": float(rng.randint(0, 4)),
                    "list_items": float(rng.randint(0, 12)),
                    "bold": float(rng.randint(0, 6)),
                }
            )
        x = (style[0]["length"] - style[1]["length"]) / (style[0]["length"] + style[1]["length"])
        p = 1 / (1 + math.exp(-(strength[a] - strength[b] + 1.5 * x)))
        roll = rng.random()
        winner = "tie" if abs(roll - p) < 0.03 else ("a" if roll < p else "b")
        made.append(
            Battle(a=f"m{a}", b=f"m{b}", winner=winner, style_a=style[0], style_b=style[1])  # type: ignore[arg-type]
        )
    return made


def main() -> None:
    judged = datasets.load("alpaca-eval").judgements
    assert judged is not None
    seconds = timed(lambda: win_rates(judged))
    print(f"python {sys.version.split()[0]}")
    print(
        f"win_rates on {len(judged.models)} models x {len(set(judged.item))} instructions "
        f"({len(judged)} judgements): {seconds:.2f} s (target 2)"
    )
    many = battles(100_000, 50)
    features = ["length", "headers", "list_items", "bold"]
    styled = timed(lambda: bradley_terry(many, style=features, bootstrap=100), runs=1)
    plain = timed(lambda: bradley_terry(many, bootstrap=100), runs=1)
    print(
        f"style-controlled Bradley-Terry, 100,000 battles, 50 models, 4 features, "
        f"100 bootstrap rounds: {styled:.2f} s (target 10); plain fit with the same "
        f"bootstrap: {plain:.2f} s"
    )


if __name__ == "__main__":
    main()
