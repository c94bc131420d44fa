"""An embedded, dated reference catalog: real models, real channels, real prices.

It exists so that examples, notebooks and tests have a realistic multi-vendor catalog
without reading a file: each major lab's flagship and small models, reasoning models,
the same model bought through several channels (OpenAI direct and on Azure; Anthropic
direct, on Bedrock and on Vertex; Llama on four hosts), the batch and flex tiers its
vendors sell (``openai/gpt-5@batch``, ``openai/gpt-5@flex``, ...: about half price, for
work that can wait) and a small open model running on the device at no cost per token.

Prices, windows and capabilities were taken from LiteLLM's price map (version
1.109.1) on :data:`AS_OF`; ``SOURCES`` names the map entry behind each deployment
(``tools/make_reference_catalog.py`` regenerates ``_FIGURES`` from it). Regions and
compliance tags are illustrative: check them against your own contracts.
"""

from __future__ import annotations

import datetime
from functools import lru_cache

from modelfolio._catalog.catalog import Catalog, Deployment, Location, Model, Tier
from modelfolio._catalog.prices import Price, PriceTier

_Band = tuple[int, float, float, "float | None", "float | None"]

__all__ = ["AS_OF", "SOURCES", "reference_catalog"]

AS_OF = datetime.date(2026, 11, 22)

# deployment id -> the LiteLLM map entry its figures come from
SOURCES: dict[str, str] = {
    "openai/gpt-5": "gpt-5",
    "azure/gpt-5": "azure/gpt-5",
    "openai/gpt-5-mini": "gpt-5-mini",
    "openai/gpt-5-nano": "gpt-5-nano",
    "openai/o3": "o3",
    "openai/o4-mini": "o4-mini",
    "openai/gpt-4o": "gpt-4o",
    "azure/gpt-4o": "azure/gpt-4o",
    "anthropic/claude-opus-4-5": "claude-opus-4-5",
    "anthropic/claude-sonnet-4-5": "claude-sonnet-4-5",
    "bedrock/claude-sonnet-4-5": "anthropic.claude-sonnet-4-5-20250929-v1:0",
    "vertex_ai/claude-sonnet-4-5": "vertex_ai/claude-sonnet-4-5",
    "anthropic/claude-haiku-4-5": "claude-haiku-4-5",
    "gemini/gemini-2.5-pro": "gemini/gemini-2.5-pro",
    "vertex_ai/gemini-2.5-pro": "gemini-2.5-pro",
    "gemini/gemini-2.5-flash": "gemini/gemini-2.5-flash",
    "gemini/gemini-2.5-flash-lite": "gemini/gemini-2.5-flash-lite",
    "bedrock/llama-3.3-70b": "meta.llama3-3-70b-instruct-v1:0",
    "vertex_ai/llama-3.3-70b": "vertex_ai/meta/llama-3.3-70b-instruct-maas",
    "together_ai/llama-3.3-70b": "together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo",
    "azure_ai/llama-3.3-70b": "azure_ai/Llama-3.3-70B-Instruct",
    "mistral/mistral-large": "mistral/mistral-large-latest",
    "mistral/mistral-small": "mistral/mistral-small-latest",
    "deepseek/deepseek-chat": "deepseek/deepseek-chat",
    "deepseek/deepseek-reasoner": "deepseek/deepseek-reasoner",
    "xai/grok-4.3": "xai/grok-4.3",
    "xai/grok-code-fast-1": "xai/grok-code-fast-1",
    "azure_ai/phi-4": "azure_ai/Phi-4",
    "local/phi-4-mini": "azure_ai/Phi-4-mini-instruct",
    "dashscope/qwen-max": "dashscope/qwen-max",
    "dashscope/qwen-plus": "dashscope/qwen-plus",
    "cohere/command-a": "command-a-03-2025",
    "cohere/command-r7b": "command-r7b-12-2024",
    "bedrock/nova-pro": "amazon.nova-pro-v1:0",
    "bedrock/nova-micro": "amazon.nova-micro-v1:0",
}

# deployment id -> (model id, vendor, open weights, provider, location, regions, compliance)
_CHOICES: dict[str, tuple[str, str, bool, str, str, tuple[str, ...], tuple[str, ...]]] = {
    "openai/gpt-5": (
        "gpt-5",
        "openai",
        False,
        "openai",
        "cloud",
        ("us",),
        ("zero-data-retention",),
    ),
    "azure/gpt-5": (
        "gpt-5",
        "openai",
        False,
        "azure",
        "cloud",
        ("eastus", "swedencentral"),
        ("hipaa", "eu-data-boundary"),
    ),
    "openai/gpt-5-mini": (
        "gpt-5-mini",
        "openai",
        False,
        "openai",
        "cloud",
        ("us",),
        ("zero-data-retention",),
    ),
    "openai/gpt-5-nano": (
        "gpt-5-nano",
        "openai",
        False,
        "openai",
        "cloud",
        ("us",),
        ("zero-data-retention",),
    ),
    "openai/o3": ("o3", "openai", False, "openai", "cloud", ("us",), ("zero-data-retention",)),
    "openai/o4-mini": (
        "o4-mini",
        "openai",
        False,
        "openai",
        "cloud",
        ("us",),
        ("zero-data-retention",),
    ),
    "openai/gpt-4o": (
        "gpt-4o",
        "openai",
        False,
        "openai",
        "cloud",
        ("us",),
        ("zero-data-retention",),
    ),
    "azure/gpt-4o": (
        "gpt-4o",
        "openai",
        False,
        "azure",
        "cloud",
        ("eastus", "swedencentral"),
        ("hipaa", "eu-data-boundary"),
    ),
    "anthropic/claude-opus-4-5": (
        "claude-opus-4-5",
        "anthropic",
        False,
        "anthropic",
        "cloud",
        ("us",),
        ("zero-data-retention",),
    ),
    "anthropic/claude-sonnet-4-5": (
        "claude-sonnet-4-5",
        "anthropic",
        False,
        "anthropic",
        "cloud",
        ("us",),
        ("zero-data-retention",),
    ),
    "bedrock/claude-sonnet-4-5": (
        "claude-sonnet-4-5",
        "anthropic",
        False,
        "bedrock",
        "cloud",
        ("us-east-1", "eu-central-1"),
        ("hipaa",),
    ),
    "vertex_ai/claude-sonnet-4-5": (
        "claude-sonnet-4-5",
        "anthropic",
        False,
        "vertex_ai",
        "cloud",
        ("us-east5", "europe-west1"),
        ("hipaa",),
    ),
    "anthropic/claude-haiku-4-5": (
        "claude-haiku-4-5",
        "anthropic",
        False,
        "anthropic",
        "cloud",
        ("us",),
        ("zero-data-retention",),
    ),
    "gemini/gemini-2.5-pro": ("gemini-2.5-pro", "google", False, "gemini", "cloud", ("us",), ()),
    "vertex_ai/gemini-2.5-pro": (
        "gemini-2.5-pro",
        "google",
        False,
        "vertex_ai",
        "cloud",
        ("us-central1", "europe-west4"),
        ("hipaa",),
    ),
    "gemini/gemini-2.5-flash": (
        "gemini-2.5-flash",
        "google",
        False,
        "gemini",
        "cloud",
        ("us",),
        (),
    ),
    "gemini/gemini-2.5-flash-lite": (
        "gemini-2.5-flash-lite",
        "google",
        False,
        "gemini",
        "cloud",
        ("us",),
        (),
    ),
    "bedrock/llama-3.3-70b": (
        "llama-3.3-70b-instruct",
        "meta",
        True,
        "bedrock",
        "cloud",
        ("us-east-1", "us-west-2"),
        ("hipaa",),
    ),
    "vertex_ai/llama-3.3-70b": (
        "llama-3.3-70b-instruct",
        "meta",
        True,
        "vertex_ai",
        "cloud",
        ("us-central1",),
        ("hipaa",),
    ),
    "together_ai/llama-3.3-70b": (
        "llama-3.3-70b-instruct",
        "meta",
        True,
        "together_ai",
        "cloud",
        ("us",),
        (),
    ),
    "azure_ai/llama-3.3-70b": (
        "llama-3.3-70b-instruct",
        "meta",
        True,
        "azure_ai",
        "cloud",
        ("eastus",),
        ("hipaa",),
    ),
    "mistral/mistral-large": (
        "mistral-large",
        "mistral",
        False,
        "mistral",
        "cloud",
        ("eu",),
        ("eu-data-boundary",),
    ),
    "mistral/mistral-small": (
        "mistral-small",
        "mistral",
        False,
        "mistral",
        "cloud",
        ("eu",),
        ("eu-data-boundary",),
    ),
    "deepseek/deepseek-chat": ("deepseek-chat", "deepseek", True, "deepseek", "cloud", ("cn",), ()),
    "deepseek/deepseek-reasoner": (
        "deepseek-reasoner",
        "deepseek",
        True,
        "deepseek",
        "cloud",
        ("cn",),
        (),
    ),
    "xai/grok-4.3": ("grok-4.3", "xai", False, "xai", "cloud", ("us",), ()),
    "xai/grok-code-fast-1": ("grok-code-fast-1", "xai", False, "xai", "cloud", ("us",), ()),
    "azure_ai/phi-4": ("phi-4", "microsoft", True, "azure_ai", "cloud", ("eastus",), ("hipaa",)),
    "local/phi-4-mini": (
        "phi-4-mini-instruct",
        "microsoft",
        True,
        "local",
        "on_device",
        (),
        ("zero-data-retention", "no-egress"),
    ),
    "dashscope/qwen-max": (
        "qwen-max",
        "alibaba",
        False,
        "dashscope",
        "cloud",
        ("cn", "ap-southeast-1"),
        (),
    ),
    "dashscope/qwen-plus": (
        "qwen-plus",
        "alibaba",
        False,
        "dashscope",
        "cloud",
        ("cn", "ap-southeast-1"),
        (),
    ),
    "cohere/command-a": ("command-a", "cohere", False, "cohere", "cloud", ("us",), ()),
    "cohere/command-r7b": ("command-r7b", "cohere", False, "cohere", "cloud", ("us",), ()),
    "bedrock/nova-pro": (
        "nova-pro",
        "amazon",
        False,
        "bedrock",
        "cloud",
        ("us-east-1",),
        ("hipaa",),
    ),
    "bedrock/nova-micro": (
        "nova-micro",
        "amazon",
        False,
        "bedrock",
        "cloud",
        ("us-east-1",),
        ("hipaa",),
    ),
}

# Generated: deployment id -> (capabilities, context window, max output, price, tiers)
_FIGURES: dict[
    str,
    tuple[
        str,
        int,
        int,
        dict[str, float],
        tuple[tuple[int, float, float, float | None, float | None], ...],
    ],
] = {
    "openai/gpt-5": (
        "chat json_schema pdf_input prompt_caching reasoning streaming tools vision web_search",
        272000,
        128000,
        {"input_per_mtok": 1.25, "output_per_mtok": 10.0, "cached_input_per_mtok": 0.125},
        (),
    ),
    "azure/gpt-5": (
        "chat json_schema pdf_input prompt_caching reasoning streaming tools vision",
        272000,
        128000,
        {"input_per_mtok": 1.25, "output_per_mtok": 10.0, "cached_input_per_mtok": 0.125},
        (),
    ),
    "openai/gpt-5-mini": (
        "chat json_schema pdf_input prompt_caching reasoning streaming tools vision web_search",
        272000,
        128000,
        {"input_per_mtok": 0.25, "output_per_mtok": 2.0, "cached_input_per_mtok": 0.025},
        (),
    ),
    "openai/gpt-5-nano": (
        "chat json_schema pdf_input prompt_caching reasoning streaming tools vision web_search",
        272000,
        128000,
        {"input_per_mtok": 0.05, "output_per_mtok": 0.4, "cached_input_per_mtok": 0.005},
        (),
    ),
    "openai/o3": (
        "chat json_schema pdf_input prompt_caching reasoning streaming tools vision web_search",
        200000,
        100000,
        {"input_per_mtok": 2.0, "output_per_mtok": 8.0, "cached_input_per_mtok": 0.5},
        (),
    ),
    "openai/o4-mini": (
        "chat json_schema pdf_input prompt_caching reasoning streaming tools vision web_search",
        200000,
        100000,
        {"input_per_mtok": 1.1, "output_per_mtok": 4.4, "cached_input_per_mtok": 0.275},
        (),
    ),
    "openai/gpt-4o": (
        "chat json_schema pdf_input prompt_caching streaming tools vision",
        128000,
        16384,
        {"input_per_mtok": 2.5, "output_per_mtok": 10.0, "cached_input_per_mtok": 1.25},
        (),
    ),
    "azure/gpt-4o": (
        "chat json_schema prompt_caching streaming tools vision",
        128000,
        16384,
        {"input_per_mtok": 2.5, "output_per_mtok": 10.0, "cached_input_per_mtok": 1.25},
        (),
    ),
    "anthropic/claude-opus-4-5": (
        "chat json_schema pdf_input prompt_caching reasoning streaming tools vision",
        200000,
        64000,
        {
            "input_per_mtok": 5.0,
            "output_per_mtok": 25.0,
            "cached_input_per_mtok": 0.5,
            "cache_write_per_mtok": 6.25,
        },
        (),
    ),
    "anthropic/claude-sonnet-4-5": (
        "chat json_schema pdf_input prompt_caching reasoning streaming tools vision",
        200000,
        64000,
        {
            "input_per_mtok": 3.0,
            "output_per_mtok": 15.0,
            "cached_input_per_mtok": 0.3,
            "cache_write_per_mtok": 3.75,
        },
        (),
    ),
    "bedrock/claude-sonnet-4-5": (
        "chat json_schema pdf_input prompt_caching reasoning streaming tools vision",
        200000,
        64000,
        {
            "input_per_mtok": 3.0,
            "output_per_mtok": 15.0,
            "cached_input_per_mtok": 0.3,
            "cache_write_per_mtok": 3.75,
        },
        ((200000, 6.0, 22.5, 0.6, 7.5),),
    ),
    "vertex_ai/claude-sonnet-4-5": (
        "chat json_schema pdf_input prompt_caching reasoning streaming tools vision",
        200000,
        64000,
        {
            "input_per_mtok": 3.0,
            "output_per_mtok": 15.0,
            "cached_input_per_mtok": 0.3,
            "cache_write_per_mtok": 3.75,
        },
        ((200000, 6.0, 22.5, 0.6, 7.5),),
    ),
    "anthropic/claude-haiku-4-5": (
        "chat json_schema pdf_input prompt_caching reasoning streaming tools vision",
        200000,
        64000,
        {
            "input_per_mtok": 1.0,
            "output_per_mtok": 5.0,
            "cached_input_per_mtok": 0.1,
            "cache_write_per_mtok": 1.25,
        },
        (),
    ),
    "gemini/gemini-2.5-pro": (
        "audio_input chat json_schema pdf_input prompt_caching reasoning streaming tools vision web_search",
        1048576,
        65536,
        {"input_per_mtok": 1.25, "output_per_mtok": 10.0, "cached_input_per_mtok": 0.125},
        ((200000, 2.5, 15.0, 0.25, None),),
    ),
    "vertex_ai/gemini-2.5-pro": (
        "audio_input chat json_schema pdf_input prompt_caching reasoning streaming tools vision web_search",
        1048576,
        65535,
        {"input_per_mtok": 1.25, "output_per_mtok": 10.0, "cached_input_per_mtok": 0.125},
        ((200000, 2.5, 15.0, 0.25, 0.25),),
    ),
    "gemini/gemini-2.5-flash": (
        "audio_input chat json_schema pdf_input prompt_caching reasoning streaming tools vision web_search",
        1048576,
        65536,
        {
            "input_per_mtok": 0.3,
            "output_per_mtok": 2.5,
            "cached_input_per_mtok": 0.03,
            "reasoning_per_mtok": 2.5,
        },
        (),
    ),
    "gemini/gemini-2.5-flash-lite": (
        "audio_input chat json_schema pdf_input prompt_caching reasoning streaming tools vision web_search",
        1048576,
        65536,
        {
            "input_per_mtok": 0.1,
            "output_per_mtok": 0.4,
            "cached_input_per_mtok": 0.01,
            "reasoning_per_mtok": 0.4,
        },
        (),
    ),
    "bedrock/llama-3.3-70b": (
        "chat streaming tools",
        128000,
        4096,
        {"input_per_mtok": 0.72, "output_per_mtok": 0.72},
        (),
    ),
    "vertex_ai/llama-3.3-70b": (
        "chat streaming tools",
        128000,
        8192,
        {"input_per_mtok": 0.72, "output_per_mtok": 0.72},
        (),
    ),
    "together_ai/llama-3.3-70b": (
        "chat json_schema streaming tools",
        131072,
        131072,
        {"input_per_mtok": 1.04, "output_per_mtok": 1.04},
        (),
    ),
    "azure_ai/llama-3.3-70b": (
        "chat streaming tools",
        128000,
        8192,
        {"input_per_mtok": 0.71, "output_per_mtok": 0.71},
        (),
    ),
    "mistral/mistral-large": (
        "chat json_schema streaming tools vision",
        262144,
        262144,
        {"input_per_mtok": 0.5, "output_per_mtok": 1.5, "cached_input_per_mtok": 0.05},
        (),
    ),
    "mistral/mistral-small": (
        "chat json_schema reasoning streaming tools vision",
        262144,
        262144,
        {"input_per_mtok": 0.15, "output_per_mtok": 0.6, "cached_input_per_mtok": 0.015},
        (),
    ),
    "deepseek/deepseek-chat": (
        "chat json_schema prompt_caching streaming tools",
        131072,
        8192,
        {
            "input_per_mtok": 0.28,
            "output_per_mtok": 0.42,
            "cached_input_per_mtok": 0.028,
            "cache_write_per_mtok": 0.0,
        },
        (),
    ),
    "deepseek/deepseek-reasoner": (
        "chat json_schema prompt_caching reasoning streaming",
        131072,
        65536,
        {"input_per_mtok": 0.28, "output_per_mtok": 0.42, "cached_input_per_mtok": 0.028},
        (),
    ),
    "xai/grok-4.3": (
        "chat json_schema prompt_caching reasoning streaming tools vision web_search",
        1000000,
        1000000,
        {"input_per_mtok": 1.25, "output_per_mtok": 2.5, "cached_input_per_mtok": 0.2},
        ((199999, 2.5, 5.0, 0.4, None),),
    ),
    "xai/grok-code-fast-1": (
        "chat json_schema prompt_caching reasoning streaming tools vision",
        256000,
        256000,
        {"input_per_mtok": 1.0, "output_per_mtok": 2.0, "cached_input_per_mtok": 0.2},
        ((199999, 2.0, 4.0, 0.4, None),),
    ),
    "azure_ai/phi-4": (
        "chat streaming tools",
        16384,
        16384,
        {"input_per_mtok": 0.125, "output_per_mtok": 0.5},
        (),
    ),
    "local/phi-4-mini": (
        "chat streaming tools",
        131072,
        4096,
        {"input_per_mtok": 0.075, "output_per_mtok": 0.3},
        (),
    ),
    "dashscope/qwen-max": (
        "chat reasoning streaming tools",
        30720,
        8192,
        {"input_per_mtok": 1.6, "output_per_mtok": 6.4},
        (),
    ),
    "dashscope/qwen-plus": (
        "chat reasoning streaming tools",
        129024,
        16384,
        {"input_per_mtok": 0.4, "output_per_mtok": 1.2},
        (),
    ),
    "cohere/command-a": (
        "chat streaming tools",
        256000,
        8000,
        {"input_per_mtok": 2.5, "output_per_mtok": 10.0},
        (),
    ),
    "cohere/command-r7b": (
        "chat streaming tools",
        128000,
        4096,
        {"input_per_mtok": 0.0375, "output_per_mtok": 0.15},
        (),
    ),
    "bedrock/nova-pro": (
        "chat json_schema pdf_input prompt_caching streaming tools vision",
        300000,
        10000,
        {"input_per_mtok": 0.8, "output_per_mtok": 3.2, "cached_input_per_mtok": 0.2},
        (),
    ),
    "bedrock/nova-micro": (
        "chat json_schema prompt_caching streaming tools",
        128000,
        10000,
        {"input_per_mtok": 0.035, "output_per_mtok": 0.14, "cached_input_per_mtok": 0.00875},
        (),
    ),
}


# deployment id -> its other channels at the same provider: (tier, price, tiers), from
# the same map entry's batch and flex prices (tools/make_reference_catalog.py prints them)
_CHANNELS: dict[str, tuple[tuple[Tier, dict[str, float], tuple[_Band, ...]], ...]] = {
    "openai/gpt-5": (
        (
            "batch",
            {"input_per_mtok": 0.625, "output_per_mtok": 5.0, "cached_input_per_mtok": 0.0625},
            (),
        ),
        (
            "flex",
            {"input_per_mtok": 0.625, "output_per_mtok": 5.0, "cached_input_per_mtok": 0.0625},
            (),
        ),
    ),
    "azure/gpt-5": (
        (
            "batch",
            {"input_per_mtok": 0.625, "output_per_mtok": 5.0, "cached_input_per_mtok": 0.0625},
            (),
        ),
    ),
    "openai/gpt-5-mini": (
        (
            "batch",
            {"input_per_mtok": 0.125, "output_per_mtok": 1.0, "cached_input_per_mtok": 0.0125},
            (),
        ),
        (
            "flex",
            {"input_per_mtok": 0.125, "output_per_mtok": 1.0, "cached_input_per_mtok": 0.0125},
            (),
        ),
    ),
    "openai/gpt-5-nano": (
        (
            "batch",
            {"input_per_mtok": 0.025, "output_per_mtok": 0.2, "cached_input_per_mtok": 0.0025},
            (),
        ),
        (
            "flex",
            {"input_per_mtok": 0.025, "output_per_mtok": 0.2, "cached_input_per_mtok": 0.0025},
            (),
        ),
    ),
    "openai/o3": (
        ("batch", {"input_per_mtok": 1.0, "output_per_mtok": 4.0}, ()),
        (
            "flex",
            {"input_per_mtok": 1.0, "output_per_mtok": 4.0, "cached_input_per_mtok": 0.25},
            (),
        ),
    ),
    "openai/o4-mini": (
        ("batch", {"input_per_mtok": 0.55, "output_per_mtok": 2.2}, ()),
        (
            "flex",
            {"input_per_mtok": 0.55, "output_per_mtok": 2.2, "cached_input_per_mtok": 0.138},
            (),
        ),
    ),
    "openai/gpt-4o": (("batch", {"input_per_mtok": 1.25, "output_per_mtok": 5.0}, ()),),
    "azure/gpt-4o": (("batch", {"input_per_mtok": 1.25, "output_per_mtok": 5.0}, ()),),
    "anthropic/claude-opus-4-5": (
        (
            "batch",
            {
                "input_per_mtok": 2.5,
                "output_per_mtok": 12.5,
                "cached_input_per_mtok": 0.25,
                "cache_write_per_mtok": 3.125,
            },
            (),
        ),
    ),
    "anthropic/claude-sonnet-4-5": (
        (
            "batch",
            {
                "input_per_mtok": 1.5,
                "output_per_mtok": 7.5,
                "cached_input_per_mtok": 0.15,
                "cache_write_per_mtok": 1.875,
            },
            (),
        ),
    ),
    "bedrock/claude-sonnet-4-5": (("batch", {"input_per_mtok": 1.5, "output_per_mtok": 7.5}, ()),),
    "vertex_ai/claude-sonnet-4-5": (
        (
            "batch",
            {
                "input_per_mtok": 1.5,
                "output_per_mtok": 7.5,
                "cached_input_per_mtok": 0.15,
                "cache_write_per_mtok": 1.88,
            },
            (),
        ),
    ),
    "anthropic/claude-haiku-4-5": (
        (
            "batch",
            {
                "input_per_mtok": 0.5,
                "output_per_mtok": 2.5,
                "cached_input_per_mtok": 0.05,
                "cache_write_per_mtok": 0.625,
            },
            (),
        ),
    ),
    "gemini/gemini-2.5-pro": (
        (
            "batch",
            {"input_per_mtok": 0.625, "output_per_mtok": 5.0, "cached_input_per_mtok": 0.125},
            ((200000, 1.25, 7.5, 0.25, None),),
        ),
        (
            "flex",
            {"input_per_mtok": 0.625, "output_per_mtok": 5.0, "cached_input_per_mtok": 0.125},
            ((200000, 2.5, 15.0, 0.25, None),),
        ),
    ),
    "vertex_ai/gemini-2.5-pro": (
        (
            "batch",
            {"input_per_mtok": 0.625, "output_per_mtok": 5.0},
            ((200000, 1.25, 7.5, None, None),),
        ),
        (
            "flex",
            {"input_per_mtok": 0.625, "output_per_mtok": 5.0, "cached_input_per_mtok": 0.125},
            ((200000, 2.5, 15.0, 0.25, 0.25),),
        ),
    ),
    "gemini/gemini-2.5-flash": (
        (
            "batch",
            {"input_per_mtok": 0.15, "output_per_mtok": 1.25, "cached_input_per_mtok": 0.03},
            (),
        ),
        (
            "flex",
            {
                "input_per_mtok": 0.15,
                "output_per_mtok": 1.25,
                "cached_input_per_mtok": 0.03,
                "reasoning_per_mtok": 2.5,
            },
            (),
        ),
    ),
    "gemini/gemini-2.5-flash-lite": (
        (
            "batch",
            {"input_per_mtok": 0.05, "output_per_mtok": 0.2, "cached_input_per_mtok": 0.01},
            (),
        ),
        (
            "flex",
            {
                "input_per_mtok": 0.05,
                "output_per_mtok": 0.2,
                "cached_input_per_mtok": 0.01,
                "reasoning_per_mtok": 0.4,
            },
            (),
        ),
    ),
    "bedrock/llama-3.3-70b": (("batch", {"input_per_mtok": 0.36, "output_per_mtok": 0.36}, ()),),
    "vertex_ai/llama-3.3-70b": (("batch", {"input_per_mtok": 0.36, "output_per_mtok": 0.36}, ()),),
    "xai/grok-4.3": (
        (
            "batch",
            {"input_per_mtok": 1.0, "output_per_mtok": 2.0, "cached_input_per_mtok": 0.16},
            ((199999, 2.0, 4.0, 0.32, None),),
        ),
    ),
    "bedrock/nova-pro": (
        ("batch", {"input_per_mtok": 0.4, "output_per_mtok": 1.6}, ()),
        ("flex", {"input_per_mtok": 0.4, "output_per_mtok": 1.6, "cached_input_per_mtok": 0.1}, ()),
    ),
    "bedrock/nova-micro": (("batch", {"input_per_mtok": 0.0175, "output_per_mtok": 0.07}, ()),),
}


def _price(price: dict[str, float], bands: tuple[_Band, ...]) -> Price:
    return Price(
        input_per_mtok=price["input_per_mtok"],
        output_per_mtok=price["output_per_mtok"],
        cached_input_per_mtok=price.get("cached_input_per_mtok"),
        cache_write_per_mtok=price.get("cache_write_per_mtok"),
        reasoning_per_mtok=price.get("reasoning_per_mtok"),
        tiers=[
            PriceTier(
                above_input_tokens=above,
                input_per_mtok=plain,
                output_per_mtok=out,
                cached_input_per_mtok=cached,
                cache_write_per_mtok=write,
            )
            for above, plain, out, cached, write in bands
        ],
    )


@lru_cache(maxsize=1)
def reference_catalog() -> Catalog:
    """The embedded reference catalog (see :data:`AS_OF` for its date).

    Examples:
        >>> catalog = reference_catalog()
        >>> catalog.as_of.isoformat(), len(catalog) >= 30, len(catalog.vendors) >= 8
        ('2026-11-22', True, True)
        >>> sorted(d.provider for d in catalog.serving("llama-3.3-70b-instruct") if d.tier == "standard")
        ['azure_ai', 'bedrock', 'together_ai', 'vertex_ai']
        >>> [d.id for d in catalog.serving("gpt-5-mini")]
        ['openai/gpt-5-mini', 'openai/gpt-5-mini@batch', 'openai/gpt-5-mini@flex']
        >>> catalog.deployment("local/phi-4-mini").price.input_per_mtok
        0.0
    """
    deployments = []
    for deployment_id, (
        model_id,
        vendor,
        open_weights,
        provider,
        location,
        regions,
        compliance,
    ) in _CHOICES.items():
        capabilities, window, max_output, price, tiers = _FIGURES[deployment_id]
        if location == Location.ON_DEVICE:
            price = {"input_per_mtok": 0.0, "output_per_mtok": 0.0}
            tiers = ()
        model = Model(
            id=model_id,
            vendor=vendor,
            capabilities=capabilities.split(),
            context_window=window,
            max_output_tokens=max_output,
            open_weights=open_weights,
        )
        channels: tuple[tuple[Tier, dict[str, float], tuple[_Band, ...]], ...] = (
            ("standard", price, tiers),
            *_CHANNELS.get(deployment_id, ()),
        )
        for tier, tier_price, bands in channels:
            deployments.append(
                Deployment(
                    id=deployment_id if tier == "standard" else f"{deployment_id}@{tier}",
                    model=model,
                    provider=provider,
                    price=_price(tier_price, bands),
                    regions=regions,
                    compliance=compliance,
                    location=location,
                    credential=None
                    if location == Location.ON_DEVICE
                    else f"{provider.upper()}_API_KEY",
                    tier=tier,
                    api_model=_api_model(deployment_id, provider),
                )
            )
    return Catalog(deployments=deployments, as_of=AS_OF)


# Channels whose API wants another id than the map entry's: Bedrock serves these models
# on demand only through a cross-region inference profile, Vertex names Claude by version.
_API_MODELS: dict[str, str] = {
    "bedrock/claude-sonnet-4-5": "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
    "bedrock/llama-3.3-70b": "us.meta.llama3-3-70b-instruct-v1:0",
    "vertex_ai/claude-sonnet-4-5": "claude-sonnet-4-5@20250929",
}


def _api_model(deployment_id: str, provider: str) -> str:
    """The id the channel's API wants: the LiteLLM map key without its provider prefix
    (the map's keys are the ids LiteLLM sends; a local model keeps its own name), unless
    the channel is known to want another."""
    if deployment_id in _API_MODELS:
        return _API_MODELS[deployment_id]
    segments = SOURCES[deployment_id].split("/")
    if provider == "local":
        return segments[-1].lower()
    if len(segments) > 1 and segments[0] in (provider, "vertex_ai", "azure_ai", "gemini"):
        segments = segments[1:]
    return "/".join(segments)
