"""Answering: from a question and ranked passages to verbatim, cited quotes, or "I don't know"."""

from ..text.language import detect_language
from .candidates import Hit
from .compose import MAX_CITATIONS, compose
from .features import CANDIDATE_FEATURES, QUESTION_FEATURES, QUOTE_LIMIT, QuestionContext
from .model import AnswerModels, LinearModel, shipped_models
from .question import ParsedQuestion, QuestionParser
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
