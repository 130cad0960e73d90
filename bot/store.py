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
  user names or user ids.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import uuid
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, NoReturn, Self

import aiosqlite

from retrieval.records import Article, LoadFailure, Passage, Span

logger = logging.getLogger(__name__)

__all__ = [
    "SCHEMA_VERSION",
    "ArticleRow",
    "Migration",
    "MIGRATIONS",
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


# --------------------------------------------------------------------------- errors


class StoreError(Exception):
    """A database problem the user can act on; the message says what to do next."""


class StoreBusyError(StoreError):
    """Another connection kept the write lock for longer than the busy timeout."""


class StoreConflictError(StoreError):
    """Another process changed the stored corpus while a reload was being prepared."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"Another newsbot process changed the articles in {path} while this reload ran; "
            "nothing was changed here. Run the reload again."
        )


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class StoredPassage:
    """A passage plus its cached analyzer tokens.

    The tokens are cached so that start-up can rebuild the index without running the
    analyzer over every passage again. Databases written before schema version 2 have no
    cache: such rows come back with ``tokens == ()`` and the caller must re-analyse the
    passage (an analysed passage that really yields no token also has ``()``; re-analysing
    it is harmless and gives ``()`` again).
    """

    passage: Passage
    tokens: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoredCorpus:
    """Every stored article with its passages, and the corpus generation they belong to.

    The generation is an opaque id that changes with every reload that changes the stored
    corpus; anything derived from the corpus (a saved index) is valid for one generation.
    """

    generation: str
    entries: list[tuple[Article, list[StoredPassage]]]


@dataclass(frozen=True)
class StoredFile:
    """What a reload last saw of an article's file: its hash and its file signature."""

    content_hash: str
    signature: str | None
    """Size, times and inode of the file (plus its manifest entry): when they are unchanged
    the file need not be read again. ``None`` when it must be read next time."""
    pipeline: str | None = None
    """The text pipeline that parsed it (see :mod:`retrieval.pipeline`); ``None``: unknown."""


@dataclass(frozen=True)
class ArticleRow:
    """A stored article with its bookkeeping (for ``/sources`` and ``/headlines``).

    ``first_seen`` / ``last_seen`` are canonical UTC ISO timestamps: when the path first
    entered the corpus and the last reload that found it.
    """

    article: Article
    first_seen: str
    last_seen: str
    passages: int


@dataclass
class ReloadRun:
    """One reload attempt, successful or not, as shown to moderators.

    ``requested_by`` is ``"cli"``, ``"discord"`` or ``"startup"`` (never a user name).
    ``id`` is filled in by the store once the run row is committed.
    """

    requested_by: str
    started_at: str
    duration_s: float
    added: int
    updated: int
    unchanged: int
    removed: int
    failures: list[LoadFailure]
    ok: bool
    error: str | None = None
    id: int | None = None
    generation: str | None = None
    """The corpus generation a successful run left (see :class:`StoredCorpus`), filled in
    with ``id``; ``None`` for a failed run, which changed nothing."""


@dataclass
class QuestionLog:
    """One question asked, without any user identity.

    ``origin`` is ``"cli"`` or ``"discord"``; ``guild_id``/``channel_id`` only for Discord.
    """

    asked_at: str
    origin: str
    question: str
    answered: bool
    top_article: str | None
    top_score: float | None
    latency_ms: float
    guild_id: int | None = None
    channel_id: int | None = None


@dataclass
class StoreStats:
    """Numbers for the ``/stats`` command.

    ``*_day`` count the last 24 hours and ``*_week`` the last 7 days before ``now``;
    ``top_unanswered`` lists up to 5 ``(question, times asked)`` pairs of the last 7 days,
    grouped case-insensitively on the trimmed text (shown as most recently asked).
    """

    articles: int
    passages: int
    last_reload: ReloadRun | None
    asked_day: int
    answered_day: int
    asked_week: int
    answered_week: int
    top_unanswered: list[tuple[str, int]] = field(default_factory=list)


# --------------------------------------------------------------------------- migrations


@dataclass(frozen=True)
class Migration:
    """Statements that bring the schema from ``version - 1`` to ``version``."""

    version: int
    description: str
    statements: tuple[str, ...]


MIGRATIONS: list[Migration] = [
    Migration(
        1,
        "initial schema: articles, passages (re-analysed at start-up), reload history, "
        "question log",
        (
            """
            CREATE TABLE articles (
                id INTEGER PRIMARY KEY,
                path TEXT NOT NULL UNIQUE,
                title TEXT NOT NULL,
                source TEXT,
                url TEXT,
                published TEXT,
                content_hash TEXT NOT NULL,
                text TEXT NOT NULL,
                first_seen TEXT NOT NULL,
                last_seen TEXT NOT NULL
            )
            """,
            # Matches the ORDER BY of Store.headlines, so "latest n" reads n index entries.
            """
            CREATE INDEX articles_headline_order
                ON articles ((published IS NULL), published DESC, first_seen DESC, path)
            """,
            """
            CREATE TABLE passages (
                id INTEGER PRIMARY KEY,
                article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
                ordinal INTEGER NOT NULL,
                sentences TEXT NOT NULL,
                context TEXT NOT NULL DEFAULT '',
                UNIQUE (article_id, ordinal)
            )
            """,
            """
            CREATE TABLE reload_runs (
                id INTEGER PRIMARY KEY,
                requested_by TEXT NOT NULL,
                started_at TEXT NOT NULL,
                duration_s REAL NOT NULL,
                added INTEGER NOT NULL,
                updated INTEGER NOT NULL,
                unchanged INTEGER NOT NULL,
                removed INTEGER NOT NULL,
                ok INTEGER NOT NULL CHECK (ok IN (0, 1)),
                error TEXT
            )
            """,
            """
            CREATE TABLE reload_failures (
                id INTEGER PRIMARY KEY,
                run_id INTEGER NOT NULL REFERENCES reload_runs (id) ON DELETE CASCADE,
                path TEXT NOT NULL,
                reason TEXT NOT NULL
            )
            """,
            "CREATE INDEX reload_failures_by_run ON reload_failures (run_id)",
            """
            CREATE TABLE questions (
                id INTEGER PRIMARY KEY,
                asked_at TEXT NOT NULL,
                origin TEXT NOT NULL,
                guild_id INTEGER,
                channel_id INTEGER,
                question TEXT NOT NULL,
                answered INTEGER NOT NULL CHECK (answered IN (0, 1)),
                top_article TEXT,
                top_score REAL,
                latency_ms REAL NOT NULL
            )
            """,
            # Day/week counts and purge are range scans on asked_at.
            "CREATE INDEX questions_by_time ON questions (asked_at)",
            # Top unanswered only reads the unanswered rows of the last week.
            "CREATE INDEX questions_unanswered_by_time ON questions (asked_at) "
            "WHERE answered = 0",
        ),
    ),
    Migration(
        2,
        "cache analyzer tokens per passage so start-up skips re-analysis",
        # NULL for rows written by v1: StoredPassage.tokens == () and the caller re-analyses.
        ("ALTER TABLE passages ADD COLUMN tokens TEXT",),
    ),
    Migration(
        3,
        "corpus generation (keys the saved index), file signatures (skip reading "
        "unchanged files) and the text pipeline of each article",
        (
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
            "INSERT INTO meta (key, value) VALUES ('corpus_generation', lower(hex(randomblob(16))))",
            # NULL: read the file at the next reload (rows from v2, or a file just written).
            "ALTER TABLE articles ADD COLUMN file_signature TEXT",
            # NULL: parsed by a newsbot from before v3, so by an unknown text pipeline.
            "ALTER TABLE articles ADD COLUMN pipeline TEXT",
            "ALTER TABLE reload_runs ADD COLUMN generation TEXT",
        ),
    ),
]

SCHEMA_VERSION: int = MIGRATIONS[-1].version
"""The schema version this code writes (the latest migration)."""


# --------------------------------------------------------------------------- helpers


def utc_timestamp(moment: datetime | None = None) -> str:
    """Return ``moment`` (default: now) as the canonical stored form.

    Fixed width, UTC, microseconds: ``2025-01-28T12:00:00.000000+00:00``. A naive datetime
    is taken to be UTC already.
    """
    if moment is None:
        moment = datetime.now(UTC)
    elif moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _canonical(value: str, what: str) -> str:
    """Parse an ISO timestamp given by a caller and return its canonical stored form."""
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be an ISO timestamp, got {value!r}") from exc
    return utc_timestamp(parsed)


def _fold(text: str | None) -> str | None:
    """Grouping key for "the same question": trimmed and Unicode case-folded.

    SQLite's ``lower()`` only folds ASCII, so "ÉTÉ" and "été" would count apart.
    """
    return None if text is None else text.strip().casefold()


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _encode_spans(stored: StoredPassage, article: Article) -> str:
    """Serialise sentence spans, refusing any that could not be sliced out of the text.

    Every quote is ``article.text[start:end]``, so a bad span stored now would become a
    wrong quote later; failing here rolls the whole reload back instead.
    """
    passage = stored.passage
    if passage.article_path != article.path:
        raise ValueError(
            f"passage {passage.ordinal} belongs to {passage.article_path!r}, "
            f"not to {article.path!r}"
        )
    if not passage.sentences:
        raise ValueError(f"passage {passage.ordinal} of {article.path!r} has no sentence")
    limit = len(article.text)
    pairs: list[list[int]] = []
    for span in passage.sentences:
        if not (_is_int(span.start) and _is_int(span.end) and 0 <= span.start <= span.end <= limit):
            raise ValueError(
                f"passage {passage.ordinal} of {article.path!r} has span "
                f"{span.start!r}..{span.end!r} outside the text (length {limit})"
            )
        pairs.append([span.start, span.end])
    return json.dumps(pairs, separators=(",", ":"))


def _encode_tokens(stored: StoredPassage) -> str:
    if not all(isinstance(token, str) for token in stored.tokens):
        raise ValueError(
            f"tokens of passage {stored.passage.ordinal} of "
            f"{stored.passage.article_path!r} must all be strings"
        )
    return json.dumps(list(stored.tokens), ensure_ascii=False, separators=(",", ":"))


FETCH_BATCH = 1000


async def _fetch_in_batches(conn: aiosqlite.Connection, sql: str) -> list[Any]:
    """All rows of ``sql``, fetched ``FETCH_BATCH`` at a time.

    sqlite3's fetchall builds every row without releasing the GIL: at 100k passages one
    call held it for ~0.5 s, and the bot's event loop stood still meanwhile.
    """
    rows: list[Any] = []
    async with conn.execute(sql) as cursor:
        while batch := await cursor.fetchmany(FETCH_BATCH):
            rows.extend(batch)
    return rows


def _decode_corpus(
    article_rows: Iterable[Any], passage_rows: Iterable[Any]
) -> list[tuple[Article, list[StoredPassage]]]:
    """Rows of ``load_corpus`` → records (run in a worker thread: JSON decoding is CPU-bound)."""
    by_id: dict[int, tuple[Article, list[StoredPassage]]] = {}
    result: list[tuple[Article, list[StoredPassage]]] = []
    for row in article_rows:
        entry = (_article_from(tuple(row)[1:]), [])
        by_id[row[0]] = entry
        result.append(entry)
    for article_id, ordinal, sentences, context, tokens in passage_rows:
        article, passages = by_id[article_id]
        spans = tuple(Span(start, end) for start, end in json.loads(sentences))
        passages.append(
            StoredPassage(
                passage=Passage(
                    article_path=article.path,
                    ordinal=ordinal,
                    sentences=spans,
                    context=context,
                ),
                tokens=tuple(json.loads(tokens)) if tokens is not None else (),
            )
        )
    return result


def _encode_upserts(
    upserts: Sequence[tuple[Article, Sequence[StoredPassage]]],
) -> list[tuple[Article, list[tuple[int, str, str, str]]]]:
    """Validate and serialise passages: ``(ordinal, spans JSON, context, tokens JSON)`` rows."""
    return [
        (
            article,
            [
                (
                    stored.passage.ordinal,
                    _encode_spans(stored, article),
                    stored.passage.context,
                    _encode_tokens(stored),
                )
                for stored in passages
            ],
        )
        for article, passages in upserts
    ]


def _article_from(row: sqlite3.Row | tuple[Any, ...]) -> Article:
    """Build an Article from ``path, title, text, content_hash, source, url, published``."""
    path, title, text, content_hash, source, url, published = row[:7]
    return Article(
        path=path,
        title=title,
        text=text,
        content_hash=content_hash,
        source=source,
        url=url,
        published=published,
    )


_ARTICLE_COLUMNS = "a.path, a.title, a.text, a.content_hash, a.source, a.url, a.published"

_ARTICLE_ROW_SELECT = f"""
    SELECT {_ARTICLE_COLUMNS}, a.first_seen, a.last_seen,
           (SELECT COUNT(*) FROM passages p WHERE p.article_id = a.id)
    FROM articles a
"""


def _article_row_from(row: sqlite3.Row | tuple[Any, ...]) -> ArticleRow:
    return ArticleRow(
        article=_article_from(row), first_seen=row[7], last_seen=row[8], passages=row[9]
    )


# --------------------------------------------------------------------------- store


class Store:
    """The bot's database. Open with ``await Store.open(path)``; close with :meth:`close`.

    Also an async context manager: ``async with await Store.open(path) as store: ...``.
    """

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        """Use :meth:`open`; this only wraps an already configured connection."""
        self._conn_or_none: aiosqlite.Connection | None = conn
        self._path = path
        self._lock = asyncio.Lock()

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    async def open(cls, path: Path, *, busy_timeout_s: float = 5.0) -> Store:
        """Open (creating if needed) the database at ``path`` and bring its schema up to date.

        Raises :class:`StoreError` if the directory cannot be created, the file is not a
        newsbot database, or it was written by a newer newsbot; :class:`StoreBusyError` if
        a migration cannot get the write lock within ``busy_timeout_s``.
        """
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"Cannot create the folder for the database {path}: {exc}. "
                "Fix the permissions or set NEWSBOT_DB to a writable location."
            ) from exc

        try:
            conn = await aiosqlite.connect(
                path, timeout=busy_timeout_s, isolation_level=None
            )
        except sqlite3.Error as exc:
            _reraise(exc, path)

        try:
            # Also set through the PRAGMA so the value is visible to anyone inspecting it.
            await conn.execute(f"PRAGMA busy_timeout = {max(0, int(busy_timeout_s * 1000))}")
            await conn.execute("PRAGMA foreign_keys = ON")
            rows = list(await conn.execute_fetchall("PRAGMA journal_mode = WAL"))
            mode = str(rows[0][0]).lower() if rows else "?"
            if mode != "wal":
                logger.warning("database %s uses journal mode %s, not WAL", path, mode)
            await conn.create_function("newsbot_fold", 1, _fold, deterministic=True)
            await _migrate(conn, path)
        except BaseException as exc:
            await conn.close()
            if isinstance(exc, sqlite3.Error):
                _reraise(exc, path)
            raise
        logger.debug("opened database %s (schema version %d)", path, SCHEMA_VERSION)
        return cls(conn, path)

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
            raise StoreError(f"The database {self._path} is closed; open the store again.")
        return self._conn_or_none

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[aiosqlite.Connection]:
        """Serialise a read with the other operations and translate SQLite errors."""
        async with self._lock:
            conn = self._conn
            try:
                yield conn
            except sqlite3.Error as exc:
                _reraise(exc, self._path)

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
            try:
                await conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                _reraise(exc, self._path)
            try:
                yield conn
                await conn.execute("COMMIT")
            except BaseException as exc:
                await self._rollback(conn)
                if isinstance(exc, sqlite3.Error):
                    _reraise(exc, self._path)
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
            return await _user_version(conn)

    # ------------------------------------------------------------------ corpus

    async def article_files(self) -> tuple[str, dict[str, StoredFile]]:
        """The corpus generation and ``path -> StoredFile`` of every stored article, read
        together: what a folder scan compares with, and what a reload expects to replace."""
        async with self._read_transaction() as conn:
            generation = await _corpus_generation(conn)
            rows = await conn.execute_fetchall("SELECT path, content_hash, file_signature, pipeline FROM articles")
        return generation, {path: StoredFile(content_hash, signature, pipeline) for path, content_hash, signature, pipeline in rows}

    async def load_corpus(self, *, tokens: bool = True) -> StoredCorpus:
        """Everything needed to rebuild the index without reading a corpus file.

        Articles by path, their passages by ordinal, read in one transaction (so a reload
        committed meanwhile by another process is seen entirely or not at all). Passages
        stored before schema v2, or read with ``tokens=False`` (when a saved index makes
        them unnecessary, which saves decoding them), have empty tokens (see
        :class:`StoredPassage`).
        """
        tokens_column = "p.tokens" if tokens else "NULL"
        async with self._read_transaction() as conn:
            generation = await _corpus_generation(conn)
            article_rows = await _fetch_in_batches(
                conn, f"SELECT a.id, {_ARTICLE_COLUMNS} FROM articles a ORDER BY a.path"
            )
            passage_rows = await _fetch_in_batches(
                conn,
                f"""
                SELECT p.article_id, p.ordinal, p.sentences, p.context, {tokens_column}
                FROM passages p JOIN articles a ON a.id = p.article_id
                ORDER BY a.path, p.ordinal
                """,
            )
        # Decoding 100k passages takes seconds of CPU: do it off the event loop.
        entries = await asyncio.to_thread(_decode_corpus, article_rows, passage_rows)
        return StoredCorpus(generation, entries)

    async def apply_reload(
        self,
        upserts: Sequence[tuple[Article, Sequence[StoredPassage]]],
        removed: Sequence[str],
        unchanged: Sequence[str],
        run: ReloadRun,
        now: str,
        signatures: Mapping[str, str | None] | None = None,
        pipeline: str | None = None,
        expected_generation: str | None = None,
    ) -> int:
        """Write the outcome of a reload in ONE transaction and return the run id.

        Changed/new articles replace the stored row (an existing path keeps its
        ``first_seen``; ``last_seen`` becomes ``now``) and all their passages; removed
        paths are deleted (passages cascade); unchanged paths get ``last_seen = now``;
        every upserted or unchanged path gets its file signature from ``signatures``
        (``None`` when missing); the run and its failures are recorded; when any article
        changed, the corpus gets a new generation; upserted articles are marked as parsed by
        ``pipeline`` (see :mod:`retrieval.pipeline`). With ``expected_generation`` (the
        generation the reload started from), :class:`StoreConflictError` is raised and
        nothing written if another process changed the corpus since. On any exception
        everything is rolled back — the database is exactly as before — and the exception
        is re-raised, so the served index and the database never disagree. ``run.id`` and
        ``run.generation`` are set on success.
        """
        signatures = signatures or {}
        now = _canonical(now, "now")
        started_at = _canonical(run.started_at, "run.started_at")
        upsert_paths = [article.path for article, _ in upserts]
        if len(set(upsert_paths)) != len(upsert_paths):
            raise ValueError("apply_reload: the same path appears twice in upserts")
        overlap = set(upsert_paths) & set(removed) | set(upsert_paths) & set(unchanged)
        overlap |= set(removed) & set(unchanged)
        if overlap:
            raise ValueError(
                f"apply_reload: paths listed in more than one category: {sorted(overlap)}"
            )
        # Validate and serialise every passage before the transaction, off the event loop: a
        # bad span fails here with nothing written, and the loop stays free at 100k passages.
        encoded = await asyncio.to_thread(_encode_upserts, upserts)

        async with self._write() as conn:
            if expected_generation is not None and await _corpus_generation(conn) != expected_generation:
                raise StoreConflictError(self._path)
            for article, rows in encoded:
                await self._upsert_article(conn, article, rows, now, signatures.get(article.path), pipeline)
            for path in removed:
                await conn.execute("DELETE FROM articles WHERE path = ?", (path,))
            if unchanged:
                await conn.executemany(
                    "UPDATE articles SET last_seen = ?, file_signature = ? WHERE path = ?",
                    [(now, signatures.get(path), path) for path in unchanged],
                )
            if upserts or removed:
                await conn.execute(
                    "UPDATE meta SET value = ? WHERE key = 'corpus_generation'", (uuid.uuid4().hex,)
                )
            generation = await _corpus_generation(conn)
            run_id = await self._insert_run(conn, run, started_at, generation)
        run.id, run.generation = run_id, generation
        logger.info(
            "reload %d stored: %d upserted, %d removed, %d unchanged, %d failures",
            run_id,
            len(upserts),
            len(removed),
            len(unchanged),
            len(run.failures),
        )
        return run_id

    async def _upsert_article(
        self,
        conn: aiosqlite.Connection,
        article: Article,
        rows: Sequence[tuple[int, str, str, str]],
        now: str,
        signature: str | None,
        pipeline: str | None,
    ) -> None:
        """Insert or replace one article and all its passages (inside the caller's transaction)."""
        fields = (
            article.title,
            article.source,
            article.url,
            article.published or None,
            article.content_hash,
            article.text,
            signature,
            pipeline,
        )
        existing = list(
            await conn.execute_fetchall("SELECT id FROM articles WHERE path = ?", (article.path,))
        )
        if existing:
            article_id = existing[0][0]
            await conn.execute(
                """
                UPDATE articles
                SET title = ?, source = ?, url = ?, published = ?, content_hash = ?, text = ?,
                    file_signature = ?, pipeline = ?, last_seen = ?
                WHERE id = ?
                """,
                (*fields, now, article_id),
            )
            await conn.execute("DELETE FROM passages WHERE article_id = ?", (article_id,))
        else:
            cursor = await conn.execute(
                """
                INSERT INTO articles
                    (path, title, source, url, published, content_hash, text,
                     file_signature, pipeline, first_seen, last_seen)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                (article.path, *fields, now, now),
            )
            article_id = cursor.lastrowid
        await conn.executemany(
            """
            INSERT INTO passages (article_id, ordinal, sentences, context, tokens)
            VALUES (?, ?, ?, ?, ?)
            """,
            [(article_id, *row) for row in rows],
        )

    async def _insert_run(
        self, conn: aiosqlite.Connection, run: ReloadRun, started_at: str, generation: str | None = None
    ) -> int:
        """Insert the run row and its failures (inside the caller's transaction)."""
        cursor = await conn.execute(
            """
            INSERT INTO reload_runs
                (requested_by, started_at, duration_s, added, updated, unchanged, removed,
                 ok, error, generation)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            (
                run.requested_by,
                started_at,
                float(run.duration_s),
                run.added,
                run.updated,
                run.unchanged,
                run.removed,
                int(bool(run.ok)),
                run.error,
                generation,
            ),
        )
        run_id = cursor.lastrowid
        assert run_id is not None
        await conn.executemany(
            "INSERT INTO reload_failures (run_id, path, reason) VALUES (?, ?, ?)",
            [(run_id, failure.path, failure.reason) for failure in run.failures],
        )
        return run_id

    async def record_run(self, run: ReloadRun) -> int:
        """Record a reload that changed nothing (typically failed and rolled back); return its id."""
        started_at = _canonical(run.started_at, "run.started_at")
        async with self._write() as conn:
            run_id = await self._insert_run(conn, run, started_at)
        run.id = run_id
        return run_id

    async def record_signatures(self, signatures: Mapping[str, str]) -> None:
        """Store new file signatures of stored articles whose content did not change."""
        async with self._write() as conn:
            await conn.executemany(
                "UPDATE articles SET file_signature = ? WHERE path = ?",
                [(signature, path) for path, signature in signatures.items()],
            )

    async def articles(self) -> list[ArticleRow]:
        """Every stored article by path, for ``/sources``."""
        async with self._read() as conn:
            rows = await conn.execute_fetchall(f"{_ARTICLE_ROW_SELECT} ORDER BY a.path")
        return [_article_row_from(row) for row in rows]

    async def headlines(self, n: int) -> list[ArticleRow]:
        """The latest ``n`` articles: by published date, newest first.

        Undated articles come after dated ones. Equal dates and undated articles are
        ordered by ``first_seen`` (newest first), then path. Dates compare as strings, so
        a partial date ("2025-01") sorts just below the full dates of that month.
        """
        if n <= 0:
            return []
        async with self._read() as conn:
            rows = await conn.execute_fetchall(
                f"""
                {_ARTICLE_ROW_SELECT}
                ORDER BY (a.published IS NULL), a.published DESC, a.first_seen DESC, a.path
                LIMIT ?
                """,
                (n,),
            )
        return [_article_row_from(row) for row in rows]

    # ------------------------------------------------------------------ questions

    async def log_question(self, q: QuestionLog) -> None:
        """Append one question to the log (no user identity is stored)."""
        asked_at = _canonical(q.asked_at, "asked_at")
        async with self._write() as conn:
            await conn.execute(
                """
                INSERT INTO questions
                    (asked_at, origin, guild_id, channel_id, question, answered,
                     top_article, top_score, latency_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                (
                    asked_at,
                    q.origin,
                    q.guild_id,
                    q.channel_id,
                    q.question,
                    int(bool(q.answered)),
                    q.top_article,
                    q.top_score,
                    float(q.latency_ms),
                ),
            )

    async def purge_questions(self, older_than: str) -> int:
        """Delete questions asked strictly before ``older_than``; return how many went."""
        cutoff = _canonical(older_than, "older_than")
        async with self._write() as conn:
            cursor = await conn.execute("DELETE FROM questions WHERE asked_at < ?", (cutoff,))
            deleted = cursor.rowcount
        if deleted:
            logger.info("purged %d questions asked before %s", deleted, cutoff)
        return deleted

    async def stats(self, now: datetime) -> StoreStats:
        """Corpus size, last reload and question counts over the 24 hours / 7 days before ``now``."""
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        day_ago = utc_timestamp(now - timedelta(days=1))
        week_ago = utc_timestamp(now - timedelta(days=7))
        async with self._read() as conn:
            ((articles, passages),) = await conn.execute_fetchall(
                "SELECT (SELECT COUNT(*) FROM articles), (SELECT COUNT(*) FROM passages)"
            )
            ((asked_day, answered_day, asked_week, answered_week),) = await conn.execute_fetchall(
                """
                SELECT COALESCE(SUM(asked_at >= :day), 0),
                       COALESCE(SUM(asked_at >= :day AND answered = 1), 0),
                       COUNT(*),
                       COALESCE(SUM(answered = 1), 0)
                FROM questions WHERE asked_at >= :week
                """,
                {"day": day_ago, "week": week_ago},
            )
            # Bare column with MAX(): SQLite returns `question` from the latest row of the group.
            top = await conn.execute_fetchall(
                """
                SELECT trim(question), MAX(asked_at) AS latest, COUNT(*) AS times
                FROM questions
                WHERE answered = 0 AND asked_at >= ?
                GROUP BY newsbot_fold(question)
                ORDER BY times DESC, latest DESC, newsbot_fold(question)
                LIMIT 5
                """,
                (week_ago,),
            )
            run_rows = list(
                await conn.execute_fetchall(
                    """
                    SELECT id, requested_by, started_at, duration_s, added, updated,
                           unchanged, removed, ok, error, generation
                    FROM reload_runs ORDER BY id DESC LIMIT 1
                    """
                )
            )
            last_reload: ReloadRun | None = None
            if run_rows:
                (rid, by, started, duration, added, updated, unch, rem, ok, error, generation) = run_rows[0]
                failures = await conn.execute_fetchall(
                    "SELECT path, reason FROM reload_failures WHERE run_id = ? ORDER BY id",
                    (rid,),
                )
                last_reload = ReloadRun(
                    requested_by=by,
                    started_at=started,
                    duration_s=duration,
                    added=added,
                    updated=updated,
                    unchanged=unch,
                    removed=rem,
                    failures=[LoadFailure(path, reason) for path, reason in failures],
                    ok=bool(ok),
                    error=error,
                    id=rid,
                    generation=generation,
                )
        return StoreStats(
            articles=articles,
            passages=passages,
            last_reload=last_reload,
            asked_day=asked_day,
            answered_day=answered_day,
            asked_week=asked_week,
            answered_week=answered_week,
            top_unanswered=[(question, times) for question, _, times in top],
        )


# --------------------------------------------------------------------------- module internals


async def _corpus_generation(conn: aiosqlite.Connection) -> str:
    rows = list(await conn.execute_fetchall("SELECT value FROM meta WHERE key = 'corpus_generation'"))
    return str(rows[0][0])


async def _user_version(conn: aiosqlite.Connection) -> int:
    rows = list(await conn.execute_fetchall("PRAGMA user_version"))
    return int(rows[0][0])


async def _migrate(conn: aiosqlite.Connection, path: Path) -> None:
    """Apply the missing forward migrations, each in its own transaction.

    The version is re-read under the write lock so two processes starting together do not
    both apply the same migration.
    """
    version = await _user_version(conn)
    if version > SCHEMA_VERSION:
        raise _newer_error(path, version)
    for migration in MIGRATIONS:
        if migration.version <= version:
            continue
        await conn.execute("BEGIN IMMEDIATE")
        try:
            current = await _user_version(conn)
            if current > SCHEMA_VERSION:
                raise _newer_error(path, current)
            if current < migration.version:
                if current != migration.version - 1:
                    raise StoreError(
                        f"The database {path} is at schema version {current}, which cannot "
                        f"be upgraded to {migration.version} directly. Restore a backup or "
                        "set NEWSBOT_DB to a new file."
                    )
                for statement in migration.statements:
                    await conn.execute(statement)
                # PRAGMA does not take parameters; the value is an int from our own list.
                await conn.execute(f"PRAGMA user_version = {int(migration.version)}")
            await conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                await conn.execute("ROLLBACK")
            raise
        version = migration.version
        logger.info(
            "database %s migrated to schema version %d: %s",
            path,
            migration.version,
            migration.description,
        )


def _newer_error(path: Path, version: int) -> StoreError:
    return StoreError(
        f"The database {path} was written by a newer newsbot (schema version {version}; "
        f"this newsbot knows up to {SCHEMA_VERSION}). Upgrade newsbot, or set NEWSBOT_DB "
        "to another file."
    )


def _translate(exc: sqlite3.Error, path: Path) -> StoreError | None:
    """Turn an environment problem into a StoreError whose message says what to do.

    Returns ``None`` for errors that are bugs or bad input (constraint violations, SQL
    errors): those are re-raised unchanged so they are not mistaken for an operator issue.
    """
    message = str(exc).lower()
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary == sqlite3.SQLITE_BUSY or "database is locked" in message or "busy" in message:
        logger.warning("database %s is locked: %s", path, exc)
        return StoreBusyError(
            f"The database {path} is locked by another process (another newsbot running?). "
            "Stop it or set NEWSBOT_DB to another file."
        )
    if primary == sqlite3.SQLITE_FULL or "disk is full" in message:
        return StoreError(f"The disk holding the database {path} is full. Free some space.")
    if primary == sqlite3.SQLITE_READONLY or "readonly" in message:
        return StoreError(
            f"The database {path} is read-only. Fix its permissions or set NEWSBOT_DB to "
            "a writable file."
        )
    if primary in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT) or (
        "not a database" in message or "malformed" in message
    ):
        return StoreError(
            f"The file {path} is not a usable newsbot database ({exc}). Restore a backup, "
            "or set NEWSBOT_DB to another file."
        )
    if primary in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR) or "unable to open" in message:
        return StoreError(
            f"Cannot read or write the database {path} ({exc}). Check the disk, the path "
            "and its permissions, or set NEWSBOT_DB to another file."
        )
    return None


def _reraise(exc: sqlite3.Error, path: Path) -> NoReturn:
    """Raise the translated StoreError (chained), or ``exc`` itself if it is not an operator issue."""
    translated = _translate(exc, path)
    if translated is None:
        raise exc
    raise translated from exc
