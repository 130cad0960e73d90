"""Tests for bot.store: migrations."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.store import (
    SCHEMA_VERSION,
    Store,
    StoreBusyError,
    StoredPassage,
    StoreError,
)
from bot.store import schema as store_module
from retrieval.records import Article, LoadFailure, Passage, Span
from tests.bot.store.helpers import (
    T0,
    T1,
    T2,
    make_run,
)

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
    conn.execute("INSERT INTO reload_runs VALUES (1, 'startup', ?, 1.5, 1, 0, 0, 0, 1, NULL)", (T0,))
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
        ((article, passages),) = (await opened.load_corpus()).entries
        analysed = [StoredPassage(p.passage, ("first",)) for p in passages]
        await opened.apply_reload([(article, analysed)], [], [], make_run(updated=1), T2)
        ((_, reloaded),) = (await opened.load_corpus()).entries
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


async def test_failing_migration_leaves_previous_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
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


async def test_an_article_keeps_its_author_and_older_rows_have_none(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    build_v1_database(path)
    async with await Store.open(path) as opened:
        ((old, _),) = (await opened.load_corpus()).entries
        new = Article("seeds/new.txt", "New", "One sentence here.", "h-new", author="Marie Dupont")
        passage = StoredPassage(Passage("seeds/new.txt", 0, (Span(0, 18),)), ("one",))
        await opened.apply_reload([(new, [passage])], [], ["seeds/old.txt"], make_run(added=1), T2)
        authors = {row.article.path: row.article.author for row in await opened.articles()}
    assert old.author is None
    assert authors == {"seeds/old.txt": None, "seeds/new.txt": "Marie Dupont"}


async def test_polls_recorded_as_reloads_before_v11_become_poll_runs(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    build_v1_database(path)
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO reload_runs VALUES (2, 'feeds', ?, 0.5, 3, 0, 1, 0, 1, NULL)", (T1,))
    conn.commit()
    conn.close()
    async with await Store.open(path) as opened:
        stats = await opened.stats(datetime(2025, 1, 2, 13, tzinfo=UTC))
    assert stats.last_reload is not None and (stats.last_reload.requested_by, stats.last_reload.id) == ("startup", 1)
    assert stats.last_poll is not None and (stats.last_poll.kind, stats.last_poll.added) == ("poll", 3)
