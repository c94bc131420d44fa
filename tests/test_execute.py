from __future__ import annotations

import asyncio
import random
import threading
from typing import Any, ClassVar

import pytest

from helpers import RateLimited
from modelfolio import (
    Catalog,
    Classification,
    Deployment,
    ExecutionError,
    Failure,
    HealthConfig,
    Model,
    NoRouteError,
    Policy,
    Price,
    Reply,
    Request,
    Router,
    State,
    Usage,
    ValidationError,
    backoff_s,
    classify_error,
    execute,
)


class Clock:
    """A fake monotonic clock: each reading advances by ``step``; sleeping advances too."""

    def __init__(self, step: float = 0.01) -> None:
        self.t, self.step, self.slept = 0.0, step, []

    def __call__(self) -> float:
        self.t += self.step
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds


def dep(vendor: str, name: str, price: float, window: int = 100_000) -> Deployment:
    model = Model(
        id=f"{vendor}-{name}",
        vendor=vendor,
        capabilities=["chat"],
        context_window=window,
        max_output_tokens=1_000,
    )
    return Deployment(
        id=f"{vendor}/{name}",
        model=model,
        provider=vendor,
        price=Price(input_per_mtok=price, output_per_mtok=price),
    )


class Filtered(Exception):
    status_code = 400
    body: ClassVar[dict[str, Any]] = {"error": {"code": "content_filter", "message": "flagged"}}


REQUEST = Request(input_tokens=100, output_tokens=10)
OK_USAGE = Usage(input_tokens=100, output_tokens=10)


def scripted(outcomes: dict[str, list[Any]]) -> Any:
    """A call that plays, per deployment id, a list of exceptions or 'ok'."""

    def call(deployment: Deployment, request: Request) -> Reply[str]:
        outcome = outcomes[deployment.id].pop(0)
        if outcome == "ok":
            return Reply(response=deployment.id, usage=OK_USAGE)
        raise outcome

    return call


def test_content_filter_moves_to_another_vendor() -> None:
    catalog = Catalog(
        deployments=[dep("openai", "a", 1), dep("openai", "b", 2), dep("meta", "c", 3)]
    )
    done = execute(
        REQUEST,
        catalog,
        Policy(),
        call=scripted({"openai/a": [Filtered()], "meta/c": ["ok"]}),
        now=Clock(),
        sleep=Clock().sleep,
    )
    assert ["openai/a", "meta/c"] == [a.deployment_id for a in done.attempts]
    assert Failure.CONTENT_FILTERED == done.attempts[0].failure


def test_waits_only_when_every_candidate_is_cooling_down() -> None:
    catalog = Catalog(deployments=[dep("openai", "a", 1)])
    clock = Clock()
    done = execute(
        REQUEST,
        catalog,
        Policy(),
        call=scripted({"openai/a": [RateLimited(5), "ok"]}),
        now=clock,
        sleep=clock.sleep,
    )
    assert 1 == len(clock.slept)
    assert 4.9 < clock.slept[0] <= 5.0 + 0.1
    assert [Failure.RATE_LIMITED, None] == [a.failure for a in done.attempts]


def test_no_wait_past_the_deadline() -> None:
    catalog = Catalog(deployments=[dep("openai", "a", 1)])
    clock = Clock()
    with pytest.raises(ExecutionError) as caught:
        execute(
            REQUEST,
            catalog,
            Policy(),
            call=scripted({"openai/a": [RateLimited(30), "ok"]}),
            now=clock,
            sleep=clock.sleep,
            deadline_s=10,
        )
    assert [] == clock.slept
    assert 1 == len(caught.value.attempts)
    assert "deadline 10 s" in str(caught.value)


def test_no_call_starts_after_the_deadline() -> None:
    catalog = Catalog(deployments=[dep("openai", "a", 1), dep("meta", "b", 2)])
    clock = Clock(step=6.0)
    with pytest.raises(ExecutionError) as caught:
        execute(
            REQUEST,
            catalog,
            Policy(),
            call=scripted({"openai/a": [TimeoutError()], "meta/b": ["ok"]}),
            now=clock,
            sleep=clock.sleep,
            deadline_s=10,
        )
    assert ["openai/a"] == [a.deployment_id for a in caught.value.attempts]


def test_no_route_at_all_raises_no_route_error() -> None:
    catalog = Catalog(deployments=[dep("openai", "a", 1)])
    with pytest.raises(NoRouteError):
        execute(
            Request(input_tokens=10**6, output_tokens=1),
            catalog,
            Policy(),
            call=scripted({}),
            now=Clock(),
            sleep=Clock().sleep,
        )


def test_custom_classifier_and_state_carry_through() -> None:
    catalog = Catalog(deployments=[dep("openai", "a", 1), dep("meta", "b", 2)])

    def classify(error: BaseException) -> Any:
        return (
            (Failure.RATE_LIMITED, 99.0) if isinstance(error, KeyError) else classify_error(error)
        )

    start = State()
    done = execute(
        REQUEST,
        catalog,
        Policy(),
        call=scripted({"openai/a": [KeyError("x")], "meta/b": ["ok"]}),
        state=start,
        now=Clock(),
        sleep=Clock().sleep,
        classify=classify,
    )
    assert 99.0 == done.attempts[0].retry_after_s
    assert "openai/a" in done.state.cooldowns
    assert {} == dict(start.cooldowns)
    assert done.state.spent_usd() == pytest.approx(110 * 2 / 1e6)
    assert done.state.spent_usd(vendor="meta") == done.cost_usd


def test_bad_reply_and_arguments_are_refused() -> None:
    catalog = Catalog(deployments=[dep("openai", "a", 1)])
    with pytest.raises(ValidationError, match="Reply"):
        execute(
            REQUEST, catalog, Policy(), call=lambda d, r: "text", now=Clock(), sleep=Clock().sleep
        )  # type: ignore[arg-type, return-value]
    with pytest.raises(ValidationError, match="max_attempts"):
        execute(REQUEST, catalog, Policy(), call=scripted({}), max_attempts=0)
    with pytest.raises(ValidationError, match="deadline_s"):
        execute(REQUEST, catalog, Policy(), call=scripted({}), deadline_s=-1)


def test_backoff_is_seeded_and_capped() -> None:
    assert backoff_s(3, rng=random.Random(4)) == backoff_s(3, rng=random.Random(4))
    assert all(0 <= backoff_s(n, rng=random.Random(n), cap_s=2.0) <= 2.0 for n in range(40))


def test_classification_of_builtins() -> None:
    assert Classification(failure=Failure.SERVER_ERROR) == classify_error(
        ConnectionError("refused")
    )
    assert Failure.CONTENT_FILTERED == classify_error(Filtered()).failure


def test_router_under_many_threads_keeps_an_exact_ledger() -> None:
    catalog = Catalog(
        deployments=[
            dep(v, n, p)
            for v, n, p in [
                ("openai", "a", 1),
                ("openai", "b", 2),
                ("meta", "c", 3),
                ("mistral", "d", 4),
                ("google", "e", 5),
            ]
        ]
    )
    lock = threading.Lock()
    clock = {"t": 0.0}

    def now() -> float:
        with lock:
            clock["t"] += 0.001
            return clock["t"]

    def sleep(seconds: float) -> None:
        with lock:
            clock["t"] += seconds

    health = HealthConfig(breaker_cooldown_s=0.05, rate_limit_cooldown_s=0.01)
    router = Router(
        catalog,
        Policy(fallbacks=4),
        state=State(config=health),
        now=now,
        sleep=sleep,
        max_attempts=3,
    )
    successes: list[float] = []
    attempts_per_request: list[int] = []
    errors: list[BaseException] = []

    def worker(seed: int) -> None:
        rng = random.Random(seed)

        def call(deployment: Deployment, request: Request) -> Reply[str]:
            roll = rng.random()
            if roll < 0.15:
                raise TimeoutError("slow")
            if roll < 0.25:
                raise RateLimited(0.01)
            usage = Usage(input_tokens=request.input_tokens, output_tokens=rng.randint(1, 50))
            return Reply(response="ok", usage=usage)

        for n in range(500):
            try:
                done = router.complete(
                    Request(input_tokens=100 + n, output_tokens=50, key=f"{seed}-{n}"), call
                )
            except ExecutionError as error:
                attempts_per_request.append(len(error.attempts))
                continue
            except NoRouteError:  # every breaker open at once: no call made
                attempts_per_request.append(0)
                continue
            except Exception as error:
                errors.append(error)
                continue
            attempts_per_request.append(len(done.attempts))
            with lock:
                successes.append(done.attempts[-1].cost_usd)

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [] == errors
    assert 8 * 500 == len(attempts_per_request)
    assert max(attempts_per_request) <= 3
    ledger = sorted(charge.cost_usd for charge in router.state.ledger)
    assert sorted(successes) == ledger
    assert len(successes) > 3_000


def test_router_from_many_tasks() -> None:
    catalog = Catalog(deployments=[dep("openai", "a", 1), dep("meta", "b", 2)])
    router = Router(catalog, Policy(), now=Clock(), asleep=asyncio.sleep)

    async def acall(deployment: Deployment, request: Request) -> Reply[str]:
        await asyncio.sleep(0)
        if deployment.id == "openai/a" and request.input_tokens % 2:
            raise TimeoutError("odd")
        return Reply(response=deployment.id, usage=OK_USAGE)

    async def main() -> list[Any]:
        return await asyncio.gather(
            *(
                router.acomplete(Request(input_tokens=n + 1, output_tokens=1), acall)
                for n in range(200)
            )
        )

    results = asyncio.run(main())
    assert 200 == len(results)
    assert len(router.state.ledger) == 200
    assert router.state.spent_usd() == pytest.approx(sum(r.cost_usd for r in results))


def test_httpx_exceptions_are_classified() -> None:
    httpx = pytest.importorskip("httpx", reason="httpx is installed with the test extra")
    request = httpx.Request("POST", "https://api.example.com/v1/chat")
    limited = httpx.HTTPStatusError(
        "429",
        request=request,
        response=httpx.Response(429, headers={"retry-after-ms": "1500"}, request=request),
    )
    assert Classification(failure=Failure.RATE_LIMITED, retry_after_s=1.5) == classify_error(
        limited
    )
    broken = httpx.HTTPStatusError(
        "503", request=request, response=httpx.Response(503, request=request)
    )
    assert Failure.SERVER_ERROR == classify_error(broken).failure
    assert Failure.TIMEOUT == classify_error(httpx.ReadTimeout("slow", request=request)).failure
    assert (
        Failure.SERVER_ERROR
        == classify_error(httpx.ConnectError("refused", request=request)).failure
    )
    unauthorised = httpx.HTTPStatusError(
        "401", request=request, response=httpx.Response(401, request=request)
    )
    assert Failure.AUTH == classify_error(unauthorised).failure
