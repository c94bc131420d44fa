"""Telemetry out: modelfolio.otel's spans and metrics, recorded by the real OpenTelemetry
SDK, and their round trip through OTLP/JSON back into modelfolio.io.read_otel_genai."""

from __future__ import annotations

import asyncio
import json
import logging
import pathlib
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.exporter.otlp.json.common.trace_encoder import encode_spans
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from fake_streams import WORDS, Running, serve_streams
from modelfolio import (
    Catalog,
    Failure,
    Policy,
    Reply,
    Request,
    Router,
    StreamInterrupted,
    Usage,
    aexecute,
    execute,
    execute_stream,
)
from modelfolio.io import read_otel_genai
from modelfolio.otel import GenAIObserver, provider_name
from test_streaming import Clients, deployment, usage_of

REQUEST = Request(input_tokens=1_000, output_tokens=50)


@pytest.fixture(scope="module")
def server() -> Iterator[Running]:
    with serve_streams() as running:
        yield running


class Telemetry:
    """A tracer and a meter provider of the real SDK, recording in memory."""

    def __init__(self) -> None:
        self.spans = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans))
        self.metrics = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.metrics])
        self.observer = GenAIObserver(self.tracer_provider, self.meter_provider)

    def finished(self) -> list[Any]:
        return list(self.spans.get_finished_spans())

    def points(self, name: str) -> list[Any]:
        data = self.metrics.get_metrics_data()
        found = []
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.name == name:
                        found.extend(metric.data.data_points)
        return found

    def shutdown(self) -> None:
        self.tracer_provider.shutdown()
        self.meter_provider.shutdown()


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    recorded = Telemetry()
    yield recorded
    recorded.shutdown()


def test_one_span_per_execution_and_one_child_per_attempt(
    server: Running, telemetry: Telemetry
) -> None:
    limited = deployment("openai", "rate", 1.0)
    ok = deployment("anthropic", "ok", 2.0)
    clients = Clients(server.base_url)
    try:
        with execute_stream(
            REQUEST,
            Catalog(deployments=[limited, ok]),
            Policy(),
            call=clients.call,
            usage=usage_of,
            sleep=lambda s: None,
            observers=[telemetry.observer],
        ) as stream:
            text = list(stream)
    finally:
        clients.close()
    assert text
    spans = telemetry.finished()
    (parent,) = [span for span in spans if span.name == "modelfolio execute"]
    children = sorted(
        (span for span in spans if span.parent is not None), key=lambda span: span.start_time
    )
    assert len(spans) == 3
    assert len(children) == 2
    assert all(child.parent.span_id == parent.context.span_id for child in children)
    assert all(child.context.trace_id == parent.context.trace_id for child in children)
    assert parent.kind is SpanKind.INTERNAL
    assert not any(k.startswith("gen_ai.") for k in parent.attributes)
    assert parent.attributes["modelfolio.attempts"] == 2
    assert parent.attributes["modelfolio.cost_usd"] == stream.cost_usd
    assert parent.attributes["modelfolio.streaming"] is True

    failed, served = children
    assert failed.name == f"chat {limited.api_model}"
    assert failed.kind is SpanKind.CLIENT
    assert failed.attributes["gen_ai.operation.name"] == "chat"
    assert failed.attributes["gen_ai.provider.name"] == "openai"
    assert failed.attributes["gen_ai.request.model"] == limited.api_model
    assert failed.attributes["error.type"] == "openai.RateLimitError"
    assert failed.attributes["modelfolio.failure"] == "rate_limited"
    assert failed.attributes["modelfolio.fallback_index"] == 0
    assert failed.attributes["modelfolio.reason"].startswith("chosen: ranked 1 of 2")
    assert failed.status.status_code is StatusCode.ERROR
    assert "gen_ai.usage.input_tokens" not in failed.attributes

    assert served.attributes["gen_ai.provider.name"] == "anthropic"
    assert served.attributes["modelfolio.deployment.id"] == ok.id
    assert served.attributes["modelfolio.vendor"] == "anthropic"
    assert served.attributes["modelfolio.tier"] == "standard"
    assert served.attributes["modelfolio.fallback_index"] == 1
    assert served.attributes["gen_ai.usage.input_tokens"] == stream.usage.input_tokens
    assert served.attributes["gen_ai.usage.output_tokens"] == stream.usage.output_tokens
    assert served.attributes["modelfolio.cost_usd"] == stream.attempts[-1].cost_usd
    assert served.attributes["modelfolio.first_chunk_s"] == stream.first_chunk_s
    assert "error.type" not in served.attributes
    assert served.status.status_code is not StatusCode.ERROR

    # no prompt or completion text anywhere
    for span in spans:
        for value in span.attributes.values():
            assert not any(word.strip() and word in str(value) for word in [*WORDS, "hello"])


def test_the_genai_client_metrics(server: Running, telemetry: Telemetry) -> None:
    ok = deployment("openai", "ok", 1.0)
    clients = Clients(server.base_url)
    try:
        for _ in range(3):
            with execute_stream(
                REQUEST,
                Catalog(deployments=[ok]),
                Policy(),
                call=clients.call,
                usage=usage_of,
                observers=[telemetry.observer],
            ) as stream:
                for _ in stream:
                    pass
    finally:
        clients.close()
    tokens = telemetry.points("gen_ai.client.token.usage")
    by_type = {point.attributes["gen_ai.token.type"]: point for point in tokens}
    assert by_type["input"].count == 3
    assert by_type["input"].sum == 3 * stream.usage.input_tokens
    assert by_type["output"].sum == 3 * stream.usage.output_tokens
    assert by_type["input"].attributes["gen_ai.request.model"] == ok.api_model
    assert by_type["input"].attributes["modelfolio.deployment.id"] == ok.id
    (duration,) = telemetry.points("gen_ai.client.operation.duration")
    assert duration.count == 3
    assert duration.sum > 0
    (spent,) = telemetry.points("modelfolio.client.cost")
    assert spent.value == pytest.approx(3 * stream.cost_usd, rel=1e-12)


def test_spans_read_back_give_what_the_executions_recorded(
    server: Running, telemetry: Telemetry, tmp_path: pathlib.Path
) -> None:
    """The round trip: InMemorySpanExporter -> OTLP/JSON (the official encoder, one
    export request per line as the collector's file exporter writes) -> read_otel_genai."""
    catalog = Catalog(
        deployments=[
            deployment("openai", "rate", 1.0),
            deployment("openai", "cut", 2.0),
            deployment("anthropic", "ok", 3.0),
        ]
    )
    clients = Clients(server.base_url)
    attempts = []
    try:
        stream = execute_stream(  # rate-limited, then cut after three chunks
            REQUEST,
            catalog,
            Policy(),
            call=clients.call,
            usage=usage_of,
            sleep=lambda s: None,
            observers=[telemetry.observer],
        )
        with pytest.raises(StreamInterrupted):
            list(stream)
        attempts += stream.attempts
        served = execute(  # a whole (not streamed) answer from the third
            REQUEST,
            Catalog(deployments=[catalog.deployment("anthropic/ok-3")]),
            Policy(),
            call=lambda d, r: Reply(
                response="x",
                usage=Usage(input_tokens=900, output_tokens=40, cached_input_tokens=600),
            ),
            observers=[telemetry.observer],
        )
        attempts += served.attempts
    finally:
        clients.close()
    assert [a.failure for a in attempts] == [Failure.RATE_LIMITED, Failure.SERVER_ERROR, None]
    path = tmp_path / "traces.jsonl"
    lines = [encode_spans([span]).to_json() for span in telemetry.finished()]
    path.write_text("\n".join(lines) + "\n")
    assert json.loads(lines[0])["resourceSpans"]  # OTLP/JSON, as the collector writes it
    records = read_otel_genai(path, catalog=catalog)
    assert len(records) == len(attempts)  # the execution spans are not calls
    for record, attempt in zip(records, attempts, strict=False):
        d = catalog.deployment(attempt.deployment_id)
        assert record.model == d.api_model
        assert record.provider == d.provider
        assert record.vendor == d.vendor
        assert record.usage == attempt.usage
        assert record.cost_usd == attempt.cost_usd
        assert record.failure == attempt.failure


def test_an_observer_that_raises_never_breaks_a_call(
    telemetry: Telemetry, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken:
        def execution_started(self, key: object, request: Request, streaming: bool) -> None:
            raise RuntimeError("the collector is down")

        def attempt_started(self, *args: Any) -> None:
            raise RuntimeError("still down")

        def attempt_finished(self, *args: Any) -> None:
            raise RuntimeError("still down")

        def execution_finished(self, *args: Any) -> None:
            raise RuntimeError("still down")

    broken = Broken()
    catalog = Catalog(deployments=[deployment("openai", "ok", 1.0)])
    call = lambda d, r: Reply(response="ok", usage=Usage(input_tokens=10, output_tokens=2))  # noqa: E731
    with caplog.at_level(logging.ERROR, logger="modelfolio"):
        for _ in range(2):
            done = execute(
                REQUEST, catalog, Policy(), call=call, observers=[broken, telemetry.observer]
            )
            assert done.response == "ok"
    complaints = [r for r in caplog.records if r.name == "modelfolio"]
    assert len(complaints) == 1
    assert "the call goes on" in complaints[0].getMessage()
    # the observer after the broken one still saw everything
    assert len(telemetry.finished()) == 4


def test_observers_through_a_router_and_aexecute(telemetry: Telemetry) -> None:
    catalog = Catalog(
        deployments=[deployment("openai", "ok", 1.0), deployment("anthropic", "ok", 2.0)]
    )
    reply = Reply(response="ok", usage=Usage(input_tokens=10, output_tokens=2))
    router = Router(catalog, Policy(), observers=[telemetry.observer])
    router.complete(REQUEST, lambda d, r: reply)
    with router.stream(REQUEST, lambda d, r: iter(["a", "b"])) as stream:
        list(stream)

    async def acall(d: Any, r: Any) -> Reply[str]:
        return reply

    asyncio.run(aexecute(REQUEST, catalog, Policy(), call=acall, observers=[telemetry.observer]))
    names = sorted(span.name for span in telemetry.finished())
    assert names == ["chat openai/ok-1"] * 3 + ["modelfolio execute"] * 3


def test_bad_observers_are_refused_before_any_call() -> None:
    catalog = Catalog(deployments=[deployment("openai", "ok", 1.0)])
    with pytest.raises(Exception, match="observers must have execution_started"):
        execute(
            REQUEST, catalog, Policy(), call=lambda d, r: Reply(response=1), observers=[object()]
        )
    with pytest.raises(Exception, match="observers must be a sequence"):
        Router(catalog, Policy(), observers=GenAIObserver())  # type: ignore[arg-type]


def test_provider_names_follow_the_conventions() -> None:
    assert [
        provider_name(p) for p in ("bedrock", "azure", "vertex_ai", "mistral", "anthropic")
    ] == [
        "aws.bedrock",
        "azure.ai.openai",
        "gcp.vertex_ai",
        "mistral_ai",
        "anthropic",
    ]
