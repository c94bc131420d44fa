"""The ratings' bootstrap: tabled Poisson draws and the one-step (linearised) resample fit."""

from __future__ import annotations

import itertools
import math
import random
from bisect import bisect_right
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from helpers import shared
from modelfolio import Battle, ValidationError, bradley_terry, datasets, summarize_battles
from modelfolio._evaluation import arena
from modelfolio._evaluation.stats import (
    TABLE_MEAN_LIMIT,
    PoissonCells,
    _direct_table,
    _inversion_table,
)
from modelfolio.io import read_battles
from test_arena import random_battles


def poisson_cdf(mean: float, upto: int) -> list[float]:
    """P(X <= k) for k = 0..upto, summed from the probability function."""
    out, total = [], 0.0
    for k in range(upto + 1):
        total += (
            math.exp(-mean + k * math.log(mean) - math.lgamma(k + 1)) if mean else float(k == 0)
        )
        out.append(total)
    return out


@contextmanager
def refitting() -> Iterator[None]:
    """Every bootstrap inside refits its resamples, as before the one-step bootstrap."""
    saved = arena.ONE_STEP_FROM
    arena.ONE_STEP_FROM = math.inf
    try:
        yield
    finally:
        arena.ONE_STEP_FROM = saved


class TestPoissonCells:
    @settings(max_examples=60, deadline=None)
    @given(
        st.one_of(
            st.integers(1, 3_000).map(float),
            st.floats(0.001, 3_000.0, allow_nan=False),
        )
    )
    def test_a_table_is_the_distribution_to_32_bits(self, mean: float) -> None:
        low, table = _inversion_table(mean)
        exact = poisson_cdf(mean, low + len(table) + 5)
        assert table[-1] == 1 << 32
        assert all(a <= b for a, b in itertools.pairwise(table))
        # A draw u in [0, 2**32) gives low + (number of entries <= u): P(X <= low + m) is
        # table[m] / 2**32, and everything below low is unreachable.
        for m, entry in enumerate(table):
            assert abs(entry / 2**32 - exact[low + m]) < 2.0**-31
        if low:
            assert exact[low - 1] < 2.0**-31

    @settings(max_examples=60, deadline=None)
    @given(st.floats(0.01, 600.0, allow_nan=False))
    def test_the_12_bit_shortcut_gives_the_32_bit_inversion(self, mean: float) -> None:
        _, cdf = _inversion_table(mean)
        direct = _direct_table(cdf)
        assert len(direct) == 4_096
        for prefix in range(4_096):
            first = bisect_right(cdf, prefix << 20)
            last = bisect_right(cdf, (prefix << 20) | 0xFFFFF)
            if direct[prefix] == 255:
                assert first != last or len(cdf) >= 255
            else:
                assert direct[prefix] == first == last

    def test_draws_are_seeded_and_have_the_right_moments(self) -> None:
        means = [0.0, 0.4, 7.5, 120.0, 5_000.0] * 4_000
        first = PoissonCells(means).draw(random.Random(4))
        assert first == PoissonCells(means).draw(random.Random(4))
        assert first != PoissonCells(means).draw(random.Random(5))
        for k, mean in enumerate((0.0, 0.4, 7.5, 120.0, 5_000.0)):
            values = first[k::5]
            average = sum(values) / len(values)
            variance = sum((v - average) ** 2 for v in values) / (len(values) - 1)
            if mean == 0:
                assert set(values) == {0}
                continue
            # Five standard errors (the draws are seeded, so this never flips).
            assert abs(average - mean) < 5 * math.sqrt(mean / len(values))
            assert abs(variance / mean - 1) < 5 * math.sqrt(2 / len(values)) + 1 / mean

    def test_means_beyond_the_tables_are_drawn_one_by_one(self) -> None:
        big = 4 * TABLE_MEAN_LIMIT
        values = PoissonCells([big, 3.0, big]).draw(random.Random(1))
        assert abs(values[0] - big) < 6 * math.sqrt(big)
        assert abs(values[2] - big) < 6 * math.sqrt(big)
        assert values[0] != values[2]
        assert 0 <= values[1] < 30
        assert PoissonCells([]).draw(random.Random(1)) == []

    @pytest.mark.parametrize("mean", [-1.0, math.nan, math.inf])
    def test_bad_means_are_refused(self, mean: float) -> None:
        with pytest.raises(ValueError, match="finite and >= 0"):
            PoissonCells([1.0, mean])


def newton_step(
    counts: arena._Counts, values: list[int], one_step: arena._OneStep, ties: str
) -> list[float]:
    """θ̂ + H⁻¹ ∇ℓ*(θ̂) computed from the resample's own counts, with numpy."""
    resampled = {key: list(cells) for key, cells in counts.pairs.items()}
    for (i, j, kind), value in zip(one_step.cells, values, strict=True):
        resampled[(i, j)][kind] = float(value)
    rows, totals = arena._Counts(counts.models, resampled).credits(ties)
    theta = one_step.theta
    size = len(theta)
    gradient = np.array(totals, dtype=float)
    hessian = np.zeros((size, size))
    for (i, j), pair in counts.pairs.items():
        p = 1 / (1 + math.exp(theta[j] - theta[i]))
        n = pair[0] + pair[1] + (pair[2] if ties == "half" else 0.0)
        hessian[i, i] += n * p * (1 - p)
        hessian[j, j] += n * p * (1 - p)
        hessian[i, j] -= n * p * (1 - p)
        hessian[j, i] -= n * p * (1 - p)
    for i, j, ci, cj in rows:
        p = 1 / (1 + math.exp(theta[j] - theta[i]))
        gradient[i] -= (ci + cj) * p
        gradient[j] -= (ci + cj) * (1 - p)
    step = np.linalg.solve(hessian[:-1, :-1], gradient[:-1])
    return [*(np.array(theta[:-1]) + step), theta[-1]]


def test_tuples_and_battles_tally_alike() -> None:
    battles = random_battles(random.Random(4), 5, 3_000)
    as_battles = [Battle(a=a, b=b, winner=w) for a, b, w in battles]  # type: ignore[arg-type]
    assert bradley_terry(battles) == bradley_terry(as_battles)
    assert bradley_terry(tuple(battles)) == bradley_terry(iter(battles))
    with pytest.raises(ValidationError, match=r"tuples, got \('m1', 'm2'\)"):
        bradley_terry([*battles[:5], ("m1", "m2"), *battles[5:]])
    with pytest.raises(ValidationError, match="winner"):
        bradley_terry([*battles, ("m1", "m2", "left-ish")])
    with pytest.raises(ValidationError, match="two different models"):
        bradley_terry([*battles, ("m1", "m1", "a")])
    with pytest.raises(TypeError, match="unhashable"):
        bradley_terry([*battles, (["m1"], "m2", "a")])


class TestOneStep:
    @settings(max_examples=60, deadline=None)
    @given(
        st.integers(0, 10_000),
        st.integers(3, 7),
        st.sampled_from(["half", "ignore"]),
        st.data(),
    )
    def test_a_sample_is_a_newton_step_on_the_resample(
        self, seed: int, models: int, ties: str, data: st.DataObject
    ) -> None:
        battles = random_battles(random.Random(seed), models, 40 * models)
        counts = arena._aggregate(battles)
        rows, totals = counts.credits(ties)
        assume(len(counts.models) >= 3 and arena._strongly_connected(len(counts.models), rows))
        theta = arena._fit(len(counts.models), rows, totals, None, 1e-10, polish=True)
        one_step = arena._OneStep(counts, theta, ties)
        values = data.draw(
            st.lists(st.integers(0, 60), min_size=len(one_step.cells), max_size=len(one_step.cells))
        )
        ours = one_step.sample(values)
        theirs = newton_step(counts, values, one_step, ties)
        assert max(abs(a - b) for a, b in zip(ours, theirs, strict=True)) < 1e-9
        # The resample equal to the data is the fit itself.
        assert (
            max(abs(a - b) for a, b in zip(one_step.sample(one_step.means), theta, strict=True))
            < 1e-12
        )

    def test_only_well_measured_ratings_use_it(self) -> None:
        llmfao = datasets.load("llmfao").battles
        counts = arena._aggregate(llmfao)
        rows, totals = counts.credits("half")
        theta = arena._fit(len(counts.models), rows, totals, None, 1e-10, polish=True)
        assert not arena._one_step_applies(len(counts.models), rows, theta)
        many = random_battles(random.Random(2), 6, 30_000)
        counts = arena._aggregate(many)
        rows, totals = counts.credits("half")
        theta = arena._fit(len(counts.models), rows, totals, None, 1e-10, polish=True)
        assert arena._one_step_applies(len(counts.models), rows, theta)
        assert not arena._one_step_applies(arena.ONE_STEP_MAX_MODELS + 1, rows, theta)

    def test_small_data_keeps_the_refitted_intervals(self) -> None:
        """Below ONE_STEP_FROM the intervals are the refitted ones, exactly as before."""
        battles = datasets.load("llmfao").battles
        default = bradley_terry(battles, bootstrap=30, seed=5)
        with refitting():
            refitted = bradley_terry(battles, bootstrap=30, seed=5)
        assert default.intervals == refitted.intervals

    @pytest.mark.parametrize("ties", ["half", "ignore"])
    def test_intervals_agree_with_refits(self, ties: str) -> None:
        battles = random_battles(random.Random(8), 8, 40_000)
        one_step = bradley_terry(battles, bootstrap=400, seed=1, ties=ties)  # type: ignore[arg-type]
        with refitting():
            refits = [
                bradley_terry(battles, bootstrap=400, seed=s, ties=ties)  # type: ignore[arg-type]
                for s in (1, 2)
            ]
        # The one-step endpoints are as close to one refitted run's as a second refitted
        # run's are (Monte Carlo error), and the widths match within it.
        mc = max(
            abs(refits[0].ci(m)[e] - refits[1].ci(m)[e]) for m in refits[0].models for e in (0, 1)
        )
        gap = max(
            abs(refits[0].ci(m)[e] - one_step.ci(m)[e]) for m in refits[0].models for e in (0, 1)
        )
        assert gap < 2 * mc
        for m in one_step.models:
            width = one_step.ci(m)[1] - one_step.ci(m)[0]
            assert 0.8 < width / (refits[0].ci(m)[1] - refits[0].ci(m)[0]) < 1.25
            assert one_step.ci(m)[0] < one_step.rating(m) < one_step.ci(m)[1]

    def test_arena_2023_uses_it_and_agrees_with_refits(self) -> None:
        battles = read_battles(shared("arena_2023_votes/human.jsonl"))
        with refitting():
            old = bradley_terry(battles, bootstrap=300, seed=0)
        new = bradley_terry(battles, bootstrap=300, seed=0)
        again = bradley_terry(summarize_battles(battles), bootstrap=300, seed=0)
        assert new == again  # seeded, and the same from a summary
        assert old.ratings == new.ratings
        counts = arena._aggregate(battles)
        rows, totals = counts.credits("half")
        theta = arena._fit(len(counts.models), rows, totals, None, 1e-10, polish=True)
        assert arena._one_step_applies(len(counts.models), rows, theta)
        for m in old.models:
            width = old.ci(m)[1] - old.ci(m)[0]
            assert abs(new.ci(m)[0] - old.ci(m)[0]) < 0.35 * width
            assert abs(new.ci(m)[1] - old.ci(m)[1]) < 0.35 * width
        assert [new.rank(m) for m in new.models][:3] == [old.rank(m) for m in old.models][:3]
