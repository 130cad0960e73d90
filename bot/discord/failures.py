"""Start-up failures of `newsbot run` as one line and an exit code, never a traceback.

Why a module: discord.py lets aiohttp's connection errors and its own HTTP errors escape
``Client.start`` while logging in, each with a long traceback, and an operator needs one
thing from them: what failed and what to check. The same holds for the gateway until its first READY: discord.py
would retry a refused or closed gateway forever (or, on the very first attempt, crash with
an ``AttributeError`` of its own), so :class:`bot.discord.client.NewsBot` turns such a
failure into :class:`GatewayUnreachable`. Failures after the first READY are not handled
here: discord.py's reconnect retries them with back-off.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from enum import IntEnum

import aiohttp
import discord

from bot.messages import Messages

SHARDING_REQUIRED = 4011
"""The gateway's close code for a connection that would hold too many servers
(https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-close-event-codes)."""


class ExitCode(IntEnum):
    """The exit codes of `newsbot run`, one per kind of problem, so scripts can tell them apart."""

    OK = 0
    ERROR = 1
    CONFIG = 2
    LOGIN = 3
    NETWORK = 4
    DISCORD_DOWN = 5
    GATEWAY = 6
    """REST login worked, the gateway did not (refused, DNS, TLS, closed before READY)."""


class GatewayUnreachable(Exception):
    """The gateway failed before its first READY; ``cause`` is what discord.py would have
    retried, ``gateway`` the URL it connects to (``DISCORD_GATEWAY_URL``), ``closed`` says
    the connection opened but was closed before the session started."""

    def __init__(self, cause: BaseException, gateway: str, *, closed: bool = False, detail: str = "") -> None:
        super().__init__(f"gateway {gateway} failed before READY: {detail or _reason(cause)}")
        self.cause = cause
        self.gateway = gateway
        self.closed = closed
        self.detail = detail or _reason(cause)


@dataclass(frozen=True)
class StartupProblem:
    """What to print and which code to exit with."""

    code: ExitCode
    message: str


def startup_problem(error: BaseException, messages: Messages, api_base: str) -> StartupProblem | None:
    """The line and exit code for a failure to log in or connect, or ``None`` when ``error``
    is not a start-up failure (a bug, which keeps its traceback)."""
    if isinstance(error, GatewayUnreachable):
        return StartupProblem(ExitCode.GATEWAY, _gateway_line(error, messages))
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
    if isinstance(error, discord.ConnectionClosed) and error.code == SHARDING_REQUIRED:
        return StartupProblem(ExitCode.CONFIG, messages.sharding_required)
    if isinstance(error, (discord.ConnectionClosed, discord.GatewayNotFound)):
        return StartupProblem(ExitCode.DISCORD_DOWN, messages.gateway_closed.format(error=_reason(error)))
    if isinstance(error, (asyncio.TimeoutError, aiohttp.ClientError, OSError)):
        return StartupProblem(ExitCode.NETWORK, messages.net_other.format(error=_reason(error), api=api_base))
    return None


def _gateway_line(error: GatewayUnreachable, messages: Messages) -> str:
    cause, gateway = error.cause, error.gateway
    if isinstance(cause, aiohttp.ClientConnectorDNSError):
        return messages.gateway_dns.format(host=cause.host, gateway=gateway)
    if error.closed or isinstance(cause, (discord.ConnectionClosed, aiohttp.WSServerHandshakeError)):
        return messages.gateway_closed_early.format(gateway=gateway, error=error.detail)
    return messages.gateway_unreachable.format(gateway=gateway, error=error.detail)


def _reason(error: BaseException) -> str:
    """The error's own words on one line (its class name when it has none)."""
    text = " ".join(str(error).split())
    return text or type(error).__name__
