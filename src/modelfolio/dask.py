"""Evaluate outcome logs larger than memory on Dask (an edge module: the cluster's I/O).

Each partition of a ``dask.dataframe.DataFrame`` of outcomes is turned into a core
summary (:func:`modelfolio.summarize` / :func:`modelfolio.summarize_pair`) where it
lives, the summaries are merged in a tree, and the merged summary is finished by the
same core code the in-memory functions run. So every function here returns exactly the
type its in-memory counterpart returns, with the same numbers: counts and scores
exactly, bootstrap intervals identically for a seed, summed costs to within a few units
in the last place.

Columns are named by keyword arguments, as in :meth:`modelfolio.Outcomes.from_frame`:
``item``, ``model``, ``score`` and ``cost`` (defaults: those names; pass ``cost=None``
for a log without costs), and the optional ``latency_s``, ``tags`` and ``split``.

Which results merge from any partitioning, and which need an item's rows together:

- :func:`leaderboard`, :func:`fit_quality`, :func:`summarize`, and
  :func:`bradley_terry` on a frame of battles: any partitioning.
- :func:`compare`, :func:`non_inferiority`, :func:`summarize_pair`, :func:`simulate`,
  :func:`sweep`, :func:`summarize_replay`: an item's rows must be in one partition.
  By default the frame is shuffled by item first; with ``items_together=True`` (your
  partitions already keep items together) it is not, and an item found split between
  partitions is an error naming the item and both partitions.

Works with any Dask scheduler: the threaded default, or a ``distributed.Client`` made
current before the call. Needs ``pip install 'modelfolio[dask]'``.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from attrs import evolve, frozen

from modelfolio._common.errors import MissingDependencyError, ModelfolioError, ValidationError
from modelfolio._common.frames import missing
from modelfolio._common.validate import text
from modelfolio._evaluation.arena import (
    VERDICTS,
    BattleSummary,
    Ratings,
    summarize_battles,
)
from modelfolio._evaluation.arena import (
    bradley_terry as _bradley_terry,
)
from modelfolio._evaluation.outcomes import MAX_COST, MAX_SCORE, Outcomes
from modelfolio._evaluation.quality import QualityTable
from modelfolio._evaluation.results import Comparison, Leaderboard, NonInferiority
from modelfolio._evaluation.summary import (
    GroupSummary,
    OutcomeSummary,
    PairSummary,
    binary_scores,
    merge_summaries,
)
from modelfolio._evaluation.summary import summarize as _summarize
from modelfolio._evaluation.summary import summarize_pair as _summarize_pair
from modelfolio._learning.simulate import Curve, Point, ReplaySummary, SimulationReport, sweep_knobs
from modelfolio._learning.simulate import summarize_replay as _summarize_replay

__all__ = [
    "bradley_terry",
    "compare",
    "fit_quality",
    "leaderboard",
    "non_inferiority",
    "simulate",
    "summarize",
    "summarize_pair",
    "summarize_replay",
    "sweep",
]

_FAN_IN = 8
"""Summaries merged per task of the reduction tree."""


def _dask() -> Any:
    try:
        import dask
        import dask.dataframe
    except ImportError as error:
        raise MissingDependencyError(
            "modelfolio.dask needs dask: pip install 'modelfolio[dask]'"
        ) from error
    return dask


@frozen
class _Columns:
    item: str
    model: str
    score: str
    cost: str | None
    latency_s: str | None
    tags: str | None
    split: str | None

    def keeping(self, *fields: str) -> _Columns:
        """These columns without the optional ones a computation does not read."""
        optional = ("cost", "latency_s", "tags", "split")
        dropped: dict[str, Any] = {name: None for name in optional if name not in fields}
        return evolve(self, **dropped)

    def select(self, frame: Any, *extra: str) -> Any:
        """``frame`` reduced to these columns (Parquet then reads only those)."""
        wanted = list(dict.fromkeys([*self.named().values(), *extra]))
        return frame[wanted]

    def named(self) -> dict[str, str]:
        return {k: v for k, v in self.kwargs().items() if v is not None}

    def kwargs(self) -> dict[str, str | None]:
        return {
            "item": self.item,
            "model": self.model,
            "score": self.score,
            "cost": self.cost,
            "latency_s": self.latency_s,
            "tags": self.tags,
            "split": self.split,
        }


def _frame(frame: Any) -> None:
    _dask()
    import dask.dataframe as dd

    if not isinstance(frame, dd.DataFrame):
        raise ValidationError(
            f"frame must be a dask.dataframe.DataFrame, got {type(frame).__name__}"
        )


def _columns(
    frame: Any,
    item: Any,
    model: Any,
    score: Any,
    cost: Any,
    latency_s: Any,
    tags: Any,
    split: Any,
) -> _Columns:
    """The named columns, checked against the frame's columns and types (no compute)."""
    _frame(frame)
    for name, value in (("item", item), ("model", model), ("score", score)):
        text(value, name)
    for name, value in (("cost", cost), ("latency_s", latency_s), ("tags", tags), ("split", split)):
        if value is not None:
            text(value, name)
    columns = _Columns(item, model, score, cost, latency_s, tags, split)
    present = [str(c) for c in frame.columns]
    if len(set(present)) != len(present):
        twice = sorted({c for c in present if present.count(c) > 1})
        raise ValidationError(f"the frame's column names repeat: {', '.join(twice)}")
    dtypes = frame.dtypes.to_dict()
    for name, column in columns.named().items():
        if column not in present:
            hint = " (pass cost=None for a log without costs)" if name == "cost" else ""
            raise ValidationError(
                f"{name}={column!r}: the frame has no column {column!r} (columns: "
                + ", ".join(present)
                + ")"
                + hint
            )
        if name in ("score", "cost", "latency_s"):
            kind = getattr(dtypes[column], "kind", "O")
            if kind not in "fiu":
                raise ValidationError(
                    f"{name}={column!r}: column {column!r} must hold numbers, "
                    f"its type is {dtypes[column]}"
                )
    return columns


def _outcomes(part: Any, columns: _Columns, index: int) -> Outcomes | None:
    if not len(part):
        return None
    try:
        return Outcomes.from_frame(
            part,
            item=columns.item,
            model=columns.model,
            score=columns.score,
            cost=columns.cost,
            latency_s=columns.latency_s,
            tags=columns.tags,
            split=columns.split,
        )
    except ModelfolioError as error:
        raise ValidationError(f"partition {index}: {error}") from None


def _summary_of(part: Any, columns: _Columns, index: int) -> OutcomeSummary | None:
    if not len(part):
        return None
    fast = _counted(part, columns)
    if fast is not None:
        return fast
    table = _outcomes(part, columns, index)
    return None if table is None else _summarize(table)


def _counted(part: Any, columns: _Columns) -> OutcomeSummary | None:
    """The partition's summary counted by pandas, or None to take the exact path.

    Exactly what ``summarize(Outcomes.from_frame(part, ...))`` gives, for a partition
    with plain columns and valid values: string models, tags and splits (one tag a cell),
    integer or string items, no repeated (item, model), numbers in range. Anything else
    (including every kind of bad input) returns None, and the partition is built into
    an ``Outcomes`` table, which checks it and names the row at fault.
    """
    pd: Any = importlib.import_module("pandas")  # installed with dask[dataframe]
    types = pd.api.types
    names = columns.named()
    if len(set(names.values())) != len(names):  # one column named for two fields
        return None
    item, model, score = part[columns.item], part[columns.model], part[columns.score]
    labels = [part[c] for c in (columns.tags, columns.split) if c is not None]
    if (
        item.isna().any()
        or model.isna().any()
        or not (types.is_string_dtype(item) or types.is_integer_dtype(item))
        or types.is_bool_dtype(item)
        or not all(types.is_string_dtype(c) for c in (model, *labels))
    ):
        return None
    numbers = {"score": score}
    if columns.cost is not None:
        numbers["cost"] = part[columns.cost]
    if columns.latency_s is not None:
        numbers["latency_s"] = part[columns.latency_s]
    for values in numbers.values():
        if types.is_bool_dtype(values) or not types.is_numeric_dtype(values):
            return None
    if not (score.isna() | (score.abs() <= MAX_SCORE)).all():
        return None
    cost = numbers["cost"].fillna(0.0) if "cost" in numbers else None  # missing cost: 0
    if cost is not None and not ((cost >= 0.0) & (cost <= MAX_COST)).all():
        return None
    latency = numbers.get("latency_s")
    if latency is not None and not (latency.isna() | ((latency >= 0) & (latency < math.inf))).all():
        return None
    if part.duplicated([columns.item, columns.model]).any():
        return None
    try:
        for value in model.unique():
            text(value, "model")
        for column in labels:
            for value in column.dropna().unique():
                text(value, "tags")
    except ModelfolioError:
        return None
    kept = score.notna()
    rows = pd.DataFrame(
        {
            "m": model[kept].astype(object),
            "t": (part[columns.tags][kept].astype(object) if columns.tags else None),
            "s": (part[columns.split][kept].astype(object) if columns.split else None),
            "v": score[kept].astype(float),
            "c": cost[kept].astype(float) if cost is not None else 0.0,
        }
    )
    keys = ["m", "t", "s"]

    def key(m: Any, t: Any, s: Any) -> tuple[str, frozenset[str], str | None]:
        return (
            str(m),
            frozenset() if missing(t) else frozenset({str(t)}),
            None if missing(s) else str(s),
        )

    scores: dict[Any, dict[float, int]] = {}
    for (m, t, s, v), n in rows.groupby([*keys, "v"], dropna=False, sort=False).size().items():
        counts = scores.setdefault(key(m, t, s), {})
        counts[float(v)] = counts.get(float(v), 0) + int(n)
    costs = {
        key(m, t, s): math.fsum(values.tolist())
        for (m, t, s), values in rows.groupby(keys, dropna=False, sort=False)["c"]
    }
    waits: dict[Any, dict[float, int]] = {}
    measured = False
    if latency is not None:
        timed = latency[kept]
        present = timed.notna()
        measured = bool(present.any())
        if measured:
            rows["l"] = timed.astype(float)
            found = rows[present.to_numpy()].groupby([*keys, "l"], dropna=False, sort=False).size()
            for (m, t, s, w), n in found.items():
                counts = waits.setdefault(key(m, t, s), {})
                counts[float(w)] = counts.get(float(w), 0) + int(n)
    return OutcomeSummary(
        groups={
            group: GroupSummary(
                scores=counts, costs=(costs[group],), latencies=waits.get(group, {})
            )
            for group, counts in scores.items()
        },
        has_latency=measured,
    )


def _pair_of(
    part: Any, columns: _Columns, index: int, baseline: str, candidate: str
) -> PairSummary | None:
    table = _outcomes(part, columns, index)
    if table is None:
        return None
    return _summarize_pair(table, baseline=baseline, candidate=candidate, part=index)


def _binary_of(part: Any, score: str) -> bool:
    return binary_scores(part[score].tolist())


def _merge(summaries: Iterable[Any]) -> Any:
    present = [s for s in summaries if s is not None]
    return merge_summaries(present) if present else None


def _all(flags: Iterable[bool]) -> bool:
    return all(flags)


def _tree(dask: Any, parts: list[Any], combine: Callable[[Iterable[Any]], Any]) -> Any:
    """Reduce delayed values with ``combine``, ``_FAN_IN`` at a time."""
    while len(parts) > 1:
        parts = [
            dask.delayed(combine, pure=True)(parts[k : k + _FAN_IN])
            for k in range(0, len(parts), _FAN_IN)
        ]
    return parts[0]


def _empty(what: str) -> ValidationError:
    return ValidationError(f"{what}: the frame has no rows")


def _scored_pairs(part: Any, columns: _Columns) -> tuple[Any, Any]:
    """A partition's scored (item, model) rows, and their 64-bit hashes as a numpy array.

    A repeat has the same hash; so may two different pairs (by chance, or an item ``1``
    beside an item ``"1"``, hashed as text): a repeated hash is confirmed on the pairs.
    """
    pd: Any = importlib.import_module("pandas")
    scored = part[part[columns.score].notna()][[columns.item, columns.model]]
    return scored, pd.util.hash_pandas_object(scored.astype(str), index=False).to_numpy()


def _hash_buckets(part: Any, columns: _Columns, buckets: int) -> list[Any]:
    """A partition's pair hashes split by ``hash % buckets`` (a repeat lands in one bucket)."""
    hashes = _scored_pairs(part, columns)[1]
    where = hashes % buckets
    return [hashes[where == b] for b in range(buckets)]


_CONFIRMED = 16  # repeated hashes confirmed per bucket before giving up on a collision


def _repeated_hash(pieces: Sequence[Any]) -> list[int]:
    """The hashes that occur twice among ``pieces`` (a bucket from every partition)."""
    np: Any = importlib.import_module("numpy")
    joined = np.sort(np.concatenate(pieces)) if pieces else np.empty(0, "uint64")
    twice = np.unique(joined[1:][joined[1:] == joined[:-1]])
    return [int(h) for h in twice[:_CONFIRMED]]


def _pairs_with(part: Any, columns: _Columns, wanted: int, index: int) -> list[Any]:
    """The (item, model, partition) of the scored rows of ``part`` whose pair hash is ``wanted``."""
    scored, hashes = _scored_pairs(part, columns)
    keys = scored[hashes == wanted]
    return [(i, m, index) for i, m in zip(keys[columns.item], keys[columns.model], strict=True)]


def _repeated_pair(parts: Sequence[Any], columns: _Columns, wanted: int) -> str:
    """The (item, model) pair behind a repeated hash, and the partitions holding it."""
    dask = _dask()
    found = [
        dask.delayed(_pairs_with, pure=True)(part, columns, wanted, index)
        for index, part in enumerate(parts)
    ]
    seen: dict[tuple[Any, Any], int] = {}
    for item, model, index in (row for rows in dask.compute(*found) for row in rows):
        if (item, model) in seen:  # raw values: item 1 and item "1" differ, as in memory
            first = seen[(item, model)]
            where = f"partition {first}" if first == index else f"partitions {first} and {index}"
            return f"(item, model) pair {item!r}, {model!r} appears twice ({where})"
        seen[(item, model)] = index
    return ""


def _summarized(frame: Any, columns: _Columns) -> OutcomeSummary:
    """The merged summary of every partition; an (item, model) pair scored twice (in one
    partition or in two) is refused, as the in-memory table refuses it.

    The check hashes each scored pair (64 bits) and sorts the hashes bucket by bucket
    (a repeat lands in one bucket), in the same pass over the data as the summary; a
    repeated hash is confirmed on the pairs themselves before it is reported.
    """
    dask = _dask()
    delayed_parts = frame.to_delayed()
    parts = [
        dask.delayed(_summary_of, pure=True)(part, columns, index)
        for index, part in enumerate(delayed_parts)
    ]
    buckets = max(1, min(64, len(delayed_parts) // 2))
    split = [
        dask.delayed(_hash_buckets, pure=True, nout=buckets)(part, columns, buckets)
        for part in delayed_parts
    ]
    checks = [
        dask.delayed(_repeated_hash, pure=True)([pieces[b] for pieces in split])
        for b in range(buckets)
    ]
    merged, *repeats = dask.compute(_tree(dask, parts, _merge), *checks)
    for wanted in (h for found in repeats for h in found):
        message = _repeated_pair(delayed_parts, columns, wanted)
        if message:
            raise ValidationError(message)
    if merged is None:
        raise _empty("summarize")
    result: OutcomeSummary = merged
    return result


def summarize(
    frame: Any,
    *,
    item: str = "item",
    model: str = "model",
    score: str = "score",
    cost: str | None = "cost",
    latency_s: str | None = None,
    tags: str | None = None,
    split: str | None = None,
) -> OutcomeSummary:
    """The merged :class:`~modelfolio.OutcomeSummary` of every partition of ``frame``.

    Examples:
        >>> import dask.dataframe as dd, pandas as pd
        >>> frame = dd.from_pandas(pd.DataFrame({"item": [1, 2, 1, 2], "model": ["a", "a", "b", "b"],
        ...                                      "score": [1.0, 0.0, 1.0, 1.0], "cost": 0.001}),
        ...                        npartitions=2)
        >>> summary = summarize(frame)
        >>> summary.rows, summary.models
        (4, ('a', 'b'))
    """
    return _summarized(frame, _columns(frame, item, model, score, cost, latency_s, tags, split))


def leaderboard(
    frame: Any,
    *,
    item: str = "item",
    model: str = "model",
    score: str = "score",
    cost: str | None = "cost",
    latency_s: str | None = None,
    tags: str | None = None,
    split: str | None = None,
    keep_tags: Iterable[str] | None = None,
    keep_split: str | None = None,
    level: float = 0.95,
    seed: int = 0,
) -> Leaderboard:
    """:func:`modelfolio.leaderboard` of the outcomes in ``frame`` (any partitioning).

    ``keep_tags`` and ``keep_split`` are the in-memory function's ``tags`` and ``split``
    filters (here ``tags`` and ``split`` name columns).

    Examples:
        >>> import dask.dataframe as dd, pandas as pd
        >>> frame = dd.from_pandas(pd.DataFrame({"item": [1, 2, 3] * 2, "model": ["a"] * 3 + ["b"] * 3,
        ...                                      "score": [1.0, 1.0, 0.0, 1.0, 0.0, 0.0],
        ...                                      "cost": [0.01] * 3 + [0.001] * 3}), npartitions=2)
        >>> board = leaderboard(frame)
        >>> board.models, round(board.entry("a").cost_per_success, 4)
        (('a', 'b'), 0.015)
    """
    summary = _summarized(frame, _columns(frame, item, model, score, cost, latency_s, tags, split))
    return summary.leaderboard(tags=keep_tags, split=keep_split, level=level, seed=seed)


def fit_quality(
    frame: Any,
    *,
    item: str = "item",
    model: str = "model",
    score: str = "score",
    cost: str | None = "cost",
    latency_s: str | None = None,
    tags: str | None = None,
    split: str | None = None,
    level: float = 0.95,
) -> QualityTable:
    """:func:`modelfolio.fit_quality` of the outcomes in ``frame`` (any partitioning).

    Examples:
        >>> import dask.dataframe as dd, pandas as pd
        >>> frame = dd.from_pandas(pd.DataFrame({"item": [1, 2, 1, 2], "model": ["big", "big", "small", "small"],
        ...                                      "score": [1.0, 1.0, 1.0, 0.0], "cost": 0.0,
        ...                                      "task": ["easy", "hard", "easy", "hard"]}), npartitions=2)
        >>> q = fit_quality(frame, tags="task")
        >>> q.quality("small", ["easy"]), q.quality("small", ["hard"]), q.quality("small")
        (1.0, 0.0, 0.5)
    """
    return _summarized(
        frame, _columns(frame, item, model, score, cost, latency_s, tags, split)
    ).fit_quality(level=level)


def _paired(
    frame: Any, columns: _Columns, baseline: Any, candidate: Any, items_together: Any
) -> PairSummary:
    dask = _dask()
    for name, value in (("baseline", baseline), ("candidate", candidate)):
        text(value, name)
    if baseline == candidate:
        raise ValidationError(f"baseline and candidate must differ, got {baseline!r} twice")
    if not isinstance(items_together, bool):
        raise ValidationError(f"items_together must be True or False, got {items_together!r}")
    flags = [
        dask.delayed(_binary_of, pure=True)(part, columns.score)
        for part in frame[[columns.score]].to_delayed()
    ]
    columns = columns.keeping()  # pairing reads the item, model and score only
    rows = columns.select(frame)
    rows = rows[rows[columns.model].isin([baseline, candidate])]
    if not items_together:
        rows = rows.shuffle(on=columns.item)
    parts = [
        dask.delayed(_pair_of, pure=True)(part, columns, index, baseline, candidate)
        for index, part in enumerate(rows.to_delayed())
    ]
    merged, binary = dask.compute(_tree(dask, parts, _merge), _tree(dask, flags, _all))
    if merged is None:
        known = frame[columns.model].drop_duplicates().compute().tolist()
        raise ValidationError(
            f"neither {baseline!r} nor {candidate!r} has outcomes in the frame (models: "
            + ", ".join(map(str, sorted(known)[:10]))
            + ")"
        )
    pair: PairSummary = merged
    return evolve(pair, binary=bool(binary))


def summarize_pair(
    frame: Any,
    *,
    baseline: str,
    candidate: str,
    item: str = "item",
    model: str = "model",
    score: str = "score",
    cost: str | None = "cost",
    latency_s: str | None = None,
    tags: str | None = None,
    split: str | None = None,
    items_together: bool = False,
) -> PairSummary:
    """The merged :class:`~modelfolio.PairSummary` of ``candidate`` against ``baseline``.

    Only the two models' rows are paired. They are shuffled by item first unless
    ``items_together`` says each item's rows already share a partition; then an item
    found split between partitions raises :class:`~modelfolio.ValidationError`
    naming the item and both partitions. Whether the scores are 0/1 is decided over
    every row of the frame, as :func:`modelfolio.compare` decides it over the table.

    Examples:
        >>> import dask.dataframe as dd, pandas as pd
        >>> frame = dd.from_pandas(pd.DataFrame({"item": [1, 2, 1, 2], "model": ["a", "a", "b", "b"],
        ...                                      "score": [1.0, 0.0, 1.0, 1.0]}), npartitions=2)
        >>> pair = summarize_pair(frame, baseline="a", candidate="b", cost=None)
        >>> pair.n, sorted(pair.differences.items())
        (2, [(0.0, 1), (1.0, 1)])
    """
    return _paired(
        frame,
        _columns(frame, item, model, score, cost, latency_s, tags, split),
        baseline,
        candidate,
        items_together,
    )


def compare(
    frame: Any,
    *,
    baseline: str,
    candidate: str,
    item: str = "item",
    model: str = "model",
    score: str = "score",
    cost: str | None = "cost",
    latency_s: str | None = None,
    tags: str | None = None,
    split: str | None = None,
    items_together: bool = False,
    level: float = 0.95,
    seed: int = 0,
) -> Comparison:
    """:func:`modelfolio.compare` of two models in ``frame`` (see :func:`summarize_pair`).

    Examples:
        >>> import dask.dataframe as dd, pandas as pd
        >>> frame = dd.from_pandas(pd.DataFrame({
        ...     "item": list(range(10)) * 2, "model": ["old"] * 10 + ["new"] * 10,
        ...     "score": [1.0] * 8 + [0.0] * 2 + [1.0] * 5 + [0.0] * 5}), npartitions=3)
        >>> result = compare(frame, baseline="old", candidate="new", cost=None)
        >>> result.diff, result.baseline_only, result.candidate_only, round(result.p_value, 4)
        (-0.3, 3, 0, 0.25)
    """
    columns = _columns(frame, item, model, score, cost, latency_s, tags, split)
    pair = _paired(frame, columns, baseline, candidate, items_together)
    return pair.compare(level=level, seed=seed)


def non_inferiority(
    frame: Any,
    *,
    baseline: str,
    candidate: str,
    margin: float,
    alpha: float = 0.05,
    seed: int = 0,
    item: str = "item",
    model: str = "model",
    score: str = "score",
    cost: str | None = "cost",
    latency_s: str | None = None,
    tags: str | None = None,
    split: str | None = None,
    items_together: bool = False,
) -> NonInferiority:
    """:func:`modelfolio.non_inferiority` of two models in ``frame``.

    Examples:
        >>> import dask.dataframe as dd, pandas as pd
        >>> frame = dd.from_pandas(pd.DataFrame({
        ...     "item": list(range(200)) * 2, "model": ["old"] * 200 + ["new"] * 200,
        ...     "score": [1.0] * 180 + [0.0] * 20 + [1.0] * 176 + [0.0] * 24}), npartitions=4)
        >>> non_inferiority(frame, baseline="old", candidate="new", margin=0.05, cost=None).non_inferior
        True
    """
    columns = _columns(frame, item, model, score, cost, latency_s, tags, split)
    pair = _paired(frame, columns, baseline, candidate, items_together)
    return pair.non_inferiority(margin=margin, alpha=alpha, seed=seed)


def _queries_of(part: Any, item: str, query: str | None) -> dict[Any, Any] | None:
    if query is None:
        return None
    return dict(zip(part[item].tolist(), part[query].tolist(), strict=True))


def _replays_of(
    part: Any,
    columns: _Columns,
    index: int,
    routers: list[Any],
    models: tuple[str, ...],
    query: str | None,
) -> list[ReplaySummary] | None:
    table = _outcomes(part, columns, index)
    if table is None:
        return None
    queries = _queries_of(part, columns.item, query)
    return [
        _summarize_replay(router, table, models=models, queries=queries, part=index)
        for router in routers
    ]


def _merge_lists(lists: Iterable[Any]) -> Any:
    present = [replays for replays in lists if replays is not None]
    if not present:
        return None
    return [merge_summaries(column) for column in zip(*present, strict=True)]


def _replays(
    routers: list[Any],
    frame: Any,
    columns: _Columns,
    query: Any,
    items_together: Any,
) -> list[ReplaySummary]:
    dask = _dask()
    if query is not None:
        text(query, "query")
        if query not in [str(c) for c in frame.columns]:
            raise ValidationError(
                f"query={query!r}: the frame has no column {query!r} (columns: "
                + ", ".join(map(str, frame.columns))
                + ")"
            )
    if not isinstance(items_together, bool):
        raise ValidationError(f"items_together must be True or False, got {items_together!r}")
    for router in routers:
        if callable(getattr(router, "reseed", None)):
            raise ValidationError(
                f"router {router!r:.80} draws at random (it has reseed()): replayed partition by "
                "partition it would not give the in-memory answer; replay it with modelfolio.simulate"
            )
    (known,) = dask.compute(frame[columns.model].dropna().unique())
    models = tuple(sorted({str(m) for m in known}))
    if not models:
        raise _empty("simulate")
    columns = columns.keeping("cost", "tags")  # what a replay reads
    rows = columns.select(frame, *([query] if query is not None else []))
    if not items_together:
        rows = rows.shuffle(on=columns.item)
    shipped = dask.delayed(routers, pure=True)
    parts = [
        dask.delayed(_replays_of, pure=True)(part, columns, index, shipped, models, query)
        for index, part in enumerate(rows.to_delayed())
    ]
    (merged,) = dask.compute(_tree(dask, parts, _merge_lists))
    if merged is None:
        raise _empty("simulate")
    result: list[ReplaySummary] = merged
    return result


def summarize_replay(
    router: Any,
    frame: Any,
    *,
    item: str = "item",
    model: str = "model",
    score: str = "score",
    cost: str | None = "cost",
    latency_s: str | None = None,
    tags: str | None = None,
    split: str | None = None,
    query: str | None = None,
    items_together: bool = False,
) -> ReplaySummary:
    """The merged :class:`~modelfolio.ReplaySummary` of ``router`` over ``frame``.

    ``router`` (fitted beforehand, in memory) is sent once to the workers, each
    partition replays its items, the summaries merge. ``query`` names a column holding
    each item's query (text or vector) for per-query routers, as ``simulate``'s
    ``queries`` mapping does. A router that draws at random (one with ``reseed``) is
    refused: partition by partition it would not give the in-memory answer.

    Examples:
        >>> import dask.dataframe as dd, pandas as pd
        >>> from modelfolio import fit_quality, quality_floor
        >>> rows = pd.DataFrame({"item": [1, 2, 1, 2], "model": ["big", "big", "small", "small"],
        ...                      "score": [1.0, 1.0, 1.0, 0.0], "cost": [0.01, 0.01, 0.001, 0.001],
        ...                      "task": ["easy", "hard", "easy", "hard"]})
        >>> router = quality_floor(fit_quality(Outcomes.from_frame(rows, tags="task", cost="cost")), 0.9)
        >>> replay = summarize_replay(router, dd.from_pandas(rows, npartitions=2), tags="task")
        >>> replay.n, sorted(replay.choices.items())
        (2, [(1, 'small'), (2, 'big')])
    """
    columns = _columns(frame, item, model, score, cost, latency_s, tags, split)
    (replay,) = _replays([_router(router)], frame, columns, query, items_together)
    return replay


def _router(router: Any) -> Any:
    if not callable(getattr(router, "choose", None)):
        raise ValidationError(f"router must have a choose(query, tags) method, got {router!r:.80}")
    return router


def simulate(
    router: Any,
    frame: Any,
    *,
    item: str = "item",
    model: str = "model",
    score: str = "score",
    cost: str | None = "cost",
    latency_s: str | None = None,
    tags: str | None = None,
    split: str | None = None,
    query: str | None = None,
    items_together: bool = False,
) -> SimulationReport:
    """:func:`modelfolio.simulate` of ``router`` over the outcomes in ``frame``.

    See :func:`summarize_replay`. Quality, shares, choices and counts equal the
    in-memory report's exactly; summed costs to within a few units in the last place.

    Examples:
        >>> import dask.dataframe as dd, pandas as pd
        >>> from modelfolio import fit_quality, quality_floor
        >>> rows = pd.DataFrame({"item": [1, 2, 1, 2], "model": ["big", "big", "small", "small"],
        ...                      "score": [1.0, 1.0, 1.0, 0.0], "cost": [0.01, 0.01, 0.001, 0.001],
        ...                      "task": ["easy", "hard", "easy", "hard"]})
        >>> router = quality_floor(fit_quality(Outcomes.from_frame(rows, tags="task", cost="cost")), 0.9)
        >>> report = simulate(router, dd.from_pandas(rows, npartitions=2), tags="task")
        >>> report.quality, round(report.cost, 4), report.baselines["random"].quality
        (1.0, 0.011, 0.75)
    """
    columns = _columns(frame, item, model, score, cost, latency_s, tags, split)
    (replay,) = _replays([_router(router)], frame, columns, query, items_together)
    return replay.report()


def sweep(
    make_router: Callable[[Any], Any],
    knobs: Iterable[Any],
    frame: Any,
    *,
    item: str = "item",
    model: str = "model",
    score: str = "score",
    cost: str | None = "cost",
    latency_s: str | None = None,
    tags: str | None = None,
    split: str | None = None,
    query: str | None = None,
    items_together: bool = False,
) -> Curve:
    """:func:`modelfolio.sweep` over the outcomes in ``frame``, in one pass over the data.

    Every knob's router is built here, sent to the workers together, and replayed on
    each partition in the same task.

    Examples:
        >>> import dask.dataframe as dd, pandas as pd
        >>> from modelfolio import fit_quality, quality_floor
        >>> rows = pd.DataFrame({"item": [1, 2, 1, 2], "model": ["big", "big", "small", "small"],
        ...                      "score": [1.0, 1.0, 1.0, 0.0], "cost": [0.01, 0.01, 0.001, 0.001],
        ...                      "task": ["easy", "hard", "easy", "hard"]})
        >>> quality = fit_quality(Outcomes.from_frame(rows, tags="task", cost="cost"))
        >>> curve = sweep(lambda floor: quality_floor(quality, floor), [0.0, 0.9],
        ...               dd.from_pandas(rows, npartitions=2), tags="task")
        >>> [(p.knob, p.quality, round(p.cost, 3)) for p in curve.points]
        [(0.0, 0.5, 0.002), (0.9, 1.0, 0.011)]
    """
    knobs = sweep_knobs(make_router, knobs)
    columns = _columns(frame, item, model, score, cost, latency_s, tags, split)
    routers = [_router(make_router(knob)) for knob in knobs]
    reports = [r.report() for r in _replays(routers, frame, columns, query, items_together)]
    points = tuple(
        Point(quality=r.quality, cost=r.cost, shares=r.shares, knob=knob)
        for knob, r in zip(knobs, reports, strict=True)
    )
    return Curve(points=points, baselines=reports[-1].baselines, n=reports[-1].n)


def _battles_of(
    part: Any, a: str, b: str, winner: str, winners: dict[str, str], index: int
) -> BattleSummary | None:
    if not len(part):
        return None
    firsts, seconds, verdicts = part[a].tolist(), part[b].tolist(), part[winner].tolist()
    battles = []
    for row, (x, y, verdict) in enumerate(zip(firsts, seconds, verdicts, strict=True)):
        outcome = winners.get(verdict) if isinstance(verdict, str) else None
        if outcome is None:
            raise ValidationError(
                f"partition {index}, row {row}: winner {verdict!r} is not one of "
                + ", ".join(map(repr, winners))
            )
        battles.append((x, y, outcome))
    try:
        return summarize_battles(battles)
    except ModelfolioError as error:
        raise ValidationError(f"partition {index}: {error}") from None


def bradley_terry(
    frame: Any,
    *,
    a: str = "model_a",
    b: str = "model_b",
    winner: str = "winner",
    winners: dict[str, str] | None = None,
    **options: Any,
) -> Ratings:
    """:func:`modelfolio.bradley_terry` of the battles in ``frame`` (any partitioning).

    One row per battle: columns ``a`` and ``b`` name the two models, ``winner`` holds
    the verdict, read through ``winners`` (default: ``a``/``b``/``tie``, Chatbot
    Arena's ``model_a``/``model_b``/``tie``/``tie (bothbad)``, and ``left``/``right``).
    Each partition is counted into a :class:`~modelfolio.BattleSummary`, the counts
    merge, and the ratings are fitted once; ``options`` are ``bradley_terry``'s
    (``bootstrap``, ``seed``, ``anchor``, ``ties``, ...). Intervals equal the in-memory
    ones for the same seed.

    Examples:
        >>> import dask.dataframe as dd, pandas as pd
        >>> votes = pd.DataFrame({"model_a": ["gpt-4", "vicuna", "llama"] * 4,
        ...                       "model_b": ["vicuna", "llama", "gpt-4"] * 4,
        ...                       "winner": ["model_a", "model_a", "model_b", "tie"] * 3})
        >>> ratings = bradley_terry(dd.from_pandas(votes, npartitions=3), anchor=("llama", 1000.0))
        >>> ratings.models
        ('gpt-4', 'llama', 'vicuna')
    """
    dask = _dask()
    _frame(frame)
    present = [str(c) for c in frame.columns]
    for name, column in (("a", a), ("b", b), ("winner", winner)):
        text(column, name)
        if column not in present:
            raise ValidationError(
                f"{name}={column!r}: the frame has no column {column!r} (columns: "
                + ", ".join(present)
                + ")"
            )
    table = dict(VERDICTS if winners is None else winners)
    for verdict, outcome in table.items():
        if outcome not in ("a", "b", "tie"):
            raise ValidationError(
                f"winners must map verdicts to 'a', 'b' or 'tie', got {verdict!r}: {outcome!r}"
            )
    parts = [
        dask.delayed(_battles_of, pure=True)(part, a, b, winner, table, index)
        for index, part in enumerate(frame.to_delayed())
    ]
    (merged,) = dask.compute(_tree(dask, parts, _merge))
    if merged is None:
        raise _empty("bradley_terry")
    return _bradley_terry(merged, **options)
