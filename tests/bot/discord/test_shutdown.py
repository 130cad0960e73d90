"""SIGTERM and SIGINT stop `newsbot run` gracefully: the answer being composed is still
posted, the gateway is closed by a close frame (not dropped: 1006) and the service is closed."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
from pathlib import Path

import pytest

from bot.discord.runner import serve
from bot.service import NewsService
from tests.bot.discord.test_discord_e2e import (
    CHANNEL_ID,
    COST_QUESTION,
    MEMBER,
    ROOT,
    TOKEN,
    build_guild,
    make_settings,
)
from tests.fakediscord import FakeDiscord, patched_endpoints


class _Seen(logging.Handler):
    """Sets ``event`` when a record containing ``text`` is logged: lets the test wait for
    the bot to have started shutting down without sleeping."""

    def __init__(self, text: str, event: asyncio.Event) -> None:
        super().__init__()
        self.text, self.event = text, event

    def emit(self, record: logging.LogRecord) -> None:
        if self.text in record.getMessage():
            self.event.set()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_a_stop_signal_lets_the_answer_in_flight_finish_then_closes_cleanly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, sig: signal.Signals
) -> None:
    caplog.set_level(logging.INFO, logger="bot.discord")
    corpus = tmp_path / "articles"
    shutil.copytree(ROOT / "seeds", corpus)
    settings = make_settings(tmp_path, corpus)
    asking, stopping = asyncio.Event(), asyncio.Event()
    real_ask = NewsService.ask

    async def ask_until_shutdown(self: NewsService, *args: object, **kwargs: object) -> object:
        asking.set()
        await stopping.wait()  # the signal arrives while this answer is being composed
        return await real_ask(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(NewsService, "ask", ask_until_shutdown)
    seen = _Seen("shutting down", stopping)
    logging.getLogger("bot.discord").addHandler(seen)
    closed: list[bool] = []
    real_close = NewsService.close

    async def recording_close(self: NewsService) -> None:
        closed.append(True)
        await real_close(self)

    monkeypatch.setattr(NewsService, "close", recording_close)
    try:
        async with FakeDiscord(token=TOKEN, guilds=[build_guild()]) as fake:
            with patched_endpoints(fake):
                run = asyncio.create_task(serve(settings, guild_ready_timeout=0.05))
                await fake.wait_until_ready()
                mention = f"<@{fake.bot_user.id}> {COST_QUESTION}"
                await fake.send_message_create(channel_id=CHANNEL_ID, author=MEMBER, content=mention)
                await asyncio.wait_for(asking.wait(), 10)
                os.kill(os.getpid(), sig)
                code = await asyncio.wait_for(run, 15)
                reply = await fake.wait_for_message(CHANNEL_ID)
                close_codes = list(fake.gateway.close_codes)
    finally:
        logging.getLogger("bot.discord").removeHandler(seen)
    assert code == 0
    assert "5,6 millions" in reply.text
    # A close frame from the client (discord.py's own close; a killed process leaves 1006).
    assert len(close_codes) == 1 and close_codes[0] not in (None, 1006)
    assert closed
