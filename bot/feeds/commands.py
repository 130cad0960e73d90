"""The terminal's feed commands: ``newsbot feeds add|list|remove``, ``fetch`` and ``import``.

Kept beside the feeds rather than in :mod:`bot.cli` so the CLI only dispatches; every
command goes through the same service and store as the running bot.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import urlsplit

from bot.messages import DISCORD, Surface, messages_for
from retrieval.corpus.files import ArticleError

from ..service import NewsService
from ..store import utc_timestamp
from .fetch import FetchError, check_scheme
from .poll import Poller, fetcher_for, import_file
from .texts import feeds_text, import_text, poll_text


async def run_feed_command(
    service: NewsService, args: argparse.Namespace, lang: str, surface: Surface = DISCORD
) -> int:
    """Run one feed command; a refused URL, a failed fetch or import, and a poll where every
    feed failed are said on stderr, exit 1."""
    messages = messages_for(lang, surface=surface)
    source: str = getattr(args, "source", None) or getattr(args, "url", None) or ""
    try:
        if args.command == "feeds":
            return await _feeds(service, args, lang, surface)
        if args.command == "import" and (problem := _local_source_problem(source, lang, surface)):
            print(f"newsbot: {problem}", file=sys.stderr)
            return 1
        async with fetcher_for(service.settings) as fetcher:
            poller = Poller(service, fetcher, service.settings)
            if args.command == "fetch":
                report = await poller.poll(due_only=False)
                all_failed = bool(report.feeds) and all(result.error for result in report.feeds)
                print(poll_text(report, lang, surface), file=sys.stderr if all_failed else sys.stdout)
                return 1 if all_failed else 0
            path = Path(source)
            if "://" not in source and path.is_file():
                outcome = await import_file(service, path)
            else:
                outcome = await poller.import_url(source)
    except (FetchError, ArticleError, OSError) as error:
        reason = error.strerror or str(error) if isinstance(error, OSError) else str(error)
        line = messages.import_failed.format(url=source, error=reason) if args.command == "import" else reason
        print(f"newsbot: {line}", file=sys.stderr)
        return 1
    if not (outcome.added or outcome.duplicates):
        print(f"newsbot: {import_text(outcome, source, lang, surface)}", file=sys.stderr)
        return 1
    print(import_text(outcome, source, lang, surface))
    return 0


def _local_source_problem(source: str, lang: str, surface: Surface) -> str | None:
    """Why ``source``, given without a URL scheme, cannot be imported as a file: it is a
    folder, or no such file exists (then it is no URL either); ``None`` when it can be tried."""
    if "://" in source:
        return None
    messages = messages_for(lang, surface=surface)
    path = Path(source)
    if path.is_dir():
        return messages.import_folder.format(source=source)
    if not path.exists() and not _has_scheme(source):
        return messages.import_no_file.format(source=source)
    return None


def _has_scheme(text: str) -> bool:
    try:
        return bool(urlsplit(text.strip()).scheme)
    except ValueError:
        return False


async def _feeds(service: NewsService, args: argparse.Namespace, lang: str, surface: Surface) -> int:
    messages = messages_for(lang, surface=surface)
    store = service.store
    if args.feeds_command == "add":
        if not _has_scheme(args.url):
            print(f"newsbot: {messages.not_a_url.format(url=args.url.strip())}", file=sys.stderr)
            return 1
        feed, created = await store.add_feed(check_scheme(args.url), utc_timestamp())
        minutes = round(service.settings.feed_interval_seconds / 60)
        template = messages.feed_added if created else messages.feed_known
        print(template.format(url=feed.url, id=feed.id, minutes=minutes))
    elif args.feeds_command == "list":
        print(feeds_text(await store.feeds(), lang, surface))
    else:
        removed = await store.remove_feed(args.feed.strip())
        if removed is None:
            print(f"newsbot: {messages.feed_not_found.format(key=args.feed)}", file=sys.stderr)
            return 1
        print(messages.feed_removed.format(url=removed.url))
    return 0
