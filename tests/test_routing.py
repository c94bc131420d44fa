from __future__ import annotations

import random
from collections import Counter
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelfolio import (
    DEFAULT_FILTERS,
    Attempt,
    Budget,
    Capability,
    Catalog,
    Deployment,
    Model,
    NoRouteError,
    Policy,
    Price,
    Reply,
    Request,
    RouteContext,
    Router,
    State,
    Usage,
    ValidationError,
    blend,
    by_cost,
    by_latency,
    by_quality,
    estimate_cost,
    record,
    reference_catalog,
    route,
)
from modelfolio._routing.columns import Columns
from modelfolio._routing.context import Run
from modelfolio._routing.route import _full_order, _pick, _picks, _rank_lazily
from strategies import catalogs, requests, states


def plain(function: Any) -> Any:
    """The same filter or scorer as a plain function, so routing takes its slow path."""

    def wrapper(request: Request, deployment: Deployment, context: RouteContext) -> Any:
        return function(request, deployment, context)

    wrapper.__name__ = getattr(function, "name", "wrapped")
    return wrapper


def passes_all(
    request: Request,
    deployment: Deployment,
    catalog: Catalog,
    policy: Policy,
    state: State,
    now: float,
) -> bool:
    context = RouteContext(catalog=catalog, budgets=policy.budgets, state=state, now=now)
    return all(f(request, deployment, context) is None for f in policy.filters)


def known_names(request: Request, catalog: Catalog) -> Request:
    """``request`` with only the vendor and provider names ``catalog`` has (routing refuses
    the others, which ``test_an_unknown_name_is_refused_naming_the_closest`` checks)."""
    vendors, providers = set(catalog.vendors), set(catalog.providers)
    return attrs.evolve(
        request,
        vendors=request.vendors & vendors,
        exclude_vendors=request.exclude_vendors & vendors,
        providers=request.providers & providers,
        exclude_providers=request.exclude_providers & providers,
    )


def decide(
    request: Request, catalog: Catalog, policy: Policy, state: State, now: float
) -> tuple[str, ...] | str:
    try:
        return tuple(
            d.id for d in route(request, catalog, policy, state=state, now=now).deployments
        )
    except NoRouteError as error:
        return "no route: " + ",".join(sorted(error.rejected))


class TestExamples:
    def test_capability_and_compliance_routing(self) -> None:
        catalog = reference_catalog()
        decision = route(
            Request(input_tokens=5_000, output_tokens=500, needs={"vision"}, compliance={"hipaa"}),
            catalog,
            now=0.0,
        )
        for deployment in decision.deployments:
            assert Capability.VISION in deployment.model.capabilities
            assert "hipaa" in deployment.compliance

    def test_cheapest_wins_and_fallbacks_come_from_other_vendors(self) -> None:
        decision = route(
            Request(input_tokens=2_000, output_tokens=500), reference_catalog(), now=0.0
        )
        assert "local/phi-4-mini" == decision.chosen.id  # free, on the device
        vendors = [d.vendor for d in decision.deployments]
        assert len(set(vendors)) == len(vendors)

    def test_scores_are_estimated_costs(self) -> None:
        catalog = reference_catalog()
        request = Request(input_tokens=2_000, output_tokens=500, vendors={"openai"})
        decision = route(request, catalog, now=0.0)
        for deployment_id, score in decision.scores.items():
            assert estimate_cost(request, catalog.deployment(deployment_id)) == score

    def test_explain_covers_every_other_deployment(self) -> None:
        catalog = reference_catalog()
        decision = route(
            Request(input_tokens=2_000, output_tokens=500, needs={"reasoning"}), catalog, now=0.0
        )
        reasons = decision.explain()
        assert {catalog.deployment(d.id).id for d in catalog} - {decision.chosen.id} == set(reasons)
        assert reasons["cohere/command-r7b"].startswith("has_capabilities: lacks reasoning")
        assert reasons[decision.fallbacks[0].id].startswith("fallback 1")

    def test_no_route_lists_every_reason_and_summarises(self) -> None:
        catalog = reference_catalog()
        with pytest.raises(NoRouteError) as caught:
            route(Request(input_tokens=5_000_000, output_tokens=10), catalog, now=0.0)
        error = caught.value
        assert {d.id for d in catalog} == set(error.rejected)
        assert all(
            reason.startswith("fits_context: needs 5,000,010 tokens")
            for reason in error.rejected.values()
        )
        assert f"all {len(catalog)} were rejected: {len(catalog)} fits_context" in str(error)
        assert isinstance(error, LookupError)

    def test_split_sends_the_same_key_to_the_same_deployment(self) -> None:
        catalog = reference_catalog()
        policy = Policy(split={"openai/gpt-5": 0.9, "anthropic/claude-sonnet-4-5": 0.1})
        first = route(
            Request(input_tokens=100, output_tokens=10, key="user-42"), catalog, policy, now=0.0
        )
        again = route(
            Request(input_tokens=9_000, output_tokens=900, key="user-42"), catalog, policy, now=5.0
        )
        assert first.chosen.id == again.chosen.id
        assert first.split_target

    def test_split_shares_converge_to_the_weights(self) -> None:
        catalog = reference_catalog()
        policy = Policy(
            split={
                "openai/gpt-5": 0.7,
                "anthropic/claude-sonnet-4-5": 0.2,
                "gemini/gemini-2.5-pro": 0.1,
            }
        )
        counts = Counter(
            route(
                Request(input_tokens=100, output_tokens=10, key=f"k{n}"), catalog, policy, now=0.0
            ).chosen.id
            for n in range(20_000)
        )
        for target, weight in policy.split.items():  # type: ignore[union-attr]
            assert abs(counts[target] / 20_000 - weight) < 0.015, (target, counts)

    def test_split_only_moves_the_keys_of_a_removed_target(self) -> None:
        catalog = reference_catalog()
        split = {
            "openai/gpt-5": 0.5,
            "anthropic/claude-sonnet-4-5": 0.3,
            "gemini/gemini-2.5-pro": 0.2,
        }
        keys = [f"k{n}" for n in range(2_000)]
        before = {
            k: route(
                Request(input_tokens=1, output_tokens=1, key=k),
                catalog,
                Policy(split=split),
                now=0.0,
            ).chosen.id
            for k in keys
        }
        without_gemini = Request(input_tokens=1, output_tokens=1, exclude_vendors={"google"})
        for k in keys:
            after = route(
                Request(input_tokens=1, output_tokens=1, key=k, exclude_vendors={"google"}),
                catalog,
                Policy(split=split),
                now=0.0,
            ).chosen.id
            if before[k] != "gemini/gemini-2.5-pro":
                assert before[k] == after
        assert without_gemini.exclude_vendors == {"google"}

    def test_split_without_a_key_ranks_by_score(self) -> None:
        catalog = reference_catalog()
        decision = route(
            Request(input_tokens=1, output_tokens=1),
            catalog,
            Policy(split={"openai/gpt-5": 1.0}),
            now=0.0,
        )
        assert "local/phi-4-mini" == decision.chosen.id
        assert not decision.split_target

    def test_split_naming_an_unknown_deployment_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="nope"):
            route(
                Request(input_tokens=1, output_tokens=1, key="k"),
                reference_catalog(),
                Policy(split={"nope": 1.0}),
                now=0.0,
            )

    def test_budget_stops_spend(self) -> None:
        catalog = reference_catalog()
        request = Request(
            input_tokens=100_000, output_tokens=2_000, vendors={"openai"}, tenant="acme"
        )
        policy = Policy(budgets=[Budget(limit_usd=0.5, window_s=3_600, tenant="acme")])
        state = State()
        chosen = []
        for t in range(5):
            decision = route(request, catalog, policy, state=state, now=float(t))
            chosen.append(decision.chosen.id)
            state = record(
                state,
                Attempt.of(
                    decision.chosen, cost_usd=estimate_cost(request, decision.chosen), tenant="acme"
                ),
                now=float(t),
            )
        assert state.spent_usd(tenant="acme") <= 0.5
        expensive = Request(
            input_tokens=100_000,
            output_tokens=2_000,
            vendors={"openai"},
            tenant="acme",
            exclude_providers={"azure"},
        )
        refused: NoRouteError | None = None
        for t in range(5, 200):
            try:
                decision = route(expensive, catalog, policy, state=state, now=float(t))
            except NoRouteError as error:
                refused = error
                break
            cost = estimate_cost(expensive, decision.chosen)
            state = record(
                state, Attempt.of(decision.chosen, cost_usd=cost, tenant="acme"), now=float(t)
            )
        assert refused is not None
        assert "within_budgets" in str(refused)
        assert state.spent_usd(tenant="acme") <= 0.5

    def test_rate_limit_changes_the_decision_then_expires(self) -> None:
        catalog = reference_catalog()
        request = Request(input_tokens=1_000, output_tokens=100, compliance={"hipaa"})
        first = route(request, catalog, now=0.0)
        state = record(
            State(), Attempt.of(first.chosen, failure="rate_limited", retry_after_s=30), now=0.0
        )
        during = route(request, catalog, state=state, now=10.0)
        after = route(request, catalog, state=state, now=31.0)
        assert first.chosen.id != during.chosen.id
        assert during.explain()[first.chosen.id].startswith("is_healthy: cooling down")
        assert first.chosen.id == after.chosen.id

    def test_degraded_vendor_ranks_below_healthy_ones(self) -> None:
        catalog = reference_catalog()
        request = Request(input_tokens=1_000, output_tokens=100, vendors={"openai", "google"})
        state = State()
        for deployment_id in ("openai/gpt-5", "azure/gpt-5"):
            state = record(
                state,
                Attempt.of(catalog.deployment(deployment_id), failure="server_error"),
                now=0.0,
            )
        assert {"openai"} == state.degraded_vendors(now=1.0)
        decision = route(request, catalog, state=state, now=1.0)
        assert "google" == decision.chosen.vendor
        assert "vendor degraded" in decision.explain()["openai/gpt-5-nano"]

    def test_policy_validation_names_fields(self) -> None:
        with pytest.raises(ValidationError, match="fallbacks"):
            Policy(fallbacks=-1)
        with pytest.raises(ValidationError, match="diversity"):
            Policy(diversity="region")  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match="split"):
            Policy(split={"a": -1.0})
        with pytest.raises(ValidationError, match="filters"):
            Policy(filters=[1])  # type: ignore[list-item]

    def test_route_validates_its_arguments(self) -> None:
        with pytest.raises(ValidationError, match="request"):
            route("hi", reference_catalog(), now=0.0)  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match="now"):
            route(Request(input_tokens=1, output_tokens=1), reference_catalog(), now=float("nan"))

    def test_a_users_filter_and_scorer_plug_in(self) -> None:
        def no_previews(
            request: Request, deployment: Deployment, context: RouteContext
        ) -> str | None:
            return "preview model" if "mini" in deployment.model.id else None

        def shortest_name(request: Request, deployment: Deployment, context: RouteContext) -> float:
            return float(len(deployment.id))

        policy = Policy(filters=(*DEFAULT_FILTERS, no_previews), score=shortest_name)
        decision = route(
            Request(input_tokens=1, output_tokens=1, vendors={"openai"}),
            reference_catalog(),
            policy,
            now=0.0,
        )
        assert "openai/o3" == decision.chosen.id
        assert decision.explain()["openai/gpt-5-mini"] == "no_previews: preview model"

    def test_nan_from_a_users_scorer_is_refused(self) -> None:
        policy = Policy(score=lambda request, deployment, context: float("nan"))
        with pytest.raises(ValidationError, match="NaN"):
            route(Request(input_tokens=1, output_tokens=1), reference_catalog(), policy, now=0.0)

    def test_latency_and_quality_scorers(self) -> None:
        slow = Deployment(
            id="slow",
            model=Model(
                id="m",
                vendor="openai",
                capabilities=["chat"],
                context_window=1_000,
                max_output_tokens=500,
            ),
            provider="openai",
            price=Price(input_per_mtok=0, output_per_mtok=0),
        )
        catalog = Catalog(deployments=[slow])
        assert float("inf") == by_latency(Request(input_tokens=1, output_tokens=1), slow, None)  # type: ignore[arg-type]
        quality = by_quality({("m", "code"): 0.5})
        assert -0.5 == quality(Request(input_tokens=1, output_tokens=1, tags={"code"}), slow, None)  # type: ignore[arg-type]
        assert 0.0 == quality(Request(input_tokens=1, output_tokens=1), slow, None)  # type: ignore[arg-type]
        decision = route(
            Request(input_tokens=1, output_tokens=1),
            catalog,
            Policy(score=blend((by_cost, 1.0), (quality, 2.0))),
            now=0.0,
        )
        assert "slow" == decision.chosen.id

    def test_notebook_views(self) -> None:
        decision = route(Request(input_tokens=1, output_tokens=1), reference_catalog(), now=0.0)
        rows = decision.to_rows()
        assert len(reference_catalog()) == len(rows)
        assert {"chosen", "fallback 1", "fallback 2", "passed"} <= {row["role"] for row in rows}
        assert "<table>" in decision._repr_html_()
        assert (
            "Decision(chosen='local/phi-4-mini', fallbacks=('bedrock/nova-micro', 'cohere/command-r7b'))"
            == repr(decision)
        )
        assert decision.ranking[0] == decision.chosen.id


class TestProperties:
    @given(catalogs(), requests(), st.data())
    def test_deterministic_and_order_independent(
        self, catalog: Catalog, request: Request, data: st.DataObject
    ) -> None:
        request = known_names(request, catalog)
        state = data.draw(states(catalog))
        shuffled = list(catalog.deployments)
        random.Random(data.draw(st.integers(0, 1000))).shuffle(shuffled)
        same = Catalog(deployments=shuffled)
        assert decide(request, catalog, Policy(), state, 60.0) == decide(
            request, catalog, Policy(), state, 60.0
        )
        assert decide(request, catalog, Policy(), state, 60.0) == decide(
            request, same, Policy(), state, 60.0
        )

    @given(
        catalogs(),
        requests(),
        st.data(),
        st.sampled_from(["vendor", "provider", "none"]),
        st.integers(0, 4),
    )
    def test_a_filtered_deployment_is_never_chosen(
        self,
        catalog: Catalog,
        request: Request,
        data: st.DataObject,
        diversity: str,
        fallbacks: int,
    ) -> None:
        request = known_names(request, catalog)
        state = data.draw(states(catalog))
        policy = Policy(
            diversity=diversity, fallbacks=fallbacks, budgets=[Budget(limit_usd=0.6, window_s=100)]
        )  # type: ignore[arg-type]
        if not any(passes_all(request, d, catalog, policy, state, 60.0) for d in catalog):
            with pytest.raises(NoRouteError) as caught:
                route(request, catalog, policy, state=state, now=60.0)
            assert {d.id for d in catalog} == set(caught.value.rejected)
            return
        decision = route(request, catalog, policy, state=state, now=60.0)
        ids = [d.id for d in decision.deployments]
        assert len(set(ids)) == len(ids)
        assert len(decision.fallbacks) == min(fallbacks, len(decision.scores) - 1)
        for deployment in decision.deployments:
            assert passes_all(request, deployment, catalog, policy, state, 60.0)
        passing = {d.id for d in catalog if passes_all(request, d, catalog, policy, state, 60.0)}
        assert passing == set(decision.scores)

    @given(catalogs(), requests(), st.data())
    def test_fast_paths_agree_with_plain_functions(
        self, catalog: Catalog, request: Request, data: st.DataObject
    ) -> None:
        request = known_names(request, catalog)
        state = data.draw(states(catalog))
        budgets = [Budget(limit_usd=0.6, window_s=100, tenant="t1")]
        fast = Policy(budgets=budgets)
        slow = Policy(
            filters=[plain(f) for f in DEFAULT_FILTERS], score=plain(by_cost), budgets=budgets
        )
        assert decide(request, catalog, fast, state, 60.0) == decide(
            request, catalog, slow, state, 60.0
        )

    @given(catalogs(max_size=8), requests(constrained=False))
    def test_column_estimates_equal_estimate_cost_exactly(
        self, catalog: Catalog, request: Request
    ) -> None:
        columns = Columns.of(catalog)
        every = columns.estimates(request, columns.all)
        some = columns.estimates(request, columns.all[::2])
        assert [estimate_cost(request, d) for d in catalog] == every
        assert every[::2] == some

    @given(
        st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0, float("inf")]), min_size=1, max_size=80),
        st.integers(0, 5),
        st.sampled_from(["vendor", "provider", "none"]),
        st.data(),
    )
    def test_lazy_ranking_picks_as_a_full_sort_does(
        self, scores: list[float], count: int, diversity: str, data: st.DataObject
    ) -> None:
        vendors = data.draw(
            st.lists(st.sampled_from("abc"), min_size=len(scores), max_size=len(scores))
        )
        providers = data.draw(
            st.lists(st.sampled_from("xyz"), min_size=len(scores), max_size=len(scores))
        )
        order = _full_order(scores, frozenset())
        assert order == list(_rank_lazily(scores))
        full = _pick(order, count, diversity, vendors, providers)[0]
        assert full == _picks(scores, frozenset(), count, diversity, vendors, providers)[0]

    @settings(max_examples=60)
    @given(
        catalogs(min_size=2, max_size=6),
        st.lists(
            st.tuples(st.floats(0, 500), requests(constrained=False)), min_size=1, max_size=25
        ),
        st.data(),
    )
    def test_budgets_are_never_exceeded(
        self, catalog: Catalog, calls: list[tuple[float, Request]], data: st.DataObject
    ) -> None:
        vendor = catalog.deployments[0].vendor
        budgets = [
            Budget(
                limit_usd=data.draw(st.sampled_from([0.001, 0.05, 0.3])),
                window_s=data.draw(st.sampled_from([10.0, 100.0])),
            ),
            Budget(limit_usd=0.02, window_s=50.0, vendor=vendor),
            Budget(limit_usd=0.04, window_s=1_000.0, tenant="t1"),
        ]
        policy = Policy(budgets=budgets)
        state = State()
        for now, request in calls:
            try:
                decision = route(request, catalog, policy, state=state, now=now)
            except NoRouteError:
                continue
            spend = estimate_cost(request, decision.chosen)
            state = record(
                state, Attempt.of(decision.chosen, cost_usd=spend, tenant=request.tenant), now=now
            )
        for budget in budgets:
            charges = [c for c in state.ledger if budget.counts(c)]
            for end in [c.time for c in charges]:
                in_window = sum(
                    c.cost_usd for c in charges if end - budget.window_s < c.time <= end
                )
                assert in_window <= budget.limit_usd * (1 + 1e-9), (budget, in_window)


def test_run_context_is_built_for_plain_functions_only() -> None:
    catalog = reference_catalog()
    run = Run(
        Request(input_tokens=1, output_tokens=1),
        Columns.of(catalog),
        catalog,
        Policy(),
        State(),
        0.0,
    )
    assert run._context is None
    assert 0.0 == run.context.now


@settings(max_examples=60, deadline=None)
@given(
    catalogs(max_size=6),
    requests(),
    st.sampled_from(["vendors", "exclude_vendors", "providers", "exclude_providers"]),
)
def test_an_unknown_name_is_refused_naming_the_closest(
    catalog: Catalog, request: Request, field: str
) -> None:
    """A vendor or provider name no deployment has never matches nothing in silence
    (issue 26): routing refuses it, on the fast path and with plain filters alike."""
    kind = "vendor" if "vendor" in field else "provider"
    known = catalog.vendors if kind == "vendor" else catalog.providers
    name = known[0] + "x"  # one letter off a known name
    request = attrs.evolve(known_names(request, catalog), **{field: {name.upper()}})
    for policy in (Policy(), Policy(filters=[plain(f) for f in DEFAULT_FILTERS])):
        with pytest.raises(
            ValidationError, match=rf"unknown {kind} '{name}'.*did you mean '{known[0]}'"
        ):
            route(request, catalog, policy, now=0.0)


def test_names_are_compared_in_lower_case() -> None:
    catalog = reference_catalog()
    shouting = Request(input_tokens=100, output_tokens=10, exclude_vendors={" OpenAI "})
    assert frozenset({"openai"}) == shouting.exclude_vendors
    for decision in (route(shouting, catalog, now=0.0),):
        assert all(d.vendor != "openai" for d in decision.deployments)
    budget = Budget(limit_usd=1.0, window_s=60, vendor="OpenAI")
    assert "openai" == budget.vendor
    with pytest.raises(ValidationError, match=r"unknown provider 'azur'.*did you mean 'azure'"):
        route(
            Request(input_tokens=100, output_tokens=10), catalog,
            Policy(budgets=[Budget(limit_usd=1.0, window_s=60, provider="azur")]), now=0.0,
        )  # fmt: skip


def test_cached_input_is_priced_at_the_cached_rate_and_checked() -> None:
    catalog = reference_catalog()
    sonnet = catalog.deployment("anthropic/claude-sonnet-4-5")
    plain = Request(input_tokens=10_000, output_tokens=800)
    cached = Request(input_tokens=10_000, output_tokens=800, cached_input_tokens=8_000)
    assert 0.042 == pytest.approx(estimate_cost(plain, sonnet), abs=1e-12)
    # 2,000 at $3, 8,000 at the cached $0.30 and 800 out at $15 per million
    assert (2_000 * 3.0 + 8_000 * 0.3 + 800 * 15.0) / 1e6 == pytest.approx(
        estimate_cost(cached, sonnet), rel=1e-12
    )
    with pytest.raises(
        ValidationError, match=r"cached_input_tokens must be at most input_tokens \(100\), got 101"
    ):
        Request(input_tokens=100, output_tokens=1, cached_input_tokens=101)
    with pytest.raises(
        ValidationError, match=r"cached_input_tokens must be an integer >= 0, got -1"
    ):
        Request(input_tokens=100, output_tokens=1, cached_input_tokens=-1)


SURCHARGE_VENDORS = ["openai", "anthropic", "google", "meta", "mistral"]


@settings(max_examples=80, deadline=None)
@given(
    catalogs(),
    requests(constrained=False),
    st.sampled_from(SURCHARGE_VENDORS),
    st.floats(0.0, 3.0),
    st.floats(0.0, 3.0),
)
def test_a_surcharge_never_moves_traffic_towards_its_vendor(
    catalog: Catalog, request: Request, vendor: str, low: float, extra: float
) -> None:
    """Issue 26: a zero surcharge routes as no surcharge does; raising one vendor's
    surcharge never makes its deployments chosen where they were not."""
    if vendor not in catalog.vendors:
        vendor = catalog.vendors[0]
    plain = decide(request, catalog, Policy(), State(), 0.0)
    zero = decide(request, catalog, Policy(vendor_surcharge={vendor: 0.0}), State(), 0.0)
    assert plain == zero
    before = decide(request, catalog, Policy(vendor_surcharge={vendor: low}), State(), 0.0)
    after = decide(request, catalog, Policy(vendor_surcharge={vendor: low + extra}), State(), 0.0)
    if isinstance(before, str):  # no route: the surcharge changes no filter
        assert before == after
        return
    chosen_vendor = {d.id: d.vendor for d in catalog}
    assert isinstance(after, tuple)
    if chosen_vendor[before[0]] != vendor:
        assert chosen_vendor[after[0]] != vendor or after[0] == before[0]


def test_a_surcharge_is_explained_with_its_parts() -> None:
    catalog = reference_catalog()
    request = Request(
        input_tokens=3_000, output_tokens=600, needs={"tools"}, vendors={"openai", "google"}
    )
    assert "openai/gpt-5-nano" == route(request, catalog, now=0.0).chosen.id
    decision = route(request, catalog, Policy(vendor_surcharge={"OpenAI": 5.0}), now=0.0)
    assert "google" == decision.chosen.vendor
    reason = decision.explain()["openai/gpt-5-nano"]
    assert "(score $0.00039 + 500% openai surcharge = $0.00234)" in reason, reason
    assert {"openai": 5.0} == dict(Policy(vendor_surcharge={" OpenAI ": 5}).vendor_surcharge)
    with pytest.raises(ValidationError, match=r"unknown vendor 'opneai'.*did you mean 'openai'"):
        route(request, catalog, Policy(vendor_surcharge={"opneai": 0.5}), now=0.0)
    with pytest.raises(
        ValidationError,
        match=r"vendor_surcharge\['openai'\] must be within \[0, 1e\+06\], got -0\.1",
    ):
        Policy(vendor_surcharge={"openai": -0.1})


def test_a_vendor_over_its_share_of_spend_ranks_after_the_rest() -> None:
    catalog = reference_catalog()
    request = Request(
        input_tokens=3_000, output_tokens=600, needs={"tools"}, vendors={"openai", "google"}
    )
    state = State()
    for t in range(8):  # $0.08 on OpenAI and $0.02 on Google within the last hour
        state = record(
            state,
            Attempt(deployment_id="openai/gpt-5-nano", vendor="openai", cost_usd=0.01),
            now=float(t),
        )
    for t in range(2):
        state = record(
            state,
            Attempt(deployment_id="gemini/gemini-2.5-flash-lite", vendor="google", cost_usd=0.01),
            now=float(t),
        )
    policy = Policy(max_vendor_share={"openai": 0.6}, share_window_s=3600)
    decision = route(request, catalog, policy, state=state, now=100.0)
    assert "google" == decision.chosen.vendor
    vendors = [catalog.deployment(d).vendor for d in decision.ranking]
    assert vendors == sorted(vendors, key=lambda v: v == "openai")  # every OpenAI one last
    assert (
        "openai holds 80% of the last hour's spend, cap 60%: ranked after the rest"
        in (decision.explain()["openai/gpt-5-nano"])
    )
    # an hour later the window holds no spend: OpenAI is first again
    assert "openai" == route(request, catalog, policy, state=state, now=4_000.0).chosen.vendor
    # the same through a Router (execute's path) with the same state
    router = Router(catalog, policy, state=state, now=lambda: 100.0)
    done = router.complete(
        request, lambda d, r: Reply(response=d.id, usage=Usage(input_tokens=1, output_tokens=1))
    )
    assert "google" == done.deployment.vendor
    with pytest.raises(
        ValidationError, match=r"max_vendor_share\['openai'\] must be in \(0, 1\], got 0"
    ):
        Policy(max_vendor_share={"openai": 0})


def _everything_about(decision: Any) -> tuple[Any, ...]:
    """A decision's picks, scores, ranking and explanations (money signs aside)."""
    explained = {k: v.replace("$", "") for k, v in decision.explain().items()}
    return (
        tuple(d.id for d in decision.deployments),
        dict(decision.scores),
        decision.ranking,
        explained,
        [{k: v for k, v in row.items() if k != "reason"} for row in decision.to_rows()],
    )


class TestCheapestFirst:
    """Ranking by cost alone prices only the cheapest few candidates (Fagin's threshold
    walk over the rate columns, issue 26's speed target): its answers must equal pricing
    every candidate, to the last bit and the last tie."""

    @settings(max_examples=120)
    @given(
        catalogs(max_size=70),
        requests(constrained=False),
        st.sampled_from(["vendor", "provider", "none"]),
        st.integers(0, 4),
        st.booleans(),
    )
    def test_equals_pricing_every_candidate(
        self, catalog: Catalog, request: Request, diversity: str, fallbacks: int, cooled: bool
    ) -> None:
        state = State()
        if cooled:  # cooldowns narrow the mask without demoting anyone
            state = record(
                state,
                Attempt(deployment_id=catalog.deployments[0].id, failure="rate_limited"),
                now=59.0,
            )
        fast = Policy(diversity=diversity, fallbacks=fallbacks)  # type: ignore[arg-type]
        slow = Policy(diversity=diversity, fallbacks=fallbacks, score=plain(by_cost))  # type: ignore[arg-type]
        assert fast._by_cost_alone
        assert not slow._by_cost_alone
        try:
            expected = route(request, catalog, slow, state=state, now=60.0)
        except NoRouteError:
            with pytest.raises(NoRouteError):
                route(request, catalog, fast, state=state, now=60.0)
            return
        decision = route(request, catalog, fast, state=state, now=60.0)
        assert _everything_about(decision) == _everything_about(expected)

    def test_walks_past_the_first_step_when_diversity_needs_it(self) -> None:
        # Thirty cheap deployments of one vendor, then one of another: the walk must go
        # deep to find a second vendor, and the answer is the one full pricing gives.
        deployments = [
            Deployment(
                id=f"cheap/m-{n:02d}",
                model=Model(
                    id=f"m-{n:02d}",
                    vendor="openai",
                    capabilities={"chat"},
                    context_window=100_000,
                    max_output_tokens=8_000,
                ),
                provider="openai",
                price=Price(input_per_mtok=0.1 + n / 1000, output_per_mtok=0.4),
            )
            for n in range(30)
        ] + [
            Deployment(
                id="other/x",
                model=Model(
                    id="x",
                    vendor="mistral",
                    capabilities={"chat"},
                    context_window=100_000,
                    max_output_tokens=8_000,
                ),
                provider="mistral",
                price=Price(input_per_mtok=9.0, output_per_mtok=9.0),
            )
        ]
        catalog = Catalog(deployments=deployments)
        request = Request(input_tokens=1_000, output_tokens=100)
        decision = route(request, catalog, now=0.0)
        assert [d.id for d in decision.deployments] == ["cheap/m-00", "other/x", "cheap/m-01"]
        assert decision._run.positions is None  # nothing else was listed or priced
        assert decision.ranking[:3] == ("cheap/m-00", "cheap/m-01", "cheap/m-02")
        assert len(decision.scores) == 31

    @settings(max_examples=80)
    @given(
        st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12)), min_size=2, max_size=12),
        st.integers(0, 40),
        st.integers(1, 40),
        st.sampled_from(["vendor", "provider", "none"]),
        st.integers(0, 3),
    )
    def test_rankings_by_direction_are_exact_at_and_near_crossings(
        self,
        rates: list[tuple[int, int]],
        output: int,
        scale: int,
        diversity: str,
        fallbacks: int,
    ) -> None:
        # Small whole-number rates cross at simple ratios; requests put t = b / (a + b)
        # exactly on crossings (and next to them), where two rankings meet.
        deployments = [
            Deployment(
                id=f"p{n % 3}/m{n:02d}",
                model=Model(
                    id=f"m{n:02d}",
                    vendor=f"v{n % 4}",
                    capabilities={"chat"},
                    context_window=1_000_000,
                    max_output_tokens=100_000,
                ),
                provider=f"p{n % 3}",
                price=Price(input_per_mtok=x / 4, output_per_mtok=y / 4),
            )
            for n, (x, y) in enumerate(rates)
        ]
        catalog = Catalog(deployments=deployments)
        fast = Policy(diversity=diversity, fallbacks=fallbacks)  # type: ignore[arg-type]
        slow = Policy(diversity=diversity, fallbacks=fallbacks, score=plain(by_cost))  # type: ignore[arg-type]
        for input_tokens in (scale, scale * 3, scale * 7 + 1, 0):
            request = Request(input_tokens=input_tokens, output_tokens=output * scale)
            expected = route(request, catalog, slow, now=0.0)
            got = route(request, catalog, fast, now=0.0)
            assert _everything_about(got) == _everything_about(expected)

    def test_small_catalogs_read_their_ranking_by_direction(self) -> None:
        from modelfolio._routing.columns import Columns

        catalog = reference_catalog()
        small = Catalog(deployments=list(catalog.deployments)[:20])
        route(Request(input_tokens=1_000, output_tokens=200), small, now=0.0)
        columns = Columns.of(small)
        assert columns._directions is not None  # built on first use
        crossings, orders = columns._directions
        assert len(orders) == len(crossings) + 1
        assert crossings == sorted(crossings)

    def test_equals_pricing_every_candidate_on_litellms_price_map(
        self, litellm_map: dict[str, Any]
    ) -> None:
        from modelfolio import from_litellm

        everything = from_litellm(litellm_map).catalog
        plain_cost = Policy(score=plain(by_cost))
        rng = random.Random(26)
        for size in (20, 200, len(everything)):
            catalog = Catalog(deployments=rng.sample(list(everything.deployments), size))
            for _ in range(150):
                request = Request(
                    input_tokens=rng.choice([0, 1, 200, 4_000, 30_000, 150_000, 400_000]),
                    output_tokens=rng.choice([0, 50, 800, 8_000]),
                    reasoning_tokens=rng.choice([0, 0, 1_000]),
                    needs=rng.choice([set(), {"tools"}, {"vision"}]),
                )
                if rng.random() < 0.3:
                    request = attrs.evolve(request, cached_input_tokens=request.input_tokens // 2)
                try:
                    expected = route(request, catalog, plain_cost, now=0.0)
                except NoRouteError:
                    continue
                got = route(request, catalog, now=0.0)
                assert [d.id for d in got.deployments] == [d.id for d in expected.deployments]
                assert got.ranking == expected.ranking
                assert dict(got.scores) == dict(expected.scores)
