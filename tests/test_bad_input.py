"""Bad input fails at once, naming the field and the value (a start on issue 16's root causes).

Covered here: lone strings where collections of names belong (root cause 6), NaN and
infinite values that slipped past checks (2), overflow on accepted values (3), and a
negative backoff base (2). Each case is one line, so the rule it checks reads plainly.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any, ClassVar

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import modelfolio as mf
from modelfolio import (
    CatalogError,
    ModelfolioError,
    Outcomes,
    Price,
    Request,
    Usage,
    ValidationError,
    backoff_s,
    bradley_terry,
    cost,
    leaderboard,
    vendor_exit,
)
from modelfolio._evaluation.quality import QualityEntry
from modelfolio.io import read_outcomes_long

TABLE = Outcomes.from_columns(
    item=[1, 2, 1, 2],
    model=["gpt", "gpt", "small", "small"],
    score=[1, 0, 1, 1],
    tags=[{"easy"}, {"hard"}, {"easy"}, {"hard"}],
)


class TestLoneStrings:
    """A lone string where names belong is one name, not its characters."""

    def test_subset_models(self) -> None:
        assert ("gpt",) == TABLE.subset(models="gpt").models
        assert TABLE.subset(models=["gpt"]).to_rows() == TABLE.subset(models="gpt").to_rows()

    def test_leaderboard_and_scores_tags(self) -> None:
        assert (
            leaderboard(TABLE, tags=["easy"]).to_rows() == leaderboard(TABLE, tags="easy").to_rows()
        )
        assert {1: 1.0} == TABLE.scores("gpt", tags="easy")
        with pytest.raises(ValidationError, match=r"no outcomes match tags=\['missing'\]"):
            leaderboard(TABLE, tags="missing")

    def test_read_outcomes_long_add_tags(self, tmp_path: Any) -> None:
        path = tmp_path / "o.csv"
        path.write_text("item,model,score\nq1,m,1\n")
        table = read_outcomes_long(path, item="item", model="model", score="score", add_tags="math")
        assert (frozenset({"math"}),) == tuple(t for t in table.tag_sets if t)


BAD: list[tuple[str, Callable[[], Any], str]] = [
    (
        "anchor NaN",
        lambda: bradley_terry([("a", "b", "a"), ("b", "a", "a")], anchor=("a", math.nan)),
        "anchor rating must be a finite number",
    ),
    (
        "anchor inf",
        lambda: bradley_terry([("a", "b", "a"), ("b", "a", "a")], anchor=("a", math.inf)),
        "anchor rating must be a finite number",
    ),
    (
        "exit floor NaN",
        lambda: vendor_exit(TABLE, {"gpt": "o", "small": "s"}, floor=math.nan),
        "floor must be a finite number",
    ),
    (
        "cost NaN",
        lambda: Outcomes.from_columns(item=[1], model=["m"], score=[1], cost=[math.nan]),
        "cost must hold finite numbers",
    ),
    (
        "huge tokens",
        lambda: Usage(input_tokens=10**400, output_tokens=0),
        "input_tokens must be an integer from 0 to 1e\\+15, got 1000",
    ),
    (
        "huge request",
        lambda: Request(input_tokens=10**16, output_tokens=1),
        "input_tokens must be an integer from 0 to 1e\\+15",
    ),
    (
        "huge price",
        lambda: Price(input_per_mtok=1.7e308, output_per_mtok=1),
        "input_per_mtok must be a price from 0 to 1e\\+09",
    ),
    (
        "negative backoff",
        lambda: backoff_s(1, base_s=-1.0, rng=random.Random(0)),
        "base_s must be a finite number >= 0, got -1.0",
    ),
    (
        "backoff attempt",
        lambda: backoff_s(-1, rng=random.Random(0)),
        "attempt must be an integer >= 0",
    ),
]


@pytest.mark.parametrize(("name", "make", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_values_fail_clearly(name: str, make: Callable[[], Any], message: str) -> None:
    with pytest.raises(ModelfolioError, match=message):
        make()


def test_a_huge_value_is_shown_shortened() -> None:
    with pytest.raises(ValidationError) as caught:
        Usage(input_tokens=10**400, output_tokens=0)
    assert len(str(caught.value)) < 160
    with pytest.raises(CatalogError):
        Price(input_per_mtok=math.inf, output_per_mtok=1)


@settings(max_examples=300)
@given(
    st.integers(0, 10**15),
    st.integers(0, 10**15),
    st.floats(0, 1e9),
    st.floats(0, 1e9),
)
def test_cost_is_finite_and_non_negative_for_any_accepted_usage_and_price(
    tokens_in: int, tokens_out: int, rate_in: float, rate_out: float
) -> None:
    value = cost(
        Usage(input_tokens=tokens_in, output_tokens=tokens_out),
        Price(input_per_mtok=rate_in, output_per_mtok=rate_out),
    )
    assert math.isfinite(value)
    assert value >= 0


class TestValueClasses:
    """Root cause 5: value classes check their fields when built."""

    @pytest.mark.parametrize(
        ("make", "message"),
        [
            (lambda: mf.State(cooldowns={"x": "soon"}), r"cooldowns\['x'\] must be a finite number, got 'soon'"),
            (lambda: mf.State(breakers={"x": math.nan}), r"breakers\['x'\] must be a finite number, got nan"),
            (lambda: mf.State(failures={"x": [1.0, "a"]}), r"failures\['x'\] must be a finite number, got 'a'"),
            (lambda: mf.State(failures={"x": 5}), r"failures\['x'\] must be a sequence of times"),
            (lambda: mf.State(vendor_failures={"v": [(1.0, None)]}), r"vendor_failures\['v'\] must be a non-empty string"),
            (lambda: mf.State(vendor_failures={"v": [1.0]}), r"must be a \(time, deployment id\) pair"),
            (lambda: mf.State(cooldowns=[("x", 1.0)]), r"cooldowns must be a mapping of ids to times"),
            (lambda: mf.State(cooldowns={3: 1.0}), r"cooldowns must be a non-empty string"),
            (lambda: mf.Charge(time=1.0, cost_usd=-5.0, deployment="d", vendor=None, provider=None, tenant=None), r"cost_usd must be a finite number >= 0, got -5.0"),
            (lambda: mf.Charge(time=math.inf, cost_usd=1.0, deployment="d", vendor=None, provider=None, tenant=None), r"time must be a finite number"),
            (lambda: mf.Charge(time=1.0, cost_usd=1.0, deployment="", vendor=None, provider=None, tenant=None), r"deployment must be a non-empty string"),
            (lambda: mf.Rates(input_per_mtok=-1, output_per_mtok=1, cached_input_per_mtok=1, cache_write_per_mtok=1, reasoning_per_mtok=1), r"input_per_mtok must be a finite number >= 0, got -1"),
            (lambda: mf.Point(quality=math.nan, cost=1.0), r"quality must be a finite number, got nan"),
            (lambda: mf.Point(quality=0.5, cost=-1.0), r"cost must be a finite number >= 0"),
            (lambda: mf.Point(quality=0.5, cost=1.0, shares={"a": 2}), r"shares\['a'\] must be a share in \[0, 1\], got 2"),
            (lambda: mf.Curve(points=[1], baselines={}, n=1), r"points must hold Point values, got 1"),
            (lambda: mf.Curve(points=[], baselines={"x": 1}, n=1), r"baselines\['x'\] must be a Point"),
            (lambda: mf.Curve(points=[], baselines={}, n=0), r"n must be an integer > 0, got 0"),
            (lambda: mf.QualityTable(entries={}, cost_per_item={}), r"cost_per_item must map at least one model"),
            (lambda: mf.QualityTable(entries={}, cost_per_item={"m": 0.1}), r"model 'm' has a cost but no model-wide entry"),
            (lambda: mf.QualityTable(entries={}, cost_per_item={"m": -0.1}), r"cost_per_item\['m'\] must be a finite number >= 0"),
            (lambda: mf.Classification(failure="soon"), r"failure must be one of rate_limited"),
            (lambda: mf.Classification(failure=None), r"failure must be a Failure"),
            (lambda: mf.Classification(failure="timeout", retry_after_s=-1), r"retry_after_s must be a finite number >= 0"),
            (lambda: mf.fit_quality(mf.Outcomes.from_columns(item=[], model=[], score=[])), r"outcomes is empty"),
        ],
    )  # fmt: skip
    def test_bad_fields_are_named(self, make: Callable[[], Any], message: str) -> None:
        with pytest.raises(mf.ModelfolioError, match=message):
            make()

    def test_a_quality_entry_keeps_its_bounds_in_order(self) -> None:
        with pytest.raises(mf.ModelfolioError, match="need ci_low <= mean <= ci_high"):
            mf.QualityTable(
                entries={("m", None): QualityEntry(model="m", tag=None, mean=0.5, ci_low=0.6, ci_high=0.7, n=3)},
                cost_per_item={"m": 0.0},
            )  # fmt: skip

    @settings(max_examples=60, deadline=None)
    @given(
        cooldowns=st.dictionaries(st.sampled_from(["openai/gpt-4o", "anthropic/claude-sonnet-4-5", "x"]), st.floats(-1e9, 1e9), max_size=3),
        breakers=st.dictionaries(st.sampled_from(["openai/gpt-4o", "gemini/gemini-2.5-flash", "y"]), st.floats(-1e9, 1e9), max_size=3),
        failures=st.dictionaries(st.sampled_from(["openai/gpt-4o", "z"]), st.lists(st.floats(-1e9, 1e9), max_size=4), max_size=2),
        vendors=st.dictionaries(st.sampled_from(["openai", "google"]), st.lists(st.tuples(st.floats(-1e9, 1e9), st.sampled_from(["openai/gpt-4o", "w"])), max_size=3), max_size=2),
        now=st.floats(-1e9, 1e9),
    )  # fmt: skip
    def test_any_accepted_state_routes(
        self, cooldowns: Any, breakers: Any, failures: Any, vendors: Any, now: float
    ) -> None:
        state = mf.State(cooldowns=cooldowns, breakers=breakers, failures=failures,
                         vendor_failures=vendors)  # fmt: skip
        request = mf.Request(input_tokens=1_000, output_tokens=100)
        try:
            decision = mf.route(request, mf.reference_catalog(), state=state, now=now)
        except mf.NoRouteError:
            return  # every deployment held back: a clear, documented outcome
        assert decision.chosen.id not in {d for d, t in cooldowns.items() if t > now}

    def test_record_stays_fast_and_checked(self) -> None:
        # record builds the next State from checked values without re-checking them all;
        # what it builds is still a State whose marks read back as given.
        state = mf.State()
        for k in range(5):
            state = mf.record(state, mf.Attempt(deployment_id=f"d{k}", failure="rate_limited", retry_after_s=5), now=1.0)  # fmt: skip
        assert {f"d{k}": 6.0 for k in range(5)} == dict(state.cooldowns)
        assert mf.State(cooldowns=state.cooldowns, ledger=state.ledger) == mf.State(
            cooldowns=dict(state.cooldowns)
        )


def _sync_call(deployment: Any, request: Any) -> Any:
    return mf.Reply(response=deployment.id, usage=mf.Usage(input_tokens=1, output_tokens=1))


async def _async_call(deployment: Any, request: Any) -> Any:
    return _sync_call(deployment, request)


class TestProgrammingErrorsAreNotOutages:
    """Root cause 8: a wrong call is the caller's bug; no deployment is tried or blamed."""

    request = mf.Request(input_tokens=10, output_tokens=5)

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"call": None}, r"call must be a function of \(deployment, request\), got None"),
            ({"call": lambda deployment: 1}, r"call must take two arguments \(deployment, request\)"),
            ({"call": _async_call}, r"an async call needs aexecute, not execute"),
            ({"call": _sync_call, "now": 5.0}, r"now must be a function .*got 5.0"),
        ],
    )  # fmt: skip
    def test_execute(self, kwargs: dict[str, Any], message: str) -> None:
        with pytest.raises(mf.ModelfolioError, match=message):
            mf.execute(self.request, mf.reference_catalog(), mf.Policy(), **kwargs)

    def test_execute_checks_its_request(self) -> None:
        with pytest.raises(mf.ModelfolioError, match="request must be a Request, got 'request'"):
            mf.execute("request", mf.reference_catalog(), mf.Policy(), call=_sync_call)  # type: ignore[arg-type]

    def test_aexecute_with_a_sync_call(self) -> None:
        import asyncio

        with pytest.raises(mf.ModelfolioError, match="a synchronous call needs execute"):
            asyncio.run(
                mf.aexecute(self.request, mf.reference_catalog(), mf.Policy(), call=_sync_call)
            )  # type: ignore[arg-type]

    def test_a_client_error_is_still_classified(self) -> None:
        def flaky(deployment: Any, request: Any) -> Any:
            if deployment.provider == "local":
                raise TimeoutError("asleep")
            return _sync_call(deployment, request)

        done = mf.execute(self.request, mf.reference_catalog(), mf.Policy(), call=flaky,
                          now=lambda: 0.0, sleep=lambda s: None)  # fmt: skip
        assert str(done.attempts[0].failure) == "timeout"


class TestNoSilentCoercion:
    """Root cause 7: values that are not what they claim are refused, not coerced."""

    @pytest.mark.parametrize(
        ("make", "message"),
        [
            (lambda: mf.usage_from_openai({"usage": {"prompt_tokens": "1200", "completion_tokens": 3}}), r"usage prompt_tokens must be a whole number of tokens >= 0, got '1200'"),
            (lambda: mf.usage_from_openai({"usage": {"prompt_tokens": 10, "completion_tokens": -1}}), r"completion_tokens must be a whole number"),
            (lambda: mf.usage_from_anthropic({"usage": {"input_tokens": 1.5, "output_tokens": 1}}), r"input_tokens must be a whole number"),
            (lambda: mf.cascade([(None, 0.5), ("b", 0.0)], acceptance=lambda q, m: 1.0), r"cascade step model must be a non-empty string"),
            (lambda: mf.cascade(None), r"steps must be a sequence of \(model, threshold\) steps, got None"),  # type: ignore[arg-type]
            (lambda: mf.Outcomes.from_columns(item=[1], model=["m"], score=None), r"score must be a sequence \(a column\), got None"),  # type: ignore[arg-type]
            (lambda: mf.calibrate_threshold([0.1, math.nan], 0.5), r"scores\[1\] must be a finite number, got nan"),
            (lambda: mf.calibrate_threshold([0.1], "half"), r"strong_share must be between 0 and 1"),  # type: ignore[arg-type]
        ],
    )  # fmt: skip
    def test_refused(self, make: Callable[[], Any], message: str) -> None:
        with pytest.raises(mf.ModelfolioError, match=message):
            make()

    def test_whole_floats_and_missing_counts_still_read(self) -> None:
        usage = mf.usage_from_openai({"usage": {"prompt_tokens": 12, "completion_tokens": 3.0,
                                                "prompt_tokens_details": None}})  # fmt: skip
        assert (12, 3, 0) == (usage.input_tokens, usage.output_tokens, usage.cached_input_tokens)


class TestOverflowAndBounds:
    """Root cause 3: accepted values never overflow, and means stay within the values."""

    @pytest.mark.parametrize(
        ("make", "message"),
        [
            (lambda: mf.Outcomes.from_columns(item=[1, 2], model=["m", "m"], score=[1e308, 1e308]), r"score must be at most 1e\+12 in magnitude, got 1e\+308"),
            (lambda: mf.EvalRecord(item=1, model="m", score=-1e300), r"score must be at most 1e\+12 in magnitude"),
            (lambda: mf.Outcomes.from_columns(item=[1], model=["m"], score=[1], cost=[1e10]), r"cost must be at most 1e\+09 in magnitude"),
            (lambda: mf.Policy(fallbacks=2**62), r"fallbacks must be an integer from 0 to 10,000"),
        ],
    )  # fmt: skip
    def test_refused(self, make: Callable[[], Any], message: str) -> None:
        with pytest.raises(mf.ModelfolioError, match=message):
            make()

    @settings(max_examples=80, deadline=None)
    @given(
        st.lists(
            st.one_of(st.floats(-1e12, 1e12), st.sampled_from([0.1, 0.2, 0.7, 1e12, -1e12])),
            min_size=1, max_size=30,
        ),
        st.booleans(),
    )  # fmt: skip
    @example([0.0, 0.0], True)  # only 0/1 scores drawn: Wilson's interval, not the values'
    def test_leaderboard_means_stay_within_the_scores(
        self, scores: list[float], graded: bool
    ) -> None:
        if not graded:
            scores = [float(s > 0) for s in scores]
        table = mf.Outcomes.from_columns(
            item=range(len(scores)), model=["m"] * len(scores), score=scores
        )
        entry = mf.leaderboard(table).entry("m")
        assert min(scores) <= entry.mean <= max(scores)
        if len(scores) > 1 and entry.ci_low == entry.ci_low:
            assert entry.ci_low <= entry.mean <= entry.ci_high
            # Only graded scores get a bootstrap interval; 0/1 scores (graded=True can
            # draw only zeros and ones) get Wilson's interval of the rate, which is not
            # bounded by the scores seen.
            if any(s not in (0.0, 1.0) for s in scores):
                assert min(scores) <= entry.ci_low
                assert entry.ci_high <= max(scores)
        quality = mf.fit_quality(table).entries[("m", None)]
        assert min(scores) <= quality.mean <= max(scores)

    @settings(max_examples=80, deadline=None)
    @given(st.dictionaries(st.text(min_size=1, max_size=5).filter(str.strip), st.floats(0, 1.7e308), min_size=1, max_size=8))  # fmt: skip
    def test_concentration_shares_and_hhi_in_range(self, shares: dict[str, float]) -> None:
        shares = {k.strip(): v for k, v in shares.items() if k.strip()}
        if not shares or not any(v > 0 for v in shares.values()):
            return
        result = mf.concentration(shares)
        assert all(0 <= s <= 1 for s in result.shares.values())
        assert 0 <= result.hhi <= 10_000
        assert math.fsum(result.shares.values()) == pytest.approx(1.0)


class TestLiteLLMEntriesAreSkippedNotCrashed:
    """Root cause 9: a malformed price-map entry is skipped with its reason."""

    base: ClassVar[dict[str, Any]] = {"mode": "chat", "litellm_provider": "openai", "max_input_tokens": 1000,
                            "input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6}  # fmt: skip

    @pytest.mark.parametrize(
        ("extra", "reason"),
        [
            ({"tiered_pricing": [None]}, "tiered_pricing band None has no range start"),
            ({"tiered_pricing": [{"range": [], "input_cost_per_token": 1e-6}]}, "has no range start"),
            ({"tiered_pricing": [{"range": None, "input_cost_per_token": 1e-6}]}, "has no range start"),
            ({"tiered_pricing": [{"range": [math.nan, 5], "input_cost_per_token": 1e-6}]}, "has no range start"),
            ({"supported_regions": 5}, "supported_regions is 5, not a list of regions"),
            ({"supported_regions": [None]}, "supported_regions is [None], not a list of regions"),
        ],
    )  # fmt: skip
    def test_skipped_with_reason(self, extra: dict[str, Any], reason: str) -> None:
        imported = mf.from_litellm({"gpt-x": {**self.base, **extra}, "gpt-y": self.base})
        assert reason in imported.skipped["gpt-x"]
        assert ["gpt-y"] == [d.id for d in imported.catalog.deployments]

    def test_a_lone_region_string_is_one_region(self) -> None:
        imported = mf.from_litellm({"gpt-x": {**self.base, "supported_regions": "us-east-1"}})
        assert frozenset({"us-east-1"}) == imported.catalog.deployments[0].regions

    @pytest.mark.parametrize(
        ("make", "message"),
        [
            (lambda: mf.from_litellm({3: {"mode": "chat"}}), r"price map keys must be model names \(strings\), got 3"),
            (lambda: mf.VendorRule(pattern=None, vendor="acme"), r"pattern must be a non-empty regular expression, got None"),  # type: ignore[arg-type]
            (lambda: mf.VendorRule(pattern="acme", vendor="Acme Corp"), r"vendor must be a lowercase slug"),
            (lambda: mf.VendorRule(pattern="(", vendor="acme"), r"pattern must be a regular expression"),
        ],
    )  # fmt: skip
    def test_refused(self, make: Callable[[], Any], message: str) -> None:
        with pytest.raises(mf.ModelfolioError, match=message):
            make()


def _table() -> mf.Outcomes:
    return mf.Outcomes.from_columns(
        item=[1, 2, 1, 2], model=["a", "a", "b", "b"], score=[1, 0, 1, 1], cost=[1, 1, 0.1, 0.1]
    )


class TestTypesCheckedAtTheBoundary:
    """Root cause 4 (the cases named in the issue) and root cause 2's NaN from callables."""

    @pytest.mark.parametrize(
        ("make", "message"),
        [
            (lambda: mf.allocate([None], mf.reference_catalog(), quality={}), r"classes must be WorkloadClass values, got None"),  # type: ignore[list-item]
            (lambda: mf.allocate(None, mf.reference_catalog(), quality={}), r"classes must be a collection of WorkloadClass values"),  # type: ignore[arg-type]
            (lambda: mf.WorkloadClass(name="c", volume=10, floor=0.5, needs=None), r"needs must be a collection of capabilities, got None"),  # type: ignore[arg-type]
            (lambda: mf.optimize_cascade(_table(), lambda q, m: 1.0, budget=1.0, grid=0), r"grid must be an integer from 1 to 1,000, got 0"),
            (lambda: mf.fit_quality(_table()).as_mapping(use="median"), r"use must be 'mean', 'lower' or 'upper', got 'median'"),
            (lambda: mf.bradley_terry(None), r"battles must be a collection of Battle values"),  # type: ignore[arg-type]
            (lambda: mf.sweep(lambda k: None, None, _table()), r"knobs must be a collection of knob values, got None"),  # type: ignore[arg-type]
            (lambda: mf.compare(_table(), baseline="a", candidate="b", seed=[1]), r"seed must be an integer, got \[1\]"),  # type: ignore[arg-type]
            (lambda: mf.leaderboard(_table(), seed="1"), r"seed must be an integer, got '1'"),  # type: ignore[arg-type]
            (lambda: mf.vendor_exit(_table(), vendor_of={"a": "x", "b": "x"}), r"vendor_exit needs models of at least two vendors"),
            (lambda: mf.allocate([mf.WorkloadClass(name="c", volume=10, floor=0.5)], mf.reference_catalog(), quality=lambda d, c: math.nan), r"quality\('.*', 'c'\) must be a number, got nan"),
            (lambda: mf.allocate([mf.WorkloadClass(name="c", volume=10, floor=0.5)], mf.reference_catalog(), quality={("openai/gpt-4o", "c"): math.nan}), r"quality\[\('openai/gpt-4o', 'c'\)\] must be a number, got nan"),
        ],
    )  # fmt: skip
    def test_refused(self, make: Callable[[], Any], message: str) -> None:
        with pytest.raises(mf.ModelfolioError, match=message):
            make()

    def test_a_zero_weight_part_of_a_blend_is_left_out(self) -> None:
        infinite = lambda r, d, c: math.inf if d.provider == "openai" else 1.0  # noqa: E731
        request = mf.Request(input_tokens=100, output_tokens=10)
        with_zero = mf.Policy(score=mf.blend((mf.by_cost, 1.0), (infinite, 0.0)))
        plain = mf.Policy(score=mf.by_cost)
        catalog = mf.reference_catalog()
        assert (
            mf.route(request, catalog, plain, now=0.0).chosen
            == mf.route(request, catalog, with_zero, now=0.0).chosen
        )
        minus = lambda r, d, c: -math.inf if d.provider == "openai" else 0.0  # noqa: E731
        nan_policy = mf.Policy(score=mf.blend((infinite, 1.0), (minus, 1.0)))
        with pytest.raises(mf.ModelfolioError, match=r"score for 'openai/.*' is NaN from blend"):
            mf.route(request, catalog, nan_policy, now=0.0)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: mf.bradley_terry([("a", "b", "a"), ("a", "b", "b")], bootstrap=5, seed="1"), r"seed must be an integer, got '1'"),  # type: ignore[arg-type]
        (lambda: mf.bradley_terry([("a", "b", "a"), ("a", "b", "b")], bootstrap=5, level=[0.9]), r"level must be a number strictly between 0 and 1, got \[0.9\]"),  # type: ignore[arg-type]
        (lambda: mf.simulate(mf.quality_floor(mf.fit_quality(_table()), 0.5), _table(), seed="1"), r"seed must be an integer, got '1'"),  # type: ignore[arg-type]
        (lambda: mf.Router(mf.reference_catalog(), mf.Policy(), seed="x"), r"seed must be an integer, got 'x'"),  # type: ignore[arg-type]
    ],
)  # fmt: skip
def test_seeds_and_levels_are_numbers(make: Callable[[], Any], message: str) -> None:
    with pytest.raises(mf.ModelfolioError, match=message):
        make()


def _curve() -> mf.Curve:
    table = mf.Outcomes.from_columns(
        item=[1, 2, 1, 2], model=["a", "a", "b", "b"], score=[1, 1, 1, 0], cost=[1.0, 1.0, 0.1, 0.1]
    )
    return mf.sweep(lambda f: mf.quality_floor(mf.fit_quality(table), f), [0.2, 0.8], table)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: mf.compare(_table(), baseline=["a"], candidate="b"), r"baseline must be a model id \(a string\), got \['a'\]"),  # type: ignore[arg-type]
        (lambda: mf.non_inferiority(_table(), baseline="a", candidate="b", margin=10**400), r"margin must be a finite number >= 0"),
        (lambda: mf.leaderboard(_table(), tags=math.nan), r"tags must be a tag or a collection of tags, got nan"),  # type: ignore[arg-type]
        (lambda: mf.route(mf.Request(input_tokens=1, output_tokens=1), mf.reference_catalog(), now=0.0, at=10**400), r"at must be a finite POSIX timestamp"),
        (lambda: mf.cost(None, mf.reference_catalog().deployments[0].price), r"usage must be a Usage, got None"),  # type: ignore[arg-type]
        (lambda: mf.cost(mf.Usage(input_tokens=1, output_tokens=1), "cheap"), r"price must be a Price, got 'cheap'"),  # type: ignore[arg-type]
        (lambda: mf.estimate_cost("request", mf.reference_catalog().deployments[0]), r"request must be a Request"),  # type: ignore[arg-type]
        (lambda: mf.estimate_cost(mf.Request(input_tokens=1, output_tokens=1), None), r"deployment must be a Deployment, got None"),  # type: ignore[arg-type]
        (lambda: mf.bradley_terry([("a", "b", "a"), ("a", "b", "b")], scale=10**400), r"scale must be a finite number"),
        (lambda: mf.bradley_terry([("a", "b", "a"), ("a", "b", "b")], base=10**400), r"base must be a finite number"),
        (lambda: mf.bradley_terry([("a", "b", "a"), ("a", "b", "b")], bootstrap=10**19), r"bootstrap must be at most 100,000 rounds"),
        (lambda: mf.quality_floor(mf.fit_quality(_table()), 10**400), r"floor must be a number within float range"),
        (lambda: mf.best_within(mf.fit_quality(_table()), math.nan), r"max_cost must be a number, got nan"),
        (lambda: mf.threshold_router(lambda q: 1.0, strong="a", weak="b", threshold=10**400), r"threshold must be a number within float range"),
        (lambda: mf.usage_shares(None), r"records must be a collection of UsageRecord values, got None"),  # type: ignore[arg-type]
        (lambda: mf.mark_drifted(mf.State(), None, bridge=mf.Bridge({"a": "gpt-4o"}), catalog=mf.reference_catalog(), now=0.0), r"alarms must be a DriftMonitor or DriftAlarm values"),  # type: ignore[arg-type]
        # a second pass (2026-11-23), over 40 functions and constructors
        (lambda: mf.aiq([]), r"curve must be a Curve \(from sweep\), got \[\]"),  # type: ignore[arg-type]
        (lambda: mf.apgr("curve", weak="b", strong="a"), r"curve must be a Curve"),  # type: ignore[arg-type]
        (lambda: mf.cpt(_curve(), "half", weak="b", strong="a"), r"fraction must be between 0 and 1, got 'half'"),  # type: ignore[arg-type]
        (lambda: mf.cpt(_curve(), 0.5, weak=["b"], strong="a"), r"weak must be a non-empty string"),  # type: ignore[arg-type]
        (lambda: mf.vendor_exit(_table(), None), r"vendor_of must map each model to its vendor"),
        (lambda: mf.vendor_exit(_table(), ["a"]), r"vendor_of must map each model to its vendor"),
        (lambda: mf.vendor_exit(_table(), {"a": None, "b": "x"}), r"vendor_of\['a'\] must be a non-empty string"),
        (lambda: mf.by_quality(None), r"quality must map \(id, tag\) pairs to scores, got None"),  # type: ignore[arg-type]
        (lambda: mf.from_litellm({}, model_aliases=5), r"model_aliases must map price-map model names to model ids, got 5"),  # type: ignore[arg-type]
        (lambda: mf.from_litellm({}, model_aliases={"x": ""}), r"model_aliases\['x'\] must be a non-empty string"),
        (lambda: mf.optimize_cascade(_table(), lambda q, m: 1.0, budget=10**400), r"budget must be a finite number >= 0"),
        (lambda: mf.Outcomes.from_columns(item=[1], model=["a"], score=[1.0], cost=5), r"cost must be a sequence \(a column\), got 5"),  # type: ignore[arg-type]
        (lambda: mf.Outcomes.from_columns(item=[1], model=["a"], score=[1.0], cost=b"x"), r"cost must be a sequence \(a column\)"),  # type: ignore[arg-type]
        (lambda: mf.Outcomes.from_columns(item=[1], model=["a"], score=[1.0], tags=True), r"tags must be a sequence \(a column\), got True"),  # type: ignore[arg-type]
        (lambda: mf.Outcomes.from_columns(item=[1], model=["a"], score=[1.0], split=0), r"split must be a sequence \(a column\), got 0"),  # type: ignore[arg-type]
        (lambda: mf.EvalRecord(item=1, model="a", score=10**400), r"score must be at most 1e\+12 in magnitude"),
        (lambda: mf.Router(mf.reference_catalog(), mf.Policy(), deadline_s=10**400), r"deadline_s must be a finite number > 0"),
        (lambda: mf.FleetUpdate(attempts=0), r"attempts must be a sequence of \(Attempt, time\) pairs, got 0"),  # type: ignore[arg-type]
        (lambda: mf.Ticket(attempt_id="a", granted="no"), r"granted must be True or False, got 'no'"),  # type: ignore[arg-type]
        (lambda: mf.Ticket(attempt_id=""), r"attempt_id must be a non-empty string"),
        # methods: ids that are not strings, times that are not numbers, non-collections
        (lambda: mf.State().cooling_down([], now=0.0), r"deployment_id must be a non-empty string"),  # type: ignore[arg-type]
        (lambda: mf.State().cooling_down("a", now=None), r"now must be a finite number, got None"),  # type: ignore[arg-type]
        (lambda: mf.State().breaker({}, now=0.0), r"deployment_id must be a non-empty string"),  # type: ignore[arg-type]
        (lambda: mf.State().blocked_until("a", now="soon"), r"now must be a finite number, got 'soon'"),  # type: ignore[arg-type]
        (lambda: mf.State().degraded_vendors(now=10**400), r"now must be a finite number"),
        (lambda: mf.fit_quality(_table()).quality(["a"]), r"model must be a non-empty string"),  # type: ignore[arg-type]
        (lambda: mf.fit_quality(_table()).as_mapping(use=[]), r"use must be 'mean', 'lower' or 'upper', got \[\]"),  # type: ignore[arg-type]
        (lambda: mf.fit_quality(_table()).without(None), r"models must be model ids, got None"),  # type: ignore[arg-type]
        (lambda: mf.reference_catalog().deployment([]), r"deployment_id must be a deployment id \(a string\), got \[\]"),  # type: ignore[arg-type]
        (lambda: mf.reference_catalog().serving(5), r"model_id must be a model id \(a string\), got 5"),  # type: ignore[arg-type]
        (lambda: mf.bradley_terry([("a", "b", "a"), ("a", "b", "b")]).rating([]), r"model \[\] has no rating"),  # type: ignore[arg-type]
        (lambda: _table().subset(models=math.nan), r"models must be model ids, got nan"),  # type: ignore[arg-type]
        (lambda: _table().selected(None), r"rows must be row numbers, got None"),  # type: ignore[arg-type]
        (lambda: mf.Outcomes.concat(None), r"tables must be a sequence of Outcomes values, got None"),  # type: ignore[arg-type]
        (lambda: mf.Outcomes.from_records(None), r"records must be a sequence of EvalRecord values, got None"),  # type: ignore[arg-type]
        (lambda: mf.allocate([mf.WorkloadClass(name="w", volume=10)], mf.reference_catalog(), lambda d, w: 1.0, capacity="lots"), r"capacity must map deployment ids to tokens, got 'lots'"),  # type: ignore[arg-type]
        (lambda: mf.WorkloadClass(name="w", volume=10, floor=10**400), r"floor must be a finite number"),
        (lambda: mf.Bridge({"a": 1}), r"a bridge maps a model to deployment ids, got 1"),  # type: ignore[dict-item]
        (lambda: mf.learned_policy(mf.quality_floor(mf.fit_quality(_table()), 0.5), mf.Bridge({"a": "gpt-5"}), policy="fast"), r"policy must be a Policy or None, got 'fast'"),  # type: ignore[arg-type]
    ],
)  # fmt: skip
def test_found_by_a_fuzz_of_the_public_functions(make: Callable[[], Any], message: str) -> None:
    # Each public function called with None, a string, a list, NaN, -1, 10**400, a
    # mapping and an object in each argument: these raised TypeError, AttributeError or
    # OverflowError, or ran without end, before.
    with pytest.raises(mf.ModelfolioError, match=message):
        make()


class TestIssue29ArgumentsAndSilentAnswers:
    """Issue 29's late argument checks and silent wrong answers: each now fails at once,
    naming the argument and the value."""

    @pytest.mark.parametrize(
        ("make", "message"),
        [
            (lambda: mf.classify_error(None), r"exc must be an exception, got None"),  # type: ignore[arg-type]
            (lambda: mf.Router(mf.reference_catalog(), mf.Policy(), state="s"), r"state must be a State or None, got 's'"),  # type: ignore[arg-type]
            (lambda: mf.Router(mf.reference_catalog(), mf.Policy(), now=5.0), r"now must be a function, got 5\.0; pass now=time\.monotonic"),  # type: ignore[arg-type]
            (lambda: mf.Router(mf.reference_catalog(), mf.Policy(), classify="x"), r"classify must be a function, got 'x'"),  # type: ignore[arg-type]
            (lambda: mf.Latency(ttft_s=0.5, output_tokens_per_s=50.0).expected_s(-400), r"output_tokens must be an integer >= 0, got -400"),
            (lambda: cost(Usage(input_tokens=1, output_tokens=1), Price(input_per_mtok=1.0, output_per_mtok=1.0), at="noon"), r"at must be a finite POSIX timestamp in seconds, got 'noon'"),  # type: ignore[arg-type]
            (lambda: cost(Usage(input_tokens=1, output_tokens=1), Price(input_per_mtok=1.0, output_per_mtok=1.0), at=math.inf), r"at must be a finite POSIX timestamp"),
            (lambda: mf.estimate_cost(Request(input_tokens=1, output_tokens=1), mf.reference_catalog().deployment("openai/gpt-5"), at=[1]), r"at must be a finite POSIX timestamp"),  # type: ignore[arg-type]
        ],
    )  # fmt: skip
    def test_arguments_are_checked_at_once(self, make: Callable[[], Any], message: str) -> None:
        with pytest.raises(ValidationError, match=message):
            make()

    def test_frame_columns_are_checked(self) -> None:
        pd = pytest.importorskip("pandas")
        frame = pd.DataFrame({"item": [1, 2], "model": ["a", "a"], "score": [1.0, 0.0]})
        with pytest.raises(
            ValidationError, match=r"item must be a column name \(a non-empty string\), got None"
        ):
            Outcomes.from_frame(frame, item=None)  # type: ignore[arg-type]
        with pytest.raises(
            ValidationError, match=r"tags must be a column name .* or None, got \['x'\]"
        ):
            Outcomes.from_frame(frame, tags=["x"])  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match=r"model='nope': the frame has no column 'nope'"):
            Outcomes.from_frame(frame, model="nope")
        with pytest.raises(ValidationError, match=r"the frame's column names repeat"):
            Outcomes.from_frame(pd.concat([frame, frame[["score"]]], axis=1))

    def _vectors(self) -> tuple[Outcomes, dict[int, list[float]]]:
        table = Outcomes.from_columns(
            item=[1, 2, 3, 1, 2, 3], model=["a"] * 3 + ["b"] * 3, score=[1, 0, 1, 0, 1, 1]
        )
        return table, {1: [1.0, 0.0], 2: [0.0, 1.0], 3: [1.0, 1.0]}

    def test_vectors_of_different_lengths_are_refused_in_a_fit_and_a_prediction(self) -> None:
        table, queries = self._vectors()
        with pytest.raises(
            ValidationError, match=r"queries hold vectors of different lengths: 1 has 2, 3 has 3"
        ):
            mf.fit_query_quality(table, {**queries, 3: [1.0, 1.0, 0.5]})
        for method in ("linear", "knn"):
            quality = mf.fit_query_quality(table, queries, method=method)
            with pytest.raises(
                ValidationError, match=r"fitted on vectors of length 2; got a vector of length 3"
            ):
                quality.predict([1.0, 0.0, 0.0])
            with pytest.raises(ValidationError, match=r"tags must be strings, got 1"):
                quality.predict([1.0, 0.0], tags=[1])  # type: ignore[list-item]

    def test_a_linear_fit_that_overflows_is_refused_not_nan(self) -> None:
        table, _ = self._vectors()
        huge = {1: [1e200, 0.0], 2: [0.0, 1e200], 3: [1e200, 1e200]}
        with pytest.raises(
            ValidationError,
            match=r"the linear fit overflowed: the queries' vector entries reach 1e\+200",
        ):
            mf.fit_query_quality(table, huge)

    def test_a_router_that_reads_queries_is_not_replayed_on_item_ids(self) -> None:
        table = Outcomes.from_columns(
            item=["q1", "q2", "q1", "q2"], model=["big", "big", "small", "small"],
            score=[1, 1, 1, 0], cost=[0.01, 0.01, 0.001, 0.001],
        )  # fmt: skip
        quality = mf.fit_query_quality(table, {"q1": "add two numbers", "q2": "prove a theorem"})
        for router in (
            mf.quality_floor(quality, 0.5),
            mf.best_within(quality, 0.02),
            mf.threshold_router(
                quality.gap("big", "small"), strong="big", weak="small", threshold=0.0
            ),
        ):
            with pytest.raises(
                ValidationError, match=r"reads each item's query .* no queries= were given"
            ):
                mf.simulate(router, table)
            queries = {"q1": "add two numbers", "q2": "prove a theorem"}
            assert 2 == mf.simulate(router, table, queries=queries).n
