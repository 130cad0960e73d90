"""Text for headlines, sources, reload reports and stats, shared by the CLI and Discord.

Output is Discord markdown with article titles escaped; callers that post it to Discord cut
it to the message limit with :func:`fit`. With ``surface=TERMINAL`` the same sentences name
``newsbot`` commands and untrusted text is printed as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.messages import DISCORD, Lang, Messages, Surface, messages_for
from bot.render import MESSAGE_LIMIT, describe, escape_for, shorten
from bot.service import Progress, ReloadReport, ServiceStats
from bot.store import ArticleRow, FeedbackStats

PROGRESS_MIN_ITEMS = 1000
"""Below this many files or passages a step takes well under a second: no progress lines."""

LIST_LIMIT = 25
"""Lines listed in one message before "… and N more"."""


def article_line(row: ArticleRow, lang: str, surface: Surface = DISCORD) -> str:
    return "• " + describe(row.article, lang, title_limit=100, surface=surface)


def _listing(title: str, rows: Sequence[ArticleRow], lang: str, surface: Surface) -> str:
    m = messages_for(lang, surface=surface)
    if not rows:
        return m.no_articles
    lines = [title] + [article_line(row, lang, surface) for row in rows[:LIST_LIMIT]]
    if len(rows) > LIST_LIMIT:
        more = len(rows) - LIST_LIMIT
        lines.append(m.more_rows.format(more=more))
    return "\n".join(lines)


PAGE_ROWS = 10
"""Articles on one page of a Discord listing (``/sources``, ``/headlines``)."""

PAGE_FOOTER_ROOM = 80
"""Characters kept free on a page for its "… and N more (page 2/5)" line."""


@dataclass(frozen=True)
class ListingPage:
    """One page of a listing, as posted: its text, which page it is (from 0) and how many."""

    text: str
    number: int
    count: int


def listing_page(
    title: str,
    rows: Sequence[ArticleRow],
    lang: str,
    number: int,
    *,
    per_page: int = PAGE_ROWS,
    limit: int = MESSAGE_LIMIT,
) -> ListingPage:
    """Page ``number`` (clamped to the pages there are) of ``rows`` under ``title``: at most
    ``per_page`` articles and never more than ``limit`` characters, whole lines only, ending
    with how many articles follow ("… and 12 more (page 2/3)") instead of a cut. The pages
    are the same for the same rows, so a button can ask for page 3 of a listing later."""
    m = messages_for(lang)
    if not rows:
        return ListingPage(m.no_articles, 0, 1)
    budget = limit - len(title) - 1 - PAGE_FOOTER_ROOM
    pages: list[list[str]] = [[]]
    used = 0
    for row in rows:
        line = article_line(row, lang)
        if len(line) > budget:  # a path or publisher of hundreds of characters
            line = shorten(line, budget)
        if pages[-1] and (len(pages[-1]) >= per_page or used + len(line) + 1 > budget):
            pages.append([])
            used = 0
        pages[-1].append(line)
        used += len(line) + 1
    number = max(0, min(number, len(pages) - 1))
    after = sum(len(page) for page in pages[number + 1 :])
    lines = [title, *pages[number]]
    if after:
        lines.append(m.more_rows_page.format(more=after, page=number + 1, pages=len(pages)))
    elif len(pages) > 1:
        lines.append(m.last_page.format(page=number + 1, pages=len(pages)))
    return ListingPage("\n".join(lines), number, len(pages))


def sources_title(rows: Sequence[ArticleRow], lang: str, term: str | None = None, surface: Surface = DISCORD) -> str:
    m = messages_for(lang, surface=surface)
    if term:
        return m.sources_matching.format(term=escape_for(surface)(term), count=len(rows))
    return m.sources_title.format(count=len(rows))


def headlines_text(rows: Sequence[ArticleRow], lang: str, surface: Surface = DISCORD) -> str:
    return _listing(messages_for(lang, surface=surface).headlines_title, rows, lang, surface)


def sources_text(rows: Sequence[ArticleRow], lang: str, surface: Surface = DISCORD, term: str | None = None) -> str:
    if term and not rows:
        return messages_for(lang, surface=surface).no_matching_sources.format(term=escape_for(surface)(term))
    return _listing(sources_title(rows, lang, term, surface), rows, lang, surface)


def reload_text(report: ReloadReport, lang: str = Lang.EN, surface: Surface = DISCORD) -> str:
    """The moderators' reload report (English unless ``lang`` says otherwise: operators
    read it in the terminal, where one language is spoken throughout)."""
    m = messages_for(lang, default=Lang.EN, surface=surface)
    safe = escape_for(surface)
    if not report.ok:
        said = report.problem.say(lang, surface) if report.problem is not None else report.error
        error = safe(said or m.unknown_error).rstrip(".")
        return m.reload_failed.format(
            duration=report.duration_s, error=error, articles=report.articles, passages=report.passages
        )
    lines = [
        m.reload_done.format(
            duration=report.duration_s,
            added=len(report.added),
            updated=len(report.updated),
            unchanged=report.unchanged,
            removed=len(report.removed),
            failed=len(report.failures),
        ),
        m.live_corpus.format(articles=report.articles, passages=report.passages),
    ]
    for label, paths in ((m.added, report.added), (m.updated, report.updated), (m.removed, report.removed)):
        if paths:
            shown = ", ".join(f"`{p}`" for p in paths[:10])
            lines.append(f"{label}: {shown}" + (m.more_paths.format(more=len(paths) - 10) if len(paths) > 10 else ""))
    for failure in report.failures[:10]:
        lines.append(m.failed_file.format(path=failure.path, reason=safe(failure.reason)))
    if len(report.failures) > 10:
        lines.append(m.more_failed.format(more=len(report.failures) - 10))
    return "\n".join(lines)


def stats_text(stats: ServiceStats, lang: str = Lang.EN, surface: Surface = DISCORD) -> str:
    """The moderators' statistics (English unless ``lang`` says otherwise)."""
    m = messages_for(lang, default=Lang.EN, surface=surface)
    safe = escape_for(surface)
    store = stats.store
    lines = [
        m.stats_corpus.format(articles=stats.live_articles, passages=stats.live_passages)
        + (m.stats_reload_running if stats.reload_running else ""),
        m.stats_day.format(asked=store.asked_day, answered=store.answered_day),
        m.stats_week.format(asked=store.asked_week, answered=store.answered_week),
    ]
    run = store.last_reload
    if run is not None:
        outcome = m.stats_ok if run.ok else m.stats_failed.format(error=safe(run.error or ""))
        lines.append(
            m.stats_last_reload.format(
                started=run.started_at[:19].replace("T", " "),
                by=run.requested_by,
                outcome=outcome,
                added=run.added,
                updated=run.updated,
                unchanged=run.unchanged,
                removed=run.removed,
                failed=len(run.failures),
                duration=run.duration_s,
            )
        )
    poll = store.last_poll
    if poll is not None:
        lines.append(
            m.stats_last_poll.format(
                started=poll.started_at[:19].replace("T", " "),
                feeds=poll.feeds or 0,
                failing=poll.feeds_failed or 0,
                added=poll.added,
                duplicates=poll.duplicates or 0,
                expired=poll.removed,
                duration=poll.duration_s,
            )
        )
        lines += [
            f"• {safe(shorten(failure.path, 100))}: {safe(shorten(failure.reason, 150))}"
            # The failing feeds come last, after the articles the poll could not use.
            for failure in (poll.failures[-poll.feeds_failed :] if poll.feeds_failed else [])[:3]
        ]
    if store.top_unanswered:
        lines.append(m.stats_unanswered)
        lines += [f"• {count}× {safe(shorten(question, 150))}" for question, count in store.top_unanswered]
    lines += feedback_lines(stats.feedback, m, surface)
    return "\n".join(lines)


def feedback_lines(feedback: FeedbackStats, m: Messages, surface: Surface = DISCORD) -> list[str]:
    """The share of 👍 among the votes on answers, and the most down-voted questions."""
    safe = escape_for(surface)
    if not feedback.votes:
        return [m.stats_no_feedback]
    share = round(100 * feedback.helpful / feedback.votes)
    lines = [m.stats_feedback.format(helpful=feedback.helpful, votes=feedback.votes, share=share)]
    if feedback.most_down_voted:
        lines.append(m.stats_down_voted)
        lines += [f"• {count}× {safe(shorten(question, 150))}" for question, count in feedback.most_down_voted]
    return lines


def fit(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """Cut a report to one Discord message, at a line boundary when possible."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 2]
    if "\n" in cut:
        cut = cut[: cut.rindex("\n")]
    return cut + "\n…"


def progress_lines(emit: Callable[[str], object], buckets: int = 10) -> Progress:
    """A progress callback that emits "index: 50000/100000" once per ``1/buckets`` of each
    step, and at its end: `newsbot run` logs them, the terminal commands print them.

    Steps shorter than ``PROGRESS_MIN_ITEMS`` are silent: they end before anyone waits.
    """
    last: dict[str, int] = {}

    def report(step: str, done: int, total: int) -> None:
        if total < PROGRESS_MIN_ITEMS:
            return
        bucket = done * buckets // max(total, 1)
        if last.get(step) != bucket:
            last[step] = bucket
            emit(f"{step}: {done}/{total}")

    return report
