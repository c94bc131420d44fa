"""modelfolio: route, evaluate and de-risk LLM traffic across many vendors."""

from modelfolio._adapters import usage_from_anthropic, usage_from_openai
from modelfolio._arena import Battle, RatingError, Ratings, bradley_terry
from modelfolio._budget import Budget, within_budgets
from modelfolio._catalog import Capability, Catalog, Deployment, Latency, Limits, Location, Model
from modelfolio._classify import Classification, classify_error
from modelfolio._cost import Price, PriceTier, Rates, Usage, cost
from modelfolio._errors import CatalogError, ModelfolioError, UnknownIdError, ValidationError
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
from modelfolio._litellm import VENDOR_RULES, PriceMapImport, VendorRule, from_litellm
from modelfolio._outcomes import EvalRecord, Outcomes
from modelfolio._reference import reference_catalog
from modelfolio._request import Filter, Request, RouteContext, Scorer, estimate_cost
from modelfolio._routing import DEFAULT_FILTERS, Decision, NoRouteError, Policy, route
from modelfolio._scorers import blend, by_cost, by_latency, by_quality
from modelfolio._state import Attempt, Charge, Failure, HealthConfig, State, record

__all__ = [
    "Attempt",
    "Battle",
    "Budget",
    "Capability",
    "Catalog",
    "CatalogError",
    "Charge",
    "Classification",
    "Comparison",
    "ContaminationGap",
    "DEFAULT_FILTERS",
    "Decision",
    "Deployment",
    "EvalRecord",
    "Execution",
    "ExecutionError",
    "Failure",
    "Filter",
    "HealthConfig",
    "Latency",
    "Leaderboard",
    "LeaderboardEntry",
    "Limits",
    "Location",
    "Model",
    "ModelfolioError",
    "NoRouteError",
    "NonInferiority",
    "Outcomes",
    "Policy",
    "Price",
    "PriceMapImport",
    "PriceTier",
    "Rates",
    "RatingError",
    "Ratings",
    "Reply",
    "Request",
    "RouteContext",
    "Router",
    "Scorer",
    "State",
    "UnknownIdError",
    "Usage",
    "VENDOR_RULES",
    "ValidationError",
    "VendorRule",
    "aexecute",
    "backoff_s",
    "blend",
    "bradley_terry",
    "by_cost",
    "by_latency",
    "by_quality",
    "classify_error",
    "compare",
    "contamination_gap",
    "cost",
    "estimate_cost",
    "execute",
    "fits_context",
    "from_litellm",
    "frontier",
    "has_capabilities",
    "is_healthy",
    "leaderboard",
    "meets_constraints",
    "non_inferiority",
    "record",
    "reference_catalog",
    "route",
    "usage_from_anthropic",
    "usage_from_openai",
    "within_budgets",
]


def __dir__() -> list[str]:
    return list(__all__)
