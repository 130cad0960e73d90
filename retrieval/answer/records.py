"""What the answering stages hand each other, and what they hand back to the caller."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ..records import Article, Span
from .signals import AnswerSignals


class AbstainReason(StrEnum):
    """Why the bot said "I don't know" (a ``str``, so stores and logs keep plain text)."""

    EMPTY = "empty"
    """Nothing to search for: no content word, only stopwords or punctuation."""
    TOO_LONG = "too_long"
    """Over the question length limit: BM25 over a pasted article is noise."""
    UNKNOWN_NAME = "unknown_name"
    """The question is about a name the corpus never mentions, not even spelt nearly so."""
    NO_MATCH = "no_match"
    """No passage shares a single term with the question."""
    WEAK = "weak"
    """Candidates exist, but the decision model judges none likely to answer."""


@dataclass(frozen=True, slots=True)
class SentenceAnalysis:
    """One sentence as the answerer reads it, analysed once and kept by the corpus view."""

    terms: frozenset[str]
    sequence: tuple[str, ...]
    """Index terms in reading order (stopwords removed)."""
    pairs: frozenset[str]
    """Adjacent index-term pairs, as "first second" strings ("prix nobel")."""
    signals: AnswerSignals


@dataclass(frozen=True, slots=True)
class Citation:
    article: Article
    quote: str
    """Verbatim text from the article; "…" marks where it was cut."""
    score: float
    """BM25 score of the passage the quote comes from."""
    also: tuple[Article, ...] = ()
    """Other articles that state the same fact."""


@dataclass(frozen=True, slots=True)
class Answer:
    question: str
    lang: str
    answered: bool
    citations: tuple[Citation, ...] = ()
    reason: AbstainReason | None = None
    detail: str | None = None
    """For ``UNKNOWN_NAME``, the name the corpus never mentions."""
    confidence: float = 0.0
    """The decision model's probability that the corpus answers the question."""


@dataclass(slots=True)
class Candidate:
    """One quotable run of one or two adjacent sentences of a retrieved passage."""

    article_path: str
    passage_index: int
    sentences: tuple[Span, ...]
    features: list[float]
    """In :data:`retrieval.answer.features.CANDIDATE_FEATURES` order."""
    bm25: float
    terms: frozenset[str]
    """Index terms of the candidate's sentences (to tell two articles' facts apart)."""
    type_ok: bool
    """Whether it holds the kind of answer asked for (a number, a date, a name)."""
    missing: float
    """Weight share of the heaviest question word it (and its sub-heading) lacks."""
    score: float = 0.0
    """The ranking model's log-odds that this candidate quotes the answer."""
    around: Span | None = None
    """The sentences around the retrieved passage that the quote may widen into."""
