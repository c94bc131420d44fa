"""Suite-wide setup: Hypothesis profiles and the skip rule for shared real data.

Tests, doctests and docs pages that read ``../shared/data`` (public data the project
measures itself against, never copied into this repo) are skipped with the reason
when that folder is absent. A docs page declares its need with the line
``<!-- needs: shared-data -->``.
"""

from __future__ import annotations

import os
import pathlib
import sys

import pytest
from hypothesis import settings

ROOT = pathlib.Path(__file__).resolve().parent
SHARED_DATA = ROOT.parent / "shared" / "data"
collect_ignore = ["tests/fixtures/make_litellm_costs.py", "tools"]
MISSING = f"needs the shared public data at {SHARED_DATA}, which is absent"
# docs/calling.md streams from the tests' local server (tests/fake_streams.py)
sys.path.insert(0, str(ROOT / "tests"))

settings.register_profile("default", deadline=None, max_examples=100)
# CI (which sets CI=true) draws the same examples on every run: a landing is never
# blocked by an example Hypothesis happened to find in code the change did not touch.
# Developers' runs keep exploring; what they find is pinned with @example.
settings.register_profile("ci", parent=settings.get_profile("default"), derandomize=True)
settings.load_profile("ci" if os.environ.get("CI", "").lower() == "true" else "default")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if SHARED_DATA.is_dir():
        return
    for item in items:
        path = pathlib.Path(str(item.fspath))
        if path.suffix == ".md" and "<!-- needs: shared-data -->" in path.read_text():
            item.add_marker(pytest.mark.skip(reason=MISSING))
