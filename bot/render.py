"""Render answers as Discord messages: block quotes, source lines, Discord's limits.

Quoted article text and titles are untrusted: markdown in them is escaped (no broken code
blocks, no masked links, no headers) and mentions are defused, on top of the bot sending
every message with no mentions allowed. A message never exceeds 2000 characters.

An answer is best shown as an embed (:func:`answer_embed`): each source's title links to
the article's URL when one is known (file paths only when there is none), since embeds are
where Discord renders masked links. The plain text (:func:`render_answer`) is the fallback
for channels where the bot lacks Embed Links; with ``surface=TERMINAL`` it is what the
terminal prints: the same sentences, with no escaping (nothing renders markdown there).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from urllib.parse import quote, urlsplit

import discord
from discord.utils import escape_markdown, escape_mentions

from bot.messages import DISCORD, Surface, messages_for
from retrieval.answer import Answer, Citation
from retrieval.engine import MAX_QUESTION_CHARS
from retrieval.records import Article

MESSAGE_LIMIT = 2000
TITLE_LIMIT = 120
EMBED_DESCRIPTION_LIMIT = 4096
"""Discord's limit for an embed description (https://discord.com/developers/docs/resources/message#embed-object-embed-limits);
the description is the only text our embeds carry, so the 6000-character total follows."""
EMBED_COLOUR = discord.Colour(0x2B6CB0)


_MENTION = re.compile(r"<(@[!&]?|#)(\d+)>")
_LINK_MIDDLE = re.compile(r"(?<!\\)\]\(")


def safe(text: str) -> str:
    """Untrusted text made inert: markdown escaped, @everyone/@here/user pings defused.

    discord.py's escape_mentions only knows snowflake-length ids; any ``<@123>`` is
    defused here with a zero-width space so it can never render as a mention. Its
    escape_markdown matches a masked link greedily over a whole line, so of two links on one
    line it escapes only the first "[": every "](" is escaped here as well.
    """
    escaped = _LINK_MIDDLE.sub(r"\\](", escape_markdown(text))
    return _MENTION.sub("<\u200b\\1\\2>", escape_mentions(escaped))


def plain(text: str) -> str:
    """Untrusted text as the terminal prints it: as it is (no markdown is rendered there)."""
    return text


def escape_for(surface: Surface) -> Callable[[str], str]:
    """How untrusted text is made safe on ``surface``: escaped on Discord, as it is in the terminal."""
    return plain if surface.terminal else safe


def shorten(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with "…"."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:") + "…"


def block_quote(text: str) -> str:
    """Every line prefixed with "> " so a multi-line quote stays one block quote."""
    return "\n".join("> " + line if line.strip() else ">" for line in text.split("\n"))


_LINE_BREAKS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def one_line(text: str) -> str:
    """``text`` with line breaks and control characters as spaces: a title or file name with
    a newline must not split the source line."""
    return _LINE_BREAKS.sub(" ", text)


def file_name(article: Article) -> str:
    return one_line(article.path.replace("`", "'"))


AUTHOR_LIMIT = 60


def byline(article: Article, escape: Callable[[str], str] = safe) -> list[str]:
    """The author and the publisher, as far as they are known, made safe for a source line."""
    parts = []
    if article.author:
        parts.append(escape(shorten(one_line(article.author), AUTHOR_LIMIT)))
    if article.source:
        parts.append(escape(one_line(article.source)))
    return parts


def describe(article: Article, lang: str, title_limit: int = TITLE_LIMIT, surface: Surface = DISCORD) -> str:
    """ "**Title** · Author · Publisher · 2025-01-28 · `seeds/001.txt`" (author and
    publisher when known; an unknown date is said, never guessed)."""
    escape = escape_for(surface)
    parts = [f"**{escape(shorten(one_line(article.title), title_limit))}**", *byline(article, escape)]
    parts.append(article.published or messages_for(lang, surface=surface).date_unknown)
    parts.append(f"`{file_name(article)}`")
    return " · ".join(parts)


def source_line(article: Article, lang: str, surface: Surface = DISCORD) -> str:
    """The line under a quote: "— " and the article's description."""
    return "— " + describe(article, lang, surface=surface)


def also_line(articles: Sequence[Article], lang: str, surface: Surface = DISCORD) -> str:
    escape = escape_for(surface)
    names = ", ".join(f"*{escape(shorten(one_line(a.title), 80))}* (`{file_name(a)}`)" for a in articles)
    return messages_for(lang, surface=surface).also_reported.format(sources=names)


def safe_url(url: str | None) -> str | None:
    """``url`` fit for a masked link, or ``None``: only http(s) with a host (never
    ``javascript:`` or a Discord invite in disguise), with the characters that would end the
    link or break the markdown percent-encoded."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or _LINE_BREAKS.search(url):
        return None
    return quote(url, safe=":/?#@!$&'*+,;=%~-._")


def _link_text(text: str) -> str:
    """A title made safe inside ``[…]``: markdown escaped and brackets escaped too."""
    return safe(text).replace("[", "\\[").replace("]", "\\]")


def linked_source(article: Article, lang: str, title_limit: int = TITLE_LIMIT) -> str:
    """ "[Title](url) · Author · Publisher · 2025-01-28", or with the file path when there is no URL."""
    title = shorten(one_line(article.title), title_limit)
    url = safe_url(article.url)
    parts = [f"[{_link_text(title)}]({url})" if url else f"**{safe(title)}**", *byline(article)]
    parts.append(article.published or messages_for(lang).date_unknown)
    if not url:
        parts.append(f"`{file_name(article)}`")
    return " · ".join(parts)


def _embed_block(citation: Citation, lang: str) -> str:
    lines = [block_quote(safe(citation.quote)), "— " + linked_source(citation.article, lang)]
    if citation.also:
        names = ", ".join(
            f"[{_link_text(shorten(one_line(a.title), 80))}]({url})"
            if (url := safe_url(a.url))
            else f"*{safe(shorten(one_line(a.title), 80))}* (`{file_name(a)}`)"
            for a in citation.also
        )
        lines.append(messages_for(lang).also_reported.format(sources=names))
    return "\n".join(lines)


def answer_embed(
    answer: Answer, limit: int = EMBED_DESCRIPTION_LIMIT, *, intro: str | None = None
) -> discord.Embed | None:
    """The answer as one embed, or ``None`` for a non-answer (a plain sentence is clearer).
    ``intro`` replaces "D'après les articles :"."""
    if not answer.answered or not answer.citations:
        return None
    m = messages_for(answer.lang)
    blocks = [_embed_block(c, answer.lang) for c in answer.citations]
    while len(blocks) > 1 and len(intro or m.intro) + sum(len(b) + 2 for b in blocks) > limit:
        blocks.pop()
    if intro is None:
        intro = m.intro if len(blocks) > 1 else m.intro_single
    text = intro + "\n" + "\n\n".join(blocks)
    return discord.Embed(description=text if len(text) <= limit else shorten(text, limit), colour=EMBED_COLOUR)


def render_citation(citation: Citation, lang: str, surface: Surface = DISCORD) -> str:
    lines = [block_quote(escape_for(surface)(citation.quote)), source_line(citation.article, lang, surface)]
    if citation.also:
        lines.append(also_line(citation.also, lang, surface))
    return "\n".join(lines)


def render_answer(
    answer: Answer, limit: int = MESSAGE_LIMIT, surface: Surface = DISCORD, *, intro: str | None = None
) -> str:
    """The message the bot posts for ``answer``; with ``surface=TERMINAL``, what ``newsbot ask``
    prints: the same sentences, naming ``newsbot`` commands, article text unescaped.
    ``intro`` replaces "D'après les articles :"."""
    t = messages_for(answer.lang, surface=surface)
    if not answer.answered:
        if answer.reason == "empty":
            return t.empty_question
        if answer.reason == "too_long":
            return t.too_long.format(length=len(answer.question), limit=MAX_QUESTION_CHARS)
        if answer.reason == "unknown_name" and answer.detail:
            quoted = t.quoted_name.format(name=escape_for(surface)(answer.detail))
            return t.unknown_name.format(name=quoted)
        return t.abstain
    blocks = [render_citation(c, answer.lang, surface) for c in answer.citations]
    # Drop trailing citations until the message fits; the best one always stays.
    while len(blocks) > 1 and len(intro or t.intro) + sum(len(b) + 2 for b in blocks) > limit:
        blocks.pop()
    if intro is None:
        intro = t.intro if len(blocks) > 1 else t.intro_single
    text = intro + "\n" + "\n\n".join(blocks)
    return text if len(text) <= limit else shorten(text, limit)


def answer_json(answer: Answer) -> str:
    """One JSON object per answer, the ``newsbot ask --json`` contract; ``text`` is the
    message as Discord shows it (markdown escaped, slash commands), ready to post."""
    return json.dumps(
        {
            "question": answer.question,
            "answered": answer.answered,
            "citations": [
                {
                    "path": c.article.path,
                    "title": c.article.title,
                    "source": c.article.source,
                    "author": c.article.author,
                    "url": c.article.url,
                    "published": c.article.published,
                    "quote": c.quote,
                    "score": c.score,
                }
                for c in answer.citations
            ],
            "text": render_answer(answer),
        },
        ensure_ascii=False,
    )
