"""The bridge from learned routers to live routing: :class:`Bridge` and :func:`learned_policy`.

Outcomes name *models* (``"gpt-4-1106-preview"``), a catalog names *deployments*
(``"azure/gpt-4o"``). A :class:`Bridge` maps each outcome model to the deployments (or
catalog model ids) that serve it; :func:`learned_policy` turns a learned router into a
:class:`~modelfolio.Policy` whose scorer ranks the router's choice first among those
deployments, every other deployment keeping its place behind them as a fallback.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from attrs import evolve, field, frozen

from modelfolio._catalog.catalog import Catalog, Deployment
from modelfolio._common.errors import ValidationError
from modelfolio._learning.routers import LearnedRouter
from modelfolio._routing.context import RouteContext, Run
from modelfolio._routing.request import Request
from modelfolio._routing.route import Policy
from modelfolio._routing.scorers import BulkScorer

__all__ = ["Bridge", "learned_policy"]


def _deployment_ids(value: str | Iterable[str]) -> tuple[str, ...]:
    if not isinstance(value, (str, Iterable)):
        raise ValidationError(f"a bridge maps a model to deployment ids, got {value!r:.80}")
    ids = (value,) if isinstance(value, str) else tuple(value)
    if not ids or not all(isinstance(v, str) and v for v in ids):
        raise ValidationError(f"a bridge maps a model to deployment ids, got {value!r}")
    return ids


def _bridge_map(value: Mapping[str, str | Iterable[str]]) -> Mapping[str, tuple[str, ...]]:
    if not isinstance(value, Mapping):
        raise ValidationError(
            f"a bridge is a mapping from outcome model to deployments, got {value!r}"
        )
    return MappingProxyType({str(k): _deployment_ids(v) for k, v in value.items()})


@frozen
class Bridge:
    """Which catalog deployments serve each model named in the outcomes.

    Values may be deployment ids or catalog model ids (all their deployments).

    Examples:
        >>> from modelfolio import reference_catalog
        >>> bridge = Bridge({"gpt-4-1106-preview": "gpt-5", "mixtral": ["together_ai/llama-3.3-70b"]})
        >>> [d.id for d in bridge.deployments("gpt-4-1106-preview", reference_catalog())]
        ['azure/gpt-5', 'azure/gpt-5@batch', 'openai/gpt-5', 'openai/gpt-5@batch', 'openai/gpt-5@flex']
    """

    models: Mapping[str, tuple[str, ...]] = field(converter=_bridge_map)
    """Outcome model id to catalog deployment ids or model ids."""

    def deployments(self, model: str, catalog: Catalog) -> tuple[Deployment, ...]:
        """The deployments of ``catalog`` that serve outcome model ``model``."""
        if model not in self.models:
            raise ValidationError(f"the bridge does not say which deployments serve {model!r}")
        found: dict[str, Deployment] = {}
        for name in self.models[model]:
            if name in catalog:
                found[name] = catalog.deployment(name)
            else:
                served = catalog.serving(name)
                if not served:
                    raise ValidationError(
                        f"{name!r} (for {model!r}) is neither a deployment nor a model of the catalog"
                    )
                found.update((d.id, d) for d in served)
        return tuple(found[k] for k in sorted(found))

    def check(self, router_models: Iterable[str], catalog: Catalog) -> None:
        """Raise unless every model the router may choose reaches a deployment of ``catalog``."""
        for model in router_models:
            self.deployments(model, catalog)


class _LearnedScorer(BulkScorer):
    """Ranks the router's choice first (in cascade order), then everything else by ``then``."""

    name = "learned"

    def __init__(self, router: LearnedRouter, bridge: Bridge, then: Any) -> None:
        self.router, self.bridge, self.then = router, bridge, then
        # (id of catalog, choice) -> (the catalog itself, deployment id -> rank); keeping
        # the catalog alive keeps its id from being reused by another one.
        self._ranks: dict[tuple[int, tuple[str, ...]], tuple[Catalog, dict[str, int]]] = {}

    def _rank_of(self, request: Request, catalog: Catalog) -> dict[str, int]:
        query = request if request.query is None else request.query
        choice = tuple(self.router.choose(query, request.tags))
        key = (id(catalog), choice)
        entry = self._ranks.get(key)
        if entry is None or entry[0] is not catalog:
            ranks: dict[str, int] = {}
            for position, model in enumerate(choice):
                for deployment in self.bridge.deployments(model, catalog):
                    ranks.setdefault(deployment.id, position)
            if len(self._ranks) > 1024:
                self._ranks.clear()
            entry = self._ranks[key] = (catalog, ranks)
        return entry[1]

    def __call__(self, request: Request, deployment: Deployment, context: RouteContext) -> float:
        rank = self._rank_of(request, context.catalog).get(deployment.id, 10**6)
        return rank * _SEPARATION + _bounded(self.then(request, deployment, context))

    def scores(self, run: Run, positions: tuple[int, ...]) -> list[float]:
        ranks = self._rank_of(run.request, run.catalog)
        ids = run.columns.ids
        then = (
            self.then.scores(run, positions)
            if isinstance(self.then, BulkScorer)
            else [
                self.then(run.request, run.columns.deployments[i], run.context) for i in positions
            ]
        )
        outside = 10**6
        return [
            ranks.get(ids[i], outside) * _SEPARATION + _bounded(value)
            for i, value in zip(positions, then, strict=True)
        ]


# Rank bands far apart, so the router's order always wins over the tie-breaking score.
_SEPARATION = 1e12


def _bounded(value: float) -> float:
    return max(-1e11, min(1e11, value))


def learned_policy(
    router: LearnedRouter, bridge: Bridge, *, policy: Policy | None = None
) -> Policy:
    """A :class:`~modelfolio.Policy` that routes by ``router``, through ``bridge``.

    The router's choice (for a cascade, its models in order) ranks first; within one
    model's deployments, and for every other deployment behind them, the base policy's
    scorer decides. Filters, budgets, health, diversity of fallbacks and explanations
    are the base policy's.

    Examples:
        >>> from modelfolio import Request, reference_catalog, route, threshold_router
        >>> router = threshold_router(lambda request: request.input_tokens / 10_000,
        ...                           strong="frontier", weak="small", threshold=0.5)
        >>> bridge = Bridge({"frontier": "claude-sonnet-4-5", "small": "gemini-2.5-flash-lite"})
        >>> policy = learned_policy(router, bridge)
        >>> route(Request(input_tokens=9_000, output_tokens=500), reference_catalog(), policy, now=0.0).chosen.id
        'anthropic/claude-sonnet-4-5'
        >>> route(Request(input_tokens=900, output_tokens=500), reference_catalog(), policy, now=0.0).chosen.id
        'gemini/gemini-2.5-flash-lite'
    """
    if not isinstance(router, LearnedRouter):
        raise ValidationError(f"router must have a choose(query, tags) method, got {router!r}")
    if not isinstance(bridge, Bridge):
        raise ValidationError(f"bridge must be a Bridge, got {bridge!r}")
    if policy is not None and not isinstance(policy, Policy):
        raise ValidationError(f"policy must be a Policy or None, got {policy!r:.80}")
    base = Policy() if policy is None else policy
    return evolve(base, score=_LearnedScorer(router, bridge, base.score))
