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
import random
import threading
import time
from collections.abc import Awaitable, Callable, Generator
from typing import Any

from modelfolio._calling.classify import classify_error
from modelfolio._calling.replicas import SharedStore, Ticket, apply_update
from modelfolio._catalog.catalog import Catalog, Deployment
from modelfolio._common.errors import ValidationError
from modelfolio._routing.request import Request, estimate_cost
from modelfolio._routing.route import Policy
from modelfolio._routing.state import Attempt, State, record

__all__ = ["Router", "aexecute", "execute"]

from modelfolio._calling.plan import (
    Execution,
    Reply,
    _check,
    _check_call,
    _check_inputs,
    _local_plan,
    _plan,
    _Sleep,
)


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
        >>> from modelfolio import Policy, Reply, Request, Usage, reference_catalog
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
        >>> from modelfolio import Policy, Reply, Request, Usage, reference_catalog
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
        >>> from modelfolio import Policy, Reply, Request, Usage, reference_catalog
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
        if state is not None and not isinstance(state, State):
            raise ValidationError(f"state must be a State or None, got {state!r:.80}")
        for name, function in (
            ("now", now),
            ("sleep", sleep),
            ("asleep", asleep),
            ("classify", classify),
            ("wall_clock", wall_clock),
        ):
            if not callable(function) and not (name == "wall_clock" and function is None):
                raise ValidationError(
                    f"{name} must be a function, got {function!r:.80}"
                    + (
                        "; pass now=time.monotonic, or a function returning the time"
                        if name == "now"
                        else ""
                    )
                )
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
