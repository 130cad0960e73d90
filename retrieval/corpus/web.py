"""Web formats → plain article text: HTML pages (trafilatura), Markdown, and URL identity.

An article quoted by the bot must read as prose: a page renamed to ``.txt`` was quoted as raw
``<p>…&nbsp;…</p>`` with ``<!DOCTYPE html>`` as its title, and a Markdown article as
``**bold**`` and ``[links](…)``. Everything here is plain, synchronous and offline (callers
fetch pages themselves, off the event loop): bytes or text in, text and metadata out.

* :func:`extract_html` finds the article in a page (trafilatura, which drops navigation,
  comments and sidebars and reads title, author, site name, date and canonical link from the
  page's metadata), falling back to the page's visible text when trafilatura finds no article.
* :func:`markdown_to_text` renders Markdown as the plain text a reader would see.
* :func:`canonical_url` and :func:`text_fingerprint` identify an article seen before, under a
  tracking-decorated link or under another link with the same text.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..text.normalize import fold_for_matching, nfc

log = logging.getLogger(__name__)

__all__ = [
    "HTML_SUFFIXES",
    "MARKDOWN_SUFFIXES",
    "WebPage",
    "canonical_url",
    "extract_html",
    "markdown_to_text",
    "text_fingerprint",
]

HTML_SUFFIXES: frozenset[str] = frozenset({".html", ".htm"})
MARKDOWN_SUFFIXES: frozenset[str] = frozenset({".md", ".markdown"})


@dataclass(frozen=True, slots=True)
class WebPage:
    """What a page says about itself; ``None`` where it says nothing usable."""

    text: str
    """The article's text, one paragraph a line (no markup, entities decoded)."""
    title: str | None = None
    author: str | None = None
    publisher: str | None = None
    """The site's name (``og:site_name``…), shown as the article's source."""
    published: str | None = None
    """ISO date (``2025-01-28``) as the page declares it."""
    url: str | None = None
    """The page's canonical link, normalised by :func:`canonical_url`."""


# ------------------------------------------------------------------------------- HTML


def extract_html(page: str | bytes, url: str | None = None) -> WebPage:
    """The article in ``page`` with its metadata.

    trafilatura first (main text only, metadata from ``<meta>``, JSON-LD and ``<link
    rel=canonical>``); when it finds no article — a short page, an unusual layout — the page's
    visible text outside scripts, styles and navigation, so a page is never dropped only
    because the extractor was unsure. ``url`` is where the page came from, used when the page
    names no canonical link.
    """
    if isinstance(page, bytes):
        page = _decode_html(page)
    document = _trafilatura(page, url)
    fallback = _FallbackParser.parse(page)
    text = (document.get("text") or "") if document else ""
    if not text.strip():
        text = fallback.text
    title = _clean(document.get("title") if document else None) or fallback.title
    page_url = _clean(document.get("url") if document else None) or fallback.canonical or url
    return WebPage(
        text=nfc(html_lib.unescape(text)).strip(),
        title=title,
        author=_clean(document.get("author") if document else None),
        publisher=_clean(document.get("sitename") if document else None) or fallback.site_name,
        published=_clean(document.get("date") if document else None),
        url=canonical_url(page_url) if page_url else None,
    )


def _trafilatura(page: str, url: str | None) -> dict[str, str | None] | None:
    """trafilatura's extraction as a plain dict, or ``None`` when it finds nothing.

    Imported here: trafilatura (and lxml behind it) takes a noticeable time to import, and
    only HTML needs it. Any failure of the extractor on a hostile page is a fallback, not
    an error: the page's visible text is still there."""
    try:
        import trafilatura

        document = trafilatura.bare_extraction(
            page,
            url=url,
            with_metadata=True,
            favor_recall=True,
            include_comments=False,
            include_tables=False,
            # The date the page's markup declares (meta tags, JSON-LD, <time>, its URL), never
            # one guessed from its text: htmldate's text search turns "à partir de 2026" into
            # 2026-01-01. Text dates are read as for plain-text articles, in the header only.
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except Exception as error:  # a third-party parser on untrusted input: never fatal
        log.warning("trafilatura could not read %s: %s", url or "a page", error)
        return None
    if document is None:
        return None
    fields = document.as_dict() if hasattr(document, "as_dict") else dict(document)
    return {key: (str(value) if value is not None else None) for key, value in fields.items()}


def _decode_html(raw: bytes) -> str:
    """Bytes → text: the declared charset, else UTF-8, else Latin-1 (which never fails)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", "replace")
    head = raw[:2048].decode("ascii", "ignore")
    match = re.search(r"""charset=["']?([\w-]+)""", head, re.I)
    for encoding in ([match.group(1)] if match else []) + ["utf-8"]:
        try:
            return raw.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return raw.decode("latin-1")


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(html_lib.unescape(value).split())
    return nfc(value) or None


class _FallbackParser(HTMLParser):
    """The visible text, title, site name and canonical link of a page, with the standard
    library only: the answer when trafilatura finds no article in a page."""

    _SKIP = frozenset({"script", "style", "noscript", "template", "svg", "nav", "header", "footer", "form", "head"})
    _BLOCK = frozenset(
        {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "tr", "blockquote"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title_parts: list[str] = []
        self.site_name: str | None = None
        self.canonical: str | None = None
        self._skipping = 0
        self._in_title = False

    @classmethod
    def parse(cls, page: str) -> _FallbackParser:
        parser = cls()
        try:
            parser.feed(page)
            parser.close()
        except Exception as error:  # html.parser on hostile input: keep what was read
            log.warning("page only partly read: %s", error)
        return parser

    @property
    def text(self) -> str:
        lines = (" ".join(line.split()) for line in "".join(self.parts).split("\n"))
        return "\n".join(line for line in lines if line)

    @property
    def title(self) -> str | None:
        return _clean("".join(self.title_parts))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if tag == "title":
            self._in_title = True
        elif tag == "link" and "canonical" in values.get("rel", "").lower().split() and values.get("href"):
            self.canonical = values["href"]
        elif tag == "meta" and values.get("property") == "og:site_name" and values.get("content"):
            self.site_name = _clean(values["content"])
        if tag in self._SKIP:
            self._skipping += 1
        if tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in self._SKIP and self._skipping:
            self._skipping -= 1
        if tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title_parts.append(data)
        elif not self._skipping:
            self.parts.append(data)


# --------------------------------------------------------------------------- Markdown


def markdown_to_text(source: str) -> str:
    """Markdown → the plain text its reader sees, one block a line.

    Emphasis markers, link targets, images, raw HTML and heading ``#`` are dropped; a link
    keeps its words, a heading its text (a short line without closing punctuation, which the
    passage splitter treats as a sub-heading), a list item its text. Code keeps its content.
    """
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(source)
    lines: list[str] = []
    for token in tokens:
        if token.type == "inline":
            text = _inline_text(token.children or [])
            lines.extend(part.strip() for part in text.split("\n"))
        elif token.type in ("fence", "code_block"):
            lines.extend(token.content.split("\n"))
    return "\n".join(line for line in lines if line.strip())


def _inline_text(children: Sequence[object]) -> str:
    parts: list[str] = []
    dropped = False
    for child in children:
        kind = getattr(child, "type", "")
        if kind in ("text", "code_inline"):
            parts.append(str(getattr(child, "content", "")))
        elif kind == "softbreak":
            parts.append(" ")
        elif kind == "hardbreak":
            parts.append("\n")
        elif kind in ("image", "html_inline"):
            dropped = True
        # The link and emphasis open and close markers carry no words.
    text = "".join(parts)
    if dropped:
        # An image between a word and its full stop left "source ." behind.
        text = re.sub(r"[ \t]+([.,])(?=\s|$)", r"\1", re.sub(r"[ \t]{2,}", " ", text))
    return text


# ------------------------------------------------------------------------ identity

_TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "mc_cid", "mc_eid", "igshid", "yclid",
        "_ga", "_gl", "ref", "ref_src", "ref_url", "cmpid", "xtor", "at_medium", "at_campaign", "ocid",
        "spm", "share", "smid", "cid",
    }
)  # fmt: skip
"""Query parameters that say how a reader arrived, not which page they read."""
_TRACKING_PREFIXES = ("utm_", "at_", "mtm_", "pk_", "hsa_")


def canonical_url(url: str) -> str:
    """One spelling per page: lower-case scheme and host, no default port, no fragment,
    no tracking parameters (``utm_*``, ``fbclid``, ``xtor``…), the others sorted, and no
    trailing ``/`` on a path other than the root. Not a URL (no scheme or host): returned
    stripped, as it is."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    if not parts.scheme or not parts.hostname:
        return url
    scheme = parts.scheme.lower()
    host = parts.hostname.lower()
    if port and (scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    query = sorted(
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key.lower() not in _TRACKING_PARAMS and not key.lower().startswith(_TRACKING_PREFIXES)
    )
    path = parts.path or "/"
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    return urlunsplit((scheme, host, path, urlencode(query), ""))


def text_fingerprint(text: str) -> str:
    """sha256 of the text with case, accents, punctuation and spacing folded: the same
    article under two links (a feed's link and its canonical page, an AMP copy) has one
    fingerprint, while two publishers' write-ups of one story do not."""
    folded = fold_for_matching(text)
    words = re.findall(r"\w+", folded)
    return hashlib.sha256(" ".join(words).encode()).hexdigest()
