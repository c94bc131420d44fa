"""The vocabulary of routing: what filters and scorers are called with.

Routing judges each deployment with **filters** (each returns ``None`` to accept a
deployment, or the reason it rejects it) and ranks the survivors with a **scorer** (a
number; lower ranks first). Both share one signature, declared here once as
:data:`Filter` and :data:`Scorer`, so a function of your own plugs in beside ours; both
are handed a :class:`RouteContext`. :class:`Run` is one routing pass as the built-in
filters and scorers see it (the catalog's :class:`~modelfolio._routing.columns.Columns`,
the request, the budgets), not the whole policy: filters sit below the policy that
lists them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeAlias

from attrs import frozen

from modelfolio._catalog.catalog import Catalog, Deployment
from modelfolio._routing.budget import Budget
from modelfolio._routing.columns import Columns
from modelfolio._routing.request import Request
from modelfolio._routing.state import State

__all__ = ["Filter", "RouteContext", "Run", "Scorer"]

_NONE: frozenset[int] = frozenset()


@frozen(kw_only=True)
class RouteContext:
    """What a filter or scorer may consult besides the request and the deployment."""

    catalog: Catalog
    """The catalog being routed over."""
    state: State
    """Health and spend, as of ``now``."""
    now: float
    """The routing time, in seconds, as passed to ``route``."""
    budgets: tuple[Budget, ...] = ()
    """The policy's budgets (what :data:`~modelfolio.within_budgets` checks)."""
    at: float | None = None
    """The wall-clock moment (POSIX seconds, UTC) prices are read at, as passed to
    ``route``; ``None`` for standard rates."""


Filter: TypeAlias = Callable[[Request, Deployment, RouteContext], "str | None"]
"""A filter returns ``None`` to accept a deployment, or the reason it rejects it."""

Scorer: TypeAlias = Callable[[Request, Deployment, RouteContext], float]
"""A scorer rates a deployment for a request; lower ranks first."""


class Run:
    """One routing pass: its inputs, and estimates computed so far (private to routing)."""

    __slots__ = (
        "_context",
        "_estimated",
        "at",
        "budgets",
        "catalog",
        "columns",
        "demoted",
        "mask",
        "now",
        "order",
        "positions",
        "request",
        "scores",
        "state",
    )

    def __init__(
        self,
        request: Request,
        columns: Columns,
        catalog: Catalog,
        budgets: tuple[Budget, ...],
        state: State,
        now: float,
        at: float | None = None,
    ) -> None:
        self.at = at
        self.request = request
        self.columns = columns
        self.catalog = catalog
        self.budgets = budgets
        self.state = state
        self.now = now
        self._estimated: tuple[Sequence[int], list[float]] | None = None
        self._context: RouteContext | None = None
        # Route sets, once it has ranked: the survivors' positions, their scores, the
        # full order if it was computed, and which survivors rank after the rest. When
        # it ranked by cost without pricing every survivor, it sets only ``mask`` (the
        # survivors as a bit set) and leaves positions and scores None until asked.
        self.mask: int | None = None
        self.positions: tuple[int, ...] | None = None
        self.scores: list[float] | None = None
        self.order: list[int] | None = None
        self.demoted: frozenset[int] = _NONE

    @property
    def context(self) -> RouteContext:
        """The context handed to plain filter and scorer functions, built on first use."""
        if self._context is None:
            self._context = RouteContext(
                catalog=self.catalog,
                budgets=self.budgets,
                state=self.state,
                now=self.now,
                at=self.at,
            )
        return self._context

    def estimates(self, positions: Sequence[int]) -> list[float]:
        """Estimated costs at ``positions``; asking twice for the same positions is free."""
        cached = self._estimated
        if cached is not None and cached[0] is positions:
            return cached[1]
        values = self.columns.estimates(self.request, positions, self.at)
        self._estimated = (positions, values)
        return values
