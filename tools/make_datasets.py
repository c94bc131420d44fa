"""Build the compact copies of public data shipped in ``src/modelfolio/_data/``.

Run from the project root with ``../shared/data`` beside it::

    python tools/make_datasets.py

It reads the upstream files (see ``../shared/data/README.md``), keeps what
``modelfolio.datasets`` needs (scores, prompt texts, answer lengths, votes, vendors) and
writes one xz-compressed JSON file per data set, plus each source's licence and a
NOTICE. Only sources whose licence allows redistribution are written: RouteLLM
(Apache-2.0), LLMFAO (CC BY 4.0) and AlpacaEval (Apache-2.0; numbers and ids only). The
output is deterministic: running it twice
gives the same bytes.
"""

from __future__ import annotations

import csv
import gzip
import json
import lzma
import pathlib
import re
import shutil

from modelfolio import style_features

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "src" / "modelfolio" / "_data"

GPT4 = "gpt-4-1106-preview"
MIXTRAL = "mistralai/Mixtral-8x7B-Instruct-v0.1"
ROUTELLM_COMMIT = "0b64fdafe049e596a3f5657c219329f24af24198"
LLMFAO_COMMIT = "9e224e94a40129fd6e1e1529b962307e84af40da"
ALPACA_EVAL_COMMIT = "cd543a149df89434d8a54582c0151c0b945c3d20"
ALPACA_EVAL_BASELINE = "gpt4_1106_preview"


def write(name: str, payload: object) -> None:
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    # A fixed preset and no timestamps in the xz container: the same input, the same bytes.
    (OUT / f"{name}.json.xz").write_bytes(
        lzma.compress(data.encode("utf-8"), format=lzma.FORMAT_XZ, preset=9 | lzma.PRESET_EXTREME)
    )


def contaminated(path: pathlib.Path) -> list[str]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line)["eval_prompt"] for line in handle if line.strip()]


def flag(value: str) -> int:
    if value not in ("True", "False"):
        raise SystemExit(f"unexpected correctness cell {value!r}")
    return int(value == "True")


def mmlu() -> None:
    folder = SHARED / "routellm" / "mmlu_responses"
    subjects, rows = [], []
    for path in sorted(folder.glob("mmlu_*.csv")):
        subject = path.stem[len("mmlu_") :]
        subjects.append(subject)
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                rows.append([len(subjects) - 1, row["prompt"], flag(row[GPT4]), flag(row[MIXTRAL])])
    leaked = set(contaminated(SHARED / "routellm" / "mmlu_contaminated_prompts.jsonl"))
    write(
        "routellm-mmlu",
        {
            "models": [GPT4, MIXTRAL],
            "subjects": subjects,
            "rows": rows,
            "contaminated": sorted(leaked),
        },
    )
    print(f"routellm-mmlu: {len(rows)} items, {len(subjects)} subjects")


def gsm8k() -> None:
    rows = []
    with (SHARED / "routellm" / "gsm8k_responses.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            rows.append(
                [
                    row["prompt"],
                    flag(row[GPT4]),
                    flag(row[MIXTRAL]),
                    len(row[GPT4 + "_response"]),
                    len(row[MIXTRAL + "_response"]),
                ]
            )
    leaked = contaminated(SHARED / "routellm" / "gsm8k_contaminated_prompts.jsonl")
    write("routellm-gsm8k", {"models": [GPT4, MIXTRAL], "rows": rows, "contaminated": leaked})
    print(f"routellm-gsm8k: {len(rows)} items")


SINGLE = re.compile(
    r"\[The Start of Assistant's Answer\]\n(.*?)\n\[The End of Assistant's Answer\]", re.S
)
MULTI = re.compile(r"### Assistant A:\n(.*?)\n\n(?=### User:|<\|The End of Assistant A's)", re.S)


def answers(judgement: dict[str, object]) -> list[int]:
    """Lengths in characters of the model's answers that the judge saw, turn by turn."""
    prompt = str(judgement["user_prompt"])
    found = MULTI.findall(prompt) if "multi-turn" in str(judgement["judge"]) else []
    if not found:
        found = SINGLE.findall(prompt)
    if not found:
        raise SystemExit(f"no answer found for {judgement['question_id']}")
    return [len(answer) for answer in found]


def mt_bench() -> None:
    folder = SHARED / "routellm"
    with (folder / "mt_bench_question.jsonl").open(encoding="utf-8") as handle:
        questions = [json.loads(line) for line in handle if line.strip()]
    grades = []
    with (folder / "mt_bench_judgements.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            j = json.loads(line)
            lengths = answers(j)
            grades.append([j["question_id"], j["turn"], j["model"], j["score"], lengths])
    grades.sort(key=lambda g: (g[0], g[1], g[2]))
    leaked = contaminated(folder / "mt_bench_contaminated_prompts.jsonl")
    write(
        "routellm-mt-bench",
        {
            "models": [GPT4, MIXTRAL],
            "questions": [[q["question_id"], q["category"], q["turns"]] for q in questions],
            "grades": grades,
            "contaminated": leaked,
        },
    )
    print(f"routellm-mt-bench: {len(grades)} grades, {len(questions)} questions")


def llmfao() -> None:
    folder = SHARED / "llmfao"
    with (folder / "models.jsonl").open(encoding="utf-8") as handle:
        models = [json.loads(line) for line in handle if line.strip()]
    with (folder / "prompts.jsonl").open(encoding="utf-8") as handle:
        prompts = [json.loads(line) for line in handle if line.strip()]
    votes = []
    with (folder / "crowd-comparisons.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            votes.append([int(row["prompt"]), row["left"], row["right"], row["winner"]])
    # Each answer's style (length and markdown counts), not its text: what style
    # control needs, by (prompt, model name).
    styles = []
    with (folder / "results.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                answer = json.loads(line)
                counts = style_features(answer["result"])
                styles.append([answer["prompt"], answer["name"], *counts.values()])
    write(
        "llmfao",
        {
            "models": [[m["name"], m["org"], m["api_id"], m["api"]] for m in models],
            "prompts": [[p["id"], p["text"]] for p in prompts],
            "votes": votes,
            "style_names": list(style_features("").keys()),
            "styles": sorted(styles),
        },
    )
    print(f"llmfao: {len(votes)} votes, {len(models)} models, {len(styles)} answers' styles")


def alpaca_eval() -> None:
    folder = SHARED / "alpaca_eval"
    source = (folder / "SOURCE").read_text(encoding="utf-8")
    if ALPACA_EVAL_COMMIT not in source:
        raise SystemExit(f"alpaca_eval/SOURCE names another commit: {source!r}")
    with gzip.open(folder / "annotations.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    models = sorted({row["model"] for row in rows})
    sets = sorted({row["dataset"] for row in rows})
    number = {name: k for k, name in enumerate(models)}
    set_number = {name: k for k, name in enumerate(sets)}
    judged = sorted(
        [
            number[row["model"]],
            int(row["index"]),
            set_number[row["dataset"]],
            float(row["preference"]),
            int(row["baseline_length"]),
            int(row["model_length"]),
        ]
        for row in rows
    )
    board = []
    with (folder / "weighted_alpaca_eval_gpt4_turbo_leaderboard.csv").open(
        encoding="utf-8", newline=""
    ) as handle:
        for row in csv.DictReader(handle):
            if row[""] in number:
                board.append(
                    [
                        row[""],
                        *(
                            float(row[name]) if row[name] else None  # the baseline has no LC error
                            for name in (
                                "win_rate",
                                "standard_error",
                                "length_controlled_winrate",
                                "lc_standard_error",
                            )
                        ),
                        int(row["avg_length"]),
                    ]
                )
    write(
        "alpaca-eval",
        {
            "baseline": ALPACA_EVAL_BASELINE,
            "models": models,
            "sets": sets,
            "rows": judged,
            "leaderboard": sorted(board),
        },
    )
    print(f"alpaca-eval: {len(judged)} judgements, {len(models)} models, {len(board)} published")


NOTICE_ROUTELLM = f"""\
Data derived from RouteLLM (https://github.com/lm-sys/RouteLLM), commit
{ROUTELLM_COMMIT}, files under data/ (MMLU and GSM8K responses, MT-Bench judgements,
contaminated-prompt lists). Copyright the RouteLLM authors (LMSYS), licensed under the
Apache License 2.0 (LICENSE.Apache-2.0 beside this file).

Modified by modelfolio: reduced to per-item correctness, prompt texts, answer lengths in
characters and judge grades, and recompressed. The MMLU, GSM8K and MT-Bench questions
belong to their respective authors (Hendrycks et al. 2021; Cobbe et al. 2021; Zheng et
al. 2023).
"""

NOTICE_LLMFAO = f"""\
Data derived from LLMFAO (https://github.com/dustalov/llmfao), commit {LLMFAO_COMMIT}:
crowd-comparisons.csv, models.jsonl and prompts.jsonl. Copyright Dmitry Ustalov,
licensed under Creative Commons Attribution 4.0 International (LICENSE.CC-BY beside this
file; https://creativecommons.org/licenses/by/4.0/).

Modified by modelfolio: reduced to the votes (prompt, left, right, winner), each
model's name, organisation, API id and serving API, the prompt texts, and each answer's
length and markdown counts (from results.jsonl; the answers' texts are not kept);
recompressed.
"""

NOTICE_ALPACA_EVAL = f"""\
Data derived from AlpacaEval (https://github.com/tatsu-lab/alpaca_eval), commit
{ALPACA_EVAL_COMMIT}: results/<model>/weighted_alpaca_eval_gpt4_turbo/annotations.json
of 58 models, and the published leaderboard
(weighted_alpaca_eval_gpt4_turbo_leaderboard.csv). Copyright the AlpacaEval authors
(Tatsu Lab, Stanford), licensed under the Apache License 2.0 (LICENSE.Apache-2.0 beside
this file).

Modified by modelfolio: reduced to numbers and ids (each judgement's model, instruction
index, source set, the weighted GPT-4 Turbo judge's preference and both answers'
lengths in characters; the leaderboard's win rates, length-controlled win rates,
standard errors and mean lengths of those models); no instruction or answer text.
"""


def licences() -> None:
    for source, licence, notice in (
        ("routellm", "LICENSE.Apache-2.0", NOTICE_ROUTELLM),
        ("llmfao", "LICENSE.CC-BY", NOTICE_LLMFAO),
        ("alpaca_eval", "LICENSE", NOTICE_ALPACA_EVAL),
    ):
        folder = OUT / source
        folder.mkdir(parents=True, exist_ok=True)
        shipped = "LICENSE.Apache-2.0" if source == "alpaca_eval" else licence
        shutil.copyfile(SHARED / source / licence, folder / shipped)
        (folder / "NOTICE").write_text(notice, encoding="utf-8")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    mmlu()
    gsm8k()
    mt_bench()
    llmfao()
    alpaca_eval()
    licences()
    total = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"written to {OUT}: {total:,} bytes")


if __name__ == "__main__":
    main()
