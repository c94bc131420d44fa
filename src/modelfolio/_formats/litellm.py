"""Import LiteLLM's price and context-window map into a :class:`Catalog`.

The map is keyed by LiteLLM's model id (``azure/gpt-4o``, ``bedrock/us-east-1/
anthropic.claude-...``) and prices in US dollars *per token*. This importer takes the
already-parsed mapping (reading the JSON file is :mod:`modelfolio.io`'s job), keeps
the chat entries that carry token prices, and separates the two parties LiteLLM keeps
in one string: the **vendor** who made the model and the **provider** who serves it.

The provider comes from the entry's ``litellm_provider`` (``vertex_ai-*`` families
fold into ``vertex_ai``, ``bedrock_converse`` into ``bedrock``). The vendor comes from
the model name, through :data:`VENDOR_RULES`: an ordered table of regular expressions,
first match wins, tried on the name without its provider prefix and then on the
provider itself (so ``mistral/...`` is Mistral's even when the name is not telling).
Pass your own rules ahead of ours to extend or override them::

    from_litellm(mapping, vendor_rules=(VendorRule(r"^acme-", "acme"), *VENDOR_RULES))

A name that no rule matches gets the vendor ``"unknown"``.

**Service tiers.** An entry that also prices ``priority``, ``flex`` or batch calls
(``input_cost_per_token_priority``, ``..._flex``, ``..._batches``, with their
long-context companions such as ``input_cost_per_token_above_272k_tokens_priority``)
becomes one deployment per tier: the plain key for the standard tier and
``f"{key}@{tier}"`` for the others, each with its own :class:`Price`. As in LiteLLM, a
priority or flex rate the entry does not give falls back to the standard rate; a batch
input or output rate it does not give is half the standard one.

**Off-peak prices.** An ``off_peak_pricing`` block (UTC hour ranges, optionally per
weekday, and the rates that replace the standard ones) becomes the price's
:class:`OffPeak`; it applies to the standard, priority and flex channels.

An entry without a context window is imported with ``context_window=None`` (unknown).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from attrs import evolve, field, frozen

from modelfolio._catalog.catalog import Capability, Catalog, Deployment, Limits, Model, Tier
from modelfolio._catalog.prices import OffPeak, OffPeakWindow, Price, PriceTier
from modelfolio._common.errors import CatalogError, ModelfolioError
from modelfolio._common.validate import slug, text

__all__ = ["VENDOR_RULES", "PriceMapImport", "VendorRule", "from_litellm"]


@frozen(kw_only=True)
class VendorRule:
    """Attribute models whose name matches ``pattern`` to ``vendor``.

    ``pattern`` is a regular expression searched, case-insensitively, in the model
    name without its provider prefix.

    Examples:
        >>> VendorRule(pattern=r"claude", vendor="anthropic").matches("bedrock/anthropic.claude-v2")
        True
    """

    pattern: str
    """A regular expression, searched case-insensitively."""
    vendor: str
    """The vendor slug given to matching models."""
    open_weights: bool = False
    """Whether the matching models' weights are published."""
    _compiled: re.Pattern[str] = field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.pattern, str) or not self.pattern:
            raise CatalogError(
                f"pattern must be a non-empty regular expression, got {self.pattern!r}"
            )
        slug(self.vendor, "vendor", CatalogError)
        if not isinstance(self.open_weights, bool):
            raise CatalogError(f"open_weights must be True or False, got {self.open_weights!r}")
        try:
            compiled = re.compile(self.pattern, re.IGNORECASE)
        except re.error as error:
            raise CatalogError(
                f"pattern must be a regular expression, got {self.pattern!r}: {error}"
            ) from None
        object.__setattr__(self, "_compiled", compiled)

    def matches(self, name: str) -> bool:
        """Whether this rule applies to the model ``name``."""
        return self._compiled.search(name) is not None


def _rule(pattern: str, vendor: str, open_weights: bool = False) -> VendorRule:
    return VendorRule(pattern=pattern, vendor=vendor, open_weights=open_weights)


# Order matters: specific families before the broad words they contain
# (gpt-oss before gpt, DeepSeek's Llama distills before llama, qwen API tiers
# before open qwen, ...). The boundary class keeps short names like "o3" whole.
_B = r"(?:^|[/._:@-])"
_E = r"(?:$|[/._:@-])"
VENDOR_RULES: tuple[VendorRule, ...] = (
    _rule(r"gpt-oss", "openai", open_weights=True),
    _rule(r"deepseek", "deepseek", open_weights=True),
    _rule(r"claude|anthropic", "anthropic"),
    _rule(rf"{_B}(gpt|chatgpt|o1|o3|o4|davinci|babbage|codex|openai|ft:gpt)", "openai"),
    _rule(r"gemma", "google", open_weights=True),
    _rule(
        rf"gemini|learnlm|{_B}(palm|palm2|chat-bison|text-bison|codechat-bison|google){_E}",
        "google",
    ),
    _rule(r"grok|" + rf"{_B}xai{_E}", "xai"),
    _rule(r"wizardlm", "microsoft", open_weights=True),
    _rule(rf"{_B}phi-?\d", "microsoft", open_weights=True),
    _rule(rf"{_B}mai-|microsoft", "microsoft"),
    _rule(r"llama|meta-llama|" + rf"{_B}meta{_E}", "meta", open_weights=True),
    _rule(
        r"mixtral|mistral-7b|open-mistral|open-mixtral|mistral-nemo|devstral|pixtral-12b",
        "mistral",
        open_weights=True,
    ),
    _rule(r"mistral|codestral|ministral|pixtral|magistral|voxtral", "mistral"),
    _rule(
        r"qwen\d*(\.\d+)?-(max|plus|turbo|flash)|qwen-(long|vl-max|vl-plus)|qwen\d*(\.\d+)?-coder-(plus|flash)",
        "alibaba",
    ),
    _rule(r"qwen|qwq", "alibaba", open_weights=True),
    _rule(r"command|cohere|" + rf"{_B}aya", "cohere"),
    _rule(rf"{_B}(nova|titan|amazon){_E}|amazon", "amazon"),
    _rule(rf"jamba|{_B}j2-|ai21", "ai21"),
    _rule(r"nemotron|nvidia", "nvidia", open_weights=True),
    _rule(r"kimi|moonshot", "moonshot", open_weights=True),
    _rule(rf"{_B}(chat)?glm|{_B}zai{_E}|zai-org|thudm|bigmodel", "zhipu", open_weights=True),
    _rule(r"minimax", "minimax"),
    _rule(r"sonar|pplx|perplexity", "perplexity"),
    _rule(r"doubao|seed-", "bytedance"),
    _rule(r"granite", "ibm", open_weights=True),
    _rule(r"dbrx", "databricks", open_weights=True),
    _rule(r"mimo", "xiaomi"),
    _rule(r"mercury|inception", "inception"),
    _rule(r"ernie", "baidu"),
    _rule(r"arctic", "snowflake", open_weights=True),
    _rule(rf"{_B}yi-", "01-ai", open_weights=True),
    _rule(r"reka", "reka"),
    _rule(rf"{_B}solar", "upstage"),
    _rule(r"palmyra", "writer"),
    _rule(r"gigachat", "sber"),
    _rule(rf"hunyuan|{_B}hy\d", "tencent"),
    _rule(rf"{_B}muse-", "meta"),
    _rule(rf"{_B}step-\d|stepfun", "stepfun"),
    _rule(r"hermes|nousresearch", "nousresearch", open_weights=True),
    _rule(r"starcoder", "bigcode", open_weights=True),
    _rule(r"zephyr", "huggingface", open_weights=True),
    _rule(r"inkling|thinkingmachines", "thinkingmachines"),
    _rule(r"longcat", "meituan", open_weights=True),
    _rule(r"baichuan", "baichuan", open_weights=True),
    _rule(r"minicpm|openbmb", "openbmb", open_weights=True),
    _rule(rf"{_B}lfm-", "liquid"),
    _rule(r"sarvam", "sarvam"),
)

_PROVIDER_FAMILIES = {"bedrock_converse": "bedrock", "bedrock_mantle": "bedrock"}
# Path segments that say where or how a call is served, not what model it is.
_SERVING_SEGMENT = re.compile(
    r"^(\*|[a-z]{2}(-gov)?-[a-z]+-\d|\d+-month-commitment|invoke|converse|claude_platform)$"
)
_CROSS_REGION = re.compile(r"^(us|eu|apac|jp|au|ca|global|us-gov)\.")
_FIREWORKS_CACHED_SHARE = 0.5
_INCLUSIVE_THRESHOLD_PROVIDERS = frozenset({"xai"})
_TIER_FIELD = re.compile(r"^input_cost_per_token_above_(\d+)(k?)_tokens$")
_BATCH_TIER_FIELD = re.compile(r"^input_cost_per_token_above_(\d+)(k?)_tokens_batches$")

_CAPABILITY_FLAGS = {
    "supports_function_calling": Capability.TOOLS,
    "supports_vision": Capability.VISION,
    "supports_response_schema": Capability.JSON_SCHEMA,
    "supports_reasoning": Capability.REASONING,
    "supports_audio_input": Capability.AUDIO_INPUT,
    "supports_audio_output": Capability.AUDIO_OUTPUT,
    "supports_pdf_input": Capability.PDF_INPUT,
    "supports_prompt_caching": Capability.PROMPT_CACHING,
    "supports_web_search": Capability.WEB_SEARCH,
}


def _read_only(value: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(value))


@frozen(kw_only=True)
class PriceMapImport:
    """What :func:`from_litellm` made of a price map."""

    catalog: Catalog
    """The deployments that could be imported."""
    skipped: Mapping[str, str] = field(converter=_read_only)
    """Every entry left out, by its key, with the reason."""

    def __repr__(self) -> str:
        return f"PriceMapImport({self.catalog!r}, skipped={len(self.skipped)})"

    def to_rows(self) -> list[dict[str, object]]:
        """The skipped entries as plain dicts (``id``, ``reason``)."""
        return [{"id": key, "reason": reason} for key, reason in sorted(self.skipped.items())]

    def _repr_html_(self) -> str:
        return self.catalog._repr_html_()


class _Skip(ModelfolioError):
    """Internal: this entry is left out, for the reason given."""


def per_mtok(value: object, name: str) -> float:
    """Convert a per-token price to per-million, exactly as its decimal text reads.

    ``2.5e-06`` becomes ``2.5``, not ``2.4999999999999996``: the shift by six decimal
    places is done on the number's shortest decimal form.

    Examples:
        >>> per_mtok(2.5e-06, "input_cost_per_token"), per_mtok(3e-07, "x")
        (2.5, 0.3)
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Skip(f"{name} is {value!r}, not a number")
    if not math.isfinite(value) or value < 0:
        raise _Skip(f"{name} is {value!r}, not a finite price >= 0")
    return float(Decimal(repr(float(value))).scaleb(6))


def _optional_rate(entry: Mapping[str, Any], name: str) -> float | None:
    value = entry.get(name)
    return None if value is None else per_mtok(value, name)


def _tokens(entry: Mapping[str, Any], name: str, *, zero: bool = False) -> int | None:
    value = entry.get(name)
    if value is None or (zero and value == 0 and not isinstance(value, bool)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise _Skip(f"{name} is {value!r}, not a positive whole number of tokens")
    return value


def _threshold_tiers(
    entry: Mapping[str, Any], default_output: float, end: str = ""
) -> list[PriceTier]:
    """Tiers from ``input_cost_per_token_above_<N>[k]_tokens<end>`` fields and companions."""
    pattern = _BATCH_TIER_FIELD if end else _TIER_FIELD
    tiers = []
    for name in entry:
        match = pattern.match(name)
        if not match:
            continue
        suffix = f"above_{match.group(1)}{match.group(2)}_tokens{end}"
        threshold = int(match.group(1)) * (1000 if match.group(2) else 1)
        output = _optional_rate(entry, f"output_cost_per_token_{suffix}")
        tiers.append(
            PriceTier(
                above_input_tokens=threshold,
                input_per_mtok=per_mtok(entry[name], name),
                output_per_mtok=default_output if output is None else output,
                cached_input_per_mtok=_optional_rate(
                    entry, f"cache_read_input_token_cost_{suffix}"
                ),
                cache_write_per_mtok=_optional_rate(
                    entry, f"cache_creation_input_token_cost_{suffix}"
                ),
            )
        )
    return tiers


def _ranged_price(entry: Mapping[str, Any]) -> Price:
    """A price from the ``tiered_pricing`` list form: ranges ``(start, end]`` of input."""
    bands = entry["tiered_pricing"]
    if not isinstance(bands, list) or not bands:
        raise _Skip(f"tiered_pricing is {bands!r}, not a list of ranges")
    starts = []
    for band in bands:
        span = band.get("range") if isinstance(band, Mapping) else None
        start = span[0] if isinstance(span, (list, tuple)) and span else None
        if (
            isinstance(start, bool)
            or not isinstance(start, (int, float))
            or not math.isfinite(start)
            or start < 0
            or "input_cost_per_token" not in band
        ):
            raise _Skip(f"tiered_pricing band {band!r} has no range start or input price")
        starts.append((start, band))
    rates = []
    for start, band in sorted(starts, key=lambda pair: pair[0]):
        plain = per_mtok(band["input_cost_per_token"], "input_cost_per_token")
        output = band.get("output_cost_per_token", entry.get("output_cost_per_token", 0.0))
        cached = band.get("cache_read_input_token_cost")
        write = band.get("cache_creation_input_token_cost")
        # LiteLLM bills a band's missing cache rates at that band's input rate.
        rates.append(
            (
                int(start),
                plain,
                per_mtok(output, "output_cost_per_token"),
                plain if cached is None else per_mtok(cached, "cache_read_input_token_cost"),
                plain if write is None else per_mtok(write, "cache_creation_input_token_cost"),
            )
        )
    if rates[0][0] != 0:
        raise _Skip(f"tiered_pricing starts at {rates[0][0]} input tokens, not 0")
    _, base_in, base_out, base_cached, base_write = rates[0]
    return Price(
        input_per_mtok=base_in,
        output_per_mtok=base_out,
        cached_input_per_mtok=base_cached,
        cache_write_per_mtok=base_write,
        tiers=[
            PriceTier(
                above_input_tokens=start,
                input_per_mtok=plain,
                output_per_mtok=out,
                cached_input_per_mtok=cached,
                cache_write_per_mtok=write,
            )
            for start, plain, out, cached, write in rates[1:]
        ],
    )


def _price(entry: Mapping[str, Any], provider: str) -> Price:
    # A ranged table, when present, decides every rate (as LiteLLM applies it).
    if entry.get("tiered_pricing"):
        return _ranged_price(entry)
    if "input_cost_per_token" not in entry or "output_cost_per_token" not in entry:
        raise _Skip("no per-token input and output prices")
    plain = per_mtok(entry["input_cost_per_token"], "input_cost_per_token")
    cached = _optional_rate(entry, "cache_read_input_token_cost")
    if cached is None and provider == "fireworks_ai":
        # Fireworks bills cached input at half the input rate unless it says otherwise.
        cached = plain * _FIREWORKS_CACHED_SHARE
    tiers = _threshold_tiers(
        entry, per_mtok(entry["output_cost_per_token"], "output_cost_per_token")
    )
    if provider in _INCLUSIVE_THRESHOLD_PROVIDERS:
        # xAI bills the higher tier from the threshold itself (>=), which for whole
        # token counts is "more than threshold - 1".
        tiers = [evolve(tier, above_input_tokens=tier.above_input_tokens - 1) for tier in tiers]
    return Price(
        input_per_mtok=plain,
        output_per_mtok=per_mtok(entry["output_cost_per_token"], "output_cost_per_token"),
        cached_input_per_mtok=cached,
        cache_write_per_mtok=_optional_rate(entry, "cache_creation_input_token_cost"),
        reasoning_per_mtok=_optional_rate(entry, "output_cost_per_reasoning_token"),
        tiers=tiers,
    )


_SERVICE_SUFFIX: Mapping[Tier, str] = MappingProxyType({"priority": "_priority", "flex": "_flex"})
_BATCH = "_batches"
_RATE_PREFIXES = (
    "input_cost_per_token",
    "output_cost_per_token",
    "cache_read_input_token_cost",
    "cache_creation_input_token_cost",
)


def _sells(entry: Mapping[str, Any], suffix: str) -> bool:
    return any(entry.get(f"{prefix}{suffix}") is not None for prefix in _RATE_PREFIXES[:2])


def _service_view(entry: Mapping[str, Any], suffix: str) -> dict[str, Any]:
    """The entry as the service tier sees it: each rate its tier's own, else the standard."""
    view = {k: v for k, v in entry.items() if not k.endswith(("_priority", "_flex", _BATCH))}
    view.update(
        {k[: -len(suffix)]: v for k, v in entry.items() if k.endswith(suffix) and v is not None}
    )
    return view


def _half(entry: Mapping[str, Any], name: str) -> float | None:
    rate = _optional_rate(entry, name)
    return None if rate is None else rate / 2


def _batch_price(entry: Mapping[str, Any], provider: str) -> Price:
    """The batch channel's price, as LiteLLM's ``batch_cost_calculator`` bills it.

    With a batch input rate, cached and written input without a batch rate of their own
    are billed as plain batch input; without one, input is half the standard rate (and
    cached input half the standard cached rate). A missing batch output rate is half the
    standard one. Reasoning is billed as output. Long-context batch rates
    (``..._above_200k_tokens_batches``) become tiers.
    """
    batch_input = _optional_rate(entry, f"input_cost_per_token{_BATCH}")
    output = _optional_rate(entry, f"output_cost_per_token{_BATCH}")
    if output is None:
        output = _half(entry, "output_cost_per_token")
    if output is None:
        raise _Skip("batch prices without an output rate")
    if batch_input is None:
        plain = _half(entry, "input_cost_per_token")
        if plain is None:
            raise _Skip("batch prices without an input rate")
        cached = _half(entry, "cache_read_input_token_cost")
        write = _half(entry, "cache_creation_input_token_cost")
        return Price(
            input_per_mtok=plain,
            output_per_mtok=output,
            cached_input_per_mtok=0.0 if cached is None else cached,
            cache_write_per_mtok=plain if write is None else write,
        )
    tiers = _threshold_tiers(entry, output, _BATCH)
    if provider in _INCLUSIVE_THRESHOLD_PROVIDERS:
        tiers = [evolve(tier, above_input_tokens=tier.above_input_tokens - 1) for tier in tiers]
    return Price(
        input_per_mtok=batch_input,
        output_per_mtok=output,
        cached_input_per_mtok=_optional_rate(entry, f"cache_read_input_token_cost{_BATCH}"),
        cache_write_per_mtok=_optional_rate(entry, f"cache_creation_input_token_cost{_BATCH}"),
        tiers=tiers,
    )


# Zones without daylight saving, by their fixed UTC offset in minutes: the core reads no
# time-zone database, so only these can name the calendar of an off-peak block's weekdays.
_FIXED_ZONES: Mapping[str, int] = MappingProxyType(
    {
        "UTC": 0,
        "Etc/UTC": 0,
        "GMT": 0,
        "Asia/Shanghai": 480,
        "Asia/Hong_Kong": 480,
        "Asia/Singapore": 480,
        "Asia/Taipei": 480,
        "Asia/Tokyo": 540,
        "Asia/Seoul": 540,
        "Asia/Kolkata": 330,
    }
)


def _off_peak_block(entry: Mapping[str, Any]) -> OffPeak | None:
    """The entry's ``off_peak_pricing`` block as an :class:`OffPeak`, or ``None``."""
    block = entry.get("off_peak_pricing")
    if block is None:
        return None
    where = "off_peak_pricing"
    if not isinstance(block, Mapping):
        raise _Skip(f"{where} is {block!r}, not a mapping")
    zone = block.get("weekday_timezone")
    offset = 0
    if zone is not None:
        if not isinstance(zone, str) or zone.strip() not in _FIXED_ZONES:
            raise _Skip(
                f"{where}.weekday_timezone is {zone!r}; known zones: {', '.join(_FIXED_ZONES)}"
            )
        offset = _FIXED_ZONES[zone.strip()]
    windows = []
    try:
        if block.get("hours_utc") is not None:
            where = "off_peak_pricing.hours_utc"
            windows.append(OffPeakWindow(hours_utc=block["hours_utc"]))
        rules = block.get("windows", [])
        if isinstance(rules, (str, bytes, Mapping)) or not isinstance(rules, list):
            raise _Skip(f"off_peak_pricing.windows is {rules!r}, not a list")
        for k, rule in enumerate(rules):
            where = f"off_peak_pricing.windows[{k}]"
            if not isinstance(rule, Mapping):
                raise _Skip(f"{where} is {rule!r}, not a mapping")
            days = rule.get("weekdays")
            windows.append(
                OffPeakWindow(hours_utc=rule.get("hours_utc"))
                if days is None
                else OffPeakWindow(hours_utc=rule.get("hours_utc"), weekdays=days)
            )
        where = "off_peak_pricing"
        return OffPeak(
            windows=windows,
            input_per_mtok=_optional_rate(block, "input_cost_per_token"),
            output_per_mtok=_optional_rate(block, "output_cost_per_token"),
            cached_input_per_mtok=_optional_rate(block, "cache_read_input_token_cost"),
            cache_write_per_mtok=_optional_rate(block, "cache_creation_input_token_cost"),
            reasoning_per_mtok=_optional_rate(block, "output_cost_per_reasoning_token"),
            weekday_offset_minutes=offset,
        )
    except CatalogError as error:
        raise _Skip(f"{where}: {error}") from None


def provider_of(entry: Mapping[str, Any]) -> str:
    """The provider slug of a map entry: LiteLLM's provider, with families folded.

    Examples:
        >>> provider_of({"litellm_provider": "vertex_ai-anthropic_models"})
        'vertex_ai'
    """
    raw = entry.get("litellm_provider")
    if not isinstance(raw, str) or not raw:
        raise _Skip(f"litellm_provider is {raw!r}, not a provider name")
    if raw.startswith("vertex_ai"):
        return "vertex_ai"
    return _PROVIDER_FAMILIES.get(raw, raw.lower())


def api_model_of(key: str, provider: str) -> str:
    """The id a channel's API wants, from a map key: provider, region and plan segments
    removed, a Bedrock cross-region profile (``us.``) kept.

    Examples:
        >>> api_model_of("bedrock/us-east-1/us.anthropic.claude-3-5-haiku-20241022-v1:0", "bedrock")
        'us.anthropic.claude-3-5-haiku-20241022-v1:0'
        >>> api_model_of("together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo", "together_ai")
        'meta-llama/Llama-3.3-70B-Instruct-Turbo'
    """
    segments = key.split("/")
    if len(segments) > 1 and (segments[0] == provider or segments[0].startswith(provider)):
        segments = segments[1:]
    while len(segments) > 1 and _SERVING_SEGMENT.match(segments[0]):
        segments = segments[1:]
    return "/".join(segments)


def model_name(key: str, provider: str) -> str:
    """The model's own name inside a map key: provider, region and plan segments removed.

    Examples:
        >>> model_name("bedrock/us-east-1/us.anthropic.claude-3-5-haiku-20241022-v1:0", "bedrock")
        'anthropic.claude-3-5-haiku-20241022-v1:0'
        >>> model_name("azure/gpt-4o", "azure")
        'gpt-4o'
    """
    name = api_model_of(key, provider)
    if provider == "bedrock":
        name = _CROSS_REGION.sub("", name)
    return name


def infer_vendor(
    name: str, provider: str, rules: Iterable[VendorRule] = VENDOR_RULES
) -> VendorRule | None:
    """The first rule that matches ``name``, else the first that matches ``provider``.

    Examples:
        >>> infer_vendor("llama3-70b-8192", "groq").vendor
        'meta'
        >>> infer_vendor("some-house-model", "mistral").vendor
        'mistral'
        >>> infer_vendor("some-house-model", "groq") is None
        True
    """
    materialised = tuple(rules)
    for subject in (name, provider):
        for rule in materialised:
            if rule.matches(subject):
                return rule
    return None


def _capabilities(entry: Mapping[str, Any]) -> set[Capability]:
    capabilities = {Capability.CHAT}
    capabilities.update(
        capability for flag, capability in _CAPABILITY_FLAGS.items() if entry.get(flag) is True
    )
    # Chat APIs stream unless the map says a model cannot.
    if entry.get("supports_native_streaming") is not False:
        capabilities.add(Capability.STREAMING)
    return capabilities


def _deployments(
    key: str,
    entry: Mapping[str, Any],
    model_id: str,
    rule: VendorRule | None,
) -> list[Deployment]:
    """The entry's standard deployment, and one per other tier it prices."""
    provider = provider_of(entry)
    # A window of 0 in the map means "not given", as a missing one does: unknown.
    window = _tokens(entry, "max_input_tokens", zero=True) or _tokens(
        entry, "max_tokens", zero=True
    )
    max_output = (
        _tokens(entry, "max_output_tokens", zero=True)
        or _tokens(entry, "max_tokens", zero=True)
        or window
    )
    regions = entry.get("supported_regions") or ()
    if isinstance(regions, str):
        regions = (regions,)
    if not isinstance(regions, (list, tuple)) or not all(
        isinstance(region, str) and region.strip() for region in regions
    ):
        raise _Skip(f"supported_regions is {regions!r}, not a list of regions")
    off_peak = _off_peak_block(entry)
    try:
        model = Model(
            id=model_id,
            vendor="unknown" if rule is None else rule.vendor,
            capabilities=_capabilities(entry),
            context_window=window,
            max_output_tokens=max_output,
            open_weights=False if rule is None else rule.open_weights,
        )
        prices: list[tuple[Tier, Price]] = []
        try:
            standard = _price(entry, provider)
        except _Skip as reason:
            # An entry that prices only another tier (a priority-only listing) keeps it.
            if not any(_sells(entry, s) for s in (*_SERVICE_SUFFIX.values(), _BATCH)):
                raise
            del reason
        else:
            prices.append(
                ("standard", standard if off_peak is None else evolve(standard, off_peak=off_peak))
            )
        for tier, suffix in _SERVICE_SUFFIX.items():
            if _sells(entry, suffix):
                price = _price(_service_view(entry, suffix), provider)
                prices.append(
                    (tier, price if off_peak is None else evolve(price, off_peak=off_peak))
                )
        if _sells(entry, _BATCH):
            prices.append(("batch", _batch_price(entry, provider)))
        kept_regions = [region for region in regions if region != "global"]
        limits = Limits(rpm=_tokens(entry, "rpm"), tpm=_tokens(entry, "tpm"))
        return [
            Deployment(
                id=key if tier == "standard" else f"{key}@{tier}",
                model=model,
                provider=provider,
                price=price,
                regions=kept_regions,
                limits=limits,
                tier=tier,
                api_model=api_model_of(key, provider),
            )
            for tier, price in prices
        ]
    except CatalogError as error:
        raise _Skip(str(error)) from None


def from_litellm(
    mapping: Mapping[str, Any],
    *,
    vendor_rules: Iterable[VendorRule] = VENDOR_RULES,
    model_aliases: Mapping[str, str] | None = None,
) -> PriceMapImport:
    """Build a catalog from LiteLLM's parsed price map.

    Chat entries with token prices become deployments whose ids are the map's keys (one
    more per priority, flex or batch tier the entry prices, with id ``f"{key}@{tier}"``);
    everything else is listed in ``skipped`` with the reason. An entry without a
    context window is kept, with ``context_window=None``. ``model_aliases`` maps a
    provider's name for a model to the id you want it known by, so that, say, Bedrock's
    ``anthropic.claude-sonnet-4-5-20250929-v1:0`` and Anthropic's ``claude-sonnet-4-5``
    can be one model.

    Examples:
        >>> imported = from_litellm({
        ...     "azure/gpt-4o": {"litellm_provider": "azure", "mode": "chat",
        ...                      "input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05,
        ...                      "max_input_tokens": 128000, "max_output_tokens": 16384},
        ...     "text-embedding-3-small": {"litellm_provider": "openai", "mode": "embedding"},
        ... })
        >>> d = imported.catalog.deployment("azure/gpt-4o")
        >>> d.vendor, d.provider, d.model.id, d.price.input_per_mtok
        ('openai', 'azure', 'gpt-4o', 2.5)
        >>> dict(imported.skipped)
        {'text-embedding-3-small': "mode is 'embedding', not 'chat'"}
    """
    if not isinstance(mapping, Mapping):
        raise CatalogError(
            f"mapping must be the parsed price map (a mapping), got {type(mapping).__name__}"
        )
    rules = tuple(vendor_rules)
    if model_aliases is not None and not isinstance(model_aliases, Mapping):
        raise CatalogError(
            f"model_aliases must map price-map model names to model ids, got {model_aliases!r:.80}"
        )
    aliases = dict(model_aliases or {})
    for name, alias in aliases.items():
        text(alias, f"model_aliases[{name!r}]", CatalogError)
    skipped: dict[str, str] = {}
    chat: list[tuple[str, Mapping[str, Any], str]] = []
    # One vendor per model id: a rule that matches the model's name wins; failing
    # that, the first entry (by key) whose provider names a lab decides for all.
    vendor_rule: dict[str, VendorRule | None] = {}
    keys = list(mapping)
    for key in keys:
        if not isinstance(key, str):
            raise CatalogError(f"price map keys must be model names (strings), got {key!r}")
    for key in sorted(keys):
        entry = mapping[key]
        if key == "sample_spec":
            skipped[key] = "documents the map's schema; not a model"
        elif not isinstance(entry, Mapping):
            skipped[key] = f"entry is {type(entry).__name__}, not a mapping"
        elif entry.get("mode") != "chat":
            skipped[key] = f"mode is {entry.get('mode')!r}, not 'chat'"
        else:
            try:
                provider = provider_of(entry)
            except _Skip as reason:
                skipped[key] = str(reason)
                continue
            name = model_name(key, provider)
            model_id = aliases.get(name, name)
            chat.append((key, entry, model_id))
            if vendor_rule.get(model_id) is None:
                vendor_rule[model_id] = infer_vendor(name, provider, rules)
    deployments: list[Deployment] = []
    for key, entry, model_id in chat:
        try:
            deployments.extend(_deployments(key, entry, model_id, vendor_rule[model_id]))
        except _Skip as reason:
            skipped[key] = str(reason)
    return PriceMapImport(catalog=Catalog(deployments=deployments), skipped=skipped)
