"""The public surface is exactly what we intend, documented and stable."""

from __future__ import annotations

import inspect

import modelfolio

EXPECTED = {
    "BattleSummary",
    "summarize_battles",
    "ReplaySummary",
    "summarize_replay",
    "GroupSummary",
    "OutcomeSummary",
    "PairSummary",
    "merge_summaries",
    "summarize",
    "summarize_pair",
    "FleetUpdate",
    "SharedStore",
    "Ticket",
    "apply_update",
    "VENDOR_RULES",
    "Allocation",
    "Concentration",
    "ExitRow",
    "ExitTable",
    "InfeasibleError",
    "LiveExitRow",
    "LiveExitTable",
    "WorkloadClass",
    "allocate",
    "concentration",
    "policy_from_allocation",
    "vendor_exit",
    "Bridge",
    "Curve",
    "LearnedRouter",
    "Point",
    "QualityTable",
    "SimulationReport",
    "aiq",
    "apgr",
    "best_within",
    "calibrate_threshold",
    "cascade",
    "cpt",
    "fit_quality",
    "learned_policy",
    "optimize_cascade",
    "quality_floor",
    "simulate",
    "sweep",
    "threshold_router",
    "QueryQuality",
    "featurize",
    "fit_query_quality",
    "DriftAlarm",
    "DriftMonitor",
    "drift_monitor",
    "mark_drifted",
    "observe",
    "Judgements",
    "WinRate",
    "WinRates",
    "win_rates",
    "style_features",
    "from_openrouter",
    "Classification",
    "Execution",
    "ExecutionError",
    "Reply",
    "Router",
    "aexecute",
    "aexecute_stream",
    "AsyncExecutionStream",
    "ExecutionStream",
    "Observer",
    "StreamInterrupted",
    "backoff_s",
    "classify_error",
    "execute",
    "execute_stream",
    "usage_from_anthropic",
    "usage_from_openai",
    "usage_from_openai_stream",
    "usage_from_anthropic_stream",
    "usage_from_bedrock",
    "usage_from_cohere",
    "usage_from_gemini",
    "usage_from_mistral",
    "Battle",
    "Comparison",
    "ContaminationGap",
    "EvalRecord",
    "Leaderboard",
    "LeaderboardEntry",
    "NonInferiority",
    "Outcomes",
    "RatingError",
    "Ratings",
    "bradley_terry",
    "compare",
    "contamination_gap",
    "frontier",
    "leaderboard",
    "non_inferiority",
    "DEFAULT_FILTERS",
    "Attempt",
    "Budget",
    "Charge",
    "Decision",
    "Failure",
    "Filter",
    "HealthConfig",
    "Latency",
    "NoRouteError",
    "Policy",
    "Request",
    "RouteContext",
    "Scorer",
    "State",
    "blend",
    "by_cost",
    "by_latency",
    "by_quality",
    "estimate_cost",
    "fits_context",
    "has_capabilities",
    "is_healthy",
    "meets_constraints",
    "record",
    "route",
    "within_budgets",
    "Capability",
    "Catalog",
    "CatalogError",
    "Deployment",
    "Limits",
    "Location",
    "Model",
    "ModelfolioError",
    "MissingDependencyError",
    "OffPeak",
    "OffPeakWindow",
    "UsageRecord",
    "usage_shares",
    "TIERS",
    "Tier",
    "knows_context_window",
    "Price",
    "PriceMapImport",
    "PriceTier",
    "Rates",
    "UnknownIdError",
    "Usage",
    "ValidationError",
    "VendorRule",
    "cost",
    "from_litellm",
    "reference_catalog",
}


def test_all_is_exactly_the_intended_names() -> None:
    assert EXPECTED == set(modelfolio.__all__)


def test_all_is_sorted_and_free_of_duplicates() -> None:
    assert sorted(modelfolio.__all__) == list(modelfolio.__all__)
    assert len(set(modelfolio.__all__)) == len(modelfolio.__all__)


def test_dir_returns_the_public_names() -> None:
    assert sorted(modelfolio.__all__) == sorted(dir(modelfolio))


def test_every_public_name_resolves_and_has_a_docstring() -> None:
    for name in modelfolio.__all__:
        value = getattr(modelfolio, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert inspect.getdoc(value), f"{name} has no docstring"


def test_every_public_function_and_class_shows_an_example() -> None:
    exempt = {
        "Allocation",
        "InfeasibleError",
        "Concentration",
        "ExitRow",
        "ExitTable",
        "LiveExitRow",
        "LiveExitTable",
        "LearnedRouter",
        "QualityTable",
        "Curve",
        "Point",
        "SimulationReport",
        "Classification",
        "Execution",
        "ExecutionError",
        "RatingError",
        "LeaderboardEntry",
        "Leaderboard",
        "Comparison",
        "NonInferiority",
        "ContaminationGap",
        "Ratings",
        "HealthConfig",
        "Charge",
        "RouteContext",
        "NoRouteError",
        "Failure",
        "Filter",
        "Scorer",
        "DEFAULT_FILTERS",
        "ModelfolioError",
        "ValidationError",
        "CatalogError",
        "UnknownIdError",
        "MissingDependencyError",
        "Rates",
        "PriceMapImport",
        "Limits",
        "Capability",
        "Location",
    }
    for name in modelfolio.__all__:
        value = getattr(modelfolio, name)
        if name in exempt or not (inspect.isclass(value) or inspect.isfunction(value)):
            continue
        assert ">>>" in (inspect.getdoc(value) or ""), f"{name} has no example in its docstring"


def test_errors_subclass_the_builtins_they_resemble() -> None:
    assert issubclass(modelfolio.CatalogError, modelfolio.ModelfolioError)
    assert issubclass(modelfolio.CatalogError, ValueError)
    assert issubclass(modelfolio.ValidationError, ValueError)
    assert issubclass(modelfolio.UnknownIdError, LookupError)
    assert issubclass(modelfolio.NoRouteError, LookupError)
    assert issubclass(modelfolio.InfeasibleError, ValueError)
    assert issubclass(modelfolio.InfeasibleError, modelfolio.ModelfolioError)
    assert issubclass(modelfolio.NoRouteError, modelfolio.ModelfolioError)
    assert issubclass(modelfolio.MissingDependencyError, ImportError)
    assert issubclass(modelfolio.MissingDependencyError, modelfolio.ModelfolioError)


def test_the_datasets_module_exports_exactly_its_api() -> None:
    from modelfolio import datasets

    assert ["Dataset", "load", "names"] == datasets.__all__
    assert sorted(datasets.__all__) == sorted(dir(datasets))
