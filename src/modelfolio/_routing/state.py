"""Health and spend as an immutable value: ``record(state, attempt, now=...)``.

:class:`State` remembers what routing needs to know about the past: which deployments
are cooling down after a rate limit, which have tripped their circuit breaker, which
vendors are failing across several deployments at once, and what has been spent. It
never changes: :func:`record` returns a new state, so a caller can keep, compare, share
or discard states freely. Time is always passed in, in seconds on any clock the caller
chooses (``time.monotonic()`` in a service, plain numbers in a test).

The rules, with the thresholds in :class:`HealthConfig`:

- a rate limit cools the deployment down for ``retry_after_s``, or for
  ``rate_limit_cooldown_s`` when the error gave no hint;
- ``breaker_failures`` timeouts or server errors within ``breaker_window_s`` open the
  deployment's circuit breaker for ``breaker_cooldown_s``; after that it is
  *half-open*: routable again, ranked after healthy deployments, and the next outcome
  decides (a success closes the breaker, a failure opens it again at once);
- when ``vendor_failures`` distinct deployments of one vendor fail (rate limits,
  timeouts, server errors) within ``vendor_window_s``, the vendor is *degraded*: its
  deployments still serve, but rank below every healthy vendor's;
- every attempt's ``cost_usd`` is charged to the spend ledger;
- every attempt that measured its time to first chunk (a streamed call) moves the
  deployment's observed first-chunk time towards it (an exponentially weighted mean,
  newest weight ``first_chunk_weight``), which :data:`~modelfolio.by_latency` ranks on.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any

from attrs import evolve, field, frozen
from attrs import fields as attrs_fields

from modelfolio._catalog.catalog import Deployment
from modelfolio._catalog.prices import Usage, cost
from modelfolio._common.errors import ValidationError
from modelfolio._common.table import html_table
from modelfolio._common.validate import (
    NamedValues,
    check,
    fail,
    finite,
    is_bool,
    number,
    optional_number,
    optional_text,
    positive_count,
    text,
)

__all__ = ["Attempt", "Charge", "Failure", "HealthConfig", "State", "record"]


class Failure(NamedValues):
    """How a call failed."""

    RATE_LIMITED = "rate_limited"
    TIMEOUT = "timeout"
    SERVER_ERROR = "server_error"
    CONTEXT_TOO_LONG = "context_too_long"
    CONTENT_FILTERED = "content_filtered"
    AUTH = "auth"
    BAD_REQUEST = "bad_request"

    def __str__(self) -> str:
        return self.value


_BREAKER_FAILURES = frozenset({Failure.TIMEOUT, Failure.SERVER_ERROR})
_VENDOR_FAILURES = frozenset({Failure.RATE_LIMITED, Failure.TIMEOUT, Failure.SERVER_ERROR})


def _failure(value: Failure | str | None) -> Failure | None:
    if value is None or isinstance(value, Failure):
        return value
    try:
        return Failure(value)
    except ValueError:
        known = ", ".join(failure.value for failure in Failure)
        raise ValidationError(f"failure must be one of {known} or None, got {value!r}") from None


def _usage(instance: object, attribute: Any, value: Any) -> None:
    if value is not None and not isinstance(value, Usage):
        raise ValidationError(f"usage must be a Usage or None, got {value!r}")


@frozen(kw_only=True)
class Attempt:
    """One call's outcome: success (``failure=None``) or a classified failure.

    ``vendor``, ``provider`` and ``tenant`` let the ledger answer per-vendor and
    per-tenant questions and let a vendor's correlated failures be noticed;
    :meth:`Attempt.of` fills them from the deployment.

    Examples:
        >>> Attempt(deployment_id="openai/gpt-5", failure="rate_limited", retry_after_s=20).failure
        <Failure.RATE_LIMITED: 'rate_limited'>
    """

    deployment_id: str = field(validator=check(text))
    """The deployment that was called."""
    failure: Failure | None = field(default=None, converter=_failure)
    """``None`` for success, else how it failed."""
    retry_after_s: float | None = field(default=None, validator=check(optional_number))
    """How long the provider asked us to wait, if it said."""
    usage: Usage | None = field(default=None, validator=_usage)
    """Tokens consumed, if known."""
    cost_usd: float = field(default=0.0, validator=check(number))
    """What the call cost, charged to the ledger."""
    latency_s: float | None = field(default=None, validator=check(optional_number))
    """Wall time of the call, if measured."""
    vendor: str | None = field(default=None, validator=optional_text)
    """The deployment's vendor, for vendor health and per-vendor spend."""
    provider: str | None = field(default=None, validator=optional_text)
    """The deployment's provider, for per-provider spend."""
    tenant: str | None = field(default=None, validator=optional_text)
    """Whom the call was for, for per-tenant spend."""
    id: str | None = field(default=None, validator=optional_text)
    """A unique id for the attempt, if it has one: a shared store (``modelfolio.redis``)
    gives each attempt one and records it exactly once under it."""
    first_chunk_s: float | None = field(default=None, validator=check(optional_number))
    """Seconds from the call to its first chunk, for a streamed call; ``None`` otherwise
    (or when no chunk came)."""
    cost_estimated: bool = field(default=False, validator=is_bool)
    """Whether ``cost_usd`` is the request's estimate rather than the priced usage (a
    stream that reported no usage)."""

    @property
    def ok(self) -> bool:
        """Whether the call succeeded."""
        return self.failure is None

    @classmethod
    def of(
        cls,
        deployment: Deployment,
        *,
        failure: Failure | str | None = None,
        usage: Usage | None = None,
        cost_usd: float | None = None,
        retry_after_s: float | None = None,
        latency_s: float | None = None,
        tenant: str | None = None,
        id: str | None = None,
        first_chunk_s: float | None = None,
        cost_estimated: bool = False,
    ) -> Attempt:
        """An attempt on ``deployment``; its cost is priced from ``usage`` unless given.

        Examples:
            >>> from modelfolio import Usage, reference_catalog
            >>> d = reference_catalog().deployment("openai/gpt-5-mini")
            >>> a = Attempt.of(d, usage=Usage(input_tokens=4_000, output_tokens=1_000))
            >>> a.vendor, a.provider, a.cost_usd
            ('openai', 'openai', 0.003)
        """
        if cost_usd is None:
            cost_usd = 0.0 if usage is None else cost(usage, deployment.price)
        return cls(
            deployment_id=deployment.id,
            failure=failure,
            retry_after_s=retry_after_s,
            usage=usage,
            cost_usd=cost_usd,
            latency_s=latency_s,
            vendor=deployment.vendor,
            provider=deployment.provider,
            tenant=tenant,
            id=id,
            first_chunk_s=first_chunk_s,
            cost_estimated=cost_estimated,
        )


def _weight(instance: object, attribute: Any, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        raise ValidationError(f"{attribute.name} must be a number in (0, 1], got {value!r}")


@frozen(kw_only=True)
class HealthConfig:
    """Thresholds for cooldowns, circuit breakers and vendor degradation (seconds)."""

    rate_limit_cooldown_s: float = field(default=30.0, validator=check(number))
    """Cooldown after a rate limit that gave no ``retry_after_s``."""
    breaker_failures: int = field(default=3, validator=check(positive_count))
    """Timeouts or server errors within the window that open the breaker."""
    breaker_window_s: float = field(default=60.0, validator=check(number))
    """The window those failures are counted in."""
    breaker_cooldown_s: float = field(default=30.0, validator=check(number))
    """How long an open breaker stays open before it half-opens."""
    vendor_failures: int = field(default=2, validator=check(positive_count))
    """Distinct failing deployments of one vendor that mark it degraded."""
    vendor_window_s: float = field(default=60.0, validator=check(number))
    """The window those failures are counted in, and how long degradation lasts."""
    first_chunk_weight: float = field(default=0.3, validator=_weight)
    """The newest measurement's weight in a deployment's observed first-chunk time
    (1: only the latest counts)."""


def _charge_time(instance: object, attribute: Any, value: Any) -> None:
    finite(value, "time")


def _charge_cost(instance: object, attribute: Any, value: Any) -> None:
    number(value, "cost_usd")


def _charge_label(instance: object, attribute: Any, value: Any) -> None:
    if attribute.name == "deployment" or value is not None:
        text(value, attribute.name)


@frozen(kw_only=True)
class Charge:
    """One entry of the spend ledger."""

    time: float = field(validator=_charge_time)
    """When it was recorded (the ``now`` passed to :func:`record`)."""
    cost_usd: float = field(validator=_charge_cost)
    """The amount, in US dollars (finite, at least 0)."""
    deployment: str = field(validator=_charge_label)
    """The deployment called."""
    vendor: str | None = field(validator=_charge_label)
    """Its vendor, if the attempt said."""
    provider: str | None = field(validator=_charge_label)
    """Its provider, if the attempt said."""
    tenant: str | None = field(validator=_charge_label)
    """The tenant, if the attempt said."""


def _read_only(value: Mapping[Any, Any]) -> Mapping[Any, Any]:
    return value if isinstance(value, MappingProxyType) else MappingProxyType(dict(value))


def _mapping(name: str, value: Any) -> Mapping[Any, Any]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Mapping):
        raise fail(ValidationError, name, value, "a mapping of ids to times")
    for key in value:
        text(key, name)
    return _read_only(value)


def _times(name: str, value: Any) -> Mapping[str, float]:
    """Deployment id -> a finite time (a cooldown's or a breaker's end)."""
    checked = _mapping(name, value)
    for key, time in checked.items():
        finite(time, f"{name}[{key!r}]")
    return checked


def _cooldowns(value: Any) -> Mapping[str, float]:
    return _times("cooldowns", value)


def _breakers(value: Any) -> Mapping[str, float]:
    return _times("breakers", value)


def _first_chunks(value: Any) -> Mapping[str, float]:
    """Deployment id -> observed seconds to the first chunk (finite, >= 0)."""
    checked = _mapping("first_chunk_s", value)
    for key, seconds in checked.items():
        number(seconds, f"first_chunk_s[{key!r}]")
    return checked


def _failure_times(value: Any) -> Mapping[str, tuple[float, ...]]:
    """Deployment id -> the finite times of its recent failures."""
    checked = _mapping("failures", value)
    fixed = {}
    for key, times in checked.items():
        if isinstance(times, (str, bytes)) or not isinstance(times, Iterable):
            raise fail(ValidationError, f"failures[{key!r}]", times, "a sequence of times")
        fixed[key] = tuple(finite(t, f"failures[{key!r}]") for t in times)
    return MappingProxyType(fixed)


def _vendor_events(value: Any) -> Mapping[str, tuple[tuple[float, str], ...]]:
    """Vendor -> its recent (time, deployment id) failures."""
    checked = _mapping("vendor_failures", value)
    fixed = {}
    for key, events in checked.items():
        where = f"vendor_failures[{key!r}]"
        if isinstance(events, (str, bytes)) or not isinstance(events, Iterable):
            raise fail(ValidationError, where, events, "a sequence of (time, deployment id)")
        pairs = []
        for event in events:
            if not isinstance(event, tuple) or len(event) != 2:
                raise fail(ValidationError, where, event, "a (time, deployment id) pair")
            pairs.append((finite(event[0], where), text(event[1], where)))
        fixed[key] = tuple(pairs)
    return MappingProxyType(fixed)


class _Ledger(tuple):  # type: ignore[type-arg]
    """A tuple of charges already validated and in time order (what ``record`` builds).

    It also caches, per budget scope asked about, the running sums of its charges'
    costs (``sums[k]`` = cost of the first ``k`` charges in scope), so that a budget
    check reads a window's spend in O(log n); appending a charge extends each cached
    list instead of recomputing it.
    """

    _sums: dict[Any, tuple[Callable[[Charge], bool], list[float]]]


def running_sums(
    ledger: tuple[Charge, ...], key: Any, counts: Callable[[Charge], bool]
) -> list[float] | None:
    """The running sums of ``ledger``'s in-scope costs (``None`` for a plain tuple)."""
    if not isinstance(ledger, _Ledger):
        return None
    cache = ledger.__dict__.setdefault("_sums", {})
    found = cache.get(key)
    if found is not None:
        sums: list[float] = found[1]
        return sums
    sums = [0.0]
    total = 0.0
    for charge in ledger:  # once per ledger: later ones extend it as they are built
        if counts(charge):
            total += charge.cost_usd
        sums.append(total)
    cache[key] = (counts, sums)
    return sums


def charge_time(charge: Charge) -> float:
    """When a charge was recorded (the ledger's sort key)."""
    return charge.time


def _charges(value: Iterable[Charge]) -> tuple[Charge, ...]:
    if isinstance(value, _Ledger):
        return value  # built by record: checked and sorted already
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise ValidationError(f"ledger must be a sequence of Charge values, got {value!r:.80}")
    charges = tuple(value)
    for charge in charges:
        if not isinstance(charge, Charge):
            raise ValidationError(f"ledger must hold Charge values, got {charge!r}")
    return _Ledger(sorted(charges, key=charge_time))


def _is_health_config(instance: object, attribute: Any, value: Any) -> None:
    if not isinstance(value, HealthConfig):
        raise ValidationError(f"config must be a HealthConfig, got {value!r}")


@frozen(kw_only=True)
class State:
    """Health and spend at a point in time. Immutable: :func:`record` returns a new one.

    Examples:
        >>> state = State()
        >>> state = record(state, Attempt(deployment_id="a", failure="rate_limited", retry_after_s=10), now=100.0)
        >>> state.cooling_down("a", now=105.0), state.cooling_down("a", now=111.0)
        (True, False)
    """

    config: HealthConfig = field(factory=HealthConfig, validator=_is_health_config)
    """The thresholds in force."""
    cooldowns: Mapping[str, float] = field(factory=dict, converter=_cooldowns)
    """Deployment id to the time its rate-limit cooldown ends."""
    failures: Mapping[str, tuple[float, ...]] = field(factory=dict, converter=_failure_times)
    """Deployment id to the times of its recent timeouts and server errors."""
    breakers: Mapping[str, float] = field(factory=dict, converter=_breakers)
    """Deployment id to the time its open breaker half-opens (present while not closed)."""
    vendor_failures: Mapping[str, tuple[tuple[float, str], ...]] = field(
        factory=dict, converter=_vendor_events
    )
    """Vendor to its recent ``(time, deployment id)`` failures."""
    ledger: tuple[Charge, ...] = field(default=(), converter=_charges)
    """Every charge, in time order."""
    first_chunk_s: Mapping[str, float] = field(factory=dict, converter=_first_chunks)
    """Deployment id to its observed seconds to the first chunk (streamed calls), a
    weighted mean of the measurements (see ``HealthConfig.first_chunk_weight``)."""

    def cooling_down(self, deployment_id: str, *, now: float) -> bool:
        """Whether a rate limit still holds ``deployment_id`` back at ``now``."""
        try:  # routing asks this of every deployment: check only what fails
            return self.cooldowns.get(deployment_id, -float("inf")) > now
        except TypeError:
            raise _bad_question(deployment_id, now) from None

    def breaker(self, deployment_id: str, *, now: float) -> str:
        """``"closed"``, ``"open"`` or ``"half_open"`` at ``now``."""
        try:
            until = self.breakers.get(deployment_id)
            if until is None:
                return "closed"
            return "open" if until > now else "half_open"
        except TypeError:
            raise _bad_question(deployment_id, now) from None

    def blocked_until(self, deployment_id: str, *, now: float) -> float | None:
        """When ``deployment_id`` may be called again, or ``None`` if it may be now."""
        try:
            until = max(
                self.cooldowns.get(deployment_id, -float("inf")),
                self.breakers.get(deployment_id, -float("inf")),
            )
            return until if until > now else None
        except TypeError:
            raise _bad_question(deployment_id, now) from None

    def degraded_vendors(self, *, now: float) -> frozenset[str]:
        """Vendors with failures on enough distinct deployments within the window."""
        config = self.config
        now = finite(now, "now")
        horizon = now - config.vendor_window_s
        return frozenset(
            vendor
            for vendor, events in self.vendor_failures.items()
            if len({d for t, d in events if horizon < t <= now}) >= config.vendor_failures
        )

    def spent_usd(
        self,
        *,
        tenant: str | None = None,
        vendor: str | None = None,
        provider: str | None = None,
        deployment: str | None = None,
        since: float | None = None,
    ) -> float:
        """Total charged, narrowed by whichever of the arguments are set.

        Examples:
            >>> state = record(State(), Attempt(deployment_id="a", cost_usd=0.5, vendor="openai"), now=1.0)
            >>> state = record(state, Attempt(deployment_id="b", cost_usd=0.25, vendor="meta"), now=2.0)
            >>> state.spent_usd(), state.spent_usd(vendor="meta"), state.spent_usd(since=1.5)
            (0.75, 0.25, 0.25)
        """
        ledger = self.ledger
        start = 0 if since is None else bisect_left(ledger, since, key=charge_time)
        return math.fsum(
            charge.cost_usd
            for charge in ledger[start:]
            if (tenant is None or charge.tenant == tenant)
            and (vendor is None or charge.vendor == vendor)
            and (provider is None or charge.provider == provider)
            and (deployment is None or charge.deployment == deployment)
        )

    @property
    def quiet(self) -> bool:
        """Whether no deployment has any health mark (routing can skip health checks)."""
        return not (self.cooldowns or self.breakers or self.vendor_failures)

    def forget_before(self, time: float) -> State:
        """A copy without ledger charges and failure marks older than ``time``."""
        return evolve(
            self,
            ledger=tuple(charge for charge in self.ledger if charge.time >= time),
            failures={
                d: kept
                for d, times in self.failures.items()
                if (kept := tuple(t for t in times if t >= time))
            },
            vendor_failures={
                v: recent
                for v, events in self.vendor_failures.items()
                if (recent := tuple(e for e in events if e[0] >= time))
            },
        )

    def to_rows(self) -> list[dict[str, object]]:
        """The health marks, one plain dict per marked deployment."""
        marked = sorted(set(self.cooldowns) | set(self.breakers) | set(self.failures))
        return [
            {
                "deployment": d,
                "cooldown_until": self.cooldowns.get(d),
                "breaker_until": self.breakers.get(d),
                "recent_failures": len(self.failures.get(d, ())),
                "spent_usd": self.spent_usd(deployment=d),
            }
            for d in marked
        ]

    def _repr_html_(self) -> str:
        return html_table(self.to_rows(), caption=f"State: ${self.spent_usd():.6g} spent")


def _bad_question(deployment_id: Any, now: Any) -> ValidationError:
    """The error for a health question asked with a bad id or time."""
    text(deployment_id, "deployment_id")
    finite(now, "now")
    return ValidationError(f"cannot ask about {deployment_id!r} at {now!r:.80}")


def _insert_charge(ledger: tuple[Charge, ...], charge: Charge) -> tuple[Charge, ...]:
    """``ledger`` with ``charge`` in time order (after any charges at the same time).

    The running sums ``ledger`` has cached are carried over: those before the charge
    stay, those after it grow by its cost (only the last one when it is appended).
    """
    if not ledger or ledger[-1].time <= charge.time:
        position = len(ledger)
        longer = _Ledger((*ledger, charge))
    else:
        position = bisect_right(ledger, charge.time, key=charge_time)
        longer = _Ledger((*ledger[:position], charge, *ledger[position:]))
    cached = ledger.__dict__.get("_sums") if isinstance(ledger, _Ledger) else None
    if cached:
        longer._sums = {}
        for key, (counts, sums) in cached.items():
            step = charge.cost_usd if counts(charge) else 0.0
            longer._sums[key] = (
                counts,
                [*sums[: position + 1], *(v + step for v in sums[position:])],
            )
    return longer


def record(state: State, attempt: Attempt, *, now: float) -> State:
    """The state after ``attempt`` finished at ``now``.

    Examples:
        >>> state = State()
        >>> for t in (1.0, 2.0, 3.0):
        ...     state = record(state, Attempt(deployment_id="a", failure="server_error"), now=t)
        >>> state.breaker("a", now=4.0), state.breaker("a", now=40.0)
        ('open', 'half_open')
        >>> state = record(state, Attempt(deployment_id="a"), now=41.0)
        >>> state.breaker("a", now=41.0)
        'closed'
    """
    if not isinstance(state, State):
        raise ValidationError(f"state must be a State, got {state!r}")
    if not isinstance(attempt, Attempt):
        raise ValidationError(f"attempt must be an Attempt, got {attempt!r}")
    now = finite(now, "now")
    config = state.config
    deployment = attempt.deployment_id
    changes: dict[str, Any] = {}
    failure = attempt.failure

    if failure is None:
        if deployment in state.breakers or deployment in state.failures:
            changes["breakers"] = _without(state.breakers, deployment)
            changes["failures"] = _without(state.failures, deployment)
        if deployment in state.cooldowns and state.cooldowns[deployment] <= now:
            changes["cooldowns"] = _without(state.cooldowns, deployment)
    elif failure is Failure.RATE_LIMITED:
        wait = (
            config.rate_limit_cooldown_s if attempt.retry_after_s is None else attempt.retry_after_s
        )
        until = max(now + wait, state.cooldowns.get(deployment, -float("inf")))
        changes["cooldowns"] = {**state.cooldowns, deployment: until}
    elif failure in _BREAKER_FAILURES:
        horizon = now - config.breaker_window_s
        recent = (*(t for t in state.failures.get(deployment, ()) if t > horizon), now)
        half_open = state.breaker(deployment, now=now) == "half_open"
        if half_open or len(recent) >= config.breaker_failures:
            changes["breakers"] = {**state.breakers, deployment: now + config.breaker_cooldown_s}
            changes["failures"] = _without(state.failures, deployment)
        else:
            changes["failures"] = {**state.failures, deployment: recent}

    if failure in _VENDOR_FAILURES and attempt.vendor is not None:
        horizon = now - config.vendor_window_s
        events = tuple(e for e in state.vendor_failures.get(attempt.vendor, ()) if e[0] > horizon)
        changes["vendor_failures"] = {
            **state.vendor_failures,
            attempt.vendor: (*events, (now, deployment)),
        }

    if attempt.cost_usd > 0:
        charge = Charge(
            time=now,
            cost_usd=attempt.cost_usd,
            deployment=deployment,
            vendor=attempt.vendor,
            provider=attempt.provider,
            tenant=attempt.tenant,
        )
        changes["ledger"] = _insert_charge(state.ledger, charge)
    if attempt.first_chunk_s is not None:
        seen = state.first_chunk_s.get(deployment)
        weight = config.first_chunk_weight
        mean = (
            attempt.first_chunk_s
            if seen is None
            else seen + weight * (attempt.first_chunk_s - seen)
        )
        changes["first_chunk_s"] = {**state.first_chunk_s, deployment: mean}
    return _evolved(state, changes) if changes else state


def _evolved(state: State, changes: Mapping[str, Any]) -> State:
    """``state`` with ``changes`` made by :func:`record` from values it has checked.

    Skips the constructor's checks, which would re-examine every mark on every call.
    """
    new = object.__new__(State)
    for name in _STATE_FIELDS:
        value = changes[name] if name in changes else getattr(state, name)
        if isinstance(value, dict):
            value = MappingProxyType(value)
        object.__setattr__(new, name, value)
    return new


def _without(mapping: Mapping[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k != key}


_STATE_FIELDS = tuple(f.name for f in attrs_fields(State))


def vendor_spend_shares(state: State, *, now: float, window_s: float) -> dict[str, float]:
    """Each vendor's share of the spend recorded in ``(now - window_s, now]``.

    Examples:
        >>> from modelfolio import Attempt, record
        >>> state = State()
        >>> for vendor, spent in (("openai", 0.6), ("anthropic", 0.4)):
        ...     state = record(state, Attempt(deployment_id=f"{vendor}/m", vendor=vendor,
        ...                                   cost_usd=spent), now=10.0)
        >>> vendor_spend_shares(state, now=20.0, window_s=3600)
        {'anthropic': 0.4, 'openai': 0.6}
    """
    ledger = state.ledger  # in time order
    start = bisect_right(ledger, now - window_s, key=charge_time)
    recent = ledger[start : bisect_right(ledger, now, key=charge_time)]
    total = math.fsum(charge.cost_usd for charge in recent)
    if total <= 0:
        return {}
    spent: dict[str, list[float]] = {}
    for charge in recent:
        if charge.vendor is not None:
            spent.setdefault(charge.vendor, []).append(charge.cost_usd)
    return {vendor: math.fsum(costs) / total for vendor, costs in sorted(spent.items())}


def with_charges(state: State, charges: Iterable[Charge]) -> State:
    """``state`` with ``charges`` added to its ledger (in time order), nothing else changed.

    A router shows routing its in-flight reservations this way: as charges of their
    estimated cost, so budgets and vendor shares count them until the call settles.
    """
    ledger = state.ledger
    for charge in charges:
        ledger = _insert_charge(ledger, charge)
    return state if ledger is state.ledger else _evolved(state, {"ledger": ledger})
