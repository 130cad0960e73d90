"""Web articles made again by a new text pipeline, from what the store kept of them.

A folder's files are parsed again when the text pipeline changes (see
:mod:`retrieval.corpus.pipeline`); web articles have no file, so the store keeps what each
was made from (the fetched page, the feed item) and this step extracts them again from it,
without the network, before a start or a reload builds the engine from the store.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from retrieval.corpus.pipeline import pipeline_id
from retrieval.records import Article, LoadFailure
from retrieval.text.analyzers import Analyzers

from ..feeds.items import WebArticle, remake_web_articles
from ..store import ReloadRun, Store, StoredPassage, StoreError, WebRecord, utc_timestamp

log = logging.getLogger("bot.service")

BATCH = 200
"""Sources read (and their pages decompressed) at a time."""

InBuild = Callable[..., Awaitable[Any]]
"""The service's ``_in_build``: runs a function in its build thread."""


async def refresh_web_articles(store: Store, in_build: InBuild, analyzers: Analyzers, requested_by: str) -> int:
    """Extract again every stored web article that another text pipeline made, store them
    in one transaction, and return how many were replaced (0: nothing to do, one query).

    One that fails keeps its stored version (and is tried again next time); a store that
    cannot be written (read-only, locked) is logged and leaves everything as it was."""
    pipeline = pipeline_id()
    started_at, started = utc_timestamp(), time.perf_counter()
    try:
        generation = await store.generation()
        made: list[WebArticle] = []
        parsed: list[tuple[Article, list[StoredPassage]]] = []
        failures: list[LoadFailure] = []
        after = ""
        while batch := await store.outdated_web_sources(pipeline, after=after, limit=BATCH):
            more_made, more_parsed, more_failures = await in_build(remake_web_articles, batch, analyzers)
            made += more_made
            parsed += more_parsed
            failures += more_failures
            after = batch[-1][0]
        for failure in failures:
            log.warning("web article %s not extracted again: %s", failure.path, failure.reason)
        if not parsed:
            return 0
        paths = {article.path for article, _ in parsed}
        records = [
            WebRecord(item.article.path, item.canonical_url, item.fingerprint, item.feed_id)
            for item in made
            if item.article.path in paths
        ]
        duration = time.perf_counter() - started
        run = ReloadRun(requested_by, started_at, duration, 0, len(parsed), 0, 0, failures, ok=True, kind="refresh")
        await store.refresh_web_articles(
            parsed, records, run, utc_timestamp(), pipeline=pipeline, expected_generation=generation
        )
    except StoreError as error:
        log.warning("web articles of another text pipeline not extracted again: %s", error)
        return 0
    except Exception:  # a bug in an extractor: the stored versions stay, the reload goes on
        log.exception("web articles of another text pipeline not extracted again")
        return 0
    log.info("%d web articles extracted again by the text pipeline %s", len(parsed), pipeline)
    return len(parsed)
