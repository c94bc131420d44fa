"""Who is told what an execution does: the :class:`Observer` protocol.

``execute``, ``aexecute``, the stream functions and :class:`~modelfolio.Router` accept
``observers=``: objects told, in order, that an execution started, that each attempt
started (with the routing decision behind it) and finished, and that the execution
finished. :class:`modelfolio.otel.GenAIObserver` turns them into OpenTelemetry spans and
metrics; anything with the four methods will do. An observer that raises never breaks a
call: the error is logged once on the ``modelfolio`` logger and the call goes on.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from modelfolio._catalog.catalog import Deployment
from modelfolio._routing.request import Request
from modelfolio._routing.route import Decision
from modelfolio._routing.state import Attempt

__all__ = ["Observer"]


@runtime_checkable
class Observer(Protocol):
    """Told what an execution does. ``key`` is the same object for every call about one
    execution (and differs between executions), so one observer can follow many at once.

    Examples:
        >>> from modelfolio import Policy, Reply, Request, Usage, execute, reference_catalog
        >>> class Log:
        ...     def __init__(self):
        ...         self.lines = []
        ...     def execution_started(self, key, request, streaming):
        ...         self.lines.append("start")
        ...     def attempt_started(self, key, index, deployment, decision):
        ...         self.lines.append(f"try {index}: {deployment.id}")
        ...     def attempt_finished(self, key, index, attempt, error):
        ...         self.lines.append(f"done {index}: {attempt.failure or 'ok'}")
        ...     def execution_finished(self, key, attempts, error):
        ...         self.lines.append(f"end: {len(attempts)} attempts")
        >>> def call(deployment, request):
        ...     if deployment.provider == "local":
        ...         raise TimeoutError("asleep")
        ...     return Reply(response="hi", usage=Usage(input_tokens=10, output_tokens=5))
        >>> log = Log()
        >>> _ = execute(Request(input_tokens=10, output_tokens=5), reference_catalog(), Policy(),
        ...             call=call, now=lambda: 0.0, sleep=lambda s: None, observers=[log])
        >>> log.lines
        ['start', 'try 0: local/phi-4-mini', 'done 0: timeout', 'try 1: bedrock/nova-micro', 'done 1: ok', 'end: 2 attempts']
    """

    def execution_started(self, key: object, request: Request, streaming: bool) -> None:
        """An execution of ``request`` began (``streaming``: through a stream function)."""

    def attempt_started(
        self, key: object, index: int, deployment: Deployment, decision: Decision
    ) -> None:
        """Attempt ``index`` (0 for the first call, 1 for the first fallback, ...) is about
        to call ``deployment``, as routed by ``decision``."""

    def attempt_finished(
        self, key: object, index: int, attempt: Attempt, error: BaseException | None
    ) -> None:
        """Attempt ``index`` ended as ``attempt`` (recorded); ``error`` is what the client
        raised, if it failed."""

    def execution_finished(
        self, key: object, attempts: tuple[Attempt, ...], error: BaseException | None
    ) -> None:
        """The execution ended: ``error`` is ``None`` on success (for a stream: once it
        ended or was closed), else the error raised to the caller."""
