"""Per-query routers on real data: fit on one half, replay on the other, with intervals.

RouteLLM's MMLU (14,042 items, 57 subjects) and GSM8K (1,319 items), shipped in
``modelfolio.datasets``, are split in halves by a stable hash of the item id; routers
are fitted on one half and replayed on the other. A paired bootstrap over the replayed
items (the same resampled items for both routers) gives an interval for the difference
of APGR. The figures printed here are the ones in docs/learned.md.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import pytest

from helpers import ROUTERBENCH_MODELS, SHARED_DATA, routerbench_parts
from modelfolio import (
    LearnedRouter,
    Outcomes,
    QueryQuality,
    aiq,
    apgr,
    calibrate_threshold,
    cpt,
    datasets,
    fit_quality,
    fit_query_quality,
    simulate,
    sweep,
    threshold_router,
)

STRONG, WEAK = "gpt-4-1106-preview", "mistralai/Mixtral-8x7B-Instruct-v0.1"
SHARES = [k / 20 for k in range(21)]
ROUNDS = 400


def halves(outcomes: Outcomes) -> tuple[Outcomes, Outcomes]:
    """Fit and replay halves, by a stable hash of the item id."""
    parts: tuple[list[Any], list[Any]] = ([], [])
    for record in outcomes.records():
        parts[zlib.crc32(str(record.item).encode()) % 2].append(record)
    return Outcomes.from_records(parts[0]), Outcomes.from_records(parts[1])


class Family:
    """One router family at every strong-call share: its choices on the replayed items."""

    def __init__(
        self,
        make: Callable[[float], LearnedRouter],
        replay: Outcomes,
        queries: Mapping[Hashable, Any] | None,
    ) -> None:
        self.curve = sweep(make, SHARES, replay, queries=queries)
        self.choices = [simulate(make(share), replay, queries=queries).choices for share in SHARES]

    def apgr(self) -> float:
        return apgr(self.curve, weak=WEAK, strong=STRONG)

    def cpt(self, fraction: float) -> float:
        return cpt(self.curve, fraction, weak=WEAK, strong=STRONG)


def gap_family(
    score: Callable[..., float], scores: Sequence[float], replay: Outcomes, queries: Any
) -> Family:
    """A threshold router on ``score``, calibrated on the fit half's ``scores`` per share."""

    def make(share: float) -> LearnedRouter:
        threshold = calibrate_threshold(scores, share)
        return threshold_router(score, strong=STRONG, weak=WEAK, threshold=threshold)

    return Family(make, replay, queries)


def per_subject(fit: Outcomes, replay: Outcomes) -> Family:
    table = fit_quality(fit)

    def gap(tags: frozenset[str]) -> float:
        return table.quality(STRONG, tags) - table.quality(WEAK, tags)

    tags_of = {fit.items[fit.item[r]]: fit.tag_sets[fit.tag_index[r]] for r in fit.rows_of(STRONG)}
    scores = [gap(tags) for tags in tags_of.values()]

    class BySubject:
        def __init__(self, threshold: float) -> None:
            self.threshold = threshold

        def choose(self, query: Any, tags: frozenset[str]) -> tuple[str, ...]:
            return (STRONG,) if gap(tags) >= self.threshold else (WEAK,)

    return Family(lambda share: BySubject(calibrate_threshold(scores, share)), replay, None)


def bootstrap_apgr(families: Sequence[Family], replay: Outcomes, seed: int = 0) -> np.ndarray:
    """APGR of each family on ``ROUNDS`` resamples of the replayed items (rows: rounds)."""
    ids = list(families[0].choices[0])
    strong, weak = replay.scores(STRONG), replay.scores(WEAK)
    s = np.array([strong[i] for i in ids])
    w = np.array([weak[i] for i in ids])
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(len(ids), [1 / len(ids)] * len(ids), size=ROUNDS).astype(float)
    q_strong, q_weak = counts @ s / len(ids), counts @ w / len(ids)
    result = np.empty((ROUNDS, len(families)))
    for f, family in enumerate(families):
        to_strong = np.array(
            [[1.0 if choices[i] == STRONG else 0.0 for choices in family.choices] for i in ids]
        )
        quality = to_strong * s[:, None] + (1 - to_strong) * w[:, None]
        shares, qualities = counts @ to_strong / len(ids), counts @ quality / len(ids)
        for b in range(ROUNDS):
            xs = np.concatenate([[0.0, 1.0], shares[b]])
            ys = np.concatenate([[q_weak[b], q_strong[b]], qualities[b]])
            order = np.lexsort((ys, xs))
            area = np.trapezoid(ys[order], xs[order])
            result[b, f] = (area - q_weak[b]) / (q_strong[b] - q_weak[b])
    return result


def interval(values: np.ndarray) -> tuple[float, float]:
    low, high = np.quantile(values, [0.025, 0.975])
    return float(low), float(high)


@pytest.fixture(scope="module")
def mmlu() -> dict[str, Any]:
    data = datasets.load("routellm-mmlu")
    fit, replay = halves(data.outcomes)
    texts = dict(data.texts)
    families = {"per-subject": per_subject(fit, replay)}
    tags_of = {fit.items[fit.item[r]]: fit.tag_sets[fit.tag_index[r]] for r in range(len(fit))}
    # knn with tags is left out for time (about a minute more); see docs/learned.md.
    variants = (("linear", False, False), ("knn", False, False), ("linear", True, False),
                ("linear", False, True))  # fmt: skip
    for method, use_tags, bigrams in variants:
        quality = fit_query_quality(fit, texts, method=method, use_tags=use_tags, bigrams=bigrams)  # type: ignore[arg-type]
        gap = quality.gap(STRONG, WEAK)
        scores = [gap(texts[i], tags_of[i]) for i in fit.items]
        name = method + ("+tags" if use_tags else "") + ("+bigrams" if bigrams else "")
        families[name] = gap_family(gap, scores, replay, texts)
    return {"fit": fit, "replay": replay, "families": families}


@pytest.fixture(scope="module")
def gsm8k() -> dict[str, Any]:
    data = datasets.load("routellm-gsm8k")
    fit, replay = halves(data.outcomes)
    texts = dict(data.texts)
    families = {}
    for method, bigrams in (("linear", False), ("knn", False), ("linear", True)):
        quality = fit_query_quality(fit, texts, method=method, bigrams=bigrams)  # type: ignore[arg-type]
        gap = quality.gap(STRONG, WEAK)
        name = method + ("+bigrams" if bigrams else "")
        families[name] = gap_family(gap, [gap(texts[i]) for i in fit.items], replay, texts)
    return {"fit": fit, "replay": replay, "families": families}


def report(name: str, families: Mapping[str, Family]) -> None:
    for method, family in families.items():
        print(
            f"{name} {method}: APGR {family.apgr():.3f}, CPT(50%) {family.cpt(0.5):.3f}, "
            f"CPT(80%) {family.cpt(0.8):.3f}"
        )


def test_mmlu_per_query_beats_per_subject(mmlu: dict[str, Any]) -> None:
    families = mmlu["families"]
    report("MMLU", families)
    order = ["linear", "knn", "linear+tags", "linear+bigrams", "per-subject"]
    samples = bootstrap_apgr([families[k] for k in order], mmlu["replay"])
    differences = {}
    for k, method in enumerate(order[:-1]):
        differences[method] = interval(samples[:, k] - samples[:, -1])
        low, high = differences[method]
        print(f"MMLU {method} - per-subject APGR: 95% CI [{low:.3f}, {high:.3f}]")
    # Word pairs (bigrams) as features too: at most about 0.01 APGR better (measured:
    # +0.006, 95% CI [-0.000, 0.011]), at 1.8 times the time per prediction; why they are
    # off by default (docs/learned.md).
    low, high = interval(samples[:, 3] - samples[:, 0])
    print(f"MMLU linear+bigrams - linear APGR: 95% CI [{low:.3f}, {high:.3f}]")
    assert high < 0.02
    # Measured once, reported in docs/learned.md: reading the text and the subject does
    # better than the subject alone (point estimate), but the interval does not exclude
    # zero: MMLU's questions do not name their subject, which carries most of the
    # signal. What holds with confidence: it is not worse by more than 0.01 APGR.
    assert families["linear+tags"].apgr() > families["per-subject"].apgr()
    assert differences["linear+tags"][0] > -0.01
    assert differences["linear"][0] > -0.05
    # Every router beats random (APGR 0.5, CPT(50%) 0.5).
    for family in families.values():
        assert family.apgr() > 0.55
        assert family.cpt(0.5) < 0.45


def test_gsm8k_per_query_beats_random(gsm8k: dict[str, Any]) -> None:
    families = gsm8k["families"]
    report("GSM8K", families)
    order = ["linear", "knn", "linear+bigrams"]
    samples = bootstrap_apgr([families[k] for k in order], gsm8k["replay"])
    for k, method in enumerate(order):
        low, high = interval(samples[:, k] - 0.5)
        print(f"GSM8K {method} - random APGR: 95% CI [{low:.3f}, {high:.3f}]")
        assert low > 0, f"{method} does not beat random on GSM8K with confidence"
    low, high = interval(samples[:, 2] - samples[:, 0])
    print(f"GSM8K linear+bigrams - linear APGR: 95% CI [{low:.3f}, {high:.3f}]")
    assert low < 0 < high  # no better with word pairs


@pytest.mark.parametrize("task", ["arc_challenge", "mbpp", "winograde"])
def test_routerbench_per_query_aiq(task: str) -> None:
    parts = routerbench_parts(task)
    import csv

    texts: dict[Hashable, str] = {}
    for part in ("train", "test"):
        with open(SHARED_DATA / "routerbench_subset" / f"{task}_{part}.csv", newline="") as f:
            for row in csv.DictReader(f):
                texts.setdefault(row["sample_id"], row["prompt"])
    quality: QueryQuality = fit_query_quality(parts["train"], texts)
    from modelfolio import quality_floor

    curve = sweep(
        lambda floor: quality_floor(quality, floor),
        [k / 20 for k in range(21)],
        parts["test"],
        queries=texts,
    )
    singles = {m: curve.baselines[m] for m in ROUTERBENCH_MODELS}
    best = max(singles.values(), key=lambda p: p.quality)
    table = fit_quality(parts["train"])
    per_task = sweep(
        lambda floor: quality_floor(table, floor), [k / 20 for k in range(21)], parts["test"]
    )
    print(
        f"RouterBench {task}: per-query AIQ {aiq(curve):.4f}, per-task AIQ "
        f"{aiq(per_task):.4f}; best single {best.quality:.4f}; "
        f"oracle {curve.baselines['oracle'].quality:.4f}"
    )
    assert 0 < aiq(curve) <= curve.baselines["oracle"].quality
    assert max(p.quality for p in curve.points) >= best.quality - 0.05
