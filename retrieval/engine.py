"""The built search structure: articles, passages, their BM25 index and the corpus vocabulary.

An :class:`Engine` is immutable once built, so a service can build a new one in a worker
thread while questions keep being answered from the old one, then swap references.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA
from rapidfuzz.process import extractOne

from .answer import AbstainReason, Answer, AnswerModels, Hit, QuestionContext, QuestionParser, compose, detect_language
from .corpus.articles import article_language
from .corpus.passages import passage_text
from .index.bm25 import BM25Index
from .records import Article, Passage, Span
from .text.analyzers import Analyzers
from .text.language import Language
from .text.normalize import WORD_RE, fold_accents

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 500
"""Longer questions are refused with a message: BM25 over a pasted article is noise."""

SEARCH_DEPTH = 10
"""Passages the composer examines; deeper only adds noise on a news corpus."""


SENTENCE_CACHE = 32_768
"""Sentences whose analysis is remembered: the sentences around popular passages come back
question after question, and analysing one costs more than every feature computed on it."""

NEAR_SPELLING_MIN_CHARS = 4
"""Shorter words have too many neighbours one edit away to correct them safely."""


def passage_index_text(article: Article, passage: Passage) -> str:
    """What the index sees of a passage: its context (title, heading) and its sentences."""
    return f"{passage.context}\n{passage_text(article, passage)}"


def passage_terms(analyzers: Analyzers, article: Article, passage: Passage) -> list[str]:
    """The index terms of a passage, analysed in its article's language."""
    return analyzers.terms(passage_index_text(article, passage), article_language(article))


@dataclass(frozen=True)
class EngineState:
    """What an engine derives from its whole corpus: the BM25 index and the surface
    vocabulary. Deriving them takes seconds at 100k passages; a service saves them (see
    :mod:`retrieval.snapshot`) so a restart with an unchanged corpus only loads them."""

    index: BM25Index | None
    surface: frozenset[str]


class Engine:
    """Everything needed to answer a question from one version of the corpus."""

    def __init__(
        self,
        articles: Sequence[Article],
        passages: Sequence[Passage],
        tokens: Sequence[Sequence[str]] | None = None,
        analyzers: Analyzers | None = None,
        progress: Callable[[int, int], None] | None = None,
        *,
        state: EngineState | None = None,
        models: AnswerModels | None = None,
    ) -> None:
        """Build from articles and their passages; ``tokens`` (each passage's
        :func:`passage_terms`) may come from a store to skip re-analysis.

        ``state``, saved from an engine built on these same articles and passages, is used
        as it is instead of building the index and vocabulary again. ``models`` replaces the
        shipped answer models (the fitting script scores its own).
        """
        self.analyzers = analyzers or Analyzers()
        self.articles: dict[str, Article] = {article.path: article for article in articles}
        self.languages: dict[str, Language] = {path: article_language(a) for path, a in self.articles.items()}
        self.parser = QuestionParser(self.analyzers, set(self.languages.values()))
        self.passages: tuple[Passage, ...] = tuple(passages)
        if state is None:
            if tokens is None:
                tokens = [passage_terms(self.analyzers, self.articles[p.article_path], p) for p in self.passages]
            state = EngineState(
                index=BM25Index(tokens, progress=progress) if self.passages else None,
                surface=self._surface_vocabulary(),
            )
        elif (len(state.index) if state.index else 0) != len(self.passages):
            raise ValueError("the saved engine state was built for another corpus")
        self.index = state.index
        self._surface = state.surface
        self._neighbours = self._passage_neighbours()
        self._sentence_analysis = lru_cache(maxsize=SENTENCE_CACHE)(self._sentence_analysis_uncached)
        self._heading_cache = lru_cache(maxsize=1024)(self._text_terms)
        self._near_spellings: dict[tuple[str, int], list[str]] | None = None
        self.models = models

    def __len__(self) -> int:
        return len(self.passages)

    @property
    def state(self) -> EngineState:
        return EngineState(self.index, self._surface)

    def dismantle(self, step: int = 2000) -> None:
        """Release this engine's records a slice at a time (after it was swapped out).

        Dropping a 100k-passage engine in one deallocation holds the GIL for ~0.1 s; a
        service frees an old engine this way in a worker thread so its event loop keeps
        running. The engine answers nothing afterwards.
        """
        for records in (list(self.passages), list(self.articles.values())):
            self.passages, self.articles = (), {}
            while records:
                del records[-step:]
        self.index = None
        self._near_spellings = None
        self._sentence_analysis.cache_clear()
        self._heading_cache.cache_clear()

    def _surface_vocabulary(self) -> frozenset[str]:
        vocabulary: set[str] = set()
        for article in self.articles.values():
            vocabulary.update(WORD_RE.findall(fold_accents(f"{article.title}\n{article.text}".lower())))
        # "high-flyer" and "spore.bio" are known, and so are their parts.
        for compound in [word for word in vocabulary if "-" in word or "." in word]:
            vocabulary.update(re.split(r"[-.]", compound))
        return frozenset(vocabulary)

    def _passage_neighbours(self) -> dict[int, tuple[int | None, int | None]]:
        """Previous/next passage of the same article and section, for antecedent sentences."""
        neighbours: dict[int, tuple[int | None, int | None]] = {}
        for index in range(len(self.passages)):
            before = index - 1 if index > 0 and self._same_section(index - 1, index) else None
            after = index + 1 if index + 1 < len(self.passages) and self._same_section(index, index + 1) else None
            neighbours[index] = (before, after)
        return neighbours

    def _same_section(self, first: int, second: int) -> bool:
        a, b = self.passages[first], self.passages[second]
        return a.article_path == b.article_path and a.context == b.context

    def knows_name(self, name: str) -> bool:
        """Whether a name from a question ("GPT-5", "Hangzhou") occurs anywhere in the corpus."""
        name = fold_accents(name.lower())
        return name in self._surface or all(part in self._surface for part in re.split(r"[-.]", name) if part)

    def closest_word(self, word: str) -> str | None:
        """The corpus word nearest to ``word`` within one edit (two for words of eight
        letters or more; swapping two letters is one edit), first letter kept: typed names
        ("Shangai", "Maharashi") and words ("Qaund") find the corpus's spelling. None when
        ``word`` is known, short, or has no such neighbour."""
        word = fold_accents(word.lower())
        if len(word) < NEAR_SPELLING_MIN_CHARS or not word.isalpha() or word in self._surface:
            return None
        if self._near_spellings is None:
            buckets: dict[tuple[str, int], list[str]] = {}
            for known in sorted(self._surface):
                buckets.setdefault((known[0], len(known)), []).append(known)
            self._near_spellings = buckets
        limit = 1 if len(word) < 8 else 2
        choices = [
            known
            for size in range(len(word) - limit, len(word) + limit + 1)
            for known in self._near_spellings.get((word[0], size), ())
        ]
        found = extractOne(word, choices, scorer=OSA.distance, score_cutoff=limit)
        return found[0] if found else None

    def has_term(self, term: str) -> bool:
        return self.index is not None and term in self.index

    def terms(self, text: str, language: str | None = None) -> list[str]:
        """Index terms of ``text`` in ``language``; with none, in every language of the corpus
        (a corpus word of unknown language, such as a near spelling)."""
        if language is not None:
            return self.analyzers.terms(text, language)
        languages = sorted(set(self.languages.values())) or [Language.FRENCH]
        return list(dict.fromkeys(term for lang in languages for term in self.analyzers.terms(text, lang)))

    def article_language(self, article_path: str) -> str:
        return self.languages[article_path]

    def title_terms(self, article_path: str) -> frozenset[str]:
        return self._heading_cache(self.articles[article_path].title, self.languages[article_path])

    def weight(self, term: str) -> float:
        """A positive idf for coverage: rare terms matter more; unknown terms the most."""
        n = len(self.passages)
        df = self.index.doc_freq(term) if self.index else 0
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def search(self, terms: Sequence[str], k: int = 10) -> list[Hit]:
        if not self.index or not terms:
            return []
        return [Hit(index, float(score)) for index, score in self.index.top_k(list(terms), k)]

    def sentence_terms(self, article_path: str, span: Span) -> frozenset[str]:
        return self._sentence_analysis(article_path, span)[0]

    def sentence_sequence(self, article_path: str, span: Span) -> tuple[str, ...]:
        """Index terms of one sentence in reading order."""
        return self._sentence_analysis(article_path, span)[2]

    def sentence_pairs(self, article_path: str, span: Span) -> frozenset[str]:
        """Adjacent index-term pairs of one sentence ("prix nobel"), stopwords skipped."""
        return self._sentence_analysis(article_path, span)[1]

    def heading_terms(self, passage_index: int) -> frozenset[str]:
        """Terms of the sub-heading above a passage ("Satya Nadella"): never quoted, but it
        names who the passage is about. The article title is left out: it covers the whole
        article, not this passage."""
        passage = self.passages[passage_index]
        _, _, heading = passage.context.partition("\n")
        return self._heading_cache(heading, self.languages[passage.article_path])

    def _sentence_analysis_uncached(
        self, article_path: str, span: Span
    ) -> tuple[frozenset[str], frozenset[str], tuple[str, ...]]:
        text = self.articles[article_path].text[span.start : span.end]
        terms = self.analyzers.terms(text, self.languages[article_path])
        pairs = frozenset(f"{a} {b}" for a, b in zip(terms, terms[1:], strict=False))
        return frozenset(terms), pairs, tuple(terms)

    def _text_terms(self, text: str, language: str) -> frozenset[str]:
        return frozenset(self.analyzers.terms(text, language))

    def window_sentences(self, passage_index: int) -> list[Span]:
        """The passage's sentences plus the adjacent sentence on each side in its section."""
        before, after = self._neighbours[passage_index]
        sentences = list(self.passages[passage_index].sentences)
        if before is not None:
            sentences.insert(0, self.passages[before].sentences[-1])
        if after is not None:
            sentences.append(self.passages[after].sentences[0])
        return sentences

    def answer(self, question: str, lang: str | None = None) -> Answer:
        """Answer ``question`` with verbatim quotes, or abstain; never raises on user text."""
        question = question.strip()
        if len(question) > MAX_QUESTION_CHARS:
            return Answer(question, lang or detect_language(question), answered=False, reason=AbstainReason.TOO_LONG)
        parsed = self.parser.parse(question)
        context = QuestionContext.build(self, parsed)
        hits = self.search(context.query_terms(), k=SEARCH_DEPTH)
        return compose(self, context, hits, lang=lang or parsed.lang, models=self.models)
