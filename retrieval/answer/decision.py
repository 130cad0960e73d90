"""Rank the candidates and decide between answering and "I don't know"."""

from __future__ import annotations

from dataclasses import dataclass

from .features import QuestionContext, question_features
from .model import AnswerModels
from .records import AbstainReason, Candidate


@dataclass(frozen=True, slots=True)
class Decision:
    ranked: list[Candidate]
    """Best candidate per article, best article first."""
    confidence: float
    """The decider's log-odds that the corpus answers the question."""
    answer: bool
    reason: AbstainReason | None = None
    detail: str | None = None


def rank(models: AnswerModels, candidates: list[Candidate]) -> list[Candidate]:
    """The best-scored candidate of each article, best first (ties by path, for stable output)."""
    best: dict[str, Candidate] = {}
    for candidate, score in zip(candidates, models.ranker.scores([c.features for c in candidates]), strict=True):
        candidate.score = score
        current = best.get(candidate.article_path)
        if current is None or candidate.score > current.score:
            best[candidate.article_path] = candidate
    return sorted(best.values(), key=lambda c: (-c.score, c.article_path))


def decide(models: AnswerModels, context: QuestionContext, candidates: list[Candidate], retrieved: bool) -> Decision:
    """``retrieved``: whether any passage matched at all (else the reason is ``NO_MATCH``)."""
    ranked = rank(models, candidates)
    confidence = models.decider.score(question_features(context, ranked))
    if context.unknown_opening and not context.known_names:
        # "Zorblax prévoit-il d'investir ?": the corpus never mentions the subject. A rule,
        # not a feature: on the shared sets it declines nearly only unanswerable questions
        # (README, "How answers are made"), too few for the decider to weigh it so.
        return Decision(ranked, confidence, False, AbstainReason.UNKNOWN_NAME, context.parsed.opening_word)
    if ranked and confidence >= models.threshold:
        return Decision(ranked, confidence, answer=True)
    unknown = context.unknown_names or ((context.parsed.opening_word,) if context.unknown_opening else ())
    if unknown and unknown[0]:
        return Decision(ranked, confidence, False, AbstainReason.UNKNOWN_NAME, unknown[0])
    return Decision(ranked, confidence, False, AbstainReason.WEAK if retrieved else AbstainReason.NO_MATCH)
