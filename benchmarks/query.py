"""Per-query routing and drift alarms: how fast on this machine.

    python benchmarks/query.py

Prints (targets from issue 13 in brackets):
- ``featurize`` + ``predict`` of a 2,000-character prompt with 10 models, linear
  [200 us], linear with ``bigrams=True``, and knn, per call, over 200 different
  prompts: once at first sight of their words, once more with the words known (the
  predictor memoises each word's hashes and summed weights) but every prompt
  featurised and predicted anew;
- fitting ``linear`` on 7,000 MMLU items x 2 models [30 s], and ``knn``;
- replaying the 14,042 MMLU items through a per-query router [2 s] (linear; each item's
  prediction is computed once: the memo serves the sweep's later knobs);
- ``observe`` per record, one record per call [20 us] and in a batch;
- queries as vectors (a team's embeddings): 7,000 items of 256 random floats x 2
  models, fitting and one prediction, linear and knn.
"""

from __future__ import annotations

import random
import time
import zlib

from _timing import machine_probe, timed

from modelfolio import (
    EvalRecord,
    Outcomes,
    datasets,
    drift_monitor,
    fit_quality,
    fit_query_quality,
    observe,
    quality_floor,
    simulate,
)


def per_call(function, arguments: list) -> float:  # type: ignore[no-untyped-def, type-arg]
    start = time.perf_counter()
    for argument in arguments:
        function(argument)
    return (time.perf_counter() - start) / len(arguments)


def main() -> None:
    print(f"machine probe: {machine_probe():.2f} s (about 0.5 s when quiet)")
    mmlu = datasets.load("routellm-mmlu")
    texts = dict(mmlu.texts)
    words = " ".join(texts.values()).split()
    rng = random.Random(0)

    # Ten models, 2,000 items of MMLU text, synthetic scores.
    items = list(texts)[:2_000]
    models = [f"model-{m}" for m in range(10)]
    table = Outcomes.from_columns(
        item=[i for i in items for _ in models],
        model=models * len(items),
        score=[float(rng.random() < 0.3 + 0.06 * m) for _ in items for m in range(10)],
    )
    prompts = []
    for _ in range(200):
        start = rng.randrange(len(words) - 400)
        prompts.append(" ".join(words[start : start + 400])[:2_000])
    for method, bigrams in (("linear", False), ("linear", True), ("knn", False)):
        quality = fit_query_quality(table, texts, method=method, bigrams=bigrams)  # type: ignore[arg-type]
        cold = per_call(quality.predict, prompts)
        # The same prompts again, with the memo of whole prompts emptied: every prompt is
        # featurised and predicted anew, but its words are known (as in steady service).
        quality._memo.clear()
        warm = per_call(quality.predict, prompts)
        print(
            f"featurize + predict, 2,000 characters, 10 models, {method}"
            f"{' with bigrams' if bigrams else ''}: "
            f"{warm * 1e6:.0f} us (words seen before), {cold * 1e6:.0f} us (first sight)"
        )

    fit = Outcomes.from_records(
        r for r in mmlu.outcomes.records() if zlib.crc32(str(r.item).encode()) % 2 == 0
    )
    for method in ("linear", "knn"):
        seconds, quality = timed(lambda m=method: fit_query_quality(fit, texts, method=m), runs=1)
        print(f"fit {method} on {len(fit.items):,} items x 2 models: {seconds:.1f} s")
    linear = fit_query_quality(fit, texts)
    router = quality_floor(linear, 0.8)
    seconds, report = timed(lambda: simulate(router, mmlu.outcomes, queries=texts), runs=1)
    print(f"replay {report.n:,} MMLU items through a per-query router (linear): {seconds:.2f} s")
    seconds, _ = timed(lambda: simulate(router, mmlu.outcomes, queries=texts), runs=1)
    print(f"  again, every prediction remembered: {seconds:.2f} s")

    past = Outcomes.from_columns(item=range(1000), model=["m"] * 1000,
                                 score=[1.0] * 800 + [0.0] * 200)  # fmt: skip
    monitor = drift_monitor(fit_quality(past))
    records = [
        EvalRecord(item=k, model="m", score=float(rng.random() < 0.8)) for k in range(20_000)
    ]
    state = monitor
    start = time.perf_counter()
    for record in records:
        state = observe(state, record)
    one = (time.perf_counter() - start) / len(records)
    batch, _ = timed(lambda: observe(monitor, records))
    print(f"machine probe again: {machine_probe():.2f} s")
    print(f"observe: {one * 1e6:.1f} us per record one at a time, "
          f"{batch / len(records) * 1e6:.1f} us in a batch of 20,000")  # fmt: skip

    vectors = {i: [rng.gauss(0.0, 1.0) for _ in range(256)] for i in range(7_000)}
    table = Outcomes.from_columns(
        item=[i for i in vectors for _ in range(2)],
        model=["a", "b"] * len(vectors),
        score=[float(rng.random() < 0.5) for _ in range(2 * len(vectors))],
    )
    asked = [vectors[i] for i in range(100)]
    for method in ("linear", "knn"):
        seconds, quality = timed(
            lambda m=method: fit_query_quality(table, vectors, method=m), runs=1
        )
        print(
            f"vectors, 256 dimensions, 7,000 items x 2 models, {method}: fit {seconds:.1f} s, "
            f"predict {per_call(quality.predict, asked) * 1e3:.2f} ms"
        )


if __name__ == "__main__":
    main()
