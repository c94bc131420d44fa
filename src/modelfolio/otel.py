"""Telemetry out: what modelfolio decides and spends, as OpenTelemetry GenAI spans and metrics.

An I/O edge (it hands spans and measurements to the OpenTelemetry SDK the application
configured). Needs ``pip install 'modelfolio[otel]'`` (``opentelemetry-api``); the
application brings the SDK and exporters, as with any instrumented library.

:class:`GenAIObserver` is an :class:`~modelfolio.Observer`: pass it as ``observers=`` to
``execute``, ``aexecute``, the stream functions or a :class:`~modelfolio.Router`. Each
execution becomes one span (``modelfolio execute``, kind INTERNAL, only ``modelfolio.*``
attributes, so that readers of GenAI spans do not count it as a call) with one child
span per attempt, named and attributed by the OpenTelemetry GenAI semantic conventions
(``{operation} {model}``, kind CLIENT):

- ``gen_ai.operation.name`` (``chat`` unless told), ``gen_ai.provider.name`` (the
  conventions' names: ``aws.bedrock``, ``azure.ai.openai``, ``gcp.vertex_ai``, ...),
  ``gen_ai.request.model`` (the deployment's ``api_model``, the id sent to the channel);
- ``gen_ai.usage.input_tokens`` and ``output_tokens`` (with the cache reads and writes,
  ``gen_ai.usage.cache_read.input_tokens``, ``cache_creation.input_tokens``, and
  ``gen_ai.usage.reasoning.output_tokens``) when the attempt's usage is known;
- ``error.type`` (the exception's qualified class name) and an error status on failure;
- ``modelfolio.vendor``, ``modelfolio.provider``, ``modelfolio.deployment.id``,
  ``modelfolio.tier``, ``modelfolio.cost_usd``, ``modelfolio.cost_estimated``,
  ``modelfolio.fallback_index`` (0 for the first call), ``modelfolio.failure``,
  ``modelfolio.first_chunk_s`` (streams) and ``modelfolio.reason`` (why routing chose
  it).

Metrics: ``gen_ai.client.token.usage`` (histogram, ``{token}``, with
``gen_ai.token.type`` ``input`` or ``output``) and ``gen_ai.client.operation.duration``
(histogram, seconds) per attempt, and ``modelfolio.client.cost`` (counter, USD), with
the span's low-cardinality attributes (operation, provider, model, error type, vendor,
deployment, tier, fallback index); per-call values (cost, reason) stay on the spans.

No prompt, completion, message or credential is ever put on a span or a metric: the
observer never sees them.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from importlib import metadata
from typing import Any

from modelfolio._calling.observers import Observer
from modelfolio._catalog.catalog import Deployment
from modelfolio._common.errors import MissingDependencyError, ValidationError
from modelfolio._routing.request import Request
from modelfolio._routing.route import Decision
from modelfolio._routing.state import Attempt

__all__ = ["GenAIObserver", "provider_name"]

# modelfolio's provider slugs (LiteLLM's) whose GenAI convention name differs.
_CONVENTION_NAMES = {
    "azure": "azure.ai.openai",
    "azure_ai": "azure.ai.inference",
    "bedrock": "aws.bedrock",
    "vertex_ai": "gcp.vertex_ai",
    "gemini": "gcp.gemini",
    "mistral": "mistral_ai",
    "xai": "x_ai",
    "watsonx": "ibm.watsonx.ai",
}

# The GenAI conventions' advised bucket boundaries.
_TOKEN_BUCKETS = [
    1,
    4,
    16,
    64,
    256,
    1024,
    4096,
    16384,
    65536,
    262144,
    1048576,
    4194304,
    16777216,
    67108864,
]
_DURATION_BUCKETS = [
    0.01,
    0.02,
    0.04,
    0.08,
    0.16,
    0.32,
    0.64,
    1.28,
    2.56,
    5.12,
    10.24,
    20.48,
    40.96,
    81.92,
]


def _require() -> tuple[Any, Any]:
    try:
        from opentelemetry import metrics, trace
    except ImportError:  # pragma: no cover - exercised without the extra
        raise MissingDependencyError(
            "modelfolio.otel needs opentelemetry-api: pip install 'modelfolio[otel]'"
        ) from None
    return trace, metrics


def provider_name(provider: str) -> str:
    """The GenAI conventions' ``gen_ai.provider.name`` for a modelfolio provider slug.

    Examples:
        >>> provider_name("bedrock"), provider_name("openai"), provider_name("vertex_ai")
        ('aws.bedrock', 'openai', 'gcp.vertex_ai')
    """
    return _CONVENTION_NAMES.get(provider, provider)


def _reason(decision: Decision, deployment: Deployment) -> str:
    """Why routing sent this attempt to ``deployment``, in one line."""
    if deployment.id != decision.chosen.id:
        return decision.explain().get(deployment.id, "a fallback")
    scores = decision.scores
    ranked = len(scores)
    score = scores.get(deployment.id)
    shown = "" if score is None else f" (score {score:.6g})"
    return f"chosen: ranked 1 of {ranked}{shown}"


class GenAIObserver(Observer):
    """An :class:`~modelfolio.Observer` that records OpenTelemetry GenAI spans and metrics.

    ``tracer_provider`` and ``meter_provider`` default to the global ones the
    application set up; ``operation`` is the ``gen_ai.operation.name`` of every attempt.

    Examples:
        >>> from modelfolio import Policy, Reply, Request, Usage, execute, reference_catalog
        >>> observer = GenAIObserver()  # the global providers: a no-op until one is set
        >>> done = execute(Request(input_tokens=10, output_tokens=5), reference_catalog(),
        ...                Policy(), call=lambda d, r: Reply(response="hi"),
        ...                now=lambda: 0.0, observers=[observer])
        >>> done.response
        'hi'
    """

    def __init__(
        self,
        tracer_provider: Any = None,
        meter_provider: Any = None,
        *,
        operation: str = "chat",
    ) -> None:
        trace, metrics = _require()
        if not isinstance(operation, str) or not operation:
            raise ValidationError(f"operation must be a non-empty string, got {operation!r}")
        version = _version()
        self._trace = trace
        self._operation = operation
        self._tracer = trace.get_tracer("modelfolio", version, tracer_provider=tracer_provider)
        meter = metrics.get_meter("modelfolio", version, meter_provider=meter_provider)
        self._tokens = _histogram(
            meter,
            "gen_ai.client.token.usage",
            unit="{token}",
            description="Number of input and output tokens used",
            buckets=_TOKEN_BUCKETS,
        )
        self._duration = _histogram(
            meter,
            "gen_ai.client.operation.duration",
            unit="s",
            description="GenAI operation duration",
            buckets=_DURATION_BUCKETS,
        )
        self._cost = meter.create_counter(
            "modelfolio.client.cost", unit="USD", description="What the calls cost, in US dollars"
        )
        self._lock = threading.Lock()
        # key -> (the execution's span, {attempt index: (span, deployment, decision)})
        self._open: dict[object, tuple[Any, dict[int, tuple[Any, Deployment, Decision]]]] = {}

    def __repr__(self) -> str:
        return f"GenAIObserver(operation={self._operation!r})"

    def execution_started(self, key: object, request: Request, streaming: bool) -> None:
        span = self._tracer.start_span(
            "modelfolio execute",
            kind=self._trace.SpanKind.INTERNAL,
            attributes={"modelfolio.streaming": streaming},
        )
        with self._lock:
            self._open[key] = (span, {})

    def attempt_started(
        self, key: object, index: int, deployment: Deployment, decision: Decision
    ) -> None:
        with self._lock:
            parent, attempts = self._open[key]
        attributes = {
            "gen_ai.operation.name": self._operation,
            "gen_ai.provider.name": provider_name(deployment.provider),
            "gen_ai.request.model": deployment.api_model,
            "modelfolio.vendor": deployment.vendor,
            "modelfolio.provider": deployment.provider,
            "modelfolio.deployment.id": deployment.id,
            "modelfolio.tier": deployment.tier,
            "modelfolio.fallback_index": index,
            "modelfolio.reason": _reason(decision, deployment),
        }
        span = self._tracer.start_span(
            f"{self._operation} {deployment.api_model}",
            context=self._trace.set_span_in_context(parent),
            kind=self._trace.SpanKind.CLIENT,
            attributes=attributes,
        )
        with self._lock:
            attempts[index] = (span, deployment, decision)

    def attempt_finished(
        self, key: object, index: int, attempt: Attempt, error: BaseException | None
    ) -> None:
        with self._lock:
            _, attempts = self._open[key]
            span, deployment, _ = attempts.pop(index)
        attributes: dict[str, Any] = {
            "modelfolio.cost_usd": attempt.cost_usd,
            "modelfolio.cost_estimated": attempt.cost_estimated,
        }
        usage = attempt.usage
        if usage is not None:
            attributes["gen_ai.usage.input_tokens"] = usage.input_tokens
            attributes["gen_ai.usage.output_tokens"] = usage.output_tokens
            if usage.cached_input_tokens:
                attributes["gen_ai.usage.cache_read.input_tokens"] = usage.cached_input_tokens
            if usage.cache_write_tokens:
                attributes["gen_ai.usage.cache_creation.input_tokens"] = usage.cache_write_tokens
            if usage.reasoning_tokens:
                attributes["gen_ai.usage.reasoning.output_tokens"] = usage.reasoning_tokens
        if attempt.first_chunk_s is not None:
            attributes["modelfolio.first_chunk_s"] = attempt.first_chunk_s
        error_type = None
        if attempt.failure is not None:
            error_type = _error_type(error) if error is not None else attempt.failure.value
            attributes["error.type"] = error_type
            attributes["modelfolio.failure"] = attempt.failure.value
            span.set_status(self._trace.Status(self._trace.StatusCode.ERROR, attempt.failure.value))
        span.set_attributes(attributes)
        span.end()
        measured = {
            "gen_ai.operation.name": self._operation,
            "gen_ai.provider.name": provider_name(deployment.provider),
            "gen_ai.request.model": deployment.api_model,
            "modelfolio.vendor": deployment.vendor,
            "modelfolio.deployment.id": deployment.id,
            "modelfolio.tier": deployment.tier,
            "modelfolio.fallback_index": index,
        }
        if error_type is not None:
            measured["error.type"] = error_type
        if usage is not None:
            self._tokens.record(usage.input_tokens, {**measured, "gen_ai.token.type": "input"})
            self._tokens.record(usage.output_tokens, {**measured, "gen_ai.token.type": "output"})
        if attempt.latency_s is not None:
            self._duration.record(attempt.latency_s, measured)
        if attempt.cost_usd:
            self._cost.add(attempt.cost_usd, measured)

    def execution_finished(
        self, key: object, attempts: tuple[Attempt, ...], error: BaseException | None
    ) -> None:
        with self._lock:
            span, unfinished = self._open.pop(key)
        for attempt_span, _, _ in unfinished.values():  # never left open
            attempt_span.end()
        attributes: dict[str, Any] = {
            "modelfolio.attempts": len(attempts),
            "modelfolio.cost_usd": math.fsum(attempt.cost_usd for attempt in attempts),
        }
        if attempts:
            attributes["modelfolio.deployment.id"] = attempts[-1].deployment_id
        if error is not None:
            attributes["error.type"] = _error_type(error)
            span.set_status(self._trace.Status(self._trace.StatusCode.ERROR, type(error).__name__))
        span.set_attributes(attributes)
        span.end()


def _version() -> str | None:
    try:
        return metadata.version("modelfolio")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a source tree
        return None


def _error_type(error: BaseException) -> str:
    kind = type(error)
    module = kind.__module__
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"


def _histogram(
    meter: Any, name: str, *, unit: str, description: str, buckets: Sequence[float]
) -> Any:
    try:
        return meter.create_histogram(
            name,
            unit=unit,
            description=description,
            explicit_bucket_boundaries_advisory=list(buckets),
        )
    except TypeError:  # an opentelemetry-api before the advisory argument
        return meter.create_histogram(name, unit=unit, description=description)
