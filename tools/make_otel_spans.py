"""Write ``tests/data/otel/genai-traces.jsonl``: GenAI spans from the real OpenTelemetry SDK.

Run in a throwaway environment (``pip install opentelemetry-sdk
opentelemetry-exporter-otlp-proto-common``; never modelfolio dependencies)::

    python tools/make_otel_spans.py tests/data/otel/genai-traces.jsonl

The SDK records spans as an instrumented application would: chat calls with the
current GenAI attribute names (``gen_ai.provider.name``) and with the previous ones
(``gen_ai.system``, ``gen_ai.usage.prompt_tokens``), a rate-limited and a timed-out
call (``error.type``, error status), and an HTTP span that is not a GenAI call. The
exporter's own encoder turns them into OTLP protobuf, written as OTLP/JSON the way the
collector's file exporter writes it: one ``ExportTraceServiceRequest`` per line, ids in
hex, 64-bit integers as strings.
"""

from __future__ import annotations

import base64
import json
import pathlib
import sys

from google.protobuf.json_format import MessageToDict
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode

BASE = 1_763_600_000_000_000_000  # 2025-11-20 00:53:20 UTC, in nanoseconds

CALLS = [
    # (current names?, provider, requested, answered, input, output, start s, seconds, error)
    (True, "openai", "gpt-4o", "gpt-4o-2024-08-06", 1200, 300, 0, 1.8, None),
    (True, "anthropic", "claude-sonnet-4-5", "claude-sonnet-4-5-20250929", 2400, 500, 5, 4.2, None),
    (True, "aws.bedrock", "meta.llama3-3-70b-instruct-v1:0", None, 800, 200, 9, 2.5, None),
    (False, "openai", "gpt-4o-mini", "gpt-4o-mini-2024-07-18", 600, 120, 12, 0.9, None),
    (True, "openai", "gpt-4o", None, 900, 0, 15, 0.2, "rate_limit_exceeded"),
    (True, "anthropic", "claude-sonnet-4-5", None, 3000, 0, 20, 30.0, "timeout"),
]


def hexify(document: dict) -> dict:
    for resource in document.get("resourceSpans", []):
        for scope in resource.get("scopeSpans", []):
            for span in scope.get("spans", []):
                for key in ("traceId", "spanId", "parentSpanId"):
                    if span.get(key):
                        span[key] = base64.b64decode(span[key]).hex()
    return document


def main(out: str) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "support-bot"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("support-bot.llm", "1.0.0")
    request = tracer.start_span("POST /answer", start_time=BASE)
    request.set_attribute("http.request.method", "POST")
    for current, system, requested, answered, tokens_in, tokens_out, at, seconds, error in CALLS:
        start = BASE + at * 1_000_000_000
        span = tracer.start_span(f"chat {requested}", start_time=start)
        span.set_attribute("gen_ai.operation.name", "chat")
        span.set_attribute("gen_ai.request.model", requested)
        if current:
            span.set_attribute("gen_ai.provider.name", system)
            span.set_attribute("gen_ai.usage.input_tokens", tokens_in)
            if not error:
                span.set_attribute("gen_ai.usage.output_tokens", tokens_out)
        else:
            span.set_attribute("gen_ai.system", system)
            span.set_attribute("gen_ai.usage.prompt_tokens", tokens_in)
            span.set_attribute("gen_ai.usage.completion_tokens", tokens_out)
        if answered:
            span.set_attribute("gen_ai.response.model", answered)
        if error:
            span.set_attribute("error.type", error)
            span.set_status(Status(StatusCode.ERROR, error))
        span.end(end_time=start + int(seconds * 1_000_000_000))
    request.end(end_time=BASE + 60 * 1_000_000_000)
    spans = exporter.get_finished_spans()
    lines = []
    for half in (spans[:3], spans[3:]):
        message = encode_spans(half)
        document = MessageToDict(message, use_integers_for_enums=True)
        lines.append(json.dumps(hexify(document), sort_keys=True))
    pathlib.Path(out).write_text("\n".join(lines) + "\n")
    print(f"wrote {len(spans)} spans to {out}")


if __name__ == "__main__":
    main(sys.argv[1])
