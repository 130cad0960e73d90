"""The templated answer composer: the stages from a parsed question to cited quotes.

parse (:mod:`.question`) → retrieve (the caller's BM25 hits) → candidates
(:mod:`.candidates`) → features (:mod:`.features`) → rank and decide (:mod:`.decision`,
fitted weights) → quotes (:mod:`.quotes`) and citations (here). No text is generated: every
quote is a verbatim slice of an article.
"""

from __future__ import annotations

import math
from collections import Counter

from .candidates import Hit, iter_passage_windows
from .decision import decide
from .features import LocalWeights, QuestionContext, passage_candidates
from .model import AnswerModels, shipped_models
from .question import NUMBER, ParsedQuestion
from .quotes import make_quote
from .records import AbstainReason, Answer, Candidate, Citation
from .view import CorpusView

MAX_CITATIONS = 3


def gather_candidates(view: CorpusView, context: QuestionContext, hits: list[Hit]) -> list[Candidate]:
    """Every candidate window of the retrieved passages, with its features."""
    if not hits:
        return []
    top_score = hits[0].score if hits[0].score > 0 else 1.0
    articles = [view.passages[h.passage_index].article_path for h in hits]
    counts = Counter(articles)
    groups = list(iter_passage_windows(view, hits))
    local = LocalWeights.build(view, context, groups)
    candidates: list[Candidate] = []
    for group in groups:
        path = articles[group.rank]
        share = counts[path] / len(hits)
        candidates += passage_candidates(view, context, group, top_score, path == articles[0], share, local)
    return candidates


def compose(
    view: CorpusView,
    context: QuestionContext,
    hits: list[Hit],
    lang: str,
    models: AnswerModels | None = None,
) -> Answer:
    """Build the answer for the question of ``context`` from ranked ``hits``."""
    question = context.parsed
    if not context.concepts:
        return Answer(question.text, lang, answered=False, reason=AbstainReason.EMPTY)
    models = models or shipped_models()
    decision = decide(models, context, gather_candidates(view, context, hits), retrieved=bool(hits))
    confidence = 1.0 / (1.0 + math.exp(-decision.confidence))
    if not decision.answer:
        return Answer(question.text, lang, False, reason=decision.reason, detail=decision.detail, confidence=confidence)
    citations = select_citations(view, question, decision.ranked, models.cite_margin)
    return Answer(question.text, lang, True, citations, confidence=confidence)


def select_citations(
    view: CorpusView, question: ParsedQuestion, ranked: list[Candidate], margin: float
) -> tuple[Citation, ...]:
    """The best candidate, plus other articles close to it: as quotes when they add
    something, else as "also reported by" when they repeat a cited fact."""
    best = ranked[0]
    question_terms = set(question.query_terms())
    chosen: list[Candidate] = [best]
    also: dict[int, list[str]] = {0: []}
    for candidate in ranked[1:]:
        if candidate.score < best.score - margin:
            break
        if question.answer_type and not candidate.type_ok:
            continue  # a further citation must hold the kind of answer asked for
        same = next((i for i, cited in enumerate(chosen) if same_fact(cited, candidate, question_terms)), None)
        if same is not None:
            also[same].append(candidate.article_path)
        elif len(chosen) < MAX_CITATIONS:
            also[len(chosen)] = []
            chosen.append(candidate)
    return tuple(
        Citation(
            article=view.articles[c.article_path],
            quote=candidate_quote(view, c, question),
            score=round(c.bm25, 4),
            also=tuple(view.articles[path] for path in also[i]),
        )
        for i, c in enumerate(chosen)
    )


def candidate_quote(view: CorpusView, candidate: Candidate, question: ParsedQuestion) -> str:
    """The quote a citation of ``candidate`` shows (the fitting script labels candidates by
    this same quote)."""
    language = view.article_language(candidate.article_path)
    return make_quote(
        view.articles[candidate.article_path].text,
        candidate.sentences,
        question,
        lambda text: view.terms(text, language),
        candidate.around,
    )


def same_fact(first: Candidate, second: Candidate, question_terms: set[str]) -> bool:
    """Whether two candidates state the same thing: they share a number the question did not
    contain, or most of their answer-bearing words."""
    a = first.terms - question_terms
    b = second.terms - question_terms
    if {t for t in a & b if NUMBER.fullmatch(t)}:
        return True
    smaller = min(len(a), len(b))
    return smaller > 0 and len(a & b) / smaller >= 0.5
