"""Follow-ups end to end: a reply to one of the bot's answers is asked in the context of
the question that answer answered ("Et combien a-t-elle levé ?" after a question about
Zorblax is about Zorblax), for a few minutes; the questions kept are bounded and expire."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.discord.followups import FollowUps
from bot.service import NewsService
from tests.bot.discord.test_buttons import discord_world, newsbot
from tests.bot.discord.test_discord_e2e import CHANNEL_ID, MEMBER, ROOT, make_settings, quoted_lines
from tests.fakediscord import FakeDiscord, SentMessage

ZORBLAX = """---
title: La start-up Zorblax lève des fonds pour ses robots agricoles
published: 2025-02-10
---
La start-up Zorblax fabrique des robots qui désherbent les champs de betteraves sans pesticides.
Fondée à Amiens en 2021, Zorblax a levé 12 millions d'euros auprès de fonds européens en février.
Ses robots sont déjà utilisés par trente exploitations de la Somme.
"""

QUIBBLY = """---
title: Quibbly, la plateforme de covoiturage qui séduit les investisseurs
published: 2025-02-11
---
La société Quibbly exploite une plateforme de covoiturage entre villes moyennes.
Quibbly a levé 40 millions de dollars lors d'un tour de table mené par un fonds américain.
"""

FOLLOW_UP = "Et combien a-t-elle levé ?"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    shutil.copytree(ROOT / "seeds", folder)
    (folder / "zorblax.txt").write_text(ZORBLAX, encoding="utf-8")
    (folder / "quibbly.txt").write_text(QUIBBLY, encoding="utf-8")
    return folder


@asynccontextmanager
async def world(tmp_path: Path, corpus: Path, **settings: object) -> AsyncIterator[tuple[FakeDiscord, NewsService]]:
    options: dict[str, object] = {"cooldown_questions": 20, **settings}
    async with discord_world() as fake, newsbot(make_settings(tmp_path, corpus, **options)) as service:
        yield fake, service


async def say(fake: FakeDiscord, content: str, reply_to: int | None = None) -> SentMessage:
    """MEMBER posts ``content`` (a mention, or a reply to the bot with the ping on, as
    Discord's default reply is); the bot's answer."""
    start = len(fake.sent_messages(CHANNEL_ID))
    await fake.send_message_create(channel_id=CHANNEL_ID, author=MEMBER, content=content, reply_to=reply_to)
    return await fake.wait_for_message(CHANNEL_ID, start=start)


def quotes(answer: SentMessage) -> str:
    return "\n".join(quoted_lines(answer.text))


async def test_a_reply_to_an_answer_is_asked_about_what_that_answer_was_about(tmp_path: Path, corpus: Path) -> None:
    async with world(tmp_path, corpus) as (fake, _):
        mention = f"<@{fake.bot_user.id}>"
        about_quibbly = await say(fake, f"{mention} Que fait la société Quibbly ?")
        about_zorblax = await say(fake, f"{mention} Que fabrique la start-up Zorblax ?")
        quibbly_raised = await say(fake, FOLLOW_UP, reply_to=about_quibbly.id)
        zorblax_raised = await say(fake, FOLLOW_UP, reply_to=about_zorblax.id)
        # A follow-up of a follow-up keeps the subject.
        again = await say(fake, "Et auprès de qui ?", reply_to=zorblax_raised.id)
    assert "40 millions" in quotes(quibbly_raised) and "Zorblax" not in quotes(quibbly_raised)
    assert "12 millions" in quotes(zorblax_raised) and "Quibbly" not in quotes(zorblax_raised)
    assert "fonds européens" in quotes(again)
    assert quibbly_raised.reference_id is not None  # still a reply to the asker


async def test_a_follow_up_naming_something_else_changes_the_subject(tmp_path: Path, corpus: Path) -> None:
    async with world(tmp_path, corpus) as (fake, _):
        first = await say(fake, f"<@{fake.bot_user.id}> Que fabrique la start-up Zorblax ?")
        other = await say(fake, "Et combien Quibbly a-t-elle levé ?", reply_to=first.id)
    assert "40 millions" in quotes(other) and "Zorblax" not in quotes(other)


async def test_a_reply_to_an_ask_answer_is_a_follow_up_too(tmp_path: Path, corpus: Path) -> None:
    async with world(tmp_path, corpus) as (fake, _):
        record = await fake.send_interaction(
            user=MEMBER, channel_id=CHANNEL_ID, name="ask", options={"question": "Que fait la société Quibbly ?"}
        )
        answer = await fake.wait_for_followup(record.id)
        raised = await say(fake, FOLLOW_UP, reply_to=answer.id)
    assert "40 millions" in quotes(raised)


async def test_after_the_window_a_reply_is_a_new_question(tmp_path: Path, corpus: Path) -> None:
    # A window shorter than any round trip: the answer's context is gone when the reply comes.
    async with world(tmp_path, corpus, follow_up_seconds=1e-6) as (fake, service):
        fresh = await service.ask(FOLLOW_UP)
        in_context = await service.ask(FOLLOW_UP, previous="Que fait la société Quibbly ?")
        about_quibbly = await say(fake, f"<@{fake.bot_user.id}> Que fait la société Quibbly ?")
        late = await say(fake, FOLLOW_UP, reply_to=about_quibbly.id)
    assert fresh.citations[0].quote != in_context.citations[0].quote  # the context would show
    assert quoted_lines(late.text)[0] == fresh.citations[0].quote.split("\n")[0]


def test_the_questions_kept_are_bounded_and_expire() -> None:
    now = [0.0]
    follow_ups = FollowUps(seconds=300, kept=3, clock=lambda: now[0])
    for answer_id in range(1, 6):
        follow_ups.remember(answer_id, f"question {answer_id}")
    assert len(follow_ups) == 3 and follow_ups.question_of(1) is None  # the oldest went first
    assert follow_ups.question_of(5) == "question 5"
    now[0] = 299.0
    follow_ups.remember(6, "question 6")
    now[0] = 301.0
    assert follow_ups.question_of(5) is None and follow_ups.question_of(6) == "question 6"
    follow_ups.remember(7, "question 7")
    assert len(follow_ups) == 2  # the expired ones are dropped as new ones come
