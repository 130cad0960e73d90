"""Turn one raw article file into a cleaned :class:`~retrieval.records.Article`.

Metadata comes, in order of precedence, from a front-matter block at the top of the file,
from the folder's ``manifest.json`` (passed in by :mod:`retrieval.corpus.loader`), and otherwise is
derived from the text: the headline is the first line that is not page furniture (photo
captions, photographer credits, breadcrumbs such as "Accueil Net …", "date 2025-01"
prefixes), and the date is an explicit date near the top of the page, or unknown.
"""

from __future__ import annotations

import itertools
import re

from ..records import Article
from ..text.language import Language, detect_language
from ..text.normalize import fold_for_matching
from .cleaning import is_boilerplate
from .files import ArticleError, Metadata, content_digest, decode, split_front_matter
from .web import HTML_SUFFIXES, MARKDOWN_SUFFIXES, extract_html, markdown_to_text


def parse_article(path: str, raw: bytes, manifest: Metadata | None = None, *, digest: str | None = None) -> Article:
    """Parse, clean and describe one article file. Raises :class:`ArticleError`.

    ``digest`` is ``content_digest(raw, manifest)`` when the caller has computed it already
    (the loader hashes every file it reads, to skip unchanged ones before parsing)."""
    content_hash = digest if digest is not None else content_digest(raw, manifest)
    name = path.rsplit("/", 1)[-1]
    suffix = name[name.rfind(".") :].lower() if "." in name else ""
    if suffix in HTML_SUFFIXES:
        # A page declares its own charset (not always UTF-8) and carries its metadata in
        # <meta> tags: the manifest, when it says something, wins over them.
        if not raw.strip():
            raise ArticleError("the file is empty")
        meta = manifest or Metadata()
        page = extract_html(raw, meta.url)
        meta = meta.merged_over(Metadata(page.title, page.publisher, page.url, page.published, author=page.author))
        return article_from_text(path, page.text, meta, content_hash)
    text = decode(raw)
    front, text = split_front_matter(text)
    meta = front.merged_over(manifest or Metadata())
    if suffix in MARKDOWN_SUFFIXES:
        text = markdown_to_text(text)
    return article_from_text(path, text, meta, content_hash, brief=True)


def article_from_text(path: str, text: str, meta: Metadata, content_hash: str, *, brief: bool = False) -> Article:
    """Clean plain ``text`` into an article: the headline and date found when ``meta`` lacks
    them, page boilerplate removed. Shared by files and pages fetched from the web, so both
    are quoted and described the same way. Raises :class:`ArticleError`.

    ``brief``: a text of one sentence is an article (its headline and its text), as a
    one-line news brief written as a file is. Not for pages: a page whose only sentence is
    its title is a JavaScript wall, a consent or an error page, and a feed item falls back
    to its own summary instead."""
    lines = [line.strip() for line in text.split("\n")]
    lines = [line for line in lines if line]

    title_index, derived_title, header_date = find_headline(lines)
    title = meta.title or derived_title
    body_start = title_index + 1 if derived_title and not meta.title else 0
    folded_title = fold_for_matching(title or "")
    body = [line for line in lines[body_start:] if not is_boilerplate(line) and fold_for_matching(line) != folded_title]
    if (
        brief
        and not body
        and title
        and title.endswith(_SENTENCE_END)
        and fold_for_matching(title) in map(fold_for_matching, lines)
    ):
        # A one-sentence brief ("Le Louvre a accueilli 9 millions de visiteurs en 2024."):
        # its only line is its headline and its text.
        body = [title]
    body_text = "\n".join(body)
    if len(list(itertools.islice(_WORD.finditer(body_text), 5))) < 5:
        if len(lines) == 1:
            raise ArticleError("only a headline, no article text below it")
        raise ArticleError("no article text left after removing page boilerplate")
    language = Language.parse(meta.lang) or detect_language(body_text)
    published = normalize_date(meta.published) if meta.published else None
    if published is None:
        header = "\n".join(lines[: title_index + 3])
        published = header_date or find_date(header, month_first=language == Language.ENGLISH)
    return Article(
        path=path,
        title=title or path.rsplit("/", 1)[-1],
        text=body_text,
        content_hash=content_hash,
        source=meta.source,
        url=meta.url,
        published=published,
        lang=language.value,
        author=meta.author,
    )


def article_language(article: Article) -> Language:
    """The language an article is analysed in: as parsed, or read from its text."""
    return Language.parse(article.lang) or detect_language(article.text)


_DATE_PREFIX = re.compile(r"^date\s+(\d{4}-\d{2}(?:-\d{2})?)\s+", re.I)


_SENTENCE_END = (".", "!", "?", "…")
_WORD = re.compile(r"\w+")
"""A word, to tell an article (five words or more) from a stray line."""


def find_headline(lines: list[str]) -> tuple[int, str | None, str | None]:
    """Index of the headline line, the headline, and a date found in the page header.

    Page furniture before the headline is skipped: boilerplate, photo captions (a full
    sentence ending with a period), photographer credits (a short capitalised name),
    breadcrumbs (a line that ends with the next line, "Accueil Net <headline>").
    """
    header_date: str | None = None
    for index, line in enumerate(lines[:12]):
        candidate = line
        prefix = _DATE_PREFIX.match(candidate)
        if prefix:
            header_date = normalize_date(prefix.group(1))
            candidate = candidate[prefix.end() :].strip()
        # A photographer credit ("Milos Schmidt") only counts as one right after a caption:
        # elsewhere a short capitalised line ("Mistral AI") is a headline.
        after_caption = index > 0 and _is_caption(lines[index - 1])
        if is_boilerplate(candidate) or _is_caption(candidate) or (after_caption and _is_credit(candidate)):
            header_date = header_date or find_date(candidate)
            continue
        following = lines[index + 1 : index + 4]
        if any(len(nxt) < len(candidate) and candidate.endswith(nxt) for nxt in following):
            continue  # breadcrumb + headline; the headline itself follows
        if candidate.startswith("#"):
            candidate = candidate.lstrip("#").strip()
        return index, candidate, header_date
    return -1, None, header_date


def _is_caption(line: str) -> bool:
    words = line.split()
    return line.endswith(".") and (len(words) > 12 or find_date(line) is not None)


def _is_credit(line: str) -> bool:
    words = line.split()
    return 1 <= len(words) <= 3 and all(word[:1].isupper() for word in words) and line[-1] not in "?!"


MONTHS: dict[str, int] = {
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "janv": 1, "feb": 2, "fev": 2, "fevr": 2, "mar": 3, "apr": 4, "avr": 4,
    "jun": 6, "jul": 7, "juil": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11,
    "dec": 12,
}  # fmt: skip
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DATE_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{2})(?:-(?P<d>\d{2}))?\b"),
    re.compile(rf"\b(?P<d>\d{{1,2}})(?:er)?\s+(?P<mon>{_MONTH})\.?\s+(?P<y>\d{{4}})\b"),
    re.compile(rf"\b(?P<mon>{_MONTH})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})\b"),
    re.compile(r"\b(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})\b"),
)


def find_date(text: str, month_first: bool = False) -> str | None:
    """The first explicit calendar date in ``text`` as ISO, or None. Bare years don't count.

    ``month_first``: "01/28/2025" is January 28th, as English (American) text writes it;
    otherwise it is day first ("28/01/2025"), as French text does."""
    folded = fold_for_matching(text)
    for pattern in _DATE_PATTERNS:
        match = pattern.search(folded)
        if match:
            parts = match.groupdict()
            if month_first and pattern is _DATE_PATTERNS[-1]:
                parts = {**parts, "d": parts["m"], "m": parts["d"]}
            iso = _iso(parts)
            if iso:
                return iso
    return None


def normalize_date(value: str) -> str | None:
    """An ISO (``2025-01-28``/``2025-01``) or written date from metadata, as ISO."""
    value = value.strip()
    if re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
        return value
    if re.match(r"\d{4}-\d{2}-\d{2}[T ]\d", value):  # a timestamp: keep its day
        return value[:10]
    return find_date(value)


def _iso(parts: dict[str, str | None]) -> str | None:
    year = int(parts["y"] or 0)
    month = MONTHS.get(parts.get("mon") or "", 0) or int(parts.get("m") or 0)
    day = int(parts.get("d") or 0)
    if not (1900 <= year <= 2100 and 1 <= month <= 12 and 0 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}" + (f"-{day:02d}" if day else "")
