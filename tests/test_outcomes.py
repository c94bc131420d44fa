from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelfolio import EvalRecord, Outcomes, ValidationError


def test_nan_scores_are_missing() -> None:
    table = Outcomes.from_columns(item=[1, 1, 2], model=["a", "b", "a"], score=[1.0, math.nan, 0.0])
    assert 2 == len(table)
    assert {1: 1.0, 2: 0.0} == table.scores("a")
    assert {} == table.scores("b")


def test_duplicate_pair_is_named() -> None:
    with pytest.raises(ValidationError, match=r"pair 'q1', 'm' appears twice \(rows 0 and 2\)"):
        Outcomes.from_columns(item=["q1", "q2", "q1"], model=["m", "m", "m"], score=[1, 0, 1])


def test_columns_must_line_up_and_hold_numbers() -> None:
    with pytest.raises(ValidationError, match="model has 1 values but item has 2"):
        Outcomes.from_columns(item=[1, 2], model=["m"], score=[1, 1])
    with pytest.raises(ValidationError, match="score must hold numbers"):
        Outcomes.from_columns(item=[1], model=["m"], score=["high"])  # type: ignore[list-item]
    with pytest.raises(ValidationError, match=r"cost must hold finite numbers >= 0, got -1.0"):
        Outcomes.from_columns(item=[1], model=["m"], score=[1], cost=[-1])
    with pytest.raises(ValidationError, match="item ids"):
        Outcomes.from_columns(item=[None], model=["m"], score=[1])  # type: ignore[list-item]


def test_records_round_trip() -> None:
    records = [
        EvalRecord(
            item="q1", model="a", score=1.0, cost=0.5, latency_s=1.5, tags={"math"}, split="test"
        ),
        EvalRecord(item="q2", model="a", score=0.25),
        EvalRecord(item="q1", model="b", score=0.0, tags={"math", "hard"}),
    ]
    table = Outcomes.from_records(records)
    assert sorted(records, key=lambda r: (r.model, str(r.item))) == list(table.records())
    assert 3 == len(table.to_rows())
    assert "<table>" in table._repr_html_()
    assert not table.binary


def test_selection_by_tags_and_split() -> None:
    table = Outcomes.from_columns(
        item=[1, 2, 3],
        model=["m"] * 3,
        score=[1, 0, 1],
        tags=[{"math"}, {"math", "hard"}, {"code"}],
        split=["a", "b", "a"],
    )
    assert {1: 1.0, 2: 0.0} == table.scores("m", tags=["math"])
    assert {2: 0.0} == table.scores("m", tags=["math", "hard"])
    assert {1: 1.0, 3: 1.0} == table.scores("m", split="a")


def test_unknown_model_is_named() -> None:
    table = Outcomes.from_columns(item=[1], model=["m"], score=[1])
    with pytest.raises(ValidationError, match="'x' has no outcomes"):
        table.rows_of("x")


def test_eval_record_validation() -> None:
    with pytest.raises(ValidationError, match="score"):
        EvalRecord(item=1, model="m", score=math.inf)
    with pytest.raises(ValidationError, match="cost"):
        EvalRecord(item=1, model="m", score=1, cost=-2)


@given(
    st.lists(
        st.tuples(
            st.integers(0, 30), st.sampled_from("abc"), st.sampled_from([0.0, 1.0, 0.5, math.nan])
        ),
        unique_by=lambda r: (r[0], r[1]),
    )
)
def test_order_of_rows_does_not_matter(rows: list[tuple[int, str, float]]) -> None:
    forward = Outcomes.from_columns(
        item=[r[0] for r in rows], model=[r[1] for r in rows], score=[r[2] for r in rows]
    )
    backward = Outcomes.from_columns(
        item=[r[0] for r in rows][::-1],
        model=[r[1] for r in rows][::-1],
        score=[r[2] for r in rows][::-1],
    )
    for model in forward.models:
        assert forward.scores(model) == backward.scores(model)
    assert len(forward) == sum(1 for r in rows if not math.isnan(r[2]))
