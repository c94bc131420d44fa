"""The main job's cost: ``modelfolio report`` on the shipped data, wall time and peak memory.

    python benchmarks/report.py

Runs the README's command (``python -m modelfolio report``) in a fresh child process three
times, so imports, loading the shipped data, the analysis, the figures and writing the
HTML are all counted, and prints the median and the slowest wall time and the child's
peak resident memory (targets: 20 s and 500 MB on a 2-core machine). Also times
``datasets.load`` of the largest set in this process (target: 1 s).
"""

from __future__ import annotations

import pathlib
import resource
import statistics
import subprocess
import sys
import tempfile
import time

from _timing import timed

from modelfolio import datasets


def main() -> None:
    seconds, peaks = [], []
    with tempfile.TemporaryDirectory() as folder:
        out = pathlib.Path(folder) / "report.html"
        for _ in range(3):
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "modelfolio", "report", "-o", str(out)],
                capture_output=True,
                text=True,
                timeout=600,
                check=True,
            )
            seconds.append(time.perf_counter() - start)
            del done
            # ru_maxrss of the children so far, in KiB on Linux: the largest child's peak.
            peaks.append(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
        size = out.stat().st_size
    print(
        f"modelfolio report (shipped data): median {statistics.median(seconds):.2f} s, "
        f"slowest {max(seconds):.2f} s (target 20 s); peak memory {max(peaks):.0f} MB "
        f"(target 500 MB); HTML {size / 1024:.0f} KiB"
    )
    load_s, data = timed(lambda: datasets.load("routellm-mmlu"))
    print(f"datasets.load('routellm-mmlu'): {load_s:.3f} s (target 1 s), {data.outcomes!r}")


if __name__ == "__main__":
    main()
