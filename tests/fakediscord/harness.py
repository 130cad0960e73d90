"""Helpers to run a real discord.py bot against ``FakeDiscord`` inside one test.

Why: every end-to-end test needs the same two chores done right: redirect
discord.py's process-wide endpoints and restore them afterwards (so a later test or
a leaked task can never reach the real Discord or a dead port), and run
``bot.start()`` as a task that is always closed, so no sessions, sockets or
keep-alive threads leak between tests.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import TypeVar

import discord
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.discord.endpoints import apply_endpoints

from .server import FakeDiscord

_log = logging.getLogger(__name__)

ClientT = TypeVar("ClientT", bound=discord.Client)


@contextmanager
def patched_endpoints(fake: FakeDiscord) -> Iterator[None]:
    """Point discord.py at ``fake`` for the duration of the block, then restore."""
    saved_base, saved_gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    apply_endpoints(fake.api_base, fake.gateway_url)
    try:
        yield
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved_base, saved_gateway


@asynccontextmanager
async def run_bot(bot: ClientT, token: str, *, ready_timeout: float = 10.0) -> AsyncIterator[ClientT]:
    """Run ``bot.start(token)`` as a task until the bot is ready; always close it on exit.

    Login or connection errors (e.g. ``discord.LoginFailure``) propagate from the
    ``async with`` line instead of surfacing as a timeout, and an error that ends
    ``bot.start()`` during the block is raised on exit. Remember ``on_ready`` only
    fires ``guild_ready_timeout`` seconds (default 2) after the last GUILD_CREATE, so
    construct test bots with a small ``guild_ready_timeout``.
    """
    task = asyncio.create_task(bot.start(token), name=f"run_bot:{type(bot).__name__}")
    already_failed = False
    try:
        await _until_ready(bot, task, ready_timeout)
        yield bot
    except BaseException:
        already_failed = True
        raise
    finally:
        await bot.close()
        await _finish(task, ready_timeout, reraise=not already_failed)


async def _until_ready(bot: discord.Client, task: asyncio.Task[None], timeout: float) -> None:
    """Poll readiness (cheap, 10 ms) because ``wait_until_ready`` needs login to have happened."""
    async with asyncio.timeout(timeout):
        while not bot.is_ready():
            if task.done():
                task.result()  # re-raise the start-up error
                raise RuntimeError("bot.start() returned before the bot became ready")
            await asyncio.sleep(0.01)


async def _finish(task: asyncio.Task[None], timeout: float, *, reraise: bool) -> None:
    """Wait for ``bot.start`` to return after ``close()``.

    When the block already failed, a second error from the task is only logged so it
    does not hide the first one.
    """
    try:
        await asyncio.wait_for(task, timeout)
    except Exception:
        if reraise:
            raise
        _log.debug("bot task also failed", exc_info=True)
