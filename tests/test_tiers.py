"""Service tiers as channels, prices that depend on the hour, and unknown context windows."""

from __future__ import annotations

import math
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelfolio import (
    Catalog,
    CatalogError,
    Deployment,
    Model,
    NoRouteError,
    OffPeak,
    OffPeakWindow,
    Policy,
    Price,
    PriceTier,
    Request,
    Usage,
    ValidationError,
    WorkloadClass,
    allocate,
    cost,
    estimate_cost,
    fits_context,
    from_litellm,
    knows_context_window,
    reference_catalog,
    route,
)
from modelfolio._catalog.prices import utc_moment


def moment(*args: int) -> float:
    return datetime(*args, tzinfo=timezone.utc).timestamp()  # type: ignore[misc]


# DeepSeek's schedule (UTC hours; weekdays on Beijing's calendar for the Tencent copy).
WEEKDAYS = OffPeakWindow(
    hours_utc=["00:00-01:00", "04:00-06:00", "10:00-00:00"], weekdays=[1, 2, 3, 4, 5]
)
WEEKEND = OffPeakWindow(hours_utc="00:00-00:00", weekdays=["sat", "sun"])
NIGHTS = OffPeak(
    windows=[WEEKDAYS, WEEKEND],
    input_per_mtok=0.15,
    output_per_mtok=0.6,
    cached_input_per_mtok=0.003,
)
DEEPSEEK = Price(
    input_per_mtok=0.3, output_per_mtok=1.2, cached_input_per_mtok=0.006, off_peak=NIGHTS
)


def model(name: str, vendor: str, window: int | None = 128_000) -> Model:
    return Model(
        id=name,
        vendor=vendor,
        capabilities={"chat"},
        context_window=window,
        max_output_tokens=None if window is None else 16_000,
    )


class TestTimes:
    def test_utc_moment_is_calendar_arithmetic(self) -> None:
        assert (4, 0) == utc_moment(0.0)  # 1970-01-01 was a Thursday
        assert (3, 2 * 60 + 30) == utc_moment(moment(2026, 11, 18, 2, 30))
        assert (7, 1439) == utc_moment(moment(2026, 11, 22, 23, 59, 59))
        assert (2, 0) == utc_moment(-86_400 * 2.0)  # before 1970 too: a Tuesday

    @settings(max_examples=300)
    @given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1)))
    def test_utc_moment_agrees_with_datetime(self, when: datetime) -> None:
        aware = when.replace(tzinfo=timezone.utc)
        assert (aware.isoweekday(), aware.hour * 60 + aware.minute) == utc_moment(aware.timestamp())

    @pytest.mark.parametrize("bad", [math.nan, math.inf, "noon", True])
    def test_bad_moments_are_refused(self, bad: object) -> None:
        with pytest.raises(ValidationError, match="at must be a finite POSIX timestamp"):
            cost(Usage(input_tokens=1, output_tokens=1), DEEPSEEK, at=bad)  # type: ignore[arg-type]


class TestOffPeak:
    call = Usage(input_tokens=10_000, output_tokens=1_000, cached_input_tokens=4_000)

    @pytest.mark.parametrize(
        ("when", "open_"),
        [
            ((2026, 11, 18, 0, 30), True),
            ((2026, 11, 18, 0, 59, 59), True),
            ((2026, 11, 18, 1, 0), False),  # the end of a range is excluded
            ((2026, 11, 18, 3, 59, 59), False),
            ((2026, 11, 18, 4, 0), True),  # its start included
            ((2026, 11, 18, 9, 59), False),
            ((2026, 11, 18, 23, 59), True),
            ((2026, 11, 21, 2, 30), True),  # Saturday: all day
        ],
    )
    def test_windows(self, when: tuple[int, ...], open_: bool) -> None:
        at = moment(*when)
        assert open_ == NIGHTS.is_open(at=at)
        expected = (6_000 * 0.15 + 4_000 * 0.003 + 1_000 * 0.6) / 1e6 if open_ else None
        standard = (6_000 * 0.3 + 4_000 * 0.006 + 1_000 * 1.2) / 1e6
        assert (expected or standard) == pytest.approx(cost(self.call, DEEPSEEK, at=at))
        assert standard == pytest.approx(cost(self.call, DEEPSEEK))

    def test_weekdays_on_another_calendar(self) -> None:
        beijing = OffPeak(
            windows=[OffPeakWindow(hours_utc="16:00-17:00", weekdays=["mon"])],
            input_per_mtok=0.1,
            weekday_offset_minutes=480,
        )
        # Sunday 16:30 UTC is Monday 00:30 in Beijing: the window is open.
        assert beijing.is_open(at=moment(2026, 11, 22, 16, 30))
        assert not beijing.is_open(at=moment(2026, 11, 23, 16, 30))  # Monday UTC, Tuesday there

    def test_off_peak_replaces_long_context_tiers(self) -> None:
        price = Price(
            input_per_mtok=1.0,
            output_per_mtok=2.0,
            tiers=[PriceTier(above_input_tokens=100, input_per_mtok=3.0, output_per_mtok=4.0)],
            off_peak=OffPeak(windows=[WEEKEND], input_per_mtok=0.5),
        )
        saturday = moment(2026, 11, 21, 12, 0)
        # Off-peak input replaces the tier's input; the tier's output stays.
        assert price.rates(1_000, at=saturday).input_per_mtok == 0.5
        assert price.rates(1_000, at=saturday).output_per_mtok == 4.0
        # Without its own cached rate, cached input follows the off-peak input rate.
        assert price.rates(1_000, at=saturday).cached_input_per_mtok == 0.5

    @pytest.mark.parametrize(
        ("make", "message"),
        [
            (lambda: OffPeakWindow(hours_utc="24:00-01:00"), "hours_utc must be 'HH:MM-HH:MM'"),
            (lambda: OffPeakWindow(hours_utc=[]), "at least one"),
            (lambda: OffPeakWindow(hours_utc="01:00-02:00", weekdays=[0]), "weekdays must hold"),
            (lambda: OffPeakWindow(hours_utc="01:00-02:00", weekdays=["funday"]), "'funday'"),
            (lambda: OffPeakWindow(hours_utc="01:00-02:00", weekdays="mon"), "weekdays must be"),
            (
                lambda: OffPeakWindow(hours_utc=["22:00-02:00", "01:00-03:00"]),
                "hours_utc ranges overlap",
            ),
            (
                lambda: OffPeak(windows=[WEEKDAYS, OffPeakWindow(hours_utc="00:30-00:45")]),
                "windows overlap on Mon at 00:30 UTC",
            ),
            (lambda: OffPeak(windows=[WEEKEND]), "at least one rate"),
            (lambda: OffPeak(windows=[], input_per_mtok=1.0), "at least one OffPeakWindow"),
            (
                lambda: OffPeak(windows=[WEEKEND], input_per_mtok=1.0, weekday_offset_minutes=900),
                "weekday_offset_minutes",
            ),
            (lambda: Price(input_per_mtok=1, output_per_mtok=1, off_peak="nights"), "off_peak"),
        ],
    )
    def test_malformed_schedules_name_the_field(self, make: object, message: str) -> None:
        with pytest.raises(CatalogError, match=message):
            make()  # type: ignore[operator]

    @settings(max_examples=200)
    @given(st.floats(min_value=0, max_value=4e9), st.integers(0, 200_000), st.integers(0, 5_000))
    def test_cost_is_standard_or_off_peak_as_the_window_says(
        self, at: float, tokens: int, out: int
    ) -> None:
        call = Usage(input_tokens=tokens, output_tokens=out)
        expected = (
            (tokens * 0.15 + out * 0.6) if NIGHTS.is_open(at=at) else (tokens * 0.3 + out * 1.2)
        ) / 1e6
        assert expected == pytest.approx(cost(call, DEEPSEEK, at=at), rel=1e-12, abs=0)


def catalog_with_channels() -> Catalog:
    gpt = model("gpt-x", "openai")
    ds = model("ds-chat", "deepseek")
    return Catalog(
        deployments=[
            Deployment(id="openai/gpt-x", model=gpt, provider="openai",
                       price=Price(input_per_mtok=1.0, output_per_mtok=4.0)),
            Deployment(id="openai/gpt-x@batch", model=gpt, provider="openai", tier="batch",
                       price=Price(input_per_mtok=0.5, output_per_mtok=2.0)),
            Deployment(id="openai/gpt-x@flex", model=gpt, provider="openai", tier="flex",
                       price=Price(input_per_mtok=0.5, output_per_mtok=2.0)),
            Deployment(id="openai/gpt-x@priority", model=gpt, provider="openai", tier="priority",
                       price=Price(input_per_mtok=2.0, output_per_mtok=8.0)),
            Deployment(id="deepseek/ds-chat", model=ds, provider="deepseek",
                       price=Price(input_per_mtok=0.8, output_per_mtok=3.2,
                                   off_peak=OffPeak(windows=[WEEKEND], input_per_mtok=0.2,
                                                    output_per_mtok=0.8))),
        ]
    )  # fmt: skip


class TestTiersInRouting:
    catalog = catalog_with_channels()
    request = Request(input_tokens=1_000, output_tokens=500)

    def test_a_plain_request_uses_only_the_standard_tier(self) -> None:
        decision = route(self.request, self.catalog, now=0.0)
        assert "deepseek/ds-chat" == decision.chosen.id
        assert {"deepseek/ds-chat", "openai/gpt-x"} == {
            decision.chosen.id,
            *(d.id for d in decision.fallbacks),
        }
        assert (
            "meets_constraints: tier batch is not among standard"
            == (decision.explain()["openai/gpt-x@batch"])
        )

    def test_work_that_can_wait_lands_on_the_cheaper_tier(self) -> None:
        patient = Request(input_tokens=1_000, output_tokens=500, tiers={"standard", "batch"})
        decision = route(patient, self.catalog, now=0.0)
        assert "openai/gpt-x@batch" == decision.chosen.id
        assert (
            "flex"
            == route(
                Request(input_tokens=1_000, output_tokens=500, tiers="flex"), self.catalog, now=0.0
            ).chosen.tier
        )

    def test_off_peak_moments_change_the_choice(self) -> None:
        patient = Request(input_tokens=1_000, output_tokens=500, tiers={"standard", "batch"})
        saturday = moment(2026, 11, 21, 12, 0)
        decision = route(patient, self.catalog, now=0.0, at=saturday)
        assert "deepseek/ds-chat" == decision.chosen.id
        assert decision.scores["deepseek/ds-chat"] == pytest.approx(
            estimate_cost(patient, self.catalog.deployment("deepseek/ds-chat"), at=saturday)
        )
        # The plain per-deployment path agrees with the column path.
        plain = Policy(
            filters=[lambda r, d, c: None], score=lambda r, d, c: estimate_cost(r, d, at=c.at)
        )
        assert (
            decision.chosen.id
            == route(patient, self.catalog, plain, now=0.0, at=saturday).chosen.id
        )

    @settings(max_examples=100)
    @given(st.floats(min_value=0, max_value=4e9), st.sampled_from([200, 5_000, 90_000]))
    def test_route_scores_equal_estimate_cost_at_any_moment(self, at: float, tokens: int) -> None:
        catalog = reference_catalog()
        request = Request(
            input_tokens=tokens, output_tokens=300, tiers={"standard", "flex", "batch"}
        )
        decision = route(request, catalog, now=0.0, at=at)
        for deployment_id, score in decision.scores.items():
            assert score == estimate_cost(request, catalog.deployment(deployment_id), at=at)

    @pytest.mark.parametrize(
        ("tiers", "message"),
        [(set(), "at least one tier"), ({"standard", "cheap"}, "'cheap'"), (None, "tiers must be")],
    )
    def test_bad_tiers_are_refused(self, tiers: object, message: str) -> None:
        with pytest.raises(ValidationError, match=message):
            Request(input_tokens=1, output_tokens=1, tiers=tiers)  # type: ignore[arg-type]
        with pytest.raises(CatalogError, match="tier must be one of"):
            Deployment(id="x", model=model("m", "v"), provider="p",
                       price=Price(input_per_mtok=1, output_per_mtok=1), tier="cheap")  # type: ignore[arg-type]  # fmt: skip

    def test_an_empty_catalog_is_a_no_route_error(self) -> None:
        with pytest.raises(NoRouteError, match="the catalog is empty"):
            route(self.request, Catalog(deployments=[]), now=0.0)

    def test_a_bad_moment_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="at must be a finite POSIX timestamp"):
            route(self.request, self.catalog, now=0.0, at=math.nan)


class TestTiersInAllocation:
    def test_a_deferrable_class_lands_on_batch(self) -> None:
        catalog = reference_catalog()
        quality = {
            (d.id, c): 0.9 for d in catalog.serving("gpt-5-mini") for c in ("chat", "nightly")
        }
        chat = WorkloadClass(name="chat", volume=1_000_000, floor=0.8)
        nightly = WorkloadClass(
            name="nightly", volume=1_000_000, floor=0.8, tiers={"batch", "standard"}
        )
        plan = allocate([chat, nightly], catalog, quality)
        assert {("chat", "openai/gpt-5-mini"), ("nightly", "openai/gpt-5-mini@batch")} == set(
            plan.flows
        )
        assert plan.cost == pytest.approx(
            1.0 * (0.8 * 0.25 + 0.2 * 2.0) + 1.0 * (0.8 * 0.125 + 0.2 * 1.0)
        )

    def test_a_class_priced_at_an_off_peak_hour(self) -> None:
        catalog = catalog_with_channels()
        quality = {(d.id, "batchjob"): 0.9 for d in catalog}
        saturday = moment(2026, 11, 21, 12, 0)
        job = WorkloadClass(name="batchjob", volume=1_000_000, tiers={"standard", "batch"})
        assert {("batchjob", "openai/gpt-x@batch")} == set(allocate([job], catalog, quality).flows)
        weekend = WorkloadClass(
            name="batchjob", volume=1_000_000, tiers={"standard", "batch"}, at=saturday
        )
        assert {("batchjob", "deepseek/ds-chat")} == set(
            allocate([weekend], catalog, quality).flows
        )
        with pytest.raises(ValidationError, match="at must be a finite POSIX timestamp"):
            WorkloadClass(name="x", volume=1, at=math.inf)


class TestUnknownWindows:
    catalog = Catalog(
        deployments=[
            Deployment(id="host/mystery", model=model("mystery", "acme", window=None),
                       provider="host", price=Price(input_per_mtok=0.1, output_per_mtok=0.1)),
            Deployment(id="openai/gpt-x", model=model("gpt-x", "openai"), provider="openai",
                       price=Price(input_per_mtok=1.0, output_per_mtok=4.0)),
        ]
    )  # fmt: skip

    def test_an_unknown_window_passes_and_the_explanation_says_so(self) -> None:
        huge = Request(input_tokens=500_000, output_tokens=100)
        decision = route(huge, self.catalog, now=0.0)
        assert "host/mystery" == decision.chosen.id
        assert "context window unknown" in decision.explain()["host/mystery"]
        assert fits_context(huge, self.catalog.deployment("host/mystery"), None) is None  # type: ignore[arg-type]

    def test_a_policy_can_require_a_known_window(self) -> None:
        policy = Policy(filters=[*Policy().filters, knows_context_window])
        small = Request(input_tokens=1_000, output_tokens=100)
        decision = route(small, self.catalog, policy, now=0.0)
        assert "openai/gpt-x" == decision.chosen.id
        assert "knows_context_window: context window unknown" == decision.explain()["host/mystery"]

    def test_the_importer_keeps_entries_without_a_window(self) -> None:
        imported = from_litellm(
            {
                "replicate/acme-70b": {
                    "mode": "chat",
                    "litellm_provider": "replicate",
                    "input_cost_per_token": 6.5e-07,
                    "output_cost_per_token": 2.75e-06,
                },
                "acme/zero": {
                    "mode": "chat",
                    "litellm_provider": "acme",
                    "max_input_tokens": 0,
                    "input_cost_per_token": 1e-06,
                    "output_cost_per_token": 1e-06,
                },
            }
        )
        assert {} == dict(imported.skipped)
        for d in imported.catalog:
            assert d.model.context_window is None
            assert d.model.max_output_tokens is None

    def test_tier_channels_are_imported_with_their_own_prices(self) -> None:
        entry = {
            "mode": "chat",
            "litellm_provider": "openai",
            "max_input_tokens": 272_000,
            "input_cost_per_token": 1.25e-06,
            "output_cost_per_token": 1e-05,
            "input_cost_per_token_priority": 2.5e-06,
            "output_cost_per_token_priority": 2e-05,
            "input_cost_per_token_above_200k_tokens_priority": 5e-06,
            "input_cost_per_token_flex": 6.25e-07,
            "output_cost_per_token_batches": 5e-06,
        }
        catalog = from_litellm({"gpt-y": entry}).catalog
        assert ["gpt-y", "gpt-y@batch", "gpt-y@flex", "gpt-y@priority"] == [d.id for d in catalog]
        flex = catalog.deployment("gpt-y@flex").price
        assert (0.625, 10.0) == (flex.input_per_mtok, flex.output_per_mtok)  # output: standard
        batch = catalog.deployment("gpt-y@batch").price
        assert (0.625, 5.0) == (batch.input_per_mtok, batch.output_per_mtok)  # input: half
        priority = catalog.deployment("gpt-y@priority").price
        assert 5.0 == priority.rates(250_000).input_per_mtok


class TestWallClockInExecution:
    def test_execute_and_router_price_at_the_hour_of_the_call(self) -> None:
        from modelfolio import Reply, Router, execute

        catalog = catalog_with_channels()
        request = Request(input_tokens=1_000, output_tokens=500, tiers={"standard", "batch"})
        usage = Usage(input_tokens=1_000, output_tokens=500)

        def call(deployment: Deployment, request: Request) -> Reply[str]:
            return Reply(response=deployment.id, usage=usage)

        saturday = moment(2026, 11, 21, 12, 0)
        weekday = moment(2026, 11, 18, 12, 0)
        at_weekend = execute(
            request, catalog, Policy(), call=call, now=lambda: 0.0, wall_clock=lambda: saturday
        )
        assert "deepseek/ds-chat" == at_weekend.response
        assert (1_000 * 0.2 + 500 * 0.8) / 1e6 == pytest.approx(at_weekend.attempts[0].cost_usd)
        in_the_week = execute(
            request, catalog, Policy(), call=call, now=lambda: 0.0, wall_clock=lambda: weekday
        )
        assert "openai/gpt-x@batch" == in_the_week.response
        without_clock = execute(request, catalog, Policy(), call=call, now=lambda: 0.0)
        assert "openai/gpt-x@batch" == without_clock.response
        router = Router(catalog, Policy(), now=lambda: 0.0, wall_clock=lambda: saturday)
        assert "deepseek/ds-chat" == router.complete(request, call).response
