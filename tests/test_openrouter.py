"""OpenRouter's model listing as a catalog, checked entry by entry against the real file."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from typing import Any

import pytest

from helpers import shared
from modelfolio import (
    Catalog,
    CatalogError,
    Policy,
    Request,
    Usage,
    cost,
    from_openrouter,
    route,
)
from modelfolio.io import load_litellm

FAMILIES = {  # an organisation's models, and the vendor they must get
    "openai": "openai",
    "anthropic": "anthropic",
    "google": "google",
    "meta-llama": "meta",
    "x-ai": "xai",
    "mistralai": "mistral",
    "qwen": "alibaba",
    "deepseek": "deepseek",
    "cohere": "cohere",
    "amazon": "amazon",
    "microsoft": "microsoft",
    "nvidia": "nvidia",
    "z-ai": "zhipu",
    "moonshotai": "moonshot",
    "minimax": "minimax",
    "perplexity": "perplexity",
    "thedrummer": "thedrummer",
}


@pytest.fixture(scope="module")
def listing() -> dict[str, Any]:
    with shared("pricing/openrouter_models_2026-08-19.json").open(encoding="utf-8") as handle:
        return json.load(handle)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def imported(listing: dict[str, Any]) -> Any:
    return from_openrouter(listing)


def deployment_id(key: str) -> str:
    base, _, variant = key.partition(":")
    return "openrouter/" + base + {"": "", "batch": "@batch", "free": ":free"}[variant]


def test_every_entry_is_a_deployment_or_skipped_with_its_reason(
    listing: dict[str, Any], imported: Any
) -> None:
    entries = listing["data"]
    assert len(entries) == 414
    assert len(imported.catalog.deployments) + len(imported.skipped) == len(entries)
    routers = [e["id"] for e in entries if e["id"].startswith("openrouter/")]
    aliases = [e["id"] for e in entries if e["id"].startswith("~")]
    assert len(routers) == 6
    assert len(aliases) == 11
    for key in routers:
        assert imported.skipped[key].startswith("a router")
    for key in aliases:
        assert imported.skipped[key].startswith("an alias")
    for entry in entries:
        if entry["id"] in imported.skipped:
            continue
        d = imported.catalog.deployment(deployment_id(entry["id"]))
        assert d.provider == "openrouter"
        assert d.api_model == entry["id"]
        top = entry["top_provider"]
        assert d.model.context_window == (top.get("context_length") or entry["context_length"])
        assert d.model.max_output_tokens == top.get("max_completion_tokens")
        assert d.tier == ("batch" if entry["id"].endswith(":batch") else "standard")


def test_the_vendor_of_every_family(listing: dict[str, Any], imported: Any) -> None:
    checked = 0
    for entry in listing["data"]:
        organisation = entry["id"].split("/")[0]
        if entry["id"] in imported.skipped or organisation not in FAMILIES:
            continue
        assert (
            imported.catalog.deployment(deployment_id(entry["id"])).vendor == FAMILIES[organisation]
        )
        checked += 1
    assert checked > 300


def expected_cost(pricing: dict[str, Any], usage: Usage) -> Decimal:
    """The bill, computed here from the listing's strings alone."""
    rates = {k: Decimal(v) for k, v in pricing.items() if k != "overrides" and isinstance(v, str)}
    for override in pricing.get("overrides") or []:
        if "min_prompt_tokens" in override and usage.input_tokens >= override["min_prompt_tokens"]:
            rates.update({k: Decimal(v) for k, v in override.items() if isinstance(v, str)})
    plain = usage.input_tokens - usage.cached_input_tokens - usage.cache_write_tokens
    cached_rate = rates.get("input_cache_read", rates["prompt"])
    write_rate = rates.get("input_cache_write", rates["prompt"])
    return (
        plain * rates["prompt"]
        + usage.cached_input_tokens * cached_rate
        + usage.cache_write_tokens * write_rate
        + usage.output_tokens * rates["completion"]
    )


def test_prices_match_the_listing_for_plain_cached_and_long_prompts(
    listing: dict[str, Any], imported: Any
) -> None:
    rng = random.Random(30)
    entries = [
        e
        for e in listing["data"]
        if e["id"] not in imported.skipped
        and not e["id"].endswith(":free")
        and "internal_reasoning" not in e["pricing"]
        and not any("utc_start" in o for o in e["pricing"].get("overrides") or [])
    ]
    long_ones = [e for e in entries if e["pricing"].get("overrides")]
    sample = rng.sample(entries, 40) + long_ones
    usages = [
        Usage(input_tokens=1_000, output_tokens=300),
        Usage(input_tokens=20_000, output_tokens=500, cached_input_tokens=16_000),
        Usage(input_tokens=150_000, output_tokens=2_000, cached_input_tokens=100_000),
        Usage(input_tokens=260_000, output_tokens=1_000),
    ]
    checked = 0
    for entry in sample:
        d = imported.catalog.deployment(deployment_id(entry["id"]))
        for usage in usages:
            if d.model.context_window is not None and usage.input_tokens > d.model.context_window:
                continue
            want = expected_cost(entry["pricing"], usage)
            assert cost(usage, d.price) == pytest.approx(float(want), rel=1e-12, abs=1e-15), entry[
                "id"
            ]
            checked += 1
    assert checked > 150
    assert long_ones


def test_batch_and_free_variants_are_channels_of_the_same_model(imported: Any) -> None:
    catalog = imported.catalog
    batch = catalog.deployment("openrouter/anthropic/claude-opus-5@batch")
    standard = catalog.deployment("openrouter/anthropic/claude-opus-5")
    assert batch.model.id == standard.model.id == "claude-opus-5"
    assert batch.tier == "batch"
    assert batch.price.input_per_mtok < standard.price.input_per_mtok
    free = catalog.deployment("openrouter/z-ai/glm-5.2:free")
    assert free.price.input_per_mtok == free.price.output_per_mtok == 0.0
    assert free.api_model == "z-ai/glm-5.2:free"


def test_a_catalog_merged_with_litellms_routes_one_model_across_both(imported: Any) -> None:
    litellm = load_litellm(
        shared("pricing/litellm_1.109.1_model_prices_and_context_window_backup.json")
    ).catalog
    shared_models = ("gemini-2.5-flash", "deepseek-r1", "gemma-3-27b-it")
    merged = Catalog(
        deployments=[
            d
            for model in shared_models
            for source in (litellm, imported.catalog)
            for d in source.serving(model)
        ]
    )
    for model in shared_models:
        providers = {d.provider for d in merged.serving(model)}
        assert "openrouter" in providers
        assert len(providers) >= 2
    only_flash = Catalog(deployments=merged.serving("gemini-2.5-flash"))
    decision = route(
        Request(input_tokens=2_000, output_tokens=300),
        only_flash,
        Policy(diversity="provider", fallbacks=2),
        now=0.0,
    )
    assert len({d.provider for d in decision.deployments}) == 3
    assert any(d.provider == "openrouter" for d in only_flash.deployments)
    assert "openrouter/google/gemini-2.5-flash" in decision.ranking


def test_bad_listings_are_refused_naming_the_entry() -> None:
    with pytest.raises(CatalogError, match="not an OpenRouter model listing"):
        from_openrouter("models")  # type: ignore[arg-type]
    with pytest.raises(CatalogError, match="entry 1 has no id"):
        from_openrouter(
            {
                "data": [
                    {"id": "a/b", "pricing": {"prompt": "0", "completion": "0"}},
                    {"pricing": {}},
                ]
            }
        )
    with pytest.raises(CatalogError, match=r"entry 0 \('a/b'\) has no pricing object"):
        from_openrouter({"data": [{"id": "a/b"}]})
    odd = from_openrouter(
        {
            "data": [
                {"id": "a/x", "pricing": {"prompt": "cheap", "completion": "0"}},
                {"id": "a/y", "pricing": {"prompt": "-0.5", "completion": "0"}},
                {"id": "a/z", "pricing": {"prompt": "0.000001", "completion": "0.000002"}},
            ]
        }
    )
    assert odd.skipped["a/x"] == "prompt is 'cheap', not a number"
    assert odd.skipped["a/y"].startswith("prompt is '-0.5': a negative price")
    assert [d.id for d in odd.catalog.deployments] == ["openrouter/a/z"]
