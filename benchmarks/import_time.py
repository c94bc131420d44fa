"""How long importing modelfolio takes in a fresh process: the package, and the routing path.

    python benchmarks/import_time.py

Each statement runs in 10 fresh interpreters with ``-X importtime``; the figure is the
median over them of the time Python spent importing what the statement loaded (the
cumulative time of every top-level import the statement caused, read from the
``-X importtime`` lines after the interpreter's own start-up imports), with the
statement's wall time (``time.perf_counter`` around it) beside it. Targets (issue 25):
``import modelfolio`` at most 40 ms, the routing path at most 100 ms. A machine probe
is printed first and last: figures grow with it on a busy machine.
"""

from __future__ import annotations

import statistics
import subprocess
import sys

from _timing import machine_probe

STATEMENTS = {
    "import modelfolio": "import modelfolio",
    "routing path": "from modelfolio import Request, Policy, route, reference_catalog",
    "routing path, first decision": (
        "from modelfolio import Request, Policy, route, reference_catalog\n"
        "route(Request(input_tokens=1_000, output_tokens=200), reference_catalog(), now=0.0)"
    ),
    "every public name": "from modelfolio import *",
}
RUNS = 10
MARK = "__modelfolio_import_time_start__"


def one_run(statement: str) -> tuple[float, float, list[str]]:
    """(import seconds from -X importtime, wall seconds, modules the statement loaded)."""
    code = (
        "import sys, time\n"
        f"sys.stderr.write('{MARK}\\n')\n"
        "start = time.perf_counter()\n"
        f"{statement}\n"
        "print(time.perf_counter() - start)\n"
    )
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    lines = done.stderr.split(MARK, 1)[1].splitlines()
    total_us, modules = 0, []
    for line in lines:
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line[len("import time:") :].split("|")
        if not cumulative.strip().isdigit():
            continue  # the header line
        if not name.startswith("  "):  # a top-level import of the statement's own
            total_us += int(cumulative)
        modules.append(name.strip())
    return total_us / 1e6, float(done.stdout.strip()), modules


def main() -> None:
    print(f"machine probe: {machine_probe():.2f} s (about 0.5 s when quiet)")
    print(f"median of {RUNS} fresh processes (-X importtime; wall time beside it)")
    for label, statement in STATEMENTS.items():
        runs = [one_run(statement) for _ in range(RUNS)]
        imported = statistics.median(r[0] for r in runs)
        wall = statistics.median(r[1] for r in runs)
        ours = sorted(m for m in runs[-1][2] if m.startswith("modelfolio"))
        print(
            f"  {label:<30} {imported * 1e3:6.1f} ms imports  {wall * 1e3:6.1f} ms wall  "
            f"({len(runs[-1][2])} modules, {len(ours)} of modelfolio's)"
        )
    print(f"machine probe again: {machine_probe():.2f} s")


if __name__ == "__main__":
    main()
