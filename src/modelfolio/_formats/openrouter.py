"""OpenRouter's model listing (``GET /api/v1/models``) as a catalog.

OpenRouter is where many teams buy their second and third vendor: one API key, hundreds
of models. :func:`from_openrouter` turns its listing (already parsed JSON) into the same
:class:`~modelfolio._formats.litellm.PriceMapImport` that :func:`from_litellm` gives:

- one deployment per model, provider ``openrouter``, id ``openrouter/<listing id>``,
  ``api_model`` the listing's id (what OpenRouter's API wants); the model id is the
  listing id without its organisation (``openai/gpt-5`` is model ``gpt-5``), so a
  catalog merged with LiteLLM's routes one model across both;
- the vendor from the id's organisation (``anthropic/...`` anthropic, ``meta-llama``
  meta, ``x-ai`` xai, ``mistralai`` mistral, ``qwen`` alibaba, ``z-ai`` zhipu, ...; an
  unknown organisation is its own vendor); open weights as the LiteLLM importer's vendor
  rules say (so that merged catalogs agree), else when the listing names a Hugging Face
  repository;
- prices from the per-token strings (``prompt``, ``completion``, ``input_cache_read``,
  ``input_cache_write``, ``internal_reasoning``), read exactly as their decimal text;
  per-request, per-image, audio and web-search fees are not token prices and are left
  out of the estimate;
- long-prompt ``overrides`` (``min_prompt_tokens``) as price tiers (an override applies
  from ``min_prompt_tokens`` prompt tokens on, so its tier starts above one token less),
  time-of-day overrides (``utc_start``/``utc_end``, HHMM) as off-peak windows when the
  other rates are one set;
- ``:batch`` variants as ``batch``-tier channels of the same model
  (``openrouter/<id>@batch``) and ``:free`` variants as their own free channels
  (``openrouter/<id>:free``, standard tier, price 0);
- the context window and maximum output from ``top_provider`` (else the listing's
  ``context_length``), capabilities from ``supported_parameters`` and the modalities.

Every entry it cannot use is listed in ``skipped`` with the reason: OpenRouter's routers
(``openrouter/auto``: they pick a model, with placeholder prices of -1), ``~`` aliases
that follow a family's latest model, negative or non-numeric prices, models that do not
write text. Input that is not a listing, or an entry without an id or pricing, is an
error naming the entry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from modelfolio._catalog.catalog import Capability, Catalog, Deployment, Model
from modelfolio._catalog.prices import OffPeak, OffPeakWindow, Price, PriceTier
from modelfolio._common.errors import CatalogError, ValidationError
from modelfolio._formats.litellm import PriceMapImport, infer_vendor

__all__ = ["OPENROUTER_VENDORS", "from_openrouter"]

OPENROUTER_VENDORS: Mapping[str, str] = {
    "openai": "openai",
    "anthropic": "anthropic",
    "google": "google",
    "meta-llama": "meta",
    "meta": "meta",
    "mistralai": "mistral",
    "x-ai": "xai",
    "qwen": "alibaba",
    "alibaba": "alibaba",
    "deepseek": "deepseek",
    "cohere": "cohere",
    "amazon": "amazon",
    "microsoft": "microsoft",
    "nvidia": "nvidia",
    "z-ai": "zhipu",
    "thudm": "zhipu",
    "moonshotai": "moonshot",
    "minimax": "minimax",
    "perplexity": "perplexity",
    "ai21": "ai21",
    "ibm-granite": "ibm",
    "bytedance": "bytedance",
    "bytedance-seed": "bytedance",
    "baidu": "baidu",
    "tencent": "tencent",
    "xiaomi": "xiaomi",
    "stepfun": "stepfun",
    "stepfun-ai": "stepfun",
    "rekaai": "reka",
    "writer": "writer",
    "upstage": "upstage",
    "liquid": "liquid",
    "inception": "inception",
    "meituan": "meituan",
    "nousresearch": "nousresearch",
    "thinkingmachines": "thinkingmachines",
}
"""OpenRouter organisation (the id's prefix) to modelfolio's vendor slug, where they differ
or to match the slugs the LiteLLM importer gives; any other organisation is its own vendor."""

_RATES = {
    "prompt": "input_per_mtok",
    "completion": "output_per_mtok",
    "input_cache_read": "cached_input_per_mtok",
    "input_cache_write": "cache_write_per_mtok",
    "internal_reasoning": "reasoning_per_mtok",
}
_TIER_RATES = ("prompt", "completion", "input_cache_read", "input_cache_write")


class _Skip(Exception):
    """Internal: this entry is left out, for the reason given."""


def _per_mtok(value: Any, name: str) -> float:
    """A per-token price string (``"0.0000025"``) as US dollars per million, exactly."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise _Skip(f"{name} is {value!r}, not a price")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise _Skip(f"{name} is {value!r}, not a number") from None
    if not amount.is_finite():
        raise _Skip(f"{name} is {value!r}, not a finite price")
    if amount < 0:
        raise _Skip(f"{name} is {value!r}: a negative price (a router's placeholder), not a rate")
    return float(amount.scaleb(6))


def _vendor(organisation: str) -> str:
    known = OPENROUTER_VENDORS.get(organisation)
    if known is not None:
        return known
    slug = "".join(c if c.isalnum() or c in "-_" else "-" for c in organisation.lower())
    return slug.strip("-_") or "unknown"


def _open_weights(name: str, entry: Mapping[str, Any]) -> bool:
    """As the LiteLLM importer's vendor rules say (so merged catalogs agree), else whether
    the listing names a Hugging Face repository."""
    rule = infer_vendor(name, "")
    return rule.open_weights if rule is not None else bool(entry.get("hugging_face_id"))


def _capabilities(entry: Mapping[str, Any], pricing: Mapping[str, Any]) -> set[Capability]:
    parameters = set(entry.get("supported_parameters") or ())
    architecture = entry.get("architecture") or {}
    inputs = set(architecture.get("input_modalities") or ())
    outputs = set(architecture.get("output_modalities") or ())
    found = {Capability.CHAT, Capability.STREAMING}  # OpenRouter streams every model
    if "tools" in parameters:
        found.add(Capability.TOOLS)
    if parameters & {"structured_outputs", "response_format"}:
        found.add(Capability.JSON_SCHEMA)
    if parameters & {"reasoning", "include_reasoning"}:
        found.add(Capability.REASONING)
    if "image" in inputs:
        found.add(Capability.VISION)
    if "audio" in inputs:
        found.add(Capability.AUDIO_INPUT)
    if "file" in inputs:
        found.add(Capability.PDF_INPUT)
    if "audio" in outputs:
        found.add(Capability.AUDIO_OUTPUT)
    if "input_cache_read" in pricing:
        found.add(Capability.PROMPT_CACHING)
    if "web_search" in pricing:
        found.add(Capability.WEB_SEARCH)
    return found


def _tokens(value: Any, name: str) -> int | None:
    if value is None or value == 0:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _Skip(f"{name} is {value!r}, not a whole number of tokens")
    return value


def _hhmm(value: Any, name: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 2400:
        raise _Skip(f"{name} is {value!r}, not a time of day as HHMM")
    hours, minutes = divmod(value, 100)
    if minutes >= 60:
        raise _Skip(f"{name} is {value!r}, not a time of day as HHMM")
    return f"{hours:02d}:{minutes:02d}"


def _price(pricing: Mapping[str, Any], free: bool) -> Price:
    if free:
        return Price(input_per_mtok=0.0, output_per_mtok=0.0)
    rates = {field: _per_mtok(pricing[key], key) for key, field in _RATES.items() if key in pricing}
    if "input_per_mtok" not in rates or "output_per_mtok" not in rates:
        raise _Skip("pricing has no prompt or no completion price")
    tiers = []
    windows: list[str] = []
    off_rates: dict[str, float] | None = None
    overrides = pricing.get("overrides") or []
    if not isinstance(overrides, list):
        raise _Skip(f"pricing.overrides is {overrides!r:.60}, not a list")
    for override in overrides:
        if not isinstance(override, Mapping):
            raise _Skip(f"an override is {override!r:.60}, not an object")
        values = {
            _RATES[key]: _per_mtok(override[key], f"overrides.{key}")
            for key in _TIER_RATES
            if key in override
        }
        if "min_prompt_tokens" in override and "utc_start" not in override:
            start = override["min_prompt_tokens"]
            if isinstance(start, bool) or not isinstance(start, int) or start < 2:
                raise _Skip(f"overrides.min_prompt_tokens is {start!r}, not a token count >= 2")
            tiers.append(
                PriceTier(
                    above_input_tokens=start - 1,  # from min_prompt_tokens on
                    input_per_mtok=values.get("input_per_mtok", rates["input_per_mtok"]),
                    output_per_mtok=values.get("output_per_mtok", rates["output_per_mtok"]),
                    cached_input_per_mtok=values.get("cached_input_per_mtok"),
                    cache_write_per_mtok=values.get("cache_write_per_mtok"),
                )
            )
        elif "utc_start" in override and "min_prompt_tokens" not in override:
            window = (
                f"{_hhmm(override['utc_start'], 'overrides.utc_start')}-"
                f"{_hhmm(override.get('utc_end'), 'overrides.utc_end')}"
            )
            if all(rates.get(k) == v for k, v in values.items()):
                continue  # the standard rates in this window
            if off_rates is not None and off_rates != values:
                raise _Skip("time-of-day overrides with more than one set of other rates")
            off_rates = values
            windows.append(window)
        else:
            raise _Skip(f"an override modelfolio cannot price: {sorted(override)}")
    off_peak = (
        None
        if off_rates is None
        else OffPeak(windows=[OffPeakWindow(hours_utc=tuple(windows))], **off_rates)  # type: ignore[arg-type]
    )
    try:
        return Price(**rates, tiers=tiers, off_peak=off_peak)
    except CatalogError as error:
        raise _Skip(str(error)) from None


def _entries(listing: Any) -> Sequence[Any]:
    if isinstance(listing, Mapping) and isinstance(listing.get("data"), list):
        return listing["data"]  # type: ignore[no-any-return]
    if isinstance(listing, list):
        return listing
    raise CatalogError(
        "not an OpenRouter model listing: expected the parsed JSON of /api/v1/models, "
        f"an object with a 'data' list (or the list itself), got {type(listing).__name__}"
    )


def from_openrouter(
    listing: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    *,
    model_aliases: Mapping[str, str] | None = None,
) -> PriceMapImport:
    """Build a catalog from OpenRouter's parsed model listing (see the module notes).

    ``model_aliases`` maps a model's OpenRouter name (the id without its organisation,
    such as ``claude-sonnet-4.5``) to the id you want it known by, so that it is one
    model with another catalog's (``claude-sonnet-4-5``).

    Raises:
        CatalogError: ``listing`` is not a listing, or an entry has no id or no pricing
            (the message names the entry).

    Examples:
        >>> imported = from_openrouter({"data": [
        ...     {"id": "openai/gpt-5", "context_length": 400000,
        ...      "pricing": {"prompt": "0.00000125", "completion": "0.00001"},
        ...      "supported_parameters": ["tools"], "top_provider": {"max_completion_tokens": 128000}},
        ...     {"id": "openrouter/auto", "pricing": {"prompt": "-1", "completion": "-1"}}]})
        >>> d = imported.catalog.deployment("openrouter/openai/gpt-5")
        >>> d.vendor, d.model.id, d.api_model, d.price.input_per_mtok, d.model.context_window
        ('openai', 'gpt-5', 'openai/gpt-5', 1.25, 400000)
        >>> dict(imported.skipped)["openrouter/auto"]
        'a router (OpenRouter picks the model for each call), not a model'
    """
    entries = _entries(listing)
    if model_aliases is not None and not isinstance(model_aliases, Mapping):
        raise CatalogError(f"model_aliases must map model names to ids, got {model_aliases!r:.80}")
    aliases = dict(model_aliases or {})
    deployments: list[Deployment] = []
    skipped: dict[str, str] = {}
    seen: set[str] = set()
    for number, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            raise CatalogError(f"entry {number} is {type(entry).__name__}, not a model object")
        key = entry.get("id")
        if not isinstance(key, str) or not key.strip():
            raise CatalogError(f"entry {number} has no id (got {key!r:.60})")
        pricing = entry.get("pricing")
        if not isinstance(pricing, Mapping):
            raise CatalogError(f"entry {number} ({key!r}) has no pricing object")
        try:
            made = _deployment(key, entry, pricing, aliases)
        except _Skip as reason:
            skipped[key] = str(reason)
            continue
        if made.id in seen:
            skipped[key] = f"a second entry for {made.id!r}"
            continue
        seen.add(made.id)
        deployments.append(made)
    return PriceMapImport(catalog=Catalog(deployments=deployments), skipped=skipped)


def _deployment(
    key: str, entry: Mapping[str, Any], pricing: Mapping[str, Any], aliases: Mapping[str, str]
) -> Deployment:
    if key.startswith("openrouter/"):
        raise _Skip("a router (OpenRouter picks the model for each call), not a model")
    if key.startswith("~"):
        raise _Skip("an alias that follows a family's latest model, not a model")
    base, _, variant = key.partition(":")
    if variant not in ("", "batch", "free"):
        raise _Skip(f"variant ':{variant}' is not a channel modelfolio prices")
    organisation, slash, name = base.partition("/")
    if not slash or not name:
        raise _Skip("an id without an organisation prefix")
    architecture = entry.get("architecture") or {}
    outputs = architecture.get("output_modalities")
    if outputs is not None and "text" not in outputs:
        raise _Skip(f"writes {', '.join(outputs)}, not text")
    top = entry.get("top_provider") or {}
    if not isinstance(top, Mapping):
        raise _Skip(f"top_provider is {top!r:.60}, not an object")
    window = _tokens(top.get("context_length"), "top_provider.context_length") or _tokens(
        entry.get("context_length"), "context_length"
    )
    price = _price(pricing, free=variant == "free")
    try:
        model = Model(
            id=aliases.get(name, name),
            vendor=_vendor(organisation),
            capabilities=_capabilities(entry, pricing),
            context_window=window,
            max_output_tokens=_tokens(
                top.get("max_completion_tokens"), "top_provider.max_completion_tokens"
            ),
            open_weights=_open_weights(name, entry),
        )
        return Deployment(
            id=f"openrouter/{base}" + {"": "", "batch": "@batch", "free": ":free"}[variant],
            model=model,
            provider="openrouter",
            price=price,
            tier="batch" if variant == "batch" else "standard",
            api_model=key,
        )
    except (CatalogError, ValidationError) as error:
        raise _Skip(str(error)) from None
