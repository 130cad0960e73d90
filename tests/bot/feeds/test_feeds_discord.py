"""Feeds on Discord end to end: a moderator's ``/feeds add`` through the fake Discord, the
bot's own poll, the new article announced once (no pings) and answered when mentioned."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.discord.client import NewsBot
from bot.service import NewsService
from tests.bot.discord.test_discord_e2e import (
    CHANNEL_ID,
    GUILD_ID,
    MEMBER,
    MOD,
    TOKEN,
    World,
    assert_no_pings,
    build_guild,
    make_settings,
)
from tests.bot.feeds.fixtures import ROBOT, TARTE, rss
from tests.bot.feeds.site import Site
from tests.fakediscord import FakeDiscord, patched_endpoints, run_bot

TARTE_QUESTION = "Combien coûte la tarte aux prunes de Zorglub ?"
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    shutil.copytree(ROOT / "seeds", folder)
    return folder


@pytest.fixture
async def feed_world(tmp_path: Path, corpus: Path) -> AsyncIterator[World]:
    settings = make_settings(tmp_path, corpus, allow_private_urls=True, fetch_timeout_seconds=5.0, announce_max=1)
    async with FakeDiscord(token=TOKEN, guilds=[build_guild()], heartbeat_interval_ms=500) as fake:
        with patched_endpoints(fake):
            async with await NewsService.open(settings) as service:
                async with run_bot(NewsBot(settings, service, guild_ready_timeout=0.05), TOKEN) as bot:
                    yield World(fake, bot, service, corpus, settings)


def feeds_command(
    world: World, subcommand: str, options: list[dict[str, object]], **extra: object
) -> dict[str, object]:
    command = world.fake.find_command("feeds", 1, GUILD_ID)
    assert command is not None, "/feeds was not synced"
    return {
        "id": command["id"],
        "name": "feeds",
        "type": 1,
        "guild_id": str(GUILD_ID),
        "options": [{"type": 1, "name": subcommand, "options": options}],
        **extra,
    }


async def test_feeds_add_then_poll_announces_once_and_the_article_is_answered(feed_world: World, site: Site) -> None:
    world = feed_world
    site.page("/tarte", TARTE)
    site.page("/robot", ROBOT)
    feed_url = site.feed(
        "/gazette.xml",
        rss(
            "La Gazette",
            [{"title": "Zorglub", "link": site.url("/tarte")}, {"title": "Brindille", "link": site.url("/robot")}],
        ),
    )
    data = feeds_command(
        world,
        "add",
        [{"type": 3, "name": "url", "value": feed_url}, {"type": 7, "name": "channel", "value": str(CHANNEL_ID)}],
        resolved={
            "channels": {str(CHANNEL_ID): {"id": str(CHANNEL_ID), "name": "actu", "type": 0, "permissions": "0"}}
        },
    )
    record = await world.fake.send_interaction(user=MOD, channel_id=CHANNEL_ID, data=data)
    await world.fake.wait_for(lambda: record.callbacks or None, what="the /feeds add reply")
    reply = record.callbacks[0]["data"]
    assert f"Following {feed_url}" in reply["content"] and f"<#{CHANNEL_ID}>" in reply["content"]
    assert reply.get("flags", 0) & 64  # ephemeral

    # The bot polls on its own (woken by the add): one article announced, the other summarised.
    await world.fake.wait_for(lambda: len(world.fake.sent_messages(CHANNEL_ID)) >= 2 or None, what="announcements")
    first, more = world.fake.sent_messages(CHANNEL_ID)[:2]
    assert "La Gazette" in first.content and site.url("/") in first.content
    assert "1 autres nouveaux articles de La Gazette" in more.content  # the guild's language
    for message in (first, more):
        assert_no_pings(message.allowed_mentions)

    await world.fake.send_message_create(
        channel_id=CHANNEL_ID, author=MEMBER, content=f"{world.mention} {TARTE_QUESTION}"
    )
    answer = await world.fake.wait_for_message(CHANNEL_ID, predicate=lambda m: m.reference_id is not None)
    # The answer is an embed whose source links to the page the feed pointed at.
    assert "12 euros" in answer.text and "(http://127.0.0.1:" in answer.text

    # Polled again: nothing new, so nothing announced again.
    cog = world.bot.get_cog("Feeds")
    assert cog is not None and cog.poller is not None
    report = await cog.poller.poll(due_only=False)
    await cog.announce(report)
    assert not report.outcome.added
    assert len([m for m in world.fake.sent_messages(CHANNEL_ID) if m.reference_id is None]) == 2


async def test_feeds_commands_are_for_moderators_only(feed_world: World, site: Site) -> None:
    world = feed_world
    data = feeds_command(world, "add", [{"type": 3, "name": "url", "value": site.url("/x.xml")}])
    record = await world.fake.send_interaction(user=MEMBER, channel_id=CHANNEL_ID, data=data)
    await world.fake.wait_for(lambda: record.callbacks or None, what="the refusal")
    assert "moderators" in record.callbacks[0]["data"]["content"]
    assert await world.service.store.feeds() == []


async def test_feeds_list_shows_a_failing_feed_with_its_error(feed_world: World, site: Site) -> None:
    world = feed_world
    await world.service.store.add_feed(site.url("/missing.xml"), "2025-01-28T00:00:00+00:00")
    cog = world.bot.get_cog("Feeds")
    assert cog is not None and cog.poller is not None
    await cog.poller.poll(due_only=False)
    record = await world.fake.send_interaction(user=MOD, channel_id=CHANNEL_ID, data=feeds_command(world, "list", []))
    await world.fake.wait_for(lambda: record.callbacks or None, what="the list")
    content = record.callbacks[0]["data"]["content"]
    assert "missing.xml" in content and "HTTP 404" in content
