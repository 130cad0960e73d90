"""Plain records shared by the corpus loader, the index, the answer composer and the store.

They are frozen dataclasses so a built index can be shared between threads (a reload
builds a new one while questions are answered from the old one) without copies.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open character range ``[start, end)`` into :attr:`Article.text`."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Article:
    """One cleaned article.

    ``text`` is the cleaned body (boilerplate removed, headline excluded); every quote the
    bot prints is a slice of it, so it is never rewritten after loading.
    """

    path: str
    """Path relative to the corpus folder's parent, e.g. ``seeds/001_x.txt`` (stable id)."""
    title: str
    text: str
    content_hash: str
    """sha256 of the raw file bytes: a reload re-parses a file only when this changes."""
    source: str | None = None
    """Publisher, when the metadata names one."""
    url: str | None = None
    published: str | None = None
    """ISO date (``2025-01-28``) or a partial one (``2025-01``); ``None`` when unknown."""
    lang: str | None = None
    """"fr" or "en": the metadata's ``lang``, else read from the text when parsed. Its
    passages are analysed in this language."""
    author: str | None = None
    """Who wrote it, when the metadata (front matter, manifest, a page's byline) says."""


@dataclass(frozen=True, slots=True)
class Passage:
    """A run of whole sentences of one article, the unit the retriever ranks.

    ``sentences`` are the spans of each sentence inside the article text so the composer
    can quote exact sentences; ``context`` is short non-quotable text (the article title,
    the sub-heading above the passage) that helps retrieval but is never quoted.
    """

    article_path: str
    ordinal: int
    sentences: tuple[Span, ...]
    context: str = ""

    @property
    def start(self) -> int:
        return self.sentences[0].start

    @property
    def end(self) -> int:
        return self.sentences[-1].end


@dataclass(frozen=True, slots=True)
class LoadFailure:
    """A corpus file that could not be used, and why (shown to moderators on reload)."""

    path: str
    reason: str
