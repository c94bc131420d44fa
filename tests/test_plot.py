"""``.plot`` on results: what each draws, and the error without matplotlib."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from typing import Any

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from modelfolio import (
    MissingDependencyError,
    Outcomes,
    ValidationError,
    WorkloadClass,
    allocate,
    bradley_terry,
    compare,
    concentration,
    fit_quality,
    frontier,
    leaderboard,
    quality_floor,
    reference_catalog,
    sweep,
    vendor_exit,
)

TABLE = Outcomes.from_columns(
    item=[1, 2, 3, 4] * 3,
    model=["big"] * 4 + ["mid"] * 4 + ["small"] * 4,
    score=[1, 1, 1, 0, 1, 0, 1, 0, 1, 0, 0, 0],
    cost=[0.01] * 4 + [0.004] * 4 + [0.001] * 4,
    tags=[{"easy"}, {"hard"}, {"easy"}, {"hard"}] * 3,
)
VENDORS = {"big": "openai", "mid": "anthropic", "small": "meta"}


@pytest.fixture(autouse=True)
def close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def labels(ax: Any) -> list[str]:
    return [t.get_text() for t in ax.get_yticklabels()]


def test_leaderboard_draws_one_interval_per_model_best_on_top() -> None:
    board = leaderboard(TABLE)
    ax = board.plot(title="demo")
    assert "demo" == ax.get_title()
    # Tick labels come in the order set: the best model first, drawn at the top.
    assert list(board.models) == labels(ax)
    assert [e.mean for e in board.entries] == list(ax.lines[0].get_xdata())


def test_frontier_plot_joins_the_frontier() -> None:
    board = leaderboard(TABLE)
    ax = board.plot_frontier()
    assert 3 == len(ax.collections)  # one point per model
    (line,) = ax.lines
    assert sorted(e.cost_per_item for e in frontier(board)) == list(line.get_xdata())


def test_comparison_draws_the_difference_against_zero() -> None:
    result = compare(TABLE, baseline="big", candidate="small")
    ax = result.plot()
    assert [result.diff] == list(ax.lines[0].get_xdata())
    assert "small minus big" in ax.get_xlabel()
    assert any(list(line.get_xdata()) == [0.0, 0.0] for line in ax.lines[1:])


def test_ratings_plot_and_top() -> None:
    battles = [("a", "b", "a")] * 6 + [("b", "c", "a")] * 6 + [("a", "c", "b")] * 2
    ratings = bradley_terry(battles, bootstrap=20)
    assert list(ratings.models) == labels(ratings.plot())
    assert [ratings.models[0]] == labels(ratings.plot(top=1))


def test_curve_concentration_exit_and_allocation_plots() -> None:
    table = fit_quality(TABLE)
    curve = sweep(lambda f: quality_floor(table, f), [0.0, 0.5, 1.0], TABLE)
    ax = curve.plot(baselines=["oracle", "random", "big"], title="t")
    assert "t" == ax.get_title()
    assert 3 == len(ax.collections)
    with pytest.raises(ValidationError, match="'nope'"):
        curve.plot(baselines=["nope"])

    shares = concentration({"openai": 3.0, "meta": 1.0})
    ax = shares.plot()
    assert ["openai", "meta"] == labels(ax)
    assert [0.75, 0.25] == [p.get_width() for p in ax.patches]

    exits = vendor_exit(TABLE, VENDORS)
    ax = exits.plot()
    assert [f"without {r.vendor}" for r in exits.rows] == labels(ax)

    chat = WorkloadClass(name="chat", volume=10_000_000, floor=0.8)
    code = WorkloadClass(name="code", volume=5_000_000, floor=0.8)
    quality = {
        ("openai/gpt-5-mini", "chat"): 0.85,
        ("anthropic/claude-haiku-4-5", "chat"): 0.84,
        ("openai/gpt-5-mini", "code"): 0.9,
        ("anthropic/claude-haiku-4-5", "code"): 0.9,
    }
    plan = allocate([chat, code], reference_catalog(), quality, max_vendor_share=0.6)
    ax = plan.plot()
    assert {"openai", "anthropic"} == set(labels(ax))
    # The stacked bars add up to each vendor's volume.
    total = sum(p.get_width() for p in ax.patches)
    assert plan.total == pytest.approx(total)
    assert "anthropic" == plan.vendors["anthropic/claude-haiku-4-5"]


def test_an_axes_can_be_passed_in() -> None:
    _, ax = plt.subplots()
    assert ax is leaderboard(TABLE).plot(ax=ax)


PLOTS: list[tuple[str, Callable[[], Any]]] = [
    ("Leaderboard", lambda: leaderboard(TABLE).plot()),
    ("Leaderboard", lambda: leaderboard(TABLE).plot_frontier()),
    ("Comparison", lambda: compare(TABLE, baseline="big", candidate="small").plot()),
    ("Ratings", lambda: bradley_terry([("a", "b", "a"), ("b", "a", "a")]).plot()),
    ("Concentration", lambda: concentration({"x": 1.0}).plot()),
    ("ExitTable", lambda: vendor_exit(TABLE, VENDORS).plot()),
    (
        "Curve",
        lambda: sweep(lambda f: quality_floor(fit_quality(TABLE), f), [0.5], TABLE).plot(),
    ),
]


@pytest.mark.parametrize(
    ("name", "draw"), PLOTS, ids=[f"{n}-{k}" for k, (n, _) in enumerate(PLOTS)]
)
def test_without_matplotlib_plot_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, name: str, draw: Callable[[], Any]
) -> None:
    # A None entry in sys.modules makes "import matplotlib.pyplot" raise ImportError.
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'modelfolio\[plot\]'") as info:
        draw()
    assert str(info.value).startswith(f"{name}.plot needs matplotlib")
    assert isinstance(info.value, ImportError)
