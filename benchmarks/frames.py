"""DataFrames in and out: a million outcomes from pandas, polars and pyarrow, and back.

    python benchmarks/frames.py

1,000,000 rows (250,000 items x 4 models, 0/1 scores, a cost and a task tag per row).
Prints, per library, the median of three runs of ``Outcomes.from_frame`` and of
``Outcomes.to_frame`` (target: 1.5 s each way), and for scale the time of
``Outcomes.from_columns`` on the same columns as plain lists (the floor ``from_frame``
builds on).
"""

from __future__ import annotations

import random

from _timing import timed

from modelfolio import Outcomes


def columns(n: int = 1_000_000) -> dict[str, list[object]]:
    rng = random.Random(1)
    return {
        "item": [f"q{i // 4}" for i in range(n)],
        "model": [f"m{i % 4}" for i in range(n)],
        "score": [float(rng.random() < 0.7) for _ in range(n)],
        "cost": [0.001] * n,
        "task": [f"t{(i // 4) % 20}" for i in range(n)],
    }


def main() -> None:
    import pandas as pd
    import polars as pl
    import pyarrow as pa

    data = columns()
    plain, table = timed(
        lambda: Outcomes.from_columns(
            item=data["item"],  # type: ignore[arg-type]
            model=data["model"],  # type: ignore[arg-type]
            score=data["score"],  # type: ignore[arg-type]
            cost=data["cost"],  # type: ignore[arg-type]
            tags=[{t} for t in data["task"]],  # type: ignore[misc]
        )
    )
    print(f"Outcomes.from_columns, 1,000,000 rows from lists: {plain:.2f} s ({table!r})")
    frames = {
        "pandas": pd.DataFrame(data),
        "polars": pl.DataFrame(data),
        "pyarrow": pa.table(data),
    }
    for name, frame in frames.items():
        into, table = timed(lambda f=frame: Outcomes.from_frame(f, cost="cost", tags="task"))
        out, _ = timed(lambda b=name, t=table: t.to_frame(b))
        print(f"{name:>8}: from_frame {into:.2f} s, to_frame {out:.2f} s (target 1.5 s each)")


if __name__ == "__main__":
    main()
