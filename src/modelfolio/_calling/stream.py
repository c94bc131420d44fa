"""A streamed execution: the SDK's chunks, unchanged, and the attempt recorded at the end.

The stream drivers in :mod:`modelfolio._calling.execute` fail over until a deployment
sends a first chunk; from then on the call is committed to it. The objects here hand the
chunks to the caller and, when the stream ends, is closed, fails or is garbage
collected, record its attempt exactly once: usage read from the chunks seen (by the
caller's ``usage`` reader), else the request's estimate (``Attempt.cost_estimated``),
and the time to the first chunk. A failure after the first chunk is never re-sent: it
is raised as :class:`StreamInterrupted`. Pure: the clock is the caller's ``now``.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from modelfolio._calling.plan import (
    _NO_CHUNK,
    Notify,
    _classification,
    _Committed,
    explain_attempts,
    story,
)
from modelfolio._catalog.catalog import Deployment
from modelfolio._catalog.prices import Usage, cost
from modelfolio._common.errors import ModelfolioError, ValidationError
from modelfolio._routing.request import Request, estimate_cost
from modelfolio._routing.state import Attempt, State

__all__ = ["AsyncExecutionStream", "ExecutionStream", "StreamInterrupted"]

_C = TypeVar("_C")

UsageReader = Callable[[Sequence[Any]], "Usage | None"]


class StreamInterrupted(ModelfolioError):
    """A stream failed after its first chunk reached the caller; nothing was re-sent.

    The SDK's error is the ``__cause__``. ``attempts`` lists every attempt (the last one
    the interrupted stream, recorded as failed with the usage seen so far), ``state``
    holds them, and ``deployment`` is the deployment that was streaming.

    Examples:
        >>> from modelfolio import Policy, Request, execute_stream, reference_catalog
        >>> def call(deployment, request):
        ...     yield "Hel"
        ...     raise ConnectionError("connection reset")
        >>> stream = execute_stream(Request(input_tokens=10, output_tokens=5),
        ...                         reference_catalog(), Policy(), call=call, now=lambda: 0.0)
        >>> try:
        ...     text = "".join(stream)
        ... except StreamInterrupted as error:
        ...     print(error.deployment.id, [str(a.failure) for a in error.attempts])
        local/phi-4-mini ['server_error']
    """

    def __init__(
        self, message: str, attempts: tuple[Attempt, ...], state: State, deployment: Deployment
    ) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.state = state
        self.deployment = deployment


class _Stream:
    """What both kinds of stream share: the properties, and recording the attempt."""

    def __init__(
        self,
        committed: _Committed,
        *,
        request: Request,
        now: Callable[[], float],
        usage: UsageReader | None,
        classify: Callable[[BaseException], Any],
        notify: Notify | None,
    ) -> None:
        self._committed = committed
        self._request = request
        self._now = now
        self._reader = usage
        self._classify = classify
        self._notify = notify
        opened = committed.opened
        self._iterator = opened.iterator
        self._source = opened.source
        has_first = opened.first is not _NO_CHUNK
        # The chunks are kept only for a usage reader; without one, only counted.
        self._chunks: list[Any] = [opened.first] if has_first and usage is not None else []
        self._first = opened.first
        opened.first = None  # the stream hands it out, and keeps no other reference
        self._count = 1 if has_first else 0
        self._first_pending = has_first
        self._finished = False
        self._attempts = committed.attempts
        self._state = committed.state
        self._usage: Usage | None = None

    @property
    def deployment(self) -> Deployment:
        """The deployment streaming the answer (the one that sent the first chunk)."""
        return self._committed.deployment

    @property
    def attempts(self) -> tuple[Attempt, ...]:
        """Every attempt; the streaming one is last once the stream ended or was closed."""
        return self._attempts

    @property
    def state(self) -> State:
        """The state after recording the attempts so far."""
        return self._state

    @property
    def finished(self) -> bool:
        """Whether the stream ended, was closed or failed (its attempt is recorded)."""
        return self._finished

    @property
    def usage(self) -> Usage | None:
        """Tokens used, read from the chunks by the ``usage`` reader; ``None`` when no
        reader was given or it found none (the attempt is then charged the estimate).
        Before the stream ends, what the chunks seen so far report."""
        if self._finished:
            return self._usage
        return self._read_usage()

    @property
    def cost_usd(self) -> float:
        """What the attempts cost, in US dollars (the streaming one once it is recorded)."""
        return math.fsum(attempt.cost_usd for attempt in self._attempts)

    @property
    def first_chunk_s(self) -> float | None:
        """Seconds from the call to its first chunk (``None`` for a stream with no chunk)."""
        return self._committed.opened.first_chunk_s

    def __repr__(self) -> str:
        status = "finished" if self._finished else "open"
        return (
            f"<{type(self).__name__} from {self.deployment.id}, {status}, "
            f"{self._count} chunks, {len(self._attempts)} attempts recorded>"
        )

    def __str__(self) -> str:
        verb = "streamed by" if self._finished else "streaming from"
        return story(self.deployment.id, self._attempts, self.cost_usd, verb)

    def explain(self) -> str:
        """Every attempt on its own line (the streaming one once it is recorded)."""
        return explain_attempts(self._attempts)

    def _read_usage(self) -> Usage | None:
        if self._reader is None:
            return None
        usage = self._reader(self._chunks)
        if usage is not None and not isinstance(usage, Usage):
            raise ValidationError(f"usage must return a Usage or None, got {usage!r:.80}")
        return usage

    def _next_chunk(self) -> Any:
        """The first chunk if it has not been handed out, else ``_NO_CHUNK``."""
        if self._first_pending:
            self._first_pending = False
            first, self._first = self._first, None  # not kept past its handing out
            return first
        return _NO_CHUNK

    def _seen(self, chunk: Any) -> None:
        self._count += 1
        if self._reader is not None:
            self._chunks.append(chunk)

    def _finish(self, error: BaseException | None, *, quiet: bool = False) -> None:
        """Record the streaming attempt once: ok (``error`` None) or failed."""
        if self._finished:
            return
        self._finished = True
        committed = self._committed
        deployment = committed.deployment
        end = self._now()
        try:
            usage = self._read_usage()
        except Exception:
            if not quiet:
                raise
            usage = None
        if usage is not None:
            spent, estimated = cost(usage, deployment.price, at=committed.at), False
        else:
            spent = estimate_cost(self._request, deployment, at=committed.at)
            estimated = True
        failure = retry_after = None
        if error is not None:
            verdict = _classification(self._classify(error))
            failure, retry_after = verdict.failure, verdict.retry_after_s
        ticket = committed.ticket
        attempt = Attempt.of(
            deployment,
            failure=failure,
            retry_after_s=retry_after,
            usage=usage,
            cost_usd=spent,
            latency_s=end - committed.started,
            tenant=self._request.tenant,
            id=None if ticket is None else ticket.attempt_id,
            first_chunk_s=committed.opened.first_chunk_s,
            cost_estimated=estimated,
        )
        self._usage = usage
        self._attempts = (*committed.attempts, attempt)
        self._state = committed.put_attempt(attempt, end, ticket)
        if self._notify is not None:
            self._notify("attempt_finished", committed.key, committed.index, attempt, error)

    def _told_end(self, error: BaseException | None) -> None:
        if self._notify is not None:
            self._notify("execution_finished", self._committed.key, self._attempts, error)

    def _interrupted(self, error: BaseException) -> StreamInterrupted:
        """Record the failed attempt and the error to raise in the SDK error's place."""
        self._finish(error)
        chunks = self._count
        interrupted = StreamInterrupted(
            f"the stream from {self.deployment.id} failed after {chunks} "
            f"chunk{'s' if chunks != 1 else ''} ({type(error).__name__}: {error}); "
            "not re-sent, since the caller has part of the answer",
            self._attempts,
            self._state,
            self.deployment,
        )
        self._told_end(interrupted)
        return interrupted

    def _ended(self) -> None:
        self._finish(None)
        self._told_end(None)

    def __del__(self) -> None:
        # Abandoned without being closed: settle what it used, never leave it open.
        try:
            if not self._finished:
                self._finish(None, quiet=True)
                self._told_end(None)
        except Exception:  # pragma: no cover - nothing may escape a finaliser
            pass


class ExecutionStream(_Stream, Generic[_C]):
    """A streamed execution: iterate it for the SDK's own chunks, unchanged.

    ``deployment``, ``attempts``, ``state``, ``usage``, ``cost_usd`` and
    ``first_chunk_s`` are complete once the stream ends or is closed. Use it as a context
    manager (or call :meth:`close`) to end a stream early: the connection is closed and
    the attempt recorded with the usage seen so far. An error after the first chunk
    raises :class:`StreamInterrupted`.

    Examples:
        >>> from modelfolio import Policy, Request, Usage, execute_stream, reference_catalog
        >>> def call(deployment, request):
        ...     return iter([{"text": "Hi"}, {"text": "!", "tokens": (10, 2)}])
        >>> def usage(chunks):  # a reader for this toy stream's last chunk
        ...     tokens = chunks[-1].get("tokens")
        ...     return None if tokens is None else Usage(input_tokens=tokens[0], output_tokens=tokens[1])
        >>> stream = execute_stream(Request(input_tokens=10, output_tokens=5), reference_catalog(),
        ...                         Policy(), call=call, usage=usage, now=lambda: 0.0)
        >>> [chunk["text"] for chunk in stream], stream.usage.output_tokens, stream.finished
        (['Hi', '!'], 2, True)
    """

    def __iter__(self) -> ExecutionStream[_C]:
        return self

    def __next__(self) -> _C:
        chunk = self._next_chunk()
        if chunk is not _NO_CHUNK:
            return chunk  # type: ignore[no-any-return]
        if self._finished:
            raise StopIteration
        try:
            chunk = next(self._iterator)
        except StopIteration:
            self._ended()
            raise
        except Exception as error:
            raise self._interrupted(error) from error
        self._seen(chunk)
        return chunk  # type: ignore[no-any-return]

    def close(self) -> None:
        """End the stream now: close the SDK's stream and record the attempt."""
        if self._finished:
            return
        try:
            _close(self._source)
        finally:
            self._ended()

    def __enter__(self) -> ExecutionStream[_C]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncExecutionStream(_Stream, Generic[_C]):
    """:class:`ExecutionStream` for an async SDK stream: ``async for``, ``async with``.

    Examples:
        >>> import asyncio
        >>> from modelfolio import Policy, Request, aexecute_stream, reference_catalog
        >>> async def call(deployment, request):
        ...     for word in ("a", "b", "c"):
        ...         yield word
        >>> async def first_word():
        ...     stream = await aexecute_stream(Request(input_tokens=10, output_tokens=5),
        ...                                    reference_catalog(), Policy(), call=call,
        ...                                    now=lambda: 0.0)
        ...     async for word in stream:
        ...         await stream.aclose()  # enough: end the call now
        ...         return word, stream.finished, len(stream.attempts)
        >>> asyncio.run(first_word())
        ('a', True, 1)
    """

    def __aiter__(self) -> AsyncExecutionStream[_C]:
        return self

    async def __anext__(self) -> _C:
        chunk = self._next_chunk()
        if chunk is not _NO_CHUNK:
            return chunk  # type: ignore[no-any-return]
        if self._finished:
            raise StopAsyncIteration
        try:
            chunk = await self._iterator.__anext__()
        except StopAsyncIteration:
            self._ended()
            raise
        except Exception as error:
            raise self._interrupted(error) from error
        self._seen(chunk)
        return chunk  # type: ignore[no-any-return]

    async def aclose(self) -> None:
        """End the stream now: close the SDK's stream and record the attempt."""
        if self._finished:
            return
        try:
            await _aclose(self._source)
        finally:
            self._ended()

    async def __aenter__(self) -> AsyncExecutionStream[_C]:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def _close(source: Any) -> None:
    """Close an SDK's stream (or a generator) if it can be closed."""
    close = getattr(source, "close", None)
    if callable(close):
        result = close()
        if inspect.isawaitable(result):  # an async close on a sync stream: cannot wait
            getattr(result, "close", lambda: None)()


async def _aclose(source: Any) -> None:
    """Close an async SDK stream (``aclose`` or an async ``close``) if it can be closed."""
    for name in ("aclose", "close"):
        close = getattr(source, name, None)
        if callable(close):
            result = close()
            if inspect.isawaitable(result):
                await result
            return
