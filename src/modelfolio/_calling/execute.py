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

Streams (:func:`execute_stream`, :func:`aexecute_stream`, :meth:`Router.stream`,
:meth:`Router.astream`) fail over the same way until a deployment sends its first chunk
(an error from ``call`` or from the first ``next``, or no chunk within
``first_chunk_timeout_s``, is a failed attempt); the stream object then records the
committed attempt when it ends. The first-chunk timeout is kept on a worker thread for a
synchronous stream and with ``asyncio.wait_for`` for an async one. Observers
(``observers=``) are called here, each call guarded: one that raises is logged once on
the ``modelfolio`` logger and the call goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import itertools
import logging
import random
import threading
import time
import weakref
from collections.abc import Awaitable, Callable, Coroutine, Generator, Iterable
from typing import Any, Generic, TypeVar

from modelfolio._calling.classify import classify_error
from modelfolio._calling.observers import Observer
from modelfolio._calling.plan import (
    _NO_CHUNK,
    Execution,
    Notify,
    Reply,
    _check,
    _check_call,
    _check_inputs,
    _Committed,
    _local_plan,
    _Opened,
    _plan,
    _Sleep,
)
from modelfolio._calling.replicas import SharedStore, Ticket, apply_update
from modelfolio._calling.stream import (
    AsyncExecutionStream,
    ExecutionStream,
    UsageReader,
    _aclose,
    _close,
)
from modelfolio._catalog.catalog import Catalog, Deployment
from modelfolio._common.errors import ValidationError
from modelfolio._routing.request import Request, estimate_cost
from modelfolio._routing.route import Policy
from modelfolio._routing.state import Attempt, Charge, State, record, with_charges

__all__ = ["Router", "aexecute", "aexecute_stream", "execute", "execute_stream"]

_LOG = logging.getLogger("modelfolio")
_S = TypeVar("_S")


def _notifier(observers: Iterable[Observer] | None) -> Notify | None:
    """One function that tells every observer, each call guarded; ``None`` for none."""
    if observers is None:
        return None
    if isinstance(observers, (str, bytes)) or not isinstance(observers, Iterable):
        raise ValidationError(f"observers must be a sequence of observers, got {observers!r:.80}")
    chosen = tuple(observers)
    for observer in chosen:
        if not isinstance(observer, Observer):
            raise ValidationError(
                "observers must have execution_started, attempt_started, attempt_finished "
                f"and execution_finished methods; {observer!r:.80} does not"
            )
    if not chosen:
        return None

    def notify(name: str, *arguments: Any) -> None:
        for observer in chosen:
            try:
                getattr(observer, name)(*arguments)
            except Exception:
                _complain_once(observer, name)

    return notify


_COMPLAINED: weakref.WeakSet[Any] = weakref.WeakSet()
_COMPLAINED_IDS: set[int] = set()  # observers that cannot be weakly referenced
_COMPLAINED_LOCK = threading.Lock()


def _complain_once(observer: Any, name: str) -> None:
    """Log an observer's error, once per observer: calls go on regardless."""
    with _COMPLAINED_LOCK:
        try:
            if observer in _COMPLAINED:
                return
            _COMPLAINED.add(observer)
        except TypeError:
            if id(observer) in _COMPLAINED_IDS:
                return
            _COMPLAINED_IDS.add(id(observer))
    _LOG.exception(
        "observer %r raised in %s; the call goes on (further errors from it are not logged)",
        observer,
        name,
    )


class _Misuse(Exception):
    """A caller's bug found while opening a stream: raised as is, never classified."""

    def __init__(self, error: ValidationError) -> None:
        super().__init__(str(error))
        self.error = error


class _Failed:
    """An exception carried out of ``asyncio.wait_for`` as a value (so that a
    TimeoutError escaping it can only be the wait's own)."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


class _FirstChunkTimeout(TimeoutError):
    """No first chunk within ``first_chunk_timeout_s`` (classified as a timeout)."""


def _open(
    call: Callable[[Deployment, Request], Any],
    deployment: Deployment,
    request: Request,
    now: Callable[[], float],
) -> tuple[Any, Any, Any, float]:
    """Call, then wait for the first chunk: (source, iterator, first chunk, its time)."""
    source = call(deployment, request)
    if inspect.isawaitable(source):
        getattr(source, "close", lambda: None)()  # no "never awaited" warning
        raise _Misuse(
            ValidationError(
                f"call returned an awaitable ({type(source).__name__}): an async call "
                "needs aexecute_stream, not execute_stream"
            )
        )
    try:
        iterator = iter(source)
    except TypeError:
        raise _Misuse(
            ValidationError(
                f"call must return the SDK's stream (an iterable of chunks), got "
                f"{type(source).__name__}"
            )
        ) from None
    try:
        first = next(iterator, _NO_CHUNK)
    except BaseException:
        _quietly(_close, source)
        raise
    return source, iterator, first, now()


def _quietly(close: Callable[[Any], Any], source: Any) -> None:
    # closing a stream that already failed or was given up on: nothing more to learn
    with contextlib.suppress(Exception):
        close(source)


async def _aquietly(source: Any) -> None:
    with contextlib.suppress(Exception):
        await _aclose(source)


def _open_within(
    call: Callable[[Deployment, Request], Any],
    deployment: Deployment,
    request: Request,
    now: Callable[[], float],
    timeout_s: float,
) -> tuple[Any, Any, Any, float]:
    """:func:`_open` on a worker thread, given up after ``timeout_s`` seconds.

    A stream that opens after it was given up is closed by the worker at once.
    """
    lock = threading.Lock()
    done = threading.Event()
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            result: Any = _open(call, deployment, request, now)
        except BaseException as error:  # carried to the caller's thread
            result = _Failed(error)
        with lock:
            box["result"] = result
            late = box.get("abandoned", False)
        done.set()
        if late and not isinstance(result, _Failed):
            _quietly(_close, result[0])

    threading.Thread(target=work, name="modelfolio-first-chunk", daemon=True).start()
    done.wait(timeout_s)
    with lock:
        if "result" not in box:
            box["abandoned"] = True
            raise _FirstChunkTimeout(f"no first chunk from {deployment.id} within {timeout_s:g} s")
    result = box["result"]
    if isinstance(result, _Failed):
        raise result.error
    return result  # type: ignore[no-any-return]


async def _aopen(
    call: Callable[[Deployment, Request], Any],
    deployment: Deployment,
    request: Request,
    now: Callable[[], float],
    timeout_s: float | None,
) -> tuple[Any, Any, Any, float]:
    """:func:`_open` for an async stream, with the first-chunk wait bounded."""
    opened: list[Any] = []

    async def first() -> Any:
        try:
            pending = call(deployment, request)
            source = await pending if inspect.isawaitable(pending) else pending
            if not hasattr(source, "__aiter__"):
                raise _Misuse(
                    ValidationError(
                        f"call must return the SDK's async stream (an async iterable of "
                        f"chunks), got {type(source).__name__}"
                        + (
                            "; a synchronous stream needs execute_stream"
                            if hasattr(source, "__iter__")
                            else ""
                        )
                    )
                )
            opened.append(source)
            iterator = source.__aiter__()
            try:
                chunk = await iterator.__anext__()
            except StopAsyncIteration:
                chunk = _NO_CHUNK
            return source, iterator, chunk, now()
        except Exception as error:
            return _Failed(error)

    if timeout_s is None:
        result = await first()
    else:
        try:
            result = await asyncio.wait_for(first(), timeout_s)
        except asyncio.TimeoutError:  # the builtin TimeoutError from Python 3.11
            if opened:
                await _aquietly(opened[0])
            raise _FirstChunkTimeout(
                f"no first chunk from {deployment.id} within {timeout_s:g} s"
            ) from None
    if isinstance(result, _Failed):
        if opened and not isinstance(result.error, _Misuse):
            await _aquietly(opened[0])
        raise result.error
    return result  # type: ignore[no-any-return]


def _opened(result: tuple[Any, Any, Any, float], started: float) -> _Opened:
    source, iterator, first, first_at = result
    first_chunk_s = None if first is _NO_CHUNK else first_at - started
    return _Opened(source, iterator, first, first_chunk_s)


def _drive_stream(
    plan: Generator[Any, Any, Any],
    call: Callable[[Deployment, Request], Any],
    request: Request,
    now: Callable[[], float],
    sleep: Callable[[float], Any],
    timeout_s: float | None,
) -> _Committed:
    step = next(plan)
    while True:
        if isinstance(step, _Sleep):
            sleep(step.seconds)
            outcome: Any = None
        else:
            started = now()
            try:
                result = (
                    _open(call, step.deployment, request, now)
                    if timeout_s is None
                    else _open_within(call, step.deployment, request, now, timeout_s)
                )
            except _Misuse as misuse:
                plan.close()
                raise misuse.error from None
            except Exception as failure:  # every client error is classified
                outcome = (None, failure, started, now())
            else:
                outcome = (_opened(result, started), None, started, result[3])
        try:
            step = plan.send(outcome)
        except StopIteration as finished:
            return finished.value  # type: ignore[no-any-return]


async def _adrive_stream(
    plan: Generator[Any, Any, Any],
    call: Callable[[Deployment, Request], Any],
    request: Request,
    now: Callable[[], float],
    sleep: Callable[[float], Awaitable[Any]],
    timeout_s: float | None,
) -> _Committed:
    step = next(plan)
    while True:
        if isinstance(step, _Sleep):
            await sleep(step.seconds)
            outcome: Any = None
        else:
            started = now()
            try:
                result = await _aopen(call, step.deployment, request, now, timeout_s)
            except _Misuse as misuse:
                plan.close()
                raise misuse.error from None
            except Exception as failure:  # every client error is classified
                outcome = (None, failure, started, now())
            else:
                outcome = (_opened(result, started), None, started, result[3])
        try:
            step = plan.send(outcome)
        except StopIteration as finished:
            return finished.value  # type: ignore[no-any-return]


class _Opening(Generic[_S]):
    """An async stream being opened: ``await`` it for the stream, or ``async with`` it
    (the stream is closed when the block ends)."""

    __slots__ = ("_opening", "_stream")

    def __init__(self, opening: Coroutine[Any, Any, _S]) -> None:
        self._opening = opening
        self._stream: _S | None = None

    def __await__(self) -> Generator[Any, None, _S]:
        return self._opening.__await__()

    async def __aenter__(self) -> _S:
        self._stream = await self._opening
        return self._stream

    async def __aexit__(self, *exc_info: object) -> None:
        if self._stream is not None:
            await self._stream.aclose()  # type: ignore[attr-defined]


def _check_stream_options(usage: Any, first_chunk_timeout_s: Any) -> None:
    if usage is not None and not callable(usage):
        raise ValidationError(
            f"usage must be a function of the chunks seen (such as "
            f"usage_from_openai_stream) or None, got {usage!r:.80}"
        )
    if first_chunk_timeout_s is not None and (
        isinstance(first_chunk_timeout_s, bool)
        or not isinstance(first_chunk_timeout_s, (int, float))
        or not 0 < first_chunk_timeout_s < float("inf")
    ):
        raise ValidationError(
            "first_chunk_timeout_s must be a finite number of seconds > 0 or None, "
            f"got {first_chunk_timeout_s!r}"
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


def _prepared(
    request: Request,
    catalog: Catalog,
    policy: Policy,
    state: State | None,
    now: Callable[[], float],
    sleep: Any,
    call: Any,
    max_attempts: int,
    deadline_s: float | None,
    classify: Callable[[BaseException], Any],
    rng: random.Random | None,
    wall_clock: Callable[[], float] | None,
    observers: Iterable[Observer] | None,
    *,
    streaming: bool = False,
) -> tuple[Generator[Any, Any, Any], Notify | None]:
    """The checked inputs' plan, and the observers' notifier (all four entry points)."""
    _check_inputs(request, catalog, policy, now, sleep)
    _check_call(call)
    notify = _notifier(observers)
    plan = _local_plan(
        request,
        catalog,
        policy,
        state,
        now,
        max_attempts,
        deadline_s,
        classify,
        rng,
        wall_clock,
        streaming=streaming,
        notify=notify,
    )
    return plan, notify


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
    observers: Iterable[Observer] | None = None,
) -> Execution[Any]:
    """Route ``request`` and call deployments through ``call`` until one answers.

    ``now`` is the monotonic clock health and budgets are kept on; ``wall_clock`` (for
    instance ``time.time``), when given, is read before each routing decision so that
    prices with off-peak windows are compared, and the answer is charged, at the hour
    of the call; without it standard rates apply. ``observers`` are told of each
    decision and attempt (:class:`~modelfolio.Observer`).

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
    plan, _ = _prepared(
        request, catalog, policy, state, now, sleep, call, max_attempts, deadline_s,
        classify, rng, wall_clock, observers,
    )  # fmt: skip
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
    observers: Iterable[Observer] | None = None,
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
    plan, _ = _prepared(
        request, catalog, policy, state, now, sleep, call, max_attempts, deadline_s,
        classify, rng, wall_clock, observers,
    )  # fmt: skip
    return await _adrive(plan, call, request, now, sleep)


def execute_stream(
    request: Request,
    catalog: Catalog,
    policy: Policy,
    *,
    call: Callable[[Deployment, Request], Iterable[Any]],
    usage: UsageReader | None = None,
    state: State | None = None,
    now: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Any] = time.sleep,
    max_attempts: int = 4,
    deadline_s: float | None = None,
    classify: Callable[[BaseException], Any] = classify_error,
    rng: random.Random | None = None,
    wall_clock: Callable[[], float] | None = None,
    first_chunk_timeout_s: float | None = None,
    observers: Iterable[Observer] | None = None,
) -> ExecutionStream[Any]:
    """:func:`execute` for a streamed answer: fail over until a first chunk comes.

    ``call(deployment, request)`` returns the SDK's stream (any iterable of chunks). An
    error from ``call`` or from the first chunk, or no first chunk within
    ``first_chunk_timeout_s`` seconds, is a failed attempt, and the next deployment is
    tried as :func:`execute` would. Returns once a first chunk has come: iterate the
    result for the SDK's chunks, unchanged. After that nothing is re-sent: an error
    is raised as :class:`~modelfolio.StreamInterrupted`. ``usage`` reads the tokens used
    from the chunks seen (:func:`~modelfolio.usage_from_openai_stream`,
    :func:`~modelfolio.usage_from_anthropic_stream`); without it, or when it finds
    none, the attempt is charged the request's estimate and says so
    (``Attempt.cost_estimated``).

    Raises:
        NoRouteError: no deployment could be routed at all.
        ExecutionError: calls were made and none sent a first chunk.

    Examples:
        >>> from modelfolio import Policy, Request, reference_catalog
        >>> def call(deployment, request):
        ...     if deployment.provider == "local":
        ...         raise ConnectionError("the laptop is asleep")
        ...     yield from ["Hel", "lo"]
        >>> with execute_stream(Request(input_tokens=500, output_tokens=100), reference_catalog(),
        ...                     Policy(), call=call, now=lambda: 0.0) as stream:
        ...     text = "".join(stream)
        >>> text, stream.deployment.id, [str(a.failure) for a in stream.attempts]
        ('Hello', 'bedrock/nova-micro', ['server_error', 'None'])
        >>> stream.attempts[-1].cost_estimated, round(stream.cost_usd, 6)
        (True, 3.1e-05)
    """
    _check_stream_options(usage, first_chunk_timeout_s)
    plan, notify = _prepared(
        request, catalog, policy, state, now, sleep, call, max_attempts, deadline_s,
        classify, rng, wall_clock, observers, streaming=True,
    )  # fmt: skip
    committed = _drive_stream(plan, call, request, now, sleep, first_chunk_timeout_s)
    return ExecutionStream(
        committed, request=request, now=now, usage=usage, classify=classify, notify=notify
    )


def aexecute_stream(
    request: Request,
    catalog: Catalog,
    policy: Policy,
    *,
    call: Callable[[Deployment, Request], Any],
    usage: UsageReader | None = None,
    state: State | None = None,
    now: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    max_attempts: int = 4,
    deadline_s: float | None = None,
    classify: Callable[[BaseException], Any] = classify_error,
    rng: random.Random | None = None,
    wall_clock: Callable[[], float] | None = None,
    first_chunk_timeout_s: float | None = None,
    observers: Iterable[Observer] | None = None,
) -> _Opening[AsyncExecutionStream[Any]]:
    """:func:`execute_stream` for an async SDK stream.

    ``call`` returns the async stream, or an awaitable of it (``await
    client.chat.completions.create(..., stream=True)``). ``await`` the result for the
    stream, or use it in ``async with`` to have the stream closed when the block ends.

    Examples:
        >>> import asyncio
        >>> from modelfolio import Policy, Request, reference_catalog
        >>> async def call(deployment, request):
        ...     for word in ("Hel", "lo"):
        ...         yield word
        >>> async def main():
        ...     async with aexecute_stream(Request(input_tokens=10, output_tokens=5),
        ...                                reference_catalog(), Policy(), call=call,
        ...                                now=lambda: 0.0) as stream:
        ...         return "".join([chunk async for chunk in stream]), stream.deployment.id
        >>> asyncio.run(main())
        ('Hello', 'local/phi-4-mini')
    """
    _check_stream_options(usage, first_chunk_timeout_s)
    plan, notify = _prepared(
        request, catalog, policy, state, now, sleep, call, max_attempts, deadline_s,
        classify, rng, wall_clock, observers, streaming=True,
    )  # fmt: skip

    async def opening() -> AsyncExecutionStream[Any]:
        committed = await _adrive_stream(plan, call, request, now, sleep, first_chunk_timeout_s)
        return AsyncExecutionStream(
            committed, request=request, now=now, usage=usage, classify=classify, notify=notify
        )

    return _Opening(opening())


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

    Without a store, a router whose policy has budgets reserves each call's estimated
    cost against them itself before making it (a reservation counts as spend for every
    other call's routing until the call settles at its real cost, or until
    ``reservation_ttl_s`` passes), so concurrent calls and long streams cannot together
    overspend a budget.
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
        first_chunk_timeout_s: float | None = None,
        observers: Iterable[Observer] | None = None,
        reservation_ttl_s: float = 600.0,
    ) -> None:
        _check(max_attempts, deadline_s)
        _check_stream_options(None, first_chunk_timeout_s)
        if (
            isinstance(reservation_ttl_s, bool)
            or not isinstance(reservation_ttl_s, (int, float))
            or not 0 < reservation_ttl_s < float("inf")
        ):
            raise ValidationError(
                f"reservation_ttl_s must be a finite number of seconds > 0, got {reservation_ttl_s!r}"
            )
        self._first_chunk_timeout_s = first_chunk_timeout_s
        self._notify = _notifier(observers)
        self._reservation_ttl_s = float(reservation_ttl_s)
        # In-flight reservations without a store: id -> (provisional charge, expiry).
        self._held: dict[str, tuple[Charge, float]] = {}
        self._ids = itertools.count(1)
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
        """A snapshot of the shared state (settled attempts only, not reservations)."""
        with self._lock:
            return self._state

    @property
    def reserved_usd(self) -> float:
        """The estimated cost of the calls in flight that hold a reservation (no store)."""
        with self._lock:
            self._expire(self._now())
            return sum(charge.cost_usd for charge, _ in self._held.values())

    def _expire(self, now: float) -> None:
        """Drop reservations past their time to live (called under the lock)."""
        if self._held:
            for key in [key for key, (_, until) in self._held.items() if until <= now]:
                del self._held[key]

    def _routing_state(self) -> State:
        """The state routing sees: the recorded one plus reservations (under the lock)."""
        if not self._held:
            return self._state
        self._expire(self._now())
        return with_charges(self._state, [charge for charge, _ in self._held.values()])

    def _get_state(self) -> State:
        if self.store is not None:
            update = self.store.updates(now=self._now())  # I/O: outside the lock
            if update is not None:
                with self._lock:
                    self._state = apply_update(self._state, update)
                    return self._routing_state()
        with self._lock:
            return self._routing_state()

    def _put_attempt(self, attempt: Attempt, at: float, ticket: Ticket | None) -> State:
        with self._lock:
            if ticket is not None and ticket.reservation is not None and self.store is None:
                self._held.pop(ticket.reservation, None)
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

    def _reserve_here(
        self, request: Request, deployment: Deployment, at: float | None
    ) -> Ticket | None:
        """Hold the call's estimate against the budgets that apply (no store), or refuse."""
        budgets = tuple(b for b in self.policy.budgets if b.applies(request, deployment))
        if not budgets:
            return None
        estimate = estimate_cost(request, deployment, at=at)
        with self._lock:
            now = self._now()
            attempt_id = f"local-{next(self._ids)}"
            state = self._routing_state()
            for budget in budgets:
                broken, peak = budget.breaks(state, now=now, estimate=estimate)
                if broken:
                    return Ticket(
                        attempt_id=attempt_id,
                        granted=False,
                        reason=(
                            f"budget {budget.describe()}: ${peak:.6g} spent or reserved; "
                            f"${estimate:.6g} more would break it"
                        ),
                    )
            charge = Charge(
                time=now,
                cost_usd=estimate,
                deployment=deployment.id,
                vendor=deployment.vendor,
                provider=deployment.provider,
                tenant=request.tenant,
            )
            self._held[attempt_id] = (charge, now + self._reservation_ttl_s)
        return Ticket(
            attempt_id=attempt_id,
            reservation=attempt_id,
            budgets=budgets,
            estimate_usd=estimate,
        )

    def _plan(self, request: Request, streaming: bool = False) -> Generator[Any, Any, Any]:
        with self._lock:
            rng = random.Random(self._rng.getrandbits(64))
        reserve: Callable[[Request, Deployment, float | None], Ticket | None] | None
        if self.store is not None:
            reserve = self._reserve
        elif self.policy.budgets:
            reserve = self._reserve_here
        else:
            reserve = None
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
            reserve=reserve,
            streaming=streaming,
            notify=self._notify,
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

    def stream(
        self,
        request: Request,
        call: Callable[[Deployment, Request], Iterable[Any]],
        *,
        usage: UsageReader | None = None,
    ) -> ExecutionStream[Any]:
        """:func:`execute_stream` through the shared state (failover until a first chunk).

        Examples:
            >>> from modelfolio import Policy, Request, reference_catalog
            >>> router = Router(reference_catalog(), Policy(), now=iter(range(100)).__next__)
            >>> with router.stream(Request(input_tokens=10, output_tokens=5),
            ...                    lambda d, r: iter(["Hel", "lo"])) as stream:
            ...     print("".join(stream))
            Hello
            >>> stream.first_chunk_s, router.state.first_chunk_s
            (1, mappingproxy({'local/phi-4-mini': 1}))
        """
        if not isinstance(request, Request):
            raise ValidationError(f"request must be a Request, got {request!r:.80}")
        self._check_call_once(call)
        _check_stream_options(usage, None)
        committed = _drive_stream(
            self._plan(request, streaming=True),
            call,
            request,
            self._now,
            self._sleep,
            self._first_chunk_timeout_s,
        )
        return ExecutionStream(
            committed,
            request=request,
            now=self._now,
            usage=usage,
            classify=self._classify,
            notify=self._notify,
        )

    def astream(
        self,
        request: Request,
        acall: Callable[[Deployment, Request], Any],
        *,
        usage: UsageReader | None = None,
    ) -> _Opening[AsyncExecutionStream[Any]]:
        """:meth:`stream` for an async SDK stream: ``await`` it, or ``async with`` it."""
        if not isinstance(request, Request):
            raise ValidationError(f"request must be a Request, got {request!r:.80}")
        self._check_call_once(acall)
        _check_stream_options(usage, None)
        plan = self._plan(request, streaming=True)

        async def opening() -> AsyncExecutionStream[Any]:
            committed = await _adrive_stream(
                plan, acall, request, self._now, self._asleep, self._first_chunk_timeout_s
            )
            return AsyncExecutionStream(
                committed,
                request=request,
                now=self._now,
                usage=usage,
                classify=self._classify,
                notify=self._notify,
            )

        return _Opening(opening())
