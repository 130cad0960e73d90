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
from retrieval.engine import MAX_QUESTION_CHARS
from tests.fakediscord import (
    EMBED_LINKS,
    CommandNotOffered,
    MANAGE_GUILD,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    FakeRole,
    FakeUser,
    InteractionRecord,
    PermissionOverwrite,
    patched_endpoints,
    run_bot,
)

ROOT = Path(__file__).resolve().parents[3]
TOKEN = "e2e-token-ABCDEF.ghijkl.MNOPQR"
GUILD_ID = 2_200_000_000_000_000_001
CHANNEL_ID = 2_200_000_000_000_000_002
MUTED_CHANNEL_ID = 2_200_000_000_000_000_005
NO_HISTORY_CHANNEL_ID = 2_200_000_000_000_000_006
NO_EMBED_CHANNEL_ID = 2_200_000_000_000_000_007
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
        channels=[
            FakeChannel(id=CHANNEL_ID, name="actu"),
            FakeChannel(
                id=MUTED_CHANNEL_ID, name="annonces", overwrites=[PermissionOverwrite(GUILD_ID, deny=SEND_MESSAGES)]
            ),
            FakeChannel(
                id=NO_HISTORY_CHANNEL_ID,
                name="flux",
                overwrites=[PermissionOverwrite(GUILD_ID, deny=READ_MESSAGE_HISTORY)],
            ),
            FakeChannel(
                id=NO_EMBED_CHANNEL_ID, name="texte", overwrites=[PermissionOverwrite(GUILD_ID, deny=EMBED_LINKS)]
            ),
        ],
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
        mod_role=str(NEWSROOM_ROLE_ID),
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


async def test_commands_are_synced_to_the_configured_guild_for_servers_only_without_default_permissions(
    world: World,
) -> None:
    commands = {c["name"]: c for c in world.fake.synced_commands(GUILD_ID) if c["type"] == 1}
    assert set(commands) == {"ask", "headlines", "sources", "help", "reload", "stats", "feeds", "import"}
    # Discord enforces default permissions before the bot sees the interaction, which would
    # lock out the moderator role: the check is the bot's own.
    for name in ("reload", "stats", "feeds", "import"):
        assert commands[name].get("default_member_permissions") is None
        assert commands[name]["contexts"] == [0]
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
    assert "5,6 millions" in reply.text
    quotes = quoted_lines(reply.text)
    articles = {a.path: a.text for a in world.service.engine.articles.values()}
    assert quotes and all(any(q.strip("…") in text for text in articles.values()) for q in quotes)
    assert re.search(r"`articles/00\d_[0-9a-f]+\.txt`", reply.text)
    assert_no_pings(reply.allowed_mentions)
    assert world.fake.find_requests("POST", "/channels/{channel_id}/typing")


async def test_mention_without_a_question_gets_a_usage_line(world: World) -> None:
    await world.fake.send_message_create(channel_id=CHANNEL_ID, author=MEMBER, content=world.mention)
    reply = await world.fake.wait_for_message(CHANNEL_ID)
    assert "/ask" in reply.text


async def test_messages_from_bots_and_without_mention_are_ignored(world: World) -> None:
    await world.fake.send_message_create(
        channel_id=CHANNEL_ID, author=OTHER_BOT, content=f"{world.mention} {COST_QUESTION}"
    )
    await world.fake.send_message_create(channel_id=CHANNEL_ID, author=MEMBER, content=COST_QUESTION)
    # A question that is answered proves the earlier two were processed and ignored.
    await world.fake.send_message_create(
        channel_id=CHANNEL_ID, author=MEMBER, content=f"{world.mention} {COST_QUESTION}"
    )
    await world.fake.wait_for_message(CHANNEL_ID)
    await world.fake.send_message_create(channel_id=CHANNEL_ID, author=MEMBER, content=f"{world.mention} ")
    await world.fake.wait_for_message(CHANNEL_ID, predicate=lambda m: "/ask" in m.text)
    # Exactly the two replies: nothing for the bot, nothing for the unmentioned message,
    # and the bot's own replies (echoed back by the gateway) were not answered.
    assert len(world.fake.sent_messages(CHANNEL_ID)) == 2


async def test_direct_message_is_answered(world: World) -> None:
    dm = world.fake.dm_channel_id(MEMBER)
    await world.fake.send_message_create(
        channel_id=dm, author=MEMBER, content="Pour combien HP a-t-il racheté Humane ?"
    )
    reply = await world.fake.wait_for_message(dm)
    assert "116 millions" in reply.text


async def test_ask_command_defers_then_answers_in_the_users_locale(world: World) -> None:
    record = await world.fake.send_interaction(
        user=MEMBER, channel_id=CHANNEL_ID, name="ask", options={"question": COST_QUESTION}, locale="en-US"
    )
    followup = await world.fake.wait_for_followup(record.id)
    assert record.response_type == 5  # deferred: the answer may take longer than 3 s
    assert followup.text.startswith("From the article")
    assert "5,6 millions" in followup.text
    assert_no_pings(followup.allowed_mentions)


async def test_ask_command_in_french_locale_uses_french_templates(world: World) -> None:
    record = await world.fake.send_interaction(
        user=MEMBER, channel_id=CHANNEL_ID, name="ask", options={"question": "Quand sortira GPT-5 ?"}, locale="fr"
    )
    followup = await world.fake.wait_for_followup(record.id)
    assert "ne parlent pas de" in followup.text and "GPT-5" in followup.text


async def test_headlines_lists_dated_articles_first(world: World) -> None:
    record = await world.fake.send_interaction(
        user=MEMBER, channel_id=CHANNEL_ID, name="headlines", options={"count": 2}, locale="fr"
    )
    content = (await world.fake.wait_for_followup(record.id)).text
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
    assert "1 added" in followup.text and "1 failed" in followup.text
    assert "articles/casse.txt" in followup.text and "binary" in followup.text
    answer = await world.service.ask("Que trie le robot Brindille ?")
    assert answer.answered


async def test_reload_by_a_member_with_the_configured_role_is_allowed(world: World) -> None:
    # No Manage Server permission, only the role named in NEWSBOT_MOD_ROLE.
    record = await world.fake.send_interaction(user=JOURNALIST, channel_id=CHANNEL_ID, name="reload", permissions=0)
    followup = await world.fake.wait_for_followup(record.id)
    assert "Reload done" in followup.text


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
    followup = await world.fake.wait_for_followup(record.id)
    assert followup.ephemeral and "GPT-5" in followup.text


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
        channel_id=CHANNEL_ID,
        author=MEMBER,
        content=f"{world.mention} Qu'a écrit le président du club de pétanque Zorglub ?",
    )
    reply = await world.fake.wait_for_message(CHANNEL_ID)
    assert "tournoi" in reply.text
    assert_no_pings(reply.allowed_mentions)
    assert reply.pinged_user_ids == [] and not reply.message.get("mention_everyone")
    assert "@everyone" not in reply.text  # defused with a zero-width space
    assert "**printemps**" not in reply.text and "\\*\\*printemps\\*\\*" in reply.text
    assert not re.search(r"(?<!\\)\[un lien\]\(", reply.text)  # no live masked link
    assert "```" not in reply.text


async def test_a_5000_character_question_is_refused_by_discord_itself(world: World) -> None:
    [option] = [c for c in world.fake.synced_commands(GUILD_ID) if c["name"] == "ask"][0]["options"]
    assert option["max_length"] == MAX_QUESTION_CHARS
    question = ("Combien a coûté DeepSeek ? " * 200)[:5000]
    with pytest.raises(CommandNotOffered, match="max_length"):
        await world.fake.send_interaction(
            user=MEMBER, channel_id=CHANNEL_ID, name="ask", options={"question": question}
        )


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
    other = await world.fake.send_interaction(
        user=MOD, channel_id=CHANNEL_ID, name="ask", options={"question": COST_QUESTION}
    )
    assert "5,6 millions" in (await world.fake.wait_for_followup(other.id)).text


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
    assert "Sorry, something went wrong" in followup.text and followup.ephemeral
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
    await world.fake.send_message_create(
        channel_id=CHANNEL_ID, author=MEMBER, content=f"{world.mention} {COST_QUESTION}"
    )
    reply = await world.fake.wait_for_message(CHANNEL_ID)
    # The answer is an embed: no content, so no link of it can unfurl into a preview.
    assert reply.embeds and not reply.content
    await world.fake.send_message_create(
        channel_id=NO_EMBED_CHANNEL_ID, author=MEMBER, content=f"{world.mention} {COST_QUESTION}"
    )
    plain = await world.fake.wait_for_message(NO_EMBED_CHANNEL_ID)
    assert int(plain.payload.get("flags") or 0) & discord.MessageFlags.suppress_embeds.flag


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


# ---------------------------------------------------------------- what real Discord does differently


async def answered_in(world: World, channel_id: int, start: int = 0) -> None:
    """A question answered in ``channel_id``: every message delivered before it was handled
    (discord.py starts event handlers in arrival order), so earlier silence is real."""
    await world.fake.send_message_create(channel_id=channel_id, author=MOD, content=f"{world.mention} {COST_QUESTION}")
    await world.fake.wait_for_message(channel_id, start=start, predicate=lambda m: "5,6 millions" in m.text)


async def test_a_member_with_only_the_moderator_role_id_may_see_and_run_stats(world: World) -> None:
    record = await world.fake.send_interaction(user=JOURNALIST, channel_id=CHANNEL_ID, name="stats")
    followup = await world.fake.wait_for_followup(record.id)
    assert followup.ephemeral and "Corpus" in followup.text


async def test_a_question_deleted_before_the_answer_still_gets_it_as_a_plain_message(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_ask = world.service.ask

    async def ask_after_deletion(*args: object, **kwargs: object) -> object:
        # The asker deletes the question while the answer is being composed.
        question_id = max(i for i, m in world.fake.messages.items() if m["author"]["id"] == str(MEMBER.id))
        await world.fake.delete_message(question_id)
        return await real_ask(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(world.service, "ask", ask_after_deletion)
    await world.fake.send_message_create(
        channel_id=CHANNEL_ID, author=MEMBER, content=f"{world.mention} {COST_QUESTION}"
    )
    reply = await world.fake.wait_for_message(CHANNEL_ID, predicate=lambda m: "5,6 millions" in m.text)
    assert reply.payload["message_reference"]["fail_if_not_exists"] is False
    assert not [r for r in world.fake.find_requests("POST", "/channels/{channel_id}/messages") if r.status >= 400]


async def test_the_cooldown_is_said_once_per_window_then_silence(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="bot.discord"):
        for _ in range(6):
            await world.fake.send_message_create(
                channel_id=CHANNEL_ID, author=MEMBER, content=f"{world.mention} {COST_QUESTION}"
            )
        await answered_in(world, CHANNEL_ID)
        await world.fake.wait_for(
            lambda: len([m for m in world.fake.sent_messages(CHANNEL_ID) if "5,6 millions" in m.text]) == 4 or None
        )
    slow_down = [m for m in world.fake.sent_messages(CHANNEL_ID) if "Doucement" in m.text]
    assert len(slow_down) == 1
    assert sum("cooldown: ignoring" in r.getMessage() for r in caplog.records) == 2


async def test_no_retrieval_and_no_request_where_the_bot_may_not_post(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    asked_before = (await world.service.stats()).store.asked_day
    with caplog.at_level(logging.WARNING, logger="bot.discord"):
        for _ in range(2):
            await world.fake.send_message_create(
                channel_id=MUTED_CHANNEL_ID, author=MEMBER, content=f"{world.mention} {COST_QUESTION}"
            )
        await answered_in(world, CHANNEL_ID)
    assert not world.fake.find_requests(channel_id=MUTED_CHANNEL_ID)
    assert (await world.service.stats()).store.asked_day == asked_before + 1
    assert sum(f"channel {MUTED_CHANNEL_ID}" in r.getMessage() for r in caplog.records) == 1


async def test_a_forbidden_post_is_logged_once_per_channel_and_not_followed_by_an_apology(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    # Discord took Send Messages away without the bot's cache knowing yet.
    channel = world.fake.guilds[GUILD_ID].get_channel(CHANNEL_ID)
    assert channel is not None
    channel.overwrites.append(PermissionOverwrite(GUILD_ID, deny=SEND_MESSAGES))
    with caplog.at_level(logging.WARNING, logger="bot.discord"):
        for _ in range(2):
            await world.fake.send_message_create(
                channel_id=CHANNEL_ID, author=MEMBER, content=f"{world.mention} {COST_QUESTION}"
            )
        await world.fake.wait_for(
            lambda: (
                len(world.fake.find_requests("POST", "/channels/{channel_id}/messages", channel_id=CHANNEL_ID)) == 2
                or None
            )
        )
        channel.overwrites.clear()
        await answered_in(world, CHANNEL_ID)
    posts = world.fake.find_requests("POST", "/channels/{channel_id}/messages", channel_id=CHANNEL_ID)
    assert [p.status for p in posts] == [403, 403, 200]
    assert sum(f"channel {CHANNEL_ID}" in r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING) == 1
    assert not any(r.exc_info for r in caplog.records)


async def test_without_read_message_history_the_answer_is_not_a_reply(world: World) -> None:
    await world.fake.send_message_create(
        channel_id=NO_HISTORY_CHANNEL_ID, author=MEMBER, content=f"{world.mention} {COST_QUESTION}"
    )
    reply = await world.fake.wait_for_message(NO_HISTORY_CHANNEL_ID)
    assert "5,6 millions" in reply.text and reply.reference_id is None


async def test_a_mention_of_the_bots_role_counts_as_a_mention(world: World) -> None:
    guild = world.bot.get_guild(GUILD_ID)
    role = guild.self_role if guild is not None else None
    assert role is not None
    await world.fake.send_message_create(
        channel_id=CHANNEL_ID, author=MEMBER, content=f"{role.mention} {COST_QUESTION}"
    )
    reply = await world.fake.wait_for_message(CHANNEL_ID)
    # Discord withholds the text of a role mention from a bot without the content intent:
    # the asker learns how to reach the bot instead of being ignored.
    assert "mon rôle" in reply.text and "/ask" in reply.text
    dm = world.fake.dm_channel_id(MEMBER)
    await world.fake.send_message_create(channel_id=dm, author=MEMBER, content=f"{role.mention} {COST_QUESTION}")
    assert "5,6 millions" in (await world.fake.wait_for_message(dm)).text


async def test_a_thank_you_reply_is_ignored_but_a_question_in_reply_is_answered(world: World) -> None:
    await world.fake.send_message_create(
        channel_id=CHANNEL_ID, author=MEMBER, content=f"{world.mention} {COST_QUESTION}"
    )
    answer = await world.fake.wait_for_message(CHANNEL_ID)
    answer_id = int(answer.message["id"])
    await world.fake.send_message_create(channel_id=CHANNEL_ID, author=MEMBER, content="merci !", reply_to=answer_id)
    await world.fake.send_message_create(
        channel_id=CHANNEL_ID, author=MEMBER, content="Pour combien HP a-t-il racheté Humane ?", reply_to=answer_id
    )
    second = await world.fake.wait_for_message(CHANNEL_ID, start=1)
    assert "116 millions" in second.text
    await answered_in(world, CHANNEL_ID, start=2)
    assert len(world.fake.sent_messages(CHANNEL_ID)) == 3


async def test_webhook_and_system_messages_are_never_questions(world: World) -> None:
    question = f"{world.mention} {COST_QUESTION}"
    await world.fake.send_message_create(
        channel_id=CHANNEL_ID, author=MEMBER, content=question, extra={"webhook_id": "1234"}
    )
    await world.fake.send_message_create(channel_id=CHANNEL_ID, author=MEMBER, content=question, extra={"type": 7})
    await answered_in(world, CHANNEL_ID)
    # Only the real question showed "typing…" (the first thing an answer does).
    assert len(world.fake.find_requests("POST", "/channels/{channel_id}/typing")) == 1
    assert len(world.fake.sent_messages(CHANNEL_ID)) == 1


@pytest.mark.parametrize("command", ["headlines", "sources", "stats"])
async def test_listing_commands_defer_before_reading_the_store(
    world: World, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    release = asyncio.Event()
    real = getattr(world.service, command)

    async def slow_store(*args: object, **kwargs: object) -> object:
        await release.wait()
        return await real(*args, **kwargs)

    monkeypatch.setattr(world.service, command, slow_store)
    record = await world.fake.send_interaction(user=MOD, channel_id=CHANNEL_ID, name=command)
    try:
        await world.fake.wait_for_interaction_response(record.id, timeout=5)
        assert record.response_type == 5
    finally:
        release.set()
    await world.fake.wait_for_followup(record.id)


async def start_and_stop(fake: FakeDiscord, settings: Settings) -> None:
    async with await NewsService.open(settings) as service:
        async with run_bot(NewsBot(settings, service, guild_ready_timeout=0.05), TOKEN):
            pass


async def test_a_second_application_on_the_same_data_folder_syncs_its_commands(tmp_path: Path, corpus: Path) -> None:
    settings = make_settings(tmp_path, corpus)
    for _ in range(2):  # two tokens, two applications, one data folder
        async with FakeDiscord(token=TOKEN, guilds=[build_guild()]) as fake:
            with patched_endpoints(fake):
                await start_and_stop(fake, settings)
            assert {c["name"] for c in fake.synced_commands(GUILD_ID)} >= {"ask", "reload"}


async def test_switching_between_guild_and_global_sync_leaves_each_command_once(tmp_path: Path, corpus: Path) -> None:
    guild_settings = make_settings(tmp_path, corpus)
    async with FakeDiscord(token=TOKEN, guilds=[build_guild()]) as fake:
        with patched_endpoints(fake):
            await start_and_stop(fake, guild_settings)
            await start_and_stop(fake, replace(guild_settings, guild_ids=()))
            assert fake.synced_commands(GUILD_ID) == []
            assert {c["name"] for c in fake.synced_commands(None)} >= {"ask", "reload"}
            await start_and_stop(fake, guild_settings)
            assert fake.synced_commands(None) == []
            assert {c["name"] for c in fake.synced_commands(GUILD_ID)} >= {"ask", "reload"}


async def test_a_guild_that_refuses_commands_is_one_line_and_the_bot_still_starts(
    tmp_path: Path, corpus: Path, caplog: pytest.LogCaptureFixture
) -> None:
    foreign_guild = 2_200_000_000_000_000_999  # the bot was never invited there
    settings = make_settings(tmp_path, corpus, guild_ids=(foreign_guild, GUILD_ID))
    async with FakeDiscord(token=TOKEN, guilds=[build_guild()]) as fake:
        with patched_endpoints(fake), caplog.at_level(logging.WARNING):
            async with await NewsService.open(settings) as service:
                async with run_bot(NewsBot(settings, service, guild_ready_timeout=0.05), TOKEN) as bot:
                    assert bot.is_ready()
                    assert fake.synced_commands(GUILD_ID)
    lines = [r for r in caplog.records if str(foreign_guild) in r.getMessage()]
    assert len(lines) == 1 and lines[0].exc_info is None


# ---------------------------------------------------------------- answers with clickable sources

BRINDILLE = """---
title: Le robot Brindille [tri] des feuilles
source: Le Journal *vert*
url: https://example.org/brindille?id=1
published: 2025-02-03
---
Le robot Brindille
Le robot Brindille de la société Ecorce trie les feuilles mortes du parc de Rennes.
"""


async def test_an_answer_is_an_embed_whose_source_title_links_to_the_article(world: World) -> None:
    (world.corpus / "brindille.txt").write_text(BRINDILLE, encoding="utf-8")
    await world.service.reload()
    await world.fake.send_message_create(
        channel_id=CHANNEL_ID, author=MEMBER, content=f"{world.mention} Que trie le robot Brindille ?"
    )
    reply = await world.fake.wait_for_message(CHANNEL_ID)
    [embed] = reply.embeds
    description = embed["description"]
    assert "> Le robot Brindille de la société Ecorce trie les feuilles mortes" in description
    assert "[Le robot Brindille \\[tri\\] des feuilles](https://example.org/brindille?id=1)" in description
    assert "Le Journal \\*vert\\*" in description and "2025-02-03" in description
    assert "brindille.txt" not in description  # the link replaces the file path
    assert_no_pings(reply.allowed_mentions)


async def test_without_embed_links_the_answer_is_plain_text_with_the_file_path(world: World) -> None:
    await world.fake.send_message_create(
        channel_id=NO_EMBED_CHANNEL_ID, author=MEMBER, content=f"{world.mention} {COST_QUESTION}"
    )
    reply = await world.fake.wait_for_message(NO_EMBED_CHANNEL_ID)
    assert not reply.payload.get("embeds")
    assert "5,6 millions" in reply.content and re.search(r"`articles/00\d_[0-9a-f]+\.txt`", reply.content)


async def test_ask_answers_with_an_embed(world: World) -> None:
    record = await world.fake.send_interaction(
        user=MEMBER, channel_id=CHANNEL_ID, name="ask", options={"question": COST_QUESTION}, locale="en-US"
    )
    followup = await world.fake.wait_for_followup(record.id)
    assert followup.embeds and "5,6 millions" in followup.embeds[0]["description"]


# ---------------------------------------------------------------- localisation the Discord way


async def test_commands_carry_french_names_and_descriptions(world: World) -> None:
    commands = {c["name"]: c for c in world.fake.synced_commands(GUILD_ID)}
    assert commands["headlines"]["name_localizations"]["fr"] == "titres"
    assert commands["ask"]["description"] == "Ask a question about the news"
    assert commands["ask"]["description_localizations"]["fr"] == "Poser une question sur l'actualité"
    assert commands["ask"]["options"][0]["description_localizations"]["fr"] == "Votre question"
    assert all("/" not in c["description"] for c in commands.values())  # one language per string


async def test_every_command_subcommand_and_option_has_a_french_name_and_description(world: World) -> None:
    def untranslated(item: dict, path: str) -> list[str]:
        missing = [] if "fr" in (item.get("name_localizations") or {}) else [f"{path} name"]
        if item.get("type", 1) == 1 or "description" in item and item["description"]:
            if "fr" not in (item.get("description_localizations") or {}):
                missing.append(f"{path} description")
        for option in item.get("options") or []:
            missing += untranslated({**option, "type": 1}, f"{path} {option['name']}")
        return missing

    commands = world.fake.synced_commands(GUILD_ID)
    assert [m for c in commands for m in untranslated(c, "/" + c["name"])] == []
    french = {c["name"]: c["name_localizations"]["fr"] for c in commands}
    assert french["feeds"] == "flux" and french["import"] == "importer"
    feeds = next(c for c in commands if c["name"] == "feeds")
    assert {o["name_localizations"]["fr"] for o in feeds["options"]} == {"ajouter", "liste", "retirer"}


@pytest.mark.parametrize("locale", ["fr", "en-US"])
async def test_help_names_the_commands_as_the_users_client_shows_them(world: World, locale: str) -> None:
    record = await world.fake.send_interaction(user=MEMBER, channel_id=CHANNEL_ID, name="help", locale=locale)
    await world.fake.wait_for_interaction_response(record.id)
    named = set(re.findall(r"`/([\w-]+)", record.original_content or ""))
    commands = world.fake.synced_commands(GUILD_ID)
    shown = {
        (c.get("name_localizations") or {}).get("fr", c["name"]) if locale == "fr" else c["name"] for c in commands
    }
    assert named and named <= shown
    assert ("demander" in named) == (locale == "fr")


async def test_replies_follow_the_users_locale_then_the_servers_then_the_question(world: World) -> None:
    english_server = await world.fake.send_interaction(
        user=MEMBER,
        channel_id=CHANNEL_ID,
        name="ask",
        options={"question": COST_QUESTION},
        locale="de",
        guild_locale="en-US",
    )
    assert (await world.fake.wait_for_followup(english_server.id)).text.startswith("From")
    english_user = await world.fake.send_interaction(
        user=MOD,
        channel_id=CHANNEL_ID,
        name="ask",
        options={"question": COST_QUESTION},
        locale="en-GB",
        guild_locale="fr",
    )
    assert (await world.fake.wait_for_followup(english_user.id)).text.startswith("From")
    neither = await world.fake.send_interaction(
        user=JOURNALIST,
        channel_id=CHANNEL_ID,
        name="ask",
        options={"question": "How much did training DeepSeek R1 cost?"},
        locale="de",
        guild_locale="de",
    )
    assert (await world.fake.wait_for_followup(neither.id)).text.startswith("From")


# ---------------------------------------------------------------- buttons


async def click(world: World, user: FakeUser, message: dict, custom_id: str) -> InteractionRecord:
    """What Discord sends when ``user`` presses the button ``custom_id`` under ``message``."""
    return await world.fake.click_button(user=user, message_id=int(message["id"]), custom_id=custom_id)


def button_ids(message: dict) -> list[str]:
    return [c["custom_id"] for row in message.get("components") or [] for c in row.get("components") or []]


async def test_the_asker_can_delete_the_answer_even_after_a_restart(world: World) -> None:
    await world.fake.send_message_create(
        channel_id=CHANNEL_ID, author=MEMBER, content=f"{world.mention} {COST_QUESTION}"
    )
    answer = await world.fake.wait_for_message(CHANNEL_ID)
    [delete] = [i for i in button_ids(answer.message) if i.startswith("newsbot:delete:")]
    refused = await click(world, MOD, answer.message, delete)
    await world.fake.wait_for_interaction_response(refused.id)
    assert refused.ephemeral and "Only the person who asked" in (refused.original_content or "")
    assert answer.id in world.fake.messages
    # A new process: no view was registered for this message, the custom id is enough.
    await world.bot.close()
    async with run_bot(NewsBot(world.settings, world.service, guild_ready_timeout=0.05), TOKEN):
        accepted = await click(world, MEMBER, answer.message, delete)
        await world.fake.wait_for(lambda: answer.id not in world.fake.messages or None)
    assert accepted.response_type == 6


async def test_a_reply_that_meets_a_rate_limit_is_still_delivered(world: World) -> None:
    # Discord answers 429 with retry_after when a channel's messages come too fast; the bot
    # (discord.py) must wait and retry rather than lose the answer.
    route = "/channels/{channel_id}/messages"
    world.fake.rate_limit("POST", route, limit=1, per_s=2.0)
    for _ in range(2):
        await world.fake.send_message_create(
            channel_id=CHANNEL_ID, author=MEMBER, content=f"{world.mention} {COST_QUESTION}"
        )
    await world.fake.wait_for(lambda: len(world.fake.sent_messages(CHANNEL_ID)) >= 2 or None, what="both replies")
    replies = world.fake.sent_messages(CHANNEL_ID)
    assert len(replies) == 2 and all("5,6 millions" in reply.text for reply in replies)
    assert [r.status for r in world.fake.find_requests("POST", route)].count(429) >= 1
