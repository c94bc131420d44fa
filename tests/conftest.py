from __future__ import annotations

import json
from typing import Any

import pytest

from helpers import shared


@pytest.fixture(scope="session")
def litellm_map() -> dict[str, Any]:
    """LiteLLM 1.109.1's price map, parsed (skips when the shared data is absent)."""
    return json.loads(
        shared("pricing/litellm_1.109.1_model_prices_and_context_window_backup.json").read_text()
    )
