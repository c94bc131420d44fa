from __future__ import annotations

import json
import pathlib

from modelfolio.io import load_litellm, read_json


def test_load_litellm_reads_and_imports(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "prices.json"
    path.write_text(
        json.dumps(
            {
                "azure/gpt-4o": {
                    "mode": "chat",
                    "litellm_provider": "azure",
                    "input_cost_per_token": 2.5e-06,
                    "output_cost_per_token": 1e-05,
                    "max_input_tokens": 128000,
                }
            }
        )
    )
    imported = load_litellm(path)
    assert ("azure/gpt-4o",) == tuple(d.id for d in imported.catalog)
    assert {"azure/gpt-4o": {"mode": "chat"}}.keys() == read_json(path).keys()
