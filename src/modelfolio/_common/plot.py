"""Pictures of results, drawn with matplotlib when it is installed.

matplotlib is an optional extra (``pip install 'modelfolio[plot]'``), imported here only
when a ``.plot`` method is called; without it the call raises
:class:`~modelfolio.MissingDependencyError` saying what to install. Every drawing goes
onto an ``Axes`` the caller passes (``ax=``) or onto a new figure's, and the ``Axes`` is
returned so it can be styled further or saved. The helpers take plain numbers, so each
result class stays a thin caller of one of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from modelfolio._common.errors import MissingDependencyError

__all__ = ["axes", "bars", "intervals", "stacked_bars"]


def axes(ax: Any, what: str, *, height: float | None = None) -> Any:
    """``ax`` itself, or the ``Axes`` of a new figure (``height`` inches tall)."""
    if ax is not None:
        return ax
    try:
        import matplotlib.pyplot as plt  # type: ignore[import-not-found, unused-ignore]
    except ImportError as error:
        raise MissingDependencyError(
            f"{what}.plot needs matplotlib: pip install 'modelfolio[plot]'; "
            "to_rows() gives the same numbers as a table"
        ) from error
    figure, new = plt.subplots(figsize=(7.0, height or 4.0))
    figure.set_layout_engine("constrained")
    return new


def _height(count: int) -> float:
    return min(14.0, max(2.2, 0.8 + 0.32 * count))


def intervals(
    ax: Any,
    what: str,
    labels: Sequence[str],
    centres: Sequence[float],
    lows: Sequence[float],
    highs: Sequence[float],
    *,
    xlabel: str,
    title: str,
    reference: float | None = None,
) -> Any:
    """One row per label, best (first) at the top: a point and its interval."""
    ax = axes(ax, what, height=_height(len(labels)))
    positions = list(range(len(labels)))[::-1]
    errors = [
        [max(0.0, c - lo) for c, lo in zip(centres, lows, strict=True)],
        [max(0.0, hi - c) for c, hi in zip(centres, highs, strict=True)],
    ]
    ax.errorbar(centres, positions, xerr=errors, fmt="o", capsize=3, color="#1f5f8b")
    if reference is not None:
        ax.axvline(reference, color="#888888", linestyle="--", linewidth=1)
    return _label_rows(ax, positions, labels, xlabel, title)


def _label_rows(
    ax: Any, positions: Sequence[int], labels: Sequence[str], xlabel: str, title: str
) -> Any:
    ax.set_yticks(list(positions))
    ax.set_yticklabels(list(labels))
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    return ax


def bars(
    ax: Any,
    what: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    xlabel: str,
    title: str,
    reference: float | None = None,
    reference_label: str | None = None,
) -> Any:
    """Horizontal bars, first label at the top, with an optional reference line."""
    ax = axes(ax, what, height=_height(len(labels)))
    positions = list(range(len(labels)))[::-1]
    ax.barh(positions, list(values), color="#1f5f8b")
    if reference is not None:
        ax.axvline(reference, color="#c0392b", linestyle="--", linewidth=1, label=reference_label)
        if reference_label:
            ax.legend(loc="lower right")
    return _label_rows(ax, positions, labels, xlabel, title)


def stacked_bars(
    ax: Any,
    what: str,
    labels: Sequence[str],
    segments: Mapping[str, Sequence[float]],
    *,
    xlabel: str,
    title: str,
) -> Any:
    """Horizontal bars, one per label, stacked by segment (legend names the segments)."""
    ax = axes(ax, what, height=_height(len(labels)) + 0.4)
    positions = list(range(len(labels)))[::-1]
    left = [0.0] * len(labels)
    for name, values in segments.items():
        ax.barh(positions, list(values), left=list(left), label=name)
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.legend(loc="best", fontsize="small")
    return _label_rows(ax, positions, labels, xlabel, title)
