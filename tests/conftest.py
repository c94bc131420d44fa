from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest

SHARED_DATA = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data"
LITELLM_MAP = (
    SHARED_DATA / "pricing" / "litellm_1.109.1_model_prices_and_context_window_backup.json"
)


def shared(relative: str) -> pathlib.Path:
    """The path of a shared data file, or skip the test with the reason."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"needs the shared public data file {path}, which is absent")
    return path


@pytest.fixture(scope="session")
def litellm_map() -> dict[str, Any]:
    """LiteLLM 1.109.1's price map, parsed (skips when the shared data is absent)."""
    return json.loads(
        shared("pricing/litellm_1.109.1_model_prices_and_context_window_backup.json").read_text()
    )
