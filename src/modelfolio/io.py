"""The file-reading shell around the pure core.

The core takes dicts, sequences and objects; this module is the one place (with
``__main__`` and the execution module) that opens files. Each reader parses a file
and hands plain columns to the matching pure constructor.

Formats are told apart by extension: ``.csv`` for comma-separated values with a header
row, ``.jsonl`` (or ``.ndjson``) for one JSON object per line; pass ``format=`` to
override. Score cells may be numbers, booleans (``True``/``False``, any case) or blank
(missing).
"""

from __future__ import annotations

import csv
import json
import math
import os
import struct
import threading
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Literal, Union

from attrs import field, frozen

from modelfolio._catalog.catalog import Catalog
from modelfolio._common.errors import MissingDependencyError, ModelfolioError, ValidationError
from modelfolio._common.validate import check, positive_count
from modelfolio._evaluation.arena import VERDICTS
from modelfolio._evaluation.judgements import Judgements
from modelfolio._evaluation.outcomes import Outcomes
from modelfolio._exposure.traffic import UsageRecord
from modelfolio._formats.litellm import VENDOR_RULES, PriceMapImport, VendorRule, from_litellm
from modelfolio._formats.logs import (
    FormatError,
    inspect_outcomes,
    inspect_queries,
    inspect_usage,
    lm_eval_outcomes,
    lm_eval_queries,
    otlp_records,
    spend_log_records,
)

__all__ = [
    "DEFAULT_LIMITS",
    "ReadLimits",
    "load_litellm",
    "read_alpaca_eval",
    "read_battles",
    "read_inspect_log",
    "read_inspect_queries",
    "read_inspect_usage",
    "read_json",
    "read_judgements",
    "read_litellm_spend_logs",
    "read_lm_eval",
    "read_lm_eval_queries",
    "read_otel_genai",
    "read_outcomes_long",
    "read_outcomes_wide",
]

PathLike = Union[str, "os.PathLike[str]"]
Format = Literal["csv", "jsonl"]

# Common ways preference data spells its verdicts.
DEFAULT_WINNERS: Mapping[str, str] = VERDICTS

_MIB = 1 << 20


@frozen(kw_only=True)
class ReadLimits:
    """How much of an untrusted file the readers parse before refusing it.

    Files from outside are hostile: every reader stops at these bounds, reads no more
    than they allow, and raises a :class:`~modelfolio.ValidationError` naming the file,
    the place and the limit. Pass ``limits=ReadLimits(...)`` to a reader to raise one.

    Examples:
        >>> ReadLimits().max_json_depth, ReadLimits(max_cell_chars=8 << 20).max_cell_chars
        (200, 8388608)
    """

    max_file_bytes: int = field(default=2048 * _MIB, validator=check(positive_count))
    """A text file (CSV, JSON, JSON lines) is read whole: at most this many bytes."""
    max_line_chars: int = field(default=256 * _MIB, validator=check(positive_count))
    """The longest line of a JSON-lines or CSV file."""
    max_cell_chars: int = field(default=16 * _MIB, validator=check(positive_count))
    """The longest cell of a CSV file."""
    max_json_depth: int = field(default=200, validator=check(positive_count))
    """How deeply JSON values may nest (objects and arrays); Python's own parser stops
    near 1,000 levels."""
    max_member_bytes: int = field(default=1024 * _MIB, validator=check(positive_count))
    """An archive member (of an Inspect ``.eval`` log) inflates to at most this."""
    max_inflation: int = field(default=200, validator=check(positive_count))
    """A member inflates to at most this multiple of its compressed size."""
    max_archive_bytes: int = field(default=4096 * _MIB, validator=check(positive_count))
    """All members of one archive inflate to at most this, together."""


DEFAULT_LIMITS = ReadLimits()
"""The limits every reader applies unless given others."""

_LIMITS: ContextVar[ReadLimits] = ContextVar("modelfolio_read_limits", default=DEFAULT_LIMITS)
_CSV_LIMIT = threading.Lock()  # csv's cell limit is process-wide: set and restored under it

# What a reader's own parsing may raise on a file that is not what it claims to be,
# beyond the checks that name the problem precisely: turned into a ValidationError
# naming the file (and, inside the format converters, the place).
_STRAY = (
    TypeError,
    AttributeError,
    KeyError,
    IndexError,
    ValueError,
    RecursionError,
    OverflowError,
    UnicodeError,
    RuntimeError,
    MemoryError,
    EOFError,
    csv.Error,
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    struct.error,
    zlib.error,
)


@contextmanager
def _reading(path: Any, limits: Any) -> Iterator[None]:
    """Apply ``limits`` while reading ``path``; turn a stray exception into an error naming it."""
    if not isinstance(limits, ReadLimits):
        raise ValidationError(f"limits must be a ReadLimits, got {limits!r:.80}")
    token = _LIMITS.set(limits)
    try:
        yield
    except ModelfolioError:
        raise
    except _STRAY as error:
        if isinstance(error, MemoryError):
            detail = "too large to read into memory"
        elif isinstance(error, RecursionError):
            detail = "nested too deeply to parse"
        else:
            detail = " ".join(f"{type(error).__name__}: {error}".split())[:300]
        raise ValidationError(
            f"{_name(path)}: not a file this reader can read ({detail})"
        ) from None
    finally:
        _LIMITS.reset(token)


def _name(path: Any) -> str:
    if isinstance(path, (str, os.PathLike)):
        return os.fspath(path)
    return "input" if path is None else repr(path)[:80]


def _path(path: Any, name: str = "path") -> str:
    """``path`` as a string, or an error naming the argument."""
    if isinstance(path, bytes) or not isinstance(path, (str, os.PathLike)):
        raise ValidationError(f"{name} must be a path (a str or os.PathLike), got {path!r:.80}")
    text = os.fspath(path)
    if not isinstance(text, str) or not text:
        raise ValidationError(f"{name} must be a non-empty path, got {path!r:.80}")
    if "\x00" in text:
        raise ValidationError(f"{name} holds a NUL character: {text!r:.80}")
    return text


def _read_bytes(path: str) -> bytes:
    limit = _LIMITS.get().max_file_bytes
    try:
        with open(path, "rb") as handle:
            data = _at_most(handle, limit)
    except FileNotFoundError:
        raise ValidationError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ValidationError(f"{path}: a folder, not a file") from None
    except PermissionError:
        raise ValidationError(f"{path}: not allowed to read it") from None
    except OSError as error:
        raise ValidationError(f"{path}: cannot read it ({error.strerror or error})") from None
    if len(data) > limit:
        raise ValidationError(
            f"{path}: larger than {limit:,} bytes (ReadLimits.max_file_bytes); "
            "pass limits=ReadLimits(max_file_bytes=...) to read it"
        )
    return data


def _at_most(stream: Any, limit: int) -> bytes:
    """Up to ``limit + 1`` bytes of ``stream``: one more than allowed tells it is too long.

    In chunks: ``read(limit + 1)`` can allocate the whole limit at once, and a stream that
    grows as it is read (a pipe, ``/dev/zero``, a decompressor) must stop at it too.
    """
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = stream.read(min(_MIB, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _decode(data: bytes, where: str) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(f"{where}: not UTF-8 text (byte {error.start})") from None
    return text


def _read_text(path: str) -> str:
    return _decode(_read_bytes(path), path)


def _depth_beyond(value: Any, limit: int) -> bool:
    """Whether ``value`` nests objects and arrays more than ``limit`` levels deep."""
    level: list[Any] = [value]
    depth = 0
    while level:
        containers = [v for v in level if isinstance(v, (dict, list))]
        if not containers:
            return False
        depth += 1
        if depth > limit:
            return True
        level = [
            child
            for container in containers
            for child in (container.values() if isinstance(container, dict) else container)
        ]
    return False


def _parse(text: str, where: str) -> Any:
    """The JSON value of ``text``; an error names ``where`` and the position in it."""
    if not text.strip():
        raise ValidationError(f"{where}: empty")
    limit = _LIMITS.get().max_json_depth
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        # One line of a JSON-lines file is already named by ``where``: add the column.
        position = f"column {error.colno}"
        if "\n" in text.strip():
            position = f"line {error.lineno} {position}"
        raise ValidationError(f"{where} {position}: not JSON ({error.msg})") from None
    except RecursionError:
        raise ValidationError(
            f"{where}: JSON nested deeper than {limit} levels (ReadLimits.max_json_depth)"
        ) from None
    except ValueError as error:  # an integer of more digits than Python converts
        raise ValidationError(f"{where}: not JSON Python can read ({error})") from None
    # A value cannot nest deeper than the text has brackets (counted at C speed): most
    # lines and small files need no walk.
    if text.count("[") + text.count("{") > limit and _depth_beyond(value, limit):
        raise ValidationError(
            f"{where}: JSON nested deeper than {limit} levels (ReadLimits.max_json_depth)"
        )
    return value


def _lines(text: str, path: str, *, newline_only: bool = False) -> list[str]:
    """The lines of ``text``, refusing one over the limit (checked at C speed).

    JSON lines end at ``\n`` only (a JSON string may hold U+2028 as it is); CSV lines
    at any line break, as :mod:`csv` reads them.
    """
    limit = _LIMITS.get().max_line_chars
    lines = text.split("\n") if newline_only else text.splitlines(keepends=True)
    if lines and max(map(len, lines)) > limit:
        number = next(n for n, line in enumerate(lines, start=1) if len(line) > limit)
        raise ValidationError(
            f"{path} line {number}: longer than {limit:,} characters (ReadLimits.max_line_chars)"
        )
    return lines


def _json_lines(path: str, text: str | None = None) -> Iterator[tuple[str, Any]]:
    """``(where, value)`` for each non-blank line of a JSON-lines file (``text``: its
    contents, when already read)."""
    text = _read_text(path) if text is None else text
    if not text.strip():
        raise ValidationError(f"{path}: empty")
    for number, line in enumerate(_lines(text, path, newline_only=True), start=1):
        if line.strip():
            yield f"{path} line {number}", _parse(line, f"{path} line {number}")


_CSV_CHUNK = 4096  # rows parsed at a time under csv's (process-wide) cell limit


def _csv_rows(path: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """``(where, row)`` for each row of a CSV file with a header row.

    :mod:`csv`'s cell limit is one setting for the whole process: it is set to
    ``max_cell_chars`` and restored around each chunk of rows, under a lock, so readers
    in other threads keep their own limits and no lock is held while rows are used.
    """
    text = _read_text(path)
    if not text.strip():
        raise ValidationError(f"{path}: empty")
    limit = _LIMITS.get().max_cell_chars
    reader = csv.reader(_lines(text, path))
    header: list[str] | None = None
    seen = False
    while True:
        chunk: list[tuple[str, Mapping[str, Any]]] = []
        with _CSV_LIMIT:
            previous = csv.field_size_limit(limit)
            try:
                if header is None:
                    header = next(reader, None)
                    if header is None:
                        raise ValidationError(f"{path}: empty")
                    _check_header(header, path)
                _csv_chunk(reader, header, path, chunk)
            except csv.Error as error:
                detail = str(error)
                if "field larger than field limit" in detail:
                    detail = f"a cell longer than {limit:,} characters (ReadLimits.max_cell_chars)"
                raise ValidationError(
                    f"{path} line {reader.line_num}: not CSV ({detail})"
                ) from None
            finally:
                csv.field_size_limit(previous)
        if not chunk:
            break
        seen = True
        yield from chunk
    if not seen:
        raise ValidationError(f"{path}: a header but no rows")


def _csv_chunk(
    reader: Any, header: Sequence[str], path: str, chunk: list[tuple[str, Mapping[str, Any]]]
) -> None:
    """Up to ``_CSV_CHUNK`` rows of ``reader`` into ``chunk`` (none: the file has ended)."""
    width = len(header)
    for cells in reader:
        if len(cells) == width:
            chunk.append((f"{path} line {reader.line_num}", dict(zip(header, cells, strict=True))))
        elif len(cells) > width:
            raise ValidationError(
                f"{path} line {reader.line_num}: {len(cells)} cells but the header names "
                f"{width} columns"
            )
        elif cells:
            padded: list[str | None] = [*cells]
            padded += [None] * (width - len(cells))  # short: blanks
            chunk.append((f"{path} line {reader.line_num}", dict(zip(header, padded, strict=True))))
        if len(chunk) >= _CSV_CHUNK:
            return


def _check_header(header: Sequence[str], path: str) -> None:
    seen: set[str] = set()
    for column in header:
        if column in seen:
            raise ValidationError(
                f"{path} line 1: the column {column!r} appears twice in the header"
            )
        seen.add(column)


def read_json(path: PathLike, *, limits: ReadLimits = DEFAULT_LIMITS) -> Any:
    """Parse the JSON file at ``path`` (UTF-8, with or without a byte-order mark).

    Raises:
        ValidationError: no such file, not UTF-8, empty, not JSON or beyond ``limits``;
            the message names the file (and the line and column).
    """
    name = _path(path)
    with _reading(name, limits):
        return _parse(_read_text(name), name)


def load_litellm(
    path: PathLike,
    *,
    vendor_rules: Iterable[VendorRule] = VENDOR_RULES,
    model_aliases: Mapping[str, str] | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> PriceMapImport:
    """Read LiteLLM's ``model_prices_and_context_window`` JSON and import it.

    The same as ``from_litellm(read_json(path), ...)``; see
    :func:`modelfolio.from_litellm` for what is kept and how vendors are told apart.
    """
    name = _path(path)
    with _reading(name, limits):
        document = _parse(_read_text(name), name)
        try:
            return from_litellm(document, vendor_rules=vendor_rules, model_aliases=model_aliases)
        except ModelfolioError as error:
            raise ValidationError(f"{name}: {error}") from None


def _format(path: PathLike, format: Format | None) -> Format:
    if format is not None:
        if not isinstance(format, str) or format not in ("csv", "jsonl"):
            raise ValidationError(f"format must be 'csv' or 'jsonl', got {format!r}")
        return format
    name = os.fspath(path).lower()
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    raise ValidationError(
        f"{os.fspath(path)}: cannot tell the format from the name; name the file .csv, "
        ".jsonl or .ndjson, or pass format='csv' or 'jsonl'"
    )


def _rows(path: PathLike, format: Format | None) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """``(where, row)`` pairs from a CSV or JSONL file; ``where`` names the file and line."""
    name = _path(path)
    if _format(name, format) == "csv":
        yield from _csv_rows(name)
        return
    for where, row in _json_lines(name):
        if not isinstance(row, Mapping):
            raise ValidationError(f"{where}: expected a JSON object, got {type(row).__name__}")
        yield where, row


def _number(
    value: Any, where: str, missing: frozenset[float], *, at_least_zero: bool = False
) -> float:
    """A cell as a number (NaN when blank or in ``missing``), checked where it is read."""
    kind = type(value)
    if kind is float or kind is int:  # a JSON number
        if value - value == 0 and value not in missing and -1e308 < value < 1e308:
            if at_least_zero and value < 0:
                raise ValidationError(f"{where}: {value!r:.40} is negative")
            return float(value)
    elif kind is str:  # the usual CSV cell: a plain number, read at once
        try:
            result = float(value)
        except ValueError:
            pass
        else:
            if result - result == 0.0 and result not in missing:  # finite (not inf, not NaN)
                if at_least_zero and result < 0:
                    raise ValidationError(f"{where}: {value!r:.40} is negative")
                return result
    if value is None or value == "":
        return math.nan
    if isinstance(value, (bool, int, float)):
        try:
            result = float(value)
        except OverflowError:
            raise ValidationError(f"{where}: {value!r:.40} is not a finite number") from None
    elif isinstance(value, str):
        text = value.strip()
        lowered = text.lower()
        if lowered in ("true", "false"):
            result = 1.0 if lowered == "true" else 0.0
        elif lowered in ("", "nan", "null", "none"):
            return math.nan
        else:
            try:
                result = float(text)
            except ValueError:
                raise ValidationError(f"{where}: {value!r:.80} is not a number") from None
    else:
        raise ValidationError(f"{where}: {value!r:.80} is not a number")
    if math.isinf(result):
        raise ValidationError(f"{where}: {value!r:.40} is not a finite number")
    if result in missing:
        return math.nan
    if at_least_zero and result < 0:
        raise ValidationError(f"{where}: {value!r:.40} is negative")
    return result


def _column_name(value: Any, name: str, *, optional: bool = False) -> Any:
    """A column argument: a name, or None where the column is optional."""
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        need = "a column name (a non-empty string)" + (" or None" if optional else "")
        raise ValidationError(f"{name} must be {need}, got {value!r:.80}")
    return value


def _column_names(value: Any, name: str, *, optional: bool = False) -> Any:
    """A column argument naming one column or several."""
    if isinstance(value, str) or (value is None and optional):
        return _column_name(value, name, optional=optional)
    if isinstance(value, Sequence) and value:
        return [_column_name(v, name) for v in value]
    need = "a column name or a non-empty list of them" + (" or None" if optional else "")
    raise ValidationError(f"{name} must be {need}, got {value!r:.80}")


def _texts(value: Any, name: str) -> frozenset[str]:
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, Iterable) or isinstance(value, (bytes, Mapping)):
        raise ValidationError(f"{name} must be a collection of strings, got {value!r:.80}")
    found = list(value)
    for v in found:
        if not isinstance(v, str) or not v:
            raise ValidationError(f"{name} must hold non-empty strings, got {v!r:.80}")
    return frozenset(found)


def _missing(value: Any) -> frozenset[float]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ValidationError(f"missing must be a collection of numbers, got {value!r:.80}")
    found = list(value)
    for v in found:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ValidationError(f"missing must hold numbers, got {v!r:.80}")
    return frozenset(float(v) for v in found)


def _optional_text(value: Any, name: str) -> str | None:
    if value is not None and (not isinstance(value, str) or not value):
        raise ValidationError(f"{name} must be a non-empty string or None, got {value!r:.80}")
    return value


def _cell(row: Mapping[str, Any], column: str, where: str) -> Any:
    if column not in row:
        raise ValidationError(
            f"{where}: no column {column!r} (columns: {', '.join(map(str, row))})"
        )
    return row[column]


def _item_id(
    row: Mapping[str, Any], item: str | Sequence[str], where: str, prefix: str = ""
) -> Any:
    if isinstance(item, str):
        value = _id_cell(row, item, where)
    else:
        value = ":".join(str(_id_cell(row, column, where)) for column in item)
    return f"{prefix}{value}" if prefix else value


def _id_cell(row: Mapping[str, Any], column: str, where: str) -> Any:
    value = _cell(row, column, where)
    if type(value) is str and value:  # the usual cell
        return value
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
        raise ValidationError(f"{where}, {column}: {value!r:.80} is not an item id")
    return value


def _tags_of(
    row: Mapping[str, Any], tags: str | Sequence[str] | None, add_tags: frozenset[str], where: str
) -> frozenset[str]:
    columns = [tags] if isinstance(tags, str) else list(tags or ())
    found = set(add_tags)
    for column in columns:
        value = _text_cell(row, column, where)
        if value:
            found.add(value)
    return frozenset(found)


def read_outcomes_long(
    path: PathLike,
    *,
    item: str | Sequence[str],
    model: str,
    score: str,
    cost: str | None = None,
    latency_s: str | None = None,
    tags: str | Sequence[str] | None = None,
    split: str | None = None,
    add_tags: Iterable[str] = (),
    set_split: str | None = None,
    missing: Iterable[float] = (),
    item_prefix: str = "",
    format: Format | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> Outcomes:
    """Read one row per item × model into :class:`~modelfolio.Outcomes`.

    ``item`` names the id column, or several columns joined with ``":"`` (a question
    and its turn, say). ``tags`` names columns whose values become tags; ``add_tags``
    tags every row; ``set_split`` puts every row in a split. Scores in ``missing``
    (such as a judge's ``-1`` for "no valid grade") count as missing. ``item_prefix``
    is put before every item id, to keep apart items of different files that share an
    id (the same question in two subjects, say).
    """
    name, item, cost, latency_s, tags, split, unscored, extra, set_split = _outcome_options(
        path, item, cost, latency_s, tags, split, missing, add_tags, set_split, item_prefix
    )
    model = _column_name(model, "model")
    score = _column_name(score, "score")
    with _reading(name, limits):
        columns = _empty_columns()
        origins: list[str] = []
        for where, row in _rows(name, format):
            origins.append(where)
            columns["item"].append(_item_id(row, item, where, item_prefix))
            columns["model"].append(_model_cell(row, model, where))
            columns["score"].append(
                _number(_cell(row, score, where), f"{where}, {score}", unscored)
            )
            columns["cost"].append(
                0.0
                if cost is None
                else _zero_if_missing(
                    _number(_cell(row, cost, where), f"{where}, {cost}", _NONE, at_least_zero=True)
                )
            )
            columns["latency_s"].append(
                None
                if latency_s is None
                else _none_if_missing(
                    _number(
                        _cell(row, latency_s, where),
                        f"{where}, {latency_s}",
                        _NONE,
                        at_least_zero=True,
                    )
                )
            )
            columns["tags"].append(_tags_of(row, tags, extra, where))
            columns["split"].append(
                set_split if split is None else (_text_cell(row, split, where) or None)
            )
        return Outcomes.from_columns(**columns, origins=origins)


_NONE: frozenset[float] = frozenset()


def _model_cell(row: Mapping[str, Any], column: str, where: str) -> str:
    value = _cell(row, column, where)
    if type(value) is str and value and value.strip() == value:  # the usual cell
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip() or value != value.strip():
        raise ValidationError(f"{where}, {column}: {value!r:.80} is not a model id")
    return value


def _text_cell(row: Mapping[str, Any], column: str, where: str) -> str:
    value = _cell(row, column, where)
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise ValidationError(f"{where}, {column}: {value!r:.80} is not text")
    return str(value).strip()


def _outcome_options(
    path: Any,
    item: Any,
    cost: Any,
    latency_s: Any,
    tags: Any,
    split: Any,
    missing: Any,
    add_tags: Any,
    set_split: Any,
    item_prefix: Any,
) -> tuple[Any, ...]:
    """The options both outcome readers share, checked before the file is opened."""
    if not isinstance(item_prefix, str):
        raise ValidationError(f"item_prefix must be a string, got {item_prefix!r:.80}")
    return (
        _path(path),
        _column_names(item, "item"),
        _column_name(cost, "cost", optional=True),
        _column_name(latency_s, "latency_s", optional=True),
        _column_names(tags, "tags", optional=True),
        _column_name(split, "split", optional=True),
        _missing(missing),
        _texts(add_tags, "add_tags"),
        _optional_text(set_split, "set_split"),
    )


def _empty_columns() -> dict[str, list[Any]]:
    return {name: [] for name in ("item", "model", "score", "cost", "latency_s", "tags", "split")}


def _zero_if_missing(value: float) -> float:
    return 0.0 if math.isnan(value) else value


def _none_if_missing(value: float) -> float | None:
    return None if math.isnan(value) else value


def read_outcomes_wide(
    path: PathLike,
    *,
    item: str | Sequence[str],
    models: Sequence[str],
    cost: str | None = None,
    latency_s: str | None = None,
    tags: str | Sequence[str] | None = None,
    split: str | None = None,
    add_tags: Iterable[str] = (),
    set_split: str | None = None,
    missing: Iterable[float] = (),
    duplicates: Literal["error", "merge"] = "error",
    item_prefix: str = "",
    format: Format | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> Outcomes:
    """Read one row per item, a score column per model, into :class:`~modelfolio.Outcomes`.

    Per-model fields sit in ``<model>|<field>`` columns: ``cost="total_cost"`` reads
    ``gpt-4|total_cost`` for model ``gpt-4``. With ``duplicates="merge"``, rows that
    repeat an item id are merged model by model: each model's score, and its
    ``<model>|<field>`` cells, come from the row where that model was scored (rows
    whose score cells complement each other, as in RouterBench's ARC subset); two
    different scores for one model are an error naming the item and the rows.
    The other arguments are as for :func:`read_outcomes_long`.
    """
    if not isinstance(duplicates, str) or duplicates not in ("error", "merge"):
        raise ValidationError(f"duplicates must be 'error' or 'merge', got {duplicates!r:.80}")
    if isinstance(models, str) or not isinstance(models, Sequence) or not models:
        raise ValidationError(f"models must name the score columns, got {models!r:.80}")
    models = [_column_name(m, "models") for m in models]
    if len(set(models)) != len(models):
        raise ValidationError(f"models names a column twice: {models!r:.80}")
    name, item, cost, latency_s, tags, split, unscored, extra, set_split = _outcome_options(
        path, item, cost, latency_s, tags, split, missing, add_tags, set_split, item_prefix
    )
    with _reading(name, limits):
        return _wide(
            name, item, models, cost, latency_s, tags, split, extra, set_split, unscored,
            duplicates, item_prefix, format,
        )  # fmt: skip


def _wide(
    path: str,
    item: str | Sequence[str],
    models: Sequence[str],
    cost: str | None,
    latency_s: str | None,
    tags: str | Sequence[str] | None,
    split: str | None,
    extra: frozenset[str],
    set_split: str | None,
    unscored: frozenset[float],
    duplicates: str,
    item_prefix: str,
    format: Format | None,
) -> Outcomes:
    groups: dict[Any, list[tuple[str, Mapping[str, Any]]]] = {}
    for where, row in _rows(path, format):
        key = _item_id(row, item, where, item_prefix)
        group = groups.setdefault(key, [])
        if group and duplicates == "error":
            raise ValidationError(
                f"{where}: item {key!r} repeats {group[0][0]}; pass duplicates='merge' to merge"
            )
        group.append((where, row))
    fields = [
        (name, column)
        for name, column in (("cost", cost), ("latency_s", latency_s))
        if column is not None
    ]
    columns = _empty_columns()
    origins: list[str] = []
    for key, group in groups.items():
        where, first = group[0]
        row_tags = frozenset().union(*(_tags_of(row, tags, extra, place) for place, row in group))
        splits = (
            {_text_cell(row, split, place) or None for place, row in group}
            if split is not None
            else {set_split}
        )
        if len(splits) > 1:
            raise ValidationError(
                f"{where}: item {key!r} is in several splits: {sorted(map(str, splits))}"
            )
        for model in models:
            # A model's score and its <model>|<field> cells come from the row that scored it.
            scored = [
                (place, row) for place, row in group if _cell(row, model, place) not in (None, "")
            ]
            place, row = scored[0] if scored else (where, first)
            if len({str(r[model]).strip().lower() for _, r in scored}) > 1:
                raise ValidationError(
                    f"{place}: item {key!r} has different scores for {model!r} in rows {', '.join(p for p, _ in scored)}"
                )
            origins.append(f"{place}, {model}")
            columns["item"].append(key)
            columns["model"].append(model)
            columns["score"].append(
                _number(_cell(row, model, place), f"{place}, {model}", unscored)
            )
            values = {
                name: _number(
                    _cell(row, f"{model}|{column}", place),
                    f"{place}, {model}|{column}",
                    _NONE,
                    at_least_zero=True,
                )
                for name, column in fields
            }
            columns["cost"].append(_zero_if_missing(values.get("cost", 0.0)))
            columns["latency_s"].append(_none_if_missing(values.get("latency_s", math.nan)))
            columns["tags"].append(row_tags)
            columns["split"].append(next(iter(splits)))
    return Outcomes.from_columns(**columns, origins=origins)


def read_battles(
    path: PathLike,
    *,
    a: str = "model_a",
    b: str = "model_b",
    winner: str = "winner",
    winners: Mapping[str, str] = DEFAULT_WINNERS,
    format: Format | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> list[tuple[str, str, str]]:
    """Read pairwise preferences as ``(a, b, winner)`` tuples for :func:`~modelfolio.bradley_terry`.

    ``winners`` maps the file's verdicts to ``"a"``, ``"b"`` or ``"tie"``; the default
    knows Chatbot Arena's (``model_a``, ``model_b``, ``tie``, ``tie (bothbad)``) and
    left/right layouts.
    """
    name = _path(path)
    a, b, winner = (_column_name(v, n) for v, n in ((a, "a"), (b, "b"), (winner, "winner")))
    if not isinstance(winners, Mapping) or not winners:
        raise ValidationError(f"winners must be a non-empty mapping, got {winners!r:.80}")
    for verdict, side in winners.items():
        if not isinstance(verdict, str) or side not in ("a", "b", "tie"):
            raise ValidationError(
                f"winners must map verdicts (strings) to 'a', 'b' or 'tie', got {verdict!r:.40}: {side!r:.40}"
            )
    battles = []
    with _reading(name, limits):
        for where, row in _rows(name, format):
            verdict = _cell(row, winner, where)
            if not isinstance(verdict, str) or verdict not in winners:
                raise ValidationError(
                    f"{where}: winner {verdict!r:.80} is not one of {', '.join(map(repr, winners))}"
                )
            battles.append(
                (_model_cell(row, a, where), _model_cell(row, b, where), winners[verdict])
            )
    return battles


# ---------------------------------------------------------------- other tools' logs


def read_judgements(
    path: PathLike,
    *,
    item: str | Sequence[str] = "item",
    model: str = "model",
    baseline: str = "baseline",
    preference: str = "preference",
    model_length: str = "model_length",
    baseline_length: str = "baseline_length",
    tags: str | Sequence[str] | None = None,
    format: Format | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> Judgements:
    """Read a judge's preferences against a baseline from CSV or JSONL into :class:`~modelfolio.Judgements`.

    One row per judgement; the columns are named by the options (several ``item``
    columns are joined with ``:``). ``preference`` is in ``[0, 1]`` (1: the model's
    answer preferred, 0.5: a tie); the lengths are the two answers' lengths. An error
    names the file and line.

    Examples:
        >>> import pathlib, tempfile
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "judged.csv"
        >>> lines = ["item,model,baseline,preference,model_length,baseline_length",
        ...          "q1,mine,gpt-4o,1,900,700", "q2,mine,gpt-4o,0.5,400,650"]
        >>> _ = path.write_text(chr(10).join(lines))
        >>> read_judgements(path)
        Judgements(2 rows, 1 models against gpt-4o)
    """
    name = _path(path)
    item = _column_names(item, "item")
    columns_named = {
        "model": _column_name(model, "model"),
        "baseline": _column_name(baseline, "baseline"),
        "preference": _column_name(preference, "preference"),
        "model_length": _column_name(model_length, "model_length"),
        "baseline_length": _column_name(baseline_length, "baseline_length"),
    }
    tags = _column_names(tags, "tags", optional=True)
    columns: dict[str, list[Any]] = {
        key: []
        for key in (
            "item",
            "model",
            "baseline",
            "preference",
            "model_length",
            "baseline_length",
            "tags",
        )
    }
    origins: list[str] = []
    with _reading(name, limits):
        for where, row in _rows(name, format):
            columns["item"].append(_item_id(row, item, where))
            columns["model"].append(_model_cell(row, columns_named["model"], where))
            columns["baseline"].append(_model_cell(row, columns_named["baseline"], where))
            for key in ("preference", "model_length", "baseline_length"):
                value = _number(
                    _cell(row, columns_named[key], where),
                    f"{where}, {columns_named[key]}",
                    frozenset(),
                )
                columns[key].append(None if value != value else value)
            columns["tags"].append(sorted(_tags_of(row, tags, frozenset(), where)))
            origins.append(where)
    if not origins:
        raise ValidationError(f"{name}: no judgements (a header and no rows)")
    return Judgements.from_columns(**columns, origins=origins)


def read_alpaca_eval(
    path: PathLike | Iterable[PathLike],
    *,
    skip_missing: bool = False,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> Judgements:
    """Read AlpacaEval's ``annotations.json`` files (one per model) into :class:`~modelfolio.Judgements`.

    Each annotation is an instruction, the baseline's answer (``output_1``, by
    ``generator_1``), the model's (``output_2``, by ``generator_2``) and the judge's
    ``preference`` in ``[1, 2]`` (2: the model's answer preferred; weighted annotators
    give fractions; 0 or 1.5 is a tie). The item is the instruction's text, the lengths
    are the answers' lengths in characters, the tag is the instruction's ``dataset``.
    An annotation without a preference (the judge failed) is an error naming it, unless
    ``skip_missing=True``. No text is kept.

    Examples:
        >>> import json, pathlib, tempfile
        >>> rows = [{"instruction": "Say hi.", "output_1": "Hello there!", "generator_1": "base",
        ...          "output_2": "Hi", "generator_2": "mine", "dataset": "demo", "preference": 1.25}]
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "annotations.json"
        >>> _ = path.write_text(json.dumps(rows))
        >>> judgements = read_alpaca_eval(path)
        >>> judgements.preference, judgements.model_length, judgements.baseline_length
        ((0.25,), (2.0,), (12.0,))
    """
    paths = _paths(path, "path")
    if not isinstance(skip_missing, bool):
        raise ValidationError(f"skip_missing must be True or False, got {skip_missing!r:.80}")
    columns: dict[str, list[Any]] = {
        "item": [],
        "model": [],
        "baseline": [],
        "preference": [],
        "model_length": [],
        "baseline_length": [],
        "tags": [],
    }
    origins: list[str] = []
    with _reading(_several(paths), limits):
        for name in paths:
            with _reading(name, limits):
                annotations = _parse(_read_text(name), name)
            if not isinstance(annotations, list):
                raise FormatError(
                    f"{name}: an AlpacaEval annotations file is a JSON array, got {type(annotations).__name__}"
                )
            for number, row in enumerate(annotations):
                where = f"{name} annotation {number}"
                if not isinstance(row, Mapping):
                    raise FormatError(f"{where}: not an object")
                for key in ("instruction", "output_1", "output_2", "generator_1", "generator_2"):
                    if not isinstance(row.get(key), str):
                        raise FormatError(f"{where}: {key} is {row.get(key)!r:.80}, not a string")
                preference = row.get("preference")
                if preference is None or (
                    isinstance(preference, float) and preference != preference
                ):
                    if skip_missing:
                        continue
                    raise FormatError(
                        f"{where}: no preference (the judge gave none); pass skip_missing=True "
                        "to leave such annotations out"
                    )
                if (
                    isinstance(preference, bool)
                    or not isinstance(preference, (int, float))
                    or not (preference == 0 or 1 <= preference <= 2)
                ):
                    raise FormatError(
                        f"{where}: preference {preference!r:.80} is not in [1, 2] (or 0 for a tie)"
                    )
                dataset = row.get("dataset")
                columns["item"].append(row["instruction"])
                columns["model"].append(row["generator_2"])
                columns["baseline"].append(row["generator_1"])
                columns["preference"].append((1.5 if preference == 0 else float(preference)) - 1.0)
                columns["model_length"].append(len(row["output_2"]))
                columns["baseline_length"].append(len(row["output_1"]))
                columns["tags"].append([dataset] if isinstance(dataset, str) and dataset else [])
                origins.append(where)
    if not origins:
        raise FormatError(f"{', '.join(paths)}: no annotations")
    return Judgements.from_columns(**columns, origins=origins)


def _paths(path: PathLike | Iterable[PathLike], name: str) -> list[str]:
    if isinstance(path, (str, os.PathLike)):
        return [_path(path, name)]
    if isinstance(path, Iterable) and not isinstance(path, (bytes, Mapping)):
        found = [_path(p, f"{name}[{k}]") for k, p in enumerate(path)]
        if found:
            return found
    raise ValidationError(f"{name} must be a path or a non-empty list of paths, got {path!r:.80}")


_ZSTD = 93  # the ZIP compression method number of Zstandard


def _eval_members(path: str) -> dict[str, bytes]:
    """The JSON members of an Inspect ``.eval`` log (a zip, members zstd-compressed).

    Nothing is inflated beyond the limits: each member to ``max_member_bytes`` and
    ``max_inflation`` times its compressed size, the archive to ``max_archive_bytes``;
    the sizes the archive declares are not trusted.
    """
    limits = _LIMITS.get()
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise ValidationError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ValidationError(f"{path}: a folder, not a file") from None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        raise ValidationError(f"{path}: not an Inspect .eval log (a zip): {error}") from None
    members = {}
    budget = limits.max_archive_bytes
    with archive, open(path, "rb") as raw:
        for info in archive.infolist():
            if not info.filename.endswith(".json"):
                continue
            where = f"{path}: member {info.filename}"
            if info.flag_bits & 0x1:
                raise ValidationError(f"{where}: encrypted; modelfolio reads no encrypted logs")
            cap = min(
                limits.max_member_bytes,
                budget,
                max(limits.max_inflation * max(info.compress_size, 1), 1 << 16),
            )
            if info.compress_type != _ZSTD:
                data = _inflate_zip(archive, info, cap, where)
            else:
                data = _unzstd(_stored_bytes(raw, info, where), cap, where)
            budget -= len(data)
            members[info.filename] = data
    return members


def _too_large(where: str, cap: int) -> ValidationError:
    return ValidationError(
        f"{where}: inflates to more than {cap:,} bytes (ReadLimits.max_member_bytes, "
        "max_inflation, max_archive_bytes); pass limits=ReadLimits(...) to read it"
    )


def _inflate_zip(archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int, where: str) -> bytes:
    try:
        with archive.open(info) as member:
            data = _at_most(member, cap)
    except (
        zipfile.BadZipFile,
        OSError,
        EOFError,
        NotImplementedError,
        RuntimeError,
        zlib.error,
    ) as error:
        raise ValidationError(f"{where}: {error}") from None
    if len(data) > cap:
        raise _too_large(where, cap)
    return data


def _stored_bytes(raw: Any, info: zipfile.ZipInfo, where: str) -> bytes:
    """A member's compressed bytes, read from its local header (zipfile cannot inflate zstd)."""
    raw.seek(info.header_offset)
    header = raw.read(30)
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise ValidationError(f"{where}: truncated")
    start = info.header_offset + 30 + int.from_bytes(header[26:28], "little")
    start += int.from_bytes(header[28:30], "little")
    raw.seek(start)
    if info.compress_size > _LIMITS.get().max_file_bytes:
        raise ValidationError(f"{where}: larger than ReadLimits.max_file_bytes")
    data: bytes = raw.read(info.compress_size)
    if len(data) < info.compress_size:
        raise ValidationError(f"{where}: truncated")
    return data


def _unzstd(data: bytes, cap: int, where: str) -> bytes:
    try:
        import zstandard
    except ImportError:
        raise MissingDependencyError(
            "reading Inspect .eval logs needs zstandard: pip install 'modelfolio[inspect]' "
            "(or read the .json logs Inspect writes with --log-format json)"
        ) from None
    try:
        # A stream reader: the frame's own declared size is not trusted.
        with zstandard.ZstdDecompressor().stream_reader(data) as reader:
            inflated = _at_most(reader, cap)
    except zstandard.ZstdError as error:
        raise ValidationError(f"{where}: damaged ({error})") from None
    if len(inflated) > cap:
        raise _too_large(where, cap)
    return inflated


def _inspect_log(path: str) -> tuple[Mapping[str, Any], list[Any]]:
    if path.endswith(".eval"):
        members = _eval_members(path)
        header_name = "header.json" if "header.json" in members else "_journal/start.json"
        if header_name not in members:
            raise ValidationError(f"{path}: no header.json; not an Inspect .eval log")
        header = _parse(
            _decode(members[header_name], f"{path}: {header_name}"), f"{path}: {header_name}"
        )
        samples = [
            _parse(_decode(members[name], f"{path}: {name}"), f"{path}: {name}")
            for name in sorted(members)
            if name.startswith("samples/")
        ]
        return header, samples
    document = _parse(_read_text(path), path)
    if not isinstance(document, Mapping):
        raise ValidationError(f"{path}: not an Inspect log (a JSON object)")
    samples = document.get("samples") or []
    if not isinstance(samples, list):
        raise ValidationError(f"{path}: samples is {type(samples).__name__}, not a list")
    return document, samples


def _inspect_logs(paths: Sequence[str]) -> list[tuple[str, Mapping[str, Any], list[Any]]]:
    """Every log of ``paths`` as ``(path, header, samples)``, each read within the limits."""
    logs = []
    for path in paths:
        with _reading(path, _LIMITS.get()):
            logs.append((path, *_inspect_log(path)))
    return logs


def _catalog(catalog: Any) -> Catalog | None:
    if catalog is not None and not isinstance(catalog, Catalog):
        raise ValidationError(f"catalog must be a Catalog or None, got {catalog!r:.80}")
    return catalog


def _vendor_of(vendor_of: Any) -> Mapping[str, str] | None:
    if vendor_of is None:
        return None
    if not isinstance(vendor_of, Mapping):
        raise ValidationError(
            f"vendor_of must be a mapping of model to vendor, got {vendor_of!r:.80}"
        )
    for model, vendor in vendor_of.items():
        if not isinstance(model, str) or not isinstance(vendor, str) or not vendor:
            raise ValidationError(
                f"vendor_of must map model ids to vendor names (strings), got {model!r:.40}: {vendor!r:.40}"
            )
    return vendor_of


def _several(paths: Sequence[str]) -> str:
    return paths[0] if len(paths) == 1 else f"{paths[0]} (and {len(paths) - 1} more)"


def read_inspect_log(
    path: PathLike | Iterable[PathLike],
    *,
    scorer: str | None = None,
    catalog: Catalog | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> Outcomes:
    """Read Inspect AI eval logs (``.eval`` or ``.json``; one or several) into ``Outcomes``.

    One row per sample and epoch: item ``"<task>:<sample id>"`` (with ``"#<epoch>"`` when
    the log has several epochs), model ``eval.model``, score the value of ``scorer``
    (required when samples carry several scorers) mapped as Inspect's
    ``value_to_float`` does (``C`` 1, ``I`` 0, ``P`` 0.5, ``N`` 0, numbers, booleans,
    ``yes``/``no``), tags the task name and ``dataset:<name>``, cost the samples' logged
    ``total_cost`` (else their token usage, with cache reads and writes, priced through
    ``catalog``), latency ``total_time``. A sample that errored is a missing score.

    ``.json`` logs need nothing; Inspect's default ``.eval`` logs (a zip of
    zstd-compressed members) need ``pip install 'modelfolio[inspect]'`` (zstandard).

    Raises:
        ValidationError: a file that is not an Inspect log, or a value that is not as
            Inspect writes it; the message names the file and sample.
        MissingDependencyError: a ``.eval`` log without zstandard installed.

    Examples:
        >>> logs = ["tests/data/inspect/arithmetic-strong.json", "tests/data/inspect/arithmetic-weak.json"]
        >>> read_inspect_log(logs, scorer="match")
        Outcomes(12 items, 2 models, 24 rows)
    """
    paths = _paths(path, "path")
    _optional_text(scorer, "scorer")
    catalog = _catalog(catalog)
    with _reading(_several(paths), limits):
        return inspect_outcomes(_inspect_logs(paths), scorer=scorer, catalog=catalog)


def read_inspect_queries(
    path: PathLike | Iterable[PathLike], *, limits: ReadLimits = DEFAULT_LIMITS
) -> dict[str, str]:
    """Each sample's input from Inspect AI eval logs (``.eval`` or ``.json``), for per-query routers.

    Items are named as :func:`read_inspect_log` names them; the query is the sample's
    ``input``: its text, or the text of its chat messages joined by newlines. Logs of
    several models on one task give each item once (their inputs must agree). Hand the
    result to :func:`~modelfolio.fit_query_quality` beside the outcomes.

    Raises:
        ValidationError: a file that is not an Inspect log, an input that is neither text
            nor chat messages, or an item whose input differs between logs.
        MissingDependencyError: a ``.eval`` log without zstandard installed.

    Examples:
        >>> queries = read_inspect_queries(["tests/data/inspect/arithmetic-strong.json",
        ...                                 "tests/data/inspect/arithmetic-weak.json"])
        >>> len(queries), queries["arithmetic:1#1"]  # (these logs ran two epochs)
        (12, 'What is 2 + 2?')
    """
    paths = _paths(path, "path")
    with _reading(_several(paths), limits):
        return inspect_queries(_inspect_logs(paths))


def read_inspect_usage(
    path: PathLike | Iterable[PathLike],
    *,
    catalog: Catalog | None = None,
    vendor_of: Mapping[str, str] | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> list[UsageRecord]:
    """Read the token usage of Inspect AI eval logs into usage records, one per sample and model.

    The companion of :func:`read_inspect_log` for what ``Outcomes`` does not hold: each
    sample's ``model_usage`` per model (the evaluated model and any grader) with input
    tokens (cache reads and writes included), output tokens, cache reads and writes and
    reasoning tokens; cost the logged ``total_cost`` (else priced through ``catalog``);
    id ``"<task>:<sample id>#<epoch>"``; the evaluated model's record also holds the
    sample's ``total_time`` and its error, if any. The records feed
    :func:`~modelfolio.usage_shares` and :class:`~modelfolio.State` ledgers as the
    telemetry readers' do.

    Raises:
        ValidationError: a file that is not an Inspect log, or a token count or cost that
            is not a number; the message names the file and sample.

    Examples:
        >>> calls = read_inspect_usage("tests/data/inspect/arithmetic-weak.json")
        >>> len(calls), calls[1].id, calls[1].usage.input_tokens, calls[1].usage.cached_input_tokens
        (12, 'arithmetic:2#1', 41, 10)
    """
    paths = _paths(path, "path")
    catalog, vendor_of = _catalog(catalog), _vendor_of(vendor_of)
    with _reading(_several(paths), limits):
        return inspect_usage(_inspect_logs(paths), catalog=catalog, vendor_of=vendor_of)


def read_lm_eval(
    output_dir: PathLike,
    *,
    metric: str | Mapping[str, str] | None = None,
    filter: str | Mapping[str, str] | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> Outcomes:
    """Read lm-evaluation-harness output (``--output_path DIR --log_samples``) into ``Outcomes``.

    Every ``results_<date>.json`` under ``output_dir`` (one folder per model) is paired
    with the ``samples_<task>_<date>.jsonl`` files of the same date. One row per document:
    item ``"<task>:<doc_id>"``, model the results file's ``model_name`` (else its
    config's model), score the sample's ``metric`` (``acc``, ``exact_match``, ...;
    required when a task reports several), tags the task and its groups, the line of
    ``filter`` (required when a task has several). ``metric`` and ``filter`` are one name
    for all tasks or a mapping of task to name.

    Raises:
        ValidationError: no results file, a results file without its samples, an unknown
            metric or filter (the message lists the available ones), a malformed line.

    Examples:
        >>> read_lm_eval("tests/data/lm_eval", metric="acc", filter={"arith_gen": "strict"})
        Traceback (most recent call last):
        ...
        modelfolio._formats.logs.FormatError: tests/data/lm_eval/.../samples_arith_gen_...jsonl line 1: no metric 'acc'; the metrics are exact_match
        >>> read_lm_eval("tests/data/lm_eval", metric={"arith_mc": "acc", "arith_gen": "exact_match"},
        ...              filter={"arith_gen": "strict"})
        Outcomes(12 items, 2 models, 24 rows)
    """
    root = _path(output_dir, "output_dir")
    for value, name in ((metric, "metric"), (filter, "filter")):
        _per_task(value, name)
    with _reading(root, limits):
        return lm_eval_outcomes(_lm_eval_runs(root), metric=metric, filter=filter)


def _per_task(value: Any, name: str) -> None:
    """``metric`` / ``filter``: one name, a mapping of task to name, or None."""
    if value is None or (isinstance(value, str) and value):
        return
    if isinstance(value, Mapping) and all(
        isinstance(k, str) and isinstance(v, str) and v for k, v in value.items()
    ):
        return
    raise ValidationError(
        f"{name} must be a name, a mapping of task to name, or None, got {value!r:.80}"
    )


def _lm_eval_runs(
    root: str,
) -> list[tuple[str, Mapping[str, Any], dict[str, list[tuple[str, Any]]]]]:
    """Every harness run under ``root`` as ``(results path, results, {task: samples})``."""
    if not os.path.isdir(root):
        raise ValidationError(
            f"{root}: {'a file, not a folder' if os.path.exists(root) else 'no such folder'}"
        )
    runs = []
    for folder, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            if not (name.startswith("results_") and name.endswith(".json")):
                continue
            where = os.path.join(folder, name)
            results = _parse(_read_text(where), where)
            if not isinstance(results, Mapping):
                raise ValidationError(f"{where}: not a harness results file (a JSON object)")
            stamp = name[len("results_") : -len(".json")]
            tasks: dict[str, list[tuple[str, Any]]] = {}
            for sample_name in sorted(files):
                if sample_name.startswith("samples_") and sample_name.endswith(f"_{stamp}.jsonl"):
                    task = sample_name[len("samples_") : -len(f"_{stamp}.jsonl")]
                    tasks[task] = list(_json_lines(os.path.join(folder, sample_name)))
            if not tasks:
                raise ValidationError(
                    f"{where}: no samples_<task>_{stamp}.jsonl beside it; run lm-eval with --log_samples"
                )
            runs.append((where, results, tasks))
    if not runs:
        raise ValidationError(f"{root}: no results_<date>.json file (lm-eval --output_path)")
    return runs


def read_lm_eval_queries(
    output_dir: PathLike, *, limits: ReadLimits = DEFAULT_LIMITS
) -> dict[str, str]:
    """Each document's prompt from lm-evaluation-harness output, for per-query routers.

    Items are named as :func:`read_lm_eval` names them (``"<task>:<doc_id>"``); the
    query is the context of the document's first request (``arguments.gen_args_0.arg_0``:
    the prompt the model saw, few-shot examples included). Hand the result to
    :func:`~modelfolio.fit_query_quality` beside the outcomes.

    Raises:
        ValidationError: no results file, a sample without a prompt, or an item whose
            prompt differs between runs (the message names the file and line).

    Examples:
        >>> queries = read_lm_eval_queries("tests/data/lm_eval")
        >>> len(queries), queries["arith_mc:1"]
        (12, 'Question: What is 7 * 6?\\nAnswer:')
    """
    root = _path(output_dir, "output_dir")
    with _reading(root, limits):
        return lm_eval_queries(_lm_eval_runs(root))


def read_otel_genai(
    path: PathLike | Iterable[PathLike],
    *,
    catalog: Catalog | None = None,
    vendor_of: Mapping[str, str] | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> list[UsageRecord]:
    """Read OpenTelemetry traces in OTLP/JSON (the collector's file exporter) into usage records.

    Each line (or the whole file) is an ``ExportTraceServiceRequest`` in JSON
    (``{"resourceSpans": [...]}``). Every span carrying GenAI semantic-convention
    attributes becomes one :class:`~modelfolio.UsageRecord`: model
    ``gen_ai.response.model`` (else ``gen_ai.request.model``), provider
    ``gen_ai.provider.name`` (the older ``gen_ai.system`` too; ``aws.bedrock`` becomes
    ``bedrock``, ``azure.ai.openai`` ``azure``, ...), tokens ``gen_ai.usage.input_tokens``
    and ``output_tokens`` (the older ``prompt_tokens`` and ``completion_tokens`` too),
    latency from the span's start and end, failure from ``error.type`` (or an error
    status). Cost and vendor come from the deployment of ``catalog`` that serves the
    model, vendor also from ``vendor_of``.

    Examples:
        >>> calls = read_otel_genai("tests/data/otel/genai-traces.jsonl")
        >>> len(calls), calls[0].model, calls[0].provider, calls[0].vendor
        (6, 'gpt-4o-2024-08-06', 'openai', 'openai')
    """
    paths = _paths(path, "path")
    catalog, vendor_of = _catalog(catalog), _vendor_of(vendor_of)
    documents: list[tuple[str, Any]] = []
    with _reading(_several(paths), limits):
        for p in paths:
            with _reading(p, limits):
                documents.extend(_otlp_documents(p))
        return otlp_records(documents, catalog=catalog, vendor_of=vendor_of)


def _otlp_documents(path: str) -> list[tuple[str, Any]]:
    """A file's OTLP/JSON documents: one per line, or the whole file pretty-printed."""
    text = _read_text(path)
    try:
        return list(_json_lines(path, text))
    except ValidationError as error:
        if sum(1 for line in text.split("\n") if line.strip()) < 2 or "not JSON" not in str(error):
            raise
        return [(path, _parse(text, path))]  # one pretty-printed document


def read_litellm_spend_logs(
    path: PathLike,
    *,
    catalog: Catalog | None = None,
    vendor_of: Mapping[str, str] | None = None,
    format: Literal["csv", "jsonl", "json"] | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> list[UsageRecord]:
    """Read an export of LiteLLM proxy spend logs (``LiteLLM_SpendLogs`` rows) into usage records.

    CSV (the UI export), JSON lines, or a JSON array (the ``/spend/logs`` endpoint's
    answer); told apart by extension unless ``format`` says. See
    :func:`modelfolio._formats.logs.spend_log_records` for the mapping: model, provider,
    tokens, ``spend``, latency and status.

    Examples:
        >>> rows = read_litellm_spend_logs("tests/data/litellm/spend-logs.jsonl")
        >>> len(rows), sorted({r.vendor for r in rows})
        (6, ['anthropic', 'deepseek', 'meta', 'openai'])
    """
    name = _path(path)
    catalog, vendor_of = _catalog(catalog), _vendor_of(vendor_of)
    kind = format or (
        "csv" if name.endswith(".csv") else "json" if name.endswith(".json") else "jsonl"
    )
    if not isinstance(kind, str) or kind not in ("csv", "jsonl", "json"):
        raise ValidationError(f"format must be 'csv', 'jsonl' or 'json', got {format!r:.80}")
    with _reading(name, limits):
        if kind == "json":
            document = _parse(_read_text(name), name)
            if not isinstance(document, list):
                raise ValidationError(f"{name}: not a JSON array of spend-log rows")
            rows: list[tuple[str, Any]] = [
                (f"{name} row {k}", row) for k, row in enumerate(document)
            ]
        else:
            rows = list(_rows(name, kind))
        if not rows:
            raise ValidationError(f"{name}: no rows")
        return spend_log_records(rows, catalog=catalog, vendor_of=vendor_of)
