"""What the feed commands say, in the terminal and on Discord (sentences in bot.messages)."""

from __future__ import annotations

from bot.messages import DISCORD, Surface, messages_for

from ..service.records import WebOutcome
from ..store import Feed
from .poll import PollReport


def _when(timestamp: str | None) -> str:
    """A stored UTC timestamp as ``2025-01-28 09:30 UTC``, short enough for one line."""
    return f"{timestamp[:10]} {timestamp[11:16]} UTC" if timestamp else "?"


def feed_line(feed: Feed, lang: str, surface: Surface = DISCORD) -> str:
    messages = messages_for(lang, surface=surface)
    if feed.last_error:
        state = messages.feed_failing.format(failures=feed.failures, error=feed.last_error, next=_when(feed.next_poll))
    elif feed.last_polled:
        state = messages.feed_ok.format(polled=_when(feed.last_polled))
    else:
        state = messages.feed_never
    return messages.feed_line.format(id=feed.id, url=feed.url, title=feed.title or "–", state=state)


def feeds_text(feeds: list[Feed], lang: str, surface: Surface = DISCORD) -> str:
    """``newsbot feeds list`` and ``/feeds list``: each feed with its state and last error."""
    if not feeds:
        return messages_for(lang, surface=surface).feeds_none
    return "\n".join(feed_line(feed, lang, surface) for feed in feeds)


def poll_text(report: PollReport, lang: str, surface: Surface = DISCORD) -> str:
    """``newsbot fetch``: the totals, then one line per failing feed."""
    messages = messages_for(lang, surface=surface)
    failing = [result for result in report.feeds if result.error]
    lines = [
        messages.poll_done.format(
            feeds=len(report.feeds),
            added=len(report.outcome.added),
            duplicates=report.outcome.duplicates,
            failed=len(failing),
            expired=report.outcome.expired,
        )
    ]
    lines += [messages.poll_feed_failed.format(url=result.feed.url, error=result.error) for result in failing]
    return "\n".join(lines)


def import_text(outcome: WebOutcome, url: str, lang: str, surface: Surface = DISCORD) -> str:
    """``newsbot import`` and ``/import``: the article added, or that it was known already."""
    messages = messages_for(lang, surface=surface)
    if outcome.added:
        article = outcome.added[0]
        return messages.import_done.format(title=article.title, path=article.path)
    if outcome.duplicates:
        return messages.import_duplicate.format(url=url)
    reason = outcome.failures[0].reason if outcome.failures else messages.unknown_error
    return messages.import_failed.format(url=url, error=reason)
