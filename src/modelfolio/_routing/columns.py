"""Column arrays and bit masks of a catalog: what makes routing fast.

Routing judges a whole catalog at once over these precomputed columns instead of one
deployment at a time; the built-in filters and scorers know how to read them, and a
plain function is called once per deployment. Both give the same answers.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from operator import itemgetter
from typing import Any, TypeVar

from modelfolio._catalog.catalog import Catalog, Deployment
from modelfolio._routing.request import Request, estimate_cost

_T = TypeVar("_T")

__all__ = ["Columns"]


class Columns:
    """Column arrays and bit masks of a catalog, built once per catalog for fast routing.

    Position ``i`` in every array is ``catalog.deployments[i]``; since deployments are
    sorted by id, position order is also the tie-break order. A set of candidates is an
    ``int`` used as a bit set (bit ``i`` for position ``i``), so most filters are a few
    big-integer operations however large the catalog.
    """

    __slots__ = (
        "_chunks",
        "_cost_steps",
        "_directions",
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
        "pickers",
        "provider_masks",
        "providers",
        "rate_pairs",
        "rate_quads",
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
        # With cached input: (input, cached input, output, reasoning).
        self.rate_quads = tuple(
            (r.input_per_mtok, r.cached_input_per_mtok, r.output_per_mtok, r.reasoning_per_mtok)
            for r in base
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
                        r.cached_input_per_mtok,
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
        self._cost_steps: dict[int, tuple[_Step, ...]] = {}
        self._directions: tuple[list[float], list[tuple[int, ...]]] | None = None
        # Routing's pickers for this catalog, by (fallbacks, diversity): made once.
        self.pickers: dict[tuple[int, str], Callable[[list[int]], tuple[list[int], bool]]] = {}

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

        The arithmetic is the same as :func:`modelfolio.cost`, term for term (cached
        input at its own rate), so the two agree to the last bit.
        """
        # Floats, not ints: float * float is faster, and exact for any token count.
        a = float(request.input_tokens)
        b = float(request.output_tokens)
        c = float(request.reasoning_tokens)
        cached = float(request.cached_input_tokens)
        if cached:
            quads = self.rate_quads
            if positions is not self.all:
                quads = _gather(quads, positions)
            plain = a - cached
            result = [
                (plain * x + cached * w + b * y + c * z) / 1_000_000.0 for x, w, y, z in quads
            ]
        elif c:
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
                for threshold, x, y, z, w in bands:
                    if a > threshold:
                        result[k] = (
                            ((a - cached) * x + cached * w + b * y + c * z) / 1_000_000.0
                            if cached
                            else (a * x + b * y + c * z) / 1_000_000.0
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

    def cheapest_first(
        self,
        request: Request,
        mask: int,
        at: float | None,
        pick: Callable[[list[int]], tuple[list[int], bool]],
    ) -> list[int] | None:
        """Picks from ever longer exact prefixes of the cost ranking of ``mask``.

        ``pick(prefix)`` is handed the cheapest candidates of ``mask``, cheapest first,
        ties by position, exactly as sorting every estimate would rank them, and returns
        its picks and whether they are settled inside the prefix; the walk goes on until
        they are (or the prefix is every candidate) and returns them. ``None`` when the
        request's price is not a fixed linear form of the base rates (long-context tiers
        reached, or off-peak prices at ``at``): then price every candidate.

        This is Fagin's threshold algorithm. Estimates are sums of token counts times
        rates, all >= 0, so walking each rate column in ascending order, any candidate
        not yet met in any column costs at least the estimate at the columns' current
        rates, computed with the same float operations (rounding is monotone). Every
        candidate priced below that bound is therefore already found. Which positions
        each step meets does not depend on the request, so the steps are built once per
        catalog and kind of request (with or without reasoning or cached tokens).
        """
        a = float(request.input_tokens)
        if a > self.min_tier_threshold or (at is not None and self.off_peak):
            return None
        b = float(request.output_tokens)
        c = float(request.reasoning_tokens)
        cached = float(request.cached_input_tokens)
        kind = 4 if cached else 3 if c else 2
        if kind == 2 and len(self.rate_pairs) <= _DIRECTIONS_UP_TO:
            picks = self._by_direction(mask, a, b, pick)
            if picks is not None:
                return picks
        steps = self._cost_steps.get(kind)
        if steps is None:
            steps = self._cost_steps[kind] = _cost_steps(
                self.rate_quads
                if kind == 4
                else self.rate_triples
                if kind == 3
                else self.rate_pairs
            )
        return _cheapest_first(steps, mask, a, b, c, cached, kind, pick)

    def _by_direction(
        self,
        mask: int,
        a: float,
        b: float,
        pick: Callable[[list[int]], tuple[list[int], bool]],
    ) -> list[int] | None:
        """The picks read off a precomputed ranking, checked exact; ``None`` if unsure.

        With input and output rates only, an estimate ``(a x + b y) / 1e6`` ranks as
        ``(1 - t) x + t y`` with ``t = b / (a + b)``: the ranking depends on ``t`` alone
        and changes only where two deployments' lines cross. For a small catalog every
        ranking between crossings is built once; a request finds its own by bisection.
        The picks are then confirmed in the request's own float arithmetic: each
        candidate up to the last pick, and the next one, must be clearly dearer than the
        one before (by more than rounding can move them) or price the same on the same
        rates (a tie, broken by position). Otherwise ``None``: the threshold walk decides.
        """
        total = a + b
        if total <= 0:
            return None
        directions = self._directions
        if directions is None:
            directions = self._directions = _directions(self.rate_pairs)
        crossings, orders = directions
        t = b / total
        k = bisect_left(crossings, t)
        if k < len(crossings) and crossings[k] == t:
            return None  # exactly where two rankings meet
        order = orders[k]
        candidates = order if mask == self.full else [i for i in order if mask >> i & 1]
        if not candidates:
            return None
        picks, _ = pick(candidates)  # type: ignore[arg-type]  # a tuple reads as well
        last = max(map(candidates.index, picks))
        rates = self.rate_pairs
        x, y = rates[candidates[0]]
        previous = (a * x + b * y) / 1_000_000.0
        for place in range(1, len(candidates)):
            here = candidates[place]
            x2, y2 = rates[here]
            value = (a * x2 + b * y2) / 1_000_000.0
            if value > previous * (1.0 + 1e-12) + 1e-300:
                if place > last:
                    return picks  # clearly dearer than every pick: the picks stand
            elif not ((x2, y2) == (x, y) and here > candidates[place - 1]):
                return None  # too close to call in floats
            x, y, previous = x2, y2, value
        return picks


# Catalogs up to this many deployments keep every ranking by direction (at most
# n (n - 1) / 2 crossings, each with its ranking of n positions).
_DIRECTIONS_UP_TO = 32


def _directions(rates: Sequence[tuple[float, ...]]) -> tuple[list[float], list[tuple[int, ...]]]:
    """Where two deployments' cost lines cross in ``t``, and the ranking between crossings."""
    n = len(rates)
    crossings: set[float] = set()
    for i in range(n):
        xi, yi = rates[i]
        for j in range(i + 1, n):
            xj, yj = rates[j]
            dx, dy = xi - xj, yi - yj
            if dx != dy:
                t = dx / (dx - dy)
                if 0.0 < t < 1.0:
                    crossings.add(t)
    points = sorted(crossings)
    edges = [0.0, *points, 1.0]
    orders = []
    for k in range(len(edges) - 1):
        t = (edges[k] + edges[k + 1]) / 2.0
        orders.append(
            tuple(sorted(range(n), key=lambda i: ((1.0 - t) * rates[i][0] + t * rates[i][1], i)))
        )
    return points, orders


# One step of the threshold walk: the mask of the positions it meets first, those
# positions with their rates, and each rate column's next value (None: all met).
_Step = tuple[int, tuple[tuple[Any, ...], ...], "tuple[float, ...] | None"]

# The first step walks this many entries of every rate column; each next one, twice
# as many as the last.
_FIRST_STEP = 8


def _cost_steps(rates: Sequence[tuple[float, ...]]) -> tuple[_Step, ...]:
    """The steps of the threshold walk over ``rates`` (one column per kind of token)."""
    n = len(rates)
    width = len(rates[0]) if rates else 0
    orders = [
        [i for _, i in sorted((row[k], i) for i, row in enumerate(rates))] for k in range(width)
    ]
    steps: list[_Step] = []
    met = 0
    depth = _FIRST_STEP
    while True:
        depth = min(depth, n)
        new = 0
        for order in orders:
            for i in order[:depth]:
                new |= 1 << i
        new &= ~met
        met |= new
        rows = tuple((i, *rates[i]) for i in range(n) if new >> i & 1)
        bounds = (
            None if depth == n else tuple(rates[order[depth]][k] for k, order in enumerate(orders))
        )
        steps.append((new, rows, bounds))
        if depth == n:
            return tuple(steps)
        depth *= 2


def _cheapest_first(
    steps: tuple[_Step, ...],
    mask: int,
    a: float,
    b: float,
    c: float,
    cached: float,
    kind: int,
    pick: Callable[[list[int]], tuple[list[int], bool]],
) -> list[int]:
    # The arithmetic of Columns.estimates, term for term, for the rows and the bounds.
    # A plain loop calling ``pick``, not a generator: at 20 deployments this walk is
    # most of a decision, and resuming a generator was a fifth of it.
    plain = a - cached
    found: list[tuple[float, int]] = []
    for step_mask, rows, bounds in steps:
        chosen = mask & step_mask
        if chosen == step_mask:
            if kind == 2:
                found += [((a * x + b * y) / 1_000_000.0, i) for i, x, y in rows]
            elif kind == 3:
                found += [((a * x + b * y + c * z) / 1_000_000.0, i) for i, x, y, z in rows]
            else:
                found += [
                    ((plain * x + cached * w + b * y + c * z) / 1_000_000.0, i)
                    for i, x, w, y, z in rows
                ]
            found.sort()
        elif chosen:
            if kind == 2:
                found += [((a * x + b * y) / 1_000_000.0, i) for i, x, y in rows if chosen >> i & 1]
            elif kind == 3:
                found += [
                    ((a * x + b * y + c * z) / 1_000_000.0, i)
                    for i, x, y, z in rows
                    if chosen >> i & 1
                ]
            else:
                found += [
                    ((plain * x + cached * w + b * y + c * z) / 1_000_000.0, i)
                    for i, x, w, y, z in rows
                    if chosen >> i & 1
                ]
            found.sort()
        if bounds is None:
            return pick([i for _, i in found])[0]
        if not found:
            continue
        if kind == 2:
            x, y = bounds
            bound = (a * x + b * y) / 1_000_000.0
        elif kind == 3:
            x, y, z = bounds
            bound = (a * x + b * y + c * z) / 1_000_000.0
        else:
            x, w, y, z = bounds
            bound = (plain * x + cached * w + b * y + c * z) / 1_000_000.0
        below = bisect_left(found, (bound,))
        if below:
            picks, settled = pick([i for _, i in found[:below]])
            if settled:
                return picks
    raise AssertionError("the last step of a threshold walk has no bound")  # pragma: no cover


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
