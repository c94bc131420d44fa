"""Streams without a server: the rules of settling, budgets, first-chunk times and
bad input, with in-memory chunk sources and fake clocks."""

from __future__ import annotations

import asyncio
import gc
import weakref
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelfolio import (
    Attempt,
    Budget,
    Catalog,
    Deployment,
    HealthConfig,
    Latency,
    Model,
    Policy,
    Price,
    Request,
    Router,
    State,
    StreamInterrupted,
    Usage,
    ValidationError,
    aexecute_stream,
    by_latency,
    cost,
    estimate_cost,
    execute_stream,
    record,
    route,
)

REQUEST = Request(input_tokens=1_000, output_tokens=50)


def deployment(name: str, vendor: str, price: float, ttft_s: float | None = None) -> Deployment:
    model = Model(
        id=name,
        vendor=vendor,
        capabilities=["chat"],
        context_window=100_000,
        max_output_tokens=4_000,
    )
    return Deployment(
        id=f"{vendor}/{name}",
        model=model,
        provider=vendor,
        price=Price(input_per_mtok=price, output_per_mtok=price),
        latency=None if ttft_s is None else Latency(ttft_s=ttft_s, output_tokens_per_s=100.0),
    )


CATALOG = Catalog(deployments=[deployment("small", "a", 1.0), deployment("big", "b", 2.0)])


def counted(chunks: list[Any]) -> Usage | None:
    """A toy reader: each chunk is one output token once the first has come."""
    return Usage(input_tokens=1_000, output_tokens=len(chunks)) if chunks else None


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        self.t += 1.0
        return self.t


def test_the_first_chunk_time_is_a_weighted_mean_in_the_state() -> None:
    state = State(config=HealthConfig(first_chunk_weight=0.5))
    for seconds in (2.0, 4.0, 0.0):
        state = record(state, Attempt(deployment_id="a/x", first_chunk_s=seconds), now=1.0)
    assert state.first_chunk_s == {"a/x": 1.5}  # 2 -> 3 -> 1.5
    with pytest.raises(
        ValidationError, match=r"first_chunk_weight must be a number in \(0, 1\], got 0"
    ):
        HealthConfig(first_chunk_weight=0)
    with pytest.raises(ValidationError, match="first_chunk_s"):
        State(first_chunk_s={"a/x": -1.0})


def test_by_latency_ranks_on_the_observed_first_chunk_time() -> None:
    fast_hint = deployment("hinted", "a", 1.0, ttft_s=0.2)
    slow_hint = deployment("other", "b", 1.0, ttft_s=0.9)
    catalog = Catalog(deployments=[fast_hint, slow_hint])
    policy = Policy(score=by_latency)
    assert route(REQUEST, catalog, policy, now=0.0).chosen == fast_hint
    # streamed calls showed the hint wrong: a/hinted takes 3 s to its first chunk
    state = record(State(), Attempt(deployment_id=fast_hint.id, first_chunk_s=3.0), now=0.0)
    decision = route(REQUEST, catalog, policy, state=state, now=1.0)
    assert decision.chosen == slow_hint
    assert decision.scores[fast_hint.id] == 3.0 + 50 / 100.0


def test_a_stream_with_no_chunk_ends_at_once() -> None:
    stream = execute_stream(REQUEST, CATALOG, Policy(), call=lambda d, r: iter(()), now=Clock())
    assert list(stream) == []
    assert stream.finished
    assert stream.first_chunk_s is None
    assert stream.attempts[-1].ok
    assert stream.attempts[-1].first_chunk_s is None


def test_bad_stream_arguments_are_refused_with_their_values() -> None:
    def run(**options: Any) -> Any:
        return execute_stream(REQUEST, CATALOG, Policy(), now=Clock(), **options)

    with pytest.raises(
        ValidationError, match=r"usage must be a function of the chunks seen.*got 3"
    ):
        run(call=lambda d, r: iter("ab"), usage=3)
    with pytest.raises(ValidationError, match=r"first_chunk_timeout_s must be .* got -1"):
        run(call=lambda d, r: iter("ab"), first_chunk_timeout_s=-1)
    with pytest.raises(ValidationError, match=r"an iterable of chunks.*got int"):
        run(call=lambda d, r: 42)

    async def acall(d: Any, r: Any) -> list[str]:
        return ["a"]

    with pytest.raises(ValidationError, match="needs aexecute_stream"):
        run(call=acall)
    stream = run(call=lambda d, r: iter("ab"), usage=lambda chunks: "lots")
    with pytest.raises(ValidationError, match="usage must return a Usage or None"):
        list(stream)

    async def sync_to_async() -> None:
        await aexecute_stream(REQUEST, CATALOG, Policy(), call=lambda d, r: iter("ab"), now=Clock())

    with pytest.raises(
        ValidationError, match=r"async iterable.*a synchronous stream needs execute_stream"
    ):
        asyncio.run(sync_to_async())


def test_a_caller_error_inside_the_with_block_still_settles_the_stream() -> None:
    router = Router(CATALOG, Policy(), now=Clock())
    stream = router.stream(REQUEST, lambda d, r: iter("abc"))

    def use() -> None:
        with stream:
            next(stream)
            raise KeyError("the caller's own bug")

    with pytest.raises(KeyError):
        use()
    assert stream.finished
    assert router.state.ledger
    assert stream.attempts[-1].ok


def test_an_async_stream_dropped_unclosed_is_settled_when_collected() -> None:
    router = Router(CATALOG, Policy(budgets=[Budget(limit_usd=1.0, window_s=60)]), now=Clock())

    async def source(d: Any, r: Any) -> Any:
        for word in ("a", "b", "c"):
            yield word

    async def go() -> None:
        stream = await router.astream(REQUEST, source)
        await stream.__anext__()

    asyncio.run(go())
    gc.collect()
    assert router.reserved_usd == 0.0
    assert router.state.spent_usd() == estimate_cost(REQUEST, CATALOG.deployment("a/small"))


BEHAVIOUR = st.sampled_from(["whole", "close after one", "fail after two", "dropped"])


@settings(max_examples=60)
@given(
    behaviours=st.lists(BEHAVIOUR, min_size=1, max_size=12),
    limit=st.floats(min_value=0.001, max_value=0.02),
    open_at_once=st.integers(min_value=1, max_value=6),
)
def test_the_ledger_is_exactly_the_settled_streams_and_budgets_hold_while_open(
    behaviours: list[str], limit: float, open_at_once: int
) -> None:
    """Streams opened in waves of ``open_at_once`` (all open before any settles), each
    ending its own way: the ledger equals the settled costs, no reservation is left, and
    while a wave is open its reserved estimates stay within the budget."""
    router = Router(CATALOG, Policy(budgets=[Budget(limit_usd=limit, window_s=1e9)]), now=Clock())

    def source_for(behaviour: str) -> Any:
        def source(d: Any, r: Any) -> Any:
            yield "a"
            yield "b"
            if behaviour == "fail after two":
                raise ConnectionError("reset")
            yield "c"

        return source

    settled: list[float] = []
    for start in range(0, len(behaviours), open_at_once):
        wave = []
        for behaviour in behaviours[start : start + open_at_once]:
            try:
                wave.append(
                    (router.stream(REQUEST, source_for(behaviour), usage=counted), behaviour)
                )
            except Exception:  # refused: the budget (with the open reservations) is full
                continue
            assert router.state.spent_usd() + router.reserved_usd <= limit * (1 + 1e-12)
        for stream, behaviour in wave:
            if behaviour == "whole":
                list(stream)
            elif behaviour == "close after one":
                next(stream)
                stream.close()
            elif behaviour == "fail after two":
                with pytest.raises(StreamInterrupted):
                    list(stream)
            if behaviour == "dropped":  # only the first chunk came: one output token
                settled.append(
                    cost(Usage(input_tokens=1_000, output_tokens=1), stream.deployment.price)
                )
            else:
                settled.append(stream.cost_usd)
        wave.clear()
        stream = None  # the loop's last reference
        gc.collect()  # the dropped ones are settled now
        assert router.reserved_usd == 0.0
    ledger = router.state.ledger
    assert sorted(charge.cost_usd for charge in ledger) == sorted(settled)


def test_without_a_usage_reader_the_chunks_are_not_kept() -> None:
    class Chunk:
        pass

    made: list[Any] = []

    def source(d: Any, r: Any) -> Any:
        for _ in range(3):
            chunk = Chunk()
            made.append(weakref.ref(chunk))
            yield chunk

    stream = execute_stream(REQUEST, CATALOG, Policy(), call=source, now=Clock())
    for chunk in stream:
        del chunk
    gc.collect()
    assert stream.finished
    assert len(made) == 3
    assert all(ref() is None for ref in made)  # the stream (still alive) holds none
    assert "3 chunks" in repr(stream)
