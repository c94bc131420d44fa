"""Evaluation on the public data the project measures itself against (../shared/data)."""

from __future__ import annotations

import json
import pathlib

import pytest

from helpers import ROUTERBENCH_MODELS, SHARED_DATA, shared
from modelfolio import Outcomes, compare, contamination_gap, frontier, leaderboard, non_inferiority
from modelfolio.io import read_outcomes_long, read_outcomes_wide

GPT4 = "gpt-4-1106-preview"
MIXTRAL = "mistralai/Mixtral-8x7B-Instruct-v0.1"


@pytest.fixture(scope="module")
def mmlu() -> Outcomes:
    folder = shared("routellm/mmlu_responses")
    tables = []
    for path in sorted(folder.glob("mmlu_*.csv")):
        subject = path.stem.removeprefix("mmlu_")
        tables.append(
            read_outcomes_wide(
                path,
                item="prompt",
                models=[MIXTRAL, GPT4],
                add_tags=[subject],
                item_prefix=f"{subject}:",
                duplicates="merge",
            )
        )
    return Outcomes.concat(tables)


def routerbench() -> Outcomes:
    shared("routerbench_subset")
    tables = []
    for path in sorted((SHARED_DATA / "routerbench_subset").glob("*.csv")):
        task, part = path.stem.rsplit("_", 1)
        tables.append(
            read_outcomes_wide(
                path,
                item="sample_id",
                models=ROUTERBENCH_MODELS,
                cost="total_cost",
                add_tags=[task],
                set_split=part,
                duplicates="merge",
            )
        )
    return Outcomes.concat(tables)


def test_mmlu_leaderboard_and_paired_comparison(mmlu: Outcomes) -> None:
    assert 57 == len({tag for tags in mmlu.tag_sets for tag in tags})
    board = leaderboard(mmlu)
    gpt4, mixtral = board.entry(GPT4), board.entry(MIXTRAL)
    assert (0.806, 0.681) == (round(gpt4.mean, 3), round(mixtral.mean, 3))
    assert gpt4.ci_low < gpt4.mean < gpt4.ci_high
    result = compare(mmlu, baseline=GPT4, candidate=MIXTRAL)
    # "-12.5 points, 95% CI [-13.3, -11.7]"
    assert (-0.125, -0.133, -0.117) == (
        round(result.diff, 3),
        round(result.ci_low, 3),
        round(result.ci_high, 3),
    )
    assert result.p_value < 1e-100
    assert result.n == gpt4.n


def test_mmlu_non_inferiority_at_two_margins(mmlu: Outcomes) -> None:
    five = non_inferiority(mmlu, baseline=GPT4, candidate=MIXTRAL, margin=0.05)
    fifteen = non_inferiority(mmlu, baseline=GPT4, candidate=MIXTRAL, margin=0.15)
    assert not five.non_inferior
    assert fifteen.non_inferior


def test_mmlu_per_subject_leaderboard(mmlu: Outcomes) -> None:
    board = leaderboard(mmlu, tags=["high_school_mathematics"])
    assert 270 == board.entry(GPT4).n


def test_gsm8k_and_its_contaminated_prompts() -> None:
    table = read_outcomes_wide(
        shared("routellm/gsm8k_responses.csv"), item="prompt", models=[MIXTRAL, GPT4]
    )
    assert 1_319 == len(table.items)
    result = compare(table, baseline=GPT4, candidate=MIXTRAL)
    assert -0.218 == round(result.diff, 3)
    assert result.ci_high < 0
    leaked = {
        json.loads(line)["eval_prompt"]
        for line in shared("routellm/gsm8k_contaminated_prompts.jsonl").read_text().splitlines()
        if line
    }
    split = Outcomes.from_columns(
        item=[table.items[i] for i in table.item],
        model=[table.models[m] for m in table.model],
        score=list(table.score),
        split=["leaked" if table.items[i] in leaked else "clean" for i in table.item],
    )
    gap = contamination_gap(split, GPT4, public="leaked", private="clean")
    assert 0 < gap.n_public <= 12
    assert gap.ci_low < gap.gap < gap.ci_high


def test_commercial_routers_on_mt_bench_with_missing_grades() -> None:
    path = shared("routellm/commercial_mt_bench/gpt-4_single.jsonl")
    raw = [json.loads(line) for line in path.read_text().splitlines() if line]
    table = read_outcomes_long(
        path, item=("question_id", "turn"), model="model", score="score", missing=[-1]
    )
    assert len(raw) - sum(1 for r in raw if r["score"] == -1) == len(table)
    assert not table.binary
    board = leaderboard(table, seed=1)
    unify = board.entry("unify")
    assert 159 == unify.n
    assert unify.ci_low < unify.mean < unify.ci_high
    result = compare(table, baseline="unify", candidate="martian", seed=1)
    assert 159 == result.n
    assert "bootstrap" in result.method
    assert 0 < result.p_value < 1


def test_routerbench_after_merging_duplicated_arc_rows() -> None:
    table = routerbench()
    # every ARC item is scored for all eleven models once merged
    arc_rows = table.selected(range(len(table)), tags=["arc_challenge"])
    arc_items = {table.item[r] for r in arc_rows}
    assert len(arc_rows) == 11 * len(arc_items)
    board = leaderboard(table, split="test")
    assert board.entry("gpt-4-1106-preview").mean == max(e.mean for e in board.entries)
    cheapest = frontier(board)[0]
    assert cheapest.cost_per_item == min(e.cost_per_item for e in board.entries)
    assert all(e.cost_per_success is not None for e in board.entries)


def test_shared_data_readme_is_where_we_expect() -> None:
    assert isinstance(shared("README.md"), pathlib.Path)
