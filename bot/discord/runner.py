"""`newsbot run`: start the service and connect the bot to Discord.

Token problems end the process with one clear line and a non-zero exit, never a traceback,
and the token never reaches a log line.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys

from discord.http import Route

from bot.config import Settings
from bot.discord.client import make_bot
from bot.discord.endpoints import apply_endpoints
from bot.discord.failures import ExitCode, startup_problem
from bot.logs import quiet_discord_http
from bot.messages import Messages, messages_for, terminal_language
from bot.reports import progress_lines
from bot.service import NewsService

log = logging.getLogger(__name__)

EXIT_CONFIG = ExitCode.CONFIG
EXIT_LOGIN = ExitCode.LOGIN


def run_bot(settings: Settings) -> int:
    messages = terminal_messages(settings)
    if not settings.discord_token:
        print(f"newsbot: {messages.no_token}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        apply_endpoints(settings.api_base, settings.gateway_url)
    except ValueError as error:
        print(f"newsbot: {messages.bad_endpoints.format(error=error)}", file=sys.stderr)
        return EXIT_CONFIG
    return asyncio.run(serve(settings))


def terminal_messages(settings: Settings) -> Messages:
    """The sentences of the terminal's language (see :func:`bot.messages.terminal_language`)."""
    return messages_for(terminal_language(os.environ, settings.lang))


SWITCH_INTERVAL_S = 0.001
"""How long a thread may hold the GIL before handing it over (Python's default: 5 ms).

Parsing and indexing run in worker threads; with the default interval the event loop waited
for the GIL often enough to stall it noticeably during a big reload. One millisecond keeps the
gateway heartbeat and every Discord event prompt, at a small cost in
reload throughput (benchmarks/bench_service.py measures both)."""


def make_event_loop_responsive() -> None:
    sys.setswitchinterval(SWITCH_INTERVAL_S)


async def serve(settings: Settings, **bot_options: object) -> int:
    """Run until the bot is closed; returns the process exit code."""
    quiet_discord_http()
    make_event_loop_responsive()
    async with await NewsService.open(settings, progress=progress_lines(log.info)) as service:
        bot = make_bot(settings, service, **bot_options)
        loop = asyncio.get_running_loop()
        handled = bot.stop_on_signals(loop)
        try:
            async with bot:
                await bot.start(settings.discord_token.reveal())
        except Exception as error:
            problem = startup_problem(error, terminal_messages(settings), Route.BASE)
            if problem is None:
                raise
            log.debug("start-up failed", exc_info=True)
            print(f"newsbot: {problem.message}", file=sys.stderr)
            return problem.code
        finally:
            for sig in handled:
                loop.remove_signal_handler(sig)
    return ExitCode.OK
