"""The data shipped in the package: what it holds, against the upstream files when present."""

from __future__ import annotations

import csv
import json
import math
import pathlib
from importlib import resources

import pytest

from helpers import shared
from modelfolio import Battle, Outcomes, ValidationError, bradley_terry, datasets, leaderboard
from modelfolio.datasets import CHARS_PER_TOKEN, PRICES, Dataset, tokens
from modelfolio.io import read_battles, read_outcomes_wide

GPT4, MIXTRAL = "gpt-4-1106-preview", "mistralai/Mixtral-8x7B-Instruct-v0.1"


@pytest.fixture(scope="module")
def mmlu() -> Dataset:
    return datasets.load("routellm-mmlu")


def test_names_lists_every_shipped_set_and_load_rejects_others() -> None:
    assert (
        "alpaca-eval",
        "llmfao",
        "routellm-gsm8k",
        "routellm-mmlu",
        "routellm-mt-bench",
    ) == datasets.names()
    assert datasets.names() == Dataset.names()
    for bad in ("mmlu", "", None, 3, "routerbench"):
        with pytest.raises(ValidationError, match="no shipped data set is named"):
            datasets.load(bad)  # type: ignore[arg-type]


def test_mmlu_holds_every_item_with_subject_tags_and_texts(mmlu: Dataset) -> None:
    outcomes = mmlu.outcomes
    assert outcomes is not None
    assert 14_042 == len(outcomes.items)
    assert (GPT4, MIXTRAL) == outcomes.models
    assert 57 == len({tag for tags in outcomes.tag_sets for tag in tags})
    assert set(outcomes.items) == set(mmlu.texts)
    assert mmlu.texts["anatomy:0"].endswith("Answer:")
    assert 5 == len(mmlu.contaminated)
    assert mmlu.battles is None
    assert {"openai", "mistral"} == set(mmlu.vendors.values())


def test_costs_follow_the_documented_rule(mmlu: Dataset) -> None:
    outcomes = mmlu.outcomes
    assert outcomes is not None
    text = mmlu.texts["anatomy:0"]
    expected_tokens = max(1, math.ceil(len(text) / CHARS_PER_TOKEN))
    assert expected_tokens == tokens(len(text))
    for row in outcomes.to_rows():
        if row["item"] == "anatomy:0":
            price_in, price_out = PRICES[str(row["model"])]
            assert (expected_tokens * price_in + 1 * price_out) / 1e6 == row["cost"]
    # The catalog carries the same list prices.
    assert mmlu.catalog is not None
    for model, (price_in, price_out) in PRICES.items():
        (deployment,) = mmlu.catalog.serving(model)
        assert (price_in, price_out) == (
            deployment.price.input_per_mtok,
            deployment.price.output_per_mtok,
        )


def test_gsm8k_and_mt_bench() -> None:
    gsm8k = datasets.load("routellm-gsm8k")
    assert gsm8k.outcomes is not None
    assert 1_319 == len(gsm8k.outcomes.items)
    assert 12 == len(gsm8k.contaminated)
    mt = datasets.load("routellm-mt-bench")
    assert mt.outcomes is not None
    assert 160 == len(mt.outcomes.items)  # 80 questions x 2 turns
    assert 320 == len(mt.outcomes)
    assert not mt.outcomes.binary
    assert all(1 <= s <= 10 for s in mt.outcomes.score)
    assert {"turn 1", "turn 2"} <= {t for tags in mt.outcomes.tag_sets for t in tags}
    # A second turn's input includes the first turn, so it costs more to ask.
    costs = {(r["item"], r["model"]): r["cost"] for r in mt.outcomes.to_rows()}
    assert all(c > 0 for c in costs.values())


def test_llmfao_battles_and_vendors() -> None:
    votes = datasets.load("llmfao")
    assert votes.outcomes is None
    assert votes.battles is not None
    assert votes.battle_items is not None
    assert 8_931 == len(votes.battles) == len(votes.battle_items)
    assert all(isinstance(b, Battle) for b in votes.battles)
    models = {m for b in votes.battles for m in (b.a, b.b)}
    assert 59 == len(models)
    assert models == set(votes.vendors)
    assert "Anthropic" == votes.vendors["Claude v2"]
    assert set(votes.battle_items) <= set(votes.texts)
    assert "GPT 4" == bradley_terry(votes.battles).models[0]
    # every battle carries both answers' styles (length and markdown counts)
    assert all(b.style_a is not None and b.style_b is not None for b in votes.battles)
    assert set(votes.battles[0].style_a or {}) == {"length", "headers", "list_items", "bold"}


def test_alpaca_eval_judgements_vendors_and_published_figures() -> None:
    alpaca = datasets.load("alpaca-eval")
    judged = alpaca.judgements
    assert judged is not None
    assert alpaca.outcomes is None
    assert alpaca.battles is None
    assert 46_680 == len(judged)
    assert 58 == len(judged.models)
    assert ("gpt4_1106_preview",) == judged.baselines
    assert 805 == len(set(judged.item))
    assert {"helpful_base", "koala", "oasst", "selfinstruct", "vicuna"} == {
        tag for tags in judged.tags for tag in tags
    }
    assert set(alpaca.vendors) == set(judged.models)
    assert alpaca.vendors["claude-2.1_concise"] == "anthropic"
    assert alpaca.vendors["gemma-7b-it"] == "google"
    assert alpaca.vendors["phi-2-sft"] == "microsoft"
    assert alpaca.vendors["Qwen-14B-Chat"] == "alibaba"
    assert alpaca.vendors["falcon-40b-instruct"] == "tii"
    assert alpaca.vendors["Mixtral-8x7B-Instruct-v0.1_concise"] == "mistral"
    assert alpaca.vendors["NullModel"] == "null"
    assert 57 == len(alpaca.published)
    assert 50.0 == alpaca.published["gpt4_1106_preview"]["win_rate"]


def test_licences_and_notices_ship_beside_the_data() -> None:
    root = resources.files("modelfolio").joinpath("_data")
    for source, licence in (
        ("routellm", "LICENSE.Apache-2.0"),
        ("llmfao", "LICENSE.CC-BY"),
        ("alpaca_eval", "LICENSE.Apache-2.0"),
    ):
        folder = root.joinpath(source)
        assert folder.joinpath(licence).read_text(encoding="utf-8").strip()
        assert "Modified by modelfolio" in folder.joinpath("NOTICE").read_text(encoding="utf-8")
    for name in datasets.names():
        data = datasets.load(name)
        assert data.citation
        assert data.licence
        assert data.description
        assert name in repr(data)


def test_the_shipped_data_stays_within_budget() -> None:
    root = pathlib.Path(str(resources.files("modelfolio").joinpath("_data")))
    total = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    assert total <= 4_000_000


class TestAgainstUpstream:
    """The shipped copies say what the upstream files say (skips without ../shared/data)."""

    def test_mmlu_scores_match_the_upstream_files(self, mmlu: Dataset) -> None:
        folder = shared("routellm/mmlu_responses")
        assert mmlu.outcomes is not None
        for path in sorted(folder.glob("mmlu_*.csv")):
            subject = path.stem[len("mmlu_") :]
            with path.open(encoding="utf-8", newline="") as handle:
                rows = list(csv.DictReader(handle))
            ours = mmlu.outcomes.subset(tags=[subject])
            for model in (GPT4, MIXTRAL):
                scores = ours.scores(model)
                assert len(rows) == len(scores)
                for k, row in enumerate(rows):
                    assert float(row[model] == "True") == scores[f"{subject}:{k}"]
                    assert row["prompt"] == mmlu.texts[f"{subject}:{k}"]

    def test_mmlu_leaderboard_equals_reading_the_upstream_files(self, mmlu: Dataset) -> None:
        folder = shared("routellm/mmlu_responses")
        upstream = Outcomes.concat(
            read_outcomes_wide(
                path,
                item="prompt",
                models=[MIXTRAL, GPT4],
                item_prefix=path.stem + ":",
                duplicates="merge",
            )
            for path in sorted(folder.glob("mmlu_*.csv"))
        )
        assert mmlu.outcomes is not None
        # Upstream repeats 27 questions within a subject; merged by text they are one item,
        # shipped they stay one item per row, as in RouteLLM's own evaluation.
        assert 14_042 - 27 == len(upstream.items)
        ours = leaderboard(mmlu.outcomes)
        theirs = leaderboard(upstream)
        assert abs(ours.entry(GPT4).mean - theirs.entry(GPT4).mean) < 5e-4

    def test_gsm8k_and_mt_bench_match_upstream(self) -> None:
        gsm8k = datasets.load("routellm-gsm8k")
        assert gsm8k.outcomes is not None
        with shared("routellm/gsm8k_responses.csv").open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        for model in (GPT4, MIXTRAL):
            assert [float(r[model] == "True") for r in rows] == [
                gsm8k.outcomes.scores(model)[f"gsm8k:{k}"] for k in range(len(rows))
            ]
        mt = datasets.load("routellm-mt-bench")
        assert mt.outcomes is not None
        with shared("routellm/mt_bench_judgements.jsonl").open(encoding="utf-8") as f:
            grades = [json.loads(line) for line in f]
        for g in grades:
            assert (
                float(g["score"])
                == mt.outcomes.scores(g["model"])[f"{g['question_id']}:{g['turn']}"]
            )

    def test_alpaca_eval_judgements_match_upstream(self) -> None:
        import gzip

        with gzip.open(
            shared("alpaca_eval/annotations.csv.gz"), "rt", encoding="utf-8", newline=""
        ) as handle:
            rows = list(csv.DictReader(handle))
        judged = datasets.load("alpaca-eval").judgements
        assert judged is not None
        ours = {
            (m, i): (p, ml, bl)
            for m, i, p, ml, bl in zip(
                judged.model,
                judged.item,
                judged.preference,
                judged.model_length,
                judged.baseline_length,
                strict=True,
            )
        }
        assert len(rows) == len(ours)
        for row in rows:
            preference = float(row["preference"])
            expected = (1.5 if preference == 0 else preference) - 1
            p, ml, bl = ours[(row["model"], int(row["index"]))]
            assert expected == p
            assert float(row["model_length"]) == ml
            assert float(row["baseline_length"]) == bl

    def test_llmfao_styles_are_those_of_the_upstream_answers(self) -> None:
        from modelfolio import style_features

        with shared("llmfao/results.jsonl").open(encoding="utf-8") as handle:
            answers = {
                (a["prompt"], a["name"]): a["result"]
                for a in (json.loads(line) for line in handle if line.strip())
            }
        votes = datasets.load("llmfao")
        assert votes.battles is not None
        assert votes.battle_items is not None
        for prompt, battle in list(zip(votes.battle_items, votes.battles, strict=True))[:500]:
            assert dict(battle.style_a or {}) == style_features(answers[(prompt, battle.a)])
            assert dict(battle.style_b or {}) == style_features(answers[(prompt, battle.b)])

    def test_llmfao_votes_match_upstream(self) -> None:
        upstream = read_battles(shared("llmfao/crowd-comparisons.csv"), a="left", b="right")
        votes = datasets.load("llmfao")
        assert votes.battles is not None
        assert upstream == [(b.a, b.b, b.winner) for b in votes.battles]
