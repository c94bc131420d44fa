"""Files from outside are hostile: every reader returns a valid result or a ModelfolioError
naming the file, and never parses more than its limits (issue 29).

Hypothesis mutates the real fixture files the other tests read (truncate, splice, flip
bytes, swap JSON types, nest, inflate, re-encode) and hands them to every reader. Memory
is bounded by what the readers may allocate (``tracemalloc``'s peak, which does not
depend on the machine's speed); time is bounded by the same limits (what is read, not
how fast), and measured by ``benchmarks/readers.py``, never asserted here.
"""

from __future__ import annotations

import io
import json
import pathlib
import tracemalloc
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import modelfolio.io as mio
from modelfolio import ModelfolioError, ValidationError

ROOT = pathlib.Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
LONG = (
    "item,model,score,cost,latency\n"
    "q1,a,1,0.01,0.5\nq1,b,0,0.001,0.2\nq2,a,0,0.01,0.4\nq2,b,1,0.002,0.3\n"
)
WIDE = "id,a,b,a|cost,b|cost,task\nq1,1,0,0.01,0.001,x\nq2,0,1,0.02,0.002,y\n"
BATTLES = (
    '{"model_a": "x", "model_b": "y", "winner": "model_a"}\n'
    '{"model_a": "y", "model_b": "z", "winner": "tie"}\n'
)


def _jsonl_long() -> str:
    header, *rows = LONG.splitlines()
    names = header.split(",")
    return "".join(json.dumps(dict(zip(names, row.split(","), strict=True))) + "\n" for row in rows)


LONG_COLUMNS = {
    "item": "item",
    "model": "model",
    "score": "score",
    "cost": "cost",
    "latency_s": "latency",
}

# (name, file name, original bytes, reader)
READERS: list[tuple[str, str, bytes, Callable[[str], Any]]] = [
    ("long csv", "o.csv", LONG.encode(), lambda p: mio.read_outcomes_long(p, **LONG_COLUMNS)),
    ("long jsonl", "o.jsonl", _jsonl_long().encode(), lambda p: mio.read_outcomes_long(p, **LONG_COLUMNS)),
    ("wide csv", "w.csv", WIDE.encode(), lambda p: mio.read_outcomes_wide(p, item="id", models=["a", "b"], cost="cost", tags="task")),
    ("battles", "b.jsonl", BATTLES.encode(), mio.read_battles),
    ("json", "j.json", (ROOT / "tests/fixtures/litellm_costs.json").read_bytes(), mio.read_json),
    ("litellm", "prices.json", (ROOT / "tests/fixtures/litellm_costs.json").read_bytes(), mio.load_litellm),
    ("otel", "t.jsonl", (DATA / "otel/genai-traces.jsonl").read_bytes(), mio.read_otel_genai),
    ("spend csv", "s.csv", (DATA / "litellm/spend-logs.csv").read_bytes(), mio.read_litellm_spend_logs),
    ("spend jsonl", "s.jsonl", (DATA / "litellm/spend-logs.jsonl").read_bytes(), mio.read_litellm_spend_logs),
    ("inspect json", "i.json", (DATA / "inspect/arithmetic-weak.json").read_bytes(), lambda p: mio.read_inspect_log(p, scorer="match")),
    ("inspect usage", "i.json", (DATA / "inspect/arithmetic-weak.json").read_bytes(), mio.read_inspect_usage),
    ("inspect queries", "i.json", (DATA / "inspect/arithmetic-weak.json").read_bytes(), mio.read_inspect_queries),
    ("inspect eval", "i.eval", (DATA / "inspect/arithmetic-weak.eval").read_bytes(), lambda p: mio.read_inspect_log(p, scorer="match")),
]  # fmt: skip

ODD_VALUES = [None, "abc", -1, 1e308, [], {}, True, [1, 2], "1e999", {"a": 1}, -0.5, 10**30, "", 0]


def _swap_types(value: Any, draw: Any) -> Any:
    """``value`` with some of its leaves and branches replaced by values of other JSON types."""
    if isinstance(value, dict):
        return {
            k: draw(st.sampled_from(ODD_VALUES))
            if draw(st.integers(0, 7)) == 0
            else _swap_types(v, draw)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_swap_types(v, draw) for v in value]
    return value


@st.composite
def mutations(draw: Any, data: bytes, name: str) -> bytes:
    kind = draw(
        st.sampled_from(
            ["truncate", "flip", "splice", "repeat", "nest", "big cell", "long line", "utf-16",
             "latin-1", "nul", "types", "empty", "crlf"]
        )
    )  # fmt: skip
    size = len(data)
    if kind == "truncate":
        return data[: draw(st.integers(0, size - 1))]
    if kind == "flip":
        mutated = bytearray(data)
        for _ in range(draw(st.integers(1, 8))):
            mutated[draw(st.integers(0, size - 1))] = draw(st.integers(0, 255))
        return bytes(mutated)
    if kind == "splice":
        i, j, k = (draw(st.integers(0, size)) for _ in range(3))
        return data[:k] + data[min(i, j) : max(i, j)] + data[k:]
    if kind == "repeat":
        return data + data
    if kind == "nest":
        depth = draw(st.sampled_from([50, 300, 5_000, 200_000]))
        return b"[" * depth + b"]" * depth + b"\n" + data
    if kind == "big cell":
        return data + b'q9,"' + b"x" * 20_000_000 + b'",1\n'
    if kind == "long line":
        return data.rstrip(b"\n") + b" " * 3_000_000 + b"\n"
    if kind == "utf-16":
        return data.decode("utf-8", "replace").encode("utf-16")
    if kind == "latin-1":
        return data + "é\xff".encode("latin-1")
    if kind == "nul":
        return data[: size // 2] + b"\x00" + data[size // 2 :]
    if kind == "types" and name.endswith((".json", ".jsonl")):
        text = data.decode()
        try:
            return json.dumps(_swap_types(json.loads(text), draw)).encode()
        except ValueError:  # JSON lines: swap line by line
            return "\n".join(
                json.dumps(_swap_types(json.loads(line), draw))
                for line in text.splitlines()
                if line
            ).encode()
    if kind == "types":
        return data.replace(b"0.01", b"-0.5").replace(b",1,", b",inf,")
    if kind == "crlf":
        return data.replace(b"\n", b"\r\n")
    return b""


def _eval_archive(attack: str) -> bytes:
    """An Inspect .eval log (a zip of a header and one member per sample, as Inspect
    writes it; deflated here) built from the real JSON log, with one zip-level attack."""
    log = json.loads((DATA / "inspect/arithmetic-weak.json").read_text())
    samples = log.pop("samples")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        header = b"\xff\xfe{}" if attack == "not utf-8" else json.dumps(log).encode()
        archive.writestr("header.json", header, zipfile.ZIP_DEFLATED)
        for sample in samples:
            name = f"samples/{sample['id']}_epoch_{sample.get('epoch', 1)}.json"
            member = json.dumps(sample).encode()
            if attack == "bomb" and sample is samples[0]:
                member = b" " * 100_000_000
            if attack == "wrong types":
                member = json.dumps({"id": [1], "epoch": [1, 2], "scores": "x"}).encode()
            archive.writestr(name, member, zipfile.ZIP_DEFLATED)
    raw = bytearray(out.getvalue())
    if attack == "declared 4 GiB":
        central = raw.rfind(b"PK\x01\x02")
        raw[central + 24 : central + 28] = (0xFFFFFFF0).to_bytes(4, "little")
    if attack == "encrypted":
        raw[raw.find(b"PK\x01\x02") + 8] |= 1
        raw[raw.find(b"PK\x03\x04") + 6] |= 1
    return bytes(raw)


def _check(reader: Callable[[str], Any], path: pathlib.Path) -> None:
    """The reader returns (its values were checked as they were built) or raises a
    ModelfolioError naming the file; and it allocates at most 400 MiB however the file
    inflates."""
    message = ""
    tracemalloc.start()
    try:
        reader(str(path))
    except ModelfolioError as error:
        message = str(error)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert not message or str(path.parent) in message or path.name in message, message
    assert peak < 400 << 20, f"{peak:,} bytes allocated"


@pytest.mark.parametrize(("name", "file", "data", "reader"), READERS, ids=[r[0] for r in READERS])
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data_=st.data())
def test_every_reader_survives_mutations_of_a_real_file(
    tmp_path: pathlib.Path,
    name: str,
    file: str,
    data: bytes,
    reader: Callable[[str], Any],
    data_: Any,
) -> None:
    mutated = data_.draw(mutations(data, file), label="mutated file")
    folder = tmp_path / f"case{abs(hash(mutated)) % 10**9}"
    folder.mkdir(exist_ok=True)
    path = folder / file
    path.write_bytes(mutated)
    _check(reader, path)


@pytest.mark.parametrize("attack", ["bomb", "not utf-8", "wrong types", "encrypted"])
def test_an_eval_archive_attack_is_refused_naming_the_file(
    tmp_path: pathlib.Path, attack: str
) -> None:
    path = tmp_path / "attack.eval"
    path.write_bytes(_eval_archive(attack))
    with pytest.raises(ModelfolioError, match=str(path).replace(".", r"\.")):
        _check_raising(lambda p: mio.read_inspect_log(p, scorer="match"), path)


def test_a_declared_size_is_not_trusted(tmp_path: pathlib.Path) -> None:
    """A member claiming 4 GiB allocates nothing for it: what is there is read."""
    path = tmp_path / "claims.eval"
    path.write_bytes(_eval_archive("declared 4 GiB"))
    _check_raising(lambda p: mio.read_inspect_log(p, scorer="match"), path)
    expected = mio.read_inspect_log(DATA / "inspect/arithmetic-weak.json", scorer="match")
    got = mio.read_inspect_log(path, scorer="match")
    assert sorted(map(repr, expected.to_rows())) == sorted(map(repr, got.to_rows()))


def _check_raising(reader: Callable[[str], Any], path: pathlib.Path) -> None:
    tracemalloc.start()
    try:
        reader(str(path))
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 400 << 20, f"{peak:,} bytes allocated"


def test_a_bomb_stops_at_the_inflation_limit_and_says_how_to_raise_it(
    tmp_path: pathlib.Path,
) -> None:
    path = tmp_path / "bomb.eval"
    path.write_bytes(_eval_archive("bomb"))
    with pytest.raises(
        ValidationError,
        match=r"bomb\.eval: member samples/.*inflates to more than .* pass limits=ReadLimits",
    ):
        mio.read_inspect_log(path, scorer="match")
    # A team that trusts the file can raise the limits.
    limits = mio.ReadLimits(max_inflation=10_000)
    with pytest.raises(ValidationError, match=r"bomb\.eval: samples/.*: empty"):
        mio.read_inspect_log(path, scorer="match", limits=limits)


@pytest.mark.parametrize(
    ("text", "limits", "message"),
    [
        (
            "[" * 300 + "]" * 300,
            mio.ReadLimits(),
            r"nested deeper than 200 levels \(ReadLimits\.max_json_depth\)",
        ),
        ("[" * 30 + "]" * 30, mio.ReadLimits(max_json_depth=10), r"nested deeper than 10 levels"),
        ("[" * 100_000 + "]" * 100_000, mio.ReadLimits(), r"nested deeper than 200 levels"),
        (
            '{"a": 1}',
            mio.ReadLimits(max_file_bytes=4),
            r"larger than 4 bytes \(ReadLimits\.max_file_bytes\); pass limits=",
        ),
        ("1" * 5000, mio.ReadLimits(), r"not JSON Python can read"),
    ],
)
def test_json_beyond_the_limits_is_refused_naming_the_file_and_limit(
    tmp_path: pathlib.Path, text: str, limits: Any, message: str
) -> None:
    path = tmp_path / "deep.json"
    path.write_text(text)
    with pytest.raises(ValidationError, match=rf"{tmp_path}.*{message}"):
        mio.read_json(path, limits=limits)


def test_a_long_line_and_a_big_cell_name_the_line_and_the_limit(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "o.csv"
    path.write_text(LONG + '"' + "x" * 200 + '",a,1,0.01,1\n')
    with pytest.raises(
        ValidationError,
        match=r"o\.csv line 6: not CSV \(a cell longer than 100 characters \(ReadLimits\.max_cell_chars\)\)",
    ):
        mio.read_outcomes_long(path, **LONG_COLUMNS, limits=mio.ReadLimits(max_cell_chars=100))
    with pytest.raises(
        ValidationError,
        match=r"o\.csv line 6: longer than 50 characters \(ReadLimits\.max_line_chars\)",
    ):
        mio.read_outcomes_long(path, **LONG_COLUMNS, limits=mio.ReadLimits(max_line_chars=50))
    # the same file with the limits raised: the oversized cell is an item id, read as one
    table = mio.read_outcomes_long(
        path, **LONG_COLUMNS, limits=mio.ReadLimits(max_cell_chars=1_000)
    )
    assert 3 == len(table.items)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("q1,a,1,-0.5,0.2\n", r"o\.csv line 2, cost: '-0\.5' is negative"),
        ("q1,a,1,0.01,-1\n", r"o\.csv line 2, latency: '-1' is negative"),
        ("q1,a,inf,0.01,1\n", r"o\.csv line 2, score: 'inf' is not a finite number"),
        ("q1,a,1e13,0.01,1\n", r"o\.csv line 2: score must be at most 1e\+12"),
        (
            "q1,a,1,0.01,1\nq1,a,0,0.01,1\n",
            r"o\.csv line 3: \(item, model\) pair 'q1', 'a' appears again \(first at .*o\.csv line 2\)",
        ),
        ("q1, a,1,0.01,1\n", r"o\.csv line 2, model: ' a' is not a model id"),
        (",a,1,0.01,1\n", r"o\.csv line 2, item: '' is not an item id"),
        ("q1,a,1,0.01,1,extra\n", r"o\.csv line 2: 6 cells but the header names 5 columns"),
        ("", r"o\.csv: a header but no rows"),
    ],
)
def test_a_bad_value_names_the_file_line_and_column(
    tmp_path: pathlib.Path, rows: str, message: str
) -> None:
    path = tmp_path / "o.csv"
    path.write_text("item,model,score,cost,latency\n" + rows)
    with pytest.raises(ValidationError, match=message):
        mio.read_outcomes_long(path, **LONG_COLUMNS)


def test_a_repeated_header_column_is_refused(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "o.csv"
    path.write_text("item,model,score,score\nq1,a,1,0\n")
    with pytest.raises(ValidationError, match=r"o\.csv line 1: the column 'score' appears twice"):
        mio.read_outcomes_long(path, item="item", model="model", score="score")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: mio.read_outcomes_long(None, item="i", model="m", score="s"),
            r"path must be a path \(a str or os\.PathLike\), got None",
        ),
        (lambda: mio.read_inspect_log([None]), r"path\[0\] must be a path"),
        (lambda: mio.read_inspect_log([]), r"path must be a path or a non-empty list of paths"),
        (
            lambda: mio.read_inspect_log("x.json", catalog=5),
            r"catalog must be a Catalog or None, got 5",
        ),
        (
            lambda: mio.read_inspect_usage("x.json", catalog="openai"),
            r"catalog must be a Catalog or None, got 'openai'",
        ),
        (lambda: mio.read_otel_genai("x.jsonl", vendor_of=["a"]), r"vendor_of must be a mapping"),
        (
            lambda: mio.read_lm_eval("tests/data/lm_eval", metric=["acc"]),
            r"metric must be a name, a mapping of task to name, or None, got \['acc'\]",
        ),
        (
            lambda: mio.read_outcomes_long("o.csv", item=None, model="m", score="s"),
            r"item must be a column name or a non-empty list of them",
        ),
        (
            lambda: mio.read_outcomes_long("o.csv", item="i", model=3, score="s"),
            r"model must be a column name \(a non-empty string\), got 3",
        ),
        (
            lambda: mio.read_outcomes_wide("o.csv", item="i", models=["a", "a"]),
            r"models names a column twice",
        ),
        (
            lambda: mio.read_battles("b.jsonl", winners={"x": "left"}),
            r"winners must map verdicts \(strings\) to 'a', 'b' or 'tie'",
        ),
        (
            lambda: mio.read_json("x.json", limits={"max_file_bytes": 1}),
            r"limits must be a ReadLimits",
        ),
        (
            lambda: mio.ReadLimits(max_json_depth=0),
            r"max_json_depth must be an integer > 0, got 0",
        ),
    ],
)
def test_arguments_are_checked_before_any_file_is_read(
    call: Callable[[], Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        call()


def test_a_folder_given_for_a_file_and_a_missing_file_are_named(tmp_path: pathlib.Path) -> None:
    with pytest.raises(ValidationError, match=rf"{tmp_path}: a folder, not a file"):
        mio.read_json(tmp_path)
    with pytest.raises(ValidationError, match=r"nope\.json: no such file"):
        mio.read_json(tmp_path / "nope.json")
    (tmp_path / "results.json").write_text("{}")
    with pytest.raises(ValidationError, match=r"results\.json: a file, not a folder"):
        mio.read_lm_eval(tmp_path / "results.json")


def test_otel_values_of_the_wrong_type_name_the_span_and_attribute(tmp_path: pathlib.Path) -> None:
    span = {
        "spanId": "s1",
        "startTimeUnixNano": "1",
        "endTimeUnixNano": "2",
        "attributes": [
            {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o"}},
            {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "abc"}},
        ],
    }
    document = {"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps(document) + "\n")
    with pytest.raises(
        ValidationError,
        match=r"t\.jsonl line 1, resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\], attribute 'gen_ai\.usage\.input_tokens': intValue is 'abc', not an integer",
    ):
        mio.read_otel_genai(path)
    path.write_text(json.dumps({"resourceSpans": "spans"}) + "\n")
    with pytest.raises(ValidationError, match=r"t\.jsonl line 1: resourceSpans is str, not a list"):
        mio.read_otel_genai(path)
    span["attributes"][1] = {"key": "x", "value": {"arrayValue": [1, 2]}}
    path.write_text(json.dumps(document) + "\n")
    with pytest.raises(
        ValidationError, match=r"attribute 'x': arrayValue is \[1, 2\], not an array value"
    ):
        mio.read_otel_genai(path)


def test_an_inspect_epoch_that_is_a_list_names_the_sample(tmp_path: pathlib.Path) -> None:
    log = json.loads((DATA / "inspect/arithmetic-weak.json").read_text())
    log["samples"][1]["epoch"] = [1, 2]
    path = tmp_path / "i.json"
    path.write_text(json.dumps(log))
    with pytest.raises(
        ValidationError, match=r"i\.json, sample .*: epoch is \[1, 2\], not an epoch number"
    ):
        mio.read_inspect_log(path, scorer="match")
