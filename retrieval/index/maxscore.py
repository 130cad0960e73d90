"""Exact top-k pruning over impact tiers, MaxScore style, and the lookups it is made of.

Frequent query terms would dominate the cost of scoring every passage that holds a query
term, so :func:`candidates` finds a superset of the top ``k`` without reading all of their
postings (:mod:`retrieval.index.bm25` builds the tiers and scores the candidates exactly):

* *Impact tiers.* The postings of a frequent term are split by weight into tiers, each
  sorted by passage and with its own maximum, and stored as ``tier * n + passage`` so that a
  term's whole range stays ascending: one binary search finds a passage in all its tiers.
  A term's tiers are its *segments*; an infrequent term has one.
* *Phase 1* (:func:`_read_tiers`). Whole tiers are read into a dense accumulator (the term
  whose next tier lowers the bound the most per posting first), tracking the best partial
  scores. A passage is in at most one tier of a term, so the sum over terms of the maxima of
  their next unread tier bounds what a passage not read yet can score. Once that sum is
  below ``theta``, the k-th best score seen (partial, or full for a few probed passages), no
  unread passage can enter the top k. A read passage survives (:func:`_survivors`) if its
  partial score, plus the next-tier maximum of every term it was not found in, can still
  reach ``theta``.
* *Phase 2* (:func:`_narrow`). While many survive, the unread tiers are looked up for the
  survivors only, one at a time, and the bounds tightened.

The hot paths call ndarray methods (``a.searchsorted``, ``a.partition``, ``m.nonzero()``)
rather than numpy's module functions: those are Python wrappers, and a pruned query makes
dozens of such calls on small arrays, where the wrapper is a visible share of the time.

Bounds compare float sums taken in different orders, so they carry a relative safety margin
(``_MARGIN``). Weights must be non-negative: the caller scores queries with a negative
weight without pruning.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .topk import top_indices

__all__ = ["Scratch", "Segments", "candidates", "exact_scores", "lookup"]

_MARGIN = 1e-9
"""Relative slack on score bounds. A float sum of m non-negative terms is within
``m * 2**-53`` (relative) of the real sum: this covers queries of up to ~10**6 terms."""

_MAX_SLOTS = 8
"""Query terms (distinct, in query order) whose presence is tracked per passage (one bit
each in a uint8: a small array, as memory traffic dominates on large corpora) to tighten its
bound; further terms are assumed possibly present (a looser, still valid bound)."""

_EXACT_LIMIT = 256
"""With at most this many candidates left, score them exactly rather than prune further."""

_PROBE = 4
_PROBE_FIRST = 3
_PROBE_GROWTH = 4
"""Phase 1 tracks the ``_PROBE * k`` best partial scores and, at steps 3, 12, 48, ... and
when it ends, computes their full scores to raise the k-th best score it prunes with."""


class Scratch:
    """Dense per-passage buffers, all zero between queries (one pair per thread)."""

    __slots__ = ("acc", "found")

    def __init__(self, n: int) -> None:
        self.acc = np.zeros(n)  # partial (or, for small queries, exact) scores
        self.found = np.zeros(n, dtype=np.uint8)  # bit i: passage found in query term i


@dataclass(frozen=True, slots=True)
class Segments:
    """The postings of an index as the pruning reads them (a view: no copies).

    Segment ``s`` is ``keys[seg_start[s] : seg_end[s]]`` (``tier * n + passage``, ascending)
    with ``weights`` alongside; ``seg_shift[s]`` is its ``tier * n``, ``seg_max[s]`` its
    largest weight; term ``t``'s segments are ``first_seg[t]`` to ``first_seg[t + 1] - 1``,
    in tier order (decreasing maxima).
    """

    n: int
    keys: np.ndarray
    weights: np.ndarray
    seg_start: np.ndarray
    seg_end: np.ndarray
    seg_shift: np.ndarray
    seg_max: np.ndarray
    first_seg: np.ndarray


def lookup(
    segments: Segments,
    seg_from: int,
    seg_to: int,
    cand: np.ndarray,
    cand_sorted: bool,
    scratch: Scratch,
    dense: bool = True,
) -> np.ndarray:
    """Weights at the passages ``cand`` (0.0 where absent) of segments ``seg_from`` to
    ``seg_to - 1``, consecutive segments of one term (a passage is in at most one).
    ``dense=False`` leaves the scratch accumulator alone."""
    lo, hi = int(segments.seg_start[seg_from]), int(segments.seg_end[seg_to - 1])
    size, m, n_segs = hi - lo, len(cand), seg_to - seg_from
    values = np.zeros(m)
    if m == 0 or size == 0:
        return values
    keys, weights = segments.keys[lo:hi], segments.weights[lo:hi]
    # Rough costs: search the candidates in the postings, the postings in the
    # candidates (needs them sorted), or scatter the postings densely.
    log_size, log_m = size.bit_length(), m.bit_length()
    cost_search = m * n_segs * log_size
    cost_reverse = size * (log_m + 2) if cand_sorted else np.inf
    cost_dense = 6 * size + m if dense else np.inf
    if cost_search <= min(cost_reverse, cost_dense):
        if n_segs == 1:
            shift = segments.seg_shift[seg_from]
            needles = cand + shift if shift else cand
        else:
            shifts = segments.seg_shift[seg_from:seg_to]
            needles = (shifts[:, None] + cand[None, :]).ravel()
        idx = keys.searchsorted(needles)
        np.minimum(idx, size - 1, out=idx)
        hit = (keys[idx] == needles).nonzero()[0]
        values[hit % m if n_segs > 1 else hit] = weights[idx[hit]]
        return values
    d = keys % np.int32(segments.n) if segments.seg_shift[seg_to - 1] else keys
    if cost_reverse <= cost_dense:
        idx = cand.searchsorted(d)
        np.minimum(idx, m - 1, out=idx)
        hit = cand[idx] == d
        values[idx[hit]] = weights[hit]
        return values
    acc = scratch.acc
    acc[d] = weights
    dense_values: np.ndarray = acc[cand]  # numpy types fancy indexing as Any
    acc[d] = 0.0
    return dense_values


def exact_scores(
    segments: Segments, cand: np.ndarray, terms: list[int], cand_sorted: bool, scratch: Scratch
) -> np.ndarray:
    """Exact scores of the passages ``cand``: each term's contribution looked up, added
    in query order (repeats included) from 0.0, as rank-bm25 does."""
    scores = np.zeros(len(cand))
    if len(cand) == 0:
        return scores
    first_seg = segments.first_seg
    contributions: dict[int, np.ndarray] = {}
    for t in terms:
        contribution = contributions.get(t)
        if contribution is None:
            contribution = lookup(segments, int(first_seg[t]), int(first_seg[t + 1]), cand, cand_sorted, scratch)
            contributions[t] = contribution
        scores += contribution  # 0.0 where the term is absent: no change
    return scores


@dataclass(slots=True)
class _Terms:
    """The query's distinct terms ("slots", in query order) and how far each has been read.

    A term's tiers are read in order (weights are >= 0 here, so its tier maxima decrease
    with the tier). ``unread[slot]`` is the bound of the term's next unread tier, the most
    its unread segments can add to a passage, since a passage is in at most one segment of a
    term. ``sum(unread)`` bounds what a passage not read yet can score, and a passage
    already found in a term's segment gets nothing more from that term.
    """

    mult: list[float]
    """How often the term occurs in the query (its contributions are added that often)."""
    segs: list[range]
    bounds: list[list[float]]
    """Per slot, the maximum weight of each tier times the term's multiplicity."""
    sizes: list[list[int]]
    read: list[int]
    unread: list[float]

    @classmethod
    def of(cls, segments: Segments, counts: dict[int, int]) -> _Terms:
        first_seg, seg_max = segments.first_seg, segments.seg_max
        mult = [float(c) for c in counts.values()]
        segs = [range(int(first_seg[t]), int(first_seg[t + 1])) for t in counts]
        bounds = [(seg_max[r.start : r.stop] * m).tolist() for r, m in zip(segs, mult, strict=True)]
        sizes = [(segments.seg_end[r.start : r.stop] - segments.seg_start[r.start : r.stop]).tolist() for r in segs]
        return cls(mult, segs, bounds, sizes, [0] * len(segs), [b[0] for b in bounds])

    def next_segment(self, slot: int) -> int:
        """Count the slot's next tier as read; its segment."""
        segment = self.segs[slot][self.read[slot]]
        self.read[slot] += 1
        i = self.read[slot]
        self.unread[slot] = self.bounds[slot][i] if i < len(self.bounds[slot]) else 0.0
        return segment

    def best_slot(self, survivors: int | None = None) -> int:
        """The term whose next tier lowers ``sum(unread)`` the most per unit of work, or -1
        when every tier is read. The work is the tier's size when it is read whole (phase
        1), or the cost of looking it up for ``survivors`` passages (phase 2)."""
        best, best_gain = -1, -1.0
        for slot, bounds in enumerate(self.bounds):
            i = self.read[slot]
            if i < len(bounds):
                after = bounds[i + 1] if i + 1 < len(bounds) else 0.0
                size = self.sizes[slot][i]
                work = size if survivors is None else min(survivors * size.bit_length(), 6 * size + survivors)
                gain = (bounds[i] - after) / work
                if gain > best_gain:
                    best, best_gain = slot, gain
        return best


def candidates(segments: Segments, counts: dict[int, int], k: int, scratch: Scratch) -> np.ndarray:
    """Passages that may be in the top ``k`` (a superset of it, in no particular order) for
    the query terms ``counts`` (term id → occurrences, in query order), by MaxScore over
    their impact tiers (see the module docstring). ``scratch`` is left all zero."""
    terms = _Terms.of(segments, counts)
    parts: list[np.ndarray] = []
    try:
        theta, exhausted = _read_tiers(segments, terms, k, scratch, parts)
        cand, partial, bits = _survivors(terms, parts, theta, scratch)
    finally:
        for d in parts:
            scratch.acc[d] = 0.0
            scratch.found[d] = 0
    if exhausted:
        return cand
    return _narrow(segments, terms, cand, partial, bits, theta, k, scratch)


def _read_tiers(
    segments: Segments, terms: _Terms, k: int, scratch: Scratch, parts: list[np.ndarray]
) -> tuple[float, bool]:
    """Phase 1: read whole segments into the dense accumulator until ``sum(unread)`` is below
    ``theta``, a lower bound on the k-th best score: passages not read cannot reach the top k.
    Appends each segment's passages to ``parts``; returns ``theta`` and whether every tier
    was read.

    ``theta`` is the k-th best partial score, or the k-th best full score of the best partial
    passages (probed now and then). The best partial passages after reading segment d are
    among those before it and the passages of d (partial scores only grow), which keeps them
    cheap to maintain.
    """
    acc = scratch.acc
    top = np.zeros(0, dtype=np.int32)
    keep_top = _PROBE * k  # the best partial passages so far, at most this many
    steps, next_probe = 0, _PROBE_FIRST
    theta = -np.inf
    while True:
        slot = terms.best_slot()
        if slot < 0:
            return theta, True
        d, values = _read_segment(segments, terms, slot, scratch)
        parts.append(d)
        top = _best_partials(d, values, top, acc, keep_top)
        if len(top) < k:
            continue
        values = acc[top]
        values.partition(len(values) - k)  # values is acc[top], a copy
        theta = max(theta, values[len(values) - k] * (1 - _MARGIN))
        steps += 1
        probed = steps == next_probe
        if probed:
            next_probe *= _PROBE_GROWTH
            theta = max(theta, _probe(segments, terms, top, k, scratch))
        if sum(terms.unread) * (1 + _MARGIN) < theta:
            if not probed:
                # Probe before choosing the survivors: the higher theta, the fewer.
                theta = max(theta, _probe(segments, terms, top, k, scratch))
            return theta, False


def _read_segment(segments: Segments, terms: _Terms, slot: int, scratch: Scratch) -> tuple[np.ndarray, np.ndarray]:
    """Add the slot's next tier into the accumulator; its passages and their new partial
    scores."""
    s = terms.next_segment(slot)
    lo, hi = int(segments.seg_start[s]), int(segments.seg_end[s])
    d = segments.keys[lo:hi]
    if segments.seg_shift[s]:
        d = d - segments.seg_shift[s]
    acc = scratch.acc
    values = acc[d]
    if terms.mult[slot] == 1.0:
        values += segments.weights[lo:hi]
    else:
        values += segments.weights[lo:hi] * terms.mult[slot]
    acc[d] = values  # passages are distinct within a segment
    if slot < _MAX_SLOTS:
        scratch.found[d] |= 1 << slot
    return d, values


def _best_partials(d: np.ndarray, values: np.ndarray, top: np.ndarray, acc: np.ndarray, keep_top: int) -> np.ndarray:
    """The ``keep_top`` best partial passages after reading the segment ``d`` (with partial
    scores ``values``), from those before it (``top``) and the passages of ``d``."""
    if len(top):
        where = d.searchsorted(top)
        np.minimum(where, len(d) - 1, out=where)
        others = top[d[where] != top]
        pool = np.concatenate((d, others))
        values = np.concatenate((values, acc[others]))
    else:
        pool = d
    if len(pool) <= keep_top:
        return pool  # few passages read so far: keep them all
    best: np.ndarray = pool[top_indices(values, keep_top)]  # numpy types fancy indexing as Any
    return best


def _probe(segments: Segments, terms: _Terms, passages: np.ndarray, k: int, scratch: Scratch) -> float:
    """The k-th best full score of these passages (a lower bound on the k-th best score,
    often far above the partial one, as unread terms count too)."""
    passages = passages.copy()
    passages.sort()
    full = np.zeros(len(passages))
    for segs, mult in zip(terms.segs, terms.mult, strict=True):
        v = lookup(segments, segs.start, segs.stop, passages, True, scratch, dense=False)
        full += v * mult if mult != 1.0 else v
    full.partition(len(full) - k)
    return float(full[len(full) - k]) * (1 - _MARGIN)


def _bound(partial: np.ndarray, bits: np.ndarray, unread: list[float]) -> np.ndarray:
    """Upper bound (with margin) on the final scores of passages with these partial scores
    and found-term bits: each term they were not found in may add at most its unread bound.
    A sum of non-negative terms, so no cancellation."""
    bound = partial.copy()
    for slot, most in enumerate(unread):
        if most > 0.0:
            if slot < _MAX_SLOTS:
                bound += (((bits >> slot) & 1) ^ 1) * most
            else:
                bound += most
    return bound * (1 + _MARGIN)


def _survivors(
    terms: _Terms, parts: list[np.ndarray], theta: float, scratch: Scratch
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The passages read in phase 1 whose bound can still reach ``theta``, each taken once,
    with their partial scores and found-term bits."""
    acc = scratch.acc
    read = np.concatenate(parts) if len(parts) > 1 else parts[0]
    bits = scratch.found[read]
    partial = acc[read]
    keep = (_bound(partial, bits, terms.unread) >= theta).nonzero()[0]
    cand, partial, bits = read[keep], partial[keep], bits[keep]
    if len(parts) > 1 and len(cand):
        # acc is spent (reset by the caller): the last write wins, keep the entry that won.
        first = np.arange(len(cand), dtype=np.float64)
        acc[cand] = first
        first = acc[cand] == first
        cand, partial, bits = cand[first], partial[first], bits[first]
    return cand, partial, bits


def _narrow(
    segments: Segments,
    terms: _Terms,
    cand: np.ndarray,
    partial: np.ndarray,
    bits: np.ndarray,
    theta: float,
    k: int,
    scratch: Scratch,
) -> np.ndarray:
    """Phase 2: while there are many survivors, look the unread tiers up for them, one at a
    time, the one lowering the bounds most per unit of work first, pruning as the bounds
    tighten."""
    while len(cand) > _EXACT_LIMIT:
        slot = terms.best_slot(survivors=len(cand))
        if slot < 0:
            break
        s = terms.next_segment(slot)
        values = lookup(segments, s, s + 1, cand, False, scratch)
        partial += values * terms.mult[slot] if terms.mult[slot] != 1.0 else values
        if slot < _MAX_SLOTS:
            bits |= (values > 0.0).astype(np.uint8) << slot
        theta = max(theta, partial[top_indices(partial, k)].min() * (1 - _MARGIN))
        keep = _bound(partial, bits, terms.unread) >= theta
        if not keep.all():
            cand, partial, bits = cand[keep], partial[keep], bits[keep]
    return cand
