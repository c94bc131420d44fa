"""modelfolio: route, evaluate and de-risk LLM traffic across many vendors.

Every public name is importable from here. Importing the package loads almost nothing:
each name's module is imported the first time the name is used (``modelfolio.route``,
``from modelfolio import route``), so a service that only routes never loads the
evaluation statistics, the learned routers or the allocation solver. Type checkers and
IDEs read the imports under ``TYPE_CHECKING`` below and see every name.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

import modelfolio._common.pickling  # noqa: F401  (frozen objects can be pickled)

if TYPE_CHECKING:
    from modelfolio._calling.classify import (
        Classification,
        classify_error,
    )
    from modelfolio._calling.execute import (
        Router,
        aexecute,
        aexecute_stream,
        execute,
        execute_stream,
    )
    from modelfolio._calling.observers import Observer
    from modelfolio._calling.plan import (
        Execution,
        ExecutionError,
        Reply,
        backoff_s,
    )
    from modelfolio._calling.replicas import (
        FleetUpdate,
        SharedStore,
        Ticket,
        apply_update,
    )
    from modelfolio._calling.stream import (
        AsyncExecutionStream,
        ExecutionStream,
        StreamInterrupted,
    )
    from modelfolio._catalog.catalog import (
        TIERS,
        Capability,
        Catalog,
        Deployment,
        Latency,
        Limits,
        Location,
        Model,
        Tier,
    )
    from modelfolio._catalog.prices import (
        OffPeak,
        OffPeakWindow,
        Price,
        PriceTier,
        Rates,
        Usage,
        cost,
    )
    from modelfolio._catalog.reference import (
        reference_catalog,
    )
    from modelfolio._common.errors import (
        CatalogError,
        MissingDependencyError,
        ModelfolioError,
        UnknownIdError,
        ValidationError,
    )
    from modelfolio._evaluation.arena import (
        Battle,
        BattleSummary,
        RatingError,
        Ratings,
        bradley_terry,
        summarize_battles,
    )
    from modelfolio._evaluation.evaluate import (
        ContaminationGap,
        compare,
        contamination_gap,
        fit_quality,
        leaderboard,
        non_inferiority,
    )
    from modelfolio._evaluation.judgements import (
        Judgements,
        WinRate,
        WinRates,
        win_rates,
    )
    from modelfolio._evaluation.outcomes import (
        EvalRecord,
        Outcomes,
    )
    from modelfolio._evaluation.quality import (
        QualityTable,
    )
    from modelfolio._evaluation.results import (
        Comparison,
        Leaderboard,
        LeaderboardEntry,
        NonInferiority,
        frontier,
    )
    from modelfolio._evaluation.style import style_features
    from modelfolio._evaluation.summary import (
        GroupSummary,
        OutcomeSummary,
        PairSummary,
        merge_summaries,
        summarize,
        summarize_pair,
    )
    from modelfolio._exposure.allocate import (
        Allocation,
        InfeasibleError,
        WorkloadClass,
        allocate,
        policy_from_allocation,
    )
    from modelfolio._exposure.risk import (
        Concentration,
        ExitRow,
        ExitTable,
        LiveExitRow,
        LiveExitTable,
        concentration,
        vendor_exit,
    )
    from modelfolio._exposure.traffic import (
        UsageRecord,
        usage_shares,
    )
    from modelfolio._formats.litellm import (
        VENDOR_RULES,
        PriceMapImport,
        VendorRule,
        from_litellm,
    )
    from modelfolio._formats.openrouter import from_openrouter
    from modelfolio._formats.sdks import (
        usage_from_anthropic,
        usage_from_anthropic_stream,
        usage_from_bedrock,
        usage_from_cohere,
        usage_from_gemini,
        usage_from_mistral,
        usage_from_openai,
        usage_from_openai_stream,
    )
    from modelfolio._learning.bridge import (
        Bridge,
        learned_policy,
    )
    from modelfolio._learning.drift import (
        DriftAlarm,
        DriftMonitor,
        drift_monitor,
        mark_drifted,
        observe,
    )
    from modelfolio._learning.query import (
        QueryQuality,
        featurize,
        fit_query_quality,
    )
    from modelfolio._learning.routers import (
        LearnedRouter,
        best_within,
        calibrate_threshold,
        cascade,
        optimize_cascade,
        quality_floor,
        threshold_router,
    )
    from modelfolio._learning.simulate import (
        Curve,
        Point,
        ReplaySummary,
        SimulationReport,
        aiq,
        apgr,
        cpt,
        simulate,
        summarize_replay,
        sweep,
    )
    from modelfolio._routing.budget import (
        Budget,
    )
    from modelfolio._routing.context import (
        Filter,
        RouteContext,
        Scorer,
    )
    from modelfolio._routing.filters import (
        fits_context,
        has_capabilities,
        knows_context_window,
        meets_constraints,
        within_budgets,
    )
    from modelfolio._routing.health import (
        is_healthy,
    )
    from modelfolio._routing.request import (
        Request,
        estimate_cost,
    )
    from modelfolio._routing.route import (
        DEFAULT_FILTERS,
        Decision,
        NoRouteError,
        Policy,
        route,
    )
    from modelfolio._routing.scorers import (
        blend,
        by_cost,
        by_latency,
        by_quality,
    )
    from modelfolio._routing.state import (
        Attempt,
        Charge,
        Failure,
        HealthConfig,
        State,
        record,
    )

# Each public name and the module that defines it, grouped by concept folder.
_WHERE: dict[str, str] = {
    "from_openrouter": "modelfolio._formats.openrouter",
    "style_features": "modelfolio._evaluation.style",
    # _evaluation/: judgements against a baseline, length-controlled win rates
    "Judgements": "modelfolio._evaluation.judgements",
    "WinRate": "modelfolio._evaluation.judgements",
    "WinRates": "modelfolio._evaluation.judgements",
    "win_rates": "modelfolio._evaluation.judgements",
    # _common/: errors
    "CatalogError": "modelfolio._common.errors",
    "MissingDependencyError": "modelfolio._common.errors",
    "ModelfolioError": "modelfolio._common.errors",
    "UnknownIdError": "modelfolio._common.errors",
    "ValidationError": "modelfolio._common.errors",
    # _catalog/: catalog and prices
    "Capability": "modelfolio._catalog.catalog",
    "Catalog": "modelfolio._catalog.catalog",
    "Deployment": "modelfolio._catalog.catalog",
    "Latency": "modelfolio._catalog.catalog",
    "Limits": "modelfolio._catalog.catalog",
    "Location": "modelfolio._catalog.catalog",
    "Model": "modelfolio._catalog.catalog",
    "TIERS": "modelfolio._catalog.catalog",
    "Tier": "modelfolio._catalog.catalog",
    "OffPeak": "modelfolio._catalog.prices",
    "OffPeakWindow": "modelfolio._catalog.prices",
    "Price": "modelfolio._catalog.prices",
    "PriceTier": "modelfolio._catalog.prices",
    "Rates": "modelfolio._catalog.prices",
    "Usage": "modelfolio._catalog.prices",
    "cost": "modelfolio._catalog.prices",
    "reference_catalog": "modelfolio._catalog.reference",
    # _formats/: other tools' schemas
    "PriceMapImport": "modelfolio._formats.litellm",
    "VENDOR_RULES": "modelfolio._formats.litellm",
    "VendorRule": "modelfolio._formats.litellm",
    "from_litellm": "modelfolio._formats.litellm",
    "usage_from_anthropic": "modelfolio._formats.sdks",
    "usage_from_openai": "modelfolio._formats.sdks",
    "usage_from_openai_stream": "modelfolio._formats.sdks",
    "usage_from_anthropic_stream": "modelfolio._formats.sdks",
    "usage_from_bedrock": "modelfolio._formats.sdks",
    "usage_from_cohere": "modelfolio._formats.sdks",
    "usage_from_gemini": "modelfolio._formats.sdks",
    "usage_from_mistral": "modelfolio._formats.sdks",
    # _routing/: routing
    "Budget": "modelfolio._routing.budget",
    "Filter": "modelfolio._routing.context",
    "RouteContext": "modelfolio._routing.context",
    "Scorer": "modelfolio._routing.context",
    "fits_context": "modelfolio._routing.filters",
    "has_capabilities": "modelfolio._routing.filters",
    "knows_context_window": "modelfolio._routing.filters",
    "meets_constraints": "modelfolio._routing.filters",
    "within_budgets": "modelfolio._routing.filters",
    "is_healthy": "modelfolio._routing.health",
    "Request": "modelfolio._routing.request",
    "estimate_cost": "modelfolio._routing.request",
    "DEFAULT_FILTERS": "modelfolio._routing.route",
    "Decision": "modelfolio._routing.route",
    "NoRouteError": "modelfolio._routing.route",
    "Policy": "modelfolio._routing.route",
    "route": "modelfolio._routing.route",
    "blend": "modelfolio._routing.scorers",
    "by_cost": "modelfolio._routing.scorers",
    "by_latency": "modelfolio._routing.scorers",
    "by_quality": "modelfolio._routing.scorers",
    "Attempt": "modelfolio._routing.state",
    "Charge": "modelfolio._routing.state",
    "Failure": "modelfolio._routing.state",
    "HealthConfig": "modelfolio._routing.state",
    "State": "modelfolio._routing.state",
    "record": "modelfolio._routing.state",
    # _calling/: calling models
    "Classification": "modelfolio._calling.classify",
    "classify_error": "modelfolio._calling.classify",
    "Router": "modelfolio._calling.execute",
    "aexecute": "modelfolio._calling.execute",
    "execute": "modelfolio._calling.execute",
    "aexecute_stream": "modelfolio._calling.execute",
    "execute_stream": "modelfolio._calling.execute",
    "Observer": "modelfolio._calling.observers",
    "AsyncExecutionStream": "modelfolio._calling.stream",
    "ExecutionStream": "modelfolio._calling.stream",
    "StreamInterrupted": "modelfolio._calling.stream",
    "Execution": "modelfolio._calling.plan",
    "ExecutionError": "modelfolio._calling.plan",
    "Reply": "modelfolio._calling.plan",
    "backoff_s": "modelfolio._calling.plan",
    "FleetUpdate": "modelfolio._calling.replicas",
    "SharedStore": "modelfolio._calling.replicas",
    "Ticket": "modelfolio._calling.replicas",
    "apply_update": "modelfolio._calling.replicas",
    # _evaluation/: evaluation
    "Battle": "modelfolio._evaluation.arena",
    "BattleSummary": "modelfolio._evaluation.arena",
    "RatingError": "modelfolio._evaluation.arena",
    "Ratings": "modelfolio._evaluation.arena",
    "bradley_terry": "modelfolio._evaluation.arena",
    "summarize_battles": "modelfolio._evaluation.arena",
    "ContaminationGap": "modelfolio._evaluation.evaluate",
    "compare": "modelfolio._evaluation.evaluate",
    "contamination_gap": "modelfolio._evaluation.evaluate",
    "fit_quality": "modelfolio._evaluation.evaluate",
    "leaderboard": "modelfolio._evaluation.evaluate",
    "non_inferiority": "modelfolio._evaluation.evaluate",
    "EvalRecord": "modelfolio._evaluation.outcomes",
    "Outcomes": "modelfolio._evaluation.outcomes",
    "QualityTable": "modelfolio._evaluation.quality",
    "Comparison": "modelfolio._evaluation.results",
    "Leaderboard": "modelfolio._evaluation.results",
    "LeaderboardEntry": "modelfolio._evaluation.results",
    "NonInferiority": "modelfolio._evaluation.results",
    "frontier": "modelfolio._evaluation.results",
    "GroupSummary": "modelfolio._evaluation.summary",
    "OutcomeSummary": "modelfolio._evaluation.summary",
    "PairSummary": "modelfolio._evaluation.summary",
    "merge_summaries": "modelfolio._evaluation.summary",
    "summarize": "modelfolio._evaluation.summary",
    "summarize_pair": "modelfolio._evaluation.summary",
    # _learning/: learned routing
    "Bridge": "modelfolio._learning.bridge",
    "learned_policy": "modelfolio._learning.bridge",
    "DriftAlarm": "modelfolio._learning.drift",
    "DriftMonitor": "modelfolio._learning.drift",
    "drift_monitor": "modelfolio._learning.drift",
    "mark_drifted": "modelfolio._learning.drift",
    "observe": "modelfolio._learning.drift",
    "QueryQuality": "modelfolio._learning.query",
    "featurize": "modelfolio._learning.query",
    "fit_query_quality": "modelfolio._learning.query",
    "LearnedRouter": "modelfolio._learning.routers",
    "best_within": "modelfolio._learning.routers",
    "calibrate_threshold": "modelfolio._learning.routers",
    "cascade": "modelfolio._learning.routers",
    "optimize_cascade": "modelfolio._learning.routers",
    "quality_floor": "modelfolio._learning.routers",
    "threshold_router": "modelfolio._learning.routers",
    "Curve": "modelfolio._learning.simulate",
    "Point": "modelfolio._learning.simulate",
    "ReplaySummary": "modelfolio._learning.simulate",
    "SimulationReport": "modelfolio._learning.simulate",
    "aiq": "modelfolio._learning.simulate",
    "apgr": "modelfolio._learning.simulate",
    "cpt": "modelfolio._learning.simulate",
    "simulate": "modelfolio._learning.simulate",
    "summarize_replay": "modelfolio._learning.simulate",
    "sweep": "modelfolio._learning.simulate",
    # _exposure/: vendor exposure
    "Allocation": "modelfolio._exposure.allocate",
    "InfeasibleError": "modelfolio._exposure.allocate",
    "WorkloadClass": "modelfolio._exposure.allocate",
    "allocate": "modelfolio._exposure.allocate",
    "policy_from_allocation": "modelfolio._exposure.allocate",
    "Concentration": "modelfolio._exposure.risk",
    "ExitRow": "modelfolio._exposure.risk",
    "ExitTable": "modelfolio._exposure.risk",
    "LiveExitRow": "modelfolio._exposure.risk",
    "LiveExitTable": "modelfolio._exposure.risk",
    "concentration": "modelfolio._exposure.risk",
    "vendor_exit": "modelfolio._exposure.risk",
    "UsageRecord": "modelfolio._exposure.traffic",
    "usage_shares": "modelfolio._exposure.traffic",
}

__all__ = [
    "Allocation",
    "AsyncExecutionStream",
    "Attempt",
    "Battle",
    "BattleSummary",
    "Bridge",
    "Budget",
    "Capability",
    "Catalog",
    "CatalogError",
    "Charge",
    "Classification",
    "Comparison",
    "Concentration",
    "ContaminationGap",
    "Curve",
    "DEFAULT_FILTERS",
    "Decision",
    "Deployment",
    "DriftAlarm",
    "DriftMonitor",
    "EvalRecord",
    "Execution",
    "ExecutionError",
    "ExecutionStream",
    "ExitRow",
    "ExitTable",
    "Failure",
    "Filter",
    "FleetUpdate",
    "GroupSummary",
    "HealthConfig",
    "InfeasibleError",
    "Judgements",
    "Latency",
    "Leaderboard",
    "LeaderboardEntry",
    "LearnedRouter",
    "Limits",
    "LiveExitRow",
    "LiveExitTable",
    "Location",
    "MissingDependencyError",
    "Model",
    "ModelfolioError",
    "NoRouteError",
    "NonInferiority",
    "Observer",
    "OffPeak",
    "OffPeakWindow",
    "OutcomeSummary",
    "Outcomes",
    "PairSummary",
    "Point",
    "Policy",
    "Price",
    "PriceMapImport",
    "PriceTier",
    "QualityTable",
    "QueryQuality",
    "Rates",
    "RatingError",
    "Ratings",
    "ReplaySummary",
    "Reply",
    "Request",
    "RouteContext",
    "Router",
    "Scorer",
    "SharedStore",
    "SimulationReport",
    "State",
    "StreamInterrupted",
    "TIERS",
    "Ticket",
    "Tier",
    "UnknownIdError",
    "Usage",
    "UsageRecord",
    "VENDOR_RULES",
    "ValidationError",
    "VendorRule",
    "WinRate",
    "WinRates",
    "WorkloadClass",
    "aexecute",
    "aexecute_stream",
    "aiq",
    "allocate",
    "apgr",
    "apply_update",
    "backoff_s",
    "best_within",
    "blend",
    "bradley_terry",
    "by_cost",
    "by_latency",
    "by_quality",
    "calibrate_threshold",
    "cascade",
    "classify_error",
    "compare",
    "concentration",
    "contamination_gap",
    "cost",
    "cpt",
    "drift_monitor",
    "estimate_cost",
    "execute",
    "execute_stream",
    "featurize",
    "fit_quality",
    "fit_query_quality",
    "fits_context",
    "from_litellm",
    "from_openrouter",
    "frontier",
    "has_capabilities",
    "is_healthy",
    "knows_context_window",
    "leaderboard",
    "learned_policy",
    "mark_drifted",
    "meets_constraints",
    "merge_summaries",
    "non_inferiority",
    "observe",
    "optimize_cascade",
    "policy_from_allocation",
    "quality_floor",
    "record",
    "reference_catalog",
    "route",
    "simulate",
    "style_features",
    "summarize",
    "summarize_battles",
    "summarize_pair",
    "summarize_replay",
    "sweep",
    "threshold_router",
    "usage_from_anthropic",
    "usage_from_anthropic_stream",
    "usage_from_bedrock",
    "usage_from_cohere",
    "usage_from_gemini",
    "usage_from_mistral",
    "usage_from_openai",
    "usage_from_openai_stream",
    "usage_shares",
    "vendor_exit",
    "win_rates",
    "within_budgets",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'modelfolio' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # the next look-up does not come here
    return value


def __dir__() -> list[str]:
    return list(__all__)
