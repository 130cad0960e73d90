"""Sentence boundaries for French (and English) news text.

A boundary is end punctuation (. ! ? …), optionally followed by closing quotes or brackets,
then whitespace, then something that can open a sentence (a capital, a digit, an opening
quote or a dash). Not a boundary: a known abbreviation ("M.", "Dr.", "Jan."), a single
capital initial ("J. Biden"), or punctuation inside « … » guillemets, whose quoted speech
often holds several sentences that belong to one reported statement.
Numbers like "5,6 millions" or "1.6" never contain whitespace after the mark, so they are safe.
"""

from __future__ import annotations

import re

from ..lexicon import word_set
from ..records import Span

ABBREVIATIONS: frozenset[str] = word_set("abbreviations.txt")
"""Lowercased abbreviations that end with a period but rarely end a sentence."""

_CANDIDATE = re.compile(r"[.!?…]+(?:[ \u00a0\u202f]?[\"»”’)\]])*(?=\s)")
"""End punctuation, then closing quotes or brackets, French spacing allowed: "… agissons. »"."""
_OPENER = re.compile(r"\s+[\"«“(\[—–-]?\s*[A-ZÀ-ÖØ-Þ0-9]")
_WORD_BEFORE = re.compile(r"([^\W\d_]+)\.$")


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Spans of the sentences in ``text[start:end]``, trimmed of surrounding whitespace."""
    end = len(text) if end is None else end
    spans: list[Span] = []
    sentence_start = start
    depth = 0  # open « guillemets
    position = start
    for match in _CANDIDATE.finditer(text, start, end):
        depth += text.count("«", position, match.start()) - text.count("»", position, match.start())
        depth = max(depth, 0)
        position = match.start()
        if depth > 0 and "»" not in match.group():
            continue
        if not _OPENER.match(text, match.end(), end):
            continue
        if match.group()[0] == "." and _is_abbreviation(text, sentence_start, match.start() + 1):
            continue
        _append(spans, text, sentence_start, match.end())
        sentence_start = match.end()
    _append(spans, text, sentence_start, end)
    return spans


_LOOK_BACK = 48
"""Characters before a period searched for the word it ends: searching from the sentence's
start made the regex engine try every position of the sentence, for every period. A word
longer than this is read by its last 47 letters, which are neither an initial nor an
abbreviation, as the whole word is not."""


def _is_abbreviation(text: str, sentence_start: int, dot_end: int) -> bool:
    word = _WORD_BEFORE.search(text, max(sentence_start, dot_end - _LOOK_BACK), dot_end)
    if word is None:
        return False
    token = word.group(1)
    if len(token) == 1 and token.isupper():
        return True  # an initial: "J. Biden"
    return token.lower() in ABBREVIATIONS and not _ends_sentence_anyway(text, dot_end)


def _ends_sentence_anyway(text: str, dot_end: int) -> bool:
    # "etc." followed by a paragraph-like capitalised start after two spaces or a newline.
    return text[dot_end : dot_end + 1] == "\n"


def _append(spans: list[Span], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append(Span(start, end))
