from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelfolio import (
    Outcomes,
    ValidationError,
    compare,
    contamination_gap,
    frontier,
    leaderboard,
    non_inferiority,
)
from modelfolio._evaluation.stats import (
    binomial_cdf,
    mcnemar_exact,
    newcombe_paired,
    poisson,
    wilson,
)


def paired(base: list[float], cand: list[float], **extra: object) -> Outcomes:
    n = len(base)
    return Outcomes.from_columns(
        item=list(range(n)) * 2, model=["base"] * n + ["cand"] * n, score=base + cand, **extra
    )  # type: ignore[arg-type]


class TestStatistics:
    def test_wilson_reference_values(self) -> None:
        # Newcombe (1998), table I: 81/263 -> 0.2553 to 0.3662
        low, high = wilson(81, 263, 0.95)
        assert (0.2553, 0.3662) == (round(low, 4), round(high, 4))
        assert (0.0, 0.2775) == tuple(round(v, 4) for v in wilson(0, 10, 0.95))
        assert 1.0 == wilson(10, 10, 0.95)[1]

    def test_mcnemar_matches_a_hand_computation(self) -> None:
        # 2 * P(X <= 1) for X ~ Binomial(10, 1/2) = 2 * 11 / 1024
        assert 22 / 1024 == pytest.approx(mcnemar_exact(1, 9), rel=1e-12)
        assert 1.0 == mcnemar_exact(0, 0)

    def test_binomial_cdf_sums_to_one(self) -> None:
        assert 1.0 == pytest.approx(binomial_cdf(49, 100) + 1 - binomial_cdf(49, 100), rel=1e-12)
        assert 0.5 == pytest.approx(binomial_cdf(500, 1001), rel=1e-9)

    def test_poisson_sampler_mean_and_variance(self) -> None:
        rng = random.Random(3)
        for mean in (0.5, 4.0, 25.0, 700.0):
            draws = [poisson(rng, mean) for _ in range(20_000)]
            average = sum(draws) / len(draws)
            variance = sum((d - average) ** 2 for d in draws) / len(draws)
            assert abs(average - mean) < 4 * math.sqrt(mean / len(draws)) + 1e-9
            assert abs(variance / mean - 1) < 0.06

    def test_newcombe_contains_the_estimate_and_narrows_with_n(self) -> None:
        low, high = newcombe_paired(40, 10, 5, 45, 0.95)
        assert low < 0.05 < high
        wide = newcombe_paired(4, 1, 1, 4, 0.95)
        assert high - low < wide[1] - wide[0]


class TestLeaderboard:
    def test_binary_uses_wilson_and_reports_costs(self) -> None:
        table = paired(
            [1.0] * 8 + [0.0] * 2,
            [1.0] * 5 + [0.0] * 5,
            cost=[0.02] * 10 + [0.001] * 10,
            latency_s=list(range(20)),
        )
        board = leaderboard(table)
        entry = board.entry("base")
        assert ("base", "cand") == board.models
        assert (0.8, 10) == (entry.mean, entry.n)
        assert wilson(8, 10, 0.95) == (entry.ci_low, entry.ci_high)
        assert 0.2 == pytest.approx(entry.total_cost)
        assert 0.025 == pytest.approx(entry.cost_per_success)
        assert 4.5 == entry.latency_p50_s
        assert 8.55 == pytest.approx(entry.latency_p95_s)
        assert board.binary

    def test_continuous_uses_a_seeded_bootstrap(self) -> None:
        rng = random.Random(0)
        scores = [float(rng.randint(1, 10)) for _ in range(300)]
        table = Outcomes.from_columns(item=list(range(300)), model=["m"] * 300, score=scores)
        first, again = leaderboard(table, seed=4).entry("m"), leaderboard(table, seed=4).entry("m")
        assert first == again
        assert first.ci_low < first.mean < first.ci_high
        standard_error = math.sqrt(sum((s - first.mean) ** 2 for s in scores) / 299 / 300)
        assert 2 * 1.96 * standard_error == pytest.approx(first.ci_high - first.ci_low, rel=0.15)
        assert first.cost_per_success is None

    def test_tags_and_split_filter_items(self) -> None:
        table = Outcomes.from_columns(
            item=[1, 2, 3, 4],
            model=["m"] * 4,
            score=[1, 0, 1, 1],
            tags=[{"x"}, {"x"}, set(), set()],
            split=["a", "a", "a", "b"],
        )
        assert 0.5 == leaderboard(table, tags=["x"]).entry("m").mean
        assert 1.0 == leaderboard(table, split="b").entry("m").mean
        with pytest.raises(ValidationError, match="no outcomes match"):
            leaderboard(table, tags=["nothing"])

    def test_views_and_validation(self) -> None:
        board = leaderboard(paired([1.0, 0.0], [1.0, 1.0]))
        assert ["cand", "base"] == [row["model"] for row in board.to_rows()]
        assert "<table>" in board._repr_html_()
        assert "Leaderboard(2 models" in repr(board)
        with pytest.raises(ValidationError, match="level"):
            leaderboard(paired([1.0], [1.0]), level=1.5)
        with pytest.raises(ValidationError, match="not on the leaderboard"):
            board.entry("zzz")

    def test_frontier_drops_dominated_models(self) -> None:
        table = Outcomes.from_columns(
            item=[1, 2] * 4,
            model=["a", "a", "b", "b", "c", "c", "d", "d"],
            score=[1, 1, 1, 0, 0, 0, 1, 1],
            cost=[2, 2, 1, 1, 3, 3, 2, 2],
        )
        assert ["b", "a", "d"] == [e.model for e in frontier(leaderboard(table))]


class TestCompare:
    def test_binary_counts_and_exact_p(self) -> None:
        base = [1.0] * 30 + [0.0] * 10 + [1.0] * 5 + [0.0] * 5
        cand = [1.0] * 30 + [1.0] * 10 + [0.0] * 5 + [0.0] * 5
        result = compare(paired(base, cand), baseline="base", candidate="cand")
        assert (50, 10, 5) == (result.n, result.candidate_only, result.baseline_only)
        assert 0.1 == pytest.approx(result.diff)
        assert mcnemar_exact(10, 5) == result.p_value
        assert newcombe_paired(30, 10, 5, 5, 0.95) == (result.ci_low, result.ci_high)
        assert "Newcombe" in result.method
        assert "cand - base: +0.1000" in str(result)

    def test_only_shared_items_count(self) -> None:
        table = Outcomes.from_columns(
            item=[1, 2, 3, 1], model=["base", "base", "base", "cand"], score=[1, 0, 0, 0]
        )
        assert 1 == compare(table, baseline="base", candidate="cand").n

    def test_continuous_uses_bootstrap_and_sign_flips(self) -> None:
        rng = random.Random(1)
        base = [float(rng.randint(3, 9)) for _ in range(200)]
        cand = [b + rng.choice([0.0, 0.0, 1.0, 2.0, -1.0]) for b in base]
        result = compare(paired(base, cand), baseline="base", candidate="cand", seed=2)
        assert result.ci_low < result.diff < result.ci_high
        assert result.p_value < 0.01
        assert "sign-flip" in result.method
        null = compare(paired(base, base), baseline="base", candidate="cand")
        assert 1.0 == null.p_value
        assert 0.0 == null.diff

    def test_errors(self) -> None:
        table = paired([1.0], [0.0])
        with pytest.raises(ValidationError, match="must differ"):
            compare(table, baseline="base", candidate="base")
        disjoint = Outcomes.from_columns(item=[1, 2], model=["base", "cand"], score=[1, 1])
        with pytest.raises(ValidationError, match="no item in common"):
            compare(disjoint, baseline="base", candidate="cand")

    @settings(max_examples=40)
    @given(
        st.lists(
            st.tuples(st.sampled_from([0.0, 1.0]), st.sampled_from([0.0, 1.0])),
            min_size=1,
            max_size=60,
        )
    )
    def test_swapping_models_negates_the_difference(self, pairs: list[tuple[float, float]]) -> None:
        table = paired([p[0] for p in pairs], [p[1] for p in pairs])
        forward = compare(table, baseline="base", candidate="cand")
        backward = compare(table, baseline="cand", candidate="base")
        assert forward.diff == pytest.approx(-backward.diff)
        assert forward.p_value == pytest.approx(backward.p_value)
        assert forward.ci_low == pytest.approx(-backward.ci_high)
        assert forward.ci_low <= forward.diff <= forward.ci_high


class TestNonInferiority:
    def test_verdict_follows_the_bound(self) -> None:
        base = [1.0] * 180 + [0.0] * 20
        cand = [1.0] * 176 + [0.0] * 24
        tight = non_inferiority(paired(base, cand), baseline="base", candidate="cand", margin=0.01)
        loose = non_inferiority(paired(base, cand), baseline="base", candidate="cand", margin=0.10)
        assert not tight.non_inferior
        assert loose.non_inferior
        assert tight.bound == loose.bound
        assert tight.comparison.level == pytest.approx(0.90)
        assert "not shown non-inferior" in tight.explanation
        assert tight.explanation.count(".") >= 1
        assert "is non-inferior" in str(loose)

    @pytest.mark.parametrize("margin", [-0.1, math.nan, math.inf, "0.1"])
    def test_bad_margin(self, margin: object) -> None:
        with pytest.raises(ValidationError, match="margin"):
            non_inferiority(paired([1.0], [1.0]), baseline="base", candidate="cand", margin=margin)  # type: ignore[arg-type]


class TestContamination:
    def test_gap_is_flagged_only_when_the_interval_clears_zero(self) -> None:
        table = Outcomes.from_columns(
            item=list(range(400)),
            model=["m"] * 400,
            score=[1] * 190 + [0] * 10 + [1] * 140 + [0] * 60,
            split=["public"] * 200 + ["private"] * 200,
        )
        gap = contamination_gap(table, "m", public="public", private="private")
        assert 0.25 == pytest.approx(gap.gap)
        assert gap.flagged
        assert (200, 200) == (gap.n_public, gap.n_private)
        same = contamination_gap(table, "m", public="public", private="public")
        assert not same.flagged

    def test_missing_split_is_named(self) -> None:
        table = Outcomes.from_columns(item=[1], model=["m"], score=[1], split=["public"])
        with pytest.raises(ValidationError, match="private"):
            contamination_gap(table, "m", public="public", private="private")

    def test_continuous_gap(self) -> None:
        table = Outcomes.from_columns(
            item=list(range(100)),
            model=["m"] * 100,
            score=[8.0, 9.0] * 25 + [5.0, 6.0] * 25,
            split=["pub"] * 50 + ["priv"] * 50,
        )
        gap = contamination_gap(table, "m", public="pub", private="priv")
        assert 3.0 == gap.gap
        assert gap.flagged


def test_many_distinct_graded_scores_use_the_saddlepoint_with_the_monte_carlo_answers() -> None:
    """Above 512 distinct differences the bootstrap interval and the sign-flip p-value
    are read by saddlepoint approximation (issue 16: 10,000 graded items took 24 s); on
    the same data they agree with the seeded Monte Carlo paths within Monte Carlo error."""
    import random as random_module

    from modelfolio._evaluation import summary as _evaluate

    rng = random_module.Random(5)
    n = 700
    base = [rng.random() * 10 for _ in range(n)]
    cand = [b + rng.gauss(0.1, 1.0) for b in base]
    table = Outcomes.from_columns(item=list(range(n)) * 2, model=["a"] * n + ["b"] * n,
                                  score=base + cand)  # fmt: skip
    fast = compare(table, baseline="a", candidate="b", seed=3)
    assert fast == compare(table, baseline="a", candidate="b", seed=99)  # no seed needed
    assert "saddlepoint" in fast.method
    previous = _evaluate.MANY_VALUES
    try:
        _evaluate.MANY_VALUES = 10**9  # the Monte Carlo paths
        slow = compare(table, baseline="a", candidate="b", seed=3)
    finally:
        _evaluate.MANY_VALUES = previous
    assert "rounds" in slow.method
    assert fast.diff == slow.diff
    print(f"saddlepoint {fast}; Monte Carlo {slow}")
    spread = slow.ci_high - slow.ci_low
    assert abs(fast.ci_low - slow.ci_low) < 0.06 * spread
    assert abs(fast.ci_high - slow.ci_high) < 0.06 * spread
    # p-values from 10,000 sign-flip rounds: within 4 binomial standard errors.
    error = math.sqrt(max(slow.p_value * (1 - slow.p_value), 1e-4) / 10_000)
    assert abs(fast.p_value - slow.p_value) < 4 * error + 2e-4
    assert 0.0 < fast.p_value < 0.2  # a real shift of 0.1 in sd 1 at n=700


class TestContaminationGapBySaddlepoint:
    """From SADDLEPOINT_FROM graded items a side, the two-sample bootstrap interval is read
    by saddlepoint: it must agree with resampling within Monte Carlo error."""

    @staticmethod
    def resampled(
        first: dict[float, int], second: dict[float, int], rounds: int
    ) -> tuple[float, float]:
        from modelfolio._evaluation.stats import percentile_interval, poisson_draws

        rng = random.Random(5)
        a = poisson_draws(first, rounds, rng)
        b = poisson_draws(second, rounds, rng)
        gaps = sorted(x - y for x, y in zip(a, b, strict=True) if x is not None and y is not None)
        return percentile_interval(gaps, 0.95)

    @pytest.mark.parametrize("shape", ["normal", "skewed", "grades"])
    def test_agrees_with_resampling(self, shape: str) -> None:
        from modelfolio._evaluation.stats import (
            SADDLEPOINT_FROM,
            bootstrap_difference_interval,
            counts_of,
        )

        rng = random.Random(7)
        draw = {
            "normal": lambda m: round(rng.gauss(m, 2.0), 2),
            "skewed": lambda m: round(rng.expovariate(1 / m), 2),
            "grades": lambda m: float(min(10, max(1, round(rng.gauss(m, 2.5))))),
        }[shape]
        n = SADDLEPOINT_FROM
        first = counts_of([draw(6.5) for _ in range(n)])
        second = counts_of([draw(6.0) for _ in range(n)])
        low, high = bootstrap_difference_interval(first, second, 0.95)
        mc_low, mc_high = self.resampled(first, second, 8_000)
        half = (high - low) / 2
        # 8,000 rounds put a 2.5% quantile within about 3% of the half-width; the
        # linearisation at 1,000 items a side adds about as much
        assert abs(low - mc_low) < 0.1 * half
        assert abs(high - mc_high) < 0.1 * half

    def test_contamination_gap_uses_it_from_the_threshold_and_keeps_resampling_below(
        self,
    ) -> None:
        from modelfolio._evaluation.stats import SADDLEPOINT_FROM

        rng = random.Random(11)

        def table(n: int) -> Outcomes:
            scores = [round(rng.gauss(7, 2), 1) for _ in range(n)] + [
                round(rng.gauss(6, 2), 1) for _ in range(n)
            ]
            return Outcomes.from_columns(
                item=list(range(2 * n)),
                model=["m"] * (2 * n),
                score=scores,
                split=["public"] * n + ["private"] * n,
            )

        big = table(SADDLEPOINT_FROM)
        one = contamination_gap(big, "m", public="public", private="private", seed=1)
        other = contamination_gap(big, "m", public="public", private="private", seed=2)
        assert (one.ci_low, one.ci_high) == (other.ci_low, other.ci_high)  # no resampling
        assert one.ci_low < one.gap < one.ci_high
        assert one.flagged
        small = table(SADDLEPOINT_FROM // 4)
        first = contamination_gap(small, "m", public="public", private="private", seed=1)
        second = contamination_gap(small, "m", public="public", private="private", seed=2)
        assert (first.ci_low, first.ci_high) != (second.ci_low, second.ci_high)  # resampled
