"""Prices and the exact cost of a call.

Vendors publish prices per million tokens, and bill some tokens differently from
others: input read from a prompt cache is cheaper, writing a cache entry dearer,
reasoning tokens sometimes priced apart from visible output. Long-context models add
tiers: once a call's input passes a threshold, *all* of that call's tokens are billed
at the tier's rates (the highest threshold passed wins). :class:`Price` records those
rules and :func:`cost` applies them; :meth:`Price.rates` shows the resolved rates for
a given input size, so the arithmetic can be checked by hand.

Every rate a tier or a price leaves out resolves once, when the price is built, so
pricing a call is a lookup and five multiplications.
"""

from __future__ import annotations

from collections.abc import Iterable

from attrs import field, frozen

from modelfolio._errors import CatalogError, ValidationError
from modelfolio._table import html_table
from modelfolio._validate import check, count, number, optional_number, positive_count

__all__ = ["Price", "PriceTier", "Rates", "Usage", "cost"]

_PER_MTOK = 1_000_000.0


@frozen(kw_only=True)
class PriceTier:
    """Rates that replace the base rates once a call's input exceeds a threshold.

    Examples:
        >>> PriceTier(above_input_tokens=200_000, input_per_mtok=6.0, output_per_mtok=22.5)
        PriceTier(above_input_tokens=200000, input_per_mtok=6.0, output_per_mtok=22.5, cached_input_per_mtok=None, cache_write_per_mtok=None)
    """

    above_input_tokens: int = field(validator=check(positive_count, CatalogError))
    """The tier applies when a call's input tokens are strictly greater than this."""
    input_per_mtok: float = field(validator=check(number, CatalogError))
    """US dollars per million input tokens within the tier."""
    output_per_mtok: float = field(validator=check(number, CatalogError))
    """US dollars per million output tokens within the tier."""
    cached_input_per_mtok: float | None = field(
        default=None, validator=check(optional_number, CatalogError)
    )
    """Cached input within the tier; ``None`` falls back to the base cached rate."""
    cache_write_per_mtok: float | None = field(
        default=None, validator=check(optional_number, CatalogError)
    )
    """Cache writes within the tier; ``None`` falls back to the base cache-write rate."""


@frozen(kw_only=True)
class Rates:
    """The resolved per-million-token rates that one call is billed at.

    Produced by :meth:`Price.rates`; every field is a number, no fallbacks left.
    """

    input_per_mtok: float
    """Plain (uncached) input."""
    output_per_mtok: float
    """Visible output."""
    cached_input_per_mtok: float
    """Input read from a prompt cache."""
    cache_write_per_mtok: float
    """Input written to a prompt cache."""
    reasoning_per_mtok: float
    """Reasoning (hidden) output."""


def _tier_list(tiers: Iterable[PriceTier]) -> tuple[PriceTier, ...]:
    if isinstance(tiers, (str, bytes)) or not isinstance(tiers, Iterable):
        raise CatalogError(f"tiers must be a collection of PriceTier, got {tiers!r}")
    items = tuple(tiers)
    for tier in items:
        if not isinstance(tier, PriceTier):
            raise CatalogError(f"tiers must hold PriceTier values, got {tier!r}")
    return tuple(sorted(items, key=lambda tier: tier.above_input_tokens))


def _distinct_thresholds(instance: Price, attribute: object, tiers: tuple[PriceTier, ...]) -> None:
    thresholds = [tier.above_input_tokens for tier in tiers]
    if len(set(thresholds)) != len(thresholds):
        raise CatalogError(f"tiers must have distinct above_input_tokens, got {thresholds!r}")


@frozen(kw_only=True)
class Price:
    """What one deployment charges, in US dollars per million tokens.

    ``cached_input_per_mtok=None`` bills cached input as plain input,
    ``cache_write_per_mtok=None`` bills cache writes as plain input and
    ``reasoning_per_mtok=None`` bills reasoning tokens as output.

    Examples:
        >>> price = Price(input_per_mtok=2.5, output_per_mtok=10.0, cached_input_per_mtok=1.25)
        >>> price.rates(1_000).cached_input_per_mtok
        1.25
        >>> Price(input_per_mtok=-1, output_per_mtok=1)
        Traceback (most recent call last):
        ...
        modelfolio._errors.CatalogError: input_per_mtok must be a finite number >= 0, got -1
    """

    input_per_mtok: float = field(validator=check(number, CatalogError))
    """Plain input."""
    output_per_mtok: float = field(validator=check(number, CatalogError))
    """Output, and reasoning unless ``reasoning_per_mtok`` is set."""
    cached_input_per_mtok: float | None = field(
        default=None, validator=check(optional_number, CatalogError)
    )
    """Input read from a prompt cache; ``None`` bills it as plain input."""
    cache_write_per_mtok: float | None = field(
        default=None, validator=check(optional_number, CatalogError)
    )
    """Input written to a prompt cache; ``None`` bills it as plain input."""
    reasoning_per_mtok: float | None = field(
        default=None, validator=check(optional_number, CatalogError)
    )
    """Reasoning output; ``None`` bills it as output."""
    tiers: tuple[PriceTier, ...] = field(
        default=(), converter=_tier_list, validator=_distinct_thresholds
    )
    """Long-context tiers, sorted by threshold."""
    _resolved: tuple[tuple[int, Rates], ...] = field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        # Resolve every fallback once; threshold 0 stands for the base rates.
        resolved = [(0, self._resolve(None))]
        resolved.extend((tier.above_input_tokens, self._resolve(tier)) for tier in self.tiers)
        object.__setattr__(self, "_resolved", tuple(reversed(resolved)))

    def _resolve(self, tier: PriceTier | None) -> Rates:
        plain_in = self.input_per_mtok if tier is None else tier.input_per_mtok
        out = self.output_per_mtok if tier is None else tier.output_per_mtok
        cached = None if tier is None else tier.cached_input_per_mtok
        write = None if tier is None else tier.cache_write_per_mtok
        cached = self.cached_input_per_mtok if cached is None else cached
        write = self.cache_write_per_mtok if write is None else write
        return Rates(
            input_per_mtok=plain_in,
            output_per_mtok=out,
            cached_input_per_mtok=plain_in if cached is None else cached,
            cache_write_per_mtok=plain_in if write is None else write,
            reasoning_per_mtok=out if self.reasoning_per_mtok is None else self.reasoning_per_mtok,
        )

    def rates(self, input_tokens: int) -> Rates:
        """The rates a call with ``input_tokens`` of input is billed at.

        Examples:
            >>> price = Price(
            ...     input_per_mtok=3.0,
            ...     output_per_mtok=15.0,
            ...     tiers=[PriceTier(above_input_tokens=200_000, input_per_mtok=6.0, output_per_mtok=22.5)],
            ... )
            >>> price.rates(200_000).input_per_mtok, price.rates(200_001).input_per_mtok
            (3.0, 6.0)
        """
        for threshold, rates in self._resolved:
            if input_tokens > threshold:
                return rates
        return self._resolved[-1][1]

    def to_rows(self) -> list[dict[str, object]]:
        """One plain dict per rate band: the base band, then each tier."""
        rows: list[dict[str, object]] = []
        for threshold, rates in reversed(self._resolved):
            rows.append(
                {
                    "above_input_tokens": threshold,
                    "input_per_mtok": rates.input_per_mtok,
                    "output_per_mtok": rates.output_per_mtok,
                    "cached_input_per_mtok": rates.cached_input_per_mtok,
                    "cache_write_per_mtok": rates.cache_write_per_mtok,
                    "reasoning_per_mtok": rates.reasoning_per_mtok,
                }
            )
        return rows

    def _repr_html_(self) -> str:
        return html_table(self.to_rows(), caption="Price (US$ per million tokens)")


def _parts_within_whole(usage: Usage) -> None:
    cached_parts = usage.cached_input_tokens + usage.cache_write_tokens
    if cached_parts > usage.input_tokens:
        raise ValidationError(
            "cached_input_tokens + cache_write_tokens must not exceed input_tokens, got "
            f"{usage.cached_input_tokens} + {usage.cache_write_tokens} > {usage.input_tokens}"
        )
    if usage.reasoning_tokens > usage.output_tokens:
        raise ValidationError(
            "reasoning_tokens must not exceed output_tokens, got "
            f"{usage.reasoning_tokens} > {usage.output_tokens}"
        )


@frozen(kw_only=True)
class Usage:
    """The tokens one call consumed, as vendors report them.

    Cached and cache-write tokens are part of ``input_tokens``; reasoning tokens are
    part of ``output_tokens``.

    Examples:
        >>> Usage(input_tokens=1_000, output_tokens=200, cached_input_tokens=800)
        Usage(input_tokens=1000, output_tokens=200, cached_input_tokens=800, cache_write_tokens=0, reasoning_tokens=0)
        >>> Usage(input_tokens=10, output_tokens=5, reasoning_tokens=6)
        Traceback (most recent call last):
        ...
        modelfolio._errors.ValidationError: reasoning_tokens must not exceed output_tokens, got 6 > 5
    """

    input_tokens: int = field(validator=check(count))
    """All input tokens, cached ones included."""
    output_tokens: int = field(validator=check(count))
    """All output tokens, reasoning ones included."""
    cached_input_tokens: int = field(default=0, validator=check(count))
    """Input tokens read from a prompt cache."""
    cache_write_tokens: int = field(default=0, validator=check(count))
    """Input tokens written to a prompt cache."""
    reasoning_tokens: int = field(default=0, validator=check(count))
    """Output tokens spent on hidden reasoning."""

    def __attrs_post_init__(self) -> None:
        _parts_within_whole(self)


def cost(usage: Usage, price: Price) -> float:
    """The cost of a call in US dollars.

    All tokens of a call are billed at the rates of the tier its input falls in.

    Examples:
        >>> price = Price(input_per_mtok=2.5, output_per_mtok=10.0, cached_input_per_mtok=1.25)
        >>> cost(Usage(input_tokens=1_000, output_tokens=100, cached_input_tokens=500), price)
        0.002875
    """
    rates = price.rates(usage.input_tokens)
    plain_input = usage.input_tokens - usage.cached_input_tokens - usage.cache_write_tokens
    plain_output = usage.output_tokens - usage.reasoning_tokens
    return (
        plain_input * rates.input_per_mtok
        + usage.cached_input_tokens * rates.cached_input_per_mtok
        + usage.cache_write_tokens * rates.cache_write_per_mtok
        + plain_output * rates.output_per_mtok
        + usage.reasoning_tokens * rates.reasoning_per_mtok
    ) / _PER_MTOK
