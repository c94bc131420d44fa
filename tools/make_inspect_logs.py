"""Write the Inspect AI logs under ``tests/data/inspect/`` with the real ``inspect-ai``.

Run in a throwaway environment (``pip install inspect-ai``; never a modelfolio
dependency), offline: the mock model answers from ``custom_outputs`` that carry token
usage, so no tokenizer is downloaded::

    python tools/make_inspect_logs.py tests/data/inspect

It evaluates one small task (six arithmetic questions, two epochs, a ``match`` scorer
and an ``includes`` scorer) against two mock models and writes each model's log twice:
in Inspect's default ``.eval`` format (a zip of zstd-compressed members) and as
``.json``.
"""

from __future__ import annotations

import pathlib
import shutil
import sys
import tempfile

from inspect_ai import Task, eval
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import ModelOutput, ModelUsage, get_model
from inspect_ai.scorer import includes, match
from inspect_ai.solver import generate

QUESTIONS = [
    ("1", "What is 2 + 2?", "4"),
    ("2", "What is 7 * 6?", "42"),
    ("3", "What is 10 - 3?", "7"),
    ("4", "What is 9 / 3?", "3"),
    ("5", "What is 5 + 8?", "13"),
    ("6", "What is 12 * 12?", "144"),
]

# What each mock model answers, per question (answers are consumed in order).
ANSWERS = {
    "mockllm/strong": ["4", "42", "7", "3", "13", "144"],
    "mockllm/weak": ["4", "41", "7", "I think 3", "15", "144"],
}


def outputs(model: str, epochs: int) -> list[ModelOutput]:
    made = []
    for _ in range(epochs):
        for k, answer in enumerate(ANSWERS[model]):
            output = ModelOutput.from_content(model=model.split("/")[1], content=answer)
            output.usage = ModelUsage(
                input_tokens=30 + k,
                output_tokens=2 + len(answer),
                total_tokens=32 + k + len(answer),
                input_tokens_cache_read=10 if k % 2 else None,
                reasoning_tokens=1 if model.endswith("strong") else None,
                total_cost=0.0001 * (k + 1),
            )
            made.append(output)
    return made


def task() -> Task:
    return Task(
        name="arithmetic",
        dataset=MemoryDataset(
            [Sample(id=i, input=q, target=t) for i, q, t in QUESTIONS], name="arith-6"
        ),
        solver=generate(),
        scorer=[match(), includes()],
        epochs=2,
    )


def main(out: str) -> None:
    target = pathlib.Path(out)
    target.mkdir(parents=True, exist_ok=True)
    for model_name in ANSWERS:
        for fmt in ("eval", "json"):
            with tempfile.TemporaryDirectory() as logs:
                model = get_model(model_name, custom_outputs=outputs(model_name, 2))
                eval(
                    task(),
                    model=model,
                    log_dir=logs,
                    log_format=fmt,
                    display="none",
                    max_samples=1,
                    epochs=2,
                )
                (written,) = pathlib.Path(logs).glob(f"*.{fmt}")
                name = model_name.split("/")[1]
                shutil.copyfile(written, target / f"arithmetic-{name}.{fmt}")
    print(sorted(p.name for p in target.iterdir()))


if __name__ == "__main__":
    main(sys.argv[1])
