"""Score answers against a gold file of questions (the ``tests/data/*.jsonl`` format).

Each gold line is ``{"id", "q", "sources": [file names], "answer_any": [strings]}`` or
``{"id", "q", "answerable": false}``. Answers are the objects ``newsbot ask --json`` prints,
so the same code scores the CLI in tests and in ``benchmarks/eval_quality.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .text.normalize import fold_for_matching


def load_gold(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _norm(text: str) -> str:
    """Case-, accent- and apostrophe-insensitive form for "the quote contains X"."""
    return fold_for_matching(text)


def contains_answer(quote: str, answers: Sequence[str]) -> bool:
    """Whether ``quote`` holds one of the gold ``answers`` (case-, accent-insensitive)."""
    text = _norm(quote)
    return any(_norm(answer) in text for answer in answers)


@dataclass
class Scores:
    answerable: int = 0
    unanswerable: int = 0
    hit_at_1: int = 0
    answer_at_1: int = 0
    answer_at_3: int = 0
    abstained_correctly: int = 0
    abstained_wrongly: int = 0
    without_answer_text: int = 0
    """Answerable questions whose gold line names no answer string (SQuAD has them): no quote
    can count as holding the answer, so "quote holds answer" is capped below 100 %."""
    misses: list[str] = field(default_factory=list)
    """Ids of questions that failed any measure, for reading the failures."""

    def rates(self) -> str:
        """The shares the benchmarks print: right article, quote holds the answer (at rank 1
        and within three), false and correct "I don't know"."""
        n = max(self.answerable, 1)
        text = (
            f"right article {self.hit_at_1 / n:6.1%}  quote holds answer {self.answer_at_1 / n:6.1%}"
            f" (within 3: {self.answer_at_3 / n:6.1%})  false IDK {self.abstained_wrongly / n:6.1%}"
        )
        if self.unanswerable:
            text += f"  correct IDK {self.abstained_correctly / self.unanswerable:6.1%}"
        if self.without_answer_text:
            ceiling = (self.answerable - self.without_answer_text) / n
            text += f"  (quote can hold the answer for at most {ceiling:.1%}: {self.without_answer_text} have no answer text)"
        return text

    def summary(self) -> str:
        return (
            f"hit@1 {self.hit_at_1}/{self.answerable}  answer@1 {self.answer_at_1}/{self.answerable}  "
            f"answer@3 {self.answer_at_3}/{self.answerable}  abstentions {self.abstained_correctly}/"
            f"{self.unanswerable}  false don't-knows {self.abstained_wrongly}"
        )


def score(gold: Sequence[Mapping[str, Any]], answers: Iterable[Mapping[str, Any]]) -> Scores:
    """Compare answers (in gold order) with the gold lines."""
    scores = Scores()
    for row, answer in zip(gold, answers, strict=True):
        citations = answer.get("citations") or []
        if row.get("answerable", True):
            scores.answerable += 1
            scores.without_answer_text += not row["answer_any"]
            files = [Path(c["path"]).name for c in citations]
            contains = [contains_answer(c["quote"], row["answer_any"]) for c in citations]
            hit1 = bool(files) and files[0] in row["sources"]
            answer1 = bool(contains) and contains[0]
            scores.hit_at_1 += hit1
            scores.answer_at_1 += answer1
            scores.answer_at_3 += any(contains[:3])
            scores.abstained_wrongly += not answer["answered"]
            if not (hit1 and answer1 and answer["answered"]):
                scores.misses.append(row["id"])
        else:
            scores.unanswerable += 1
            scores.abstained_correctly += not answer["answered"]
            if answer["answered"]:
                scores.misses.append(row["id"])
    return scores
