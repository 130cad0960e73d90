"""An incremental BM25 index: rank-bm25's exact scores over segments that change a few
passages at a time.

Design: *global statistics at query time*, not precomputed weights. Every BM25Okapi weight
``idf(df, N) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))`` depends on the passage
count ``N`` and the mean length ``avgdl`` of the whole corpus, so adding or removing a
single passage changes every weight of every passage. A precomputed weight (what
:class:`~retrieval.index.bm25.BM25Index` stores) is therefore stale after any change, and
bitwise equality with rank-bm25 forbids reusing it: a design that merges segments and
precomputes weights would rewrite all postings on every update. Instead each segment keeps
what does not change, its postings' term frequencies and its passages' lengths, and the
query computes each posting's weight from the current ``N``, ``avgdl`` and document
frequencies with rank-bm25's float64 operations in rank-bm25's order. The query only pays
for the postings of its own terms, and an update only pays for the passages it touches.

* A *segment* (:class:`Segment`) is immutable: CSR postings (sorted global term ids,
  offsets, local passage, tf), its passages' *handles* (ascending) and lengths. Adding a
  batch of passages makes one new segment.
* A *handle* is a passage's stable id, given at :meth:`SegmentedBM25.add` in increasing
  order. The corpus rank-bm25 would see is the live passages in handle order: ``top_k``
  returns handles and breaks ties by handle, which is rank-bm25's tie order on that corpus.
  Changing a passage is removing it and adding the new text (a new handle, at the end).
* Removing passages sets *tombstones* (a per-segment ``alive`` mask, copied on write) and
  decrements the global document frequencies; removed passages are never scored. Finding
  the terms of a removed passage takes one vectorised pass over its segment's postings
  (postings are by term; a per-passage forward index would make removal proportional to
  the passages removed, at 4 bytes a posting, and is not kept).
* Global statistics (live ``N``, total live tokens, per-term live df) are kept up to date
  by each update, at a cost proportional to the passages it touches. rank-bm25's negative-
  idf floor ``epsilon * average_idf`` needs the idf of *every* term, summed in rank-bm25's
  order (first occurrence in the corpus); it is only computed, lazily and once per update
  generation, when a query has a term with a negative idf (df > N / 2). That is O(vocabulary)
  (rank-bm25's own Python loop); keeping the order across updates is a known next step.
* :meth:`SegmentedBM25.merge_step` merges one pair of adjacent segments (or rewrites one
  with many tombstones) and returns; a worker thread calls it until it returns ``False``.
  Segments stay sized like a binary counter (each at least twice the live size of the next
  newer one), so there are O(log N) of them and each passage is merged O(log N) times.
  Merging adjacent segments keeps every segment's handles ascending and contiguous in
  handle order, which the merge and the tie order rely on.

Readers never lock: all mutable state lives in one immutable :class:`_State` swapped
atomically by writers (who serialise on a lock), so a query sees one consistent version.

*Forks and corpus order.* :meth:`SegmentedBM25.fork` makes a second index over the same
segments, vocabulary and handle counter whose updates leave the original untouched (states
are immutable and shared): an engine derives the next corpus version from the live one while
questions are answered from the live one, and an abandoned version costs nothing. By default
the corpus order is handle order; :meth:`SegmentedBM25.set_order` sets another one (the
live handles in corpus order, e.g. passages sorted by article path, so that a passage added
late can sit in the middle): ``top_k`` then returns *corpus positions*, breaks ties by
position, and ``get_scores`` and the average idf follow that order, exactly as rank-bm25
would on the passages in that order.
"""

from __future__ import annotations

import itertools
import math
import secrets
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .bm25 import BM25Params
from .topk import distinct_top, select_top, top_indices

__all__ = ["Segment", "SegmentedBM25"]

_MERGE_RATIO = 2
"""Each segment is kept at least this many times the live size of the next newer one."""

_DEFAULT_PARAMS = BM25Params()
"""rank-bm25's defaults (a frozen value, shared)."""

_EXPUNGE_SHARE = 0.5
"""A segment with at least this share of tombstones is rewritten without them."""

_SMALL_QUERY = 12_000
"""Up to this many postings (over the query's distinct terms), score them all; above it,
``top_k`` first tries to prune the frequent terms (see :meth:`SegmentedBM25._top_k_pruned`)."""

_SEED_POSTINGS = 2_000
"""At most this many postings of the rarest terms give ``theta`` (the pruning threshold)."""

_ESSENTIAL_POSTINGS = 12_000
"""Pruning is given up when the essential terms hold more postings than this: probing every
other term's postings for that many candidates costs more than scoring them all."""

_BUILD_PASSAGES = 2_000
"""Passages whose tokens are placed per step when a segment is built (see _build_segment)."""

_POSTINGS_STEP = 250_000
"""Postings read per step by the whole-segment passes of an update (removal counts, the
first-occurrence order): each step a few milliseconds, so the GIL changes hands between."""

_BOUND_MARGIN = 1e-9
"""Relative margin on the weight bounds: they are computed in float64 like the weights, and
this covers any rounding difference between a bound and the sum it bounds."""


@dataclass(frozen=True, slots=True, eq=False)
class Segment:
    """Immutable postings of a batch of passages.

    ``terms`` (ascending global term ids) and ``offsets`` delimit each term's postings in
    ``docs`` (local passage index, ascending within a term), ``tf`` (count) and ``first``
    (token position of the term's first occurrence in the passage: rank-bm25's dictionary
    order, needed for its average idf). ``handles`` are ascending; ``lengths`` are the
    passages' token counts.
    """

    uid: int
    handles: np.ndarray
    lengths: np.ndarray
    terms: np.ndarray
    offsets: np.ndarray
    docs: np.ndarray
    tf: np.ndarray
    first: np.ndarray
    max_tf: np.ndarray = field(init=False, repr=False)
    """Per term, its largest tf here (with ``min_length``: an upper bound of its weights)."""
    min_length: np.ndarray = field(init=False, repr=False)
    """Per term, the shortest passage here holding it (removed passages included)."""

    def __post_init__(self) -> None:
        starts = self.offsets[:-1]
        has_terms = len(self.terms) > 0
        max_tf = np.maximum.reduceat(self.tf, starts) if has_terms else np.zeros(0, np.int32)
        min_length = np.minimum.reduceat(self.lengths[self.docs], starts) if has_terms else np.zeros(0, np.int64)
        object.__setattr__(self, "max_tf", max_tf)
        object.__setattr__(self, "min_length", min_length)

    @property
    def size(self) -> int:
        return len(self.handles)

    def rows(self, term: int) -> tuple[int, int] | None:
        """The posting range of global term id ``term`` in this segment, if any."""
        i = self.row(term)
        return None if i is None else (int(self.offsets[i]), int(self.offsets[i + 1]))

    def row(self, term: int) -> int | None:
        """The index of global term id ``term`` in ``terms``, if this segment holds it."""
        i = int(np.searchsorted(self.terms, term))
        return i if i < len(self.terms) and int(self.terms[i]) == term else None

    def term_of_postings(self) -> np.ndarray:
        """Each posting's global term id. Filled a slice of about :data:`_POSTINGS_STEP`
        postings at a time: one ``np.repeat`` over millions holds the GIL for tens of ms."""
        out = np.empty(len(self.docs), dtype=self.terms.dtype)
        counts = np.diff(self.offsets)
        for lo, hi in _term_slices(self.offsets):
            out[int(self.offsets[lo]) : int(self.offsets[hi])] = np.repeat(self.terms[lo:hi], counts[lo:hi])
        return out


class _Shared:
    """What the forks of one index share: the vocabulary (global term ids only grow), the
    handle and segment-id counters, and the writers' lock."""

    def __init__(self, lineage: str | None = None) -> None:
        self.lineage = lineage or secrets.token_hex(8)
        """Names this family of forks: segment ids are unique within it only."""
        self.vocab: dict[str, int] = {}
        self.lock = threading.Lock()
        self.next_handle = 0
        self.next_uid = 0


@dataclass(frozen=True, slots=True)
class _State:
    """One consistent version of the index (never mutated once published)."""

    segments: tuple[Segment, ...]
    alive: tuple[np.ndarray, ...]
    """Per segment, which of its passages are live."""
    live: tuple[int, ...]
    df: np.ndarray
    """Live document frequency per global term id (terms added later are absent: 0)."""
    n: int
    tokens: int
    generation: int
    positions: tuple[np.ndarray, ...] | None = None
    """Per segment, each local passage's corpus position (set by ``set_order``); ``None``:
    the corpus is in handle order."""


def _build_segment(uid: int, first_handle: int, passages: Sequence[Sequence[str]], vocab: dict[str, int]) -> Segment:
    """A segment of ``passages`` (handles from ``first_handle``), adding new terms to
    ``vocab`` in first-occurrence order, as rank-bm25 meets them."""
    m = len(passages)
    lengths = np.fromiter(map(len, passages), dtype=np.int64, count=m)
    total = int(lengths.sum())
    lookup = vocab.setdefault
    ids = np.fromiter(
        (lookup(t, len(vocab)) for t in itertools.chain.from_iterable(passages)), dtype=np.int64, count=total
    )
    # Each token's passage and position in it, a slice of passages at a time: np.repeat
    # holds the GIL, and over millions of tokens it stalled a service's event loop (60-80 ms).
    doc_of = np.empty(total, dtype=np.int64)
    pos = np.empty(total, dtype=np.int64)
    offsets = np.cumsum(lengths) - lengths
    for lo in range(0, m, _BUILD_PASSAGES):
        hi = min(m, lo + _BUILD_PASSAGES)
        a, b = int(offsets[lo]), int(offsets[hi - 1] + lengths[hi - 1])
        doc_of[a:b] = np.repeat(np.arange(lo, hi, dtype=np.int64), lengths[lo:hi])
        pos[a:b] = np.arange(b - a, dtype=np.int64) - np.repeat(offsets[lo:hi] - a, lengths[lo:hi])
    # One stable sort by (term, passage): tokens of a posting stay in text order, so the
    # first of each run is the term's first occurrence in the passage.
    key = ids * max(m, 1) + doc_of
    order = np.argsort(key, kind="stable")
    key = key[order]
    start = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1]))) if total else np.zeros(0, np.int64)
    tf = np.diff(np.append(start, total)).astype(np.int32)
    ukey = key[start]
    term_of = ukey // max(m, 1)
    terms, counts = np.unique(term_of, return_counts=True)
    offsets = np.zeros(len(terms) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return Segment(
        uid=uid,
        handles=np.arange(first_handle, first_handle + m, dtype=np.int64),
        lengths=lengths,
        terms=terms,
        offsets=offsets,
        docs=(ukey - term_of * max(m, 1)).astype(np.int32),
        tf=tf,
        first=pos[order][start].astype(np.int32),
    )


def _merge(uid: int, parts: Sequence[tuple[Segment, np.ndarray]]) -> Segment:
    """One segment holding the live passages of adjacent segments ``parts`` (older first)."""
    handles, lengths, term_of, docs, tf, first = [], [], [], [], [], []
    base = 0
    for seg, alive in parts:
        new_local = np.cumsum(alive) - 1 + base  # local index in the merged segment
        keep = alive[seg.docs]
        handles.append(seg.handles[alive])
        lengths.append(seg.lengths[alive])
        term_of.append(seg.term_of_postings()[keep])
        docs.append(new_local[seg.docs[keep]])
        tf.append(seg.tf[keep])
        first.append(seg.first[keep])
        base += int(alive.sum())
    all_terms = np.concatenate(term_of)
    # Stable: within a term, older segments' (smaller) local passages come first.
    order = np.argsort(all_terms, kind="stable")
    all_terms = all_terms[order]
    terms, counts = np.unique(all_terms, return_counts=True)
    offsets = np.zeros(len(terms) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return Segment(
        uid=uid,
        handles=np.concatenate(handles),
        lengths=np.concatenate(lengths),
        terms=terms,
        offsets=offsets,
        docs=np.concatenate(docs)[order].astype(np.int32),
        tf=np.concatenate(tf)[order],
        first=np.concatenate(first)[order],
    )


class SegmentedBM25:
    """Exact ``rank_bm25.BM25Okapi`` scores over a corpus that changes incrementally.

    Same query API as :class:`~retrieval.index.bm25.BM25Index` (``top_k``, ``get_scores``,
    ``doc_freq``, ``idf``, ``in``, ``len``), except that passages are named by *handles*
    (see the module docstring): ``top_k`` returns ``(handle, score)`` and ``get_scores``
    scores the live passages in handle order (:meth:`handles`), i.e. exactly the array
    ``BM25Okapi([live passages in handle order]).get_scores(query)``.
    """

    def __init__(self, corpus_tokens: Sequence[Sequence[str]] = (), params: BM25Params = _DEFAULT_PARAMS) -> None:
        self.params = params
        self._shared = _Shared()
        self._vocab = self._shared.vocab
        self._write = self._shared.lock
        self._state = _State((), (), (), np.zeros(0, dtype=np.int64), 0, 0, 0)
        self._floor_cache: tuple[int, float] | None = None
        self._local = threading.local()
        if len(corpus_tokens):
            self.add(corpus_tokens)

    def fork(self) -> SegmentedBM25:
        """An index with the same passages whose updates leave this one as it is (they share
        the immutable segments, the vocabulary and the handle counter)."""
        other = SegmentedBM25.__new__(SegmentedBM25)
        other.params = self.params
        other._shared, other._vocab, other._write = self._shared, self._vocab, self._write
        other._state = self._state
        other._floor_cache = self._floor_cache
        other._local = threading.local()
        return other

    @property
    def lineage(self) -> str:
        """The id of this index's family (it and its forks): segment ids and global term ids
        mean the same thing across a family only (:mod:`.segment_persist` reuses saved
        files of the same family)."""
        return self._shared.lineage

    @property
    def _next_handle(self) -> int:
        return self._shared.next_handle

    # ----------------------------------------------------------------------- updates

    def add(self, passages: Sequence[Sequence[str]]) -> range:
        """Add ``passages`` as one new segment; their handles (consecutive, ascending)."""
        with self._write:
            first = self._next_handle
            if not len(passages):
                return range(first, first)
            seg = _build_segment(self._new_uid(), first, passages, self._vocab)
            self._shared.next_handle += seg.size
            st = self._state
            df = np.zeros(len(self._vocab), dtype=np.int64)
            df[: len(st.df)] = st.df
            df[seg.terms] += np.diff(seg.offsets)
            self._publish(
                st.segments + (seg,),
                st.alive + (np.ones(seg.size, dtype=bool),),
                st.live + (seg.size,),
                df,
                st.n + seg.size,
                st.tokens + int(seg.lengths.sum()),
            )
            return range(first, first + seg.size)

    def remove(self, handles: Iterable[int]) -> int:
        """Tombstone the passages ``handles`` (unknown or already removed ones are
        ignored); how many were removed."""
        wanted = np.unique(np.fromiter(handles, dtype=np.int64))
        with self._write:
            st = self._state
            alive, live = list(st.alive), list(st.live)
            df, n, tokens, removed = st.df.copy(), st.n, st.tokens, 0
            for i, seg in enumerate(st.segments):
                local = self._locals(seg, wanted)
                local = local[alive[i][local]]
                if not len(local):
                    continue
                alive[i] = alive[i].copy()
                alive[i][local] = False
                live[i] -= len(local)
                n, tokens, removed = n - len(local), tokens - int(seg.lengths[local].sum()), removed + len(local)
                df -= _term_counts(seg, local, len(df))
            if removed:
                self._publish(st.segments, tuple(alive), tuple(live), df, n, tokens)
            return removed

    @staticmethod
    def _locals(seg: Segment, wanted: np.ndarray) -> np.ndarray:
        """Local indices in ``seg`` of the handles ``wanted`` (sorted) it holds."""
        if not seg.size or not len(wanted):
            return np.zeros(0, dtype=np.int64)
        lo, hi = np.searchsorted(wanted, [seg.handles[0], seg.handles[-1] + 1])
        cand = wanted[lo:hi]
        idx = np.minimum(np.searchsorted(seg.handles, cand), seg.size - 1)
        found: np.ndarray = idx[seg.handles[idx] == cand]  # numpy types fancy indexing as Any
        return found

    def merge_step(self) -> bool:
        """Do one merge (or expunge) if the segments need it; whether one was done.

        Adds and removes wait for it (a merge racing a remove could resurrect a passage);
        queries never do: they keep reading the state published before it. A merge result
        with no live passage is dropped.
        """
        with self._write:
            st = self._state
            pick = _pick_merge(st.live, [s.size for s in st.segments])
            if pick is None:
                return False
            lo, hi = pick
            merged = _merge(self._new_uid(), list(zip(st.segments[lo:hi], st.alive[lo:hi], strict=True)))
            keep = (merged,) if merged.size else ()
            positions = None
            if st.positions is not None:
                parts = zip(st.positions[lo:hi], st.alive[lo:hi], strict=True)
                kept = (np.concatenate([pos[alive] for pos, alive in parts]),) if keep else ()
                positions = st.positions[:lo] + kept + st.positions[hi:]
            self._publish(
                st.segments[:lo] + keep + st.segments[hi:],
                st.alive[:lo] + tuple(np.ones(s.size, dtype=bool) for s in keep) + st.alive[hi:],
                st.live[:lo] + tuple(s.size for s in keep) + st.live[hi:],
                st.df,
                st.n,
                st.tokens,
                statistics_changed=False,
                positions=positions,
            )
            return True

    def _new_uid(self) -> int:
        self._shared.next_uid += 1
        return self._shared.next_uid

    def set_order(self, handles: np.ndarray) -> None:
        """Make the corpus the live passages in the order of ``handles`` (each live handle
        once): ``top_k`` then returns positions in that order and ties go to the lower one.
        Any later add or remove restores handle order until the next call."""
        with self._write:
            st = self._state
            handles = np.asarray(handles, dtype=np.int64)
            rank = np.full(self._shared.next_handle, -1, dtype=np.int64)
            rank[handles] = np.arange(len(handles), dtype=np.int64)
            positions = tuple(rank[seg.handles] for seg in st.segments)
            if len(handles) != st.n or any(
                bool((pos[alive] < 0).any()) for pos, alive in zip(positions, st.alive, strict=True)
            ):
                raise ValueError("set_order needs every live handle exactly once")
            self._publish(st.segments, st.alive, st.live, st.df, st.n, st.tokens, positions=positions)

    def _publish(
        self,
        segments: tuple[Segment, ...],
        alive: tuple[np.ndarray, ...],
        live: tuple[int, ...],
        df: np.ndarray,
        n: int,
        tokens: int,
        statistics_changed: bool = True,
        positions: tuple[np.ndarray, ...] | None = None,
    ) -> None:
        generation = self._state.generation + (1 if statistics_changed else 0)
        self._state = _State(segments, alive, live, df, n, tokens, generation, positions)

    # ----------------------------------------------------------------------- vocabulary

    def __len__(self) -> int:
        return self._state.n

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and self.doc_freq(term) > 0

    def doc_freq(self, term: str) -> int:
        """Live passages containing ``term`` (0 if unknown or all removed)."""
        return _df(self._state, self._vocab.get(term))

    def idf(self, term: str) -> float:
        """The idf BM25Okapi scores ``term`` with on the current corpus (0.0 if absent)."""
        st = self._state
        df = _df(st, self._vocab.get(term))
        return self._idf(st, df) if df else 0.0

    def terms(self) -> list[str]:
        """The live terms (held by at least one live passage), by global id."""
        st = self._state
        vocabulary = list(self._vocab)[: len(st.df)]
        return [vocabulary[t] for t in np.flatnonzero(st.df > 0).tolist()]

    def handles(self) -> np.ndarray:
        """The live passages' handles, ascending: the corpus order ``get_scores`` uses."""
        st = self._state
        parts = [seg.handles[alive] for seg, alive in zip(st.segments, st.alive, strict=True)]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    @property
    def next_handle(self) -> int:
        """The handle the next added passage gets."""
        return self._next_handle

    @property
    def segment_count(self) -> int:
        return len(self._state.segments)

    @property
    def avgdl(self) -> float:
        st = self._state
        return st.tokens / st.n if st.n else 0.0

    def _idf(self, st: _State, df: int) -> float:
        """rank-bm25's idf for a term in ``df`` live passages, floored as it floors it."""
        idf = math.log(st.n - df + 0.5) - math.log(df + 0.5)
        return idf if idf >= 0 else self.params.epsilon * self._average_idf(st)

    def _average_idf(self, st: _State) -> float:
        """rank-bm25's ``average_idf`` on the live corpus, computed by rank-bm25's own code
        over the live terms in first-occurrence order; cached per generation."""
        cache = self._floor_cache
        if cache is not None and cache[0] == st.generation:
            return cache[1]
        order = _first_occurrence_order(st)
        value = _average_idf(st.n, st.df[order])
        self._floor_cache = (st.generation, value)
        return value

    def has_floored_terms(self) -> bool:
        """Whether some live term has a negative idf (df > N / 2), which rank-bm25 floors at
        ``epsilon * average_idf``: the first query with such a term computes that average."""
        st = self._state
        return bool((st.df * 2 > st.n).any())

    def warm(self) -> None:
        """Compute what the first query would otherwise compute (the average idf when some
        term is floored), so that a worker thread pays for it before readers arrive."""
        if self.has_floored_terms():
            self._average_idf(self._state)

    # ---------------------------------------------------------------------------- scoring

    def _query_terms(self, st: _State, query_tokens: Sequence[str]) -> list[tuple[int, float]]:
        """The query's live terms in query order (repeats kept), with their idf."""
        idfs: dict[int, float] = {}
        out = []
        get = self._vocab.get
        for token in query_tokens:
            t = get(token)
            df = _df(st, t)
            if t is None or not df:
                continue  # rank-bm25 adds 0 for a term no live passage holds
            if t not in idfs:
                idfs[t] = self._idf(st, df)
            out.append((t, idfs[t]))
        return out

    def _segment_contributions(
        self, st: _State, i: int, terms: list[tuple[int, float]]
    ) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """Per distinct query term, the live local passages of segment ``i`` holding it and
        the term's weight there, by rank-bm25's float64 operations in its order."""
        seg, alive = st.segments[i], st.alive[i]
        k1, b = self.params.k1, self.params.b
        avgdl = st.tokens / st.n
        out: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for t, idf in terms:
            if t in out:
                continue
            rows = seg.rows(t)
            if rows is None:
                continue
            docs, tf = seg.docs[rows[0] : rows[1]], seg.tf[rows[0] : rows[1]]
            if st.live[i] != seg.size:
                keep = alive[docs]
                docs, tf = docs[keep], tf[keep]
            if not len(docs):
                continue
            q_freq = tf.astype(np.float64)
            norm = k1 * (1 - b + b * seg.lengths[docs] / avgdl)
            out[t] = docs, idf * (q_freq * (k1 + 1) / (q_freq + norm))
        return out

    def get_scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """Scores of the live passages in handle order, bitwise equal to
        ``BM25Okapi(live corpus).get_scores(query)``."""
        st = self._state
        scores = np.zeros(st.n)
        if not st.n:
            return scores
        terms = self._query_terms(st, query_tokens)
        base = 0
        for i in range(len(st.segments)):
            if terms:
                position = _positions(st, i, base)  # local passage -> corpus position
                contributions = self._segment_contributions(st, i, terms)
                for t, _ in terms:
                    if t in contributions:
                        docs, weights = contributions[t]
                        scores[position[docs]] += weights
            base += st.live[i]
        return scores

    def top_k(self, query_tokens: Sequence[str], k: int) -> list[tuple[int, float]]:
        """The ``k`` best live passages containing a query term, as ``(handle, score)`` by
        score descending then handle ascending (after :meth:`set_order`: ``(corpus
        position, score)``, position ascending); scores bitwise those of ``get_scores``."""
        st = self._state
        if k <= 0 or not st.n:
            return []
        terms = self._query_terms(st, query_tokens)
        if not terms:
            return []
        pruned = self._top_k_pruned(st, terms, k)
        if pruned is not None:
            return pruned
        cands, scores = [], []
        for i, seg in enumerate(st.segments):
            contributions = self._segment_contributions(st, i, terms)
            if not contributions:
                continue
            acc = self._scratch(seg.size)  # all zero; local passages index it
            docs = np.concatenate([d for d, _ in contributions.values()])
            try:
                for t, _ in terms:
                    if t in contributions:
                        term_docs, weights = contributions[t]
                        acc[term_docs] += weights
                local_scores = acc[docs]
            finally:
                acc[docs] = 0.0
            if st.positions is not None:
                # Ties go to the lower corpus position: select on positions, not local ids.
                found, local_scores = distinct_top(st.positions[i][docs], local_scores, k, len(contributions))
            else:
                local, local_scores = distinct_top(docs, local_scores, k, len(contributions))
                found = seg.handles[local]
            cands.append(found)
            scores.append(local_scores)
        if not cands:
            return []
        return select_top(np.concatenate(cands), np.concatenate(scores), k)

    def _top_k_pruned(self, st: _State, terms: list[tuple[int, float]], k: int) -> list[tuple[int, float]] | None:
        """``top_k`` without reading every posting of the frequent terms, when that is exact
        (MaxScore); ``None`` when it cannot prune (the caller then scores every posting).

        1. ``theta``, a lower bound of the k-th best score: the exact scores of the passages
           of the rarest query terms (at least k passages).
        2. Each term's weights are bounded (its largest tf and shortest passage in each
           segment); the terms whose bounds, repeats counted, sum below ``theta`` are
           *non-essential*: a passage holding only those cannot reach the top k.
        3. The passages of the essential terms get exact scores (every query term looked up,
           weights added in query order from 0.0, as ``get_scores`` adds them); the best k
           of them are the answer, ties included.
        """
        dfs = {t: _df(st, t) for t, _ in terms}
        if sum(dfs.values()) <= _SMALL_QUERY or any(idf < 0 for _, idf in terms):
            return None
        rarest = sorted(dfs, key=lambda t: (dfs[t], t))
        seeds: set[int] = set()
        count = 0
        for t in rarest:
            seeds.add(t)
            count += dfs[t]
            if count >= k:
                break
        if count > _SEED_POSTINGS or count < k:
            return None
        avgdl = st.tokens / st.n
        seeded = self._scored(st, terms, seeds, avgdl)
        if seeded is None or len(seeded[1]) < k:
            return None
        theta = float(seeded[1][top_indices(seeded[1], k)].min())
        bounds = self._bounds(st, terms, avgdl)
        repeats = {t: sum(1 for u, _ in terms if u == t) for t in dfs}
        optional: set[int] = set()
        total = 0.0
        for t in sorted(dfs, key=lambda t: (bounds[t] * repeats[t], t)):
            total += bounds[t] * repeats[t]
            if not total * (1 + _BOUND_MARGIN) < theta:
                break
            optional.add(t)
        essential = set(dfs) - optional
        if not optional or sum(dfs[t] for t in essential) > _ESSENTIAL_POSTINGS:
            return None
        scored = self._scored(st, terms, essential, avgdl)
        if scored is None:
            return None
        return select_top(scored[0], scored[1], k)

    def _scored(
        self, st: _State, terms: list[tuple[int, float]], chosen: set[int], avgdl: float
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """Every live passage holding a ``chosen`` term, with its exact score."""
        found, scores = [], []
        for i in range(len(st.segments)):
            scored = self._score_candidates(st, i, terms, chosen, avgdl)
            if scored is not None:
                found.append(scored[0])
                scores.append(scored[1])
        if not found:
            return None
        return np.concatenate(found), np.concatenate(scores)

    def _bounds(self, st: _State, terms: list[tuple[int, float]], avgdl: float) -> dict[int, float]:
        """Per distinct query term, an upper bound of its weight in any passage."""
        k1, b = self.params.k1, self.params.b
        bounds: dict[int, float] = {}
        for t, idf in terms:
            if t in bounds:
                continue
            bound = 0.0
            for seg in st.segments:
                row = seg.row(t)
                if row is not None:
                    q_freq, length = float(seg.max_tf[row]), float(seg.min_length[row])
                    bound = max(bound, idf * (q_freq * (k1 + 1) / (q_freq + k1 * (1 - b + b * length / avgdl))))
            bounds[t] = bound
        return bounds

    def _score_candidates(
        self, st: _State, i: int, terms: list[tuple[int, float]], small: set[int], avgdl: float
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """The live passages of segment ``i`` holding a ``small`` term (as corpus positions,
        or handles in handle order) and their exact scores."""
        seg = st.segments[i]
        rows = {t: seg.rows(t) for t, _ in terms}
        parts = [seg.docs[r[0] : r[1]] for t, r in rows.items() if t in small and r is not None]
        if not parts:
            return None
        cand = np.unique(np.concatenate(parts))
        if st.live[i] != seg.size:
            cand = cand[st.alive[i][cand]]
        if not len(cand):
            return None
        score = np.zeros(len(cand))
        weights: dict[int, tuple[np.ndarray, np.ndarray] | None] = {}
        for t, idf in terms:  # in query order, repeats included, as get_scores adds them
            if t not in weights:
                weights[t] = self._weights_at(seg, rows[t], cand, idf, avgdl)
            hit = weights[t]
            if hit is not None:
                score[hit[0]] += hit[1]
        return (st.positions[i][cand] if st.positions is not None else seg.handles[cand]), score

    def _weights_at(
        self, seg: Segment, rows: tuple[int, int] | None, cand: np.ndarray, idf: float, avgdl: float
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """Which of the local passages ``cand`` (ascending) hold the term of posting range
        ``rows`` of ``seg``, and its weight in each, by rank-bm25's float64 operations."""
        if rows is None:
            return None
        docs = seg.docs[rows[0] : rows[1]]
        at = np.minimum(np.searchsorted(docs, cand), len(docs) - 1)
        hit = np.flatnonzero(docs[at] == cand)
        if not len(hit):
            return None
        k1, b = self.params.k1, self.params.b
        q_freq = seg.tf[rows[0] : rows[1]][at[hit]].astype(np.float64)
        norm = k1 * (1 - b + b * seg.lengths[cand[hit]] / avgdl)
        return hit, idf * (q_freq * (k1 + 1) / (q_freq + norm))

    def _scratch(self, size: int) -> np.ndarray:
        """This thread's zeroed accumulator, at least ``size`` long (a fresh array of the
        largest segment's size per query would cost a memset of the corpus)."""
        acc: np.ndarray | None = getattr(self._local, "acc", None)
        if acc is None or len(acc) < size:
            acc = self._local.acc = np.zeros(max(size, 1024))
        return acc

    # ------------------------------------------------------------------- persistence API

    def segments(self) -> list[tuple[Segment, np.ndarray]]:
        """The current segments with their ``alive`` masks (for :mod:`.segment_persist`)."""
        st = self._state
        return list(zip(st.segments, st.alive, strict=True))

    def vocabulary(self) -> list[str]:
        """Global terms by id."""
        return list(self._vocab)

    @classmethod
    def from_segments(
        cls,
        params: BM25Params,
        terms: Sequence[str],
        parts: Sequence[tuple[Segment, np.ndarray]],
        next_handle: int,
        lineage: str | None = None,
    ) -> SegmentedBM25:
        """An index of saved segments (global term ids into ``terms``) and alive masks."""
        index = cls(params=params)
        if lineage is not None:
            index._shared.lineage = lineage
        index._shared.vocab.update(zip(terms, range(len(terms)), strict=True))
        df = np.zeros(len(terms), dtype=np.int64)
        n = tokens = 0
        for seg, alive in parts:
            df += _term_counts(seg, np.flatnonzero(alive), len(terms))
            n += int(alive.sum())
            tokens += int(seg.lengths[alive].sum())
        index._shared.next_uid = max((seg.uid for seg, _ in parts), default=0)
        index._shared.next_handle = next_handle
        index._state = _State(
            tuple(s for s, _ in parts),
            tuple(a for _, a in parts),
            tuple(int(a.sum()) for _, a in parts),
            df,
            n,
            tokens,
            1,
        )
        return index


def _positions(st: _State, i: int, base: int) -> np.ndarray:
    """Corpus positions of segment ``i``'s local passages (removed ones: meaningless);
    ``base`` is the live passages of the segments before it (for handle order)."""
    if st.positions is not None:
        return st.positions[i]
    position: np.ndarray = np.cumsum(st.alive[i]) - 1 + base
    return position


def _df(st: _State, t: int | None) -> int:
    return 0 if t is None or t >= len(st.df) else int(st.df[t])


def _term_counts(seg: Segment, local: np.ndarray, n_terms: int) -> np.ndarray:
    """Per global term id, how many of the passages ``local`` of ``seg`` hold it.

    Read a slice of postings at a time: one gather over the millions of postings of a large
    segment is a C call that holds the GIL for tens of milliseconds (the event loop of a
    service derives its next engine in a worker thread meanwhile)."""
    mask = np.zeros(seg.size, dtype=bool)
    mask[local] = True
    counts = np.zeros(n_terms, dtype=np.int64)
    for start in range(0, len(seg.docs), _POSTINGS_STEP):
        hit = np.flatnonzero(mask[seg.docs[start : start + _POSTINGS_STEP]]) + start
        if len(hit):
            rows = np.searchsorted(seg.offsets, hit, side="right") - 1
            counts += np.bincount(seg.terms[rows], minlength=n_terms)[:n_terms]
    return counts


def _term_slices(offsets: np.ndarray) -> list[tuple[int, int]]:
    """Ranges of term rows ``[lo, hi)`` holding about :data:`_POSTINGS_STEP` postings each
    (a single term may hold more), covering every row of a CSR ``offsets``."""
    n_terms = len(offsets) - 1
    if n_terms <= 0:
        return []
    cuts = np.unique(np.searchsorted(offsets, np.arange(0, int(offsets[-1]), _POSTINGS_STEP)))
    cuts = np.append(cuts[cuts < n_terms], n_terms)
    if cuts[0] != 0:
        cuts = np.insert(cuts, 0, 0)
    return list(itertools.pairwise(cuts.tolist()))


def _average_idf(n: int, dfs: np.ndarray) -> float:
    """rank-bm25's ``average_idf`` for a corpus of ``n`` passages whose terms, in its
    dictionary order, have the document frequencies ``dfs``, bit for bit.

    rank-bm25 sums ``math.log(n - df + 0.5) - math.log(df + 0.5)`` term by term, in order,
    from 0. Each idf depends on ``df`` alone, so it is computed with ``math.log`` once per
    distinct df; ``cumsum`` then adds them in the same order, one float64 addition at a
    time (Python's float addition is IEEE's), and the division is the same.
    """
    if not len(dfs):
        return 0.0  # rank-bm25 divides by zero here; no term means no floored term either
    distinct, inverse = np.unique(dfs, return_inverse=True)
    idfs = np.array([math.log(n - df + 0.5) - math.log(df + 0.5) for df in distinct.tolist()])
    total = float(np.cumsum(idfs[inverse])[-1])
    return total / len(dfs)


def _first_occurrence_order(st: _State) -> np.ndarray:
    """Live term ids in the order rank-bm25 first meets them: by the first live passage
    (in handle order) holding them, then by position in that passage."""
    n_terms = len(st.df)
    best = np.full(n_terms, np.iinfo(np.int64).max, dtype=np.int64)
    base = 0
    never = np.iinfo(np.int64).max
    for i, (seg, alive) in enumerate(zip(st.segments, st.alive, strict=True)):
        position = _positions(st, i, base)
        base += st.live[i]
        if not len(seg.terms):
            continue
        # Positions fit in 32 bits (a passage of 2**32 tokens is not news). Removed
        # passages get the largest key instead of being filtered out, so each term's
        # postings stay one contiguous, non-empty CSR range: one reduceat takes the minima.
        # A slice of terms at a time (about _POSTINGS_STEP postings each): see _term_counts.
        for lo, hi in _term_slices(seg.offsets):
            start, end = int(seg.offsets[lo]), int(seg.offsets[hi])
            docs = seg.docs[start:end]
            key = (position[docs] << 32) | seg.first[start:end].astype(np.int64)
            key[~alive[docs]] = never
            terms = seg.terms[lo:hi]
            best[terms] = np.minimum(best[terms], np.minimum.reduceat(key, seg.offsets[lo:hi] - start))
    live = np.flatnonzero(st.df > 0)
    return live[np.argsort(best[live], kind="stable")]


def _pick_merge(live: Sequence[int], sizes: Sequence[int]) -> tuple[int, int] | None:
    """The segments ``[lo, hi)`` to merge next, or ``None``: a segment mostly tombstones
    is rewritten alone; otherwise the newest adjacent pair breaking the size ratio."""
    for i, (alive_count, size) in enumerate(zip(live, sizes, strict=True)):
        if size and (size - alive_count) >= _EXPUNGE_SHARE * size:
            return (i, i + 1)
    for i in range(len(live) - 1, 0, -1):
        if live[i - 1] < _MERGE_RATIO * live[i]:
            return (i - 1, i + 1)
    return None
