"""DataFrames in and out, through narwhals (pandas, polars or pyarrow; none imported here).

narwhals is an optional extra (``pip install 'modelfolio[frames]'``), imported only when
a frame is converted; modelfolio never imports pandas, polars or pyarrow itself: the
caller's frame library does the work, and the backend named for output is the caller's.
Missing values are normalised: pandas gives NaN (or None) for a missing string, polars
and pyarrow null; all become "missing" here.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from modelfolio._common.errors import MissingDependencyError, ValidationError

__all__ = ["columns_of", "frame_of", "missing", "native_columns"]


def narwhals(what: str) -> Any:
    """The narwhals module, or :class:`MissingDependencyError` saying what to install."""
    try:
        import narwhals.stable.v1 as nw
    except ImportError as error:
        raise MissingDependencyError(
            f"{what} needs narwhals: pip install 'modelfolio[frames]' "
            "(and pandas, polars or pyarrow, whichever you use)"
        ) from error
    return nw


_MISSING_TYPES = frozenset({"NAType", "NaTType"})
"""pandas' missing-value markers (``pd.NA``, ``pd.NaT``), known by name: pandas is never imported."""


def missing(value: Any) -> bool:
    """Whether a cell is missing: None, NaN, or pandas' ``NA`` / ``NaT``."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return type(value).__name__ in _MISSING_TYPES


_missing = missing


def check_names(wanted: Mapping[str, Any], optional: Iterable[str]) -> None:
    """Each field's column argument: a column name (a non-empty string), or None if optional."""
    for name, column in wanted.items():
        if column is None and name in optional:
            continue
        if not isinstance(column, str) or not column:
            need = "a column name (a non-empty string)" + (" or None" if name in optional else "")
            raise ValidationError(f"{name} must be {need}, got {column!r:.80}")


def _table(frame: Any, nw: Any) -> Any:
    """``frame`` as a narwhals eager table; None if it is not a table. A frame whose columns
    repeat a name is refused: which of the two a name means would be a guess."""
    try:
        table = nw.from_native(frame, eager_only=True)
    except TypeError:
        return None
    except Exception as error:  # narwhals' DuplicateError, and any backend's own
        if "duplicate" in type(error).__name__.lower() or "unique" in str(error).lower():
            detail = " ".join(str(error).split())
            raise ValidationError(f"the frame's column names repeat ({detail})") from None
        raise
    columns = list(table.columns)
    if len(set(columns)) != len(columns):
        twice = sorted({str(c) for c in columns if columns.count(c) > 1})
        raise ValidationError(f"the frame's column names repeat: {', '.join(twice)}")
    return table


def columns_of(
    frame: Any, wanted: Mapping[str, str | None], what: str
) -> dict[str, list[Any] | None]:
    """The frame's columns named by ``wanted`` (field to column name) as lists."""
    nw = narwhals(what)
    table = _table(frame, nw)
    if table is None:
        raise ValidationError(
            f"frame must be a pandas, polars or pyarrow table, got {type(frame).__name__}"
        )
    present = list(table.columns)
    found: dict[str, list[Any] | None] = {}
    for name, column in wanted.items():
        if column is None:
            found[name] = None
            continue
        if column not in present:
            raise ValidationError(
                f"{name}={column!r}: the frame has no column {column!r} (columns: "
                + ", ".join(map(str, present))
                + ")"
            )
        found[name] = table.get_column(column).to_list()
    return found


def labels(values: Sequence[Any], name: str, column: str) -> list[Any]:
    """Ids or names, with a missing one reported by its row."""
    if set(map(type, values)) <= {str, int}:
        return list(values)  # the usual case, checked at C speed
    for k, value in enumerate(values):
        if _missing(value):
            raise ValidationError(f"{name}: column {column!r} is missing a value in row {k}")
    return list(values)


def numbers(values: Sequence[Any], name: str, column: str, missing: float) -> Sequence[float]:
    """Numbers, missing ones as ``missing``; a non-number is reported by its row."""
    kinds = set(map(type, values))
    if kinds <= {float, int, type(None)}:
        if type(None) in kinds:
            values = [missing if v is None else v for v in values]
        column_ = array("d", values)
        if missing == missing:  # NaN from the frame means missing here too
            column_ = array("d", [missing if v != v else v for v in column_])
        return column_
    result: list[float] = []
    for k, value in enumerate(values):
        if _missing(value):
            result.append(missing)
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValidationError(
                f"{name}: column {column!r} holds {value!r} in row {k}, not a number"
            )
        else:
            result.append(float(value))
    return result


def tag_sets(values: Sequence[Any], column: str) -> list[frozenset[str]]:
    """Each row's tags: one string, a list of strings, or missing (no tags)."""
    kinds = set(map(type, values))
    if kinds <= {str, type(None), float}:
        # One tag per cell (or missing): map each distinct cell once, rows at C speed.
        mapping: dict[Any, frozenset[str]] = {}
        for value in set(values):
            mapping[value] = frozenset() if _missing(value) else frozenset({value})
        if float not in kinds or all(_missing(v) for v in mapping if isinstance(v, float)):
            return list(map(mapping.__getitem__, values))
    # Some cells hold lists of tags: row by row (from_columns dedupes what comes out).
    result: list[frozenset[str]] = []
    for k, value in enumerate(values):
        if _missing(value):
            result.append(frozenset())
        elif isinstance(value, str):
            result.append(frozenset({value}))
        elif isinstance(value, (list, tuple)) or hasattr(value, "tolist"):
            items = value.tolist() if hasattr(value, "tolist") else value
            if not all(isinstance(item, str) for item in items):
                raise ValidationError(
                    f"tags: column {column!r} holds {value!r} in row {k}, not strings"
                )
            result.append(frozenset(items))
        else:
            raise ValidationError(
                f"tags: column {column!r} holds {value!r} in row {k}, not a tag or list of tags"
            )
    return result


def frame_of(
    data: Mapping[str, Sequence[Any]],
    backend: Any,
    what: str,
    encoded: Mapping[str, tuple[Sequence[int], Sequence[Any]]] | None = None,
) -> Any:
    """A frame of ``backend`` (``"pandas"``, ``"polars"``, ``"pyarrow"`` or a module).

    ``encoded`` adds columns given as (codes, distinct values): the frame library
    gathers them natively, which for list-valued columns is many times faster than
    building a million lists.
    """
    nw = narwhals(what)
    try:
        frame = nw.from_dict(dict(data), backend=backend)
        for name, (codes, distinct) in (encoded or {}).items():
            values = nw.new_series(name, list(distinct), backend=backend)[list(codes)]
            frame = frame.with_columns(values.alias(name))
        return frame.to_native()
    except (ValueError, TypeError, ImportError, ModuleNotFoundError) as error:
        raise ValidationError(
            f"backend must name an installed frame library (pandas, polars, pyarrow), got {backend!r}: {error}"
        ) from None


def _distinct(table: Any, nw: Any, column: str, code: str) -> tuple[Any, list[Any]]:
    """The distinct non-missing values of ``column`` in first-seen order, as a lookup
    table (numbered in ``code``; native types kept, so joins on it need no casts) and as
    a list."""
    lookup = table.select(column).filter(~nw.col(column).is_null())
    lookup = lookup.unique(maintain_order=True).with_row_index(code)
    return lookup, lookup[column].to_list()


def native_columns(
    frame: Any, wanted: Mapping[str, str | None], what: str
) -> dict[str, Any] | None:
    """The parts of an ``Outcomes`` table, computed by the frame's own library.

    Distinct values are found, rows dictionary-encoded (by joins on small lookup tables)
    and sorted by (model, item) natively; Python touches only the distinct values and the
    final integer and float columns. Gives ``None`` when a column is not of a plain type
    (strings, integers, floats), holds a missing id, or a pair repeats: the row-by-row
    path then builds the table or names the culprit, so both paths give the same table
    or the same error.
    """
    nw = narwhals(what)
    table = _table(frame, nw)
    if table is None:
        return None
    schema = table.schema
    names = {name: column for name, column in wanted.items() if column is not None}
    if any(column not in schema for column in names.values()):
        return None
    kinds = {name: schema[column] for name, column in names.items()}

    def numeric(kind: Any) -> bool:
        return bool(kind.is_numeric()) and kind != nw.Boolean

    if not (
        (kinds["item"] == nw.String or kinds["item"].is_integer())
        and kinds["model"] == nw.String
        and all(numeric(kinds[n]) for n in ("score", "cost", "latency_s") if n in kinds)
        and all(kinds[n] == nw.String for n in ("tags", "split") if n in kinds)
    ):
        return None
    item, model = names["item"], names["model"]
    if table[item].null_count() or table[model].null_count():
        return None
    renamed = {column: f"__{name}" for name, column in names.items()}
    if len(set(renamed)) != len(renamed):  # one column named for two fields
        return None
    table = table.select([nw.col(c).alias(n) for c, n in renamed.items()])
    # Distinct values in first-seen order, over every row (as the row-by-row path does).
    try:
        lookups = {
            name: _distinct(table, nw, f"__{name}", f"__{name}_code")
            for name in ("item", "model", "tags", "split")
            if name in names
        }
    except TypeError:  # unhashable cells in an object column: the row-by-row path says which
        return None
    items = lookups["item"][1]
    # An object column (pandas) may claim strings and hold anything: check each value.
    item_kind = str if kinds["item"] == nw.String else int
    if not all(type(value) is item_kind for value in items) or not all(
        type(value) is str and value
        for name in ("model", "tags", "split")
        if name in lookups
        for value in lookups[name][1]
    ):
        return None
    models = sorted(lookups["model"][1])
    table = table.with_columns(nw.col("__score").cast(nw.Float64))
    table = table.filter(~(nw.col("__score").is_null() | nw.col("__score").is_nan()))
    for name, (lookup, _) in lookups.items():
        table = table.join(lookup, on=f"__{name}", how="left")
    # Models are numbered in sorted order (Python's, not the library's collation).
    rank = {name: models.index(name) for name in lookups["model"][1]}
    renumber = [rank[name] for name in lookups["model"][1]]
    table = table.with_columns(
        nw.col("__model_code").replace_strict(list(range(len(renumber))), renumber).alias("__m"),
        nw.col("__item_code").alias("__i"),
    )
    table = table.sort(["__m", "__i"])
    # Sorted, a repeated (model, item) pair is two neighbouring rows.
    same = (nw.col("__m") == nw.col("__m").shift(1)) & (nw.col("__i") == nw.col("__i").shift(1))
    if len(table) > 1 and table.select(same.any()).item():
        return None

    def floats(column: str, missing: float) -> array[float]:
        values = table.select(nw.col(column).cast(nw.Float64).fill_null(missing))[column]
        result = array("d", values.to_list())
        if missing == missing and any(map(math.isnan, result)):
            result = array("d", [missing if v != v else v for v in result])
        return result

    def codes(column: str) -> array[int]:
        # Rows without a value (null) have no code: shifted so that they get 0.
        values = table.select((nw.col(column).fill_null(-1) + 1).cast(nw.Int64))[column]
        return array("q", values.to_list())

    parts: dict[str, Any] = {
        "items": tuple(items),
        "models": tuple(models),
        "item": array("q", table["__i"].to_list()),
        "model": array("q", table["__m"].to_list()),
        "score": array("d", table["__score"].to_list()),
        "cost": floats("__cost", 0.0) if "cost" in names else None,
        "latency_s": floats("__latency_s", math.nan) if "latency_s" in names else None,
    }
    for name in ("tags", "split"):
        if name in lookups:
            parts[name] = (lookups[name][1], codes(f"__{name}_code"))
        else:
            parts[name] = None
    return parts
