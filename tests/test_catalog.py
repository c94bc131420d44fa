from __future__ import annotations

import datetime
import math
import pathlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelfolio import (
    Capability,
    Catalog,
    CatalogError,
    Deployment,
    Limits,
    Location,
    Model,
    Price,
    PriceTier,
    UnknownIdError,
)

LITELLM_MAP = (
    pathlib.Path(__file__).resolve().parents[2]
    / "shared/data/pricing/litellm_1.109.1_model_prices_and_context_window_backup.json"
)


def model(model_id: str = "m", vendor: str = "openai", **changes: object) -> Model:
    fields: dict[str, object] = {
        "id": model_id,
        "vendor": vendor,
        "capabilities": {Capability.CHAT},
        "context_window": 1000,
        "max_output_tokens": 100,
    }
    fields.update(changes)
    return Model(**fields)  # type: ignore[arg-type]


def deployment(deployment_id: str, provider: str = "openai", **changes: object) -> Deployment:
    fields: dict[str, object] = {
        "id": deployment_id,
        "model": model(),
        "provider": provider,
        "price": Price(input_per_mtok=1.0, output_per_mtok=2.0),
    }
    fields.update(changes)
    return Deployment(**fields)  # type: ignore[arg-type]


class TestValidation:
    def test_negative_price_names_field_and_value(self) -> None:
        with pytest.raises(CatalogError, match=r"input_per_mtok.*-1"):
            Price(input_per_mtok=-1, output_per_mtok=1)

    @pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, "1", None, True])
    def test_non_finite_or_non_numeric_prices_are_rejected(self, bad: object) -> None:
        with pytest.raises(CatalogError, match="output_per_mtok"):
            Price(input_per_mtok=1, output_per_mtok=bad)  # type: ignore[arg-type]

    @pytest.mark.parametrize("field", ["context_window", "max_output_tokens"])
    @pytest.mark.parametrize("bad", [0, -5, 1.5, "100", True])
    def test_windows_must_be_positive_integers(self, field: str, bad: object) -> None:
        with pytest.raises(CatalogError, match=field):
            model(**{field: bad})

    def test_vendor_must_be_a_lowercase_slug(self) -> None:
        with pytest.raises(CatalogError, match=r"vendor.*'OpenAI'"):
            model(vendor="OpenAI")

    def test_unknown_capability_is_named(self) -> None:
        with pytest.raises(CatalogError, match="telepathy"):
            model(capabilities={"telepathy"})

    def test_capabilities_accept_plain_strings(self) -> None:
        assert (
            frozenset({Capability.CHAT, Capability.TOOLS})
            == model(capabilities=["chat", "tools"]).capabilities
        )

    def test_location_accepts_the_plain_strings(self) -> None:
        for text, expected in [
            ("cloud", Location.CLOUD),
            ("on_premises", Location.ON_PREMISES),
            ("on_device", Location.ON_DEVICE),
        ]:
            assert expected == deployment("d", location=text).location

    def test_bad_location_lists_the_choices(self) -> None:
        with pytest.raises(CatalogError, match=r"location.*'orbit'"):
            deployment("d", location="orbit")

    def test_limits_must_be_positive(self) -> None:
        with pytest.raises(CatalogError, match=r"rpm.*0"):
            Limits(rpm=0)

    def test_a_secret_is_refused_as_credential(self) -> None:
        with pytest.raises(CatalogError, match="not a secret"):
            deployment("d", credential="sk-proj-abcdefghijklmnopqrstuvwxyz0123456789")

    def test_a_credential_name_is_kept(self) -> None:
        assert "OPENAI_API_KEY" == deployment("d", credential="OPENAI_API_KEY").credential

    def test_regions_must_be_a_collection_not_a_string(self) -> None:
        with pytest.raises(CatalogError, match="regions"):
            deployment("d", regions="us-east-1")

    def test_tiers_need_distinct_thresholds(self) -> None:
        tier = PriceTier(above_input_tokens=10, input_per_mtok=1, output_per_mtok=1)
        with pytest.raises(CatalogError, match="distinct"):
            Price(input_per_mtok=1, output_per_mtok=1, tiers=[tier, tier])

    def test_frozen(self) -> None:
        price = Price(input_per_mtok=1, output_per_mtok=1)
        with pytest.raises(AttributeError):
            price.input_per_mtok = 2  # type: ignore[misc]

    @given(st.floats(allow_nan=True, allow_infinity=True))
    def test_any_float_is_accepted_iff_a_finite_price_up_to_the_maximum(self, value: float) -> None:
        # MAX_RATE (1e9 US$ per million tokens) keeps every cost finite.
        if math.isfinite(value) and 0 <= value <= 1e9:
            assert value == Price(input_per_mtok=value, output_per_mtok=0).input_per_mtok
        else:
            with pytest.raises(CatalogError, match="input_per_mtok"):
                Price(input_per_mtok=value, output_per_mtok=0)

    @given(st.integers())
    def test_any_integer_window_is_accepted_iff_positive(self, value: int) -> None:
        if value > 0:
            assert value == model(context_window=value).context_window
        else:
            with pytest.raises(CatalogError, match=f"context_window.*{value}"):
                model(context_window=value)


class TestCatalog:
    def test_duplicate_ids_raise(self) -> None:
        with pytest.raises(CatalogError, match="'a' twice"):
            Catalog(deployments=[deployment("a"), deployment("a")])

    def test_order_is_stable_by_id(self) -> None:
        catalog = Catalog(deployments=(deployment(name) for name in ["c", "a", "b"]))
        assert ("a", "b", "c") == tuple(d.id for d in catalog.deployments)

    def test_lookups(self) -> None:
        anthropic = model("claude", vendor="anthropic")
        catalog = Catalog(
            deployments=[
                deployment("openai/m"),
                deployment("azure/m", provider="azure"),
                deployment("anthropic/claude", provider="anthropic", model=anthropic),
                deployment("bedrock/claude", provider="bedrock", model=anthropic),
            ]
        )
        assert ("anthropic", "openai") == catalog.vendors
        assert ("anthropic", "azure", "bedrock", "openai") == catalog.providers
        assert ("anthropic/claude", "bedrock/claude") == tuple(
            d.id for d in catalog.by_vendor("anthropic")
        )
        assert ("azure/m", "openai/m") == tuple(d.id for d in catalog.serving("m"))
        assert () == catalog.serving("nothing")
        assert () == catalog.by_vendor("nobody")
        assert ("claude", "m") == tuple(m.id for m in catalog.models)
        assert "azure/m" == catalog.deployment("azure/m").id
        assert "azure/m" in catalog
        assert 4 == len(catalog)

    def test_unknown_id_is_a_lookup_error_naming_the_id(self) -> None:
        catalog = Catalog(deployments=[deployment("a")])
        with pytest.raises(UnknownIdError, match="'zz'"):
            catalog.deployment("zz")
        with pytest.raises(LookupError):
            catalog.deployment("zz")

    def test_one_model_id_cannot_have_two_vendors(self) -> None:
        with pytest.raises(CatalogError, match=r"'m'.*'openai'.*'meta'"):
            Catalog(deployments=[deployment("a"), deployment("b", model=model(vendor="meta"))])

    def test_hosts_may_cap_a_models_window(self) -> None:
        catalog = Catalog(
            deployments=[deployment("a"), deployment("b", model=model(context_window=500))]
        )
        # each model once, as its widest host serves it; each host keeps its own cap
        assert (1000,) == tuple(m.context_window for m in catalog.models)
        assert 500 == catalog.deployment("b").model.context_window

    def test_non_deployments_are_rejected(self) -> None:
        with pytest.raises(CatalogError, match="Deployment"):
            Catalog(deployments=["a"])  # type: ignore[list-item]

    def test_as_of_accepts_iso_text(self) -> None:
        assert datetime.date(2026, 1, 2) == Catalog(deployments=[], as_of="2026-01-02").as_of
        with pytest.raises(CatalogError, match="as_of"):
            Catalog(deployments=[], as_of="yesterday")

    def test_notebook_views(self) -> None:
        catalog = Catalog(deployments=[deployment("a"), deployment("b", provider="azure")])
        assert "Catalog(2 deployments, 1 models, 1 vendors, 2 providers)" == repr(catalog)
        rows = catalog.to_rows()
        assert ["a", "b"] == [row["id"] for row in rows]
        assert all(isinstance(row, dict) for row in rows)
        assert 1.0 == rows[0]["input_per_mtok"]
        html = catalog._repr_html_()
        assert html.startswith("<table>")
        assert "<td>azure</td>" in html

    def test_html_is_escaped(self) -> None:
        catalog = Catalog(deployments=[deployment("<b>")])
        assert "<td>&lt;b&gt;</td>" in catalog._repr_html_()

    def test_price_views(self) -> None:
        price = Price(
            input_per_mtok=3,
            output_per_mtok=15,
            tiers=[PriceTier(above_input_tokens=200_000, input_per_mtok=6, output_per_mtok=22.5)],
        )
        rows = price.to_rows()
        assert [0, 200_000] == [row["above_input_tokens"] for row in rows]
        assert 6 == rows[1]["input_per_mtok"]
        assert 6 == rows[1]["cached_input_per_mtok"]
        assert "<table>" in price._repr_html_()
        assert "Price(input_per_mtok=3" in repr(price)


def test_deployment_repr_is_a_readable_summary() -> None:
    d = deployment("azure/m", provider="azure", regions={"eastus"}, compliance={"hipaa"})
    assert (
        "Deployment(id='azure/m', model='m', vendor='openai', provider='azure', input_per_mtok=1, "
        "output_per_mtok=2, regions=['eastus'], compliance=['hipaa'])"
    ) == repr(d)
    assert "location='on_device'" in repr(deployment("d", location="on_device"))


def test_each_channel_names_the_model_as_its_api_wants() -> None:
    """Issue 26: the id sent to a channel's API is the channel's own."""
    from modelfolio import UnknownIdError, reference_catalog

    catalog = reference_catalog()
    assert "claude-sonnet-4-5" == catalog.deployment("anthropic/claude-sonnet-4-5").api_model
    assert (
        "global.anthropic.claude-sonnet-4-5-20250929-v1:0"
        == catalog.deployment("bedrock/claude-sonnet-4-5").api_model
    )
    assert (
        "claude-sonnet-4-5@20250929" == catalog.deployment("vertex_ai/claude-sonnet-4-5").api_model
    )
    assert (
        "meta-llama/Llama-3.3-70B-Instruct-Turbo"
        == catalog.deployment("together_ai/llama-3.3-70b").api_model
    )
    # a tier channel calls the same model as its standard one
    assert (
        catalog.deployment("bedrock/claude-sonnet-4-5@batch").api_model
        == catalog.deployment("bedrock/claude-sonnet-4-5").api_model
    )
    ours = catalog.with_api_models({"azure/gpt-5": "prod-gpt5-eastus"})
    assert "prod-gpt5-eastus" == ours.deployment("azure/gpt-5").api_model
    assert "gpt-5" == ours.deployment("openai/gpt-5").api_model
    assert "api_model='prod-gpt5-eastus'" in repr(ours.deployment("azure/gpt-5"))
    with pytest.raises(UnknownIdError, match=r"no deployment with id 'azure/gpt5'"):
        catalog.with_api_models({"azure/gpt5": "x"})
    with pytest.raises(
        CatalogError, match=r"api_models\['azure/gpt-5'\] must be a non-empty string"
    ):
        catalog.with_api_models({"azure/gpt-5": ""})


@pytest.mark.skipif(not LITELLM_MAP.exists(), reason="needs ../shared/data (LiteLLM's price map)")
def test_from_litellm_keeps_the_channels_own_ids() -> None:
    from modelfolio.io import load_litellm

    catalog = load_litellm(LITELLM_MAP).catalog
    for key, expected in [
        ("bedrock/us-gov-west-1/anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-sonnet-4-5-20250929-v1:0"),
        ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"),
        ("vertex_ai/claude-sonnet-4-5@20250929", "claude-sonnet-4-5@20250929"),
        ("azure/gpt-4o", "gpt-4o"),
        ("gpt-4o", "gpt-4o"),
    ]:  # fmt: skip
        assert expected == catalog.deployment(key).api_model, key


def test_a_missed_lookup_suggests_the_ids_meant() -> None:
    """Issue 26: ``deployment("gpt-5")`` names ``openai/gpt-5`` (and Azure's) instead of
    only saying there is none."""
    from modelfolio import UnknownIdError, reference_catalog

    catalog = reference_catalog()
    with pytest.raises(
        UnknownIdError,
        match=r"no deployment with id 'gpt-5' in the catalog; did you mean 'azure/gpt-5' or 'openai/gpt-5'\?",
    ):
        catalog.deployment("gpt-5")
    with pytest.raises(
        UnknownIdError, match=r"'openai/gpt5' in the catalog; did you mean 'openai/gpt-5'"
    ):
        catalog.deployment("openai/gpt5")
    with pytest.raises(UnknownIdError, match=r"no deployment with id 'zzz' in the catalog$"):
        catalog.deployment("zzz")
