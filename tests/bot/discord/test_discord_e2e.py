"""End to end: the real NewsBot (unmodified discord.py) over real sockets against a fake
Discord (REST + gateway) on 127.0.0.1, answering from a real NewsService."""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path

import discord
import pytest

from bot.config import Secret, Settings
from bot.discord import client as client_module
from bot.discord.client import NewsBot
from bot.discord.runner import EXIT_LOGIN, serve
from bot.service import NewsService
from tests.fakediscord import (
    MANAGE_GUILD,
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    FakeRole,
    FakeUser,
    patched_endpoints,
    run_bot,
)

ROOT = Path(__file__).resolve().parents[3]
TOKEN = "e2e-token-ABCDEF.ghijkl.MNOPQR"
GUILD_ID = 2_200_000_000_000_000_001
CHANNEL_ID = 2_200_000_000_000_000_002
ADMIN_ROLE_ID = 2_200_000_000_000_000_003
NEWSROOM_ROLE_ID = 2_200_000_000_000_000_004
MOD = FakeUser(id=2_200_000_000_000_000_010, username="modo")
MEMBER = FakeUser(id=2_200_000_000_000_000_011, username="lecteur")
EDITOR = FakeUser(id=2_200_000_000_000_000_012, username="editrice")
OTHER_BOT = FakeUser(id=2_200_000_000_000_000_013, username="otherbot", bot=True)
JOURNALIST = FakeUser(id=2_200_000_000_000_000_014, username="journaliste")
COST_QUESTION = "Combien a coûté l'entraînement du modèle R1 de DeepSeek ?"


def build_guild() -> FakeGuild:
    guild = FakeGuild(
        id=GUILD_ID,
        name="Rédaction",
        owner_id=EDITOR.id,
        roles=[
            FakeRole(id=ADMIN_ROLE_ID, name="admins", permissions=MANAGE_GUILD, position=2),
            FakeRole(id=NEWSROOM_ROLE_ID, name="newsroom", permissions=0, position=1),
        ],
        channels=[FakeChannel(id=CHANNEL_ID, name="actu")],
        preferred_locale="fr",
    )
    guild.add_member(MOD, role_ids=[ADMIN_ROLE_ID])
    guild.add_member(MEMBER)
    guild.add_member(OTHER_BOT)
    guild.add_member(JOURNALIST, role_ids=[NEWSROOM_ROLE_ID])
    return guild


@dataclass
class World:
    fake: FakeDiscord
    bot: NewsBot
    service: NewsService
    corpus: Path
    settings: Settings

    @property
    def mention(self) -> str:
        return f"<@{self.fake.bot_user.id}>"


def make_settings(tmp_path: Path, corpus: Path, **overrides: object) -> Settings:
    settings = Settings(
        discord_token=Secret(TOKEN),
        guild_ids=(GUILD_ID,),
        mod_role="newsroom",
        cooldown_questions=3,
        cooldown_seconds=60.0,
        data_dir=tmp_path / "data",
        db_path=tmp_path / "data" / "newsbot.sqlite3",
        corpus_dir=corpus,
    )
    return replace(settings, **overrides)  # type: ignore[arg-type]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    shutil.copytree(ROOT / "seeds", folder)
    return folder


@pytest.fixture
async def world(tmp_path: Path, corpus: Path) -> AsyncIterator[World]:
    settings = make_settings(tmp_path, corpus)
    async with FakeDiscord(token=TOKEN, guilds=[build_guild()], heartbeat_interval_ms=500) as fake:
        with patched_endpoints(fake):
            async with await NewsService.open(settings) as service:
                async with run_bot(NewsBot(settings, service, guild_ready_timeout=0.05), TOKEN) as bot:
                    yield World(fake, bot, service, corpus, settings)


def quoted_lines(content: str) -> list[str]:
    """The block-quoted text of a reply, markdown escapes removed."""
    lines = [line[2:] for line in content.splitlines() if line.startswith("> ")]
    return [re.sub(r"\\(.)", r"\1", line).replace("\u200b", "") for line in lines]


def assert_no_pings(payload_allowed_mentions: dict | None) -> None:
    assert payload_allowed_mentions is not None
    assert payload_allowed_mentions.get("parse") == []
    assert not payload_allowed_mentions.get("users")
    assert not payload_allowed_mentions.get("roles")
    assert payload_allowed_mentions.get("replied_user") in (False, None)


async def test_bot_logs_in_without_privileged_intents(world: World) -> None:
    intents = discord.Intents._from_value(world.fake.identify_payloads[0]["intents"])
    assert intents == client_module.intents()
    assert not intents.message_content and not intents.members and not intents.presences
    assert world.bot.is_ready() and world.bot.get_guild(GUILD_ID) is not None


async def test_commands_are_synced_to_the_configured_guild_with_moderator_defaults(world: World) -> None:
    commands = {c["name"]: c for c in world.fake.synced_commands(GUILD_ID)}
    assert set(commands) == {"ask", "headlines", "sources", "help", "reload", "stats", "feeds", "import"}
    assert int(commands["reload"]["default_member_permissions"]) == MANAGE_GUILD
    assert int(commands["stats"]["default_member_permissions"]) == MANAGE_GUILD
    assert int(commands["feeds"]["default_member_permissions"]) == MANAGE_GUILD
    assert int(commands["import"]["default_member_permissions"]) == MANAGE_GUILD
    assert commands["ask"]["options"][0]["name"] == "question"
    assert not world.fake.find_requests("PUT", "/applications/{application_id}/commands")


async def test_restart_with_unchanged_commands_does_not_sync_again(tmp_path: Path, corpus: Path) -> None:
    settings = make_settings(tmp_path, corpus)
    async with FakeDiscord(token=TOKEN, guilds=[build_guild()]) as fake:
        with patched_endpoints(fake):
            async with await NewsService.open(settings) as service:
                for _ in range(2):
                    async with run_bot(NewsBot(settings, service, guild_ready_timeout=0.05), TOKEN):
                        pass
        syncs = fake.find_requests("PUT", "/applications/{application_id}/guilds/{guild_id}/commands")
    assert len(syncs) == 1


async def test_mention_is_answered_in_reply_with_a_verbatim_quote_and_its_source(world: World) -> None:
    message_id = await world.fake.send_message_create(
        channel_id=CHANNEL_ID, author=MEMBER, content=f"{world.mention} {COST_QUESTION}"
    )
    reply = await world.fake.wait_for_message(CHANNEL_ID)
    assert reply.reference_id == message_id
    assert "5,6 millions" in reply.content
    quotes = quoted_lines(reply.content)
    articles = {a.path: a.text for a in world.service.engine.articles.values()}
    assert quotes and all(any(q.strip("…") in text for text in articles.values()) for q in quotes)
    assert re.search(r"`articles/00\d_[0-9a-f]+\.txt`", reply.content)
    assert_no_pings(reply.allowed_mentions)
    assert world.fake.find_requests("POST", "/channels/{channel_id}/typing")


async def test_mention_without_a_question_gets_a_usage_line(world: World) -> None:
    await world.fake.send_message_create(channel_id=CHANNEL_ID, author=MEMBER, content=world.mention)
    reply = await world.fake.wait_for_message(CHANNEL_ID)
    assert "/ask" in reply.content


async def test_messages_from_bots_and_without_mention_are_ignored(world: World) -> None:
    await world.fake.send_message_create(channel_id=CHANNEL_ID, author=OTHER_BOT, content=f"{world.mention} {COST_QUESTION}")
    await world.fake.send_message_create(channel_id=CHANNEL_ID, author=MEMBER, content=COST_QUESTION)
    # A question that is answered proves the earlier two were processed and ignored.
    await world.fake.send_message_create(channel_id=CHANNEL_ID, author=MEMBER, content=f"{world.mention} {COST_QUESTION}")
    await world.fake.wait_for_message(CHANNEL_ID)
    await world.fake.send_message_create(channel_id=CHANNEL_ID, author=MEMBER, content=f"{world.mention} ")
    await world.fake.wait_for_message(CHANNEL_ID, predicate=lambda m: "/ask" in m.content)
    # Exactly the two replies: nothing for the bot, nothing for the unmentioned message,
    # and the bot's own replies (echoed back by the gateway) were not answered.
    assert len(world.fake.sent_messages(CHANNEL_ID)) == 2


async def test_direct_message_is_answered(world: World) -> None:
    dm = world.fake.dm_channel_id(MEMBER)
    await world.fake.send_message_create(channel_id=dm, author=MEMBER, content="Pour combien HP a-t-il racheté Humane ?")
    reply = await world.fake.wait_for_message(dm)
    assert "116 millions" in reply.content


async def test_ask_command_defers_then_answers_in_the_users_locale(world: World) -> None:
    record = await world.fake.send_interaction(
        user=MEMBER, channel_id=CHANNEL_ID, name="ask", options={"question": COST_QUESTION}, locale="en-US"
    )
    followup = await world.fake.wait_for_followup(record.id)
    assert record.response_type == 5  # deferred: the answer may take longer than 3 s
    assert followup.content.startswith("From the article")
    assert "5,6 millions" in followup.content
    assert_no_pings(followup.allowed_mentions)


async def test_ask_command_in_french_locale_uses_french_templates(world: World) -> None:
    record = await world.fake.send_interaction(
        user=MEMBER, channel_id=CHANNEL_ID, name="ask", options={"question": "Quand sortira GPT-5 ?"}, locale="fr"
    )
    followup = await world.fake.wait_for_followup(record.id)
    assert "ne parlent pas de" in followup.content and "GPT-5" in followup.content


async def test_headlines_lists_dated_articles_first(world: World) -> None:
    record = await world.fake.send_interaction(
        user=MEMBER, channel_id=CHANNEL_ID, name="headlines", options={"count": 2}, locale="fr"
    )
    await world.fake.wait_for_interaction_response(record.id)
    content = record.callbacks[0]["data"]["content"]
    lines = [line for line in content.splitlines() if line.startswith("•")]
    assert len(lines) == 2
    assert "2025-01-28" in lines[0] and "2025-01" in lines[1]


async def test_reload_by_a_moderator_replies_with_the_report(world: World) -> None:
    (world.corpus / "nouveau.txt").write_text(
        "Le robot Brindille\nLe robot Brindille de la société Ecorce trie les feuilles mortes du parc de Rennes.\n",
        encoding="utf-8",
    )
    (world.corpus / "casse.txt").write_bytes(b"\x00\x01binary")
    record = await world.fake.send_interaction(user=MOD, channel_id=CHANNEL_ID, name="reload", locale="en-US")
    followup = await world.fake.wait_for_followup(record.id)
    assert followup.ephemeral
    assert "1 added" in followup.content and "1 failed" in followup.content
    assert "articles/casse.txt" in followup.content and "binary" in followup.content
    answer = await world.service.ask("Que trie le robot Brindille ?")
    assert answer.answered


async def test_reload_by_a_member_with_the_configured_role_is_allowed(world: World) -> None:
    # No Manage Server permission, only the role named in NEWSBOT_MOD_ROLE.
    record = await world.fake.send_interaction(user=JOURNALIST, channel_id=CHANNEL_ID, name="reload", permissions=0)
    followup = await world.fake.wait_for_followup(record.id)
    assert "Reload done" in followup.content


async def test_reload_by_a_plain_member_is_politely_refused(world: World) -> None:
    record = await world.fake.send_interaction(user=MEMBER, channel_id=CHANNEL_ID, name="reload", locale="fr")
    await world.fake.wait_for_interaction_response(record.id)
    assert record.response_type == 4 and record.ephemeral
    assert "réservée aux modérateurs" in record.original_content
    stats = await world.service.stats()
    assert stats.store.last_reload is not None and stats.store.last_reload.requested_by == "startup"


async def test_stats_for_moderators_show_unanswered_questions(world: World) -> None:
    await world.service.ask("Quand sortira GPT-5 ?")
    record = await world.fake.send_interaction(user=MOD, channel_id=CHANNEL_ID, name="stats")
    await world.fake.wait_for_interaction_response(record.id)
    assert record.ephemeral and "GPT-5" in record.original_content


async def test_everyone_in_a_question_never_pings(world: World) -> None:
    await world.fake.send_message_create(
        channel_id=CHANNEL_ID, author=MEMBER, content=f"{world.mention} @everyone <@&{ADMIN_ROLE_ID}> {COST_QUESTION}"
    )
    reply = await world.fake.wait_for_message(CHANNEL_ID)
    assert_no_pings(reply.allowed_mentions)
    assert reply.pinged_user_ids == [] and not reply.message.get("mention_everyone")


async def test_everyone_and_markdown_in_an_article_are_neither_pinged_nor_rendered(world: World) -> None:
    (world.corpus / "piege.txt").write_text(
        "Le club de pétanque Zorglub\n"
        f"Le président du club de pétanque Zorglub a écrit @everyone et <@{MEMBER.id}> dans un message "
        "annonçant le tournoi de **printemps** avec [un lien](https://example.org) et ```du code```.\n",
        encoding="utf-8",
    )
    await world.service.reload()
    await world.fake.send_message_create(
        channel_id=CHANNEL_ID, author=MEMBER, content=f"{world.mention} Qu'a écrit le président du club de pétanque Zorglub ?"
    )
    reply = await world.fake.wait_for_message(CHANNEL_ID)
    assert "tournoi" in reply.content
    assert_no_pings(reply.allowed_mentions)
    assert reply.pinged_user_ids == [] and not reply.message.get("mention_everyone")
    assert "@everyone" not in reply.content  # defused with a zero-width space
    assert "**printemps**" not in reply.content and "\\*\\*printemps\\*\\*" in reply.content
    assert not re.search(r"(?<!\\)\[un lien\]\(", reply.content)  # no live masked link
    assert "```" not in reply.content


async def test_a_5000_character_question_gets_a_short_ephemeral_refusal(world: World) -> None:
    question = ("Combien a coûté DeepSeek ? " * 200)[:5000]
    record = await world.fake.send_interaction(user=MEMBER, channel_id=CHANNEL_ID, name="ask", options={"question": question})
    await world.fake.wait_for_interaction_response(record.id)
    assert record.ephemeral
    assert "5000" in record.original_content and len(record.original_content) < 200


async def test_cooldown_tells_the_user_when_to_retry(world: World) -> None:
    for _ in range(3):
        record = await world.fake.send_interaction(
            user=MEMBER, channel_id=CHANNEL_ID, name="ask", options={"question": COST_QUESTION}, locale="fr"
        )
        await world.fake.wait_for_followup(record.id)
    record = await world.fake.send_interaction(
        user=MEMBER, channel_id=CHANNEL_ID, name="ask", options={"question": COST_QUESTION}, locale="fr"
    )
    await world.fake.wait_for_interaction_response(record.id)
    assert record.ephemeral
    assert re.search(r"reposer une question dans \d+ s", record.original_content)
    # Another user is not affected.
    other = await world.fake.send_interaction(user=MOD, channel_id=CHANNEL_ID, name="ask", options={"question": COST_QUESTION})
    assert "5,6 millions" in (await world.fake.wait_for_followup(other.id)).content


async def test_an_unexpected_error_is_logged_and_answered_with_an_apology(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken_ask(*args: object, **kwargs: object) -> None:
        raise RuntimeError("index exploded")

    monkeypatch.setattr(world.service, "ask", broken_ask)
    with caplog.at_level(logging.ERROR):
        record = await world.fake.send_interaction(
            user=MEMBER, channel_id=CHANNEL_ID, name="ask", options={"question": COST_QUESTION}, locale="en-US"
        )
        followup = await world.fake.wait_for_followup(record.id)
    assert "Sorry, something went wrong" in followup.content and followup.ephemeral
    assert any("index exploded" in (r.exc_text or "") or r.exc_info for r in caplog.records)
    monkeypatch.undo()
    # Still connected and working.
    help_record = await world.fake.send_interaction(user=MEMBER, channel_id=CHANNEL_ID, name="help", locale="en-US")
    await world.fake.wait_for_interaction_response(help_record.id)
    assert "/ask" in help_record.original_content


async def test_a_wrong_token_exits_with_one_clear_line_and_never_logs_the_token(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(tmp_path, corpus, discord_token=Secret("wrong-" + TOKEN))
    caplog.set_level(logging.DEBUG)
    async with FakeDiscord(token=TOKEN, guilds=[build_guild()]) as fake:
        with patched_endpoints(fake):
            code = await serve(settings, guild_ready_timeout=0.05)
    err = capsys.readouterr().err
    assert code == EXIT_LOGIN
    assert err.strip().count("\n") == 0 and "DISCORD_TOKEN" in err and "Traceback" not in err
    assert TOKEN not in caplog.text and TOKEN not in err


async def test_the_bot_serves_a_reload_made_by_another_process(tmp_path: Path, corpus: Path) -> None:
    settings = make_settings(tmp_path, corpus, store_check_seconds=0.05)
    async with FakeDiscord(token=TOKEN, guilds=[build_guild()], heartbeat_interval_ms=500) as fake:
        with patched_endpoints(fake):
            async with (
                await NewsService.open(settings) as service,
                run_bot(NewsBot(settings, service, guild_ready_timeout=0.05), TOKEN),
            ):
                (corpus / "brindille.txt").write_text(
                    "Le robot Brindille\nLe robot Brindille de la société Ecorce trie les feuilles mortes "
                    "du parc de Rennes.\n",
                    encoding="utf-8",
                )
                async with await NewsService.open(settings, reload_if_changed=False) as cli:
                    assert (await cli.reload()).added == ("articles/brindille.txt",)
                for _ in range(200):
                    if "articles/brindille.txt" in service.engine.articles:
                        break
                    await asyncio.sleep(0.05)
                answer = await service.ask("Que trie le robot Brindille ?")
    assert answer.answered and "feuilles mortes" in answer.citations[0].quote


async def test_answers_are_sent_without_link_previews(world: World) -> None:
    await world.fake.send_message_create(channel_id=CHANNEL_ID, author=MEMBER, content=f"{world.mention} {COST_QUESTION}")
    reply = await world.fake.wait_for_message(CHANNEL_ID)
    assert int(reply.payload.get("flags") or 0) & discord.MessageFlags.suppress_embeds.flag


async def test_reload_of_an_emptied_folder_is_refused_unless_forced(world: World) -> None:
    for file in world.corpus.iterdir():
        file.unlink()
    record = await world.fake.send_interaction(user=MOD, channel_id=CHANNEL_ID, name="reload", locale="en-US")
    refused = await world.fake.wait_for_followup(record.id)
    assert "Reload failed" in refused.content and "force:True" in refused.content
    assert len(world.service.engine.articles) == 5
    record = await world.fake.send_interaction(
        user=MOD, channel_id=CHANNEL_ID, name="reload", options={"force": True}, locale="en-US"
    )
    forced = await world.fake.wait_for_followup(record.id)
    assert "5 removed" in forced.content
