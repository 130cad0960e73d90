"""SQLite persistence for the corpus, the reload history and the question log.

Why a database at all: start-up must not re-read and re-analyse every corpus file (at 100k
passages that takes long enough for Discord to consider the bot dead), moderators want to
know what the last reload did, and the question log tells the operators which questions
the corpus cannot answer yet.

Design choices, each for a reason:

* **One connection, one lock.** aiosqlite runs every statement of a connection on one
  worker thread, but statements from different coroutines would still interleave inside a
  transaction (a question logged during a reload would be rolled back with it). An
  :class:`asyncio.Lock` serialises whole operations; reads are short, so this costs little.
* **WAL journal.** Readers (a second ``newsbot stats`` process, a backup) never block the
  bot's writes and vice versa.
* **Explicit ``BEGIN IMMEDIATE`` for every write.** The write lock is taken at the start,
  where SQLite's busy timeout applies; a deferred transaction upgrading from read to write
  can fail at once with "database is locked" regardless of the timeout.
* **Canonical timestamps.** Every timestamp is stored as a fixed-width UTC ISO string
  (``2025-01-28T12:00:00.000000+00:00``) so SQL string comparison is chronological; mixing
  ``Z``/``+00:00``/naive/without-microseconds forms would silently mis-order rows.
* **Forward-only migrations** tracked in ``PRAGMA user_version``, each in its own
  transaction, so an interrupted upgrade leaves the database at the previous version.
* **Privacy.** The question log keeps guild and channel ids (to tell servers apart) but no
  user names or user ids; a vote on an answer keeps only a salted hash of (answer, user id).
"""

from __future__ import annotations

from .codecs import utc_timestamp
from .errors import StoreBusyError, StoreConflictError, StoreError
from .feedback import FeedbackStats, FeedbackStore, StoredAnswer, VoteOutcome
from .feeds import WEB_PREFIX, Feed, FeedStore, WebRecord, WebSource, is_web_path
from .questions import QuestionStore
from .records import (
    ArticleRow,
    KnownFailure,
    QuestionLog,
    ReloadRun,
    StoredCorpus,
    StoredFile,
    StoredPassage,
    StoreStats,
)
from .schema import MIGRATIONS, SCHEMA_VERSION, Migration

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "WEB_PREFIX",
    "ArticleRow",
    "Feed",
    "FeedbackStats",
    "StoredAnswer",
    "VoteOutcome",
    "WebRecord",
    "WebSource",
    "is_web_path",
    "KnownFailure",
    "Migration",
    "QuestionLog",
    "ReloadRun",
    "Store",
    "StoreBusyError",
    "StoreConflictError",
    "StoreError",
    "StoreStats",
    "StoredCorpus",
    "StoredFile",
    "StoredPassage",
    "utc_timestamp",
]


class Store(FeedStore, QuestionStore, FeedbackStore):
    """The bot's database. Open with ``await Store.open(path)``; close with :meth:`close`.

    Also an async context manager: ``async with await Store.open(path) as store: ...``.
    """
