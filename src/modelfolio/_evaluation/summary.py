"""Summaries that merge: evaluate logs piece by piece, anywhere, and get the same answer.

A log too big for one process is evaluated one part at a time (a Parquet file, a Dask
partition, a Spark group): each part becomes a summary, summaries merge (the merge is
associative and commutative), and the merged summary finishes into the very result the
in-memory function gives on the whole log. The in-memory functions are themselves
"summarise the whole table, then finish", so there is one computation, not two.

- :class:`OutcomeSummary` (:func:`summarize`) holds, per (model, tag set, split): each
  distinct score with its count, each distinct latency with its count, and the summed
  costs. It finishes into :func:`~modelfolio.leaderboard` (any ``tags`` / ``split``
  filter) and :func:`~modelfolio.fit_quality`. Any partitioning of the rows works.
- :class:`PairSummary` (:func:`summarize_pair`) holds two models' paired differences
  (distinct value → count) and finishes into :func:`~modelfolio.compare` and
  :func:`~modelfolio.non_inferiority`. Pairing needs both rows of an item in the same
  part; an item whose rows were split between parts is found when the parts merge, and
  refused with an error naming the item and both parts.

Why exact: sums of scores are computed exactly (each float is an exact binary fraction)
and rounded once, and resampling reads the distinct values in sorted order from a
generator seeded by (seed, model), so the result does not depend on how the rows were
split or in which order parts arrive. Costs are summed with ``math.fsum`` per part and
the parts' sums with ``fsum`` again: within a few units in the last place of the
single-pass sum (exact when there is one part).

Memory is the number of *distinct* scores and latencies per group: a few entries for
0/1 or rubric scores, up to one per row for continuous scores or raw latencies (round
latencies to the millisecond to keep a summary small).
"""

from __future__ import annotations

import hashlib
import math
import random
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from operator import itemgetter
from types import MappingProxyType
from typing import Any

from attrs import field, frozen

from modelfolio._common.errors import ValidationError
from modelfolio._common.validate import number, text, unit_interval
from modelfolio._evaluation.outcomes import Outcomes
from modelfolio._evaluation.quality import QualityEntry, QualityTable
from modelfolio._evaluation.results import Comparison, Leaderboard, LeaderboardEntry, NonInferiority
from modelfolio._evaluation.stats import (
    MANY_VALUES,
    bootstrap_mean_interval,
    mcnemar_exact,
    newcombe_paired,
    percentile_interval,
    poisson_means,
    sign_flip_p,
    wilson,
    z_for,
)

__all__ = [
    "GroupSummary",
    "binary_scores",
    "OutcomeSummary",
    "PairSummary",
    "exact_mean",
    "exact_sum",
    "merge_summaries",
    "stream",
    "summarize",
    "summarize_pair",
]

GroupKey = tuple[str, frozenset[str], "str | None"]


def stream(seed: int, *labels: str) -> random.Random:
    """A generator seeded by ``seed`` and ``labels`` (stable across processes and versions).

    Each model's resamples come from its own stream, so a model's interval depends only
    on its own scores and the seed: not on which other models, rows or parts there are.
    """
    key = repr((seed, *labels)).encode()
    return random.Random(int.from_bytes(hashlib.sha256(key).digest()[:16], "big"))


def binary_scores(values: Iterable[float]) -> bool:
    """Whether every score present (NaN means missing) is 0 or 1.

    Examples:
        >>> binary_scores([0.0, 1.0, float("nan")]), binary_scores([0.0, 0.5])
        (True, False)
    """
    return all(v == 0.0 or v == 1.0 for v in set(values) if v == v)


def _scaled(counts: Mapping[float, int]) -> tuple[int, int, int]:
    """(Σ count·value·D, Σ count·(value·D)², D): exact integers over one power of two D."""
    ratios = [(value.as_integer_ratio(), count) for value, count in counts.items()]
    if not ratios:
        return (0, 0, 1)
    scale = max(q for (_, q), _ in ratios)
    total = square = 0
    for (p, q), count in ratios:
        numerator = p * (scale // q)
        total += count * numerator
        square += count * numerator * numerator
    return (total, square, scale)


def exact_sum(counts: Mapping[float, int]) -> float:
    """Σ count · value, rounded once (equal to ``math.fsum`` of the expanded values).

    Examples:
        >>> exact_sum({0.1: 3, 1e16: 1, -1e16: 1})
        0.30000000000000004
    """
    total, _, scale = _scaled(counts)
    return total / scale


def exact_mean(counts: Mapping[float, int]) -> float:
    """The mean of the values given as value → count, rounded once.

    Being correctly rounded, it always lies within [min, max] of the values.

    Examples:
        >>> exact_mean({0.1: 3})
        0.1
    """
    n = sum(counts.values())
    if not n:
        return math.nan
    total, _, scale = _scaled(counts)
    return total / (scale * n)


def squared_deviations(counts: Mapping[float, int]) -> float:
    """Σ count · (value - mean)², computed exactly and rounded once."""
    n = sum(counts.values())
    if not n:
        return math.nan
    total, square, scale = _scaled(counts)
    return (n * square - total * total) / (n * scale * scale)


def quantile_of_counts(counts: Mapping[float, int], q: float) -> float:
    """The ``q`` quantile of the values given as value → count (numpy's linear rule)."""
    n = sum(counts.values())
    if not n:
        return math.nan
    position = q * (n - 1)
    low = math.floor(position)
    high = min(low + 1, n - 1)
    values: dict[int, float] = {}
    seen = 0
    for value in sorted(counts):
        nxt = seen + counts[value]
        for index in (low, high):
            if seen <= index < nxt:
                values[index] = value
        if nxt > high:
            break
        seen = nxt
    return values[low] + (values[high] - values[low]) * (position - low)


def add_counts(a: Mapping[Any, int], b: Mapping[Any, int]) -> Mapping[Any, int]:
    """Two value -> count maps added."""
    if not a:
        return b
    if not b:
        return a
    merged = Counter(a)
    merged.update(b)
    return MappingProxyType(dict(merged))


def _counts(value: Any) -> Mapping[float, int]:
    if isinstance(value, MappingProxyType):
        return value
    if not isinstance(value, Mapping):
        raise ValidationError(
            f"counts must map values to how many rows have them, got {value!r:.80}"
        )
    for key, count in value.items():
        if isinstance(key, bool) or not isinstance(key, (int, float)) or not math.isfinite(key):
            raise ValidationError(f"counts must map finite numbers to counts, got key {key!r:.80}")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValidationError(f"counts must be integers >= 0, got {count!r:.80} for {key!r}")
    return MappingProxyType(dict(value))


@frozen(kw_only=True)
class GroupSummary:
    """The outcomes of one (model, tag set, split): what evaluations need of them.

    Examples:
        >>> a = GroupSummary(scores={1.0: 3, 0.0: 1}, costs=(0.04,))
        >>> merged = a.merge(GroupSummary(scores={1.0: 1}, costs=(0.01,)))
        >>> merged.n, dict(merged.scores), merged.costs
        (5, {1.0: 4, 0.0: 1}, (0.01, 0.04))
    """

    scores: Mapping[float, int] = field(converter=_counts)
    """Each distinct score and how many rows have it."""
    costs: tuple[float, ...] = ()
    """The summed cost of each part merged in (``fsum``), sorted."""
    latencies: Mapping[float, int] = field(factory=dict, converter=_counts)
    """Each distinct measured latency (seconds) and how many rows have it."""

    @property
    def n(self) -> int:
        """Rows summarised."""
        return sum(self.scores.values())

    def merge(self, other: GroupSummary) -> GroupSummary:
        """This group and ``other`` together."""
        return GroupSummary(
            scores=add_counts(self.scores, other.scores),
            costs=tuple(sorted(self.costs + other.costs)),
            latencies=add_counts(self.latencies, other.latencies),
        )


def _groups(value: Any) -> Mapping[GroupKey, GroupSummary]:
    if isinstance(value, MappingProxyType):
        return value
    if not isinstance(value, Mapping):
        raise ValidationError(
            f"groups must map (model, tag set, split) to a GroupSummary, got {value!r:.80}"
        )
    for key, group in value.items():
        if (
            not isinstance(key, tuple)
            or len(key) != 3
            or not isinstance(key[0], str)
            or not isinstance(key[1], frozenset)
            or not isinstance(key[2], (str, type(None)))
        ):
            raise ValidationError(
                f"groups keys must be (model, frozenset of tags, split), got {key!r:.80}"
            )
        if not isinstance(group, GroupSummary):
            raise ValidationError(f"groups must hold GroupSummary values, got {group!r:.80}")
    return MappingProxyType(dict(value))


@frozen(kw_only=True)
class OutcomeSummary:
    """A mergeable summary of outcomes; finishes into leaderboards and quality tables.

    Examples:
        >>> from modelfolio import fit_quality, leaderboard
        >>> part1 = Outcomes.from_columns(item=[1, 2], model=["a", "b"], score=[1, 0])
        >>> part2 = Outcomes.from_columns(item=[2, 1], model=["a", "b"], score=[1, 1])
        >>> whole = Outcomes.concat([part1, part2])
        >>> merged = summarize(part1).merge(summarize(part2))
        >>> merged.leaderboard() == leaderboard(whole)
        True
        >>> merged.fit_quality() == fit_quality(whole)
        True
    """

    groups: Mapping[GroupKey, GroupSummary] = field(converter=_groups)
    """(model, tag set, split) -> its :class:`GroupSummary`."""
    has_latency: bool = False
    """Whether any row had a measured latency."""

    @property
    def binary(self) -> bool:
        """Whether every score is 0 or 1."""
        return all(v == 0.0 or v == 1.0 for g in self.groups.values() for v in g.scores)

    @property
    def rows(self) -> int:
        """Rows summarised."""
        return sum(g.n for g in self.groups.values())

    @property
    def models(self) -> tuple[str, ...]:
        """The models, sorted."""
        return tuple(sorted({model for model, _, _ in self.groups}))

    def merge(self, other: OutcomeSummary) -> OutcomeSummary:
        """This summary and ``other`` together (associative and commutative)."""
        if not isinstance(other, OutcomeSummary):
            raise ValidationError(f"can only merge an OutcomeSummary, got {other!r:.80}")
        groups = dict(self.groups)
        for key, group in other.groups.items():
            mine = groups.get(key)
            groups[key] = group if mine is None else mine.merge(group)
        return OutcomeSummary(groups=groups, has_latency=self.has_latency or other.has_latency)

    def model_groups(
        self, *, tags: Iterable[str] | None = None, split: str | None = None
    ) -> dict[str, GroupSummary]:
        """Each model's rows whose tags include ``tags`` and whose split is ``split``."""
        if tags is not None and not isinstance(tags, (str, Iterable)):
            raise ValidationError(f"tags must be a tag or a collection of tags, got {tags!r:.80}")
        wanted = frozenset((tags,) if isinstance(tags, str) else (tags or ()))
        for tag in wanted:
            if not isinstance(tag, str):
                raise ValidationError(f"tags must be strings, got {tag!r:.80}")
        merged: dict[str, GroupSummary] = {}
        for (model, tag_set, part_split), group in sorted(
            self.groups.items(), key=lambda kv: (kv[0][0], sorted(kv[0][1]), str(kv[0][2]))
        ):
            if wanted <= tag_set and (split is None or part_split == split):
                mine = merged.get(model)
                merged[model] = group if mine is None else mine.merge(group)
        return merged

    def leaderboard(
        self,
        *,
        tags: Iterable[str] | None = None,
        split: str | None = None,
        level: float = 0.95,
        seed: int = 0,
    ) -> Leaderboard:
        """The :func:`~modelfolio.leaderboard` of the summarised outcomes."""
        return leaderboard_of(self, tags=tags, split=split, level=level, seed=seed)

    def fit_quality(self, *, level: float = 0.95) -> QualityTable:
        """The :func:`~modelfolio.fit_quality` table of the summarised outcomes."""
        return quality_of(self, level=level)


def summarize(outcomes: Outcomes) -> OutcomeSummary:
    """Summarise ``outcomes`` for leaderboards and quality tables (merge with ``merge``).

    Examples:
        >>> table = Outcomes.from_columns(item=[1, 2, 1, 2], model=["a", "a", "b", "b"],
        ...                               score=[1, 0, 1, 1], tags=[{"x"}, {"y"}] * 2)
        >>> summary = summarize(table)
        >>> summary.rows, summary.models, summary.binary
        (4, ('a', 'b'), True)
    """
    if not isinstance(outcomes, Outcomes):
        raise ValidationError(f"outcomes must be an Outcomes table, got {outcomes!r:.80}")
    score, cost, latency = outcomes.score, outcomes.cost, outcomes.latency_s
    tag_index, split_index = outcomes.tag_index, outcomes.split
    tag_sets, split_values = outcomes.tag_sets, outcomes.split_values
    groups: dict[GroupKey, GroupSummary] = {}
    for model in outcomes.models:
        rows = outcomes.rows_of(model)
        if not rows:
            continue
        lo, hi = rows.start, rows.stop
        keys = list(zip(tag_index[lo:hi], split_index[lo:hi], strict=True))
        values, costs = score[lo:hi].tolist(), cost[lo:hi].tolist()
        waits = latency[lo:hi].tolist() if outcomes.has_latency else []
        distinct = sorted(set(keys))
        if len(distinct) > 1:
            # Sort the model's rows by (tags, split), at C speed: each group is then one
            # run, found by bisection (sums and counts do not depend on the order).
            order = sorted(range(hi - lo), key=keys.__getitem__)
            gather = itemgetter(*order)
            keys, values, costs = list(gather(keys)), list(gather(values)), list(gather(costs))
            waits = list(gather(waits)) if waits else []
        for key in distinct:
            start, stop = bisect_left(keys, key), bisect_right(keys, key)
            tag_code, split_code = key
            groups[(model, tag_sets[tag_code], split_values[split_code])] = GroupSummary(
                scores=Counter(values[start:stop]),
                costs=(math.fsum(costs[start:stop]),),
                latencies=Counter(v for v in waits[start:stop] if v == v),
            )
    return OutcomeSummary(groups=groups, has_latency=outcomes.has_latency)


def merge_summaries(summaries: Iterable[Any]) -> Any:
    """Merge summaries of one kind (:class:`OutcomeSummary`, :class:`PairSummary`,
    :class:`~modelfolio.ReplaySummary` or :class:`~modelfolio.BattleSummary`).

    Examples:
        >>> parts = [Outcomes.from_columns(item=[i], model=["a"], score=[i % 2]) for i in range(4)]
        >>> merge_summaries(summarize(p) for p in parts).rows
        4
    """
    if isinstance(summaries, (str, bytes)) or not isinstance(summaries, Iterable):
        raise ValidationError(f"summaries must be a collection of summaries, got {summaries!r:.80}")
    result: Any = None
    for index, summary in enumerate(summaries):
        kind = type(summary).__name__
        if kind not in _MERGEABLE or not callable(getattr(summary, "merge", None)):
            raise ValidationError(
                f"summaries[{index}] must be an OutcomeSummary, PairSummary, ReplaySummary or "
                "BattleSummary, "
                f"got {summary!r:.80}"
            )
        if result is not None and type(summary) is not type(result):
            raise ValidationError(
                f"summaries[{index}] is a {kind}, the ones before a {type(result).__name__}: "
                "only summaries of one kind merge"
            )
        result = summary if result is None else result.merge(summary)
    if result is None:
        raise ValidationError("summaries is empty: there is nothing to merge")
    return result


_MERGEABLE = frozenset({"BattleSummary", "OutcomeSummary", "PairSummary", "ReplaySummary"})


Lone = tuple[str, Hashable]
"""(model, part) of an item seen for one of the two models only."""


def _lonely(value: Any) -> Mapping[Hashable, Lone]:
    return value if isinstance(value, MappingProxyType) else MappingProxyType(dict(value))


@frozen(kw_only=True)
class PairSummary:
    """A mergeable summary of two models' paired scores; finishes into ``compare``.

    Examples:
        >>> from modelfolio import compare
        >>> old = [0.9, 0.7, 0.8, 0.6, 1.0, 0.5]
        >>> new = [0.8, 0.7, 0.9, 0.4, 0.9, 0.5]
        >>> def part(items):
        ...     return Outcomes.from_columns(item=items * 2, model=["old"] * 3 + ["new"] * 3,
        ...                                  score=[old[i] for i in items] + [new[i] for i in items])
        >>> first, second = part([0, 1, 2]), part([3, 4, 5])
        >>> pair = summarize_pair(first, baseline="old", candidate="new").merge(
        ...     summarize_pair(second, baseline="old", candidate="new"))
        >>> whole = Outcomes.concat([first, second])
        >>> pair.compare() == compare(whole, baseline="old", candidate="new")
        True
    """

    baseline: str = field(validator=lambda _, a, v: text(v, a.name))
    """The model compared against."""
    candidate: str = field(validator=lambda _, a, v: text(v, a.name))
    """The model compared."""
    differences: Mapping[float, int] = field(converter=_counts)
    """Candidate minus baseline on each shared item: distinct value -> count."""
    baseline_scores: Mapping[float, int] = field(converter=_counts)
    """The baseline's scores on shared items: distinct value -> count."""
    candidate_scores: Mapping[float, int] = field(converter=_counts)
    """The candidate's scores on shared items: distinct value -> count."""
    both: int = 0
    """Shared items both models scored 1 on."""
    binary: bool = True
    """Whether every score of every model in the summarised rows is 0 or 1."""
    lonely: Mapping[Hashable, Lone] = field(factory=dict, converter=_lonely, repr=False)
    """Items seen for one of the two models only: item -> (model, part)."""

    @property
    def n(self) -> int:
        """Shared items."""
        return sum(self.differences.values())

    def merge(self, other: PairSummary) -> PairSummary:
        """This summary and ``other`` together; refuses an item split between parts."""
        if not isinstance(other, PairSummary):
            raise ValidationError(f"can only merge a PairSummary, got {other!r:.80}")
        if (other.baseline, other.candidate) != (self.baseline, self.candidate):
            raise ValidationError(
                f"cannot merge the pair ({other.baseline!r}, {other.candidate!r}) "
                f"into ({self.baseline!r}, {self.candidate!r})"
            )
        lonely = dict(self.lonely)
        for item, (model, part) in other.lonely.items():
            seen = lonely.get(item)
            if seen is None:
                lonely[item] = (model, part)
                continue
            raise ValidationError(
                f"item {item!r} has its {seen[0]!r} row in part {seen[1]!r} and its {model!r} row "
                f"in part {part!r}: a paired comparison needs each item's rows in one part "
                "(shuffle or group the rows by item first)"
                if seen[0] != model
                else f"item {item!r} has two {model!r} rows, in parts {seen[1]!r} and {part!r}"
            )
        return PairSummary(
            baseline=self.baseline,
            candidate=self.candidate,
            differences=add_counts(self.differences, other.differences),
            baseline_scores=add_counts(self.baseline_scores, other.baseline_scores),
            candidate_scores=add_counts(self.candidate_scores, other.candidate_scores),
            both=self.both + other.both,
            binary=self.binary and other.binary,
            lonely=lonely,
        )

    def compare(self, *, level: float = 0.95, seed: int = 0) -> Comparison:
        """The :func:`~modelfolio.compare` result of the summarised pairs."""
        return comparison_of(self, level=level, seed=seed)

    def non_inferiority(
        self, *, margin: float, alpha: float = 0.05, seed: int = 0
    ) -> NonInferiority:
        """The :func:`~modelfolio.non_inferiority` verdict of the summarised pairs."""
        return non_inferiority_of(self, margin=margin, alpha=alpha, seed=seed)


def summarize_pair(
    outcomes: Outcomes, *, baseline: str, candidate: str, part: Hashable = 0
) -> PairSummary:
    """Summarise ``candidate`` against ``baseline`` on the items both answered.

    ``part`` labels this piece of the log in the error raised when an item's two rows
    turn out to be in different parts.

    Examples:
        >>> table = Outcomes.from_columns(item=[1, 2, 1, 2], model=["a", "a", "b", "b"],
        ...                               score=[1, 0, 1, 1])
        >>> pair = summarize_pair(table, baseline="a", candidate="b")
        >>> pair.n, dict(pair.differences)
        (2, {0.0: 1, 1.0: 1})
    """
    if not isinstance(outcomes, Outcomes):
        raise ValidationError(f"outcomes must be an Outcomes table, got {outcomes!r:.80}")
    for name, model in (("baseline", baseline), ("candidate", candidate)):
        if not isinstance(model, str):
            raise ValidationError(f"{name} must be a model id (a string), got {model!r:.80}")
    if baseline == candidate:
        raise ValidationError(f"baseline and candidate must differ, got {baseline!r} twice")
    if not isinstance(part, Hashable):
        raise ValidationError(f"part must be a hashable label, got {part!r:.80}")
    item, score, items = outcomes.item, outcomes.score, outcomes.items
    base_rows = outcomes.rows_of(baseline) if baseline in outcomes.models else range(0)
    cand_rows = outcomes.rows_of(candidate) if candidate in outcomes.models else range(0)
    base_score = {item[r]: score[r] for r in base_rows}
    differences: Counter[float] = Counter()
    base_counts: Counter[float] = Counter()
    cand_counts: Counter[float] = Counter()
    lonely: dict[Hashable, Lone] = {}
    both = 0
    for r in cand_rows:
        b = base_score.pop(item[r], None)
        c = score[r]
        if b is None:
            lonely[items[item[r]]] = (candidate, part)
            continue
        differences[c - b] += 1
        base_counts[b] += 1
        cand_counts[c] += 1
        both += b == 1.0 and c == 1.0
    for code in base_score:
        lonely[items[code]] = (baseline, part)
    return PairSummary(
        baseline=baseline,
        candidate=candidate,
        differences=differences,
        baseline_scores=base_counts,
        candidate_scores=cand_counts,
        both=both,
        binary=outcomes.binary,
        lonely=lonely,
    )


# ---------------------------------------------------------------- finishing
# A summary finishes into the result the in-memory function gives; the public
# functions (leaderboard, compare, non_inferiority, fit_quality) call these too.

BOOTSTRAP_ROUNDS = 2_000
PERMUTATION_ROUNDS = 10_000


def _level(level: float, name: str = "level") -> float:
    return unit_interval(level, name)


def _seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValidationError(f"seed must be an integer, got {seed!r}")
    return seed


def _mean_interval(
    counts: Mapping[float, int], binary: bool, level: float, rng: random.Random
) -> tuple[float, float, float]:
    n = sum(counts.values())
    if n == 0:
        return (math.nan, math.nan, math.nan)
    mean = exact_mean(counts)
    if binary:
        low, high = wilson(counts.get(1.0, 0), n, level)
    else:
        low, high = _bootstrap_interval(counts, mean, level, rng)
    return (mean, low, high)


def _bootstrap_interval(
    counts: Mapping[float, int], mean: float, level: float, rng: random.Random
) -> tuple[float, float]:
    """The Poisson-bootstrap percentile interval of ``mean``, the mean of ``counts``.

    Up to :data:`MANY_VALUES` distinct values: ``BOOTSTRAP_ROUNDS`` seeded rounds over
    the values in sorted order. Above: the saddlepoint approximation of the same
    bootstrap distribution (no rounds, no seed; :func:`bootstrap_mean_interval`). The
    interval is kept within the values (a resample's mean can round past them) and
    around the mean (a short percentile interval of a skewed sample can miss it).
    """
    if len(counts) > MANY_VALUES:
        low, high = bootstrap_mean_interval(counts, level)
    else:
        ordered = {value: counts[value] for value in sorted(counts)}
        low, high = percentile_interval(poisson_means(ordered, BOOTSTRAP_ROUNDS, rng), level)
        least, most = min(ordered), max(ordered)
        low, high = max(low, least), min(high, most)
    return (min(low, mean), max(high, mean))


def leaderboard_of(
    summary: OutcomeSummary,
    *,
    tags: Iterable[str] | None = None,
    split: str | None = None,
    level: float = 0.95,
    seed: int = 0,
) -> Leaderboard:
    """The leaderboard of a (merged) :class:`~modelfolio.OutcomeSummary`.

    Each model's bootstrap draws come from its own stream, seeded by ``seed`` and the
    model id, and read the distinct scores in sorted order.
    """
    if not isinstance(summary, OutcomeSummary):
        raise ValidationError(f"summary must be an OutcomeSummary, got {summary!r:.80}")
    level = _level(level)
    seed = _seed(seed)
    binary = summary.binary
    entries = []
    for model, group in summary.model_groups(tags=tags, split=split).items():
        n = group.n
        if not n:
            continue
        mean, low, high = _mean_interval(group.scores, binary, level, stream(seed, model))
        total = math.fsum(group.costs)
        successes = group.scores.get(1.0, 0) if binary else 0
        latencies = group.latencies
        entries.append(
            LeaderboardEntry(
                model=model,
                n=n,
                mean=mean,
                ci_low=low,
                ci_high=high,
                total_cost=total,
                cost_per_item=total / n,
                cost_per_success=total / successes if binary and successes else None,
                latency_p50_s=quantile_of_counts(latencies, 0.5) if latencies else None,
                latency_p95_s=quantile_of_counts(latencies, 0.95) if latencies else None,
            )
        )
    if not entries:
        raise ValidationError(
            f"no outcomes match tags={sorted((tags,) if isinstance(tags, str) else (tags or ()))!r}, split={split!r}"
        )
    entries.sort(key=lambda e: (-e.mean, e.model))
    return Leaderboard(entries=tuple(entries), level=level, binary=binary)


def _sign_flip_p(differences: Mapping[float, int], rng: random.Random) -> float:
    """Two-sided sign-flip permutation p-value for a zero mean difference.

    Under the null each difference is as likely to have either sign. Differences are
    grouped by magnitude (in increasing order); for ``c`` of magnitude ``v`` a round
    flips a fair coin for each (the positive ones counted with
    ``getrandbits(c).bit_count()``). Above :data:`MANY_VALUES` distinct differences the
    p-value is read without rounds, by saddlepoint approximation (:func:`sign_flip_p`).
    """
    magnitudes: dict[float, int] = {}
    for d in sorted(differences, key=abs):
        if d != 0:
            magnitudes[abs(d)] = magnitudes.get(abs(d), 0) + differences[d]
    observed = abs(exact_sum(differences))
    if len(differences) > MANY_VALUES:
        return sign_flip_p(magnitudes, observed)
    if not magnitudes:
        return 1.0
    extreme = 0
    for _ in range(PERMUTATION_ROUNDS):
        total = 0.0
        for magnitude, count in magnitudes.items():
            positives = rng.getrandbits(count).bit_count()
            total += magnitude * (2 * positives - count)
        if abs(total) >= observed - 1e-12 * max(1.0, observed):
            extreme += 1
    return (extreme + 1) / (PERMUTATION_ROUNDS + 1)


def comparison_of(pair: PairSummary, *, level: float = 0.95, seed: int = 0) -> Comparison:
    """The comparison of a (merged) :class:`~modelfolio.PairSummary`.

    The bootstrap and the sign flips read the distinct differences in sorted order from
    ``random.Random(seed)``, so any split of the items into parts gives the same result.
    """
    if not isinstance(pair, PairSummary):
        raise ValidationError(f"pair must be a PairSummary, got {pair!r:.80}")
    level = _level(level)
    seed = _seed(seed)
    baseline, candidate = pair.baseline, pair.candidate
    n = pair.n
    if not n:
        raise ValidationError(f"{baseline!r} and {candidate!r} answered no item in common")
    differences = {value: pair.differences[value] for value in sorted(pair.differences)}
    candidate_only = sum(c for d, c in differences.items() if d > 0)
    baseline_only = sum(c for d, c in differences.items() if d < 0)
    diff = exact_mean(differences)
    if pair.binary:
        both = pair.both
        neither = n - both - candidate_only - baseline_only
        low, high = newcombe_paired(both, candidate_only, baseline_only, neither, level)
        p_value = mcnemar_exact(candidate_only, baseline_only)
        method = "Newcombe paired score interval; exact McNemar test"
    else:
        rng = random.Random(seed)  # the bootstrap's rounds, then the sign flips'
        low, high = _bootstrap_interval(differences, diff, level, rng)
        p_value = _sign_flip_p(differences, rng)
        method = (
            "paired Poisson bootstrap and sign-flip permutation test, both by saddlepoint approximation"
            if len(differences) > MANY_VALUES
            else f"paired Poisson bootstrap ({BOOTSTRAP_ROUNDS} rounds); sign-flip permutation test ({PERMUTATION_ROUNDS} rounds)"
        )
    return Comparison(
        baseline=baseline,
        candidate=candidate,
        n=n,
        baseline_mean=exact_mean(pair.baseline_scores),
        candidate_mean=exact_mean(pair.candidate_scores),
        diff=diff,
        ci_low=low,
        ci_high=high,
        p_value=p_value,
        level=level,
        candidate_only=candidate_only,
        baseline_only=baseline_only,
        method=method,
    )


def _margin_alpha(margin: Any, alpha: Any) -> tuple[float, float]:
    margin = number(margin, "margin")
    alpha = _level(alpha, "alpha")
    if alpha >= 0.5:
        raise ValidationError(f"alpha must be below 0.5, got {alpha!r}")
    return margin, alpha


def non_inferiority_of(
    pair: PairSummary, *, margin: float, alpha: float = 0.05, seed: int = 0
) -> NonInferiority:
    """The non-inferiority verdict of a (merged) :class:`~modelfolio.PairSummary`."""
    if not isinstance(pair, PairSummary):
        raise ValidationError(f"pair must be a PairSummary, got {pair!r:.80}")
    margin, alpha = _margin_alpha(margin, alpha)
    baseline, candidate = pair.baseline, pair.candidate
    comparison = comparison_of(pair, level=1 - 2 * alpha, seed=seed)
    bound = comparison.ci_low
    verdict = bound > -margin
    confidence = f"{1 - alpha:.0%}"
    if verdict:
        explanation = (
            f"{candidate} is non-inferior to {baseline} at a {margin:g} margin: the difference is "
            f"{comparison.diff:+.4f} and its one-sided {confidence} lower bound, {bound:+.4f}, is above {-margin:+g}."
        )
    else:
        explanation = (
            f"{candidate} is not shown non-inferior to {baseline} at a {margin:g} margin: the difference is "
            f"{comparison.diff:+.4f} and its one-sided {confidence} lower bound, {bound:+.4f}, is not above {-margin:+g}."
        )
    return NonInferiority(
        non_inferior=verdict,
        bound=bound,
        diff=comparison.diff,
        margin=float(margin),
        alpha=alpha,
        explanation=explanation,
        comparison=comparison,
    )


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
