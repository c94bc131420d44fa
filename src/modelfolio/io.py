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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal, Union

from modelfolio._errors import ValidationError
from modelfolio._litellm import VENDOR_RULES, PriceMapImport, VendorRule, from_litellm
from modelfolio._outcomes import Outcomes

__all__ = [
    "load_litellm",
    "read_battles",
    "read_json",
    "read_outcomes_long",
    "read_outcomes_wide",
]

PathLike = Union[str, "os.PathLike[str]"]
Format = Literal["csv", "jsonl"]

# Common ways preference data spells its verdicts.
DEFAULT_WINNERS: Mapping[str, str] = {
    "a": "a",
    "b": "b",
    "tie": "tie",
    "model_a": "a",
    "model_b": "b",
    "tie (bothbad)": "tie",
    "left": "a",
    "right": "b",
}


def read_json(path: PathLike) -> Any:
    """Parse the JSON file at ``path`` (UTF-8)."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def load_litellm(
    path: PathLike,
    *,
    vendor_rules: Iterable[VendorRule] = VENDOR_RULES,
    model_aliases: Mapping[str, str] | None = None,
) -> PriceMapImport:
    """Read LiteLLM's ``model_prices_and_context_window`` JSON and import it.

    The same as ``from_litellm(read_json(path), ...)``; see
    :func:`modelfolio.from_litellm` for what is kept and how vendors are told apart.
    """
    return from_litellm(read_json(path), vendor_rules=vendor_rules, model_aliases=model_aliases)


def _format(path: PathLike, format: Format | None) -> Format:
    if format is not None:
        if format not in ("csv", "jsonl"):
            raise ValidationError(f"format must be 'csv' or 'jsonl', got {format!r}")
        return format
    name = os.fspath(path).lower()
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    raise ValidationError(
        f"cannot tell the format of {os.fspath(path)!r}; pass format='csv' or 'jsonl'"
    )


def _rows(path: PathLike, format: Format | None) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """(line number, row) pairs from a CSV or JSONL file."""
    kind = _format(path, format)
    with open(path, encoding="utf-8", newline="") as handle:
        if kind == "csv":
            reader = csv.DictReader(handle)
            for row in reader:
                yield reader.line_num, row
        else:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    try:
                        yield number, json.loads(line)
                    except json.JSONDecodeError as error:
                        raise ValidationError(
                            f"{os.fspath(path)} line {number}: not JSON ({error})"
                        ) from None


def _number(value: Any, where: str, missing: frozenset[float]) -> float:
    if value is None or value == "":
        return math.nan
    if isinstance(value, (bool, int, float)):
        result = float(value)
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
                raise ValidationError(f"{where}: {value!r} is not a number") from None
    else:
        raise ValidationError(f"{where}: {value!r} is not a number")
    return math.nan if result in missing else result


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
        value = _cell(row, item, where)
        value = value if not isinstance(value, float) else repr(value)
    else:
        value = ":".join(str(_cell(row, column, where)) for column in item)
    return f"{prefix}{value}" if prefix else value


def _tags_of(
    row: Mapping[str, Any], tags: str | Sequence[str] | None, add_tags: frozenset[str], where: str
) -> frozenset[str]:
    columns = [tags] if isinstance(tags, str) else list(tags or ())
    found = set(add_tags)
    for column in columns:
        value = _cell(row, column, where)
        if value not in (None, ""):
            found.add(str(value))
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
) -> Outcomes:
    """Read one row per item × model into :class:`~modelfolio.Outcomes`.

    ``item`` names the id column, or several columns joined with ``":"`` (a question
    and its turn, say). ``tags`` names columns whose values become tags; ``add_tags``
    tags every row; ``set_split`` puts every row in a split. Scores in ``missing``
    (such as a judge's ``-1`` for "no valid grade") count as missing. ``item_prefix``
    is put before every item id, to keep apart items of different files that share an
    id (the same question in two subjects, say).
    """
    unscored = frozenset(float(v) for v in missing)
    extra = frozenset(add_tags)
    columns = _empty_columns()
    for number, row in _rows(path, format):
        where = f"{os.fspath(path)} line {number}"
        columns["item"].append(_item_id(row, item, where, item_prefix))
        columns["model"].append(str(_cell(row, model, where)))
        columns["score"].append(_number(_cell(row, score, where), f"{where}, {score}", unscored))
        columns["cost"].append(
            0.0
            if cost is None
            else _zero_if_missing(_number(_cell(row, cost, where), f"{where}, {cost}", frozenset()))
        )
        columns["latency_s"].append(
            None
            if latency_s is None
            else _none_if_missing(
                _number(_cell(row, latency_s, where), f"{where}, {latency_s}", frozenset())
            )
        )
        columns["tags"].append(_tags_of(row, tags, extra, where))
        columns["split"].append(
            set_split if split is None else (str(_cell(row, split, where)) or None)
        )
    return Outcomes.from_columns(**columns)


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
    if duplicates not in ("error", "merge"):
        raise ValidationError(f"duplicates must be 'error' or 'merge', got {duplicates!r}")
    if isinstance(models, str) or not models:
        raise ValidationError(f"models must name the score columns, got {models!r}")
    unscored = frozenset(float(v) for v in missing)
    extra = frozenset(add_tags)
    groups: dict[Any, list[tuple[str, Mapping[str, Any]]]] = {}
    for number, row in _rows(path, format):
        where = f"{os.fspath(path)} line {number}"
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
    for key, group in groups.items():
        where, first = group[0]
        row_tags = frozenset().union(*(_tags_of(row, tags, extra, place) for place, row in group))
        splits = (
            {str(_cell(row, split, place)) or None for place, row in group}
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
            columns["item"].append(key)
            columns["model"].append(model)
            columns["score"].append(
                _number(_cell(row, model, place), f"{place}, {model}", unscored)
            )
            values = {
                name: _number(
                    _cell(row, f"{model}|{column}", place),
                    f"{place}, {model}|{column}",
                    frozenset(),
                )
                for name, column in fields
            }
            columns["cost"].append(_zero_if_missing(values.get("cost", 0.0)))
            columns["latency_s"].append(_none_if_missing(values.get("latency_s", math.nan)))
            columns["tags"].append(row_tags)
            columns["split"].append(next(iter(splits)))
    return Outcomes.from_columns(**columns)


def read_battles(
    path: PathLike,
    *,
    a: str = "model_a",
    b: str = "model_b",
    winner: str = "winner",
    winners: Mapping[str, str] = DEFAULT_WINNERS,
    format: Format | None = None,
) -> list[tuple[str, str, str]]:
    """Read pairwise preferences as ``(a, b, winner)`` tuples for :func:`~modelfolio.bradley_terry`.

    ``winners`` maps the file's verdicts to ``"a"``, ``"b"`` or ``"tie"``; the default
    knows Chatbot Arena's (``model_a``, ``model_b``, ``tie``, ``tie (bothbad)``) and
    left/right layouts.
    """
    battles = []
    for number, row in _rows(path, format):
        where = f"{os.fspath(path)} line {number}"
        verdict = str(_cell(row, winner, where))
        if verdict not in winners:
            raise ValidationError(
                f"{where}: winner {verdict!r} is not one of {', '.join(map(repr, winners))}"
            )
        battle = (str(_cell(row, a, where)), str(_cell(row, b, where)), winners[verdict])
        if battle[2] not in ("a", "b", "tie"):
            raise ValidationError(f"winners must map to 'a', 'b' or 'tie', got {battle[2]!r}")
        battles.append(battle)
    return battles
