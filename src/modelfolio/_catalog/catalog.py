"""The catalog: models, and the deployments that sell them.

A :class:`Model` is one version of one lab's model; a :class:`Deployment` is one way to
call it (a provider, its regions and compliance terms, its price and limits). The same
model sold by its maker, by a cloud reseller and by a local runtime is one model and
three deployments. A :class:`Catalog` is an immutable, indexed set of deployments.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, Literal, TypeVar

from attrs import Factory, evolve, field, frozen

from modelfolio._catalog.prices import Price
from modelfolio._common.errors import CatalogError, UnknownIdError, ValidationError
from modelfolio._common.table import html_table
from modelfolio._common.validate import (
    NamedValues,
    check,
    did_you_mean,
    number,
    optional_positive_count,
    slug,
    text,
    texts,
    tokens,
)

_T = TypeVar("_T")

__all__ = [
    "TIERS",
    "Capability",
    "Catalog",
    "Deployment",
    "Latency",
    "Limits",
    "Location",
    "Model",
    "Tier",
]

Tier = Literal["standard", "priority", "flex", "batch"]
"""A service tier: the same model sold on other terms by the same provider."""

TIERS: tuple[Tier, ...] = ("standard", "priority", "flex", "batch")
"""Every service tier: ``standard`` (the default), ``priority`` (faster, dearer),
``flex`` (slower, cheaper, may be queued) and ``batch`` (asynchronous, within hours)."""


def tier_of(value: Any, name: str = "tier", error: type[Exception] = CatalogError) -> Tier:
    """``value`` as a :data:`Tier`, or ``error`` naming ``name`` and the value."""
    if value not in TIERS or not isinstance(value, str):
        raise error(f"{name} must be one of {', '.join(map(repr, TIERS))}, got {value!r}")
    return value  # type: ignore[return-value]


def _tier(instance: object, attribute: object, value: Any) -> None:
    tier_of(value)


class Capability(NamedValues):
    """What a model can do, beyond plain text in and out."""

    CHAT = "chat"
    TOOLS = "tools"
    VISION = "vision"
    JSON_SCHEMA = "json_schema"
    REASONING = "reasoning"
    AUDIO_INPUT = "audio_input"
    AUDIO_OUTPUT = "audio_output"
    PDF_INPUT = "pdf_input"
    PROMPT_CACHING = "prompt_caching"
    WEB_SEARCH = "web_search"
    STREAMING = "streaming"

    def __str__(self) -> str:
        return self.value


class Location(NamedValues):
    """Where a deployment runs; the plain strings are accepted wherever this is."""

    CLOUD = "cloud"
    ON_PREMISES = "on_premises"
    ON_DEVICE = "on_device"

    def __str__(self) -> str:
        return self.value


def _capabilities(value: Iterable[Capability | str]) -> frozenset[Capability]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise CatalogError(f"capabilities must be a collection of Capability, got {value!r}")
    result = set()
    for item in value:
        try:
            result.add(Capability(item))
        except ValueError:
            known = ", ".join(capability.value for capability in Capability)
            raise CatalogError(
                f"capabilities must hold Capability values ({known}), got {item!r}"
            ) from None
    return frozenset(result)


def _location(value: Location | str) -> Location:
    try:
        return Location(value)
    except ValueError:
        known = ", ".join(repr(location.value) for location in Location)
        raise CatalogError(f"location must be one of {known}, got {value!r}") from None


def _tags(value: Iterable[str]) -> frozenset[str]:
    return texts(value, "tags", CatalogError)


def _regions(value: Iterable[str]) -> frozenset[str]:
    return texts(value, "regions", CatalogError)


def _compliance(value: Iterable[str]) -> frozenset[str]:
    return texts(value, "compliance", CatalogError)


def _is_bool(instance: object, attribute: object, value: Any) -> None:
    if not isinstance(value, bool):
        raise CatalogError(f"open_weights must be True or False, got {value!r}")


@frozen(kw_only=True)
class Model:
    """One version of one lab's model.

    Examples:
        >>> Model(id="gpt-4o", vendor="openai", capabilities={"chat", "tools"},
        ...       context_window=128_000, max_output_tokens=16_384).vendor
        'openai'
    """

    id: str = field(validator=check(text, CatalogError))
    """The model's id, such as ``gpt-4o`` or ``claude-sonnet-4-5``."""
    vendor: str = field(validator=check(slug, CatalogError))
    """The lab that makes the model, as a lowercase slug (``openai``, ``meta``, ...)."""
    capabilities: frozenset[Capability] = field(converter=_capabilities)
    """What it can do."""
    context_window: int | None = field(validator=check(optional_positive_count, CatalogError))
    """The most tokens of input it accepts in one call; ``None`` when not known."""
    max_output_tokens: int | None = field(validator=check(optional_positive_count, CatalogError))
    """The most tokens it writes in one call; ``None`` when not known."""
    open_weights: bool = field(default=False, validator=_is_bool)
    """Whether its weights are published, so anyone can host it."""

    def __repr__(self) -> str:
        capabilities = ", ".join(sorted(c.value for c in self.capabilities))
        window = "None" if self.context_window is None else f"{self.context_window:_}"
        output = "None" if self.max_output_tokens is None else f"{self.max_output_tokens:_}"
        return (
            f"Model(id={self.id!r}, vendor={self.vendor!r}, capabilities=[{capabilities}], "
            f"context_window={window}, max_output_tokens={output}"
            + (", open_weights=True" if self.open_weights else "")
            + ")"
        )


def _positive_or_none(instance: object, attribute: object, value: Any) -> None:
    optional_positive_count(value, getattr(attribute, "name", "limit"), CatalogError)


@frozen(kw_only=True)
class Limits:
    """Capacity limits of a deployment; ``None`` means not limited (or not known)."""

    rpm: int | None = field(default=None, validator=_positive_or_none)
    """Requests per minute."""
    tpm: int | None = field(default=None, validator=_positive_or_none)
    """Tokens per minute."""
    max_concurrency: int | None = field(default=None, validator=_positive_or_none)
    """Calls in flight at once."""


def _positive_number(instance: object, attribute: Any, value: Any) -> None:
    number(value, attribute.name, CatalogError)
    if value == 0:
        raise CatalogError(f"{attribute.name} must be a finite number > 0, got {value!r}")


@frozen(kw_only=True)
class Latency:
    """A deployment's typical speed, for latency-aware routing.

    Examples:
        >>> hint = Latency(ttft_s=0.4, output_tokens_per_s=80.0)
        >>> hint.expected_s(output_tokens=400)
        5.4
    """

    ttft_s: float = field(validator=check(number, CatalogError))
    """Seconds to the first output token."""
    output_tokens_per_s: float = field(validator=_positive_number)
    """Output tokens per second once generation has started."""

    def expected_s(self, output_tokens: int) -> float:
        """Expected seconds for a call that writes ``output_tokens`` tokens."""
        return self.ttft_s + tokens(output_tokens, "output_tokens") / self.output_tokens_per_s


# Shapes of real secrets: a deployment may *name* a credential, never hold one.
_SECRET = re.compile(
    r"^(sk-|sk_|sk-ant-|xai-|gsk_|AKIA|ASIA|AIza|hf_|ghp_|Bearer\s)|^[A-Za-z0-9+/_=-]{40,}$"
)


def _credential(instance: object, attribute: object, value: Any) -> None:
    if value is None:
        return
    text(value, "credential", CatalogError)
    if _SECRET.search(str(value)):
        raise CatalogError(
            "credential must be the name of a credential (such as 'OPENAI_API_KEY'), "
            "not a secret; got a value that looks like a key"
        )


def _model(instance: object, attribute: object, value: Any) -> None:
    if not isinstance(value, Model):
        raise CatalogError(f"model must be a Model, got {value!r}")


def _price(instance: object, attribute: object, value: Any) -> None:
    if not isinstance(value, Price):
        raise CatalogError(f"price must be a Price, got {value!r}")


def _limits(instance: object, attribute: object, value: Any) -> None:
    if not isinstance(value, Limits):
        raise CatalogError(f"limits must be a Limits, got {value!r}")


def _latency(instance: object, attribute: object, value: Any) -> None:
    if value is not None and not isinstance(value, Latency):
        raise CatalogError(f"latency must be a Latency or None, got {value!r}")


@frozen(kw_only=True, repr=False)
class Deployment:
    """One way to call a model: who serves it, where, on what terms and at what price.

    Examples:
        >>> gpt4o = Model(id="gpt-4o", vendor="openai", capabilities={"chat"},
        ...               context_window=128_000, max_output_tokens=16_384)
        >>> azure = Deployment(id="azure/gpt-4o", model=gpt4o, provider="azure",
        ...                    price=Price(input_per_mtok=2.5, output_per_mtok=10.0),
        ...                    regions={"eastus"}, compliance={"hipaa"},
        ...                    credential="AZURE_OPENAI_KEY")
        >>> azure.vendor, azure.provider, azure.location
        ('openai', 'azure', <Location.CLOUD: 'cloud'>)
    """

    id: str = field(validator=check(text, CatalogError))
    """Unique within a catalog."""
    model: Model = field(validator=_model)
    """The model it serves."""
    provider: str = field(validator=check(slug, CatalogError))
    """Who serves the call: ``openai``, ``azure``, ``bedrock``, ``vertex_ai``, ``local``, ..."""
    price: Price = field(validator=_price)
    """What a call costs."""
    regions: frozenset[str] = field(default=frozenset(), converter=_regions)
    """Where it can run; empty means unspecified."""
    compliance: frozenset[str] = field(default=frozenset(), converter=_compliance)
    """Free tags such as ``zero-data-retention``, ``hipaa``, ``eu-data-boundary``."""
    location: Location = field(default=Location.CLOUD, converter=_location)
    """``cloud``, ``on_premises`` or ``on_device``."""
    limits: Limits = field(factory=Limits, validator=_limits)
    """Capacity limits."""
    credential: str | None = field(default=None, validator=_credential)
    """The *name* of the credential to call it with; never the secret itself."""
    latency: Latency | None = field(default=None, validator=_latency)
    """Typical speed, if known; used by latency-aware scorers."""
    tier: Tier = field(default="standard", validator=_tier)
    """The service tier this channel sells: ``standard``, ``priority``, ``flex`` or
    ``batch``. A request uses only the tiers it accepts (``Request.tiers``)."""
    api_model: str = field(
        default=Factory(lambda self: self.model.id, takes_self=True),
        validator=check(text, CatalogError),
    )
    """The model id to send to this channel's API: Bedrock's
    ``us.anthropic.claude-sonnet-4-5-20250929-v1:0``, Vertex's or Together's own names,
    an Azure deployment name. The model's id unless given."""

    @property
    def vendor(self) -> str:
        """The lab that makes the served model."""
        return self.model.vendor

    def __repr__(self) -> str:
        extras = "".join(
            f", {name}={value!r}"
            for name, value in (
                ("regions", sorted(self.regions)),
                ("compliance", sorted(self.compliance)),
            )
            if value
        )
        location = "" if self.location is Location.CLOUD else f", location={self.location.value!r}"
        if self.tier != "standard":
            location += f", tier={self.tier!r}"
        if self.api_model != self.model.id:
            location += f", api_model={self.api_model!r}"
        return (
            f"Deployment(id={self.id!r}, model={self.model.id!r}, vendor={self.vendor!r}, "
            f"provider={self.provider!r}, input_per_mtok={self.price.input_per_mtok:g}, "
            f"output_per_mtok={self.price.output_per_mtok:g}{location}{extras})"
        )

    def to_row(self) -> dict[str, object]:
        """A plain dict describing this deployment (its base prices included)."""
        return {
            "id": self.id,
            "model": self.model.id,
            "vendor": self.model.vendor,
            "provider": self.provider,
            "api_model": self.api_model,
            "tier": self.tier,
            "location": self.location.value,
            "input_per_mtok": self.price.input_per_mtok,
            "output_per_mtok": self.price.output_per_mtok,
            "cached_input_per_mtok": self.price.cached_input_per_mtok,
            "tiers": len(self.price.tiers),
            "context_window": self.model.context_window,
            "max_output_tokens": self.model.max_output_tokens,
            "open_weights": self.model.open_weights,
            "capabilities": sorted(capability.value for capability in self.model.capabilities),
            "regions": sorted(self.regions),
            "compliance": sorted(self.compliance),
        }


def _deployment_tuple(value: Iterable[Deployment]) -> tuple[Deployment, ...]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise CatalogError(f"deployments must be an iterable of Deployment, got {value!r}")
    items = tuple(value)
    for item in items:
        if not isinstance(item, Deployment):
            raise CatalogError(f"deployments must hold Deployment values, got {item!r}")
    return tuple(sorted(items, key=lambda deployment: deployment.id))


def _as_of(value: datetime.date | str | None) -> datetime.date | None:
    if value is None or (
        isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)
    ):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise CatalogError(f"as_of must be a date or an ISO date string, got {value!r}")


def _group(deployments: Iterable[Deployment], key: str) -> Mapping[str, tuple[Deployment, ...]]:
    groups: dict[str, list[Deployment]] = {}
    for deployment in deployments:
        value = deployment.model.id if key == "model" else getattr(deployment, key)
        groups.setdefault(value, []).append(deployment)
    return MappingProxyType({name: tuple(items) for name, items in sorted(groups.items())})


def _did_you_mean(wanted: str, deployments: tuple[Deployment, ...]) -> str:
    """The deployment ids closest to ``wanted``: those serving it as a model id, or named
    like it after their provider (``gpt-5`` for ``openai/gpt-5``), then close spellings."""
    named = [
        d.id
        for d in deployments
        if d.tier == "standard" and wanted in (d.model.id, d.id.split("/", 1)[-1])
    ]
    return did_you_mean(wanted, (d.id for d in deployments), likely=named)


@frozen(kw_only=True)
class Catalog:
    """An immutable, indexed set of deployments, in a stable order (by id).

    Examples:
        >>> from modelfolio import reference_catalog
        >>> catalog = reference_catalog()
        >>> [(d.provider, d.tier) for d in catalog.serving("claude-sonnet-4-5")]
        [('anthropic', 'standard'), ('anthropic', 'batch'), ('bedrock', 'standard'), ('bedrock', 'batch'), ('vertex_ai', 'standard'), ('vertex_ai', 'batch')]
    """

    deployments: tuple[Deployment, ...] = field(converter=_deployment_tuple)
    """Every deployment, sorted by id."""
    as_of: datetime.date | None = field(default=None, converter=_as_of)
    """When the prices and limits were taken, if known."""
    _by_id: Mapping[str, Deployment] = field(init=False, repr=False, eq=False)
    _by_vendor: Mapping[str, tuple[Deployment, ...]] = field(init=False, repr=False, eq=False)
    _by_model: Mapping[str, tuple[Deployment, ...]] = field(init=False, repr=False, eq=False)
    _by_provider: Mapping[str, tuple[Deployment, ...]] = field(init=False, repr=False, eq=False)
    # Derived views other modules build once per catalog (routing's columns): a
    # memo of pure functions of ``deployments``, never observable state.
    _memo: dict[str, object] = field(init=False, repr=False, eq=False, factory=dict)

    def __attrs_post_init__(self) -> None:
        by_id: dict[str, Deployment] = {}
        makers: dict[str, Deployment] = {}
        for deployment in self.deployments:
            if deployment.id in by_id:
                raise CatalogError(
                    f"deployments must have distinct ids, got {deployment.id!r} twice"
                )
            by_id[deployment.id] = deployment
            # Hosts may cap a model's window or drop a capability, but a model has
            # one maker and its weights are either published or not.
            first = makers.setdefault(deployment.model.id, deployment)
            if (first.vendor, first.model.open_weights) != (
                deployment.vendor,
                deployment.model.open_weights,
            ):
                raise CatalogError(
                    f"model {deployment.model.id!r} has vendor {first.vendor!r} in deployment "
                    f"{first.id!r} but {deployment.vendor!r} in {deployment.id!r}"
                    if first.vendor != deployment.vendor
                    else f"model {deployment.model.id!r} has open_weights="
                    f"{first.model.open_weights} in deployment {first.id!r} but "
                    f"{deployment.model.open_weights} in {deployment.id!r}"
                )
        object.__setattr__(self, "_by_id", MappingProxyType(by_id))
        object.__setattr__(self, "_by_vendor", _group(self.deployments, "vendor"))
        object.__setattr__(self, "_by_model", _group(self.deployments, "model"))
        object.__setattr__(self, "_by_provider", _group(self.deployments, "provider"))

    def __len__(self) -> int:
        return len(self.deployments)

    def __iter__(self) -> Iterator[Deployment]:
        return iter(self.deployments)

    def __contains__(self, deployment_id: object) -> bool:
        return deployment_id in self._by_id

    def __repr__(self) -> str:
        dated = f", as_of={self.as_of.isoformat()}" if self.as_of else ""
        return (
            f"Catalog({len(self.deployments)} deployments, {len(self._by_model)} models, "
            f"{len(self._by_vendor)} vendors, {len(self._by_provider)} providers{dated})"
        )

    def with_api_models(self, api_models: Mapping[str, str]) -> Catalog:
        """The same catalog with the API model ids of some deployments set.

        ``api_models`` maps deployment ids to the id their channel's API wants: a team's
        Azure deployment names, a Bedrock inference profile of its own.

        Examples:
            >>> from modelfolio import reference_catalog
            >>> ours = reference_catalog().with_api_models({"azure/gpt-5": "prod-gpt5-eastus"})
            >>> ours.deployment("azure/gpt-5").api_model, ours.deployment("openai/gpt-5").api_model
            ('prod-gpt5-eastus', 'gpt-5')
        """
        if not isinstance(api_models, Mapping):
            raise ValidationError(
                f"api_models must map deployment ids to API model ids, got {api_models!r:.80}"
            )
        for deployment_id, name in api_models.items():
            self.deployment(deployment_id)  # an unknown id is named, with the closest ones
            text(name, f"api_models[{deployment_id!r}]", CatalogError)
        return Catalog(
            deployments=[
                evolve(d, api_model=api_models[d.id]) if d.id in api_models else d
                for d in self.deployments
            ],
            as_of=self.as_of,
        )

    def deployment(self, deployment_id: str) -> Deployment:
        """The deployment with this id; :class:`UnknownIdError` if there is none."""
        try:
            return self._by_id[deployment_id]
        except TypeError:
            raise ValidationError(
                f"deployment_id must be a deployment id (a string), got {deployment_id!r:.80}"
            ) from None
        except KeyError:
            raise UnknownIdError(
                f"no deployment with id {deployment_id!r} in the catalog"
                + _did_you_mean(deployment_id, self.deployments)
            ) from None

    @property
    def models(self) -> tuple[Model, ...]:
        """Every model once, sorted by id.

        Hosts may serve one model with a smaller window or fewer capabilities; each
        model is described here as its widest host serves it (largest context window,
        then largest output). Each deployment's own ``model`` says what that host serves.
        """
        return tuple(
            min(
                (deployment.model for deployment in deployments),
                key=lambda m: (-(m.context_window or 0), -(m.max_output_tokens or 0)),
            )
            for deployments in self._by_model.values()
        )

    @property
    def vendors(self) -> tuple[str, ...]:
        """Every vendor (lab), sorted."""
        return tuple(self._by_vendor)

    @property
    def providers(self) -> tuple[str, ...]:
        """Every provider, sorted."""
        return tuple(self._by_provider)

    def by_vendor(self, vendor: str) -> tuple[Deployment, ...]:
        """The deployments of models made by ``vendor`` (empty if none)."""
        return self._by_vendor.get(vendor, ())

    def by_provider(self, provider: str) -> tuple[Deployment, ...]:
        """The deployments served by ``provider`` (empty if none)."""
        return self._by_provider.get(provider, ())

    def serving(self, model_id: str) -> tuple[Deployment, ...]:
        """The deployments that serve the model ``model_id`` (empty if none)."""
        if not isinstance(model_id, str):
            raise ValidationError(f"model_id must be a model id (a string), got {model_id!r:.80}")
        return self._by_model.get(model_id, ())

    def to_rows(self) -> list[dict[str, object]]:
        """One plain dict per deployment, ready for ``pandas.DataFrame``."""
        return [deployment.to_row() for deployment in self.deployments]

    def derived(self, name: str, build: Callable[[Catalog], _T]) -> _T:
        """``build(self)``, computed once per catalog and remembered under ``name``.

        Modules that need a precomputed view of the catalog (routing's column
        arrays) use this, so the work is done once however often they route.
        """
        try:
            return self._memo[name]  # type: ignore[return-value]
        except KeyError:
            value = self._memo[name] = build(self)
            return value

    def _repr_html_(self) -> str:
        return html_table(self.to_rows(), caption=repr(self))
