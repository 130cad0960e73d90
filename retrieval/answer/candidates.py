"""Candidate quotes: one sentence, or two adjacent ones, around each retrieved passage.

Two-sentence windows let a name stated in the previous sentence ("… : Alibaba." then "Le
géant du cloud va investir …") come with its fact. The neighbouring sentence on each side
of the passage (same section) is included, because the answer to a question that matched
a passage is often just across its border.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..corpus.passages import BULLET_MARKER
from ..records import Span
from .view import CorpusView

WINDOW_SIZES = (1, 2)

_BULLET_GAP = re.compile(rf"\n[ \t]*{BULLET_MARKER}[ \t]")


@dataclass(frozen=True, slots=True)
class Hit:
    """A ranked passage."""

    passage_index: int
    score: float


@dataclass(frozen=True, slots=True)
class PassageWindows:
    """The sentences around one hit and the windows over them (index ranges)."""

    hit: Hit
    rank: int
    sentences: tuple[Span, ...]
    windows: tuple[tuple[int, int], ...]
    """``(first, last)`` sentence index ranges, half-open."""


def passage_windows(view: CorpusView, hit: Hit, rank: int) -> PassageWindows:
    """Every window over the sentences around ``hit``; never one spanning two list items
    (two items are two facts, and the quote would carry the bullet)."""
    path = view.passages[hit.passage_index].article_path
    text = view.articles[path].text
    sentences = tuple(view.window_sentences(hit.passage_index))
    windows = []
    for first in range(len(sentences)):
        for size in WINDOW_SIZES:
            last = first + size
            if last > len(sentences):
                continue
            if size == 2 and _BULLET_GAP.search(text, sentences[first].end, sentences[first + 1].start):
                continue
            windows.append((first, last))
    return PassageWindows(hit, rank, sentences, tuple(windows))


def iter_passage_windows(view: CorpusView, hits: list[Hit]) -> Iterator[PassageWindows]:
    for rank, hit in enumerate(hits):
        yield passage_windows(view, hit, rank)
