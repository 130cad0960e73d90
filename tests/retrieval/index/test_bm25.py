"""Differential tests: BM25Index against rank_bm25.BM25Okapi on seeded random corpora.

Scores are compared bit for bit (``_bits``: the float64 arrays viewed as uint64), not with a
tolerance: the index promises rank-bm25's exact numbers. ``top_k`` is compared with sorting
rank-bm25's scores of the passages containing a query term by (-score, passage index).

The pruned top-k path only runs on queries with many postings; ``forced_pruning`` lowers the
module's thresholds so that small corpora exercise it (and its tiers) too.
"""

from __future__ import annotations

import pickle
import random
import threading

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from retrieval.index import bm25, maxscore
from retrieval.index.bm25 import BM25Index, BM25Params


def _bits(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float64).view(np.uint64)


def make_corpus(rng: random.Random, n: int, vocab: int, min_len: int = 0, max_len: int = 30) -> list[list[str]]:
    """Zipfian passages: the head terms sit in most passages (negative idf), the tail in few."""
    words = [f"w{i}" for i in range(vocab)]
    weights = [1.0 / (i + 1) ** 1.1 for i in range(vocab)]
    return [rng.choices(words, weights, k=rng.randint(min_len, max_len)) for _ in range(n)]


def make_queries(rng: random.Random, corpus: list[list[str]], count: int) -> list[list[str]]:
    vocab = sorted({t for doc in corpus for t in doc})
    queries = []
    for _ in range(count):
        q = [rng.choice(vocab) for _ in range(rng.randint(1, 6))] if vocab else []
        if q and rng.random() < 0.3:
            q.append(rng.choice(q))  # repeated term: rank-bm25 counts it twice
        if rng.random() < 0.3:
            q.insert(rng.randrange(len(q) + 1), "unknown-term")
        if q and rng.random() < 0.2:
            q.append(vocab[0])  # the most frequent term: negative idf, floored
        queries.append(q)
    return queries


def reference_top_k(corpus: list[list[str]], okapi: BM25Okapi, query: list[str], k: int) -> list[tuple[int, float]]:
    scores = okapi.get_scores(query)
    terms = set(query)
    matching = [i for i, doc in enumerate(corpus) if terms.intersection(doc)]
    ranked = sorted(matching, key=lambda i: (-scores[i], i))[: max(k, 0)]
    return [(i, float(scores[i])) for i in ranked]


def check_against_rank_bm25(
    corpus: list[list[str]], queries: list[list[str]], params: BM25Params = BM25Params(), ks=(1, 3, 10, 40)
) -> BM25Index:
    okapi = BM25Okapi(corpus, k1=params.k1, b=params.b, epsilon=params.epsilon)
    index = BM25Index(corpus, params)
    assert len(index) == len(corpus)
    for query in queries:
        expected = okapi.get_scores(query)
        got = index.get_scores(query)
        assert got.dtype == np.float64 and got.shape == expected.shape
        assert np.array_equal(_bits(got), _bits(expected)), query
        for k in ks:
            assert index.top_k(query, k) == reference_top_k(corpus, okapi, query, k), (query, k)
    return index


@pytest.fixture
def forced_pruning(monkeypatch: pytest.MonkeyPatch) -> None:
    """Send every query through the pruned path, with tiers on almost every term."""
    monkeypatch.setattr(bm25, "_SMALL_QUERY", 0)
    monkeypatch.setattr(bm25, "_TIER_MIN_POSTINGS", 8)
    monkeypatch.setattr(bm25, "_TIER_MIN_SIZE", 1)
    monkeypatch.setattr(maxscore, "_EXACT_LIMIT", 4)
    monkeypatch.setattr(bm25, "_SORT_LIMIT", 64)


# ----------------------------------------------------------------------------- scores


@pytest.mark.parametrize("seed", range(6))
def test_random_corpora_match_rank_bm25(seed: int) -> None:
    rng = random.Random(seed)
    corpus = make_corpus(rng, n=rng.randint(1, 250), vocab=rng.choice([5, 40, 400]))
    check_against_rank_bm25(corpus, make_queries(rng, corpus, 40))


@pytest.mark.parametrize("seed", range(6))
def test_pruned_top_k_matches_rank_bm25(seed: int, forced_pruning: None) -> None:
    rng = random.Random(100 + seed)
    corpus = make_corpus(rng, n=rng.randint(200, 1500), vocab=rng.choice([30, 300, 3000]), min_len=5)
    check_against_rank_bm25(corpus, make_queries(rng, corpus, 60), ks=(1, 5, 10, 37))


def test_pruned_top_k_with_bursty_terms(forced_pruning: None) -> None:
    """Repeated terms inside passages (tf up to ~8) spread the weights over the tiers."""
    rng = random.Random(7)
    corpus = make_corpus(rng, n=1200, vocab=200, min_len=10, max_len=60)
    for doc in corpus:
        if doc and rng.random() < 0.5:
            doc.extend([rng.choice(doc)] * rng.randint(1, 7))
    check_against_rank_bm25(corpus, make_queries(rng, corpus, 80), ks=(1, 10, 25))


def test_default_thresholds_on_a_larger_corpus() -> None:
    """Queries with more than ``_SMALL_QUERY`` postings take the pruned path as configured."""
    rng = random.Random(11)
    corpus = make_corpus(rng, n=4000, vocab=3000, min_len=20, max_len=60)
    queries = make_queries(rng, corpus, 25)
    heavy = ["w0", "w1", "w2", "w3", "w4", "w5", "w0"]
    postings = sum(len({"w0", "w1", "w2", "w3", "w4", "w5"}.intersection(d)) for d in corpus)
    assert postings > bm25._SMALL_QUERY
    queries += [heavy, ["w5", "w50", "w500", "w2"], ["w1", "w7", "w1500"]]
    check_against_rank_bm25(corpus, queries, ks=(1, 10))


def test_non_default_parameters() -> None:
    rng = random.Random(3)
    corpus = make_corpus(rng, n=300, vocab=60)
    check_against_rank_bm25(corpus, make_queries(rng, corpus, 30), BM25Params(k1=1.2, b=0.5, epsilon=0.1))
    check_against_rank_bm25(corpus, make_queries(rng, corpus, 10), BM25Params(k1=2, b=0, epsilon=0))
    corpus = make_corpus(rng, n=300, vocab=60, min_len=1)  # b = 1: see the next test
    check_against_rank_bm25(corpus, make_queries(rng, corpus, 10), BM25Params(k1=2, b=1, epsilon=0))


def test_b_one_with_empty_passages_is_the_documented_divergence() -> None:
    """rank-bm25 computes 0/0 = NaN for empty passages when b = 1; the index gives 0.0."""
    corpus = [["a", "b"], [], ["b"]]
    okapi = BM25Okapi(corpus, b=1)
    index = BM25Index(corpus, BM25Params(b=1))
    with np.errstate(invalid="ignore"):
        expected = okapi.get_scores(["b", "a"])
    got = index.get_scores(["b", "a"])
    assert np.isnan(expected[1]) and got[1] == 0.0
    assert np.array_equal(_bits(got[[0, 2]]), _bits(expected[[0, 2]]))


@pytest.mark.parametrize("params", [{"k1": 0}, {"k1": -1}, {"b": 1.5}, {"b": -0.1}])
def test_undefined_parameters_are_rejected(params: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        BM25Params(**params)


def test_repeated_query_terms_count_each_time() -> None:
    corpus = [["a", "b"], ["a", "c", "c"], ["b", "d"], ["e"]]
    okapi = BM25Okapi(corpus)
    index = BM25Index(corpus)
    once, twice = index.get_scores(["c"]), index.get_scores(["c", "c"])
    assert twice[1] == once[1] + once[1]
    for query in (["c", "c"], ["a", "c", "a"], ["b", "a", "b", "c"]):
        assert np.array_equal(_bits(index.get_scores(query)), _bits(okapi.get_scores(query)))
        assert index.top_k(query, 4) == reference_top_k(corpus, okapi, query, 4)


# -------------------------------------------------------------------- idf and vocabulary


def test_negative_idf_floor_and_vocabulary_lookups() -> None:
    rng = random.Random(5)
    corpus = make_corpus(rng, n=120, vocab=50, min_len=5)
    okapi = BM25Okapi(corpus)
    index = BM25Index(corpus)
    assert index.average_idf == okapi.average_idf
    floored = [t for t, v in okapi.idf.items() if v == okapi.epsilon * okapi.average_idf]
    assert floored, "the corpus should have terms in more than half of the passages"
    for term, idf in okapi.idf.items():
        assert term in index
        assert index.idf(term) == idf
        assert index.doc_freq(term) == sum(term in doc for doc in corpus)
    assert index.vocabulary_size == len(okapi.idf)
    assert "unknown" not in index and index.doc_freq("unknown") == 0 and index.idf("unknown") == 0.0
    query = [floored[0], "w30"]
    assert np.array_equal(_bits(index.get_scores(query)), _bits(okapi.get_scores(query)))
    assert index.top_k(query, 10) == reference_top_k(corpus, okapi, query, 10)


def test_zero_idf_term() -> None:
    """A term in exactly half of the passages has idf 0.0 (rank-bm25 then adds int 0)."""
    corpus = [["x", "a"], ["x", "b"], ["c"], ["d", "a"]]
    okapi = BM25Okapi(corpus)
    index = BM25Index(corpus)
    assert index.idf("x") == 0.0 == okapi.idf["x"]
    for query in (["x"], ["x", "a"], ["b", "x", "c"]):
        assert np.array_equal(_bits(index.get_scores(query)), _bits(okapi.get_scores(query)))
        assert index.top_k(query, 3) == reference_top_k(corpus, okapi, query, 3)
    assert index.top_k(["x"], 5) == [(0, 0.0), (1, 0.0)]  # matching passages, even at score 0


def test_negative_average_idf_gives_negative_scores() -> None:
    """Most terms in most passages: the average idf, hence the floor, is negative."""
    corpus = [["a", "b", "c"], ["a", "b", "c", "d"], ["a", "b"], ["a", "c", "e"], ["a", "b", "c"]]
    okapi = BM25Okapi(corpus)
    assert okapi.average_idf < 0
    index = BM25Index(corpus)
    for query in (["a"], ["a", "b", "e"], ["e", "d"], ["b", "b", "c"]):
        assert np.array_equal(_bits(index.get_scores(query)), _bits(okapi.get_scores(query)))
        for k in (1, 2, 5):
            assert index.top_k(query, k) == reference_top_k(corpus, okapi, query, k)


def test_negative_average_idf_with_forced_pruning(forced_pruning: None) -> None:
    corpus = [["a", "b", "c"], ["a", "b", "c", "d"], ["a", "b"], ["a", "c", "e"], ["a", "b", "c"]] * 5
    okapi = BM25Okapi(corpus)
    assert okapi.average_idf < 0
    index = BM25Index(corpus)
    for query in (["a", "b"], ["a", "b", "e"], ["d", "e", "a"]):
        assert index.top_k(query, 3) == reference_top_k(corpus, okapi, query, 3)


# ------------------------------------------------------------------------ top_k details


def test_ties_are_broken_by_passage_index() -> None:
    corpus = [["a", "b"], ["c"], ["a", "b"], ["b", "a"], ["a", "b"], ["d", "a"]]
    okapi = BM25Okapi(corpus)
    index = BM25Index(corpus)
    result = index.top_k(["a", "b"], 3)
    assert [i for i, _ in result] == [0, 2, 3]
    assert result == reference_top_k(corpus, okapi, ["a", "b"], 3)
    assert len({s for _, s in result}) == 1


def test_ties_at_the_cut_with_forced_pruning(forced_pruning: None) -> None:
    """Many passages share the k-th score: the lowest indices win, as in the reference."""
    rng = random.Random(9)
    corpus = [["a", "b", "c", "d"][: rng.randint(1, 4)] for _ in range(400)]
    okapi = BM25Okapi(corpus)
    index = BM25Index(corpus)
    for query in (["a"], ["a", "b"], ["b", "c", "d"], ["d", "a", "d"]):
        for k in (1, 7, 50, 399):
            assert index.top_k(query, k) == reference_top_k(corpus, okapi, query, k)


def test_empty_unknown_and_degenerate_queries() -> None:
    corpus = [["a", "b"], ["b", "c"], ["c"]]
    index = BM25Index(corpus)
    assert index.top_k([], 5) == []
    assert index.top_k(["zzz", "yyy"], 5) == []
    assert index.top_k(["a"], 0) == []
    assert index.top_k(["a"], -1) == []
    assert np.array_equal(index.get_scores([]), np.zeros(3))
    assert np.array_equal(index.get_scores(["zzz"]), np.zeros(3))
    assert [i for i, _ in index.top_k(["a", "zzz"], 5)] == [0]  # only passages with a query term
    assert len(index.top_k(["b", "c"], 100)) == 3


def test_single_passage() -> None:
    corpus = [["solo", "passage", "solo"]]
    okapi = BM25Okapi(corpus)
    index = BM25Index(corpus)
    for query in (["solo"], ["passage", "solo"], ["nothing"]):
        assert np.array_equal(_bits(index.get_scores(query)), _bits(okapi.get_scores(query)))
        assert index.top_k(query, 3) == reference_top_k(corpus, okapi, query, 3)


def test_empty_corpus_is_rejected() -> None:
    with pytest.raises(ValueError, match="at least one passage"):
        BM25Index([])


def test_passages_without_tokens() -> None:
    corpus = [[], ["a", "b"], [], ["b"]]
    okapi = BM25Okapi(corpus)
    index = BM25Index(corpus)
    for query in (["a"], ["b", "a"], []):
        assert np.array_equal(_bits(index.get_scores(query)), _bits(okapi.get_scores(query)))
        assert index.top_k(query, 4) == reference_top_k(corpus, okapi, query, 4)
    # rank-bm25 cannot be built when every passage is empty (it divides by zero); the
    # index can, and nothing matches.
    empty = BM25Index([[], []])
    assert len(empty) == 2 and empty.vocabulary_size == 0
    assert empty.top_k(["a"], 3) == []
    assert np.array_equal(empty.get_scores(["a"]), np.zeros(2))


# ------------------------------------------------------------------------------ the rest


def test_progress_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bm25, "_BUILD_CHUNK", 7)
    calls: list[tuple[int, int]] = []
    corpus = make_corpus(random.Random(1), n=30, vocab=20)
    BM25Index(corpus, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (30, 30)
    assert len(calls) > 2
    assert all(total == 30 for _, total in calls)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_pickle_round_trip_and_threads() -> None:
    rng = random.Random(21)
    corpus = make_corpus(rng, n=400, vocab=100, min_len=5)
    queries = make_queries(rng, corpus, 30)
    index = BM25Index(corpus)
    expected = [index.top_k(q, 10) for q in queries]
    clone = pickle.loads(pickle.dumps(index))
    assert [clone.top_k(q, 10) for q in queries] == expected

    results: dict[int, list[list[tuple[int, float]]]] = {}

    def work(worker: int) -> None:
        results[worker] = [index.top_k(q, 10) for q in queries * 5][: len(queries)]

    threads = [threading.Thread(target=work, args=(w,)) for w in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r == expected for r in results.values())


def test_tiers_are_built_when_forced(forced_pruning: None) -> None:
    """Guard for the fixture: the pruned tests really run over several tiers per term."""
    rng = random.Random(4)
    index = BM25Index(make_corpus(rng, n=500, vocab=50, min_len=5))
    tiers_per_term = np.diff(index._first_seg)
    assert tiers_per_term.max() == len(bm25._TIER_SHARES) + 1


def test_long_queries_beyond_tracked_terms(forced_pruning: None) -> None:
    """More distinct terms than the per-passage presence bits (``_MAX_SLOTS``)."""
    rng = random.Random(13)
    corpus = make_corpus(rng, n=800, vocab=120, min_len=10, max_len=40)
    vocab = sorted({t for doc in corpus for t in doc})
    queries = [rng.sample(vocab, maxscore._MAX_SLOTS + rng.randint(1, 8)) for _ in range(20)]
    queries += [q + q[:3] for q in queries[:5]]
    check_against_rank_bm25(corpus, queries, ks=(1, 10, 30))


@pytest.mark.parametrize("seed", [31, 32])
def test_saved_arrays_restore_rank_bm25_scores_bit_for_bit(seed: int, forced_pruning: None) -> None:
    """An index restored from ``to_arrays`` (a restart's saved index) scores as rank-bm25,
    including the pruned path, negative idf and unknown terms."""
    rng = random.Random(seed)
    corpus = make_corpus(rng, n=600, vocab=150, min_len=0, max_len=40)
    queries = make_queries(rng, corpus, 40)
    okapi = BM25Okapi(corpus)
    restored = BM25Index.from_arrays(BM25Index(corpus).to_arrays())
    for query in queries:
        assert np.array_equal(_bits(restored.get_scores(query)), _bits(okapi.get_scores(query))), query
        assert restored.top_k(query, 10) == reference_top_k(corpus, okapi, query, 10), query
    term = max(corpus, key=len)[0]
    assert restored.doc_freq(term) == sum(term in doc for doc in corpus)


def test_saved_arrays_with_a_negative_average_idf() -> None:
    corpus = [["a", "b"], ["a", "b"], ["a", "c"]]
    original = BM25Index(corpus)
    restored = BM25Index.from_arrays(original.to_arrays())
    assert restored.average_idf == original.average_idf
    assert np.array_equal(_bits(restored.get_scores(["a", "c"])), _bits(BM25Okapi(corpus).get_scores(["a", "c"])))


@pytest.mark.parametrize("damage", ["missing array", "truncated postings", "foreign meta"])
def test_arrays_that_do_not_form_an_index_are_refused(damage: str) -> None:
    arrays = BM25Index(make_corpus(random.Random(5), n=50, vocab=40, min_len=3)).to_arrays()
    if damage == "missing array":
        del arrays["bm25.weights"]
    elif damage == "truncated postings":
        arrays["bm25.keys"] = arrays["bm25.keys"][:-3]
        arrays["bm25.weights"] = arrays["bm25.weights"][:-3]
    else:
        arrays["bm25.meta"] = bm25.pack_strings(['{"n": 50}'])
    with pytest.raises(ValueError, match="not a saved BM25 index"):
        BM25Index.from_arrays(arrays)


@pytest.mark.parametrize("seed", [41, 42, 43])
def test_a_term_in_nearly_every_passage_keeps_exact_ties(seed: int) -> None:
    """Thousands of passages matched only by a ubiquitous word tie on one score: the top k
    must still be rank-bm25's, ties going to the lower passage index."""
    rng = random.Random(seed)
    corpus = [
        ["common"] * rng.randint(1, 2) + rng.choices(["rare1", "rare2", "rare3", "pad"], k=rng.randint(0, 3))
        for _ in range(3000)
    ]
    okapi = BM25Okapi(corpus)
    index = BM25Index(corpus)
    for query in (["common"], ["common", "rare1"], ["rare2", "common", "rare3"], ["common", "common", "pad"]):
        for k in (1, 10, 40):
            assert index.top_k(query, k) == reference_top_k(corpus, okapi, query, k), (query, k)
