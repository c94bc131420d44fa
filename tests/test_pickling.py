"""Fitted objects survive pickle and deepcopy: train offline, load in a service.

The library's frozen objects hold read-only mapping views (``MappingProxyType``), which
the standard library cannot pickle; importing modelfolio registers a reducer for them
(``modelfolio._common.pickling``). These tests pickle the objects a team saves or sends to
another process and check that what comes back behaves the same.
"""

from __future__ import annotations

import copy
import pickle
import random
import subprocess
import sys
from types import MappingProxyType
from typing import Any

import pytest

import modelfolio as mf


def table_and_texts(n: int = 120) -> tuple[mf.Outcomes, dict[int, str]]:
    rng = random.Random(4)
    texts = {
        k: (f"add {k} and {k + 1} numbers" if k % 2 else f"prove the lemma {k} about groups")
        for k in range(n)
    }
    table = mf.Outcomes.from_columns(
        item=list(range(n)) * 2, model=["big"] * n + ["small"] * n,
        score=[float(rng.random() < 0.9) for _ in range(n)]
        + [float(rng.random() < (0.8 if k % 2 else 0.3)) for k in range(n)],
        cost=[0.01] * n + [0.001] * n,
        tags=[{"arithmetic"} if k % 2 else {"proof"} for k in range(n)] * 2,
    )  # fmt: skip
    return table, texts


def roundtrip(value: Any) -> Any:
    return pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


PROMPTS = ["add 3 and 4", "prove the lemma", "an unseen émigré word", "", "numbers groups"]


def test_a_mapping_view_pickles_as_a_read_only_view() -> None:
    view = MappingProxyType({"a": 1, "b": (2, 3)})
    back = roundtrip(view)
    assert isinstance(back, MappingProxyType)
    assert back == view
    with pytest.raises(TypeError):
        back["a"] = 5  # type: ignore[index]
    assert copy.deepcopy(view) == view


@pytest.mark.parametrize(
    ("method", "kind"),
    [("linear", "text"), ("knn", "text"), ("linear", "vector"), ("knn", "vector")],
)
def test_query_quality_predicts_the_same_after_pickling(method: str, kind: str) -> None:
    table, texts = table_and_texts()
    queries: dict[int, Any] = texts
    prompts: list[Any] = PROMPTS
    if kind == "vector":
        queries = {k: [float(k % 2), 1.0, (k % 7) / 7] for k in texts}
        prompts = [[1.0, 1.0, 0.5], [0.0, 1.0, 0.1], [0.3, 0.0, 0.0]]
    quality = mf.fit_query_quality(table, queries, method=method)  # type: ignore[arg-type]
    expected = [quality.predict(p) for p in prompts]
    for back in (roundtrip(quality), copy.deepcopy(quality)):
        assert repr(back) == repr(quality)
        assert [back.predict(p) for p in prompts] == expected
        assert dict(back.cost_per_item) == dict(quality.cost_per_item)


def test_a_pickled_predictor_leaves_its_caches_behind_and_rebuilds_them() -> None:
    table, texts = table_and_texts()
    quality = mf.fit_query_quality(table, texts)
    for prompt in PROMPTS:
        quality.predict(prompt)
    state = quality.__getstate__()
    assert not {"_dense", "_memo", "_packed", "_word_rows"} & set(state)
    back = roundtrip(quality)
    assert back._memo == {}
    assert back._packed == quality._packed
    assert back._word_rows.keys() >= set(quality._hasher.own)


def test_routers_replay_the_same_after_pickling() -> None:
    table, texts = table_and_texts()
    per_tag = mf.fit_quality(table)
    per_query = mf.fit_query_quality(table, texts)
    routers = [
        (mf.quality_floor(per_tag, 0.7), None),
        (mf.best_within(per_tag, 0.005), None),
        (mf.quality_floor(per_query, 0.7), texts),
        (mf.best_within(per_query, 0.005), texts),
        (mf.threshold_router(per_query, strong="big", weak="small", threshold=0.2), texts),
    ]
    for router, queries in routers:
        before = mf.simulate(router, table, queries=queries)
        after = mf.simulate(roundtrip(router), table, queries=queries)
        assert (after.quality, after.cost_per_item, after.n) == (
            before.quality, before.cost_per_item, before.n,
        )  # fmt: skip
        assert roundtrip(before) == before


def test_a_drift_monitor_carries_on_after_pickling() -> None:
    past = mf.Outcomes.from_columns(
        item=range(1000), model=["m"] * 1000, score=[1.0] * 800 + [0.0] * 200
    )
    rng = random.Random(9)
    records = [
        mf.EvalRecord(item=k, model="m", score=float(rng.random() < (0.8 if k < 500 else 0.4)))
        for k in range(3000)
    ]
    monitor = mf.observe(mf.drift_monitor(mf.fit_quality(past)), records[:1500])
    assert monitor.alarms  # the drop after 500 records was caught
    back = roundtrip(monitor)
    assert back == monitor
    assert mf.observe(back, records[1500:]) == mf.observe(monitor, records[1500:])


def test_catalogs_states_and_policies_pickle() -> None:
    catalog = mf.reference_catalog()
    assert roundtrip(catalog) == catalog
    state = mf.State()
    assert roundtrip(state) == state
    table, _ = table_and_texts()
    bridge = mf.Bridge({"big": "gpt-5", "small": "llama-3.3-70b-instruct"})
    policy = mf.learned_policy(mf.quality_floor(mf.fit_quality(table), 0.7), bridge)
    request = mf.Request(input_tokens=800, output_tokens=200, tags={"proof"})
    chosen = mf.route(request, catalog, policy, now=0.0).chosen.id
    assert mf.route(request, roundtrip(catalog), roundtrip(policy), now=0.0).chosen.id == chosen


def test_a_predictor_pickled_here_loads_in_a_new_process() -> None:
    table, texts = table_and_texts()
    quality = mf.fit_query_quality(table, texts)
    code = (
        "import pickle, sys; q = pickle.loads(sys.stdin.buffer.read()); "
        "print(repr(q.predict('add 3 and 4')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], input=pickle.dumps(quality), capture_output=True,
        check=True, timeout=120,
    ).stdout.decode()  # fmt: skip
    assert out.strip() == repr(quality.predict("add 3 and 4"))
