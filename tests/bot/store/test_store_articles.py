"""Tests for bot.store: reload transactions, listings and corpus generations."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from bot.store import (
    KnownFailure,
    Store,
    StoreConflictError,
    StoredPassage,
)
from retrieval.records import Article, LoadFailure, Passage, Span
from tests.bot.store.helpers import (
    T0,
    T1,
    T2,
    dump,
    generation_of,
    make_article,
    make_question,
    make_run,
    seed,
    stored_hashes,
    two_passages,
)

# --------------------------------------------------------------------------- reloads


async def test_apply_reload_round_trips_articles_spans_and_tokens(store: Store) -> None:
    a = make_article("seeds/a.txt", source="Le Monde", url="https://x/a", published="2025-01-28")
    b = make_article("seeds/b.txt")
    pa, pb = two_passages(a), two_passages(b, tokens=("été", "h100"))
    await store.apply_reload([(b, pb), (a, pa)], [], [], make_run(added=2), T0)

    corpus = (await store.load_corpus()).entries

    assert [article for article, _ in corpus] == [a, b]  # ordered by path
    assert corpus[0][1] == pa
    assert corpus[1][1] == pb
    assert corpus[1][1][0].tokens == ("été", "h100")
    assert corpus[0][1][1].passage.sentences == (Span(16, 23), Span(24, 32))


async def test_apply_reload_added_updated_removed_unchanged(store: Store) -> None:
    a, b = await seed(store)
    c = make_article("seeds/c.txt")
    a2 = make_article("seeds/a.txt", text="Changed text entirely. Really.", content_hash="hash-a2")
    pa2 = [StoredPassage(Passage(a2.path, 0, (Span(0, 22), Span(23, 30))), ("chang",))]
    await store.apply_reload(
        [(a2, pa2), (c, two_passages(c))],
        removed=[],
        unchanged=[b.path],
        run=make_run(added=1, updated=1, unchanged=1),
        now=T1,
    )
    await store.apply_reload([], removed=[b.path], unchanged=[a2.path, c.path], run=make_run(removed=1), now=T2)

    corpus = (await store.load_corpus()).entries

    assert [article for article, _ in corpus] == [a2, c]
    assert corpus[0][1] == pa2  # old passages of a replaced, not appended
    assert corpus[1][1] == two_passages(c)
    assert await stored_hashes(store) == {"seeds/a.txt": "hash-a2", "seeds/c.txt": "hash-seeds/c.txt"}


async def test_update_keeps_first_seen_and_moves_last_seen(store: Store) -> None:
    a, b = await seed(store)
    a2 = make_article(a.path, content_hash="new-hash")
    await store.apply_reload([(a2, two_passages(a2))], [], [b.path], make_run(updated=1), T1)
    await store.apply_reload([], [], [a2.path], make_run(unchanged=1), T2)

    rows = {row.article.path: row for row in await store.articles()}

    assert (rows[a.path].first_seen, rows[a.path].last_seen) == (T0, T2)
    assert (rows[b.path].first_seen, rows[b.path].last_seen) == (T0, T1)
    assert rows[a.path].article.content_hash == "new-hash"
    assert rows[a.path].passages == 2


async def test_apply_reload_returns_run_id_and_records_failures(store: Store) -> None:
    run = make_run(added=2, failures=[LoadFailure("seeds/bad.txt", "empty file")])
    a = make_article("seeds/a.txt")
    run_id = await store.apply_reload([(a, two_passages(a))], [], [], run, T0)

    stats = await store.stats(datetime(2025, 1, 1, 13, tzinfo=UTC))

    assert run.id == run_id
    assert stats.last_reload == run


async def test_invalid_passage_midway_rolls_back_everything(store: Store) -> None:
    a, b = await seed(store)
    before = dump(store.path)
    c = make_article("seeds/c.txt")
    a2 = make_article(a.path, content_hash="changed")
    bad = make_article("seeds/d.txt", text="short")
    bad_passages = [StoredPassage(Passage(bad.path, 0, (Span(0, 999),)), ("x",))]  # past the end

    with pytest.raises(ValueError, match="outside the text"):
        await store.apply_reload(
            [(a2, two_passages(a2)), (c, two_passages(c)), (bad, bad_passages)],
            removed=[b.path],
            unchanged=[],
            run=make_run(added=2, updated=1, removed=1),
            now=T1,
        )

    assert dump(store.path) == before
    assert await stored_hashes(store) == {a.path: a.content_hash, b.path: b.content_hash}


async def test_failure_at_last_step_rolls_back_everything(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = await seed(store)
    before = dump(store.path)

    async def boom(*args: object, **kwargs: object) -> int:
        raise RuntimeError("disk exploded while recording the run")

    monkeypatch.setattr(Store, "_insert_run", boom)
    c = make_article("seeds/c.txt")
    run = make_run(added=1, removed=1, unchanged=1)
    with pytest.raises(RuntimeError, match="disk exploded"):
        await store.apply_reload([(c, two_passages(c))], [b.path], [a.path], run, T1)

    assert dump(store.path) == before
    assert run.id is None
    monkeypatch.undo()
    await store.log_question(make_question(datetime(2025, 1, 2, tzinfo=UTC)))  # store still usable


async def test_duplicate_passage_ordinal_rolls_back_and_keeps_integrity_error(store: Store) -> None:
    await seed(store)
    before = dump(store.path)
    c = make_article("seeds/c.txt")
    dup = two_passages(c)
    dup[1] = StoredPassage(Passage(c.path, 0, (Span(16, 23),)), ())

    with pytest.raises(sqlite3.IntegrityError):
        await store.apply_reload([(c, dup)], [], [], make_run(added=1), T1)

    assert dump(store.path) == before


async def test_record_run_stores_failed_reload_with_reasons(store: Store) -> None:
    await seed(store)
    run = make_run(
        requested_by="discord",
        started_at=T1,
        ok=False,
        error="corpus folder missing",
        failures=[LoadFailure("seeds/x.txt", "not UTF-8"), LoadFailure("seeds/y.txt", "empty")],
    )

    run_id = await store.record_run(run)
    stats = await store.stats(datetime(2025, 1, 2, 13, tzinfo=UTC))

    assert stats.last_reload is not None
    assert stats.last_reload.id == run_id == run.id
    assert stats.last_reload.ok is False
    assert stats.last_reload.error == "corpus folder missing"
    assert stats.last_reload.failures == run.failures
    assert stats.articles == 2  # a failed run touches no article


# --------------------------------------------------------------------------- headlines


async def test_headlines_order_dated_partial_then_undated(store: Store) -> None:
    def art(path: str, published: str | None) -> Article:
        return make_article(path, published=published)

    first_batch = [
        art("seeds/jan28-old.txt", "2025-01-28"),
        art("seeds/undated-old.txt", None),
        art("seeds/dec.txt", "2024-12-31"),
    ]
    second_batch = [
        art("seeds/jan28-new.txt", "2025-01-28"),
        art("seeds/jan.txt", "2025-01"),
        art("seeds/undated-new-b.txt", None),
        art("seeds/undated-new-a.txt", None),
        art("seeds/feb.txt", "2025-02-01"),
    ]
    await store.apply_reload([(a, two_passages(a)) for a in first_batch], [], [], make_run(), T0)
    await store.apply_reload(
        [(a, two_passages(a)) for a in second_batch],
        [],
        [a.path for a in first_batch],
        make_run(),
        T1,
    )

    order = [row.article.path for row in await store.headlines(10)]

    assert order == [
        "seeds/feb.txt",
        "seeds/jan28-new.txt",  # same date: newer first_seen first
        "seeds/jan28-old.txt",
        "seeds/jan.txt",  # month-only sorts below the full dates of that month
        "seeds/dec.txt",
        "seeds/undated-new-a.txt",  # undated last; same first_seen: by path
        "seeds/undated-new-b.txt",
        "seeds/undated-old.txt",
    ]
    assert [row.article.path for row in await store.headlines(2)] == order[:2]
    assert await store.headlines(0) == []


async def test_articles_lists_by_path_with_passage_counts(store: Store) -> None:
    a, b = await seed(store)
    rows = await store.articles()
    assert [(row.article, row.passages) for row in rows] == [(a, 2), (b, 2)]


# --------------------------------------------------------------------------- corpus versions


async def test_corpus_generation_changes_only_when_the_stored_corpus_does(store: Store) -> None:
    a, b = await seed(store)
    seeded = await generation_of(store)
    await store.apply_reload([], [], [a.path, b.path], make_run(unchanged=2), T1)
    unchanged = await generation_of(store)
    await store.apply_reload([], [b.path], [a.path], make_run(removed=1), T2)
    removed = await generation_of(store)
    assert unchanged == seeded
    assert removed != seeded
    assert (await store.load_corpus()).generation == removed


async def test_run_records_the_generation_it_left(store: Store) -> None:
    a = make_article("seeds/a.txt")
    run = make_run(added=1)
    await store.apply_reload([(a, two_passages(a))], [], [], run, T0)
    stats = await store.stats(datetime(2025, 1, 1, 13, tzinfo=UTC))
    assert run.generation == await generation_of(store)
    assert stats.last_reload is not None and stats.last_reload.generation == run.generation


async def test_load_corpus_without_tokens_skips_them(store: Store) -> None:
    a, _ = await seed(store)
    corpus = await store.load_corpus(tokens=False)
    with_tokens = await store.load_corpus()
    assert [p.passage for _, ps in corpus.entries for p in ps] == [
        p.passage for _, ps in with_tokens.entries for p in ps
    ]
    assert all(p.tokens == () for _, ps in corpus.entries for p in ps)
    assert any(p.tokens for _, ps in with_tokens.entries for p in ps)


async def test_file_signatures_are_kept_per_article(store: Store) -> None:
    a, b = make_article("seeds/a.txt"), make_article("seeds/b.txt")
    await store.apply_reload(
        [(a, two_passages(a)), (b, two_passages(b))], [], [], make_run(added=2), T0, signatures={a.path: "sig-a"}
    )
    _, first = await store.article_files()
    await store.record_signatures({b.path: "sig-b"})
    _, second = await store.article_files()
    await store.apply_reload([], [], [a.path, b.path], make_run(unchanged=2), T1, signatures={b.path: "sig-b2"})
    _, third = await store.article_files()
    assert (first[a.path].signature, first[b.path].signature) == ("sig-a", None)
    assert second[b.path].signature == "sig-b"
    # A reload states every file's signature: one it could not vouch for is cleared.
    assert (third[a.path].signature, third[b.path].signature) == (None, "sig-b2")
    assert third[a.path].content_hash == a.content_hash


async def test_each_article_remembers_the_text_pipeline_that_parsed_it(store: Store) -> None:
    a, b = make_article("seeds/a.txt"), make_article("seeds/b.txt")
    await store.apply_reload([(a, two_passages(a))], [], [], make_run(added=1), T0)  # pipeline unknown
    await store.apply_reload([(b, two_passages(b))], [], [a.path], make_run(added=1), T1, pipeline="1+pystemmer-3.1.0")
    _, files = await store.article_files()
    assert (files[a.path].pipeline, files[b.path].pipeline) == (None, "1+pystemmer-3.1.0")


async def test_a_reload_prepared_from_another_generation_changes_nothing(store: Store) -> None:
    a, b = await seed(store)
    started_from = await generation_of(store)
    await store.apply_reload([], [b.path], [a.path], make_run(removed=1), T1)  # another process
    before = dump(store.path)
    c = make_article("seeds/c.txt")
    with pytest.raises(StoreConflictError, match="Run the reload again"):
        await store.apply_reload(
            [(c, two_passages(c))], [], [a.path], make_run(added=1), T2, expected_generation=started_from
        )
    assert dump(store.path) == before


async def test_known_failures_are_replaced_by_each_reload_that_gives_them(store: Store) -> None:
    bad = {"seeds/vide.txt": KnownFailure("sig-1", "p1", "empty file")}
    await store.apply_reload([], [], [], make_run(), T0, known_failures=bad)
    assert await store.known_failures() == bad
    await store.apply_reload([], [], [], make_run(), T1)  # not given: kept
    assert await store.known_failures() == bad
    await store.apply_reload([], [], [], make_run(), T2, known_failures={})
    assert await store.known_failures() == {}
