"""Production traffic as usage records: what each logged call used, cost and returned.

Teams already log their calls: OpenTelemetry GenAI spans, a gateway's spend log. The
readers in :mod:`modelfolio.io` turn those into :class:`UsageRecord` values (one per
call), and the functions here turn records into what the rest of modelfolio takes:
vendor shares for :func:`~modelfolio.concentration`, and :class:`~modelfolio.Attempt`
values for a :class:`~modelfolio.State` ledger.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Literal

from attrs import field, frozen

from modelfolio._catalog.prices import Usage
from modelfolio._common.errors import ValidationError
from modelfolio._common.validate import check, optional_number, optional_text, text
from modelfolio._routing.state import Attempt, Failure, _failure, _usage

__all__ = ["UsageRecord", "usage_shares"]


@frozen(kw_only=True)
class UsageRecord:
    """One logged call: which model, through whom, what it used, cost and returned.

    Examples:
        >>> r = UsageRecord(model="gpt-4o", provider="openai", vendor="openai",
        ...                 usage=Usage(input_tokens=1_200, output_tokens=300), cost_usd=0.006,
        ...                 latency_s=1.8, started_at=1_763_600_000.0)
        >>> r.attempt().deployment_id, r.attempt().cost_usd
        ('openai/gpt-4o', 0.006)
    """

    model: str = field(validator=check(text))
    """The model that answered (the response's model, else the requested one)."""
    provider: str | None = field(default=None, validator=optional_text)
    """Who served it (``openai``, ``azure``, ``bedrock``, ...), when logged."""
    vendor: str | None = field(default=None, validator=optional_text)
    """Who made the model, when known."""
    usage: Usage | None = field(default=None, validator=_usage)
    """Tokens used, when logged."""
    cost_usd: float | None = field(default=None, validator=check(optional_number))
    """What the call cost, as logged or priced through a catalog; ``None`` if unknown."""
    latency_s: float | None = field(default=None, validator=check(optional_number))
    """Wall time of the call, in seconds."""
    started_at: float | None = field(default=None)
    """When the call started, POSIX seconds (UTC)."""
    failure: Failure | None = field(default=None, converter=_failure)
    """How it failed, or ``None`` for a success."""
    error: str | None = field(default=None, validator=optional_text)
    """The logged error type, as written (``error.type``, a status), for failures."""
    id: str | None = field(default=None, validator=optional_text)
    """The request or span id."""
    requested_model: str | None = field(default=None, validator=optional_text)
    """The model the caller asked for, when it differs from the one that answered."""

    def __attrs_post_init__(self) -> None:
        at = self.started_at
        if at is not None and (
            isinstance(at, bool) or not isinstance(at, (int, float)) or not math.isfinite(at)
        ):
            raise ValidationError(f"started_at must be a finite POSIX time or None, got {at!r}")

    @property
    def ok(self) -> bool:
        """Whether the call succeeded."""
        return self.failure is None

    @property
    def deployment_id(self) -> str:
        """``provider/model`` (just the model when the provider is unknown)."""
        return self.model if self.provider is None else f"{self.provider}/{self.model}"

    def attempt(self) -> Attempt:
        """The call as an :class:`~modelfolio.Attempt`, to record into a ``State`` ledger."""
        return Attempt(
            deployment_id=self.deployment_id,
            failure=self.failure,
            usage=self.usage,
            cost_usd=self.cost_usd or 0.0,
            latency_s=self.latency_s,
            vendor=self.vendor,
            provider=self.provider,
        )

    def to_row(self) -> dict[str, object]:
        """This record as a plain dict."""
        usage = self.usage
        return {
            "id": self.id,
            "model": self.model,
            "provider": self.provider,
            "vendor": self.vendor,
            "input_tokens": None if usage is None else usage.input_tokens,
            "output_tokens": None if usage is None else usage.output_tokens,
            "cost_usd": self.cost_usd,
            "latency_s": self.latency_s,
            "started_at": self.started_at,
            "failure": None if self.failure is None else self.failure.value,
            "error": self.error,
        }


def usage_shares(
    records: Iterable[UsageRecord],
    *,
    by: Literal["vendor", "provider", "model"] = "vendor",
    weight: Literal["cost", "calls", "tokens"] = "cost",
    vendor_of: Mapping[str, str] | Callable[[str], str] | None = None,
) -> Mapping[str, float]:
    """Traffic per vendor (or provider, or model), weighted by cost, calls or tokens.

    The result feeds :func:`~modelfolio.concentration`. A record without a vendor takes
    ``vendor_of(model)`` (a mapping or a function); one with no vendor at all is an
    error naming it, so nothing is silently left out.

    Examples:
        >>> records = [UsageRecord(model="gpt-4o", vendor="openai", cost_usd=3.0),
        ...            UsageRecord(model="claude-sonnet-4-5", vendor="anthropic", cost_usd=1.0)]
        >>> dict(usage_shares(records))
        {'anthropic': 1.0, 'openai': 3.0}
    """
    if by not in ("vendor", "provider", "model"):
        raise ValidationError(f"by must be 'vendor', 'provider' or 'model', got {by!r}")
    if weight not in ("cost", "calls", "tokens"):
        raise ValidationError(f"weight must be 'cost', 'calls' or 'tokens', got {weight!r}")
    if isinstance(records, (str, bytes)) or not isinstance(records, Iterable):
        raise ValidationError(
            f"records must be a collection of UsageRecord values, got {records!r:.80}"
        )
    totals: dict[str, float] = {}
    for k, record in enumerate(records):
        if not isinstance(record, UsageRecord):
            raise ValidationError(f"records must hold UsageRecord values, got {record!r}")
        if by == "vendor":
            key = record.vendor
            if key is None and vendor_of is not None:
                if isinstance(vendor_of, Mapping):
                    key = vendor_of.get(record.model)
                else:
                    key = vendor_of(record.model)
            if key is None:
                raise ValidationError(
                    f"record {k} ({record.model!r}) has no vendor; pass vendor_of="
                )
        elif by == "provider":
            key = record.provider or "unknown provider"
        else:
            key = record.model
        if weight == "calls":
            amount = 1.0
        elif weight == "tokens":
            amount = float(
                0
                if record.usage is None
                else record.usage.input_tokens + record.usage.output_tokens
            )
        else:
            amount = record.cost_usd or 0.0
        totals[key] = totals.get(key, 0.0) + amount
    return MappingProxyType(dict(sorted(totals.items())))
