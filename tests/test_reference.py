from __future__ import annotations

from typing import Any

from modelfolio import Capability, Location, from_litellm, reference_catalog
from modelfolio._catalog.reference import SOURCES


def test_size_and_breadth() -> None:
    catalog = reference_catalog()
    assert len(catalog) >= 30
    assert len(catalog.vendors) >= 8
    assert catalog.as_of is not None


def test_each_major_vendor_has_a_flagship_and_a_small_model() -> None:
    catalog = reference_catalog()
    for vendor in [
        "openai",
        "anthropic",
        "google",
        "mistral",
        "deepseek",
        "xai",
        "microsoft",
        "alibaba",
        "cohere",
        "amazon",
    ]:
        prices = sorted({d.price.output_per_mtok for d in catalog.by_vendor(vendor)})
        assert len(catalog.by_vendor(vendor)) >= 2, vendor
        # DeepSeek prices its chat and reasoner models alike; every other lab sells a
        # flagship and a cheaper small model.
        assert len(prices) >= (1 if vendor == "deepseek" else 2), f"{vendor} needs two price points"


def test_reasoning_models_are_present() -> None:
    catalog = reference_catalog()
    assert {"o3", "deepseek-reasoner"} <= {
        d.model.id for d in catalog if Capability.REASONING in d.model.capabilities
    }


def test_one_model_through_several_channels() -> None:
    catalog = reference_catalog()
    assert {"openai", "azure"} <= {d.provider for d in catalog.serving("gpt-4o")}
    assert {"anthropic", "bedrock", "vertex_ai"} <= {
        d.provider for d in catalog.serving("claude-sonnet-4-5")
    }
    assert len({d.provider for d in catalog.serving("llama-3.3-70b-instruct")}) >= 3


def test_an_on_device_small_model_at_zero_price() -> None:
    phi = reference_catalog().deployment("local/phi-4-mini")
    assert Location.ON_DEVICE == phi.location
    assert (0.0, 0.0) == (phi.price.input_per_mtok, phi.price.output_per_mtok)
    assert phi.model.open_weights
    assert phi.credential is None


def test_is_the_same_object_each_time() -> None:
    assert reference_catalog() is reference_catalog()


def test_figures_match_the_litellm_map(litellm_map: dict[str, Any]) -> None:
    imported = from_litellm(litellm_map).catalog
    for deployment in reference_catalog():
        base, _, tier = deployment.id.partition("@")
        source = imported.deployment(SOURCES[base] + ("@" + tier if tier else ""))
        assert source.tier == deployment.tier, deployment.id
        assert source.model.context_window == deployment.model.context_window, deployment.id
        assert source.model.capabilities == deployment.model.capabilities, deployment.id
        if deployment.location == Location.ON_DEVICE:
            continue
        assert source.price == deployment.price, deployment.id
        assert source.vendor == deployment.vendor, deployment.id


def test_batch_and_flex_channels_cost_less_and_serve_only_their_tier() -> None:
    catalog = reference_catalog()
    channels = [d for d in catalog if d.tier != "standard"]
    assert {"batch", "flex"} == {d.tier for d in channels}
    assert len(channels) >= 20
    for channel in channels:
        standard = catalog.deployment(channel.id.partition("@")[0])
        assert channel.model == standard.model
        assert channel.provider == standard.provider
        assert channel.id == f"{standard.id}@{channel.tier}"
        assert channel.price.input_per_mtok < standard.price.input_per_mtok
