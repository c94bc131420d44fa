"""Helpers shared by the tests: where the shared public data lives, and skipping without it."""

from __future__ import annotations

import pathlib
from typing import Any

import pytest

SHARED_DATA = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data"


def shared(relative: str) -> pathlib.Path:
    """The path of a shared data file, or skip the test with the reason."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"needs the shared public data file {path}, which is absent")
    return path


ROUTERBENCH_MODELS = [
    "WizardLM/WizardLM-13B-V1.2",
    "claude-instant-v1",
    "claude-v1",
    "claude-v2",
    "gpt-3.5-turbo-1106",
    "gpt-4-1106-preview",
    "meta/code-llama-instruct-34b-chat",
    "meta/llama-2-70b-chat",
    "mistralai/mistral-7b-chat",
    "mistralai/mixtral-8x7b-chat",
    "zero-one-ai/Yi-34B-Chat",
]
"""The eleven models of the RouterBench subset in ../shared/data/routerbench_subset."""


def routerbench_parts(task: str) -> dict[str, Any]:
    """The train and test files of a RouterBench task as ``Outcomes`` (skips without them)."""
    from modelfolio.io import read_outcomes_wide

    shared("routerbench_subset")
    return {
        part: read_outcomes_wide(
            SHARED_DATA / "routerbench_subset" / f"{task}_{part}.csv",
            item="sample_id",
            models=ROUTERBENCH_MODELS,
            cost="total_cost",
            duplicates="merge",
        )
        for part in ("train", "test")
    }


class RateLimited(Exception):
    """What an SDK raises on HTTP 429: a status and a retry-after header, as
    ``classify_error`` reads them."""

    status_code = 429

    def __init__(self, retry_after_s: float) -> None:
        super().__init__("429 Too Many Requests")
        self.response = type(
            "Response", (), {"status_code": 429, "headers": {"retry-after": str(retry_after_s)}}
        )()
