"""The read-only view of a built corpus that the answering stages depend on.

The answerer never reaches into an engine's internals: it asks this protocol, which
:class:`retrieval.engine.Engine` implements. Tests and the fitting script can hand it any
object with these methods.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from ..records import Article, Passage, Span
from .records import SentenceAnalysis


class CorpusView(Protocol):
    @property
    def articles(self) -> Mapping[str, Article]:
        """Every article, by path."""

    @property
    def passages(self) -> Sequence[Passage]:
        """Every passage, in index order."""

    def terms(self, text: str, language: str | None = None) -> list[str]:
        """Index terms of ``text`` in ``language`` (every corpus language when None)."""

    def article_language(self, article_path: str) -> str:
        """The language an article's passages are analysed in."""

    def sentence(self, article_path: str, span: Span) -> SentenceAnalysis:
        """The analysis of one sentence: its terms, pairs and answer signals (cached)."""

    def heading_terms(self, passage_index: int) -> frozenset[str]:
        """Index terms of the sub-heading above a passage."""

    def title_terms(self, article_path: str) -> frozenset[str]:
        """Index terms of an article's title."""

    def window_sentences(self, passage_index: int) -> list[Span]:
        """The passage's sentences plus the adjacent sentence on each side in its section."""

    def has_term(self, term: str) -> bool:
        """Whether any passage holds ``term``."""

    def weight(self, term: str) -> float:
        """A positive idf: rare terms weigh more, absent terms the most."""

    def knows_name(self, name: str) -> bool:
        """Whether a name as written occurs anywhere in the corpus."""

    def closest_word(self, word: str) -> str | None:
        """A corpus word within a small edit distance of ``word`` ("shangai" → "shanghai")."""
