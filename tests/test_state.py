from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelfolio import (
    Attempt,
    Failure,
    HealthConfig,
    State,
    Usage,
    ValidationError,
    record,
    reference_catalog,
)


def fail(deployment: str, kind: str, now: float, state: State, **extra: object) -> State:
    return record(state, Attempt(deployment_id=deployment, failure=kind, **extra), now=now)  # type: ignore[arg-type]


class TestCooldown:
    def test_retry_after_sets_the_cooldown(self) -> None:
        state = fail("a", "rate_limited", 100.0, State(), retry_after_s=7)
        assert state.cooling_down("a", now=106.9)
        assert not state.cooling_down("a", now=107.0)
        assert 107.0 == state.blocked_until("a", now=100.0)

    def test_default_cooldown_is_configurable(self) -> None:
        state = fail("a", "rate_limited", 0.0, State(config=HealthConfig(rate_limit_cooldown_s=5)))
        assert state.cooling_down("a", now=4.0)
        assert not state.cooling_down("a", now=5.0)

    def test_a_shorter_later_cooldown_does_not_cut_a_longer_one(self) -> None:
        state = fail("a", "rate_limited", 0.0, State(), retry_after_s=60)
        state = fail("a", "rate_limited", 1.0, state, retry_after_s=1)
        assert state.cooling_down("a", now=30.0)


class TestBreaker:
    def test_opens_after_repeated_failures_within_the_window(self) -> None:
        state = State(
            config=HealthConfig(breaker_failures=3, breaker_window_s=10, breaker_cooldown_s=20)
        )
        state = fail("a", "timeout", 0.0, state)
        state = fail("a", "server_error", 5.0, state)
        assert "closed" == state.breaker("a", now=5.0)
        state = fail("a", "timeout", 9.0, state)
        assert "open" == state.breaker("a", now=9.0)
        assert "half_open" == state.breaker("a", now=29.0)

    def test_failures_outside_the_window_do_not_count(self) -> None:
        state = State(config=HealthConfig(breaker_failures=2, breaker_window_s=10))
        state = fail("a", "timeout", 0.0, state)
        state = fail("a", "timeout", 11.0, state)
        assert "closed" == state.breaker("a", now=11.0)

    def test_half_open_probe_failure_reopens_and_success_closes(self) -> None:
        state = State(config=HealthConfig(breaker_failures=1, breaker_cooldown_s=10))
        state = fail("a", "server_error", 0.0, state)
        assert "half_open" == state.breaker("a", now=10.0)
        reopened = fail("a", "server_error", 10.0, state)
        assert "open" == reopened.breaker("a", now=15.0)
        closed = record(state, Attempt(deployment_id="a"), now=10.0)
        assert "closed" == closed.breaker("a", now=10.0)
        assert {} == dict(closed.failures)

    @pytest.mark.parametrize(
        "kind", ["auth", "bad_request", "content_filtered", "context_too_long"]
    )
    def test_other_failures_leave_health_alone(self, kind: str) -> None:
        state = State(config=HealthConfig(breaker_failures=1))
        assert State(config=HealthConfig(breaker_failures=1)) == fail("a", kind, 0.0, state)


class TestVendor:
    def test_failures_on_distinct_deployments_degrade_the_vendor(self) -> None:
        state = fail("a", "timeout", 0.0, State(), vendor="openai")
        state = fail("a", "timeout", 1.0, state, vendor="openai")
        assert frozenset() == state.degraded_vendors(now=1.0)
        state = fail("b", "rate_limited", 2.0, state, vendor="openai")
        assert frozenset({"openai"}) == state.degraded_vendors(now=2.0)
        assert frozenset() == state.degraded_vendors(now=62.0)

    def test_without_a_vendor_an_attempt_cannot_degrade_one(self) -> None:
        state = fail("a", "timeout", 0.0, State())
        state = fail("b", "timeout", 0.0, state)
        assert frozenset() == state.degraded_vendors(now=0.0)


class TestLedger:
    def test_spent_by_scope_and_time(self) -> None:
        catalog = reference_catalog()
        state = State()
        state = record(
            state,
            Attempt.of(catalog.deployment("openai/gpt-5"), cost_usd=1.0, tenant="a"),
            now=10.0,
        )
        state = record(
            state, Attempt.of(catalog.deployment("azure/gpt-5"), cost_usd=2.0, tenant="b"), now=20.0
        )
        state = record(
            state,
            Attempt.of(catalog.deployment("bedrock/nova-pro"), failure="timeout", cost_usd=0.5),
            now=5.0,
        )
        assert 3.5 == state.spent_usd()
        assert 3.0 == state.spent_usd(vendor="openai")
        assert 2.0 == state.spent_usd(provider="azure")
        assert 1.0 == state.spent_usd(tenant="a")
        assert 0.5 == state.spent_usd(deployment="bedrock/nova-pro")
        assert 2.0 == state.spent_usd(since=15.0)
        assert [5.0, 10.0, 20.0] == [c.time for c in state.ledger]

    def test_attempt_of_prices_usage(self) -> None:
        d = reference_catalog().deployment("openai/gpt-5")
        attempt = Attempt.of(d, usage=Usage(input_tokens=1_000_000, output_tokens=0))
        assert 1.25 == attempt.cost_usd
        assert attempt.ok

    def test_forget_before(self) -> None:
        state = record(State(), Attempt(deployment_id="a", cost_usd=1.0), now=1.0)
        state = record(state, Attempt(deployment_id="a", cost_usd=2.0), now=5.0)
        assert 2.0 == state.forget_before(3.0).spent_usd()

    def test_views(self) -> None:
        state = fail("a", "rate_limited", 0.0, State(), retry_after_s=5, cost_usd=0.25)
        assert [
            {
                "deployment": "a",
                "cooldown_until": 5.0,
                "breaker_until": None,
                "recent_failures": 0,
                "spent_usd": 0.25,
            }
        ] == state.to_rows()
        assert "<table>" in state._repr_html_()


class TestValidation:
    def test_bad_failure_kind_is_named(self) -> None:
        with pytest.raises(ValidationError, match=r"failure.*'oops'"):
            Attempt(deployment_id="a", failure="oops")  # type: ignore[arg-type]

    def test_bad_now_is_named(self) -> None:
        with pytest.raises(ValidationError, match="now"):
            record(State(), Attempt(deployment_id="a"), now=float("inf"))

    def test_failure_accepts_enum_and_text(self) -> None:
        assert Failure.TIMEOUT == Attempt(deployment_id="a", failure="timeout").failure


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b"]),
            st.sampled_from([None, "timeout", "rate_limited", "server_error"]),
            st.floats(0, 100),
            st.sampled_from([0.0, 0.5]),
        ),
        max_size=20,
    )
)
def test_record_is_pure_and_the_ledger_adds_up(
    events: list[tuple[str, str | None, float, float]],
) -> None:
    state = State()
    for deployment, failure, now, spend in events:
        before = state
        snapshot = (dict(before.cooldowns), dict(before.breakers), before.ledger)
        state = record(
            state, Attempt(deployment_id=deployment, failure=failure, cost_usd=spend), now=now
        )  # type: ignore[arg-type]
        assert snapshot == (dict(before.cooldowns), dict(before.breakers), before.ledger)
    assert sum(spend for *_, spend in events) == pytest.approx(state.spent_usd())
    times = [c.time for c in state.ledger]
    assert sorted(times) == times
