"""Answers posted on Discord and the 👍/👎 votes on them.

Why the answers are stored: the buttons under an answer must keep working after a restart,
and "more sources" must show the citations the message left out, so each answer's
citations are kept under the random key its buttons carry. Votes are stored per answer and
voter, so a second click changes the vote instead of counting twice; the voter is kept
only as a salted hash of (answer, user id), never the id itself.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .codecs import canonical
from .connection import StoreConnection


class VoteOutcome(StrEnum):
    """What a click on 👍/👎 did."""

    RECORDED = "recorded"
    """A first vote of this user on this answer."""
    CHANGED = "changed"
    """The user's vote on this answer now says the other thing."""
    UNCHANGED = "unchanged"
    """The user had already voted the same way."""
    UNKNOWN_ANSWER = "unknown_answer"
    """No stored answer has this key (it could not be stored, or was deleted)."""


@dataclass(frozen=True)
class StoredAnswer:
    key: int
    lang: str
    question: str | None
    citations: list[dict[str, Any]]
    """As given to :meth:`FeedbackStore.remember_answer`, best first."""
    shown: int


@dataclass(frozen=True)
class FeedbackStats:
    """Votes on every stored answer: ``helpful`` of ``votes`` were 👍; ``most_down_voted``
    lists up to 5 ``(question, 👎 count)``, most down-voted first."""

    votes: int = 0
    helpful: int = 0
    most_down_voted: list[tuple[str, int]] = field(default_factory=list)


class FeedbackStore(StoreConnection):
    async def remember_answer(
        self, key: int, *, asked_at: str, question: str | None, lang: str, citations: list[dict[str, Any]], shown: int
    ) -> None:
        async with self._write() as conn:
            await conn.execute(
                "INSERT INTO answers (id, asked_at, question, lang, citations, shown) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    key,
                    canonical(asked_at, "asked_at"),
                    question,
                    lang,
                    json.dumps(citations, ensure_ascii=False),
                    shown,
                ),
            )

    async def purge_answers(self, older_than: str) -> int:
        """Forget answers given strictly before ``older_than`` and their votes (their
        buttons then say the answer is no longer available); return how many went."""
        cutoff = canonical(older_than, "older_than")
        async with self._write() as conn:
            cursor = await conn.execute("DELETE FROM answers WHERE asked_at < ?", (cutoff,))
            return cursor.rowcount

    async def stored_answer(self, key: int) -> StoredAnswer | None:
        async with self._read() as conn:
            rows = list(
                await conn.execute_fetchall("SELECT lang, question, citations, shown FROM answers WHERE id = ?", (key,))
            )
        if not rows:
            return None
        lang, question, citations, shown = rows[0]
        return StoredAnswer(key, str(lang), question, list(json.loads(citations)), int(shown))

    async def vote(self, key: int, user_id: int, helpful: bool, *, voted_at: str) -> VoteOutcome:
        """Record ``user_id``'s vote on answer ``key``, replacing their earlier one."""
        async with self._write() as conn:
            ((salt_hex,),) = await conn.execute_fetchall("SELECT value FROM meta WHERE key = 'vote_salt'")
            voter = voter_hash(bytes.fromhex(str(salt_hex)), key, user_id)
            if not list(await conn.execute_fetchall("SELECT 1 FROM answers WHERE id = ?", (key,))):
                return VoteOutcome.UNKNOWN_ANSWER
            before = list(
                await conn.execute_fetchall(
                    "SELECT helpful FROM answer_votes WHERE answer_id = ? AND voter = ?", (key, voter)
                )
            )
            await conn.execute(
                """
                INSERT INTO answer_votes (answer_id, voter, helpful, voted_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (answer_id, voter) DO UPDATE SET helpful = excluded.helpful, voted_at = excluded.voted_at
                """,
                (key, voter, int(helpful), canonical(voted_at, "voted_at")),
            )
        if not before:
            return VoteOutcome.RECORDED
        return VoteOutcome.UNCHANGED if bool(before[0][0]) == helpful else VoteOutcome.CHANGED

    async def feedback_stats(self) -> FeedbackStats:
        async with self._read() as conn:
            ((votes, helpful),) = await conn.execute_fetchall(
                "SELECT COUNT(*), COALESCE(SUM(helpful), 0) FROM answer_votes"
            )
            # Grouped like the unanswered questions: case- and accent-insensitively.
            worst = await conn.execute_fetchall(
                """
                SELECT trim(a.question), COUNT(*) AS downs, MAX(v.voted_at) AS latest
                FROM answer_votes v JOIN answers a ON a.id = v.answer_id
                WHERE v.helpful = 0 AND a.question IS NOT NULL
                GROUP BY newsbot_fold(a.question)
                ORDER BY downs DESC, latest DESC
                LIMIT 5
                """
            )
        return FeedbackStats(int(votes), int(helpful), [(str(q), int(n)) for q, n, _ in worst])


def voter_hash(salt: bytes, key: int, user_id: int) -> str:
    """Who voted, as only this database can tell it (and only for this one answer)."""
    return hmac.new(salt, f"{key}:{user_id}".encode(), hashlib.sha256).hexdigest()
