"""Followed feeds and the articles that came from the web.

Web articles are ordinary stored articles (same passages, same index, same listings) whose
path starts with :data:`WEB_PREFIX`. That prefix can never be the path of a file in the
corpus folder (a folder article's path is ``<folder name>/<relative path>``, and no scan
yields an empty path component), so a folder reload never mistakes a web article for a file
that was deleted. ``web_articles`` remembers each one's canonical link and text fingerprint:
an item seen before under a tracking-decorated link, or under another link with the same
text, is not added twice.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosqlite

from retrieval.records import Article

from .articles import ArticleStore
from .codecs import canonical, encode_upserts, utc_timestamp
from .errors import StoreConflictError
from .records import ReloadRun, StoredPassage
from .schema import corpus_generation

logger = logging.getLogger("bot.store")

POLL_RUNS_DAYS = 30
"""How long the history keeps poll runs."""

WEB_PREFIX = "web://"
"""Path prefix of articles from feeds and imported pages: ``web://<host>/<hash>``."""


def is_web_path(path: str) -> bool:
    """Whether a stored article came from the web (kept by folder reloads)."""
    return path.startswith(WEB_PREFIX)


@dataclass(frozen=True)
class Feed:
    """A followed feed as stored, with what its next poll needs."""

    id: int
    url: str
    title: str | None
    guild_id: int | None
    channel_id: int | None
    """Where new articles are announced; ``None``: not announced."""
    added_at: str
    etag: str | None = None
    last_modified: str | None = None
    last_polled: str | None = None
    last_ok: str | None = None
    next_poll: str | None = None
    failures: int = 0
    """Consecutive failed polls: the back-off grows with them."""
    last_error: str | None = None


@dataclass(frozen=True)
class WebSource:
    """What a web article was made from, kept so that a new text pipeline can make it
    again without fetching anything (see :func:`bot.feeds.items.article_from_source`)."""

    kind: str
    """``"page"``: a fetched (or imported) HTML page and/or a feed item; ``"file"``: an
    imported Markdown or text file."""
    body: bytes | None
    """The page's or file's bytes as fetched or read; ``None``: the page failed and the
    feed item's text was used."""
    url: str | None = None
    """Where the page was fetched from (after redirects)."""
    name: str | None = None
    """An imported file's name (its suffix says how to read it)."""
    item: str | None = None
    """The feed item (title, summary, date, link) as JSON, the fallback for the page."""


@dataclass(frozen=True)
class WebRecord:
    """How a web article is recognised when it comes round again."""

    path: str
    canonical_url: str | None
    fingerprint: str
    feed_id: int | None
    source: WebSource | None = None
    """What to extract it from again; ``None`` keeps the stored one (or none, for web
    articles stored before schema v10: those keep their text as it was extracted)."""


_FEED_COLUMNS = (
    "id, url, title, guild_id, channel_id, added_at, etag, last_modified, last_polled, last_ok, next_poll, "
    "failures, last_error"
)


class FeedStore(ArticleStore):
    """Feeds, and the write of articles from the web (in one transaction, like a reload)."""

    async def add_feed(
        self, url: str, now: str, *, guild_id: int | None = None, channel_id: int | None = None
    ) -> tuple[Feed, bool]:
        """Follow ``url`` (already normalised); return the feed and whether it is new. A feed
        added again keeps its state but takes the new announcement channel, if one is given."""
        now = canonical(now, "now")
        async with self._write() as conn:
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO feeds (url, guild_id, channel_id, added_at, next_poll) VALUES (?, ?, ?, ?, ?)",
                (url, guild_id, channel_id, now, now),
            )
            created = cursor.rowcount == 1
            if not created and channel_id is not None:
                await conn.execute(
                    "UPDATE feeds SET guild_id = ?, channel_id = ? WHERE url = ?", (guild_id, channel_id, url)
                )
            rows = list(await conn.execute_fetchall(f"SELECT {_FEED_COLUMNS} FROM feeds WHERE url = ?", (url,)))
        return Feed(*rows[0]), created

    async def feeds(self) -> list[Feed]:
        """Every followed feed, oldest first."""
        async with self._read() as conn:
            rows = await conn.execute_fetchall(f"SELECT {_FEED_COLUMNS} FROM feeds ORDER BY id")
        return [Feed(*row) for row in rows]

    async def remove_feed(self, key: str) -> Feed | None:
        """Stop following the feed with this id or URL; its articles stay in the corpus."""
        async with self._write() as conn:
            column = "id" if key.isdigit() else "url"
            rows = list(await conn.execute_fetchall(f"SELECT {_FEED_COLUMNS} FROM feeds WHERE {column} = ?", (key,)))
            if not rows:
                return None
            await conn.execute("DELETE FROM feeds WHERE id = ?", (rows[0][0],))
        return Feed(*rows[0])

    async def due_feeds(self, now: str) -> list[Feed]:
        """Feeds whose next poll time has come."""
        now = canonical(now, "now")
        async with self._read() as conn:
            rows = await conn.execute_fetchall(
                f"SELECT {_FEED_COLUMNS} FROM feeds WHERE next_poll IS NULL OR next_poll <= ? ORDER BY id", (now,)
            )
        return [Feed(*row) for row in rows]

    async def record_poll(
        self,
        feed_id: int,
        now: str,
        next_poll: str,
        *,
        error: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        title: str | None = None,
    ) -> None:
        """A poll's outcome: on success the new validators and the failure count reset; on a
        failure the count grows and the error is kept for ``/feeds list``."""
        now, next_poll = canonical(now, "now"), canonical(next_poll, "next_poll")
        async with self._write() as conn:
            if error is None:
                await conn.execute(
                    """
                    UPDATE feeds SET last_polled = ?, last_ok = ?, next_poll = ?, failures = 0, last_error = NULL,
                        etag = COALESCE(?, etag), last_modified = COALESCE(?, last_modified),
                        title = COALESCE(?, title)
                    WHERE id = ?
                    """,
                    (now, now, next_poll, etag, last_modified, title, feed_id),
                )
            else:
                await conn.execute(
                    "UPDATE feeds SET last_polled = ?, next_poll = ?, failures = failures + 1, last_error = ? "
                    "WHERE id = ?",
                    (now, next_poll, error[:500], feed_id),
                )

    async def record_poll_run(self, run: ReloadRun, *, into: int | None = None, keep_days: int = POLL_RUNS_DAYS) -> int:
        """Record one poll of the feeds as a run of kind ``"poll"``: completing the run its
        articles were stored with (``into``; ``run.failures``, the failing feeds, are added
        to that run's), or on its own when it added nothing. Poll runs older than
        ``keep_days`` are dropped (a poll every few minutes would otherwise fill the history
        that ``/stats`` reads only the last of)."""
        started_at = canonical(run.started_at, "run.started_at")
        run.kind = "poll"
        cutoff = datetime.fromisoformat(started_at) - timedelta(days=keep_days)
        async with self._write() as conn:
            if into is None:
                run.id = await self._insert_run(conn, run, started_at)
            else:
                await conn.execute(
                    "UPDATE reload_runs SET kind = 'poll', duration_s = ?, feeds = ?, feeds_failed = ?, duplicates = ? "
                    "WHERE id = ?",
                    (float(run.duration_s), run.feeds, run.feeds_failed, run.duplicates, into),
                )
                await conn.executemany(
                    "INSERT INTO reload_failures (run_id, path, reason) VALUES (?, ?, ?)",
                    [(into, failure.path, failure.reason) for failure in run.failures],
                )
                run.id = into
            await conn.execute(
                "DELETE FROM reload_runs WHERE kind = 'poll' AND started_at < ?", (utc_timestamp(cutoff),)
            )
        assert run.id is not None
        return run.id

    async def known_web(self, urls: Iterable[str], fingerprints: Iterable[str]) -> tuple[set[str], set[str]]:
        """Which of these canonical links and text fingerprints are stored already. A folder
        article whose metadata names the same link counts too."""
        urls, fingerprints = list(dict.fromkeys(urls)), list(dict.fromkeys(fingerprints))
        found_urls: set[str] = set()
        found_prints: set[str] = set()
        async with self._read() as conn:
            for start in range(0, len(urls), 500):
                batch = urls[start : start + 500]
                marks = ",".join("?" * len(batch))
                rows = await conn.execute_fetchall(
                    f"SELECT canonical_url FROM web_articles WHERE canonical_url IN ({marks}) "
                    f"UNION SELECT url FROM articles WHERE url IN ({marks})",
                    (*batch, *batch),
                )
                found_urls.update(str(row[0]) for row in rows)
            for start in range(0, len(fingerprints), 500):
                batch = fingerprints[start : start + 500]
                marks = ",".join("?" * len(batch))
                rows = await conn.execute_fetchall(
                    f"SELECT fingerprint FROM web_articles WHERE fingerprint IN ({marks})", batch
                )
                found_prints.update(str(row[0]) for row in rows)
        return found_urls, found_prints

    async def expired_web_paths(self, cutoff: str) -> list[str]:
        """Web articles published before ``cutoff`` (an ISO date), or fetched before it when
        their date is unknown."""
        async with self._read() as conn:
            rows = await conn.execute_fetchall(
                """
                SELECT a.path FROM articles a JOIN web_articles w ON w.path = a.path
                WHERE COALESCE(a.published, substr(w.fetched_at, 1, 10)) < ?
                ORDER BY a.path
                """,
                (cutoff,),
            )
        return [str(row[0]) for row in rows]

    async def apply_web_articles(
        self,
        upserts: Sequence[tuple[Article, Sequence[StoredPassage]]],
        records: Sequence[WebRecord],
        removed: Sequence[str],
        run: ReloadRun,
        now: str,
        *,
        pipeline: str,
        expected_generation: str,
    ) -> int:
        """Add web articles and drop expired ones in ONE transaction, like a folder reload:
        a new corpus generation, the run recorded; nothing written if another process
        changed the corpus since ``expected_generation`` (:class:`StoreConflictError`)."""
        now = canonical(now, "now")
        encoded = await self._encode(upserts)
        sources = await asyncio.to_thread(_compress_sources, records)
        async with self._write() as conn:
            await self._upsert_web_articles(conn, encoded, now, pipeline, expected_generation)
            await conn.executemany(
                "INSERT OR REPLACE INTO web_articles (path, canonical_url, fingerprint, feed_id, fetched_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [(r.path, r.canonical_url, r.fingerprint, r.feed_id, now) for r in records],
            )
            await self._write_sources(conn, sources)
            await conn.executemany("DELETE FROM articles WHERE path = ?", [(path,) for path in removed])
            run_id = await self._record_change(conn, run, changed=bool(upserts or removed))
        logger.info("web articles stored (run %d): %d added, %d expired", run_id, len(upserts), len(removed))
        return run_id

    async def outdated_web_sources(
        self, pipeline: str, *, after: str = "", limit: int = 200
    ) -> list[tuple[str, WebSource]]:
        """Up to ``limit`` web articles (by path, after ``after``) parsed by another text
        pipeline than ``pipeline``, with what they were made from. Those stored without a
        source (before schema v10) cannot be made again and are not listed."""
        async with self._read() as conn:
            rows = await conn.execute_fetchall(
                """
                SELECT s.path, s.kind, s.body, s.url, s.name, s.item FROM web_sources s
                JOIN articles a ON a.path = s.path
                WHERE a.pipeline IS NOT ? AND s.path > ? ORDER BY s.path LIMIT ?
                """,
                (pipeline, after, limit),
            )
        return await asyncio.to_thread(_decompress_sources, list(rows))

    async def refresh_web_articles(
        self,
        upserts: Sequence[tuple[Article, Sequence[StoredPassage]]],
        records: Sequence[WebRecord],
        run: ReloadRun,
        now: str,
        *,
        pipeline: str,
        expected_generation: str,
    ) -> int:
        """Replace stored web articles by what ``pipeline`` made of their sources again, in
        one transaction: each keeps its path, its feed and when it was first seen and
        fetched (so retention counts from the fetch); a new corpus generation; the run
        recorded. :class:`StoreConflictError` if the corpus changed since
        ``expected_generation``."""
        now = canonical(now, "now")
        encoded = await self._encode(upserts)
        async with self._write() as conn:
            await self._upsert_web_articles(conn, encoded, now, pipeline, expected_generation)
            await conn.executemany(
                "UPDATE web_articles SET canonical_url = ?, fingerprint = ? WHERE path = ?",
                [(r.canonical_url, r.fingerprint, r.path) for r in records],
            )
            run_id = await self._record_change(conn, run, changed=bool(upserts))
        logger.info("web articles extracted again (run %d): %d", run_id, len(upserts))
        return run_id

    async def _upsert_web_articles(
        self,
        conn: aiosqlite.Connection,
        encoded: Sequence[tuple[Article, list[tuple[int, str, str, str]]]],
        now: str,
        pipeline: str,
        expected_generation: str,
    ) -> None:
        """The start of a web change, inside its transaction: refuse it if another process
        changed the corpus meanwhile, then write its articles."""
        if await corpus_generation(conn) != expected_generation:
            raise StoreConflictError(self._path)
        for article, rows in encoded:
            await self._upsert_article(conn, article, rows, now, None, pipeline)

    async def _record_change(self, conn: aiosqlite.Connection, run: ReloadRun, *, changed: bool) -> int:
        """The end of a web change, inside its transaction: a new corpus generation when
        something changed, and the run recorded under it."""
        if changed:
            await conn.execute("UPDATE meta SET value = ? WHERE key = 'corpus_generation'", (uuid.uuid4().hex,))
        generation = await corpus_generation(conn)
        run_id = await self._insert_run(conn, run, canonical(run.started_at, "run.started_at"), generation)
        run.id, run.generation = run_id, generation
        return run_id

    async def _write_sources(self, conn: aiosqlite.Connection, sources: Sequence[_SourceRow]) -> None:
        await conn.executemany(
            "INSERT OR REPLACE INTO web_sources (path, kind, url, name, item, body) VALUES (?, ?, ?, ?, ?, ?)",
            sources,
        )

    async def _encode(
        self, upserts: Sequence[tuple[Article, Sequence[StoredPassage]]]
    ) -> list[tuple[Article, list[tuple[int, str, str, str]]]]:
        """Validate and serialise the passages off the event loop, before the transaction."""
        return await asyncio.to_thread(encode_upserts, upserts)


_SourceRow = tuple[str, str, str | None, str | None, str | None, bytes | None]


def _compress_sources(records: Sequence[WebRecord]) -> list[_SourceRow]:
    """Rows of ``web_sources`` (the bodies zlib-compressed: pages are mostly markup, and
    shrink about five times). Run in a worker thread."""
    return [
        (
            record.path,
            record.source.kind,
            record.source.url,
            record.source.name,
            record.source.item,
            zlib.compress(record.source.body) if record.source.body is not None else None,
        )
        for record in records
        if record.source is not None
    ]


def _decompress_sources(rows: Sequence[Sequence[object]]) -> list[tuple[str, WebSource]]:
    result = []
    for path, kind, body, url, name, item in rows:
        try:
            raw = zlib.decompress(body) if isinstance(body, bytes) else None
        except zlib.error as error:  # a damaged row: that article keeps its stored version
            logger.warning("the stored page of %s cannot be read (%s): not extracted again", path, error)
            continue
        result.append((str(path), WebSource(str(kind), raw, url=_text(url), name=_text(name), item=_text(item))))
    return result


def _text(value: object) -> str | None:
    return None if value is None else str(value)
