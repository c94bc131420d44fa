"""modelfolio.dask on a real ``distributed.LocalCluster``: every answer equals the in-memory one.

The cluster (two worker processes on 127.0.0.1) is started by a fixture and closed in
its teardown; the data are Parquet files the tests write, read with ``dd.read_parquet``.
"""

from __future__ import annotations

import math
import pathlib
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

dd = pytest.importorskip("dask.dataframe", reason="needs dask: pip install 'modelfolio[dask]'")
dask = pytest.importorskip("dask")
distributed = pytest.importorskip("distributed", reason="needs distributed (the [dask] extra)")
np = pytest.importorskip("numpy")
pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow", reason="Parquet needs pyarrow")

import modelfolio  # noqa: E402
from helpers import routerbench_parts  # noqa: E402
from modelfolio import Outcomes, ValidationError, datasets  # noqa: E402
from modelfolio import dask as mfd  # noqa: E402

ROWS_ITEMS = 250_000  # x 4 models = 1,000,000 rows
MODELS = ["alpha", "beta", "gamma", "delta"]
COLUMNS = {"latency_s": "latency_s", "tags": "task", "split": "split"}


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=":0",  # any free port: another cluster may hold 8787
        memory_limit="4GiB",
    )
    client = distributed.Client(cluster, timeout=60)
    try:
        yield client
    finally:
        client.close(timeout=30)
        cluster.close(timeout=30)


def _generated(graded: bool, seed: int) -> Any:
    """A million outcomes: 4 models x 250,000 items, tags, splits, costs and latencies."""
    rng = np.random.default_rng(seed)
    n = ROWS_ITEMS
    skill = {"alpha": 0.8, "beta": 0.7, "gamma": 0.72, "delta": 0.5}
    price = {"alpha": 3e-3, "beta": 4e-4, "gamma": 6e-4, "delta": 1e-4}
    task = rng.choice(["math", "code", "law", "medicine", "history"], size=n)
    split = rng.choice(["public", "private"], size=n, p=[0.7, 0.3])
    frames = []
    for model in MODELS:
        if graded:
            score = rng.binomial(4, skill[model], size=n) / 4.0  # a 0-4 rubric
        else:
            score = (rng.random(n) < skill[model]).astype(float)
        frames.append(
            pd.DataFrame(
                {
                    "item": np.arange(n),
                    "model": model,
                    "score": score,
                    "cost": price[model] * rng.uniform(0.5, 2.0, size=n),
                    "latency_s": np.round(rng.gamma(2.0, 0.4, size=n), 3),
                    "task": task,
                    "split": split,
                }
            )
        )
    whole = pd.concat(frames, ignore_index=True)
    # a few missing outcomes: a model skipped some items
    whole.loc[rng.choice(len(whole), size=2_000, replace=False), "score"] = np.nan
    return whole


def _parquet(whole: Any, directory: pathlib.Path, parts: int, by_item: bool, seed: int) -> Any:
    """Write ``whole`` as ``parts`` Parquet files: rows shuffled, or each item in one file."""
    directory.mkdir()
    rng = np.random.default_rng(seed)
    if by_item:
        part_of = rng.integers(0, parts, size=int(whole["item"].max()) + 1)[
            whole["item"].to_numpy()
        ]
    else:
        part_of = rng.integers(0, parts, size=len(whole))
    for k in range(parts):
        whole[part_of == k].to_parquet(directory / f"part-{k:02d}.parquet", index=False)
    return dd.read_parquet(str(directory / "*.parquet"))


@pytest.fixture(scope="module", params=["binary", "graded"])
def logs(request: Any, tmp_path_factory: Any) -> dict[str, Any]:
    graded = request.param == "graded"
    whole = _generated(graded, seed=11 if graded else 12)
    root = tmp_path_factory.mktemp(request.param)
    table = Outcomes.from_frame(whole, **COLUMNS, cost="cost")
    return {
        "table": table,
        "by_row": _parquet(whole, root / "by_row", parts=10, by_item=False, seed=1),
        "by_item": _parquet(whole, root / "by_item", parts=9, by_item=True, seed=2),
        "graded": graded,
    }


def _same_board(got: Any, expected: Any) -> None:
    assert (got.models, got.binary, got.level) == (expected.models, expected.binary, expected.level)
    for a, b in zip(got.entries, expected.entries, strict=True):
        assert (a.model, a.n, a.mean, a.ci_low, a.ci_high) == (
            b.model,
            b.n,
            b.mean,
            b.ci_low,
            b.ci_high,
        )
        assert (a.latency_p50_s, a.latency_p95_s) == (b.latency_p50_s, b.latency_p95_s)
        assert math.isclose(a.total_cost, b.total_cost, rel_tol=1e-12)
        assert math.isclose(a.cost_per_item, b.cost_per_item, rel_tol=1e-12)
        if b.cost_per_success is None:
            assert a.cost_per_success is None
        else:
            assert math.isclose(a.cost_per_success, b.cost_per_success, rel_tol=1e-12)


def _same_quality(got: Any, expected: Any) -> None:
    assert dict(got.entries) == dict(expected.entries)
    assert got.cost_per_item.keys() == expected.cost_per_item.keys()
    for model, value in expected.cost_per_item.items():
        assert math.isclose(got.cost_per_item[model], value, rel_tol=1e-12)


def test_a_million_rows_give_the_in_memory_leaderboard_and_quality_table(
    client: Any, logs: dict[str, Any]
) -> None:
    table, frame = logs["table"], logs["by_row"]
    assert frame.npartitions >= 8
    assert len(table) > 990_000
    _same_board(mfd.leaderboard(frame, **COLUMNS, seed=4), modelfolio.leaderboard(table, seed=4))
    _same_board(
        mfd.leaderboard(frame, **COLUMNS, keep_tags=["law"], keep_split="private", level=0.9),
        modelfolio.leaderboard(table, tags=["law"], split="private", level=0.9),
    )
    _same_quality(mfd.fit_quality(frame, **COLUMNS), modelfolio.fit_quality(table))
    board = modelfolio.leaderboard(table)
    assert board.binary is not logs["graded"]
    assert sum(e.n for e in board.entries) == len(table)


def test_a_million_rows_give_the_in_memory_comparison(client: Any, logs: dict[str, Any]) -> None:
    table = logs["table"]
    for frame, together in ((logs["by_row"], False), (logs["by_item"], True)):
        got = mfd.compare(
            frame, baseline="alpha", candidate="gamma", **COLUMNS, items_together=together, seed=9
        )
        assert got == modelfolio.compare(table, baseline="alpha", candidate="gamma", seed=9)
    verdict = mfd.non_inferiority(
        logs["by_row"], baseline="beta", candidate="gamma", margin=0.02, **COLUMNS
    )
    assert verdict == modelfolio.non_inferiority(
        table, baseline="beta", candidate="gamma", margin=0.02
    )
    assert verdict.comparison.n > 240_000


def _same_report(got: Any, expected: Any) -> None:
    assert (got.quality, got.n, got.skipped) == (expected.quality, expected.n, expected.skipped)
    assert dict(got.shares) == dict(expected.shares)
    assert dict(got.choices) == dict(expected.choices)
    assert math.isclose(got.cost, expected.cost, rel_tol=1e-12)
    assert got.baselines.keys() == expected.baselines.keys()
    for name, point in expected.baselines.items():
        mine = got.baselines[name]
        assert (mine.quality, dict(mine.shares)) == (point.quality, dict(point.shares))
        assert math.isclose(mine.cost, point.cost, rel_tol=1e-12)


def test_a_million_rows_replay_as_in_memory(client: Any, logs: dict[str, Any]) -> None:
    table = logs["table"]
    quality = modelfolio.fit_quality(table)

    def make(floor: float) -> Any:
        return modelfolio.quality_floor(quality, floor)

    expected = modelfolio.simulate(make(0.7), table)
    assert expected.skipped > 0  # the missing outcomes leave some items out
    for frame, together in ((logs["by_row"], False), (logs["by_item"], True)):
        _same_report(mfd.simulate(make(0.7), frame, **COLUMNS, items_together=together), expected)
    knobs = [0.5, 0.7, 0.75, 0.9]
    curve = mfd.sweep(make, knobs, logs["by_item"], **COLUMNS, items_together=True)
    reference = modelfolio.sweep(make, knobs, table)
    assert curve.n == reference.n
    for got, want in zip(curve.points, reference.points, strict=True):
        assert (got.knob, got.quality, dict(got.shares)) == (
            want.knob,
            want.quality,
            dict(want.shares),
        )
        assert math.isclose(got.cost, want.cost, rel_tol=1e-12)
    with pytest.raises(
        ValidationError,
        match=r"item \d+ (has rows in part \d+ and in part \d+|is in two parts|was replayed in two parts)",
    ):
        mfd.simulate(make(0.7), logs["by_row"], **COLUMNS, items_together=True)


def test_an_item_split_between_partitions_is_refused_when_items_are_said_to_be_together(
    client: Any, logs: dict[str, Any]
) -> None:
    with pytest.raises(
        ValidationError,
        match=r"item \d+ has its '(alpha|gamma)' row in part \d+ and its '(alpha|gamma)' row in part \d+",
    ):
        mfd.compare(
            logs["by_row"], baseline="alpha", candidate="gamma", **COLUMNS, items_together=True
        )


def _small(**columns: Any) -> Any:
    frame = pd.DataFrame(
        {
            "item": [1, 2, 3, 1, 2, 3],
            "model": ["a"] * 3 + ["b"] * 3,
            "score": [1.0, 0.0, 1.0, 1.0, 1.0, 0.0],
            "cost": 0.0,
        }
        | columns
    )
    return dd.from_pandas(frame, npartitions=2)


cells = st.one_of(st.none(), st.just(float("nan")), st.sampled_from(["math", "code", "", " x"]))


@st.composite
def partitions(draw: st.DrawFn) -> Any:
    n = draw(st.integers(1, 25))
    models = draw(st.sampled_from([["a", "b"], ["a", "b", "c"], ["a", None], ["a", 3]]))
    frame = pd.DataFrame(
        {
            "item": draw(st.lists(st.integers(0, 8), min_size=n, max_size=n)),
            "model": draw(st.lists(st.sampled_from(models), min_size=n, max_size=n)),
            "score": draw(
                st.lists(
                    st.sampled_from([0.0, 1.0, 0.5, 0.1, float("nan"), -0.0, 1e13, float("inf")]),
                    min_size=n,
                    max_size=n,
                )
            ),
            "cost": draw(
                st.lists(
                    st.sampled_from([0.0, 0.003, float("nan"), -1.0, 2e9]), min_size=n, max_size=n
                )
            ),
            "latency_s": draw(
                st.lists(st.sampled_from([0.2, 1.5, float("nan"), -0.1]), min_size=n, max_size=n)
            ),
            "task": draw(st.lists(cells, min_size=n, max_size=n)),
            "split": draw(
                st.lists(st.sampled_from(["public", "private", None]), min_size=n, max_size=n)
            ),
        }
    )
    if draw(st.booleans()):
        frame["task"] = frame["task"].astype("string")
    return frame


@settings(max_examples=300, deadline=None)
@given(part=partitions(), latency=st.booleans())
def test_the_counted_path_gives_the_exact_paths_summary_or_steps_aside(
    part: Any, latency: bool
) -> None:
    from modelfolio.dask import _Columns, _counted

    columns = _Columns(
        "item", "model", "score", "cost", "latency_s" if latency else None, "task", "split"
    )
    fast = _counted(part, columns)
    try:
        table = Outcomes.from_frame(
            part, cost="cost", latency_s=columns.latency_s, tags="task", split="split"
        )
    except modelfolio.ModelfolioError:
        assert fast is None  # bad input is always left to the exact path, which names it
        return
    if fast is not None:
        assert fast == modelfolio.summarize(table)


def test_plain_partitions_take_the_counted_path() -> None:
    from modelfolio.dask import _Columns, _counted

    part = pd.DataFrame(
        {"item": [1, 2, 1, 2], "model": ["a", "a", "b", "b"], "score": [1.0, float("nan"), 0.5, 0.25],
         "cost": [0.1, 0.2, float("nan"), 0.4], "latency_s": [0.5, 1.0, float("nan"), 2.0],
         "task": pd.array(["x", None, "x", "y"], dtype="string"), "split": ["p", "p", None, "q"]}
    )  # fmt: skip
    columns = _Columns("item", "model", "score", "cost", "latency_s", "task", "split")
    fast = _counted(part, columns)
    assert fast is not None
    table = Outcomes.from_frame(
        part, cost="cost", latency_s="latency_s", tags="task", split="split"
    )
    assert fast == modelfolio.summarize(table)
    assert fast.rows == 3


def test_bad_frames_fail_naming_the_column_or_partition(
    client: Any, tmp_path: pathlib.Path
) -> None:
    with pytest.raises(
        ValidationError,
        match=r"score='points': the frame has no column 'points' \(columns: item, model, score, cost\)",
    ):
        mfd.leaderboard(_small(), score="points")
    with pytest.raises(
        ValidationError, match=r"cost='cost': the frame has no column 'cost'.*pass cost=None"
    ):
        mfd.leaderboard(_small().drop(columns=["cost"]))
    with pytest.raises(
        ValidationError, match=r"score='grade': column 'grade' must hold numbers, its type is"
    ):
        mfd.leaderboard(_small(grade=["A", "B", "C", "A", "B", "C"]), score="grade")
    with pytest.raises(
        ValidationError, match=r"frame must be a dask\.dataframe\.DataFrame, got DataFrame"
    ):
        mfd.leaderboard(pd.DataFrame({"item": [1]}))
    empty = _small().head(0, compute=False)
    with pytest.raises(ValidationError, match="the frame has no rows"):
        mfd.leaderboard(empty)
    with pytest.raises(ValidationError, match="neither 'a' nor 'b' has outcomes"):
        mfd.compare(empty, baseline="a", candidate="b")
    # a bad cell deep in one partition: the partition is named, and the row within it
    whole = pd.DataFrame({"item": range(40), "model": ["a"] * 40, "score": [1.0] * 40, "cost": 0.0})
    whole["model"] = whole["model"].astype(object)
    whole.loc[33, "model"] = None
    for k in range(4):
        whole.iloc[10 * k : 10 * (k + 1)].to_parquet(tmp_path / f"p{k}.parquet", index=False)
    frame = dd.read_parquet(str(tmp_path / "p*.parquet"))
    with pytest.raises(
        ValidationError, match=r"partition 3: model: column 'model' is missing a value in row 3"
    ):
        mfd.leaderboard(frame)
    with pytest.raises(ValidationError, match="baseline and candidate must differ"):
        mfd.compare(_small(), baseline="a", candidate="a")
    with pytest.raises(ValidationError, match="items_together must be True or False"):
        mfd.compare(_small(), baseline="a", candidate="b", items_together="yes")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="no outcomes match"):
        mfd.leaderboard(_small(), keep_tags=["nowhere"])
    router = modelfolio.quality_floor(
        modelfolio.fit_quality(Outcomes.from_frame(_small().compute())), 0.5
    )
    with pytest.raises(ValidationError, match=r"query='prompt': the frame has no column 'prompt'"):
        mfd.simulate(router, _small(), query="prompt")
    with pytest.raises(ValidationError, match="router must have a choose"):
        mfd.simulate("router", _small())
    with pytest.raises(ValidationError, match="knobs must not be empty"):
        mfd.sweep(lambda k: router, [], _small())

    class Coin:
        def choose(self, query: Any, tags: Any) -> tuple[str, ...]:
            return ("a",)

        def reseed(self, seed: int) -> Any:
            return self

    with pytest.raises(ValidationError, match=r"draws at random \(it has reseed\(\)\)"):
        mfd.simulate(Coin(), _small())


def test_arena_votes_partitioned_give_the_in_memory_ratings(
    client: Any, tmp_path: pathlib.Path
) -> None:
    from helpers import shared
    from modelfolio.io import read_battles

    path = shared("arena_2023_votes/human.jsonl")
    votes = pd.read_json(path, lines=True)[["model_a", "model_b", "winner"]]
    for k in range(8):
        votes.iloc[k::8].to_parquet(tmp_path / f"votes-{k}.parquet", index=False)
    frame = dd.read_parquet(str(tmp_path / "votes-*.parquet"))
    assert frame.npartitions == 8
    expected = modelfolio.bradley_terry(read_battles(path), bootstrap=30, seed=3)
    assert mfd.bradley_terry(frame, bootstrap=30, seed=3) == expected
    bad = votes.copy()
    bad.loc[5, "winner"] = "draw"
    with pytest.raises(
        ValidationError, match=r"partition 0, row 5: winner 'draw' is not one of 'a', 'b', 'tie'"
    ):
        mfd.bradley_terry(dd.from_pandas(bad, npartitions=4, sort=False))
    with pytest.raises(
        ValidationError, match=r"a='left_model': the frame has no column 'left_model'"
    ):
        mfd.bradley_terry(frame, a="left_model")


def test_real_data_partitioned_gives_the_in_memory_answers(
    client: Any, tmp_path: pathlib.Path
) -> None:
    mmlu = datasets.load("routellm-mmlu").outcomes
    assert mmlu is not None
    rows = pd.DataFrame(mmlu.to_rows())
    rows["task"] = rows["tags"].map(lambda t: sorted(t)[0] if t else None)
    frame = dd.from_pandas(rows.drop(columns=["tags", "latency_s"]), npartitions=12)
    single = Outcomes.from_frame(
        rows.drop(columns=["tags"]), tags="task", split="split", cost="cost"
    )
    columns = {"tags": "task", "split": "split"}
    _same_board(mfd.leaderboard(frame, **columns), modelfolio.leaderboard(single))
    _same_quality(mfd.fit_quality(frame, **columns), modelfolio.fit_quality(single))
    weak, strong = sorted(mmlu.models)[:2]
    assert mfd.compare(frame, baseline=weak, candidate=strong, **columns) == modelfolio.compare(
        single, baseline=weak, candidate=strong
    )
    mt_bench = datasets.load("routellm-mt-bench").outcomes  # graded 1-10 judge scores
    assert mt_bench is not None
    assert not mt_bench.binary
    rows = pd.DataFrame(mt_bench.to_rows())
    assert rows["tags"].map(len).min() == 2  # a category and a turn: a list per cell
    rows = rows.drop(columns=["split", "latency_s"])
    for k in range(5):  # Parquet keeps a list column a list (dd.from_pandas would make it text)
        rows.iloc[k::5].to_parquet(tmp_path / f"mt-{k}.parquet", index=False)
    frame = dd.read_parquet(str(tmp_path / "mt-*.parquet"))
    columns = {"tags": "tags"}
    _same_board(mfd.leaderboard(frame, seed=2, **columns), modelfolio.leaderboard(mt_bench, seed=2))
    _same_quality(mfd.fit_quality(frame, **columns), modelfolio.fit_quality(mt_bench))
    first, second = mt_bench.models[:2]
    assert mfd.compare(
        frame, baseline=first, candidate=second, seed=5, **columns
    ) == modelfolio.compare(mt_bench, baseline=first, candidate=second, seed=5)
    # a per-query router, fitted in memory on half of GSM8K, replayed with the query column
    gsm8k = datasets.load("routellm-gsm8k")
    assert gsm8k.outcomes is not None
    rows = pd.DataFrame(gsm8k.outcomes.to_rows()).drop(columns=["tags", "split", "latency_s"])
    rows["query"] = rows["item"].map(gsm8k.texts)
    half = set(gsm8k.outcomes.items[::2])
    train = Outcomes.from_frame(rows[rows["item"].isin(half)], cost="cost")
    predictor = modelfolio.fit_query_quality(train, {i: gsm8k.texts[i] for i in half}, method="knn")
    router = modelfolio.quality_floor(predictor, 0.6)
    frame = dd.from_pandas(rows, npartitions=6)
    _same_report(
        mfd.simulate(router, frame, query="query"),
        modelfolio.simulate(router, gsm8k.outcomes, queries=gsm8k.texts),
    )
    test = routerbench_parts("arc_challenge")["test"]
    bench = pd.DataFrame(test.to_rows()).drop(columns=["tags", "split", "latency_s"])
    frame = dd.from_pandas(bench, npartitions=8)
    _same_board(mfd.leaderboard(frame), modelfolio.leaderboard(test))
    _same_quality(mfd.fit_quality(frame), modelfolio.fit_quality(test))
    first, second = test.models[:2]
    assert mfd.compare(frame, baseline=first, candidate=second) == modelfolio.compare(
        test, baseline=first, candidate=second
    )
    train = routerbench_parts("arc_challenge")["train"]
    router = modelfolio.quality_floor(modelfolio.fit_quality(train), 0.8)
    _same_report(mfd.simulate(router, frame), modelfolio.simulate(router, test))


@settings(max_examples=25, deadline=None)
@given(
    items=st.lists(st.integers(0, 5), min_size=1, max_size=14),
    scored=st.lists(st.booleans(), min_size=14, max_size=14),
    parts=st.integers(1, 4),
)
def test_a_pair_repeated_across_partitions_is_refused_as_in_memory(
    items: list[int], scored: list[bool], parts: int
) -> None:
    """An answer through the edge equals the in-memory one or fails as it does: an (item,
    model) pair scored twice is refused whichever partitions its rows landed in (issue
    29); a repeat whose second score is missing is no repeat, in memory or here."""
    n = len(items)
    frame = pd.DataFrame(
        {
            "item": items,
            "model": ["m"] * n,
            "score": [1.0 if keep else float("nan") for keep in scored[:n]],
            "cost": 0.001,
        }
    )
    scored = frame[frame["score"].notna()]
    if scored.empty:  # nothing scored: both refuse, for that reason
        with pytest.raises(modelfolio.ModelfolioError, match=r"no rows|no outcomes"):
            mfd.leaderboard(dd.from_pandas(frame, npartitions=parts))
        return
    if scored["item"].duplicated().any():  # in memory, the repeat is refused ...
        with pytest.raises(modelfolio.ModelfolioError, match=r"appears twice"):
            Outcomes.from_frame(frame, cost="cost")
        with pytest.raises(modelfolio.ModelfolioError, match=r"appears twice"):  # ... and here
            mfd.leaderboard(dd.from_pandas(frame, npartitions=parts))
        return
    expected = modelfolio.leaderboard(Outcomes.from_frame(frame, cost="cost"))
    _same_board(mfd.leaderboard(dd.from_pandas(frame, npartitions=parts)), expected)


def test_a_repeat_names_the_pair_and_both_partitions() -> None:
    frame = pd.DataFrame(
        {"item": [1, 2, 3, 1], "model": ["a", "a", "a", "a"], "score": [1.0, 0.0, 1.0, 0.0]}
    )
    with pytest.raises(
        modelfolio.ModelfolioError,
        match=r"\(item, model\) pair 1, 'a' appears twice \(partitions 0 and 1\)",
    ):
        mfd.leaderboard(dd.from_pandas(frame, npartitions=2), cost=None)


def test_item_1_and_item_text_1_are_two_items_here_as_in_memory() -> None:
    """Pairs are hashed as text, so item 1 and item "1" share a hash: the repeat is
    confirmed on the values themselves, which differ, as the in-memory table says."""
    frame = pd.DataFrame(
        {"item": pd.Series([1, "1"], dtype=object), "model": ["a", "a"], "score": [1.0, 0.0]}
    )
    expected = modelfolio.leaderboard(Outcomes.from_frame(frame))
    with dask.config.set({"dataframe.convert-string": False}):  # keep the object column
        got = mfd.leaderboard(dd.from_pandas(frame, npartitions=2), cost=None)
    assert expected.entry("a").n == got.entry("a").n == 2
