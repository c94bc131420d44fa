"""Timing helper shared by the benchmark scripts."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def timed(function: Callable[[], Any], runs: int = 3) -> tuple[float, Any]:
    """The median wall time of ``runs`` calls, and the last call's result."""
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def machine_probe() -> float:
    """Seconds for a fixed pure-Python loop: this machine's speed at the moment.

    Shared machines vary by up to half from minute to minute; read the figures beside
    it against this one (about 0.5 s when this 2-core machine is quiet).
    """
    start = time.perf_counter()
    sum(i * i for i in range(10_000_000))
    return time.perf_counter() - start
