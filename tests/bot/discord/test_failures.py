"""Start-up failures of `newsbot run`: one line naming the cause, a distinct exit code."""

from __future__ import annotations

import socket
import ssl
import types
from pathlib import Path

import aiohttp
import discord
import pytest
from aiohttp.client_reqrep import ConnectionKey
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.config import Secret, Settings
from bot.discord.failures import ExitCode, startup_problem
from bot.discord.runner import serve
from bot.messages import ENGLISH

ROOT = Path(__file__).resolve().parents[3]
API = "https://discord.com/api/v10"


def key(host: str, port: int = 443) -> ConnectionKey:
    return ConnectionKey(host, port, True, True, None, None, None)


def test_a_dns_failure_names_the_host_and_the_setting() -> None:
    error = aiohttp.ClientConnectorDNSError(key("discord.com"), OSError(-3, "Temporary failure in name resolution"))
    problem = startup_problem(error, ENGLISH, API)
    assert problem is not None and problem.code is ExitCode.NETWORK
    assert "discord.com" in problem.message and "DNS" in problem.message and "DISCORD_API_BASE" in problem.message


def test_a_tls_failure_says_tls() -> None:
    error = aiohttp.ClientConnectorCertificateError(key("discord.com"), ssl.SSLCertVerificationError("bad cert"))
    problem = startup_problem(error, ENGLISH, API)
    assert problem is not None and problem.code is ExitCode.NETWORK and "TLS" in problem.message


def test_discord_down_has_its_own_exit_code() -> None:
    response = types.SimpleNamespace(status=503, reason="Service Unavailable")
    problem = startup_problem(discord.DiscordServerError(response, "upstream"), ENGLISH, API)  # type: ignore[arg-type]  # a stand-in response: only status and reason are read
    assert problem is not None and problem.code is ExitCode.DISCORD_DOWN and "503" in problem.message


def test_a_bug_is_not_disguised_as_a_start_up_failure() -> None:
    assert startup_problem(ValueError("bug"), ENGLISH, API) is None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_an_unreachable_api_exits_with_one_line_and_the_network_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    settings = Settings(
        discord_token=Secret("token-never-shown"),
        data_dir=tmp_path / "data",
        db_path=tmp_path / "data" / "newsbot.sqlite3",
        corpus_dir=ROOT / "seeds",
    )
    saved = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = f"http://127.0.0.1:{port}/api/v10"
    try:
        code = await serve(settings)
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved
    err = capsys.readouterr().err
    assert code == ExitCode.NETWORK
    assert err.strip().count("\n") == 0 and f"127.0.0.1:{port}" in err and "Traceback" not in err
    assert "token-never-shown" not in err
