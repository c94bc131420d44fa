"""Offline replay: what a router would have scored and spent on logged outcomes.

:func:`simulate` sends every item through a learned router and reads the logged score
and cost of the model(s) it picked: no model is called. Baselines come for free: the
**oracle** (each item's best score, cheapest among ties), the **random** router (the
expected value of picking a model uniformly) and every **single model**.
:func:`sweep` replays one router per knob value into a cost–quality :class:`Curve`,
and the field's metrics read that curve:

- :func:`aiq` — RouterBench's average improvement in quality: the area under the
  non-decreasing convex hull of (cost, quality) over the curve's cost range, divided
  by that range;
- :func:`apgr` — RouteLLM's average performance gap recovered: the area under quality
  against the share of calls sent to the strong model, from 0 to 1 with both
  endpoints, relative to the weak–strong gap (a random router scores 0.5);
- :func:`cpt` — the share of calls to the strong model needed to recover a fraction of
  the gap.

Only items that every model answered are replayed; the rest are counted in
``skipped``.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from operator import itemgetter
from types import MappingProxyType
from typing import Any

from attrs import field, frozen

from modelfolio._common.errors import ValidationError
from modelfolio._common.plot import axes
from modelfolio._common.table import html_table
from modelfolio._common.validate import check, finite, instances, number, positive_count, text
from modelfolio._evaluation.outcomes import Matrix, Outcomes
from modelfolio._evaluation.summary import GroupSummary, add_counts, exact_mean
from modelfolio._learning.routers import LearnedRouter, _TagRouter

__all__ = [
    "Curve",
    "Point",
    "ReplaySummary",
    "SimulationReport",
    "aiq",
    "apgr",
    "cpt",
    "simulate",
    "summarize_replay",
    "sweep",
]


def _shares(value: Any) -> Mapping[str, float]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Mapping):
        raise ValidationError(f"shares must map model ids to shares in [0, 1], got {value!r}")
    for model, share in value.items():
        text(model, "shares")
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
            raise ValidationError(f"shares[{model!r}] must be a share in [0, 1], got {share!r}")
    return value if isinstance(value, MappingProxyType) else MappingProxyType(dict(value))


@frozen(kw_only=True)
class Point:
    """Quality (mean score) and cost (summed) of one way of routing the items."""

    quality: float = field(validator=check(finite))
    """Mean logged score of the answers."""
    cost: float = field(validator=check(number))
    """Summed logged cost of every call made."""
    shares: Mapping[str, float] = field(factory=dict, repr=False, converter=_shares)
    """Fraction of items each model was called for."""
    knob: Any = None
    """The knob value that produced this point, in a sweep."""


@frozen(kw_only=True)
class SimulationReport:
    """A router replayed on logged outcomes."""

    quality: float
    """Mean score of the answers the router picked."""
    cost: float
    """Summed logged cost of every call it made."""
    shares: Mapping[str, float]
    """Fraction of items each model was called for (a cascade calls several)."""
    choices: Mapping[Hashable, str | tuple[str, ...]] = field(repr=False)
    """Item id to the model chosen, or the tuple of models a cascade tried."""
    baselines: Mapping[str, Point] = field(repr=False)
    """``"oracle"``, ``"random"`` and every single model."""
    n: int
    """Items replayed."""
    skipped: int = 0
    """Items left out because some model has no score for them."""

    @property
    def cost_per_item(self) -> float:
        """Mean cost per replayed item."""
        return self.cost / self.n if self.n else math.nan

    def to_rows(self) -> list[dict[str, object]]:
        """The router and every baseline, one plain dict each."""
        rows: list[dict[str, object]] = [
            {
                "name": "router",
                "quality": self.quality,
                "cost": self.cost,
                "cost_per_item": self.cost_per_item,
            }
        ]
        rows += [
            {
                "name": name,
                "quality": point.quality,
                "cost": point.cost,
                "cost_per_item": point.cost / self.n if self.n else math.nan,
            }
            for name, point in self.baselines.items()
        ]
        return rows

    def _repr_html_(self) -> str:
        return html_table(self.to_rows(), caption=f"Simulation over {self.n} items")


@frozen(kw_only=True)
class _Baselines:
    """The baselines' sums over some replayed items (mergeable)."""

    singles: Mapping[str, GroupSummary]
    oracle: GroupSummary
    oracle_counts: Mapping[str, int]

    def merge(self, other: _Baselines) -> _Baselines:
        return _Baselines(
            singles={m: g.merge(other.singles[m]) for m, g in self.singles.items()},
            oracle=self.oracle.merge(other.oracle),
            oracle_counts={m: c + other.oracle_counts[m] for m, c in self.oracle_counts.items()},
        )

    def points(self, n: int) -> Mapping[str, Point]:
        singles = {
            model: Point(quality=exact_mean(g.scores), cost=math.fsum(g.costs), shares={model: 1.0})
            for model, g in self.singles.items()
        }
        models = list(self.singles)
        result: dict[str, Point] = {
            "oracle": Point(
                quality=exact_mean(self.oracle.scores),
                cost=math.fsum(self.oracle.costs),
                shares={m: self.oracle_counts[m] / n for m in models},
            ),
            "random": Point(
                quality=math.fsum(p.quality for p in singles.values()) / len(models),
                cost=math.fsum(p.cost for p in singles.values()) / len(models),
                shares={m: 1.0 / len(models) for m in models},
            ),
        }
        result.update(singles)
        return MappingProxyType(result)


def _baselines(matrix: Matrix, items: list[int], models: Sequence[str]) -> _Baselines:
    score, cost = matrix.score, matrix.cost
    if not items:  # (a part may lack a model altogether)
        empty = GroupSummary(scores={}, costs=())
        return _Baselines(
            singles=dict.fromkeys(models, empty),
            oracle=empty,
            oracle_counts=dict.fromkeys(models, 0),
        )
    ks = [matrix.column[m] for m in models]
    if len(items) == 1:
        only = items[0]
        scores = [(score[k][only],) for k in ks]
        costs = [(cost[k][only],) for k in ks]
    else:
        gather = itemgetter(*items)
        scores = [gather(score[k]) for k in ks]
        costs = [gather(cost[k]) for k in ks]
    singles = {
        model: GroupSummary(scores=Counter(scores[j]), costs=(math.fsum(costs[j]),))
        for j, model in enumerate(models)
    }
    # The oracle: each item's best score, cheapest among ties, then the first model:
    # the smallest (-score, cost, position), compared at C speed item by item.
    best = (
        list(
            map(
                min,
                *(
                    zip(map(operator.neg, scores[j]), costs[j], itertools.repeat(j))
                    for j in range(len(ks))
                ),
            )
        )
        if len(ks) > 1
        else [(-v, c, 0) for v, c in zip(scores[0], costs[0], strict=True)]
    )
    chosen = Counter(j for _, _, j in best)
    return _Baselines(
        singles=singles,
        oracle=GroupSummary(
            scores=Counter(-v for v, _, _ in best), costs=(math.fsum(c for _, c, _ in best),)
        ),
        oracle_counts={model: chosen.get(j, 0) for j, model in enumerate(models)},
    )


_BASELINE_CACHE: dict[
    tuple[int, tuple[str, ...]], tuple[Matrix, list[int], list[int], _Baselines]
] = {}


def _prepared(
    outcomes: Outcomes, models: tuple[str, ...]
) -> tuple[Matrix, list[int], list[int], _Baselines]:
    """The matrix, the complete and the incomplete items (for ``models``), the baselines."""
    matrix = outcomes.matrix()
    key = (id(matrix), models)
    cached = _BASELINE_CACHE.get(key)
    if cached is None or cached[0] is not matrix:
        columns = [matrix.score[matrix.column[m]] for m in models if m in matrix.column]
        size = len(matrix.item_tags)
        if len(columns) < len(models):
            complete: list[int] = []
        elif set(outcomes.models) <= set(models):
            # No NaN score is kept and no (item, model) repeats: an item is complete
            # when it has one row per model (rows counted at C speed).
            rows = Counter(outcomes.item)
            complete = [i for i in range(size) if rows[i] == len(models)]
        else:
            complete = [i for i in range(size) if all(c[i] == c[i] for c in columns)]
        done = set(complete)
        incomplete = [i for i in range(size) if i not in done]
        cached = (matrix, complete, incomplete, _baselines(matrix, complete, models))
        if len(_BASELINE_CACHE) > 16:
            _BASELINE_CACHE.clear()
        _BASELINE_CACHE[key] = cached
    return cached


def _frozen_counts(value: Any) -> Mapping[Any, int]:
    return value if isinstance(value, MappingProxyType) else MappingProxyType(dict(value))


def _parts(value: Any) -> Mapping[Hashable, Hashable]:
    return value if isinstance(value, MappingProxyType) else MappingProxyType(dict(value))


@frozen(kw_only=True)
class ReplaySummary:
    """A mergeable summary of a router replayed on part of a log; finishes into a report.

    Replay needs each item's rows in one part: an item found incomplete in two parts,
    or replayed in two, is refused when the parts merge.

    Examples:
        >>> from modelfolio import fit_quality, quality_floor
        >>> def part(items, scores):
        ...     return Outcomes.from_columns(item=items * 2, model=["big"] * 2 + ["small"] * 2,
        ...                                  score=scores, cost=[0.01, 0.01, 0.001, 0.001])
        >>> first, second = part([1, 2], [1, 1, 1, 0]), part([3, 4], [1, 0, 1, 1])
        >>> router = quality_floor(fit_quality(Outcomes.concat([first, second])), 0.7)
        >>> merged = summarize_replay(router, first).merge(summarize_replay(router, second))
        >>> report, whole = merged.report(), simulate(router, Outcomes.concat([first, second]))
        >>> (report.quality, report.shares, report.choices) == (whole.quality, whole.shares, whole.choices)
        True
        >>> [round(p.cost, 12) for p in report.baselines.values()] == [
        ...     round(p.cost, 12) for p in whole.baselines.values()]  # summed per part: last bits
        True
    """

    models: tuple[str, ...]
    """Every model of the log: an item is replayed when all of them scored it."""
    n: int
    """Items replayed."""
    picked: Mapping[float, int] = field(converter=_frozen_counts)
    """Scores of the answers the router picked: distinct value -> count."""
    spent: tuple[float, ...]
    """Summed cost of the router's calls, one sum per part, sorted."""
    called: Mapping[str, int] = field(converter=_frozen_counts)
    """How many items each model was called for."""
    choices: Mapping[Hashable, str | tuple[str, ...]] = field(repr=False)
    """Item id to the model chosen (a tuple for a cascade)."""
    baselines: _Baselines = field(repr=False)
    """The oracle's and each single model's sums."""
    incomplete: Mapping[Hashable, Hashable] = field(repr=False, converter=_parts)
    """Items left out (some model has no score), to the part they were seen in."""

    def merge(self, other: ReplaySummary) -> ReplaySummary:
        """This summary and ``other`` together; refuses an item seen in both."""
        if not isinstance(other, ReplaySummary):
            raise ValidationError(f"can only merge a ReplaySummary, got {other!r:.80}")
        if other.models != self.models:
            raise ValidationError(
                f"cannot merge replays over different models: {list(other.models)} and {list(self.models)}"
            )
        for item in itertools.chain(other.incomplete, other.choices):
            if item in self.incomplete or item in self.choices:
                raise ValidationError(_clash(item, self, other))
        incomplete = {**self.incomplete, **other.incomplete}
        choices = {**self.choices, **other.choices}
        return ReplaySummary(
            models=self.models,
            n=self.n + other.n,
            picked=add_counts(self.picked, other.picked),
            spent=tuple(sorted(self.spent + other.spent)),
            called={m: c + other.called[m] for m, c in self.called.items()},
            choices=MappingProxyType(choices),
            baselines=self.baselines.merge(other.baselines),
            incomplete=incomplete,
        )

    def report(self) -> SimulationReport:
        """The :class:`SimulationReport` of the merged replay."""
        n = self.n
        if not n:
            raise ValidationError("no item has a score for every model; nothing to replay")
        return SimulationReport(
            quality=exact_mean(self.picked),
            cost=math.fsum(self.spent),
            shares=MappingProxyType({m: c / n for m, c in self.called.items()}),
            choices=self.choices,
            baselines=self.baselines.points(n),
            n=n,
            skipped=len(self.incomplete),
        )


def _clash(item: Hashable, one: ReplaySummary, other: ReplaySummary) -> str:
    """Why ``item``, seen in two replayed parts, cannot be merged."""
    if item in one.incomplete and item in other.incomplete:
        return (
            f"item {item!r} has rows in part {one.incomplete[item]!r} and in part "
            f"{other.incomplete[item]!r}: replay needs each item's rows in one part "
            "(shuffle or group the rows by item first)"
        )
    if item in one.choices and item in other.choices:
        return f"item {item!r} was replayed in two parts: each item's rows must be in one part"
    return f"item {item!r} is in two parts: replay needs each item's rows in one part"


def _router(router: Any) -> LearnedRouter:
    if not isinstance(router, LearnedRouter):
        raise ValidationError(f"router must have a choose(query, tags) method, got {router!r}")
    return router


def _queries(queries: Any) -> Mapping[Hashable, Any] | None:
    if queries is not None and not isinstance(queries, Mapping):
        raise ValidationError(
            f"queries must map each item id to its query, got {type(queries).__name__}"
        )
    return queries


def summarize_replay(
    router: LearnedRouter,
    outcomes: Outcomes,
    *,
    models: Iterable[str] | None = None,
    queries: Mapping[Hashable, Any] | None = None,
    part: Hashable = 0,
) -> ReplaySummary:
    """Replay ``outcomes`` (one part of a log) through ``router`` into a mergeable summary.

    ``models`` are every model of the whole log (default: this part's); an item is
    replayed when each of them scored it. ``queries`` is as in :func:`simulate`;
    ``part`` labels this part in the error raised when an item turns up in two parts.

    Examples:
        >>> from modelfolio import fit_quality, quality_floor
        >>> table = Outcomes.from_columns(item=[1, 2, 1], model=["big", "big", "small"],
        ...                               score=[1, 1, 1], cost=[0.01, 0.01, 0.001])
        >>> replay = summarize_replay(quality_floor(fit_quality(table), 0.9), table)
        >>> replay.n, dict(replay.choices), list(replay.incomplete)
        (1, {1: 'small'}, [2])
    """
    if not isinstance(outcomes, Outcomes):
        raise ValidationError(f"outcomes must be an Outcomes table, got {outcomes!r}")
    router = _router(router)
    queries = _queries(queries)
    if models is None:
        wanted = outcomes.models
    else:
        wanted = tuple(sorted(set(instances(models, str, "models"))))
        if not wanted:
            raise ValidationError("models must name at least one model")
    if not isinstance(part, Hashable):
        raise ValidationError(f"part must be a hashable label, got {part!r:.80}")
    matrix, items, incomplete, baselines = _prepared(outcomes, wanted)
    column = matrix.column
    score, cost = matrix.score, matrix.cost
    ids, tags = outcomes.items, matrix.item_tags
    asked: Sequence[Any] = ids
    if queries is None and getattr(router, "reads_queries", False):
        raise ValidationError(
            f"{router!r} reads each item's query (its text or vector), but no queries= were "
            "given: it would read the item ids as queries; pass queries={item id: query}"
        )
    if queries is not None:
        missing = [ids[i] for i in items if ids[i] not in queries]
        if missing:
            raise ValidationError(
                f"queries has no query for {len(missing)} replayed item(s), e.g. {missing[0]!r}"
            )
        asked = [queries.get(key) for key in ids]
    called = dict.fromkeys(wanted, 0)
    picked: list[float] = []
    spent: list[float] = []
    choices: dict[Hashable, str | tuple[str, ...]] = {}
    known: dict[tuple[str, ...], tuple[int, ...]] = {}
    for i in items:
        choice = router.choose(asked[i], tags[i])
        positions = known.get(choice)
        if positions is None:
            positions = known[choice] = _columns_of(choice, column)
            for model in choice:
                if model not in called:
                    raise ValidationError(
                        f"the router chose {model!r}, which is not among the models ({', '.join(wanted)})"
                    )
        for k in positions:
            spent.append(cost[k][i])
        picked.append(score[positions[-1]][i])
        for model in choice:
            called[model] += 1
        choices[ids[i]] = choice[0] if len(choice) == 1 else choice
    return ReplaySummary(
        models=wanted,
        n=len(items),
        picked=Counter(picked),
        spent=(math.fsum(spent),),
        called=called,
        choices=MappingProxyType(choices),
        baselines=baselines,
        incomplete={ids[i]: part for i in incomplete},
    )


def simulate(
    router: LearnedRouter,
    outcomes: Outcomes,
    *,
    seed: int = 0,
    queries: Mapping[Hashable, Any] | None = None,
) -> SimulationReport:
    """Replay ``outcomes`` through ``router``: quality, cost, shares, choices and baselines.

    The router receives each item's id, or with ``queries`` (item id to its text or
    vector) the item's query, as per-query routers need. ``seed`` reseeds routers that
    draw at random (those with a ``reseed(seed)`` method); the built-in routers are
    deterministic.

    Examples:
        >>> from modelfolio import fit_quality, quality_floor
        >>> table = Outcomes.from_columns(item=[1, 2, 1, 2], model=["big", "big", "small", "small"],
        ...                               score=[1, 1, 1, 0], cost=[0.01, 0.01, 0.001, 0.001],
        ...                               tags=[{"easy"}, {"hard"}, {"easy"}, {"hard"}])
        >>> report = simulate(quality_floor(fit_quality(table), 0.9), table)
        >>> report.quality, round(report.cost, 4), dict(report.choices)
        (1.0, 0.011, {1: 'small', 2: 'big'})
        >>> report.baselines["oracle"].cost, report.baselines["random"].quality
        (0.011, 0.75)
    """
    if not isinstance(outcomes, Outcomes):
        raise ValidationError(f"outcomes must be an Outcomes table, got {outcomes!r}")
    router = _router(router)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValidationError(f"seed must be an integer, got {seed!r}")
    reseed = getattr(router, "reseed", None)
    if callable(reseed):
        router = reseed(seed)
    return summarize_replay(router, outcomes, queries=_queries(queries)).report()


def _columns_of(choice: Any, column: Mapping[str, int]) -> tuple[int, ...]:
    if not isinstance(choice, tuple) or not choice:
        raise ValidationError(
            f"a router's choice must be a non-empty tuple of model ids, got {choice!r}"
        )
    for model in choice:
        if model not in column:
            raise ValidationError(
                f"the router chose {model!r}, which has no outcomes (models: {', '.join(column)})"
            )
    return tuple(column[m] for m in choice)


def _points(value: Any) -> tuple[Point, ...]:
    return instances(value, Point, "points")


def _baseline_points(value: Any) -> Mapping[str, Point]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Mapping):
        raise ValidationError(f"baselines must map names to Point values, got {value!r}")
    for name, point in value.items():
        text(name, "baselines")
        if not isinstance(point, Point):
            raise ValidationError(f"baselines[{name!r}] must be a Point, got {point!r}")
    return value if isinstance(value, MappingProxyType) else MappingProxyType(dict(value))


@frozen(kw_only=True)
class Curve:
    """Cost–quality points of one router family over its knob values, with baselines."""

    points: tuple[Point, ...] = field(converter=_points)
    """One point per knob value, in knob order."""
    baselines: Mapping[str, Point] = field(repr=False, converter=_baseline_points)
    """As in :class:`SimulationReport`."""
    n: int = field(validator=check(positive_count))
    """Items replayed at each point."""

    def to_rows(self) -> list[dict[str, object]]:
        """One plain dict per point: knob, cost, quality and each model's share."""
        rows = []
        for point in self.points:
            row: dict[str, object] = {
                "knob": point.knob,
                "cost": point.cost,
                "quality": point.quality,
            }
            row.update({f"share:{m}": s for m, s in sorted(point.shares.items())})
            rows.append(row)
        return rows

    def _repr_html_(self) -> str:
        return html_table(self.to_rows(), caption=f"Cost-quality curve over {self.n} items")

    def plot(
        self,
        ax: Any = None,
        *,
        baselines: Iterable[str] = ("oracle", "random"),
        title: str | None = None,
    ) -> Any:
        """Quality against cost per item, with baselines; returns the matplotlib ``Axes``.

        Needs matplotlib (``pip install 'modelfolio[plot]'``); without it raises
        :class:`~modelfolio.MissingDependencyError`.
        """
        names = [baselines] if isinstance(baselines, str) else list(baselines)
        for name in names:
            if name not in self.baselines:
                raise ValidationError(
                    f"baselines names {name!r}; the curve has {', '.join(self.baselines)}"
                )
        ax = axes(ax, "Curve")
        ordered = sorted(self.points, key=lambda p: p.cost)
        ax.plot(
            [p.cost / self.n for p in ordered],
            [p.quality for p in ordered],
            marker="o",
            label="router",
        )
        for name in names:
            point = self.baselines[name]
            ax.scatter([point.cost / self.n], [point.quality], marker="x", label=name)
        ax.set_xlabel("cost per item (US$)")
        ax.ticklabel_format(axis="x", style="sci", scilimits=(-3, 4))
        ax.set_ylabel("quality")
        ax.set_title(title or "Cost-quality curve")
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small", loc="lower right")
        return ax


def sweep_knobs(make_router: Any, knobs: Any) -> list[Any]:
    """The knob values of a sweep, checked (with ``make_router``) and listed."""
    if not callable(make_router):
        raise ValidationError(f"make_router must be a function of the knob, got {make_router!r}")
    if isinstance(knobs, (str, bytes)) or not isinstance(knobs, Iterable):
        raise ValidationError(f"knobs must be a collection of knob values, got {knobs!r}")
    listed = list(knobs)
    if not listed:
        raise ValidationError("knobs must not be empty")
    return listed


def sweep(
    make_router: Callable[[Any], LearnedRouter],
    knobs: Iterable[Any],
    outcomes: Outcomes,
    *,
    queries: Mapping[Hashable, Any] | None = None,
) -> Curve:
    """Replay ``make_router(knob)`` for every knob value into a :class:`Curve`.

    ``queries`` is passed on to :func:`simulate`: routers then receive each item's query.

    Examples:
        >>> from modelfolio import fit_quality, quality_floor
        >>> table = Outcomes.from_columns(item=[1, 2, 1, 2], model=["big", "big", "small", "small"],
        ...                               score=[1, 1, 1, 0], cost=[0.01, 0.01, 0.001, 0.001],
        ...                               tags=[{"easy"}, {"hard"}, {"easy"}, {"hard"}])
        >>> quality = fit_quality(table)
        >>> curve = sweep(lambda floor: quality_floor(quality, floor), [0.0, 0.9], table)
        >>> [(p.knob, p.quality, round(p.cost, 3)) for p in curve.points]
        [(0.0, 0.5, 0.002), (0.9, 1.0, 0.011)]
    """
    knobs = sweep_knobs(make_router, knobs)
    routers = [make_router(knob) for knob in knobs]
    reports = None
    if queries is None and isinstance(outcomes, Outcomes) and routers:
        reports = _tag_sweep(routers, outcomes)
    if reports is None:
        reports = [simulate(router, outcomes, queries=queries) for router in routers]
    points = tuple(
        Point(quality=r.quality, cost=r.cost, shares=r.shares, knob=knob)
        for knob, r in zip(knobs, reports, strict=True)
    )
    return Curve(points=points, baselines=reports[-1].baselines, n=reports[-1].n)


def _tag_sweep(routers: list[Any], outcomes: Outcomes) -> list[SimulationReport] | None:
    """:func:`simulate` for every router, when each chooses by the tags alone.

    The items are grouped by their tag set once; each router then chooses once per
    group, and its replay is the chosen models' per-group tallies added up: the same
    multiset of picked scores (counted) and of spent costs (summed by ``math.fsum``,
    which is exact whatever the order), so the reports equal the item-by-item replay's.
    ``None`` when some router is not such a router (the caller replays item by item).
    """
    if not all(isinstance(_router(r), _TagRouter) and not hasattr(r, "reseed") for r in routers):
        return None
    wanted = outcomes.models
    matrix, items, incomplete, baselines = _prepared(outcomes, wanted)
    if not items:
        return None  # simulate says why
    column = matrix.column
    score, cost = matrix.score, matrix.cost
    groups: dict[frozenset[str], list[int]] = {}
    for i in items:
        groups.setdefault(matrix.item_tags[i], []).append(i)
    tallies = {
        tags: (
            len(members),
            [Counter(score[k][i] for i in members) for k in range(len(column))],
            [[cost[k][i] for i in members] for k in range(len(column))],
        )
        for tags, members in groups.items()
    }
    skipped = {outcomes.items[i]: 0 for i in incomplete}
    reports = []
    for router in routers:
        called = dict.fromkeys(wanted, 0)
        picked: Counter[float] = Counter()
        spent: list[list[float]] = []
        for tags, (size, scores, costs) in tallies.items():
            choice = router.choose(None, tags)
            positions = _columns_of(choice, column)
            for model in choice:
                if model not in called:
                    raise ValidationError(
                        f"the router chose {model!r}, which is not among the models ({', '.join(wanted)})"
                    )
                called[model] += size
            spent.extend(costs[k] for k in positions)
            picked.update(scores[positions[-1]])
        reports.append(
            ReplaySummary(
                models=wanted,
                n=len(items),
                picked=picked,
                spent=(math.fsum(itertools.chain.from_iterable(spent)),),
                called=called,
                choices=MappingProxyType({}),
                baselines=baselines,
                incomplete=skipped,
            ).report()
        )
    return reports


def _upper_hull(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    hull: list[tuple[float, float]] = []
    for p in sorted(set(points)):
        while len(hull) >= 2:
            (x1, y1), (x2, y2) = hull[-2], hull[-1]
            if (x2 - x1) * (p[1] - y1) - (y2 - y1) * (p[0] - x1) >= 0:
                hull.pop()  # hull[-1] lies on or under the chord: not on the upper hull
            else:
                break
        if hull and hull[-1][0] == p[0]:
            hull[-1] = max(hull[-1], p)
        else:
            hull.append(p)
    return hull


def _curve(value: Any) -> Curve:
    if not isinstance(value, Curve):
        raise ValidationError(f"curve must be a Curve (from sweep), got {value!r:.80}")
    return value


def aiq(curve: Curve) -> float:
    """RouterBench's average improvement in quality over the curve's cost range.

    The area under the non-decreasing upper convex hull of the points (cost, quality),
    divided by the range of their costs (the quality itself if they all cost the same).

    Examples:
        >>> points = tuple(Point(quality=q, cost=c) for c, q in [(1, 0.5), (2, 0.9), (3, 0.7), (4, 0.95)])
        >>> round(aiq(Curve(points=points, baselines={}, n=1)), 4)
        0.85
    """
    pairs = [(p.cost, p.quality) for p in _curve(curve).points]
    if not pairs:
        raise ValidationError("the curve has no points")
    hull = _upper_hull(pairs)
    low, high = hull[0][0], hull[-1][0]
    if high == low:
        return max(q for _, q in pairs)
    area = 0.0
    best = hull[0][1]
    for (x1, y1), (x2, y2) in itertools.pairwise(hull):
        a, b = max(y1, best), max(y2, best)
        area += (x2 - x1) * (a + b) / 2.0
        best = max(best, y2)
    return area / (high - low)


def _share_curve(
    curve: Curve, weak: str, strong: str
) -> tuple[list[tuple[float, float]], float, float]:
    curve = _curve(curve)
    for name in (weak, strong):
        text(name, "weak" if name is weak else "strong")
        if name not in curve.baselines:
            raise ValidationError(f"{name!r} is not a model of the curve's outcomes")
    q_weak, q_strong = curve.baselines[weak].quality, curve.baselines[strong].quality
    if q_strong == q_weak:
        raise ValidationError(
            f"{weak!r} and {strong!r} have the same quality; there is no gap to recover"
        )
    points = [(0.0, q_weak), (1.0, q_strong)]
    points += [(p.shares.get(strong, 0.0), p.quality) for p in curve.points]
    return sorted(points), q_weak, q_strong


def apgr(curve: Curve, *, weak: str, strong: str) -> float:
    """RouteLLM's average performance gap recovered (0.5 for a random router).

    The area under quality against the share of calls to ``strong``, over [0, 1] with
    both endpoints (``weak`` alone at 0, ``strong`` alone at 1), minus the weak
    quality, divided by the strong–weak gap.

    Examples:
        >>> baselines = {"weak": Point(quality=0.6, cost=1.0), "strong": Point(quality=0.8, cost=10.0)}
        >>> smart = Point(quality=0.78, cost=4.0, shares={"strong": 0.3, "weak": 0.7})
        >>> round(apgr(Curve(points=(smart,), baselines=baselines, n=1), weak="weak", strong="strong"), 3)
        0.8
    """
    points, q_weak, q_strong = _share_curve(curve, weak, strong)
    area = math.fsum(
        (x2 - x1) * (y1 + y2) / 2.0 for (x1, y1), (x2, y2) in itertools.pairwise(points)
    )
    return (area - q_weak) / (q_strong - q_weak)


def cpt(curve: Curve, fraction: float, *, weak: str, strong: str) -> float:
    """The share of calls to ``strong`` needed to recover ``fraction`` of the gap (RouteLLM's CPT).

    Read off the piecewise-linear curve of quality against share (with both
    endpoints): the smallest share where it reaches ``weak + fraction * gap``.

    Examples:
        >>> baselines = {"weak": Point(quality=0.6, cost=1.0), "strong": Point(quality=0.8, cost=10.0)}
        >>> smart = Point(quality=0.78, cost=4.0, shares={"strong": 0.3, "weak": 0.7})
        >>> round(cpt(Curve(points=(smart,), baselines=baselines, n=1), 0.5, weak="weak", strong="strong"), 4)
        0.1667
    """
    if (
        isinstance(fraction, bool)
        or not isinstance(fraction, (int, float))
        or not 0 <= fraction <= 1
    ):
        raise ValidationError(f"fraction must be between 0 and 1, got {fraction!r:.80}")
    points, q_weak, q_strong = _share_curve(curve, weak, strong)
    target = q_weak + fraction * (q_strong - q_weak)
    rising = q_strong > q_weak
    for (x1, y1), (x2, y2) in itertools.pairwise(points):
        if (y1 >= target) if rising else (y1 <= target):
            return x1
        if ((y2 >= target) if rising else (y2 <= target)) and y2 != y1:
            return x1 + (x2 - x1) * (target - y1) / (y2 - y1)
    return 1.0
