"""What one call needs, and the shared vocabulary of filters and scorers.

A :class:`Request` states a call's token estimates, the capabilities it needs and the
constraints it must respect. Routing judges each deployment with **filters** (each
returns ``None`` to accept a deployment, or the reason it rejects it) and ranks the
survivors with a **scorer** (a number; lower ranks first). Both share one signature,
declared here once as :data:`Filter` and :data:`Scorer`, so a function of your own
plugs in beside ours.

For speed, the built-in filters and scorers also know how to judge a whole catalog at
once over precomputed columns (:class:`Columns`); a plain function is called once per
deployment. Both give the same answers.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from operator import itemgetter
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from attrs import field, frozen

from modelfolio._catalog.catalog import TIERS, Capability, Catalog, Deployment, Location, Tier, tier_of
from modelfolio._catalog.prices import Usage, cost
from modelfolio._common.errors import ValidationError
from modelfolio._common.validate import check, optional_number, text, tokens

if TYPE_CHECKING:
    from modelfolio._routing.route import Policy
    from modelfolio._routing.state import State

_T = TypeVar("_T")

__all__ = ["Filter", "Request", "RouteContext", "Scorer", "estimate_cost"]


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


def _vendors(value: Iterable[str]) -> frozenset[str]:
    return _names("vendors")(value)


def _providers(value: Iterable[str]) -> frozenset[str]:
    return _names("providers")(value)


def _exclude_vendors(value: Iterable[str]) -> frozenset[str]:
    return _names("exclude_vendors")(value)


def _exclude_providers(value: Iterable[str]) -> frozenset[str]:
    return _names("exclude_providers")(value)


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


def _optional_text(instance: object, attribute: Any, value: Any) -> None:
    if value is not None:
        text(value, attribute.name)


def _is_bool(instance: object, attribute: Any, value: Any) -> None:
    if not isinstance(value, bool):
        raise ValidationError(f"{attribute.name} must be True or False, got {value!r}")


def _query(value: Any) -> str | tuple[float, ...] | Mapping[int, float] | None:
    if value is None or isinstance(value, str):
        return value
    from modelfolio._learning.query import _vector

    vector = _vector(value, "query")
    if isinstance(value, Mapping):
        return MappingProxyType(vector)
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
    needs: frozenset[Capability] = field(default=frozenset(), converter=_needs)
    """Capabilities the deployment's model must have."""
    tags: frozenset[str] = field(default=frozenset(), converter=_tags)
    """Task labels such as ``code`` or ``math``, for quality lookups."""
    key: str | None = field(default=None, validator=_optional_text)
    """A stable id (a user, a conversation) for deterministic traffic splits."""
    tenant: str | None = field(default=None, validator=_optional_text)
    """Who the call is for, for per-tenant budgets and spend."""
    vendors: frozenset[str] = field(default=frozenset(), converter=_vendors)
    """Allowed vendors; empty means any."""
    providers: frozenset[str] = field(default=frozenset(), converter=_providers)
    """Allowed providers; empty means any."""
    exclude_vendors: frozenset[str] = field(default=frozenset(), converter=_exclude_vendors)
    """Vendors never to use."""
    exclude_providers: frozenset[str] = field(default=frozenset(), converter=_exclude_providers)
    """Providers never to use."""
    regions: frozenset[str] = field(default=frozenset(), converter=_regions)
    """The deployment must run in at least one of these; empty means any."""
    compliance: frozenset[str] = field(default=frozenset(), converter=_compliance)
    """Compliance tags the deployment must all carry."""
    locations: frozenset[Location] = field(default=frozenset(), converter=_locations)
    """Allowed locations (cloud, on_premises, on_device); empty means any."""
    open_weights_only: bool = field(default=False, validator=_is_bool)
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
        )

    total_tokens: int = field(init=False, repr=False, eq=False)
    """Input, output and reasoning tokens together: what must fit the context window."""
    constrained: bool = field(init=False, repr=False, eq=False)
    """Whether any constraint beyond capabilities and context is set."""

    def __attrs_post_init__(self) -> None:
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


@frozen(kw_only=True)
class RouteContext:
    """What a filter or scorer may consult besides the request and the deployment."""

    catalog: Catalog
    """The catalog being routed over."""
    policy: Policy
    """The policy in force (its budgets, for instance)."""
    state: State
    """Health and spend, as of ``now``."""
    now: float
    """The routing time, in seconds, as passed to ``route``."""
    at: float | None = None
    """The wall-clock moment (POSIX seconds, UTC) prices are read at, as passed to
    ``route``; ``None`` for standard rates."""


Filter: TypeAlias = Callable[[Request, Deployment, RouteContext], "str | None"]
"""A filter returns ``None`` to accept a deployment, or the reason it rejects it."""

Scorer: TypeAlias = Callable[[Request, Deployment, RouteContext], float]
"""A scorer rates a deployment for a request; lower ranks first."""


class Columns:
    """Column arrays and bit masks of a catalog, built once per catalog for fast routing.

    Position ``i`` in every array is ``catalog.deployments[i]``; since deployments are
    sorted by id, position order is also the tie-break order. A set of candidates is an
    ``int`` used as a bit set (bit ``i`` for position ``i``), so most filters are a few
    big-integer operations however large the catalog.
    """

    __slots__ = (
        "_chunks",
        "all",
        "capability_masks",
        "compliance_masks",
        "deployments",
        "full",
        "ids",
        "index",
        "known_window_mask",
        "location_masks",
        "min_tier_threshold",
        "off_peak",
        "open_weights_mask",
        "output_limits",
        "output_masks",
        "provider_masks",
        "providers",
        "rate_pairs",
        "rate_triples",
        "region_masks",
        "tier_floors",
        "tier_masks",
        "tiered",
        "tiers_sold",
        "vendor_masks",
        "vendors",
        "window_masks",
        "windows",
    )

    def __init__(self, catalog: Catalog) -> None:
        deployments = catalog.deployments
        n = len(deployments)
        self.deployments: tuple[Deployment, ...] = deployments
        self.ids = tuple(d.id for d in deployments)
        self.index = {d.id: i for i, d in enumerate(deployments)}
        self.all = tuple(range(n))
        self.full = (1 << n) - 1
        self.vendors = tuple(d.vendor for d in deployments)
        self.providers = tuple(d.provider for d in deployments)
        self.capability_masks = _value_masks([tuple(d.model.capabilities) for d in deployments])
        # An unknown window or output limit passes every size check: fits_context lets
        # it through (and says so); knows_context_window is the filter that does not.
        self.windows, self.window_masks = _threshold_masks(
            [_UNKNOWN if w is None else w for w in (d.model.context_window for d in deployments)]
        )
        self.output_limits, self.output_masks = _threshold_masks(
            [_UNKNOWN if w is None else w for w in (d.model.max_output_tokens for d in deployments)]
        )
        self.known_window_mask = _mask(deployments, lambda d: d.model.context_window is not None)
        self.tier_masks = _value_masks([(d.tier,) for d in deployments])
        # The tiers of ``tier_masks``, kept as a frozenset: routing asks "are they all
        # accepted?" on every decision, and a frozenset answers it fastest.
        self.tiers_sold = frozenset(self.tier_masks)
        # Positions whose price has off-peak windows, for estimates at a moment.
        self.off_peak = tuple(i for i, d in enumerate(deployments) if d.price.off_peak is not None)
        self.vendor_masks = _value_masks([(d.vendor,) for d in deployments])
        self.provider_masks = _value_masks([(d.provider,) for d in deployments])
        self.region_masks = _value_masks([tuple(d.regions) for d in deployments])
        self.compliance_masks = _value_masks([tuple(d.compliance) for d in deployments])
        self.location_masks = _value_masks([(d.location,) for d in deployments])
        self.open_weights_mask = _mask(deployments, lambda d: d.model.open_weights)
        base = [d.price.rates(0) for d in deployments]
        # (input, output) and (input, output, reasoning) rates per deployment, zipped
        # once: unpacking pairs is the cheapest loop for estimates.
        self.rate_pairs = tuple((r.input_per_mtok, r.output_per_mtok) for r in base)
        self.rate_triples = tuple(
            (r.input_per_mtok, r.output_per_mtok, r.reasoning_per_mtok) for r in base
        )
        # Tiered prices: (position, ((threshold, input, output, reasoning), ...) highest
        # first), sorted by lowest threshold so an estimate visits only those it reaches.
        tiered = []
        for i, d in enumerate(deployments):
            if d.price.tiers:
                bands = tuple(
                    (
                        t.above_input_tokens,
                        r.input_per_mtok,
                        r.output_per_mtok,
                        r.reasoning_per_mtok,
                    )
                    for t in reversed(d.price.tiers)
                    for r in (d.price.rates(t.above_input_tokens + 1),)
                )
                tiered.append((i, bands))
        tiered.sort(key=lambda item: (item[1][-1][0], item[0]))
        self.tiered = tuple(tiered)
        self.tier_floors = tuple(bands[-1][0] for _, bands in self.tiered)
        self.min_tier_threshold = self.tier_floors[0] if self.tier_floors else float("inf")
        self._chunks: dict[tuple[int, int], tuple[int, ...]] = {}

    def in_tiers(self, mask: int, tiers: frozenset[str]) -> int:
        """``mask`` less the deployments of tiers not in ``tiers``.

        When every tier the catalog sells is accepted (a standard-only catalog and the
        default request: one small set comparison) the mask comes back as it is.
        """
        if self.tiers_sold <= tiers:
            return mask
        accepted = 0
        for tier in tiers:
            accepted |= self.tier_masks.get(tier, 0)
        return mask & accepted

    @classmethod
    def of(cls, catalog: Catalog) -> Columns:
        """The columns of ``catalog``, built on first use and remembered."""
        return catalog.derived("routing.columns", cls)

    def at_least(self, values: tuple[int, ...], masks: tuple[int, ...], needed: int) -> int:
        """The mask of deployments whose value (window, output limit) is >= ``needed``."""
        j = bisect_left(values, needed)
        return masks[j] if j < len(masks) else 0

    def positions(self, mask: int) -> tuple[int, ...]:
        """The positions whose bits are set in ``mask``, ascending."""
        if mask == self.full:
            return self.all
        chunks = self._chunks
        found: list[int] = []
        offset = 0
        while mask:
            byte = mask & 0xFF
            if byte:
                key = (offset, byte)
                chunk = chunks.get(key)
                if chunk is None:
                    chunk = chunks[key] = tuple(offset + b for b in range(8) if byte >> b & 1)
                found.extend(chunk)
            mask >>= 8
            offset += 8
        return tuple(found)

    def mask_of(self, positions: Iterable[int]) -> int:
        """The mask with the bits of ``positions`` set."""
        mask = 0
        for i in positions:
            mask |= 1 << i
        return mask

    def estimates(
        self, request: Request, positions: Sequence[int], at: float | None = None
    ) -> list[float]:
        """Estimated cost of ``request`` at each position, exactly as :func:`estimate_cost`.

        The arithmetic is the same as :func:`modelfolio.cost` for a usage with no
        cached tokens, term for term, so the two agree to the last bit.
        """
        # Floats, not ints: float * float is faster, and exact for any token count.
        a = float(request.input_tokens)
        b = float(request.output_tokens)
        c = float(request.reasoning_tokens)
        if c:
            rates = self.rate_triples
            if positions is not self.all:
                rates = _gather(rates, positions)
            result = [(a * x + b * y + c * z) / 1_000_000.0 for x, y, z in rates]
        else:
            pairs = self.rate_pairs
            if positions is not self.all:
                pairs = _gather(pairs, positions)
            result = [(a * x + b * y) / 1_000_000.0 for x, y in pairs]
        long_context = a > self.min_tier_threshold
        off_peak = at is not None and bool(self.off_peak)
        if not (long_context or off_peak):
            return result  # the usual case: base rates are the estimate
        # Where each catalog position sits in ``positions``, for the corrections below.
        where = None if positions is self.all else {p: k for k, p in enumerate(positions)}
        if long_context:
            for i, bands in self.tiered[: bisect_left(self.tier_floors, a)]:
                k = i if where is None else where.get(i)
                if k is None:
                    continue
                for threshold, x, y, z in bands:
                    if a > threshold:
                        result[k] = (
                            (a * x + b * y + c * z) / 1_000_000.0
                            if c
                            else (a * x + b * y) / 1_000_000.0
                        )
                        break
        if off_peak:
            # Off-peak prices are few: price them one by one, as estimate_cost does.
            deployments = self.deployments
            for i in self.off_peak:
                k = i if where is None else where.get(i)
                if k is not None:
                    result[k] = estimate_cost(request, deployments[i], at=at)
        return result


_UNKNOWN = 1 << 62  # an unknown window sorts above every real one


def _gather(column: tuple[_T, ...], positions: Sequence[int]) -> tuple[_T, ...]:
    """``column`` at ``positions``, gathered in C."""
    if len(positions) == 1:
        return (column[positions[0]],)
    return itemgetter(*positions)(column)  # type: ignore[no-any-return]


def _mask(deployments: Sequence[Deployment], test: Callable[[Deployment], bool]) -> int:
    mask = 0
    for i, deployment in enumerate(deployments):
        if test(deployment):
            mask |= 1 << i
    return mask


def _value_masks(values: Sequence[tuple[Any, ...]]) -> dict[Any, int]:
    masks: dict[Any, int] = {}
    for i, row in enumerate(values):
        for value in row:
            masks[value] = masks.get(value, 0) | (1 << i)
    return masks


def _threshold_masks(values: Sequence[int]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Sorted distinct values, and for each the mask of positions with a value >= it."""
    distinct = sorted(set(values))
    masks = []
    running = 0
    by_value: dict[int, int] = {}
    for i, value in enumerate(values):
        by_value[value] = by_value.get(value, 0) | (1 << i)
    for value in reversed(distinct):
        running |= by_value[value]
        masks.append(running)
    return tuple(distinct), tuple(reversed(masks))
