"""Learned routing: quality tables, floor and budget routers, threshold routers, cascades.

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
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable

from attrs import evolve, field, frozen

from modelfolio._catalog.catalog import Catalog, Deployment
from modelfolio._common.errors import ValidationError
from modelfolio._routing.filters import Run
from modelfolio._evaluation.outcomes import Outcomes
from modelfolio._learning.query import QueryQuality
from modelfolio._routing.request import Request, RouteContext
from modelfolio._routing.route import Policy
from modelfolio._routing.scorers import BulkScorer
from modelfolio._routing.state import _optional_text
from modelfolio._evaluation.stats import wilson, z_for
from modelfolio._evaluation.summary import (
    GroupSummary,
    OutcomeSummary,
    exact_mean,
    squared_deviations,
    summarize,
)
from modelfolio._common.table import html_table
from modelfolio._common.validate import check, finite, number, positive_count, text, unit_interval

__all__ = [
    "Bridge",
    "LearnedRouter",
    "QualityTable",
    "best_within",
    "calibrate_threshold",
    "cascade",
    "fit_quality",
    "learned_policy",
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


@frozen(kw_only=True)
class QualityEntry:
    """Quality of one model on one tag (``tag=None``: all its items)."""

    model: str = field(validator=check(text))
    tag: str | None = field(validator=_optional_text)
    mean: float = field(validator=check(finite))
    ci_low: float = field(validator=check(finite))
    ci_high: float = field(validator=check(finite))
    n: int = field(validator=check(positive_count))

    def __attrs_post_init__(self) -> None:
        if not self.ci_low <= self.mean <= self.ci_high:
            raise ValidationError(
                f"entry ({self.model!r}, {self.tag!r}): need ci_low <= mean <= ci_high, "
                f"got {self.ci_low!r}, {self.mean!r}, {self.ci_high!r}"
            )


def _entries(value: Any) -> Mapping[tuple[str, str | None], QualityEntry]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Mapping):
        raise ValidationError(f"entries must map (model, tag) to QualityEntry, got {value!r}")
    for key, entry in value.items():
        if not isinstance(entry, QualityEntry):
            raise ValidationError(f"entries[{key!r}] must be a QualityEntry, got {entry!r}")
        if key != (entry.model, entry.tag):
            raise ValidationError(
                f"entries[{key!r}] holds the entry of {(entry.model, entry.tag)!r}"
            )
    return value if isinstance(value, MappingProxyType) else MappingProxyType(dict(value))


def _costs(value: Any) -> Mapping[str, float]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Mapping) or not value:
        raise ValidationError(
            f"cost_per_item must map at least one model to its cost per item, got {value!r}"
        )
    for model, item_cost in value.items():
        text(model, "cost_per_item")
        number(item_cost, f"cost_per_item[{model!r}]")
    return value if isinstance(value, MappingProxyType) else MappingProxyType(dict(value))


def _open_level(instance: object, attribute: Any, value: Any) -> None:
    unit_interval(value, "level")


def _pick(use: Any) -> Callable[[QualityEntry], float]:
    """The entry's mean, lower or upper bound, by name."""
    picks: dict[str, Callable[[QualityEntry], float]] = {
        "mean": _mean,
        "lower": _low,
        "upper": _high,
    }
    if not isinstance(use, str) or use not in picks:
        raise ValidationError(f"use must be 'mean', 'lower' or 'upper', got {use!r:.80}")
    return picks[use]


def _gone(models: Any) -> set[str]:
    """Model ids to leave out: a lone string is one model."""
    if isinstance(models, str):
        return {models}
    if not isinstance(models, Iterable):
        raise ValidationError(f"models must be model ids, got {models!r:.80}")
    return {text(model, "models") for model in models}


@frozen(kw_only=True)
class QualityTable:
    """Quality per (model, tag) with confidence bounds, and each model's cost per item."""

    entries: Mapping[tuple[str, str | None], QualityEntry] = field(repr=False, converter=_entries)
    """``(model, tag)`` to its entry; ``tag=None`` is the model-wide entry."""
    cost_per_item: Mapping[str, float] = field(converter=_costs)
    """Each model's mean logged cost per item (at least one model)."""
    level: float = field(default=0.95, validator=_open_level)
    """The confidence level of the bounds."""

    def __attrs_post_init__(self) -> None:
        for model in self.cost_per_item:
            if (model, None) not in self.entries:
                raise ValidationError(f"model {model!r} has a cost but no model-wide entry")
        for model, _ in self.entries:
            if model not in self.cost_per_item:
                raise ValidationError(f"model {model!r} has entries but no cost_per_item")

    @property
    def models(self) -> tuple[str, ...]:
        """Every model, sorted."""
        return tuple(sorted(self.cost_per_item))

    def quality(self, model: str, tags: Iterable[str] = (), *, use: str = "mean") -> float:
        """``model``'s quality for ``tags``: the mean over tags it has entries for, else model-wide.

        ``use`` is ``"mean"``, ``"lower"`` or ``"upper"`` (the confidence bounds).
        """
        pick = _pick(use)
        text(model, "model")
        tags = (tags,) if isinstance(tags, str) else tags
        if not isinstance(tags, Iterable):
            raise ValidationError(f"tags must be a tag or a collection of tags, got {tags!r:.80}")
        known = [self.entries[(model, tag)] for tag in tags if (model, tag) in self.entries]
        if not known:
            if (model, None) not in self.entries:
                raise ValidationError(f"model {model!r} is not in the quality table")
            known = [self.entries[(model, None)]]
        return math.fsum(pick(entry) for entry in known) / len(known)

    def without(self, models: Iterable[str]) -> QualityTable:
        """The same table with ``models`` left out."""
        gone = _gone(models)
        if gone >= set(self.cost_per_item):
            raise ValidationError("a quality table needs at least one model left")
        return QualityTable(
            entries=MappingProxyType({k: v for k, v in self.entries.items() if k[0] not in gone}),
            cost_per_item=MappingProxyType(
                {m: c for m, c in self.cost_per_item.items() if m not in gone}
            ),
            level=self.level,
        )

    def as_mapping(self, *, use: str = "mean") -> Mapping[tuple[str, str | None], float]:
        """``{(model, tag): quality}``, ready for :func:`~modelfolio.by_quality`."""
        pick = _pick(use)
        return MappingProxyType({key: pick(entry) for key, entry in self.entries.items()})

    def to_rows(self) -> list[dict[str, object]]:
        """One plain dict per (model, tag)."""
        return [
            {
                "model": e.model,
                "tag": e.tag,
                "mean": e.mean,
                "ci_low": e.ci_low,
                "ci_high": e.ci_high,
                "n": e.n,
                "cost_per_item": self.cost_per_item[e.model],
            }
            for _, e in sorted(self.entries.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))
        ]

    def _repr_html_(self) -> str:
        return html_table(self.to_rows(), caption="Quality table")


def _mean(entry: QualityEntry) -> float:
    return entry.mean


def _low(entry: QualityEntry) -> float:
    return entry.ci_low


def _high(entry: QualityEntry) -> float:
    return entry.ci_high


def fit_quality(outcomes: Outcomes, *, level: float = 0.95) -> QualityTable:
    """Quality per (model, tag), with confidence bounds and counts, and cost per item.

    Every item counts towards its model's model-wide entry (``tag=None``), and towards
    one entry per tag it carries. Bounds are Wilson's for 0/1 scores and a normal
    approximation otherwise.

    Examples:
        >>> table = Outcomes.from_columns(item=[1, 2, 1, 2], model=["big", "big", "small", "small"],
        ...                               score=[1, 1, 1, 0], cost=[0.01, 0.01, 0.001, 0.001],
        ...                               tags=[{"easy"}, {"hard"}, {"easy"}, {"hard"}])
        >>> q = fit_quality(table)
        >>> q.quality("small", ["easy"]), q.quality("small", ["hard"]), q.quality("small")
        (1.0, 0.0, 0.5)
    """
    if not isinstance(outcomes, Outcomes):
        raise ValidationError(f"outcomes must be an Outcomes table, got {outcomes!r}")
    unit_interval(level, "level")
    if not len(outcomes):
        raise ValidationError("outcomes is empty: a quality table needs at least one outcome")
    return quality_of(summarize(outcomes), level=level)


def quality_of(summary: OutcomeSummary, *, level: float = 0.95) -> QualityTable:
    """The quality table of a (merged) :class:`~modelfolio.OutcomeSummary`."""
    if not isinstance(summary, OutcomeSummary):
        raise ValidationError(f"summary must be an OutcomeSummary, got {summary!r:.80}")
    unit_interval(level, "level")
    if not summary.rows:
        raise ValidationError("outcomes is empty: a quality table needs at least one outcome")
    binary = summary.binary
    merged: dict[tuple[str, str | None], GroupSummary] = {}
    for (model, tag_set, _), group in sorted(
        summary.groups.items(), key=lambda kv: (kv[0][0], sorted(kv[0][1]), str(kv[0][2]))
    ):
        for key in (None, *sorted(tag_set)):
            mine = merged.get((model, key))
            merged[(model, key)] = group if mine is None else mine.merge(group)
    entries: dict[tuple[str, str | None], QualityEntry] = {}
    costs: dict[str, float] = {}
    for (model, key), group in sorted(
        merged.items(), key=lambda kv: (kv[0][0], kv[0][1] is not None, kv[0][1] or "")
    ):
        if key is None:
            costs[model] = math.fsum(group.costs) / group.n
        entries[(model, key)] = _entry(model, key, group.scores, binary, level)
    return QualityTable(
        entries=MappingProxyType(entries), cost_per_item=MappingProxyType(costs), level=level
    )


def _entry(
    model: str, tag: str | None, counts: Mapping[float, int], binary: bool, level: float
) -> QualityEntry:
    n = sum(counts.values())
    mean = exact_mean(counts)
    if binary:
        low, high = wilson(counts.get(1.0, 0), n, level)
    else:
        spread = math.sqrt(squared_deviations(counts) / max(n - 1, 1) / n)
        low, high = mean - z_for(level) * spread, mean + z_for(level) * spread
    return QualityEntry(model=model, tag=tag, mean=mean, ci_low=low, ci_high=high, n=n)


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
    leaving = _gone(gone)  # once: a generator would be spent after the first model
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


def _deployment_ids(value: str | Iterable[str]) -> tuple[str, ...]:
    if not isinstance(value, (str, Iterable)):
        raise ValidationError(f"a bridge maps a model to deployment ids, got {value!r:.80}")
    ids = (value,) if isinstance(value, str) else tuple(value)
    if not ids or not all(isinstance(v, str) and v for v in ids):
        raise ValidationError(f"a bridge maps a model to deployment ids, got {value!r}")
    return ids


def _bridge_map(value: Mapping[str, str | Iterable[str]]) -> Mapping[str, tuple[str, ...]]:
    if not isinstance(value, Mapping):
        raise ValidationError(
            f"a bridge is a mapping from outcome model to deployments, got {value!r}"
        )
    return MappingProxyType({str(k): _deployment_ids(v) for k, v in value.items()})


@frozen
class Bridge:
    """Which catalog deployments serve each model named in the outcomes.

    Values may be deployment ids or catalog model ids (all their deployments).

    Examples:
        >>> from modelfolio import reference_catalog
        >>> bridge = Bridge({"gpt-4-1106-preview": "gpt-5", "mixtral": ["together_ai/llama-3.3-70b"]})
        >>> [d.id for d in bridge.deployments("gpt-4-1106-preview", reference_catalog())]
        ['azure/gpt-5', 'azure/gpt-5@batch', 'openai/gpt-5', 'openai/gpt-5@batch', 'openai/gpt-5@flex']
    """

    models: Mapping[str, tuple[str, ...]] = field(converter=_bridge_map)
    """Outcome model id to catalog deployment ids or model ids."""

    def deployments(self, model: str, catalog: Catalog) -> tuple[Deployment, ...]:
        """The deployments of ``catalog`` that serve outcome model ``model``."""
        if model not in self.models:
            raise ValidationError(f"the bridge does not say which deployments serve {model!r}")
        found: dict[str, Deployment] = {}
        for name in self.models[model]:
            if name in catalog:
                found[name] = catalog.deployment(name)
            else:
                served = catalog.serving(name)
                if not served:
                    raise ValidationError(
                        f"{name!r} (for {model!r}) is neither a deployment nor a model of the catalog"
                    )
                found.update((d.id, d) for d in served)
        return tuple(found[k] for k in sorted(found))

    def check(self, router_models: Iterable[str], catalog: Catalog) -> None:
        """Raise unless every model the router may choose reaches a deployment of ``catalog``."""
        for model in router_models:
            self.deployments(model, catalog)


class _LearnedScorer(BulkScorer):
    """Ranks the router's choice first (in cascade order), then everything else by ``then``."""

    name = "learned"

    def __init__(self, router: LearnedRouter, bridge: Bridge, then: Any) -> None:
        self.router, self.bridge, self.then = router, bridge, then
        # (id of catalog, choice) -> (the catalog itself, deployment id -> rank); keeping
        # the catalog alive keeps its id from being reused by another one.
        self._ranks: dict[tuple[int, tuple[str, ...]], tuple[Catalog, dict[str, int]]] = {}

    def _rank_of(self, request: Request, catalog: Catalog) -> dict[str, int]:
        query = request if request.query is None else request.query
        choice = tuple(self.router.choose(query, request.tags))
        key = (id(catalog), choice)
        entry = self._ranks.get(key)
        if entry is None or entry[0] is not catalog:
            ranks: dict[str, int] = {}
            for position, model in enumerate(choice):
                for deployment in self.bridge.deployments(model, catalog):
                    ranks.setdefault(deployment.id, position)
            if len(self._ranks) > 1024:
                self._ranks.clear()
            entry = self._ranks[key] = (catalog, ranks)
        return entry[1]

    def __call__(self, request: Request, deployment: Deployment, context: RouteContext) -> float:
        rank = self._rank_of(request, context.catalog).get(deployment.id, 10**6)
        return rank * _SEPARATION + _bounded(self.then(request, deployment, context))

    def scores(self, run: Run, positions: tuple[int, ...]) -> list[float]:
        ranks = self._rank_of(run.request, run.catalog)
        ids = run.columns.ids
        then = (
            self.then.scores(run, positions)
            if isinstance(self.then, BulkScorer)
            else [
                self.then(run.request, run.columns.deployments[i], run.context) for i in positions
            ]
        )
        outside = 10**6
        return [
            ranks.get(ids[i], outside) * _SEPARATION + _bounded(value)
            for i, value in zip(positions, then, strict=True)
        ]


# Rank bands far apart, so the router's order always wins over the tie-breaking score.
_SEPARATION = 1e12


def _bounded(value: float) -> float:
    return max(-1e11, min(1e11, value))


def learned_policy(
    router: LearnedRouter, bridge: Bridge, *, policy: Policy | None = None
) -> Policy:
    """A :class:`~modelfolio.Policy` that routes by ``router``, through ``bridge``.

    The router's choice (for a cascade, its models in order) ranks first; within one
    model's deployments, and for every other deployment behind them, the base policy's
    scorer decides. Filters, budgets, health, diversity of fallbacks and explanations
    are the base policy's.

    Examples:
        >>> from modelfolio import Request, reference_catalog, route
        >>> router = threshold_router(lambda request: request.input_tokens / 10_000,
        ...                           strong="frontier", weak="small", threshold=0.5)
        >>> bridge = Bridge({"frontier": "claude-sonnet-4-5", "small": "gemini-2.5-flash-lite"})
        >>> policy = learned_policy(router, bridge)
        >>> route(Request(input_tokens=9_000, output_tokens=500), reference_catalog(), policy, now=0.0).chosen.id
        'anthropic/claude-sonnet-4-5'
        >>> route(Request(input_tokens=900, output_tokens=500), reference_catalog(), policy, now=0.0).chosen.id
        'gemini/gemini-2.5-flash-lite'
    """
    if not isinstance(router, LearnedRouter):
        raise ValidationError(f"router must have a choose(query, tags) method, got {router!r}")
    if not isinstance(bridge, Bridge):
        raise ValidationError(f"bridge must be a Bridge, got {bridge!r}")
    if policy is not None and not isinstance(policy, Policy):
        raise ValidationError(f"policy must be a Policy or None, got {policy!r:.80}")
    base = Policy() if policy is None else policy
    return evolve(base, score=_LearnedScorer(router, bridge, base.score))
