"""Tests for bot.store: the question log and the statistics."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from bot.store import (
    Store,
    utc_timestamp,
)
from tests.bot.store.helpers import (
    make_question,
    seed,
)

# --------------------------------------------------------------------------- questions


async def test_stats_counts_day_and_week_and_corpus(store: Store) -> None:
    await seed(store)
    now = datetime(2025, 3, 10, 12, tzinfo=UTC)
    for hours, answered in [(1, True), (5, False), (23, True), (30, True), (100, False), (167, True), (200, True)]:
        await store.log_question(make_question(now - timedelta(hours=hours), f"q{hours}", answered))

    stats = await store.stats(now)

    assert (stats.articles, stats.passages) == (2, 4)
    assert (stats.asked_day, stats.answered_day) == (3, 2)
    assert (stats.asked_week, stats.answered_week) == (6, 4)


async def test_stats_on_empty_database(store: Store) -> None:
    stats = await store.stats(datetime(2025, 3, 10, tzinfo=UTC))
    assert stats.last_reload is None
    assert (stats.articles, stats.passages, stats.asked_day, stats.asked_week) == (0, 0, 0, 0)
    assert stats.top_unanswered == []


async def test_top_unanswered_groups_trimmed_case_insensitive_top_five(store: Store) -> None:
    now = datetime(2025, 3, 10, 12, tzinfo=UTC)

    async def ask(question: str, hours_ago: float, answered: bool = False) -> None:
        await store.log_question(make_question(now - timedelta(hours=hours_ago), question, answered))

    for i, variant in enumerate(["who is the CEO?", "  Who is the CEO?", "WHO IS THE CEO?  "]):
        await ask(variant, 10 - i)  # last asked: "WHO IS THE CEO?  "
    for _ in range(2):
        await ask("Qu'a dit l'ÉTÉ ?", 3)
    await ask("qu'a dit l'été ?", 2)  # non-ASCII case folding joins the group
    await ask("prix du gaz ?", 1)
    await ask("prix du gaz ?", 1.5)
    for question in ["a?", "b?", "c?"]:
        await ask(question, 4)
    await ask("who is the ceo?", 1, answered=True)  # answered: not counted
    await ask("who is the ceo?", 24 * 8)  # older than a week: not counted
    await ask("a?", 24 * 8)

    stats = await store.stats(now)

    assert stats.top_unanswered == [
        ("qu'a dit l'été ?", 3),  # tie at 3: most recently asked first
        ("WHO IS THE CEO?", 3),
        ("prix du gaz ?", 2),
        ("a?", 1),
        ("b?", 1),
    ]


async def test_log_question_stores_no_user_identity(store: Store) -> None:
    await store.log_question(make_question(datetime(2025, 1, 1, tzinfo=UTC)))
    conn = sqlite3.connect(store.path)
    try:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(questions)")]
        row = conn.execute("SELECT * FROM questions").fetchone()
    finally:
        conn.close()
    assert not any("user" in column or "author" in column for column in columns)
    assert dict(zip(columns, row, strict=True)) == {
        "id": 1,
        "asked_at": "2025-01-01T00:00:00.000000+00:00",
        "origin": "discord",
        "guild_id": 1,
        "channel_id": 2,
        "question": "What happened?",
        "answered": 1,
        "top_article": "seeds/a.txt",
        "top_score": 3.2,
        "latency_ms": 12.5,
    }


async def test_timestamps_in_other_iso_forms_are_normalised_to_utc(store: Store) -> None:
    now = datetime(2025, 3, 10, 12, tzinfo=UTC)
    q = make_question(now)
    q.asked_at = "2025-03-10T13:30:00+02:00"  # 11:30 UTC, within the last hour
    await store.log_question(q)
    q.asked_at = "2025-03-09T12:30:00Z"  # 23h30 before now
    await store.log_question(q)

    stats = await store.stats(now)

    assert stats.asked_day == 2


async def test_purge_deletes_only_older_questions(store: Store) -> None:
    base = datetime(2025, 3, 1, tzinfo=UTC)
    for day in range(5):
        await store.log_question(make_question(base + timedelta(days=day), f"q{day}"))

    deleted = await store.purge_questions(utc_timestamp(base + timedelta(days=3)))
    again = await store.purge_questions(utc_timestamp(base + timedelta(days=3)))
    stats = await store.stats(base + timedelta(days=5))

    assert (deleted, again) == (3, 0)
    assert stats.asked_week == 2
