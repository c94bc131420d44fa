"""The health filter: skip deployments that are cooling down or whose breaker is open.

Degraded vendors are not filtered out; routing ranks them below healthy vendors (see
:mod:`modelfolio._routing.route`). Half-open breakers let calls through so that the next
outcome can close or reopen them.
"""

from __future__ import annotations

from modelfolio._catalog.catalog import Deployment
from modelfolio._routing.context import RouteContext, Run
from modelfolio._routing.filters import BulkFilter
from modelfolio._routing.request import Request

__all__ = ["is_healthy"]


class _IsHealthy(BulkFilter):
    """Rejects deployments cooling down after a rate limit or with an open breaker."""

    name = "is_healthy"

    def __call__(
        self, request: Request, deployment: Deployment, context: RouteContext
    ) -> str | None:
        state, now = context.state, context.now
        if state.cooling_down(deployment.id, now=now):
            return f"cooling down after a rate limit until t={state.cooldowns[deployment.id]:g}"
        if state.breaker(deployment.id, now=now) == "open":
            return f"circuit breaker open until t={state.breakers[deployment.id]:g}"
        return None

    def narrow(self, run: Run, mask: int) -> int:
        state, now = run.state, run.now
        if not (state.cooldowns or state.breakers):
            return mask
        index = run.columns.index
        for marks in (state.cooldowns, state.breakers):
            for deployment, until in marks.items():
                if until > now and deployment in index:
                    mask &= ~(1 << index[deployment])
        return mask


is_healthy: BulkFilter = _IsHealthy()
"""Filter: not cooling down after a rate limit and no open circuit breaker."""
