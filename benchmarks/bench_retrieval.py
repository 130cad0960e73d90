"""Benchmark BM25Index (retrieval/index/) against naive rank-bm25.

    python benchmarks/bench_retrieval.py [--sizes 10000,100000] [--with-1m] [--queries 1000] [--bm25s]

For the shipped seeds (with the eval sets' questions) and each synthetic corpus size it
prints: the build time of the index from tokenised passages, the memory the build needed
at its peak and what the index keeps, top-10 query latency percentiles for
``BM25Index.top_k`` and for naive rank-bm25 (``get_scores`` then an argsort, as
``BM25Okapi.get_top_n`` does), their ratio at p50, and a parity check: our top 10 equals
rank-bm25's (same passages, same float64 scores, ties by passage index) on every query
naive rank-bm25 ran on. Naive rank-bm25 takes ~1.5 ms per thousand passages per query, so
it runs on a prefix of the queries at large sizes (the table says how many).

Synthetic corpora and questions come from ``benchmarks/synth.py`` (seeded, reproducible).
Single thread; latencies are wall-clock per query after a short warm-up. Progress goes to
stderr.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

import synth  # noqa: E402
from rank_bm25 import BM25Okapi  # noqa: E402

from retrieval.index.bm25 import BM25Index  # noqa: E402

K = 10
WARMUP = 20


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def traced_build(passages: list[list[str]]) -> tuple[int, int]:
    """(peak, retained) bytes allocated while building an index, by tracemalloc (numpy
    reports its buffers to it). A separate, untimed build: tracing slows the build."""
    gc.collect()
    tracemalloc.start()
    try:
        index = BM25Index(passages)
        retained, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del index
    gc.collect()
    return peak, retained


def index_bytes(index: BM25Index) -> int:
    """What the index keeps: its numpy arrays plus its vocabulary dict and term strings."""
    vocab = index._vocab
    return index.nbytes() + sys.getsizeof(vocab) + sum(sys.getsizeof(t) for t in vocab)


def okapi_bytes(okapi: BM25Okapi) -> int:
    """What rank-bm25 keeps (its term strings are the corpus's, not counted)."""
    return (
        sum(map(sys.getsizeof, okapi.doc_freqs))
        + sys.getsizeof(okapi.doc_freqs)
        + sys.getsizeof(okapi.idf)
        + sys.getsizeof(okapi.doc_len)
    )


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentiles(seconds: Sequence[float]) -> tuple[float, float, float]:
    ms = np.asarray(seconds) * 1e3
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    return float(p50), float(p95), float(p99)


def time_queries(run: Callable[[list[str]], object], queries: list[list[str]], label: str) -> list[float]:
    gc.collect()
    times: list[float] = []
    step = max(1, len(queries) // 10)
    started = time.perf_counter()
    for i, q in enumerate(queries):
        t0 = time.perf_counter()
        run(q)
        times.append(time.perf_counter() - t0)
        if (i + 1) % step == 0 and time.perf_counter() - started > 5:
            log(f"  {label}: {i + 1}/{len(queries)} queries")
    return times


def naive_top(okapi: BM25Okapi, query: list[str]) -> np.ndarray:
    scores = okapi.get_scores(query)
    return np.argsort(scores)[::-1][:K]  # what BM25Okapi.get_top_n does


def reference_top(passages: list[list[str]], scores: np.ndarray, query: list[str]) -> list[tuple[int, float]]:
    """rank-bm25's scores sorted by (-score, index), passages with a query term only."""
    terms = set(query)
    result: list[tuple[int, float]] = []
    for i in np.argsort(-scores, kind="stable").tolist():
        if terms.intersection(passages[i]):
            result.append((i, float(scores[i])))
            if len(result) == K:
                break
    return result


def default_naive_queries(n: int, queries: int) -> int:
    if n <= 20_000:
        return queries
    if n <= 200_000:
        return min(queries, 300)
    return min(queries, 30)


def synthetic_corpus(n: int, n_queries: int, seed: int) -> tuple[list[list[str]], list[list[str]]]:
    log(f"n={n}: generating passages (seed {seed})")
    t0 = time.perf_counter()
    passages = synth.generate_passages(n, seed)
    queries = synth.generate_queries(passages, n_queries + WARMUP, seed + 1)
    log(f"n={n}: {sum(map(len, passages))} tokens generated in {time.perf_counter() - t0:.1f}s")
    return passages, queries


def seeds_corpus(n_queries: int) -> tuple[list[list[str]], list[list[str]]]:
    """The shipped articles as the bot indexes them, and the eval sets' questions as it
    sends them to BM25 (cycled up to ``n_queries``)."""
    from retrieval.corpus import load_corpus
    from retrieval.corpus.passages import split_passages
    from retrieval.answer import QuestionParser
    from retrieval.engine import passage_terms
    from retrieval.text.analyzers import Analyzers

    analyzers = Analyzers()
    passages = [
        passage_terms(analyzers, article, passage)
        for article in load_corpus(ROOT / "seeds").articles
        for passage in split_passages(article)
    ]
    parser = QuestionParser(analyzers)
    questions = [
        parser.parse(json.loads(line)["q"]).query_terms()
        for path in sorted((ROOT / "tests" / "data").glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return passages, list(itertools.islice(itertools.cycle(questions), n_queries + WARMUP))


def bench_size(
    label: str, corpus: tuple[list[list[str]], list[list[str]]], n_naive: int | None, with_bm25s: bool
) -> dict[str, object]:
    passages, queries = corpus
    warmup, queries = queries[:WARMUP], queries[WARMUP:]
    n = len(passages)
    tokens = sum(map(len, passages))

    def progress(done: int, total: int) -> None:
        if n >= 100_000:
            log(f"  build: {done}/{total} passages mapped")

    log(f"n={n}: building BM25Index")
    gc.collect()
    t0 = time.perf_counter()
    index = BM25Index(passages, progress=progress)
    build = time.perf_counter() - t0
    log(f"n={n}: built in {build:.2f}s; {index.n_postings} postings, {index.vocabulary_size} terms")
    log(f"n={n}: building it again under tracemalloc for its memory")
    build_peak, build_retained = traced_build(passages)

    for q in warmup:
        index.top_k(q, K)
    ours = time_queries(lambda q: index.top_k(q, K), queries, "BM25Index.top_k")
    log(f"n={n}: checking top_k against a full sort of get_scores on all {len(queries)} queries")
    self_ok = 0
    for q in queries:
        if index.top_k(q, K) == reference_top(passages, index.get_scores(q), q):
            self_ok += 1

    m = n_naive if n_naive is not None else default_naive_queries(n, len(queries))
    m = min(m, len(queries))
    log(f"n={n}: building rank_bm25.BM25Okapi")
    gc.collect()
    t0 = time.perf_counter()
    okapi = BM25Okapi(passages)
    naive_build = time.perf_counter() - t0
    naive_bytes = okapi_bytes(okapi)
    log(f"n={n}: rank-bm25 built in {naive_build:.1f}s; timing it on {m} queries")
    for q in warmup[:3]:
        naive_top(okapi, q)
    naive = time_queries(lambda q: naive_top(okapi, q), queries[:m], "naive rank-bm25")
    log(f"n={n}: parity check on the {m} naive queries")
    parity = 0
    bitwise = 0
    for q in queries[:m]:
        scores = okapi.get_scores(q)
        bitwise += np.array_equal(scores.view(np.uint64), index.get_scores(q).view(np.uint64))
        parity += index.top_k(q, K) == reference_top(passages, scores, q)
    del okapi
    gc.collect()

    anchor = None
    if with_bm25s:
        anchor = bench_bm25s(passages, queries)

    return {
        "label": label,
        "n": n,
        "tokens": tokens,
        "postings": index.n_postings,
        "terms": index.vocabulary_size,
        "build_s": build,
        "build_peak_mb": build_peak / 1e6,
        "build_retained_mb": build_retained / 1e6,
        "index_mb": index_bytes(index) / 1e6,
        "ours": percentiles(ours),
        "ours_mean_ms": float(np.mean(ours) * 1e3),
        "queries": len(queries),
        "self_ok": self_ok,
        "naive": percentiles(naive),
        "naive_build_s": naive_build,
        "naive_mb": naive_bytes / 1e6,
        "max_rss_mb": max_rss_mb(),
        "naive_queries": m,
        "parity": parity,
        "bitwise": bitwise,
        "bm25s": anchor,
    }


def bench_bm25s(passages: list[list[str]], queries: list[list[str]]) -> str:
    """Latency anchor only (bm25s's default "lucene" idf and float32 scores differ from
    rank-bm25's): top-10 ``retrieve`` one query at a time, as the bot asks them, with its
    numpy backend and, when numba is installed, its numba backend."""
    try:
        import bm25s  # type: ignore[import-not-found]
    except ImportError:
        return "bm25s not installed (pip install -e '.[bench]')"
    backends = ["numpy"]
    try:
        import numba  # type: ignore[import-not-found]  # noqa: F401

        backends.append("numba")
    except ImportError:
        pass
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(t, len(vocab)) for t in p] for p in passages]
    vocab.setdefault("", len(vocab))  # bm25s's placeholder for queries without a known term
    results = []
    for backend in backends:
        log(f"n={len(passages)}: bm25s {backend} backend: indexing, then timing top-{K} retrieval")
        try:
            retriever = bm25s.BM25(backend=backend)
            t0 = time.perf_counter()
            retriever.index(bm25s.tokenization.Tokenized(ids=ids, vocab=vocab), show_progress=False)
            build = time.perf_counter() - t0
            tokenized = [
                bm25s.tokenization.Tokenized(ids=[[vocab[t] for t in q if t in vocab] or [vocab[""]]], vocab=vocab)
                for q in queries
            ]
            for q in tokenized[:WARMUP]:  # numba compiles on the first calls
                retriever.retrieve(q, k=K, show_progress=False, backend_selection=backend)
            times = []
            for q in tokenized[: default_naive_queries(len(passages), len(tokenized))]:  # slow at 1M
                t0 = time.perf_counter()
                retriever.retrieve(q, k=K, show_progress=False, backend_selection=backend)
                times.append(time.perf_counter() - t0)
            p50, p95, p99 = percentiles(times)
            # All queries in one call, as bm25s's own benchmarks run them: per-call
            # overhead is shared, so this is its best case (a mean, not a latency).
            batch = bm25s.tokenization.Tokenized(ids=[q.ids[0] for q in tokenized], vocab=vocab)
            t0 = time.perf_counter()
            retriever.retrieve(batch, k=K, show_progress=False, backend_selection=backend)
            batched_ms = (time.perf_counter() - t0) * 1e3 / len(tokenized)
            results.append(
                f"bm25s {backend}: build {build:.2f}s, one query a call p50 {p50:.3f} / p95 {p95:.3f} / "
                f"p99 {p99:.3f} ms, batched {batched_ms:.3f} ms a query"
            )
        except Exception as error:  # an optional anchor must not sink the benchmark
            results.append(f"bm25s {backend} failed: {error!r}")
    return "; ".join(results)


def ms(value: float) -> str:
    return f"{value:.3f}" if value < 1 else f"{value:.1f}"


def mb(value: float) -> str:
    return f"{value:.2f} MB" if value < 10 else f"{value:.0f} MB"


def print_table(r: dict[str, object]) -> None:
    ours, naive = r["ours"], r["naive"]
    nq, mq = r["queries"], r["naive_queries"]
    rows = [
        ("passages / tokens", f"{r['n']:,} / {r['tokens']:,}"),
        ("postings / terms", f"{r['postings']:,} / {r['terms']:,}"),
        ("build (tokenised → index)", f"{r['build_s']:.2f} s"),
        ("build peak memory (tracemalloc)", mb(r["build_peak_mb"])),
        (
            "index memory (arrays + vocabulary)",
            f"{mb(r['index_mb'])} (tracemalloc, retained by the build: {mb(r['build_retained_mb'])})",
        ),
        (
            f"top_k p50 / p95 / p99 ({nq} queries)",
            f"{ours[0]:.3f} / {ours[1]:.3f} / {ours[2]:.3f} ms (mean {r['ours_mean_ms']:.3f})",
        ),
        (f"naive p50 / p95 / p99 ({mq} queries)", f"{ms(naive[0])} / {ms(naive[1])} / {ms(naive[2])} ms"),
        ("speed-up at p50", f"{naive[0] / ours[0]:.1f}×" if naive[0] < 10 * ours[0] else f"{naive[0] / ours[0]:.0f}×"),
        (
            "rank-bm25 build / memory kept",
            f"{r['naive_build_s']:.1f} s / {mb(r['naive_mb'])} (its per-passage dicts)",
        ),
        (
            f"parity: top-10 == rank-bm25 ({mq} queries)",
            f"{r['parity']}/{mq} (get_scores bitwise equal: {r['bitwise']}/{mq})",
        ),
        (f"top_k == full sort of get_scores ({nq} queries)", f"{r['self_ok']}/{nq}"),
    ]
    rows.append(("process max RSS so far", f"{r['max_rss_mb']:.0f} MB"))
    if r["bm25s"]:
        rows.append(("anchor", str(r["bm25s"])))
    width = max(len(a) for a, _ in rows)
    print(f"\n## {r['label']}")
    for a, b in rows:
        print(f"| {a.ljust(width)} | {b} |")
    sys.stdout.flush()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated corpus sizes (passages)")
    parser.add_argument(
        "--with-1m", action="store_true", help="also run 1,000,000 passages (~9 min, ~6 GB peak RSS)"
    )
    parser.add_argument("--queries", type=int, default=1000, help="queries timed for BM25Index")
    parser.add_argument(
        "--naive-queries",
        type=int,
        default=None,
        help="queries timed for naive rank-bm25 (default: all up to 20k passages, 300 up to 200k, 30 above)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bm25s", action="store_true", help="add bm25s as a latency anchor if installed")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.with_1m and 1_000_000 not in sizes:
        sizes.append(1_000_000)
    print(
        f"# BM25Index vs rank-bm25 {_version()} — top-{K}, seed {args.seed}, "
        f"numpy {np.__version__}, python {sys.version.split()[0]}"
    )
    corpora: list[tuple[str, Callable[[], tuple[list[list[str]], list[list[str]]]]]] = [
        ("seeds (the shipped articles, eval-set questions)", lambda: seeds_corpus(args.queries))
    ]
    corpora += [(f"{n:,} passages", lambda n=n: synthetic_corpus(n, args.queries, args.seed)) for n in sizes]
    failures = 0
    for label, make in corpora:
        result = bench_size(label, make(), args.naive_queries, args.bm25s)
        print_table(result)
        failures += result["parity"] != result["naive_queries"] or result["self_ok"] != result["queries"]
    return 1 if failures else 0


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("rank-bm25")
    except Exception:
        return "?"


if __name__ == "__main__":
    sys.exit(main())
