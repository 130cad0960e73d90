"""The built search structure: articles, passages, their BM25 index and the corpus vocabulary.

An :class:`Engine` is immutable once built, so a service can build a new one in a worker
thread while questions keep being answered from the old one, then swap references.
"""

from __future__ import annotations

import bisect
import itertools
import logging
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from rapidfuzz.distance import OSA
from rapidfuzz.process import extractOne

from .answer import AbstainReason, Answer, AnswerModels, Hit, QuestionContext, QuestionParser, compose, detect_language
from .answer.records import SentenceAnalysis
from .answer.signals import AnswerSignals
from .corpus.articles import article_language
from .corpus.passages import passage_text
from .index.segments import SegmentedBM25
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


def free_in_slices(items: list[Any], step: int = 2000) -> None:
    """Empty a big list a slice at a time: freeing millions of objects in one deallocation
    holds the GIL throughout, while each small slice lets other threads (an event loop) run."""
    while items:
        del items[-step:]


def passage_index_text(article: Article, passage: Passage) -> str:
    """What the index sees of a passage: its context (title, heading) and its sentences."""
    return f"{passage.context}\n{passage_text(article, passage)}"


def passage_terms(analyzers: Analyzers, article: Article, passage: Passage) -> list[str]:
    """The index terms of a passage, analysed in its article's language."""
    return analyzers.terms(passage_index_text(article, passage), article_language(article))


@dataclass(frozen=True)
class EngineState:
    """What an engine derives from its whole corpus: the BM25 index of its passages and the
    surface vocabulary of its articles, both incremental (:class:`SegmentedBM25`), and each
    article's handles in them. Deriving them takes seconds at 100k passages; a service saves
    them (see :mod:`retrieval.snapshot`) so a restart with an unchanged corpus only loads
    them, and :meth:`Engine.updated` changes them in proportion to the change."""

    index: SegmentedBM25 | None
    """The passages' terms; handles of one article are consecutive, in passage order."""
    surface: SegmentedBM25
    """One document per article: the distinct words of its title and text (for
    :meth:`Engine.knows_name`); only document frequencies are used."""
    first_handles: np.ndarray
    """Per article in corpus order: the handle of its first passage in ``index``."""
    surface_handles: np.ndarray
    """Per article in corpus order: its handle in ``surface``."""


def surface_words(article: Article) -> list[str]:
    """The distinct words of an article as a question may name them (accents folded):
    "high-flyer" and "spore.bio" are known, and so are their parts."""
    vocabulary = set(WORD_RE.findall(fold_accents(f"{article.title}\n{article.text}".lower())))
    for compound in [word for word in vocabulary if "-" in word or "." in word]:
        vocabulary.update(re.split(r"[-.]", compound))
    return sorted(vocabulary)


def build_index(tokens: Sequence[Sequence[str]]) -> SegmentedBM25:
    """The BM25 index of a whole corpus's passage terms (one segment)."""
    return SegmentedBM25(tokens)


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
        """Build from articles and their passages (each article's passages together, in
        order); ``tokens`` (each passage's :func:`passage_terms`) may come from a store to
        skip re-analysis.

        ``state``, saved from an engine built on these same articles and passages, is used
        as it is instead of building the index and vocabulary again. ``models`` replaces the
        shipped answer models (the fitting script scores its own).
        """
        self.analyzers = analyzers or Analyzers()
        self.articles: dict[str, Article] = {article.path: article for article in articles}
        self.languages: dict[str, Language] = {path: article_language(a) for path, a in self.articles.items()}
        self.parser = QuestionParser(self.analyzers, set(self.languages.values()))
        self.passages: tuple[Passage, ...] = tuple(passages)
        self._paths = list(self.articles)
        counts = Counter(p.article_path for p in self.passages)
        self._counts = np.fromiter((counts[path] for path in self._paths), dtype=np.int64, count=len(self._paths))
        if state is None:
            if tokens is None:
                tokens = [passage_terms(self.analyzers, self.articles[p.article_path], p) for p in self.passages]
            index = build_index(tokens) if self.passages else None
            words = [surface_words(a) for a in self.articles.values()]
            surface = SegmentedBM25(words)
            while words:  # millions of strings: freed in one go, they hold the GIL ~0.1 s
                del words[-200:]
            starts = np.cumsum(self._counts) - self._counts
            state = EngineState(index, surface, starts, np.arange(len(self._paths), dtype=np.int64))
            if index is not None:
                contiguous = self._contiguous()
                order = self._order(state.first_handles) if contiguous else np.arange(len(self.passages))
                index.set_order(order)
                if not contiguous:  # passages not grouped by article: no incremental update
                    state = EngineState(index, surface, np.full(len(self._paths), -1), state.surface_handles)
            if progress is not None:
                progress(len(self.passages), len(self.passages))
        else:
            if (len(state.index) if state.index else 0) != len(self.passages) or len(state.first_handles) != len(
                self._paths
            ):
                raise ValueError("the saved engine state was built for another corpus")
            if state.index is not None:
                index = state.index.fork()
                index.set_order(self._order(state.first_handles))
                state = EngineState(index, state.surface, state.first_handles, state.surface_handles)
        self._state = state
        self.index = state.index
        self._setup(models)

    def _setup(self, models: AnswerModels | None) -> None:
        self._sentences = lru_cache(maxsize=SENTENCE_CACHE)(self._analyse_sentence)
        self._heading_cache = lru_cache(maxsize=1024)(self._text_terms)
        self._near_spellings: dict[tuple[str, int], list[str]] | None = None
        self.models = models
        if self.index is not None:
            self.index.warm()

    def _contiguous(self) -> bool:
        """Whether each article's passages are together, articles in ``self._paths`` order."""
        paths = self._paths
        expected = itertools.chain.from_iterable(
            itertools.repeat(p, int(c)) for p, c in zip(paths, self._counts, strict=True)
        )
        return all(p.article_path == q for p, q in zip(self.passages, expected, strict=True))

    def _order(self, first_handles: np.ndarray) -> np.ndarray:
        """The passages' handles in corpus order (each article's are consecutive)."""
        starts = np.cumsum(self._counts) - self._counts
        offsets: np.ndarray = np.repeat(first_handles - starts, self._counts) + np.arange(len(self.passages))
        return offsets

    def __len__(self) -> int:
        return len(self.passages)

    @property
    def state(self) -> EngineState:
        return self._state

    def updated(
        self,
        added: Sequence[tuple[Article, Sequence[Passage], Sequence[Sequence[str]] | None]],
        removed: Iterable[str] = (),
    ) -> Engine:
        """A new engine on this corpus minus the articles ``removed`` (paths) plus ``added``
        (each article with its passages and their :func:`passage_terms`, or ``None`` to
        analyse them); an added article already here replaces it. The articles stay in path
        order (an added one goes where its path sorts; this engine's corpus is taken to be in
        path order). Scores and ties are exactly those of a fresh engine on the new corpus.

        Costs in proportion to the change, plus a few copies of per-article and per-passage
        references; this engine is left as it is and keeps answering meanwhile.
        """
        st = self._state
        if self.index is None or (len(st.first_handles) and int(st.first_handles.min()) < 0):
            return self._rebuilt(added, removed)
        new_paths = {article.path for article, _, _ in added}
        gone = (set(removed) | new_paths) & self.articles.keys()
        old_index = {path: i for i, path in enumerate(self._paths)} if gone else {}
        gone_rows = sorted(old_index[path] for path in gone)
        ends = np.cumsum(self._counts)
        starts = ends - self._counts
        index = self.index.fork()
        gone_handles = [
            np.arange(st.first_handles[i], st.first_handles[i] + self._counts[i], dtype=np.int64) for i in gone_rows
        ]
        if gone_handles:
            index.remove(np.concatenate(gone_handles).tolist())
        surface = st.surface.fork()
        surface.remove(st.surface_handles[gone_rows].tolist())
        fresh = sorted(added, key=lambda entry: entry[0].path)
        tokens: list[Sequence[str]] = []
        for article, passages, terms in fresh:
            tokens.extend(terms if terms is not None else [passage_terms(self.analyzers, article, p) for p in passages])
        first_new = index.add(tokens).start
        surface_new = surface.add([surface_words(article) for article, _, _ in fresh]).start

        # The new article order: this engine's (sorted) without the gone, the fresh merged in.
        keep = np.ones(len(self._paths), dtype=bool)
        keep[gone_rows] = False
        kept_rows = np.flatnonzero(keep)
        kept_paths = [self._paths[i] for i in kept_rows.tolist()] if gone_rows else self._paths
        fresh_paths = [article.path for article, _, _ in fresh]
        at = [bisect.bisect_left(kept_paths, path) for path in fresh_paths]  # insertion points
        fresh_counts = np.array([len(p) for _, p, _ in fresh], dtype=np.int64)
        fresh_first = first_new + np.cumsum(fresh_counts) - fresh_counts
        fresh_surface = np.arange(surface_new, surface_new + len(fresh), dtype=np.int64)
        # Rows of this engine's articles, the fresh ones numbered after them, in new order
        # (np.insert keeps the order of values inserted at one point: fresh is sorted).
        n_old = len(self._paths)
        order_rows = np.insert(kept_rows, np.array(at, dtype=np.int64), n_old + np.arange(len(fresh)))
        new_counts = np.concatenate((self._counts, fresh_counts))[order_rows]
        new_first = np.concatenate((st.first_handles, fresh_first))[order_rows]
        new_surface = np.concatenate((st.surface_handles, fresh_surface))[order_rows]

        # Passages: runs of kept articles are slices of this engine's tuple.
        pieces: list[Sequence[Passage]] = []
        run_start = previous = -2
        for row in [*order_rows.tolist(), -1]:
            if 0 <= row < n_old and row == previous + 1:
                previous = row
                continue
            if run_start >= 0:
                pieces.append(self.passages[int(starts[run_start]) : int(ends[previous])])
            run_start = previous = -2
            if 0 <= row < n_old:
                run_start = previous = row
            elif row >= n_old:
                pieces.append(fresh[row - n_old][1])

        engine = Engine.__new__(Engine)
        engine.analyzers = self.analyzers
        articles = dict(self.articles)
        languages = dict(self.languages)
        for path in gone:
            del articles[path], languages[path]
        for article, _, _ in fresh:
            articles[article.path] = article
            languages[article.path] = article_language(article)
        engine._paths = [*kept_paths]
        for position, path in sorted(zip(at, fresh_paths, strict=True), reverse=True):
            engine._paths.insert(position, path)
        engine.articles = {path: articles[path] for path in engine._paths}
        engine.languages = languages
        engine.parser = QuestionParser(self.analyzers, set(languages.values()))
        engine.passages = tuple(itertools.chain.from_iterable(pieces))
        engine._counts = new_counts
        index.set_order(engine._order(new_first))
        engine._state = EngineState(index, surface, new_first, new_surface)
        engine.index = index if len(engine.passages) else None
        engine._setup(self.models)
        return engine

    def _rebuilt(
        self,
        added: Sequence[tuple[Article, Sequence[Passage], Sequence[Sequence[str]] | None]],
        removed: Iterable[str],
    ) -> Engine:
        """:meth:`updated` the slow way: a fresh engine on the new corpus."""
        gone = set(removed) | {article.path for article, _, _ in added}
        entries: dict[str, tuple[Article, Sequence[Passage], Sequence[Sequence[str]] | None]] = {}
        by_article: dict[str, list[Passage]] = {}
        for passage in self.passages:
            by_article.setdefault(passage.article_path, []).append(passage)
        for path, article in self.articles.items():
            if path not in gone:
                entries[path] = (article, by_article.get(path, []), None)
        for entry in added:
            entries[entry[0].path] = entry
        ordered = [entries[path] for path in sorted(entries)]
        passages = [p for _, ps, _ in ordered for p in ps]
        tokens = [
            terms if terms is not None else [passage_terms(self.analyzers, a, p) for p in ps]
            for a, ps, terms in ordered
        ]
        return Engine(
            [a for a, _, _ in ordered],
            passages,
            [list(t) for ts in tokens for t in ts],
            analyzers=self.analyzers,
            models=self.models,
        )

    def merge_step(self) -> bool:
        """One background merge of the index's or the vocabulary's segments (the results do
        not change); whether one was done. For a worker thread, until it returns ``False``."""
        st = self._state
        return bool((st.index is not None and st.index.merge_step()) or st.surface.merge_step())

    def dismantle(self, step: int = 2000) -> None:
        """Release this engine's records a slice at a time (after it was swapped out).

        Dropping a 100k-passage engine in one deallocation holds the GIL for ~0.1 s; a
        service frees an old engine this way in a worker thread so its event loop keeps
        running. The engine answers nothing afterwards.
        """
        for records in (list(self.passages), list(self.articles.values())):
            self.passages, self.articles = (), {}
            free_in_slices(records, step)
        self.index = None
        self._near_spellings = None
        self._sentences.cache_clear()
        self._heading_cache.cache_clear()

    def _same_section(self, first: int, second: int) -> bool:
        a, b = self.passages[first], self.passages[second]
        return a.article_path == b.article_path and a.context == b.context

    def _neighbours(self, index: int) -> tuple[int | None, int | None]:
        """Previous/next passage of the same article and section, for antecedent sentences."""
        before = index - 1 if index > 0 and self._same_section(index - 1, index) else None
        after = index + 1 if index + 1 < len(self.passages) and self._same_section(index, index + 1) else None
        return before, after

    def knows_name(self, name: str) -> bool:
        """Whether a name from a question ("GPT-5", "Hangzhou") occurs anywhere in the corpus."""
        name = fold_accents(name.lower())
        surface = self._state.surface
        return name in surface or all(part in surface for part in re.split(r"[-.]", name) if part)

    def closest_word(self, word: str) -> str | None:
        """The corpus word nearest to ``word`` within one edit (two for words of eight
        letters or more; swapping two letters is one edit), first letter kept: typed names
        ("Shangai", "Maharashi") and words ("Qaund") find the corpus's spelling. None when
        ``word`` is known, short, or has no such neighbour."""
        word = fold_accents(word.lower())
        if len(word) < NEAR_SPELLING_MIN_CHARS or not word.isalpha() or word in self._state.surface:
            return None
        if self._near_spellings is None:
            buckets: dict[tuple[str, int], list[str]] = {}
            for known in sorted(self._state.surface.terms()):
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

    def heading_terms(self, passage_index: int) -> frozenset[str]:
        """Terms of the sub-heading above a passage ("Satya Nadella"): never quoted, but it
        names who the passage is about. The article title is left out: it covers the whole
        article, not this passage."""
        passage = self.passages[passage_index]
        _, _, heading = passage.context.partition("\n")
        return self._heading_cache(heading, self.languages[passage.article_path])

    def sentence(self, article_path: str, span: Span) -> SentenceAnalysis:
        """The analysis of one sentence (cached: see SENTENCE_CACHE)."""
        return self._sentences(article_path, span)

    def _analyse_sentence(self, article_path: str, span: Span) -> SentenceAnalysis:
        text = self.articles[article_path].text[span.start : span.end]
        terms = self.analyzers.terms(text, self.languages[article_path])
        pairs = frozenset(f"{a} {b}" for a, b in zip(terms, terms[1:], strict=False))
        return SentenceAnalysis(frozenset(terms), tuple(terms), pairs, AnswerSignals(text))

    def _text_terms(self, text: str, language: str) -> frozenset[str]:
        return frozenset(self.analyzers.terms(text, language))

    def window_sentences(self, passage_index: int) -> list[Span]:
        """The passage's sentences plus the adjacent sentence on each side in its section."""
        before, after = self._neighbours(passage_index)
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
