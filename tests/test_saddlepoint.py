"""The saddlepoint readings of the bootstrap and the sign-flip test (issue 16's speed).

Above 512 distinct values, ``leaderboard`` and ``compare`` read the Poisson-bootstrap
interval and the sign-flip p-value from saddlepoint approximations instead of Monte
Carlo rounds. These tests hold them to independent references: numpy Monte Carlo with
many more rounds than the library ever used (compared at a tolerance several times the
reference's own Monte Carlo error), and invariants that any interval of a mean has.
"""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from modelfolio import Outcomes, compare, leaderboard
from modelfolio._evaluation.stats import bootstrap_mean_interval, counts_of, sign_flip_p
from modelfolio._evaluation.summary import exact_mean

np = pytest.importorskip("numpy", reason="the Monte Carlo references need numpy (test extra)")


def _samples() -> dict[str, list[float]]:
    rng = random.Random(20261123)
    return {
        "uniform 0-10, n=2,000": [rng.random() * 10 for _ in range(2_000)],
        "exponential, n=800": [rng.expovariate(1.0) for _ in range(800)],
        "Pareto 1.5 (heavy tail), n=1,500": [rng.paretovariate(1.5) for _ in range(1_500)],
        "two clusters 0 and 10, n=1,000": [rng.choice((0.0, 10.0)) + rng.random() / 10 for _ in range(1_000)],
        "rubric 0-4 with jitter and ties, n=3,000": [
            float(rng.randint(0, 4)) + (rng.choice((0.0, 0.25, 0.5)) if rng.random() < 0.3 else 0.0) + rng.randint(0, 199) / 1000
            for _ in range(3_000)
        ],
    }  # fmt: skip


def _reference_interval(counts: dict[float, int], level: float, rounds: int) -> tuple[float, float]:
    """numpy Poisson bootstrap: each distinct value weighted Poisson(its count)."""
    generator = np.random.default_rng(7)
    values = np.array(list(counts))
    number = np.array([counts[v] for v in counts], dtype=float)
    means = []
    for start in range(0, rounds, 2_000):
        weights = generator.poisson(number, size=(min(2_000, rounds - start), len(values)))
        means.append((weights @ values) / weights.sum(axis=1))
    draws = np.concatenate(means)
    tail = (1 - level) / 2
    return float(np.quantile(draws, tail)), float(np.quantile(draws, 1 - tail))


@pytest.mark.parametrize("name", list(_samples()))
@pytest.mark.parametrize("level", [0.95, 0.8])
def test_bootstrap_interval_matches_a_large_monte_carlo(name: str, level: float) -> None:
    counts = counts_of(_samples()[name])
    assert len(counts) > 512
    low, high = bootstrap_mean_interval(counts, level)
    ref_low, ref_high = _reference_interval(counts, level, 40_000)
    width = ref_high - ref_low
    print(
        f"{name} @ {level}: saddlepoint [{low:.5f}, {high:.5f}], 40,000 rounds [{ref_low:.5f}, {ref_high:.5f}]"
    )
    # 40,000 rounds put a 2.5% quantile within about 0.4% of the width (one standard error).
    assert abs(low - ref_low) < 0.02 * width
    assert abs(high - ref_high) < 0.02 * width


@pytest.mark.parametrize("shift", [0.0, 0.03, 0.06, 0.1])
def test_sign_flip_p_matches_a_large_monte_carlo(shift: float) -> None:
    rng = random.Random(int(shift * 1000))
    differences = [rng.gauss(shift, 1.0) for _ in range(1_500)]
    magnitudes = counts_of([abs(d) for d in differences])
    observed = abs(math.fsum(differences))
    p = sign_flip_p(magnitudes, observed)
    generator = np.random.default_rng(11)
    sizes = np.abs(np.array(differences))
    rounds, extreme = 200_000, 0
    for _ in range(rounds // 10_000):
        signs = generator.integers(0, 2, size=(10_000, len(sizes)), dtype=np.int8) * 2 - 1
        extreme += int((np.abs(signs @ sizes) >= observed).sum())
    reference = extreme / rounds
    error = math.sqrt(max(reference * (1 - reference), 1e-5) / rounds)
    print(f"shift {shift}: saddlepoint p={p:.5f}, 200,000 sign flips p={reference:.5f}")
    assert abs(p - reference) < 5 * error + 0.01 * reference


def test_sign_flip_p_edges() -> None:
    assert sign_flip_p({}, 0.0) == 1.0  # no nonzero difference
    assert sign_flip_p({1.0: 3, 2.0: 4}, 0.0) == 1.0
    # every difference the same sign: exactly two of the 2^n sign patterns are as extreme
    assert sign_flip_p({1.0: 3, 2.0: 4}, 11.0) == pytest.approx(2 / 2**7)
    ps = [sign_flip_p({float(v): 1 for v in range(1, 801)}, s) for s in (0, 5e3, 1e4, 4e4, 1e5)]
    assert ps == sorted(ps, reverse=True)
    assert 0.0 < ps[-1] < 1e-10  # tiny p-values are read, not floored at 1/rounds


values = st.lists(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
    min_size=2,
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(values, st.floats(min_value=0.01, max_value=0.999))
@example([5.68543432952642e-251] * 3, 0.875)  # fsum(sample) / 3 rounds above the value
@example([0.1] * 3, 0.95)
@example([1000000.0, 999999.9999999999], 0.703125)  # one ulp apart: the tilts overflowed
@example([1000000.0, 999999.9999999999], 0.5)  # and the two ends crossed
def test_bootstrap_interval_invariants(sample: list[float], level: float) -> None:
    """Inside [min, max], ordered, containing the mean, nested as the level grows, and
    the same whatever the order the values come in."""
    counts = counts_of(sample)
    low, high = bootstrap_mean_interval(counts, level)
    assert min(sample) <= low <= high <= max(sample)
    mean = exact_mean(counts)  # (fsum / n can round outside the values)
    spread = max(sample) - min(sample)
    if level >= 0.8:  # (a short percentile interval of a skewed sample can miss the mean)
        assert low <= mean + 1e-9 * spread
        assert mean - 1e-9 * spread <= high
    wider = bootstrap_mean_interval(counts, min(0.9999, level + (1 - level) / 2))
    assert wider[0] <= low + 1e-9 * spread
    assert high - 1e-9 * spread <= wider[1]
    assert bootstrap_mean_interval(dict(reversed(list(counts.items()))), level) == (low, high)


@settings(max_examples=100, deadline=None)
@given(values, st.floats(min_value=-1e3, max_value=1e3), st.floats(min_value=0.01, max_value=1e3))
def test_bootstrap_interval_moves_with_the_values(
    sample: list[float], shift: float, scale: float
) -> None:
    """The bootstrap mean of a + b·x is a + b·(the bootstrap mean of x)."""
    if max(sample) - min(sample) < 1e-3 * max(1.0, max(map(abs, sample))):
        return  # the spread would drown in rounding of the shifted values
    low, high = bootstrap_mean_interval(counts_of(sample), 0.9)
    moved = bootstrap_mean_interval(counts_of([shift + scale * x for x in sample]), 0.9)
    tolerance = 1e-6 * scale * (max(sample) - min(sample)) + 1e-9 * abs(shift)
    assert moved[0] == pytest.approx(shift + scale * low, abs=tolerance)
    assert moved[1] == pytest.approx(shift + scale * high, abs=tolerance)


def test_huge_and_extreme_values_stay_finite() -> None:
    counts = {float(v) * 1e305: 1 for v in range(-600, 600)}
    low, high = bootstrap_mean_interval(counts, 0.95)
    assert -6e307 < low < 0 < high < 6e307
    tiny = {v * 1e-300: 1 for v in range(1, 700)}
    low, high = bootstrap_mean_interval(tiny, 0.99)
    assert 3.3e-298 < low < 3.5e-298 < high < 3.7e-298
    assert bootstrap_mean_interval(tiny, 1 - 1e-12)[0] >= 1e-300


def test_leaderboard_and_compare_of_10_000_graded_items() -> None:
    """The issue's case: 10,000 graded items, all scores distinct. Each model's interval
    holds its mean, the difference's interval holds the difference, and they match a
    large numpy Monte Carlo."""
    rng = random.Random(11)
    scores = [rng.random() * 10 for _ in range(20_000)]
    table = Outcomes.from_columns(item=list(range(10_000)) * 2,
                                  model=["old"] * 10_000 + ["new"] * 10_000, score=scores)  # fmt: skip
    board = leaderboard(table)
    for entry in board.entries:
        assert entry.ci_low < entry.mean < entry.ci_high
    result = compare(table, baseline="old", candidate="new")
    assert result.ci_low < result.diff < result.ci_high
    differences = counts_of([b - a for a, b in zip(scores[:10_000], scores[10_000:], strict=True)])
    ref_low, ref_high = _reference_interval(differences, 0.95, 20_000)
    width = ref_high - ref_low
    assert abs(result.ci_low - ref_low) < 0.03 * width
    assert abs(result.ci_high - ref_high) < 0.03 * width
    assert 0.5 < result.p_value < 0.99  # two independent uniform samples: no difference
