"""modelfolio: route, evaluate and de-risk LLM traffic across many vendors."""

from modelfolio._catalog import Capability, Catalog, Deployment, Limits, Location, Model
from modelfolio._cost import Price, PriceTier, Rates, Usage, cost
from modelfolio._errors import CatalogError, ModelfolioError, UnknownIdError, ValidationError
from modelfolio._litellm import VENDOR_RULES, PriceMapImport, VendorRule, from_litellm
from modelfolio._reference import reference_catalog

__all__ = [
    "Capability",
    "Catalog",
    "CatalogError",
    "Deployment",
    "Limits",
    "Location",
    "Model",
    "ModelfolioError",
    "Price",
    "PriceMapImport",
    "PriceTier",
    "Rates",
    "UnknownIdError",
    "Usage",
    "VENDOR_RULES",
    "ValidationError",
    "VendorRule",
    "cost",
    "from_litellm",
    "reference_catalog",
]


def __dir__() -> list[str]:
    return list(__all__)
