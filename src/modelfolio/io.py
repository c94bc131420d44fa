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

from modelfolio._catalog.catalog import Catalog
from modelfolio._common.errors import MissingDependencyError, ValidationError
from modelfolio._evaluation.arena import VERDICTS
from modelfolio._evaluation.outcomes import Outcomes
from modelfolio._exposure.traffic import UsageRecord
from modelfolio._formats.litellm import VENDOR_RULES, PriceMapImport, VendorRule, from_litellm
from modelfolio._formats.logs import (
    inspect_outcomes,
    inspect_queries,
    inspect_usage,
    lm_eval_outcomes,
    lm_eval_queries,
    otlp_records,
    spend_log_records,
)

__all__ = [
    "load_litellm",
    "read_battles",
    "read_inspect_log",
    "read_inspect_queries",
    "read_inspect_usage",
    "read_json",
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


def _read_text(path: str) -> str:
    try:
        with open(path, encoding="utf-8-sig") as handle:
            return handle.read()
    except FileNotFoundError:
        raise ValidationError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ValidationError(f"{path}: a folder, not a file") from None
    except UnicodeDecodeError as error:
        raise ValidationError(f"{path}: not UTF-8 text (byte {error.start})") from None


def _parse(text: str, where: str) -> Any:
    """The JSON value of ``text``; an error names ``where`` and the position in it."""
    if not text.strip():
        raise ValidationError(f"{where}: empty")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        # One line of a JSON-lines file is already named by ``where``: add the column.
        position = f"column {error.colno}"
        if "\n" in text.strip():
            position = f"line {error.lineno} {position}"
        raise ValidationError(f"{where} {position}: not JSON ({error.msg})") from None


def _json_lines(path: str) -> Iterator[tuple[str, Any]]:
    """``(where, value)`` for each non-blank line of a JSON-lines file."""
    text = _read_text(path)
    if not text.strip():
        raise ValidationError(f"{path}: empty")
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield f"{path} line {number}", _parse(line, f"{path} line {number}")


def _csv_rows(path: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """``(where, row)`` for each row of a CSV file with a header row."""
    text = _read_text(path)
    if not text.strip():
        raise ValidationError(f"{path}: empty")
    reader = csv.DictReader(text.splitlines(keepends=True))
    for row in reader:
        yield f"{path} line {reader.line_num}", row


def read_json(path: PathLike) -> Any:
    """Parse the JSON file at ``path`` (UTF-8, with or without a byte-order mark).

    Raises:
        ValidationError: no such file, not UTF-8, empty or not JSON; the message names the
            file (and the line and column).
    """
    name = os.fspath(path)
    return _parse(_read_text(name), name)


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


def _rows(path: PathLike, format: Format | None) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """``(where, row)`` pairs from a CSV or JSONL file; ``where`` names the file and line."""
    name = os.fspath(path)
    if _format(path, format) == "csv":
        yield from _csv_rows(name)
        return
    for where, row in _json_lines(name):
        if not isinstance(row, Mapping):
            raise ValidationError(f"{where}: expected a JSON object, got {type(row).__name__}")
        yield where, row


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
    extra = frozenset((add_tags,) if isinstance(add_tags, str) else add_tags)
    columns = _empty_columns()
    for where, row in _rows(path, format):
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
    extra = frozenset((add_tags,) if isinstance(add_tags, str) else add_tags)
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
    for where, row in _rows(path, format):
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


# ---------------------------------------------------------------- other tools' logs


def _paths(path: PathLike | Iterable[PathLike], name: str) -> list[str]:
    if isinstance(path, (str, os.PathLike)):
        return [os.fspath(path)]
    if isinstance(path, Iterable) and not isinstance(path, (bytes, Mapping)):
        found = [os.fspath(p) for p in path]
        if found:
            return found
    raise ValidationError(f"{name} must be a path or a non-empty list of paths, got {path!r}")


_ZSTD = 93  # the ZIP compression method number of Zstandard


def _eval_members(path: str) -> dict[str, bytes]:
    """The JSON members of an Inspect ``.eval`` log (a zip, members zstd-compressed)."""
    import zipfile

    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise ValidationError(f"{path}: no such file") from None
    except (zipfile.BadZipFile, OSError) as error:
        raise ValidationError(f"{path}: not an Inspect .eval log (a zip): {error}") from None
    members = {}
    with archive, open(path, "rb") as raw:
        for info in archive.infolist():
            if not info.filename.endswith(".json"):
                continue
            if info.compress_type != _ZSTD:
                try:
                    members[info.filename] = archive.read(info)
                except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as error:
                    raise ValidationError(f"{path}: member {info.filename}: {error}") from None
                continue
            # zipfile cannot inflate zstd: read the member's bytes from its local header.
            raw.seek(info.header_offset)
            header = raw.read(30)
            if len(header) < 30 or header[:4] != b"PK\x03\x04":
                raise ValidationError(f"{path}: member {info.filename}: truncated")
            start = info.header_offset + 30 + int.from_bytes(header[26:28], "little")
            start += int.from_bytes(header[28:30], "little")
            raw.seek(start)
            data = raw.read(info.compress_size)
            if len(data) < info.compress_size:
                raise ValidationError(f"{path}: member {info.filename}: truncated")
            members[info.filename] = _unzstd(data, info.file_size, f"{path}: {info.filename}")
    return members


def _unzstd(data: bytes, size: int, where: str) -> bytes:
    try:
        import zstandard
    except ImportError:
        raise MissingDependencyError(
            "reading Inspect .eval logs needs zstandard: pip install 'modelfolio[inspect]' "
            "(or read the .json logs Inspect writes with --log-format json)"
        ) from None
    try:
        return bytes(zstandard.ZstdDecompressor().decompress(data, max_output_size=max(size, 1)))
    except zstandard.ZstdError as error:
        raise ValidationError(f"{where}: damaged ({error})") from None


def _inspect_log(path: str) -> tuple[Mapping[str, Any], list[Any]]:
    if path.endswith(".eval"):
        members = _eval_members(path)
        header_name = "header.json" if "header.json" in members else "_journal/start.json"
        if header_name not in members:
            raise ValidationError(f"{path}: no header.json; not an Inspect .eval log")
        header = _parse(members[header_name].decode("utf-8"), f"{path}: {header_name}")
        samples = [
            _parse(members[name].decode("utf-8"), f"{path}: {name}")
            for name in sorted(members)
            if name.startswith("samples/")
        ]
        return header, samples
    document = _parse(_read_text(path), path)
    if not isinstance(document, Mapping):
        raise ValidationError(f"{path}: not an Inspect log (a JSON object)")
    return document, list(document.get("samples") or [])


def _inspect_logs(
    path: PathLike | Iterable[PathLike],
) -> list[tuple[str, Mapping[str, Any], list[Any]]]:
    """Every log named by ``path`` as ``(path, header, samples)``."""
    return [(p, *_inspect_log(p)) for p in _paths(path, "path")]


def read_inspect_log(
    path: PathLike | Iterable[PathLike],
    *,
    scorer: str | None = None,
    catalog: Catalog | None = None,
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
    return inspect_outcomes(_inspect_logs(path), scorer=scorer, catalog=catalog)


def read_inspect_queries(path: PathLike | Iterable[PathLike]) -> dict[str, str]:
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
    return inspect_queries(_inspect_logs(path))


def read_inspect_usage(
    path: PathLike | Iterable[PathLike],
    *,
    catalog: Catalog | None = None,
    vendor_of: Mapping[str, str] | None = None,
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
    return inspect_usage(_inspect_logs(path), catalog=catalog, vendor_of=vendor_of)


def read_lm_eval(
    output_dir: PathLike,
    *,
    metric: str | Mapping[str, str] | None = None,
    filter: str | Mapping[str, str] | None = None,
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
    return lm_eval_outcomes(_lm_eval_runs(output_dir), metric=metric, filter=filter)


def _lm_eval_runs(
    output_dir: PathLike,
) -> list[tuple[str, Mapping[str, Any], dict[str, list[tuple[str, Any]]]]]:
    """Every harness run under ``output_dir`` as ``(results path, results, {task: samples})``."""
    root = os.fspath(output_dir)
    if not os.path.isdir(root):
        raise ValidationError(f"{root}: no such folder")
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


def read_lm_eval_queries(output_dir: PathLike) -> dict[str, str]:
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
    return lm_eval_queries(_lm_eval_runs(output_dir))


def read_otel_genai(
    path: PathLike | Iterable[PathLike],
    *,
    catalog: Catalog | None = None,
    vendor_of: Mapping[str, str] | None = None,
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
    documents: list[tuple[str, Any]] = []
    for p in _paths(path, "path"):
        text = _read_text(p)
        lines = [line for line in text.splitlines() if line.strip()]
        try:
            documents.extend(_json_lines(p))
        except ValidationError:
            if len(lines) < 2:
                raise
            documents.append((p, _parse(text, p)))  # one pretty-printed document
    return otlp_records(documents, catalog=catalog, vendor_of=vendor_of)


def read_litellm_spend_logs(
    path: PathLike,
    *,
    catalog: Catalog | None = None,
    vendor_of: Mapping[str, str] | None = None,
    format: Literal["csv", "jsonl", "json"] | None = None,
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
    name = os.fspath(path)
    kind = format or (
        "csv" if name.endswith(".csv") else "json" if name.endswith(".json") else "jsonl"
    )
    if kind not in ("csv", "jsonl", "json"):
        raise ValidationError(f"format must be 'csv', 'jsonl' or 'json', got {format!r}")
    if kind == "json":
        document = _parse(_read_text(name), name)
        if not isinstance(document, list):
            raise ValidationError(f"{name}: not a JSON array of spend-log rows")
        rows: list[tuple[str, Any]] = [(f"{name} row {k}", row) for k, row in enumerate(document)]
    else:
        rows = list(_rows(name, kind))
    if not rows:
        raise ValidationError(f"{name}: no rows")
    return spend_log_records(rows, catalog=catalog, vendor_of=vendor_of)
