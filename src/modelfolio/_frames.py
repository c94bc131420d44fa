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
from collections.abc import Mapping, Sequence
from typing import Any

from modelfolio._errors import MissingDependencyError, ValidationError

__all__ = ["columns_of", "frame_of"]


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


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def columns_of(
    frame: Any, wanted: Mapping[str, str | None], what: str
) -> dict[str, list[Any] | None]:
    """The frame's columns named by ``wanted`` (field to column name) as lists."""
    nw = narwhals(what)
    try:
        table = nw.from_native(frame, eager_only=True)
    except TypeError:
        raise ValidationError(
            f"frame must be a pandas, polars or pyarrow table, got {type(frame).__name__}"
        ) from None
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
