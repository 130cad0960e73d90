"""Reproducible synthetic corpora and questions for the retrieval benchmarks.

The passages imitate what :class:`retrieval.text.analyzers.Analyzer` hands to BM25 for French
news: stemmed, accent-folded content words (stopwords already removed), 40–120 terms a
passage. Term frequencies follow a Zipf–Mandelbrot law over a vocabulary whose size grows
with the corpus (Heaps' law), so the head terms sit in more than half of the passages
(negative idf in BM25Okapi, like "an", "pari", "dire" after stemming) and the tail is long.
Each passage also has a few topic terms it repeats (names, subjects), which gives the
tf > 1 that real passages have.

Everything is a pure function of ``(n, seed)``: the same arguments give the same corpus on
every machine (NumPy's PCG64 generator).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

MIN_LEN = 40
MAX_LEN = 120
MEAN_LEN = (MIN_LEN + MAX_LEN) / 2

HEAPS_K = 25.0
HEAPS_BETA = 0.55
"""Vocabulary size ``K * tokens**beta``: ~44k terms at 10k passages, ~160k at 100k, ~560k at 1M."""

ZIPF_S = 1.07
ZIPF_Q = 10.0
"""Zipf–Mandelbrot ``p(r) ∝ (r + q) ** -s``; the shift flattens the head, as stopword removal does."""

TOPIC_SHARE = 0.15
"""Share of a passage's tokens drawn from its own 2–4 topic terms (repeated names, subjects)."""

_ONSETS = (
    "",
    "b",
    "c",
    "d",
    "f",
    "g",
    "j",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "v",
    "ch",
    "br",
    "cr",
    "dr",
    "fr",
    "gr",
    "pr",
    "tr",
    "pl",
    "cl",
    "qu",
    "gu",
)
_VOWELS = ("a", "e", "i", "o", "u", "ou", "ai", "au", "eu", "oi", "an", "en", "on", "in", "ie")
_CODAS = ("", "", "", "", "r", "s", "n", "l", "t", "x", "rt", "st")


def vocabulary_size(n_passages: int) -> int:
    """Heaps' law on the expected number of tokens of ``n_passages`` passages."""
    return max(1000, int(HEAPS_K * (max(n_passages, 1) * MEAN_LEN) ** HEAPS_BETA))


@lru_cache(maxsize=4)
def vocabulary(n_passages: int, seed: int) -> tuple[str, ...]:
    """Distinct French-looking stems, most frequent first (short words lead, as in French)."""
    size = vocabulary_size(n_passages)
    rng = np.random.default_rng([seed, 0x766F63])
    words: list[str] = []
    seen: set[str] = set()
    onsets, vowels, codas = len(_ONSETS), len(_VOWELS), len(_CODAS)
    while len(words) < size:
        batch = 4096
        rank = len(words)
        # Frequent stems are short: 1–2 syllables at the head, up to 4 in the tail.
        max_syll = 2 if rank < 300 else (3 if rank < 20000 else 4)
        n_syll = rng.integers(1, max_syll + 1, size=batch)
        picks = rng.integers(0, 1 << 30, size=(batch, 4, 3))
        for i in range(batch):
            parts = []
            for j in range(int(n_syll[i])):
                o, v, c = picks[i, j]
                coda = _CODAS[c % codas] if j == n_syll[i] - 1 else ""
                parts.append(_ONSETS[o % onsets] + _VOWELS[v % vowels] + coda)
            word = "".join(parts)
            if len(word) >= 2 and word not in seen:
                seen.add(word)
                words.append(word)
                if len(words) == size:
                    break
    return tuple(words)


@lru_cache(maxsize=4)
def _cdf(size: int) -> np.ndarray:
    weights = (np.arange(1, size + 1, dtype=np.float64) + ZIPF_Q) ** -ZIPF_S
    cdf = np.cumsum(weights)
    return cdf / cdf[-1]


def _zipf_ranks(rng: np.random.Generator, size: int, count: int, low: int = 0) -> np.ndarray:
    """``count`` ranks in ``[low, size)`` from the Zipf–Mandelbrot law restricted to that range."""
    cdf = _cdf(size)
    base = cdf[low - 1] if low > 0 else 0.0
    u = base + rng.random(count) * (1.0 - base)
    return np.minimum(np.searchsorted(cdf, u, side="right"), size - 1)


def generate_passages(n: int, seed: int = 0) -> list[list[str]]:
    """``n`` tokenised passages (lists of index terms), identical for identical arguments."""
    if n <= 0:
        return []
    words = np.array(vocabulary(n, seed), dtype=object)
    size = len(words)
    rng = np.random.default_rng([seed, 0x706173, n])
    lengths = rng.integers(MIN_LEN, MAX_LEN + 1, size=n)
    total = int(lengths.sum())
    ranks = _zipf_ranks(rng, size, total)
    # Topic terms: 2–4 per passage from the mid/low-frequency range, replacing ~15% of tokens.
    n_topics = rng.integers(2, 5, size=n)
    topics = _zipf_ranks(rng, size, n * 4, low=50).reshape(n, 4)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    doc_of = np.repeat(np.arange(n), lengths)
    is_topic = rng.random(total) < TOPIC_SHARE
    which = rng.integers(0, 1 << 30, size=total) % n_topics[doc_of]
    ranks = np.where(is_topic, topics[doc_of, which], ranks)
    flat = words[ranks].tolist()
    return [flat[s : s + ln] for s, ln in zip(starts.tolist(), lengths.tolist(), strict=True)]


def generate_queries(passages: Sequence[Sequence[str]], count: int, seed: int = 0) -> list[list[str]]:
    """``count`` questions of 2–6 terms, drawn like real ones.

    Each question is about one target passage: about half its terms come from that passage,
    preferring its mid/low-frequency terms (what people ask about); a quarter are frequent
    terms (rank < 100, e.g. "an", "franc", "pari"); the rest are other mid-frequency terms
    of the vocabulary, some of which occur nowhere (unknown terms). Repeats are possible.
    """
    n = len(passages)
    if n == 0 or count <= 0:
        return []
    words = vocabulary(n, seed)
    rank_of = _rank_index(n, seed)
    rng = np.random.default_rng([seed, 0x717565, count])
    queries: list[list[str]] = []
    log_size = math.log(len(words))
    for _ in range(count):
        length = int(rng.integers(2, 7))
        target = passages[int(rng.integers(0, n))]
        topical = [w for w in target if rank_of.get(w, 0) >= 30] or list(target)
        query: list[str] = []
        for _ in range(length):
            u = rng.random()
            if u < 0.5 and topical:
                query.append(topical[int(rng.integers(0, len(topical)))])
            elif u < 0.75:
                query.append(words[int(_zipf_ranks(rng, 100, 1)[0])])
            else:
                rank = int(math.exp(rng.uniform(math.log(100), log_size)))
                query.append(words[min(rank, len(words) - 1)])
        queries.append(query)
    return queries


@lru_cache(maxsize=4)
def _rank_index(n: int, seed: int) -> dict[str, int]:
    return {w: r for r, w in enumerate(vocabulary(n, seed))}
