"""Follow-ups: a reply to one of the bot's answers is asked in the context of the question
that answer answered, for a few minutes.

Only the question is kept, under the answer message's id, never who asked; at most
``FOLLOW_UPS_KEPT`` of them (the oldest go first) and each for ``NEWSBOT_FOLLOW_UP_SECONDS``
from its answer: memory stays bounded however busy the servers, and a reply to an answer
from an hour ago is a new question. A restart forgets them (a reply then is a new question).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

FOLLOW_UPS_KEPT = 2000
"""Answers whose question is remembered at once; about 1 KB each at most."""


class FollowUps:
    """Answer message id → the question it answered, bounded and expiring."""

    def __init__(
        self, seconds: float, kept: int = FOLLOW_UPS_KEPT, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds = seconds
        self.kept = kept
        self._clock = clock
        self._questions: OrderedDict[int, tuple[float, str]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._questions)

    def remember(self, answer_id: int, question: str) -> None:
        """``answer_id`` (the bot's message) answered ``question``, as of now."""
        self._drop_expired()
        self._questions[answer_id] = (self._clock() + self.seconds, question)
        self._questions.move_to_end(answer_id)
        while len(self._questions) > self.kept:
            self._questions.popitem(last=False)

    def question_of(self, answer_id: int | None) -> str | None:
        """The question ``answer_id`` answered, while a reply to it is still a follow-up."""
        if answer_id is None:
            return None
        entry = self._questions.get(answer_id)
        if entry is None or entry[0] <= self._clock():
            return None
        return entry[1]

    def _drop_expired(self) -> None:
        # Kept in insertion order with one lifetime, so expired ones are at the front.
        now = self._clock()
        while self._questions:
            first = next(iter(self._questions.values()))
            if first[0] > now:
                break
            self._questions.popitem(last=False)
