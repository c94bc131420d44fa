"""Routing: choose a deployment and ordered fallbacks, and say why.

``route(request, catalog, policy, state=..., now=...)`` is a pure function:

1. **Filter.** Each of the policy's filters, in order, removes the deployments it
   rejects. The built-in filters judge the whole catalog at once over columns
   precomputed when the catalog is first routed; a plain function is called once per
   remaining deployment.
2. **Score and rank.** The policy's scorer rates the survivors (lower first). Ties go
   to the smaller deployment id. Deployments of a *degraded* vendor and deployments
   whose breaker is *half-open* rank after all others.
3. **Split.** If the policy has a ``split`` and the request a ``key``, the chosen
   deployment is drawn from the split's weights by rendezvous hashing of the key:
   the same key always lands on the same deployment, shares converge to the weights,
   and when one target is filtered out only its keys move.
4. **Fallbacks.** The next ``fallbacks`` deployments, picked in rank order but
   preferring, with ``diversity="vendor"``, a vendor not yet in the list, then a
   provider not yet in the list, then anything: outages and rate limits are
   correlated within a vendor.

Why every other deployment was passed over is computed only when asked
(:meth:`Decision.explain`), so the fast path does no string work.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from operator import itemgetter
from types import MappingProxyType
from typing import Any, Literal

from attrs import field, frozen

from modelfolio._catalog.catalog import Catalog, Deployment
from modelfolio._catalog.prices import utc_moment
from modelfolio._common.errors import ModelfolioError, ValidationError
from modelfolio._common.table import html_table
from modelfolio._common.validate import did_you_mean, finite, instances, text
from modelfolio._routing.budget import Budget
from modelfolio._routing.columns import Columns
from modelfolio._routing.context import _NONE, Filter, Run, Scorer
from modelfolio._routing.filters import (
    BulkFilter,
    fits_context,
    has_capabilities,
    meets_constraints,
    within_budgets,
)
from modelfolio._routing.health import is_healthy
from modelfolio._routing.request import Request, normal_name
from modelfolio._routing.scorers import BulkScorer, by_cost
from modelfolio._routing.state import State, vendor_spend_shares

__all__ = ["DEFAULT_FILTERS", "Decision", "NoRouteError", "Policy", "route"]

DEFAULT_FILTERS: tuple[Filter, ...] = (
    has_capabilities,
    fits_context,
    meets_constraints,
    is_healthy,
    within_budgets,
)
"""Capabilities, context fit, constraints, health and budgets, in that order."""

Diversity = Literal["vendor", "provider", "none"]

_DEFAULT_BULK: tuple[BulkFilter, ...] = (
    has_capabilities,
    fits_context,
    meets_constraints,
    is_healthy,
    within_budgets,
)
_BULK_DEFAULTS = tuple((f, f) for f in _DEFAULT_BULK)


def _name(function: object) -> str:
    return str(
        getattr(function, "name", None) or getattr(function, "__name__", None) or repr(function)
    )


def _filters(value: Iterable[Filter]) -> tuple[Filter, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ValidationError(f"filters must be a sequence of filter functions, got {value!r}")
    items = tuple(value)
    for item in items:
        if not callable(item):
            raise ValidationError(f"filters must hold callables, got {item!r}")
    return items


def _budgets(value: Iterable[Budget]) -> tuple[Budget, ...]:
    if isinstance(value, Budget):
        return (value,)
    return instances(value, Budget, "budgets")


def _split(value: Mapping[str, float] | None) -> Mapping[str, float] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ValidationError(f"split must map deployment ids to weights, got {value!r}")
    weights = {}
    for key, weight in value.items():
        text(key, "split key")
        weights[key] = finite(weight, f"split[{key!r}]")
        if weights[key] < 0:
            raise ValidationError(f"split[{key!r}] must be a weight >= 0, got {weight!r}")
    if not any(weights.values()):
        raise ValidationError(f"split needs at least one positive weight, got {value!r}")
    return MappingProxyType(dict(sorted(weights.items())))


def _splits(
    value: Mapping[str, Mapping[str, float]] | None,
) -> Mapping[str, Mapping[str, float]] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ValidationError(f"split_by_tag must map tags to weights, got {value!r}")
    result = {}
    for tag, weights in value.items():
        text(tag, "split_by_tag key")
        split = _split(weights)
        if split is None:
            raise ValidationError(
                f"split_by_tag[{tag!r}] must map deployment ids to weights, got None"
            )
        result[tag] = split
    return MappingProxyType(dict(sorted(result.items())))


def _score(instance: object, attribute: Any, value: Any) -> None:
    if not callable(value):
        raise ValidationError(f"score must be a scorer function, got {value!r}")


def _per_vendor(name: str, low: float, high: float) -> Any:
    """A converter: a mapping of vendor names (lower case) to numbers within [low, high]."""

    def converter(value: Any) -> Mapping[str, float]:
        if value is None:
            return MappingProxyType({})
        if not isinstance(value, Mapping):
            raise ValidationError(f"{name} must map vendor names to numbers, got {value!r:.80}")
        found: dict[str, float] = {}
        for vendor, number in value.items():
            key = normal_name(vendor) if isinstance(vendor, str) else vendor
            if not isinstance(key, str):
                raise ValidationError(f"{name} keys must be vendor names, got {vendor!r:.80}")
            amount = finite(number, f"{name}[{vendor!r}]")
            if not low <= amount <= high or (name == "max_vendor_share" and amount == 0):
                bounds = (
                    "in (0, 1]" if name == "max_vendor_share" else f"within [{low:g}, {high:g}]"
                )
                raise ValidationError(f"{name}[{vendor!r}] must be {bounds}, got {number!r}")
            found[key] = amount
        return MappingProxyType(dict(sorted(found.items())))

    return converter


def _surcharges(value: Any) -> Mapping[str, float]:
    result: Mapping[str, float] = _per_vendor("vendor_surcharge", 0.0, 1e6)(value)
    return result


def _caps(value: Any) -> Mapping[str, float]:
    result: Mapping[str, float] = _per_vendor("max_vendor_share", 0.0, 1.0)(value)
    return result


def _window(instance: object, attribute: Any, value: Any) -> None:
    if finite(value, "share_window_s") <= 0:
        raise ValidationError(f"share_window_s must be a number of seconds > 0, got {value!r}")


def _fallbacks(instance: object, attribute: Any, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10_000:
        raise ValidationError(f"fallbacks must be an integer from 0 to 10,000, got {value!r}")


def _diversity(instance: object, attribute: Any, value: Any) -> None:
    if value not in ("vendor", "provider", "none"):
        raise ValidationError(f"diversity must be 'vendor', 'provider' or 'none', got {value!r}")


@frozen(kw_only=True)
class Policy:
    """How to route: filters, a scorer, how many fallbacks and how diverse.

    Examples:
        >>> from modelfolio import Budget, by_latency
        >>> policy = Policy(score=by_latency, fallbacks=3, diversity="provider",
        ...                 budgets=[Budget(limit_usd=50.0, window_s=3600)])
        >>> policy.fallbacks, len(policy.filters)
        (3, 5)
    """

    filters: tuple[Filter, ...] = field(default=DEFAULT_FILTERS, converter=_filters)
    """Applied in order; each may reject a deployment with a reason."""
    score: Scorer = field(default=by_cost, validator=_score)
    """Ranks the survivors; lower first."""
    fallbacks: int = field(default=2, validator=_fallbacks)
    """How many fallbacks to list after the chosen deployment."""
    diversity: Diversity = field(default="vendor", validator=_diversity)
    """``vendor``: fallbacks prefer new vendors, then new providers; ``provider``: new
    providers; ``none``: plain rank order."""
    budgets: tuple[Budget, ...] = field(default=(), converter=_budgets)
    """Spend caps enforced by the ``within_budgets`` filter."""
    split: Mapping[str, float] | None = field(default=None, converter=_split)
    """Weights over deployment ids, applied by ``request.key`` (canaries, allocations)."""
    split_by_tag: Mapping[str, Mapping[str, float]] | None = field(default=None, converter=_splits)
    """Per request tag, weights over deployment ids: a request carrying the tag is split
    by these weights instead of ``split`` (the first such tag, by name, decides)."""
    vendor_surcharge: Mapping[str, float] = field(factory=dict, converter=_surcharges)
    """A soft preference: per vendor, the premium the team would pay to avoid it. With
    ``{"openai": 0.25}`` OpenAI's deployments rank as if they cost 25% more (a score
    ``s`` counts as ``s + 0.25 * |s|``); ``explain()`` shows the parts."""
    max_vendor_share: Mapping[str, float] = field(factory=dict, converter=_caps)
    """Per vendor, the largest share of the spend in the last ``share_window_s`` seconds
    (read from the state's ledger, so shared by replicas with a shared store): while a
    vendor is above its cap, its deployments rank after everyone else's."""
    share_window_s: float = field(default=3600.0, validator=_window)
    """The window ``max_vendor_share`` is measured over, in seconds."""
    _plan: tuple[tuple[Filter, BulkFilter | None], ...] = field(init=False, repr=False, eq=False)
    _by_cost_alone: bool = field(init=False, repr=False, eq=False)
    """Ranks by cost alone: no surcharge, share cap or split can reorder the ranking."""

    def __attrs_post_init__(self) -> None:
        plan = tuple((f, f if isinstance(f, BulkFilter) else None) for f in self.filters)
        object.__setattr__(self, "_plan", _BULK_DEFAULTS if plan == _BULK_DEFAULTS else plan)
        object.__setattr__(
            self,
            "_by_cost_alone",
            self.score is by_cost
            and not self.vendor_surcharge
            and not self.max_vendor_share
            and self.split is None
            and self.split_by_tag is None,
        )


class _Pass(Run):
    """A routing pass with the policy it applies: filters see the :class:`Run` only."""

    __slots__ = ("over_cap", "policy", "raw_scores")
    policy: Policy
    raw_scores: list[float] | None
    """The scorer's scores before vendor surcharges (None: no surcharge applied)."""
    over_cap: Mapping[str, float]
    """Vendors above their ``max_vendor_share``, with their share of the window's spend."""


_UNKNOWN_WINDOW = "context window unknown: assumed to fit (add knows_context_window to require one)"


class NoRouteError(ModelfolioError, LookupError):
    """No deployment passed the filters. ``rejected`` maps every id to its reason."""

    def __init__(
        self, rejected: Mapping[str, str], counts: Mapping[str, int], *, message: str | None = None
    ) -> None:
        self.rejected: Mapping[str, str] = MappingProxyType(dict(rejected))
        if message is not None:
            super().__init__(message)
            return
        examples: dict[str, str] = {}
        for reason in rejected.values():
            name, _, detail = reason.partition(": ")
            examples.setdefault(name, detail or reason)
        parts = [
            f"{count} {name}" + (f" (e.g. {examples.get(name, '')!r})" if name in examples else "")
            for name, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        ]
        total = len(rejected)
        message = f"no deployment can serve this request; all {total} were rejected"
        super().__init__(message + (": " + "; ".join(parts) if parts else ""))


def _rendezvous(key: str, weights: Mapping[str, float], allowed: Iterable[str]) -> str | None:
    """The split target for ``key`` among ``allowed``: an exponential race, seeded by hash.

    Each target draws ``-ln(u) / weight`` with ``u`` from a hash of (key, target); the
    smallest wins. Target ``t`` wins with probability ``weight_t / sum(weights)``, and
    removing one target moves only the keys it had won.
    """
    best: tuple[float, str] | None = None
    for target in allowed:
        weight = weights[target]
        if weight <= 0:
            continue
        digest = hashlib.blake2b(f"{key}\x00{target}".encode(), digest_size=8).digest()
        u = (int.from_bytes(digest, "big") + 1) / 2.0**64
        draw = -math.log(u) / weight
        if best is None or (draw, target) < best:
            best = (draw, target)
    return None if best is None else best[1]


def _rank_lazily(scores: list[float]) -> Iterator[int]:
    """Indices into ``scores``, best (lowest) first, ties by index; lazily.

    Sorting plain floats is done in C; each index is then found with ``list.index``
    only as far as the caller reads, which for a chosen deployment and two fallbacks is
    a handful of lookups rather than a keyed sort of the whole catalog.
    """
    previous_value: float | None = None
    previous = -1
    for value in sorted(scores):
        previous = (
            scores.index(value, previous + 1) if value == previous_value else scores.index(value)
        )
        previous_value = value
        yield previous


def _full_order(scores: list[float], demoted: frozenset[int]) -> list[int]:
    """Every index into ``scores``, best first: demoted ones last, ties by index."""
    if demoted:
        return sorted(range(len(scores)), key=lambda k: (k in demoted, scores[k]))
    return sorted(range(len(scores)), key=scores.__getitem__)


# Below this many candidates a keyed sort of all of them is cheaper than lazy ranking.
_LAZY_FROM = 48


class _Picker:
    """``_pick`` for one catalog and policy, made once: what the threshold walk calls.

    A class, not a closure, so that a catalog whose columns hold one still pickles.
    """

    __slots__ = ("count", "diversity", "key", "providers", "vendors")

    def __init__(
        self, count: int, diversity: str, vendors: Sequence[str], providers: Sequence[str]
    ) -> None:
        self.count, self.diversity = count, diversity
        self.vendors, self.providers = vendors, providers
        diverse = diversity != "none" and count > 0
        self.key = (vendors if diversity == "vendor" else providers) if diverse else None

    def __call__(self, prefix: list[int]) -> tuple[list[int], bool]:
        key = self.key
        if key is not None:
            # _pick's one-pass case, inline: each next pick is the next new vendor met
            count = self.count
            first = prefix[0]
            picked = [first]
            used = {key[first]}
            for k in prefix:
                if key[k] not in used:
                    picked.append(k)
                    if len(picked) > count:
                        return picked, True
                    used.add(key[k])
        return _pick(prefix, self.count, self.diversity, self.vendors, self.providers)


def _picker(columns: Columns, policy: Policy) -> Callable[[list[int]], tuple[list[int], bool]]:
    """The :class:`_Picker` of this catalog and policy (made on first use)."""
    count, diversity = policy.fallbacks, policy.diversity
    found = columns.pickers.get((count, diversity))
    if found is None:
        found = columns.pickers[(count, diversity)] = _Picker(
            count, diversity, columns.vendors, columns.providers
        )
    return found


def _pick(
    order: Sequence[int],
    count: int,
    diversity: str,
    vendors: Sequence[str],
    providers: Sequence[str],
    first: int | None = None,
) -> tuple[list[int], bool]:
    """A first pick and up to ``count`` diverse fallbacks from ``order`` (best first).

    The first pick is ``first`` if given, else the best. Each next pick is the best
    remaining one from a vendor not yet picked (``diversity="vendor"``), else from a
    provider not yet picked, else the best remaining. Also returns whether every pick
    was settled inside ``order``: when ``order`` is only the best part of a ranking, a
    search that ran off its end might have found its pick further down.
    """
    if not order:
        return [], False
    if first is None:
        first = order[0]
        if diversity != "none":
            # The usual case, in one pass: while each next pick can come from a new
            # vendor (provider), the best such one is the next one met in rank order.
            key = vendors if diversity == "vendor" else providers
            if not count:
                return [first], True
            picked = [first]
            used = {key[first]}
            for k in order[1:]:
                if key[k] not in used:
                    picked.append(k)
                    if len(picked) > count:
                        return picked, True
                    used.add(key[k])
    picked = [first]
    pool = list(order[1:]) if first == order[0] else [k for k in order if k != first]
    used_vendors, used_providers = {vendors[first]}, {providers[first]}
    settled = True
    while len(picked) <= count:
        if not pool:
            return picked, False
        choice = None
        if diversity == "vendor":
            for k in pool:
                if vendors[k] not in used_vendors:
                    choice = k
                    break
            else:
                settled = False
        if choice is None and diversity != "none":
            for k in pool:
                if providers[k] not in used_providers:
                    choice = k
                    break
            else:
                settled = False
        if choice is None:
            choice = pool[0]
        pool.remove(choice)
        picked.append(choice)
        used_vendors.add(vendors[choice])
        used_providers.add(providers[choice])
    return picked, settled


def _picks(
    scores: list[float],
    demoted: frozenset[int],
    count: int,
    diversity: str,
    vendors: Sequence[str],
    providers: Sequence[str],
) -> tuple[list[int], list[int] | None]:
    """The picks, and the full ranking if it had to be computed.

    For many candidates, only the best few are ranked (lazily) and picked from; the
    full sort happens only if a pick could lie beyond them.
    """
    if not demoted and len(scores) > _LAZY_FROM:
        ranked = _rank_lazily(scores)
        prefix: list[int] = []
        size = 2 * (count + 1)
        while size <= 4 * (count + 4):  # beyond this, a full sort is cheaper
            prefix.extend(itertools.islice(ranked, size - len(prefix)))
            picks, settled = _pick(prefix, count, diversity, vendors, providers)
            if settled:
                return picks, None
            size *= 2
    order = _full_order(scores, demoted)
    return _pick(order, count, diversity, vendors, providers)[0], order


def _split_choice(
    key: str, split: Mapping[str, float], columns: Columns, positions: tuple[int, ...]
) -> int | None:
    """The index (into ``positions``) the split sends ``key`` to, among the survivors."""
    unknown = [target for target in split if target not in columns.index]
    if unknown:
        raise ValidationError(f"split names deployments not in the catalog: {', '.join(unknown)}")
    where = {columns.ids[i]: k for k, i in enumerate(positions) if columns.ids[i] in split}
    target = _rendezvous(key, split, where)
    return None if target is None else where[target]


@frozen(kw_only=True, repr=False)
class Decision:
    """The chosen deployment, its ordered fallbacks, and why the rest were passed over.

    Examples:
        >>> from modelfolio import Request, reference_catalog
        >>> decision = route(Request(input_tokens=3_000, output_tokens=600, needs={"tools"}),
        ...                  reference_catalog(), now=0.0)
        >>> decision.chosen.id, [d.id for d in decision.fallbacks]
        ('local/phi-4-mini', ['bedrock/nova-micro', 'cohere/command-r7b'])
    """

    chosen: Deployment
    """The deployment to call first."""
    fallbacks: tuple[Deployment, ...]
    """Where to go next, in order, if it fails."""
    split_target: bool = False
    """Whether ``chosen`` came from the policy's split rather than the ranking."""
    _run: _Pass = field(repr=False, eq=False)
    """The routing pass; it also holds the survivors, their scores and their ranking."""

    @property
    def _positions(self) -> tuple[int, ...]:
        run = self._run
        if run.positions is None:  # ranked by cost without listing every survivor
            run.positions = run.columns.positions(run.mask or 0)
        return run.positions

    @property
    def _scores(self) -> list[float]:
        run = self._run
        if run.scores is None:  # ranked by cost without pricing every survivor
            run.scores = run.estimates(self._positions)
        return run.scores

    @property
    def _demoted(self) -> frozenset[int]:
        return self._run.demoted

    def _ranked(self) -> list[int]:
        run = self._run
        if run.order is None:
            run.order = _full_order(self._scores, run.demoted)
        return run.order

    @classmethod
    def _made(cls, chosen: Deployment, fallbacks: tuple[Deployment, ...], run: _Pass) -> Decision:
        """A decision not drawn by a split, made without ``__init__``'s keyword parsing.

        Routing makes one per request; this is half the cost of the generated
        ``__init__``, which has no validators or converters to skip.
        """
        decision = _new(cls)
        _set_chosen(decision, chosen)
        _set_fallbacks(decision, fallbacks)
        _set_split_target(decision, False)
        _set_run(decision, run)
        return decision

    def __repr__(self) -> str:
        fallbacks = ", ".join(repr(d.id) for d in self.fallbacks)
        split = ", split_target=True" if self.split_target else ""
        return f"Decision(chosen={self.chosen.id!r}, fallbacks=({fallbacks}){split})"

    @property
    def deployments(self) -> tuple[Deployment, ...]:
        """The chosen deployment followed by the fallbacks."""
        return (self.chosen, *self.fallbacks)

    @property
    def scores(self) -> Mapping[str, float]:
        """Every deployment that passed the filters, by id, with its score."""
        ids = self._run.columns.ids
        return MappingProxyType(
            {ids[i]: s for i, s in zip(self._positions, self._scores, strict=False)}
        )

    @property
    def ranking(self) -> tuple[str, ...]:
        """The ids of every deployment that passed the filters, best first."""
        ids = self._run.columns.ids
        return tuple(ids[self._positions[k]] for k in self._ranked())

    def explain(self) -> Mapping[str, str]:
        """Why each deployment other than the chosen one was not chosen.

        A rejected deployment gets the first filter's reason; one that passed gets its
        rank and score against the chosen one's. A deployment whose context window is
        unknown passed ``fits_context`` without being measured, and its reason says so;
        when the chosen one's window is unknown it is listed too, with that warning.
        """
        run = self._run
        columns = run.columns
        ids = columns.ids
        position = {self._positions[k]: rank for rank, k in enumerate(self._ranked(), start=1)}
        score_of = dict(zip(self._positions, self._scores, strict=False))
        demoted = {self._positions[k] for k in self._demoted}
        chosen = columns.index[self.chosen.id]
        fallback_rank = {columns.index[d.id]: n for n, d in enumerate(self.fallbacks, start=1)}
        scorer = _name(run.policy.score)
        money = _money if run.policy.score is by_cost else _plain
        raw_of = (
            {}
            if run.raw_scores is None
            else dict(zip(self._positions, run.raw_scores, strict=False))
        )
        total = len(self._positions)
        worst_fallback = max((position[i] for i in fallback_rank), default=0)
        reasons: dict[str, str] = {}
        unmeasured = fits_context in run.policy.filters
        for i, deployment in enumerate(columns.deployments):
            if i == chosen:
                if unmeasured and deployment.model.context_window is None:
                    reasons[ids[i]] = "chosen; " + _UNKNOWN_WINDOW
                continue
            if i not in position:
                reasons[ids[i]] = _first_rejection(run, deployment)
                continue
            rank = position[i]
            score = self._score_text(i, score_of[i], raw_of.get(i))
            if i in fallback_rank:
                reason = f"fallback {fallback_rank[i]}: ranked {rank} of {total} by {scorer} (score {score})"
            else:
                reason = f"ranked {rank} of {total} by {scorer}: score {score} vs {money(score_of[chosen])} for the chosen"
                if rank < worst_fallback:
                    reason += f"; fallbacks prefer a {run.policy.diversity} not yet in the list"
            vendor = columns.vendors[i]
            if vendor in run.over_cap:
                reason += (
                    f"; {vendor} holds {run.over_cap[vendor]:.0%} of the last "
                    f"{_span(run.policy.share_window_s)}'s spend, cap "
                    f"{run.policy.max_vendor_share[vendor]:.0%}: ranked after the rest"
                )
            elif i in demoted:
                reason += (
                    "; ranked after healthy deployments (vendor degraded or breaker half-open)"
                )
            if self.split_target:
                reason += "; the split sends this key to the chosen deployment"
            if unmeasured and deployment.model.context_window is None:
                reason += "; " + _UNKNOWN_WINDOW
            reasons[ids[i]] = reason
        return MappingProxyType(reasons)

    def _score_text(self, i: int, score: float, raw: float | None) -> str:
        """A score as the explanation shows it, with the surcharge's parts when one applied."""
        policy = self._run.policy
        money = _money if policy.score is by_cost else _plain
        vendor = self._run.columns.vendors[i]
        if raw is None or vendor not in policy.vendor_surcharge:
            return money(score)
        return f"{money(raw)} + {policy.vendor_surcharge[vendor]:.0%} {vendor} surcharge = {money(score)}"

    def to_rows(self) -> list[dict[str, object]]:
        """One plain dict per deployment: its role, score and reason."""
        scores = self.scores
        reasons = self.explain()
        roles = {
            self.chosen.id: "chosen",
            **{d.id: f"fallback {n}" for n, d in enumerate(self.fallbacks, 1)},
        }
        return [
            {
                "deployment": d.id,
                "vendor": d.vendor,
                "provider": d.provider,
                "role": roles.get(d.id, "passed" if d.id in scores else "rejected"),
                "score": scores.get(d.id),
                "reason": reasons.get(d.id, ""),
            }
            for d in self._run.columns.deployments
        ]

    def _repr_html_(self) -> str:
        rows = sorted(
            self.to_rows(),
            key=lambda row: (row["role"] == "rejected", row["role"] != "chosen", row["role"]),
        )
        return html_table(rows, caption=f"Decision: {self.chosen.id}")


# The slot setters of Decision's fields, for Decision._made.
_new = object.__new__
_set_chosen = Decision.__dict__["chosen"].__set__
_set_fallbacks = Decision.__dict__["fallbacks"].__set__
_set_split_target = Decision.__dict__["split_target"].__set__
_set_run = Decision.__dict__["_run"].__set__


def _money(value: float) -> str:
    return f"${value:.6g}"


def _plain(value: float) -> str:
    return f"{value:.6g}"


def _span(seconds: float) -> str:
    for size, name in ((86_400.0, "day"), (3_600.0, "hour"), (60.0, "minute")):
        if seconds == size:
            return name
        if seconds % size == 0:
            return f"{seconds / size:g} {name}s"
    return f"{seconds:g} s"


def _first_rejection(run: _Pass, deployment: Deployment) -> str:
    context = run.context
    for function in run.policy.filters:
        reason = function(run.request, deployment, context)
        if reason is not None:
            return f"{_name(function)}: {reason}"
    return "rejected"  # pragma: no cover - only if a filter's two paths disagree


def check_inputs(request: Any, catalog: Any, policy: Any) -> None:
    """Refuse a request, catalog or policy of the wrong type, naming it."""
    if not isinstance(request, Request):
        raise ValidationError(f"request must be a Request, got {request!r:.80}")
    if not isinstance(catalog, Catalog):
        raise ValidationError(f"catalog must be a Catalog, got {catalog!r:.80}")
    if not isinstance(policy, Policy):
        raise ValidationError(f"policy must be a Policy, got {policy!r:.80}")


def _check(request: Any, catalog: Any, policy: Any, state: Any) -> None:
    check_inputs(request, catalog, policy)
    if not isinstance(state, State):
        raise ValidationError(f"state must be a State, got {state!r:.80}")


_DEFAULT_POLICY = Policy()
_EMPTY_STATE = State()


def route(
    request: Request,
    catalog: Catalog,
    policy: Policy | None = None,
    *,
    state: State | None = None,
    now: float,
    at: float | None = None,
) -> Decision:
    """Choose a deployment for ``request``, with ordered fallbacks.

    ``policy`` defaults to ``Policy()`` (the default filters, ranked by estimated cost,
    two vendor-diverse fallbacks) and ``state`` to ``State()`` (no failures, no spend).
    ``now`` is the caller's monotonic clock, in seconds: health (cooldowns, breakers)
    and budget windows are read against it. ``at`` is a different clock: the wall-clock
    moment, as a POSIX timestamp (seconds since 1970-01-01 UTC), at which prices are
    read, for deployments whose price has off-peak windows. Without ``at`` every
    deployment is priced at its standard rates.

    Raises:
        NoRouteError: no deployment passed the filters (or the catalog is empty);
            ``.rejected`` says why.

    Examples:
        >>> from modelfolio import Request, reference_catalog
        >>> catalog = reference_catalog()
        >>> d = route(Request(input_tokens=1_000, output_tokens=200, compliance={"hipaa"},
        ...                   vendors={"anthropic", "openai"}), catalog, now=0.0)
        >>> d.chosen.id, [f.id for f in d.fallbacks]
        ('azure/gpt-5', ['bedrock/claude-sonnet-4-5', 'vertex_ai/claude-sonnet-4-5'])
        >>> d.explain()["openai/gpt-4o"]
        'meets_constraints: lacks compliance hipaa'
    """
    if policy is None:
        policy = _DEFAULT_POLICY  # Policy(): the default filters, by cost, 2 fallbacks
    if state is None:
        state = _EMPTY_STATE  # State(): nothing has failed, nothing is spent
    if not (
        isinstance(request, Request)
        and isinstance(catalog, Catalog)
        and isinstance(policy, Policy)
        and isinstance(state, State)
    ):
        _check(request, catalog, policy, state)
    if type(now) is not float or not math.isfinite(now):
        now = finite(now, "now")
    if at is not None:
        utc_moment(at)  # validates: a finite number of seconds
    if not catalog.deployments:
        raise NoRouteError({}, {}, message="the catalog is empty: no deployment to route to")
    columns = Columns.of(catalog)
    if request.constrained or policy.budgets or policy.vendor_surcharge or policy.max_vendor_share:
        _known_names(request, policy, columns)
    run = _Pass(request, columns, catalog, policy.budgets, state, now, at)
    run.policy = policy
    run.raw_scores = None
    run.over_cap = _NO_SHARES
    mask, positions = _filter(run)
    if mask is not None:
        if not mask:
            raise _no_route(run)
        # Ranked by cost alone, the picks come from the cheapest few candidates, found
        # without pricing the rest (positions and scores are listed only if asked).
        picks = (
            columns.cheapest_first(request, mask, at, _picker(columns, policy))
            if policy._by_cost_alone and not (state.vendor_failures or state.breakers)
            else None
        )
        if picks is not None:
            run.mask = mask
            deployments = columns.deployments
            return Decision._made(
                deployments[picks[0]], tuple([deployments[i] for i in picks[1:]]), run
            )
        positions = columns.positions(mask)
    elif not positions:
        raise _no_route(run)

    scorer = policy.score
    if isinstance(scorer, BulkScorer):
        scores = scorer.scores(run, positions)
    else:
        deployments, context = columns.deployments, run.context
        scores = [scorer(request, deployments[i], context) for i in positions]
    total = sum(scores)  # NaN when any score is (or +inf and -inf meet): then look closer
    if total != total and any(map(math.isnan, scores)):  # NaN would make ranking arbitrary
        k = next(k for k, score in enumerate(scores) if score != score)
        raise ValidationError(
            f"score for {columns.ids[positions[k]]!r} is NaN from {_name(scorer)}"
        )

    if policy.vendor_surcharge:
        scores = _surcharged(run, positions, scores)
    demoted = _demoted(run, positions) if state.vendor_failures or state.breakers else _NONE
    if policy.max_vendor_share:
        demoted = _over_cap(run, positions, demoted)
    if positions is columns.all:
        vendors, providers = columns.vendors, columns.providers
    elif len(positions) == 1:
        vendors, providers = (columns.vendors[positions[0]],), (columns.providers[positions[0]],)
    else:
        gather = itemgetter(*positions)
        vendors, providers = gather(columns.vendors), gather(columns.providers)
    count, diversity = policy.fallbacks, policy.diversity
    picks, order = _picks(scores, demoted, count, diversity, vendors, providers)

    split_target = False
    split = policy.split
    if policy.split_by_tag is not None and request.tags:
        split = next(
            (
                policy.split_by_tag[tag]
                for tag in sorted(request.tags)
                if tag in policy.split_by_tag
            ),
            split,
        )
    if split is not None and request.key is not None:
        chosen = _split_choice(request.key, split, columns, positions)
        if chosen is not None:
            split_target = True
            if chosen != picks[0]:
                order = order or _full_order(scores, demoted)
                picks = _pick(order, count, diversity, vendors, providers, first=chosen)[0]

    deployments = columns.deployments
    run.positions, run.scores, run.order, run.demoted = positions, scores, order, demoted
    return Decision(
        chosen=deployments[positions[picks[0]]],
        fallbacks=tuple([deployments[positions[k]] for k in picks[1:]]),
        split_target=split_target,
        run=run,
    )


def _known_names(request: Request, policy: Policy, columns: Columns) -> None:
    """Refuse a vendor or provider name that no deployment of the catalog has.

    A mistyped name would otherwise match nothing in silence: ``exclude_vendors=
    {"open-ai"}`` would exclude no one. The error names the closest known names.
    """
    for kind, known, named in (
        ("vendor", columns.vendor_masks, (request.vendors, request.exclude_vendors)),
        ("provider", columns.provider_masks, (request.providers, request.exclude_providers)),
    ):
        budget_names = {
            getattr(budget, kind) for budget in policy.budgets if getattr(budget, kind) is not None
        }
        if kind == "vendor":
            budget_names |= set(policy.vendor_surcharge) | set(policy.max_vendor_share)
        for name in sorted(set().union(*named, budget_names)):
            if name not in known:
                raise ValidationError(_unknown(kind, name, sorted(known)))


def _unknown(kind: str, name: str, known: list[str]) -> str:
    hint = did_you_mean(name.lower(), known)
    return f"unknown {kind} {name!r}: no deployment of the catalog has it{hint} (the {kind}s are {', '.join(known)})"


def _filter(run: _Pass) -> tuple[int | None, tuple[int, ...]]:
    """Apply the policy's filters: on bit masks while they can, then on positions.

    Returns the survivors as a mask while only bulk filters have run (positions are
    then left to the caller), else as positions (with ``None`` for the mask).
    """
    columns, request = run.columns, run.request
    mask: int | None = columns.full
    positions: tuple[int, ...] = ()
    plan = run.policy._plan
    if plan is _BULK_DEFAULTS and not request.constrained and not run.policy.budgets:
        # The default filters, called in order without the general loop, skipping
        # the ones that cannot reject anything here: constraints (none set), budgets
        # (none set), capabilities (none needed) and health (no marks).
        fused = columns.full
        if not columns.tiers_sold <= request.tiers:  # inline: the usual answer is "all"
            fused = columns.in_tiers(fused, request.tiers)
        if request.needs:
            fused = has_capabilities.narrow(run, fused)  # type: ignore[assignment]
        fused = fits_context.narrow(run, fused)  # type: ignore[assignment]
        state = run.state
        if fused and (state.cooldowns or state.breakers):
            fused = is_healthy.narrow(run, fused)  # type: ignore[assignment]
        return fused, ()
    for function, bulk in plan:
        if mask is not None and bulk is not None:
            narrowed = bulk.narrow(run, mask)
            if narrowed is not None:
                mask = narrowed
                if not mask:
                    return 0, ()
                continue
        if mask is not None:
            positions, mask = columns.positions(mask), None
        if bulk is not None:
            positions = bulk.keep(run, positions)
        else:
            deployments, context = columns.deployments, run.context
            positions = tuple(
                i for i in positions if function(request, deployments[i], context) is None
            )
        if not positions:
            return None, ()
    return mask, positions


_NO_SHARES: Mapping[str, float] = MappingProxyType({})


def _surcharged(run: _Pass, positions: tuple[int, ...], scores: list[float]) -> list[float]:
    """``scores`` with each surcharged vendor's deployments made worse by its premium."""
    surcharge, vendors = run.policy.vendor_surcharge, run.columns.vendors
    run.raw_scores = scores
    return [
        score + abs(score) * surcharge[vendor] if (vendor := vendors[i]) in surcharge else score
        for i, score in zip(positions, scores, strict=True)
    ]


def _over_cap(run: _Pass, positions: tuple[int, ...], demoted: frozenset[int]) -> frozenset[int]:
    """``demoted`` plus the deployments of vendors above their share of the window's spend."""
    policy = run.policy
    shares = vendor_spend_shares(run.state, now=run.now, window_s=policy.share_window_s)
    over = {
        vendor: shares[vendor]
        for vendor, cap in policy.max_vendor_share.items()
        if shares.get(vendor, 0.0) > cap
    }
    if not over:
        return demoted
    run.over_cap = MappingProxyType(over)
    vendors = run.columns.vendors
    return demoted | {k for k, i in enumerate(positions) if vendors[i] in over}


def _demoted(run: _Pass, positions: tuple[int, ...]) -> frozenset[int]:
    """Indices (into ``positions``) of degraded vendors' deployments and half-open breakers."""
    state = run.state
    if not (state.vendor_failures or state.breakers):
        return frozenset()
    now, columns = run.now, run.columns
    degraded = state.degraded_vendors(now=now)
    half_open = {
        columns.index[d]
        for d, until in state.breakers.items()
        if until <= now and d in columns.index
    }
    if not (degraded or half_open):
        return frozenset()
    return frozenset(
        k for k, i in enumerate(positions) if columns.vendors[i] in degraded or i in half_open
    )


def _no_route(run: _Pass) -> NoRouteError:
    rejected: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for deployment in run.columns.deployments:
        reason = _first_rejection(run, deployment)
        rejected[deployment.id] = reason
        counts[reason.split(":", 1)[0]] += 1
    return NoRouteError(rejected, counts)
