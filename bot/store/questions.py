"""The question log and the moderators' statistics."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import aiosqlite

from retrieval.records import LoadFailure

from .codecs import canonical, utc_timestamp
from .connection import StoreConnection
from .records import QuestionLog, ReloadRun, StoreStats

logger = logging.getLogger("bot.store")


class QuestionStore(StoreConnection):
    """Questions asked (never who asked) and the numbers ``/stats`` shows."""

    async def log_question(self, q: QuestionLog) -> None:
        """Append one question to the log (no user identity is stored)."""
        asked_at = canonical(q.asked_at, "asked_at")
        async with self._write() as conn:
            await conn.execute(
                """
                INSERT INTO questions
                    (asked_at, origin, guild_id, channel_id, question, answered,
                     top_article, top_score, latency_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                (
                    asked_at,
                    q.origin,
                    q.guild_id,
                    q.channel_id,
                    q.question,
                    int(bool(q.answered)),
                    q.top_article,
                    q.top_score,
                    float(q.latency_ms),
                ),
            )

    async def purge_questions(self, older_than: str) -> int:
        """Delete questions asked strictly before ``older_than``; return how many went."""
        cutoff = canonical(older_than, "older_than")
        async with self._write() as conn:
            cursor = await conn.execute("DELETE FROM questions WHERE asked_at < ?", (cutoff,))
            deleted = cursor.rowcount
        if deleted:
            logger.info("purged %d questions asked before %s", deleted, cutoff)
        return deleted

    async def stats(self, now: datetime) -> StoreStats:
        """Corpus size, last reload and question counts over the 24 hours / 7 days before ``now``."""
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        day_ago = utc_timestamp(now - timedelta(days=1))
        week_ago = utc_timestamp(now - timedelta(days=7))
        async with self._read() as conn:
            ((articles, passages),) = await conn.execute_fetchall(
                "SELECT (SELECT COUNT(*) FROM articles), (SELECT COUNT(*) FROM passages)"
            )
            ((asked_day, answered_day, asked_week, answered_week),) = await conn.execute_fetchall(
                """
                SELECT COALESCE(SUM(asked_at >= :day), 0),
                       COALESCE(SUM(asked_at >= :day AND answered = 1), 0),
                       COUNT(*),
                       COALESCE(SUM(answered = 1), 0)
                FROM questions WHERE asked_at >= :week
                """,
                {"day": day_ago, "week": week_ago},
            )
            # Bare column with MAX(): SQLite returns `question` from the latest row of the group.
            top = await conn.execute_fetchall(
                """
                SELECT trim(question), MAX(asked_at) AS latest, COUNT(*) AS times
                FROM questions
                WHERE answered = 0 AND asked_at >= ?
                GROUP BY newsbot_fold(question)
                ORDER BY times DESC, latest DESC, newsbot_fold(question)
                LIMIT 5
                """,
                (week_ago,),
            )
            last_reload = await _last_run(conn, "reload")
            last_poll = await _last_run(conn, "poll")
        return StoreStats(
            articles=articles,
            passages=passages,
            last_reload=last_reload,
            asked_day=asked_day,
            answered_day=answered_day,
            asked_week=asked_week,
            answered_week=answered_week,
            top_unanswered=[(question, times) for question, _, times in top],
            last_poll=last_poll,
        )


async def _last_run(conn: aiosqlite.Connection, kind: str) -> ReloadRun | None:
    """The latest run of ``kind`` with its failures."""
    rows = list(
        await conn.execute_fetchall(
            """
            SELECT id, requested_by, started_at, duration_s, added, updated, unchanged, removed,
                   ok, error, generation, kind, feeds, feeds_failed, duplicates
            FROM reload_runs WHERE kind = ? ORDER BY id DESC LIMIT 1
            """,
            (kind,),
        )
    )
    if not rows:
        return None
    (rid, by, started, duration, added, updated, unch, rem, ok, error, generation, kind, feeds, failed, dup) = rows[0]
    failures = await conn.execute_fetchall(
        "SELECT path, reason FROM reload_failures WHERE run_id = ? ORDER BY id",
        (rid,),
    )
    return ReloadRun(
        requested_by=by,
        started_at=started,
        duration_s=duration,
        added=added,
        updated=updated,
        unchanged=unch,
        removed=rem,
        failures=[LoadFailure(path, reason) for path, reason in failures],
        ok=bool(ok),
        error=error,
        id=rid,
        generation=generation,
        kind=kind,
        feeds=feeds,
        feeds_failed=failed,
        duplicates=dup,
    )
