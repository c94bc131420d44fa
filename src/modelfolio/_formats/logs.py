"""Other tools' records, already parsed, turned into modelfolio values.

Pure functions over the dicts :mod:`modelfolio.io` has read from files: Inspect AI eval
logs, lm-evaluation-harness results and samples, OpenTelemetry GenAI spans in OTLP/JSON,
and LiteLLM proxy spend-log rows. Each error names where it is (``where`` is the file,
and the sample, line or span within it), so the reader can report it as it is.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

from modelfolio._catalog.catalog import Catalog
from modelfolio._catalog.prices import Usage, cost
from modelfolio._common.errors import ModelfolioError, ValidationError
from modelfolio._evaluation.outcomes import Outcomes
from modelfolio._exposure.traffic import UsageRecord
from modelfolio._formats.litellm import infer_vendor, model_name
from modelfolio._routing.state import Failure

__all__ = [
    "inspect_outcomes",
    "inspect_usage",
    "inspect_value",
    "lm_eval_outcomes",
    "otlp_records",
    "spend_log_records",
]


class FormatError(ValidationError):
    """A file of another tool's format is not as that tool writes it."""


# What a converter may raise on a value of the wrong JSON type that no check named.
_STRAY = (TypeError, AttributeError, KeyError, IndexError, ValueError, OverflowError)


@contextmanager
def _at(where: str) -> Iterator[None]:
    """Name ``where`` (the file and the sample, line or span) in any error raised within.

    The converters check what they read and say what is wrong; this turns the rest (a
    core constructor refusing a value, a value of a type no check foresaw) into a
    :class:`FormatError` that names the place too.
    """
    try:
        yield
    except FormatError:
        raise
    except ModelfolioError as error:
        message = " ".join(str(error).split())
        raise FormatError(message if message.startswith(where) else f"{where}: {message}") from None
    except _STRAY as error:
        detail = " ".join(f"{type(error).__name__}: {error}".split())[:200]
        raise FormatError(f"{where}: not as the tool writes it ({detail})") from None


def _files(wheres: Iterable[str]) -> str:
    names = list(dict.fromkeys(wheres))
    return (
        ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        or "no file"
    )


# ---------------------------------------------------------------- Inspect AI


def inspect_value(value: Any, where: str) -> float:
    """A score value as Inspect's own ``value_to_float`` reads it, or an error.

    ``"C"`` (correct) is 1, ``"I"`` (incorrect) 0, ``"P"`` (partial) 0.5, ``"N"`` (no
    answer) 0; numbers and booleans are themselves; strings ``yes``/``true`` are 1,
    ``no``/``false`` 0, and numeric strings their number. Where Inspect would warn and
    use 0 (a list, a mapping, any other string), this raises instead.

    Examples:
        >>> [inspect_value(v, "x") for v in ("C", "I", "P", "N", True, 0.25, "yes", "3")]
        [1.0, 0.0, 0.5, 0.0, 1.0, 0.25, 1.0, 3.0]
    """
    if value == "C":
        return 1.0
    if value == "P":
        return 0.5
    if value in ("I", "N"):
        return 0.0
    if isinstance(value, (bool, int, float)):
        number = float(value)
        if math.isfinite(number):
            return number
    elif isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("yes", "true"):
            return 1.0
        if lowered in ("no", "false"):
            return 0.0
        try:
            number = float(lowered)
        except ValueError:
            pass
        else:
            if math.isfinite(number):
                return number
    raise FormatError(f"{where}: score value {value!r} is not one Inspect maps to a number")


def _usage_of(raw: Mapping[str, Any], where: str) -> Usage:
    def tokens(name: str) -> int:
        value = raw.get(name) or 0
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise FormatError(f"{where}: {name} is {value!r}, not a token count")
        return value

    read, write = tokens("input_tokens_cache_read"), tokens("input_tokens_cache_write")
    output, reasoning = tokens("output_tokens"), tokens("reasoning_tokens")
    # Inspect counts cache reads and writes apart from input_tokens (as Anthropic does).
    return Usage(
        input_tokens=tokens("input_tokens") + read + write,
        output_tokens=max(output, reasoning),
        cached_input_tokens=read,
        cache_write_tokens=write,
        reasoning_tokens=reasoning,
    )


def _inspect_cost(
    sample: Mapping[str, Any], model: str, catalog: Catalog | None, where: str
) -> float:
    usages = sample.get("model_usage") or {}
    if not isinstance(usages, Mapping):
        raise FormatError(f"{where}: model_usage is {usages!r}, not a mapping")
    total = 0.0
    for used_model, raw in usages.items():
        if not isinstance(raw, Mapping):
            raise FormatError(f"{where}: model_usage[{used_model!r}] is not a mapping")
        logged = raw.get("total_cost")
        if isinstance(logged, (int, float)) and not isinstance(logged, bool):
            total += float(logged)
            continue
        if catalog is not None:
            name = str(used_model)
            deployment = _deployment_for(catalog, name)
            if deployment is None:
                raise FormatError(
                    f"{where}: no catalog deployment serves {name!r} to price its tokens"
                )
            total += cost(_usage_of(raw, where), deployment.price)
    return total


def _deployment_for(catalog: Catalog, name: str) -> Any:
    if name in catalog:
        return catalog.deployment(name)
    for candidate in (name, name.split("/", 1)[-1]):
        serving = [d for d in catalog.serving(candidate) if d.tier == "standard"]
        if serving:
            return serving[0]
    return None


def _inspect_task(where: str, header: Any) -> tuple[Mapping[str, Any], str]:
    """A log's ``eval`` header and its task name."""
    if not isinstance(header, Mapping) or not isinstance(header.get("eval"), Mapping):
        raise FormatError(f"{where}: no 'eval' header; not an Inspect log")
    spec = header["eval"]
    task = spec.get("task")
    if not isinstance(task, str) or not task:
        raise FormatError(f"{where}: eval.task is {task!r}, not a task name")
    return spec, task


def _inspect_items(
    where: str, task: str, samples: Sequence[Any]
) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """Each sample as ``(item, where it is, sample)``: item ``"<task>:<sample id>"``, with
    ``"#<epoch>"`` when the log has several epochs."""
    for k, sample in enumerate(samples):
        if not isinstance(sample, Mapping) or "id" not in sample:
            raise FormatError(f"{where}, sample {k}: not an Inspect sample (no 'id')")
        sample_id, epoch = sample["id"], sample.get("epoch", 1)
        if isinstance(sample_id, bool) or not isinstance(sample_id, (str, int)):
            raise FormatError(f"{where}, sample {k}: id is {sample_id!r:.80}, not a sample id")
        if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
            raise FormatError(
                f"{where}, sample {sample_id!r}: epoch is {epoch!r:.80}, not an epoch number"
            )
    epochs = {s.get("epoch", 1) for s in samples}
    for sample in samples:
        at = f"{where}, sample {sample['id']!r} epoch {sample.get('epoch', 1)}"
        item = f"{task}:{sample['id']}"
        if len(epochs) > 1:
            item += f"#{sample.get('epoch', 1)}"
        yield item, at, sample


def inspect_outcomes(
    logs: Sequence[tuple[str, Mapping[str, Any], Sequence[Mapping[str, Any]]]],
    *,
    scorer: str | None = None,
    catalog: Catalog | None = None,
) -> Outcomes:
    """Outcomes from Inspect logs given as ``(where, eval header, samples)``.

    Item ``"<task>:<sample id>"`` (``"#<epoch>"`` appended when a log has several
    epochs), model ``eval.model``, score the chosen scorer's value
    (:func:`inspect_value`), tags the task name and the dataset name, cost the samples'
    logged ``total_cost`` (else their tokens priced through ``catalog``, else 0),
    latency the sample's ``total_time``. A sample that errored has no score (missing).
    """
    columns: dict[str, list[Any]] = {
        "item": [], "model": [], "score": [], "cost": [], "latency_s": [], "tags": []
    }  # fmt: skip
    origins: list[str] = []
    for where, header, samples in logs:
        spec, task = _inspect_task(where, header)
        model = spec.get("model")
        if not isinstance(model, str) or not model:
            raise FormatError(f"{where}: eval.model is {model!r}, not a model name")
        dataset = spec.get("dataset")
        dataset = dataset.get("name") if isinstance(dataset, Mapping) else None
        if dataset is not None and not isinstance(dataset, str):
            raise FormatError(f"{where}: eval.dataset.name is {dataset!r:.80}, not a name")
        tags = frozenset({task} | ({f"dataset:{dataset}"} if dataset else set()))
        for item, at, sample in _inspect_items(where, task, samples):
            with _at(at):
                scores = sample.get("scores") or {}
                if not isinstance(scores, Mapping):
                    raise FormatError(f"{at}: scores is {scores!r}, not a mapping")
                value = math.nan
                if not sample.get("error"):
                    if not scores:
                        raise FormatError(f"{at}: the sample has no scores")
                    if scorer is None and len(scores) > 1:
                        raise FormatError(
                            f"{at}: several scorers ({', '.join(sorted(scores))}); choose one with scorer="
                        )
                    name = scorer if scorer is not None else next(iter(scores))
                    if name not in scores:
                        raise FormatError(
                            f"{at}: no scorer {name!r}; the scorers are {', '.join(sorted(scores))}"
                        )
                    entry = scores[name]
                    raw = entry.get("value") if isinstance(entry, Mapping) else entry
                    value = inspect_value(raw, f"{at}, scorer {name!r}")
                elapsed = sample.get("total_time")
                columns["item"].append(item)
                columns["model"].append(model)
                columns["score"].append(value)
                columns["cost"].append(_inspect_cost(sample, model, catalog, at))
                columns["latency_s"].append(
                    float(elapsed) if isinstance(elapsed, (int, float)) and elapsed >= 0 else None
                )
                columns["tags"].append(tags)
                origins.append(at)
    if not columns["item"]:
        raise FormatError(f"{_files(w for w, _, _ in logs)}: the Inspect logs hold no samples")
    return Outcomes.from_columns(**columns, origins=origins)


def inspect_usage(
    logs: Sequence[tuple[str, Mapping[str, Any], Sequence[Mapping[str, Any]]]],
    *,
    catalog: Catalog | None = None,
    vendor_of: Mapping[str, str] | None = None,
) -> list[UsageRecord]:
    """Usage records from Inspect logs given as ``(where, eval header, samples)``.

    One record per sample, epoch and model that the sample used (``model_usage``: the
    model under evaluation, and any grader or tool model): id the sample's item (as in
    :func:`inspect_outcomes`, always with ``#<epoch>``), provider and model from
    Inspect's ``provider/model`` name, all five token counts, cost the logged
    ``total_cost`` (else priced through ``catalog``, else unknown), start time
    ``started_at``; the evaluated model's record also carries the sample's
    ``total_time`` and, when the sample errored, its failure.
    """
    records: list[UsageRecord] = []
    for where, header, samples in logs:
        spec, task = _inspect_task(where, header)
        evaluated = spec.get("model")
        if not isinstance(evaluated, str) or not evaluated:
            raise FormatError(f"{where}: eval.model is {evaluated!r}, not a model name")
        for _, at, sample in _inspect_items(where, task, samples):
            with _at(at):
                epoch = sample.get("epoch", 1)
                usages = sample.get("model_usage") or {}
                if not isinstance(usages, Mapping):
                    raise FormatError(f"{at}: model_usage is {usages!r}, not a mapping")
                started = sample.get("started_at")
                start = None if started in (None, "") else _moment(started, "started_at", at)
                elapsed = sample.get("total_time")
                error = sample.get("error")
                message = None
                if error:
                    message = str(error.get("message") if isinstance(error, Mapping) else error)
                    message = message.strip().splitlines()[0][:200] if message.strip() else "error"
                for used, raw in usages.items():
                    if not isinstance(raw, Mapping):
                        raise FormatError(f"{at}: model_usage[{used!r}] is not a mapping")
                    name = str(used)
                    provider, _, model = name.rpartition("/")
                    usage = _usage_of(raw, at)
                    logged = raw.get("total_cost")
                    vendor, price = _vendor_and_price(
                        catalog, vendor_of, provider or None, [model, name]
                    )
                    if logged is not None and (
                        isinstance(logged, bool) or not isinstance(logged, (int, float))
                    ):
                        raise FormatError(f"{at}: total_cost is {logged!r}, not a number")
                    mine = name == evaluated
                    records.append(
                        UsageRecord(
                            id=f"{task}:{sample['id']}#{epoch}",
                            model=model,
                            provider=provider or None,
                            vendor=vendor,
                            usage=usage,
                            cost_usd=float(logged)
                            if logged is not None
                            else (None if price is None else cost(usage, price)),
                            latency_s=float(elapsed)
                            if mine and isinstance(elapsed, (int, float)) and elapsed >= 0
                            else None,
                            started_at=start,
                            failure=failure_of(message) if mine and message else None,
                            error=message if mine else None,
                        )
                    )
    return records


# ---------------------------------------------------------------- lm-evaluation-harness


def lm_eval_model(results: Mapping[str, Any], where: str) -> str:
    """The model a harness results file names: ``model_name``, else the config's model."""
    name = results.get("model_name")
    if isinstance(name, str) and name:
        return name
    config = results.get("config")
    if isinstance(config, Mapping):
        model, args = config.get("model"), config.get("model_args")
        if isinstance(args, Mapping) and isinstance(args.get("pretrained"), str):
            return str(args["pretrained"])
        if isinstance(model, str) and model:
            return model
    raise FormatError(f"{where}: no model_name or config.model; not a harness results file")


def _message_text(message: Any, at: str) -> str:
    """The text of one chat message: its string content, or its text parts joined."""
    if not isinstance(message, Mapping):
        raise FormatError(f"{at}: an input message is {message!r}, not a chat message")
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence):
        return "\n".join(
            str(part.get("text", ""))
            for part in content
            if isinstance(part, Mapping) and part.get("type") == "text"
        )
    raise FormatError(f"{at}: a message's content is {content!r}, not text")


def _keep_query(queries: dict[str, str], item: str, text: str, at: str) -> None:
    """Record ``item``'s query; the same item must have the same query in every log."""
    known = queries.setdefault(item, text)
    if known != text:
        raise FormatError(
            f"{at}: item {item!r} has another input than in an earlier log "
            f"({known[:40]!r} vs {text[:40]!r}); were the logs run on different prompts?"
        )


def inspect_queries(
    logs: Sequence[tuple[str, Mapping[str, Any], Sequence[Mapping[str, Any]]]],
) -> dict[str, str]:
    """Each item's query text from Inspect logs given as ``(where, eval header, samples)``.

    Items are named as :func:`inspect_outcomes` names them. The query is the sample's
    ``input``: its text, or, for a list of chat messages, the text of every message
    (string contents, and the ``text`` parts of structured ones) joined by newlines.
    """
    queries: dict[str, str] = {}
    for where, header, samples in logs:
        _, task = _inspect_task(where, header)
        for item, at, sample in _inspect_items(where, task, samples):
            with _at(at):
                raw = sample.get("input")
                if isinstance(raw, str):
                    text = raw
                elif isinstance(raw, Sequence):
                    text = "\n".join(_message_text(message, at) for message in raw)
                else:
                    raise FormatError(f"{at}: input is {raw!r:.80}, not text or chat messages")
                _keep_query(queries, item, text, at)
    if not queries:
        raise FormatError(f"{_files(w for w, _, _ in logs)}: the Inspect logs hold no samples")
    return queries


HarnessRuns = Sequence[
    tuple[str, Mapping[str, Any], Mapping[str, Iterable[tuple[str, Mapping[str, Any]]]]]
]
"""Harness runs as ``(results path, results, {task: [(where, sample line), ...]})``."""


def _harness_doc(line: Any, at: str) -> int | str:
    """A harness sample line's document id."""
    if not isinstance(line, Mapping):
        raise FormatError(f"{at}: not a harness sample (a JSON object)")
    doc = line.get("doc_id")
    if isinstance(doc, bool) or not isinstance(doc, (int, str)):
        raise FormatError(f"{at}: doc_id is {doc!r}, not a document id")
    return doc


def lm_eval_queries(runs: HarnessRuns) -> dict[str, str]:
    """Each document's prompt from harness runs given as ``(where, results, {task: samples})``.

    Items are named as :func:`lm_eval_outcomes` names them (``"<task>:<doc_id>"``). The
    query is the context of the sample's first request: ``arguments.gen_args_0.arg_0``
    (``arguments[0][0]`` in older harness versions), the prompt as the model saw it,
    few-shot examples included.
    """
    queries: dict[str, str] = {}
    for _, _, tasks in runs:
        for task, lines in tasks.items():
            for at, line in lines:
                with _at(at):
                    doc = _harness_doc(line, at)
                    arguments = line.get("arguments")
                    context: Any = None
                    if isinstance(arguments, Mapping):
                        first = arguments.get("gen_args_0")
                        context = first.get("arg_0") if isinstance(first, Mapping) else None
                    elif isinstance(arguments, Sequence) and arguments:
                        first = arguments[0]
                        if isinstance(first, Sequence) and not isinstance(first, str) and first:
                            context = first[0]
                    if not isinstance(context, str):
                        raise FormatError(
                            f"{at}: no prompt in arguments (gen_args_0.arg_0), got {arguments!r:.80}"
                        )
                    _keep_query(queries, f"{task}:{doc}", context, at)
    if not queries:
        raise FormatError(f"{_files(w for w, _, _ in runs)}: the harness output holds no samples")
    return queries


def lm_eval_outcomes(
    runs: HarnessRuns,
    *,
    metric: str | Mapping[str, str] | None = None,
    filter: str | Mapping[str, str] | None = None,
) -> Outcomes:
    """Outcomes from harness runs given as ``(where, results, {task: samples})``.

    ``metric`` and ``filter`` are one name for every task, or a mapping of task to name
    (a task it does not name takes its only metric or filter).

    Item ``"<task>:<doc_id>"``, model from the results file, score the sample's
    ``metric`` (the only metric of the task when ``None``), tags the task and its groups,
    one row per document: the one with ``filter`` (the only filter when ``None``).
    Samples arrive as ``(where, line)`` pairs so errors can name the line.
    """
    columns: dict[str, list[Any]] = {"item": [], "model": [], "score": [], "tags": []}
    origins: list[str] = []
    for where, results, tasks in runs:
        model = lm_eval_model(results, where)
        groups: dict[str, set[str]] = {}
        subtasks = results.get("group_subtasks") or {}
        if not isinstance(subtasks, Mapping):
            raise FormatError(f"{where}: group_subtasks is {subtasks!r:.80}, not a mapping")
        for group, members in subtasks.items():
            if not isinstance(members, (list, type(None))):
                raise FormatError(f"{where}: group_subtasks[{group!r}] is not a list of tasks")
            for member in members or ():
                if isinstance(member, str):
                    groups.setdefault(member, set()).add(str(group))
        for task, lines in tasks.items():
            rows = list(lines)
            for at, line in rows:
                if not isinstance(line, Mapping):
                    raise FormatError(f"{at}: not a harness sample (a JSON object)")
            task_filter = filter.get(task) if isinstance(filter, Mapping) else filter
            task_metric = metric.get(task) if isinstance(metric, Mapping) else metric
            filters = sorted({str(line.get("filter", "none")) for _, line in rows})
            if task_filter is None and len(filters) > 1:
                raise FormatError(
                    f"{where}: task {task!r} has several filters ({', '.join(filters)}); choose one with filter="
                )
            chosen = filters[0] if task_filter is None else task_filter
            if chosen not in filters:
                raise FormatError(
                    f"{where}: task {task!r} has no filter {chosen!r}; the filters are {', '.join(filters)}"
                )
            tags = frozenset({task} | groups.get(task, set()))
            seen: set[Hashable] = set()
            for at, line in rows:
                with _at(at):
                    if str(line.get("filter", "none")) != chosen:
                        continue
                    doc = _harness_doc(line, at)
                    names = [m for m in line.get("metrics") or () if isinstance(m, str)]
                    name = task_metric
                    if name is None:
                        if len(names) != 1:
                            raise FormatError(
                                f"{at}: task {task!r} reports {', '.join(names) or 'no metric'}; choose one with metric="
                            )
                        name = names[0]
                    if name not in line:
                        raise FormatError(
                            f"{at}: no metric {name!r}; the metrics are {', '.join(names) or 'none'}"
                        )
                    value = line[name]
                    if isinstance(value, bool):
                        value = float(value)
                    if not isinstance(value, (int, float)) or math.isinf(value):
                        raise FormatError(f"{at}: metric {name!r} is {value!r}, not a number")
                    item = f"{task}:{doc}"
                    if item in seen:
                        raise FormatError(f"{at}: document {doc!r} of {task!r} appears twice")
                    seen.add(item)
                    columns["item"].append(item)
                    columns["model"].append(model)
                    columns["score"].append(float(value))
                    columns["tags"].append(tags)
                    origins.append(at)
    if not columns["item"]:
        raise FormatError(f"{_files(w for w, _, _ in runs)}: the harness output holds no samples")
    return Outcomes.from_columns(**columns, origins=origins)


# ---------------------------------------------------------------- OpenTelemetry GenAI

# error.type values, and the words in them, by the failure they name.
_FAILURE_WORDS: tuple[tuple[Failure, tuple[str, ...]], ...] = (
    (Failure.RATE_LIMITED, ("429", "rate_limit", "ratelimit", "rate limit", "too_many", "quota")),
    (Failure.TIMEOUT, ("timeout", "timed_out", "deadline", "408", "504")),
    (Failure.CONTEXT_TOO_LONG, ("context_length", "context_window", "too_long", "413")),
    (Failure.CONTENT_FILTERED, ("content_filter", "safety", "moderation")),
    (Failure.AUTH, ("401", "403", "auth", "permission", "forbidden", "api_key")),
    (Failure.BAD_REQUEST, ("400", "404", "422", "bad_request", "badrequest", "invalid", "not_found", "notfound")),
)  # fmt: skip


def failure_of(error: str) -> Failure:
    """The failure an ``error.type`` (or status) names; anything else is a server error.

    Examples:
        >>> failure_of("RateLimitError"), failure_of("timeout"), failure_of("500")
        (<Failure.RATE_LIMITED: 'rate_limited'>, <Failure.TIMEOUT: 'timeout'>, <Failure.SERVER_ERROR: 'server_error'>)
    """
    lowered = re.sub(r"(?<!^)(?=[A-Z])", "_", error).lower()
    for failure, words in _FAILURE_WORDS:
        if any(word in lowered for word in words):
            return failure
    return Failure.SERVER_ERROR


def _attributes(raw: Any, where: str) -> dict[str, Any]:
    """OTLP/JSON ``[{key, value: {stringValue|intValue|...}}]`` as a plain dict."""
    if not isinstance(raw, list):
        raise FormatError(f"{where}: attributes is {raw!r}, not a list")
    found: dict[str, Any] = {}
    for item in raw:
        if not isinstance(item, Mapping) or "key" not in item:
            raise FormatError(f"{where}: attribute {item!r} has no key")
        value = item.get("value") or {}
        if not isinstance(value, Mapping):
            raise FormatError(f"{where}: attribute {item['key']!r} has no value")
        key = item["key"]
        if not isinstance(key, str):
            raise FormatError(f"{where}: attribute key {key!r:.80} is not a string")
        at = f"{where}, attribute {key!r}"
        if "stringValue" in value:
            found[key] = value["stringValue"]
        elif "intValue" in value:
            found[key] = _int64(value["intValue"], at)  # OTLP/JSON writes int64 as a string
        elif "doubleValue" in value:
            found[key] = _double(value["doubleValue"], at)
        elif "boolValue" in value:
            flag = value["boolValue"]
            if not isinstance(flag, bool):
                raise FormatError(f"{at}: boolValue is {flag!r:.80}, not true or false")
            found[key] = flag
        elif "arrayValue" in value:
            array = value["arrayValue"]
            values = array.get("values") if isinstance(array, Mapping) else None
            if not isinstance(values, (list, type(None))) or not isinstance(array, Mapping):
                raise FormatError(f"{at}: arrayValue is {array!r:.80}, not an array value")
            found[key] = [
                next(iter(v.values()), None) if isinstance(v, Mapping) else None
                for v in values or ()
            ]
    return found


def _int64(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise FormatError(f"{where}: intValue is {value!r:.80}, not an integer")
    try:
        number = int(value)
    except ValueError:
        raise FormatError(f"{where}: intValue is {value!r:.80}, not an integer") from None
    if not -(2**63) <= number < 2**63:
        raise FormatError(f"{where}: intValue {value!r:.40} is beyond int64")
    return number


def _double(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise FormatError(f"{where}: doubleValue is {value!r:.80}, not a number")
    try:
        return float(value)
    except (ValueError, OverflowError):
        raise FormatError(f"{where}: doubleValue is {value!r:.80}, not a number") from None


def _nanos(value: Any, name: str, where: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise FormatError(f"{where}: {name} is {value!r}, not nanoseconds") from None
    if number < 0:
        raise FormatError(f"{where}: {name} is {value!r}, not nanoseconds")
    return number


def _token(attrs: Mapping[str, Any], names: Sequence[str], where: str) -> int | None:
    for name in names:
        if name in attrs:
            value = attrs[name]
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise FormatError(f"{where}: {name} is {value!r}, not a token count")
            return value
    return None


# Current names first, then the ones they replaced (GenAI semantic conventions).
_PROVIDER = ("gen_ai.provider.name", "gen_ai.system")
_INPUT = ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens")
_OUTPUT = ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens")
_CACHED = ("gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens")
_WRITTEN = ("gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_creation_input_tokens")
_REASONING = ("gen_ai.usage.reasoning.output_tokens",)
_GENAI_OPERATIONS = frozenset(
    {"chat", "text_completion", "generate_content", "invoke_agent", "execute_tool", "embeddings"}
)
# Provider names in the conventions, and the catalog provider slugs they correspond to.
_PROVIDER_SLUG = {
    "azure.ai.openai": "azure",
    "azure.ai.inference": "azure_ai",
    "aws.bedrock": "bedrock",
    "gcp.vertex_ai": "vertex_ai",
    "gcp.gemini": "gemini",
    "gcp.gen_ai": "vertex_ai",
    "mistral_ai": "mistral",
    "x_ai": "xai",
    "az.ai.openai": "azure",
    "az.ai.inference": "azure_ai",
    "vertex_ai": "vertex_ai",
}


def _listed(value: Any, where: str) -> list[Any]:
    """An OTLP/JSON list (absent or null: empty), or an error naming where."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise FormatError(f"{where} is {type(value).__name__}, not a list")
    return value


def _spans(documents: Iterable[tuple[str, Any]]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for where, document in documents:
        if not isinstance(document, Mapping) or "resourceSpans" not in document:
            raise FormatError(f"{where}: no resourceSpans; not OTLP/JSON traces")
        for r, resource in enumerate(_listed(document["resourceSpans"], f"{where}: resourceSpans")):
            at = f"{where}, resourceSpans[{r}]"
            if not isinstance(resource, (Mapping, type(None))):
                raise FormatError(f"{at} is not an object")
            for s, scope in enumerate(
                _listed((resource or {}).get("scopeSpans"), f"{at}.scopeSpans")
            ):
                here = f"{at}.scopeSpans[{s}]"
                if not isinstance(scope, (Mapping, type(None))):
                    raise FormatError(f"{here} is not an object")
                for k, span in enumerate(_listed((scope or {}).get("spans"), f"{here}.spans")):
                    yield f"{here}.spans[{k}]", span


def _vendor_and_price(
    catalog: Catalog | None,
    vendor_of: Mapping[str, str] | None,
    provider: str | None,
    models: Sequence[str],
) -> tuple[str | None, Any]:
    """The vendor (and the catalog price) of a logged call, by the first name that tells.

    The catalog's deployment of the model (by ``provider/model``, then the model), then
    ``vendor_of``, then the importer's vendor rules on the model's name.
    """
    for model in models:
        if catalog is not None:
            deployment = _deployment_for(catalog, f"{provider}/{model}") or _deployment_for(
                catalog, model
            )
            if deployment is not None:
                vendor = vendor_of.get(model, deployment.vendor) if vendor_of else deployment.vendor
                return vendor, deployment.price
    for model in models:
        if vendor_of is not None and model in vendor_of:
            return vendor_of[model], None
    for model in models:
        rule = infer_vendor(model_name(model, provider or ""), "")
        if rule is not None:
            return rule.vendor, None
    return None, None


_FAILURE_VALUES = frozenset(failure.value for failure in Failure)


def _recorded_cost(value: Any, where: str) -> float | None:
    """``modelfolio.cost_usd`` of a span: a finite number >= 0, or absent."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < math.inf:
        raise FormatError(f"{where}: modelfolio.cost_usd is {value!r}, not a cost in US dollars")
    return float(value)


def otlp_records(
    documents: Iterable[tuple[str, Any]],
    *,
    catalog: Catalog | None = None,
    vendor_of: Mapping[str, str] | None = None,
) -> list[UsageRecord]:
    """Usage records from OTLP/JSON trace documents given as ``(where, document)``.

    Every span with a ``gen_ai.*`` model or operation attribute is one call; others are
    left out (a trace also holds HTTP, database and application spans). Spans come out
    in start-time order.
    """
    records: list[tuple[int, UsageRecord]] = []
    for where, span in _spans(documents):
        with _at(where):
            if not isinstance(span, Mapping):
                raise FormatError(f"{where}: not a span")
            attrs = _attributes(span.get("attributes") or [], where)
            operation = attrs.get("gen_ai.operation.name")
            requested = attrs.get("gen_ai.request.model")
            answered = attrs.get("gen_ai.response.model")
            genai = any(str(key).startswith("gen_ai.") for key in attrs)
            if (
                requested is None
                and answered is None
                and operation not in _GENAI_OPERATIONS
                and not genai
            ):
                continue  # an HTTP, database or application span: not a model call
            model = answered or requested
            if not isinstance(model, str) or not model:
                raise FormatError(
                    f"{where}: a GenAI span without gen_ai.request.model or gen_ai.response.model"
                )
            start = _nanos(span.get("startTimeUnixNano"), "startTimeUnixNano", where)
            end = _nanos(span.get("endTimeUnixNano", start), "endTimeUnixNano", where)
            if end < start:
                raise FormatError(f"{where}: the span ends before it starts")
            raw_provider = next((attrs[n] for n in _PROVIDER if n in attrs), None)
            provider = (
                None if raw_provider is None else _PROVIDER_SLUG.get(raw_provider, raw_provider)
            )
            input_tokens = _token(attrs, _INPUT, where)
            output_tokens = _token(attrs, _OUTPUT, where)
            cached = _token(attrs, _CACHED, where) or 0
            written = _token(attrs, _WRITTEN, where) or 0
            reasoning = _token(attrs, _REASONING, where) or 0
            usage = None
            if input_tokens is not None or output_tokens is not None:
                usage = Usage(
                    input_tokens=max(input_tokens or 0, cached + written),
                    output_tokens=max(output_tokens or 0, reasoning),
                    cached_input_tokens=cached,
                    cache_write_tokens=written,
                    reasoning_tokens=reasoning,
                )
            status = span.get("status") or {}
            error = attrs.get("error.type")
            if error is None and status.get("code") in (2, "STATUS_CODE_ERROR"):
                error = str(status.get("message") or "error")
            # Spans modelfolio.otel wrote say which deployment was called, its vendor,
            # the failure kind and what the call cost (estimates and off-peak prices
            # included): read as written, they give back what the execution recorded.
            deployment_id = attrs.get("modelfolio.deployment.id")
            known = (
                catalog.deployment(deployment_id)
                if catalog is not None
                and isinstance(deployment_id, str)
                and deployment_id in catalog
                else None
            )
            vendor: str | None
            if known is not None:
                vendor, price = known.vendor, known.price
            else:
                vendor, price = _vendor_and_price(
                    catalog, vendor_of, provider, [m for m in (answered, requested) if m]
                )
            if isinstance(attrs.get("modelfolio.vendor"), str) and vendor is None:
                vendor = attrs["modelfolio.vendor"]
            recorded_cost = _recorded_cost(attrs.get("modelfolio.cost_usd"), where)
            kind = attrs.get("modelfolio.failure")
            records.append(
                (
                    start,
                    UsageRecord(
                        id=span.get("spanId"),
                        model=model,
                        requested_model=requested if requested != model else None,
                        provider=provider,
                        vendor=vendor,
                        usage=usage,
                        # A failed call is not billed; a success is priced through the
                        # catalog; a cost the span records is taken as recorded.
                        cost_usd=recorded_cost
                        if recorded_cost is not None
                        else 0.0
                        if error is not None
                        else (None if usage is None or price is None else cost(usage, price)),
                        latency_s=(end - start) / 1e9,
                        started_at=start / 1e9,
                        failure=None
                        if error is None
                        else (Failure(kind) if kind in _FAILURE_VALUES else failure_of(str(error))),
                        error=None if error is None else str(error),
                    ),
                )
            )
    records.sort(key=lambda pair: pair[0])
    return [record for _, record in records]


# ---------------------------------------------------------------- LiteLLM spend logs


def _moment(value: Any, name: str, where: str) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and value:
        text = value.strip().replace(" ", "T")
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)  # the proxy stores UTC
            return moment.timestamp()
    raise FormatError(f"{where}: {name} is {value!r}, not a date and time")


def _number(row: Mapping[str, Any], name: str, where: str, *, whole: bool = False) -> float:
    value = row.get(name)
    if value is None or value == "":
        return 0.0
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise FormatError(f"{where}: {name} is {row.get(name)!r}, not a number") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise FormatError(f"{where}: {name} is {row.get(name)!r}, not a number")
    if value < 0 or (whole and not float(value).is_integer()):
        raise FormatError(f"{where}: {name} is {row.get(name)!r}, not a count or amount >= 0")
    return float(value)


def _spend_error(metadata: Any) -> str | None:
    """The error class or code the proxy noted in a row's metadata, if it did."""
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            return None
    info = metadata.get("error_information") if isinstance(metadata, Mapping) else None
    if not isinstance(info, Mapping):
        return None
    for key in ("error_class", "error_code"):
        if info.get(key):
            return str(info[key])
    return None


def spend_log_records(
    rows: Iterable[tuple[str, Mapping[str, Any]]],
    *,
    catalog: Catalog | None = None,
    vendor_of: Mapping[str, str] | None = None,
) -> list[UsageRecord]:
    """Usage records from LiteLLM proxy ``LiteLLM_SpendLogs`` rows given as ``(where, row)``.

    Model ``model`` (else ``model_group``), provider ``custom_llm_provider``, tokens
    ``prompt_tokens``/``completion_tokens``, cost ``spend``, latency ``endTime -
    startTime``; a ``status`` other than ``success`` (or empty) is a failure, classified
    by the error class or code in the row's ``metadata.error_information`` when the
    proxy noted one, else by the status text (``failure``: a server error). Vendors come from ``vendor_of``, else from a catalog deployment of the
    model.
    """
    records = []
    for where, row in rows:
        with _at(where):
            if not isinstance(row, Mapping):
                raise FormatError(f"{where}: not a spend-log row")
            request_id = row.get("request_id")
            model = row.get("model") or row.get("model_group")
            if not isinstance(model, str) or not model:
                raise FormatError(f"{where}: no model or model_group")
            start = _moment(row.get("startTime"), "startTime", where)
            end = _moment(row.get("endTime") or row.get("startTime"), "endTime", where)
            if end < start:
                raise FormatError(f"{where}: endTime is before startTime")
            spend = _number(row, "spend", where)
            prompt = int(_number(row, "prompt_tokens", where, whole=True))
            completion = int(_number(row, "completion_tokens", where, whole=True))
            provider = row.get("custom_llm_provider") or None
            status = str(row.get("status") or "success")
            names = [m for m in (model, row.get("model_group")) if isinstance(m, str) and m]
            vendor, _ = _vendor_and_price(
                catalog, vendor_of, provider if isinstance(provider, str) else None, names
            )
            failed = status.lower() not in ("success", "ok")
            if failed:
                status = _spend_error(row.get("metadata")) or status
            records.append(
                UsageRecord(
                    id=None if request_id is None else str(request_id),
                    model=model,
                    requested_model=row.get("model_group") or None,
                    provider=provider if isinstance(provider, str) else None,
                    vendor=vendor,
                    usage=Usage(input_tokens=prompt, output_tokens=completion),
                    cost_usd=spend,
                    latency_s=end - start,
                    started_at=start,
                    failure=failure_of(status) if failed else None,
                    error=status if failed else None,
                )
            )
    records.sort(key=lambda r: (r.started_at or 0.0, r.id or ""))
    return records
