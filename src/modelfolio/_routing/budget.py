"""Spend budgets over sliding windows (the filter that enforces them is in ``filters``).

A :class:`Budget` caps what may be spent within any window of ``window_s`` seconds,
in a scope narrowed by whichever of ``tenant``, ``vendor``, ``provider`` and
``deployment`` are set (none set: everything). The :data:`within_budgets` filter
rejects a deployment when charging the request's estimated cost *now* would take any
applicable budget over its limit in any window that contains ``now``.

Windows slide: a window is any interval ``(T - window_s, T]``. Because charges may be
recorded out of time order (a batch replayed late, two clocks), the check looks at
every window containing ``now``, not just the one ending there: the largest spend in
such a window plus the new charge must stay within the limit. Routing then recording
each chosen deployment's estimated cost therefore never takes a budget over its limit,
whatever the order and times.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from typing import Any

from attrs import field, frozen

from modelfolio._catalog.catalog import Deployment
from modelfolio._common.errors import ValidationError
from modelfolio._common.validate import check, number, optional_text
from modelfolio._routing.request import Request
from modelfolio._routing.state import Charge, State, charge_time, running_sums

__all__ = ["Budget"]


def _positive_window(instance: object, attribute: Any, value: Any) -> None:
    number(value, "window_s")
    if value == 0:
        raise ValidationError(f"window_s must be a finite number > 0, got {value!r}")


def _lower(value: Any) -> Any:
    """A vendor or provider name as catalogs spell it (other values are left to the check)."""
    return value.strip().lower() if isinstance(value, str) and value.strip() else value


@frozen(kw_only=True)
class Budget:
    """At most ``limit_usd`` spent within any ``window_s`` seconds, in a scope.

    Examples:
        >>> Budget(limit_usd=100.0, window_s=86_400, tenant="acme").describe()
        'tenant acme: $100 per 86400 s'
    """

    limit_usd: float = field(validator=check(number))
    """The cap, in US dollars."""
    window_s: float = field(validator=_positive_window)
    """The sliding window, in seconds."""
    tenant: str | None = field(default=None, validator=optional_text)
    """Only this tenant's spend, if set."""
    vendor: str | None = field(default=None, converter=_lower, validator=optional_text)
    """Only spend on this vendor's models, if set (compared in lower case)."""
    provider: str | None = field(default=None, converter=_lower, validator=optional_text)
    """Only spend through this provider, if set (compared in lower case)."""
    deployment: str | None = field(default=None, validator=optional_text)
    """Only spend on this deployment, if set."""

    def describe(self) -> str:
        """The scope and limit in words."""
        scope = [
            f"{name} {value}"
            for name, value in (
                ("tenant", self.tenant),
                ("vendor", self.vendor),
                ("provider", self.provider),
                ("deployment", self.deployment),
            )
            if value is not None
        ]
        return f"{', '.join(scope) or 'global'}: ${self.limit_usd:g} per {self.window_s:g} s"

    def applies(self, request: Request, deployment: Deployment) -> bool:
        """Whether a call for ``request`` on ``deployment`` counts against this budget."""
        return (
            (self.tenant is None or self.tenant == request.tenant)
            and (self.vendor is None or self.vendor == deployment.vendor)
            and (self.provider is None or self.provider == deployment.provider)
            and (self.deployment is None or self.deployment == deployment.id)
        )

    def counts(self, charge: Charge) -> bool:
        """Whether a ledger charge falls in this budget's scope."""
        return (
            (self.tenant is None or self.tenant == charge.tenant)
            and (self.vendor is None or self.vendor == charge.vendor)
            and (self.provider is None or self.provider == charge.provider)
            and (self.deployment is None or self.deployment == charge.deployment)
        )

    def peak_usd(self, state: State, *, now: float) -> float:
        """The most spent in this scope within any window that contains ``now``."""
        window = self.window_s
        ledger = state.ledger  # in time order: only charges within a window of now matter
        start = bisect_right(ledger, now - window, key=charge_time)
        stop = bisect_left(ledger, now + window, key=charge_time)
        nearby = [charge for charge in ledger[start:stop] if self.counts(charge)]
        return _peak(nearby, now, window)

    def breaks(self, state: State, *, now: float, estimate: float) -> tuple[bool, float]:
        """Whether charging ``estimate`` at ``now`` would break this budget, and the peak.

        The same answer as ``peak_usd(...) + estimate > limit_usd``, read in O(log n)
        from the ledger's cached running sums when no charge lies after ``now`` (the
        usual case); only a sum within rounding distance of the limit is recomputed.

        Examples:
            >>> from modelfolio import Attempt, record
            >>> state = record(State(), Attempt(deployment_id="a", cost_usd=0.75), now=10.0)
            >>> budget = Budget(limit_usd=1.0, window_s=60)
            >>> budget.breaks(state, now=20.0, estimate=0.25), budget.breaks(state, now=20.0, estimate=0.5)
            ((False, 0.75), (True, 0.75))
        """
        peak, slack = self._fast_peak(state, now=now)
        return self._over(state, now, peak, slack, estimate)

    def _fast_peak(self, state: State, *, now: float) -> tuple[float, float]:
        """The peak, and how far rounding may have moved it (0: exact)."""
        ledger = state.ledger
        sums = (
            None
            if ledger and ledger[-1].time > now
            else running_sums(ledger, self._scope, self.counts)
        )
        if sums is None:
            return self.peak_usd(state, now=now), 0.0
        start = bisect_right(ledger, now - self.window_s, key=charge_time)
        peak = max(0.0, sums[-1] - sums[start])
        return peak, 1e-12 * (abs(sums[-1]) + abs(self.limit_usd) + 1.0) * (len(ledger) + 2)

    def _over(
        self, state: State, now: float, peak: float, slack: float, estimate: float
    ) -> tuple[bool, float]:
        if slack and abs(peak + estimate - self.limit_usd) <= slack + 1e-12 * abs(estimate):
            peak = self.peak_usd(state, now=now)  # too close to call: exactly
        return peak + estimate > self.limit_usd, peak

    @property
    def _scope(self) -> tuple[str | None, ...]:
        return (self.tenant, self.vendor, self.provider, self.deployment)


def _peak(charges: Sequence[Charge], now: float, window: float) -> float:
    """Largest sum over windows ``(T - window, T]`` with ``now <= T < now + window``.

    ``charges`` are in time order. A window's sum only changes when its right end
    passes a charge, so the right ends worth checking are ``now`` and each charge time
    after it; a left pointer drops charges as they leave.
    """
    ends = [now, *(charge.time for charge in charges if charge.time > now)]
    best = 0.0
    left = right = 0
    total = 0.0
    for end in ends:
        while right < len(charges) and charges[right].time <= end:
            total += charges[right].cost_usd
            right += 1
        while left < right and charges[left].time <= end - window:
            total -= charges[left].cost_usd
            left += 1
        best = max(best, total)
    return best
