"""Answering: from a question and ranked passages to verbatim, cited quotes, or "I don't know"."""

from .candidates import Hit
from .compose import MAX_CITATIONS, compose
from .features import CANDIDATE_FEATURES, QUESTION_FEATURES, QuestionContext
from .model import AnswerModels, LinearModel, shipped_models
from .question import ParsedQuestion, QuestionParser, detect_language
from .quotes import QUOTE_LIMIT
from .records import AbstainReason, Answer, Candidate, Citation
from .view import CorpusView

__all__ = [
    "MAX_CITATIONS",
    "QUOTE_LIMIT",
    "CANDIDATE_FEATURES",
    "QUESTION_FEATURES",
    "AbstainReason",
    "Answer",
    "AnswerModels",
    "Candidate",
    "Citation",
    "CorpusView",
    "Hit",
    "LinearModel",
    "ParsedQuestion",
    "QuestionContext",
    "QuestionParser",
    "compose",
    "detect_language",
    "shipped_models",
]
