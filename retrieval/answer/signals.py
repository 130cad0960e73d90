"""The kinds of answer a text holds (numbers, dates, names), as the answerer asks of it:
"combien" wants a number the question does not state, "quand" a date, "qui" a name it does
not mention."""

from __future__ import annotations

import re

from ..text.normalize import fold_accents
from .question import NUMBER, ParsedQuestion

_YEAR = re.compile(r"\b(1[0-9]\d\d|20\d\d)\b")
_DATE_WORDS = re.compile(
    r"\b(?:janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre|"
    r"january|february|march|april|june|july|august|september|october|november|december|"
    r"siecle|century|\d{1,4})\b",
    re.I,
)
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-ZÀ-Ý][\w-]+")


class AnswerSignals:
    """The numbers, dates and names of one piece of text, each read the first time it is
    asked for: a question asks for one kind, and a sentence kept in the engine's cache is
    asked again by later questions (of any kind)."""

    __slots__ = ("_capitalised", "_dated", "_numbers", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._numbers: frozenset[str] | None = None
        self._dated: bool | None = None
        self._capitalised: frozenset[str] | None = None

    @property
    def numbers(self) -> frozenset[str]:
        """Numbers as written ("5,6", "2025")."""
        if self._numbers is None:
            self._numbers = frozenset(NUMBER.findall(self.text))
        return self._numbers

    @property
    def dated(self) -> bool:
        """A year, a month, a century or a number of up to four digits is written."""
        if self._dated is None:
            self._dated = bool(_YEAR.search(self.text)) or bool(_DATE_WORDS.search(fold_accents(self.text)))
        return self._dated

    @property
    def capitalised(self) -> frozenset[str]:
        """Capitalised words not opening a sentence (names), lowercased."""
        if self._capitalised is None:
            self._capitalised = frozenset(m.group().lower() for m in _CAPITALISED.finditer(self.text))
        return self._capitalised


def holds_answer_type(parsed: ParsedQuestion, signals: AnswerSignals) -> bool:
    """Whether a text with these ``signals`` holds the kind of answer the interrogative
    asks for: a number the question does not state, a date, a name it does not mention."""
    if parsed.answer_type == "number":
        return bool(signals.numbers - parsed.numbers)
    if parsed.answer_type == "date":
        return signals.dated
    if parsed.answer_type == "entity":
        return bool(signals.capitalised - {name.lower() for name in parsed.names})
    return False


def answer_type_present(parsed: ParsedQuestion, text: str) -> bool:
    """Whether ``text`` holds the kind of answer the interrogative asks for."""
    return parsed.answer_type is not None and holds_answer_type(parsed, AnswerSignals(text))
