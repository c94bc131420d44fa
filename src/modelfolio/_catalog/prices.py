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

Some vendors also price by the clock: DeepSeek halves its rates in off-peak hours. An
:class:`OffPeak` block on a price lists its windows (UTC hours on given weekdays) and
the rates that *replace* the standard ones while a window is open, whatever tier the
call's input falls in. The clock is never read here: ``cost(..., at=...)`` takes the
moment as a POSIX timestamp (seconds since 1970-01-01 UTC); without it the standard
rates apply.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable
from typing import Any

from attrs import field, frozen

from modelfolio._common.errors import CatalogError, ValidationError
from modelfolio._common.table import html_table
from modelfolio._common.validate import check, optional_rate, positive_count, rate, tokens

__all__ = ["OffPeak", "OffPeakWindow", "Price", "PriceTier", "Rates", "Usage", "cost", "utc_moment"]

_PER_MTOK = 1_000_000.0


def _optional_rate_field() -> Any:
    """A price that may be left out (``None``): each field says what stands in for it.

    Required prices call ``field`` directly, so that type checkers see them as required.
    """
    return field(default=None, validator=check(optional_rate, CatalogError))


@frozen(kw_only=True)
class PriceTier:
    """Rates that replace the base rates once a call's input exceeds a threshold.

    Examples:
        >>> PriceTier(above_input_tokens=200_000, input_per_mtok=6.0, output_per_mtok=22.5)
        PriceTier(above_input_tokens=200000, input_per_mtok=6.0, output_per_mtok=22.5, cached_input_per_mtok=None, cache_write_per_mtok=None)
    """

    above_input_tokens: int = field(validator=check(positive_count, CatalogError))
    """The tier applies when a call's input tokens are strictly greater than this."""
    input_per_mtok: float = field(validator=check(rate, CatalogError))
    """US dollars per million input tokens within the tier."""
    output_per_mtok: float = field(validator=check(rate, CatalogError))
    """US dollars per million output tokens within the tier."""
    cached_input_per_mtok: float | None = _optional_rate_field()
    """Cached input within the tier; ``None`` falls back to the base cached rate."""
    cache_write_per_mtok: float | None = _optional_rate_field()
    """Cache writes within the tier; ``None`` falls back to the base cache-write rate."""


@frozen(kw_only=True)
class Rates:
    """The resolved per-million-token rates that one call is billed at.

    Produced by :meth:`Price.rates`; every field is a number, no fallbacks left.
    """

    input_per_mtok: float = field(validator=check(rate))
    """Plain (uncached) input."""
    output_per_mtok: float = field(validator=check(rate))
    """Visible output."""
    cached_input_per_mtok: float = field(validator=check(rate))
    """Input read from a prompt cache."""
    cache_write_per_mtok: float = field(validator=check(rate))
    """Input written to a prompt cache."""
    reasoning_per_mtok: float = field(validator=check(rate))
    """Reasoning (hidden) output."""


def _rates(**values: float) -> Rates:
    """Rates resolved from a checked price: its rates are checked already."""
    new = object.__new__(Rates)
    for name, value in values.items():
        object.__setattr__(new, name, value)
    return new


_DAY_S = 86_400
_WEEKDAYS = {
    "mon": 1, "monday": 1, "tue": 2, "tues": 2, "tuesday": 2, "wed": 3, "wednesday": 3,
    "thu": 4, "thur": 4, "thurs": 4, "thursday": 4, "fri": 5, "friday": 5,
    "sat": 6, "saturday": 6, "sun": 7, "sunday": 7,
}  # fmt: skip
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_HOURS = re.compile(r"^\s*([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-3]):([0-5]\d)\s*$")


def utc_moment(at: Any, name: str = "at") -> tuple[int, int]:
    """The ISO weekday (1 = Monday) and the minute of the day, in UTC, of a POSIX time.

    Pure arithmetic on the number (1970-01-01 was a Thursday); no clock, no time zones.

    Examples:
        >>> utc_moment(0.0), utc_moment(1_767_225_600.0 + 3 * 3600 + 59)
        ((4, 0), (4, 180))
    """
    if (
        isinstance(at, bool)
        or not isinstance(at, (int, float))
        or not -1e15 < at < 1e15  # a huge integer would overflow float arithmetic below
        or not math.isfinite(at)
    ):
        raise ValidationError(f"{name} must be a finite POSIX timestamp in seconds, got {at!r:.40}")
    days = math.floor(at / _DAY_S)
    seconds = at - days * _DAY_S
    return (days + 3) % 7 + 1, min(int(seconds // 60), 1439)


def _hour_ranges(value: Any) -> tuple[str, ...]:
    items = (value,) if isinstance(value, str) else value
    if not isinstance(items, Iterable) or isinstance(items, (bytes, dict)):
        raise CatalogError(f"hours_utc must be 'HH:MM-HH:MM' strings, got {value!r}")
    ranges = tuple(items)
    if not ranges:
        raise CatalogError("hours_utc must name at least one 'HH:MM-HH:MM' range")
    for item in ranges:
        if not isinstance(item, str) or not _HOURS.match(item):
            raise CatalogError(f"hours_utc must be 'HH:MM-HH:MM' strings, got {item!r}")
    return ranges


def _weekday_set(value: Any) -> frozenset[int]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise CatalogError(f"weekdays must be a collection of days 1-7 or names, got {value!r}")
    days = set()
    for item in value:
        if isinstance(item, bool):
            day = None
        elif isinstance(item, int):
            day = item if 1 <= item <= 7 else None
        elif isinstance(item, str):
            day = _WEEKDAYS.get(item.strip().lower())
        else:
            day = None
        if day is None:
            raise CatalogError(
                f"weekdays must hold ISO days 1 (Monday) to 7 (Sunday) or day names, got {item!r}"
            )
        days.add(day)
    if not days:
        raise CatalogError("weekdays must name at least one day")
    return frozenset(days)


def _minutes(hours: str) -> list[tuple[int, int]]:
    """Minute spans [start, end) within one day; a range that wraps past midnight splits."""
    match = _HOURS.match(hours)
    assert match is not None  # validated on construction
    start = int(match.group(1)) * 60 + int(match.group(2))
    end = int(match.group(3)) * 60 + int(match.group(4))
    if start == end:
        return [(0, 1440)]  # a range that starts where it ends covers the whole day
    if start < end:
        return [(start, end)]
    return [(start, 1440), (0, end)]


@frozen(kw_only=True)
class OffPeakWindow:
    """When off-peak rates apply: UTC hour ranges on some weekdays.

    Each range is ``"HH:MM-HH:MM"`` in UTC, start included and end excluded; it may wrap
    past midnight, and one that starts where it ends covers the whole day. Weekdays are
    ISO numbers (1 = Monday ... 7 = Sunday) or names; the default is every day.

    Examples:
        >>> nights = OffPeakWindow(hours_utc="16:30-00:30", weekdays={"mon", "tue"})
        >>> nights.weekdays, nights.is_open(weekday=1, minute=23 * 60), nights.is_open(weekday=1, minute=30)
        (frozenset({1, 2}), True, False)
    """

    hours_utc: tuple[str, ...] = field(converter=_hour_ranges)
    """The hour ranges, as ``"HH:MM-HH:MM"`` strings (a lone string is one range)."""
    weekdays: frozenset[int] = field(default=frozenset(range(1, 8)), converter=_weekday_set)
    """ISO weekdays on which the ranges apply."""
    _spans: tuple[tuple[int, int], ...] = field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        spans = sorted(span for hours in self.hours_utc for span in _minutes(hours))
        for (_, end), (start, _) in itertools.pairwise(spans):
            if start < end:
                raise CatalogError(f"hours_utc ranges overlap: {', '.join(self.hours_utc)}")
        object.__setattr__(self, "_spans", tuple(spans))

    def is_open(self, *, weekday: int, minute: int) -> bool:
        """Whether the window covers minute ``minute`` of ISO weekday ``weekday`` (UTC)."""
        if weekday not in self.weekdays:
            return False
        return any(start <= minute < end for start, end in self._spans)


def _windows(value: Any) -> tuple[OffPeakWindow, ...]:
    if isinstance(value, OffPeakWindow):
        value = (value,)
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise CatalogError(f"windows must be a collection of OffPeakWindow, got {value!r}")
    items = tuple(value)
    if not items:
        raise CatalogError("windows must hold at least one OffPeakWindow")
    for item in items:
        if not isinstance(item, OffPeakWindow):
            raise CatalogError(f"windows must hold OffPeakWindow values, got {item!r}")
    # Two windows that cover the same minute of the same day define that minute twice.
    for k, first in enumerate(items):
        for second in items[k + 1 :]:
            for day in sorted(first.weekdays & second.weekdays):
                for a, b in first._spans:
                    for c, d in second._spans:
                        if a < d and c < b:
                            minute = max(a, c)
                            raise CatalogError(
                                f"windows overlap on {_DAY_NAMES[day - 1]} at "
                                f"{minute // 60:02d}:{minute % 60:02d} UTC"
                            )
    return items


def _offset(instance: object, attribute: object, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not -840 <= value <= 840:
        raise CatalogError(
            f"weekday_offset_minutes must be a whole number from -840 to 840, got {value!r}"
        )


@frozen(kw_only=True)
class OffPeak:
    """Rates that replace the standard ones while one of the windows is open.

    A rate left ``None`` keeps the standard rate; a price without its own cached or
    cache-write rate bills those at the off-peak input rate, and one without its own
    reasoning rate bills reasoning at the off-peak output rate (LiteLLM's reading).

    Examples:
        >>> nights = OffPeak(windows=[OffPeakWindow(hours_utc="16:30-00:30")],
        ...                  input_per_mtok=0.135, output_per_mtok=0.55)
        >>> nights.is_open(at=0.0), nights.is_open(at=12 * 3600.0)
        (True, False)
    """

    windows: tuple[OffPeakWindow, ...] = field(converter=_windows)
    """When the rates apply (any window open)."""
    input_per_mtok: float | None = _optional_rate_field()
    """Plain input while off-peak."""
    output_per_mtok: float | None = _optional_rate_field()
    """Output while off-peak."""
    cached_input_per_mtok: float | None = _optional_rate_field()
    """Cached input while off-peak."""
    cache_write_per_mtok: float | None = _optional_rate_field()
    """Cache writes while off-peak."""
    reasoning_per_mtok: float | None = _optional_rate_field()
    """Reasoning output while off-peak."""
    weekday_offset_minutes: int = field(default=0, validator=_offset)
    """Read the windows' weekdays on the calendar of this UTC offset (DeepSeek's are
    Beijing's, +480); the hour ranges stay in UTC."""

    def __attrs_post_init__(self) -> None:
        if all(
            rate is None
            for rate in (
                self.input_per_mtok,
                self.output_per_mtok,
                self.cached_input_per_mtok,
                self.cache_write_per_mtok,
                self.reasoning_per_mtok,
            )
        ):
            raise CatalogError("an OffPeak block must set at least one rate")

    def is_open(self, *, at: float) -> bool:
        """Whether off-peak rates apply at POSIX time ``at`` (seconds, UTC)."""
        _, minute = utc_moment(at)
        weekday, _ = utc_moment(at + self.weekday_offset_minutes * 60)
        return any(w.is_open(weekday=weekday, minute=minute) for w in self.windows)


def _off_peak(instance: object, attribute: object, value: Any) -> None:
    if value is not None and not isinstance(value, OffPeak):
        raise CatalogError(f"off_peak must be an OffPeak or None, got {value!r}")


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
        modelfolio._common.errors.CatalogError: input_per_mtok must be a finite number >= 0, got -1
    """

    input_per_mtok: float = field(validator=check(rate, CatalogError))
    """Plain input."""
    output_per_mtok: float = field(validator=check(rate, CatalogError))
    """Output, and reasoning unless ``reasoning_per_mtok`` is set."""
    cached_input_per_mtok: float | None = _optional_rate_field()
    """Input read from a prompt cache; ``None`` bills it as plain input."""
    cache_write_per_mtok: float | None = _optional_rate_field()
    """Input written to a prompt cache; ``None`` bills it as plain input."""
    reasoning_per_mtok: float | None = _optional_rate_field()
    """Reasoning output; ``None`` bills it as output."""
    tiers: tuple[PriceTier, ...] = field(
        default=(), converter=_tier_list, validator=_distinct_thresholds
    )
    """Long-context tiers, sorted by threshold."""
    off_peak: OffPeak | None = field(default=None, validator=_off_peak)
    """Rates that replace these in off-peak hours, if the vendor has them."""
    _resolved: tuple[tuple[int, Rates], ...] = field(init=False, repr=False, eq=False)
    _resolved_off_peak: tuple[tuple[int, Rates], ...] = field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        # Resolve every fallback once; threshold 0 stands for the base rates.
        resolved = [(0, self._resolve(None))]
        resolved.extend((tier.above_input_tokens, self._resolve(tier)) for tier in self.tiers)
        object.__setattr__(self, "_resolved", tuple(reversed(resolved)))
        object.__setattr__(
            self,
            "_resolved_off_peak",
            tuple((t, self._off_peak_rates(t, r)) for t, r in self._resolved)
            if self.off_peak is not None
            else (),
        )

    def _off_peak_rates(self, tier: int, rates: Rates) -> Rates:
        block = self.off_peak
        assert block is not None
        plain = rates.input_per_mtok if block.input_per_mtok is None else block.input_per_mtok
        out = rates.output_per_mtok if block.output_per_mtok is None else block.output_per_mtok
        band = next((t for t in self.tiers if t.above_input_tokens == tier), None)
        own_cached = band.cached_input_per_mtok if band is not None else None
        if own_cached is None:
            own_cached = self.cached_input_per_mtok
        own_write = band.cache_write_per_mtok if band is not None else None
        if own_write is None:
            own_write = self.cache_write_per_mtok
        # Rates the price does not set itself follow the input (or output) rate in force.
        cached = plain if own_cached is None else rates.cached_input_per_mtok
        write = plain if own_write is None else rates.cache_write_per_mtok
        reasoning = out if self.reasoning_per_mtok is None else rates.reasoning_per_mtok
        return _rates(
            input_per_mtok=plain,
            output_per_mtok=out,
            cached_input_per_mtok=cached
            if block.cached_input_per_mtok is None
            else block.cached_input_per_mtok,
            cache_write_per_mtok=write
            if block.cache_write_per_mtok is None
            else block.cache_write_per_mtok,
            reasoning_per_mtok=reasoning
            if block.reasoning_per_mtok is None
            else block.reasoning_per_mtok,
        )

    def _resolve(self, tier: PriceTier | None) -> Rates:
        plain_in = self.input_per_mtok if tier is None else tier.input_per_mtok
        out = self.output_per_mtok if tier is None else tier.output_per_mtok
        cached = None if tier is None else tier.cached_input_per_mtok
        write = None if tier is None else tier.cache_write_per_mtok
        cached = self.cached_input_per_mtok if cached is None else cached
        write = self.cache_write_per_mtok if write is None else write
        return _rates(
            input_per_mtok=plain_in,
            output_per_mtok=out,
            cached_input_per_mtok=plain_in if cached is None else cached,
            cache_write_per_mtok=plain_in if write is None else write,
            reasoning_per_mtok=out if self.reasoning_per_mtok is None else self.reasoning_per_mtok,
        )

    def rates(self, input_tokens: int, *, at: float | None = None) -> Rates:
        """The rates a call with ``input_tokens`` of input is billed at (at POSIX time ``at``).

        Examples:
            >>> price = Price(
            ...     input_per_mtok=3.0,
            ...     output_per_mtok=15.0,
            ...     tiers=[PriceTier(above_input_tokens=200_000, input_per_mtok=6.0, output_per_mtok=22.5)],
            ... )
            >>> price.rates(200_000).input_per_mtok, price.rates(200_001).input_per_mtok
            (3.0, 6.0)
        """
        if type(input_tokens) is not int or input_tokens < 0:  # the usual case costs one test
            tokens(input_tokens, "input_tokens")
        table = self._resolved
        if at is not None and self.off_peak is None:
            utc_moment(at)  # checked whether or not the price has off-peak hours
        if at is not None and self.off_peak is not None and self.off_peak.is_open(at=at):
            table = self._resolved_off_peak
        for threshold, rates in table:
            if input_tokens > threshold:
                return rates
        return table[-1][1]

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
        modelfolio._common.errors.ValidationError: reasoning_tokens must not exceed output_tokens, got 6 > 5
    """

    input_tokens: int = field(validator=check(tokens))
    """All input tokens, cached ones included."""
    output_tokens: int = field(validator=check(tokens))
    """All output tokens, reasoning ones included."""
    cached_input_tokens: int = field(default=0, validator=check(tokens))
    """Input tokens read from a prompt cache."""
    cache_write_tokens: int = field(default=0, validator=check(tokens))
    """Input tokens written to a prompt cache."""
    reasoning_tokens: int = field(default=0, validator=check(tokens))
    """Output tokens spent on hidden reasoning."""

    def __attrs_post_init__(self) -> None:
        _parts_within_whole(self)


def cost(usage: Usage, price: Price, *, at: float | None = None) -> float:
    """The cost of a call in US dollars, at POSIX time ``at`` (seconds, UTC) if given.

    All tokens of a call are billed at the rates of the tier its input falls in; while
    an off-peak window of the price is open at ``at``, its off-peak rates replace them.
    Without ``at`` the standard rates apply (the core never reads the clock).

    Examples:
        >>> price = Price(input_per_mtok=2.5, output_per_mtok=10.0, cached_input_per_mtok=1.25)
        >>> cost(Usage(input_tokens=1_000, output_tokens=100, cached_input_tokens=500), price)
        0.002875
    """
    if not isinstance(usage, Usage):
        raise ValidationError(f"usage must be a Usage, got {usage!r:.80}")
    if not isinstance(price, Price):
        raise ValidationError(f"price must be a Price, got {price!r:.80}")
    if at is not None:
        utc_moment(at)  # checked whether or not the price has off-peak hours
    rates = price.rates(usage.input_tokens, at=at)
    plain_input = usage.input_tokens - usage.cached_input_tokens - usage.cache_write_tokens
    plain_output = usage.output_tokens - usage.reasoning_tokens
    return (
        plain_input * rates.input_per_mtok
        + usage.cached_input_tokens * rates.cached_input_per_mtok
        + usage.cache_write_tokens * rates.cache_write_per_mtok
        + plain_output * rates.output_per_mtok
        + usage.reasoning_tokens * rates.reasoning_per_mtok
    ) / _PER_MTOK
