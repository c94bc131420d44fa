"""Readers of other tools' files, on files the real tools wrote (tests/data/, made by tools/)."""

from __future__ import annotations

import functools
import json
import math
import pathlib
import shutil
import sys
import zipfile
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelfolio import (
    Catalog,
    Deployment,
    Failure,
    MissingDependencyError,
    Model,
    ModelfolioError,
    Outcomes,
    Price,
    State,
    UsageRecord,
    concentration,
    fit_query_quality,
    leaderboard,
    record,
    reference_catalog,
    usage_shares,
)
from modelfolio.io import (
    read_inspect_log,
    read_inspect_queries,
    read_inspect_usage,
    read_litellm_spend_logs,
    read_lm_eval,
    read_lm_eval_queries,
    read_otel_genai,
)

DATA = pathlib.Path(__file__).parent / "data"
INSPECT = DATA / "inspect"
LM_EVAL = DATA / "lm_eval"
OTEL = DATA / "otel" / "genai-traces.jsonl"
SPEND = DATA / "litellm"


def rows(table: Outcomes) -> list[dict[str, object]]:
    """The table's rows in a canonical order (row order follows item interning)."""
    return sorted(table.to_rows(), key=lambda r: (str(r["model"]), str(r["item"])))


def by_pair(table: Outcomes) -> dict[tuple[Any, str], tuple[float, float]]:
    return {(r["item"], r["model"]): (r["score"], r["cost"]) for r in table.to_rows()}  # type: ignore[misc]


class TestInspect:
    eval_logs = (INSPECT / "arithmetic-strong.eval", INSPECT / "arithmetic-weak.eval")
    json_logs = (INSPECT / "arithmetic-strong.json", INSPECT / "arithmetic-weak.json")

    def test_eval_and_json_logs_read_the_same(self) -> None:
        from_eval = read_inspect_log(self.eval_logs, scorer="match")
        from_json = read_inspect_log(self.json_logs, scorer="match")
        assert "Outcomes(12 items, 2 models, 24 rows)" == repr(from_eval)
        assert by_pair(from_eval) == by_pair(from_json)

    def test_the_mapping(self) -> None:
        table = read_inspect_log(self.json_logs, scorer="match")
        assert ("mockllm/strong", "mockllm/weak") == table.models
        assert {"arithmetic", "dataset:arith-6"} == set(table.tag_sets[1])
        weak = table.scores("mockllm/weak")
        # The weak mock answers 41 to 7*6 and 15 to 5+8, in both epochs.
        assert [0.0, 0.0, 0.0, 0.0] == [weak[f"arithmetic:{q}#{e}"] for q in (2, 5) for e in (1, 2)]
        assert 1.0 == weak["arithmetic:4#2"]  # match() accepts "I think 3"
        assert 8 / 12 == pytest.approx(leaderboard(table).entry("mockllm/weak").mean)
        lenient = read_inspect_log(self.json_logs, scorer="includes")
        assert 1.0 == leaderboard(lenient).entry("mockllm/strong").mean
        # total_cost is logged per sample; total_time is the latency.
        row = next(r for r in table.to_rows() if r["item"] == "arithmetic:3#1")
        assert 0.0003 == pytest.approx(row["cost"])
        assert row["latency_s"] is not None

    def test_token_usage_per_sample(self, tmp_path: pathlib.Path) -> None:
        calls = read_inspect_usage(self.json_logs)
        # The .eval and .json fixtures are two runs: the same but for their times.
        untimed = [attrs.evolve(c, latency_s=None, started_at=None) for c in calls]
        from_eval = read_inspect_usage(self.eval_logs)
        assert sorted(untimed, key=repr) == sorted(
            (attrs.evolve(c, latency_s=None, started_at=None) for c in from_eval), key=repr
        )
        # One record per sample and epoch, each with the sample's five token counts.
        raw = [s for p in self.json_logs for s in json.loads(p.read_text())["samples"]]
        assert 24 == len(calls) == len(raw)
        for call, sample in zip(calls, raw, strict=True):
            ((name, used),) = sample["model_usage"].items()
            assert (call.provider, call.model) == tuple(name.split("/"))
            assert call.id == f"arithmetic:{sample['id']}#{sample['epoch']}"
            assert call.usage is not None
            read = used.get("input_tokens_cache_read", 0)
            assert call.usage.input_tokens == used["input_tokens"] + read
            assert call.usage.cached_input_tokens == read
            assert call.usage.output_tokens == used["output_tokens"]
            assert call.usage.reasoning_tokens == used.get("reasoning_tokens", 0)
            assert call.cost_usd == used["total_cost"]
            assert call.latency_s == sample["total_time"]
            assert call.ok
        # The same costs as the outcomes hold.
        table = read_inspect_log(self.json_logs, scorer="match")
        assert sum(table.cost) == pytest.approx(sum(c.cost_usd or 0.0 for c in calls))
        # Without a logged cost, the tokens are priced through a catalog; an errored
        # sample is a failed call of the evaluated model.
        log = json.loads(self.json_logs[1].read_text())
        for sample in log["samples"]:
            for used in sample["model_usage"].values():
                del used["total_cost"]
        log["samples"][0]["error"] = {"message": "RateLimitError: 429 too many requests\n..."}
        log["samples"][0]["model_usage"] = {
            "mockllm/weak": {"input_tokens": 1_000_000, "output_tokens": 0},
            "openai/gpt-4o": {"input_tokens": 2_000, "output_tokens": 100},  # a grader
        }
        path = tmp_path / "unpriced.json"
        path.write_text(json.dumps(log))
        price = Price(input_per_mtok=2.0, output_per_mtok=8.0)
        catalog = Catalog(deployments=[
            Deployment(id="mockllm/weak", model=Model(id="weak", vendor="mock", capabilities=(), context_window=None, max_output_tokens=None),
                       provider="mock", price=price),
            Deployment(id="openai/gpt-4o", model=Model(id="gpt-4o", vendor="openai", capabilities=(), context_window=None, max_output_tokens=None),
                       provider="openai", price=price),
        ])  # fmt: skip
        priced = read_inspect_usage(path, catalog=catalog)
        first, grader = priced[0], priced[1]
        assert (first.failure, first.error) == (
            Failure.RATE_LIMITED,
            "RateLimitError: 429 too many requests",
        )
        assert first.cost_usd == pytest.approx(2.0)
        assert (grader.model, grader.vendor, grader.failure, grader.latency_s) == (
            "gpt-4o",
            "openai",
            None,
            None,
        )
        assert grader.cost_usd == pytest.approx((2_000 * 2.0 + 100 * 8.0) / 1e6)
        assert {"mock", "openai"} == set(usage_shares(priced))
        assert all(c.cost_usd is None for c in read_inspect_usage(path)[2:])
        log["samples"][2]["model_usage"]["mockllm/weak"]["output_tokens"] = "many"
        path.write_text(json.dumps(log))
        with pytest.raises(
            ModelfolioError, match=r"unpriced.json, sample '3' epoch 1: output_tokens is 'many'"
        ):
            read_inspect_usage(path)

    def test_several_scorers_need_a_choice(self) -> None:
        with pytest.raises(ModelfolioError, match=r"several scorers \(includes, match\)"):
            read_inspect_log(self.json_logs)
        with pytest.raises(
            ModelfolioError, match=r"no scorer 'f1'; the scorers are includes, match"
        ):
            read_inspect_log(self.json_logs, scorer="f1")

    def test_a_truncated_eval_log(self, tmp_path: pathlib.Path) -> None:
        broken = tmp_path / "broken.eval"
        broken.write_bytes(self.eval_logs[0].read_bytes()[:5_000])
        with pytest.raises(ModelfolioError, match=r"broken.eval: not an Inspect .eval log"):
            read_inspect_log(broken, scorer="match")

    def test_a_damaged_member(self, tmp_path: pathlib.Path) -> None:
        damaged = tmp_path / "damaged.eval"
        data = bytearray(self.eval_logs[0].read_bytes())
        with zipfile.ZipFile(self.eval_logs[0]) as archive:
            info = archive.getinfo("header.json")
        start = info.header_offset + 30 + len(info.filename) + 20
        data[start : start + 40] = b"\x00" * 40
        damaged.write_bytes(bytes(data))
        with pytest.raises(ModelfolioError, match=r"damaged.eval"):
            read_inspect_log(damaged, scorer="match")

    def test_a_sample_without_an_id_is_refused_by_every_reader(
        self, tmp_path: pathlib.Path
    ) -> None:
        log = json.loads(self.json_logs[0].read_text())
        del log["samples"][2]["id"]
        odd = tmp_path / "odd.json"
        odd.write_text(json.dumps(log))
        scored = functools.partial(read_inspect_log, scorer="match")
        for read in (scored, read_inspect_usage, read_inspect_queries):
            with pytest.raises(ModelfolioError, match=r"odd.json, sample 2: not an Inspect sample"):
                read(odd)

    def test_not_a_log_and_unmappable_values(self, tmp_path: pathlib.Path) -> None:
        other = tmp_path / "other.json"
        other.write_text('{"hello": 1}')
        with pytest.raises(ModelfolioError, match=r"other.json: no 'eval' header"):
            read_inspect_log(other)
        log = json.loads(self.json_logs[0].read_text())
        log["samples"][3]["scores"]["match"]["value"] = "maybe"
        odd = tmp_path / "odd.json"
        odd.write_text(json.dumps(log))
        with pytest.raises(
            ModelfolioError,
            match=r"odd.json, sample '4' epoch 1, scorer 'match': score value 'maybe'",
        ):
            read_inspect_log(odd, scorer="match")
        for name, text in (
            ("empty.json", ""),
            ("cut.json", '{"eval": {'),
            ("bom.json", "\ufeff{}"),
        ):
            (tmp_path / name).write_text(text, encoding="utf-8")
            with pytest.raises(ModelfolioError, match=name.replace(".", "\\.")):
                read_inspect_log(tmp_path / name)
        (tmp_path / "latin.json").write_bytes(b'{"eval": "caf\xe9"}')
        with pytest.raises(ModelfolioError, match=r"latin.json: not UTF-8 text"):
            read_inspect_log(tmp_path / "latin.json")
        with pytest.raises(ModelfolioError, match=r"no such file"):
            read_inspect_log(tmp_path / "missing.json")

    def test_an_errored_sample_is_missing(self, tmp_path: pathlib.Path) -> None:
        log = json.loads(self.json_logs[1].read_text())
        log["samples"][0]["error"] = {"message": "model call failed"}
        path = tmp_path / "errored.json"
        path.write_text(json.dumps(log))
        table = read_inspect_log(path, scorer="match")
        assert 11 == len(table)

    def test_eval_logs_without_zstandard_say_what_to_install(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setitem(sys.modules, "zstandard", None)
        with pytest.raises(MissingDependencyError, match=r"pip install 'modelfolio\[inspect\]'"):
            read_inspect_log(self.eval_logs[0], scorer="match")
        assert 12 == len(read_inspect_log(self.json_logs[0], scorer="match"))

    def test_tokens_are_priced_through_a_catalog_when_no_cost_is_logged(
        self, tmp_path: pathlib.Path
    ) -> None:
        log = json.loads(self.json_logs[0].read_text())
        log["eval"]["model"] = "openai/gpt-5-mini"
        for sample in log["samples"]:
            usage = sample["model_usage"].pop("mockllm/strong")
            usage.pop("total_cost")
            sample["model_usage"] = {"openai/gpt-5-mini": usage}
        path = tmp_path / "priced.json"
        path.write_text(json.dumps(log))
        table = read_inspect_log(path, scorer="match", catalog=reference_catalog())
        first = log["samples"][0]["model_usage"]["openai/gpt-5-mini"]
        expected = (first["input_tokens"] * 0.25 + first["output_tokens"] * 2.0) / 1e6
        item = f"arithmetic:{log['samples'][0]['id']}#{log['samples'][0]['epoch']}"
        row = next(r for r in table.to_rows() if r["item"] == item)
        assert expected == pytest.approx(row["cost"])
        assert 0.0 == read_inspect_log(path, scorer="match").cost[0]


class TestQueries:
    """Each item's prompt from the logs, named as the outcome readers name the items."""

    def test_inspect_inputs_match_the_outcomes_items(self) -> None:
        table = read_inspect_log(TestInspect.json_logs, scorer="match")
        queries = read_inspect_queries(TestInspect.json_logs)
        assert set(queries) == set(table.items)
        assert queries == read_inspect_queries(TestInspect.eval_logs)
        for path in TestInspect.json_logs:
            for sample in json.loads(path.read_text())["samples"]:
                assert sample["input"] == queries[f"arithmetic:{sample['id']}#{sample['epoch']}"]
        # What they are for: a per-query predictor fitted on the logs' own prompts.
        quality = fit_query_quality(table, queries)
        assert set(quality.predict("What is 2 + 2?")) == set(table.models)

    def test_chat_message_inputs_and_disagreeing_logs(self, tmp_path: pathlib.Path) -> None:
        log = json.loads(TestInspect.json_logs[0].read_text())
        log["samples"][0]["input"] = [
            {"role": "system", "content": "Answer with a number."},
            {"role": "user", "content": [{"type": "text", "text": "What is 2 + 2?"},
                                         {"type": "image", "image": "data:..."}]},
        ]  # fmt: skip
        chat = tmp_path / "chat.json"
        chat.write_text(json.dumps(log))
        first = log["samples"][0]
        item = f"arithmetic:{first['id']}#{first['epoch']}"
        assert read_inspect_queries(chat)[item] == "Answer with a number.\nWhat is 2 + 2?"
        with pytest.raises(
            ModelfolioError, match=rf"chat.json, sample .*: item '{item}' has another input"
        ):
            read_inspect_queries([TestInspect.json_logs[1], chat])
        log["samples"][0]["input"] = 7
        odd = tmp_path / "odd.json"
        odd.write_text(json.dumps(log))
        with pytest.raises(
            ModelfolioError, match=r"odd.json, sample .*: input is 7, not text or chat messages"
        ):
            read_inspect_queries(odd)
        other = tmp_path / "other.json"
        other.write_text('{"hello": 1}')
        with pytest.raises(ModelfolioError, match=r"other.json: no 'eval' header"):
            read_inspect_queries(other)

    def test_lm_eval_prompts_match_the_outcomes_items(self, tmp_path: pathlib.Path) -> None:
        table = read_lm_eval(
            LM_EVAL, metric={"arith_mc": "acc", "arith_gen": "exact_match"},
            filter={"arith_gen": "strict"},
        )  # fmt: skip
        queries = read_lm_eval_queries(LM_EVAL)
        assert set(queries) == set(table.items)
        assert queries["arith_gen:0"] == "Question: What is 2 + 2?\nAnswer:"
        # Older harness versions wrote arguments as a list of [context, continuation].
        copy = tmp_path / "out"
        shutil.copytree(LM_EVAL, copy)
        for samples in copy.rglob("samples_arith_mc_*.jsonl"):
            lines = [json.loads(line) for line in samples.read_text().splitlines()]
            for line in lines:
                line["arguments"] = [[a["arg_0"], a["arg_1"]] for a in line["arguments"].values()]
            samples.write_text("".join(json.dumps(line) + "\n" for line in lines))
        assert read_lm_eval_queries(copy) == queries
        sample = next(copy.rglob("samples_arith_gen_*.jsonl"))
        lines = [json.loads(line) for line in sample.read_text().splitlines()]
        lines[1]["arguments"] = {}
        sample.write_text("".join(json.dumps(line) + "\n" for line in lines))
        with pytest.raises(ModelfolioError, match=rf"{sample.name} line 2: no prompt in arguments"):
            read_lm_eval_queries(copy)
        with pytest.raises(ModelfolioError, match=r"no such folder"):
            read_lm_eval_queries(tmp_path / "nowhere")


class TestLmEval:
    def test_two_models_two_tasks(self) -> None:
        table = read_lm_eval(
            LM_EVAL, metric={"arith_mc": "acc", "arith_gen": "exact_match"},
            filter={"arith_gen": "strict"},
        )  # fmt: skip
        assert 2 == len(table.models)
        assert 12 == len(table.items)  # 6 documents x 2 tasks
        assert {"arith_mc:0", "arith_gen:5"} <= set(table.items)
        # The scores are the harness's own: its aggregate equals our mean, per task.
        for folder in LM_EVAL.iterdir():
            results = json.loads(next(folder.glob("results_*.json")).read_text())
            model = results["model_name"]
            mc = leaderboard(table, tags=["arith_mc"]).entry(model).mean
            assert results["results"]["arith_mc"]["acc,none"] == pytest.approx(mc)
            gen = leaderboard(table, tags=["arith_gen"]).entry(model).mean
            assert results["results"]["arith_gen"]["exact_match,strict"] == pytest.approx(gen)

    def test_ambiguity_and_unknown_names_are_listed(self) -> None:
        with pytest.raises(ModelfolioError, match=r"several filters \(loose, strict\)"):
            read_lm_eval(LM_EVAL, metric="acc")
        with pytest.raises(
            ModelfolioError, match=r"reports acc, acc_norm; choose one with metric="
        ):
            read_lm_eval(LM_EVAL, filter={"arith_gen": "loose"})
        with pytest.raises(ModelfolioError, match=r"no metric 'f1'; the metrics are"):
            read_lm_eval(LM_EVAL, metric="f1", filter={"arith_gen": "loose"})
        with pytest.raises(
            ModelfolioError, match=r"no filter 'fuzzy'; the filters are loose, strict"
        ):
            read_lm_eval(LM_EVAL, metric={"arith_mc": "acc", "arith_gen": "exact_match"},
                         filter={"arith_gen": "fuzzy"})  # fmt: skip

    def test_missing_results_or_samples(self, tmp_path: pathlib.Path) -> None:
        copy = tmp_path / "out"
        shutil.copytree(LM_EVAL, copy)
        for results in copy.rglob("results_*.json"):
            results.unlink()
        with pytest.raises(ModelfolioError, match=r"no results_<date>.json file"):
            read_lm_eval(copy)
        shutil.rmtree(copy)
        shutil.copytree(LM_EVAL, copy)
        for samples in copy.rglob("samples_*.jsonl"):
            samples.unlink()
        with pytest.raises(ModelfolioError, match=r"run lm-eval with --log_samples"):
            read_lm_eval(copy)
        with pytest.raises(ModelfolioError, match=r"no such folder"):
            read_lm_eval(tmp_path / "nowhere")

    def test_a_malformed_sample_line_names_it(self, tmp_path: pathlib.Path) -> None:
        copy = tmp_path / "out"
        shutil.copytree(LM_EVAL, copy)
        sample = next(copy.rglob("samples_arith_mc_*.jsonl"))
        lines = sample.read_text().splitlines()
        lines[2] = lines[2][:40]
        sample.write_text("\n".join(lines) + "\n")
        with pytest.raises(ModelfolioError, match=f"{sample.name} line 3"):
            read_lm_eval(copy, metric="acc", filter={"arith_gen": "loose"})


class TestOpenTelemetry:
    def test_genai_spans_become_usage_records(self) -> None:
        records = read_otel_genai(OTEL, catalog=reference_catalog())
        assert 6 == len(records)  # the HTTP span is not a model call
        first = records[0]
        assert ("gpt-4o-2024-08-06", "openai", "openai") == (
            first.model,
            first.provider,
            first.vendor,
        )
        assert "gpt-4o" == first.requested_model
        assert (1200, 300) == (first.usage.input_tokens, first.usage.output_tokens)  # type: ignore[union-attr]
        assert 1.8 == pytest.approx(first.latency_s)
        assert (1200 * 2.5 + 300 * 10.0) / 1e6 == pytest.approx(first.cost_usd)
        bedrock = records[2]
        assert ("bedrock", "meta") == (bedrock.provider, bedrock.vendor)
        old_names = records[3]  # gen_ai.system and prompt/completion tokens
        assert ("openai", 600, 120) == (
            old_names.provider, old_names.usage.input_tokens, old_names.usage.output_tokens,  # type: ignore[union-attr]
        )  # fmt: skip
        assert [None, None, None, None, Failure.RATE_LIMITED, Failure.TIMEOUT] == [
            r.failure for r in records
        ]
        assert records[4].cost_usd == 0.0  # a failed call is not billed

    def test_records_feed_concentration_and_a_ledger(self) -> None:
        records = read_otel_genai(OTEL, catalog=reference_catalog())
        shares = usage_shares(records, weight="calls")
        assert {"anthropic": 2.0, "meta": 1.0, "openai": 3.0} == dict(shares)
        assert 0.5 == concentration(shares).top_share
        state = State()
        for r in records:
            state = record(state, r.attempt(), now=r.started_at)
        assert sum(r.cost_usd or 0.0 for r in records) == pytest.approx(state.spent_usd())
        assert "openai/gpt-4o" in state.cooldowns or state.cooldowns == {}

    def test_a_span_without_model_is_an_error(self, tmp_path: pathlib.Path) -> None:
        document = json.loads(OTEL.read_text().splitlines()[0])
        span = document["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
        span["attributes"] = [
            a
            for a in span["attributes"]
            if a["key"] not in ("gen_ai.request.model", "gen_ai.response.model")
        ]
        path = tmp_path / "nomodel.jsonl"
        path.write_text(json.dumps(document) + "\n")
        with pytest.raises(
            ModelfolioError,
            match=r"nomodel.jsonl line 1, resourceSpans\[0\].scopeSpans\[0\].spans\[0\]: a GenAI span without",
        ):
            read_otel_genai(path)
        path.write_text('{"not": "traces"}\n')
        with pytest.raises(ModelfolioError, match=r"no resourceSpans"):
            read_otel_genai(path)


class TestSpendLogs:
    @pytest.mark.parametrize("name", ["spend-logs.jsonl", "spend-logs.csv"])
    def test_rows_the_proxy_wrote(self, name: str) -> None:
        records = read_litellm_spend_logs(SPEND / name)
        assert 6 == len(records)
        rows = [json.loads(line) for line in (SPEND / "spend-logs.jsonl").read_text().splitlines()]
        assert sorted(r["spend"] for r in rows) == sorted(r.cost_usd for r in records)  # type: ignore[type-var]
        assert {"openai": 3, "anthropic": 1, "meta": 1, "deepseek": 1} == {
            v: sum(1 for r in records if r.vendor == v)
            for v in ("openai", "anthropic", "meta", "deepseek")
        }
        failed = [r for r in records if not r.ok]
        assert 1 == len(failed)
        assert "failure" == failed[0].error
        shares = usage_shares(records)
        assert sum(r["spend"] for r in rows) == pytest.approx(sum(shares.values()))

    def test_a_row_with_non_numeric_spend(self, tmp_path: pathlib.Path) -> None:
        lines = (SPEND / "spend-logs.jsonl").read_text().splitlines()
        row = json.loads(lines[1])
        row["spend"] = "a lot"
        path = tmp_path / "bad.jsonl"
        path.write_text("\n".join([lines[0], json.dumps(row)]) + "\n")
        with pytest.raises(
            ModelfolioError, match=r"bad.jsonl line 2: spend is 'a lot', not a number"
        ):
            read_litellm_spend_logs(path)
        (tmp_path / "empty.csv").write_text("")
        with pytest.raises(ModelfolioError, match=r"empty.csv: empty"):
            read_litellm_spend_logs(tmp_path / "empty.csv")


class TestFrames:
    @pytest.mark.parametrize("backend", ["pandas", "polars", "pyarrow"])
    def test_round_trip(self, backend: str) -> None:
        table = read_inspect_log(TestInspect.json_logs, scorer="match")
        frame = table.to_frame(backend)
        back = Outcomes.from_frame(
            frame, cost="cost", latency_s="latency_s", tags="tags", split="split"
        )
        assert rows(table) == rows(back)
        board = leaderboard(table).to_frame(backend)
        assert list(leaderboard(table).models) == list(
            board["model"].to_pylist() if backend == "pyarrow" else board["model"].to_list()
        )

    def test_missing_values_from_pandas_and_polars(self) -> None:
        import pandas as pd
        import polars as pl

        data = {"item": ["a", "a", "b", "b"], "model": ["x", "y", "x", "y"],
                "score": [1.0, None, 0.0, 1.0], "task": ["t", None, "t", "u"]}  # fmt: skip
        from_pandas = Outcomes.from_frame(pd.DataFrame(data), tags="task")
        from_polars = Outcomes.from_frame(pl.DataFrame(data), tags="task")
        assert rows(from_pandas) == rows(from_polars)
        assert 3 == len(from_pandas)

    def test_pandas_nullable_missing_cells_are_missing_not_names(self) -> None:
        # Parquet read back by pandas or Dask gives string columns whose missing cell is
        # pd.NA: it once became a model named "<NA>".
        import pandas as pd

        text = "string[python]"
        frame = pd.DataFrame({"item": [1, 2, 3], "model": pd.array(["a", "a", "b"], dtype=text),
                              "score": pd.array([1.0, None, 0.0], dtype="Float64"),
                              "split": pd.array(["x", None, "y"], dtype=text),
                              "task": pd.array([None, "t", "u"], dtype=text)})  # fmt: skip
        table = Outcomes.from_frame(frame, split="split", tags="task")
        assert [(r["item"], r["model"], r["split"], r["tags"]) for r in table.to_rows()] == [
            (1, "a", "x", []),
            (3, "b", "y", ["u"]),
        ]
        frame.loc[1, "model"] = None
        with pytest.raises(
            ModelfolioError, match=r"model: column 'model' is missing a value in row 1"
        ):
            Outcomes.from_frame(frame)

    def test_bad_frames_name_the_column_and_row(self) -> None:
        import pandas as pd

        with pytest.raises(
            ModelfolioError, match=r"score='correct': the frame has no column 'correct'"
        ):
            Outcomes.from_frame(
                pd.DataFrame({"item": [1], "model": ["m"], "score": [1]}), score="correct"
            )
        with pytest.raises(
            ModelfolioError, match=r"model: column 'model' is missing a value in row 1"
        ):
            Outcomes.from_frame(
                pd.DataFrame({"item": [1, 2], "model": ["m", None], "score": [1, 0]})
            )
        with pytest.raises(ModelfolioError, match=r"holds 'high' in row 0, not a number"):
            Outcomes.from_frame(pd.DataFrame({"item": [1], "model": ["m"], "score": ["high"]}))
        with pytest.raises(
            ModelfolioError, match=r"frame must be a pandas, polars or pyarrow table"
        ):
            Outcomes.from_frame([{"item": 1}])
        with pytest.raises(ModelfolioError, match=r"backend must name an installed frame library"):
            Outcomes.from_columns(item=[1], model=["m"], score=[1]).to_frame("excel")

    def test_without_narwhals_says_what_to_install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setitem(sys.modules, "narwhals", None)
        monkeypatch.setitem(sys.modules, "narwhals.stable", None)
        monkeypatch.setitem(sys.modules, "narwhals.stable.v1", None)
        with pytest.raises(MissingDependencyError, match=r"pip install 'modelfolio\[frames\]'"):
            Outcomes.from_columns(item=[1], model=["m"], score=[1]).to_frame()

    @settings(max_examples=40)
    @given(
        given_rows=st.lists(
            st.tuples(
                st.integers(0, 30),
                st.sampled_from(["a", "b", "c"]),
                st.one_of(st.none(), st.floats(0, 1)),
                st.floats(0, 5),
                st.lists(st.sampled_from(["x", "y", "z"]), max_size=2),
            ),
            max_size=40,
            unique_by=lambda row: (row[0], row[1]),
        ),
        backend=st.sampled_from(["pandas", "polars", "pyarrow"]),
    )
    def test_any_table_survives_the_round_trip(self, given_rows: list[Any], backend: str) -> None:
        table = Outcomes.from_columns(
            item=[r[0] for r in given_rows], model=[r[1] for r in given_rows],
            score=[math.nan if r[2] is None else r[2] for r in given_rows],
            cost=[r[3] for r in given_rows], tags=[set(r[4]) for r in given_rows],
        )  # fmt: skip
        back = Outcomes.from_frame(table.to_frame(backend), cost="cost", tags="tags", split="split")
        assert rows(table) == rows(back)


def internals(table: Outcomes) -> dict[str, object]:
    """Every stored part of a table, so two construction paths can be compared exactly."""
    return {
        name: list(value) if not isinstance(value, tuple) else value
        for name in (
            "items",
            "models",
            "item",
            "model",
            "score",
            "cost",
            "tag_sets",
            "tag_index",
            "split_values",
            "split",
        )
        for value in [getattr(table, name)]
    } | {"latency_s": [None if v != v else v for v in table.latency_s]}


class TestFramesNatively:
    """Plain columns are encoded and sorted by the frame library; the result must be the
    table the row-by-row path builds from the same values, part for part."""

    @settings(max_examples=60, deadline=None)
    @given(
        given_rows=st.lists(
            st.tuples(
                st.one_of(st.integers(0, 12), st.sampled_from(["q1", "q2", "é", "q10"])),
                st.sampled_from(["gpt-4o", "claude", "Llama", "a b"]),
                st.one_of(st.none(), st.just(math.nan), st.floats(-3, 3), st.integers(0, 1)),
                st.one_of(st.none(), st.floats(0, 5)),
                st.one_of(st.none(), st.sampled_from(["math", "code", "ß"])),
                st.one_of(st.none(), st.sampled_from(["train", "test"])),
                st.one_of(st.none(), st.floats(0, 9)),
            ),
            max_size=30,
        ),
        backend=st.sampled_from(["pandas", "polars", "pyarrow"]),
        strings=st.booleans(),
    )
    def test_same_table_as_row_by_row(
        self, given_rows: list[Any], backend: str, strings: bool
    ) -> None:
        import polars as pl

        # One type per id column, as real frames have; pairs may repeat.
        items = [str(r[0]) if strings else (r[0] if isinstance(r[0], int) else len(r[0]))
                 for r in given_rows]  # fmt: skip
        data = {
            "item": items,
            "model": [r[1] for r in given_rows],
            "score": [None if r[2] is None else float(r[2]) for r in given_rows],
            "cost": [r[3] for r in given_rows],
            "task": [r[4] for r in given_rows],
            "split": [r[5] for r in given_rows],
            "latency": [r[6] for r in given_rows],
        }
        schema = {"item": pl.Utf8 if strings else pl.Int64, "model": pl.Utf8,
                  "score": pl.Float64, "cost": pl.Float64, "task": pl.Utf8,
                  "split": pl.Utf8, "latency": pl.Float64}  # fmt: skip
        polars_frame = pl.DataFrame(data, schema=schema)
        frame = {"polars": polars_frame, "pyarrow": polars_frame.to_arrow(),
                 "pandas": polars_frame.to_pandas()}[backend]  # fmt: skip
        keywords = {"cost": "cost", "latency_s": "latency", "tags": "task", "split": "split"}
        expected: Outcomes | ModelfolioError
        try:
            expected = Outcomes.from_columns(
                item=data["item"], model=data["model"],
                score=[math.nan if v is None else v for v in data["score"]],
                cost=[0.0 if v is None else v for v in data["cost"]],
                latency_s=data["latency"],
                tags=[set() if t is None else {t} for t in data["task"]],
                split=data["split"],
            )  # fmt: skip
        except ModelfolioError as error:
            expected = error
        if isinstance(expected, ModelfolioError):
            with pytest.raises(ModelfolioError) as raised:
                Outcomes.from_frame(frame, **keywords)  # type: ignore[arg-type]
            assert str(expected) == str(raised.value)
        else:
            got = Outcomes.from_frame(frame, **keywords)  # type: ignore[arg-type]
            assert internals(expected) == internals(got)

    def test_a_million_rows_take_the_native_path(self) -> None:
        import polars as pl

        from modelfolio._common.frames import native_columns

        frame = pl.DataFrame({"item": ["a", "b"], "model": ["m", "m"], "score": [1.0, 0.0]})
        wanted = {"item": "item", "model": "model", "score": "score"}
        assert native_columns(frame, wanted, "test") is not None
        # A list-valued tag column, or a repeated pair, goes row by row instead.
        listed = frame.with_columns(pl.Series("tags", [["x"], ["y"]]))
        assert native_columns(listed, wanted | {"tags": "tags"}, "test") is None
        twice = pl.DataFrame({"item": ["a", "a"], "model": ["m", "m"], "score": [1.0, 0.0]})
        assert native_columns(twice, wanted, "test") is None
        with pytest.raises(ModelfolioError, match=r"pair 'a', 'm' appears twice"):
            Outcomes.from_frame(twice)


def test_usage_records_validate() -> None:
    with pytest.raises(ModelfolioError, match=r"started_at must be a finite POSIX time"):
        UsageRecord(model="m", started_at=math.inf)
    with pytest.raises(ModelfolioError, match=r"has no vendor; pass vendor_of="):
        usage_shares([UsageRecord(model="m")])
    assert {"v": 1.0} == dict(
        usage_shares([UsageRecord(model="m")], vendor_of={"m": "v"}, weight="calls")
    )
