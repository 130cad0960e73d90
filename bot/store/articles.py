"""The stored corpus: what a reload compares with and writes, and the article listings."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import aiosqlite

from retrieval.engine import free_in_slices
from retrieval.records import Article

from .codecs import (
    ARTICLE_COLUMNS,
    ARTICLE_ROW_SELECT,
    article_row_from,
    canonical,
    decode_corpus,
    encode_upserts,
    fetch_in_batches,
)
from .connection import StoreConnection
from .errors import StoreConflictError
from .records import (
    ArticleRow,
    KnownFailure,
    ReloadRun,
    StoredCorpus,
    StoredFile,
    StoredPassage,
)
from .schema import corpus_generation

logger = logging.getLogger("bot.store")


class ArticleStore(StoreConnection):
    """Articles, passages and the reload history."""

    async def article_files(self) -> tuple[str, dict[str, StoredFile]]:
        """The corpus generation and ``path -> StoredFile`` of every stored article, read
        together: what a folder scan compares with, and what a reload expects to replace."""
        async with self._read_transaction() as conn:
            generation = await corpus_generation(conn)
            rows = await fetch_in_batches(
                conn,
                "SELECT a.path, a.content_hash, s.file_signature, a.pipeline "
                "FROM articles a LEFT JOIN article_seen s ON s.path = a.path",
            )
        return generation, await asyncio.to_thread(_stored_files, rows)

    async def generation(self) -> str:
        """The stored corpus generation alone: one row, cheap enough to poll."""
        async with self._read() as conn:
            return await corpus_generation(conn)

    async def known_failures(self) -> dict[str, KnownFailure]:
        """``path -> KnownFailure`` of the files that failed at the last reload."""
        async with self._read() as conn:
            rows = await conn.execute_fetchall("SELECT path, signature, pipeline, reason FROM known_failures")
        return {path: KnownFailure(signature, pipeline, reason) for path, signature, pipeline, reason in rows}

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
            generation = await corpus_generation(conn)
            article_rows = await fetch_in_batches(
                conn, f"SELECT a.id, {ARTICLE_COLUMNS} FROM articles a ORDER BY a.path"
            )
            passage_rows = await fetch_in_batches(
                conn,
                f"""
                SELECT p.article_id, p.ordinal, p.sentences, p.context, {tokens_column}
                FROM passages p JOIN articles a ON a.id = p.article_id
                ORDER BY a.path, p.ordinal
                """,
            )
        # Decoding 100k passages takes seconds of CPU: do it off the event loop.
        entries = await asyncio.to_thread(decode_corpus, article_rows, passage_rows)
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
        known_failures: Mapping[str, KnownFailure] | None = None,
    ) -> int:
        """Write the outcome of a reload in ONE transaction and return the run id.

        Changed/new articles replace the stored row (an existing path keeps its
        ``first_seen``; ``last_seen`` becomes ``now``) and all their passages; removed
        paths are deleted (passages cascade); unchanged paths get ``last_seen = now``;
        every upserted or unchanged path gets its file signature from ``signatures``
        (``None`` when missing); the run and its failures are recorded; when any article
        changed, the corpus gets a new generation; upserted articles are marked as parsed by
        ``pipeline`` (see :mod:`retrieval.corpus.pipeline`). With ``expected_generation`` (the
        generation the reload started from), :class:`StoreConflictError` is raised and
        nothing written if another process changed the corpus since. On any exception
        everything is rolled back — the database is exactly as before — and the exception
        is re-raised, so the served index and the database never disagree. ``run.id`` and
        ``run.generation`` are set on success. ``known_failures``, when given, replaces the
        stored list of files known to fail.
        """
        now = canonical(now, "now")
        started_at = canonical(run.started_at, "run.started_at")
        # Validate and serialise every row before the transaction, off the event loop: a bad
        # span fails here with nothing written, and the loop stays free at a million passages.
        signatures = signatures or {}
        encoded, seen = await asyncio.to_thread(_prepare_rows, upserts, removed, unchanged, signatures, now)

        try:
            async with self._write() as conn:
                if expected_generation is not None and await corpus_generation(conn) != expected_generation:
                    raise StoreConflictError(self._path)
                await self._upsert_articles(conn, encoded, now, signatures, pipeline)
                for path in removed:
                    await conn.execute("DELETE FROM articles WHERE path = ?", (path,))
                if seen:
                    await conn.executemany(
                        # The narrow table only: rewriting the article rows (which hold the full
                        # text) made every no-change reload write as much as the corpus.
                        "UPDATE article_seen SET last_seen = ?, file_signature = ? WHERE path = ?",
                        seen,
                    )
                if upserts or removed:
                    await conn.execute("UPDATE meta SET value = ? WHERE key = 'corpus_generation'", (uuid.uuid4().hex,))
                if known_failures is not None:
                    await self._replace_known_failures(conn, known_failures)
                generation = await corpus_generation(conn)
                run_id = await self._insert_run(conn, run, started_at, generation)
        finally:
            # Every passage's tokens as JSON on a first start (hundreds of megabytes at a
            # million passages): freed a slice at a time in a worker thread, not at once on
            # the event loop when this returns.
            await asyncio.to_thread(_free_rows, encoded, seen)
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

    async def _replace_known_failures(
        self, conn: aiosqlite.Connection, known_failures: Mapping[str, KnownFailure]
    ) -> None:
        """Only what changed, so that a reload with the same bad files writes nothing here."""
        rows = await conn.execute_fetchall("SELECT path, signature, pipeline, reason FROM known_failures")
        stored = {path: KnownFailure(signature, pipeline, reason) for path, signature, pipeline, reason in rows}
        gone = [(path,) for path in stored if path not in known_failures]
        new = [(path, f.signature, f.pipeline, f.reason) for path, f in known_failures.items() if stored.get(path) != f]
        await conn.executemany("DELETE FROM known_failures WHERE path = ?", gone)
        await conn.executemany(
            "INSERT OR REPLACE INTO known_failures (path, signature, pipeline, reason) VALUES (?, ?, ?, ?)", new
        )

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
        await self._upsert_articles(conn, [(article, rows)], now, {article.path: signature}, pipeline)

    async def _upsert_articles(
        self,
        conn: aiosqlite.Connection,
        encoded: Sequence[tuple[Article, Sequence[tuple[int, str, str, str]]]],
        now: str,
        signatures: Mapping[str, str | None],
        pipeline: str | None,
    ) -> None:
        """Insert or replace articles and all their passages (inside the caller's transaction),
        a statement per kind of row rather than per article: each statement is a hop to the
        database thread and back (~0.2 ms), which made storing 10,000 articles take 10 s.
        The rows are generated in that thread, as it reads them."""
        existing: dict[str, int] = {}
        paths = [article.path for article, _ in encoded]
        for i in range(0, len(paths), _PATHS_PER_QUERY):
            chunk = paths[i : i + _PATHS_PER_QUERY]
            marks = ",".join("?" * len(chunk))
            found = await conn.execute_fetchall(f"SELECT path, id FROM articles WHERE path IN ({marks})", chunk)
            existing.update((path, article_id) for path, article_id in found)
        async with conn.execute("SELECT COALESCE(MAX(id), 0) FROM articles") as cursor:
            row = await cursor.fetchone()
        next_id = int(row[0]) + 1 if row else 1
        # New articles get the ids SQLite would give them one insert at a time.
        ids = dict(existing)
        for path in paths:
            if path not in ids:
                ids[path] = next_id
                next_id += 1

        def fields(article: Article) -> tuple[object, ...]:
            return (
                article.title,
                article.source,
                article.url,
                article.published or None,
                article.content_hash,
                article.text,
                signatures.get(article.path),
                pipeline,
                article.lang,
                article.author,
            )

        await conn.executemany(
            """
            UPDATE articles
            SET title = ?, source = ?, url = ?, published = ?, content_hash = ?, text = ?,
                file_signature = ?, pipeline = ?, lang = ?, author = ?, last_seen = ?
            WHERE id = ?
            """,
            ((*fields(article), now, existing[article.path]) for article, _ in encoded if article.path in existing),
        )
        await conn.executemany(
            "DELETE FROM passages WHERE article_id = ?",
            ((existing[article.path],) for article, _ in encoded if article.path in existing),
        )
        await conn.executemany(
            """
            INSERT INTO articles
                (id, path, title, source, url, published, content_hash, text,
                 file_signature, pipeline, lang, author, first_seen, last_seen)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            (
                (ids[article.path], article.path, *fields(article), now, now)
                for article, _ in encoded
                if article.path not in existing
            ),
        )
        await conn.executemany(
            "INSERT OR REPLACE INTO article_seen (path, last_seen, file_signature) VALUES (?, ?, ?)",
            ((article.path, now, signatures.get(article.path)) for article, _ in encoded),
        )
        await conn.executemany(
            """
            INSERT INTO passages (article_id, ordinal, sentences, context, tokens)
            VALUES (?, ?, ?, ?, ?)
            """,
            ((ids[article.path], *row) for article, rows in encoded for row in rows),
        )

    async def _insert_run(
        self, conn: aiosqlite.Connection, run: ReloadRun, started_at: str, generation: str | None = None
    ) -> int:
        """Insert the run row and its failures (inside the caller's transaction)."""
        cursor = await conn.execute(
            """
            INSERT INTO reload_runs
                (requested_by, started_at, duration_s, added, updated, unchanged, removed,
                 ok, error, generation, kind, feeds, feeds_failed, duplicates)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
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
                run.kind,
                run.feeds,
                run.feeds_failed,
                run.duplicates,
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
        started_at = canonical(run.started_at, "run.started_at")
        async with self._write() as conn:
            run_id = await self._insert_run(conn, run, started_at)
        run.id = run_id
        return run_id

    async def record_signatures(self, signatures: Mapping[str, str]) -> None:
        """Store new file signatures of stored articles whose content did not change."""
        async with self._write() as conn:
            await conn.executemany(
                "UPDATE article_seen SET file_signature = ? WHERE path = ?",
                [(signature, path) for path, signature in signatures.items()],
            )

    async def articles(self) -> list[ArticleRow]:
        """Every stored article by path, for ``/sources``."""
        async with self._read() as conn:
            rows = await conn.execute_fetchall(f"{ARTICLE_ROW_SELECT} ORDER BY a.path")
        return [article_row_from(row) for row in rows]

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
                {ARTICLE_ROW_SELECT}
                ORDER BY (a.published IS NULL), a.published DESC, a.first_seen DESC, a.path
                LIMIT ?
                """,
                (n,),
            )
        return [article_row_from(row) for row in rows]


def _free_rows(encoded: list[Any], seen: list[Any]) -> None:
    free_in_slices(encoded, ROWS_FREED_PER_STEP)
    free_in_slices(seen)


_PATHS_PER_QUERY = 500
"""Paths looked up per query (SQLite allows 32,766 parameters; small chunks stay cheap)."""

ROWS_FREED_PER_STEP = 50
"""Articles' encoded rows freed per slice (each with its passages' token JSON)."""


def _stored_files(rows: Sequence[Any]) -> dict[str, StoredFile]:
    """``path -> StoredFile`` (in a worker thread: a million-passage corpus has 100k)."""
    return {path: StoredFile(content_hash, signature, pipeline) for path, content_hash, signature, pipeline in rows}


def _prepare_rows(
    upserts: Sequence[tuple[Article, Sequence[StoredPassage]]],
    removed: Sequence[str],
    unchanged: Sequence[str],
    signatures: Mapping[str, str | None],
    now: str,
) -> tuple[list[tuple[Article, list[tuple[int, str, str, str]]]], list[tuple[str, str | None, str]]]:
    """:meth:`ArticleStore.apply_reload`'s rows: the upserted articles' passages encoded, and
    ``(last_seen, signature, path)`` for each unchanged path. Raises ValueError when a path
    is listed twice."""
    upsert_paths = [article.path for article, _ in upserts]
    if len(set(upsert_paths)) != len(upsert_paths):
        raise ValueError("apply_reload: the same path appears twice in upserts")
    overlap = set(upsert_paths) & set(removed) | set(upsert_paths) & set(unchanged)
    overlap |= set(removed) & set(unchanged)
    if overlap:
        raise ValueError(f"apply_reload: paths listed in more than one category: {sorted(overlap)}")
    return encode_upserts(upserts), [(now, signatures.get(path), path) for path in unchanged]
