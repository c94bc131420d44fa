from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import ROUTERBENCH_MODELS, SHARED_DATA, shared
from modelfolio import (
    Attempt,
    Outcomes,
    Policy,
    Request,
    State,
    ValidationError,
    concentration,
    fit_quality,
    quality_floor,
    record,
    reference_catalog,
    simulate,
    threshold_router,
    vendor_exit,
)
from modelfolio.io import read_outcomes_wide


class TestConcentration:
    def test_one_vendor_and_equal_vendors(self) -> None:
        assert 10_000.0 == concentration({"openai": 5}).hhi
        four = concentration(dict.fromkeys("abcd", 1.0))
        assert 2_500.0 == pytest.approx(four.hhi)
        assert 4.0 == pytest.approx(four.effective_vendors)
        assert ("a", 0.25) == (four.top, four.top_share)

    @given(st.dictionaries(st.sampled_from("abcdefgh"), st.floats(0.01, 1e6), min_size=1))
    def test_bounds_and_scale_invariance(self, shares: dict[str, float]) -> None:
        c = concentration(shares)
        assert 10_000 / len(shares) - 1e-6 <= c.hhi <= 10_000 + 1e-6
        assert c.hhi == pytest.approx(concentration({v: s * 7 for v, s in shares.items()}).hhi)
        assert 1.0 == pytest.approx(sum(c.shares.values()))

    def test_from_a_report_and_from_state(self) -> None:
        table = Outcomes.from_columns(
            item=[1, 2, 1, 2], model=["a", "a", "b", "b"], score=[1, 0, 0, 1]
        )
        report = simulate(
            threshold_router(lambda item: float(item), strong="b", weak="a", threshold=1.5), table
        )
        assert {"x": 0.5, "y": 0.5} == dict(
            concentration(report, vendor_of={"a": "x", "b": "y"}).shares
        )
        catalog = reference_catalog()
        state = record(State(), Attempt.of(catalog.deployment("openai/gpt-5"), cost_usd=3.0), now=0)
        state = record(
            state, Attempt.of(catalog.deployment("bedrock/nova-pro"), cost_usd=1.0), now=1
        )
        assert {"openai": 0.75, "amazon": 0.25} == dict(concentration(state).shares)

    def test_errors(self) -> None:
        with pytest.raises(ValidationError, match="more than zero"):
            concentration({"a": 0.0})
        with pytest.raises(ValidationError, match="'a'"):
            concentration({"a": -1.0})
        with pytest.raises(ValidationError, match="vendor_of"):
            concentration(
                simulate(
                    threshold_router(lambda i: 0.0, strong="a", weak="a", threshold=1),
                    Outcomes.from_columns(item=[1], model=["a"], score=[1]),
                )
            )


class TestOfflineExit:
    def table(self) -> Outcomes:
        # items 1-2 only "gpt" solves; item 3 both; item 4 only "llama"
        return Outcomes.from_columns(
            item=[1, 2, 3, 4] * 3,
            model=["gpt"] * 4 + ["llama"] * 4 + ["claude"] * 4,
            score=[1, 1, 1, 0, 0, 0, 1, 1, 0, 1, 0, 0],
            cost=[0.01] * 4 + [0.001] * 4 + [0.02] * 4,
        )

    def test_oracle_replay_and_stranded_share(self) -> None:
        exits = vendor_exit(self.table(), {"gpt": "openai", "llama": "meta", "claude": "anthropic"})
        openai = exits.row("openai")
        assert (1.0, 0.75) == (openai.quality_before, openai.quality_after)
        assert 0.25 == openai.stranded_share  # item 1: nobody else solves it
        assert openai.cost_before == pytest.approx(0.01 * 2 + 0.001 * 2)
        # losing openai or meta costs a quarter of the items; losing anthropic nothing
        assert {"meta", "openai"} == {r.vendor for r in exits.rows[:2]}
        assert exits.row("anthropic").quality_after == 1.0
        assert 3 == len(exits.to_rows())
        assert "<table>" in exits._repr_html_()

    def test_floor_counts_items_left_without_a_good_model(self) -> None:
        exits = vendor_exit(
            self.table(), {"gpt": "openai", "llama": "meta", "claude": "anthropic"}, floor=1.0
        )
        assert 0.25 == exits.row("openai").stranded_share
        assert 0.25 == exits.row("meta").stranded_share

    def test_through_a_router(self) -> None:
        table = self.table()
        router = quality_floor(fit_quality(table), 0.6)
        exits = vendor_exit(
            table, {"gpt": "openai", "llama": "meta", "claude": "anthropic"}, router
        )
        assert exits.row("openai").quality_before == simulate(router, table).quality
        assert exits.row("openai").quality_after == simulate(router.without(["gpt"]), table).quality  # type: ignore[attr-defined]

    def test_a_router_must_know_how_to_drop_models(self) -> None:
        class Plain:
            def choose(self, query: object, tags: frozenset[str]) -> tuple[str, ...]:
                return ("gpt",)

        with pytest.raises(ValidationError, match="without"):
            vendor_exit(
                self.table(), {"gpt": "openai", "llama": "meta", "claude": "anthropic"}, Plain()
            )


class TestLiveExit:
    def test_requests_stranded_and_cost_change(self) -> None:
        catalog = reference_catalog()
        workload = [
            Request(input_tokens=2_000, output_tokens=300),
            Request(
                input_tokens=2_000,
                output_tokens=300,
                compliance={"zero-data-retention"},
                vendors={"openai"},
            ),
            Request(input_tokens=900_000, output_tokens=1_000),
        ]
        exits = vendor_exit(catalog, Policy(), workload)
        openai = exits.row("openai")
        assert (1,) == openai.stranded
        assert 1 / 3 == pytest.approx(openai.stranded_share)
        google = exits.row("google")
        assert () == google.stranded  # Grok also takes 900k tokens, at a higher price
        assert google.cost_after > google.cost_before
        microsoft = exits.row("microsoft")
        assert 1 == microsoft.chosen_before  # the free on-device model serves the first
        assert microsoft.cost_change > 0
        assert 0 == len(exits.unroutable)
        assert "<table>" in exits._repr_html_()


def test_routerbench_exit_table() -> None:
    shared("routerbench_subset")
    models = ROUTERBENCH_MODELS
    table = Outcomes.concat(
        read_outcomes_wide(
            SHARED_DATA / "routerbench_subset" / f"{task}_test.csv",
            item="sample_id",
            models=models,
            cost="total_cost",
            duplicates="merge",
        )
        for task in ("arc_challenge", "mbpp", "winograde")
    )
    vendor_of = {
        m: (
            "openai"
            if "gpt" in m
            else "anthropic"
            if "claude" in m
            else "meta"
            if "llama" in m
            else "mistral"
            if "mistral" in m
            else "01-ai"
            if "Yi" in m
            else "microsoft"
        )
        for m in models
    }
    exits = vendor_exit(table, vendor_of)
    assert {"openai", "anthropic", "meta", "mistral", "01-ai", "microsoft"} == {
        r.vendor for r in exits.rows
    }
    for row in exits.rows:
        assert row.quality_after <= row.quality_before + 1e-12
        assert 0 <= row.stranded_share <= 1
