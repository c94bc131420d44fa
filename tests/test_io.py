from __future__ import annotations

import json
import pathlib

import pytest

from modelfolio import ValidationError
from modelfolio.io import (
    load_litellm,
    read_battles,
    read_json,
    read_outcomes_long,
    read_outcomes_wide,
)


def test_load_litellm_reads_and_imports(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "prices.json"
    path.write_text(
        json.dumps(
            {
                "azure/gpt-4o": {
                    "mode": "chat",
                    "litellm_provider": "azure",
                    "input_cost_per_token": 2.5e-06,
                    "output_cost_per_token": 1e-05,
                    "max_input_tokens": 128000,
                }
            }
        )
    )
    imported = load_litellm(path)
    assert ("azure/gpt-4o",) == tuple(d.id for d in imported.catalog)
    assert {"azure/gpt-4o": {"mode": "chat"}}.keys() == read_json(path).keys()


def write(tmp_path: pathlib.Path, name: str, text: str) -> pathlib.Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_wide_csv_with_fields_tags_and_split(tmp_path: pathlib.Path) -> None:
    path = write(
        tmp_path,
        "w.csv",
        "id,task,a,b,a|total_cost,b|total_cost\nq1,math,True,0,0.5,0.25\nq2,code,false,,0.5,0.25\n",
    )
    table = read_outcomes_wide(
        path, item="id", models=["a", "b"], cost="total_cost", tags="task", set_split="test"
    )
    assert {"q1": 1.0, "q2": 0.0} == table.scores("a")
    assert {"q1": 0.0} == table.scores("b")
    assert {"q1": 1.0} == table.scores("a", tags=["math"], split="test")
    assert 0.25 == table.cost[table.rows_of("b")[0]]


def test_wide_duplicates_merge_model_by_model(tmp_path: pathlib.Path) -> None:
    text = "id,a,b,a|cost,b|cost\nq1,1,,0.1,0.9\nq1,,0,0.8,0.2\n"
    path = write(tmp_path, "d.csv", text)
    with pytest.raises(ValidationError, match="item 'q1' repeats"):
        read_outcomes_wide(path, item="id", models=["a", "b"])
    table = read_outcomes_wide(path, item="id", models=["a", "b"], cost="cost", duplicates="merge")
    assert [0.1, 0.2] == [table.cost[r] for r in range(2)]
    conflict = write(tmp_path, "c.csv", "id,a\nq1,1\nq1,0\n")
    with pytest.raises(ValidationError, match="different scores for 'a'"):
        read_outcomes_wide(conflict, item="id", models=["a"], duplicates="merge")


def test_long_jsonl_with_composite_items_and_missing_grades(tmp_path: pathlib.Path) -> None:
    rows = [
        {"q": 1, "turn": 1, "model": "m", "score": 8, "latency": 1.5},
        {"q": 1, "turn": 2, "model": "m", "score": -1, "latency": 2.0},
        {"q": 1, "turn": 1, "model": "n", "score": 6, "latency": None},
    ]
    path = write(tmp_path, "l.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")
    table = read_outcomes_long(
        path, item=("q", "turn"), model="model", score="score", latency_s="latency", missing=[-1]
    )
    assert {"1:1": 8.0} == table.scores("m")
    assert 2 == len(table)


def test_reader_errors_name_file_line_and_column(tmp_path: pathlib.Path) -> None:
    path = write(tmp_path, "bad.csv", "id,a\nq1,high\n")
    with pytest.raises(ValidationError, match=r"bad.csv line 2, a: 'high' is not a number"):
        read_outcomes_wide(path, item="id", models=["a"])
    with pytest.raises(ValidationError, match="no column 'zz'"):
        read_outcomes_wide(path, item="zz", models=["a"])
    with pytest.raises(ValidationError, match="cannot tell the format"):
        read_outcomes_long(write(tmp_path, "x.txt", ""), item="i", model="m", score="s")
    broken = write(tmp_path, "b.jsonl", "{not json\n")
    with pytest.raises(ValidationError, match="line 1 column 2: not JSON"):
        read_outcomes_long(broken, item="i", model="m", score="s")


def test_read_battles_maps_verdicts(tmp_path: pathlib.Path) -> None:
    path = write(tmp_path, "b.csv", "left,right,winner\nx,y,left\nx,y,tie\ny,x,right\n")
    assert [("x", "y", "a"), ("x", "y", "tie"), ("y", "x", "b")] == read_battles(
        path, a="left", b="right"
    )
    odd = write(tmp_path, "o.csv", "model_a,model_b,winner\nx,y,draw\n")
    with pytest.raises(ValidationError, match="winner 'draw'"):
        read_battles(odd)


def test_every_reader_reads_files_one_way(tmp_path: pathlib.Path) -> None:
    """Empty files, non-object JSON lines, a byte-order mark: said the same by every reader."""
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(ValidationError, match=r"empty\.csv: empty"):
        read_outcomes_long(tmp_path / "empty.csv", item="item", model="model", score="score")
    (tmp_path / "list.jsonl").write_text('{"item": 1, "model": "m", "score": 1}\n[1, 2]\n')
    with pytest.raises(
        ValidationError, match=r"list\.jsonl line 2: expected a JSON object, got list"
    ):
        read_outcomes_long(tmp_path / "list.jsonl", item="item", model="model", score="score")
    (tmp_path / "bom.csv").write_text("\ufeffitem,model,score\nq1,m,1\n", encoding="utf-8")
    table = read_outcomes_long(tmp_path / "bom.csv", item="item", model="model", score="score")
    assert {"q1": 1.0} == table.scores("m")
    (tmp_path / "cut.json").write_text('{"a": [1,\n 2', encoding="utf-8")
    with pytest.raises(ValidationError, match=r"cut\.json line 2 column 3: not JSON"):
        read_json(tmp_path / "cut.json")
    with pytest.raises(ValidationError, match=r"nowhere\.json: no such file"):
        read_json(tmp_path / "nowhere.json")
