"""Usage from the official SDKs' response objects, by duck typing (no SDK is imported).

OpenAI reports ``prompt_tokens`` including cached ones, with details in
``prompt_tokens_details.cached_tokens`` and
``completion_tokens_details.reasoning_tokens``. Anthropic reports ``input_tokens``
*excluding* cache reads and writes, which come separately as
``cache_read_input_tokens`` and ``cache_creation_input_tokens``. Gemini
(``google-genai``) reports ``usage_metadata`` with ``prompt_token_count`` (cached
included, as ``cached_content_token_count``) and thinking apart from the answer
(``thoughts_token_count``); Mistral reports as OpenAI does; Cohere's v2 chat reports
``usage.tokens`` (and ``usage.billed_units``); Bedrock's Converse API reports
``inputTokens`` without the cache reads and writes (``cacheReadInputTokens``,
``cacheWriteInputTokens``). Each becomes a :class:`~modelfolio.Usage`, whose input
counts every input token and whose output counts the reasoning too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from modelfolio._catalog.prices import Usage
from modelfolio._common.errors import ValidationError

__all__ = [
    "usage_from_anthropic",
    "usage_from_anthropic_stream",
    "usage_from_bedrock",
    "usage_from_cohere",
    "usage_from_gemini",
    "usage_from_mistral",
    "usage_from_openai",
    "usage_from_openai_stream",
]


def _get(holder: Any, name: str) -> int:
    """A token count the response reports; 0 when it does not report one (absent, None).

    Anything else that is not a whole number >= 0 (a string, a negative or fractional
    number, NaN) is an error naming the field: silently counting it as 0 would
    under-bill the call.
    """
    if holder is None:
        return 0
    value = holder.get(name) if isinstance(holder, dict) else getattr(holder, name, None)
    if value is None:
        return 0
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not (value >= 0 and float(value).is_integer())
    ):
        raise ValidationError(f"usage {name} must be a whole number of tokens >= 0, got {value!r}")
    return int(value)


def _field(holder: Any, name: str) -> Any:
    """``holder[name]`` of a dict, ``holder.name`` of an object; None when absent."""
    if holder is None:
        return None
    return holder.get(name) if isinstance(holder, dict) else getattr(holder, name, None)


def _usage_of(response: Any, name: str = "usage") -> Any:
    usage = _field(response, name)
    if usage is None:
        raise ValidationError(f"the response has no {name} to read: {type(response).__name__}")
    return usage


def _cache_apart(usage: Any, plain: str, output: str, read: str, written: str) -> Usage:
    """Usage whose input is reported without the cache reads and writes (Anthropic, Bedrock)."""
    cached, creation = _get(usage, read), _get(usage, written)
    return Usage(
        input_tokens=_get(usage, plain) + cached + creation,
        output_tokens=_get(usage, output),
        cached_input_tokens=cached,
        cache_write_tokens=creation,
    )


def usage_from_openai(response: Any) -> Usage:
    """The :class:`~modelfolio.Usage` of an OpenAI chat completion (or its dict).

    Examples:
        >>> usage_from_openai({"usage": {"prompt_tokens": 1200, "completion_tokens": 300,
        ...     "prompt_tokens_details": {"cached_tokens": 1024},
        ...     "completion_tokens_details": {"reasoning_tokens": 256}}})
        Usage(input_tokens=1200, output_tokens=300, cached_input_tokens=1024, cache_write_tokens=0, reasoning_tokens=256)
    """
    usage = _usage_of(response)
    prompt = _get(usage, "prompt_tokens") or _get(usage, "input_tokens")
    completion = _get(usage, "completion_tokens") or _get(usage, "output_tokens")
    prompt_details = (
        usage.get("prompt_tokens_details")
        if isinstance(usage, dict)
        else getattr(usage, "prompt_tokens_details", None)
    )
    completion_details = (
        usage.get("completion_tokens_details")
        if isinstance(usage, dict)
        else getattr(usage, "completion_tokens_details", None)
    )
    return Usage(
        input_tokens=prompt,
        output_tokens=completion,
        cached_input_tokens=min(prompt, _get(prompt_details, "cached_tokens")),
        reasoning_tokens=min(completion, _get(completion_details, "reasoning_tokens")),
    )


def usage_from_anthropic(response: Any) -> Usage:
    """The :class:`~modelfolio.Usage` of an Anthropic message (or its dict).

    Examples:
        >>> usage_from_anthropic({"usage": {"input_tokens": 50, "output_tokens": 20,
        ...     "cache_read_input_tokens": 1000, "cache_creation_input_tokens": 200}})
        Usage(input_tokens=1250, output_tokens=20, cached_input_tokens=1000, cache_write_tokens=200, reasoning_tokens=0)
    """
    names = (
        "input_tokens",
        "output_tokens",
        "cache_read_input_tokens",
        "cache_creation_input_tokens",
    )
    return _cache_apart(_usage_of(response), *names)


def usage_from_mistral(response: Any) -> Usage:
    """The :class:`~modelfolio.Usage` of a Mistral chat completion (``mistralai``; or its dict).

    Examples:
        >>> usage_from_mistral({"usage": {"prompt_tokens": 900, "completion_tokens": 120}})
        Usage(input_tokens=900, output_tokens=120, cached_input_tokens=0, cache_write_tokens=0, reasoning_tokens=0)
    """
    return usage_from_openai(response)


def usage_from_gemini(response: Any) -> Usage:
    """The :class:`~modelfolio.Usage` of a Gemini ``generate_content`` response (``google-genai``).

    Thinking tokens are output (billed as such), and reasoning.

    Examples:
        >>> usage_from_gemini({"usage_metadata": {"prompt_token_count": 2000,
        ...     "cached_content_token_count": 1500, "candidates_token_count": 300,
        ...     "thoughts_token_count": 700}})
        Usage(input_tokens=2000, output_tokens=1000, cached_input_tokens=1500, cache_write_tokens=0, reasoning_tokens=700)
    """
    usage = _usage_of(response, "usage_metadata")
    prompt = _get(usage, "prompt_token_count")
    thoughts = _get(usage, "thoughts_token_count")
    return Usage(
        input_tokens=prompt,
        output_tokens=_get(usage, "candidates_token_count") + thoughts,
        cached_input_tokens=min(prompt, _get(usage, "cached_content_token_count")),
        reasoning_tokens=thoughts,
    )


def usage_from_cohere(response: Any) -> Usage:
    """The :class:`~modelfolio.Usage` of a Cohere v2 chat response (``cohere``; or its dict).

    The tokens the model read and wrote (``usage.tokens``), else those billed
    (``usage.billed_units``).

    Examples:
        >>> usage_from_cohere({"usage": {"billed_units": {"input_tokens": 40, "output_tokens": 12},
        ...                              "tokens": {"input_tokens": 240, "output_tokens": 12}}})
        Usage(input_tokens=240, output_tokens=12, cached_input_tokens=0, cache_write_tokens=0, reasoning_tokens=0)
    """
    usage = _usage_of(response)
    counts = _field(usage, "tokens") or _field(usage, "billed_units")
    if counts is None:
        raise ValidationError("the Cohere response's usage has neither tokens nor billed_units")
    return Usage(
        input_tokens=_get(counts, "input_tokens"), output_tokens=_get(counts, "output_tokens")
    )


def usage_from_bedrock(response: Any) -> Usage:
    """The :class:`~modelfolio.Usage` of a Bedrock Converse response (``boto3``'s dict).

    Examples:
        >>> usage_from_bedrock({"usage": {"inputTokens": 60, "outputTokens": 25,
        ...     "cacheReadInputTokens": 3000, "cacheWriteInputTokens": 500, "totalTokens": 3585}})
        Usage(input_tokens=3560, output_tokens=25, cached_input_tokens=3000, cache_write_tokens=500, reasoning_tokens=0)
    """
    names = ("inputTokens", "outputTokens", "cacheReadInputTokens", "cacheWriteInputTokens")
    return _cache_apart(_usage_of(response), *names)


def usage_from_openai_stream(chunks: Sequence[Any]) -> Usage | None:
    """The :class:`~modelfolio.Usage` of an OpenAI chat stream, from the chunks seen.

    OpenAI sends usage only when asked (``stream_options={"include_usage": True}``), on
    a last chunk with no choices; ``None`` until that chunk has come (the stream ended
    early, or usage was not asked for), so the caller charges the request's estimate.

    Examples:
        >>> chunks = [{"choices": [{"delta": {"content": "Hi"}}], "usage": None},
        ...           {"choices": [], "usage": {"prompt_tokens": 20, "completion_tokens": 2}}]
        >>> usage_from_openai_stream(chunks)
        Usage(input_tokens=20, output_tokens=2, cached_input_tokens=0, cache_write_tokens=0, reasoning_tokens=0)
        >>> usage_from_openai_stream(chunks[:1]) is None
        True
    """
    for chunk in reversed(chunks):
        if _field(chunk, "usage") is not None:
            return usage_from_openai(chunk)
    return None


def usage_from_anthropic_stream(events: Sequence[Any]) -> Usage | None:
    """The :class:`~modelfolio.Usage` of an Anthropic message stream, from the events seen.

    ``message_start`` carries the input (and cache) tokens and a first output count;
    each ``message_delta`` carries the output tokens so far (and, from some API
    versions, updated input counts), so a stream cut short still reports what it used
    up to there. ``None`` before ``message_start``.

    Examples:
        >>> events = [
        ...     {"type": "message_start", "message": {"usage": {"input_tokens": 30,
        ...         "output_tokens": 1, "cache_read_input_tokens": 1000}}},
        ...     {"type": "content_block_delta", "delta": {"type": "text_delta", "text": "Hi"}},
        ...     {"type": "message_delta", "usage": {"output_tokens": 12}}]
        >>> usage_from_anthropic_stream(events)
        Usage(input_tokens=1030, output_tokens=12, cached_input_tokens=1000, cache_write_tokens=0, reasoning_tokens=0)
        >>> usage_from_anthropic_stream(events[:2]).output_tokens
        1
    """
    names = (
        "input_tokens",
        "output_tokens",
        "cache_read_input_tokens",
        "cache_creation_input_tokens",
    )
    merged: dict[str, Any] | None = None
    for event in events:
        kind = _field(event, "type")
        if kind == "message_start":
            usage = _field(_field(event, "message"), "usage")
            merged = {name: _field(usage, name) for name in names}
        elif kind == "message_delta" and merged is not None:
            usage = _field(event, "usage")
            for name in names:
                value = _field(usage, name)
                if value is not None:  # counts so far, not increments
                    merged[name] = value
    return None if merged is None else _cache_apart(merged, *names)
