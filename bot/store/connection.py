"""The store's connection: open (with migrations), close, and the read/write transactions.

One connection, one lock: aiosqlite runs every statement of a connection on one worker
thread, but statements from different coroutines would still interleave inside a
transaction, so an :class:`asyncio.Lock` serialises whole operations.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import Self

import aiosqlite

from .codecs import fold
from .errors import StoreError, reraise
from .schema import SCHEMA_VERSION, migrate, user_version

logger = logging.getLogger("bot.store")

UNWRITABLE = frozenset({"store_full", "store_io", "store_read_only", "store_folder_read_only"})
"""Why a database may be opened read-only for a command that only reads (see ``open``)."""


class StoreConnection:
    """One SQLite connection behind one lock: opening, closing and the transaction helpers
    the article and question stores build on (see :class:`bot.store.Store`)."""

    def __init__(self, conn: aiosqlite.Connection, path: Path, *, unwritable: StoreError | None = None) -> None:
        """Use :meth:`open`; this only wraps an already configured connection."""
        self._conn_or_none: aiosqlite.Connection | None = conn
        self._path = path
        self._lock = asyncio.Lock()
        self._unwritable = unwritable
        """Why the database was opened read-only (a full disk, a read-only folder): every
        write raises it without trying."""

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    async def open(cls, path: Path, *, busy_timeout_s: float = 5.0, read_only_if_unwritable: bool = False) -> Self:
        """Open (creating if needed) the database at ``path`` and bring its schema up to date.

        Raises :class:`StoreError` if the directory cannot be created, the file is not a
        newsbot database, or it was written by a newer newsbot; :class:`StoreBusyError` if
        a migration cannot get the write lock within ``busy_timeout_s``.

        ``read_only_if_unwritable``: when the database cannot be opened for writing — a disk
        too full for the shared-memory file a WAL connection needs, a read-only folder or
        file — open it read-only instead, so that commands that only read keep answering;
        their writes (question logs) then fail with that same reason, without touching it.
        """
        path = Path(path)
        try:
            return await cls._open(path, busy_timeout_s)
        except StoreError as error:
            # "disk I/O error" too: SQLite says no more than that when a file-size limit
            # (or a disk it does not see as full) refuses the shared-memory file.
            if not (read_only_if_unwritable and error.key in UNWRITABLE):
                raise
            connection = await cls._open_read_only(path, error)
            if connection is None:
                raise
            logger.warning("%s; the database is open read-only", error)
            return connection

    @classmethod
    async def _open(cls, path: Path, busy_timeout_s: float) -> Self:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError("store_no_folder", path=path, error=exc) from exc
        # Checked before aiosqlite starts its thread: a connection that fails to open could
        # leave that thread reporting to an event loop already closed.
        if path.exists() and not path.is_file():
            raise StoreError("store_not_a_file", path=path)
        if not os.access(path.parent, os.W_OK | os.X_OK):
            raise StoreError("store_folder_read_only", folder=path.parent)

        try:
            conn = await aiosqlite.connect(path, timeout=busy_timeout_s, isolation_level=None)
        except sqlite3.Error as exc:
            reraise(exc, path)

        try:
            # Also set through the PRAGMA so the value is visible to anyone inspecting it.
            await conn.execute(f"PRAGMA busy_timeout = {max(0, int(busy_timeout_s * 1000))}")
            await conn.execute("PRAGMA foreign_keys = ON")
            rows = list(await conn.execute_fetchall("PRAGMA journal_mode = WAL"))
            mode = str(rows[0][0]).lower() if rows else "?"
            if mode != "wal":
                logger.warning("database %s uses journal mode %s, not WAL", path, mode)
            await conn.create_function("newsbot_fold", 1, fold, deterministic=True)
            await migrate(conn, path)
        except BaseException as exc:
            await conn.close()
            if isinstance(exc, sqlite3.Error):
                reraise(exc, path)
            raise
        logger.debug("opened database %s (schema version %d)", path, SCHEMA_VERSION)
        return cls(conn, path)

    @classmethod
    async def _open_read_only(cls, path: Path, reason: StoreError) -> Self | None:
        """The database opened as an immutable file, or ``None`` when that would not show
        all of it.

        Only when its write-ahead log is empty or absent (every close of the last connection
        folds it into the file): then the file alone is the whole committed database, and
        SQLite reads it without the shared-memory file it has no room to create. A log with
        frames in it (after a crash) would be ignored by such a reader, so the caller's
        "disk full" error stands instead. The schema must be this newsbot's: nothing can
        be migrated.
        """
        wal = path.with_name(path.name + "-wal")
        try:
            if not path.is_file() or (wal.exists() and wal.stat().st_size > 0):
                return None
        except OSError:
            return None
        uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
        try:
            conn = await aiosqlite.connect(uri, uri=True, isolation_level=None)
        except sqlite3.Error:
            return None
        try:
            if await user_version(conn) != SCHEMA_VERSION:
                await conn.close()
                return None
            await conn.create_function("newsbot_fold", 1, fold, deterministic=True)
        except sqlite3.Error:
            await conn.close()
            return None
        return cls(conn, path, unwritable=reason)

    async def close(self) -> None:
        """Close the connection; calling it twice is harmless."""
        conn, self._conn_or_none = self._conn_or_none, None
        if conn is not None:
            async with self._lock:
                await conn.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def path(self) -> Path:
        """The database file."""
        return self._path

    # ------------------------------------------------------------------ plumbing

    @property
    def _conn(self) -> aiosqlite.Connection:
        if self._conn_or_none is None:
            raise StoreError("store_closed", path=self._path)
        return self._conn_or_none

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[aiosqlite.Connection]:
        """Serialise a read with the other operations and translate SQLite errors."""
        async with self._lock:
            conn = self._conn
            try:
                yield conn
            except sqlite3.Error as exc:
                reraise(exc, self._path)

    @asynccontextmanager
    async def _read_transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Several reads that see one state of the database (another process's commit in
        between is seen by all of them or by none). Ended with ROLLBACK: there is nothing
        to commit, and a failed COMMIT would leave the shared connection inside it."""
        async with self._read() as conn:
            await conn.execute("BEGIN")
            try:
                yield conn
            finally:
                if conn.in_transaction:
                    await conn.execute("ROLLBACK")

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction: commit on success, full rollback on any exception.

        The original exception is re-raised; SQLite errors that are operator issues
        (locked, disk full, read-only...) become :class:`StoreError`.
        """
        async with self._lock:
            conn = self._conn
            if self._unwritable is not None:
                raise StoreError(self._unwritable.key, **self._unwritable.params)
            try:
                await conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                reraise(exc, self._path)
            try:
                yield conn
                await conn.execute("COMMIT")
            except BaseException as exc:
                await self._rollback(conn)
                if isinstance(exc, sqlite3.Error):
                    reraise(exc, self._path)
                raise

    async def _rollback(self, conn: aiosqlite.Connection) -> None:
        if not conn.in_transaction:
            return
        try:
            await conn.execute("ROLLBACK")
        except sqlite3.Error:
            # SQLite may already have rolled back (e.g. after SQLITE_FULL); nothing to undo.
            logger.exception("rollback failed on %s", self._path)

    # ------------------------------------------------------------------ schema

    async def schema_version(self) -> int:
        """The schema version of the open database (``PRAGMA user_version``)."""
        async with self._read() as conn:
            return await user_version(conn)
