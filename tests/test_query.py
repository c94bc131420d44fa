"""Per-query quality: features, fitting, prediction, and the routers that use them."""

from __future__ import annotations

import itertools
import math
import os
import re
import subprocess
import sys
import zlib
from typing import Any

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from modelfolio import (
    Bridge,
    ModelfolioError,
    Outcomes,
    QueryQuality,
    Request,
    ValidationError,
    best_within,
    featurize,
    fit_query_quality,
    learned_policy,
    quality_floor,
    reference_catalog,
    route,
    simulate,
    sweep,
    threshold_router,
)
from modelfolio._learning.query import _Hasher, _words


def spec_buckets(text: str, dims: int, seed: int, bigrams: bool = False) -> dict[int, float]:
    """The documented features, computed here from the spec, independently of the code."""
    start = zlib.crc32(seed.to_bytes(4, "little"))
    words = __import__("re").findall(r"\w+", text.lower())
    grams = [b"w" + w.encode() for w in words]
    for w in words:
        if len(w) >= 5:
            grams += [b"p" + w[:4].encode(), b"s" + w[-4:].encode()]
    counts: dict[int, float] = {}
    buckets = [zlib.crc32(gram, start) % dims for gram in grams]
    for a, b in itertools.pairwise(words) if bigrams else ():
        first, second = (zlib.crc32(b"b" + w.encode(), start) for w in (a, b))
        buckets.append((1_000_003 * first % 2**32 + second) % dims)
    for bucket in buckets:
        counts[bucket] = counts.get(bucket, 0.0) + 1.0
    norm = math.sqrt(sum(v * v for v in counts.values()))
    return {k: v / norm for k, v in counts.items()}


class TestFeaturize:
    @pytest.mark.parametrize("bigrams", [False, True])
    def test_matches_the_documented_spec(self, bigrams: bool) -> None:
        text = "Integrate the integral: what is ∫ x dx? Integration by parts!"
        for dims, seed in ((2**18, 0), (97, 5)):
            expected = spec_buckets(text, dims, seed, bigrams)
            got = featurize(text, dims=dims, seed=seed, bigrams=bigrams)
            if dims == 2**18:  # 10 words, 6 distinct prefixes and suffixes, 9 pairs
                assert len(got) == (25 if bigrams else 16)
            assert expected.keys() == got.keys()
            for key, value in expected.items():
                assert value == pytest.approx(got[key], rel=1e-12)

    def test_the_same_in_another_process_with_another_hash_seed(self) -> None:
        code = "from modelfolio import featurize; print(sorted(featurize('Héllo wörld, hello!').items()))"
        outputs = {
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True,
                env={**os.environ, "PYTHONHASHSEED": seed}, timeout=60,
            ).stdout
            for seed in ("1", "2")
        }  # fmt: skip
        assert {str(sorted(featurize("Héllo wörld, hello!").items())) + "\n"} == outputs

    def test_seeds_hash_differently(self) -> None:
        assert featurize("a b c d", seed=0).keys() != featurize("a b c d", seed=1).keys()

    @settings(max_examples=100)
    @given(st.text(max_size=300), st.integers(1, 5000), st.integers(0, 2**32 - 1), st.booleans())
    def test_unit_length_in_range(self, text: str, dims: int, seed: int, bigrams: bool) -> None:
        features = featurize(text, dims=dims, seed=seed, bigrams=bigrams)
        assert all(0 <= k < dims and v > 0 for k, v in features.items())
        if features:
            assert math.fsum(v * v for v in features.values()) == pytest.approx(1.0)

    # ASCII punctuation and separators, Unicode letters, marks, digits, punctuation and
    # whitespace (no-break, ideographic, line separator), a lone surrogate, an emoji,
    # and characters whose lower case is ASCII (Kelvin sign) or two characters long.
    @settings(max_examples=300)
    @given(
        st.text(
            st.sampled_from(
                list("aZ9_ .,;:-'\"()[]{}$%+=/\\\t\n\r\x0b\x0c\x1c\x1f\x7f")
                + list("éÉßſİ\u212a\u0301\u0663\u00bd\u2019\u2014\u00a0\u3000\u2028\u0085")
                + ["\ud800", "\U0001f600", "字", "ـ"]
            )
            | st.characters(),
            max_size=60,
        )
    )
    @example("a\x7fb-c\x1cd")
    @example("Don\u2019t \u212aelvin \u0130stanbul caf\u00e9\u00a0au\u3000lait \ud800x")
    def test_words_are_the_runs_of_word_characters(self, text: str) -> None:
        """The fast tokenizer finds exactly the words of ``re.findall(r"\\w+", lower)``."""
        assert _words(text) == re.findall(r"\w+", text.lower())

    def test_no_whitespace_character_is_a_word_character(self) -> None:
        """Splitting on whitespace never cuts a run of ``\\w`` (the tokenizer relies on it)."""
        spaces = [c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()]
        assert len(spaces) > 20
        assert not [c for c in spaces if re.match(r"\w", c)]

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"text": 5}, "text must be a string, got 5"),
            ({"text": "a", "dims": 0}, "dims must be an integer from 1 to 2\\*\\*30, got 0"),
            ({"text": "a", "seed": -1}, "seed must be an integer"),
            ({"text": "a", "dims": 2.0}, "dims must be an integer"),
            ({"text": "a", "bigrams": 1}, "bigrams must be True or False, got 1"),
        ],
    )
    def test_bad_arguments(self, kwargs: dict[str, object], message: str) -> None:
        with pytest.raises(ModelfolioError, match=message):
            featurize(**kwargs)  # type: ignore[arg-type]


def two_kinds(n: int = 200) -> tuple[Outcomes, dict[int, str]]:
    """Arithmetic items the small model gets right, proofs it gets wrong; big gets all."""
    texts = {
        k: (f"add {k} and {k + 1}" if k % 2 else f"prove lemma {k} about groups") for k in range(n)
    }
    table = Outcomes.from_columns(
        item=list(range(n)) * 2, model=["big"] * n + ["small"] * n,
        score=[1.0] * n + [1.0 if k % 2 else 0.0 for k in range(n)],
        cost=[0.01] * n + [0.001] * n,
    )  # fmt: skip
    return table, texts


class TestFit:
    @pytest.mark.parametrize("method", ["linear", "knn"])
    def test_learns_which_queries_the_small_model_fails(self, method: str) -> None:
        table, texts = two_kinds()
        # max_df=1: every word is searched (these toy queries share all their words).
        quality = fit_query_quality(table, texts, method=method, max_df=1.0)  # type: ignore[arg-type]
        easy = quality.predict("add 1000 and 1001")
        hard = quality.predict("prove lemma 1000 about groups")
        assert easy["small"] > 0.7 > 0.3 > hard["small"]
        assert hard["big"] > 0.7
        assert ("big", "small") == quality.models
        assert {"big": 0.01, "small": 0.001} == pytest.approx(dict(quality.cost_per_item))

    @settings(max_examples=60, deadline=None)
    @given(
        st.lists(st.sampled_from(["add", "prove", "lemma", "numbers", "groups", "1000", "the",
                                  "integration", "integral", "émigré", "x", "Don’t",
                                  "(a)", "naïve-x.y"]), max_size=40),
        st.sampled_from([1 << 18, 1000, 64, (1 << 21) + 3]),  # (the last beyond the list)
        st.booleans(),
    )  # fmt: skip
    def test_text_predictions_are_the_dot_product_of_the_documented_features(
        self, words: list[str], dims: int, bigrams: bool
    ) -> None:
        """The text path (word memo, weights packed into integers) gives what the spec
        gives: the weights of featurize's buckets times their values, plus the bias."""
        table, texts = two_kinds()
        for scores in (table, None):
            if scores is None:  # graded: least squares
                scores = Outcomes.from_columns(
                    item=list(range(200)) * 2, model=["big"] * 200 + ["small"] * 200,
                    score=[2.5 + 0.25 * (k % 3) for k in range(200)] + [float(k % 2) for k in range(200)],
                )  # fmt: skip
            quality = fit_query_quality(scores, texts, dims=dims, epochs=3, bigrams=bigrams)
            assert quality._binary == ((True, True) if scores is table else (False, True))
            text = " ".join(words)
            features = spec_buckets(text, dims, 0, bigrams) if words else {}
            for m, model in enumerate(quality.models):
                total = quality._bias[m] + math.fsum(
                    quality._rows[b][m] * v for b, v in features.items() if b in quality._rows
                )
                expected = 1 / (1 + math.exp(-total)) if quality._binary[m] else total
                assert quality.predict(text)[model] == pytest.approx(expected, rel=1e-9, abs=1e-9)

    @settings(max_examples=40, deadline=None)
    @given(
        st.lists(st.sampled_from(["add", "prove", "lemma", "the", "integration", "émigré"]),
                 max_size=20),
        st.frozensets(st.sampled_from(["easy", "hard", "new", "algebra"]), max_size=3),
        st.booleans(),
    )  # fmt: skip
    def test_text_and_tag_predictions_are_the_documented_dot_product(
        self, words: list[str], tags: frozenset[str], bigrams: bool
    ) -> None:
        """use_tags=True: the text's features and the tags' (each part of length 1) are
        scaled by sqrt(1/2) and dotted with the weights, plus the bias."""
        _, texts = two_kinds()
        table = Outcomes.from_columns(
            item=list(range(200)) * 2, model=["big"] * 200 + ["small"] * 200,
            score=[1.0] * 200 + [1.0 if k % 3 else 0.0 for k in range(200)],
            tags=[{"easy"} if k % 3 else {"hard"} for k in range(200)] * 2,
        )  # fmt: skip
        quality = fit_query_quality(table, texts, use_tags=True, epochs=3, bigrams=bigrams)
        text = " ".join(words)
        features = {
            k: v * math.sqrt(0.5)
            for k, v in (spec_buckets(text, 1 << 18, 0, bigrams) if words else {}).items()
        }
        start = zlib.crc32((0).to_bytes(4, "little"))
        for tag in tags:
            bucket = zlib.crc32(b"t" + tag.encode(), start) % (1 << 18)
            features[bucket] = features.get(bucket, 0.0) + math.sqrt(0.5 / len(tags))
        got = quality.predict(text, tags)
        for m, model in enumerate(quality.models):
            total = quality._bias[m] + math.fsum(
                quality._rows[b][m] * v for b, v in features.items() if b in quality._rows
            )
            assert got[model] == pytest.approx(1 / (1 + math.exp(-total)), rel=1e-9, abs=1e-9)

    @pytest.mark.parametrize("bigrams", [False, True])
    def test_bounded_memos_give_the_same_predictions(
        self, monkeypatch: pytest.MonkeyPatch, bigrams: bool
    ) -> None:
        """The word memos are emptied when full, separately; predictions do not change."""
        table, texts = two_kinds()
        prompts = [
            "add 7 and 8", "prove lemma 3 about groups", "add the lemma", "groups and numbers",
            "prove 7", "Émigré groups add", "x y z add prove", "prove add z y x",
        ]  # fmt: skip
        expected = [fit_query_quality(table, texts, bigrams=bigrams).predict(p) for p in prompts]
        monkeypatch.setattr(_Hasher, "_LIMIT", 6)  # fewer words than some prompts have
        quality = fit_query_quality(table, texts, bigrams=bigrams)
        got = []
        for p in prompts:
            quality._memo.clear()
            got.append(quality.predict(p))
            quality._hasher.remember(["unrelated", "words"] * 3)  # empties the word memo
        assert got == [pytest.approx(e, rel=1e-12) for e in expected]

    @pytest.mark.parametrize("method", ["linear", "knn"])
    def test_bigrams_tell_word_order(self, method: str) -> None:
        """The same words in another order: the same features and predictions without
        bigrams; with them, the predictor learns what the order says."""
        n = 200
        texts = {k: ("dog bites man" if k % 2 else "man bites dog") for k in range(n)}
        table = Outcomes.from_columns(
            item=range(n), model=["m"] * n, score=[1.0 if k % 2 else 0.0 for k in range(n)]
        )
        assert featurize("dog bites man") == featurize("man bites dog")
        assert featurize("dog bites man", bigrams=True) != featurize("man bites dog", bigrams=True)
        plain = fit_query_quality(table, texts, method=method, max_df=1.0)  # type: ignore[arg-type]
        assert plain.predict("dog bites man") == plain.predict("man bites dog")
        ordered = fit_query_quality(table, texts, method=method, max_df=1.0, bigrams=True)  # type: ignore[arg-type]
        assert repr(ordered).endswith("queries as texts, with bigrams)")
        bites, bitten = ordered.predict("dog bites man")["m"], ordered.predict("man bites dog")["m"]
        assert bites > 0.8 > 0.2 > bitten

    def test_deterministic_for_a_seed(self) -> None:
        table, texts = two_kinds()
        one = fit_query_quality(table, texts, seed=3).predict("add 5 and 8")
        two = fit_query_quality(table, texts, seed=3).predict("add 5 and 8")
        assert one == two

    def test_graded_scores_use_least_squares(self) -> None:
        n = 120
        texts = {k: ("long essay" if k % 2 else "short note") for k in range(n)}
        table = Outcomes.from_columns(
            item=range(n), model=["m"] * n, score=[8.0 if k % 2 else 3.0 for k in range(n)]
        )
        quality = fit_query_quality(table, texts, epochs=30)
        assert quality.predict("long essay")["m"] == pytest.approx(8.0, abs=0.5)
        assert quality.predict("short note")["m"] == pytest.approx(3.0, abs=0.5)

    @pytest.mark.parametrize("method", ["linear", "knn"])
    def test_vectors_dense_and_sparse(self, method: str) -> None:
        table, texts = two_kinds()
        dense = {k: [1.0, 0.0, 0.2] if k % 2 else [0.0, 1.0, 0.2] for k in texts}
        quality = fit_query_quality(table, dense, method=method)  # type: ignore[arg-type]
        assert quality.predict([1.0, 0.0, 0.2])["small"] > 0.7
        assert quality.predict({1: 1.0, 2: 0.2})["small"] < 0.3
        with pytest.raises(ModelfolioError, match="fitted on vectors"):
            quality.predict("add 1 and 2")

    @settings(max_examples=150, deadline=None)
    @example(  # a cosine of zero that rounds to 1e-17: no neighbour, the model's mean
        rows=[([0.0] * 5, {}), ([0.0] * 5, {}), ([-2.0, 3.0, 0.0, -1.0, 0.0], {90: 2.0})],
        query=[-1.0, -1.0, 0.0, -1.0, 0.0],
        query_extra={},
        k=1,
        as_lists=False,
    )
    @given(
        st.lists(
            st.tuples(
                st.lists(st.sampled_from([0.0, 0.0, 0.0, 1.0, -1.0, 0.5, 2.5, -2.0, 3.0, 0.75]),
                         min_size=5, max_size=5),
                st.sampled_from([{}, {}, {}, {40: 1.0}, {41: -0.5}, {90: 2.0}]),
            ),
            min_size=1, max_size=25,
        ),
        st.lists(st.sampled_from([0.0, 0.0, 1.0, -1.0, 0.5, 2.5, -0.25]), min_size=5, max_size=7),
        st.sampled_from([{}, {40: 0.5}, {90: -1.0}]),
        st.integers(1, 6),
        st.booleans(),
    )  # fmt: skip
    def test_knn_on_vectors_is_the_documented_vote(
        self,
        rows: list[tuple[list[float], dict[int, float]]],
        query: list[float],
        query_extra: dict[int, float],
        k: int,
        as_lists: bool,
    ) -> None:
        """knn on vectors (a dense block searched by dot products, other entries through
        an index): the k training queries of highest cosine similarity above zero (ties:
        the earlier one), their scores weighted by similarity; the model's mean when none
        is similar. The dense block is as wide as documented."""
        n = len(rows)
        vectors = [{i: v for i, v in enumerate(dense) if v} | extra for dense, extra in rows]
        asked = {i: v for i, v in enumerate(query) if v} | query_extra
        scores = [float(p % 3 == 0) for p in range(n)] + [0.25 * (p % 5) for p in range(n)]
        table = Outcomes.from_columns(
            item=list(range(n)) * 2, model=["a"] * n + ["b"] * n, score=scores
        )
        lists = as_lists and not query_extra and not any(extra for _, extra in rows)
        given = {p: (rows[p][0] if lists else vectors[p]) for p in range(n)}
        quality = fit_query_quality(table, given, method="knn", k=k)  # type: ignore[arg-type]

        def documented_width() -> int:
            for w in range(1 + max((i for v in vectors for i in v), default=-1), 0, -1):
                if (
                    2 * sum((w - 1) in v for v in vectors) >= n
                    and 2 * sum(i < w for v in vectors for i in v) >= w * n
                ):
                    return w
            return 0

        assert (len(quality._matrix[0]) if quality._matrix else 0) == documented_width()

        def unit(vector: dict[int, float]) -> dict[int, float]:
            norm = math.sqrt(math.fsum(x * x for x in vector.values()))
            return {i: x / norm for i, x in vector.items()} if norm else vector

        q = unit(asked)
        similar = sorted(
            (
                (math.fsum(x * q.get(i, 0.0) for i, x in unit(v).items()), -p)
                for p, v in enumerate(vectors)
            ),
            reverse=True,
        )
        similar = [pair for pair in similar if pair[0] > 1e-12]
        # a tie within rounding at the k-th place could go either way: not this test's business
        assume(len(similar) <= k or similar[k - 1][0] - similar[k][0] > 1e-9)
        nearest = similar[:k]
        if lists and len(query) != len(rows[0][0]):  # another embedding's length: refused
            with pytest.raises(
                ModelfolioError, match="fitted on vectors of length 5; got a vector of length"
            ):
                quality.predict(query)
            return
        got = quality.predict(query if lists else asked)
        for m, model in enumerate(("a", "b")):
            column = scores[m * n : (m + 1) * n]
            weight = math.fsum(s for s, _ in nearest)
            expected = (
                math.fsum(s * column[-p] for s, p in nearest) / weight
                if nearest
                else math.fsum(column) / n
            )
            assert got[model] == pytest.approx(expected, rel=1e-9, abs=1e-12)

    @settings(max_examples=60, deadline=None)
    @given(
        st.lists(st.lists(st.integers(1, 40).map(lambda x: (x - 20.5) / 10), min_size=8,
                          max_size=8), min_size=4, max_size=30),
        st.lists(st.frozensets(st.sampled_from(["algebra", "law", "art"]), max_size=2),
                 min_size=30, max_size=30),
        st.integers(1, 5),
    )  # fmt: skip
    def test_knn_on_embeddings_with_tags_searches_as_the_index_does(
        self, rows: list[list[float]], tags: list[frozenset[str]], k: int
    ) -> None:
        """Embeddings with tags as features: the dense block and the index for the tags'
        buckets give the neighbours an index of every entry gives."""
        n = len(rows)
        table = Outcomes.from_columns(
            item=range(n), model=["m"] * n, score=[float(p % 2) for p in range(n)],
            tags=tags[:n],
        )  # fmt: skip
        queries = dict(enumerate(rows))
        quality = fit_query_quality(table, queries, method="knn", k=k, use_tags=True)
        assert quality._matrix
        assert len(quality._matrix[0]) == 8
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("modelfolio._learning.query._dense_width", lambda vectors: 0)
            indexed = fit_query_quality(table, queries, method="knn", k=k, use_tags=True)
        assert not indexed._matrix
        for p in range(n):
            for asked_tags in (tags[p], frozenset({"law"}), frozenset()):
                got = quality.predict(rows[p], asked_tags)["m"]
                assert got == pytest.approx(indexed.predict(rows[p], asked_tags)["m"], abs=1e-12)

    def test_tags_as_features(self) -> None:
        # The text says nothing; the tag says everything.
        n = 100
        table = Outcomes.from_columns(
            item=list(range(n)) * 2, model=["big"] * n + ["small"] * n,
            score=[1.0] * n + [1.0 if k % 2 else 0.0 for k in range(n)],
            tags=[{"easy"} if k % 2 else {"hard"} for k in range(n)] * 2,
        )  # fmt: skip
        texts = dict.fromkeys(range(n), "a question")
        quality = fit_query_quality(table, texts, use_tags=True)
        assert quality.predict("a question", {"easy"})["small"] > 0.7
        assert quality.predict("a question", {"hard"})["small"] < 0.3
        request = Request(input_tokens=10, output_tokens=10, query="a question", tags={"hard"})
        assert quality.predict(request)["small"] < 0.3

    def test_errors_name_the_problem(self) -> None:
        table, texts = two_kinds(10)
        with pytest.raises(ModelfolioError, match=r"no query for 1 item\(s\) of outcomes, e.g. 9"):
            fit_query_quality(table, {k: v for k, v in texts.items() if k != 9})
        with pytest.raises(ModelfolioError, match="all texts or all vectors"):
            fit_query_quality(table, {**texts, 3: [1.0]})
        with pytest.raises(ModelfolioError, match="method must be 'linear' or 'knn'"):
            fit_query_quality(table, texts, method="mlp")  # type: ignore[arg-type]
        with pytest.raises(ModelfolioError, match="k must be an integer from 1"):
            fit_query_quality(table, texts, method="knn", k=0)
        with pytest.raises(ModelfolioError, match=r"queries\[0\]: vector values must be finite"):
            fit_query_quality(table, {k: [math.nan] for k in texts})
        with pytest.raises(ModelfolioError, match="queries must map each item id"):
            fit_query_quality(table, ["a"])  # type: ignore[arg-type]
        with pytest.raises(ModelfolioError, match="bigrams must be True or False, got 'yes'"):
            fit_query_quality(table, texts, bigrams="yes")  # type: ignore[arg-type]
        with pytest.raises(ModelfolioError, match="use_tags must be True or False, got 1"):
            fit_query_quality(table, texts, use_tags=1)  # type: ignore[arg-type]
        quality = fit_query_quality(table, texts)
        with pytest.raises(ModelfolioError, match="the request has no query"):
            quality.predict(Request(input_tokens=1, output_tokens=1))
        with pytest.raises(ModelfolioError, match="model 'huge' is not predicted"):
            quality.gap("huge", "small")


class TestRouters:
    def setup_method(self) -> None:
        self.table, self.texts = two_kinds()
        self.quality: QueryQuality = fit_query_quality(self.table, self.texts)

    def test_quality_floor_and_best_within_read_the_query(self) -> None:
        floor = quality_floor(self.quality, 0.8)
        assert ("small",) == floor.choose("add 7 and 8", frozenset())
        assert ("big",) == floor.choose("prove lemma 7 about groups", frozenset())
        best = best_within(self.quality, 0.02)
        assert ("big",) == best.choose("prove lemma 7 about groups", frozenset())
        assert ("small",) == best_within(self.quality, 0.005).choose("x", frozenset())
        with pytest.raises(ModelfolioError, match="use='lower' needs a QualityTable"):
            quality_floor(self.quality, 0.8, use="lower")

    def test_simulate_with_queries_equals_choosing_by_hand(self) -> None:
        router = quality_floor(self.quality, 0.8)
        report = simulate(router, self.table, queries=self.texts)
        expected = {k: router.choose(self.texts[k], frozenset())[0] for k in self.texts}
        assert expected == dict(report.choices)
        assert 1.0 == report.quality  # small only where it is right
        assert report.shares["small"] == pytest.approx(0.5)
        with pytest.raises(ModelfolioError, match=r"no query for 1 replayed item\(s\), e.g. 0"):
            simulate(router, self.table, queries={k: v for k, v in self.texts.items() if k})
        curve = sweep(lambda f: quality_floor(self.quality, f), [0.0, 0.8, 1.01], self.table,
                      queries=self.texts)  # fmt: skip
        assert [0.5, 1.0, 1.0] == [round(p.quality, 6) for p in curve.points]

    def test_threshold_router_on_the_predicted_gap(self) -> None:
        router = threshold_router(self.quality, strong="big", weak="small", threshold=0.5)
        assert ("big",) == router.choose("prove lemma 3 about groups", frozenset())
        assert ("small",) == router.choose("add 3 and 4", frozenset())

    def test_the_same_router_routes_online_from_request_query(self) -> None:
        router = quality_floor(self.quality, 0.8)
        bridge = Bridge({"big": "claude-sonnet-4-5", "small": "gemini-2.5-flash-lite"})
        policy = learned_policy(router, bridge)
        catalog = reference_catalog()

        def chosen(query: str) -> str:
            request = Request(input_tokens=500, output_tokens=100, query=query)
            return route(request, catalog, policy, now=0.0).chosen.id

        assert "gemini/gemini-2.5-flash-lite" == chosen("add 9 and 10")
        assert "anthropic/claude-sonnet-4-5" == chosen("prove lemma 9 about groups")
        # Without a query the learned router says what is missing.
        with pytest.raises(ModelfolioError, match="the request has no query"):
            route(Request(input_tokens=500, output_tokens=100), catalog, policy, now=0.0)

    def test_request_query_is_checked(self) -> None:
        assert (1.0, 2.0) == Request(input_tokens=1, output_tokens=1, query=[1, 2]).query
        with pytest.raises(ModelfolioError, match="query: vector values must be finite"):
            Request(input_tokens=1, output_tokens=1, query=[math.inf])
        with pytest.raises(ModelfolioError, match="a query is a text, a sequence of floats"):
            Request(input_tokens=1, output_tokens=1, query=5)


@pytest.mark.parametrize("make", [lambda q: quality_floor(q, 0.9), lambda q: best_within(q, 1.0)])
def test_without_takes_any_collection_of_models(make: Any) -> None:
    """A generator of models to leave out is read once, not once per model."""
    table, texts = two_kinds(40)
    extra = Outcomes.from_columns(
        item=list(range(40)), model=["mid"] * 40, score=[1.0] * 40, cost=[0.005] * 40
    )
    quality = fit_query_quality(Outcomes.concat([table, extra]), texts, max_df=1.0)
    router = make(quality)
    for gone in (["mid"], (m for m in ["mid"]), "mid"):
        left = router.without(gone)
        assert "mid" not in left.models
        assert set(left.models) == {"big", "small"}
    with pytest.raises(ValidationError, match="needs at least one model left"):
        router.without(m for m in ["big", "mid", "small"])
