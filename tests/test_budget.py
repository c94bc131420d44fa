from __future__ import annotations

import pytest

from modelfolio import (
    Attempt,
    Budget,
    Policy,
    Request,
    State,
    ValidationError,
    reference_catalog,
    route,
)
from modelfolio._budget import _peak
from modelfolio._state import Charge


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
