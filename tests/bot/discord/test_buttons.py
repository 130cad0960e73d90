"""The buttons under an answer, end to end: 👍/👎 feedback (one vote per person, changeable,
shown in /stats, no user id stored) and "more sources", still working after a restart of the
bot against the same database."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.config import Settings
from bot.discord.client import NewsBot
from bot.service import NewsService
from tests.bot.discord.test_discord_e2e import (
    CHANNEL_ID,
    COST_QUESTION,
    JOURNALIST,
    MEMBER,
    MOD,
    NO_EMBED_CHANNEL_ID,
    ROOT,
    TOKEN,
    build_guild,
    button_ids,
    make_settings,
    quoted_lines,
)
from tests.fakediscord import FakeDiscord, FakeUser, SentMessage, patched_endpoints, run_bot

ORIGIN_QUESTION = "Quelle valeur boursière Nvidia a-t-elle perdue ?"  # two articles report it in the seeds


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    shutil.copytree(ROOT / "seeds", folder)
    return folder


@asynccontextmanager
async def discord_world() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(token=TOKEN, guilds=[build_guild()]) as fake:
        with patched_endpoints(fake):
            yield fake


@asynccontextmanager
async def newsbot(settings: Settings) -> AsyncIterator[NewsService]:
    """One run of the bot: its own service and client on the settings' database."""
    async with await NewsService.open(settings) as service:
        async with run_bot(NewsBot(settings, service, guild_ready_timeout=0.05), TOKEN):
            yield service


async def ask(fake: FakeDiscord, question: str, channel_id: int = CHANNEL_ID) -> SentMessage:
    await fake.send_message_create(channel_id=channel_id, author=MEMBER, content=f"<@{fake.bot_user.id}> {question}")
    return await fake.wait_for_message(channel_id)


def button(answer: SentMessage, prefix: str) -> str:
    [custom_id] = [i for i in button_ids(answer.message) if i.startswith(prefix)]
    return custom_id


def thumbs(answer: SentMessage) -> tuple[str, str]:
    """The 👍 and 👎 buttons' custom ids."""
    by_emoji = {
        (c.get("emoji") or {}).get("name"): str(c["custom_id"])
        for row in answer.message["components"]
        for c in row["components"]
    }
    return by_emoji["👍"], by_emoji["👎"]


async def press(fake: FakeDiscord, user: FakeUser, answer: SentMessage, custom_id: str) -> SentMessage:
    """``user`` presses the button; the ephemeral reply only they see."""
    record = await fake.click_button(user=user, message_id=answer.id, custom_id=custom_id, locale="en-US")
    reply = await fake.wait_for_followup(record.id)
    assert reply.ephemeral
    return reply


async def stats(fake: FakeDiscord) -> str:
    record = await fake.send_interaction(user=MOD, channel_id=CHANNEL_ID, name="stats", locale="en-US")
    return (await fake.wait_for_followup(record.id)).text


async def test_a_vote_counts_once_per_person_can_be_changed_and_shows_in_stats(tmp_path: Path, corpus: Path) -> None:
    settings = make_settings(tmp_path, corpus)
    async with discord_world() as fake:
        async with newsbot(settings):
            assert "no votes yet" in await stats(fake)
            answer = await ask(fake, COST_QUESTION)
            up, down = thumbs(answer)
            assert "Thanks" in (await press(fake, MEMBER, answer, up)).text
            assert "already" in (await press(fake, MEMBER, answer, up)).text  # not a second vote
            assert "changed" in (await press(fake, MEMBER, answer, down)).text
            await press(fake, JOURNALIST, answer, down)
            await press(fake, MOD, answer, up)
            report = await stats(fake)
    # Three people, three votes: MEMBER's 👍 became a 👎 and was not counted twice.
    assert "1 of 3 votes helpful (33%)" in report
    assert "most 👎" in report and f"2× {COST_QUESTION}" in report.replace("\\", "")
    # Only a salted hash of who voted is kept.
    with sqlite3.connect(settings.db_path) as db:
        voters = [row[0] for row in db.execute("SELECT voter FROM answer_votes")]
        dump = "\n".join(db.iterdump())
    assert len(set(voters)) == 3
    assert all(str(user.id) not in dump for user in (MEMBER, JOURNALIST, MOD))


async def test_the_buttons_work_after_a_restart_against_the_same_store(tmp_path: Path, corpus: Path) -> None:
    settings = make_settings(tmp_path, corpus)
    async with discord_world() as fake:
        async with newsbot(settings):
            answer = await ask(fake, ORIGIN_QUESTION)
            up, down = thumbs(answer)
            await press(fake, MEMBER, answer, down)
        # A new process: new service, new client, the same database and the old message.
        async with newsbot(settings):
            assert "changed" in (await press(fake, MEMBER, answer, up)).text
            more = await press(fake, JOURNALIST, answer, button(answer, "newsbot:more:"))
            report = await stats(fake)
    assert "1 of 1 votes helpful (100%)" in report
    shown, further = quoted_lines(answer.text), quoted_lines(more.text)
    assert further and not set(further) & set(shown)


async def test_more_sources_shows_the_citations_the_answer_left_out(tmp_path: Path, corpus: Path) -> None:
    settings = make_settings(tmp_path, corpus)
    async with discord_world() as fake:
        async with newsbot(settings) as service:
            full = await service.ask(ORIGIN_QUESTION)
            answer = await ask(fake, ORIGIN_QUESTION, channel_id=NO_EMBED_CHANNEL_ID)
            more_id = button(answer, "newsbot:more:")
            more = await press(fake, MEMBER, answer, more_id)
            single = await ask(fake, COST_QUESTION)
    labels = [c.get("label") for row in answer.message["components"] for c in row["components"]]
    # The message showed the best citation; the button shows the others, in the answer's
    # language (the question is French).
    assert len(full.citations) >= 2
    assert f"Plus de sources ({len(full.citations) - 1})" in labels
    shown, further = "\n".join(quoted_lines(answer.text)), "\n".join(quoted_lines(more.text))
    starts = [c.quote.strip("…")[:40] for c in full.citations]
    assert starts[0] in shown and starts[0] not in further
    assert all(start in further and start not in shown for start in starts[1:])
    # An answer with a single citation has no "more sources" button.
    assert not [i for i in button_ids(single.message) if i.startswith("newsbot:more:")]
