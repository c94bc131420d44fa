"""Logged outcomes as a columnar table: one row per item × model.

A million outcomes are a few arrays here, not a million objects: the item and model of
each row are small integers into ``items`` and ``models``, scores, costs and latencies
are ``array('d')`` columns, and tags and splits are interned (each distinct set of tags
is stored once). Rows are kept sorted by model, then by item, so a model's rows are one
contiguous slice and paired comparisons are merges.

A NaN score means "missing": that model is left out for that item. Two rows for the
same (item, model) pair are an error, reported with the pair.
"""

from __future__ import annotations

import itertools
import math
import operator
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from attrs import field, frozen

from modelfolio._common.errors import ValidationError
from modelfolio._common.table import html_table
from modelfolio._common.validate import (
    check,
    instances,
    number,
    optional_number,
    optional_text,
    text,
)

__all__ = ["EvalRecord", "Outcomes"]


def _tags(value: Iterable[str]) -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValidationError(f"tags must be a collection of strings, got {value!r}")
    try:
        items = frozenset(value)
    except TypeError:
        raise ValidationError(f"tags must be a collection of strings, got {value!r}") from None
    for item in items:
        text(item, "tags")
    return items


def _encode(
    cells: Sequence[Any], numbers: dict[Any, int], convert: Callable[[Any], Any]
) -> array[int]:
    """Each cell's number in ``numbers`` (which grows, in first-seen order).

    Columns repeat few distinct values: each distinct cell is converted, and so checked,
    once, and the rows are looked up at C speed. Raises ``TypeError`` for an unhashable
    cell (the caller says which).
    """
    codes = {cell: numbers.setdefault(convert(cell), len(numbers)) for cell in dict.fromkeys(cells)}
    return array("q", map(codes.__getitem__, cells))


def _item_id(value: Any) -> Hashable:
    if value is None or isinstance(value, float) or not isinstance(value, Hashable):
        raise ValidationError(f"item ids must be strings or integers, got {value!r}")
    return value


def _frozen(cell: Any) -> Any:
    """A hashable stand-in for a tag cell (checked later, once per distinct value)."""
    kind = type(cell)
    if kind is not set and kind is not list and isinstance(cell, Hashable):
        return cell
    try:
        return frozenset(cell)
    except TypeError:
        return _tags(cell)  # not a collection of hashable values: says why


def _tag_cell(value: Any) -> frozenset[str]:
    return _tags(value) if value else frozenset()


def _split_cell(value: Any) -> str | None:
    return None if value is None else text(value, "split")


def _hashable(instance: object, attribute: Any, value: Any) -> None:
    if not isinstance(value, Hashable) or value is None or isinstance(value, float):
        raise ValidationError(f"{attribute.name} must be a string or integer id, got {value!r}")


MAX_SCORE = 1e12
"""The largest score magnitude accepted: sums over a million rows stay exact enough."""
MAX_COST = 1e9
"""The largest cost of one row accepted, in US dollars."""


def _score(instance: object, attribute: Any, value: Any) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or (isinstance(value, float) and math.isinf(value))
    ):
        raise ValidationError(f"score must be a finite number or NaN (missing), got {value!r:.80}")
    if abs(value) > MAX_SCORE:
        raise ValidationError(
            f"score must be at most {MAX_SCORE:g} in magnitude, got {value!r:.80}"
        )


@frozen(kw_only=True)
class EvalRecord:
    """One item scored for one model.

    Examples:
        >>> EvalRecord(item="q1", model="gpt-4", score=1.0, cost=0.003, tags={"math"}).score
        1.0
    """

    item: Hashable = field(validator=_hashable)
    """The test item's id."""
    model: str = field(validator=check(text))
    """The model (or deployment) that answered."""
    score: float = field(validator=_score)
    """The score: 0/1 for pass/fail, any number otherwise; NaN means missing."""
    cost: float = field(default=0.0, validator=check(number))
    """What answering cost, in US dollars."""
    latency_s: float | None = field(default=None, validator=check(optional_number))
    """How long answering took, if measured."""
    tags: frozenset[str] = field(default=frozenset(), converter=_tags)
    """Labels of the item (task, subject, difficulty)."""
    split: str | None = field(default=None, validator=optional_text)
    """The split the item belongs to (``public``, ``private``, ``train``, ``test``)."""


def _column(name: str, values: Sequence[Any] | None, length: int, default: float) -> array[float]:
    if values is None:
        return array("d", [default]) * length
    if len(values) != length:
        raise ValidationError(f"{name} has {len(values)} values but item has {length}")
    try:
        column = array("d", values)
    except TypeError:
        bad = next(v for v in values if isinstance(v, bool) or not isinstance(v, (int, float)))
        raise ValidationError(f"{name} must hold numbers, got {bad!r}") from None
    return column


def _check_numbers(
    scores: array[float], costs: array[float], latencies: array[float] | None
) -> None:
    """Refuse infinite scores, and costs or latencies that are negative or infinite.

    A NaN cost is refused too; a NaN latency means "not measured". Scans run at C speed
    (``in``, ``sum``, ``min``); element by element only when one is bad or missing.
    """
    if math.inf in scores or -math.inf in scores:
        raise ValidationError("score must be finite or NaN (missing), got an infinity")
    # Sums of a million values must not overflow: magnitudes are bounded (C-speed scan).
    for label, values, limit in (("score", scores, MAX_SCORE), ("cost", costs, MAX_COST)):
        # min and max skip NaNs except a leading one, which fails the check: then scan.
        if (
            values
            and not (-limit <= min(values) and max(values) <= limit)
            and any(map(limit.__lt__, map(abs, values)))
        ):
            bad = next(v for v in values if abs(v) > limit)
            raise ValidationError(f"{label} must be at most {limit:g} in magnitude, got {bad!r}")
    for name, column in (("cost", costs), ("latency_s", latencies)):
        if column is None or not column:
            continue
        total = sum(column)  # NaN or inf when any value is
        if total < math.inf and min(column) >= 0.0:
            continue
        if (
            math.inf in column
            or any(map((0.0).__gt__, column))
            or (name == "cost" and any(map(math.isnan, column)))
        ):
            bad = next(v for v in column if not 0 <= v < math.inf and (name == "cost" or v == v))
            raise ValidationError(f"{name} must hold finite numbers >= 0, got {bad!r}")


def _located(
    error: ValidationError, columns: Mapping[str, Any], origins: Sequence[str]
) -> ValidationError:
    """``error`` restated at the first row that causes it, named by its origin.

    The fast path checks whole columns; when it refuses them, this pass reads the rows
    one by one with the same rules to find the culprit (and, for a repeated pair, the
    row it repeats). An error it cannot pin on a row is returned unchanged.
    """
    item = columns["item"]
    if not hasattr(item, "__len__") or len(origins) != len(item):
        return error
    seen: dict[tuple[Any, Any], int] = {}
    for row in range(len(item)):
        values = {
            name: column[row]
            for name, column in columns.items()
            if column is not None and hasattr(column, "__len__") and row < len(column)
        }
        if values.get("latency_s") is not None:
            latency = values["latency_s"]
            if isinstance(latency, float) and latency != latency:
                values["latency_s"] = None
        try:
            EvalRecord(**values)
            cost = values.get("cost", 0.0)
            if cost > MAX_COST:
                raise ValidationError(f"cost must be at most {MAX_COST:g}, got {cost!r}")
        except (ValidationError, TypeError) as problem:
            return ValidationError(f"{origins[row]}: {problem}")
        score = values["score"]
        if score == score:  # a missing score is dropped, so it repeats nothing
            key = (values["item"], values["model"])
            first = seen.setdefault(key, row)
            if first != row:
                return ValidationError(
                    f"{origins[row]}: (item, model) pair {key[0]!r}, {key[1]!r} appears again "
                    f"(first at {origins[first]})"
                )
    return error


class Outcomes:
    """A columnar table of outcomes, one row per (item, model) with a score.

    Build it with :meth:`from_records` or :meth:`from_columns`; it never changes.

    Examples:
        >>> table = Outcomes.from_columns(
        ...     item=["q1", "q1", "q2", "q2", "q3"],
        ...     model=["big", "small", "big", "small", "big"],
        ...     score=[1, 1, 1, 0, 0],
        ...     cost=[0.01, 0.001, 0.01, 0.001, 0.01],
        ... )
        >>> table
        Outcomes(3 items, 2 models, 5 rows)
        >>> table.scores("small")
        {'q1': 1.0, 'q2': 0.0}
    """

    __slots__ = (
        "_binary",
        "_matrix",
        "_model_slices",
        "cost",
        "has_latency",
        "item",
        "items",
        "latency_s",
        "model",
        "models",
        "score",
        "split",
        "split_values",
        "tag_index",
        "tag_sets",
    )

    items: tuple[Hashable, ...]
    """Every item id, in first-seen order; ``item`` holds indices into it."""
    models: tuple[str, ...]
    """Every model id, sorted; ``model`` holds indices into it."""

    def __init__(
        self,
        *,
        items: tuple[Hashable, ...],
        models: tuple[str, ...],
        item: array[int],
        model: array[int],
        score: array[float],
        cost: array[float],
        latency_s: array[float],
        tag_sets: tuple[frozenset[str], ...],
        tag_index: array[int],
        split_values: tuple[str | None, ...],
        split: array[int],
    ) -> None:
        self.items = items
        self.models = models
        self.item = item
        self.model = model
        self.score = score
        self.cost = cost
        self.latency_s = latency_s
        self.tag_sets = tag_sets
        self.tag_index = tag_index
        self.split_values = split_values
        self.split = split
        self.has_latency = not all(map(math.isnan, latency_s))
        # Rows are sorted by model: each model's slice is found by bisection.
        slices: dict[str, tuple[int, int]] = {}
        for code in sorted(set(model)):
            slices[models[code]] = (bisect_left(model, code), bisect_right(model, code))
        self._model_slices = slices
        self._binary = all(v == 0.0 or v == 1.0 for v in set(score))
        self._matrix: Matrix | None = None

    @classmethod
    def from_columns(
        cls,
        *,
        item: Sequence[Hashable],
        model: Sequence[str],
        score: Sequence[float],
        cost: Sequence[float] | None = None,
        latency_s: Sequence[float | None] | None = None,
        tags: Sequence[Iterable[str]] | None = None,
        split: Sequence[str | None] | None = None,
        origins: Sequence[str] | None = None,
    ) -> Outcomes:
        """Build from parallel columns; NaN scores are dropped as missing.

        ``origins`` names where each row came from (a file and line, say); an error
        about a row then starts with its origin instead of the row's number.

        Raises:
            ValidationError: columns of different lengths, a bad value, or a repeated
                (item, model) pair (named in the message).

        Examples:
            >>> Outcomes.from_columns(item=["q1", "q1"], model=["m", "m"], score=[1, 0],
            ...                       origins=["evals.csv line 2", "evals.csv line 5"])
            Traceback (most recent call last):
            ...
            modelfolio._common.errors.ValidationError: evals.csv line 5: (item, model) pair 'q1', 'm' appears again (first at evals.csv line 2)
        """
        if origins is not None:
            if isinstance(origins, (str, bytes)) or not isinstance(origins, Sequence):
                raise ValidationError(f"origins must be a sequence of strings, got {origins!r:.80}")
            columns = {
                "item": item,
                "model": model,
                "score": score,
                "cost": cost,
                "latency_s": latency_s,
                "tags": tags,
                "split": split,
            }
            try:
                return cls.from_columns(**columns)  # type: ignore[arg-type]
            except ValidationError as error:
                raise _located(error, columns, origins) from None
        for name, column in (
            ("item", item),
            ("model", model),
            ("score", score),
            ("cost", cost),
            ("latency_s", latency_s),
            ("tags", tags),
            ("split", split),
        ):
            if (column is not None or name in ("item", "model", "score")) and (
                isinstance(column, (str, bytes))
                or not (hasattr(column, "__len__") and hasattr(column, "__getitem__"))
            ):
                raise ValidationError(f"{name} must be a sequence (a column), got {column!r:.80}")
        length = len(item)
        if len(model) != length:
            raise ValidationError(f"model has {len(model)} values but item has {length}")
        scores = _column("score", score, length, math.nan)
        costs = _column("cost", cost, length, 0.0)
        latencies = _column(
            "latency_s",
            None if latency_s is None else [math.nan if v is None else v for v in latency_s],
            length,
            math.nan,
        )
        _check_numbers(scores, costs, None if latency_s is None else latencies)
        if tags is not None and len(tags) != length:
            raise ValidationError(f"tags has {len(tags)} values but item has {length}")
        if split is not None and len(split) != length:
            raise ValidationError(f"split has {len(split)} values but item has {length}")

        model_ids = sorted(set(model))
        for name in model_ids:
            text(name, "model")
        model_number = {name: n for n, name in enumerate(model_ids)}
        try:
            item_number: dict[Hashable, int] = {}
            item_index = _encode(item, item_number, _item_id)
        except TypeError:
            culprit = next(value for value in item if not isinstance(value, Hashable))
            raise ValidationError(
                f"item ids must be strings or integers, got {culprit!r}"
            ) from None
        model_index = array("q", map(model_number.__getitem__, model))
        tag_number: dict[frozenset[str], int] = {frozenset(): 0}
        tag_index = array("q", bytes(8 * length))
        if tags is not None:
            try:
                tag_index = _encode(tags, tag_number, _tag_cell)
            except TypeError:  # sets or lists as cells: their frozen copies are hashable
                tag_index = _encode(list(map(_frozen, tags)), tag_number, _tag_cell)
        split_number: dict[str | None, int] = {None: 0}
        split_index = array("q", bytes(8 * length))
        if split is not None:
            split_index = _encode(split, split_number, _split_cell)

        # Keep scored rows only, ordered by (model, item).
        width = len(item_number)
        pair = list(map(operator.add, map(width.__mul__, model_index), item_index))
        scored = (
            range(length)
            if not any(map(math.isnan, scores))
            else (row for row in range(length) if scores[row] == scores[row])
        )
        order = sorted(scored, key=pair.__getitem__)
        if len(set(map(pair.__getitem__, order))) != len(order):
            for row, next_row in itertools.pairwise(order):
                if pair[row] == pair[next_row]:
                    raise ValidationError(
                        f"(item, model) pair {item[row]!r}, {model[row]!r} appears twice "
                        f"(rows {min(row, next_row)} and {max(row, next_row)})"
                    )
        # map() over the order gathers each column at C speed; a column that is the
        # same on every row (no tags, no split, no latency) needs no gathering at all.
        kept = len(order)

        def gather(column: array[Any], constant: bool) -> array[Any]:
            if constant:
                return array(column.typecode, column[:1]) * kept if kept else column[:0]
            return array(column.typecode, map(column.__getitem__, order))

        return cls(
            items=tuple(item_number),
            models=tuple(model_ids),
            item=gather(item_index, False),
            model=gather(model_index, False),
            score=gather(scores, False),
            cost=gather(costs, cost is None),
            latency_s=gather(latencies, latency_s is None),
            tag_sets=tuple(tag_number),
            tag_index=gather(tag_index, tags is None or len(tag_number) == 1),
            split_values=tuple(split_number),
            split=gather(split_index, split is None or len(split_number) == 1),
        )

    @classmethod
    def from_records(cls, records: Iterable[EvalRecord]) -> Outcomes:
        """Build from :class:`EvalRecord` values.

        Examples:
            >>> Outcomes.from_records([EvalRecord(item=1, model="m", score=0.5)])
            Outcomes(1 items, 1 models, 1 rows)
        """
        rows = instances(records, EvalRecord, "records")
        return cls.from_columns(
            item=[r.item for r in rows],
            model=[r.model for r in rows],
            score=[r.score for r in rows],
            cost=[r.cost for r in rows],
            latency_s=[r.latency_s for r in rows],
            tags=[r.tags for r in rows],
            split=[r.split for r in rows],
        )

    @classmethod
    def concat(cls, tables: Iterable[Outcomes]) -> Outcomes:
        """One table holding the rows of all ``tables`` (an item may not repeat a model).

        Examples:
            >>> one = Outcomes.from_columns(item=["a"], model=["m"], score=[1.0])
            >>> two = Outcomes.from_columns(item=["b"], model=["m"], score=[0.0])
            >>> Outcomes.concat([one, two])
            Outcomes(2 items, 1 models, 2 rows)
        """
        columns: dict[str, list[Any]] = {
            name: [] for name in ("item", "model", "score", "cost", "latency_s", "tags", "split")
        }
        for table in instances(tables, Outcomes, "tables"):
            for name, values in table._columns(range(len(table))).items():
                columns[name].extend(values)
        return cls.from_columns(**columns)

    def __len__(self) -> int:
        return len(self.score)

    def __repr__(self) -> str:
        return f"Outcomes({len(self.items)} items, {len(self.models)} models, {len(self)} rows)"

    @property
    def binary(self) -> bool:
        """Whether every score is 0 or 1."""
        return self._binary

    def rows_of(self, model: str) -> range:
        """The row positions of ``model`` (contiguous, ordered by item)."""
        if not isinstance(model, str):
            raise ValidationError(f"model must be a model id (a string), got {model!r:.80}")
        if model not in self._model_slices:
            if model in self.models:
                return range(0)
            known = ", ".join(self.models[:10]) + (", ..." if len(self.models) > 10 else "")
            raise ValidationError(f"model {model!r} has no outcomes (models: {known})")
        return range(*self._model_slices[model])

    def selected(
        self, rows: Iterable[int], *, tags: Iterable[str] | None = None, split: str | None = None
    ) -> list[int]:
        """The rows among ``rows`` whose item carries all ``tags`` and is in ``split``.

        A lone string in ``tags`` is one tag, not its characters.
        """
        if tags is not None and not isinstance(tags, (str, Iterable)):
            raise ValidationError(f"tags must be a tag or a collection of tags, got {tags!r:.80}")
        if isinstance(rows, (str, bytes)) or not isinstance(rows, Iterable):
            raise ValidationError(f"rows must be row numbers, got {rows!r:.80}")
        wanted = frozenset((tags,) if isinstance(tags, str) else (tags or ()))
        tag_ok = [wanted <= tag_set for tag_set in self.tag_sets]
        split_ok = [split is None or value == split for value in self.split_values]
        tag_index, split_index = self.tag_index, self.split
        if all(tag_ok) and all(split_ok):
            return list(rows)
        return [row for row in rows if tag_ok[tag_index[row]] and split_ok[split_index[row]]]

    def scores(
        self, model: str, *, tags: Iterable[str] | None = None, split: str | None = None
    ) -> dict[Hashable, float]:
        """``model``'s score per item id."""
        items, item, score = self.items, self.item, self.score
        return {
            items[item[row]]: score[row]
            for row in self.selected(self.rows_of(model), tags=tags, split=split)
        }

    def _columns(self, rows: Iterable[int]) -> dict[str, list[Any]]:
        columns: dict[str, list[Any]] = {
            name: [] for name in ("item", "model", "score", "cost", "latency_s", "tags", "split")
        }
        for row in rows:
            latency = self.latency_s[row]
            columns["item"].append(self.items[self.item[row]])
            columns["model"].append(self.models[self.model[row]])
            columns["score"].append(self.score[row])
            columns["cost"].append(self.cost[row])
            columns["latency_s"].append(None if math.isnan(latency) else latency)
            columns["tags"].append(self.tag_sets[self.tag_index[row]])
            columns["split"].append(self.split_values[self.split[row]])
        return columns

    def subset(
        self,
        *,
        tags: Iterable[str] | None = None,
        split: str | None = None,
        models: Iterable[str] | None = None,
    ) -> Outcomes:
        """A new table with the rows whose item has all ``tags``, is in ``split``, of ``models``.

        Examples:
            >>> table = Outcomes.from_columns(item=[1, 2], model=["m", "m"], score=[1, 0], split=["train", "test"])
            >>> table.subset(split="test")
            Outcomes(1 items, 1 models, 1 rows)
        """
        if isinstance(models, str):
            models = (models,)  # a lone string is one model, not its characters
        if models is not None and not isinstance(models, Iterable):
            raise ValidationError(f"models must be model ids, got {models!r:.80}")
        keep = (
            None if models is None else {self.models.index(m) for m in models if m in self.models}
        )
        rows = self.selected(range(len(self)), tags=tags, split=split)
        if keep is not None:
            rows = [r for r in rows if self.model[r] in keep]
        return Outcomes.from_columns(**self._columns(rows))

    def assign(
        self,
        *,
        cost: Mapping[str, float] | None = None,
        split: Callable[[Hashable], str | None] | None = None,
    ) -> Outcomes:
        """A new table with each model's cost per item set from ``cost``, or each item's split
        set by ``split(item)``; for data logged without costs or splits.

        Examples:
            >>> table = Outcomes.from_columns(item=[1, 2], model=["m", "m"], score=[1, 0])
            >>> priced = table.assign(cost={"m": 0.002}, split=lambda item: "odd" if item % 2 else "even")
            >>> list(priced.cost), priced.scores("m", split="odd")
            ([0.002, 0.002], {1: 1.0})
        """
        columns = self._columns(range(len(self)))
        if cost is not None:
            for model in cost:
                if model not in self.models:
                    raise ValidationError(f"cost names {model!r}, which has no outcomes")
            columns["cost"] = [
                cost.get(m, c) for m, c in zip(columns["model"], columns["cost"], strict=True)
            ]
        if split is not None:
            columns["split"] = [split(item) for item in columns["item"]]
        return Outcomes.from_columns(**columns)

    def matrix(self) -> Matrix:
        """Scores and costs as one dense column per model, indexed by item (built once)."""
        if self._matrix is None:
            self._matrix = Matrix(self)
        return self._matrix

    def records(self) -> Iterator[EvalRecord]:
        """Every row as an :class:`EvalRecord`."""
        for row in range(len(self)):
            latency = self.latency_s[row]
            yield EvalRecord(
                item=self.items[self.item[row]],
                model=self.models[self.model[row]],
                score=self.score[row],
                cost=self.cost[row],
                latency_s=None if math.isnan(latency) else latency,
                tags=self.tag_sets[self.tag_index[row]],
                split=self.split_values[self.split[row]],
            )

    def to_rows(self) -> list[dict[str, object]]:
        """Every row as a plain dict."""
        return [
            {
                "item": r.item,
                "model": r.model,
                "score": r.score,
                "cost": r.cost,
                "latency_s": r.latency_s,
                "tags": sorted(r.tags),
                "split": r.split,
            }
            for r in self.records()
        ]

    def _repr_html_(self) -> str:
        summary = [{"model": name, "rows": len(self.rows_of(name))} for name in self.models]
        return html_table(summary, caption=repr(self))

    @classmethod
    def from_frame(
        cls,
        frame: Any,
        *,
        item: str = "item",
        model: str = "model",
        score: str = "score",
        cost: str | None = None,
        latency_s: str | None = None,
        tags: str | None = None,
        split: str | None = None,
    ) -> Outcomes:
        """Build from a pandas, polars or pyarrow table, one row per item × model.

        Columns are named by the keyword arguments (``cost``, ``latency_s``, ``tags`` and
        ``split`` are optional). A missing score (NaN, None, null) is a missing outcome, a
        missing cost is 0, a missing tag cell means no tags; a tags cell may hold one tag
        or a list of tags. Needs ``pip install 'modelfolio[frames]'`` (narwhals).

        Examples:
            >>> import pandas as pd
            >>> frame = pd.DataFrame({"item": ["q1", "q1", "q2"], "model": ["a", "b", "a"],
            ...                       "score": [1.0, 0.0, float("nan")], "task": ["math", "math", None]})
            >>> Outcomes.from_frame(frame, tags="task")
            Outcomes(2 items, 2 models, 2 rows)
        """
        from modelfolio._common.frames import (
            check_names,
            columns_of,
            labels,
            missing,
            native_columns,
            numbers,
            tag_sets,
        )

        wanted = {
            "item": item,
            "model": model,
            "score": score,
            "cost": cost,
            "latency_s": latency_s,
            "tags": tags,
            "split": split,
        }
        check_names(wanted, optional=("cost", "latency_s", "tags", "split"))
        parts = native_columns(frame, wanted, "Outcomes.from_frame")
        if parts is not None:
            return cls._from_parts(parts)
        found = columns_of(frame, wanted, "Outcomes.from_frame")
        raw_cost, raw_latency = found["cost"], found["latency_s"]
        raw_tags, raw_split = found["tags"], found["split"]
        return cls.from_columns(
            item=labels(found["item"] or [], "item", item),
            model=[str(m) for m in labels(found["model"] or [], "model", model)],
            score=numbers(found["score"] or [], "score", score, math.nan),
            cost=None if raw_cost is None else numbers(raw_cost, "cost", str(cost), 0.0),
            # NaN is "not measured" to from_columns as it is here: no conversion needed.
            latency_s=None
            if raw_latency is None
            else numbers(raw_latency, "latency_s", str(latency_s), math.nan),
            tags=None if raw_tags is None else tag_sets(raw_tags, str(tags)),
            split=None
            if raw_split is None
            else [None if missing(v) else str(v) for v in raw_split],
        )

    @classmethod
    def _from_parts(cls, parts: Mapping[str, Any]) -> Outcomes:
        """Build from columns already encoded and ordered by (model, item) by a frame."""
        score: array[float] = parts["score"]
        kept = len(score)
        cost = parts["cost"] if parts["cost"] is not None else array("d", [0.0]) * kept
        _check_numbers(score, cost, parts["latency_s"])
        latency = parts["latency_s"]
        latency = latency if latency is not None else array("d", [math.nan]) * kept
        for name in parts["models"]:
            text(name, "model")
        tag_sets: tuple[frozenset[str], ...] = (frozenset(),)
        tag_index = array("q", bytes(8 * kept))
        if parts["tags"] is not None:
            seen, tag_index = parts["tags"]
            tag_sets += tuple(frozenset({text(tag, "tags")}) for tag in seen)
        split_values: tuple[str | None, ...] = (None,)
        split_index = array("q", bytes(8 * kept))
        if parts["split"] is not None:
            seen, split_index = parts["split"]
            split_values += tuple(text(value, "split") for value in seen)
        return cls(
            items=parts["items"],
            models=parts["models"],
            item=parts["item"],
            model=parts["model"],
            score=score,
            cost=cost,
            latency_s=latency,
            tag_sets=tag_sets,
            tag_index=tag_index,
            split_values=split_values,
            split=split_index,
        )

    def to_frame(self, backend: Any = "pandas") -> Any:
        """The table as a frame of ``backend`` (``"pandas"``, ``"polars"`` or ``"pyarrow"``).

        One row per outcome with columns item, model, score, cost, latency_s (missing:
        null), tags (a list of strings) and split. Needs narwhals and that library.

        Examples:
            >>> table = Outcomes.from_columns(item=["q1", "q2"], model=["m", "m"], score=[1, 0])
            >>> table.to_frame("pandas")["score"].tolist()
            [1.0, 0.0]
        """
        from modelfolio._common.frames import frame_of

        items, models, tag_sets, splits = self.items, self.models, self.tag_sets, self.split_values
        sorted_tags = [sorted(t) for t in tag_sets]
        data: dict[str, Sequence[Any]] = {
            "item": [items[i] for i in self.item],
            "model": [models[m] for m in self.model],
            "score": self.score.tolist(),
            "cost": self.cost.tolist(),
            "latency_s": [None if v != v else v for v in self.latency_s],
            "split": [splits[s] for s in self.split],
        }
        return frame_of(data, backend, "Outcomes.to_frame", {"tags": (self.tag_index, sorted_tags)})


class Matrix:
    """Dense per-model columns of an :class:`Outcomes` table: ``score[m][i]``, ``cost[m][i]``.

    ``m`` is a model's column (``column[model]``), ``i`` an item index; a missing score
    is NaN. ``item_tags[i]`` are item ``i``'s tags (from its first row). Replaying a million outcomes is then a matter of indexing, not searching.
    """

    __slots__ = ("column", "cost", "item_tags", "models", "score")

    def __init__(self, outcomes: Outcomes) -> None:
        n = len(outcomes.items)
        self.models = outcomes.models
        self.column = {model: k for k, model in enumerate(outcomes.models)}
        self.score = []
        self.cost = []
        item, score, cost = outcomes.item, outcomes.score, outcomes.cost
        slices = [outcomes.rows_of(model) for model in outcomes.models]
        # Each model's rows are one slice: scatter them by item with dict lookups at C
        # speed (no Python loop over rows).
        for rows in slices:
            items = item[rows.start : rows.stop]
            scores = dict(zip(items, score[rows.start : rows.stop], strict=True))
            costs = dict(zip(items, cost[rows.start : rows.stop], strict=True))
            self.score.append(array("d", map(scores.get, range(n), itertools.repeat(math.nan))))
            self.cost.append(array("d", map(costs.get, range(n), itertools.repeat(0.0))))
        # An item's tags are those of its first row (rows are ordered by model): later
        # models first, so earlier ones overwrite them.
        first: dict[int, int] = {}
        for rows in reversed(slices):
            first.update(
                zip(
                    item[rows.start : rows.stop],
                    outcomes.tag_index[rows.start : rows.stop],
                    strict=True,
                )
            )
        sets = (*outcomes.tag_sets, frozenset())
        self.item_tags: list[frozenset[str]] = list(
            map(sets.__getitem__, map(first.get, range(n), itertools.repeat(len(sets) - 1)))
        )

    def complete_items(self) -> list[int]:
        """Items every model has a score for, by index."""
        columns = self.score
        return [i for i in range(len(self.item_tags)) if all(c[i] == c[i] for c in columns)]
