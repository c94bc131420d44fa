"""What one call needs: :class:`Request`, and what serving it would cost.

A :class:`Request` states a call's token estimates, the capabilities it needs and the
constraints it must respect; :func:`estimate_cost` prices it on one deployment. The
vocabulary routing judges requests with (filters, scorers, their context) is in
:mod:`modelfolio._routing.context`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

from attrs import field, frozen

from modelfolio._catalog.catalog import (
    TIERS,
    Capability,
    Deployment,
    Location,
    Tier,
    tier_of,
)
from modelfolio._catalog.prices import Usage, cost
from modelfolio._common.errors import ValidationError
from modelfolio._common.validate import (
    check,
    is_bool,
    optional_number,
    optional_text,
    sparse_vector,
    text,
    tokens,
)

_T = TypeVar("_T")

__all__ = ["Request", "estimate_cost"]


def _frozenset_of(kind: str, convert: Callable[[Any], Any]) -> Callable[[Any], frozenset[Any]]:
    def converter(value: Any) -> frozenset[Any]:
        if isinstance(value, str) or not isinstance(value, Iterable):
            raise ValidationError(f"{kind} must be a collection, got {value!r}")
        items = set()
        for item in value:
            try:
                items.add(convert(item))
            except (ValueError, TypeError):
                raise ValidationError(f"{kind} holds an invalid value {item!r}") from None
        return frozenset(items)

    return converter


def _nonempty_text(value: Any) -> str:
    return text(value, "value")


def _needs(value: Iterable[Capability | str]) -> frozenset[Capability]:
    return _frozenset_of("needs", Capability)(value)


def _locations(value: Iterable[Location | str]) -> frozenset[Location]:
    return _frozenset_of("locations", Location)(value)


def _names(field_name: str) -> Callable[[Iterable[str]], frozenset[str]]:
    return _frozenset_of(field_name, _nonempty_text)


def _tags(value: Iterable[str]) -> frozenset[str]:
    return _names("tags")(value)


def normal_name(value: Any) -> str:
    """A vendor or provider name as catalogs spell it: lower case, no surrounding spaces
    (``"OpenAI"`` is ``openai``)."""
    return text(value.strip() if isinstance(value, str) else value, "value").lower()


def _slugs(field_name: str) -> Callable[[Iterable[str]], frozenset[str]]:
    return _frozenset_of(field_name, normal_name)


def _vendors(value: Iterable[str]) -> frozenset[str]:
    return _slugs("vendors")(value)


def _providers(value: Iterable[str]) -> frozenset[str]:
    return _slugs("providers")(value)


def _exclude_vendors(value: Iterable[str]) -> frozenset[str]:
    return _slugs("exclude_vendors")(value)


def _exclude_providers(value: Iterable[str]) -> frozenset[str]:
    return _slugs("exclude_providers")(value)


def _regions(value: Iterable[str]) -> frozenset[str]:
    return _names("regions")(value)


def _compliance(value: Iterable[str]) -> frozenset[str]:
    return _names("compliance")(value)


STANDARD: frozenset[Tier] = frozenset({"standard"})


def tier_set(value: Any, name: str = "tiers") -> frozenset[Tier]:
    """``value`` as a non-empty set of service tiers; a lone tier name is one tier."""
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, Iterable):
        raise ValidationError(
            f"{name} must be a collection of tiers ({', '.join(TIERS)}), got {value!r}"
        )
    tiers = frozenset(tier_of(item, name, ValidationError) for item in value)
    if not tiers:
        raise ValidationError(f"{name} must accept at least one tier ({', '.join(TIERS)})")
    return STANDARD if tiers == STANDARD else tiers


def _query(value: Any) -> str | tuple[float, ...] | Mapping[int, float] | None:
    if value is None or isinstance(value, str):
        return value
    sparse = sparse_vector(value, "query")
    if isinstance(value, Mapping):
        return MappingProxyType(sparse)
    return tuple(float(v) for v in value)


@frozen(kw_only=True)
class Request:
    """What one call needs: token estimates, capabilities, constraints and labels.

    Empty allow-lists (``vendors``, ``providers``, ``regions``, ``locations``) mean
    "any". ``compliance`` tags are all required.

    Examples:
        >>> request = Request(input_tokens=2_000, output_tokens=500, needs={"tools"},
        ...                   compliance={"hipaa"}, exclude_vendors={"xai"})
        >>> sorted(request.needs)
        [<Capability.TOOLS: 'tools'>]
        >>> Request(input_tokens=-1, output_tokens=0)
        Traceback (most recent call last):
        ...
        modelfolio._common.errors.ValidationError: input_tokens must be an integer >= 0, got -1
    """

    input_tokens: int = field(validator=check(tokens))
    """Estimated input tokens."""
    output_tokens: int = field(validator=check(tokens))
    """Estimated visible output tokens."""
    reasoning_tokens: int = field(default=0, validator=check(tokens))
    """Estimated hidden reasoning tokens, on top of ``output_tokens``."""
    cached_input_tokens: int = field(default=0, validator=check(tokens))
    """The part of ``input_tokens`` expected to be read from the provider's prompt cache
    (a long system prompt, a conversation's history): priced at each deployment's cached
    rate where it has one, at its full input rate where it does not."""
    needs: frozenset[Capability] = field(default=frozenset(), converter=_needs)
    """Capabilities the deployment's model must have."""
    tags: frozenset[str] = field(default=frozenset(), converter=_tags)
    """Task labels such as ``code`` or ``math``, for quality lookups."""
    key: str | None = field(default=None, validator=optional_text)
    """A stable id (a user, a conversation) for deterministic traffic splits."""
    tenant: str | None = field(default=None, validator=optional_text)
    """Who the call is for, for per-tenant budgets and spend."""
    vendors: frozenset[str] = field(default=frozenset(), converter=_vendors)
    """Allowed vendors; empty means any. Names are compared in lower case (``"OpenAI"``
    is ``openai``); routing refuses a name no deployment of the catalog has."""
    providers: frozenset[str] = field(default=frozenset(), converter=_providers)
    """Allowed providers; empty means any (names as for ``vendors``)."""
    exclude_vendors: frozenset[str] = field(default=frozenset(), converter=_exclude_vendors)
    """Vendors never to use (names as for ``vendors``)."""
    exclude_providers: frozenset[str] = field(default=frozenset(), converter=_exclude_providers)
    """Providers never to use (names as for ``vendors``)."""
    regions: frozenset[str] = field(default=frozenset(), converter=_regions)
    """The deployment must run in at least one of these; empty means any."""
    compliance: frozenset[str] = field(default=frozenset(), converter=_compliance)
    """Compliance tags the deployment must all carry."""
    locations: frozenset[Location] = field(default=frozenset(), converter=_locations)
    """Allowed locations (cloud, on_premises, on_device); empty means any."""
    open_weights_only: bool = field(default=False, validator=is_bool)
    """Only models whose weights are published."""
    max_cost_usd: float | None = field(default=None, validator=check(optional_number))
    """A ceiling on the estimated cost of the call, in US dollars."""
    tiers: frozenset[Tier] = field(default=STANDARD, converter=tier_set)
    """Service tiers the call may use: ``standard`` by default; add ``flex`` or ``batch``
    for work that can wait (cheaper, slower), ``priority`` for work that cannot."""
    query: str | tuple[float, ...] | Mapping[int, float] | None = field(
        default=None, converter=_query, repr=False, hash=False
    )
    """The query itself, for routers that read it (a :class:`~modelfolio.QueryQuality`):
    its text, or a vector (a sequence of floats, or a sparse ``{index: value}``
    mapping). :func:`~modelfolio.learned_policy` hands it to the router."""

    @property
    def usage(self) -> Usage:
        """The estimated usage: reasoning tokens counted as part of the output."""
        return Usage(
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens + self.reasoning_tokens,
            reasoning_tokens=self.reasoning_tokens,
            cached_input_tokens=self.cached_input_tokens,
        )

    total_tokens: int = field(init=False, repr=False, eq=False)
    """Input, output and reasoning tokens together: what must fit the context window."""
    constrained: bool = field(init=False, repr=False, eq=False)
    """Whether any constraint beyond capabilities and context is set."""

    def __attrs_post_init__(self) -> None:
        if self.cached_input_tokens > self.input_tokens:
            raise ValidationError(
                f"cached_input_tokens must be at most input_tokens ({self.input_tokens}), "
                f"got {self.cached_input_tokens}"
            )
        # Derived once here because routing reads them on every decision.
        object.__setattr__(
            self, "total_tokens", self.input_tokens + self.output_tokens + self.reasoning_tokens
        )
        object.__setattr__(
            self,
            "constrained",
            bool(
                self.vendors
                or self.providers
                or self.exclude_vendors
                or self.exclude_providers
                or self.regions
                or self.compliance
                or self.locations
                or self.open_weights_only
                or self.max_cost_usd is not None
            ),
        )


def estimate_cost(request: Request, deployment: Deployment, *, at: float | None = None) -> float:
    """The estimated cost of serving ``request`` on ``deployment``, in US dollars.

    Reasoning tokens are billed as output unless the price sets them apart, and
    long-context tiers apply, as for :func:`modelfolio.cost`. ``at`` is the POSIX time
    (seconds, UTC) the call would run at, for prices with off-peak windows; without it
    the standard rates apply.

    Examples:
        >>> from modelfolio import reference_catalog
        >>> gpt5 = reference_catalog().deployment("openai/gpt-5")
        >>> estimate_cost(Request(input_tokens=10_000, output_tokens=1_000, reasoning_tokens=3_000), gpt5)
        0.0525
    """
    if not isinstance(request, Request):
        raise ValidationError(f"request must be a Request, got {request!r:.80}")
    if not isinstance(deployment, Deployment):
        raise ValidationError(f"deployment must be a Deployment, got {deployment!r:.80}")
    return cost(request.usage, deployment.price, at=at)
