"""Print the rows of ``src/modelfolio/_reference.py`` from LiteLLM's price map.

    python tools/make_reference_catalog.py ../shared/data/pricing/litellm_1.109.1_model_prices_and_context_window_backup.json

Each selected deployment takes its prices, window and capabilities from one map entry
(its ``source``); ids, model names, regions and compliance tags are ours. After the
``_FIGURES`` rows it prints the ``_CHANNELS`` rows: the batch and flex channels the same
entry prices.
"""

from __future__ import annotations

import json
import pathlib
import sys

from modelfolio import Deployment, from_litellm
from modelfolio._catalog.reference import SOURCES


def figures(d: Deployment) -> tuple[dict[str, float], tuple[tuple[object, ...], ...]]:
    """A deployment's price as the ``_reference`` tables spell it: rates, then bands."""
    price = {
        name: value
        for name in (
            "input_per_mtok",
            "output_per_mtok",
            "cached_input_per_mtok",
            "cache_write_per_mtok",
            "reasoning_per_mtok",
        )
        if (value := getattr(d.price, name)) is not None
    }
    bands = tuple(
        (
            t.above_input_tokens,
            t.input_per_mtok,
            t.output_per_mtok,
            t.cached_input_per_mtok,
            t.cache_write_per_mtok,
        )
        for t in d.price.tiers
    )
    return price, bands


def main(path: str) -> None:
    imported = from_litellm(json.loads(pathlib.Path(path).read_text()))
    for deployment_id, source in SOURCES.items():
        d = imported.catalog.deployment(source)
        price, tiers = figures(d)
        caps = " ".join(sorted(c.value for c in d.model.capabilities))
        print(
            f"    {deployment_id!r}: ({caps!r}, {d.model.context_window}, {d.model.max_output_tokens}, {price!r}, {tiers!r}),"
        )


def channels(path: str) -> None:
    imported = from_litellm(json.loads(pathlib.Path(path).read_text()))
    for deployment_id, source in SOURCES.items():
        rows = []
        for tier in ("batch", "flex"):
            if f"{source}@{tier}" not in imported.catalog:
                continue
            d = imported.catalog.deployment(f"{source}@{tier}")
            price, bands = figures(d)
            rows.append((tier, price, bands))
        if rows:
            print(f"    {deployment_id!r}: {tuple(rows)!r},")


if __name__ == "__main__":
    main(sys.argv[1])
    channels(sys.argv[1])
