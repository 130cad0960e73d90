"""Start-up failures of `newsbot run`: one line naming the cause, a distinct exit code."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
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
from bot.discord.client import EARLY_RECONNECTS
from bot.discord.endpoints import apply_endpoints
from bot.discord.failures import ExitCode, startup_problem
from bot.discord.runner import serve
from bot.messages import ENGLISH
from tests.bot.discord.test_discord_e2e import CHANNEL_ID, COST_QUESTION, MEMBER, TOKEN, build_guild, make_settings
from tests.fakediscord import FakeDiscord, patched_endpoints

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


def a_gateway_failure_was_one_line(err: str, caplog: pytest.LogCaptureFixture) -> None:
    assert err.strip() and err.strip().count("\n") == 0 and "Traceback" not in err
    assert "DISCORD_GATEWAY_URL" in err and TOKEN not in err
    # Nothing logged its traceback either (discord.py's "Attempting a reconnect" would).
    assert not [r for r in caplog.records if r.exc_info and r.levelno >= logging.WARNING]


async def test_a_refused_gateway_after_a_good_login_ends_start_up_with_one_line_and_the_gateway_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(tmp_path, ROOT / "seeds")
    closed_port = free_port()
    async with FakeDiscord(token=TOKEN, guilds=[build_guild()]) as fake:
        with patched_endpoints(fake):
            apply_endpoints(None, f"ws://127.0.0.1:{closed_port}/gateway")
            code = await serve(settings, guild_ready_timeout=0.05)
        logged_in = fake.find_requests("GET", "/users/@me")
    err = capsys.readouterr().err
    assert logged_in  # REST worked: the token was accepted
    assert code == ExitCode.GATEWAY and code not in (ExitCode.NETWORK, ExitCode.LOGIN, ExitCode.ERROR)
    assert f"ws://127.0.0.1:{closed_port}/gateway" in err
    a_gateway_failure_was_one_line(err, caplog)


async def test_a_gateway_that_closes_before_ready_ends_start_up_instead_of_reconnecting_forever(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(tmp_path, ROOT / "seeds")
    async with FakeDiscord(token=TOKEN, guilds=[build_guild()]) as fake:
        fake.gateway.close_before_ready = 4000
        with patched_endpoints(fake):
            code = await serve(settings, guild_ready_timeout=0.05)
        attempts = len(fake.gateway.connect_queries)
    err = capsys.readouterr().err
    assert code == ExitCode.GATEWAY
    assert "4000" in err and "before the session started" in err
    assert attempts == EARLY_RECONNECTS + 1
    a_gateway_failure_was_one_line(err, caplog)


async def test_after_the_first_ready_a_gateway_drop_is_still_retried(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, ROOT / "seeds")
    async with FakeDiscord(token=TOKEN, guilds=[build_guild()]) as fake:
        with patched_endpoints(fake):
            run = asyncio.create_task(serve(settings, guild_ready_timeout=0.05))
            await fake.wait_until_ready()
            await fake.disconnect_gateway(4000)
            await fake.wait_for(lambda: fake.gateway.resume_payloads or None, what="a RESUME")
            assert not run.done()
            await fake.send_message_create(
                channel_id=CHANNEL_ID, author=MEMBER, content=f"<@{fake.bot_user.id}> {COST_QUESTION}"
            )
            reply = await fake.wait_for_message(CHANNEL_ID)
            os.kill(os.getpid(), signal.SIGTERM)
            code = await asyncio.wait_for(run, 15)
    assert "5,6 millions" in reply.text and code == ExitCode.OK


@pytest.mark.parametrize("how", ["op 7 reconnect", "op 9 resumable", "op 9 not resumable"])
async def test_after_the_first_ready_the_gateway_asking_to_reconnect_costs_no_answer(tmp_path: Path, how: str) -> None:
    """Discord sends op 7 before moving a session and op 9 when a session is invalid; the bot
    resumes (or identifies again when the session is gone) and keeps answering."""
    settings = make_settings(tmp_path, ROOT / "seeds")
    async with FakeDiscord(token=TOKEN, guilds=[build_guild()]) as fake:
        with patched_endpoints(fake):
            run = asyncio.create_task(serve(settings, guild_ready_timeout=0.05))
            await fake.wait_until_ready()
            if how == "op 7 reconnect":
                await fake.gateway.request_reconnect()
                await fake.wait_for(lambda: fake.gateway.resume_payloads or None, what="a RESUME")
            elif how == "op 9 resumable":
                await fake.gateway.invalidate_sessions(resumable=True)
                await fake.wait_for(lambda: fake.gateway.resume_payloads or None, what="a RESUME")
            else:
                await fake.gateway.invalidate_sessions(resumable=False)
                await fake.wait_for(lambda: len(fake.gateway.identify_payloads) >= 2 or None, what="a new IDENTIFY")
            await fake.wait_for(lambda: fake.gateway.connections or None, what="the connection back")
            assert not run.done()
            await fake.send_message_create(
                channel_id=CHANNEL_ID, author=MEMBER, content=f"<@{fake.bot_user.id}> {COST_QUESTION}"
            )
            reply = await fake.wait_for_message(CHANNEL_ID, timeout=20)
            os.kill(os.getpid(), signal.SIGTERM)
            code = await asyncio.wait_for(run, 15)
    assert "5,6 millions" in reply.text and code == ExitCode.OK
