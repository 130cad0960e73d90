"""Tests for bot.store.feedback: votes on answers, one per voter and answer."""

from __future__ import annotations

from bot.store import Store, VoteOutcome, utc_timestamp

CITATION = {"path": "seeds/a.txt", "title": "A", "source": None, "url": None, "published": None, "quote": "q"}


async def remember(store: Store, key: int, question: str | None) -> None:
    await store.remember_answer(
        key, asked_at=utc_timestamp(), question=question, lang="fr", citations=[CITATION, CITATION], shown=1
    )


async def test_a_vote_on_an_answer_never_stored_says_so_and_counts_nothing(store: Store) -> None:
    assert await store.vote(42, 7, True, voted_at=utc_timestamp()) is VoteOutcome.UNKNOWN_ANSWER
    assert (await store.feedback_stats()).votes == 0


async def test_the_same_user_is_one_voter_per_answer_but_not_the_same_hash_across_answers(store: Store) -> None:
    await remember(store, 1, "Qui ?")
    await remember(store, 2, "qui ?")
    assert await store.vote(1, 7, False, voted_at=utc_timestamp()) is VoteOutcome.RECORDED
    assert await store.vote(1, 7, False, voted_at=utc_timestamp()) is VoteOutcome.UNCHANGED
    assert await store.vote(2, 7, False, voted_at=utc_timestamp()) is VoteOutcome.RECORDED
    assert await store.vote(2, 8, True, voted_at=utc_timestamp()) is VoteOutcome.RECORDED
    stats = await store.feedback_stats()
    assert (stats.votes, stats.helpful) == (3, 1)
    # The same question asked twice (case aside) is one line of the most down-voted.
    assert [count for _, count in stats.most_down_voted] == [2]
    async with store._read() as conn:
        voters = [row[0] for row in await conn.execute_fetchall("SELECT voter FROM answer_votes")]
    assert len(set(voters)) == 3  # user 7 cannot be followed from answer 1 to answer 2


async def test_an_answer_kept_without_its_question_still_counts_its_votes(store: Store) -> None:
    await remember(store, 3, None)  # NEWSBOT_LOG_QUESTIONS off
    await store.vote(3, 7, False, voted_at=utc_timestamp())
    stats = await store.feedback_stats()
    assert stats.votes == 1 and stats.most_down_voted == []
    stored = await store.stored_answer(3)
    assert stored is not None and stored.shown == 1 and len(stored.citations) == 2


async def test_purging_old_answers_takes_their_votes_with_them(store: Store) -> None:
    await remember(store, 4, "Quand ?")
    await store.vote(4, 7, True, voted_at=utc_timestamp())
    assert await store.purge_answers("2999-01-01T00:00:00.000000+00:00") == 1
    assert (await store.feedback_stats()).votes == 0
    assert await store.vote(4, 7, False, voted_at=utc_timestamp()) is VoteOutcome.UNKNOWN_ANSWER
