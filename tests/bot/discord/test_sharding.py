"""NEWSBOT_SHARDS end to end: the bot over several gateway connections (discord.py's
AutoShardedBot) against a fake that routes each server's events to its shard, as Discord
does, and refuses a connection that would hold too many servers (4011)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import aiohttp
import pytest

from bot.discord.client import NewsBot, ShardedNewsBot, make_bot
from bot.discord.failures import ExitCode
from bot.discord.runner import serve
from bot.service import NewsService
from tests.bot.discord.test_discord_e2e import (
    CHANNEL_ID,
    COST_QUESTION,
    GUILD_ID,
    MEMBER,
    TOKEN,
    build_guild,
    corpus,  # noqa: F401 (a fixture)
    make_settings,
)
from tests.fakediscord import FakeChannel, FakeDiscord, FakeGuild, patched_endpoints, run_bot
from tests.fakediscord.gateway import shard_of

OTHER_GUILD_ID = GUILD_ID + (1 << 22)  # the next shard of two
OTHER_CHANNEL_ID = OTHER_GUILD_ID + 1


def other_guild() -> FakeGuild:
    guild = FakeGuild(id=OTHER_GUILD_ID, name="Autre rédaction", owner_id=MEMBER.id, preferred_locale="fr")
    guild.channels.append(FakeChannel(id=OTHER_CHANNEL_ID, name="actu"))
    guild.add_member(MEMBER)
    return guild


async def ask_in(fake: FakeDiscord, channel_id: int) -> str:
    start = len(fake.sent_messages(channel_id))
    await fake.send_message_create(
        channel_id=channel_id, author=MEMBER, content=f"<@{fake.bot_user.id}> {COST_QUESTION}"
    )
    return (await fake.wait_for_message(channel_id, start=start)).text


async def test_auto_shards_as_discord_recommends_and_every_server_is_answered(tmp_path: Path, corpus: Path) -> None:
    assert shard_of(GUILD_ID, 2) != shard_of(OTHER_GUILD_ID, 2)
    settings = make_settings(
        tmp_path, corpus, shards="auto", guild_ids=(GUILD_ID, OTHER_GUILD_ID), cooldown_questions=20
    )
    async with FakeDiscord(token=TOKEN, guilds=[build_guild(), other_guild()], recommended_shards=2) as fake:
        with patched_endpoints(fake):
            async with await NewsService.open(settings) as service:
                bot = make_bot(settings, service, guild_ready_timeout=0.05)
                async with run_bot(bot, TOKEN, ready_timeout=20):
                    here = await ask_in(fake, CHANNEL_ID)
                    there = await ask_in(fake, OTHER_CHANNEL_ID)
                    dm = await ask_in(fake, fake.dm_channel_id(MEMBER))
                    record = await fake.send_interaction(
                        user=MEMBER, channel_id=OTHER_CHANNEL_ID, name="ask", options={"question": COST_QUESTION}
                    )
                    slash = (await fake.wait_for_followup(record.id)).text
    assert isinstance(bot, ShardedNewsBot) and bot.shard_count == 2
    assert sorted(tuple(p["shard"]) for p in fake.identify_payloads) == [(0, 2), (1, 2)]
    assert fake.find_requests("GET", "/gateway/bot")
    # Each server's messages came through its own shard, DMs through shard 0; all answered.
    assert all("5,6 millions" in text for text in (here, there, dm, slash))


async def test_a_shard_count_is_used_as_given(tmp_path: Path, corpus: Path) -> None:
    settings = make_settings(tmp_path, corpus, shards=1)
    async with FakeDiscord(token=TOKEN, guilds=[build_guild()], recommended_shards=3) as fake:
        with patched_endpoints(fake):
            async with await NewsService.open(settings) as service:
                bot = make_bot(settings, service, guild_ready_timeout=0.05)
                async with run_bot(bot, TOKEN):
                    answer = await ask_in(fake, CHANNEL_ID)
    assert isinstance(bot, ShardedNewsBot) and [p["shard"] for p in fake.identify_payloads] == [[0, 1]]
    assert "5,6 millions" in answer


def test_unset_is_one_connection_without_sharding(tmp_path: Path) -> None:
    bot = make_bot(make_settings(tmp_path, tmp_path), object())  # type: ignore[arg-type]
    assert type(bot) is NewsBot


async def test_too_many_servers_for_one_connection_is_one_line_naming_the_setting(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(tmp_path, corpus)
    async with FakeDiscord(token=TOKEN, guilds=[build_guild(), other_guild()]) as fake:
        fake.gateway.max_guilds_per_shard = 1  # as Discord past 2,500 servers a shard
        with patched_endpoints(fake), caplog.at_level(logging.ERROR):
            code = await serve(settings, guild_ready_timeout=0.05)
    err = capsys.readouterr().err
    assert code == ExitCode.CONFIG
    assert err.count("\n") == 1 and "NEWSBOT_SHARDS=auto" in err and "Traceback" not in err


async def test_the_fake_refuses_an_invalid_shard() -> None:
    async with FakeDiscord(token=TOKEN, guilds=[build_guild()]) as fake:
        async with aiohttp.ClientSession() as session, session.ws_connect(fake.gateway_url + "?v=10") as ws:
            hello = json.loads((await ws.receive()).data)
            assert hello["op"] == 10
            await ws.send_json({"op": 2, "d": {"token": TOKEN, "intents": 0, "properties": {}, "shard": [2, 2]}})
            closing = await ws.receive()
    assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED) and ws.close_code == 4010


async def test_the_fake_sends_each_shard_its_guilds_and_dms_to_shard_0_only() -> None:
    async with FakeDiscord(token=TOKEN, guilds=[build_guild(), other_guild()]) as fake:
        async with aiohttp.ClientSession() as session:
            sockets = []
            for shard_id in (0, 1):
                ws = await session.ws_connect(fake.gateway_url + "?v=10")
                await ws.receive()  # HELLO
                identify = {"token": TOKEN, "intents": (1 << 9) | (1 << 12), "properties": {}, "shard": [shard_id, 2]}
                await ws.send_json({"op": 2, "d": identify})
                sockets.append(ws)

            async def events(ws: aiohttp.ClientWebSocketResponse, count: int) -> list[dict]:
                return [json.loads((await ws.receive()).data) for _ in range(count)]

            ready = [await events(ws, 2) for ws in sockets]  # READY, then its one GUILD_CREATE
            await fake.send_message_create(channel_id=OTHER_CHANNEL_ID, author=MEMBER, content="hello")
            await fake.send_message_create(channel_id=fake.dm_channel_id(MEMBER), author=MEMBER, content="hi")
            owner = shard_of(OTHER_GUILD_ID, 2)
            [in_guild] = await events(sockets[owner], 1)
            [dm] = await events(sockets[0], 1)
            for ws in sockets:
                await ws.close()
    for shard_id, (hello_ready, guild_create) in enumerate(ready):
        [guild] = hello_ready["d"]["guilds"]
        assert shard_of(int(guild["id"]), 2) == shard_id and guild_create["d"]["id"] == guild["id"]
    assert in_guild["t"] == "MESSAGE_CREATE" and in_guild["d"]["guild_id"] == str(OTHER_GUILD_ID)
    assert dm["t"] == "MESSAGE_CREATE" and "guild_id" not in dm["d"]
    assert fake.gateway.dispatched[-1]["t"] == "MESSAGE_CREATE"
    assert sum(1 for d in fake.gateway.dispatched if d["t"] == "MESSAGE_CREATE") == 2  # one shard each
