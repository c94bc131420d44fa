"""modelfolio: route, evaluate and de-risk LLM traffic across many vendors."""

from modelfolio._adapters import usage_from_anthropic, usage_from_openai
from modelfolio._allocate import (
    Allocation,
    InfeasibleError,
    WorkloadClass,
    allocate,
    policy_from_allocation,
)
from modelfolio._arena import Battle, RatingError, Ratings, bradley_terry
from modelfolio._budget import Budget, within_budgets
from modelfolio._catalog import Capability, Catalog, Deployment, Latency, Limits, Location, Model
from modelfolio._classify import Classification, classify_error
from modelfolio._cost import Price, PriceTier, Rates, Usage, cost
from modelfolio._errors import (
    CatalogError,
    MissingDependencyError,
    ModelfolioError,
    UnknownIdError,
    ValidationError,
)
from modelfolio._evaluate import (
    Comparison,
    ContaminationGap,
    Leaderboard,
    LeaderboardEntry,
    NonInferiority,
    compare,
    contamination_gap,
    frontier,
    leaderboard,
    non_inferiority,
)
from modelfolio._execute import (
    Execution,
    ExecutionError,
    Reply,
    Router,
    aexecute,
    backoff_s,
    execute,
)
from modelfolio._filters import fits_context, has_capabilities, meets_constraints
from modelfolio._health import is_healthy
from modelfolio._learn import (
    Bridge,
    LearnedRouter,
    QualityTable,
    best_within,
    calibrate_threshold,
    cascade,
    fit_quality,
    learned_policy,
    optimize_cascade,
    quality_floor,
    threshold_router,
)
from modelfolio._litellm import VENDOR_RULES, PriceMapImport, VendorRule, from_litellm
from modelfolio._outcomes import EvalRecord, Outcomes
from modelfolio._reference import reference_catalog
from modelfolio._request import Filter, Request, RouteContext, Scorer, estimate_cost
from modelfolio._risk import (
    Concentration,
    ExitRow,
    ExitTable,
    LiveExitRow,
    LiveExitTable,
    concentration,
    vendor_exit,
)
from modelfolio._routing import DEFAULT_FILTERS, Decision, NoRouteError, Policy, route
from modelfolio._scorers import blend, by_cost, by_latency, by_quality
from modelfolio._simulate import Curve, Point, SimulationReport, aiq, apgr, cpt, simulate, sweep
from modelfolio._state import Attempt, Charge, Failure, HealthConfig, State, record

__all__ = [
    "Allocation",
    "Attempt",
    "Battle",
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
    "EvalRecord",
    "Execution",
    "ExecutionError",
    "ExitRow",
    "ExitTable",
    "Failure",
    "Filter",
    "HealthConfig",
    "InfeasibleError",
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
    "Outcomes",
    "Point",
    "Policy",
    "Price",
    "PriceMapImport",
    "PriceTier",
    "QualityTable",
    "Rates",
    "RatingError",
    "Ratings",
    "Reply",
    "Request",
    "RouteContext",
    "Router",
    "Scorer",
    "SimulationReport",
    "State",
    "UnknownIdError",
    "Usage",
    "VENDOR_RULES",
    "ValidationError",
    "VendorRule",
    "WorkloadClass",
    "aexecute",
    "aiq",
    "allocate",
    "apgr",
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
    "estimate_cost",
    "execute",
    "fit_quality",
    "fits_context",
    "from_litellm",
    "frontier",
    "has_capabilities",
    "is_healthy",
    "leaderboard",
    "learned_policy",
    "meets_constraints",
    "non_inferiority",
    "optimize_cascade",
    "policy_from_allocation",
    "quality_floor",
    "record",
    "reference_catalog",
    "route",
    "simulate",
    "sweep",
    "threshold_router",
    "usage_from_anthropic",
    "usage_from_openai",
    "vendor_exit",
    "within_budgets",
]


def __dir__() -> list[str]:
    return list(__all__)
