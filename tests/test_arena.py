from __future__ import annotations

import math
import random
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from helpers import shared
from modelfolio import Battle, RatingError, ValidationError, bradley_terry
from modelfolio.io import read_battles


def reference_ratings(
    battles: Sequence[tuple[str, str, str]], ties: str = "half"
) -> dict[str, float]:
    """An independent fit: scipy's BFGS on the Bradley-Terry log-likelihood, mean 1000."""
    models = sorted({m for a, b, _ in battles for m in (a, b)})
    index = {m: k for k, m in enumerate(models)}
    credit = np.zeros((len(models), len(models)))
    for a, b, winner in battles:
        i, j = index[a], index[b]
        if winner == "a":
            credit[i, j] += 1
        elif winner == "b":
            credit[j, i] += 1
        elif ties == "half":
            credit[i, j] += 0.5
            credit[j, i] += 0.5
    rows, cols = np.nonzero(credit)
    weights = credit[rows, cols]

    def negative_log_likelihood(theta: np.ndarray) -> tuple[float, np.ndarray]:
        margin = theta[rows] - theta[cols]
        value = np.sum(weights * np.logaddexp(0.0, -margin))
        p = 1.0 / (1.0 + np.exp(-margin))
        g = weights * (1.0 - p)
        gradient = -np.bincount(rows, g, len(models)) + np.bincount(cols, g, len(models))
        return float(value), gradient

    result = minimize(
        negative_log_likelihood,
        np.zeros(len(models)),
        jac=True,
        method="BFGS",
        options={"gtol": 1e-11, "maxiter": 10_000},
    )
    # BFGS stops wherever its line searches happen to stop, which differs between scipy
    # releases (1e-6 Elo in one, 2.5e-6 in another). Polish with Newton steps on the exact
    # Hessian: near the optimum they converge quadratically, so the reference is the
    # maximum-likelihood fit to rounding error whatever the optimiser version, and the
    # assertions below compare against that, not against a version's stopping point.
    theta = result.x - result.x.mean()
    for _ in range(50):
        _, gradient = negative_log_likelihood(theta)
        if float(np.max(np.abs(gradient))) < 1e-12 * max(1.0, float(weights.sum())):
            break
        margin = theta[rows] - theta[cols]
        p = 1.0 / (1.0 + np.exp(-margin))
        h = weights * p * (1.0 - p)
        hessian = np.zeros((len(models), len(models)))
        np.add.at(hessian, (rows, rows), h)
        np.add.at(hessian, (cols, cols), h)
        np.add.at(hessian, (rows, cols), -h)
        np.add.at(hessian, (cols, rows), -h)
        # The likelihood is flat along (1, ..., 1): the pseudo-inverse steps orthogonally.
        theta = theta - np.linalg.pinv(hessian) @ gradient
        theta -= theta.mean()
    ratings = 400.0 * theta / math.log(10.0)
    ratings += 1000.0 - ratings.mean()
    return {m: float(ratings[index[m]]) for m in models}


def random_battles(rng: random.Random, models: int, count: int) -> list[tuple[str, str, str]]:
    strength = [rng.gauss(0, 1) for _ in range(models)]
    battles = []
    for _ in range(count):
        i, j = rng.sample(range(models), 2)
        p = 1 / (1 + math.exp(strength[j] - strength[i]))
        r = rng.random()
        battles.append(
            (f"m{i}", f"m{j}", "tie" if r < 0.1 else ("a" if r < 0.1 + 0.9 * p else "b"))
        )
    return battles


class TestFit:
    def test_matches_an_independent_optimiser(self) -> None:
        battles = random_battles(random.Random(5), 12, 3_000)
        ours = bradley_terry(battles)
        theirs = reference_ratings(battles)
        assert max(abs(ours.rating(m) - theirs[m]) for m in theirs) < 1e-6

    def test_ties_can_be_ignored(self) -> None:
        battles = random_battles(random.Random(6), 6, 800)
        ours = bradley_terry(battles, ties="ignore")
        theirs = reference_ratings(battles, ties="ignore")
        assert max(abs(ours.rating(m) - theirs[m]) for m in theirs) < 1e-6

    def test_scale_base_init_and_anchor(self) -> None:
        battles = random_battles(random.Random(7), 5, 500)
        plain = bradley_terry(battles)
        assert 1000.0 == pytest.approx(sum(plain.ratings.values()) / 5)
        pinned = bradley_terry(battles, anchor=("m0", 1500.0))
        assert 1500.0 == pinned.rating("m0")
        assert plain.rating("m1") - plain.rating("m0") == pytest.approx(
            pinned.rating("m1") - pinned.rating("m0"), abs=1e-9
        )
        natural = bradley_terry(battles, scale=1.0, base=math.e, init=0.0)
        assert natural.predict("m1", "m2") == pytest.approx(plain.predict("m1", "m2"), abs=1e-9)

    def test_predict_matches_the_observed_share_for_two_models(self) -> None:
        ratings = bradley_terry(
            [("x", "y", "a")] * 30 + [("x", "y", "b")] * 10 + [("y", "x", "tie")] * 10
        )
        assert 35 / 50 == pytest.approx(ratings.predict("x", "y"), abs=1e-9)
        assert 1.0 == pytest.approx(ratings.predict("x", "y") + ratings.predict("y", "x"))

    def test_battle_objects_and_tuples_agree(self) -> None:
        battles = random_battles(random.Random(8), 4, 300)
        objects = [Battle(a=a, b=b, winner=w) for a, b, w in battles]  # type: ignore[arg-type]
        assert bradley_terry(battles).ratings == bradley_terry(objects).ratings

    @settings(max_examples=25, deadline=None)
    @given(st.integers(0, 10_000))
    def test_order_of_battles_does_not_matter(self, seed: int) -> None:
        battles = random_battles(random.Random(seed), 4, 200)
        shuffled = list(battles)
        random.Random(seed + 1).shuffle(shuffled)
        try:
            first = bradley_terry(battles)
        except RatingError:
            with pytest.raises(RatingError):
                bradley_terry(shuffled)
            return
        again = bradley_terry(shuffled)
        assert all(
            first.rating(m) == pytest.approx(again.rating(m), abs=1e-9) for m in first.models
        )


class TestErrors:
    def test_disconnected_graph_names_the_components(self) -> None:
        battles = [("a", "b", "a"), ("b", "a", "a"), ("c", "d", "a"), ("d", "c", "a")]
        with pytest.raises(RatingError, match=r"disconnected.*\{a, b\}; \{c, d\}"):
            bradley_terry(battles)

    def test_a_model_that_never_won_is_named(self) -> None:
        battles = [("a", "b", "a"), ("b", "a", "a"), ("c", "a", "b"), ("c", "b", "b")]
        with pytest.raises(RatingError, match=r"infinite.*\{c\}"):
            bradley_terry(battles)

    def test_bad_arguments(self) -> None:
        with pytest.raises(ValidationError, match="winner"):
            bradley_terry([("a", "b", "draw")])
        with pytest.raises(ValidationError, match="two different models"):
            Battle(a="a", b="a", winner="tie")
        with pytest.raises(ValidationError, match="anchor"):
            bradley_terry([("a", "b", "a"), ("b", "a", "a")], anchor=("z", 1.0))
        with pytest.raises(ValidationError, match="base"):
            bradley_terry([("a", "b", "a")], base=1.0)
        with pytest.raises(RatingError, match="at least two"):
            bradley_terry([])


class TestIntervals:
    def test_bootstrap_is_seeded_and_brackets_the_fit(self) -> None:
        battles = random_battles(random.Random(9), 6, 1_500)
        first = bradley_terry(battles, bootstrap=60, seed=3)
        again = bradley_terry(battles, bootstrap=60, seed=3)
        assert first.intervals == again.intervals
        for model in first.models:
            low, high = first.ci(model)
            assert low < first.rating(model) < high

    def test_rank_counts_models_clearly_above(self) -> None:
        battles = random_battles(random.Random(10), 5, 400)
        ratings = bradley_terry(battles, bootstrap=40)
        for model in ratings.models:
            upper = ratings.ci(model)[1]
            assert 1 + sum(1 for m in ratings.models if ratings.ci(m)[0] > upper) == ratings.rank(
                model
            )
        assert 1 == ratings.rank(ratings.models[0])

    def test_views(self) -> None:
        ratings = bradley_terry(random_battles(random.Random(11), 3, 200))
        rows = ratings.to_rows()
        assert [r["model"] for r in rows] == list(ratings.models)
        assert "<table>" in ratings._repr_html_()
        assert repr(ratings).startswith("Ratings(3 models, bootstrap=0)")
        with pytest.raises(ValidationError, match="no rating"):
            ratings.rating("zzz")


class TestRealData:
    def test_arena_2023_matches_the_reference_fit(self) -> None:
        battles = read_battles(shared("arena_2023_votes/human.jsonl"))
        assert 26_919 == len(battles)
        ours = bradley_terry(battles, bootstrap=20, seed=0)
        theirs = reference_ratings(battles)
        assert max(abs(ours.rating(m) - theirs[m]) for m in theirs) < 1e-6
        assert "gpt-4" == ours.models[0]
        assert 1 == ours.rank("gpt-4")
        assert 20 == len(ours.models)

    def test_llmfao_crowd_votes(self) -> None:
        battles = read_battles(shared("llmfao/crowd-comparisons.csv"), a="left", b="right")
        assert 8_931 == len(battles)
        ours = bradley_terry(battles)
        theirs = reference_ratings(battles)
        assert 59 == len(ours.models)
        assert max(abs(ours.rating(m) - theirs[m]) for m in theirs) < 1e-6
        assert "GPT 4" == ours.models[0]


def test_a_long_lopsided_chain_fits_exactly() -> None:
    # 240 models, each beating the next 20 times to 1: MM alone creeps along such a chain
    # (issue 16: 24 s); Newton steps by conjugate gradients finish it.
    battles = []
    for k in range(239):
        battles += [(f"m{k}", f"m{k + 1}", "a")] * 20 + [(f"m{k}", f"m{k + 1}", "b")]
    ratings = bradley_terry(battles)
    gaps = [ratings.rating(f"m{k}") - ratings.rating(f"m{k + 1}") for k in range(239)]
    expected = 400 * math.log10(20)  # P(win) = 20/21 exactly on the Elo scale
    assert all(abs(gap - expected) < 1e-6 for gap in gaps)
