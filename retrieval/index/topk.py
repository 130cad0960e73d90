"""Exact top-k selection over score arrays, fast when thousands of entries tie.

The index hands over candidate passages with exact scores; picking the best ``k`` of them
by (score descending, passage ascending) must give rank-bm25's order, ties included, without
a full sort. These helpers know nothing of BM25: only arrays of passages and scores.
"""

from __future__ import annotations

import numpy as np

__all__ = ["distinct_top", "select_top", "top_indices"]


def top_indices(values: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest ``values`` (``0 < k < len(values)``; ties broken
    arbitrarily).

    numpy's partition slows down badly on arrays full of equal values — the scores of
    the many passages matched only by a word nearly every passage has — so for longer
    arrays the cut is found on a strided sample instead. Its k-th largest value ``c`` is
    reached by at least k entries. If k entries exceed it, the top k are among them (a
    short array: the tied mass sits at or below ``c``); if fewer do, the k-th largest value
    is ``c`` itself, and the top k are those above it plus enough entries equal to it.
    """
    m = len(values)
    if m <= 1024 or m <= 8 * k:
        return values.argpartition(m - k)[m - k :]
    stride = max(2, int((m / k) ** 0.5))
    sample = values[::stride]
    if len(sample) <= k:
        return values.argpartition(m - k)[m - k :]
    sample = sample.copy()  # a strided view of values: partition it apart
    sample.partition(len(sample) - k)
    cut = sample[len(sample) - k]
    above: np.ndarray = (values > cut).nonzero()[0]  # numpy types nonzero()'s items as Any
    if len(above) > k:
        best: np.ndarray = above[values[above].argpartition(len(above) - k)[len(above) - k :]]
        return best
    if len(above) == k:
        return above
    return np.concatenate((above, (values == cut).nonzero()[0][: k - len(above)]))


def distinct_top(docs: np.ndarray, scores: np.ndarray, k: int, copies: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct passages among ``docs`` (each present at most ``copies`` times, always with
    the same score) that may be in the top ``k``, with their scores.

    The ``k * copies`` largest entries hold at least ``k`` distinct passages, so every
    passage scoring below the smallest of them, ``cut``, is beaten by k others. Entries
    above it are kept; of the entries equal to it, only passages that can win the tie:
    ties go to the lower passage index, so the ``k * copies`` lowest of them (at least k
    distinct passages) suffice. The result is then made distinct.
    """
    keep = k * copies
    if len(docs) > keep:
        cut = scores[top_indices(scores, keep)].min()
        above = (scores > cut).nonzero()[0]
        tied = docs[scores == cut]
        if len(tied) > keep:
            tied = np.partition(tied, keep - 1)[:keep]
        docs = np.concatenate((docs[above], tied))
        scores = np.concatenate((scores[above], np.full(len(tied), cut)))
    if copies > 1 and len(docs) > 1:
        order = np.argsort(docs, kind="stable")
        docs, scores = docs[order], scores[order]
        first = np.empty(len(docs), dtype=bool)
        first[0] = True
        np.not_equal(docs[1:], docs[:-1], out=first[1:])
        docs, scores = docs[first], scores[first]
    return docs, scores


def select_top(cand: np.ndarray, scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The ``k`` best (passage, score) pairs by score descending, passage ascending."""
    m = len(cand)
    if m > k:
        kth = scores[top_indices(scores, k)].min()
        above = (scores > kth).nonzero()[0]
        ties = (scores == kth).nonzero()[0]
        need = k - len(above)
        if len(ties) > need:  # ties go to the lower passage indices (distinct here)
            ties = ties[cand[ties].argpartition(need - 1)[:need]] if need > 0 else ties[:0]
        pick = np.concatenate((above, ties))
        cand, scores = cand[pick], scores[pick]
    order = np.lexsort((cand, -scores))
    return list(zip(cand[order].tolist(), scores[order].tolist(), strict=True))
