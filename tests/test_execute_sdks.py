"""execute and aexecute driving the real OpenAI and Anthropic SDKs against a local server."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import anthropic
import openai
import pytest

from fake_vendors import serve
from modelfolio import (
    Catalog,
    Deployment,
    ExecutionError,
    Failure,
    Model,
    Policy,
    Price,
    Reply,
    Request,
    aexecute,
    classify_error,
    execute,
    usage_from_anthropic,
    usage_from_openai,
)

# Far above a local answer's time on a busy machine; a hang lasts until the server stops.
TIMEOUT_S = 1.0


def deployment(vendor: str, scenario: str, price: float, window: int = 100_000) -> Deployment:
    model = Model(
        id=f"{vendor}-{scenario}-{price:g}",
        vendor=vendor,
        capabilities=["chat"],
        context_window=window,
        max_output_tokens=4_000,
    )
    return Deployment(
        id=f"{vendor}/{scenario}-{price:g}",
        model=model,
        provider=vendor,
        price=Price(input_per_mtok=price, output_per_mtok=price),
    )


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, list[tuple[str, str]]]]:
    with serve() as running:
        yield running


class Clients:
    def __init__(self, base_url: str) -> None:
        common: dict[str, Any] = {"api_key": "test-key", "max_retries": 0, "timeout": TIMEOUT_S}
        self.openai = openai.OpenAI(base_url=f"{base_url}/v1", **common)
        self.anthropic = anthropic.Anthropic(base_url=base_url, **common)
        self.aopenai = openai.AsyncOpenAI(base_url=f"{base_url}/v1", **common)
        self.aanthropic = anthropic.AsyncAnthropic(base_url=base_url, **common)

    def call(self, d: Deployment, request: Request) -> Reply[Any]:
        messages = [{"role": "user", "content": "hello"}]
        if d.vendor == "openai":
            response = self.openai.chat.completions.create(
                model=d.id, messages=messages, max_tokens=request.output_tokens
            )  # type: ignore[arg-type]
            return Reply(response=response, usage=usage_from_openai(response))
        response = self.anthropic.messages.create(
            model=d.id, max_tokens=request.output_tokens, messages=messages
        )  # type: ignore[arg-type]
        return Reply(response=response, usage=usage_from_anthropic(response))

    async def acall(self, d: Deployment, request: Request) -> Reply[Any]:
        messages = [{"role": "user", "content": "hello"}]
        if d.vendor == "openai":
            response = await self.aopenai.chat.completions.create(
                model=d.id, messages=messages, max_tokens=request.output_tokens
            )  # type: ignore[arg-type]
            return Reply(response=response, usage=usage_from_openai(response))
        response = await self.aanthropic.messages.create(
            model=d.id, max_tokens=request.output_tokens, messages=messages
        )  # type: ignore[arg-type]
        return Reply(response=response, usage=usage_from_anthropic(response))


REQUEST = Request(input_tokens=1_000, output_tokens=50)
POLICY = Policy(fallbacks=3)


def run(mode: str, base_url: str, catalog: Catalog, **options: Any) -> Any:
    clients = Clients(base_url)
    if mode == "sync":
        return execute(REQUEST, catalog, POLICY, call=clients.call, sleep=lambda s: None, **options)

    async def go() -> Any:
        async def no_wait(seconds: float) -> None:
            return None

        return await aexecute(
            REQUEST, catalog, POLICY, call=clients.acall, sleep=no_wait, **options
        )

    return asyncio.run(go())


MODES = ["sync", "async"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("vendor", ["openai", "anthropic"])
def test_rate_limit_cools_down_and_fails_over(server: Any, mode: str, vendor: str) -> None:
    other = "anthropic" if vendor == "openai" else "openai"
    catalog = Catalog(deployments=[deployment(vendor, "rate", 1), deployment(other, "ok", 2)])
    done = run(mode, server[0], catalog)
    assert [Failure.RATE_LIMITED, None] == [a.failure for a in done.attempts]
    assert 20.0 == done.attempts[0].retry_after_s
    first = done.attempts[0].deployment_id
    assert done.state.cooling_down(first, now=done.state.cooldowns[first] - 1)
    assert f"{other}/ok-2" == done.deployment.id
    assert f"hello from {other}/ok-2" in str(done.response)
    assert 15 == done.attempts[1].usage.input_tokens + done.attempts[1].usage.output_tokens
    assert done.cost_usd == pytest.approx(15 * 2 / 1e6)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("vendor", "scenario"), [("openai", "boom"), ("anthropic", "boom"), ("anthropic", "overloaded")]
)
def test_server_errors_fail_over_to_another_vendor_first(
    server: Any, mode: str, vendor: str, scenario: str
) -> None:
    other = "anthropic" if vendor == "openai" else "openai"
    catalog = Catalog(
        deployments=[
            deployment(vendor, scenario, 1),
            deployment(vendor, "ok", 2),
            deployment(other, "ok", 3),
        ]
    )
    done = run(mode, server[0], catalog)
    assert [Failure.SERVER_ERROR, None] == [a.failure for a in done.attempts]
    assert f"{other}/ok-3" == done.deployment.id  # not the cheaper same-vendor one
    assert 1 == len(done.state.failures[done.attempts[0].deployment_id])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("vendor", ["openai", "anthropic"])
def test_context_too_long_moves_only_to_larger_windows(server: Any, mode: str, vendor: str) -> None:
    catalog = Catalog(
        deployments=[
            deployment(vendor, "ctx", 1, window=8_192),
            deployment("anthropic" if vendor == "openai" else "openai", "ok", 2, window=8_192),
            deployment(vendor, "ok", 3, window=200_000),
        ]
    )
    done = run(mode, server[0], catalog)
    assert [Failure.CONTEXT_TOO_LONG, None] == [a.failure for a in done.attempts]
    assert f"{vendor}/ok-3" == done.deployment.id


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("vendor", ["openai", "anthropic"])
def test_auth_failure_stops_at_once(server: Any, mode: str, vendor: str) -> None:
    catalog = Catalog(
        deployments=[
            deployment(vendor, "auth", 1),
            deployment("openai", "ok", 2),
            deployment("anthropic", "ok", 3),
        ]
    )
    with pytest.raises(ExecutionError) as caught:
        run(mode, server[0], catalog)
    assert [Failure.AUTH] == [a.failure for a in caught.value.attempts]
    assert isinstance(
        caught.value.__cause__, (openai.AuthenticationError, anthropic.AuthenticationError)
    )


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("vendor", ["openai", "anthropic"])
def test_a_hang_past_the_client_timeout_is_a_timeout(server: Any, mode: str, vendor: str) -> None:
    other = "anthropic" if vendor == "openai" else "openai"
    catalog = Catalog(deployments=[deployment(vendor, "hang", 1), deployment(other, "ok", 2)])
    done = run(mode, server[0], catalog)
    assert [Failure.TIMEOUT, None] == [a.failure for a in done.attempts]
    assert done.attempts[0].latency_s >= TIMEOUT_S * 0.9


@pytest.mark.parametrize("mode", MODES)
def test_never_more_than_max_attempts(server: Any, mode: str) -> None:
    catalog = Catalog(
        deployments=[
            deployment(v, s, p)
            for p, (v, s) in enumerate(
                [
                    ("openai", "boom"),
                    ("anthropic", "boom"),
                    ("anthropic", "overloaded"),
                    ("openai", "boom"),
                    ("openai", "ok"),
                ],
                start=1,
            )
        ]
    )
    with pytest.raises(ExecutionError) as caught:
        run(mode, server[0], catalog, max_attempts=3)
    assert 3 == len(caught.value.attempts)
    assert isinstance(caught.value.__cause__, (openai.APIStatusError, anthropic.APIStatusError))
    assert "no attempt succeeded (3 of at most 3 made)" in str(caught.value)


def test_the_server_saw_each_failover(server: Any) -> None:
    base_url, log = server
    log.clear()
    catalog = Catalog(
        deployments=[
            deployment("openai", "rate", 1),
            deployment("anthropic", "boom", 2),
            deployment("openai", "ok", 3),
        ]
    )
    run("sync", base_url, catalog)
    assert [
        ("openai", "openai/rate-1"),
        ("anthropic", "anthropic/boom-2"),
        ("openai", "openai/ok-3"),
    ] == log


def test_sdk_exceptions_are_classified(server: Any) -> None:
    clients = Clients(server[0])
    cases = {
        "openai/rate-1": (Failure.RATE_LIMITED, 20.0),
        "openai/boom-1": (Failure.SERVER_ERROR, None),
        "openai/ctx-1": (Failure.CONTEXT_TOO_LONG, None),
        "openai/auth-1": (Failure.AUTH, None),
        "anthropic/rate-1": (Failure.RATE_LIMITED, 20.0),
        "anthropic/overloaded-1": (Failure.SERVER_ERROR, None),
        "anthropic/ctx-1": (Failure.CONTEXT_TOO_LONG, None),
        "anthropic/auth-1": (Failure.AUTH, None),
        "openai/hang-1": (Failure.TIMEOUT, None),
    }
    for model_id, expected in cases.items():
        vendor = model_id.split("/")[0]
        with pytest.raises(Exception) as caught:  # noqa: PT011 - any SDK error
            clients.call(deployment(vendor, model_id.split("/")[1].rsplit("-", 1)[0], 1), REQUEST)
        verdict = classify_error(caught.value)
        assert expected == (verdict.failure, verdict.retry_after_s), model_id
