from __future__ import annotations

import json
import pathlib
from datetime import datetime
from typing import Any

import pytest

from modelfolio import VENDOR_RULES, Capability, CatalogError, Usage, VendorRule, cost, from_litellm

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "litellm_costs.json"


def entry(**fields: Any) -> dict[str, Any]:
    base = {
        "mode": "chat",
        "input_cost_per_token": 1e-06,
        "output_cost_per_token": 2e-06,
        "max_input_tokens": 128_000,
        "max_output_tokens": 8_192,
    }
    base.update(fields)
    return base


class TestVendorAndProvider:
    @pytest.mark.parametrize(
        ("key", "provider", "vendor", "expected_provider", "model_id"),
        [
            ("azure/gpt-4o", "azure", "openai", "azure", "gpt-4o"),
            ("gpt-4o", "openai", "openai", "openai", "gpt-4o"),
            (
                "bedrock/anthropic.claude-3-5-sonnet-20241022-v2:0",
                "bedrock",
                "anthropic",
                "bedrock",
                "anthropic.claude-3-5-sonnet-20241022-v2:0",
            ),
            (
                "vertex_ai/claude-3-5-sonnet",
                "vertex_ai-anthropic_models",
                "anthropic",
                "vertex_ai",
                "claude-3-5-sonnet",
            ),
            ("groq/llama3-70b-8192", "groq", "meta", "groq", "llama3-70b-8192"),
            (
                "bedrock/us-east-1/meta.llama3-70b-instruct-v1:0",
                "bedrock",
                "meta",
                "bedrock",
                "meta.llama3-70b-instruct-v1:0",
            ),
            (
                "us.anthropic.claude-3-5-haiku-20241022-v1:0",
                "bedrock_converse",
                "anthropic",
                "bedrock",
                "anthropic.claude-3-5-haiku-20241022-v1:0",
            ),
            ("gemini/gemini-2.5-pro", "gemini", "google", "gemini", "gemini-2.5-pro"),
            (
                "mistral/mistral-large-latest",
                "mistral",
                "mistral",
                "mistral",
                "mistral-large-latest",
            ),
            (
                "together_ai/deepseek-ai/DeepSeek-R1-Distill-Llama-70B",
                "together_ai",
                "deepseek",
                "together_ai",
                "deepseek-ai/DeepSeek-R1-Distill-Llama-70B",
            ),
            ("ollama/mistral", "ollama", "mistral", "ollama", "mistral"),
            ("xai/grok-4", "xai", "xai", "xai", "grok-4"),
            ("azure_ai/Phi-4", "azure_ai", "microsoft", "azure_ai", "Phi-4"),
            (
                "fireworks_ai/accounts/fireworks/models/gpt-oss-120b",
                "fireworks_ai",
                "openai",
                "fireworks_ai",
                "accounts/fireworks/models/gpt-oss-120b",
            ),
        ],
    )
    def test_vendor_is_separated_from_provider(
        self, key: str, provider: str, vendor: str, expected_provider: str, model_id: str
    ) -> None:
        catalog = from_litellm({key: entry(litellm_provider=provider)}).catalog
        deployment = catalog.deployment(key)
        assert (vendor, expected_provider, model_id) == (
            deployment.vendor,
            deployment.provider,
            deployment.model.id,
        )

    def test_open_weights_come_from_the_rule(self) -> None:
        catalog = from_litellm(
            {
                "groq/llama3-70b-8192": entry(litellm_provider="groq"),
                "gpt-4o": entry(litellm_provider="openai"),
            }
        ).catalog
        assert catalog.deployment("groq/llama3-70b-8192").model.open_weights
        assert not catalog.deployment("gpt-4o").model.open_weights

    def test_unmatched_name_falls_back_to_a_lab_provider_then_unknown(self) -> None:
        catalog = from_litellm(
            {
                "mistral/house-special": entry(litellm_provider="mistral"),
                "groq/house-special-2": entry(litellm_provider="groq"),
            }
        ).catalog
        assert "mistral" == catalog.deployment("mistral/house-special").vendor
        assert "unknown" == catalog.deployment("groq/house-special-2").vendor

    def test_callers_can_extend_and_override_rules(self) -> None:
        mapping = {
            "groq/acme-7b": entry(litellm_provider="groq"),
            "groq/llama3-8b": entry(litellm_provider="groq"),
        }
        rules = (
            VendorRule(pattern=r"^acme-", vendor="acme", open_weights=True),
            VendorRule(pattern="llama", vendor="not-meta"),
            *VENDOR_RULES,
        )
        catalog = from_litellm(mapping, vendor_rules=rules).catalog
        assert "acme" == catalog.deployment("groq/acme-7b").vendor
        assert "not-meta" == catalog.deployment("groq/llama3-8b").vendor

    def test_one_model_id_gets_one_vendor_across_providers(self) -> None:
        mapping = {
            "chat-latest": entry(litellm_provider="openai"),
            "azure/chat-latest": entry(litellm_provider="azure"),
        }
        catalog = from_litellm(mapping).catalog
        assert {"openai"} == {d.vendor for d in catalog.serving("chat-latest")}

    def test_aliases_join_one_model_across_channels(self) -> None:
        mapping = {
            "claude-sonnet-4-5": entry(litellm_provider="anthropic"),
            "anthropic.claude-sonnet-4-5-20250929-v1:0": entry(litellm_provider="bedrock_converse"),
        }
        catalog = from_litellm(
            mapping,
            model_aliases={"anthropic.claude-sonnet-4-5-20250929-v1:0": "claude-sonnet-4-5"},
        ).catalog
        assert ["anthropic", "bedrock"] == sorted(
            d.provider for d in catalog.serving("claude-sonnet-4-5")
        )

    def test_bad_rule_pattern_is_named(self) -> None:
        with pytest.raises(CatalogError, match=r"pattern.*'\('"):
            VendorRule(pattern="(", vendor="x")


class TestEntries:
    def test_prices_become_exact_per_million(self) -> None:
        mapping = {
            "m": entry(
                litellm_provider="openai",
                input_cost_per_token=2.5e-06,
                output_cost_per_token=1e-05,
                cache_read_input_token_cost=1.25e-06,
            )
        }
        price = from_litellm(mapping).catalog.deployment("m").price
        assert (2.5, 10.0, 1.25) == (
            price.input_per_mtok,
            price.output_per_mtok,
            price.cached_input_per_mtok,
        )

    def test_threshold_fields_become_tiers(self) -> None:
        mapping = {
            "gemini-x": entry(
                litellm_provider="gemini",
                input_cost_per_token_above_200k_tokens=2.5e-06,
                output_cost_per_token_above_200k_tokens=1.5e-05,
                cache_read_input_token_cost_above_200k_tokens=2.5e-07,
                input_cost_per_token_above_200k_tokens_priority=9e-06,
            )
        }
        (tier,) = from_litellm(mapping).catalog.deployment("gemini-x").price.tiers
        assert (200_000, 2.5, 15.0, 0.25) == (
            tier.above_input_tokens,
            tier.input_per_mtok,
            tier.output_per_mtok,
            tier.cached_input_per_mtok,
        )

    def test_ranged_tables_become_tiers(self) -> None:
        mapping = {
            "dashscope/qwen-flash": {
                "mode": "chat",
                "litellm_provider": "dashscope",
                "max_input_tokens": 1_000_000,
                "tiered_pricing": [
                    {
                        "input_cost_per_token": 2.5e-07,
                        "output_cost_per_token": 2e-06,
                        "range": [256000.0, 1000000.0],
                    },
                    {
                        "input_cost_per_token": 5e-08,
                        "output_cost_per_token": 4e-07,
                        "range": [0, 256000.0],
                    },
                ],
            }
        }
        price = from_litellm(mapping).catalog.deployment("dashscope/qwen-flash").price
        assert (0.05, 0.4) == (price.input_per_mtok, price.output_per_mtok)
        assert 0.05 == price.rates(256_000).input_per_mtok
        assert 0.25 == price.rates(256_001).input_per_mtok

    def test_capability_flags(self) -> None:
        mapping = {
            "m": entry(
                litellm_provider="openai",
                supports_function_calling=True,
                supports_vision=True,
                supports_reasoning=True,
                supports_native_streaming=False,
            )
        }
        capabilities = from_litellm(mapping).catalog.deployment("m").model.capabilities
        assert (
            frozenset({Capability.CHAT, Capability.TOOLS, Capability.VISION, Capability.REASONING})
            == capabilities
        )

    @pytest.mark.parametrize(
        ("fields", "reason"),
        [
            ({"mode": "embedding"}, "mode is 'embedding', not 'chat'"),
            ({"input_cost_per_token": None}, "no per-token input and output prices"),
            ({"input_cost_per_token": "cheap"}, "input_cost_per_token is 'cheap', not a number"),
            (
                {"output_cost_per_token": -1.0},
                "output_cost_per_token is -1.0, not a finite price >= 0",
            ),
            ({"max_input_tokens": -5}, "max_input_tokens is -5"),
            (
                {"off_peak_pricing": {"input_cost_per_token": 1e-7, "hours_utc": "25:00-01:00"}},
                "off_peak_pricing.hours_utc: hours_utc must be 'HH:MM-HH:MM' strings, got '25:00-01:00'",
            ),
            (
                {
                    "off_peak_pricing": {
                        "input_cost_per_token": 1e-7,
                        "windows": [{"hours_utc": "00:00-02:00", "weekdays": [1, 9]}],
                    }
                },
                "off_peak_pricing.windows[0]: weekdays must hold ISO days 1 (Monday) to 7 (Sunday) or day names, got 9",
            ),
            (
                {
                    "off_peak_pricing": {
                        "input_cost_per_token": 1e-7,
                        "windows": [
                            {"hours_utc": "00:00-02:00", "weekdays": ["mon"]},
                            {"hours_utc": "01:00-03:00"},
                        ],
                    }
                },
                "off_peak_pricing: windows overlap on Mon at 01:00 UTC",
            ),
            (
                {
                    "off_peak_pricing": {
                        "input_cost_per_token": 1e-7,
                        "hours_utc": "00:00-01:00",
                        "weekday_timezone": "Europe/Paris",
                    }
                },
                "off_peak_pricing.weekday_timezone is 'Europe/Paris'",
            ),
            (
                {"off_peak_pricing": {"hours_utc": "00:00-01:00"}},
                "off_peak_pricing: an OffPeak block must set at least one rate",
            ),
            ({"off_peak_pricing": "nights"}, "off_peak_pricing is 'nights', not a mapping"),
            ({"supported_regions": 5}, "supported_regions is 5, not a list of regions"),
        ],
    )
    def test_skipped_entries_say_why(self, fields: dict[str, Any], reason: str) -> None:
        values = entry(litellm_provider="openai", **fields)
        values = {key: value for key, value in values.items() if value is not None}
        result = from_litellm({"m": values})
        assert "m" not in result.catalog
        assert reason in result.skipped["m"]

    def test_sample_spec_is_skipped(self) -> None:
        assert "schema" in from_litellm({"sample_spec": {"mode": "chat"}}).skipped["sample_spec"]

    def test_not_a_mapping_is_refused(self) -> None:
        with pytest.raises(CatalogError, match="mapping"):
            from_litellm([1, 2])  # type: ignore[arg-type]

    def test_result_views(self) -> None:
        result = from_litellm({"m": entry(litellm_provider="openai"), "e": {"mode": "embedding"}})
        assert "skipped=1" in repr(result)
        assert [{"id": "e", "reason": "mode is 'embedding', not 'chat'"}] == result.to_rows()
        assert "<table>" in result._repr_html_()


@pytest.fixture(scope="module")
def fixture() -> dict[str, Any]:
    """LiteLLM's own figures (tests/fixtures/litellm_costs.json)."""
    return json.loads(FIXTURE.read_text())  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def imported(litellm_map: dict[str, Any]) -> Any:
    """LiteLLM's whole map, imported (skips without the shared data)."""
    return from_litellm(litellm_map)


def peak_and_moments(fixture: dict[str, Any]) -> tuple[float, dict[str, float]]:
    """The fixture's pinned peak moment and off-peak moments, as POSIX timestamps."""
    peak = datetime.fromisoformat(fixture["peak"]).timestamp()
    return peak, {n: datetime.fromisoformat(m).timestamp() for n, m in fixture["moments"].items()}


def agreement(
    imported: Any, table: dict[str, Any], fixture: dict[str, Any], suffix: str, at: Any
) -> tuple[int, list[tuple[str, str, float, Any]]]:
    """How many figures of ``table`` our cost matches within 1e-9, and the ones it does not."""
    compared, disagreements = 0, []
    for key, row in table.items():
        deployment = imported.catalog.deployment(key + suffix)
        for scenario, expected in row.items():
            prompt, completion, cached = fixture["scenarios"][scenario]
            assert isinstance(expected, float), f"LiteLLM could not price {key}: {expected}"
            usage = Usage(input_tokens=prompt, output_tokens=completion, cached_input_tokens=cached)
            actual = cost(usage, deployment.price, at=at)
            compared += 1
            if abs(actual - expected) > 1e-9 * abs(expected):
                disagreements.append((key, scenario, actual, expected))
    return compared, disagreements


class TestAgainstLiteLLM:
    """Our cost agrees with LiteLLM 1.109.1's on its own map, channel by channel.

    ``tests/fixtures/litellm_costs.json`` holds LiteLLM's figures, made by
    ``tests/fixtures/make_litellm_costs.py`` in a throwaway environment with LiteLLM's
    billing clock pinned. Every remaining disagreement is listed here and in
    docs/catalog.md with its reason.
    """

    # LiteLLM resolves this key to a different entry, gemini/gemini-exp-1206, priced at zero.
    STANDARD_EXCEPTIONS = frozenset({"gemini-exp-1206"})

    def test_standard_tier_at_a_peak_moment(self, imported: Any, fixture: dict[str, Any]) -> None:
        peak, _ = peak_and_moments(fixture)
        table = {k: v for k, v in fixture["costs"].items() if k in imported.catalog}
        compared, disagreements = agreement(imported, table, fixture, "", peak)
        assert {d[0] for d in disagreements} == self.STANDARD_EXCEPTIONS
        assert compared >= 4 * 3170
        assert (compared - len(disagreements)) / compared >= 0.995
        # The standard rates, with no moment given, are the peak ones.
        _, without_moment = agreement(imported, table, fixture, "", None)
        assert {d[0] for d in without_moment} == self.STANDARD_EXCEPTIONS

    def test_every_off_peak_moment_of_every_deepseek_entry(
        self, imported: Any, fixture: dict[str, Any]
    ) -> None:
        _, moments = peak_and_moments(fixture)
        assert len(fixture["off_peak"]) == 10
        total = 0
        for key, by_moment in fixture["off_peak"].items():
            for name, row in by_moment.items():
                compared, disagreements = agreement(
                    imported, {key: row}, fixture, "", moments[name]
                )
                assert [] == disagreements, name
                total += compared
        assert 10 * len(moments) * 4 == total

    def test_flex_tier(self, imported: Any, fixture: dict[str, Any]) -> None:
        peak, _ = peak_and_moments(fixture)
        compared, disagreements = agreement(imported, fixture["flex"], fixture, "@flex", peak)
        assert [] == disagreements
        assert 240 * 4 == compared

    def test_batch_tier(self, imported: Any, fixture: dict[str, Any]) -> None:
        peak, _ = peak_and_moments(fixture)
        compared, disagreements = agreement(imported, fixture["batch"], fixture, "@batch", peak)
        assert [] == disagreements
        assert 462 * 4 == compared

    def test_priority_tier_and_its_documented_exceptions(
        self, imported: Any, litellm_map: dict[str, Any], fixture: dict[str, Any]
    ) -> None:
        peak, _ = peak_and_moments(fixture)
        compared, disagreements = agreement(
            imported, fixture["priority"], fixture, "@priority", peak
        )
        assert 358 * 4 == compared
        # The only disagreements (48 entries): those whose LiteLLM "priority" figure is its standard
        # figure (its fireworks_ai cost path, and Bedrock's for this key, ignore
        # service_tier), where we bill the map's *_priority rates.
        differing = {d[0] for d in disagreements}
        assert 48 == len(differing)
        for key in differing:
            assert fixture["priority"][key] == fixture["costs"][key]
            provider = litellm_map[key]["litellm_provider"]
            assert provider == "fireworks_ai" or key == "moonshotai.kimi-k2.5"
            d = imported.catalog.deployment(f"{key}@priority")
            assert d.price.input_per_mtok == pytest.approx(
                litellm_map[key]["input_cost_per_token_priority"] * 1e6
            )

    def test_exceptions_are_documented(self) -> None:
        docs = (pathlib.Path(__file__).parents[1] / "docs" / "catalog.md").read_text()
        for phrase in ("gemini-exp-1206", "fireworks_ai", "moonshotai.kimi-k2.5"):
            assert phrase in docs

    def test_every_chat_entry_with_token_prices_is_kept(
        self, litellm_map: dict[str, Any], imported: Any
    ) -> None:
        priced = 0
        for key, value in litellm_map.items():
            if not isinstance(value, dict) or value.get("mode") != "chat":
                continue
            tiers = {
                "standard": "",
                "priority": "_priority",
                "flex": "_flex",
                "batch": "_batches",
            }
            for tier, suffix in tiers.items():
                sells = any(
                    value.get(f"{p}{suffix}") is not None
                    for p in ("input_cost_per_token", "output_cost_per_token")
                )
                if tier == "standard":
                    sells = (
                        "input_cost_per_token" in value and "output_cost_per_token" in value
                    ) or bool(value.get("tiered_pricing"))
                if sells:
                    priced += 1
                    name = key if tier == "standard" else f"{key}@{tier}"
                    assert name in imported.catalog, (name, imported.skipped.get(key))
                    assert tier == imported.catalog.deployment(name).tier
        assert 3174 + 462 + 358 + 240 == priced
        unknown = [d for d in imported.catalog if d.model.context_window is None]
        assert len(unknown) >= 100
        assert "replicate/openai/gpt-4.1" in {d.id for d in unknown}
