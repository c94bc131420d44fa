"""The built-in scorers: estimated cost, expected latency, quality, and blends.

A :data:`~modelfolio.Scorer` rates a deployment for a request; **lower ranks first**.
Cost and latency are naturally "lower is better"; quality scorers return the negated
quality, so a better model scores lower. :func:`blend` adds weighted scores, which
makes the weights an exchange rate: ``blend((by_cost, 1.0), (by_quality(q), 0.01))``
says one quality point (on a 0-1 scale) is worth a cent per call.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from modelfolio._catalog.catalog import Deployment
from modelfolio._common.errors import ValidationError
from modelfolio._common.validate import finite
from modelfolio._routing.context import RouteContext, Run, Scorer
from modelfolio._routing.request import Request, estimate_cost

__all__ = ["blend", "by_cost", "by_latency", "by_quality"]


class BulkScorer:
    """A scorer that can also rate many candidates at once (the built-ins)."""

    name = "scorer"

    def __call__(self, request: Request, deployment: Deployment, context: RouteContext) -> float:
        raise NotImplementedError

    def scores(self, run: Run, positions: tuple[int, ...]) -> list[float]:
        """Scores of the candidates at ``positions``, in their given order."""
        deployments = run.columns.deployments
        context = run.context
        request = run.request
        return [self(request, deployments[i], context) for i in positions]

    def __repr__(self) -> str:
        return self.name


class _ByCost(BulkScorer):
    name = "by_cost"

    def __call__(self, request: Request, deployment: Deployment, context: RouteContext) -> float:
        return estimate_cost(request, deployment, at=None if context is None else context.at)

    def scores(self, run: Run, positions: tuple[int, ...]) -> list[float]:
        return run.estimates(positions)


class _ByLatency(BulkScorer):
    name = "by_latency"

    def __call__(self, request: Request, deployment: Deployment, context: RouteContext) -> float:
        hint = deployment.latency
        seen = None if context is None else context.state.first_chunk_s.get(deployment.id)
        if seen is not None:  # measured on streamed calls: it replaces the hint's guess
            if hint is None:
                return seen
            return (
                seen + (request.output_tokens + request.reasoning_tokens) / hint.output_tokens_per_s
            )
        if hint is None:
            return math.inf
        return hint.expected_s(request.output_tokens + request.reasoning_tokens)


by_cost: BulkScorer = _ByCost()
"""Scorer: the estimated cost in US dollars (the default)."""
by_latency: BulkScorer = _ByLatency()
"""Scorer: expected seconds: time to the first chunk plus output tokens over the hint's
speed. The first-chunk time is the one observed on streamed calls (``State.first_chunk_s``)
where there is one, else the hint's ``ttft_s``; a deployment with neither ranks last."""


class _ByQuality(BulkScorer):
    name = "by_quality"

    def __init__(self, quality: Mapping[tuple[str, str | None], float], default: float) -> None:
        self.quality = dict(quality)
        self.default = default

    def lookup(self, deployment: Deployment, tag: str | None) -> float:
        quality = self.quality
        for key in ((deployment.id, tag), (deployment.model.id, tag)):
            if key in quality:
                return quality[key]
        if tag is not None:
            return self.lookup(deployment, None)
        return self.default

    def __call__(self, request: Request, deployment: Deployment, context: RouteContext) -> float:
        if not request.tags:
            return -self.lookup(deployment, None)
        return -sum(self.lookup(deployment, tag) for tag in sorted(request.tags)) / len(
            request.tags
        )


def by_quality(
    quality: Mapping[tuple[str, str | None], float], *, default: float = 0.0
) -> BulkScorer:
    """Scorer: the negated quality of the deployment for the request's tags.

    ``quality`` maps ``(deployment id or model id, tag)`` to a score, with ``None`` as
    the tag for a model-wide score. A deployment's score for a tag is looked up by its
    id, then its model's id, then the same with tag ``None``, then ``default``. A
    request with several tags gets the mean; one with none gets the model-wide score.

    Examples:
        >>> from modelfolio import Request, reference_catalog
        >>> scorer = by_quality({("gpt-5", "code"): 0.9, ("gpt-5", None): 0.8})
        >>> d = reference_catalog().deployment("azure/gpt-5")
        >>> scorer(Request(input_tokens=1, output_tokens=1, tags={"code"}), d, None)
        -0.9
        >>> scorer(Request(input_tokens=1, output_tokens=1, tags={"math"}), d, None)
        -0.8
    """
    if not isinstance(quality, Mapping):
        raise ValidationError(f"quality must map (id, tag) pairs to scores, got {quality!r:.80}")
    for key, value in quality.items():
        if not (isinstance(key, tuple) and len(key) == 2):
            raise ValidationError(f"quality keys must be (id, tag) pairs, got {key!r}")
        finite(value, f"quality[{key!r}]")
    return _ByQuality(quality, finite(default, "default"))


class _Blend(BulkScorer):
    name = "blend"

    def __init__(self, parts: Sequence[tuple[Scorer, float]]) -> None:
        self.parts = tuple(parts)

    def __call__(self, request: Request, deployment: Deployment, context: RouteContext) -> float:
        return sum(weight * scorer(request, deployment, context) for scorer, weight in self.parts)

    def scores(self, run: Run, positions: tuple[int, ...]) -> list[float]:
        totals = [0.0] * len(positions)
        for scorer, weight in self.parts:
            if isinstance(scorer, BulkScorer):
                values = scorer.scores(run, positions)
            else:
                deployments, context = run.columns.deployments, run.context
                values = [scorer(run.request, deployments[i], context) for i in positions]
            totals = [total + weight * value for total, value in zip(totals, values, strict=False)]
        return totals

    def __repr__(self) -> str:
        return (
            "blend(" + ", ".join(f"({scorer!r}, {weight:g})" for scorer, weight in self.parts) + ")"
        )


def blend(*parts: tuple[Scorer, float]) -> BulkScorer:
    """Scorer: the weighted sum of other scorers' scores.

    Examples:
        >>> from modelfolio import Request, reference_catalog
        >>> quality = by_quality({("gpt-5", None): 0.9, ("gpt-5-mini", None): 0.8})
        >>> value_for_money = blend((by_cost, 1.0), (quality, 0.01))
        >>> request = Request(input_tokens=1_000, output_tokens=500)
        >>> d = reference_catalog().deployment("openai/gpt-5-mini")
        >>> round(value_for_money(request, d, None), 6)
        -0.00675
    """
    if not parts:
        raise ValidationError("blend needs at least one (scorer, weight) pair, got none")
    for part in parts:
        if not (isinstance(part, tuple) and len(part) == 2 and callable(part[0])):
            raise ValidationError(f"blend takes (scorer, weight) pairs, got {part!r}")
        finite(part[1], "weight")
    # A part weighted 0 contributes nothing, even where its scorer says inf (0 * inf is NaN).
    kept = tuple(part for part in parts if part[1] != 0)
    return _Blend(kept or parts[:1])
