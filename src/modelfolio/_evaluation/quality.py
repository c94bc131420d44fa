"""Quality tables: each model's measured quality per tag, with bounds and cost.

A :class:`QualityTable` is a measurement (filled by :func:`~modelfolio.fit_quality` or
a merged summary), not a router: the learned routers read it to decide.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any

from attrs import field, frozen

from modelfolio._common.errors import ValidationError
from modelfolio._common.table import html_table
from modelfolio._common.validate import (
    check,
    finite,
    number,
    optional_text,
    positive_count,
    text,
    unit_interval,
)

__all__ = ["QualityEntry", "QualityTable"]


@frozen(kw_only=True)
class QualityEntry:
    """Quality of one model on one tag (``tag=None``: all its items)."""

    model: str = field(validator=check(text))
    tag: str | None = field(validator=optional_text)
    mean: float = field(validator=check(finite))
    ci_low: float = field(validator=check(finite))
    ci_high: float = field(validator=check(finite))
    n: int = field(validator=check(positive_count))

    def __attrs_post_init__(self) -> None:
        if not self.ci_low <= self.mean <= self.ci_high:
            raise ValidationError(
                f"entry ({self.model!r}, {self.tag!r}): need ci_low <= mean <= ci_high, "
                f"got {self.ci_low!r}, {self.mean!r}, {self.ci_high!r}"
            )


def _entries(value: Any) -> Mapping[tuple[str, str | None], QualityEntry]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Mapping):
        raise ValidationError(f"entries must map (model, tag) to QualityEntry, got {value!r}")
    for key, entry in value.items():
        if not isinstance(entry, QualityEntry):
            raise ValidationError(f"entries[{key!r}] must be a QualityEntry, got {entry!r}")
        if key != (entry.model, entry.tag):
            raise ValidationError(
                f"entries[{key!r}] holds the entry of {(entry.model, entry.tag)!r}"
            )
    return value if isinstance(value, MappingProxyType) else MappingProxyType(dict(value))


def _costs(value: Any) -> Mapping[str, float]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Mapping) or not value:
        raise ValidationError(
            f"cost_per_item must map at least one model to its cost per item, got {value!r}"
        )
    for model, item_cost in value.items():
        text(model, "cost_per_item")
        number(item_cost, f"cost_per_item[{model!r}]")
    return value if isinstance(value, MappingProxyType) else MappingProxyType(dict(value))


def _open_level(instance: object, attribute: Any, value: Any) -> None:
    unit_interval(value, "level")


def _pick(use: Any) -> Callable[[QualityEntry], float]:
    """The entry's mean, lower or upper bound, by name."""
    picks: dict[str, Callable[[QualityEntry], float]] = {
        "mean": _mean,
        "lower": _low,
        "upper": _high,
    }
    if not isinstance(use, str) or use not in picks:
        raise ValidationError(f"use must be 'mean', 'lower' or 'upper', got {use!r:.80}")
    return picks[use]


def dropped_models(models: Any) -> set[str]:
    """Model ids to leave out: a lone string is one model."""
    if isinstance(models, str):
        return {models}
    if not isinstance(models, Iterable):
        raise ValidationError(f"models must be model ids, got {models!r:.80}")
    return {text(model, "models") for model in models}


@frozen(kw_only=True)
class QualityTable:
    """Quality per (model, tag) with confidence bounds, and each model's cost per item."""

    entries: Mapping[tuple[str, str | None], QualityEntry] = field(repr=False, converter=_entries)
    """``(model, tag)`` to its entry; ``tag=None`` is the model-wide entry."""
    cost_per_item: Mapping[str, float] = field(converter=_costs)
    """Each model's mean logged cost per item (at least one model)."""
    level: float = field(default=0.95, validator=_open_level)
    """The confidence level of the bounds."""

    def __attrs_post_init__(self) -> None:
        for model in self.cost_per_item:
            if (model, None) not in self.entries:
                raise ValidationError(f"model {model!r} has a cost but no model-wide entry")
        for model, _ in self.entries:
            if model not in self.cost_per_item:
                raise ValidationError(f"model {model!r} has entries but no cost_per_item")

    @property
    def models(self) -> tuple[str, ...]:
        """Every model, sorted."""
        return tuple(sorted(self.cost_per_item))

    def quality(self, model: str, tags: Iterable[str] = (), *, use: str = "mean") -> float:
        """``model``'s quality for ``tags``: the mean over tags it has entries for, else model-wide.

        ``use`` is ``"mean"``, ``"lower"`` or ``"upper"`` (the confidence bounds).
        """
        pick = _pick(use)
        text(model, "model")
        tags = (tags,) if isinstance(tags, str) else tags
        if not isinstance(tags, Iterable):
            raise ValidationError(f"tags must be a tag or a collection of tags, got {tags!r:.80}")
        known = [self.entries[(model, tag)] for tag in tags if (model, tag) in self.entries]
        if not known:
            if (model, None) not in self.entries:
                raise ValidationError(f"model {model!r} is not in the quality table")
            known = [self.entries[(model, None)]]
        return math.fsum(pick(entry) for entry in known) / len(known)

    def without(self, models: Iterable[str]) -> QualityTable:
        """The same table with ``models`` left out."""
        gone = dropped_models(models)
        if gone >= set(self.cost_per_item):
            raise ValidationError("a quality table needs at least one model left")
        return QualityTable(
            entries=MappingProxyType({k: v for k, v in self.entries.items() if k[0] not in gone}),
            cost_per_item=MappingProxyType(
                {m: c for m, c in self.cost_per_item.items() if m not in gone}
            ),
            level=self.level,
        )

    def as_mapping(self, *, use: str = "mean") -> Mapping[tuple[str, str | None], float]:
        """``{(model, tag): quality}``, ready for :func:`~modelfolio.by_quality`."""
        pick = _pick(use)
        return MappingProxyType({key: pick(entry) for key, entry in self.entries.items()})

    def to_rows(self) -> list[dict[str, object]]:
        """One plain dict per (model, tag)."""
        return [
            {
                "model": e.model,
                "tag": e.tag,
                "mean": e.mean,
                "ci_low": e.ci_low,
                "ci_high": e.ci_high,
                "n": e.n,
                "cost_per_item": self.cost_per_item[e.model],
            }
            for _, e in sorted(self.entries.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))
        ]

    def __repr__(self) -> str:
        tags = {tag for _, tag in self.entries if tag is not None}
        lines = [f"QualityTable({len(self.models)} models, {len(tags)} tags, level={self.level:g})"]
        for model in self.models:
            whole = self.entries[(model, None)]
            lines.append(
                f"  {model}: quality {whole.mean:.4f} [{whole.ci_low:.4f}, {whole.ci_high:.4f}] "
                f"n={whole.n}, ${self.cost_per_item[model]:.6g}/item"
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return html_table(self.to_rows(), caption="Quality table")


def _mean(entry: QualityEntry) -> float:
    return entry.mean


def _low(entry: QualityEntry) -> float:
    return entry.ci_low


def _high(entry: QualityEntry) -> float:
    return entry.ci_high
