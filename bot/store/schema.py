"""The schema as forward-only migrations, tracked in ``PRAGMA user_version``.

Each migration runs in its own transaction, so an interrupted upgrade leaves the database
at the previous version; the version is re-read under the write lock so two processes
starting together do not both apply one migration.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from .errors import StoreError

logger = logging.getLogger("bot.store")


@dataclass(frozen=True)
class Migration:
    """Statements that bring the schema from ``version - 1`` to ``version``."""

    version: int
    description: str
    statements: tuple[str, ...]


MIGRATIONS: list[Migration] = [
    Migration(
        1,
        "initial schema: articles, passages (re-analysed at start-up), reload history, question log",
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
            ("CREATE INDEX questions_unanswered_by_time ON questions (asked_at) WHERE answered = 0"),
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
    Migration(
        4,
        "files known to fail (by signature), so an unchanged bad file is reported without "
        "being read, parsed or forcing a rebuild",
        (
            """
            CREATE TABLE known_failures (
                path TEXT PRIMARY KEY,
                signature TEXT NOT NULL,
                pipeline TEXT NOT NULL,
                reason TEXT NOT NULL
            ) WITHOUT ROWID
            """,
        ),
    ),
    Migration(
        5,
        "what each reload updates for an unchanged article (last seen, file signature) in a "
        "narrow table, so a reload no longer rewrites every row holding an article's text",
        (
            """
            CREATE TABLE article_seen (
                path TEXT PRIMARY KEY REFERENCES articles (path) ON DELETE CASCADE ON UPDATE CASCADE,
                last_seen TEXT NOT NULL,
                file_signature TEXT
            ) WITHOUT ROWID
            """,
            (
                "INSERT INTO article_seen (path, last_seen, file_signature) "
                "SELECT path, last_seen, file_signature FROM articles"
            ),
        ),
    ),
    Migration(
        6,
        "each article's language, so its passages are analysed (and its questions matched) in "
        "it; NULL for articles stored before: read from their text",
        ("ALTER TABLE articles ADD COLUMN lang TEXT",),
    ),
    Migration(
        7,
        "followed feeds (with their conditional-request validators, back-off and last error) "
        "and the identity of articles from the web (canonical link, text fingerprint), so a "
        "page seen before under another link is not added twice",
        (
            """
            CREATE TABLE feeds (
                id INTEGER PRIMARY KEY,
                url TEXT NOT NULL UNIQUE,
                title TEXT,
                guild_id INTEGER,
                channel_id INTEGER,
                added_at TEXT NOT NULL,
                etag TEXT,
                last_modified TEXT,
                last_polled TEXT,
                last_ok TEXT,
                next_poll TEXT,
                failures INTEGER NOT NULL DEFAULT 0,
                last_error TEXT
            )
            """,
            """
            CREATE TABLE web_articles (
                path TEXT PRIMARY KEY REFERENCES articles (path) ON DELETE CASCADE ON UPDATE CASCADE,
                canonical_url TEXT,
                fingerprint TEXT NOT NULL,
                feed_id INTEGER REFERENCES feeds (id) ON DELETE SET NULL,
                fetched_at TEXT NOT NULL
            ) WITHOUT ROWID
            """,
            "CREATE INDEX web_articles_by_url ON web_articles (canonical_url)",
            "CREATE INDEX web_articles_by_fingerprint ON web_articles (fingerprint)",
        ),
    ),
    Migration(
        8,
        "answers posted on Discord (their citations, for the 'more sources' button) and the "
        "helpful / not helpful votes on them, one per voter and answer, the voter kept only "
        "as a salted hash",
        (
            # id: the random key in the buttons' custom ids. question: NULL when
            # NEWSBOT_LOG_QUESTIONS is off. citations: JSON, best first, every one the
            # answer had; shown: how many the message showed.
            """
            CREATE TABLE answers (
                id INTEGER PRIMARY KEY,
                asked_at TEXT NOT NULL,
                question TEXT,
                lang TEXT NOT NULL,
                citations TEXT NOT NULL,
                shown INTEGER NOT NULL
            )
            """,
            # voter: HMAC-SHA256 of (answer id, user id) under meta's vote_salt, never the
            # user id: enough to keep one vote per user per answer, and unlinkable from one
            # answer to the next.
            """
            CREATE TABLE answer_votes (
                answer_id INTEGER NOT NULL REFERENCES answers (id) ON DELETE CASCADE,
                voter TEXT NOT NULL,
                helpful INTEGER NOT NULL CHECK (helpful IN (0, 1)),
                voted_at TEXT NOT NULL,
                PRIMARY KEY (answer_id, voter)
            ) WITHOUT ROWID
            """,
            "INSERT INTO meta (key, value) VALUES ('vote_salt', lower(hex(randomblob(32))))",
        ),
    ),
    Migration(
        9,
        "each article's author (a page's byline, front matter or manifest ``author``), shown "
        "with its source; NULL when unknown",
        ("ALTER TABLE articles ADD COLUMN author TEXT",),
    ),
    Migration(
        10,
        "what each web article was made from (the fetched page, compressed, and the feed "
        "item's own title, summary and date), so a new text pipeline extracts it again "
        "without the network, as it parses the folder's files again",
        (
            """
            CREATE TABLE web_sources (
                id INTEGER PRIMARY KEY,
                path TEXT NOT NULL UNIQUE
                    REFERENCES articles (path) ON DELETE CASCADE ON UPDATE CASCADE,
                kind TEXT NOT NULL CHECK (kind IN ('page', 'file')),
                url TEXT,
                name TEXT,
                item TEXT,
                body BLOB
            )
            """,
        ),
    ),
    Migration(
        11,
        "what kind of run each row of reload_runs is (a folder reload, a feed poll, an "
        "import), with a poll's feeds, failing feeds and items already known, so /stats "
        "tells the last reload from the last poll",
        (
            "ALTER TABLE reload_runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'reload'",
            "ALTER TABLE reload_runs ADD COLUMN feeds INTEGER",
            "ALTER TABLE reload_runs ADD COLUMN feeds_failed INTEGER",
            "ALTER TABLE reload_runs ADD COLUMN duplicates INTEGER",
            # Polls and imports were recorded as reloads by these names.
            "UPDATE reload_runs SET kind = 'poll' WHERE requested_by = 'feeds'",
            "UPDATE reload_runs SET kind = 'import' WHERE requested_by = 'import'",
            "CREATE INDEX reload_runs_by_kind ON reload_runs (kind, id)",
        ),
    ),
]

SCHEMA_VERSION: int = MIGRATIONS[-1].version
"""The schema version this code writes (the latest migration)."""


async def corpus_generation(conn: aiosqlite.Connection) -> str:
    rows = list(await conn.execute_fetchall("SELECT value FROM meta WHERE key = 'corpus_generation'"))
    return str(rows[0][0])


async def user_version(conn: aiosqlite.Connection) -> int:
    rows = list(await conn.execute_fetchall("PRAGMA user_version"))
    return int(rows[0][0])


async def migrate(conn: aiosqlite.Connection, path: Path) -> None:
    """Apply the missing forward migrations, each in its own transaction.

    The version is re-read under the write lock so two processes starting together do not
    both apply the same migration.
    """
    version = await user_version(conn)
    if version > SCHEMA_VERSION:
        raise newer_error(path, version)
    for migration in MIGRATIONS:
        if migration.version <= version:
            continue
        await conn.execute("BEGIN IMMEDIATE")
        try:
            current = await user_version(conn)
            if current > SCHEMA_VERSION:
                raise newer_error(path, current)
            if current < migration.version:
                if current != migration.version - 1:
                    raise StoreError("store_version_gap", path=path, current=current, target=migration.version)
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


def newer_error(path: Path, version: int) -> StoreError:
    return StoreError("store_newer", path=path, version=version, known=SCHEMA_VERSION)
