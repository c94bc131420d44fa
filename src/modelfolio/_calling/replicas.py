"""What a :class:`~modelfolio.Router` needs from a store shared by many replicas.

The store itself lives in an edge module (``modelfolio.redis``); the core only says
what it exchanges with one, as plain values:

- before each call, a :class:`Ticket`: the attempt's id and, when a budget applies,
  whether the fleet granted a reservation of the call's estimated cost;
- after each call, the :class:`~modelfolio.Attempt` with that id, to record once;
- now and then, a :class:`FleetUpdate`: what the other replicas recorded, which
  :func:`apply_update` folds into the replica's :class:`~modelfolio.State` with the
  core's own :func:`~modelfolio.record`, so health and spend mean the same thing
  whether one process recorded them or ten.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol, runtime_checkable

from attrs import evolve, field, frozen

from modelfolio._common.errors import ValidationError
from modelfolio._common.validate import (
    check,
    finite,
    instances,
    is_bool,
    number,
    optional_text,
    text,
)
from modelfolio._routing.budget import Budget
from modelfolio._routing.route import _budgets
from modelfolio._routing.state import Attempt, Charge, State, record

__all__ = ["FleetUpdate", "SharedStore", "Ticket", "apply_update"]


@frozen(kw_only=True)
class Ticket:
    """The store's answer before a call: the attempt's id and the fleet's verdict.

    Examples:
        >>> Ticket(attempt_id="r1-7").granted
        True
    """

    attempt_id: str = field(validator=check(text))
    """The id the attempt is recorded under (unique across the fleet)."""
    granted: bool = field(default=True, validator=is_bool)
    """Whether the call may go ahead; ``False`` when a fleet budget refused it."""
    reason: str | None = field(default=None, validator=optional_text)
    """Why it was refused (``None`` when granted)."""
    reservation: str | None = field(default=None, validator=optional_text)
    """The reservation held in the store until settlement, if any budget applied."""
    budgets: tuple[Budget, ...] = field(default=(), converter=_budgets)
    """The budgets the reservation was made against."""
    estimate_usd: float = field(default=0.0, validator=check(number))
    """The estimated cost reserved against each of them."""


def _charges(value: Iterable[Charge]) -> tuple[Charge, ...]:
    return instances(value, Charge, "charges")


def _timed_attempts(value: Iterable[Any]) -> tuple[tuple[Attempt, float], ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ValidationError(
            f"attempts must be a sequence of (Attempt, time) pairs, got {value!r:.80}"
        )
    pairs = []
    for pair in value:
        if not (isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[0], Attempt)):
            raise ValidationError(f"attempts must hold (Attempt, time) pairs, got {pair!r}")
        pairs.append((pair[0], finite(pair[1], "attempts time")))
    return tuple(pairs)


@frozen(kw_only=True)
class FleetUpdate:
    """What other replicas recorded since the last update, in this replica's clock.

    Examples:
        >>> update = FleetUpdate(attempts=[(Attempt(deployment_id="a", failure="rate_limited",
        ...                                          retry_after_s=5.0), 10.0)])
        >>> apply_update(State(), update).cooling_down("a", now=12.0)
        True
    """

    charges: tuple[Charge, ...] = field(default=(), converter=_charges)
    """Ledger charges to add as they are (a first snapshot of the fleet's ledger)."""
    attempts: tuple[tuple[Attempt, float], ...] = field(default=(), converter=_timed_attempts)
    """Attempts to record, each with the time it finished, in this replica's clock."""


def apply_update(state: State, update: FleetUpdate) -> State:
    """``state`` with ``update`` folded in: charges added, attempts recorded in time order.

    Examples:
        >>> from modelfolio import Charge
        >>> charge = Charge(time=1.0, cost_usd=0.5, deployment="a", vendor=None,
        ...                 provider=None, tenant=None)
        >>> apply_update(State(), FleetUpdate(charges=[charge])).spent_usd()
        0.5
    """
    if not isinstance(state, State):
        raise ValidationError(f"state must be a State, got {state!r}")
    if not isinstance(update, FleetUpdate):
        raise ValidationError(f"update must be a FleetUpdate, got {update!r}")
    if update.charges:
        state = evolve(state, ledger=(*state.ledger, *update.charges))
    for attempt, at in sorted(update.attempts, key=lambda pair: pair[1]):
        state = record(state, attempt, now=at)
    return state


@runtime_checkable
class SharedStore(Protocol):
    """A store that several :class:`~modelfolio.Router` replicas share.

    ``now`` is always the router's own clock; the store converts to and from its own.
    :class:`modelfolio.redis.RedisStore` is the implementation that ships; anything with
    these three methods will do, for instance a store that only keeps a log:

    Examples:
        >>> from modelfolio import Policy, Reply, Request, Router, Usage, reference_catalog
        >>> class Log:
        ...     def __init__(self):
        ...         self.recorded = []
        ...     def updates(self, *, now):
        ...         return None  # no other replicas
        ...     def reserve(self, budgets, estimate_usd, *, now):
        ...         return Ticket(attempt_id=f"log-{len(self.recorded)}")
        ...     def settle(self, ticket, attempt, *, now):
        ...         self.recorded.append((attempt.id, attempt.deployment_id))
        >>> log = Log()
        >>> router = Router(reference_catalog(), Policy(), store=log, now=lambda: 0.0)
        >>> answer = router.complete(Request(input_tokens=10, output_tokens=5),
        ...     lambda d, r: Reply(response="hi", usage=Usage(input_tokens=10, output_tokens=5)))
        >>> log.recorded
        [('log-0', 'local/phi-4-mini')]
    """

    def updates(self, *, now: float) -> FleetUpdate | None:
        """What the rest of the fleet recorded since the last call, or ``None`` (nothing due)."""

    def reserve(self, budgets: tuple[Budget, ...], estimate_usd: float, *, now: float) -> Ticket:
        """A ticket for one attempt, holding ``estimate_usd`` against each of ``budgets``."""

    def settle(self, ticket: Ticket, attempt: Attempt, *, now: float) -> None:
        """Record ``attempt`` (which carries ``ticket.attempt_id``) and release the ticket."""
