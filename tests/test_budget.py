from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelfolio import (
    Attempt,
    Budget,
    Policy,
    Request,
    State,
    ValidationError,
    record,
    reference_catalog,
    route,
)
from modelfolio._routing.budget import _peak
from modelfolio._routing.state import Charge


def charge(time: float, cost: float, **scope: str) -> Charge:
    return Charge(
        time=time,
        cost_usd=cost,
        deployment=scope.get("deployment", "d"),
        vendor=scope.get("vendor"),
        provider=scope.get("provider"),
        tenant=scope.get("tenant"),
    )


def test_describe_and_validation() -> None:
    assert "global: $5 per 60 s" == Budget(limit_usd=5, window_s=60).describe()
    assert (
        "vendor openai, provider azure: $1 per 10 s"
        == Budget(limit_usd=1, window_s=10, vendor="openai", provider="azure").describe()
    )
    with pytest.raises(ValidationError, match=r"window_s.*0"):
        Budget(limit_usd=1, window_s=0)
    with pytest.raises(ValidationError, match=r"limit_usd.*-1"):
        Budget(limit_usd=-1, window_s=1)


def test_scope_narrows_what_counts() -> None:
    budget = Budget(limit_usd=1, window_s=10, tenant="acme", vendor="openai")
    assert budget.counts(charge(0, 1, tenant="acme", vendor="openai"))
    assert not budget.counts(charge(0, 1, tenant="acme", vendor="meta"))
    assert not budget.counts(charge(0, 1, tenant="other", vendor="openai"))


def test_peak_looks_at_every_window_containing_now() -> None:
    charges = [charge(10, 1.0), charge(55, 2.0), charge(95, 4.0)]
    # windows (T-50, T] with 50 <= T < 100: (5,55] holds 3.0, (45,95] holds 6.0
    assert 6.0 == _peak(charges, 50.0, 50.0)
    assert 3.0 == _peak(charges[:2], 50.0, 50.0)
    assert 0.0 == _peak([], 50.0, 50.0)


def test_a_later_charge_recorded_first_still_counts() -> None:
    catalog = reference_catalog()
    gpt = catalog.deployment("openai/gpt-5")
    state = State()
    from modelfolio import record

    state = record(state, Attempt.of(gpt, cost_usd=0.4), now=100.0)
    policy = Policy(budgets=[Budget(limit_usd=0.5, window_s=50, deployment="openai/gpt-5")])
    request = Request(
        input_tokens=100_000, output_tokens=10_000, providers={"openai"}, vendors={"openai"}
    )
    decision = route(request, catalog, policy, state=state, now=80.0)
    assert "openai/gpt-5" != decision.chosen.id
    assert "would break budget deployment openai/gpt-5" in decision.explain()["openai/gpt-5"]
    # far enough from the later charge, the budget has room again
    assert "openai/gpt-5" in route(request, catalog, policy, state=state, now=20.0).scores


@st.composite
def ledgers(draw: st.DrawFn) -> tuple[State, list[Budget], float, list[float]]:
    """States built by ``record`` (in and out of time order), budgets of every scope,
    a time, and estimates, some exactly at what is left under a limit."""
    state = State()
    budgets = [
        Budget(limit_usd=draw(st.sampled_from([0.3, 1.0, 2.5])), window_s=w, **scope)
        for w in (5.0, 50.0)
        for scope in ({}, {"vendor": "v1"}, {"tenant": "t1"})
    ]
    for _ in range(draw(st.integers(0, 40))):
        attempt = Attempt(
            deployment_id=draw(st.sampled_from(["d1", "d2"])),
            vendor=draw(st.sampled_from(["v1", "v2"])),
            tenant=draw(st.sampled_from([None, "t1"])),
            cost_usd=draw(st.sampled_from([0.0, 0.1, 0.2, 0.25, 1 / 3, 0.7])),
        )
        state = record(state, attempt, now=draw(st.sampled_from([0.0, 1.0, 2.5, 7.0, 30.0, 60.0])))
        for budget in budgets[: draw(st.integers(0, 2))]:  # warm some caches midway
            budget.breaks(state, now=draw(st.sampled_from([1.0, 30.0])), estimate=0.1)
    now = draw(st.sampled_from([0.5, 2.5, 7.0, 30.0, 60.0, 100.0]))
    estimates = [0.0, 0.1, 1 / 3]
    estimates += [b.limit_usd - b.peak_usd(state, now=now) for b in budgets]  # exactly at the limit
    return state, budgets, now, estimates


@settings(max_examples=300, deadline=None)
@given(ledgers())
def test_fast_budget_check_agrees_with_the_exact_one(
    case: tuple[State, list[Budget], float, list[float]],
) -> None:
    state, budgets, now, estimates = case
    for budget in budgets:
        exact = budget.peak_usd(state, now=now)
        for estimate in estimates:
            over, peak = budget.breaks(state, now=now, estimate=estimate)
            assert over == (exact + estimate > budget.limit_usd)
            assert peak == pytest.approx(exact, rel=1e-9, abs=1e-12)


def test_running_sums_follow_appended_charges() -> None:
    budget = Budget(limit_usd=1.0, window_s=10.0, vendor="v1")
    state = State()
    for t in range(30):
        state = record(state, Attempt(deployment_id="d", vendor="v1", cost_usd=0.05), now=float(t))
        assert budget.breaks(state, now=float(t), estimate=0.0)[1] == pytest.approx(
            budget.peak_usd(state, now=float(t))
        )
    # 0.5 spent in (19, 29]: 0.5 more reaches the limit exactly (allowed), 0.51 breaks it
    assert not budget.breaks(state, now=29.0, estimate=0.5)[0]
    assert budget.breaks(state, now=29.0, estimate=0.51)[0]
