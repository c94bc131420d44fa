"""The built-in filters: capabilities, context fit and constraints.

Every filter is a :data:`~modelfolio.Filter`: called with a request, a deployment and
a :class:`~modelfolio.RouteContext`, it returns ``None`` to accept or a short reason
to reject. The built-ins are also :class:`BulkFilter` objects, which judge a whole
set of candidates at once over the catalog's precomputed columns and bit masks;
routing uses that fast path and calls a plain function once per deployment. The two paths give
the same verdicts (a property test holds them to it).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from modelfolio._catalog.catalog import Deployment
from modelfolio._routing.context import RouteContext, Run
from modelfolio._routing.request import Request, estimate_cost

__all__ = [
    "fits_context",
    "has_capabilities",
    "knows_context_window",
    "meets_constraints",
    "within_budgets",
]


class BulkFilter:
    """A filter that can also judge many candidates at once (the built-ins).

    ``narrow`` works on a bit mask of candidate positions and returns ``None`` when it
    cannot (it needs cost estimates, say); ``keep`` works on a tuple of positions.
    Both must agree with calling the filter on each deployment.
    """

    name = "filter"

    def __call__(
        self, request: Request, deployment: Deployment, context: RouteContext
    ) -> str | None:
        raise NotImplementedError

    def narrow(self, run: Run, mask: int) -> int | None:
        """The candidates (as a mask) this filter accepts, or ``None`` to use ``keep``."""
        return None

    def keep(self, run: Run, positions: tuple[int, ...]) -> tuple[int, ...]:
        """The candidates (as positions) this filter accepts, in their given order."""
        deployments = run.columns.deployments
        context = run.context
        request = run.request
        return tuple(i for i in positions if self(request, deployments[i], context) is None)

    def __repr__(self) -> str:
        return self.name


class _HasCapabilities(BulkFilter):
    """Rejects deployments whose model lacks a capability the request needs."""

    name = "has_capabilities"

    def __call__(
        self, request: Request, deployment: Deployment, context: RouteContext
    ) -> str | None:
        missing = request.needs - deployment.model.capabilities
        if missing:
            return "lacks " + ", ".join(sorted(capability.value for capability in missing))
        return None

    def narrow(self, run: Run, mask: int) -> int:
        needs = run.request.needs
        if needs:
            masks = run.columns.capability_masks
            for capability in needs:
                mask &= masks.get(capability, 0)
        return mask


class _FitsContext(BulkFilter):
    """Rejects deployments whose window or output limit is too small for the request."""

    name = "fits_context"

    def __call__(
        self, request: Request, deployment: Deployment, context: RouteContext
    ) -> str | None:
        # An unknown window or output limit is let through: the filter cannot say it is
        # too small. Decision.explain() marks such deployments, and a policy that must be
        # sure adds the knows_context_window filter.
        total = request.total_tokens
        window = deployment.model.context_window
        if window is not None and total > window:
            return f"needs {total:,} tokens of context; window is {window:,}"
        out = request.output_tokens + request.reasoning_tokens
        limit = deployment.model.max_output_tokens
        if limit is not None and out > limit:
            return f"needs {out:,} output tokens; max output is {limit:,}"
        return None

    def narrow(self, run: Run, mask: int) -> int:
        request, columns = run.request, run.columns
        total = request.total_tokens
        if total > columns.windows[0]:
            mask &= columns.at_least(columns.windows, columns.window_masks, total)
        out = request.output_tokens + request.reasoning_tokens
        if out > columns.output_limits[0]:
            mask &= columns.at_least(columns.output_limits, columns.output_masks, out)
        return mask


class _KnowsContextWindow(BulkFilter):
    """Rejects deployments whose model's context window is not known."""

    name = "knows_context_window"

    def __call__(
        self, request: Request, deployment: Deployment, context: RouteContext
    ) -> str | None:
        if deployment.model.context_window is None:
            return "context window unknown"
        return None

    def narrow(self, run: Run, mask: int) -> int:
        return mask & run.columns.known_window_mask


def _any_of(masks: dict[Any, int], wanted: Iterable[Any]) -> int:
    result = 0
    for value in wanted:
        result |= masks.get(value, 0)
    return result


class _MeetsConstraints(BulkFilter):
    """Rejects deployments outside the request's vendor, provider, region, compliance,
    location, open-weights or cost constraints."""

    name = "meets_constraints"

    def __call__(
        self, request: Request, deployment: Deployment, context: RouteContext
    ) -> str | None:
        vendor, provider = deployment.vendor, deployment.provider
        if deployment.tier not in request.tiers:
            return f"tier {deployment.tier} is not among {', '.join(sorted(request.tiers))}"
        if request.vendors and vendor not in request.vendors:
            return f"vendor {vendor} is not among {', '.join(sorted(request.vendors))}"
        if vendor in request.exclude_vendors:
            return f"vendor {vendor} is excluded"
        if request.providers and provider not in request.providers:
            return f"provider {provider} is not among {', '.join(sorted(request.providers))}"
        if provider in request.exclude_providers:
            return f"provider {provider} is excluded"
        if request.regions and not (request.regions & deployment.regions):
            return f"runs in none of the regions {', '.join(sorted(request.regions))}"
        missing = request.compliance - deployment.compliance
        if missing:
            return "lacks compliance " + ", ".join(sorted(missing))
        if request.locations and deployment.location not in request.locations:
            return f"location {deployment.location.value} is not allowed"
        if request.open_weights_only and not deployment.model.open_weights:
            return "weights are not open"
        if request.max_cost_usd is not None:
            estimate = estimate_cost(
                request, deployment, at=None if context is None else context.at
            )
            if estimate > request.max_cost_usd:
                return f"estimated ${estimate:.6g} is over the ${request.max_cost_usd:.6g} ceiling"
        return None

    def narrow(self, run: Run, mask: int) -> int | None:
        request, columns = run.request, run.columns
        mask = columns.in_tiers(mask, request.tiers)
        if not request.constrained:
            return mask
        if request.vendors:
            mask &= _any_of(columns.vendor_masks, request.vendors)
        if request.exclude_vendors:
            mask &= ~_any_of(columns.vendor_masks, request.exclude_vendors)
        if request.providers:
            mask &= _any_of(columns.provider_masks, request.providers)
        if request.exclude_providers:
            mask &= ~_any_of(columns.provider_masks, request.exclude_providers)
        if request.regions:
            mask &= _any_of(columns.region_masks, request.regions)
        for tag in request.compliance:
            mask &= columns.compliance_masks.get(tag, 0)
        if request.locations:
            mask &= _any_of(columns.location_masks, request.locations)
        if request.open_weights_only:
            mask &= columns.open_weights_mask
        if request.max_cost_usd is None or not mask:
            return mask
        ceiling = request.max_cost_usd
        positions = columns.positions(mask)
        return columns.mask_of(
            i
            for i, estimate in zip(positions, run.estimates(positions), strict=False)
            if estimate <= ceiling
        )


has_capabilities: BulkFilter = _HasCapabilities()
"""Filter: the model has every capability in ``request.needs``."""
fits_context: BulkFilter = _FitsContext()
"""Filter: input + output + reasoning fit the window, output + reasoning the max output."""
meets_constraints: BulkFilter = _MeetsConstraints()
"""Filter: service tier, vendor, provider, region, compliance, location, open-weights and
cost ceiling."""
knows_context_window: BulkFilter = _KnowsContextWindow()
"""Filter: the model's context window is known. Add it to a policy that must not send a
request to a deployment whose window is unknown (``fits_context`` lets those through)."""


class _WithinBudgets(BulkFilter):
    """Rejects deployments whose estimated cost would break an applicable budget."""

    name = "within_budgets"

    def __call__(
        self, request: Request, deployment: Deployment, context: RouteContext
    ) -> str | None:
        estimate: float | None = None
        for budget in context.budgets:
            if not budget.applies(request, deployment):
                continue
            if estimate is None:
                estimate = estimate_cost(request, deployment, at=context.at)
            over, peak = budget.breaks(context.state, now=context.now, estimate=estimate)
            if over:
                return (
                    f"estimated ${estimate:.6g} on top of ${peak:.6g} spent would break "
                    f"budget {budget.describe()}"
                )
        return None

    def narrow(self, run: Run, mask: int) -> int | None:
        return mask if not run.budgets else None

    def keep(self, run: Run, positions: tuple[int, ...]) -> tuple[int, ...]:
        request = run.request
        deployments = run.columns.deployments
        for budget in run.budgets:
            if budget.tenant is not None and budget.tenant != request.tenant:
                continue
            in_scope = tuple(i for i in positions if budget.applies(request, deployments[i]))
            if not in_scope:
                continue
            peak, slack = budget._fast_peak(run.state, now=run.now)
            over = {
                i
                for i, estimate in zip(in_scope, run.estimates(in_scope), strict=False)
                if budget._over(run.state, run.now, peak, slack, estimate)[0]
            }
            if over:
                positions = tuple(i for i in positions if i not in over)
        return positions


within_budgets: BulkFilter = _WithinBudgets()
"""Filter: the estimated cost keeps every applicable budget within its limit."""
