"""The pure part of carrying a decision out: which call to make next, and what then.

An execution is planned as a generator (the sans-I/O shape of h11): it yields what to
do next (call a deployment, or sleep) and is sent each call's outcome; it classifies
failures, records them in the state, routes again and finally returns the
:class:`Execution`. :mod:`modelfolio._calling.execute` drives it with the caller's
clients, clock and sleep; this module touches none of them.
"""

from __future__ import annotations

import inspect
import math
import random
from collections.abc import Callable, Generator, Sequence
from typing import Any, Generic, TypeVar

from attrs import evolve, field, frozen

from modelfolio._calling.classify import Classification
from modelfolio._calling.replicas import Ticket
from modelfolio._catalog.catalog import Catalog, Deployment
from modelfolio._catalog.prices import Usage, cost
from modelfolio._common.errors import ModelfolioError, ValidationError
from modelfolio._common.validate import count, number
from modelfolio._routing.context import RouteContext
from modelfolio._routing.request import Request
from modelfolio._routing.route import NoRouteError, Policy, check_inputs, route
from modelfolio._routing.state import Attempt, Failure, State, record

__all__ = ["Execution", "ExecutionError", "Reply", "backoff_s"]

# The largest float: a deadline above it (a huge int) has no float value.
_FLOAT_MAX = float.fromhex("0x1.fffffffffffffp+1023")

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

    def __repr__(self) -> str:
        return (
            f"Execution(deployment={self.deployment.id!r}, attempts={len(self.attempts)}, "
            f"cost_usd={self.cost_usd:.6g}, response={_short(self.response)})"
        )

    def __str__(self) -> str:
        """One line: who answered, after which failures, for how much.

        Examples:
            >>> from modelfolio import Attempt, State, reference_catalog
            >>> catalog = reference_catalog()
            >>> done = Execution(response="hi", deployment=catalog.deployment("bedrock/nova-micro"),
            ...     attempts=(Attempt(deployment_id="local/phi-4-mini", failure="rate_limited",
            ...                       retry_after_s=20),
            ...               Attempt(deployment_id="bedrock/nova-micro", cost_usd=0.00041)),
            ...     state=State())
            >>> print(done)
            served by bedrock/nova-micro after local/phi-4-mini was rate-limited (retry after 20 s); $0.00041, 2 attempts
        """
        return story(self.deployment.id, self.attempts, self.cost_usd)

    def explain(self) -> str:
        """Every attempt on its own line: what it cost, how long it took, why it failed.

        Examples:
            >>> from modelfolio import Attempt, State, Usage, reference_catalog
            >>> catalog = reference_catalog()
            >>> done = Execution(response="hi", deployment=catalog.deployment("bedrock/nova-micro"),
            ...     attempts=(Attempt(deployment_id="local/phi-4-mini", failure="timeout",
            ...                       latency_s=30.0),
            ...               Attempt(deployment_id="bedrock/nova-micro", cost_usd=0.00041,
            ...                       latency_s=0.8, usage=Usage(input_tokens=900, output_tokens=120))),
            ...     state=State())
            >>> print(done.explain())
            1. local/phi-4-mini: timed out after 30 s (first choice)
            2. bedrock/nova-micro: answered after 0.8 s, 900 tokens in and 120 out, $0.00041 (the next choice after 1 failure)
        """
        return explain_attempts(self.attempts)


_FAILED = {
    Failure.RATE_LIMITED: "was rate-limited",
    Failure.TIMEOUT: "timed out",
    Failure.SERVER_ERROR: "failed with a server error",
    Failure.CONTEXT_TOO_LONG: "had too small a context window",
    Failure.CONTENT_FILTERED: "filtered the content",
    Failure.AUTH: "refused the credentials",
    Failure.BAD_REQUEST: "refused the request",
}


def _failed(attempt: Attempt) -> str:
    assert attempt.failure is not None
    said = _FAILED[attempt.failure]
    if attempt.retry_after_s is not None:
        said += f" (retry after {attempt.retry_after_s:g} s)"
    return said


def _short(response: Any) -> str:
    text = repr(response)
    return text if len(text) <= 60 else f"<{type(response).__name__}>"


def story(
    served: str | None, attempts: Sequence[Attempt], cost_usd: float, verb: str = "served by"
) -> str:
    """One line on an execution: who answered, after which failures, for how much."""
    failed = [a for a in attempts if a.failure is not None and a.deployment_id != served]
    head = f"{verb} {served}" if served is not None else "no answer"
    if failed:
        head += " after " + ", ".join(f"{a.deployment_id} {_failed(a)}" for a in failed)
    count = len(attempts)
    return f"{head}; ${cost_usd:.6g}, {count} attempt{'s' if count != 1 else ''}"


def explain_attempts(attempts: Sequence[Attempt]) -> str:
    """One line per attempt: what happened, how long, what it used and cost, and why."""
    lines = []
    failures = 0
    for place, attempt in enumerate(attempts, start=1):
        took = "" if attempt.latency_s is None else f" after {attempt.latency_s:.3g} s"
        if attempt.failure is None:
            what = f"answered{took}"
        else:
            what = f"{_failed(attempt).removeprefix('was ')}{took}"
        if attempt.first_chunk_s is not None:
            what += f", first chunk after {attempt.first_chunk_s:.3g} s"
        if attempt.usage is not None:
            what += (
                f", {attempt.usage.input_tokens:,} tokens in and "
                f"{attempt.usage.output_tokens:,} out"
            )
        if attempt.cost_usd:
            what += f", ${attempt.cost_usd:.6g}" + (
                " (estimated)" if attempt.cost_estimated else ""
            )
        why = (
            "first choice"
            if place == 1
            else f"the next choice after {failures} failure{'s' if failures != 1 else ''}"
        )
        lines.append(f"{place}. {attempt.deployment_id}: {what} ({why})")
        if attempt.failure is not None:
            failures += 1
    return "\n".join(lines)


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

# How a plan tells observers: ``notify(method name, key, *arguments)``; the driver
# calls each observer's method, guarding the call (see modelfolio._calling.execute).
Notify = Callable[..., None]


class _Opened:
    """What a stream driver sends back for a call whose first chunk arrived.

    ``first`` is that chunk (``_NO_CHUNK`` for a stream that ended without any), and
    ``source`` the object ``call`` returned (closed when the stream is).
    """

    __slots__ = ("first", "first_chunk_s", "iterator", "source")

    def __init__(self, source: Any, iterator: Any, first: Any, first_chunk_s: float | None) -> None:
        self.source = source
        self.iterator = iterator
        self.first = first
        self.first_chunk_s = first_chunk_s


_NO_CHUNK = object()


class _Committed:
    """What a streaming plan returns: the deployment that sent a first chunk, and what
    the stream needs to record its attempt once it ends (the plan records the rest)."""

    __slots__ = (
        "at",
        "attempts",
        "deployment",
        "index",
        "key",
        "opened",
        "put_attempt",
        "started",
        "state",
        "ticket",
    )

    def __init__(
        self,
        *,
        at: float | None,
        attempts: tuple[Attempt, ...],
        deployment: Deployment,
        index: int,
        key: object,
        opened: _Opened,
        put_attempt: Callable[[Attempt, float, Ticket | None], State],
        started: float,
        state: State,
        ticket: Ticket | None,
    ) -> None:
        self.at = at
        self.attempts = attempts
        self.deployment = deployment
        self.index = index
        self.key = key
        self.opened = opened
        self.put_attempt = put_attempt
        self.started = started
        self.state = state
        self.ticket = ticket


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
    reserve: Callable[[Request, Deployment, float | None], Ticket | None] | None = None,
    streaming: bool = False,
    notify: Notify | None = None,
) -> Generator[_Sleep | _Call, _Outcome | None, Any]:
    """The execution as a generator: it yields what to do (sleep, call) and is sent outcomes.

    Returns the :class:`Execution`, or for ``streaming`` the :class:`_Committed` stream
    whose first chunk came (its own attempt is recorded by the stream when it ends).
    ``notify``, when given, is told of the execution's start and end and of each
    attempt (the :class:`~modelfolio.Observer` protocol).
    """
    arguments = (request, catalog, policy)
    options: dict[str, Any] = {
        "get_state": get_state,
        "put_attempt": put_attempt,
        "now": now,
        "max_attempts": max_attempts,
        "deadline_s": deadline_s,
        "classify": classify,
        "rng": rng,
        "wall_clock": wall_clock,
        "reserve": reserve,
        "streaming": streaming,
    }
    if notify is None:
        return (yield from _attempts(*arguments, **options, notify=None, key=None))
    key = object()
    notify("execution_started", key, request, streaming)
    try:
        result = yield from _attempts(*arguments, **options, notify=notify, key=key)
    except Exception as error:
        notify("execution_finished", key, getattr(error, "attempts", ()), error)
        raise
    if isinstance(result, Execution):
        notify("execution_finished", key, result.attempts, None)
    return result


def _attempts(
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
    reserve: Callable[[Request, Deployment, float | None], Ticket | None] | None,
    streaming: bool,
    notify: Notify | None,
    key: object,
) -> Generator[_Sleep | _Call, _Outcome | None, Any]:
    """The attempts of :func:`_plan`.

    Sync and async execution drive the same plan; only the waiting and calling differ.
    ``reserve``, when given (a router with a shared store or budgets), is asked for a
    ticket before each call; a refused ticket rules the deployment out like a local
    budget would.
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
            if ticket is not None and not ticket.granted:
                refused[deployment.id] = ticket.reason or "refused by the shared store"
                continue
        attempt_id = None if ticket is None else ticket.attempt_id
        index = len(attempts)
        if notify is not None:
            notify("attempt_started", key, index, deployment, decision)
        outcome = yield _Call(deployment)
        assert outcome is not None
        reply, raised, started, finished = outcome
        latency = finished - started
        if raised is None and streaming:
            assert isinstance(reply, _Opened)
            return _Committed(
                at=at,
                attempts=tuple(attempts),
                deployment=deployment,
                index=index,
                key=key,
                opened=reply,
                put_attempt=put_attempt,
                started=started,
                state=state,
                ticket=ticket,
            )
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
            if notify is not None:
                notify("attempt_finished", key, index, attempt, None)
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
        if notify is not None:
            notify("attempt_finished", key, index, attempt, raised)
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
        or not 0 < deadline_s <= _FLOAT_MAX  # no isinf: a huge int has no float
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
    *,
    streaming: bool = False,
    notify: Notify | None = None,
) -> Generator[Any, Any, Any]:
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
        streaming=streaming,
        notify=notify,
    )
