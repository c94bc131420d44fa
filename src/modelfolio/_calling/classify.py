"""Telling how a model call failed, from the exception the caller's client raised.

:func:`classify_error` recognises, without importing them, the exceptions of the
official OpenAI and Anthropic Python SDKs and of httpx, and the built-in
``TimeoutError`` and ``ConnectionError``. It reads what those exceptions carry: an
HTTP status (``status_code``, or ``response.status_code``), the response headers
(``retry-after``, ``retry-after-ms``), and the error body (OpenAI's
``{"error": {"code": "context_length_exceeded"}}``, Anthropic's
``{"error": {"type": "overloaded_error"}}``) or, failing those, the message.

==========================================  ===========================
what the client raised                       failure
==========================================  ===========================
timeouts (``APITimeoutError``, httpx
``TimeoutException``, ``TimeoutError``),
HTTP 408                                    ``TIMEOUT``
HTTP 429, ``rate_limit_error``              ``RATE_LIMITED``
HTTP 401 and 403                            ``AUTH``
``context_length_exceeded``, "prompt is
too long", "maximum context length",
HTTP 413                                    ``CONTEXT_TOO_LONG``
``content_filter``, content policy           ``CONTENT_FILTERED``
other HTTP 4xx                              ``BAD_REQUEST``
HTTP 5xx, 529 ``overloaded_error``,
connection errors, anything unknown         ``SERVER_ERROR``
==========================================  ===========================

``retry-after`` is read when it is a number of seconds (``retry-after-ms`` in
milliseconds); an HTTP-date is ignored, since that would need the clock.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from attrs import field, frozen

from modelfolio._common.errors import ValidationError
from modelfolio._common.validate import check, optional_number
from modelfolio._routing.state import Failure, _failure

__all__ = ["Classification", "classify_error"]


def _failure_kind(value: Any) -> Failure:
    kind = _failure(value)
    if kind is None:
        raise ValidationError("failure must be a Failure (or its name), got None")
    return kind


@frozen(kw_only=True)
class Classification:
    """What a failed call means for routing."""

    failure: Failure = field(converter=_failure_kind)
    """The kind of failure."""
    retry_after_s: float | None = field(default=None, validator=check(optional_number))
    """How long the provider asked us to wait, when it said."""


_TIMEOUT_NAMES = frozenset(
    {
        "APITimeoutError",
        "TimeoutException",
        "ReadTimeout",
        "ConnectTimeout",
        "WriteTimeout",
        "PoolTimeout",
        "TimeoutError",
    }
)
_CONNECTION_NAMES = frozenset(
    {
        "APIConnectionError",
        "ConnectError",
        "TransportError",
        "NetworkError",
        "RemoteProtocolError",
        "ConnectionError",
    }
)
_CONTEXT_MARKERS = (
    "context_length_exceeded",
    "prompt is too long",
    "maximum context length",
    "context window",
    "too many tokens",
    "string_above_max_length",
)
_CONTENT_MARKERS = (
    "content_filter",
    "content_policy",
    "content management policy",
    "responsibleaipolicyviolation",
    "safety",
)


def _names(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


def _status(exc: BaseException) -> int | None:
    for holder in (exc, getattr(exc, "response", None)):
        status = getattr(holder, "status_code", None)
        if isinstance(status, int):
            return status
    return None


def _headers(exc: BaseException) -> Any:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        headers = getattr(exc, "headers", None)
    return headers if isinstance(headers, Mapping) or hasattr(headers, "get") else {}


def _retry_after(exc: BaseException) -> float | None:
    headers = _headers(exc)
    for name, unit in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            value = headers.get(name)
        except Exception:  # a header object we cannot read is no hint
            return None
        if value is None:
            continue
        try:
            seconds = float(value) * unit
        except (TypeError, ValueError):
            continue  # an HTTP-date: would need the clock
        if math.isfinite(seconds) and seconds >= 0:
            return seconds
    return None


def _error_text(exc: BaseException) -> str:
    """The error's code, type and message, lower-cased, from the body or the message."""
    parts = [str(exc)]
    body = getattr(exc, "body", None)
    if isinstance(body, Mapping):
        error = body.get("error", body)
        if isinstance(error, Mapping):
            parts += [str(error.get(key, "")) for key in ("code", "type", "message")]
    for attribute in ("code", "type"):
        value = getattr(exc, attribute, None)
        if isinstance(value, str):
            parts.append(value)
    return " ".join(parts).lower()


def classify_error(exc: BaseException) -> Classification:
    """The failure kind of ``exc``, and the retry-after seconds when it carries them.

    Examples:
        >>> classify_error(TimeoutError("read timed out")).failure
        <Failure.TIMEOUT: 'timeout'>
        >>> class RateLimitError(Exception):
        ...     status_code = 429
        ...     response = type("Response", (), {"status_code": 429, "headers": {"retry-after": "7"}})()
        >>> classify_error(RateLimitError("slow down"))
        Classification(failure=<Failure.RATE_LIMITED: 'rate_limited'>, retry_after_s=7.0)
        >>> classify_error(KeyError("x")).failure
        <Failure.SERVER_ERROR: 'server_error'>
    """
    if not isinstance(exc, BaseException):
        raise ValidationError(f"exc must be an exception, got {exc!r:.80}")
    names = _names(exc)
    status = _status(exc)
    retry_after = _retry_after(exc)
    text = _error_text(exc)
    if status is None:
        if names & _TIMEOUT_NAMES:
            return Classification(failure=Failure.TIMEOUT)
        if names & _CONNECTION_NAMES:
            return Classification(failure=Failure.SERVER_ERROR)
    if status == 408:
        return Classification(failure=Failure.TIMEOUT, retry_after_s=retry_after)
    if status == 429 or "rate_limit_error" in text:
        return Classification(failure=Failure.RATE_LIMITED, retry_after_s=retry_after)
    if status in (401, 403) or "authentication_error" in text or "permission_error" in text:
        return Classification(failure=Failure.AUTH)
    if status == 413 or any(marker in text for marker in _CONTEXT_MARKERS):
        return Classification(failure=Failure.CONTEXT_TOO_LONG)
    if status is not None and 400 <= status < 500:
        if any(marker in text for marker in _CONTENT_MARKERS):
            return Classification(failure=Failure.CONTENT_FILTERED)
        return Classification(failure=Failure.BAD_REQUEST)
    if status is None and any(marker in text for marker in ("content_filter", "content_policy")):
        return Classification(failure=Failure.CONTENT_FILTERED)
    return Classification(failure=Failure.SERVER_ERROR, retry_after_s=retry_after)
