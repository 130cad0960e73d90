"""Tests for bot.store: schema, migrations, reload transactions, headlines, question log."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import store as store_module
from bot.store import (
    SCHEMA_VERSION,
    QuestionLog,
    ReloadRun,
    Store,
    StoreBusyError,
    StoreConflictError,
    StoredPassage,
    StoreError,
    utc_timestamp,
)
from retrieval.records import Article, LoadFailure, Passage, Span

T0 = utc_timestamp(datetime(2025, 1, 1, 12, tzinfo=UTC))
T1 = utc_timestamp(datetime(2025, 1, 2, 12, tzinfo=UTC))
T2 = utc_timestamp(datetime(2025, 1, 3, 12, tzinfo=UTC))


# --------------------------------------------------------------------------- helpers


def make_article(path: str, text: str = "First sentence. Second one here.", **kw: str | None) -> Article:
    fields: dict[str, str | None] = {"title": f"Title of {path}", "content_hash": f"hash-{path}"}
    fields.update(kw)
    return Article(path=path, text=text, **fields)  # type: ignore[arg-type]


def two_passages(article: Article, tokens: tuple[str, ...] = ("first", "sentenc")) -> list[StoredPassage]:
    return [
        StoredPassage(
            Passage(article.path, 0, (Span(0, 15),), context=article.title), tokens
        ),
        StoredPassage(
            Passage(article.path, 1, (Span(16, 23), Span(24, 32)), context="Sub-heading"),
            ("second", "one", "ici"),
        ),
    ]


def make_run(**kw: object) -> ReloadRun:
    fields: dict[str, object] = {
        "requested_by": "cli",
        "started_at": T0,
        "duration_s": 0.5,
        "added": 0,
        "updated": 0,
        "unchanged": 0,
        "removed": 0,
        "failures": [],
        "ok": True,
    }
    fields.update(kw)
    return ReloadRun(**fields)  # type: ignore[arg-type]


def make_question(asked_at: datetime, question: str = "What happened?", answered: bool = True) -> QuestionLog:
    return QuestionLog(
        asked_at=utc_timestamp(asked_at),
        origin="discord",
        question=question,
        answered=answered,
        top_article="seeds/a.txt" if answered else None,
        top_score=3.2 if answered else None,
        latency_ms=12.5,
        guild_id=1,
        channel_id=2,
    )


def dump(path: Path) -> list[str]:
    """Every schema statement and row of the database file, as committed on disk."""
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


async def generation_of(store: Store) -> str:
    generation, _ = await store.article_files()
    return generation


async def stored_hashes(store: Store) -> dict[str, str]:
    _, files = await store.article_files()
    return {path: file.content_hash for path, file in files.items()}


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(tmp_path / "newsbot.db")
    try:
        yield opened
    finally:
        await opened.close()


async def seed(store: Store) -> tuple[Article, Article]:
    a, b = make_article("seeds/a.txt"), make_article("seeds/b.txt")
    await store.apply_reload(
        [(a, two_passages(a)), (b, two_passages(b))], [], [], make_run(added=2), T0
    )
    return a, b


# --------------------------------------------------------------------------- opening


async def test_open_creates_parent_folder(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "newsbot.db"
    async with await Store.open(path) as opened:
        assert opened.path == path
    assert path.exists()


async def test_fresh_open_uses_wal_and_latest_schema_version(store: Store) -> None:
    assert await store.schema_version() == SCHEMA_VERSION == 3
    conn = sqlite3.connect(store.path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        conn.close()


async def test_foreign_keys_are_enforced_so_removed_article_passages_cascade(store: Store) -> None:
    a, _ = await seed(store)
    await store.apply_reload([], [a.path], [], make_run(removed=1), T1)
    conn = sqlite3.connect(store.path)
    try:
        orphans = conn.execute(
            "SELECT COUNT(*) FROM passages WHERE article_id NOT IN (SELECT id FROM articles)"
        ).fetchone()[0]
        total = conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
    finally:
        conn.close()
    assert orphans == 0
    assert total == 2  # only b's passages remain


async def test_closed_store_raises_store_error(tmp_path: Path) -> None:
    opened = await Store.open(tmp_path / "newsbot.db")
    await opened.close()
    await opened.close()  # harmless twice
    with pytest.raises(StoreError, match="closed"):
        await opened.articles()


async def test_non_database_file_is_refused_with_store_error(tmp_path: Path) -> None:
    path = tmp_path / "newsbot.db"
    path.write_bytes(b"this is not sqlite at all, just some text " * 100)
    with pytest.raises(StoreError, match="NEWSBOT_DB"):
        await Store.open(path)


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


async def test_failure_at_last_step_rolls_back_everything(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
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


# --------------------------------------------------------------------------- migrations

V1_SCHEMA = """
CREATE TABLE articles (
    id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, title TEXT NOT NULL, source TEXT,
    url TEXT, published TEXT, content_hash TEXT NOT NULL, text TEXT NOT NULL,
    first_seen TEXT NOT NULL, last_seen TEXT NOT NULL
);
CREATE TABLE passages (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL, sentences TEXT NOT NULL, context TEXT NOT NULL DEFAULT '',
    UNIQUE (article_id, ordinal)
);
CREATE TABLE reload_runs (
    id INTEGER PRIMARY KEY, requested_by TEXT NOT NULL, started_at TEXT NOT NULL,
    duration_s REAL NOT NULL, added INTEGER NOT NULL, updated INTEGER NOT NULL,
    unchanged INTEGER NOT NULL, removed INTEGER NOT NULL, ok INTEGER NOT NULL, error TEXT
);
CREATE TABLE reload_failures (
    id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES reload_runs (id) ON DELETE CASCADE,
    path TEXT NOT NULL, reason TEXT NOT NULL
);
CREATE TABLE questions (
    id INTEGER PRIMARY KEY, asked_at TEXT NOT NULL, origin TEXT NOT NULL, guild_id INTEGER,
    channel_id INTEGER, question TEXT NOT NULL, answered INTEGER NOT NULL,
    top_article TEXT, top_score REAL, latency_ms REAL NOT NULL
);
"""


def build_v1_database(path: Path) -> None:
    """A database as the v1 newsbot left it: rollback journal, no token cache."""
    conn = sqlite3.connect(path)
    conn.executescript(V1_SCHEMA)
    conn.execute(
        "INSERT INTO articles VALUES (1, 'seeds/old.txt', 'Old', 'AFP', NULL, '2024-12', "
        "'h-old', 'First sentence. Second one here.', ?, ?)",
        (T0, T1),
    )
    conn.execute("INSERT INTO passages VALUES (1, 1, 0, '[[0,15]]', 'Old')")
    conn.execute("INSERT INTO passages VALUES (2, 1, 1, '[[16,23],[24,32]]', '')")
    conn.execute(
        "INSERT INTO reload_runs VALUES (1, 'startup', ?, 1.5, 1, 0, 0, 0, 1, NULL)", (T0,)
    )
    conn.execute("INSERT INTO reload_failures VALUES (1, 1, 'seeds/bad.txt', 'empty')")
    conn.execute(
        "INSERT INTO questions VALUES (1, ?, 'cli', NULL, NULL, 'Old question?', 0, NULL, NULL, 3.0)",
        (T1,),
    )
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()


async def test_v1_database_migrates_to_latest_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    build_v1_database(path)

    async with await Store.open(path) as opened:
        assert await opened.schema_version() == SCHEMA_VERSION
        corpus = (await opened.load_corpus()).entries
        rows = await opened.articles()
        stats = await opened.stats(datetime(2025, 1, 2, 13, tzinfo=UTC))

    article = Article(
        path="seeds/old.txt",
        title="Old",
        text="First sentence. Second one here.",
        content_hash="h-old",
        source="AFP",
        published="2024-12",
    )
    assert corpus == [
        (
            article,
            [
                StoredPassage(Passage("seeds/old.txt", 0, (Span(0, 15),), "Old"), ()),
                StoredPassage(Passage("seeds/old.txt", 1, (Span(16, 23), Span(24, 32)), ""), ()),
            ],
        )
    ]
    assert (rows[0].first_seen, rows[0].last_seen, rows[0].passages) == (T0, T1, 2)
    assert stats.last_reload is not None
    assert stats.last_reload.failures == [LoadFailure("seeds/bad.txt", "empty")]
    assert stats.top_unanswered == [("Old question?", 1)]


async def test_migrated_v1_database_accepts_cached_tokens(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    build_v1_database(path)
    async with await Store.open(path) as opened:
        (article, passages), = (await opened.load_corpus()).entries
        analysed = [StoredPassage(p.passage, ("first",)) for p in passages]
        await opened.apply_reload([(article, analysed)], [], [], make_run(updated=1), T2)
        (_, reloaded), = (await opened.load_corpus()).entries
    assert reloaded == analysed
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


async def test_newer_schema_version_is_refused_with_upgrade_hint(tmp_path: Path) -> None:
    path = tmp_path / "newsbot.db"
    async with await Store.open(path):
        pass
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()

    with pytest.raises(StoreError, match="newer newsbot.*Upgrade newsbot") as info:
        await Store.open(path)
    assert not isinstance(info.value, StoreBusyError)


async def test_failing_migration_leaves_previous_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "newsbot.db"
    async with await Store.open(path):
        pass
    broken = store_module.Migration(
        SCHEMA_VERSION + 1,
        "broken",
        ("CREATE TABLE extra (x INTEGER)", "ALTER TABLE no_such_table ADD COLUMN y TEXT"),
    )
    monkeypatch.setattr(store_module, "MIGRATIONS", [*store_module.MIGRATIONS, broken])
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)

    with pytest.raises(sqlite3.OperationalError, match="no_such_table"):
        await Store.open(path)

    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'extra'").fetchone() is None
    finally:
        conn.close()


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


# --------------------------------------------------------------------------- questions


async def test_stats_counts_day_and_week_and_corpus(store: Store) -> None:
    await seed(store)
    now = datetime(2025, 3, 10, 12, tzinfo=UTC)
    for hours, answered in [(1, True), (5, False), (23, True), (30, True), (100, False), (167, True), (200, True)]:
        await store.log_question(make_question(now - timedelta(hours=hours), f"q{hours}", answered))

    stats = await store.stats(now)

    assert (stats.articles, stats.passages) == (2, 4)
    assert (stats.asked_day, stats.answered_day) == (3, 2)
    assert (stats.asked_week, stats.answered_week) == (6, 4)


async def test_stats_on_empty_database(store: Store) -> None:
    stats = await store.stats(datetime(2025, 3, 10, tzinfo=UTC))
    assert stats.last_reload is None
    assert (stats.articles, stats.passages, stats.asked_day, stats.asked_week) == (0, 0, 0, 0)
    assert stats.top_unanswered == []


async def test_top_unanswered_groups_trimmed_case_insensitive_top_five(store: Store) -> None:
    now = datetime(2025, 3, 10, 12, tzinfo=UTC)

    async def ask(question: str, hours_ago: float, answered: bool = False) -> None:
        await store.log_question(make_question(now - timedelta(hours=hours_ago), question, answered))

    for i, variant in enumerate(["who is the CEO?", "  Who is the CEO?", "WHO IS THE CEO?  "]):
        await ask(variant, 10 - i)  # last asked: "WHO IS THE CEO?  "
    for _ in range(2):
        await ask("Qu'a dit l'ÉTÉ ?", 3)
    await ask("qu'a dit l'été ?", 2)  # non-ASCII case folding joins the group
    await ask("prix du gaz ?", 1)
    await ask("prix du gaz ?", 1.5)
    for question in ["a?", "b?", "c?"]:
        await ask(question, 4)
    await ask("who is the ceo?", 1, answered=True)  # answered: not counted
    await ask("who is the ceo?", 24 * 8)  # older than a week: not counted
    await ask("a?", 24 * 8)

    stats = await store.stats(now)

    assert stats.top_unanswered == [
        ("qu'a dit l'été ?", 3),  # tie at 3: most recently asked first
        ("WHO IS THE CEO?", 3),
        ("prix du gaz ?", 2),
        ("a?", 1),
        ("b?", 1),
    ]


async def test_log_question_stores_no_user_identity(store: Store) -> None:
    await store.log_question(make_question(datetime(2025, 1, 1, tzinfo=UTC)))
    conn = sqlite3.connect(store.path)
    try:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(questions)")]
        row = conn.execute("SELECT * FROM questions").fetchone()
    finally:
        conn.close()
    assert not any("user" in column or "author" in column for column in columns)
    assert dict(zip(columns, row, strict=True)) == {
        "id": 1,
        "asked_at": "2025-01-01T00:00:00.000000+00:00",
        "origin": "discord",
        "guild_id": 1,
        "channel_id": 2,
        "question": "What happened?",
        "answered": 1,
        "top_article": "seeds/a.txt",
        "top_score": 3.2,
        "latency_ms": 12.5,
    }


async def test_timestamps_in_other_iso_forms_are_normalised_to_utc(store: Store) -> None:
    now = datetime(2025, 3, 10, 12, tzinfo=UTC)
    q = make_question(now)
    q.asked_at = "2025-03-10T13:30:00+02:00"  # 11:30 UTC, within the last hour
    await store.log_question(q)
    q.asked_at = "2025-03-09T12:30:00Z"  # 23h30 before now
    await store.log_question(q)

    stats = await store.stats(now)

    assert stats.asked_day == 2


async def test_purge_deletes_only_older_questions(store: Store) -> None:
    base = datetime(2025, 3, 1, tzinfo=UTC)
    for day in range(5):
        await store.log_question(make_question(base + timedelta(days=day), f"q{day}"))

    deleted = await store.purge_questions(utc_timestamp(base + timedelta(days=3)))
    again = await store.purge_questions(utc_timestamp(base + timedelta(days=3)))
    stats = await store.stats(base + timedelta(days=5))

    assert (deleted, again) == (3, 0)
    assert stats.asked_week == 2


# --------------------------------------------------------------------------- locking


async def test_write_while_another_connection_holds_the_lock_raises_busy(tmp_path: Path) -> None:
    path = tmp_path / "newsbot.db"
    async with await Store.open(path, busy_timeout_s=0.1) as opened:
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            started = time.monotonic()
            with pytest.raises(StoreBusyError) as info:
                await opened.log_question(make_question(datetime(2025, 1, 1, tzinfo=UTC)))
            elapsed = time.monotonic() - started
        finally:
            holder.execute("ROLLBACK")
            holder.close()

    assert elapsed < 2.0
    message = str(info.value)
    assert str(path) in message
    assert "another newsbot running?" in message
    assert "NEWSBOT_DB" in message


async def test_writes_succeed_again_once_the_lock_is_released(tmp_path: Path) -> None:
    path = tmp_path / "newsbot.db"
    async with await Store.open(path, busy_timeout_s=0.1) as opened:
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreBusyError):
            await opened.purge_questions(T0)
        holder.execute("ROLLBACK")
        holder.close()

        await opened.log_question(make_question(datetime(2025, 1, 1, tzinfo=UTC)))
        stats = await opened.stats(datetime(2025, 1, 1, 1, tzinfo=UTC))

    assert stats.asked_day == 1


async def test_reads_are_not_blocked_by_another_writer(tmp_path: Path) -> None:
    path = tmp_path / "newsbot.db"
    async with await Store.open(path, busy_timeout_s=0.1) as opened:
        await seed(opened)
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("DELETE FROM articles")
        try:
            rows = await opened.articles()  # WAL: sees the last committed state
        finally:
            holder.execute("ROLLBACK")
            holder.close()
    assert len(rows) == 2


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
    assert [p.passage for _, ps in corpus.entries for p in ps] == [p.passage for _, ps in with_tokens.entries for p in ps]
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
