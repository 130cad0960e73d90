"""Per-user question rate limit shared by mentions and /ask.

A sliding window: at most ``limit`` questions in any ``per`` seconds per user. It is kept in
memory (a restart forgets it, which is harmless) and never stores anything about the user.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class Cooldown:
    def __init__(self, limit: int, per: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.per = per
        self._clock = clock
        self._history: dict[int, deque[float]] = {}

    def retry_after(self, user_id: int) -> float:
        """Seconds before ``user_id`` may ask again, or 0.0 (and the question is counted)."""
        now = self._clock()
        history = self._history.setdefault(user_id, deque())
        while history and now - history[0] >= self.per:
            history.popleft()
        if len(history) >= self.limit:
            return self.per - (now - history[0])
        history.append(now)
        if len(self._history) > 10_000:  # forget idle users so memory stays bounded
            self._history = {uid: h for uid, h in self._history.items() if h and now - h[-1] < self.per}
        return 0.0
