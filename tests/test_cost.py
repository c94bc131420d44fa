from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from modelfolio import ModelfolioError, Price, PriceTier, Usage, ValidationError, cost

rates = st.floats(min_value=0, max_value=200, allow_nan=False, allow_infinity=False)


@st.composite
def prices(draw: st.DrawFn) -> Price:
    """Prices whose tiers only ever raise each rate, as vendors' long-context tiers do."""
    base_in, base_out = draw(rates), draw(rates)
    cached = draw(st.none() | st.floats(min_value=0, max_value=base_in))
    write = draw(st.none() | st.floats(min_value=base_in, max_value=base_in * 2 + 1))
    reasoning = draw(st.none() | rates)
    thresholds = sorted(draw(st.sets(st.integers(1, 400_000), max_size=3)))
    tiers, floor_in, floor_out = [], base_in, base_out
    for threshold in thresholds:
        floor_in = draw(st.floats(min_value=floor_in, max_value=floor_in * 2 + 1))
        floor_out = draw(st.floats(min_value=floor_out, max_value=floor_out * 2 + 1))
        tiers.append(
            PriceTier(
                above_input_tokens=threshold, input_per_mtok=floor_in, output_per_mtok=floor_out
            )
        )
    return Price(
        input_per_mtok=base_in,
        output_per_mtok=base_out,
        cached_input_per_mtok=cached,
        cache_write_per_mtok=write,
        reasoning_per_mtok=reasoning,
        tiers=tiers,
    )


@st.composite
def usages(draw: st.DrawFn, max_tokens: int = 500_000) -> Usage:
    plain_in = draw(st.integers(0, max_tokens))
    cached = draw(st.integers(0, max_tokens))
    write = draw(st.integers(0, max_tokens))
    plain_out = draw(st.integers(0, 50_000))
    reasoning = draw(st.integers(0, 50_000))
    return Usage(
        input_tokens=plain_in + cached + write,
        output_tokens=plain_out + reasoning,
        cached_input_tokens=cached,
        cache_write_tokens=write,
        reasoning_tokens=reasoning,
    )


def add(usage: Usage, kind: str, tokens: int) -> Usage:
    grow = {
        "plain_input": {"input_tokens": tokens},
        "cached_input": {"input_tokens": tokens, "cached_input_tokens": tokens},
        "cache_write": {"input_tokens": tokens, "cache_write_tokens": tokens},
        "plain_output": {"output_tokens": tokens},
        "reasoning": {"output_tokens": tokens, "reasoning_tokens": tokens},
    }[kind]
    fields = {
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "cached_input_tokens": usage.cached_input_tokens,
        "cache_write_tokens": usage.cache_write_tokens,
        "reasoning_tokens": usage.reasoning_tokens,
    }
    for name, extra in grow.items():
        fields[name] += extra
    return Usage(**fields)


KINDS = ["plain_input", "cached_input", "cache_write", "plain_output", "reasoning"]


class TestExamples:
    def test_plain_call(self) -> None:
        price = Price(input_per_mtok=2.5, output_per_mtok=10)
        assert 0.0075 == pytest.approx(
            cost(Usage(input_tokens=1000, output_tokens=500), price), rel=1e-15
        )

    def test_cached_and_cache_write_and_reasoning_rates(self) -> None:
        price = Price(
            input_per_mtok=3,
            output_per_mtok=15,
            cached_input_per_mtok=0.3,
            cache_write_per_mtok=3.75,
            reasoning_per_mtok=20,
        )
        usage = Usage(
            input_tokens=10_000,
            output_tokens=1_000,
            cached_input_tokens=6_000,
            cache_write_tokens=2_000,
            reasoning_tokens=400,
        )
        expected = (2_000 * 3 + 6_000 * 0.3 + 2_000 * 3.75 + 600 * 15 + 400 * 20) / 1e6
        assert expected == pytest.approx(cost(usage, price), rel=1e-15)

    def test_unpriced_cache_and_reasoning_fall_back(self) -> None:
        price = Price(input_per_mtok=1, output_per_mtok=4)
        usage = Usage(
            input_tokens=100,
            output_tokens=10,
            cached_input_tokens=50,
            cache_write_tokens=25,
            reasoning_tokens=5,
        )
        assert cost(Usage(input_tokens=100, output_tokens=10), price) == cost(usage, price)

    def test_long_context_tier_prices_every_token(self) -> None:
        price = Price(
            input_per_mtok=3,
            output_per_mtok=15,
            cached_input_per_mtok=0.3,
            tiers=[PriceTier(above_input_tokens=200_000, input_per_mtok=6, output_per_mtok=22.5)],
        )
        at = cost(Usage(input_tokens=200_000, output_tokens=1_000), price)
        above = cost(Usage(input_tokens=250_000, output_tokens=1_000), price)
        assert (200_000 * 3 + 1_000 * 15) / 1e6 == pytest.approx(at)
        assert (250_000 * 6 + 1_000 * 22.5) / 1e6 == pytest.approx(above)

    def test_highest_threshold_passed_wins_and_missing_cached_rate_falls_back_to_base(self) -> None:
        price = Price(
            input_per_mtok=1,
            output_per_mtok=2,
            cached_input_per_mtok=0.1,
            tiers=[
                PriceTier(
                    above_input_tokens=100,
                    input_per_mtok=3,
                    output_per_mtok=4,
                    cached_input_per_mtok=0.2,
                ),
                PriceTier(above_input_tokens=1_000, input_per_mtok=5, output_per_mtok=6),
            ],
        )
        assert 3 == price.rates(101).input_per_mtok
        assert 0.2 == price.rates(101).cached_input_per_mtok
        assert 5 == price.rates(1_001).input_per_mtok
        assert 0.1 == price.rates(1_001).cached_input_per_mtok

    def test_unpriced_cached_input_in_a_tier_uses_the_tier_input_rate(self) -> None:
        price = Price(
            input_per_mtok=1,
            output_per_mtok=2,
            tiers=[PriceTier(above_input_tokens=100, input_per_mtok=3, output_per_mtok=4)],
        )
        assert 3 == price.rates(101).cached_input_per_mtok

    def test_tiers_given_out_of_order_are_sorted(self) -> None:
        high = PriceTier(above_input_tokens=1_000, input_per_mtok=5, output_per_mtok=6)
        low = PriceTier(above_input_tokens=100, input_per_mtok=3, output_per_mtok=4)
        assert (100, 1_000) == tuple(
            t.above_input_tokens
            for t in Price(input_per_mtok=1, output_per_mtok=1, tiers=[high, low]).tiers
        )


class TestUsageValidation:
    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"input_tokens": -1, "output_tokens": 0}, r"input_tokens.*-1"),
            ({"input_tokens": 1, "output_tokens": 1.5}, r"output_tokens.*1\.5"),
            (
                {"input_tokens": 10, "output_tokens": 0, "cached_input_tokens": 11},
                r"cached_input_tokens.*11 \+ 0 > 10",
            ),
            (
                {
                    "input_tokens": 10,
                    "output_tokens": 0,
                    "cached_input_tokens": 6,
                    "cache_write_tokens": 5,
                },
                r"6 \+ 5 > 10",
            ),
            (
                {"input_tokens": 10, "output_tokens": 3, "reasoning_tokens": 4},
                r"reasoning_tokens.*4 > 3",
            ),
        ],
    )
    def test_bad_usage_names_the_problem(self, fields: dict[str, object], message: str) -> None:
        with pytest.raises(ValidationError, match=message):
            Usage(**fields)  # type: ignore[arg-type]

    def test_usage_errors_are_modelfolio_value_errors(self) -> None:
        with pytest.raises(ModelfolioError):
            Usage(input_tokens=-1, output_tokens=0)
        with pytest.raises(ValueError, match="input_tokens"):
            Usage(input_tokens=-1, output_tokens=0)


class TestProperties:
    @given(usages(), prices())
    def test_never_negative_and_finite(self, usage: Usage, price: Price) -> None:
        value = cost(usage, price)
        assert value >= 0
        assert math.isfinite(value)

    @given(usages(), prices(), st.sampled_from(KINDS), st.integers(1, 300_000))
    def test_monotone_in_every_token_count(
        self, usage: Usage, price: Price, kind: str, tokens: int
    ) -> None:
        assert cost(add(usage, kind, tokens), price) >= cost(usage, price) * (1 - 1e-12)

    @given(usages(max_tokens=100_000), usages(max_tokens=100_000), prices())
    def test_linear_within_a_tier(self, first: Usage, second: Usage, price: Price) -> None:
        combined = Usage(
            input_tokens=first.input_tokens + second.input_tokens,
            output_tokens=first.output_tokens + second.output_tokens,
            cached_input_tokens=first.cached_input_tokens + second.cached_input_tokens,
            cache_write_tokens=first.cache_write_tokens + second.cache_write_tokens,
            reasoning_tokens=first.reasoning_tokens + second.reasoning_tokens,
        )
        band = {price.rates(u.input_tokens) for u in (first, second, combined)}
        assume(len(band) == 1)
        assert cost(first, price) + cost(second, price) == pytest.approx(
            cost(combined, price), rel=1e-12, abs=1e-15
        )

    @given(usages(), prices(), st.integers(2, 5))
    def test_scaling_within_a_tier(self, usage: Usage, price: Price, factor: int) -> None:
        scaled = Usage(
            input_tokens=usage.input_tokens * factor,
            output_tokens=usage.output_tokens * factor,
            cached_input_tokens=usage.cached_input_tokens * factor,
            cache_write_tokens=usage.cache_write_tokens * factor,
            reasoning_tokens=usage.reasoning_tokens * factor,
        )
        assume(price.rates(usage.input_tokens) is price.rates(scaled.input_tokens))
        assert factor * cost(usage, price) == pytest.approx(
            cost(scaled, price), rel=1e-12, abs=1e-15
        )
