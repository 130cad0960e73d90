"""Render answers as Discord messages: block quotes, source lines, Discord's limits.

Quoted article text and titles are untrusted: markdown in them is escaped (no broken code
blocks, no masked links, no headers) and mentions are defused, on top of the bot sending
every message with no mentions allowed. A message never exceeds 2000 characters.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from discord.utils import escape_markdown, escape_mentions

from bot.messages import messages_for
from retrieval.answer import Answer, Citation
from retrieval.engine import MAX_QUESTION_CHARS
from retrieval.records import Article

MESSAGE_LIMIT = 2000
TITLE_LIMIT = 120


_MENTION = re.compile(r"<(@[!&]?|#)(\d+)>")


def safe(text: str) -> str:
    """Untrusted text made inert: markdown escaped, @everyone/@here/user pings defused.

    discord.py's escape_mentions only knows snowflake-length ids; any ``<@123>`` is
    defused here with a zero-width space so it can never render as a mention.
    """
    return _MENTION.sub("<\u200b\\1\\2>", escape_mentions(escape_markdown(text)))


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


def describe(article: Article, lang: str, title_limit: int = TITLE_LIMIT) -> str:
    """"**Title** · Publisher · 2025-01-28 · `seeds/001.txt`" (publisher when known; an
    unknown date is said, never guessed)."""
    parts = [f"**{safe(shorten(one_line(article.title), title_limit))}**"]
    if article.source:
        parts.append(safe(one_line(article.source)))
    parts.append(article.published or messages_for(lang).date_unknown)
    parts.append(f"`{file_name(article)}`")
    return " · ".join(parts)


def source_line(article: Article, lang: str) -> str:
    """The line under a quote: "— " and the article's description."""
    return "— " + describe(article, lang)


def also_line(articles: Sequence[Article], lang: str) -> str:
    names = ", ".join(f"*{safe(shorten(one_line(a.title), 80))}* (`{file_name(a)}`)" for a in articles)
    return messages_for(lang).also_reported.format(sources=names)


def render_citation(citation: Citation, lang: str) -> str:
    lines = [block_quote(safe(citation.quote)), source_line(citation.article, lang)]
    if citation.also:
        lines.append(also_line(citation.also, lang))
    return "\n".join(lines)


def render_answer(answer: Answer, limit: int = MESSAGE_LIMIT) -> str:
    """The message the bot posts for ``answer`` (also what ``newsbot ask`` prints)."""
    t = messages_for(answer.lang)
    if not answer.answered:
        if answer.reason == "empty":
            return t.empty_question
        if answer.reason == "too_long":
            return t.too_long.format(length=len(answer.question), limit=MAX_QUESTION_CHARS)
        if answer.reason == "unknown_name" and answer.detail:
            quoted = messages_for(answer.lang).quoted_name.format(name=safe(answer.detail))
            return t.unknown_name.format(name=quoted)
        return t.abstain
    blocks = [render_citation(c, answer.lang) for c in answer.citations]
    # Drop trailing citations until the message fits; the best one always stays.
    while len(blocks) > 1 and len(t.intro) + sum(len(b) + 2 for b in blocks) > limit:
        blocks.pop()
    intro = t.intro if len(blocks) > 1 else t.intro_single
    text = intro + "\n" + "\n\n".join(blocks)
    return text if len(text) <= limit else shorten(text, limit)


def answer_json(answer: Answer) -> str:
    """One JSON object per answer, the ``newsbot ask --json`` contract."""
    return json.dumps(
        {
            "question": answer.question,
            "answered": answer.answered,
            "citations": [
                {
                    "path": c.article.path,
                    "title": c.article.title,
                    "source": c.article.source,
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
