"""Per-query quality: predict each model's score for a query from its text or vector.

The tag routers of :mod:`modelfolio._learning.routers` send every query with the same tags to the
same model. A :class:`QueryQuality` predicts each model's score for *this* query, so
the same routers (``quality_floor``, ``best_within``, ``threshold_router``) decide per
query, offline in :func:`~modelfolio.simulate` and online in a
:func:`~modelfolio.learned_policy`.

Features. :func:`featurize` turns a text into sparse hashed features: the text is
lower-cased and split into words (maximal runs of Unicode letters, digits and ``_``);
the features are every word (unigram) and, for each word of five or more characters,
its first four and last four characters (prefix and suffix character 4-grams, which tie
``integrate``, ``integral`` and ``integration`` together). With ``bigrams=True``,
every pair of neighbouring words (bigram) is a feature too: some word order, for about
1.8 times the time per prediction; on RouteLLM's MMLU and GSM8K it routes about as well
(APGR +0.006 and -0.002; the figures are in the docs' "How much can routing save?"), so
it is off by default.
Each feature is hashed into one of ``dims`` buckets with CRC-32, started from the
CRC-32 of the seed's four little-endian bytes (so two seeds give two independent
hashings): a unigram is ``crc(b"w" + word) % dims``, a prefix ``crc(b"p" + first four)
% dims``, a suffix ``crc(b"s" + last four) % dims``, and a bigram ``(1_000_003 *
crc(b"b" + first) % 2**32 + crc(b"b" + second)) % dims`` (so a pair costs no hashing of
its own). Bucket values are counts, and the vector is scaled to length 1. CRC-32 of
UTF-8 bytes is the same on every machine, process and Python version, unlike
``hash()`` of a string.

Fitting. ``method="linear"``: one model per LLM over the features plus an intercept:
logistic regression (log loss) when every score is 0 or 1, else least squares, both
with an L2 penalty ``l2``; fitted by stochastic gradient descent, ``epochs`` passes over
the items in an order shuffled by ``seed``, with the step size ``1 / (l2 * (t + t0))``
of Bottou's schedule for L2-regularised problems. ``method="knn"``: the ``k`` training
queries most similar to the query (cosine similarity), each model's prediction the
similarity-weighted mean of their scores (the model's mean when no neighbour shares a
feature, or none has a similarity above 1e-12: a cosine that is zero but for rounding
does not make a neighbour). For texts, features are weighted by their inverse document frequency over
the training queries (``log((1 + n) / (1 + df)) + 1``) before the vectors are scaled
to length 1, and features in more than ``max_df`` of the training queries (and in more
than 20 of them) are left out of the neighbour search: words such as "the" would make
every query a neighbour of every other, and the search slow.

Queries given as vectors (a team's own embeddings, dense sequences of floats, or sparse
``{index: value}`` mappings) are used as given by ``linear`` and scaled to length 1 for
``knn``. knn searches the vectors' dense block (entries 0 to ``w - 1`` for the largest
``w`` such that entry ``w - 1`` is set in at least half the training vectors and the
block is at least half set, as embeddings are) by one dot product per training query,
and the other entries (sparse vectors, tags' buckets) through an index of them; both
give the same neighbours.
"""

from __future__ import annotations

import array
import heapq
import itertools
import math
import operator
import random
import re
import zlib
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Literal

from modelfolio._common.errors import ValidationError
from modelfolio._common.validate import sparse_vector
from modelfolio._evaluation.outcomes import Outcomes

__all__ = ["QueryQuality", "featurize", "fit_query_quality"]

_WORDS = re.compile(r"\w+")
_DEFAULT_DIMS = 1 << 18
# Feature kinds are told apart by a prefix byte before hashing.
_UNIGRAM, _BIGRAM, _PREFIX, _SUFFIX, _TAG = b"w", b"b", b"p", b"s", b"t"
_PAIR_MULTIPLIER = 1_000_003
_ZEROS = itertools.repeat(0.0)  # a missing entry of a vector


def _check_dims(dims: Any) -> int:
    if isinstance(dims, bool) or not isinstance(dims, int) or not 1 <= dims <= 1 << 30:
        raise ValidationError(f"dims must be an integer from 1 to 2**30, got {dims!r}")
    return dims


def _check_flag(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(f"{name} must be True or False, got {value!r}")
    return value


def _check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 1 << 32:
        raise ValidationError(f"seed must be an integer from 0 to 2**32 - 1, got {seed!r}")
    return seed


_ASCII_WORD = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789_")
# UTF-8 bytes of ASCII characters that are not part of a lower-case word become spaces;
# every other byte (letters, digits, ``_``, and the bytes of non-ASCII characters, all
# 0x80 and above) is kept. See _words.
_ASCII_SPACES = bytes(c if c in _ASCII_WORD or c >= 0x80 else 32 for c in range(256))


def _words(text: str) -> list[str]:
    """The lower-cased text's words: its maximal runs of ``\\w`` characters.

    The same words as ``re.findall(r"\\w+", text.lower())``, found faster: ASCII
    characters other than lower-case letters, digits and ``_`` (``\\w``'s ASCII
    members) become spaces, the text is split on whitespace (which ``\\w`` never
    matches), and only the pieces with non-ASCII characters are searched for runs of
    ``\\w``.
    """
    lower = text.lower()
    pieces = (
        lower.encode("utf-8", "surrogatepass")
        .translate(_ASCII_SPACES)
        .decode("utf-8", "surrogatepass")
        .split()
    )
    if not lower.isascii():
        others = list(
            itertools.compress(itertools.count(), map(operator.not_, map(str.isascii, pieces)))
        )
        for position in reversed(others):
            pieces[position : position + 1] = _WORDS.findall(pieces[position])
    return pieces


def _pair_buckets(firsts: Iterable[int], seconds: Iterable[int], dims: int) -> list[int]:
    """The bucket of each pair of neighbouring words, from the words' pair hashes as first
    and as second word (one per word, in order), at C speed."""
    return list(map(dims.__rmod__, map(operator.add, firsts, itertools.islice(seconds, 1, None))))


class _Hasher:
    """Buckets of a text's features, with each word's hashes memoised.

    The memo only saves work: a bucket is a pure function of the feature, ``dims`` and
    ``seed``. It is bounded, and cleared when full. For each word it holds, in three
    dictionaries cleared together: its own buckets: unigram, then prefix and suffix if
    any (``own``), and, with ``bigrams``, its pair hash as a first word (``first``) and
    as a second word (``second``), each reduced modulo ``dims`` (a pair's bucket is
    their sum modulo ``dims``, as the module notes define it, with smaller numbers).
    """

    __slots__ = ("bigrams", "dims", "first", "own", "second", "seed")

    _LIMIT = 200_000

    def __init__(self, dims: int, seed: int, bigrams: bool = False) -> None:
        self.dims, self.seed = dims, zlib.crc32(seed.to_bytes(4, "little"))
        self.bigrams = bigrams
        self.first: dict[str, int] = {}
        self.second: dict[str, int] = {}
        self.own: dict[str, tuple[int, ...]] = {}

    def _hash(self, kind: bytes, text: str) -> int:
        return zlib.crc32(kind + text.encode("utf-8"), self.seed)

    def _bucket(self, kind: bytes, text: str) -> int:
        return self._hash(kind, text) % self.dims

    def _learn(self, words: Iterable[str]) -> None:
        bucket, dims = self._bucket, self.dims
        for word in words:
            buckets: tuple[int, ...] = (bucket(_UNIGRAM, word),)
            if len(word) >= 5:
                buckets += (bucket(_PREFIX, word[:4]), bucket(_SUFFIX, word[-4:]))
            self.own[word] = buckets
            if self.bigrams:
                second = self._hash(_BIGRAM, word)
                self.first[word] = second * _PAIR_MULTIPLIER % 4294967296 % dims
                self.second[word] = second % dims

    def words(self, text: str) -> list[str]:
        """The text's words, each one's hashes memoised (new words hashed here)."""
        words = _words(text)
        if None in map(self.own.get, words):
            self.remember(words)
        return words

    def remember(self, words: list[str]) -> None:
        """Hash and memoise those of ``words`` not yet memoised."""
        own = self.own
        new = set(words).difference(own)
        if len(own) + len(new) > self._LIMIT:  # full: start again with these words
            for memo in (self.first, self.second, own):
                memo.clear()
            new = set(words)
        self._learn(sorted(new))

    def pairs(self, words: list[str]) -> list[int]:
        """The bucket of each pair of neighbouring (memoised) words, at C speed (with
        ``bigrams`` only: the pair hashes are memoised then)."""
        return _pair_buckets(
            map(self.first.__getitem__, words), map(self.second.__getitem__, words), self.dims
        )

    def word_buckets(self, words: list[str]) -> Iterable[int]:
        """Every (memoised) word occurrence's own buckets, one after another."""
        return itertools.chain.from_iterable(map(self.own.__getitem__, words))

    def buckets(self, text: str) -> list[int]:
        """Every feature occurrence's bucket (a bucket repeats as often as it occurs)."""
        words = self.words(text)
        buckets = list(self.word_buckets(words))
        if self.bigrams:
            buckets += self.pairs(words)
        return buckets


def _normalised(counts: Mapping[int, float]) -> dict[int, float]:
    """``counts`` scaled to length 1, in key order, without zeros (at C speed)."""
    values = counts.values()
    norm = math.sqrt(math.fsum(map(operator.mul, values, values)))
    if norm == 0:
        return {}
    keys = sorted(counts)
    if not all(values):
        keys = [key for key in keys if counts[key]]
    return dict(zip(keys, map(norm.__rtruediv__, map(counts.__getitem__, keys)), strict=True))


def featurize(
    text: str, *, dims: int = _DEFAULT_DIMS, seed: int = 0, bigrams: bool = False
) -> Mapping[int, float]:
    """Sparse hashed features of ``text``: ``{bucket: value}``, of length 1 (or empty).

    Word unigrams and the 4-character prefix and suffix of words of five characters or
    more (with ``bigrams=True``, pairs of neighbouring words too), lower-cased, hashed
    by seeded CRC-32 into ``dims`` buckets (see the module notes). The same text gives
    the same features everywhere.

    Examples:
        >>> features = featurize("What is 7 times 6?")  # 5 words, 1 prefix and suffix
        >>> len(features), round(sum(v * v for v in features.values()), 12)
        (7, 1.0)
        >>> len(featurize("What is 7 times 6?", bigrams=True))  # and 4 pairs of words
        11
        >>> len(featurize("What is 7 times 6?", dims=16))  # one collision in 16 buckets
        6
        >>> featurize("", dims=64)
        {}
    """
    if not isinstance(text, str):
        raise ValidationError(f"text must be a string, got {text!r}")
    hasher = _Hasher(_check_dims(dims), _check_seed(seed), _check_flag(bigrams, "bigrams"))
    return _normalised(Counter(hasher.buckets(text)))


# ------------------------------------------------------------------------------------
# Queries as vectors


def _kind(query: Any) -> str:
    return "text" if isinstance(query, str) else "vector"


# ------------------------------------------------------------------------------------
# The predictor


# Cosine similarities at most this are zero but for rounding (unit vectors' dot products
# are exact to a few units in the last place): such a query is no neighbour.
_SIMILAR = 1e-12


class QueryQuality:
    """Each model's predicted score for a query, fitted by :func:`fit_query_quality`.

    ``predict(query)`` takes what the fit took: a text (featurised here) or a vector.
    Online, a :class:`~modelfolio.Request` with a ``query`` is accepted too.

    Examples:
        >>> table = Outcomes.from_columns(
        ...     item=["a", "b", "c", "d"] * 2, model=["big"] * 4 + ["small"] * 4,
        ...     score=[1, 1, 1, 1, 1, 0, 1, 0], cost=[0.01] * 4 + [0.001] * 4)
        >>> texts = {"a": "add two numbers", "b": "prove the theorem", "c": "add three numbers",
        ...          "d": "prove the lemma"}
        >>> quality = fit_query_quality(table, texts, method="knn", k=1)
        >>> {m: round(p, 2) for m, p in quality.predict("add four numbers").items()}
        {'big': 1.0, 'small': 1.0}
        >>> {m: round(p, 2) for m, p in quality.predict("prove this lemma").items()}
        {'big': 1.0, 'small': 0.0}
    """

    __slots__ = (
        "_bias",
        "_binary",
        "_dense",
        "_hasher",
        "_idf",
        "_index",
        "_k",
        "_kind",
        "_length",
        "_matrix",
        "_means",
        "_memo",
        "_neighbours",
        "_packed",
        "_rows",
        "_scale",
        "_use_tags",
        "_word_rows",
        "cost_per_item",
        "dims",
        "method",
        "models",
        "seed",
    )

    models: tuple[str, ...]
    """The models predicted, sorted."""
    cost_per_item: Mapping[str, float]
    """Each model's mean logged cost per item (for the routers)."""
    method: str
    """``"linear"`` or ``"knn"``."""

    def __init__(
        self,
        *,
        models: tuple[str, ...],
        cost_per_item: Mapping[str, float],
        method: str,
        kind: str,
        dims: int,
        seed: int,
        binary: tuple[bool, ...],
        means: tuple[float, ...],
        rows: Mapping[int, tuple[float, ...]] | None = None,
        bias: tuple[float, ...] = (),
        neighbours: Sequence[tuple[float, ...]] = (),
        index: Mapping[int, list[tuple[int, float]]] | None = None,
        matrix: Sequence[array.array[float]] = (),
        k: int = 0,
        use_tags: bool = False,
        idf: Mapping[int, float] | None = None,
        hasher: _Hasher | None = None,
        length: int | None = None,
    ) -> None:
        self.models = models
        self._length = length  # the fit's dense vectors' length, if it had any
        self.cost_per_item = MappingProxyType(dict(cost_per_item))
        self.method = method
        self._kind = kind
        self.dims, self.seed = dims, seed
        # The fit's hasher: the training vocabulary's hashes are already memoised.
        self._hasher = hasher if hasher is not None else _Hasher(dims, seed)
        self._binary = binary
        self._means = means
        self._rows = rows or {}
        self._bias = bias
        self._neighbours = neighbours
        self._index = index or {}
        self._matrix = matrix
        self._k = k
        self._use_tags = use_tags
        self._idf = idf
        self._derive()

    # What the fitted weights determine (rebuilt after unpickling, not saved).
    _DERIVED = ("_dense", "_memo", "_packed", "_scale", "_word_rows")

    def _derive(self) -> None:
        largest = max((abs(w) for row in self._rows.values() for w in row), default=1.0)
        self._scale = _LANE_FRACTION - max(0, math.frexp(largest)[1] - 10)
        # each bucket's weights packed into one integer (see _pack), and each word's own
        # features' packed weights summed (a bounded memo)
        self._packed = {b: _pack(row, self._scale) for b, row in self._rows.items()}
        # and, with bigrams, when dims allows, in a list indexed by bucket (a prompt's
        # pairs are read from it in one call)
        self._dense: list[int | None] | None = None
        bigrams = self._kind == "text" and self._hasher.bigrams
        if self._packed and bigrams and self.dims <= _DENSE_DIMS:
            self._dense = [None] * self.dims
            for bucket, packed in self._packed.items():
                self._dense[bucket] = packed
        self._word_rows: dict[str, tuple[Any, ...]] = {}
        if self._rows and self._kind == "text":  # a linear fit on texts: its vocabulary
            self._remember(list(self._hasher.own))
        # Predictions of recent texts: a sweep replays the same queries at every knob.
        self._memo: dict[tuple[str, frozenset[str]], list[float]] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__ if name not in self._DERIVED}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            setattr(self, name, value)
        self._derive()

    def __repr__(self) -> str:
        return (
            f"QueryQuality(method={self.method!r}, {len(self.models)} models, "
            f"queries as {self._kind}s"
            + (", with bigrams" if self._kind == "text" and self._hasher.bigrams else "")
            + (", with tags)" if self._use_tags else ")")
        )

    def _query_of(self, query: Any) -> Any:
        inner = getattr(query, "query", query) if not isinstance(query, (str, Mapping)) else query
        if inner is None:
            raise ValidationError(
                "the request has no query: give Request(query=...) the text or vector to predict from"
            )
        if _kind(inner) != self._kind:
            raise ValidationError(
                f"this predictor was fitted on {self._kind}s; got {type(inner).__name__} {inner!r:.60}"
            )
        length = self._length
        if (
            length is not None
            and not isinstance(inner, (str, Mapping))
            and hasattr(inner, "__len__")
            and len(inner) != length
        ):
            raise ValidationError(
                f"this predictor was fitted on vectors of length {length}; got a vector of "
                f"length {len(inner)}"
            )
        return inner

    def predict(self, query: Any, tags: Iterable[str] = ()) -> Mapping[str, float]:
        """Each model's predicted score for ``query`` (a text, a vector, or a Request).

        ``tags`` are the query's tags (a Request's own by default), used when the
        predictor was fitted with ``use_tags=True``. Linear predictions of 0/1 scores are
        probabilities; of graded scores, numbers on the scores' scale; knn predictions
        are weighted means of observed scores.
        """
        tag_set = _tag_set(tags if tags else getattr(query, "tags", tags))
        inner = self._query_of(query)
        values = self._predict(inner, tag_set)
        if self._kind == "vector" and not all(map(math.isfinite, values)):
            raise ValidationError(
                f"the prediction overflowed: the query's entries are too large (largest "
                f"{max(map(abs, sparse_vector(inner, 'query').values()), default=0.0):g}); "
                "scale the vectors (to length 1, say)"
            )
        return dict(zip(self.models, values, strict=True))

    def quality(self, model: str, query: Any, tags: Iterable[str] = ()) -> float:
        """``model``'s predicted score for ``query``."""
        if model not in self.models:
            raise ValidationError(
                f"model {model!r} is not predicted (models: {', '.join(self.models)})"
            )
        return self.predict(query, tags)[model]

    def gap(self, strong: str, weak: str) -> Callable[..., float]:
        """A score for :func:`~modelfolio.threshold_router`: predicted ``strong`` minus ``weak``.

        The higher it is, the more the query needs the strong model. The function takes
        ``(query)`` or ``(query, tags)``; the threshold router hands it the tags.
        """
        for name in (strong, weak):
            if name not in self.models:
                raise ValidationError(
                    f"model {name!r} is not predicted (models: {', '.join(self.models)})"
                )
        return _Gap(self, self.models.index(strong), self.models.index(weak))

    def _features(self, query: Any, tags: frozenset[str]) -> dict[int, float]:
        if isinstance(query, str):
            features = _normalised(Counter(self._hasher.buckets(query)))
        else:
            vector = sparse_vector(query, "query")
            features = _normalised(vector) if self.method == "knn" else vector
        return _with_tags(features, tags, self._hasher) if self._use_tags else features

    def _predict(self, query: Any, tags: frozenset[str] = frozenset()) -> list[float]:
        if not self._use_tags:
            tags = frozenset()
        if isinstance(query, str):
            key = (query, tags)
            found = self._memo.get(key)
            if found is None:
                if len(self._memo) >= 100_000:
                    self._memo.clear()
                found = self._memo[key] = self._compute(query, tags)
            return found
        return self._compute(query, tags)

    def _compute(self, query: Any, tags: frozenset[str]) -> list[float]:
        if self.method == "linear":
            totals = self._linear_totals(query, tags)
            return [
                _sigmoid(t + b) if binary else t + b
                for t, b, binary in zip(totals, self._bias, self._binary, strict=True)
            ]
        return self._knn(self._features(query, tags))

    def _linear_totals(self, query: Any, tags: frozenset[str]) -> list[float]:
        rows = self._rows
        width = len(self.models)
        if not isinstance(query, str):
            totals = [0.0] * width
            for key, value in self._features(query, tags).items():
                row = rows.get(key)
                if row is not None:
                    for m in range(width):
                        totals[m] += row[m] * value
            return totals
        totals = self._text_totals(query)
        if self._use_tags:  # the dot product is linear: the text part, then the tags'
            totals = [total * _HALF for total in totals]
            for key, value in _tag_features(tags, self._hasher).items():
                row = rows.get(key)
                if row is not None:
                    for m in range(width):
                        totals[m] += row[m] * value
        return totals

    def _text_totals(self, query: str) -> list[float]:
        """The dot product of the text's features (of length 1) with each model's weights."""
        width = len(self.models)
        # Counts over length: sum each occurrence's weights, then scale. Every bucket's
        # weights are packed into one integer (see _pack), a word's own features'
        # (unigram, prefix, suffix) summed once per word, so the sums are exact and run
        # at C speed. One memo lookup per word gives its row (packed own weights, own
        # buckets, and with bigrams its pair hashes as first and second word); the rows
        # are turned into columns in one call, and each pair of words costs a few
        # integer operations.
        words = _words(query)
        if not words:
            return [0.0] * width
        memo = self._word_rows
        try:
            word_rows = list(map(memo.__getitem__, words))
        except KeyError:
            self._remember(words)
            word_rows = list(map(memo.__getitem__, words))
        summed: Iterable[int | None]
        if self._hasher.bigrams:
            found, owns, firsts, seconds = zip(*word_rows, strict=True)
            pairs = _pair_buckets(firsts, seconds, self.dims)
            counts = Counter(pairs)
            counts.update(itertools.chain.from_iterable(owns))
            # (absent buckets are dropped before the sum, below: most pairs have no weights)
            dense = self._dense
            if dense is not None and len(pairs) > 1:
                pair_weights: Iterable[int | None] = operator.itemgetter(*pairs)(dense)
            else:
                pair_weights = map(self._packed.get, pairs)
            summed = itertools.chain(found, pair_weights)
        else:
            found, owns = zip(*word_rows, strict=True)
            counts = Counter(itertools.chain.from_iterable(owns))
            summed = found
        norm = math.hypot(*counts.values())
        # (zeros are dropped first: a sum of big integers is slower per item than one of
        # small ones)
        total = sum(filter(None, summed))
        return [value / norm for value in _unpack(total, width, self._scale)]

    def _remember(self, words: Iterable[str]) -> None:
        """Memoise the row of each word: (packed summed weights of its own features, its
        own buckets), and with bigrams its pair hash as a first and as a second word."""
        hasher, memo, packed = self._hasher, self._word_rows, self._packed
        new = set(words).difference(memo)
        if len(memo) + len(new) > _Hasher._LIMIT:  # full: start again with these words
            memo.clear()
            new = set(words)
        hasher.remember(list(new))
        own = hasher.own
        if hasher.bigrams:
            first, second = hasher.first, hasher.second
            for word in new:
                buckets = own[word]
                found = sum(filter(None, map(packed.get, buckets)))
                memo[word] = (found, buckets, first[word], second[word])
        else:
            for word in new:
                buckets = own[word]
                memo[word] = (sum(filter(None, map(packed.get, buckets))), buckets)

    def _knn(self, features: Mapping[int, float]) -> list[float]:
        if self._idf is not None:  # the training queries' weighting; unseen features drop
            idf = self._idf
            features = {k: v * idf[k] for k, v in features.items() if k in idf}
        similarity: Iterable[tuple[int, float]]
        index = self._index
        if self._matrix:  # a dense block: one dot product per training query, at C speed
            width = len(self._matrix[0])
            query = list(map(features.get, range(width), _ZEROS))
            dots = [sum(map(operator.mul, row, query)) for row in self._matrix]
            for key, value in features.items():  # and the entries beyond the block
                if key >= width:
                    for position, weight in index.get(key, ()):
                        dots[position] += value * weight
            similarity = enumerate(dots)
        else:  # sparse: only the training queries that share a feature
            sums: dict[int, float] = {}
            for key, value in features.items():
                for position, weight in index.get(key, ()):
                    sums[position] = sums.get(position, 0.0) + value * weight
            similarity = sums.items()
        nearest = heapq.nlargest(
            self._k, ((s, -p) for p, s in similarity if s > _SIMILAR)
        )  # ties: the earlier training query
        predictions = []
        for m in range(len(self.models)):
            weight = total = 0.0
            for s, negative in nearest:
                score = self._neighbours[-negative][m]
                if score == score:  # NaN: no score of this model for that neighbour
                    weight += s
                    total += s * score
            predictions.append(total / weight if weight > 0 else self._means[m])
        return predictions


class _Gap:
    """Predicted strong minus weak score of a query: a threshold router's score."""

    takes_tags = True
    reads_queries = True  # replayed, it needs each item's query, not its id

    def __init__(self, quality: QueryQuality, strong: int, weak: int) -> None:
        self.quality, self.strong, self.weak = quality, strong, weak

    def __call__(self, query: Any, tags: Iterable[str] = ()) -> float:
        quality = self.quality
        tag_set = _tag_set(tags if tags else getattr(query, "tags", tags))
        values = quality._predict(quality._query_of(query), tag_set)
        return values[self.strong] - values[self.weak]


def _tag_set(tags: Any) -> frozenset[str]:
    if isinstance(tags, str):
        return frozenset((tags,))
    if not isinstance(tags, frozenset):
        if not isinstance(tags, Iterable) or isinstance(tags, (bytes, Mapping)):
            raise ValidationError(f"tags must be a tag or a collection of tags, got {tags!r:.80}")
        try:
            tags = frozenset(tags)
        except TypeError:
            raise ValidationError(f"tags must be strings, got {tags!r:.80}") from None
    for tag in tags:
        if not isinstance(tag, str):
            raise ValidationError(f"tags must be strings, got {tag!r:.80}")
    checked: frozenset[str] = tags
    return checked


_HALF = math.sqrt(0.5)  # the text part's and the tag part's share of a length-1 vector


def _tag_features(tags: frozenset[str], hasher: _Hasher) -> dict[int, float]:
    """The tags' features: each tag hashed like a word, the part of length sqrt(1/2)."""
    features: dict[int, float] = {}
    if tags:
        each = _HALF / math.sqrt(len(tags))
        for tag in sorted(tags):
            key = hasher._bucket(_TAG, tag)
            features[key] = features.get(key, 0.0) + each
    return features


def _with_tags(
    features: Mapping[int, float], tags: frozenset[str], hasher: _Hasher
) -> dict[int, float]:
    """Text features (length 1) and tag features (length 1), together scaled to length 1."""
    combined = {key: value * _HALF for key, value in features.items()}
    for key, value in _tag_features(tags, hasher).items():
        combined[key] = combined.get(key, 0.0) + value
    return combined


_LANE_BITS = 96
_DENSE_DIMS = 1 << 20  # up to this many buckets, packed weights are also kept in a list
_LANE_FRACTION = 40


def _pack(row: Sequence[float], scale: int) -> int:
    """``row`` as one integer: each weight rounded to a multiple of 2**-scale, in lanes.

    Weight ``m`` sits in bits ``96 m`` and up, as a signed integer (a negative lane
    borrows from the next one, which :func:`_unpack` gives back). A sum of packed rows
    is the packed sum of the rows, computed exactly at C speed. ``scale`` is 40 unless
    a weight is 1,024 or more, so a lane stays below 2**50 and a sum of 2**44 rows
    stays within its 96 bits.
    """
    packed = 0
    for weight in reversed(row):
        packed = (packed << _LANE_BITS) + round(math.ldexp(weight, scale))
    return packed


def _unpack(packed: int, width: int, scale: int) -> list[float]:
    """The ``width`` weights summed into ``packed`` (see :func:`_pack`)."""
    half, whole = 1 << (_LANE_BITS - 1), 1 << _LANE_BITS
    values = []
    for _ in range(width):
        lane = packed & (whole - 1)
        if lane >= half:
            lane -= whole
        values.append(math.ldexp(lane, -scale))
        packed = (packed - lane) >> _LANE_BITS
    return values


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


# ------------------------------------------------------------------------------------
# Fitting


def _number(value: Any, name: str, low: float, high: float, *, whole: bool = False) -> Any:
    kinds = (int,) if whole else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not (low <= value <= high):
        kind = "an integer" if whole else "a number"
        raise ValidationError(f"{name} must be {kind} from {low:g} to {high:g}, got {value!r}")
    return value


def fit_query_quality(
    outcomes: Outcomes,
    queries: Mapping[Hashable, Any],
    *,
    method: Literal["linear", "knn"] = "linear",
    seed: int = 0,
    dims: int = _DEFAULT_DIMS,
    l2: float = 1e-4,
    epochs: int = 8,
    k: int = 20,
    max_df: float = 0.1,
    use_tags: bool = False,
    bigrams: bool = False,
) -> QueryQuality:
    """Fit a per-query predictor of each model's score from ``outcomes``.

    ``queries`` maps each item id of ``outcomes`` to its query: a text (featurised with
    :func:`featurize`, with ``dims`` and ``seed``) or a vector (a dense sequence of
    floats, e.g. from an embedding API, or a sparse ``{index: value}`` mapping); all of
    one kind. ``method`` is ``"linear"`` (options ``l2``, ``epochs``) or ``"knn"``
    (options ``k``, ``max_df``); the module notes say exactly how each fits. The result
    is deterministic for a ``seed``. With ``use_tags=True`` each item's tags are
    features too (hashed like words; the text part and the tag part each of length 1,
    the whole scaled to length 1), so the predictor knows what a per-tag table knows
    and reads the text on top; predictions then take the query's tags. With
    ``bigrams=True`` texts have pairs of neighbouring words as features too (see
    :func:`featurize`); predictions then take about 1.8 times as long.

    Raises:
        ValidationError: an item without a query, queries of two kinds, a bad option.

    Examples:
        >>> table = Outcomes.from_columns(
        ...     item=[1, 2, 3, 4] * 2, model=["big"] * 4 + ["small"] * 4,
        ...     score=[1, 1, 1, 1, 1, 0, 1, 0], cost=[0.01] * 4 + [0.001] * 4)
        >>> quality = fit_query_quality(table, {1: "add 2 and 3", 2: "prove the theorem",
        ...                                     3: "add 5 and 8", 4: "prove the lemma"})
        >>> quality
        QueryQuality(method='linear', 2 models, queries as texts)
        >>> p = quality.predict("prove a theorem")
        >>> p["big"] > p["small"]
        True
    """
    if not isinstance(outcomes, Outcomes):
        raise ValidationError(f"outcomes must be an Outcomes table, got {outcomes!r}")
    if not isinstance(queries, Mapping):
        raise ValidationError(
            f"queries must map each item id to its text or vector, got {type(queries).__name__}"
        )
    if method not in ("linear", "knn"):
        raise ValidationError(f"method must be 'linear' or 'knn', got {method!r}")
    _check_seed(seed)
    _check_dims(dims)
    _number(l2, "l2", 1e-12, 1e3)
    _number(epochs, "epochs", 1, 1000, whole=True)
    _number(k, "k", 1, 1_000_000, whole=True)
    _number(max_df, "max_df", 1e-9, 1.0)
    if not len(outcomes):
        raise ValidationError("outcomes is empty: nothing to fit")
    items = list(range(len(outcomes.items)))
    ids = outcomes.items
    missing = [ids[i] for i in items if ids[i] not in queries]
    if missing:
        raise ValidationError(
            f"queries has no query for {len(missing)} item(s) of outcomes, e.g. {missing[0]!r}"
        )
    kinds = {_kind(queries[ids[i]]) for i in items}
    if len(kinds) > 1:
        raise ValidationError("queries must be all texts or all vectors, not a mix")
    (kind,) = kinds
    length = _dense_length(queries, [ids[i] for i in items]) if kind == "vector" else None
    models = outcomes.models
    width = len(models)
    # One row of scores per item (NaN where a model has no score for it).
    scores = [[math.nan] * width for _ in items]
    costs = [0.0] * width
    counted = [0] * width
    for row in range(len(outcomes)):
        m = outcomes.model[row]
        scores[outcomes.item[row]][m] = outcomes.score[row]
        costs[m] += outcomes.cost[row]
        counted[m] += 1
    cost_per_item = {models[m]: costs[m] / counted[m] if counted[m] else 0.0 for m in range(width)}
    binary = tuple(
        all(v in (0.0, 1.0) for row in scores if (v := row[m]) == v) for m in range(width)
    )
    means = tuple(
        math.fsum(vs) / len(vs) if (vs := [row[m] for row in scores if row[m] == row[m]]) else 0.0
        for m in range(width)
    )
    _check_flag(use_tags, "use_tags")
    _check_flag(bigrams, "bigrams")
    item_tags: list[frozenset[str]] = [frozenset()] * len(items)
    for row in range(len(outcomes)):
        item_tags[outcomes.item[row]] = outcomes.tag_sets[outcomes.tag_index[row]]
    hasher = _Hasher(dims, seed, bigrams)
    features: list[dict[int, float]] = []
    for i in items:
        query = queries[ids[i]]
        if kind == "text":
            vector = _normalised(Counter(hasher.buckets(query)))
        else:
            vector = sparse_vector(query, f"queries[{ids[i]!r}]")
            vector = _normalised(vector) if method == "knn" else vector
        features.append(_with_tags(vector, item_tags[i], hasher) if use_tags else vector)
    common: dict[str, Any] = {
        "models": models, "cost_per_item": cost_per_item, "kind": kind, "dims": dims,
        "seed": seed, "binary": binary, "means": means, "use_tags": use_tags,
        "hasher": hasher, "length": length,
    }  # fmt: skip
    if method == "knn":
        return _fit_knn(common, features, scores, k, max_df)
    return _fit_linear(common, features, scores, binary, means, l2, epochs, seed)


def _dense_length(queries: Mapping[Any, Any], ids: Sequence[Any]) -> int | None:
    """The one length of the dense vectors among ``queries`` (None when all are sparse).

    Vectors of different lengths come from different embedding models (or a truncated
    file): mixing them would fit, and predict, nonsense. (A sparse vector says nothing of
    its length, so it is not checked.)
    """
    length: int | None = None
    first: Any = None
    for item in ids:
        query = queries[item]
        if isinstance(query, Mapping) or not hasattr(query, "__len__"):
            continue
        if length is None:
            length, first = len(query), item
        elif len(query) != length:
            raise ValidationError(
                f"queries hold vectors of different lengths: {first!r} has {length}, "
                f"{item!r} has {len(query)}"
            )
    return length


def _fit_knn(
    common: dict[str, Any],
    features: list[dict[int, float]],
    scores: list[list[float]],
    k: int,
    max_df: float,
) -> QueryQuality:
    """The neighbour index: for texts, TF-IDF weighted and without the commonest features."""
    n = len(features)
    idf: dict[int, float] | None = None
    limit = math.inf
    if common["kind"] == "text":
        document_frequency = Counter(key for vector in features for key in vector)
        idf = {key: math.log((1 + n) / (1 + df)) + 1.0 for key, df in document_frequency.items()}
        limit = max(max_df * n, 20)
        features = [
            _normalised({key: value * idf[key] for key, value in vector.items()})
            for vector in features
        ]
    neighbours = [tuple(row) for row in scores]
    # Vectors with a dense block (as embeddings are: entries 0 to width - 1 at least half
    # set): a row of floats each for the block, searched by dot products (an index would
    # list every entry); the entries beyond it (tags' buckets, a team's sparse extras)
    # through the index.
    width = _dense_width(features) if common["kind"] == "vector" else 0
    matrix = [array.array("d", map(v.get, range(width), _ZEROS)) for v in features] if width else []
    index: dict[int, list[tuple[int, float]]] = {}
    for position, vector in enumerate(features):
        for key, value in vector.items():
            if key >= width and (idf is None or document_frequency[key] <= limit):
                index.setdefault(key, []).append((position, value))
    return QueryQuality(
        method="knn", neighbours=neighbours, index=index, matrix=matrix, k=k, idf=idf, **common
    )


def _dense_width(vectors: list[dict[int, float]]) -> int:
    """The width ``w`` of the vectors' dense block: the largest such that index ``w - 1``
    is set in at least half the vectors and the indices below ``w`` are at least half
    set; 0 when there is none."""
    n = len(vectors)
    counts = Counter(itertools.chain.from_iterable(vectors))
    keys = sorted(counts)
    filled = list(itertools.accumulate(map(counts.__getitem__, keys)))  # below each key, and it
    for place in reversed(range(len(keys))):
        key = keys[place]
        if 2 * counts[key] >= n and 2 * filled[place] >= (key + 1) * n:
            return key + 1
    return 0


def _fit_linear(
    common: dict[str, Any],
    features: list[dict[int, float]],
    scores: list[list[float]],
    binary: tuple[bool, ...],
    means: tuple[float, ...],
    l2: float,
    epochs: int,
    seed: int,
) -> QueryQuality:
    """SGD on the L2-regularised log loss (0/1 scores) or squared loss, one model per LLM.

    The weights of a model are ``scale * raw``: shrinking every weight by the penalty
    is one multiplication of ``scale``, so a step touches only the query's features.
    The intercept is not penalised and starts at the model's mean (its log-odds for
    0/1 scores).
    """
    width = len(means)
    rng = random.Random(seed)
    order = list(range(len(features)))
    raw: list[dict[int, float]] = [{} for _ in range(width)]
    scale = [1.0] * width
    bias = [
        math.log(max(mean, 1e-3) / max(1 - mean, 1e-3)) if binary[m] else mean
        for m, mean in enumerate(means)
    ]
    # Bottou's schedule: eta_t = 1 / (l2 * (t + t0)), t0 chosen so the first step is 0.5.
    t0 = 1.0 / (0.5 * l2)
    t = 0
    for _ in range(epochs):
        rng.shuffle(order)
        for position in order:
            vector = features[position]
            row = scores[position]
            eta = 1.0 / (l2 * (t + t0))
            t += 1
            keys, values = list(vector), list(vector.values())
            for m in range(width):
                target = row[m]
                if target != target:
                    continue
                weights = raw[m]
                total = scale[m] * sum(
                    map(float.__mul__, values, map(weights.get, keys, itertools.repeat(0.0)))
                )
                guess = _sigmoid(total + bias[m]) if binary[m] else total + bias[m]
                gradient = guess - target
                bias[m] -= eta * gradient * 0.1  # a slower intercept: it sees every item
                scale[m] *= 1.0 - eta * l2
                if scale[m] < 1e-9:  # fold the scale in before it underflows
                    factor = scale[m]
                    for key in weights:
                        weights[key] *= factor
                    scale[m] = 1.0
                step = eta * gradient / scale[m]
                for key, value in zip(keys, values, strict=True):
                    weights[key] = weights.get(key, 0.0) - step * value
    rows: dict[int, list[float]] = {}
    for m in range(width):
        for key, value in raw[m].items():
            rows.setdefault(key, [0.0] * width)[m] = value * scale[m]
    if not all(map(math.isfinite, bias)) or not all(
        math.isfinite(v) for values in rows.values() for v in values
    ):
        largest = max((abs(v) for vector in features for v in vector.values()), default=0.0)
        raise ValidationError(
            f"the linear fit overflowed: the queries' vector entries reach {largest:g}; scale "
            "the vectors (to length 1, say) or use method='knn'"
        )
    return QueryQuality(
        method="linear",
        rows={key: tuple(values) for key, values in rows.items()},
        bias=tuple(bias),
        **common,
    )
