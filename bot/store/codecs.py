"""Conversions between records and rows: timestamps, sentence spans, tokens, articles.

Kept apart from the queries because they are pure (and CPU-bound at 100k passages, so the
store runs the big ones in a worker thread).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from retrieval.records import Article, Passage, Span

from .records import ArticleRow, StoredPassage


def utc_timestamp(moment: datetime | None = None) -> str:
    """Return ``moment`` (default: now) as the canonical stored form.

    Fixed width, UTC, microseconds: ``2025-01-28T12:00:00.000000+00:00``. A naive datetime
    is taken to be UTC already.
    """
    if moment is None:
        moment = datetime.now(UTC)
    elif moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def canonical(value: str, what: str) -> str:
    """Parse an ISO timestamp given by a caller and return its canonical stored form."""
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be an ISO timestamp, got {value!r}") from exc
    return utc_timestamp(parsed)


def fold(text: str | None) -> str | None:
    """Grouping key for "the same question": trimmed and Unicode case-folded.

    SQLite's ``lower()`` only folds ASCII, so "ÉTÉ" and "été" would count apart.
    """
    return None if text is None else text.strip().casefold()


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def encode_spans(stored: StoredPassage, article: Article) -> str:
    """Serialise sentence spans, refusing any that could not be sliced out of the text.

    Every quote is ``article.text[start:end]``, so a bad span stored now would become a
    wrong quote later; failing here rolls the whole reload back instead.
    """
    passage = stored.passage
    if passage.article_path != article.path:
        raise ValueError(f"passage {passage.ordinal} belongs to {passage.article_path!r}, not to {article.path!r}")
    if not passage.sentences:
        raise ValueError(f"passage {passage.ordinal} of {article.path!r} has no sentence")
    limit = len(article.text)
    pairs: list[list[int]] = []
    for span in passage.sentences:
        if not (is_int(span.start) and is_int(span.end) and 0 <= span.start <= span.end <= limit):
            raise ValueError(
                f"passage {passage.ordinal} of {article.path!r} has span "
                f"{span.start!r}..{span.end!r} outside the text (length {limit})"
            )
        pairs.append([span.start, span.end])
    return json.dumps(pairs, separators=(",", ":"))


def encode_tokens(stored: StoredPassage) -> str:
    if not all(isinstance(token, str) for token in stored.tokens):
        raise ValueError(
            f"tokens of passage {stored.passage.ordinal} of {stored.passage.article_path!r} must all be strings"
        )
    return json.dumps(list(stored.tokens), ensure_ascii=False, separators=(",", ":"))


FETCH_BATCH = 1000


async def fetch_in_batches(conn: aiosqlite.Connection, sql: str) -> list[Any]:
    """All rows of ``sql``, fetched ``FETCH_BATCH`` at a time.

    sqlite3's fetchall builds every row without releasing the GIL: at 100k passages one
    call held it for ~0.5 s, and the bot's event loop stood still meanwhile.
    """
    rows: list[Any] = []
    async with conn.execute(sql) as cursor:
        while batch := await cursor.fetchmany(FETCH_BATCH):
            rows.extend(batch)
    return rows


def decode_corpus(
    article_rows: Iterable[Any], passage_rows: Iterable[Any]
) -> list[tuple[Article, list[StoredPassage]]]:
    """Rows of ``load_corpus`` → records (run in a worker thread: JSON decoding is CPU-bound)."""
    by_id: dict[int, tuple[Article, list[StoredPassage]]] = {}
    result: list[tuple[Article, list[StoredPassage]]] = []
    for row in article_rows:
        entry: tuple[Article, list[StoredPassage]] = (article_from(tuple(row)[1:]), [])
        by_id[row[0]] = entry
        result.append(entry)
    for article_id, ordinal, sentences, context, tokens in passage_rows:
        article, passages = by_id[article_id]
        spans = tuple(Span(start, end) for start, end in json.loads(sentences))
        passages.append(
            StoredPassage(
                passage=Passage(
                    article_path=article.path,
                    ordinal=ordinal,
                    sentences=spans,
                    context=context,
                ),
                tokens=tuple(json.loads(tokens)) if tokens is not None else (),
            )
        )
    return result


def encode_upserts(
    upserts: Sequence[tuple[Article, Sequence[StoredPassage]]],
) -> list[tuple[Article, list[tuple[int, str, str, str]]]]:
    """Validate and serialise passages: ``(ordinal, spans JSON, context, tokens JSON)`` rows."""
    return [
        (
            article,
            [
                (
                    stored.passage.ordinal,
                    encode_spans(stored, article),
                    stored.passage.context,
                    encode_tokens(stored),
                )
                for stored in passages
            ],
        )
        for article, passages in upserts
    ]


def article_from(row: sqlite3.Row | tuple[Any, ...]) -> Article:
    """Build an Article from ``path, title, text, content_hash, source, url, published, lang,
    author``."""
    path, title, text, content_hash, source, url, published, lang, author = row[:9]
    return Article(
        path=path,
        title=title,
        text=text,
        content_hash=content_hash,
        source=source,
        url=url,
        published=published,
        lang=lang,
        author=author,
    )


ARTICLE_COLUMNS = "a.path, a.title, a.text, a.content_hash, a.source, a.url, a.published, a.lang, a.author"

ARTICLE_ROW_SELECT = f"""
    SELECT {ARTICLE_COLUMNS}, a.first_seen, COALESCE(s.last_seen, a.last_seen),
           (SELECT COUNT(*) FROM passages p WHERE p.article_id = a.id)
    FROM articles a LEFT JOIN article_seen s ON s.path = a.path
"""


def article_row_from(row: sqlite3.Row | tuple[Any, ...]) -> ArticleRow:
    return ArticleRow(article=article_from(row), first_seen=row[9], last_seen=row[10], passages=row[11])
