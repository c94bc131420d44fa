"""Usage from the official SDKs' response objects, by duck typing (no SDK is imported).

OpenAI reports ``prompt_tokens`` including cached ones, with details in
``prompt_tokens_details.cached_tokens`` and
``completion_tokens_details.reasoning_tokens``. Anthropic reports ``input_tokens``
*excluding* cache reads and writes, which come separately as
``cache_read_input_tokens`` and ``cache_creation_input_tokens``. Both become a
:class:`~modelfolio.Usage`, whose input counts every input token.
"""

from __future__ import annotations

from typing import Any

from modelfolio._catalog.prices import Usage
from modelfolio._common.errors import ValidationError

__all__ = ["usage_from_anthropic", "usage_from_openai"]


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


def _usage_of(response: Any) -> Any:
    usage = (
        response.get("usage") if isinstance(response, dict) else getattr(response, "usage", None)
    )
    if usage is None:
        raise ValidationError(f"the response has no usage to read: {type(response).__name__}")
    return usage


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
    usage = _usage_of(response)
    read = _get(usage, "cache_read_input_tokens")
    written = _get(usage, "cache_creation_input_tokens")
    return Usage(
        input_tokens=_get(usage, "input_tokens") + read + written,
        output_tokens=_get(usage, "output_tokens"),
        cached_input_tokens=read,
        cache_write_tokens=written,
    )
