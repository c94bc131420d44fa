"""Every SDK the catalog sells: Gemini, Mistral, Cohere and Bedrock errors and usage (issue 26).

The real clients (``google-genai``, ``mistralai``, ``cohere``, ``boto3``; test extras)
call a local server (tests/fake_more_vendors.py, 127.0.0.1 only) that answers as each
API does; the exceptions the clients raise are classified by ``classify_error``, the
responses read by the ``usage_from_*`` readers, and ``execute`` fails over between them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

pytest.importorskip("google.genai", reason="needs google-genai (in the [test] extra)")
pytest.importorskip("mistralai", reason="needs mistralai (in the [test] extra)")
pytest.importorskip("cohere", reason="needs cohere (in the [test] extra)")
pytest.importorskip("boto3", reason="needs boto3 (in the [test] extra)")

import boto3
import cohere
from botocore.config import Config
from google import genai
from google.genai import types as genai_types
from mistralai.client import Mistral

from fake_more_vendors import serve
from modelfolio import (
    Catalog,
    Deployment,
    Failure,
    Model,
    Policy,
    Price,
    Reply,
    Request,
    Usage,
    classify_error,
    execute,
    usage_from_bedrock,
    usage_from_cohere,
    usage_from_gemini,
    usage_from_mistral,
)

TIMEOUT_S = 5.0


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, list[tuple[str, str]]]]:
    with serve() as running:
        yield running


def _gemini(url: str) -> Callable[[str], Any]:
    client = genai.Client(
        api_key="test-key",
        http_options=genai_types.HttpOptions(
            base_url=url,
            timeout=int(TIMEOUT_S * 1000),
            retry_options=genai_types.HttpRetryOptions(attempts=1),
        ),
    )

    def call(model: str) -> Any:
        return client.models.generate_content(model=model, contents="hello")

    return call


def _mistral(url: str) -> Callable[[str], Any]:
    client = Mistral(api_key="test-key", server_url=url, timeout_ms=int(TIMEOUT_S * 1000))

    def call(model: str) -> Any:
        return client.chat.complete(model=model, messages=[{"role": "user", "content": "hello"}])

    return call


def _cohere(url: str) -> Callable[[str], Any]:
    client = cohere.ClientV2(api_key="test-key", base_url=url, timeout=TIMEOUT_S)

    def call(model: str) -> Any:
        return client.chat(
            model=model,
            messages=[{"role": "user", "content": "hello"}],
            request_options={"max_retries": 0},
        )

    return call


def _bedrock(url: str) -> Callable[[str], Any]:
    client = boto3.client(
        "bedrock-runtime",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, read_timeout=TIMEOUT_S),
    )

    def call(model: str) -> Any:
        return client.converse(
            modelId=model, messages=[{"role": "user", "content": [{"text": "hello"}]}]
        )

    return call


CLIENTS = {"gemini": _gemini, "mistral": _mistral, "cohere": _cohere, "bedrock": _bedrock}
READERS = {
    "gemini": usage_from_gemini,
    "mistral": usage_from_mistral,
    "cohere": usage_from_cohere,
    "bedrock": usage_from_bedrock,
}
EXPECTED_USAGE = {
    "gemini": Usage(input_tokens=12, output_tokens=8, reasoning_tokens=5),
    "mistral": Usage(input_tokens=12, output_tokens=3),
    "cohere": Usage(input_tokens=20, output_tokens=3),
    "bedrock": Usage(input_tokens=20, output_tokens=3, cached_input_tokens=8),
}
# scenario -> (failure, retry-after seconds) per SDK; None: the API gives no retry-after
EXPECTED: dict[str, dict[str, tuple[Failure, float | None]]] = {
    "rate": {
        "gemini": (Failure.RATE_LIMITED, 20.0),  # google.rpc.RetryInfo retryDelay
        "mistral": (Failure.RATE_LIMITED, 20.0),
        "cohere": (Failure.RATE_LIMITED, 20.0),
        "bedrock": (Failure.RATE_LIMITED, None),  # ThrottlingException
    },
    "boom": dict.fromkeys(CLIENTS, (Failure.SERVER_ERROR, None)),
    "slow": {
        "gemini": (Failure.SERVER_ERROR, None),  # 504 DEADLINE_EXCEEDED: a gateway's answer
        "mistral": (Failure.SERVER_ERROR, None),
        "cohere": (Failure.SERVER_ERROR, None),
        "bedrock": (Failure.TIMEOUT, None),  # ModelTimeoutException
    },
    "ctx": dict.fromkeys(CLIENTS, (Failure.CONTEXT_TOO_LONG, None)),
    "auth": dict.fromkeys(CLIENTS, (Failure.AUTH, None)),
}


@pytest.mark.parametrize("sdk", sorted(CLIENTS))
def test_a_success_is_read_into_usage(server: Any, sdk: str) -> None:
    response = CLIENTS[sdk](server[0])(f"{sdk}/ok-model")
    assert EXPECTED_USAGE[sdk] == READERS[sdk](response)


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
@pytest.mark.parametrize("sdk", sorted(CLIENTS))
def test_the_sdks_own_exception_is_classified(server: Any, sdk: str, scenario: str) -> None:
    call = CLIENTS[sdk](server[0])
    with pytest.raises(Exception) as raised:  # noqa: PT011 - each SDK raises its own type
        call(f"{sdk}/{scenario}-model")
    failure, retry_after = EXPECTED[scenario][sdk]
    classified = classify_error(raised.value)
    assert (failure, retry_after) == (classified.failure, classified.retry_after_s), (
        type(raised.value).__mro__,
        raised.value,
    )


def _deployment(vendor: str, scenario: str, price: float) -> Deployment:
    model = Model(
        id=f"{vendor}-{scenario}", vendor=vendor, capabilities=["chat"],
        context_window=100_000, max_output_tokens=4_000,
    )  # fmt: skip
    return Deployment(
        id=f"{vendor}/{scenario}-{price:g}",
        model=model,
        provider=vendor,
        price=Price(input_per_mtok=price, output_per_mtok=price),
        api_model=f"{vendor}/{scenario}-model",
    )


def _execute(url: str, first: str) -> Any:
    catalog = Catalog(
        deployments=[
            _deployment("google", first, 1.0),
            _deployment("google", "ok", 2.0),
            _deployment("amazon", "ok", 3.0),
        ]
    )
    by_vendor = {"google": "gemini", "amazon": "bedrock"}

    def call(deployment: Deployment, request: Request) -> Reply[Any]:
        sdk = by_vendor[deployment.vendor]
        response = CLIENTS[sdk](url)(deployment.api_model.replace(deployment.vendor, sdk, 1))
        return Reply(response=response, usage=READERS[sdk](response))

    return execute(
        Request(input_tokens=1_000, output_tokens=50), catalog, Policy(fallbacks=2),
        call=call, sleep=lambda seconds: None,
    )  # fmt: skip


def test_a_gemini_outage_fails_over_to_another_vendor_first(server: Any) -> None:
    done = _execute(server[0], "boom")
    assert [Failure.SERVER_ERROR, None] == [a.failure for a in done.attempts]
    assert "amazon/ok-3" == done.deployment.id  # another vendor first, not the cheaper Google
    assert EXPECTED_USAGE["bedrock"] == done.attempts[1].usage


def test_a_gemini_rate_limit_cools_that_deployment_down(server: Any) -> None:
    done = _execute(server[0], "rate")
    assert [Failure.RATE_LIMITED, None] == [a.failure for a in done.attempts]
    assert 20.0 == done.attempts[0].retry_after_s  # Gemini's RetryInfo
    first = done.attempts[0].deployment_id
    assert done.state.cooling_down(first, now=done.state.cooldowns[first] - 1)
    assert "google/ok-2" == done.deployment.id  # a rate limit is the deployment's, not the vendor's
    assert EXPECTED_USAGE["gemini"] == done.attempts[1].usage
