"""rank-bm25's BM25Okapi scores, exactly, from an inverted index.

The scoring model is ``rank_bm25.BM25Okapi`` and nothing else: its statistics (passage
lengths, their mean ``avgdl``, document frequencies), its idf (rank-bm25's own ``_calc_idf``
is called, negative-idf floor ``epsilon * average_idf`` included) and its ``k1``/``b``. What
changes is the evaluation. rank-bm25 keeps a dict of term counts per passage (most of its
memory) and, for every query term, walks all of them. Here the corpus becomes CSR postings,
built with numpy (one sort of ``term * n + passage`` over all tokens) and nothing else kept:

* ``_offsets[t] : _offsets[t + 1]`` delimits term ``t``'s postings;
* ``_weights`` holds each posting's whole contribution
  ``idf * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl)))``, computed elementwise in
  float64 with rank-bm25's operations in rank-bm25's order, so it is bitwise the value
  rank-bm25 adds for that passage;
* ``_keys`` holds ``tier * n + passage`` (int32, see below; ``tier`` is 0 for most terms).

rank-bm25 adds, for each query term in query order (a repeated term each time it occurs),
that contribution to every passage: zero for passages without the term, and adding zero
changes nothing. Adding the postings' weights in query order therefore reproduces its scores
bit for bit (:meth:`BM25Index.get_scores`) while touching only passages with a query term.

:meth:`BM25Index.top_k` returns the best ``k`` passages containing at least one query term,
by score then passage index. Queries with few postings are scored whole, as above. Frequent
terms would dominate the cost of the others, so their postings are split by weight into
*impact tiers* (a frequent term's top ~1%, ~3%, ~11%, ~25%, ~60%), each sorted by passage
and with its own maximum, and pruned exactly by :mod:`retrieval.index.maxscore`. Within a
term the weight is ``idf * saturation(tf, dl)``, so tiers are cut on saturation, from a
histogram, without sorting. The survivors (a superset of the top k) get exact scores (every
query term looked up, added in query order from 0.0, as rank-bm25 does) and are sorted by
(-score, passage) (:mod:`retrieval.index.topk`). The result is rank-bm25's, bit for bit.
Pruning is off when a query term has a negative weight (possible only when the average idf
is negative, in tiny corpora).
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
from rank_bm25 import BM25Okapi

from .maxscore import Scratch, Segments, candidates, exact_scores
from .topk import distinct_top, select_top

__all__ = ["BM25Params", "BM25Index", "pack_strings", "unpack_strings"]

_SMALL_QUERY = 12000
"""Up to this many postings (over the query's distinct terms), score them all: pruning's
bookkeeping would cost more than it saves."""

_TIER_MIN_POSTINGS = 4096
"""Terms with at least this many postings are split into impact tiers."""

_TIER_MIN_SIZE = 2000
"""... and a tier boundary needs at least this many postings above it (tiny tiers cost a
step each for little pruning): smaller frequent terms get fewer, larger tiers."""

_TIER_SHARES = (0.01, 0.04, 0.15, 0.40)
"""Tier boundaries, as cumulative shares of a term's postings by decreasing weight: tier 0
holds its top ~1%, tier 1 the next ~3%, then ~11%, ~25% and the remaining ~60%."""

_TIER_BINS = 512
"""Saturation histogram bins used to place the tier boundaries (the tiers are exact
partitions by weight; only their sizes are approximate)."""

_SORT_LIMIT = 2048
"""Candidate sets up to this size are sorted by passage, so that a term's postings can be
searched among them; larger ones are only searched in the postings (or scattered)."""

_BUILD_CHUNK = 1_000
"""Passages mapped to term ids per step (and between two progress reports). Mapping runs in
C without releasing the GIL; small steps let a build in a worker thread leave the event
loop of the Discord bot free (large steps stalled it; ``benchmarks/bench_service.py``
measures the loop's lag during a reload)."""


@dataclass(frozen=True)
class BM25Params:
    """BM25Okapi parameters; the defaults are rank-bm25's."""

    k1: float = 1.5
    b: float = 0.75
    epsilon: float = 0.25

    def __post_init__(self) -> None:
        # Outside these ranges rank-bm25 computes 0/0 (NaN) for passages lacking a term
        # (k1 = 0) or negative saturations; BM25 is not defined there.
        if not self.k1 > 0:
            raise ValueError(f"k1 must be > 0, got {self.k1}")
        if not 0 <= self.b <= 1:
            raise ValueError(f"b must be in [0, 1], got {self.b}")


class BM25Index:
    """Exact ``rank_bm25.BM25Okapi`` scores over CSR postings, with fast exact top-k.

    ``progress(done, total)`` is called with the number of passages read so far while the
    corpus is mapped to term ids, then once with ``(total, total)`` when the index is ready.
    An empty corpus raises :class:`ValueError` (BM25Okapi is undefined there: rank-bm25
    divides by zero). Passages may be empty; if all are, every score is 0 and ``top_k``
    returns ``[]`` (rank-bm25 itself cannot be built on such a corpus). One divergence:
    with ``b = 1``, rank-bm25 scores empty passages NaN (its 0 / 0 for a zero count over a
    zero length); here they score 0.0, like every passage lacking the query terms.

    Queries are safe from several threads (each thread gets its own scratch buffers).
    """

    def __init__(
        self,
        corpus_tokens: Sequence[Sequence[str]],
        params: BM25Params = BM25Params(),
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        n = len(corpus_tokens)
        if n == 0:
            raise ValueError("BM25Index needs at least one passage: BM25 is undefined on an empty corpus")
        self.params = params
        self._n = n
        self._local = threading.local()

        # 1. Term ids in first-occurrence order. rank-bm25 builds its document-frequency dict
        #    in that order, and its average idf (hence the negative-idf floor) is a float sum
        #    over that dict: the order matters for bitwise equality.
        vocab: defaultdict[str, int] = defaultdict()
        vocab.default_factory = vocab.__len__
        lookup = vocab.__getitem__
        lengths = np.fromiter(map(len, corpus_tokens), dtype=np.int64, count=n)
        total_tokens = int(lengths.sum())
        keys = np.empty(total_tokens, dtype=np.int64)
        pos = 0
        for start in range(0, n, _BUILD_CHUNK):
            chunk_lengths = lengths[start : start + _BUILD_CHUNK]
            size = int(chunk_lengths.sum())
            chunk = chain.from_iterable(corpus_tokens[start : start + _BUILD_CHUNK])
            ids = np.fromiter(map(lookup, chunk), dtype=np.int64, count=size)
            # term * n + passage, built chunk by chunk (see _BUILD_CHUNK).
            ids *= n
            ids += np.repeat(np.arange(start, start + len(chunk_lengths), dtype=np.int64), chunk_lengths)
            keys[pos : pos + size] = ids
            pos += size
            if progress is not None and start + _BUILD_CHUNK < n:
                progress(start + _BUILD_CHUNK, n)
        vocab.default_factory = None
        self._vocab: dict[str, int] = dict(vocab)
        del vocab, lookup
        n_terms = len(self._vocab)

        # 2. Postings: the distinct (term, passage) pairs and their counts, sorted by term
        #    then passage, from one sort of term * n + passage over all tokens.
        keys, tf = np.unique(keys, return_counts=True)
        term_of = keys // n
        keys -= term_of * n
        docs = keys.astype(np.int32)
        del keys
        df = np.bincount(term_of, minlength=n_terms)
        offsets = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(df, out=offsets[1:])
        self._df = df

        # 3. rank-bm25's statistics and idf, by rank-bm25's own code.
        self.avgdl: float = total_tokens / n  # int / int, as in rank-bm25: correctly rounded
        okapi = BM25Okapi.__new__(BM25Okapi)  # a shell: its per-passage dicts are never built
        okapi.k1, okapi.b, okapi.epsilon = params.k1, params.b, params.epsilon
        okapi.corpus_size = n
        okapi.avgdl = self.avgdl
        okapi.idf = {}
        self.average_idf: float | None = None
        if n_terms:
            okapi._calc_idf(dict(zip(self._vocab, df.tolist(), strict=True)))
            self.average_idf = okapi.average_idf
        self._idf = np.fromiter(okapi.idf.values(), dtype=np.float64, count=n_terms)
        del okapi

        # 4. Each posting's contribution, with rank-bm25's float64 operations in its order:
        #    idf * (q_freq * (k1 + 1) / (q_freq + k1 * (1 - b + b * doc_len / avgdl))).
        k1, b = params.k1, params.b
        if n_terms:
            norm = k1 * (1 - b + b * lengths / self.avgdl)  # per passage
            tf_f = tf.astype(np.float64)
            del tf
            saturation = tf_f * (k1 + 1)
            tf_f += norm[docs]
            saturation /= tf_f
            del tf_f, norm
            weights = self._idf[term_of] * saturation
        else:
            saturation = weights = np.zeros(0)

        # 5. Impact segments (see the module docstring).
        self._build_segments(offsets, docs, weights, term_of, saturation)
        del term_of, saturation
        self._has_negative = bool(n_terms) and bool(self._idf.min() < 0)
        if progress is not None:
            progress(n, n)

    def _build_segments(
        self,
        offsets: np.ndarray,
        docs: np.ndarray,
        weights: np.ndarray,
        term_of: np.ndarray,
        saturation: np.ndarray,
    ) -> None:
        """Split frequent terms' postings into impact tiers and store the postings.

        Within a term the weight is ``idf * saturation``, ``saturation`` depending on tf and
        passage length only, so ranking a term's postings by saturation ranks them by
        weight: tiers come from global cut points on saturation, with no per-term sort.
        Postings are stored by (term, tier, passage) as ``tier * n + passage`` (int32), which
        is ascending over a term's whole range: one binary search finds a passage in all
        of a term's tiers.
        """
        n = self._n
        n_terms = len(offsets) - 1
        df = np.diff(offsets)
        n_tiers = len(_TIER_SHARES) + 1
        if n_tiers * n >= 2**31:
            raise ValueError(f"BM25Index supports fewer than {2**31 // n_tiers} passages")
        tier = np.zeros(len(docs), dtype=np.int32)
        frequent = np.flatnonzero(df >= _TIER_MIN_POSTINGS)
        if len(frequent):
            # Per-term quantiles of saturation from a (term, saturation bin) histogram: bins
            # are global quantiles of saturation, numbered from the highest; a bin goes to
            # the tier whose share of the term's postings it starts in.
            rank = np.full(n_terms, -1, dtype=np.int64)
            rank[frequent] = np.arange(len(frequent))
            rank_of = rank[term_of]
            del rank
            frequent_posting = np.flatnonzero(rank_of >= 0)
            sat = saturation[frequent_posting]
            edges = np.unique(np.quantile(sat[::7], np.linspace(0, 1, _TIER_BINS + 1)[1:-1]))
            bin_desc = len(edges) - np.searchsorted(edges, sat, side="right")  # 0 = highest
            del sat
            hist_key = rank_of[frequent_posting] * (len(edges) + 1) + bin_desc
            del rank_of
            hist = np.bincount(hist_key, minlength=len(frequent) * (len(edges) + 1))
            hist = hist.reshape(len(frequent), len(edges) + 1)
            above = (np.cumsum(hist, axis=1) - hist) / df[frequent][:, None]
            shares = np.array(_TIER_SHARES)
            tier_of_bin = np.searchsorted(shares, above, side="right")
            # Boundaries leaving fewer than _TIER_MIN_SIZE postings above them are dropped:
            # the top tier absorbs the tiers above the first boundary kept.
            dropped = (shares[None, :] * df[frequent][:, None] < _TIER_MIN_SIZE).sum(axis=1)
            tier_of_bin = np.maximum(tier_of_bin - dropped[:, None], 0).astype(np.int32)
            tier[frequent_posting] = tier_of_bin.ravel()[hist_key]
            del hist_key, hist, above, tier_of_bin, bin_desc, frequent_posting
        seg_key = term_of * n_tiers + tier
        if len(seg_key) and np.any(seg_key[1:] < seg_key[:-1]):
            # Stable: postings sorted by (term, passage) become sorted by (term, tier, passage).
            perm = np.argsort(seg_key, kind="stable")
            seg_key = seg_key[perm]
            docs = docs[perm]
            tier = tier[perm]
            weights[:] = weights[perm]
            del perm
        docs += tier * np.int32(n)
        del tier
        seg_sizes = np.bincount(seg_key, minlength=n_terms * n_tiers)
        del seg_key
        nonempty = np.flatnonzero(seg_sizes)
        seg_end = np.cumsum(seg_sizes)[nonempty]
        seg_start = seg_end - seg_sizes[nonempty]
        seg_term = nonempty // n_tiers
        self._seg_start = seg_start
        self._seg_end = seg_end
        self._seg_shift = ((nonempty % n_tiers) * n).astype(np.int32)  # tier * n
        self._seg_max = (
            np.maximum.reduceat(weights, seg_start) if len(seg_start) else np.zeros(0)
        )  # segments are contiguous and cover all postings: reduceat reduces each exactly
        self._first_seg = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(np.bincount(seg_term, minlength=n_terms), out=self._first_seg[1:])
        self._tiered = df >= _TIER_MIN_POSTINGS
        self._offsets = offsets
        self._keys = docs
        self._weights = weights

    # ------------------------------------------------------------------ persistence

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The whole index as plain numpy arrays (no pickle), for :meth:`from_arrays`.

        A caller can save them (``numpy.savez``) and load the index back instead of
        building it again.
        """
        meta = {
            "n": self._n,
            "k1": self.params.k1,
            "b": self.params.b,
            "epsilon": self.params.epsilon,
            "avgdl": self.avgdl,
            "average_idf": self.average_idf,
            "has_negative": self._has_negative,
        }
        arrays = {f"bm25.{name}": getattr(self, f"_{name}") for name in _ARRAYS}
        arrays["bm25.vocab"] = pack_strings(self._vocab)  # dicts keep insertion (= id) order
        arrays["bm25.meta"] = pack_strings([json.dumps(meta)])
        return arrays

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> BM25Index:
        """Rebuild an index saved by :meth:`to_arrays`: the same scores, bit for bit.

        Raises :class:`ValueError` when the arrays are not a consistent index (a truncated
        or foreign file): a caller then builds the index from the corpus instead.
        """
        try:
            meta = json.loads(unpack_strings(arrays["bm25.meta"])[0])
            index = cls.__new__(cls)
            index.params = BM25Params(meta["k1"], meta["b"], meta["epsilon"])
            index._n = int(meta["n"])
            index.avgdl = float(meta["avgdl"])
            index.average_idf = None if meta["average_idf"] is None else float(meta["average_idf"])
            index._has_negative = bool(meta["has_negative"])
            for name in _ARRAYS:
                setattr(index, f"_{name}", np.asarray(arrays[f"bm25.{name}"]))
            terms = unpack_strings(arrays["bm25.vocab"])
            index._vocab = dict(zip(terms, range(len(terms)), strict=True))
            index._local = threading.local()
            index._check_consistent()
        except (KeyError, IndexError, TypeError, ValueError) as error:
            raise ValueError(f"not a saved BM25 index: {error}") from error
        return index

    def _check_consistent(self) -> None:
        """Cheap structural checks of a loaded index (sizes and ranges, not every value)."""
        n_terms = len(self._vocab)
        n_segs = len(self._seg_start)
        arrays = [getattr(self, f"_{name}") for name in _ARRAYS]
        if any(a.ndim != 1 for a in arrays) or not len(self._offsets) or not len(self._first_seg):
            raise ValueError("its arrays do not have the shapes of an index")
        problems = [
            len(self._vocab) != len(self._df) or len(self._idf) != n_terms or len(self._tiered) != n_terms,
            len(self._offsets) != n_terms + 1 or len(self._first_seg) != n_terms + 1,
            len(self._keys) != len(self._weights) or int(self._offsets[-1]) != len(self._keys),
            len(self._seg_end) != n_segs or len(self._seg_shift) != n_segs or len(self._seg_max) != n_segs,
            int(self._first_seg[-1]) != n_segs,
            n_segs > 0 and int(self._seg_end[-1]) != len(self._keys),
            self._n <= 0,
        ]
        if any(problems):
            raise ValueError("its arrays do not fit together")

    def __getstate__(self) -> dict[str, object]:
        state = self.__dict__.copy()
        del state["_local"]  # per-thread scratch buffers are not part of the index
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._local = threading.local()

    # ----------------------------------------------------------------------- vocabulary

    def __len__(self) -> int:
        return self._n

    def __contains__(self, term: object) -> bool:
        return term in self._vocab

    def doc_freq(self, term: str) -> int:
        """Number of passages containing ``term`` (0 if unknown)."""
        t = self._vocab.get(term)
        return 0 if t is None else int(self._df[t])

    def idf(self, term: str) -> float:
        """The idf BM25Okapi scores ``term`` with (the floor if its idf is negative); 0.0
        for an unknown term, which is what rank-bm25 uses for it."""
        t = self._vocab.get(term)
        return 0.0 if t is None else float(self._idf[t])

    @property
    def vocabulary_size(self) -> int:
        return len(self._vocab)

    @property
    def n_postings(self) -> int:
        return len(self._keys)

    def nbytes(self) -> int:
        """Bytes held by the index's numpy arrays (the vocabulary dict is not counted)."""
        arrays = (
            self._offsets,
            self._keys,
            self._weights,
            self._df,
            self._idf,
            self._tiered,
            self._seg_start,
            self._seg_end,
            self._seg_shift,
            self._seg_max,
            self._first_seg,
        )
        return sum(a.nbytes for a in arrays)

    # ---------------------------------------------------------------------------- scoring

    def _term_ids(self, query_tokens: Sequence[str]) -> list[int]:
        get = self._vocab.get
        return [t for t in map(get, query_tokens) if t is not None]

    def _docs_of(self, t: int) -> np.ndarray:
        """Passages of term ``t``'s postings (in storage order)."""
        d = self._keys[self._offsets[t] : self._offsets[t + 1]]
        return d % np.int32(self._n) if self._tiered[t] else d

    def get_scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """Scores of all passages, bitwise equal to ``BM25Okapi(corpus).get_scores(query)``."""
        scores = np.zeros(self._n)
        offsets, weights = self._offsets, self._weights
        for t in self._term_ids(query_tokens):
            # Passages are unique within a term: each gets this term's weight added once.
            scores[self._docs_of(t)] += weights[offsets[t] : offsets[t + 1]]
        return scores

    def top_k(self, query_tokens: Sequence[str], k: int) -> list[tuple[int, float]]:
        """The ``k`` best passages containing at least one query term, as ``(passage index,
        score)`` sorted by score descending then index ascending; ``[]`` for an empty query
        or one whose terms are all unknown. Scores are bitwise those of ``get_scores``."""
        if k <= 0:
            return []
        terms = self._term_ids(query_tokens)
        if not terms:
            return []
        counts: dict[int, int] = {}
        for t in terms:
            counts[t] = counts.get(t, 0) + 1
        offsets = self._offsets
        total = sum(int(offsets[t + 1] - offsets[t]) for t in counts)
        scratch = self._scratch()
        if total <= _SMALL_QUERY or total <= k or (self._has_negative and any(self._idf[t] < 0 for t in counts)):
            # Few postings: score them all. Negative weights (only when the average idf is
            # itself negative, in tiny corpora) would break the pruning bounds.
            cand, scores = self._score_all(terms, counts, k, scratch)
        else:
            segments = self._segments()
            cand = candidates(segments, counts, k, scratch)
            cand_sorted = len(cand) <= _SORT_LIMIT
            if cand_sorted:
                cand = np.sort(cand)
            scores = exact_scores(segments, cand, terms, cand_sorted, scratch)
        return select_top(cand, scores, k)

    def _scratch(self) -> Scratch:
        scratch: Scratch | None = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = Scratch(self._n)
        return scratch

    def _segments(self) -> Segments:
        """The tiered postings as :mod:`retrieval.index.maxscore` reads them."""
        return Segments(
            n=self._n,
            keys=self._keys,
            weights=self._weights,
            seg_start=self._seg_start,
            seg_end=self._seg_end,
            seg_shift=self._seg_shift,
            seg_max=self._seg_max,
            first_seg=self._first_seg,
        )

    def _score_all(
        self, terms: list[int], counts: dict[int, int], k: int, scratch: Scratch
    ) -> tuple[np.ndarray, np.ndarray]:
        """Passages that may be in the top ``k`` (all passages containing a query term
        reaching the k-th best score), with their exact scores: every posting of the query
        terms is added in query order, as in ``get_scores``."""
        offsets, weights = self._offsets, self._weights
        acc = scratch.acc
        term_docs = {t: self._docs_of(t) for t in counts}
        docs = np.concatenate(list(term_docs.values())) if len(term_docs) > 1 else term_docs[terms[0]]
        try:
            for t in terms:
                acc[term_docs[t]] += weights[offsets[t] : offsets[t + 1]]
            scores = acc[docs]
        finally:
            acc[docs] = 0.0
        return distinct_top(docs, scores, k, len(term_docs))


_ARRAYS = (
    "offsets",
    "keys",
    "weights",
    "df",
    "idf",
    "tiered",
    "seg_start",
    "seg_end",
    "seg_shift",
    "seg_max",
    "first_seg",
)
"""The numpy state of a :class:`BM25Index` (attribute names without the underscore)."""


_PACK_CHUNK = 20_000


def pack_strings(strings: Iterable[str]) -> np.ndarray:
    """Strings as one NUL-separated UTF-8 byte array (terms never contain NUL).

    Joined a slice at a time: one join of a large vocabulary is a single C call that holds
    the GIL throughout, and the snapshot of a reload is written while the bot's event loop
    runs.
    """
    items = list(strings)
    parts = [
        "\0".join(items[start : start + _PACK_CHUNK]).encode("utf-8") for start in range(0, len(items), _PACK_CHUNK)
    ]
    return np.frombuffer(b"\0".join(parts), dtype=np.uint8)


def unpack_strings(packed: np.ndarray) -> list[str]:
    if packed.dtype != np.uint8 or packed.ndim != 1:
        raise ValueError("a packed string array must be 1-D uint8")
    text = packed.tobytes().decode("utf-8")
    return text.split("\0") if text else []
