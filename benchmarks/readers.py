"""What the bounded readers cost, and how fast they refuse a hostile file.

    python benchmarks/readers.py

Prints, each the median of 3 runs, and the allocation peak (``tracemalloc``) of a 4th:

- a 200,000-row outcomes CSV and the same as JSON lines, read into ``Outcomes``;
- an Inspect ``.eval`` archive whose one member inflates to 100 MB (a zip bomb of
  spaces), refused at the inflation limit;
- a JSON file nested 200,000 levels deep, and a CSV with one 20 MB cell, refused;

with a machine probe first and last (figures grow with it on a busy machine).
"""

from __future__ import annotations

import io
import json
import pathlib
import random
import tempfile
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from typing import Any

from _timing import machine_probe

from modelfolio import ModelfolioError
from modelfolio.io import read_inspect_log, read_json, read_outcomes_long

ROOT = pathlib.Path(__file__).resolve().parents[1]


def measured(read: Callable[[], Any]) -> tuple[float, float, str]:
    """(median seconds of 3 runs, allocation peak in MiB of a 4th, what happened).

    The peak is taken in a run of its own: ``tracemalloc`` slows allocation-heavy
    code several times over, so timed runs go without it.
    """
    times, outcome = [], ""
    for _ in range(3):
        start = time.perf_counter()
        outcome = _outcome(read)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    _outcome(read)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return sorted(times)[1], peak, outcome


def _outcome(read: Callable[[], Any]) -> str:
    try:
        return repr(read())[:60]
    except ModelfolioError as error:
        return "refused: " + str(error).split(": ", 2)[-1][:70]


def main() -> None:
    print(f"machine probe: {machine_probe():.2f} s (about 0.5 s when quiet)")
    folder = pathlib.Path(tempfile.mkdtemp())
    rng = random.Random(1)
    rows = [
        (f"q{i}", model, rng.random() < 0.7, round(rng.random() / 100, 6))
        for i in range(100_000)
        for model in ("gpt-4o", "llama-3.3-70b")
    ]
    csv_path = folder / "outcomes.csv"
    csv_path.write_text(
        "item,model,score,cost\n" + "".join(f"{i},{m},{int(s)},{c}\n" for i, m, s, c in rows)
    )
    jsonl_path = folder / "outcomes.jsonl"
    jsonl_path.write_text(
        "".join(
            json.dumps({"item": i, "model": m, "score": int(s), "cost": c}) + "\n"
            for i, m, s, c in rows
        )
    )
    columns = {"item": "item", "model": "model", "score": "score", "cost": "cost"}
    log = json.loads((ROOT / "tests/data/inspect/arithmetic-weak.json").read_text())
    samples = log.pop("samples")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("header.json", json.dumps(log), zipfile.ZIP_DEFLATED)
        archive.writestr("samples/1_epoch_1.json", b" " * 100_000_000, zipfile.ZIP_DEFLATED)
        for sample in samples[1:]:
            archive.writestr(
                f"samples/{sample['id']}_epoch_{sample['epoch']}.json", json.dumps(sample)
            )
    bomb = folder / "bomb.eval"
    bomb.write_bytes(buffer.getvalue())
    deep = folder / "deep.json"
    deep.write_text("[" * 200_000 + "]" * 200_000)
    cell = folder / "cell.csv"
    cell.write_text("item,model,score\n" + '"' + "x" * 20_000_000 + '",m,1\n')
    cases: list[tuple[str, Callable[[], Any]]] = [
        ("200,000-row CSV into Outcomes", lambda: read_outcomes_long(csv_path, **columns)),
        ("the same as JSON lines", lambda: read_outcomes_long(jsonl_path, **columns)),
        (f".eval bomb ({bomb.stat().st_size:,} bytes, 100 MB inflated)", lambda: read_inspect_log(bomb)),
        ("JSON nested 200,000 levels", lambda: read_json(deep)),
        ("CSV with a 20 MB cell", lambda: read_outcomes_long(cell, item="item", model="model", score="score")),
    ]  # fmt: skip
    for label, read in cases:
        seconds, peak, outcome = measured(read)
        print(f"  {label:<48} {seconds * 1e3:8.1f} ms  peak {peak:7.1f} MiB  {outcome}")
    print(f"machine probe again: {machine_probe():.2f} s")


if __name__ == "__main__":
    main()
