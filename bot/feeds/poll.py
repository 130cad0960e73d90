"""Polling feeds and importing pages into the corpus.

One poll: every due feed is fetched (conditionally, ETag / Last-Modified), its items not
seen before have their pages fetched and extracted, and all the new articles go through
the service's reload path at once (:meth:`~bot.service.NewsService.add_web_articles`), so
they are answerable as soon as the poll returns. A feed that fails (a 404, a timeout,
invalid XML) gets its error recorded and a longer wait before the next try; it never stops
the other feeds, and nothing stored is lost. Parsing and extraction run in worker threads.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from retrieval.corpus.files import ArticleError
from retrieval.records import LoadFailure

from ..config import Settings
from ..service import NewsService
from ..service.records import WebOutcome
from ..store import Feed, ReloadRun, StoreError, utc_timestamp
from .fetch import Fetcher, FetchError, Response, check_scheme, settings_kwargs
from .items import FeedItem, FeedParseError, WebArticle, article_from_file, article_from_page, parse_feed

log = logging.getLogger("bot.feeds")

MAX_BACKOFF = timedelta(days=1)
"""The longest a failing feed waits between two tries."""
PAGES_PER_POLL = 25
"""New items whose pages one poll of one feed fetches; the rest wait for the next poll (a
feed's first poll would otherwise fetch its whole backlog at once)."""
JITTER = 0.1
"""Share of the interval added or removed at random, so feeds added together spread out."""
FEED_TYPES = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5"
PAGE_TYPES = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"


@dataclass
class FeedResult:
    """What one poll of one feed found."""

    feed: Feed
    articles: list[WebArticle] = field(default_factory=list)
    not_modified: bool = False
    error: str | None = None
    """Why the feed itself could not be read (then nothing of it was added)."""
    item_errors: list[str] = field(default_factory=list)
    """Items whose page failed (their feed summary was used when it had enough text)."""


@dataclass
class PollReport:
    """A whole poll: each feed's result, and what the corpus gained."""

    feeds: list[FeedResult]
    outcome: WebOutcome

    def added_for(self, feed_id: int) -> list[WebArticle]:
        """The articles of ``feed_id`` that this poll actually added (not duplicates)."""
        added = {article.path for article in self.outcome.added}
        return [
            item
            for result in self.feeds
            if result.feed.id == feed_id
            for item in result.articles
            if item.article.path in added
        ]


def next_poll_time(now: datetime, interval_s: float, failures: int, rng: random.Random | None = None) -> datetime:
    """When to poll again: the interval, jittered, doubled for each consecutive failure, at
    most :data:`MAX_BACKOFF` (a feed down for days is still tried daily)."""
    rng = rng or random.Random()
    wait = min(interval_s * (2**failures), MAX_BACKOFF.total_seconds())
    return now + timedelta(seconds=wait * (1 + rng.uniform(-JITTER, JITTER)))


class Poller:
    """Feeds → articles, with one :class:`Fetcher` for the whole process."""

    def __init__(self, service: NewsService, fetcher: Fetcher, settings: Settings) -> None:
        self.service = service
        self.fetcher = fetcher
        self.settings = settings
        self._lock = asyncio.Lock()

    async def poll(self, *, due_only: bool = True) -> PollReport:
        """Poll the feeds that are due (every feed with ``due_only=False``), one poll at a
        time, and add what they found to the corpus in one step."""
        async with self._lock:
            store = self.service.store
            started_at, started = utc_timestamp(), time.perf_counter()
            feeds = await store.due_feeds(utc_timestamp()) if due_only else await store.feeds()
            results = await asyncio.gather(*(self._poll_feed(feed) for feed in feeds))
            found = [item for result in results for item in result.articles]
            outcome = WebOutcome((), 0, 0, ())
            if found or self.settings.retention_days is not None:
                outcome = await self.service.add_web_articles(found, requested_by="feeds", kind="poll")
            await self._record(results)
            if results:
                await self._record_run(results, outcome, started_at, time.perf_counter() - started)
            return PollReport(list(results), outcome)

    async def _record_run(
        self, results: Sequence[FeedResult], outcome: WebOutcome, started_at: str, duration: float
    ) -> None:
        """The poll in the run history, as a poll (``/stats`` shows the last one)."""
        failing = [LoadFailure(result.feed.url, result.error) for result in results if result.error]
        run = ReloadRun(
            "feeds",
            started_at,
            duration,
            len(outcome.added),
            0,
            0,
            outcome.expired,
            failing,  # the articles that failed are in the run they were stored with
            ok=True,
            kind="poll",
            feeds=len(results),
            feeds_failed=len(failing),
            duplicates=outcome.duplicates,
        )
        try:
            await self.service.store.record_poll_run(run, into=outcome.run_id)
        except StoreError as error:
            log.warning("poll not recorded in the run history: %s", error)

    async def _record(self, results: Sequence[FeedResult]) -> None:
        now = datetime.now(UTC)
        for result in results:
            feed = result.feed
            failures = feed.failures + 1 if result.error else 0
            when = next_poll_time(now, self.settings.feed_interval_seconds, failures)
            try:
                await self.service.store.record_poll(
                    feed.id,
                    utc_timestamp(now),
                    utc_timestamp(when),
                    error=result.error,
                    etag=feed.etag,
                    last_modified=feed.last_modified,
                    title=feed.title,
                )
            except StoreError as error:
                log.warning("poll of %s not recorded: %s", feed.url, error)

    async def _poll_feed(self, feed: Feed) -> FeedResult:
        """One feed: never raises, every failure ends up in the result."""
        result = FeedResult(feed)
        try:
            response = await self.fetcher.get(
                feed.url, etag=feed.etag, last_modified=feed.last_modified, accept=FEED_TYPES
            )
            if response.not_modified:
                result.not_modified = True
                return result
            assert response.body is not None
            parsed = await asyncio.to_thread(parse_feed, response.body)
        except (FetchError, FeedParseError) as error:
            log.warning("feed %s: %s", feed.url, error)
            result.error = str(error)
            return result
        result.feed = replace(
            feed,
            etag=response.etag or feed.etag,
            last_modified=response.last_modified or feed.last_modified,
            title=parsed.title or feed.title,
        )
        items = await self._unseen(parsed.items)
        for item in items[:PAGES_PER_POLL]:
            try:
                article = await self._article(item)
            except ArticleError as error:
                result.item_errors.append(f"{item.link or item.title}: {error}")
                continue
            result.articles.append(replace(article, feed_id=feed.id))
        return result

    async def _unseen(self, items: Sequence[FeedItem]) -> list[FeedItem]:
        """Items whose link is not stored yet (their pages are the only ones fetched)."""
        known, _ = await self.service.store.known_web([item.link for item in items if item.link], [])
        return [item for item in items if not item.link or item.link not in known]

    async def _article(self, item: FeedItem) -> WebArticle:
        """The item's page as an article, or the item's own text when the page fails."""
        page: Response | None = None
        if item.link:
            try:
                page = await self.fetcher.get(item.link, accept=PAGE_TYPES)
                if "html" not in page.content_type.lower():
                    log.info("item %s is not an HTML page (%s): using the feed's summary", item.link, page.content_type)
                    page = None
            except FetchError as error:
                log.info("item %s: %s; using the feed's summary", item.link, error)
        body = page.body if page is not None else None
        return await asyncio.to_thread(article_from_page, body, item, page.url if page else item.link)

    async def import_url(self, url: str) -> WebOutcome:
        """Fetch one page and add its article (``newsbot import URL``, ``/import``)."""
        url = check_scheme(url)
        page = await self.fetcher.get(url, accept=PAGE_TYPES)
        if page.body is None or "html" not in page.content_type.lower():
            raise FetchError(f"{url} is not an HTML page ({page.content_type or 'no content type'})")
        article = await asyncio.to_thread(article_from_page, page.body, None, page.url)
        return await self.service.add_web_articles([article], requested_by="import")


async def import_file(service: NewsService, path: Path) -> WebOutcome:
    """Add one local file (HTML, Markdown or text) as a web article: unlike a file copied
    into the corpus folder, it stays when the folder changes."""
    article = await asyncio.to_thread(article_from_file, path)
    return await service.add_web_articles([article], requested_by="import")


def fetcher_for(settings: Settings) -> Fetcher:
    """The process's fetcher, configured from the settings."""
    return Fetcher(**settings_kwargs(settings))
