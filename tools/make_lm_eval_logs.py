"""Write the lm-evaluation-harness output under ``tests/data/lm_eval/`` with the real tool.

Run in a throwaway environment (``pip install lm-eval``; never a modelfolio dependency),
from the project root, offline: the tasks in ``tools/lm_eval_tasks`` read a local JSON
lines file (six arithmetic questions), one as multiple choice (``acc``, ``acc_norm``)
and one generated with two filters (``strict`` and ``loose`` ``exact_match``)::

    python tools/make_lm_eval_logs.py tests/data/lm_eval

It runs ``lm-eval run --model dummy ... --log_samples`` twice with different seeds; the
dummy model answers at random and names each run with a random id, so the output holds
two "models" whose folders, result files and sample files are exactly as the harness
writes them.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]


def main(out: str) -> None:
    target = pathlib.Path(out)
    if target.exists():
        shutil.rmtree(target)
    environment = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
    for seed in ("0", "7"):
        with tempfile.TemporaryDirectory() as scratch:
            subprocess.run(
                [
                    sys.executable, "-m", "lm_eval", "run", "--model", "dummy",
                    "--tasks", "arith_mc,arith_gen", "--include_path", "tools/lm_eval_tasks",
                    "--output_path", scratch, "--log_samples", "--seed", seed,
                ],
                cwd=ROOT, env=environment, check=True, timeout=600,
            )  # fmt: skip
            for folder in pathlib.Path(scratch).iterdir():
                shutil.copytree(folder, target / folder.name)
    print(sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file()))


if __name__ == "__main__":
    main(sys.argv[1])
