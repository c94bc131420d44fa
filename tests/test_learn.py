from __future__ import annotations

import hashlib
import itertools
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import ROUTERBENCH_MODELS, routerbench_parts, shared
from modelfolio import (
    Bridge,
    Curve,
    Outcomes,
    Point,
    Request,
    ValidationError,
    aiq,
    apgr,
    best_within,
    calibrate_threshold,
    cascade,
    cpt,
    fit_quality,
    learned_policy,
    optimize_cascade,
    quality_floor,
    reference_catalog,
    route,
    simulate,
    sweep,
    threshold_router,
)
from modelfolio.io import read_outcomes_wide


def synthetic(items: int = 400, seed: int = 0) -> Outcomes:
    """Three models: cheap and good at 'easy', mid, dear and good at everything."""
    rng = random.Random(seed)
    skill = {
        "cheap": {"easy": 0.9, "hard": 0.3},
        "mid": {"easy": 0.92, "hard": 0.6},
        "dear": {"easy": 0.97, "hard": 0.9},
    }
    price = {"cheap": 0.001, "mid": 0.004, "dear": 0.02}
    columns: dict[str, list[object]] = {
        "item": [],
        "model": [],
        "score": [],
        "cost": [],
        "tags": [],
    }
    kinds = ["easy" if rng.random() < 0.6 else "hard" for _ in range(items)]
    for model in skill:
        for i, kind in enumerate(kinds):
            columns["item"].append(i)
            columns["model"].append(model)
            columns["score"].append(1.0 if rng.random() < skill[model][kind] else 0.0)
            columns["cost"].append(price[model])
            columns["tags"].append({kind})
    return Outcomes.from_columns(**columns)  # type: ignore[arg-type]


class TestQualityTable:
    def test_entries_per_tag_and_model_wide(self) -> None:
        table = synthetic()
        quality = fit_quality(table)
        easy = quality.entries[("cheap", "easy")]
        wide = quality.entries[("cheap", None)]
        assert 400 == wide.n
        assert easy.n + quality.entries[("cheap", "hard")].n == wide.n
        assert easy.ci_low < easy.mean < easy.ci_high
        assert 0.001 == pytest.approx(quality.cost_per_item["cheap"])
        assert quality.quality("cheap", ["unknown-tag"]) == wide.mean
        assert ("cheap", "easy") in quality.as_mapping()
        assert len(quality.to_rows()) == 9

    def test_bad_use_is_named(self) -> None:
        with pytest.raises(ValidationError, match="use"):
            fit_quality(synthetic()).quality("cheap", use="median")


class TestRouters:
    def test_quality_floor_picks_the_cheapest_good_enough_model(self) -> None:
        quality = fit_quality(synthetic())
        router = quality_floor(quality, 0.85)
        assert ("cheap",) == router.choose(1, frozenset({"easy"}))
        assert ("dear",) == router.choose(2, frozenset({"hard"}))
        # nobody reaches 0.99: the best is taken
        assert ("dear",) == quality_floor(quality, 0.99).choose(3, frozenset({"hard"}))

    def test_lower_bound_is_more_careful(self) -> None:
        quality = fit_quality(synthetic(items=60))
        floor = quality.entries[("cheap", "easy")].mean - 0.01
        assert ("cheap",) == quality_floor(quality, floor).choose(1, frozenset({"easy"}))
        assert ("cheap",) != quality_floor(quality, floor, use="lower").choose(
            1, frozenset({"easy"})
        )

    def test_best_within_a_budget(self) -> None:
        quality = fit_quality(synthetic())
        assert ("mid",) == best_within(quality, 0.005).choose(1, frozenset({"hard"}))
        assert ("cheap",) == best_within(quality, 0.0001).choose(1, frozenset({"hard"}))

    @given(
        st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=200, unique=True),
        st.floats(0, 1),
    )
    def test_calibrated_threshold_sends_the_share(self, scores: list[float], share: float) -> None:
        threshold = calibrate_threshold(scores, share)
        assert round(share * len(scores)) == sum(1 for s in scores if s >= threshold)

    def test_cascade_escalates_and_costs_every_step(self) -> None:
        table = synthetic(items=50)
        accept = {(i, "cheap"): 0.9 if i % 2 else 0.1 for i in range(50)}
        router = cascade(
            [("cheap", 0.5), ("dear", 0.0)],
            acceptance=lambda item, model: accept.get((item, model), 1.0),
        )
        report = simulate(router, table)
        assert ("cheap", "dear") == report.choices[0]
        assert "cheap" == report.choices[1]
        assert 1.0 == report.shares["cheap"]
        assert 0.5 == report.shares["dear"]
        assert report.cost == pytest.approx(50 * 0.001 + 25 * 0.02)

    def test_steps_may_carry_their_own_acceptance(self) -> None:
        router = cascade(
            [
                ("cheap", 0.5, lambda q, m: 0.9 if q == "easy" else 0.1),
                ("dear", 0.0, lambda q, m: 1.0),
            ]
        )
        assert ("cheap",) == router.choose("easy", frozenset())
        assert ("cheap", "dear") == router.choose("hard", frozenset())
        with pytest.raises(ValidationError, match="no acceptance function"):
            cascade([("cheap", 0.5), ("dear", 0.0)])

    def test_validation(self) -> None:
        with pytest.raises(ValidationError, match="once"):
            cascade([("a", 0.5), ("a", 0.1)], acceptance=lambda q, m: 1.0)
        with pytest.raises(ValidationError, match="strong_share"):
            calibrate_threshold([0.5], 1.5)
        with pytest.raises(ValidationError, match="no outcomes"):
            simulate(
                threshold_router(lambda q: 1.0, strong="nobody", weak="cheap", threshold=0.5),
                synthetic(10),
            )


class TestOptimizeCascade:
    def test_respects_the_budget_and_beats_single_models_it_can_afford(self) -> None:
        table = synthetic(items=300, seed=2)
        rng = random.Random(4)
        scores = {
            (table.items[table.item[r]], table.models[table.model[r]]): table.score[r]
            for r in range(len(table))
        }
        acceptance = {key: value * 0.6 + rng.random() * 0.4 for key, value in scores.items()}
        router = optimize_cascade(
            table, lambda item, model: acceptance[(item, model)], budget=0.008
        )
        report = simulate(router, table)
        assert report.cost_per_item <= 0.008 + 1e-12
        for single in ("cheap", "mid"):
            assert report.quality >= report.baselines[single].quality

    def test_matches_exhaustive_search_on_a_small_grid(self) -> None:
        table = synthetic(items=80, seed=5)
        rng = random.Random(6)
        acceptance = {(i, m): rng.random() for i in range(80) for m in table.models}
        accept = lambda item, model: acceptance[(item, model)]  # noqa: E731
        budget = 0.006
        found = simulate(optimize_cascade(table, accept, budget=budget, max_steps=2, grid=4), table)
        best = -1.0
        order = sorted(table.models, key=lambda m: fit_quality(table).cost_per_item[m])
        for length in (1, 2):
            for sequence in itertools.combinations(order, length):
                grids = []
                for m in sequence[:-1]:
                    values = sorted(acceptance[(i, m)] for i in range(80))
                    grids.append(
                        sorted({values[min(79, round(q / 4 * 79))] for q in range(5)} | {-math.inf})
                    )
                for thresholds in itertools.product(*grids):
                    steps = list(zip(sequence, (*thresholds, 0.0), strict=True))
                    report = simulate(cascade(steps, acceptance=accept), table)
                    if report.cost_per_item <= budget * (1 + 1e-12):
                        best = max(best, report.quality)
        assert best == pytest.approx(found.quality)


class TestSimulate:
    def test_baselines(self) -> None:
        table = synthetic()
        report = simulate(quality_floor(fit_quality(table), 0.8), table)
        baselines = report.baselines
        assert all(baselines["oracle"].quality >= baselines[m].quality for m in table.models)
        assert baselines["random"].quality == pytest.approx(
            sum(baselines[m].quality for m in table.models) / 3
        )
        assert baselines["cheap"].cost == pytest.approx(0.4)
        assert report.n == 400
        assert 0 == report.skipped
        assert {"router", "oracle", "random", "cheap", "mid", "dear"} == {
            row["name"] for row in report.to_rows()
        }
        assert "<table>" in report._repr_html_()

    def test_items_missing_a_model_are_skipped(self) -> None:
        table = Outcomes.from_columns(item=[1, 1, 2], model=["a", "b", "a"], score=[1, 0, 1])
        report = simulate(
            threshold_router(lambda q: 0.0, strong="a", weak="b", threshold=1.0), table
        )
        assert (1, 1) == (report.n, report.skipped)

    def test_sweep_and_views(self) -> None:
        table = synthetic()
        quality = fit_quality(table)
        curve = sweep(lambda floor: quality_floor(quality, floor), [0.0, 0.5, 0.8, 0.95], table)
        assert [0.0, 0.5, 0.8, 0.95] == [p.knob for p in curve.points]
        assert curve.points[0].quality <= curve.points[-1].quality
        assert 4 == len(curve.to_rows())
        assert "<table>" in curve._repr_html_()


class TestMetrics:
    def line(self, shares: list[float], weak: float = 0.6, strong: float = 0.8) -> Curve:
        points = tuple(
            Point(quality=weak + s * (strong - weak), cost=s, shares={"s": s, "w": 1 - s})
            for s in shares
        )
        baselines = {"w": Point(quality=weak, cost=0.0), "s": Point(quality=strong, cost=1.0)}
        return Curve(points=points, baselines=baselines, n=1)

    def test_random_router_scores_half(self) -> None:
        curve = self.line([0.1, 0.3, 0.7])
        assert 0.5 == pytest.approx(apgr(curve, weak="w", strong="s"))
        assert 0.25 == pytest.approx(cpt(curve, 0.25, weak="w", strong="s"))

    def test_a_perfect_router_recovers_more(self) -> None:
        points = (Point(quality=0.8, cost=0.2, shares={"s": 0.2}),)
        curve = Curve(
            points=points,
            baselines={"w": Point(quality=0.6, cost=0), "s": Point(quality=0.8, cost=1)},
            n=1,
        )
        assert 0.9 == pytest.approx(apgr(curve, weak="w", strong="s"))
        assert 0.1 == pytest.approx(cpt(curve, 0.5, weak="w", strong="s"))

    def test_aiq_of_a_flat_and_a_hull(self) -> None:
        assert 0.7 == aiq(Curve(points=(Point(quality=0.7, cost=1.0),), baselines={}, n=1))
        points = tuple(
            Point(quality=q, cost=c) for c, q in [(0, 0.5), (1, 0.9), (2, 0.6), (3, 0.8)]
        )
        assert (0.5 + 0.9) / 2 / 3 + 2 * 0.9 / 3 == pytest.approx(
            aiq(Curve(points=points, baselines={}, n=1))
        )

    @settings(max_examples=50)
    @given(st.lists(st.tuples(st.floats(0, 10), st.floats(0, 1)), min_size=1, max_size=20))
    def test_aiq_lies_between_the_worst_and_best_quality(
        self, pairs: list[tuple[float, float]]
    ) -> None:
        curve = Curve(points=tuple(Point(quality=q, cost=c) for c, q in pairs), baselines={}, n=1)
        value = aiq(curve)
        assert min(q for _, q in pairs) - 1e-9 <= value <= max(q for _, q in pairs) + 1e-9


class TestWrittenOnce:
    def test_the_same_router_replays_offline_and_routes_online(self) -> None:
        table = synthetic()
        router = quality_floor(fit_quality(table), 0.85)
        bridge = Bridge(
            {
                "cheap": "gemini-2.5-flash-lite",
                "mid": "gpt-5-mini",
                "dear": ["anthropic/claude-sonnet-4-5"],
            }
        )
        offline = simulate(router, table)
        policy = learned_policy(router, bridge)
        catalog = reference_catalog()
        for tags, model in ((frozenset({"easy"}), "cheap"), (frozenset({"hard"}), "dear")):
            assert model in offline.choices.values()
            decision = route(
                Request(input_tokens=500, output_tokens=100, tags=tags), catalog, policy, now=0.0
            )
            assert decision.chosen in bridge.deployments(model, catalog)
            assert len(decision.fallbacks) == 2

    def test_bridge_errors_name_the_model(self) -> None:
        bridge = Bridge({"cheap": "no-such-model"})
        with pytest.raises(ValidationError, match="no-such-model"):
            bridge.deployments("cheap", reference_catalog())
        with pytest.raises(ValidationError, match="'mid'"):
            bridge.deployments("mid", reference_catalog())


class TestRealData:
    @pytest.mark.parametrize("task", ["arc_challenge", "mbpp", "winograde"])
    def test_routerbench_fit_on_train_replay_on_test(self, task: str) -> None:
        parts = routerbench_parts(task)
        quality = fit_quality(parts["train"])
        curve = sweep(
            lambda floor: quality_floor(quality, floor), [k / 20 for k in range(21)], parts["test"]
        )
        baselines = curve.baselines
        assert set(ROUTERBENCH_MODELS) | {"oracle", "random"} == set(baselines)
        best_single = max(baselines[m].quality for m in ROUTERBENCH_MODELS)
        assert baselines["oracle"].quality >= best_single
        assert max(p.quality for p in curve.points) >= best_single - 0.05
        cheapest_point = min(curve.points, key=lambda p: p.cost)
        assert cheapest_point.cost <= min(baselines[m].cost for m in ROUTERBENCH_MODELS) * 1.01
        assert 0 < aiq(curve) <= baselines["oracle"].quality

    def test_mmlu_per_subject_floor_router_beats_random(self) -> None:
        folder = shared("routellm/mmlu_responses")
        strong, weak = "gpt-4-1106-preview", "mistralai/Mixtral-8x7B-Instruct-v0.1"
        tables = [
            read_outcomes_wide(
                path,
                item="prompt",
                models=[weak, strong],
                add_tags=[path.stem[5:]],
                item_prefix=path.stem + ":",
                duplicates="merge",
            )
            for path in sorted(folder.glob("mmlu_*.csv"))
        ]
        mmlu = Outcomes.concat(tables).assign(
            cost={strong: 0.01, weak: 0.0006},
            split=lambda item: (
                "fit" if hashlib.sha256(str(item).encode()).digest()[0] % 2 == 0 else "replay"
            ),
        )
        quality = fit_quality(mmlu.subset(split="fit"))
        curve = sweep(
            lambda floor: quality_floor(quality, floor),
            [k / 50 for k in range(51)],
            mmlu.subset(split="replay"),
        )
        assert 0.6 < apgr(curve, weak=weak, strong=strong)  # a random router scores 0.5
        assert cpt(curve, 0.5, weak=weak, strong=strong) < 0.4  # a random router needs 0.5


def test_curve_plot_draws_or_says_what_to_install() -> None:
    table = synthetic(items=40)
    quality = fit_quality(table)
    curve = sweep(lambda floor: quality_floor(quality, floor), [0.0, 0.9], table)
    try:
        import matplotlib
    except ImportError:
        with pytest.raises(ImportError, match=r"modelfolio\[plot\]"):
            curve.plot()
        return
    matplotlib.use("Agg")
    ax = curve.plot()
    assert "quality" == ax.get_ylabel()


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    items=st.integers(1, 60),
    tag_count=st.integers(0, 4),
    graded=st.booleans(),
    family=st.sampled_from(["floor", "lower", "within", "cascade"]),
    knobs=st.lists(st.floats(-0.5, 1.5, allow_nan=False), min_size=1, max_size=8),
    holes=st.booleans(),
)
def test_sweep_equals_a_loop_of_simulate(
    seed: int,
    items: int,
    tag_count: int,
    graded: bool,
    family: str,
    knobs: list[float],
    holes: bool,
) -> None:
    """The tag-grouped sweep gives exactly what replaying every router item by item gives."""
    rng = random.Random(seed)
    models = ["a", "b", "c"]
    tags = [f"t{k}" for k in range(tag_count)]
    columns: dict[str, list[object]] = {
        "item": [],
        "model": [],
        "score": [],
        "cost": [],
        "tags": [],
    }
    item_tags = [frozenset(rng.sample(tags, rng.randint(0, len(tags)))) for _ in range(items)]
    for model in models:
        for i in range(items):
            if holes and rng.random() < 0.1 and i:  # some items miss a model: not replayed
                continue
            columns["item"].append(i)
            columns["model"].append(model)
            columns["score"].append(round(rng.random(), 2) if graded else float(rng.random() < 0.6))
            columns["cost"].append(rng.choice([0.0, 1e-7, 0.001, 0.1 / 3, rng.random() / 100]))
            columns["tags"].append(item_tags[i])
    table = Outcomes.from_columns(**columns)  # type: ignore[arg-type]
    quality = fit_quality(table)

    def make(knob: float) -> object:
        if family == "floor":
            return quality_floor(quality, knob)
        if family == "lower":
            return quality_floor(quality, knob, use="lower")
        if family == "within":
            return best_within(quality, abs(knob) / 10)
        # reads each item's id: not a tag router, so the sweep replays it item by item
        return cascade(
            [("a", knob), ("c", 0.0)], acceptance=lambda query, model: (query * 37 % 100) / 100
        )

    try:
        expected_reports = [simulate(make(k), table) for k in knobs]  # type: ignore[arg-type]
    except ValidationError:
        with pytest.raises(ValidationError):
            sweep(make, knobs, table)  # type: ignore[arg-type]
        return
    curve = sweep(make, knobs, table)  # type: ignore[arg-type]
    assert curve.n == expected_reports[-1].n
    assert curve.baselines == expected_reports[-1].baselines
    for point, report, knob in zip(curve.points, expected_reports, knobs, strict=True):
        assert point.knob == knob
        assert point.quality == report.quality  # exactly: counts and sums
        assert point.cost == report.cost
        assert dict(point.shares) == dict(report.shares)
