"""Store errors, and the translation of SQLite errors into messages an operator can act on.

Environment problems (locked, full, read-only, not a database) become :class:`StoreError`
with a sentence saying what to do; bugs and bad input stay sqlite3 errors, so they are not
mistaken for an operator issue.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
from pathlib import Path
from typing import NoReturn

from bot.messages import Problem

logger = logging.getLogger("bot.store")


class StoreError(Problem):
    """A database problem the user can act on; the message says what to do next."""


class StoreBusyError(StoreError):
    """Another connection kept the write lock for longer than the busy timeout."""


class StoreConflictError(StoreError):
    """Another process changed the stored corpus while a reload was being prepared."""

    def __init__(self, path: Path) -> None:
        super().__init__("store_conflict", path=path)


def translate(exc: sqlite3.Error, path: Path) -> StoreError | None:
    """Turn an environment problem into a StoreError whose message says what to do.

    Returns ``None`` for errors that are bugs or bad input (constraint violations, SQL
    errors): those are re-raised unchanged so they are not mistaken for an operator issue.
    """
    message = str(exc).lower()
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary == sqlite3.SQLITE_BUSY or "database is locked" in message or "busy" in message:
        logger.warning("database %s is locked: %s", path, exc)
        return StoreBusyError("store_locked", path=path)
    if (
        primary == sqlite3.SQLITE_FULL
        or "disk is full" in message
        or (primary == sqlite3.SQLITE_IOERR and _disk_nearly_full(path))
    ):
        return StoreError("store_full", path=path)
    if primary == sqlite3.SQLITE_READONLY or "readonly" in message:
        return StoreError("store_read_only", path=path)
    if primary in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT) or (
        "not a database" in message or "malformed" in message
    ):
        return StoreError("store_not_a_database", path=path, error=exc)
    if primary in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR) or "unable to open" in message:
        return StoreError("store_io", path=path, error=exc)
    return None


DISK_FULL_MARGIN_BYTES = 1 << 20
"""Free space below which an I/O error is taken for a full disk: SQLite reports a failed
write to the write-ahead log as "disk I/O error", not as "disk is full"."""


def _disk_nearly_full(path: Path) -> bool:
    try:
        return shutil.disk_usage(path.parent).free < DISK_FULL_MARGIN_BYTES
    except OSError:
        return False


def reraise(exc: sqlite3.Error, path: Path) -> NoReturn:
    """Raise the translated StoreError (chained), or ``exc`` itself if it is not an operator issue."""
    translated = translate(exc, path)
    if translated is None:
        raise exc
    raise translated from exc
