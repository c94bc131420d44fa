"""Drift alarms: anytime-valid false-alarm control, detection, and the round trip to routing."""

from __future__ import annotations

import math
import random
import statistics
import zlib
from concurrent.futures import ProcessPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelfolio import (
    Bridge,
    DriftAlarm,
    EvalRecord,
    ModelfolioError,
    Outcomes,
    Request,
    State,
    datasets,
    drift_monitor,
    fit_quality,
    fit_query_quality,
    learned_policy,
    mark_drifted,
    observe,
    reference_catalog,
    route,
    threshold_router,
)

HIT = EvalRecord(item="q", model="m", score=1.0)
MISS = EvalRecord(item="q", model="m", score=0.0)


def reference(mean: float = 0.8, n: int = 1000):  # type: ignore[no-untyped-def]
    ones = round(mean * n)
    table = Outcomes.from_columns(
        item=range(n), model=["m"] * n, score=[1.0] * ones + [0.0] * (n - ones)
    )
    return fit_quality(table)


def first_alarm(seed: int, records: int, before: float, after: float, change_at: int,
                alpha: float) -> int | None:  # fmt: skip
    """The record count at the stream's alarm (None: no alarm), for one simulated stream."""
    rng = random.Random(seed)
    stream = [
        HIT if rng.random() < (before if k < change_at else after) else MISS for k in range(records)
    ]
    monitor = observe(drift_monitor(reference(before), alpha=alpha, min_effect=0.05), stream)
    return monitor.alarms[0].records if monitor.alarms else None


def run(streams: int, **kwargs: float) -> list[int | None]:
    arguments = [(seed, *kwargs.values()) for seed in range(streams)]
    with ProcessPoolExecutor(max_workers=2) as pool:
        return list(pool.map(first_alarm_star, arguments, chunksize=10))


def first_alarm_star(arguments: tuple[float, ...]) -> int | None:
    seed, records, before, after, change_at, alpha = arguments
    return first_alarm(int(seed), int(records), before, after, int(change_at), alpha)


def test_false_alarms_stay_below_alpha_watched_for_20000_records() -> None:
    alarms = run(200, records=20_000, before=0.8, after=0.8, change_at=0, alpha=0.01)
    false = sum(a is not None for a in alarms)
    print(f"false alarms: {false} of 200 stable streams of 20,000 records (alpha 0.01)")
    # Binomial(200, 0.01) exceeds 6 with chance 0.005: more would refute the guarantee.
    assert false <= 6


def test_false_alarm_share_at_a_loose_alpha() -> None:
    # At alpha = 0.2 a broken test would show: 500 unchanged streams, share <= 0.2 + slack.
    alarms = run(500, records=3_000, before=0.7, after=0.7, change_at=0, alpha=0.2)
    share = sum(a is not None for a in alarms) / 500
    print(f"false-alarm share at alpha 0.2: {share:.3f}")
    assert share <= 0.2 + 3 * math.sqrt(0.2 * 0.8 / 500)


def test_a_drop_from_080_to_065_is_caught_and_the_delay_reported() -> None:
    alarms = run(100, records=6_000, before=0.8, after=0.65, change_at=2_000, alpha=0.01)
    assert all(a is not None for a in alarms)  # every drop is caught
    early = sum(a <= 2_000 for a in alarms if a is not None)  # false alarms before it
    assert early <= 5  # Binomial(100, 0.01) exceeds 5 with chance 0.0006
    delays = [a - 2_000 for a in alarms if a is not None and a > 2_000]
    median = statistics.median(delays)
    print(f"median detection delay: {median:.0f} records (max {max(delays)}; {early} early)")
    assert median < 1_000


def test_the_alarm_names_model_tag_records_and_evidence() -> None:
    table = Outcomes.from_columns(
        item=list(range(200)) * 2, model=["a"] * 200 + ["b"] * 200, score=[1.0, 0.0] * 200,
        tags=[{"math"} if k % 2 else {"code"} for k in range(400)],
    )  # fmt: skip
    quality = fit_quality(table)
    monitor = drift_monitor(quality, alpha=0.01, min_effect=0.1)
    # Model "a" scored 1 on code and 0 on math; now it fails code too.
    records = [EvalRecord(item=k, model="a", score=0.0, tags={"code"}) for k in range(300)]
    monitor = observe(monitor, records)
    (alarm,) = monitor.alarms
    assert ("a", "code") == (alarm.model, alarm.tag)
    assert alarm.records < 300
    assert alarm.evidence >= 2 / 0.01 / 1.5  # three streams for "a": at least 3 / alpha
    assert alarm.expected > 0.5 > alarm.observed
    assert monitor.evidence("a", "code") == pytest.approx(alarm.evidence)
    assert monitor.to_rows()[0]["tag"] == "code"
    # A stream raises once; the others keep watching.
    assert 1 == len(observe(monitor, records).alarms)


def test_observe_is_pure_and_batches_equal_one_by_one() -> None:
    rng = random.Random(3)
    records = [HIT if rng.random() < 0.6 else MISS for _ in range(2_000)]
    start = drift_monitor(reference(0.8), min_effect=0.05)
    one_by_one = start
    for record in records:
        one_by_one = observe(one_by_one, record)
    batch = observe(start, records)
    assert 0 == start.records
    assert batch.alarms == one_by_one.alarms
    assert batch.evidence("m") == one_by_one.evidence("m")


def test_a_query_reference() -> None:
    table = Outcomes.from_columns(
        item=list(range(40)), model=["m"] * 40, score=[1.0 if k % 2 else 0.0 for k in range(40)]
    )
    texts = {k: ("easy sum" if k % 2 else "hard proof") for k in range(40)}
    quality = fit_query_quality(table, texts)
    monitor = drift_monitor(quality, min_effect=0.2)
    with pytest.raises(ModelfolioError, match="pass queries="):
        observe(monitor, EvalRecord(item=1, model="m", score=1.0))
    # The easy queries now fail: expected high, observed 0.
    failing = [EvalRecord(item=1, model="m", score=0.0)] * 400
    after = observe(monitor, failing, queries=texts)
    assert after.alarms
    assert after.alarms[0].expected > 0.5


def test_mark_drifted_moves_traffic_away_at_once() -> None:
    catalog = reference_catalog()
    bridge = Bridge({"sonnet": "claude-sonnet-4-5", "gpt": "gpt-4o"})
    # A learned policy that always prefers the model the alarm will name.
    prefer = threshold_router(lambda query: 1.0, strong="sonnet", weak="gpt", threshold=0.5)
    policy = learned_policy(prefer, bridge)
    request = Request(input_tokens=1_000, output_tokens=200)
    served = {d.id for d in bridge.deployments("sonnet", catalog)}
    before = route(request, catalog, policy, now=0.0)
    assert before.chosen.id in served
    alarm = DriftAlarm(model="sonnet", tag=None, records=300, observed=0.6, expected=0.8,
                       evidence=500.0)  # fmt: skip
    state = mark_drifted(State(), [alarm], bridge=bridge, catalog=catalog, now=0.0, hold_s=60.0)
    assert served <= set(state.breakers)
    during = route(request, catalog, policy, state=state, now=1.0)
    assert during.chosen.id not in served
    assert all(d.id not in served for d in during.fallbacks)
    # After the hold the breakers half-open and the model may be tried again.
    assert state.breaker(next(iter(served)), now=61.0) == "half_open"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"alpha": 0.0}, "alpha must be a number strictly between 0 and 1, got 0.0"),
        ({"alpha": math.nan}, "alpha must be"),
        ({"min_effect": -0.1}, "min_effect must be a number above 0"),
        ({"min_effect": 2.0}, "at most high - low = 1"),
        ({"bounds": (1, 1)}, "bounds must be"),
        ({"smoothing": 1.5}, "smoothing must be"),
    ],
)
def test_bad_arguments_are_named(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ModelfolioError, match=message.replace("(", r"\(")):
        drift_monitor(reference(), **kwargs)  # type: ignore[arg-type]


def test_bad_records_are_named() -> None:
    monitor = drift_monitor(reference())
    with pytest.raises(ModelfolioError, match="model 'x' is not in the reference"):
        observe(monitor, EvalRecord(item=1, model="x", score=1.0))
    with pytest.raises(ModelfolioError, match=r"scored 3\.0, outside bounds"):
        observe(monitor, EvalRecord(item=1, model="m", score=3.0))
    with pytest.raises(ModelfolioError, match="observe takes an EvalRecord"):
        observe(monitor, "m")  # type: ignore[arg-type]
    with pytest.raises(ModelfolioError, match="reference must be a QualityTable"):
        drift_monitor({"m": 0.8})  # type: ignore[arg-type]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 1), max_size=300), st.floats(0.05, 0.95))
def test_wealth_is_positive_and_finite_for_any_scores(scores: list[float], mean: float) -> None:
    monitor = observe(
        drift_monitor(reference(mean), min_effect=0.05),
        [EvalRecord(item=k, model="m", score=s) for k, s in enumerate(scores)],
    )
    evidence = monitor.evidence("m")
    assert 0 < evidence < math.inf
    assert len(monitor.alarms) <= 1
    assert monitor.records == len(scores)


def test_per_tag_expectations_do_not_mistake_a_change_of_mix_for_drift() -> None:
    """RouteLLM's MMLU, fit half and replay half: unchanged models, streams sorted by subject.

    Against the per-subject table neither model raises an alarm; against one model-wide
    expectation the same records (hardest subjects first) do, as docs/drift.md says.
    """
    mmlu = datasets.load("routellm-mmlu")
    fit = Outcomes.from_records(
        r for r in mmlu.outcomes.records() if zlib.crc32(r.item.encode()) % 2
    )
    replay = [r for r in mmlu.outcomes.records() if not zlib.crc32(r.item.encode()) % 2]
    replay.sort(key=lambda r: r.item)  # subject by subject, as the ids sort
    untagged = Outcomes.from_records(
        EvalRecord(item=r.item, model=r.model, score=r.score) for r in fit.records()
    )
    per_subject, model_wide = drift_monitor(fit_quality(fit)), drift_monitor(fit_quality(untagged))
    for model in fit.models:
        stream = [r for r in replay if r.model == model]
        assert len(stream) > 6_000
        assert observe(per_subject, stream).alarms == ()
        alarms = observe(model_wide, stream).alarms
        assert len(alarms) == 1
        assert alarms[0].tag is None
        assert alarms[0].records < 1_000
