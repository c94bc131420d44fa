"""Learned routers: floor and budget routers, threshold routers, cascades.

A learned router answers one question: *which model (or which models, in order) for
this query?* It is written once and used twice:

- **offline**, :func:`~modelfolio.simulate` replays logged outcomes through it; the
  query is the item id and its tags come from the outcomes;
- **online**, :func:`learned_policy` turns it into a :class:`~modelfolio.Policy` for
  :func:`~modelfolio.route`; the query is the :class:`~modelfolio.Request` and its tags
  are ``request.tags``.

Every router has ``choose(query, tags) -> tuple of model ids`` (one model, or a
cascade's models in the order they would be tried). The **bridge** between the two
worlds is explicit: outcomes name *models* (``"gpt-4-1106-preview"``), a catalog names
*deployments* (``"azure/gpt-4o"``). A :class:`Bridge` maps each outcome model to the
deployments (or catalog model ids) that serve it; online, the router's choice ranks
first among those deployments, and every other deployment keeps its place behind them
as a fallback. Deployments the router never mentions are still filtered, explained
and available, so a learned policy is a normal policy with a better first choice.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from modelfolio._common.errors import ValidationError
from modelfolio._common.validate import (
    number,
    text,
)
from modelfolio._evaluation.outcomes import Outcomes
from modelfolio._evaluation.quality import QualityTable, dropped_models
from modelfolio._learning.query import QueryQuality

__all__ = [
    "LearnedRouter",
    "best_within",
    "calibrate_threshold",
    "cascade",
    "optimize_cascade",
    "quality_floor",
    "threshold_router",
]


@runtime_checkable
class LearnedRouter(Protocol):
    """What :func:`~modelfolio.simulate` and :func:`learned_policy` need of a router."""

    def choose(self, query: Any, tags: frozenset[str]) -> tuple[str, ...]:
        """The model to use for ``query`` (a cascade: the models in order)."""
        ...


class _TagRouter:
    """A router whose choice depends only on the tags: choices are memoised per tag set."""

    def __init__(self) -> None:
        self._memo: dict[frozenset[str], tuple[str, ...]] = {}

    def for_tags(self, tags: frozenset[str]) -> tuple[str, ...]:
        raise NotImplementedError

    def choose(self, query: Any, tags: frozenset[str]) -> tuple[str, ...]:
        choice = self._memo.get(tags)
        if choice is None:
            choice = self._memo[tags] = self.for_tags(tags)
        return choice


class _QualityFloor(_TagRouter):
    def __init__(self, table: QualityTable, floor: float, use: str) -> None:
        super().__init__()
        self.table, self.floor, self.use = table, floor, use

    def for_tags(self, tags: frozenset[str]) -> tuple[str, ...]:
        table = self.table
        quality = {m: table.quality(m, tags, use=self.use) for m in table.models}
        good = [m for m in table.models if quality[m] >= self.floor]
        if good:
            return (min(good, key=lambda m: (table.cost_per_item[m], -quality[m], m)),)
        return (min(table.models, key=lambda m: (-quality[m], table.cost_per_item[m], m)),)

    def without(self, models: Iterable[str]) -> LearnedRouter:
        """The same router over the table without ``models``."""
        return _QualityFloor(self.table.without(models), self.floor, self.use)

    def __repr__(self) -> str:
        return f"quality_floor(floor={self.floor:g}, use={self.use!r})"


class _QueryFloor:
    reads_queries = True  # replayed, it needs each item's query, not its id

    def __init__(self, quality: QueryQuality, floor: float, models: tuple[str, ...]) -> None:
        self.quality, self.floor, self.models = quality, floor, models
        cost = quality.cost_per_item
        # Candidates in the order they win: cheapest first, then by name.
        self._by_cost = sorted(models, key=lambda m: (cost[m], m))
        self._position = {m: quality.models.index(m) for m in models}

    def choose(self, query: Any, tags: frozenset[str]) -> tuple[str, ...]:
        predicted = self.quality._predict(self.quality._query_of(query), tags)
        position, cost = self._position, self.quality.cost_per_item
        for model in self._by_cost:
            if predicted[position[model]] >= self.floor:
                return (model,)
        return (min(self.models, key=lambda m: (-predicted[position[m]], cost[m], m)),)

    def without(self, models: Iterable[str]) -> LearnedRouter:
        """The same router without ``models``."""
        return _QueryFloor(self.quality, self.floor, _remaining(self.models, models))

    def __repr__(self) -> str:
        return f"quality_floor(QueryQuality, floor={self.floor:g})"


def _remaining(models: tuple[str, ...], gone: Iterable[str]) -> tuple[str, ...]:
    leaving = dropped_models(gone)  # once: a generator would be spent after the first model
    left = tuple(m for m in models if m not in leaving)
    if not left:
        raise ValidationError("a router needs at least one model left")
    return left


def _number_or_infinity(value: Any, name: str) -> float:
    """A real number as a float (infinities allowed: "always" or "never"); NaN refused."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(f"{name} must be a number, got {value!r:.40}")
    try:
        result = float(value)
    except OverflowError:  # an integer beyond float range: refuse rather than crash
        raise ValidationError(
            f"{name} must be a number within float range, got {value!r:.40}"
        ) from None
    if result != result:
        raise ValidationError(f"{name} must be a number, got {value!r}")
    return result


def quality_floor(
    table: QualityTable | QueryQuality, floor: float, *, use: str = "mean"
) -> LearnedRouter:
    """Router: the cheapest model whose quality for the query's tags reaches ``floor``.

    With ``use="lower"`` the lower confidence bound must reach the floor instead of the
    mean. When no model reaches it, the best one is taken. Given a
    :class:`~modelfolio.QueryQuality` instead of a table, the quality is each model's
    prediction for the query itself (``use`` must be ``"mean"``).

    Examples:
        >>> from modelfolio import fit_quality
        >>> table = Outcomes.from_columns(item=[1, 2, 1, 2], model=["big", "big", "small", "small"],
        ...                               score=[1, 1, 1, 0], cost=[0.01, 0.01, 0.001, 0.001],
        ...                               tags=[{"easy"}, {"hard"}, {"easy"}, {"hard"}])
        >>> router = quality_floor(fit_quality(table), 0.9)
        >>> router.choose("q7", frozenset({"easy"})), router.choose("q8", frozenset({"hard"}))
        (('small',), ('big',))
    """
    if not isinstance(table, (QualityTable, QueryQuality)):
        raise ValidationError(f"table must be a QualityTable or a QueryQuality, got {table!r}")
    floor = _number_or_infinity(floor, "floor")
    if use not in ("mean", "lower"):
        raise ValidationError(f"use must be 'mean' or 'lower', got {use!r}")
    if isinstance(table, QueryQuality):
        if use != "mean":
            raise ValidationError("use='lower' needs a QualityTable; a QueryQuality has no bounds")
        return _QueryFloor(table, float(floor), table.models)
    return _QualityFloor(table, float(floor), use)


class _BestWithin(_TagRouter):
    def __init__(self, table: QualityTable, max_cost: float) -> None:
        super().__init__()
        self.table, self.max_cost = table, max_cost

    def for_tags(self, tags: frozenset[str]) -> tuple[str, ...]:
        table = self.table
        affordable = [m for m in table.models if table.cost_per_item[m] <= self.max_cost]
        if not affordable:
            return (min(table.models, key=lambda m: (table.cost_per_item[m], m)),)
        return (
            min(affordable, key=lambda m: (-table.quality(m, tags), table.cost_per_item[m], m)),
        )

    def without(self, models: Iterable[str]) -> LearnedRouter:
        """The same router over the table without ``models``."""
        return _BestWithin(self.table.without(models), self.max_cost)

    def __repr__(self) -> str:
        return f"best_within(max_cost={self.max_cost:g})"


class _QueryBest:
    reads_queries = True  # replayed, it needs each item's query, not its id

    def __init__(self, quality: QueryQuality, max_cost: float, models: tuple[str, ...]) -> None:
        self.quality, self.max_cost, self.models = quality, max_cost, models
        cost = quality.cost_per_item
        affordable = [m for m in models if cost[m] <= max_cost]
        self._cheapest = min(models, key=lambda m: (cost[m], m))
        self._affordable = [(m, quality.models.index(m)) for m in affordable]

    def choose(self, query: Any, tags: frozenset[str]) -> tuple[str, ...]:
        if not self._affordable:
            return (self._cheapest,)
        predicted = self.quality._predict(self.quality._query_of(query), tags)
        cost = self.quality.cost_per_item
        return (min(self._affordable, key=lambda mp: (-predicted[mp[1]], cost[mp[0]], mp[0]))[0],)

    def without(self, models: Iterable[str]) -> LearnedRouter:
        """The same router without ``models``."""
        return _QueryBest(self.quality, self.max_cost, _remaining(self.models, models))

    def __repr__(self) -> str:
        return f"best_within(QueryQuality, max_cost={self.max_cost:g})"


def best_within(table: QualityTable | QueryQuality, max_cost: float) -> LearnedRouter:
    """Router: the best model for the query's tags among those costing at most ``max_cost`` per item.

    When none is that cheap, the cheapest is taken. Given a
    :class:`~modelfolio.QueryQuality`, "best" is the highest prediction for the query.

    Examples:
        >>> from modelfolio import fit_quality
        >>> table = Outcomes.from_columns(item=[1, 2, 1, 2], model=["big", "big", "small", "small"],
        ...                               score=[1, 1, 1, 0], cost=[0.01, 0.01, 0.001, 0.001])
        >>> quality = fit_quality(table)
        >>> best_within(quality, 0.02).choose(1, frozenset()), best_within(quality, 0.005).choose(1, frozenset())
        (('big',), ('small',))
    """
    if not isinstance(table, (QualityTable, QueryQuality)):
        raise ValidationError(f"table must be a QualityTable or a QueryQuality, got {table!r}")
    max_cost = _number_or_infinity(max_cost, "max_cost")
    if isinstance(table, QueryQuality):
        return _QueryBest(table, float(max_cost), table.models)
    return _BestWithin(table, float(max_cost))


class _Threshold:
    def __init__(
        self, score: Callable[..., float], strong: str, weak: str, threshold: float
    ) -> None:
        self.score, self.strong, self.weak, self.threshold = score, strong, weak, threshold

    def choose(self, query: Any, tags: frozenset[str]) -> tuple[str, ...]:
        score = (
            self.score(query, tags)
            if getattr(self.score, "takes_tags", False)
            else self.score(query)
        )
        return (self.strong,) if score >= self.threshold else (self.weak,)

    @property
    def reads_queries(self) -> bool:
        """Whether the score reads each query (a :class:`~modelfolio.QueryQuality`'s gap)."""
        return bool(getattr(self.score, "reads_queries", False))

    def without(self, models: Iterable[str]) -> LearnedRouter:
        """Without the strong model every query goes to the weak one, and the other way round."""
        gone = set(models)
        if {self.strong, self.weak} <= gone:
            raise ValidationError(
                f"without {self.strong!r} and {self.weak!r} a threshold router has nothing to choose"
            )
        if self.strong in gone:
            return _Threshold(self.score, self.weak, self.weak, self.threshold)
        if self.weak in gone:
            return _Threshold(self.score, self.strong, self.strong, self.threshold)
        return self

    def __repr__(self) -> str:
        return f"threshold_router(strong={self.strong!r}, weak={self.weak!r}, threshold={self.threshold:g})"


def threshold_router(
    score: Callable[[Any], float] | QueryQuality, *, strong: str, weak: str, threshold: float
) -> LearnedRouter:
    """Router: ``strong`` when ``score(query) >= threshold``, else ``weak`` (as RouteLLM).

    ``score`` estimates how much the query needs the strong model; offline it gets the
    item id (or the item's query, when :func:`~modelfolio.simulate` is given
    ``queries``), online the :class:`~modelfolio.Request` (or its ``query``, when set).
    A :class:`~modelfolio.QueryQuality` as ``score`` means its ``gap(strong, weak)``:
    the predicted score of ``strong`` minus that of ``weak``; pick the threshold for a
    share of strong calls with :func:`calibrate_threshold`.

    Examples:
        >>> router = threshold_router(lambda q: 0.9 if q == "hard" else 0.1, strong="gpt-4", weak="mixtral", threshold=0.5)
        >>> router.choose("hard", frozenset()), router.choose("easy", frozenset())
        (('gpt-4',), ('mixtral',))
    """
    if isinstance(score, QueryQuality):
        score = score.gap(strong, weak)
    if not callable(score):
        raise ValidationError(f"score must be a function of the query, got {score!r}")
    threshold = _number_or_infinity(threshold, "threshold")
    return _Threshold(score, strong, weak, threshold)


def calibrate_threshold(scores: Iterable[float], strong_share: float) -> float:
    """The threshold that sends ``strong_share`` of ``scores`` to the strong model.

    The ``k = round(strong_share * n)`` highest scores reach it (ties can send more).

    Examples:
        >>> calibrate_threshold([0.1, 0.4, 0.35, 0.8, 0.9], 0.4)
        0.8
    """
    if isinstance(scores, (str, bytes)) or not isinstance(scores, Iterable):
        raise ValidationError(f"scores must be a collection of numbers, got {scores!r}")
    values = []
    for k, value in enumerate(scores):
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
        ):
            raise ValidationError(f"scores[{k}] must be a finite number, got {value!r}")
        values.append(float(value))
    values.sort(reverse=True)
    if not values:
        raise ValidationError("scores must not be empty")
    if (
        isinstance(strong_share, bool)
        or not isinstance(strong_share, (int, float))
        or not 0 <= strong_share <= 1
    ):
        raise ValidationError(f"strong_share must be between 0 and 1, got {strong_share!r}")
    k = round(strong_share * len(values))
    if k == 0:
        return math.nextafter(values[0], math.inf)
    return values[k - 1]


class _Cascade:
    def __init__(self, steps: tuple[tuple[str, float, Callable[[Any, str], float]], ...]) -> None:
        self.steps = steps

    def choose(self, query: Any, tags: frozenset[str]) -> tuple[str, ...]:
        tried = []
        for model, threshold, acceptance in self.steps[:-1]:
            tried.append(model)
            if acceptance(query, model) >= threshold:
                return tuple(tried)
        tried.append(self.steps[-1][0])
        return tuple(tried)

    def without(self, models: Iterable[str]) -> LearnedRouter:
        """The cascade with the steps of ``models`` dropped."""
        gone = set(models)
        steps = tuple(step for step in self.steps if step[0] not in gone)
        if not steps:
            raise ValidationError("without those models the cascade has no step left")
        return _Cascade(steps)

    def __repr__(self) -> str:
        return "cascade(" + ", ".join(f"({m!r}, {t:g})" for m, t, _ in self.steps) + ")"


def cascade(
    steps: Sequence[tuple[str, float] | tuple[str, float, Callable[[Any, str], float]]],
    *,
    acceptance: Callable[[Any, str], float] | None = None,
) -> LearnedRouter:
    """Router: try models in order; accept a step's answer when its acceptance score for the
    query reaches the step's threshold, else escalate (the last step always answers).

    A step is ``(model, threshold)``, scored by ``acceptance(query, model)``, or
    ``(model, threshold, acceptance)`` with its own scorer. As in FrugalGPT, the
    acceptance score is a caller-supplied estimate of how reliable that model's answer
    to that query is. The router's choice is every model tried, in order; its cost is
    their summed cost.

    Examples:
        >>> accept = {("q1", "small"): 0.9, ("q2", "small"): 0.2}
        >>> router = cascade([("small", 0.5), ("big", 0.0)], acceptance=lambda q, m: accept.get((q, m), 1.0))
        >>> router.choose("q1", frozenset()), router.choose("q2", frozenset())
        (('small',), ('small', 'big'))
    """
    if isinstance(steps, (str, bytes)) or not isinstance(steps, Iterable):
        raise ValidationError(
            f"steps must be a sequence of (model, threshold) steps, got {steps!r}"
        )
    materialised = []
    for step in steps:
        if not isinstance(step, tuple) or len(step) not in (2, 3):
            raise ValidationError(
                f"a cascade step is (model, threshold) or (model, threshold, acceptance), got {step!r}"
            )
        scorer = step[2] if len(step) == 3 else acceptance
        if not callable(scorer):
            raise ValidationError(
                f"step {step[0]!r} has no acceptance function: pass acceptance= or a third element"
            )
        threshold = step[1]
        if (
            isinstance(threshold, bool)
            or not isinstance(threshold, (int, float))
            or math.isnan(threshold)
        ):
            raise ValidationError(f"step {step[0]!r} threshold must be a number, got {threshold!r}")
        materialised.append((text(step[0], "cascade step model"), float(threshold), scorer))
    if not materialised:
        raise ValidationError("a cascade needs at least one step")
    if len({m for m, _, _ in materialised}) != len(materialised):
        raise ValidationError(
            f"a cascade tries each model once, got {[m for m, _, _ in materialised]!r}"
        )
    return _Cascade(tuple(materialised))


def optimize_cascade(
    outcomes: Outcomes,
    acceptance: Callable[[Any, str], float],
    *,
    budget: float,
    max_steps: int = 3,
    grid: int = 8,
) -> LearnedRouter:
    """The cascade with the best mean score whose mean cost per item stays within ``budget``.

    A **search**, documented as such: it tries every sequence of up to ``max_steps``
    models ordered from cheapest to dearest (cost per item on these items; escalating
    to a cheaper model never pays), and for each, every combination of thresholds from
    a grid of ``grid`` quantiles of that step's acceptance scores (plus "always accept").
    It keeps the best mean score within budget (ties: cheaper, then shorter). Items
    where any model lacks a score are left out. Fit on training items and check the
    result on held-out ones with :func:`~modelfolio.simulate`.

    If no cascade fits the budget, the cheapest single model is returned.

    Examples:
        >>> table = Outcomes.from_columns(item=[1, 2, 1, 2], model=["big", "big", "small", "small"],
        ...                               score=[1, 1, 1, 0], cost=[0.01, 0.01, 0.001, 0.001])
        >>> confident = {(1, "small"): 0.9, (2, "small"): 0.2}
        >>> router = optimize_cascade(table, lambda item, model: confident.get((item, model), 1.0), budget=0.01)
        >>> router.choose(1, frozenset()), router.choose(2, frozenset())
        (('small',), ('small', 'big'))
    """
    if not isinstance(outcomes, Outcomes):
        raise ValidationError(f"outcomes must be an Outcomes table, got {outcomes!r}")
    if isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 1:
        raise ValidationError(f"max_steps must be an integer >= 1, got {max_steps!r}")
    if isinstance(grid, bool) or not isinstance(grid, int) or not 1 <= grid <= 1_000:
        raise ValidationError(f"grid must be an integer from 1 to 1,000, got {grid!r}")
    if not callable(acceptance):
        raise ValidationError(
            f"acceptance must be a function of (query, model), got {acceptance!r}"
        )
    budget = number(budget, "budget")
    matrix = outcomes.matrix()
    items = matrix.complete_items()
    if not items:
        raise ValidationError("no item has a score for every model")
    models = list(outcomes.models)
    n = len(items)
    score = {m: [matrix.score[matrix.column[m]][i] for i in items] for m in models}
    spend = {m: [matrix.cost[matrix.column[m]][i] for i in items] for m in models}
    keys = [outcomes.items[i] for i in items]
    accept = {m: [acceptance(key, m) for key in keys] for m in models}
    per_item = {m: math.fsum(spend[m]) / n for m in models}
    order = sorted(models, key=lambda m: (per_item[m], m))
    best: tuple[float, float, int, tuple[tuple[str, float], ...]] | None = None
    for length in range(1, min(max_steps, len(models)) + 1):
        for sequence in itertools.combinations(order, length):
            grids = [_threshold_grid(accept[m], grid) for m in sequence[:-1]]
            for thresholds in itertools.product(*grids):
                quality, cost_total = _replay_cascade(sequence, thresholds, score, spend, accept, n)
                mean_cost = cost_total / n
                if mean_cost > budget * (1 + 1e-12):
                    continue
                candidate = (
                    -quality / n,
                    mean_cost,
                    length,
                    tuple(zip(sequence, (*thresholds, 0.0), strict=True)),
                )
                if best is None or candidate[:3] < best[:3]:
                    best = candidate
    if best is None:
        return cascade([(order[0], 0.0)], acceptance=acceptance)
    return cascade(list(best[3]), acceptance=acceptance)


def _threshold_grid(values: list[float], size: int) -> list[float]:
    ordered = sorted(values)
    points = {
        ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]
        for q in (k / size for k in range(size + 1))
    }
    points.add(-math.inf)  # always accept at this step
    return sorted(points)


def _replay_cascade(
    sequence: Sequence[str],
    thresholds: Sequence[float],
    score: Mapping[str, list[float]],
    spend: Mapping[str, list[float]],
    accept: Mapping[str, list[float]],
    n: int,
) -> tuple[float, float]:
    quality = cost_total = 0.0
    last = sequence[-1]
    for i in range(n):
        for model, threshold in zip(sequence, thresholds, strict=False):
            cost_total += spend[model][i]
            if accept[model][i] >= threshold:
                quality += score[model][i]
                break
        else:
            cost_total += spend[last][i]
            quality += score[last][i]
    return quality, cost_total
