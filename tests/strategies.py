"""Hypothesis strategies for catalogs, requests and states shared by the routing tests."""

from __future__ import annotations

from hypothesis import strategies as st

from modelfolio import (
    Attempt,
    Capability,
    Catalog,
    Deployment,
    Latency,
    Location,
    Model,
    Price,
    PriceTier,
    Request,
    State,
    record,
)

VENDORS = ["openai", "anthropic", "google", "meta", "mistral"]
PROVIDERS = ["openai", "azure", "bedrock", "vertex_ai", "groq"]
REGIONS = ["us", "eu", "ap"]
TAGS = ["hipaa", "zdr", "eu-data-boundary"]
CAPABILITIES = [Capability.CHAT, Capability.TOOLS, Capability.VISION, Capability.REASONING]

# A small set of rates makes equal scores, and so tie-breaking, common.
rates = st.sampled_from([0.0, 0.1, 0.5, 1.0, 2.5, 10.0])


@st.composite
def prices(draw: st.DrawFn) -> Price:
    base_in, base_out = draw(rates), draw(rates)
    tiers = []
    if draw(st.booleans()):
        tiers.append(
            PriceTier(
                above_input_tokens=draw(st.sampled_from([1_000, 8_000, 100_000])),
                input_per_mtok=base_in * 2,
                output_per_mtok=base_out * 1.5,
            )
        )
    return Price(
        input_per_mtok=base_in,
        output_per_mtok=base_out,
        reasoning_per_mtok=draw(st.none() | rates),
        tiers=tiers,
    )


@st.composite
def catalogs(draw: st.DrawFn, min_size: int = 1, max_size: int = 12) -> Catalog:
    size = draw(st.integers(min_size, max_size))
    deployments = []
    for n in range(size):
        vendor = draw(st.sampled_from(VENDORS))
        model = Model(
            id=f"{vendor}-m{draw(st.integers(0, 3))}-{n}",
            vendor=vendor,
            capabilities=draw(st.sets(st.sampled_from(CAPABILITIES))),
            context_window=draw(st.sampled_from([4_000, 16_000, 128_000, 1_000_000])),
            max_output_tokens=draw(st.sampled_from([1_000, 4_000, 32_000])),
            open_weights=draw(st.booleans()),
        )
        deployments.append(
            Deployment(
                id=f"d{n:02d}",
                model=model,
                provider=draw(st.sampled_from(PROVIDERS)),
                price=draw(prices()),
                regions=draw(st.sets(st.sampled_from(REGIONS))),
                compliance=draw(st.sets(st.sampled_from(TAGS))),
                location=draw(st.sampled_from(list(Location))),
                latency=draw(
                    st.none()
                    | st.builds(
                        Latency,
                        ttft_s=st.sampled_from([0.1, 0.5]),
                        output_tokens_per_s=st.sampled_from([20.0, 100.0]),
                    )
                ),
            )
        )
    return Catalog(deployments=deployments)


@st.composite
def requests(draw: st.DrawFn, constrained: bool = True) -> Request:
    input_tokens = draw(st.sampled_from([10, 900, 5_000, 20_000, 150_000]))
    fields: dict[str, object] = {
        "input_tokens": input_tokens,
        "cached_input_tokens": draw(
            st.sampled_from([0, 0, 0, input_tokens // 2, input_tokens, max(input_tokens - 7, 0)])
        ),
        "output_tokens": draw(st.sampled_from([0, 100, 2_000, 8_000])),
        "reasoning_tokens": draw(st.sampled_from([0, 0, 500])),
        "needs": draw(st.sets(st.sampled_from(CAPABILITIES), max_size=2)),
        "key": draw(st.none() | st.text("abc", min_size=1, max_size=4)),
        "tenant": draw(st.none() | st.sampled_from(["t1", "t2"])),
    }
    if constrained:
        fields.update(
            vendors=draw(st.sets(st.sampled_from(VENDORS), max_size=2)),
            exclude_vendors=draw(st.sets(st.sampled_from(VENDORS), max_size=1)),
            providers=draw(st.sets(st.sampled_from(PROVIDERS), max_size=2)),
            exclude_providers=draw(st.sets(st.sampled_from(PROVIDERS), max_size=1)),
            regions=draw(st.sets(st.sampled_from(REGIONS), max_size=2)),
            compliance=draw(st.sets(st.sampled_from(TAGS), max_size=1)),
            locations=draw(st.sets(st.sampled_from(list(Location)), max_size=2)),
            open_weights_only=draw(st.booleans()),
            max_cost_usd=draw(st.none() | st.sampled_from([0.0001, 0.01, 1.0])),
        )
    return Request(**fields)  # type: ignore[arg-type]


@st.composite
def states(draw: st.DrawFn, catalog: Catalog) -> State:
    """A state built by recording random outcomes on the catalog's deployments."""
    state = State()
    ids = [d.id for d in catalog]
    for _ in range(draw(st.integers(0, 8))):
        deployment = catalog.deployment(draw(st.sampled_from(ids)))
        failure = draw(
            st.none() | st.sampled_from(["rate_limited", "timeout", "server_error", "auth"])
        )
        attempt = Attempt.of(
            deployment,
            failure=failure,
            retry_after_s=draw(st.none() | st.sampled_from([5.0, 60.0])),
            cost_usd=draw(st.sampled_from([0.0, 0.01, 0.5])),
            tenant=draw(st.none() | st.sampled_from(["t1", "t2"])),
        )
        state = record(state, attempt, now=draw(st.sampled_from([0.0, 10.0, 50.0, 90.0])))
    return state
