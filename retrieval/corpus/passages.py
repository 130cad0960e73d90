"""Split an article into sentence-aligned passages, the units BM25 ranks.

Each line of the cleaned text is a block: a heading (short, no closing punctuation: never
quoted, but kept as search context for the passages under it), a list item, or a paragraph.
Passages gather whole sentences of one section until they hold roughly 40–120 words (about
three sentences retrieve best on these articles); a heading starts a new passage.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..records import Article, Passage, Span
from ..text.sentences import split_sentences

MIN_WORDS = 40
MAX_WORDS = 120
TARGET_SENTENCES = 3
HEADING_MAX_WORDS = 15

BULLET_MARKER = r"(?:[-•*–—]|\d+[.)])"
"""A list item's marker: a dash or bullet sign, or a number with a dot or parenthesis."""
BULLET = re.compile(rf"^{BULLET_MARKER}\s+")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Block:
    kind: str  # "heading" | "item" | "paragraph"
    start: int
    end: int


def iter_blocks(text: str) -> Iterator[Block]:
    """Classify each line of an article's cleaned text."""
    offset = 0
    for line in text.split("\n"):
        start, end = offset, offset + len(line)
        offset = end + 1
        stripped = line.strip()
        if not stripped:
            continue
        bullet = BULLET.match(line)
        if stripped.startswith("#") or is_heading(stripped):
            yield Block("heading", start, end)
        elif bullet:
            yield Block("item", start + bullet.end(), end)
        else:
            yield Block("paragraph", start, end)


def is_heading(line: str) -> bool:
    """A short line without closing punctuation ("Nvidia", "Des réactions contrastées…")."""
    words = len(line.split())
    if words > HEADING_MAX_WORDS or BULLET.match(line):
        return False
    return not re.search(r"[.!…:;»\"”)]$", line) or (line.endswith("?") and words <= 12)


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def split_passages(article: Article) -> list[Passage]:
    """The passages of ``article`` in reading order; every sentence is in exactly one."""
    text = article.text
    passages: list[Passage] = []
    current: list[Span] = []
    words = 0
    heading = ""

    def flush() -> None:
        nonlocal current, words
        if current:
            context = f"{article.title}\n{heading}".strip()
            passages.append(Passage(article.path, len(passages), tuple(current), context))
        current, words = [], 0

    for block in iter_blocks(text):
        if block.kind == "heading":
            flush()
            heading = text[block.start : block.end].lstrip("#").strip()
            continue
        for sentence in split_sentences(text, block.start, block.end):
            count = word_count(text[sentence.start : sentence.end])
            if current and words >= MIN_WORDS and (len(current) >= TARGET_SENTENCES or words + count > MAX_WORDS):
                flush()
            current.append(sentence)
            words += count
    flush()
    return passages


def passage_text(article: Article, passage: Passage) -> str:
    """The passage's sentences as they stand in the article (for indexing and display)."""
    return article.text[passage.start : passage.end]
