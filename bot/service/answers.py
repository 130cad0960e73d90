"""Answers kept for their buttons: citations to and from the JSON the store keeps.

Each citation is kept with the article's title, publisher, author, link and date, so "more sources"
still names its articles after a reload that changed or removed them (the quote is verbatim
from the article as it was when the answer was given).
"""

from __future__ import annotations

from typing import Any

from retrieval.answer import Citation
from retrieval.records import Article


def _article_record(article: Article) -> dict[str, Any]:
    return {
        "path": article.path,
        "title": article.title,
        "source": article.source,
        "url": article.url,
        "published": article.published,
        "author": article.author,
    }


def _article(record: dict[str, Any]) -> Article:
    # No text: a kept citation is only ever shown, never searched.
    return Article(
        path=str(record["path"]),
        title=str(record["title"]),
        text="",
        content_hash="",
        source=record.get("source"),
        url=record.get("url"),
        published=record.get("published"),
        author=record.get("author"),
    )


def citation_record(citation: Citation) -> dict[str, Any]:
    return {
        **_article_record(citation.article),
        "quote": citation.quote,
        "score": citation.score,
        "also": [_article_record(a) for a in citation.also],
    }


def citation_from_record(record: dict[str, Any]) -> Citation:
    return Citation(
        article=_article(record),
        quote=str(record["quote"]),
        score=float(record.get("score") or 0.0),
        also=tuple(_article(a) for a in record.get("also") or ()),
    )
