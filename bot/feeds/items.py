"""Feed documents → items, and fetched pages (or an item alone) → articles. Plain, synchronous
CPU work: callers run it in a worker thread, never on the event loop.

An item becomes an article from its page when the page can be fetched and has an article
in it; otherwise from what the feed itself says (title, summary, date), so a paywalled or
broken page still leaves the news the feed announced.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import feedparser

from retrieval.corpus.articles import article_from_text, parse_article
from retrieval.corpus.files import MAX_FILE_BYTES, ArticleError, Metadata
from retrieval.corpus.passages import split_passages
from retrieval.corpus.web import HTML_SUFFIXES, canonical_url, extract_html, text_fingerprint
from retrieval.engine import passage_terms
from retrieval.records import Article, LoadFailure
from retrieval.text.analyzers import Analyzers

from ..store import StoredPassage, WebSource
from ..store.feeds import WEB_PREFIX


class FeedParseError(ValueError):
    """A document that is not a feed (or too broken to read any item from)."""


@dataclass(frozen=True)
class FeedItem:
    """One entry of a feed, as the feed describes it."""

    link: str | None
    """Canonical link of the item's page (``None``: the item links nowhere)."""
    title: str | None
    summary: str | None
    """The item's summary or content as plain text (markup removed)."""
    published: str | None
    """ISO date, from the item's published or updated time."""


@dataclass(frozen=True)
class ParsedFeed:
    title: str | None
    items: list[FeedItem]


def parse_feed(body: bytes) -> ParsedFeed:
    """Items of an RSS or Atom document, newest first as the feed lists them.

    feedparser reads malformed feeds as far as it can (its "bozo" flag): a feed with
    readable items is used; a document with no feed in it at all is an error."""
    document = feedparser.parse(body)
    if not document.get("version") and not document.entries:
        reason = document.get("bozo_exception") or "no RSS or Atom feed found"
        raise FeedParseError(f"not a feed: {reason}")
    items = [_item(entry) for entry in document.entries]
    title = document.feed.get("title") if document.get("feed") else None
    return ParsedFeed(title=_plain(title), items=items)


def _item(entry: feedparser.FeedParserDict) -> FeedItem:
    link = entry.get("link")
    summary = entry.get("summary")
    contents = entry.get("content") or []
    if contents and len(str(contents[0].get("value", ""))) > len(summary or ""):
        summary = contents[0].get("value")
    moment = entry.get("published_parsed") or entry.get("updated_parsed")
    published = _iso_date(moment) if moment else None
    return FeedItem(
        link=canonical_url(link) if link and urlsplit(link).scheme in ("http", "https") else None,
        title=_plain(entry.get("title")),
        summary=_plain(summary),
        published=published,
    )


def _iso_date(moment: time.struct_time) -> str | None:
    try:
        return datetime.fromtimestamp(calendar.timegm(moment), UTC).date().isoformat()
    except (OverflowError, ValueError, TypeError):
        return None


def _plain(value: object) -> str | None:
    """Feed text (often HTML-escaped markup) as plain text."""
    if not value:
        return None
    text = str(value)
    if "<" in text or "&" in text:
        text = extract_html(f"<html><body><div>{text}</div></body></html>").text
    text = "\n".join(" ".join(line.split()) for line in text.split("\n") if line.strip())
    return text or None


def web_path(url: str | None, fingerprint: str) -> str:
    """``web://<host>/<hash>``: one stable path per page (by link, else by text), readable
    enough in a citation to say where the article came from."""
    host = (urlsplit(url).hostname or "page") if url else "page"
    key = url or fingerprint
    return f"{WEB_PREFIX}{host}/{hashlib.sha256(key.encode()).hexdigest()[:16]}"


@dataclass(frozen=True)
class WebArticle:
    """An article from the web, with what recognises it later."""

    article: Article
    canonical_url: str | None
    fingerprint: str
    from_page: bool
    """Whether the text came from the page (else from the feed's own summary)."""
    feed_id: int | None = None
    """The feed it came from; ``None`` for an imported page."""
    source: WebSource | None = None
    """What it was made from, stored so that a new text pipeline makes it again offline."""


def article_from_page(page: bytes | None, item: FeedItem | None, url: str | None) -> WebArticle:
    """The article of a fetched page, falling back to the feed item's text when there is no
    page or no article in it. Raises :class:`ArticleError` when neither has enough text."""
    meta = Metadata()
    text = ""
    link = url
    if page is not None:
        extracted = extract_html(page, url)
        text = extracted.text
        link = extracted.url or url
        meta = Metadata(extracted.title, extracted.publisher, link, extracted.published, author=extracted.author)
    if item is not None:
        meta = meta.merged_over(Metadata(item.title, None, item.link, item.published))
    attempts = [(text, True)] if text else []
    if item is not None and item.summary:
        attempts.append((item.summary, False))
    error: ArticleError = ArticleError("the page has no article text and the feed gives no summary")
    for body, from_page in attempts:
        fingerprint = text_fingerprint(body)
        path = web_path(link, fingerprint)
        try:
            article = article_from_text(path, body, meta, fingerprint)
        except ArticleError as failure:
            error = failure
            continue
        source = WebSource("page", page, url=url, item=_item_json(item))
        return WebArticle(article, link, fingerprint, from_page, source=source)
    raise error


def _item_json(item: FeedItem | None) -> str | None:
    if item is None:
        return None
    fields = {"link": item.link, "title": item.title, "summary": item.summary, "published": item.published}
    return json.dumps(fields, ensure_ascii=False)


def _item_from_json(value: str | None) -> FeedItem | None:
    if value is None:
        return None
    fields = json.loads(value)
    return FeedItem(
        link=fields.get("link"),
        title=fields.get("title"),
        summary=fields.get("summary"),
        published=fields.get("published"),
    )


def article_from_source(path: str, source: WebSource) -> WebArticle:
    """A stored web article made again from what it was made from (a new text pipeline),
    under its stored path. Raises :class:`ArticleError` as when it was first made."""
    if source.kind == "file" and source.body is not None:
        made = article_from_bytes(source.name or "article.txt", source.body)
    else:
        made = article_from_page(source.body, _item_from_json(source.item), source.url)
    return replace(made, article=replace(made.article, path=path))


def prepare_web_articles(
    found: Sequence[WebArticle], analyzers: Analyzers
) -> tuple[list[tuple[Article, list[StoredPassage]]], list[LoadFailure]]:
    """Passages and index tokens of each article, as a folder reload makes them (so a web
    article is answered exactly like a file); one without sentences is reported."""
    parsed: list[tuple[Article, list[StoredPassage]]] = []
    failures: list[LoadFailure] = []
    for item in found:
        article = item.article
        passages = split_passages(article)
        if not passages:
            failures.append(LoadFailure(item.canonical_url or article.path, "no sentences found in the article text"))
            continue
        parsed.append((article, [StoredPassage(p, tuple(passage_terms(analyzers, article, p))) for p in passages]))
    return parsed, failures


def remake_web_articles(
    sources: Sequence[tuple[str, WebSource]], analyzers: Analyzers
) -> tuple[list[WebArticle], list[tuple[Article, list[StoredPassage]]], list[LoadFailure]]:
    """Stored web articles made again from their sources, with passages and tokens (for a
    new text pipeline); one that no longer makes an article is reported (and keeps its
    stored version)."""
    made: list[WebArticle] = []
    failures: list[LoadFailure] = []
    for path, source in sources:
        try:
            made.append(article_from_source(path, source))
        except ArticleError as error:
            failures.append(LoadFailure(path, str(error)))
    parsed, unsplit = prepare_web_articles(made, analyzers)
    return made, parsed, failures + unsplit


def article_from_file(path: Path) -> WebArticle:
    """A local file as a web article: HTML extracted, Markdown rendered, text cleaned, as in
    the corpus folder. Raises :class:`ArticleError` (and ``OSError`` for an unreadable file)."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ArticleError(f"file too large (the limit is {MAX_FILE_BYTES:,} bytes)")
    return article_from_bytes(path.name, path.read_bytes())


def article_from_bytes(name: str, raw: bytes) -> WebArticle:
    """An imported file's bytes as a web article, read as its suffix says (see
    :func:`article_from_file`)."""
    if Path(name).suffix.lower() in HTML_SUFFIXES:
        return article_from_page(raw, None, None)
    parsed = parse_article(f"{WEB_PREFIX}file/{name}", raw)
    fingerprint = text_fingerprint(parsed.text)
    url = canonical_url(parsed.url) if parsed.url else None
    article = replace(parsed, path=web_path(url, fingerprint), content_hash=fingerprint)
    return WebArticle(article, url, fingerprint, from_page=False, source=WebSource("file", raw, name=name))
