"""Differential tests of the incremental index (retrieval/index/segments.py).

After random sequences of adds, changes (remove + add) and removes, with merges in between,
``get_scores`` must equal a fresh ``rank_bm25.BM25Okapi`` built on the resulting corpus (the
live passages in handle order) bit for bit, and ``top_k`` must equal rank-bm25's ranking of
the passages holding a query term by (-score, position), ties included. The vocabulary is
small and Zipfian so that head terms sit in most passages: their idf is negative and
floored at ``epsilon * average_idf``, whose float sum depends on rank-bm25's term order.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rank_bm25 import BM25Okapi

from retrieval.index.bm25 import BM25Params
from retrieval.index import segments as segments_module
from retrieval.index.segments import SegmentedBM25

WORDS = [f"w{i}" for i in range(12)]

# Head-heavy tokens: w0..w2 land in most passages (negative idf), the tail in few.
token = st.one_of(st.sampled_from(WORDS[:3]), st.sampled_from(WORDS))
passage = st.lists(token, min_size=0, max_size=12)
add_op = st.tuples(st.just("add"), st.lists(passage, min_size=1, max_size=6))
remove_op = st.tuples(st.just("remove"), st.lists(st.integers(0, 10_000), min_size=1, max_size=4))
change_op = st.tuples(st.just("change"), st.tuples(st.integers(0, 10_000), passage))
merge_op = st.tuples(st.just("merge"), st.integers(1, 3))
ops = st.lists(st.one_of(add_op, add_op, remove_op, change_op, merge_op), min_size=1, max_size=25)
query = st.lists(st.sampled_from([*WORDS, "unknown"]), min_size=0, max_size=6)


def _bits(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float64).view(np.uint64)


def _apply(index: SegmentedBM25, live: dict[int, list[str]], op: tuple[str, object]) -> None:
    """Apply ``op`` to the index and to the model ``live`` (handle -> tokens)."""
    kind, arg = op
    if kind == "add":
        assert isinstance(arg, list)
        for h, p in zip(index.add(arg), arg, strict=True):
            live[h] = p
    elif kind == "remove" and live:
        assert isinstance(arg, list)
        handles = sorted(live)
        gone = {handles[i % len(handles)] for i in arg}
        assert index.remove(gone) == len(gone)
        for h in gone:
            del live[h]
    elif kind == "change" and live:
        assert isinstance(arg, tuple)
        i, text = arg
        old = sorted(live)[i % len(live)]
        index.remove([old])
        del live[old]
        (new,) = index.add([text])
        live[new] = text
    elif kind == "merge":
        assert isinstance(arg, int)
        for _ in range(arg):
            index.merge_step()


def _check(index: SegmentedBM25, live: dict[int, list[str]], q: list[str], k: int) -> None:
    order = sorted(live)
    assert index.handles().tolist() == order
    corpus = [live[h] for h in order]
    _check_ordered(index, corpus, q, k, ids=order)
    if not any(corpus):
        return
    okapi = BM25Okapi(corpus)
    for w in WORDS:
        assert index.doc_freq(w) == sum(w in doc for doc in corpus)
        assert (w in index) == (index.doc_freq(w) > 0)
        if index.doc_freq(w):
            assert index.idf(w) == okapi.idf[w]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=ops, queries=st.lists(query, min_size=1, max_size=4), k=st.integers(1, 8))
def test_random_updates_match_a_fresh_bm25okapi(
    ops: list[tuple[str, object]], queries: list[list[str]], k: int
) -> None:
    index = SegmentedBM25()
    live: dict[int, list[str]] = {}
    for op in ops:
        _apply(index, live, op)
        for q in queries:
            _check(index, live, q, k)
    while index.merge_step():
        pass
    for q in queries:
        _check(index, live, q, k)


@settings(max_examples=40, deadline=None)
@given(
    corpus=st.lists(passage, min_size=1, max_size=30),
    q=query,
    k1=st.floats(0.1, 3.0),
    b=st.floats(0.0, 0.99),
    epsilon=st.floats(0.0, 1.0),
)
def test_parameters_match(corpus: list[list[str]], q: list[str], k1: float, b: float, epsilon: float) -> None:
    index = SegmentedBM25(corpus, params=BM25Params(k1, b, epsilon))
    if not any(corpus):
        return
    okapi = BM25Okapi(corpus, k1=k1, b=b, epsilon=epsilon)
    assert np.array_equal(_bits(index.get_scores(q)), _bits(okapi.get_scores(q)))


def test_removed_passages_never_appear() -> None:
    index = SegmentedBM25([["a", "b"], ["a"], ["a", "a", "c"], ["b", "c"]])
    index.remove([2])
    assert 2 not in [h for h, _ in index.top_k(["a", "c"], 10)]
    assert index.doc_freq("a") == 2 and index.doc_freq("c") == 1
    index.remove([0, 1, 3])
    assert len(index) == 0 and index.top_k(["a"], 5) == [] and index.get_scores(["a"]).shape == (0,)
    assert "a" not in index
    assert index.remove([0, 99]) == 0


def test_merges_keep_segments_few_and_drop_tombstones() -> None:
    index = SegmentedBM25()
    for i in range(64):
        index.add([[f"t{i}", "x"]] * 3)
    assert index.segment_count == 64
    index.remove(range(0, 192, 2))
    steps = 0
    while index.merge_step():
        steps += 1
    assert steps > 0
    assert index.segment_count <= 8  # log2 of 96 live passages, plus one
    assert sum(seg.size for seg, _ in index.segments()) == len(index) == 96


def test_queries_during_merges_and_updates_see_a_consistent_corpus() -> None:
    """A query racing writers sees one published version: its top-k is self-consistent
    (every returned handle live in some version, scores positive, order respected)."""
    index = SegmentedBM25([["a", "b", f"u{i}"] for i in range(200)])
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for i in range(60):
                index.add([["a", f"v{i}"], ["b", "c"]])
                index.remove([i * 3])
                index.merge_step()
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            stop.set()

    thread = threading.Thread(target=writer)
    thread.start()
    while not stop.is_set():
        top = index.top_k(["a", "c"], 5)
        assert [s for _, s in top] == sorted((s for _, s in top), reverse=True)
    thread.join()
    assert not errors


@pytest.mark.parametrize("k", [1, 3, 100])
def test_ties_break_by_handle_across_segments(k: int) -> None:
    index = SegmentedBM25()
    index.add([["a", "z"]] * 4)
    index.add([["a", "z"]] * 4)
    index.remove([1])
    top = index.top_k(["a"], k)
    assert [h for h, _ in top] == [0, 2, 3, 4, 5, 6, 7][:k]
    assert len({s for _, s in top}) == 1


def _check_ordered(
    index: SegmentedBM25, corpus: list[list[str]], q: list[str], k: int, ids: list[int] | None = None
) -> None:
    """``index`` against rank-bm25 on ``corpus``, in that order: bitwise scores, and the top
    ``k`` as ``ids`` (the passages' handles; their positions when None) with rank-bm25's ties."""
    assert len(index) == len(corpus)
    if not any(corpus):  # rank-bm25 divides by a zero average length there
        assert index.top_k(q, k) == []
        return
    okapi = BM25Okapi(corpus)
    expected = okapi.get_scores(q)
    assert np.array_equal(_bits(index.get_scores(q)), _bits(expected))
    terms = set(q)
    matching = [i for i, doc in enumerate(corpus) if terms.intersection(doc)]
    ranked = sorted(matching, key=lambda i: (-expected[i], i))[:k]
    named = ids if ids is not None else list(range(len(corpus)))
    assert index.top_k(q, k) == [(named[i], float(expected[i])) for i in ranked]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ops=ops,
    queries=st.lists(query, min_size=1, max_size=3),
    k=st.integers(1, 8),
    seed=st.integers(0, 2**16),
)
def test_forks_in_any_corpus_order_match_a_fresh_bm25okapi(
    ops: list[tuple[str, object]], queries: list[list[str]], k: int, seed: int
) -> None:
    """Each update on a fork of the previous version, then a corpus order that is not handle
    order (a passage added last may sit first): positions, ties and the floored idf follow
    that order; every older fork still answers for its own corpus."""
    rng = np.random.default_rng(seed)
    index = SegmentedBM25()
    live: dict[int, list[str]] = {}
    versions: list[tuple[SegmentedBM25, list[list[str]]]] = []
    for op in ops:
        index = index.fork()
        _apply(index, live, op)
        order = rng.permutation(sorted(live)).astype(np.int64) if live else np.zeros(0, np.int64)
        index.set_order(order)
        corpus = [live[int(h)] for h in order]
        versions.append((index, corpus))
        for q in queries:
            _check_ordered(index, corpus, q, k)
    while index.merge_step():
        pass
    for old, corpus in versions[-3:]:
        for q in queries:
            _check_ordered(old, corpus, q, k)


def test_set_order_needs_every_live_handle() -> None:
    index = SegmentedBM25([["a"], ["b"], ["c"]])
    index.remove([1])
    with pytest.raises(ValueError):
        index.set_order(np.array([0]))
    with pytest.raises(ValueError):
        index.set_order(np.array([0, 1]))
    index.set_order(np.array([2, 0]))
    assert index.top_k(["a", "c"], 5)[0][0] in (0, 1)


TAIL = [f"t{i}" for i in range(40)]  # enough rare terms for a positive average idf
wide_token = st.one_of(st.sampled_from(WORDS[:2]), st.sampled_from(TAIL))
wide_passage = st.lists(wide_token, min_size=1, max_size=10)
wide_ops = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.lists(wide_passage, min_size=1, max_size=8)),
        st.tuples(st.just("add"), st.lists(wide_passage, min_size=1, max_size=8)),
        remove_op,
        st.tuples(st.just("change"), st.tuples(st.integers(0, 10_000), wide_passage)),
        merge_op,
    ),
    min_size=1,
    max_size=20,
)
wide_query = st.lists(st.sampled_from([*WORDS[:2], *TAIL[:8], "unknown"]), min_size=1, max_size=5)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ops=wide_ops,
    queries=st.lists(wide_query, min_size=1, max_size=3),
    k=st.integers(1, 5),
    budget=st.integers(0, 12),
    seed=st.integers(0, 2**16),
)
def test_pruned_top_k_equals_rank_bm25(
    ops: list[tuple[str, object]], queries: list[list[str]], k: int, budget: int, seed: int
) -> None:
    """With a tiny budget of "small" postings, top_k prunes the frequent terms on these
    small corpora (when its bound allows): the result is still rank-bm25's, ties included."""
    rng = np.random.default_rng(seed)
    index = SegmentedBM25()
    live: dict[int, list[str]] = {}
    original = segments_module._SMALL_QUERY
    segments_module._SMALL_QUERY = budget
    try:
        for op in ops:
            _apply(index, live, op)
            order = rng.permutation(sorted(live)).astype(np.int64) if live else np.zeros(0, np.int64)
            index.set_order(order)
            corpus = [live[int(h)] for h in order]
            for q in queries:
                _check_ordered(index, corpus, q, k)
    finally:
        segments_module._SMALL_QUERY = original


def test_the_pruned_path_is_taken_and_exact() -> None:
    """A frequent term in every passage and a rare one: the frequent term's postings are
    only probed for the rare term's passages."""
    corpus = [["common", f"u{i}"] * 3 for i in range(300)] + [["common", "rare", "x"], ["rare", "common", "common"]]
    index = SegmentedBM25(corpus)
    index.set_order(np.arange(len(corpus)))
    original = segments_module._SMALL_QUERY
    segments_module._SMALL_QUERY = 10
    try:
        st_ = index._state
        terms = index._query_terms(st_, ["common", "rare"])
        assert index._top_k_pruned(st_, terms, 2) is not None
        _check_ordered(index, corpus, ["common", "rare"], 2)
        _check_ordered(index, corpus, ["rare", "common", "rare"], 5)
    finally:
        segments_module._SMALL_QUERY = original
