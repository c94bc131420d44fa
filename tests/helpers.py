"""Helpers shared by the tests: where the shared public data lives, and skipping without it."""

from __future__ import annotations

import pathlib

import pytest

SHARED_DATA = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data"


def shared(relative: str) -> pathlib.Path:
    """The path of a shared data file, or skip the test with the reason."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"needs the shared public data file {path}, which is absent")
    return path
