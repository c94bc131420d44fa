"""modelfolio: route, evaluate and de-risk LLM traffic across many vendors."""

from modelfolio._budget import Budget, within_budgets
from modelfolio._catalog import Capability, Catalog, Deployment, Latency, Limits, Location, Model
from modelfolio._cost import Price, PriceTier, Rates, Usage, cost
from modelfolio._errors import CatalogError, ModelfolioError, UnknownIdError, ValidationError
from modelfolio._filters import fits_context, has_capabilities, meets_constraints
from modelfolio._health import is_healthy
from modelfolio._litellm import VENDOR_RULES, PriceMapImport, VendorRule, from_litellm
from modelfolio._reference import reference_catalog
from modelfolio._request import Filter, Request, RouteContext, Scorer, estimate_cost
from modelfolio._routing import DEFAULT_FILTERS, Decision, NoRouteError, Policy, route
from modelfolio._scorers import blend, by_cost, by_latency, by_quality
from modelfolio._state import Attempt, Charge, Failure, HealthConfig, State, record

__all__ = [
    "Attempt",
    "Budget",
    "Capability",
    "Catalog",
    "CatalogError",
    "Charge",
    "DEFAULT_FILTERS",
    "Decision",
    "Deployment",
    "Failure",
    "Filter",
    "HealthConfig",
    "Latency",
    "Limits",
    "Location",
    "Model",
    "ModelfolioError",
    "NoRouteError",
    "Policy",
    "Price",
    "PriceMapImport",
    "PriceTier",
    "Rates",
    "Request",
    "RouteContext",
    "Scorer",
    "State",
    "UnknownIdError",
    "Usage",
    "VENDOR_RULES",
    "ValidationError",
    "VendorRule",
    "blend",
    "by_cost",
    "by_latency",
    "by_quality",
    "cost",
    "estimate_cost",
    "fits_context",
    "from_litellm",
    "has_capabilities",
    "is_healthy",
    "meets_constraints",
    "record",
    "reference_catalog",
    "route",
    "within_budgets",
]


def __dir__() -> list[str]:
    return list(__all__)
