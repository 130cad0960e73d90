"""Benchmark BM25Index (retrieval/index/) against naive rank-bm25.

    python benchmarks/bench_retrieval.py [--sizes 10000,100000] [--with-1m] [--queries 1000]
        [--anchors bm25s-numba,tantivy] [--incremental]

For the shipped seeds (with the eval sets' questions) and each synthetic corpus size it
prints: the build time of the index from tokenised passages, the memory the build needed
at its peak and what the index keeps, top-10 query latency percentiles for
``BM25Index.top_k`` and for naive rank-bm25 (``get_scores`` then an argsort, as
``BM25Okapi.get_top_n`` does), their ratio at p50, and a parity check: our top 10 equals
rank-bm25's (same passages, same float64 scores, ties by passage index) on every query
naive rank-bm25 ran on. Naive rank-bm25 takes ~1.5 ms per thousand passages per query, so
it runs on a prefix of the queries at large sizes (the table says how many).

Anchors (``--anchors``: bm25s, tantivy; ``pip install -e '.[bench]'``) are fed the same
token lists and timed interleaved with newsbot, query by query, and each gets a *paired
ratio*: the median over queries of its time / newsbot's, which a noisy shared machine
shifts far less than the percentiles. ``--incremental`` adds the segmented index
(:class:`retrieval.index.segments.SegmentedBM25`): its query latency in the same
interleaving and "add 10 articles" (80 passages) to the corpus, with the snapshot update.

Synthetic corpora and questions come from ``benchmarks/synth.py`` (seeded, reproducible).
Single thread; latencies are wall-clock per query after a short warm-up. Progress goes to
stderr.
"""

from __future__ import annotations

import argparse
import functools
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
    from retrieval.answer import QuestionParser
    from retrieval.corpus import load_corpus
    from retrieval.corpus.passages import split_passages
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
    label: str,
    corpus: tuple[list[list[str]], list[list[str]]],
    n_naive: int | None,
    wanted: Sequence[str],
    incremental: bool,
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

    engines: list[Engine] = [("newsbot", build, lambda q: index.top_k(q, K))]
    if incremental:
        from retrieval.index.segments import SegmentedBM25

        t0 = time.perf_counter()
        segmented = SegmentedBM25(passages)
        engines.append(("newsbot segmented", time.perf_counter() - t0, lambda q: segmented.top_k(q, K)))
    engines += anchors(passages, wanted)
    log(f"n={n}: timing {', '.join(e[0] for e in engines)} on {len(queries)} queries, interleaved")
    timed = interleaved(engines, warmup + queries)
    ours = timed["newsbot"]
    others = [
        (name, engine_build, percentiles(timed[name]), paired_ratio(timed[name], ours))
        for name, engine_build, _ in engines[1:]
    ]
    if incremental:
        seg_top_ok = sum(segmented.top_k(q, K) == index.top_k(q, K) for q in queries)
        others.append(("newsbot segmented top-10 == BM25Index", 0.0, (0.0, 0.0, 0.0), float(seg_top_ok)))
        del segmented
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
    naive = time_queries(functools.partial(naive_top, okapi), queries[:m], "naive rank-bm25")
    log(f"n={n}: parity check on the {m} naive queries")
    parity = 0
    bitwise = 0
    for q in queries[:m]:
        scores = okapi.get_scores(q)
        bitwise += np.array_equal(scores.view(np.uint64), index.get_scores(q).view(np.uint64))
        parity += index.top_k(q, K) == reference_top(passages, scores, q)
    del okapi
    gc.collect()

    extra: list[tuple[str, str]] = []
    if incremental and n >= 1000:  # "add 80 passages" means nothing on the 57 seed passages
        import tempfile

        log(f"n={n}: incremental updates (SegmentedBM25)")
        with tempfile.TemporaryDirectory() as tmp:
            extra = bench_incremental(passages, queries, Path(tmp))

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
        "others": others,
        "extra": extra,
    }


Engine = tuple[str, float, Callable[[list[str]], object]]
"""An anchor: its name, its build time (s), and a top-10 query function."""


def anchor_bm25s(passages: list[list[str]], backend: str) -> Engine:
    """bm25s (its default "lucene" idf, float32 scores: a speed anchor, not exact), one
    query a call as the bot asks them; numba compiles on the warm-up calls."""
    import bm25s  # type: ignore[import-not-found]  # optional bench extra, untyped

    if backend == "numba":
        import numba  # type: ignore[import-not-found]  # optional bench extra, untyped

        numba.set_num_threads(1)  # single thread, like the others (and a shared machine)
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(t, len(vocab)) for t in p] for p in passages]
    vocab.setdefault("", len(vocab))  # bm25s's placeholder for queries without a known term
    retriever = bm25s.BM25(backend=backend)
    t0 = time.perf_counter()
    retriever.index(bm25s.tokenization.Tokenized(ids=ids, vocab=vocab), show_progress=False)
    build = time.perf_counter() - t0
    tokenized = bm25s.tokenization.Tokenized

    def run(q: list[str]) -> object:
        query = tokenized(ids=[[vocab[t] for t in q if t in vocab] or [vocab[""]]], vocab=vocab)
        return retriever.retrieve(query, k=K, show_progress=False, backend_selection=backend)

    return f"bm25s {backend}", build, run


def anchor_tantivy(passages: list[list[str]]) -> Engine:
    """tantivy (Rust, Lucene's BM25 with its own idf and field norms: a speed anchor, not
    exact), fed the same tokens through its whitespace tokenizer, one writer thread, merged
    to one segment; the query is a disjunction of term queries (no query parser)."""
    import tantivy  # type: ignore[import-not-found]  # optional bench extra, untyped

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("body", stored=False, tokenizer_name="whitespace", index_option="freq")
    schema = builder.build()
    t0 = time.perf_counter()
    index = tantivy.Index(schema)
    writer = index.writer(heap_size=500_000_000, num_threads=1)
    for p in passages:
        doc = tantivy.Document()
        doc.add_text("body", " ".join(p))
        writer.add_document(doc)
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    searcher = index.searcher()
    build = time.perf_counter() - t0
    should, term_query = tantivy.Occur.Should, tantivy.Query.term_query

    def run(q: list[str]) -> object:
        return searcher.search(tantivy.Query.boolean_query([(should, term_query(schema, "body", t)) for t in q]), K)

    return "tantivy", build, run


def anchors(passages: list[list[str]], wanted: Sequence[str]) -> list[Engine]:
    """The anchors asked for that are installed (an optional anchor must not sink the run)."""
    makers: dict[str, Callable[[], Engine]] = {
        "bm25s-numpy": lambda: anchor_bm25s(passages, "numpy"),
        "bm25s-numba": lambda: anchor_bm25s(passages, "numba"),
        "tantivy": lambda: anchor_tantivy(passages),
    }
    engines = []
    for name in wanted:
        log(f"n={len(passages)}: building anchor {name}")
        try:
            engines.append(makers[name]())
        except Exception as error:  # ImportError included: pip install -e '.[bench]'
            log(f"n={len(passages)}: anchor {name} unavailable: {error!r}")
    return engines


def interleaved(engines: list[Engine], queries: list[list[str]]) -> dict[str, list[float]]:
    """Per-query latencies of every engine, the engines run one after the other on each
    query (in an order rotated per query), so machine noise hits all of them alike."""
    times: dict[str, list[float]] = {name: [] for name, _, _ in engines}
    for q in queries[:WARMUP]:
        for _, _, run in engines:
            run(q)
    gc.collect()
    for i, q in enumerate(queries):
        for j in range(len(engines)):
            name, _, run = engines[(i + j) % len(engines)]
            t0 = time.perf_counter()
            run(q)
            times[name].append(time.perf_counter() - t0)
    return times


def paired_ratio(engine: Sequence[float], ours: Sequence[float]) -> float:
    """Median over queries of engine time / newsbot time (> 1: newsbot is faster)."""
    return float(np.median(np.asarray(engine) / np.asarray(ours)))


def bench_incremental(passages: list[list[str]], queries: list[list[str]], tmp: Path) -> list[tuple[str, str]]:
    """SegmentedBM25 on the same corpus: build, "add 10 articles" (80 passages, taken from
    the end of the corpus, with a sample of the queries checked bit for bit against a fresh
    BM25Index on the same corpus), a removal, a merge, and the segment snapshot's save."""
    from retrieval.index.segment_persist import save_segments
    from retrieval.index.segments import SegmentedBM25

    new = passages[-80:]  # ~8 passages an article
    base = passages[:-80]
    t0 = time.perf_counter()
    seg = SegmentedBM25(base)
    build = time.perf_counter() - t0
    first_save = save_segments(tmp, seg, "0")
    t0 = time.perf_counter()
    seg.add(new)
    add_s = time.perf_counter() - t0
    head = max(seg.vocabulary(), key=seg.doc_freq)  # df > N / 2 in these corpora: floored idf
    t0 = time.perf_counter()
    seg.top_k([head, *queries[0]], K)
    first_query_s = time.perf_counter() - t0  # recomputes rank-bm25's average idf
    t0 = time.perf_counter()
    written = save_segments(tmp, seg, "1")
    save_s = time.perf_counter() - t0
    from retrieval.index.segments import _merge

    t0 = time.perf_counter()
    _merge(-1, seg.segments())  # what the policy defers: the base rewritten with the delta
    forced_merge_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    seg.remove(range(0, 800, 10))
    remove_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    merges = 0
    while seg.merge_step():
        merges += 1
    merge_s = time.perf_counter() - t0
    reference = BM25Index([p for h, p in enumerate(base + new) if h >= 800 or h % 10])
    exact = sum(
        np.array_equal(seg.get_scores(q).view(np.uint64), reference.get_scores(q).view(np.uint64)) for q in queries[:50]
    )
    return [
        ("segmented build (tokens → one segment)", f"{build:.2f} s; snapshot {first_save / 1e6:.0f} MB"),
        (
            "add 10 articles (80 passages)",
            f"{add_s * 1e3:.1f} ms; segment snapshot update {save_s * 1e3:.1f} ms, {written / 1e3:.0f} kB written",
        ),
        ("first query after it (floored-idf term)", f"{first_query_s * 1e3:.1f} ms (average idf recomputed)"),
        ("remove 80 passages / merge after", f"{remove_s * 1e3:.1f} ms / {merge_s * 1e3:.0f} ms ({merges} merges)"),
        ("forced merge of the base with the delta", f"{forced_merge_s * 1e3:.0f} ms (one merge step, worst case)"),
        ("segmented get_scores == fresh index (50 q)", f"{exact}/50"),
    ]


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
    for name, build, (p50, p95, p99), ratio in r["others"]:
        if name.endswith("== BM25Index"):
            rows.append((name, f"{ratio:.0f}/{nq}"))
            continue
        rows.append(
            (
                f"{name} p50 / p95 / p99, build",
                f"{p50:.3f} / {p95:.3f} / {p99:.3f} ms, {build:.2f} s; paired time ratio vs newsbot "
                f"(median over queries of its time / newsbot's): {ratio:.2f}",
            )
        )
    rows += r["extra"]
    width = max(len(a) for a, _ in rows)
    print(f"\n## {r['label']}")
    for a, b in rows:
        print(f"| {a.ljust(width)} | {b} |")
    sys.stdout.flush()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated corpus sizes (passages)")
    parser.add_argument("--with-1m", action="store_true", help="also run 1,000,000 passages (~9 min, ~6 GB peak RSS)")
    parser.add_argument("--queries", type=int, default=1000, help="queries timed for BM25Index")
    parser.add_argument(
        "--naive-queries",
        type=int,
        default=None,
        help="queries timed for naive rank-bm25 (default: all up to 20k passages, 300 up to 200k, 30 above)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--anchors",
        default="",
        help="comma-separated anchors timed interleaved with newsbot: bm25s-numpy,bm25s-numba,tantivy",
    )
    parser.add_argument("--bm25s", action="store_true", help="shorthand for --anchors bm25s-numba")
    parser.add_argument(
        "--incremental", action="store_true", help="also time SegmentedBM25 (queries, add 10 articles, save)"
    )
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    wanted = [a for a in args.anchors.split(",") if a] + (["bm25s-numba"] if args.bm25s else [])
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
        result = bench_size(label, make(), args.naive_queries, wanted, args.incremental)
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
