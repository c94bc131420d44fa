"""Logs larger than memory: modelfolio.dask on a two-worker local cluster, on this machine.

    python benchmarks/scale.py            # 2M and 20M outcomes
    python benchmarks/scale.py 2000000    # one size only

Needs ``pip install -e '.[test]'`` (dask, distributed, pandas, pyarrow, numpy). Writes
generated outcomes as Parquet (500,000 rows a file, each item's rows in one file, as an
eval harness or a daily export writes them) to a temporary folder, starts
``distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True)`` on
127.0.0.1, and prints for each size (targets from issue 14 in brackets):

- the time of leaderboard + compare + fit_quality + simulate through ``modelfolio.dask``
  (each a separate pass over the Parquet files, as a user would call them), and each
  worker's peak memory (its process's maximum resident set) [20M in <= 90 s, <= 1.5 GB
  a worker];
- the same with the leaderboard and the quality table finished from one
  ``modelfolio.dask.summarize`` (one pass over the files instead of two);
- for the smallest size, the same four calls in memory, from the Parquet files read
  into one ``Outcomes`` table [the cluster within 3x of in-memory for 2M];
- whether the cluster's answers equal the in-memory ones (for the in-memory size).

Scores are graded (a 0-4 rubric, divided by 4), so the intervals are the seeded
bootstrap's; four models, five tasks, two splits, costs per row.
"""

from __future__ import annotations

import math
import pathlib
import resource
import sys
import tempfile
import time
from typing import Any

import dask.dataframe as dd
import numpy as np
import pandas as pd
from distributed import Client, LocalCluster

import modelfolio
from modelfolio import Outcomes
from modelfolio import dask as mfd

MODELS = ["alpha", "beta", "gamma", "delta"]
SKILL = {"alpha": 0.8, "beta": 0.7, "gamma": 0.72, "delta": 0.5}
PRICE = {"alpha": 3e-3, "beta": 4e-4, "gamma": 6e-4, "delta": 1e-4}
ROWS_PER_FILE = 500_000
COLUMNS = {"tags": "task", "split": "split"}


def machine() -> float:
    start = time.perf_counter()
    sum(i * i for i in range(10_000_000))
    return time.perf_counter() - start


def write(folder: pathlib.Path, rows: int) -> None:
    items_per_file = ROWS_PER_FILE // len(MODELS)
    for k in range(math.ceil(rows / ROWS_PER_FILE)):
        rng = np.random.default_rng(k)
        items = np.arange(k * items_per_file, (k + 1) * items_per_file)
        task = rng.choice(["math", "code", "law", "medicine", "history"], size=len(items))
        split = rng.choice(["public", "private"], size=len(items), p=[0.7, 0.3])
        parts = [
            pd.DataFrame(
                {
                    "item": items,
                    "model": model,
                    "score": rng.binomial(4, SKILL[model], size=len(items)) / 4.0,
                    "cost": PRICE[model] * rng.uniform(0.5, 2.0, size=len(items)),
                    "task": task,
                    "split": split,
                }
            )
            for model in MODELS
        ]
        pd.concat(parts, ignore_index=True).to_parquet(
            folder / f"part-{k:04d}.parquet", index=False
        )


def router() -> Any:
    """A quality-floor router fitted beforehand on a small in-memory sample."""
    rng = np.random.default_rng(99)
    n = 20_000
    task = rng.choice(["math", "code", "law", "medicine", "history"], size=n)
    sample = pd.concat(
        [
            pd.DataFrame(
                {
                    "item": np.arange(n),
                    "model": model,
                    "score": rng.binomial(4, SKILL[model], size=n) / 4.0,
                    "cost": np.full(n, PRICE[model]),
                    "task": task,
                }
            )
            for model in MODELS
        ]
    )
    quality = modelfolio.fit_quality(Outcomes.from_frame(sample, tags="task", cost="cost"))
    return modelfolio.quality_floor(quality, 0.7)


def on_cluster(frame: Any, route: Any) -> tuple[float, dict[str, Any], dict[str, float]]:
    calls = {
        "leaderboard": lambda: mfd.leaderboard(frame, **COLUMNS),
        "compare": lambda: mfd.compare(
            frame, baseline="alpha", candidate="gamma", items_together=True, **COLUMNS
        ),
        "fit_quality": lambda: mfd.fit_quality(frame, **COLUMNS),
        "simulate": lambda: mfd.simulate(route, frame, items_together=True, **COLUMNS),
    }
    results, seconds = {}, {}
    for name, call in calls.items():
        start = time.perf_counter()
        results[name] = call()
        seconds[name] = time.perf_counter() - start
    return sum(seconds.values()), results, seconds


def on_cluster_shared(frame: Any, route: Any) -> float:
    """The same answers, the leaderboard and quality table finished from one summary."""
    start = time.perf_counter()
    summary = mfd.summarize(frame, **COLUMNS)
    summary.leaderboard()
    summary.fit_quality()
    mfd.compare(frame, baseline="alpha", candidate="gamma", items_together=True, **COLUMNS)
    mfd.simulate(route, frame, items_together=True, **COLUMNS)
    return time.perf_counter() - start


def in_memory(folder: pathlib.Path, route: Any) -> tuple[float, float, dict[str, Any]]:
    start = time.perf_counter()
    table = Outcomes.from_frame(pd.read_parquet(folder), cost="cost", **COLUMNS)
    read = time.perf_counter() - start
    results = {
        "leaderboard": modelfolio.leaderboard(table),
        "compare": modelfolio.compare(table, baseline="alpha", candidate="gamma"),
        "fit_quality": modelfolio.fit_quality(table),
        "simulate": modelfolio.simulate(route, table),
    }
    return read, time.perf_counter() - start, results


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def same(cluster: dict[str, Any], memory: dict[str, Any]) -> bool:
    a, b = cluster["leaderboard"], memory["leaderboard"]
    boards = all(
        (x.model, x.n, x.mean, x.ci_low, x.ci_high) == (y.model, y.n, y.mean, y.ci_low, y.ci_high)
        and math.isclose(x.total_cost, y.total_cost, rel_tol=1e-12)
        for x, y in zip(a.entries, b.entries, strict=True)
    )
    quality = dict(cluster["fit_quality"].entries) == dict(memory["fit_quality"].entries)
    s, t = cluster["simulate"], memory["simulate"]
    replay = (s.quality, s.n, dict(s.shares)) == (t.quality, t.n, dict(t.shares))
    return boards and quality and replay and cluster["compare"] == memory["compare"]


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [2_000_000, 20_000_000]
    print(f"machine probe (sum of 10M squares): {machine():.2f} s")
    route = router()
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",
            memory_limit="6GiB",
        ) as cluster,
        Client(cluster) as client,
    ):
        for size in sizes:
            with tempfile.TemporaryDirectory() as tmp:
                folder = pathlib.Path(tmp)
                start = time.perf_counter()
                write(folder, size)
                files = len(list(folder.glob("*.parquet")))
                print(
                    f"\n{size:,} outcomes in {files} Parquet files (written in {time.perf_counter() - start:.1f} s)"
                )
                client.restart()  # fresh workers: their peak memory is this size's
                frame = dd.read_parquet(str(folder / "*.parquet"))
                seconds, results, each = on_cluster(frame, route)
                peaks = client.run(peak_mb)
                print(
                    f"  cluster: leaderboard + compare + fit_quality + simulate in {seconds:.1f} s "
                    f"({size / seconds / 1e6:.2f} M outcomes/s; "
                    + ", ".join(f"{name} {t:.1f} s" for name, t in each.items())
                    + "); peak memory per worker "
                    + ", ".join(f"{mb:,.0f} MB" for mb in peaks.values())
                )
                shared = on_cluster_shared(frame, route)
                print(
                    f"  cluster, leaderboard and fit_quality from one mfd.summarize: {shared:.1f} s "
                    f"({size / shared / 1e6:.2f} M outcomes/s)"
                )
                if size == min(sizes):
                    read, total, memory = in_memory(folder, route)
                    print(
                        f"  in memory: {total:.1f} s (reading into Outcomes {read:.1f} s); "
                        f"cluster / in-memory = {seconds / total:.2f}; process peak {peak_mb():,.0f} MB"
                    )
                    print(f"  cluster answers equal the in-memory ones: {same(results, memory)}")


if __name__ == "__main__":
    main()
