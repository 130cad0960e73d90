"""The templated answer composer: pick the sentences that answer, quote them, or abstain.

No text is generated. From the top passages the composer scores *windows* (one sentence, or
two adjacent ones, so that a name stated in the previous sentence — "… : Alibaba." then
"Le géant du cloud va investir …" — comes with its fact) by how much of the question they
cover, weighting rare words more, with a bonus when they hold the kind of answer asked for
(a number for "combien", a year for "quand", a name for "qui"). The best window is quoted
verbatim; other articles that say the same thing are listed as "also reported by", and
articles that add something get their own quote, up to three.

It abstains rather than guess when the question names something the corpus never mentions,
when no candidate window mentions the question's names (in the window, its passage or the
sub-heading above it), when the best window covers too little of the question, or when a "combien de X"
question's X appears in no candidate window.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .question import NUMBER, Concept, ParsedQuestion
from .records import Article, Span
from .text.normalize import fold_accents

if TYPE_CHECKING:
    from .engine import Engine, Hit

QUOTE_LIMIT = 300
MAX_CITATIONS = 3

MIN_COVERAGE = 0.45
"""Minimum idf-weighted share of the question the best window must cover (see README)."""
SECOND_CITATION_RATIO = 0.75
"""A further article is cited when its best window covers at least this share of the best's."""

TYPE_BONUS = 0.15
EXTRA_SENTENCE_PENALTY = 0.04
ANTECEDENT_BONUS = 0.1
"""A sentence opening on "Il …", "Le géant …", "L'entreprise …" is quoted with the one before
it, which names who "il" is (the answer to a "qui"/"quelle entreprise" question)."""
RETRIEVAL_WEIGHT = 0.1

_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_ANAPHOR = re.compile(
    r"^(?:Il|Elle|Ils|Elles|He|She|They|It|The (?:company|firm|group|giant)|"
    r"(?:Le|La|Les|L'|L’|Ce|Cet|Cette|Ces) ?(?:géant|groupe|firme|entreprise|société|start-?up|"
    r"fondeur|constructeur|fabricant|laboratoire|fonds|dirigeant|patron|milliardaire|chinois|"
    r"américain|français|premier|première))\b"
)
_BULLET_GAP = re.compile(r"\n[ \t]*(?:[-•*–—]|\d+[.)])[ \t]")
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-ZÀ-Ý][\w-]+")


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
    reason: str | None = None
    """Why it abstained: "empty", "unknown_name", "no_match", "weak"."""
    detail: str | None = None
    """For "unknown_name", the name the corpus never mentions."""
    coverage: float = 0.0


@dataclass(slots=True)
class Window:
    article_path: str
    sentences: tuple[Span, ...]
    matched: frozenset[str]
    """Surfaces of the concepts the window covers."""
    coverage: float
    score: float
    bm25: float
    terms: frozenset[str] = field(default_factory=frozenset)
    type_ok: bool = False
    """Whether the window holds the kind of answer asked for (a number, a date, a name)."""
    names_ok: bool = False
    """Whether every name of the question is in the window, its passage or its sub-heading."""


def compose(engine: Engine, question: ParsedQuestion, hits: list[Hit], lang: str) -> Answer:
    """Build the answer for ``question`` from ranked ``hits``."""
    base = {"question": question.text, "lang": lang}
    if not question.concepts:
        return Answer(**base, answered=False, reason="empty")
    for name in question.names:
        if not engine.knows_name(name) and not engine.parser.translations(name):
            return Answer(**base, answered=False, reason="unknown_name", detail=name)
    opening = question.opening_word
    if opening and not engine.knows_name(opening) and engine.analyzer.term(opening) not in (engine.index or ()):
        return Answer(**base, answered=False, reason="unknown_name", detail=opening)
    if not hits:
        return Answer(**base, answered=False, reason="no_match")

    weights = {c.surface: concept_weight(engine, c) for c in question.concepts}
    total = sum(weights.values())
    top_score = hits[0].score if hits[0].score > 0 else 1.0
    names = {fold_accents(name.lower()) for name in question.names if not _is_generic_acronym(name)}
    name_concepts = frozenset(i for i, c in enumerate(question.concepts) if fold_accents(c.surface.lower()) in names)
    best_by_article: dict[str, Window] = {}
    for hit in hits:
        for window in candidate_windows(engine, hit, question, weights, total, top_score, name_concepts):
            current = best_by_article.get(window.article_path)
            if current is None or window.score > current.score:
                best_by_article[window.article_path] = window
    ranked = sorted(best_by_article.values(), key=lambda w: (-w.score, w.article_path))
    if question.focus is not None:
        ranked = [w for w in ranked if question.focus.surface in w.matched]
    # A quote about the question's names, or none: "Combien d'employés a DeepSeek ?" must
    # not be answered with a sentence about OpenAI's employees.
    ranked = [w for w in ranked if w.names_ok]
    if not ranked or ranked[0].coverage < MIN_COVERAGE:
        coverage = ranked[0].coverage if ranked else 0.0
        return Answer(**base, answered=False, reason="weak", coverage=coverage)

    return Answer(
        **base,
        answered=True,
        citations=select_citations(engine, question, ranked),
        coverage=ranked[0].coverage,
    )


def concept_weight(engine: Engine, concept: Concept) -> float:
    """The weight of a concept: its most discriminating alternative present in the corpus."""
    present = [engine.weight(term) for term in concept.alternatives if engine.index and term in engine.index]
    return max(present) if present else engine.weight(concept.alternatives[0])


def candidate_windows(
    engine: Engine,
    hit: Hit,
    question: ParsedQuestion,
    weights: dict[str, float],
    total: float,
    top_score: float,
    name_concepts: frozenset[int] = frozenset(),
) -> list[Window]:
    """Score one- and two-sentence windows around the sentences of a retrieved passage.

    ``name_concepts`` are the indexes of the question's concepts that are names: each must
    be in the window, its passage or its sub-heading (``Window.names_ok``).
    """
    passage = engine.passages[hit.passage_index]
    path = passage.article_path
    sentences = engine.window_sentences(hit.passage_index)
    sentence_terms = [engine.sentence_terms(path, span) for span in sentences]
    concepts = question.concepts
    # Which concepts each sentence mentions, worked out once per sentence (not per window).
    # The sub-heading above the passage ("Satya Nadella") says what it is about: its
    # concepts count as covered. Names may also be stated a sentence or two before the quote.
    in_sentence = [
        frozenset(i for i, c in enumerate(concepts) if not terms.isdisjoint(c.alternatives))
        for terms in sentence_terms
    ]
    heading_terms = engine.heading_terms(hit.passage_index)
    in_heading = frozenset(i for i, c in enumerate(concepts) if not heading_terms.isdisjoint(c.alternatives))
    names_ok = name_concepts <= in_heading.union(*in_sentence)
    text_of = engine.articles[path].text
    retrieval_bonus = RETRIEVAL_WEIGHT * max(hit.score, 0.0) / top_score
    windows = []
    for first in range(len(sentences)):
        for size in (1, 2):
            last = first + size
            if last > len(sentences):
                continue
            if size == 2 and _BULLET_GAP.search(text_of, sentences[first].end, sentences[first + 1].start):
                continue  # two list items are two facts, and the quote would carry the bullet
            in_window = in_sentence[first].union(*in_sentence[first + 1 : last])
            if not in_window:
                continue  # a heading alone does not make its sentences an answer
            # In question order: a float sum in set order would differ with the hash seed.
            covered = dict.fromkeys(concepts[i].surface for i in sorted(in_window | in_heading))
            coverage = sum(weights[s] for s in covered) / total if total else 0.0
            matched = frozenset(covered)
            text = text_of[sentences[first].start : sentences[last - 1].end]
            bonus = type_bonus(question, text)
            second = sentences[first + 1] if size == 2 else None
            antecedent = second is not None and bool(_ANAPHOR.match(text_of[second.start : second.end]))
            score = (
                coverage
                + bonus
                + ANTECEDENT_BONUS * antecedent
                - EXTRA_SENTENCE_PENALTY * (size - 1)
                + retrieval_bonus
            )
            windows.append(
                Window(
                    path,
                    tuple(sentences[first:last]),
                    matched,
                    coverage,
                    score,
                    hit.score,
                    frozenset().union(*sentence_terms[first:last]),
                    type_ok=bonus > 0,
                    names_ok=names_ok,
                )
            )
    return windows


def _is_generic_acronym(name: str) -> bool:
    """"IA", "AI", "PDG", "CEO": all-caps words of up to three letters name a topic or a
    title, not the subject of the question, so quotes need not repeat them."""
    return name.isupper() and name.isalpha() and len(name) <= 3


def type_bonus(question: ParsedQuestion, text: str) -> float:
    """Reward windows holding the kind of answer the interrogative asks for."""
    if question.answer_type == "number":
        numbers = set(NUMBER.findall(text)) - question.numbers
        return TYPE_BONUS if numbers else 0.0
    if question.answer_type == "date":
        return TYPE_BONUS if _YEAR.search(text) else 0.0
    if question.answer_type == "entity":
        mentioned = {name.lower() for name in question.names}
        names = {m.group().lower() for m in _CAPITALISED.finditer(text)} - mentioned
        return TYPE_BONUS if names else 0.0
    return 0.0


def select_citations(engine: Engine, question: ParsedQuestion, ranked: list[Window]) -> tuple[Citation, ...]:
    """The best window, plus other articles: as quotes when they add something, else as
    "also reported by" when they repeat a cited fact."""
    best = ranked[0]
    question_terms = set(question.query_terms())
    chosen: list[Window] = [best]
    also: dict[int, list[str]] = {0: []}
    for window in ranked[1:]:
        if window.coverage < max(MIN_COVERAGE, SECOND_CITATION_RATIO * best.coverage):
            continue
        if question.answer_type and not window.type_ok:
            continue  # a further citation must hold the kind of answer asked for
        same = next(
            (i for i, cited in enumerate(chosen) if same_fact(cited, window, question_terms)),
            None,
        )
        if same is not None:
            also[same].append(window.article_path)
        elif len(chosen) < MAX_CITATIONS:
            also[len(chosen)] = []
            chosen.append(window)
    return tuple(
        Citation(
            article=engine.articles[window.article_path],
            quote=make_quote(engine.articles[window.article_path].text, window.sentences, question, engine),
            score=round(window.bm25, 4),
            also=tuple(engine.articles[path] for path in also[i]),
        )
        for i, window in enumerate(chosen)
    )


def same_fact(first: Window, second: Window, question_terms: set[str]) -> bool:
    """Whether two windows state the same thing: they share a number the question did not
    contain, or most of their answer-bearing words."""
    a = first.terms - question_terms
    b = second.terms - question_terms
    if {t for t in a & b if NUMBER.fullmatch(t)}:
        return True
    smaller = min(len(a), len(b))
    return smaller > 0 and len(a & b) / smaller >= 0.5


_CLAUSE_END = re.compile(r"[,;:—–]\s+|\s+[—–]\s+")


def make_quote(text: str, sentences: tuple[Span, ...], question: ParsedQuestion, engine: Engine) -> str:
    """The window's text, verbatim; if longer than QUOTE_LIMIT, the run of clauses that
    covers the most question words (the longest such run), with "…" where it was cut."""
    start, end = sentences[0].start, sentences[-1].end
    if end - start <= QUOTE_LIMIT:
        return text[start:end]
    cuts = [start] + [m.end() for m in _CLAUSE_END.finditer(text, start, end)]
    for span in sentences[1:]:
        cuts.append(span.start)
    cuts = sorted(set(cuts)) + [end]
    alternatives = {term for concept in question.concepts for term in concept.alternatives}
    # Cuts fall between words, so a run's terms are the union of its clauses' terms: each
    # clause is analysed once, not once for every run it belongs to.
    clause_terms = [frozenset(engine.analyzer.terms(text[a:b])) & alternatives for a, b in zip(cuts, cuts[1:])]
    best: tuple[float, int, int] | None = None
    for i in range(len(cuts) - 1):
        covered: set[str] = set()
        for j in range(i + 1, len(cuts)):
            if cuts[j] - cuts[i] > QUOTE_LIMIT:
                break
            piece = text[cuts[i] : cuts[j]]
            covered |= clause_terms[j - 1]
            gain = len(covered) + type_bonus(question, piece)
            # Most question words first; then the longest piece, to keep context.
            if best is None or (gain, cuts[j] - cuts[i]) > (best[0], best[2] - best[1]):
                best = (gain, cuts[i], cuts[j])
    if best is None:
        return _cut_words(text[start:end])
    _, qs, qe = best
    piece = text[qs:qe].strip().rstrip(",;:—–").rstrip()
    starts_sentence = any(span.start == qs for span in sentences)
    ends_sentence = piece.endswith((".", "!", "?", "…", "»", "\"", "”"))
    return ("" if starts_sentence else "…") + piece + ("" if qe >= end or ends_sentence else "…")


def _cut_words(text: str) -> str:
    cut = text[: QUOTE_LIMIT - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(",;:") + "…"
