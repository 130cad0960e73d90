"""Tests for bot.store: opening the database and sharing it with other connections."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.store import (
    SCHEMA_VERSION,
    Store,
    StoreBusyError,
    StoreError,
)
from tests.bot.store.helpers import (
    T0,
    T1,
    make_question,
    make_run,
    seed,
)

# --------------------------------------------------------------------------- opening


async def test_open_creates_parent_folder(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "newsbot.db"
    async with await Store.open(path) as opened:
        assert opened.path == path
    assert path.exists()


async def test_fresh_open_uses_wal_and_latest_schema_version(store: Store) -> None:
    assert await store.schema_version() == SCHEMA_VERSION == 11
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


def test_an_io_error_on_a_full_disk_says_the_disk_is_full(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from collections import namedtuple

    from bot.store import errors

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(errors.shutil, "disk_usage", lambda _: usage(100, 100, 0))
    error = sqlite3.OperationalError("disk I/O error")
    error.sqlite_errorcode = sqlite3.SQLITE_IOERR_WRITE  # type: ignore[attr-defined]  # set by sqlite3 itself on real errors
    translated = errors.translate(error, tmp_path / "newsbot.sqlite3")
    assert translated is not None and "is full" in str(translated)


def test_an_io_error_with_free_space_is_not_called_a_full_disk(tmp_path: Path) -> None:
    from bot.store import errors

    error = sqlite3.OperationalError("disk I/O error")
    error.sqlite_errorcode = sqlite3.SQLITE_IOERR_WRITE  # type: ignore[attr-defined]  # as above
    translated = errors.translate(error, tmp_path / "newsbot.sqlite3")
    assert translated is not None and "Cannot read or write" in str(translated)
