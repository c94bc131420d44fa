"""Bad input fails at once, naming the field and the value (a start on issue 16's root causes).

Covered here: lone strings where collections of names belong (root cause 6), NaN and
infinite values that slipped past checks (2), overflow on accepted values (3), and a
negative backoff base (2). Each case is one line, so the rule it checks reads plainly.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelfolio import (
    CatalogError,
    ModelfolioError,
    Outcomes,
    Price,
    Request,
    Usage,
    ValidationError,
    backoff_s,
    bradley_terry,
    cost,
    leaderboard,
    vendor_exit,
)
from modelfolio.io import read_outcomes_long

TABLE = Outcomes.from_columns(
    item=[1, 2, 1, 2],
    model=["gpt", "gpt", "small", "small"],
    score=[1, 0, 1, 1],
    tags=[{"easy"}, {"hard"}, {"easy"}, {"hard"}],
)


class TestLoneStrings:
    """A lone string where names belong is one name, not its characters."""

    def test_subset_models(self) -> None:
        assert ("gpt",) == TABLE.subset(models="gpt").models
        assert TABLE.subset(models=["gpt"]).to_rows() == TABLE.subset(models="gpt").to_rows()

    def test_leaderboard_and_scores_tags(self) -> None:
        assert (
            leaderboard(TABLE, tags=["easy"]).to_rows() == leaderboard(TABLE, tags="easy").to_rows()
        )
        assert {1: 1.0} == TABLE.scores("gpt", tags="easy")
        with pytest.raises(ValidationError, match=r"no outcomes match tags=\['missing'\]"):
            leaderboard(TABLE, tags="missing")

    def test_read_outcomes_long_add_tags(self, tmp_path: Any) -> None:
        path = tmp_path / "o.csv"
        path.write_text("item,model,score\nq1,m,1\n")
        table = read_outcomes_long(path, item="item", model="model", score="score", add_tags="math")
        assert (frozenset({"math"}),) == tuple(t for t in table.tag_sets if t)


BAD: list[tuple[str, Callable[[], Any], str]] = [
    (
        "anchor NaN",
        lambda: bradley_terry([("a", "b", "a"), ("b", "a", "a")], anchor=("a", math.nan)),
        "anchor rating must be a finite number",
    ),
    (
        "anchor inf",
        lambda: bradley_terry([("a", "b", "a"), ("b", "a", "a")], anchor=("a", math.inf)),
        "anchor rating must be a finite number",
    ),
    (
        "exit floor NaN",
        lambda: vendor_exit(TABLE, {"gpt": "o", "small": "s"}, floor=math.nan),
        "floor must be a finite number",
    ),
    (
        "cost NaN",
        lambda: Outcomes.from_columns(item=[1], model=["m"], score=[1], cost=[math.nan]),
        "cost must hold finite numbers",
    ),
    (
        "huge tokens",
        lambda: Usage(input_tokens=10**400, output_tokens=0),
        "input_tokens must be an integer from 0 to 1e\\+15, got 1000",
    ),
    (
        "huge request",
        lambda: Request(input_tokens=10**16, output_tokens=1),
        "input_tokens must be an integer from 0 to 1e\\+15",
    ),
    (
        "huge price",
        lambda: Price(input_per_mtok=1.7e308, output_per_mtok=1),
        "input_per_mtok must be a price from 0 to 1e\\+09",
    ),
    (
        "negative backoff",
        lambda: backoff_s(1, base_s=-1.0, rng=random.Random(0)),
        "base_s must be a finite number >= 0, got -1.0",
    ),
    (
        "backoff attempt",
        lambda: backoff_s(-1, rng=random.Random(0)),
        "attempt must be an integer >= 0",
    ),
]


@pytest.mark.parametrize(("name", "make", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_values_fail_clearly(name: str, make: Callable[[], Any], message: str) -> None:
    with pytest.raises(ModelfolioError, match=message):
        make()


def test_a_huge_value_is_shown_shortened() -> None:
    with pytest.raises(ValidationError) as caught:
        Usage(input_tokens=10**400, output_tokens=0)
    assert len(str(caught.value)) < 160
    with pytest.raises(CatalogError):
        Price(input_per_mtok=math.inf, output_per_mtok=1)


@settings(max_examples=300)
@given(
    st.integers(0, 10**15),
    st.integers(0, 10**15),
    st.floats(0, 1e9),
    st.floats(0, 1e9),
)
def test_cost_is_finite_and_non_negative_for_any_accepted_usage_and_price(
    tokens_in: int, tokens_out: int, rate_in: float, rate_out: float
) -> None:
    value = cost(
        Usage(input_tokens=tokens_in, output_tokens=tokens_out),
        Price(input_per_mtok=rate_in, output_per_mtok=rate_out),
    )
    assert math.isfinite(value)
    assert value >= 0
