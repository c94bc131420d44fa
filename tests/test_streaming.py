"""Streamed executions with the real OpenAI and Anthropic SDKs against a local SSE server.

The server (tests/fake_streams.py) sends server-sent events as the real APIs do; the
SDK clients are the real ones, pointed at 127.0.0.1. Failover happens only before the
first chunk; after it, an error is StreamInterrupted and nothing is re-sent.
"""

from __future__ import annotations

import asyncio
import gc
import math
import threading
import time
from collections.abc import Iterator
from typing import Any

import anthropic
import openai
import pytest

from fake_streams import INPUT_TOKENS, WORDS, Running, serve_streams
from modelfolio import (
    Budget,
    Catalog,
    Deployment,
    ExecutionError,
    Failure,
    Model,
    Policy,
    Price,
    Request,
    Router,
    StreamInterrupted,
    Usage,
    aexecute_stream,
    cost,
    estimate_cost,
    execute_stream,
    usage_from_anthropic_stream,
    usage_from_openai_stream,
)

# A local answer comes in milliseconds; these bounds are far above that on a busy
# machine, and far below the slow scenario's wait (released when the server stops).
CLIENT_TIMEOUT_S = 10.0
FIRST_CHUNK_TIMEOUT_S = 1.0
WAIT_S = 10.0


def deployment(vendor: str, scenario: str, price: float) -> Deployment:
    model = Model(
        id=f"{vendor}-{scenario}-{price:g}",
        vendor=vendor,
        capabilities=["chat"],
        context_window=100_000,
        max_output_tokens=4_000,
    )
    return Deployment(
        id=f"{vendor}/{scenario}-{price:g}",
        model=model,
        provider=vendor,
        price=Price(input_per_mtok=price, output_per_mtok=price * 4),
        api_model=f"{vendor}/{scenario}-{price:g}",
    )


@pytest.fixture(scope="module")
def server() -> Iterator[Running]:
    with serve_streams() as running:
        yield running


class Clients:
    """The real SDK clients, streaming from the local server (sync or async ones)."""

    def __init__(self, base_url: str, mode: str = "sync") -> None:
        common: dict[str, Any] = {
            "api_key": "test-key",
            "max_retries": 0,
            "timeout": CLIENT_TIMEOUT_S,
        }
        if mode == "sync":
            self.openai: Any = openai.OpenAI(base_url=f"{base_url}/v1", **common)
            self.anthropic: Any = anthropic.Anthropic(base_url=base_url, **common)
        else:
            self.openai = openai.AsyncOpenAI(base_url=f"{base_url}/v1", **common)
            self.anthropic = anthropic.AsyncAnthropic(base_url=base_url, **common)

    def close(self) -> None:
        self.openai.close()
        self.anthropic.close()

    async def aclose(self) -> None:
        await self.openai.close()
        await self.anthropic.close()

    def call(self, d: Deployment, request: Request) -> Any:
        messages: Any = [{"role": "user", "content": "hello"}]
        if d.vendor == "openai":
            return self.openai.chat.completions.create(
                model=d.api_model,
                messages=messages,
                max_tokens=request.output_tokens,
                stream=True,
                stream_options={"include_usage": True},
            )
        return self.anthropic.messages.create(
            model=d.api_model, max_tokens=request.output_tokens, messages=messages, stream=True
        )

    async def acall(self, d: Deployment, request: Request) -> Any:
        messages: Any = [{"role": "user", "content": "hello"}]
        if d.vendor == "openai":
            return await self.openai.chat.completions.create(
                model=d.api_model,
                messages=messages,
                max_tokens=request.output_tokens,
                stream=True,
                stream_options={"include_usage": True},
            )
        return await self.anthropic.messages.create(
            model=d.api_model, max_tokens=request.output_tokens, messages=messages, stream=True
        )


def usage_of(chunks: Any) -> Usage | None:
    """Either vendor's stream usage, by the shape of its first chunk."""
    if not chunks:
        return None
    if getattr(chunks[0], "type", None) == "message_start":
        return usage_from_anthropic_stream(chunks)
    return usage_from_openai_stream(chunks)


def text_of(chunks: list[Any]) -> str:
    parts = []
    for chunk in chunks:
        if getattr(chunk, "type", None) == "content_block_delta":
            parts.append(chunk.delta.text)
        elif getattr(chunk, "choices", None):
            parts.append(chunk.choices[0].delta.content or "")
    return "".join(parts)


REQUEST = Request(input_tokens=1_000, output_tokens=50)
POLICY = Policy(fallbacks=3)
MODES = ["sync", "async"]
VENDORS = ["openai", "anthropic"]


def stream_all(
    mode: str, server: Running, catalog: Catalog, *, stop_after: int | None = None, **options: Any
) -> tuple[Any, list[Any], BaseException | None]:
    """Open a stream, read it (all, or ``stop_after`` chunks then close); the stream, the
    chunks read and the error raised while reading, if any."""
    options.setdefault("usage", usage_of)
    if mode == "sync":
        clients = Clients(server.base_url)
        chunks: list[Any] = []
        try:
            stream = execute_stream(
                REQUEST, catalog, POLICY, call=clients.call, sleep=lambda s: None, **options
            )
            with stream:
                for chunk in stream:
                    chunks.append(chunk)
                    if stop_after is not None and len(chunks) == stop_after:
                        break
        except StreamInterrupted as error:
            return stream, chunks, error
        finally:
            clients.close()
        return stream, chunks, None

    async def go() -> tuple[Any, list[Any], BaseException | None]:
        async def no_wait(seconds: float) -> None:
            return None

        clients = Clients(server.base_url, "async")
        chunks: list[Any] = []
        stream = None
        try:
            opening = aexecute_stream(
                REQUEST, catalog, POLICY, call=clients.acall, sleep=no_wait, **options
            )
            async with opening as stream:
                async for chunk in stream:
                    chunks.append(chunk)
                    if stop_after is not None and len(chunks) == stop_after:
                        break
        except StreamInterrupted as error:
            return stream, chunks, error
        finally:
            await clients.aclose()
        return stream, chunks, None

    return asyncio.run(go())


def wait_until(condition: Any) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, "the server never saw the stream end"
        time.sleep(0.01)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("vendor", VENDORS)
def test_a_whole_stream_with_its_usage(server: Running, mode: str, vendor: str) -> None:
    d = deployment(vendor, "ok", 1.0)
    stream, chunks, error = stream_all(mode, server, Catalog(deployments=[d]))
    assert error is None
    assert text_of(chunks) == "".join(WORDS)
    # the SDK's own chunk objects, unchanged
    kind = (
        openai.types.chat.ChatCompletionChunk
        if vendor == "openai"
        else anthropic.types.RawMessageStartEvent
    )
    assert isinstance(chunks[0], kind)
    assert stream.deployment == d
    assert stream.finished
    assert stream.usage == Usage(input_tokens=INPUT_TOKENS, output_tokens=len(WORDS))
    (attempt,) = stream.attempts
    assert attempt.ok
    assert not attempt.cost_estimated
    assert attempt.cost_usd == cost(stream.usage, d.price) == stream.cost_usd
    assert 0 < stream.first_chunk_s <= attempt.latency_s
    assert attempt.first_chunk_s == stream.first_chunk_s
    assert stream.state.spent_usd() == stream.cost_usd
    assert stream.state.first_chunk_s == {d.id: stream.first_chunk_s}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("vendor", VENDORS)
def test_a_rate_limit_before_the_first_chunk_fails_over_to_another_vendor(
    server: Running, mode: str, vendor: str
) -> None:
    other = "anthropic" if vendor == "openai" else "openai"
    limited = deployment(vendor, "rate", 1.0)
    fallback = deployment(other, "ok", 3.0)
    stream, chunks, error = stream_all(mode, server, Catalog(deployments=[limited, fallback]))
    assert error is None
    assert text_of(chunks) == "".join(WORDS)
    first, second = stream.attempts
    assert first.deployment_id == limited.id
    assert first.failure is Failure.RATE_LIMITED
    assert first.retry_after_s == 20.0
    assert first.first_chunk_s is None
    assert second.deployment_id == fallback.id
    assert second.ok
    assert stream.deployment.vendor == other
    assert stream.state.cooling_down(limited.id, now=time.monotonic())


@pytest.mark.parametrize("mode", MODES)
def test_a_rate_limit_is_not_an_outage_of_the_vendor(server: Running, mode: str) -> None:
    # A 429 is one deployment's quota, not its vendor's outage: the next cheapest may be
    # the same vendor's, as with execute (a server error would move to another vendor).
    limited = deployment("openai", "rate", 1.0)
    same_vendor = deployment("openai", "ok", 2.0)
    other = deployment("anthropic", "ok", 3.0)
    stream, _, error = stream_all(mode, server, Catalog(deployments=[limited, same_vendor, other]))
    assert error is None
    assert [a.deployment_id for a in stream.attempts] == [limited.id, same_vendor.id]


@pytest.mark.parametrize("mode", MODES)
def test_a_server_error_fails_over_to_another_vendor_first(server: Running, mode: str) -> None:
    broken = deployment("openai", "boom", 1.0)
    same_vendor = deployment("openai", "ok", 2.0)
    other = deployment("anthropic", "ok", 3.0)
    stream, _chunks, error = stream_all(
        mode, server, Catalog(deployments=[broken, same_vendor, other])
    )
    assert error is None
    assert [a.deployment_id for a in stream.attempts] == [broken.id, other.id]
    assert stream.attempts[0].failure is Failure.SERVER_ERROR


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("vendor", VENDORS)
def test_a_failure_after_three_chunks_is_interrupted_not_resent(
    server: Running, mode: str, vendor: str
) -> None:
    cut = deployment(vendor, "cut", 1.0)
    spare = deployment("anthropic" if vendor == "openai" else "openai", "ok", 2.0)
    before = len(server.log)
    stream, chunks, error = stream_all(mode, server, Catalog(deployments=[cut, spare]))
    assert isinstance(error, StreamInterrupted)
    assert text_of(chunks) == "".join(WORDS[:3])  # the three text chunks, then the error
    expected_cause = openai.APIConnectionError if vendor == "openai" else anthropic.APIStatusError
    assert isinstance(error.__cause__, expected_cause)
    assert server.log[before:] == [(vendor, cut.api_model)]  # never re-sent
    (attempt,) = error.attempts
    assert attempt.deployment_id == cut.id
    assert attempt.failure is Failure.SERVER_ERROR
    assert error.deployment == cut
    assert stream.attempts == error.attempts
    if vendor == "anthropic":  # message_start and a message_delta said what was used
        assert attempt.usage == Usage(input_tokens=INPUT_TOKENS, output_tokens=2)
        assert not attempt.cost_estimated
        assert attempt.cost_usd == cost(attempt.usage, cut.price)
    else:  # OpenAI sends usage only at the end: the estimate is charged, and said
        assert attempt.usage is None
        assert attempt.cost_estimated
        assert attempt.cost_usd == estimate_cost(REQUEST, cut)
    assert error.state.spent_usd() == attempt.cost_usd
    assert error.state.failures[cut.id]  # counted towards its breaker


@pytest.mark.parametrize("mode", MODES)
def test_no_first_chunk_in_time_is_a_timeout_and_fails_over(server: Running, mode: str) -> None:
    slow = deployment("openai", "slow", 1.0)
    other = deployment("anthropic", "ok", 2.0)
    stream, chunks, error = stream_all(
        mode,
        server,
        Catalog(deployments=[slow, other]),
        first_chunk_timeout_s=FIRST_CHUNK_TIMEOUT_S,
    )
    assert error is None
    assert text_of(chunks) == "".join(WORDS)
    first, second = stream.attempts
    assert first.deployment_id == slow.id
    assert first.failure is Failure.TIMEOUT
    assert first.latency_s >= FIRST_CHUNK_TIMEOUT_S * 0.99
    assert second.deployment_id == other.id
    assert second.ok


@pytest.mark.parametrize("mode", MODES)
def test_every_deployment_failing_before_a_chunk_is_an_execution_error(
    server: Running, mode: str
) -> None:
    catalog = Catalog(
        deployments=[deployment("openai", "boom", 1.0), deployment("anthropic", "boom", 2.0)]
    )
    with pytest.raises(ExecutionError) as raised:
        stream_all(mode, server, catalog)
    assert [a.failure for a in raised.value.attempts] == [Failure.SERVER_ERROR] * 2
    assert isinstance(
        raised.value.__cause__, (openai.InternalServerError, anthropic.InternalServerError)
    )


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("vendor", VENDORS)
def test_closing_early_ends_the_call_and_records_what_was_used(
    server: Running, mode: str, vendor: str
) -> None:
    d = deployment(vendor, "ok", 1.0)
    ended = server.ended_streams
    stream, chunks, error = stream_all(mode, server, Catalog(deployments=[d]), stop_after=1)
    assert error is None
    assert len(chunks) == 1
    assert stream.finished
    wait_until(lambda: server.ended_streams > ended)  # the connection really closed
    (attempt,) = stream.attempts
    assert attempt.ok
    if vendor == "anthropic":  # message_start came: the input and first output token
        assert attempt.usage == Usage(input_tokens=INPUT_TOKENS, output_tokens=1)
    else:
        assert attempt.cost_estimated
        assert attempt.cost_usd == estimate_cost(REQUEST, d)
    assert stream.state.spent_usd() == attempt.cost_usd


def test_without_a_usage_reader_the_estimate_is_charged(server: Running) -> None:
    d = deployment("openai", "ok", 1.0)
    stream, _chunks, error = stream_all("sync", server, Catalog(deployments=[d]), usage=None)
    assert error is None
    assert stream.usage is None
    assert stream.attempts[-1].cost_estimated
    assert stream.cost_usd == estimate_cost(REQUEST, d)


@pytest.mark.parametrize("mode", MODES)
def test_concurrent_streams_through_one_router_keep_the_budget_exactly(
    server: Running, mode: str
) -> None:
    catalog = Catalog(
        deployments=[deployment("openai", "ok", 1.0), deployment("anthropic", "ok", 2.0)]
    )
    one = min(estimate_cost(REQUEST, d) for d in catalog.deployments)
    budget = Budget(limit_usd=one * 5.5, window_s=3_600)
    router = Router(catalog, Policy(fallbacks=1, budgets=[budget]), sleep=lambda s: None)
    clients = Clients(server.base_url, mode)
    costs: list[float] = []
    refused: list[BaseException] = []
    lock = threading.Lock()
    holding = threading.Barrier(8, timeout=WAIT_S)

    def one_stream_sync() -> None:
        try:
            stream = router.stream(REQUEST, clients.call, usage=usage_of)
        except Exception as error:  # refused by the budget
            with lock:
                refused.append(error)
            holding.wait()
            return
        holding.wait()  # every stream is open (or refused) before any settles
        with stream:
            for _ in stream:
                pass
        with lock:
            costs.append(stream.cost_usd)

    if mode == "sync":
        threads = [threading.Thread(target=one_stream_sync) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(WAIT_S)
        clients.close()
    else:

        async def go() -> None:
            streams = []
            for _ in range(8):
                try:
                    streams.append(await router.astream(REQUEST, clients.acall, usage=usage_of))
                except Exception as error:
                    refused.append(error)

            async def drain(stream: Any) -> None:
                async with stream:
                    async for _ in stream:
                        pass
                costs.append(stream.cost_usd)

            await asyncio.gather(*(drain(stream) for stream in streams))
            await clients.aclose()

        asyncio.run(go())
    # While all were open, reservations held the budget: at most 5 estimates fit.
    assert len(costs) == 5
    assert len(refused) == 3
    assert router.reserved_usd == 0.0
    ledger = router.state.ledger
    assert math.fsum(charge.cost_usd for charge in ledger) == math.fsum(costs)
    assert sorted(charge.cost_usd for charge in ledger) == sorted(costs)
    assert router.state.spent_usd() <= budget.limit_usd


def test_a_stream_dropped_without_closing_is_settled_when_collected() -> None:
    d = deployment("openai", "ok", 1.0)
    router = Router(Catalog(deployments=[d]), Policy(budgets=[Budget(limit_usd=1.0, window_s=60)]))
    stream = router.stream(REQUEST, lambda dep, req: iter(["a", "b", "c"]))
    next(stream)
    assert router.reserved_usd == estimate_cost(REQUEST, d)
    assert router.state.ledger == ()
    del stream
    gc.collect()
    assert router.reserved_usd == 0.0
    (charge,) = router.state.ledger
    assert charge.cost_usd == estimate_cost(REQUEST, d)


def test_a_reservation_expires_after_its_time_to_live() -> None:
    d = deployment("openai", "ok", 1.0)
    clock = [0.0]
    router = Router(
        Catalog(deployments=[d]),
        Policy(budgets=[Budget(limit_usd=1.0, window_s=3_600)]),
        now=lambda: clock[0],
        reservation_ttl_s=30.0,
    )
    stream = router.stream(REQUEST, lambda dep, req: iter(["a", "b"]))
    assert router.reserved_usd > 0
    clock[0] = 31.0
    assert router.reserved_usd == 0.0
    stream.close()  # settled late: its cost still counts once
    assert router.state.spent_usd() == estimate_cost(REQUEST, d)
