"""Carrying a decision out: call the caller's client, classify failures, fall back.

modelfolio never opens a connection. Every call goes through ``call(deployment,
request) -> Reply``, a function the caller passes in; everything else is the pure
core: route, attempt, record, route again. This module is the only one allowed to
default to the wall clock and to sleep (``time.monotonic``, ``time.sleep``,
``asyncio.sleep``), and both can be passed in.

How each failure moves on:

- ``RATE_LIMITED``: record the cooldown (``retry_after_s`` when given) and go to the
  next candidate; the deployment comes back once its cooldown ends.
- ``TIMEOUT``, ``SERVER_ERROR``: record the failure (towards its circuit breaker) and
  go to the next candidate, from another vendor first.
- ``CONTEXT_TOO_LONG``: go only to deployments with a larger context window.
- ``CONTENT_FILTERED``: go to the next candidate from another vendor.
- ``AUTH``, ``BAD_REQUEST``: stop at once; retrying will not help.

At most ``max_attempts`` calls are made, and none is started after the deadline. The
only waiting is when every remaining candidate is cooling down and the wait fits the
deadline; its length is the cooldown left, or :func:`backoff_s` (exponential with full
jitter from a seeded generator), whichever is longer.
"""

from __future__ import annotations

import asyncio
import inspect
import math
import random
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Generator
from typing import Any, Generic, TypeVar

from attrs import evolve, field, frozen

from modelfolio._catalog.catalog import Catalog, Deployment
from modelfolio._calling.classify import Classification, classify_error
from modelfolio._catalog.prices import Usage, cost
from modelfolio._common.errors import ModelfolioError, ValidationError
from modelfolio._routing.request import Request, RouteContext, estimate_cost
from modelfolio._routing.route import NoRouteError, Policy, check_inputs, route
from modelfolio._calling.replicas import SharedStore, Ticket, apply_update
from modelfolio._routing.state import Attempt, Failure, State, record
from modelfolio._common.validate import count, number

__all__ = ["Execution", "ExecutionError", "Reply", "Router", "aexecute", "backoff_s", "execute"]

_R = TypeVar("_R")


def _usage(instance: object, attribute: Any, value: Any) -> None:
    if value is not None and not isinstance(value, Usage):
        raise ValidationError(f"usage must be a Usage or None, got {value!r}")


@frozen(kw_only=True)
class Reply(Generic[_R]):
    """What the caller's ``call`` returns: the response, and the tokens it used.

    Examples:
        >>> Reply(response="hi", usage=Usage(input_tokens=10, output_tokens=2)).response
        'hi'
    """

    response: _R
    """Anything: the SDK's response object, text, a dict."""
    usage: Usage | None = field(default=None, validator=_usage)
    """Tokens used, priced into the attempt's cost; ``None`` if unknown (cost 0)."""


@frozen(kw_only=True)
class Execution(Generic[_R]):
    """A successful execution: the answer, who gave it, every attempt, the new state."""

    response: _R
    """The response of the deployment that answered."""
    deployment: Deployment
    """The deployment that answered."""
    attempts: tuple[Attempt, ...]
    """Every call made, in order, the last one the success."""
    state: State
    """The state after recording every attempt."""

    @property
    def cost_usd(self) -> float:
        """What the calls cost, in US dollars."""
        return math.fsum(attempt.cost_usd for attempt in self.attempts)


class ExecutionError(ModelfolioError):
    """Calls were made and none succeeded. ``attempts`` lists them; ``state`` holds them.

    The last exception the client raised is chained as ``__cause__``.
    """

    def __init__(self, message: str, attempts: tuple[Attempt, ...], state: State) -> None:
        lines = [message]
        for attempt in attempts:
            latency = "" if attempt.latency_s is None else f" after {attempt.latency_s:.3f} s"
            lines.append(f"  {attempt.deployment_id}: {attempt.failure or 'ok'}{latency}")
        super().__init__("\n".join(lines))
        self.attempts = attempts
        self.state = state


def backoff_s(
    attempt: int, *, rng: random.Random, base_s: float = 0.1, cap_s: float = 10.0
) -> float:
    """Exponential backoff with full jitter: uniform in ``[0, min(cap, base * 2**attempt)]``.

    Examples:
        >>> round(backoff_s(3, rng=random.Random(1)), 4)
        0.1075
    """
    count(attempt, "attempt")
    number(base_s, "base_s")
    number(cap_s, "cap_s")
    if not isinstance(rng, random.Random):
        raise ValidationError(f"rng must be a random.Random, got {rng!r}")
    return rng.uniform(0.0, min(cap_s, base_s * 2.0 ** min(attempt, 64)))


def _classification(value: Any) -> Classification:
    if isinstance(value, Classification):
        return value
    if isinstance(value, Failure):
        return Classification(failure=value)
    if isinstance(value, tuple) and len(value) == 2:
        return Classification(failure=Failure(value[0]), retry_after_s=value[1])
    raise ValidationError(
        f"classify must return a Classification, a Failure or (failure, retry_after_s), got {value!r}"
    )


class _Sleep:
    """A request from the plan to wait before going on."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


class _Call:
    """A request from the plan to call ``deployment``; the outcome is sent back."""

    __slots__ = ("deployment",)

    def __init__(self, deployment: Deployment) -> None:
        self.deployment = deployment


_Outcome = tuple[Any, BaseException | None, float, float]  # reply, error, started, finished


def _plan(
    request: Request,
    catalog: Catalog,
    policy: Policy,
    *,
    get_state: Callable[[], State],
    put_attempt: Callable[[Attempt, float, Ticket | None], State],
    now: Callable[[], float],
    max_attempts: int,
    deadline_s: float | None,
    classify: Callable[[BaseException], Any],
    rng: random.Random,
    wall_clock: Callable[[], float] | None = None,
    reserve: Callable[[Request, Deployment, float | None], Ticket] | None = None,
) -> Generator[_Sleep | _Call, _Outcome | None, Execution[Any]]:
    """The execution as a generator: it yields what to do (sleep, call) and is sent outcomes.

    Sync and async execution drive the same plan; only the waiting and calling differ.
    ``reserve``, when given (a router with a shared store), is asked for a ticket before
    each call; a refused ticket rules the deployment out like a local budget would.
    """
    start = now()
    attempts: list[Attempt] = []
    done: set[str] = set()  # failed here for good (not just cooling down)
    refused: dict[str, str] = {}  # refused by the shared store's budgets
    avoid_vendors: set[str] = set()
    min_window = 0
    last_error: BaseException | None = None
    waits = 0

    def skip_done(req: Request, deployment: Deployment, context: RouteContext) -> str | None:
        if deployment.id in done:
            return "already failed in this execution"
        if deployment.id in refused:
            return refused[deployment.id]
        window = deployment.model.context_window
        if window is not None and window <= min_window:
            return f"window {window:,} is no larger than the one that was too small"
        return None

    plan_policy = evolve(policy, filters=(*policy.filters, skip_done))
    while len(attempts) < max_attempts:
        t = now()
        if deadline_s is not None and t - start >= deadline_s:
            break
        state = get_state()
        try:
            at = None if wall_clock is None else wall_clock()
            decision = route(request, catalog, plan_policy, state=state, now=t, at=at)
        except NoRouteError as error:
            wait = _cooldown_left(error, catalog, state, t)
            if wait is None or waits >= max_attempts:
                # Nothing to wait for, or waited as often as calls are allowed.
                if not attempts:
                    raise
                break
            wait = max(wait, backoff_s(waits, rng=rng))
            waits += 1
            if deadline_s is not None and t - start + wait >= deadline_s:
                break
            yield _Sleep(wait)
            continue
        deployment = _prefer(decision, avoid_vendors, catalog)
        ticket = None
        if reserve is not None:
            ticket = reserve(request, deployment, at)
            if not ticket.granted:
                refused[deployment.id] = ticket.reason or "refused by the shared store"
                continue
        attempt_id = None if ticket is None else ticket.attempt_id
        outcome = yield _Call(deployment)
        assert outcome is not None
        reply, raised, started, finished = outcome
        latency = finished - started
        if raised is None:
            if not isinstance(reply, Reply):
                raise ValidationError(f"call must return a Reply, got {reply!r}")
            spent = 0.0 if reply.usage is None else cost(reply.usage, deployment.price, at=at)
            attempt = Attempt.of(
                deployment,
                usage=reply.usage,
                cost_usd=spent,
                latency_s=latency,
                tenant=request.tenant,
                id=attempt_id,
            )
            attempts.append(attempt)
            state = put_attempt(attempt, finished, ticket)
            return Execution(
                response=reply.response,
                deployment=deployment,
                attempts=tuple(attempts),
                state=state,
            )
        last_error = raised
        verdict = _classification(classify(raised))
        attempt = Attempt.of(
            deployment,
            failure=verdict.failure,
            retry_after_s=verdict.retry_after_s,
            latency_s=latency,
            tenant=request.tenant,
            id=attempt_id,
        )
        attempts.append(attempt)
        state = put_attempt(attempt, finished, ticket)
        failure = verdict.failure
        if failure in (Failure.AUTH, Failure.BAD_REQUEST):
            raise ExecutionError(
                f"{deployment.id} refused the request ({failure}); not retried",
                tuple(attempts),
                state,
            ) from raised
        if failure is not Failure.RATE_LIMITED:
            done.add(deployment.id)
        if failure in (Failure.TIMEOUT, Failure.SERVER_ERROR, Failure.CONTENT_FILTERED):
            avoid_vendors.add(deployment.vendor)
        if failure is Failure.CONTEXT_TOO_LONG and deployment.model.context_window is not None:
            # An unknown window that proved too small tells nothing about the others.
            min_window = max(min_window, deployment.model.context_window)
    message = f"no attempt succeeded ({len(attempts)} of at most {max_attempts} made"
    message += f"; deadline {deadline_s:g} s)" if deadline_s is not None else ")"
    raise ExecutionError(message, tuple(attempts), get_state()) from last_error


def _prefer(decision: Any, avoid_vendors: set[str], catalog: Catalog) -> Deployment:
    """The best-ranked deployment from a vendor not failing in this execution, else the chosen."""
    if not avoid_vendors or decision.chosen.vendor not in avoid_vendors:
        return decision.chosen  # type: ignore[no-any-return]
    for deployment_id in decision.ranking:
        deployment = catalog.deployment(deployment_id)
        if deployment.vendor not in avoid_vendors:
            return deployment
    return decision.chosen  # type: ignore[no-any-return]


def _cooldown_left(error: NoRouteError, catalog: Catalog, state: State, now: float) -> float | None:
    """Seconds until the first deployment held back only by its health is free, if any."""
    waits = [
        until - now
        for deployment_id, reason in error.rejected.items()
        if reason.startswith("is_healthy:")
        and (until := state.blocked_until(deployment_id, now=now)) is not None
    ]
    return min(waits) if waits else None


def _check(max_attempts: Any, deadline_s: Any) -> None:
    if isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or max_attempts < 1:
        raise ValidationError(f"max_attempts must be an integer >= 1, got {max_attempts!r}")
    if deadline_s is not None and (
        isinstance(deadline_s, bool)
        or not isinstance(deadline_s, (int, float))
        or not 0 < deadline_s <= sys.float_info.max  # no isinf: a huge int has no float
    ):
        raise ValidationError(f"deadline_s must be a finite number > 0 or None, got {deadline_s!r}")


def _local_state(
    state: State, now: Callable[[], float]
) -> tuple[Callable[[], State], Callable[[Attempt, float, Ticket | None], State]]:
    box = [state]

    def get_state() -> State:
        return box[0]

    def put_attempt(attempt: Attempt, at: float, ticket: Ticket | None) -> State:
        box[0] = record(box[0], attempt, now=at)
        return box[0]

    return get_state, put_attempt


def _rng_for(request: Request, rng: random.Random | None) -> random.Random:
    return rng if rng is not None else random.Random(request.key or "")


def _drive(
    plan: Generator[Any, Any, Execution[Any]],
    call: Callable[[Deployment, Request], Any],
    request: Request,
    now: Callable[[], float],
    sleep: Callable[[float], Any],
) -> Execution[Any]:
    step = next(plan)
    while True:
        if isinstance(step, _Sleep):
            sleep(step.seconds)
            outcome: Any = None
        else:
            started = now()
            try:
                reply, error = call(step.deployment, request), None
            except Exception as failure:  # every client error is classified
                reply, error = None, failure
            if inspect.isawaitable(reply):
                getattr(reply, "close", lambda: None)()  # no "never awaited" warning
                raise ValidationError(
                    f"call returned an awaitable ({type(reply).__name__}): an async call "
                    "needs aexecute, not execute"
                )
            outcome = (reply, error, started, now())
        try:
            step = plan.send(outcome)
        except StopIteration as finished:
            return finished.value  # type: ignore[no-any-return]


async def _adrive(
    plan: Generator[Any, Any, Execution[Any]],
    call: Callable[[Deployment, Request], Awaitable[Any]],
    request: Request,
    now: Callable[[], float],
    sleep: Callable[[float], Awaitable[Any]],
) -> Execution[Any]:
    step = next(plan)
    while True:
        if isinstance(step, _Sleep):
            await sleep(step.seconds)
            outcome: Any = None
        else:
            started = now()
            error: Exception | None = None
            try:
                pending = call(step.deployment, request)
            except Exception as failure:  # a client error raised before any await
                pending, error = None, failure
            else:
                if not inspect.isawaitable(pending):
                    raise ValidationError(
                        f"call returned {type(pending).__name__}, not an awaitable: a "
                        "synchronous call needs execute, not aexecute"
                    )
            reply = None
            if pending is not None:
                try:
                    reply = await pending
                except Exception as failure:  # every client error is classified
                    error = failure
            outcome = (reply, error, started, now())
        try:
            step = plan.send(outcome)
        except StopIteration as finished:
            return finished.value  # type: ignore[no-any-return]


def _check_call(call: Any) -> None:
    """Refuse a ``call`` that is not a function of (deployment, request), before any call.

    A wrong ``call`` is the caller's bug, not a vendor outage: found here, it is not
    retried against every deployment and recorded as failures.
    """
    if not callable(call):
        raise ValidationError(f"call must be a function of (deployment, request), got {call!r}")
    try:
        signature = inspect.signature(call)
    except (TypeError, ValueError):  # some builtins have no signature: trust them
        return
    try:
        signature.bind(None, None)
    except TypeError as error:
        raise ValidationError(
            f"call must take two arguments (deployment, request); {call!r} {error}"
        ) from None


def _check_inputs(request: Any, catalog: Any, policy: Any, now: Any, sleep: Any) -> None:
    check_inputs(request, catalog, policy)
    for name, value in (("now", now), ("sleep", sleep)):
        if not callable(value):
            raise ValidationError(
                f"{name} must be a function (a clock, or a sleep), got {value!r}"
                + (
                    "; pass now=time.monotonic, or a function returning the time"
                    if name == "now"
                    else ""
                )
            )


def _local_plan(
    request: Request,
    catalog: Catalog,
    policy: Policy,
    state: State | None,
    now: Callable[[], float],
    max_attempts: int,
    deadline_s: float | None,
    classify: Callable[[BaseException], Any],
    rng: random.Random | None,
    wall_clock: Callable[[], float] | None,
) -> Generator[Any, Any, Execution[Any]]:
    """The plan of one execution over its own copy of ``state``."""
    _check(max_attempts, deadline_s)
    get_state, put_attempt = _local_state(State() if state is None else state, now)
    return _plan(
        request,
        catalog,
        policy,
        get_state=get_state,
        put_attempt=put_attempt,
        now=now,
        max_attempts=max_attempts,
        deadline_s=deadline_s,
        classify=classify,
        rng=_rng_for(request, rng),
        wall_clock=wall_clock,
    )


def execute(
    request: Request,
    catalog: Catalog,
    policy: Policy,
    *,
    call: Callable[[Deployment, Request], Reply[Any]],
    state: State | None = None,
    now: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Any] = time.sleep,
    max_attempts: int = 4,
    deadline_s: float | None = None,
    classify: Callable[[BaseException], Any] = classify_error,
    rng: random.Random | None = None,
    wall_clock: Callable[[], float] | None = None,
) -> Execution[Any]:
    """Route ``request`` and call deployments through ``call`` until one answers.

    ``now`` is the monotonic clock health and budgets are kept on; ``wall_clock`` (for
    instance ``time.time``), when given, is read before each routing decision so that
    prices with off-peak windows are compared, and the answer is charged, at the hour
    of the call; without it standard rates apply.

    Raises:
        NoRouteError: no deployment could be routed at all.
        ExecutionError: calls were made and none succeeded (``.attempts``, ``.state``).

    Examples:
        >>> from modelfolio import Policy, Request, reference_catalog
        >>> def call(deployment, request):
        ...     if deployment.provider == "local":
        ...         raise TimeoutError("the laptop is asleep")
        ...     return Reply(response=f"answer from {deployment.id}",
        ...                  usage=Usage(input_tokens=request.input_tokens, output_tokens=40))
        >>> clock = iter(range(100)).__next__
        >>> done = execute(Request(input_tokens=500, output_tokens=100), reference_catalog(),
        ...                Policy(), call=call, now=clock, sleep=lambda s: None)
        >>> done.response, [(a.deployment_id, str(a.failure)) for a in done.attempts]
        ('answer from bedrock/nova-micro', [('local/phi-4-mini', 'timeout'), ('bedrock/nova-micro', 'None')])
    """
    _check_inputs(request, catalog, policy, now, sleep)
    _check_call(call)
    plan = _local_plan(
        request, catalog, policy, state, now, max_attempts, deadline_s, classify, rng, wall_clock
    )
    return _drive(plan, call, request, now, sleep)


async def aexecute(
    request: Request,
    catalog: Catalog,
    policy: Policy,
    *,
    call: Callable[[Deployment, Request], Awaitable[Reply[Any]]],
    state: State | None = None,
    now: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    max_attempts: int = 4,
    deadline_s: float | None = None,
    classify: Callable[[BaseException], Any] = classify_error,
    rng: random.Random | None = None,
    wall_clock: Callable[[], float] | None = None,
) -> Execution[Any]:
    """:func:`execute` for an async ``call`` and an async ``sleep``.

    Examples:
        >>> import asyncio
        >>> from modelfolio import Policy, Request, reference_catalog
        >>> async def call(deployment, request):
        ...     return Reply(response=deployment.id, usage=Usage(input_tokens=10, output_tokens=5))
        >>> done = asyncio.run(aexecute(Request(input_tokens=10, output_tokens=5), reference_catalog(),
        ...                             Policy(), call=call, now=lambda: 0.0))
        >>> done.response, len(done.attempts)
        ('local/phi-4-mini', 1)
    """
    _check_inputs(request, catalog, policy, now, sleep)
    _check_call(call)
    plan = _local_plan(
        request, catalog, policy, state, now, max_attempts, deadline_s, classify, rng, wall_clock
    )
    return await _adrive(plan, call, request, now, sleep)


class Router:
    """The one stateful convenience: a catalog, a policy and a shared :class:`State`.

    Safe to use from many threads and many tasks at once: each attempt is recorded
    into the shared state under a lock as soon as it finishes, so a cooldown one call
    discovers steers every other call at once.

    Examples:
        >>> from modelfolio import Policy, Request, reference_catalog
        >>> router = Router(reference_catalog(), Policy(), now=iter(range(100)).__next__)
        >>> answer = router.complete(Request(input_tokens=10, output_tokens=5),
        ...                          lambda d, r: Reply(response=d.id, usage=Usage(input_tokens=10, output_tokens=5)))
        >>> answer.response, router.state.spent_usd()
        ('local/phi-4-mini', 0.0)

    With ``store=`` (for instance a :class:`modelfolio.redis.RedisStore`), many replicas
    share one state: each routes on what the whole fleet recorded (merged in at most
    every few hundred milliseconds), reserves each call's estimated cost against the
    fleet's budgets before making it, and records every attempt in the store once.
    """

    def __init__(
        self,
        catalog: Catalog,
        policy: Policy,
        *,
        state: State | None = None,
        now: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Any] = time.sleep,
        asleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        max_attempts: int = 4,
        deadline_s: float | None = None,
        classify: Callable[[BaseException], Any] = classify_error,
        seed: int = 0,
        wall_clock: Callable[[], float] | None = None,
        store: SharedStore | None = None,
    ) -> None:
        _check(max_attempts, deadline_s)
        if store is not None and not isinstance(store, SharedStore):
            raise ValidationError(
                f"store must be a shared store (updates, reserve, settle), got {store!r}"
            )
        self.store = store
        self._checked: Any = None  # the call last checked by _check_call_once
        if not isinstance(catalog, Catalog):
            raise ValidationError(f"catalog must be a Catalog, got {catalog!r}")
        if not isinstance(policy, Policy):
            raise ValidationError(f"policy must be a Policy, got {policy!r}")
        self.catalog = catalog
        self.policy = policy
        self._state = State() if state is None else state
        self._lock = threading.Lock()
        self._now, self._sleep, self._asleep = now, sleep, asleep
        self._max_attempts, self._deadline_s, self._classify = max_attempts, deadline_s, classify
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ValidationError(f"seed must be an integer, got {seed!r}")
        self._rng = random.Random(seed)
        self._wall_clock = wall_clock

    @property
    def state(self) -> State:
        """A snapshot of the shared state."""
        with self._lock:
            return self._state

    def _get_state(self) -> State:
        if self.store is not None:
            update = self.store.updates(now=self._now())  # I/O: outside the lock
            if update is not None:
                with self._lock:
                    self._state = apply_update(self._state, update)
                    return self._state
        with self._lock:
            return self._state

    def _put_attempt(self, attempt: Attempt, at: float, ticket: Ticket | None) -> State:
        with self._lock:
            self._state = record(self._state, attempt, now=at)
            state = self._state
        if self.store is not None and ticket is not None:
            self.store.settle(ticket, attempt, now=at)
        return state

    def _check_call_once(self, call: Any) -> None:
        """:func:`_check_call`, skipped for the function checked last (a service passes
        the same one on every request, and reading a signature takes tens of µs)."""
        if call is not self._checked:
            _check_call(call)
            self._checked = call

    def _reserve(self, request: Request, deployment: Deployment, at: float | None) -> Ticket:
        assert self.store is not None
        budgets = tuple(b for b in self.policy.budgets if b.applies(request, deployment))
        estimate = estimate_cost(request, deployment, at=at) if budgets else 0.0
        return self.store.reserve(budgets, estimate, now=self._now())

    def _plan(self, request: Request) -> Generator[Any, Any, Execution[Any]]:
        with self._lock:
            rng = random.Random(self._rng.getrandbits(64))
        return _plan(
            request,
            self.catalog,
            self.policy,
            get_state=self._get_state,
            put_attempt=self._put_attempt,
            now=self._now,
            max_attempts=self._max_attempts,
            deadline_s=self._deadline_s,
            classify=self._classify,
            wall_clock=self._wall_clock,
            rng=rng,
            reserve=None if self.store is None else self._reserve,
        )

    def complete(
        self, request: Request, call: Callable[[Deployment, Request], Reply[Any]]
    ) -> Execution[Any]:
        """Execute ``request`` through ``call``, recording into the shared state."""
        if not isinstance(request, Request):
            raise ValidationError(f"request must be a Request, got {request!r:.80}")
        self._check_call_once(call)
        return _drive(self._plan(request), call, request, self._now, self._sleep)

    async def acomplete(
        self, request: Request, acall: Callable[[Deployment, Request], Awaitable[Reply[Any]]]
    ) -> Execution[Any]:
        """:meth:`complete` for an async ``acall``."""
        if not isinstance(request, Request):
            raise ValidationError(f"request must be a Request, got {request!r:.80}")
        self._check_call_once(acall)
        return await _adrive(self._plan(request), acall, request, self._now, self._asleep)
