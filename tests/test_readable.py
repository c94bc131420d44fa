"""Results a person can read (issue 30): one-line stories, compact reprs, plain signatures."""

from __future__ import annotations

import inspect
from typing import Any

from modelfolio import (
    Catalog,
    Deployment,
    Model,
    Policy,
    Price,
    Reply,
    Request,
    Usage,
    datasets,
    execute,
    execute_stream,
    fit_quality,
    reference_catalog,
    route,
)


class RateLimited(Exception):
    status_code = 429
    response = type("Response", (), {"status_code": 429, "headers": {"retry-after": "20"}})()


def test_an_execution_tells_its_story_in_one_line_and_explains_each_attempt() -> None:
    catalog = reference_catalog()

    def call(deployment: Deployment, request: Request) -> Reply[str]:
        if deployment.provider == "local":
            raise RateLimited("slow down")
        return Reply(response="hi", usage=Usage(input_tokens=900, output_tokens=120))

    done = execute(
        Request(input_tokens=900, output_tokens=120),
        catalog,
        Policy(),
        call=call,
        now=iter(float(t) for t in range(100)).__next__,
        sleep=lambda s: None,
    )
    line = str(done)
    assert line.startswith(
        f"served by {done.deployment.id} after local/phi-4-mini was rate-limited"
    )
    assert "(retry after 20 s)" in line
    assert line.endswith(f"${done.cost_usd:.6g}, 2 attempts")
    lines = done.explain().splitlines()
    assert (
        lines[0] == "1. local/phi-4-mini: rate-limited (retry after 20 s) after 1 s (first choice)"
    )
    assert lines[1].startswith(
        f"2. {done.deployment.id}: answered after 1 s, 900 tokens in and 120 out"
    )
    assert lines[1].endswith("(the next choice after 1 failure)")
    text = repr(done)
    assert "State(" not in text
    assert len(text) < 200
    assert text.startswith(f"Execution(deployment={done.deployment.id!r}, attempts=2")


def test_a_stream_tells_its_story_too() -> None:
    stream = execute_stream(
        Request(input_tokens=10, output_tokens=5),
        reference_catalog(),
        Policy(),
        call=lambda d, r: iter(["a", "b"]),
        now=lambda: 0.0,
    )
    assert str(stream).startswith("streaming from local/phi-4-mini;")
    list(stream)
    assert str(stream).startswith("streamed by local/phi-4-mini;")
    assert "1. local/phi-4-mini: answered" in stream.explain()


def model(window: int, output: int) -> Model:
    return Model(
        id="llama",
        vendor="meta",
        capabilities=["chat"],
        context_window=window,
        max_output_tokens=output,
    )


def test_a_catalog_lists_each_model_once_as_its_widest_host_serves_it() -> None:
    hosts = [
        Deployment(
            id=f"host{n}/llama",
            model=model(window, output),
            provider=f"host{n}",
            price=Price(input_per_mtok=1, output_per_mtok=1),
        )
        for n, (window, output) in enumerate([(8_000, 2_000), (128_000, 4_000), (32_000, 8_000)])
    ]
    catalog = Catalog(deployments=hosts)
    (only,) = catalog.models
    assert only.context_window == 128_000
    assert only.max_output_tokens == 4_000
    assert catalog.deployment("host0/llama").model.context_window == 8_000


def test_models_print_their_capabilities_by_name() -> None:
    text = repr(reference_catalog().deployment("openai/gpt-5").model)
    assert "Capability." not in text
    assert "frozenset" not in text
    assert "capabilities=[" in text


def test_route_shows_plain_defaults() -> None:
    signature = inspect.signature(route)
    assert signature.parameters["policy"].default is None
    assert signature.parameters["state"].default is None
    assert "Policy(filters" not in str(signature)
    default = route(Request(input_tokens=10, output_tokens=5), reference_catalog(), now=0.0)
    explicit = route(
        Request(input_tokens=10, output_tokens=5), reference_catalog(), Policy(), now=0.0
    )
    assert default.deployments == explicit.deployments


def test_a_quality_table_prints_its_quality() -> None:
    outcomes: Any = datasets.load("routellm-gsm8k").outcomes
    table = fit_quality(outcomes)
    text = repr(table)
    assert text.startswith("QualityTable(2 models")
    assert "quality 0." in text
    assert "/item" in text
