"""Text for headlines, sources, reload reports and stats, shared by the CLI and Discord.

Output is Discord markdown with article titles escaped; callers that post it to Discord cut
it to the message limit with :func:`fit`.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence

from retrieval.templates import templates_for

from .render import MESSAGE_LIMIT, describe, safe, shorten
from .service import ReloadReport, ServiceStats
from .store import ArticleRow

PROGRESS_MIN_ITEMS = 1000
"""Below this many files or passages a step takes well under a second: no progress lines."""

LIST_LIMIT = 25
"""Lines listed in one message before "… and N more"."""


def article_line(row: ArticleRow, lang: str) -> str:
    return "• " + describe(row.article, lang, title_limit=100)


def _listing(title: str, rows: Sequence[ArticleRow], lang: str) -> str:
    if not rows:
        return templates_for(lang).no_articles
    lines = [title] + [article_line(row, lang) for row in rows[:LIST_LIMIT]]
    if len(rows) > LIST_LIMIT:
        more = len(rows) - LIST_LIMIT
        lines.append(f"… et {more} de plus" if lang == "fr" else f"… and {more} more")
    return "\n".join(lines)


def headlines_text(rows: Sequence[ArticleRow], lang: str) -> str:
    return _listing(templates_for(lang).headlines_title, rows, lang)


def sources_text(rows: Sequence[ArticleRow], lang: str) -> str:
    return _listing(templates_for(lang).sources_title.format(count=len(rows)), rows, lang)


def reload_text(report: ReloadReport) -> str:
    """The moderators' reload report (English: an operator-facing message)."""
    if not report.ok:
        return (
            f"Reload failed after {report.duration_s:.1f}s: {safe(report.error or 'unknown error').rstrip('.')}. "
            f"The previous corpus is still live ({report.articles} articles, {report.passages} passages)."
        )
    lines = [
        f"Reload done in {report.duration_s:.1f}s: {len(report.added)} added, {len(report.updated)} updated, "
        f"{report.unchanged} unchanged, {len(report.removed)} removed, {len(report.failures)} failed.",
        f"Live corpus: {report.articles} articles, {report.passages} passages.",
    ]
    for label, paths in (("Added", report.added), ("Updated", report.updated), ("Removed", report.removed)):
        if paths:
            shown = ", ".join(f"`{p}`" for p in paths[:10])
            lines.append(f"{label}: {shown}" + (f" … (+{len(paths) - 10})" if len(paths) > 10 else ""))
    for failure in report.failures[:10]:
        lines.append(f"Failed: `{failure.path}`: {safe(failure.reason)}")
    if len(report.failures) > 10:
        lines.append(f"… and {len(report.failures) - 10} more failed files")
    return "\n".join(lines)


def stats_text(stats: ServiceStats) -> str:
    store = stats.store
    lines = [
        f"Corpus: {stats.live_articles} articles, {stats.live_passages} passages"
        + (" (a reload is running)" if stats.reload_running else ""),
        f"Questions, last 24 h: {store.asked_day} asked, {store.answered_day} answered.",
        f"Questions, last 7 days: {store.asked_week} asked, {store.answered_week} answered.",
    ]
    run = store.last_reload
    if run is not None:
        outcome = "ok" if run.ok else f"failed: {safe(run.error or '')}"
        lines.append(
            f"Last reload: {run.started_at[:19].replace('T', ' ')} UTC by {run.requested_by}, {outcome}; "
            f"{run.added} added, {run.updated} updated, {run.unchanged} unchanged, {run.removed} removed, "
            f"{len(run.failures)} failed, {run.duration_s:.1f}s."
        )
    if store.top_unanswered:
        lines.append("Most asked without an answer (last 7 days):")
        lines += [f"• {count}× {safe(shorten(question, 150))}" for question, count in store.top_unanswered]
    return "\n".join(lines)


def fit(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """Cut a report to one Discord message, at a line boundary when possible."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 2]
    if "\n" in cut:
        cut = cut[: cut.rindex("\n")]
    return cut + "\n…"


def progress_logger(logger: logging.Logger) -> Callable[[str, int, int], None]:
    """A progress callback logging "index: 50000/100000" at INFO every 10% (for `newsbot run`)."""
    last: dict[str, int] = {}

    def report(step: str, done: int, total: int) -> None:
        if total < PROGRESS_MIN_ITEMS:
            return
        bucket = done * 10 // max(total, 1)
        if last.get(step) != bucket:
            last[step] = bucket
            logger.info("%s: %d/%d", step, done, total)

    return report


def progress_printer(stream=sys.stderr) -> Callable[[str, int, int], None]:  # type: ignore[no-untyped-def]
    """A progress callback printing "scan 120/4000" lines at most every ~5%."""
    last: dict[str, int] = {}

    def report(step: str, done: int, total: int) -> None:
        if total < PROGRESS_MIN_ITEMS:
            return
        bucket = done * 20 // max(total, 1)
        if last.get(step) != bucket or done == total:
            last[step] = bucket
            print(f"\r{step}: {done}/{total}", end="\n" if done == total else "", file=stream, flush=True)

    return report
