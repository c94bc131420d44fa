"""Telling how a model call failed, from the exception the caller's client raised.

:func:`classify_error` recognises, without importing them, the exceptions of the
official Python SDKs of every vendor the catalog sells (OpenAI, Anthropic, Google's
``google-genai``, ``mistralai``, ``cohere``, and ``botocore`` for Bedrock), of httpx,
and the built-in ``TimeoutError`` and ``ConnectionError``. It reads what those
exceptions carry: an HTTP status (``status_code``, ``response.status_code``, Gemini's
``code``, botocore's ``ResponseMetadata.HTTPStatusCode``), the response headers
(``retry-after``, ``retry-after-ms``; Gemini's ``RetryInfo.retryDelay``), and the
error body (OpenAI's ``{"error": {"code": "context_length_exceeded"}}``, Anthropic's
``{"error": {"type": "overloaded_error"}}``, Gemini's ``RESOURCE_EXHAUSTED``,
botocore's ``Error.Code``: ``ThrottlingException``, ``ServiceUnavailableException``,
``ModelTimeoutException``, ``ValidationException``, ``AccessDeniedException``) or,
failing those, the message.

==========================================  ===========================
what the client raised                       failure
==========================================  ===========================
timeouts (``APITimeoutError``, httpx
``TimeoutException``, ``TimeoutError``),
HTTP 408                                    ``TIMEOUT``
HTTP 429, ``rate_limit_error``,
``RESOURCE_EXHAUSTED``, ``Throttling...``   ``RATE_LIMITED``
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
        "ReadTimeoutError",  # botocore's
        "ConnectTimeoutError",
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
        "EndpointConnectionError",  # botocore's
        "ConnectionClosedError",
        "NoResponseError",  # mistralai's
    }
)
# Bedrock's error codes (botocore's ``ClientError.response["Error"]["Code"]``).
_BEDROCK_CODES = {
    "ThrottlingException": Failure.RATE_LIMITED,
    "TooManyRequestsException": Failure.RATE_LIMITED,
    "ServiceQuotaExceededException": Failure.RATE_LIMITED,
    "ModelTimeoutException": Failure.TIMEOUT,
    "ServiceUnavailableException": Failure.SERVER_ERROR,
    "InternalServerException": Failure.SERVER_ERROR,
    "ModelNotReadyException": Failure.SERVER_ERROR,
    "ModelErrorException": Failure.SERVER_ERROR,
    "AccessDeniedException": Failure.AUTH,
    "UnrecognizedClientException": Failure.AUTH,
    "ExpiredTokenException": Failure.AUTH,
    "ResourceNotFoundException": Failure.BAD_REQUEST,
}
_CONTEXT_MARKERS = (
    "context_length_exceeded",
    "prompt is too long",
    "maximum context length",
    "context window",
    "too many tokens",
    "string_above_max_length",
    "input is too long",  # Bedrock
    "too many input tokens",
    "exceeds the maximum number of tokens",  # Gemini
    "too large for model with",  # Mistral
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


def _aws(exc: BaseException) -> Mapping[str, Any]:
    """botocore's ``ClientError.response`` (a dict), or an empty mapping."""
    response = getattr(exc, "response", None)
    return response if isinstance(response, Mapping) and "Error" in response else {}


def _status(exc: BaseException) -> int | None:
    for holder in (exc, getattr(exc, "response", None)):
        status = getattr(holder, "status_code", None)
        if isinstance(status, int) and not isinstance(status, bool):
            return status
    code = getattr(exc, "code", None)  # google-genai's APIError: the HTTP status
    if (
        isinstance(code, int)
        and not isinstance(code, bool)
        and 100 <= code < 600
        and "APIError" in _names(exc)
    ):
        return code
    metadata = _aws(exc).get("ResponseMetadata")
    status = metadata.get("HTTPStatusCode") if isinstance(metadata, Mapping) else None
    return status if isinstance(status, int) and not isinstance(status, bool) else None


def _headers(exc: BaseException) -> Any:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        headers = getattr(exc, "headers", None)
    if headers is None:
        metadata = _aws(exc).get("ResponseMetadata")
        headers = metadata.get("HTTPHeaders") if isinstance(metadata, Mapping) else None
    return headers if isinstance(headers, Mapping) or hasattr(headers, "get") else {}


def _retry_delay(exc: BaseException) -> float | None:
    """Gemini's ``google.rpc.RetryInfo`` ``retryDelay`` ("20s"), when the error carries one."""
    details = getattr(exc, "details", None)
    error = details.get("error") if isinstance(details, Mapping) else None
    infos = error.get("details") if isinstance(error, Mapping) else None
    for info in infos if isinstance(infos, list) else ():
        delay = info.get("retryDelay") if isinstance(info, Mapping) else None
        if isinstance(delay, str) and delay.endswith("s"):
            try:
                seconds = float(delay[:-1])
            except ValueError:
                continue
            if math.isfinite(seconds) and seconds >= 0:
                return seconds
    return None


def _retry_after(exc: BaseException) -> float | None:
    delay = _retry_delay(exc)
    if delay is not None:
        return delay
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
    if isinstance(body, str):  # mistralai keeps the body as text
        parts.append(body[:2_000])
    for holder in (body, getattr(exc, "details", None)):  # google-genai: ``details``
        if isinstance(holder, Mapping):
            error = holder.get("error", holder)
            if isinstance(error, Mapping):
                keys = ("code", "type", "message", "status")
                parts += [str(error.get(key, "")) for key in keys]
    aws = _aws(exc).get("Error")
    if isinstance(aws, Mapping):
        parts += [str(aws.get("Code", "")), str(aws.get("Message", ""))]
    for attribute in ("code", "type", "status"):
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
    error = _aws(exc).get("Error")
    code = error.get("Code") if isinstance(error, Mapping) else None
    if code in _BEDROCK_CODES:
        failure = _BEDROCK_CODES[code]
        return Classification(
            failure=failure,
            retry_after_s=retry_after if failure is Failure.RATE_LIMITED else None,
        )
    if code == "ValidationException":
        too_long = any(marker in text for marker in _CONTEXT_MARKERS)
        return Classification(failure=Failure.CONTEXT_TOO_LONG if too_long else Failure.BAD_REQUEST)
    if status is None:
        if names & _TIMEOUT_NAMES:
            return Classification(failure=Failure.TIMEOUT)
        if names & _CONNECTION_NAMES:
            return Classification(failure=Failure.SERVER_ERROR)
    if status == 408:
        return Classification(failure=Failure.TIMEOUT, retry_after_s=retry_after)
    if status == 429 or "rate_limit_error" in text or "resource_exhausted" in text:
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
