"""Text for headlines, sources, reload reports and stats, shared by the CLI and Discord.

Output is Discord markdown with article titles escaped; callers that post it to Discord cut
it to the message limit with :func:`fit`. With ``surface=TERMINAL`` the same sentences name
``newsbot`` commands and untrusted text is printed as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

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


def headlines_text(rows: Sequence[ArticleRow], lang: str, surface: Surface = DISCORD) -> str:
    return _listing(messages_for(lang, surface=surface).headlines_title, rows, lang, surface)


def sources_text(rows: Sequence[ArticleRow], lang: str, surface: Surface = DISCORD) -> str:
    title = messages_for(lang, surface=surface).sources_title.format(count=len(rows))
    return _listing(title, rows, lang, surface)


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
