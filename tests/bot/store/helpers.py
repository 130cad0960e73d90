"""Records and database dumps shared by the store tests."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from bot.store import (
    QuestionLog,
    ReloadRun,
    Store,
    StoredPassage,
    utc_timestamp,
)
from retrieval.records import Article, Passage, Span

T0 = utc_timestamp(datetime(2025, 1, 1, 12, tzinfo=UTC))
T1 = utc_timestamp(datetime(2025, 1, 2, 12, tzinfo=UTC))
T2 = utc_timestamp(datetime(2025, 1, 3, 12, tzinfo=UTC))


def make_article(path: str, text: str = "First sentence. Second one here.", **kw: str | None) -> Article:
    fields: dict[str, str | None] = {"title": f"Title of {path}", "content_hash": f"hash-{path}"}
    fields.update(kw)
    return Article(path=path, text=text, **fields)  # type: ignore[arg-type]


def two_passages(article: Article, tokens: tuple[str, ...] = ("first", "sentenc")) -> list[StoredPassage]:
    return [
        StoredPassage(Passage(article.path, 0, (Span(0, 15),), context=article.title), tokens),
        StoredPassage(
            Passage(article.path, 1, (Span(16, 23), Span(24, 32)), context="Sub-heading"),
            ("second", "one", "ici"),
        ),
    ]


def make_run(**kw: object) -> ReloadRun:
    fields: dict[str, object] = {
        "requested_by": "cli",
        "started_at": T0,
        "duration_s": 0.5,
        "added": 0,
        "updated": 0,
        "unchanged": 0,
        "removed": 0,
        "failures": [],
        "ok": True,
    }
    fields.update(kw)
    return ReloadRun(**fields)  # type: ignore[arg-type]


def make_question(asked_at: datetime, question: str = "What happened?", answered: bool = True) -> QuestionLog:
    return QuestionLog(
        asked_at=utc_timestamp(asked_at),
        origin="discord",
        question=question,
        answered=answered,
        top_article="seeds/a.txt" if answered else None,
        top_score=3.2 if answered else None,
        latency_ms=12.5,
        guild_id=1,
        channel_id=2,
    )


def dump(path: Path) -> list[str]:
    """Every schema statement and row of the database file, as committed on disk."""
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


async def generation_of(store: Store) -> str:
    generation, _ = await store.article_files()
    return generation


async def stored_hashes(store: Store) -> dict[str, str]:
    _, files = await store.article_files()
    return {path: file.content_hash for path, file in files.items()}


async def seed(store: Store) -> tuple[Article, Article]:
    a, b = make_article("seeds/a.txt"), make_article("seeds/b.txt")
    await store.apply_reload([(a, two_passages(a)), (b, two_passages(b))], [], [], make_run(added=2), T0)
    return a, b
