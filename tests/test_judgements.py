"""Judgements against a baseline, length-controlled win rates, and style-controlled ratings.

Fidelity is checked on AlpacaEval 2's own judgements (shipped in the package) against
its published leaderboard; the rest on synthetic judges whose biases are known.
"""

from __future__ import annotations

import json
import math
import pathlib
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import spearmanr

from modelfolio import (
    Battle,
    Judgements,
    ValidationError,
    WinRates,
    bradley_terry,
    datasets,
    style_features,
    win_rates,
)
from modelfolio.io import read_alpaca_eval


@pytest.fixture(scope="module")
def alpaca() -> Any:
    return datasets.load("alpaca-eval")


@pytest.fixture(scope="module")
def rates(alpaca: Any) -> WinRates:
    return win_rates(alpaca.judgements)


def test_raw_win_rates_are_the_published_ones_exactly(alpaca: Any, rates: WinRates) -> None:
    assert len(alpaca.published) == 57
    for model, published in alpaca.published.items():
        assert abs(100 * rates.entry(model).win_rate - published["win_rate"]) < 1e-9


def test_length_controlled_rates_follow_the_published_ones(alpaca: Any, rates: WinRates) -> None:
    models = sorted(alpaca.published)
    ours = [100 * rates.entry(m).lc_win_rate for m in models]
    theirs = [alpaca.published[m]["length_controlled_winrate"] for m in models]
    rho = spearmanr(ours, theirs)[0]
    mean_gap = sum(abs(a - b) for a, b in zip(ours, theirs, strict=True)) / len(models)
    assert rho >= 0.975, rho
    assert mean_gap <= 2.0, mean_gap
    assert rates.entry("gpt4_1106_preview").lc_win_rate == 0.5  # the baseline itself


def test_controlling_length_shrinks_the_verbose_and_concise_spread(rates: WinRates) -> None:
    family = ["gpt-3.5-turbo-1106", "gpt-3.5-turbo-1106_concise", "gpt-3.5-turbo-1106_verbose"]
    raw = [rates.entry(m).win_rate for m in family]
    controlled = [rates.entry(m).lc_win_rate for m in family]
    assert max(controlled) / min(controlled) < max(raw) / min(raw)
    # the null model's constant answer games the judge: controlling for length does not
    # undo a judge fooled by content, and the table shows both figures
    null = rates.entry("NullModel")
    assert null.win_rate > 0.75


def test_the_table_reads_well(rates: WinRates) -> None:
    first = rates.entries[0]
    assert first.lc_win_rate == max(e.lc_win_rate for e in rates.entries)
    for entry in rates.entries:
        assert entry.ci_low <= entry.win_rate <= entry.ci_high
        assert entry.lc_low <= entry.lc_win_rate <= entry.lc_high
    assert "length-controlled" in repr(rates)
    assert "<table" in rates._repr_html_()
    frame = rates.to_frame("pandas")
    assert list(frame["model"]) == list(rates.models)
    assert set(rates.difficulty) == set(range(805))
    ax = rates.plot(top=10)
    assert len(ax.get_yticklabels()) == 10
    import matplotlib.pyplot as plt

    plt.close("all")


def judge(
    rng: random.Random, items: int, models: dict[str, tuple[float, int]], bias: float
) -> Judgements:
    """A judge preferring longer answers by ``bias`` (logit per tanh unit) over true skill."""
    columns: dict[str, list[Any]] = {
        "item": [],
        "model": [],
        "preference": [],
        "model_length": [],
        "baseline_length": [],
    }
    base = [rng.randint(200, 1200) for _ in range(items)]
    hardness = [rng.gauss(0, 1) for _ in range(items)]
    for model, (skill, length) in models.items():
        for item in range(items):
            mine = max(10, int(length * rng.uniform(0.5, 1.5)))
            logit = skill + hardness[item] + bias * math.tanh((mine - base[item]) / 500)
            p = 1 / (1 + math.exp(-logit))
            for name, value in (
                ("item", item),
                ("model", model),
                ("preference", p),
                ("model_length", mine),
                ("baseline_length", base[item]),
            ):
                columns[name].append(value)
    return Judgements.from_columns(baseline="ref", **columns)


def test_a_length_biased_judge_is_seen_through() -> None:
    # equal skill, very different lengths: raw rates differ a lot, controlled ones little
    judged = judge(random.Random(3), 300, {"terse": (0.0, 250), "wordy": (0.0, 1500)}, bias=2.0)
    rates = win_rates(judged)
    raw_gap = rates.entry("wordy").win_rate - rates.entry("terse").win_rate
    controlled_gap = rates.entry("wordy").lc_win_rate - rates.entry("terse").lc_win_rate
    assert raw_gap > 0.3
    assert abs(controlled_gap) < raw_gap / 3
    assert rates.entry("wordy").length_effect > 0.5


@settings(max_examples=25)
@given(seed=st.integers(0, 10_000), factor=st.floats(0.01, 100.0))
def test_length_units_do_not_matter(seed: int, factor: float) -> None:
    """Lengths in characters or tokens (any scale) give the same controlled rates."""
    judged = judge(random.Random(seed), 40, {"x": (0.3, 400), "y": (-0.2, 900)}, bias=1.0)
    scaled = Judgements.from_columns(
        item=judged.item,
        model=judged.model,
        baseline=judged.baseline,
        preference=judged.preference,
        model_length=[v * factor for v in judged.model_length],
        baseline_length=[v * factor for v in judged.baseline_length],
    )
    one, other = win_rates(judged), win_rates(scaled)
    for entry in one.entries:
        twin = other.entry(entry.model)
        assert twin.win_rate == entry.win_rate
        assert twin.lc_win_rate == pytest.approx(entry.lc_win_rate, abs=1e-9)


@settings(max_examples=40)
@given(
    preferences=st.lists(st.floats(0.0, 1.0), min_size=2, max_size=30),
    level=st.floats(0.5, 0.99),
)
def test_the_raw_rate_is_the_mean_preference_inside_its_interval(
    preferences: list[float], level: float
) -> None:
    n = len(preferences)
    judged = Judgements.from_columns(
        item=list(range(n)),
        model=["m"] * n,
        baseline="ref",
        preference=preferences,
        model_length=[100 + k for k in range(n)],
        baseline_length=[120] * n,
    )
    entry = win_rates(judged, level=level).entry("m")
    assert entry.win_rate == pytest.approx(math.fsum(preferences) / n, abs=1e-12)
    assert 0.0 <= entry.ci_low <= entry.win_rate <= entry.ci_high <= 1.0
    assert 0.0 <= entry.lc_low <= entry.lc_win_rate <= entry.lc_high <= 1.0


def test_bad_judgements_are_refused_with_their_values() -> None:
    good: dict[str, Any] = {
        "item": [1, 2],
        "model": ["m", "m"],
        "baseline": "ref",
        "preference": [0.5, 1.0],
        "model_length": [10, 20],
        "baseline_length": [15, 15],
    }
    with pytest.raises(ValidationError, match=r"preference\[1\] must be in \[0, 1\].*got 2"):
        Judgements.from_columns(**{**good, "preference": [0.5, 2]})
    with pytest.raises(ValidationError, match=r"model_length\[0\] is missing"):
        Judgements.from_columns(**{**good, "model_length": [None, 20]})
    with pytest.raises(
        ValidationError, match=r"baseline_length\[1\] must be a length >= 0, got -3"
    ):
        Judgements.from_columns(**{**good, "baseline_length": [15, -3]})
    with pytest.raises(ValidationError, match="preference has 1 values but item has 2"):
        Judgements.from_columns(**{**good, "preference": [0.5]})
    with pytest.raises(
        ValidationError,
        match=r"^judged.csv line 3: \(item, model, baseline\) 1, 'm', 'ref' appears again \(first at judged.csv line 2\)",
    ):
        Judgements.from_columns(
            **{**good, "item": [1, 1]}, origins=["judged.csv line 2", "judged.csv line 3"]
        )
    two = Judgements.from_columns(
        item=[1, 2, 1, 2],
        model=["m", "m", "m", "m"],
        baseline=["ref", "ref", "other", "other"],
        preference=[0.5, 1.0, 0.2, 0.3],
        model_length=[10, 20, 10, 20],
        baseline_length=[15, 15, 15, 15],
    )
    with pytest.raises(
        ValidationError, match="model 'm' is judged against two baselines in one fit"
    ):
        win_rates(two)
    with pytest.raises(ValidationError, match="'m' has 1 judgement"):
        win_rates(
            Judgements.from_columns(
                **{
                    **good,
                    "item": [1],
                    "model": ["m"],
                    "preference": [1],
                    "model_length": [1],
                    "baseline_length": [1],
                }
            )
        )
    with pytest.raises(ValidationError, match="judgements must be Judgements"):
        win_rates([("a", "b")])  # type: ignore[arg-type]


def test_style_on_one_side_only_or_mismatched_is_refused() -> None:
    with pytest.raises(ValidationError, match="style features on one side only"):
        Battle(a="x", b="y", winner="a", style_a={"length": 3})
    with pytest.raises(ValidationError, match="different style features on its two sides"):
        Battle(a="x", b="y", winner="a", style_a={"length": 3}, style_b={"bold": 1})
    with pytest.raises(ValidationError, match=r"style_a\['length'\] must be a number >= 0, got -1"):
        Battle(a="x", b="y", winner="a", style_a={"length": -1}, style_b={"length": 1})
    plain = [Battle(a="x", b="y", winner="a"), Battle(a="y", b="x", winner="a")]
    with pytest.raises(ValidationError, match=r"battle 0 .* has no style features"):
        bradley_terry(plain, style=["length"])
    styled = [
        Battle(a="x", b="y", winner=w, style_a={"length": 10}, style_b={"length": 10})
        for w in ("a", "b")
    ]
    with pytest.raises(ValidationError, match="lacks style feature 'bold'"):
        bradley_terry(styled, style=["length", "bold"])
    with pytest.raises(ValidationError, match="is the same on both sides of every battle"):
        bradley_terry(styled, style=["length"])
    with pytest.raises(ValidationError, match="style must be a sequence"):
        bradley_terry(styled, style="length")


def battles_from(
    rng: random.Random, strengths: dict[str, float], lengths: dict[str, float], bias: float, n: int
) -> list[Battle]:
    names = sorted(strengths)
    made = []
    for _ in range(n):
        a, b = rng.sample(names, 2)
        style_a = style_of(rng, lengths[a])
        style_b = style_of(rng, lengths[b])
        x = (style_a["length"] - style_b["length"]) / (style_a["length"] + style_b["length"])
        p = 1 / (1 + math.exp(-(strengths[a] - strengths[b] + bias * x)))
        made.append(
            Battle(
                a=a, b=b, winner="a" if rng.random() < p else "b", style_a=style_a, style_b=style_b
            )
        )
    return made


def style_of(rng: random.Random, length: float) -> dict[str, float]:
    return {"length": length * rng.uniform(0.5, 1.5), "bold": float(rng.randint(0, 3))}


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10_000), gap=st.floats(0.5, 0.8))
def test_style_control_recovers_the_strengths_a_length_biased_judge_hides(
    seed: int, gap: float
) -> None:
    rng = random.Random(seed)
    # stronger models write shorter answers; the judge rewards length heavily
    strengths = {f"m{k}": gap * (3 - k) for k in range(4)}
    lengths = {f"m{k}": 200.0 * 2**k for k in range(4)}
    battles = battles_from(rng, strengths, lengths, bias=8.0, n=4_000)
    truth = tuple(sorted(strengths, key=strengths.__getitem__, reverse=True))
    plain = bradley_terry(battles)
    controlled = bradley_terry(battles, style=["length", "bold"])
    assert plain.models != truth  # the bias wins without control
    assert controlled.models == truth
    assert controlled.style["length"] > 1.0
    assert abs(controlled.style["bold"]) < 0.2  # the judge ignores bold here


def test_without_style_the_ratings_are_todays_exactly() -> None:
    rng = random.Random(5)
    battles = battles_from(
        rng, {"a": 0.5, "b": 0.0, "c": -0.5}, {"a": 300, "b": 600, "c": 900}, 2.0, 600
    )
    plain_tuples = [(b.a, b.b, b.winner) for b in battles]
    assert bradley_terry(battles, bootstrap=30, seed=2) == bradley_terry(
        plain_tuples, bootstrap=30, seed=2
    )


def test_one_step_bootstrap_intervals_agree_with_full_refits() -> None:
    """The one-step bootstrap's interval widths match refitting on resampled battles."""
    rng = random.Random(11)
    strengths = {"a": 0.6, "b": 0.2, "c": -0.1, "d": -0.7}
    battles = battles_from(rng, strengths, {"a": 300, "b": 500, "c": 700, "d": 900}, 3.0, 2_000)
    fast = bradley_terry(battles, style=["length"], bootstrap=200, seed=1)
    draws: dict[str, list[float]] = {m: [] for m in strengths}
    length_draws = []
    resampler = random.Random(2)
    for _ in range(120):
        sample = [battles[resampler.randrange(len(battles))] for _ in battles]
        refit = bradley_terry(sample, style=["length"])
        for m in strengths:
            draws[m].append(refit.rating(m))
        length_draws.append(refit.style["length"])

    def width(values: list[float]) -> float:
        ordered = sorted(values)
        return ordered[int(0.975 * len(ordered)) - 1] - ordered[int(0.025 * len(ordered))]

    for model in strengths:
        low, high = fast.ci(model)
        assert 0.7 < (high - low) / width(draws[model]) < 1.4, model
    low, high = fast.style_intervals["length"]
    assert 0.7 < (high - low) / width(length_draws) < 1.4


def test_llmfao_ratings_with_and_without_style_control() -> None:
    votes = datasets.load("llmfao")
    assert votes.battles is not None
    controlled = bradley_terry(votes.battles, style=["length", "headers", "list_items", "bold"])
    plain = bradley_terry(votes.battles)
    assert set(controlled.models) == set(plain.models)
    assert controlled.style["length"] > 0  # the crowd prefers longer answers too
    assert controlled.models != plain.models


def test_style_features_count_markdown() -> None:
    text = "## Title\n\n* one\n* **two**\n10) ten\nplain __under__ and **bold**\n#not a header"
    assert style_features(text) == {
        "length": float(len(text)),
        "headers": 1.0,
        "list_items": 3.0,
        "bold": 3.0,
    }
    with pytest.raises(ValidationError, match="text must be a string"):
        style_features(None)  # type: ignore[arg-type]


def test_read_alpaca_eval_annotations(tmp_path: pathlib.Path) -> None:
    rows = [
        {
            "instruction": f"q{k}",
            "output_1": "b" * (100 + k),
            "generator_1": "gpt4_1106_preview",
            "output_2": "m" * (50 + 10 * k),
            "generator_2": "mine",
            "dataset": "helpful_base",
            "preference": [1.0, 2.0, 0, 1.7][k],
            "annotator": "weighted_alpaca_eval_gpt4_turbo",
        }
        for k in range(4)
    ]
    path = tmp_path / "annotations.json"
    path.write_text(json.dumps(rows))
    judged = read_alpaca_eval(path)
    assert judged.preference == pytest.approx((0.0, 1.0, 0.5, 0.7))
    assert judged.model_length == (50.0, 60.0, 70.0, 80.0)
    assert judged.baseline_length == (100.0, 101.0, 102.0, 103.0)
    assert judged.baselines == ("gpt4_1106_preview",)
    assert all(tags == frozenset({"helpful_base"}) for tags in judged.tags)
    missing = [*rows, {**rows[0], "instruction": "q9", "preference": None}]
    path.write_text(json.dumps(missing))
    with pytest.raises(ValidationError, match="annotation 4: no preference"):
        read_alpaca_eval(path)
    assert len(read_alpaca_eval(path, skip_missing=True)) == 4
    path.write_text(json.dumps([{**rows[0], "preference": 3}]))
    with pytest.raises(ValidationError, match=r"annotation 0: preference 3 is not in \[1, 2\]"):
        read_alpaca_eval(path)
    path.write_text(json.dumps({"not": "a list"}))
    with pytest.raises(ValidationError, match="is a JSON array"):
        read_alpaca_eval(path)
