"""Start-up failures of `newsbot run` as one line and an exit code, never a traceback.

Why a module: discord.py lets aiohttp's connection errors and its own HTTP errors escape
``Client.start`` while logging in, each with a long traceback, and an operator needs one
thing from them: what failed and what to check. Failures after a successful start are not
handled here: discord.py's reconnect retries them with back-off.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from enum import IntEnum

import aiohttp
import discord

from bot.messages import Messages


class ExitCode(IntEnum):
    """The exit codes of `newsbot run`, one per kind of problem, so scripts can tell them apart."""

    OK = 0
    ERROR = 1
    CONFIG = 2
    LOGIN = 3
    NETWORK = 4
    DISCORD_DOWN = 5


@dataclass(frozen=True)
class StartupProblem:
    """What to print and which code to exit with."""

    code: ExitCode
    message: str


def startup_problem(error: BaseException, messages: Messages, api_base: str) -> StartupProblem | None:
    """The line and exit code for a failure to log in or connect, or ``None`` when ``error``
    is not a start-up failure (a bug, which keeps its traceback)."""
    if isinstance(error, discord.LoginFailure):
        return StartupProblem(ExitCode.LOGIN, messages.token_rejected)
    if isinstance(error, discord.PrivilegedIntentsRequired):
        return StartupProblem(ExitCode.LOGIN, messages.intents_refused)
    if isinstance(error, aiohttp.ClientConnectorDNSError):
        return StartupProblem(ExitCode.NETWORK, messages.net_dns.format(host=error.host, api=api_base))
    if isinstance(error, (aiohttp.ClientSSLError, ssl.SSLError)):
        return StartupProblem(ExitCode.NETWORK, messages.net_tls.format(error=_reason(error), api=api_base))
    if isinstance(error, aiohttp.ClientConnectorError):
        reason = _reason(error.os_error)
        return StartupProblem(
            ExitCode.NETWORK, messages.net_refused.format(host=error.host, port=error.port, error=reason, api=api_base)
        )
    if isinstance(error, discord.DiscordServerError):
        return StartupProblem(ExitCode.DISCORD_DOWN, messages.discord_down.format(status=error.status))
    if isinstance(error, (discord.ConnectionClosed, discord.GatewayNotFound)):
        return StartupProblem(ExitCode.DISCORD_DOWN, messages.gateway_closed.format(error=_reason(error)))
    if isinstance(error, (asyncio.TimeoutError, aiohttp.ClientError, OSError)):
        return StartupProblem(ExitCode.NETWORK, messages.net_other.format(error=_reason(error), api=api_base))
    return None


def _reason(error: BaseException) -> str:
    """The error's own words on one line (its class name when it has none)."""
    text = " ".join(str(error).split())
    return text or type(error).__name__
