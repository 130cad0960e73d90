"""Self-test: the fake Discord drives the real, unmodified discord.py client.

Why: every end-to-end test of the bot trusts this fake. These tests prove that
discord.py accepts what the fake sends (READY, GUILD_CREATE, interactions, REST
bodies) and that the fake records what discord.py does, using a tiny bot defined
here rather than the production bot, so a failure points at the fake.
"""

from __future__ import annotations

import io
import math
from collections.abc import AsyncIterator

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from .harness import patched_endpoints, run_bot
from .models import (
    MANAGE_GUILD,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    FakeChannel,
    FakeGuild,
    FakeRole,
    FakeUser,
    PermissionOverwrite,
)
from .records import RecordedRequest
from .server import CommandNotOffered, ComponentNotOffered, FakeDiscord

TOKEN = "test-token"
GUILD_ID = 1_100_000_000_000_000_001
CHANNEL_ID = 1_100_000_000_000_000_002
READ_ONLY_CHANNEL_ID = 1_100_000_000_000_000_004
MOD_ROLE_ID = 1_100_000_000_000_000_003
ALICE = FakeUser(id=1_100_000_000_000_000_010, username="alice")
BOB = FakeUser(id=1_100_000_000_000_000_011, username="bob")
CAROL = FakeUser(id=1_100_000_000_000_000_012, username="carol")


def build_guild() -> FakeGuild:
    """Fresh per test: the fake mutates guilds (adds the bot as a member)."""
    guild = FakeGuild(
        id=GUILD_ID,
        name="Newsroom",
        owner_id=BOB.id,
        roles=[FakeRole(id=MOD_ROLE_ID, name="mods", permissions=MANAGE_GUILD, position=1)],
        channels=[
            FakeChannel(id=CHANNEL_ID, name="general"),
            FakeChannel(
                id=READ_ONLY_CHANNEL_ID,
                name="announcements",
                overwrites=[PermissionOverwrite(target_id=GUILD_ID, deny=SEND_MESSAGES)],
            ),
        ],
        preferred_locale="fr",
    )
    guild.add_member(ALICE, role_ids=[MOD_ROLE_ID])
    guild.add_member(BOB)
    guild.add_member(CAROL)
    return guild


@app_commands.command(name="ask", description="Ask the bot a question")
@app_commands.describe(question="What you want to know")
async def ask(interaction: discord.Interaction, question: str) -> None:
    """Echoes locale and Manage Server so tests see what discord.py parsed."""
    manage = interaction.permissions.manage_guild
    await interaction.response.send_message(
        f"[{interaction.locale.value}] manage={manage} you asked: {question}", ephemeral=True
    )


@app_commands.command(name="slow", description="Defer, then edit and follow up")
async def slow(interaction: discord.Interaction) -> None:
    await interaction.response.defer(thinking=True)
    await interaction.edit_original_response(content="done")
    await interaction.followup.send("extra", file=discord.File(io.BytesIO(b"hello"), "note.txt"), wait=True)


class TinyBot(commands.Bot):
    """One slash command tree and a mention reply, nothing else."""

    def __init__(self) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=0.05,
            help_command=None,
        )
        self.seen_contents: list[str] = []

    async def setup_hook(self) -> None:
        self.tree.add_command(ask)
        self.tree.add_command(slow)
        self.tree.copy_global_to(guild=discord.Object(GUILD_ID))

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot:
            return
        self.seen_contents.append(message.content)
        if self.user in message.mentions:
            await message.reply(f"pong: {message.content}", mention_author=False)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(token=TOKEN, guilds=[build_guild()], heartbeat_interval_ms=200) as server:
        with patched_endpoints(server):
            yield server


@pytest.fixture
async def bot(fake: FakeDiscord) -> AsyncIterator[TinyBot]:
    async with run_bot(TinyBot(), TOKEN) as running:
        yield running


async def test_login_ready_and_heartbeats(fake: FakeDiscord, bot: TinyBot) -> None:
    assert bot.user is not None and bot.user.id == fake.bot_user.id
    assert bot.application_id == fake.application_id
    guild = bot.get_guild(GUILD_ID)
    assert guild is not None and guild.get_channel(CHANNEL_ID) is not None
    assert guild.preferred_locale is discord.Locale.french
    assert fake.identify_payloads[0]["intents"] == discord.Intents.default().value
    assert fake.gateway.connect_queries[0] == {"v": "10", "encoding": "json", "compress": "zlib-stream"}
    assert [r.key for r in fake.requests[:2]] == ["GET /users/@me", "GET /oauth2/applications/@me"]
    assert all("Authorization" not in r.headers and r.authorized for r in fake.requests)

    beats = await fake.wait_for_heartbeats(2)
    assert beats[1] > beats[0]
    assert math.isfinite(bot.latency)  # set only when a HEARTBEAT_ACK arrives
    assert fake.unknown_requests == []


async def test_tree_sync_to_guild_hits_put_route(fake: FakeDiscord, bot: TinyBot) -> None:
    synced = await bot.tree.sync(guild=discord.Object(GUILD_ID))

    put = fake.find_requests("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", guild_id=GUILD_ID)
    assert len(put) == 1 and put[0].status == 200
    assert sorted(c["name"] for c in put[0].json) == ["ask", "slow"]
    ask_payload = next(c for c in put[0].json if c["name"] == "ask")
    assert ask_payload["options"][0]["name"] == "question" and ask_payload["options"][0]["required"] is True
    assert {c.name: c.id for c in synced} == {c["name"]: int(c["id"]) for c in fake.synced_commands(GUILD_ID)}
    fetched = await bot.tree.fetch_commands(guild=discord.Object(GUILD_ID))
    assert sorted(c.name for c in fetched) == ["ask", "slow"]


async def test_mention_gets_reply_with_reference(fake: FakeDiscord, bot: TinyBot) -> None:
    await fake.send_message_create(channel_id=CHANNEL_ID, author=BOB, content="no mention here")
    mention = f"<@{fake.bot_user.id}> what happened?"
    message_id = await fake.send_message_create(channel_id=CHANNEL_ID, author=ALICE, content=mention)

    reply = await fake.wait_for_message(CHANNEL_ID)

    assert reply.reference_id == message_id
    assert reply.message["type"] == 19 and reply.message["referenced_message"]["id"] == str(message_id)
    assert reply.content == f"pong: {mention}"
    assert reply.allowed_mentions == {"parse": [], "replied_user": False}
    assert reply.pinged_user_ids == []
    # Default intents lack MESSAGE_CONTENT: like Discord, only the mention kept its content.
    assert bot.seen_contents == ["", mention]


async def test_interaction_gets_callback(fake: FakeDiscord, bot: TinyBot) -> None:
    await bot.tree.sync(guild=discord.Object(GUILD_ID))
    as_mod = await fake.send_interaction(user=ALICE, channel_id=CHANNEL_ID, name="ask", options={"question": "why?"})
    as_member = await fake.send_interaction(
        user=BOB, channel_id=CHANNEL_ID, name="ask", options={"question": "how?"}, locale="en-US", permissions=0
    )

    mod = await fake.wait_for_interaction_response(as_mod.id)
    member = await fake.wait_for_interaction_response(as_member.id)

    assert as_mod.payload["data"]["guild_id"] == str(GUILD_ID)
    assert mod.response_type == 4 and mod.ephemeral
    assert fake.interaction_responses(as_mod.id)[0]["data"]["content"] == "[en-US] manage=True you asked: why?"
    assert member.original_content == "[en-US] manage=False you asked: how?"
    callback = fake.find_requests("POST", "/interactions/{interaction_id}/{token}/callback")[0]
    assert callback.query == {"with_response": "1"} and not callback.authorized


async def test_deferred_edit_and_followup(fake: FakeDiscord, bot: TinyBot) -> None:
    await bot.tree.sync(guild=discord.Object(GUILD_ID))
    record = await fake.send_interaction(user=ALICE, channel_id=CHANNEL_ID, name="slow", locale="fr")

    followup = await fake.wait_for_followup(record.id)

    assert record.response_type == 5
    assert record.original_content == "done" and len(record.original_edits) == 1
    assert followup.content == "extra" and followup.id != int(record.original["id"])
    assert followup.message["attachments"][0]["filename"] == "note.txt"  # multipart payload_json + file
    upload = fake.find_requests("POST", "/webhooks/{application_id}/{token}")[0]
    assert upload.query["wait"] == "1" and upload.files[0].data == b"hello"
    assert fake.unknown_requests == []


async def test_dm_message_and_interaction(fake: FakeDiscord, bot: TinyBot) -> None:
    await bot.tree.sync()
    assert [c["name"] for c in fake.synced_commands()] == ["ask", "slow"]
    carol = fake.add_user(FakeUser(id=1_100_000_000_000_000_012, username="carol"))
    dm = fake.dm_channel_id(carol)
    await fake.send_message_create(channel_id=dm, author=carol, content=f"<@{fake.bot_user.id}> hi")
    reply = await fake.wait_for_message(dm)
    assert reply.content.startswith("pong:")

    record = await fake.send_interaction(
        user=carol, channel_id=dm, name="ask", options={"question": "dm?"}, locale="fr"
    )
    await fake.wait_for_interaction_response(record.id)
    assert record.original_content == "[fr] manage=False you asked: dm?"
    assert "guild_id" not in record.payload and record.payload["context"] == 1


async def test_resume_after_disconnect(fake: FakeDiscord, bot: TinyBot) -> None:
    session_id = fake.dispatched[0]["d"]["session_id"]  # from READY
    await fake.disconnect_gateway(code=4000)

    await fake.wait_for(lambda: fake.gateway.resume_payloads or None, what="RESUME")
    assert fake.gateway.resume_payloads[0]["session_id"] == session_id
    await fake.wait_for(lambda: any(d["t"] == "RESUMED" for d in fake.dispatched) or None, what="RESUMED")

    await fake.send_message_create(channel_id=CHANNEL_ID, author=ALICE, content=f"<@{fake.bot_user.id}> still there?")
    await fake.wait_for_message(CHANNEL_ID)
    assert len(fake.identify_payloads) == 1


async def test_wrong_token_raises_login_failure(fake: FakeDiscord) -> None:
    tiny = TinyBot()
    try:
        with pytest.raises(discord.LoginFailure):
            await tiny.start("not-the-token")
    finally:
        await tiny.close()

    login: RecordedRequest = fake.requests[0]
    assert login.key == "GET /users/@me" and login.status == 401 and not login.authorized
    assert login.response == {"message": "401: Unauthorized", "code": 0}
    assert fake.identify_payloads == []


async def test_unknown_route_is_recorded_and_404s(fake: FakeDiscord, bot: TinyBot) -> None:
    with pytest.raises(discord.NotFound) as excinfo:
        await bot.http.request(discord.http.Route("GET", "/not/a/route"))

    assert excinfo.value.text == "404: Not Found"  # JSON body was decoded by discord.py
    assert [r.path for r in fake.unknown_requests] == ["/not/a/route"]


async def test_rejects_what_discord_rejects(fake: FakeDiscord, bot: TinyBot) -> None:
    general = bot.get_channel(CHANNEL_ID)
    read_only = bot.get_channel(READ_ONLY_CHANNEL_ID)
    assert isinstance(general, discord.TextChannel) and isinstance(read_only, discord.TextChannel)

    with pytest.raises(discord.HTTPException) as too_long:
        await general.send("x" * 2001)
    with pytest.raises(discord.Forbidden) as forbidden:
        await read_only.send("hello")

    assert too_long.value.code == 50035 and "content" in too_long.value.text
    assert forbidden.value.code == 50013
    assert fake.sent_messages() == []


@app_commands.command(name="locked", description="Managers only, servers only")
@app_commands.default_permissions(manage_guild=True)
@app_commands.guild_only()
async def locked(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("ok", ephemeral=True)


async def test_default_member_permissions_and_contexts_are_enforced_before_the_bot(
    fake: FakeDiscord, bot: TinyBot
) -> None:
    bot.tree.add_command(locked)
    bot.tree.copy_global_to(guild=discord.Object(GUILD_ID))
    await bot.tree.sync(guild=discord.Object(GUILD_ID))
    await bot.tree.sync()
    with pytest.raises(CommandNotOffered, match="needs permissions"):
        await fake.send_interaction(user=CAROL, channel_id=CHANNEL_ID, name="locked")
    with pytest.raises(CommandNotOffered, match="context"):
        await fake.send_interaction(user=CAROL, channel_id=fake.dm_channel_id(CAROL), name="locked")
    allowed = await fake.send_interaction(user=ALICE, channel_id=CHANNEL_ID, name="locked")
    await fake.wait_for_interaction_response(allowed.id)
    assert allowed.original_content == "ok"


async def test_a_reply_needs_read_message_history(fake: FakeDiscord, bot: TinyBot) -> None:
    fake.guilds[GUILD_ID].get_channel(CHANNEL_ID).overwrites.append(  # type: ignore[union-attr]  # the channel exists
        PermissionOverwrite(target_id=GUILD_ID, deny=READ_MESSAGE_HISTORY)
    )
    general = bot.get_channel(CHANNEL_ID)
    assert isinstance(general, discord.TextChannel)
    first = await general.send("plain messages still work")
    with pytest.raises(discord.Forbidden) as refused:
        await first.reply("but not replies")
    assert refused.value.code == 50013


async def test_the_first_response_after_three_seconds_is_an_unknown_interaction(
    fake: FakeDiscord, bot: TinyBot
) -> None:
    bot.tree.copy_global_to(guild=discord.Object(GUILD_ID))
    await bot.tree.sync(guild=discord.Object(GUILD_ID))
    record = await fake.send_interaction(user=CAROL, channel_id=CHANNEL_ID, name="unsynced-name-is-fine")
    record.created -= 3.5  # as if the bot had taken too long, without waiting for it
    status = await _post_callback(fake, record.id, record.token)
    assert status == 404 and not record.responded


async def test_a_mention_of_the_bots_managed_role_is_a_role_mention(fake: FakeDiscord, bot: TinyBot) -> None:
    guild = bot.get_guild(GUILD_ID)
    assert guild is not None and guild.self_role is not None
    await fake.send_message_create(channel_id=CHANNEL_ID, author=CAROL, content=f"{guild.self_role.mention} hi")
    await fake.wait_for(lambda: bot.seen_contents or None)
    event = next(d for d in fake.dispatched if d["t"] == "MESSAGE_CREATE")
    assert event["d"]["mention_roles"] == [str(guild.self_role.id)]


async def _post_callback(fake: FakeDiscord, interaction_id: int, token: str) -> int:
    import aiohttp

    async with aiohttp.ClientSession() as session:
        url = f"{fake.api_base}/interactions/{interaction_id}/{token}/callback"
        async with session.post(url, json={"type": 4, "data": {"content": "late"}}) as response:
            return response.status


async def test_embeds_are_dropped_without_embed_links(fake: FakeDiscord, bot: TinyBot) -> None:
    from .models import EMBED_LINKS

    fake.guilds[GUILD_ID].get_channel(CHANNEL_ID).overwrites.append(  # type: ignore[union-attr]  # the channel exists
        PermissionOverwrite(target_id=GUILD_ID, deny=EMBED_LINKS)
    )
    general = bot.get_channel(CHANNEL_ID)
    assert isinstance(general, discord.TextChannel)
    sent = await general.send("text", embed=discord.Embed(description="rich"))
    assert sent.content == "text" and sent.embeds == []


class Counter(discord.ui.View):
    """A persistent view: one button that counts its clicks in the message (type 7)."""

    def __init__(self) -> None:
        super().__init__(timeout=None)
        self.clicks = 0

    @discord.ui.button(label="0", custom_id="tiny:count")
    async def count(self, interaction: discord.Interaction, button: discord.ui.Button[Counter]) -> None:
        self.clicks += 1
        button.label = str(self.clicks)
        await interaction.response.edit_message(content=f"clicked {self.clicks}", view=self)


async def test_a_button_click_is_a_component_interaction_and_type_7_edits_its_message(
    fake: FakeDiscord, bot: TinyBot
) -> None:
    view = Counter()
    bot.add_view(view)
    general = bot.get_channel(CHANNEL_ID)
    assert isinstance(general, discord.TextChannel)
    sent = await general.send("clicked 0", view=view)
    first = await fake.click_button(user=CAROL, message_id=sent.id, custom_id="tiny:count")
    await fake.wait_for_interaction_response(first.id)
    assert first.payload["type"] == 3 and first.payload["data"] == {"custom_id": "tiny:count", "component_type": 2}
    assert first.response_type == 7
    assert fake.messages[sent.id]["content"] == "clicked 1"
    # The next click carries the message as it is now.
    second = await fake.click_button(user=BOB, message_id=sent.id, custom_id="tiny:count")
    await fake.wait_for_interaction_response(second.id)
    assert second.payload["message"]["components"][0]["components"][0]["label"] == "2"


async def test_only_a_button_that_is_there_can_be_pressed(fake: FakeDiscord, bot: TinyBot) -> None:
    general = bot.get_channel(CHANNEL_ID)
    assert isinstance(general, discord.TextChannel)
    plain = await general.send("no buttons")
    with pytest.raises(ComponentNotOffered):
        await fake.click_button(user=CAROL, message_id=plain.id, custom_id="tiny:count")
    user_message = await fake.send_message_create(channel_id=CHANNEL_ID, author=CAROL, content="mine")
    with pytest.raises(ComponentNotOffered):
        await fake.click_button(user=CAROL, message_id=user_message, custom_id="tiny:count")


async def test_update_message_callbacks_are_refused_for_a_slash_command(fake: FakeDiscord, bot: TinyBot) -> None:
    bot.tree.copy_global_to(guild=discord.Object(GUILD_ID))
    await bot.tree.sync(guild=discord.Object(GUILD_ID))
    record = await fake.send_interaction(user=CAROL, channel_id=CHANNEL_ID, name="unsynced-name-is-fine")
    import aiohttp

    async with aiohttp.ClientSession() as session:
        url = f"{fake.api_base}/interactions/{record.id}/{record.token}/callback"
        async with session.post(url, json={"type": 7, "data": {"content": "edit?"}}) as response:
            assert response.status == 400
    assert not record.responded


async def test_a_route_hit_too_fast_answers_429_as_discord_documents_and_discord_py_retries(
    fake: FakeDiscord, bot: TinyBot
) -> None:
    route = "/channels/{channel_id}/messages"
    fake.rate_limit("POST", route, limit=1, per_s=1.0)
    general = bot.get_channel(CHANNEL_ID)
    assert isinstance(general, discord.TextChannel)
    await general.send("first")
    second = await general.send("second")  # discord.py waits retry_after, then retries
    assert second.content == "second"
    [limited] = [r for r in fake.find_requests("POST", route) if r.status == 429]
    assert limited.response["retry_after"] > 0 and limited.response["global"] is False
    assert [m.content for m in fake.sent_messages(CHANNEL_ID)] == ["first", "second"]


async def test_a_429_carries_discords_rate_limit_headers(fake: FakeDiscord, bot: TinyBot) -> None:
    import aiohttp

    fake.rate_limit("POST", "/channels/{channel_id}/typing", limit=1, per_s=30.0)
    url = f"{fake.api_base}/channels/{CHANNEL_ID}/typing"
    async with aiohttp.ClientSession(headers={"Authorization": f"Bot {TOKEN}"}) as session:
        async with session.post(url) as first:
            assert first.status in (200, 204)
        async with session.post(url) as second:
            body = await second.json()
            headers = second.headers
    assert second.status == 429 and 0 < body["retry_after"] <= 30 and body["global"] is False
    assert int(headers["Retry-After"]) >= body["retry_after"] and headers["X-RateLimit-Remaining"] == "0"
    assert {"X-RateLimit-Limit", "X-RateLimit-Reset-After", "X-RateLimit-Bucket", "X-RateLimit-Scope"} <= set(headers)


@app_commands.command(name="pick", description="Pick a fruit")
@app_commands.describe(fruit="A fruit", note="A note")
async def pick(interaction: discord.Interaction, fruit: str, note: str = "") -> None:
    await interaction.response.send_message(f"picked {fruit}")


@pick.autocomplete("fruit")
async def pick_fruit(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    count = 30 if current == "many" else 3
    return [app_commands.Choice(name=f"{current} {n}", value=f"{current}{n}") for n in range(count)]


async def test_autocomplete_is_type_4_with_the_focused_option_and_is_answered_with_choices(
    fake: FakeDiscord, bot: TinyBot
) -> None:
    bot.tree.add_command(pick, guild=discord.Object(GUILD_ID))
    await bot.tree.sync(guild=discord.Object(GUILD_ID))
    choices = await fake.autocomplete(
        user=CAROL, channel_id=CHANNEL_ID, name="pick", options={"fruit": "pom"}, focused="fruit"
    )
    assert choices == [{"name": f"pom {n}", "value": f"pom{n}"} for n in range(3)]
    [record] = [r for r in fake.interactions.values() if r.payload["type"] == 4]
    assert record.payload["data"]["options"] == [{"name": "fruit", "type": 3, "value": "pom", "focused": True}]
    # Only an option declared with autocomplete is completed by the client.
    with pytest.raises(CommandNotOffered, match="autocomplete"):
        await fake.autocomplete(user=CAROL, channel_id=CHANNEL_ID, name="pick", options={"note": "x"}, focused="note")
    # More than 25 choices: Discord refuses the result (discord.py logs the 400).
    too_many = await fake.send_interaction(
        user=CAROL,
        channel_id=CHANNEL_ID,
        interaction_type=4,
        data={**record.payload["data"], "options": [{"name": "fruit", "type": 3, "value": "many", "focused": True}]},
    )
    await fake.wait_for_request(lambda r: r.path.startswith(f"/interactions/{too_many.id}/"))
    assert not too_many.responded


async def test_autocomplete_results_answer_only_autocomplete_interactions(fake: FakeDiscord, bot: TinyBot) -> None:
    import aiohttp

    bot.tree.add_command(pick, guild=discord.Object(GUILD_ID))
    await bot.tree.sync(guild=discord.Object(GUILD_ID))
    # Interactions the tiny bot does not know answer nothing: the test posts the callbacks.
    command = await fake.send_interaction(user=CAROL, channel_id=CHANNEL_ID, name="unsynced", data=None)
    typing = await fake.send_interaction(
        user=CAROL, channel_id=CHANNEL_ID, interaction_type=4, data={"id": "1", "name": "unsynced", "type": 1}
    )
    async with aiohttp.ClientSession() as session:
        for record, body in (
            (command, {"type": 8, "data": {"choices": []}}),
            (typing, {"type": 4, "data": {"content": "x"}}),
        ):
            url = f"{fake.api_base}/interactions/{record.id}/{record.token}/callback"
            async with session.post(url, json=body) as response:
                assert response.status == 400
    assert not command.responded and not typing.responded


async def test_buttons_need_unique_custom_ids_of_at_most_100_characters(fake: FakeDiscord, bot: TinyBot) -> None:
    import aiohttp

    def row(*ids: str) -> list[dict]:
        return [{"type": 1, "components": [{"type": 2, "style": 2, "label": "b", "custom_id": i} for i in ids]}]

    url = f"{fake.api_base}/channels/{CHANNEL_ID}/messages"
    async with aiohttp.ClientSession(headers={"Authorization": f"Bot {TOKEN}"}) as session:
        statuses = []
        for components in (row("a" * 100), row("a" * 101), row("same", "same")):
            async with session.post(url, json={"content": "x", "components": components}) as response:
                statuses.append(response.status)
    assert statuses == [200, 400, 400]


class Pager(discord.ui.View):
    """Acknowledges a click first (type 6), then edits the message through @original."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="next", custom_id="tiny:next")
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button[Pager]) -> None:
        await interaction.response.defer()
        await interaction.edit_original_response(content="page 2")


async def test_a_deferred_update_then_an_edit_of_original_edits_the_components_message(
    fake: FakeDiscord, bot: TinyBot
) -> None:
    view = Pager()
    bot.add_view(view)
    general = bot.get_channel(CHANNEL_ID)
    assert isinstance(general, discord.TextChannel)
    sent = await general.send("page 1", view=view)
    record = await fake.click_button(user=CAROL, message_id=sent.id, custom_id="tiny:next")
    await fake.wait_for(lambda: fake.messages[sent.id]["content"] == "page 2" or None, what="the edit")
    assert record.response_type == 6 and record.original is None


@app_commands.context_menu(name="Quote it")
async def quote_it(interaction: discord.Interaction, message: discord.Message) -> None:
    await interaction.response.send_message(f"{message.id}: {message.content}", ephemeral=True)


async def test_a_message_command_brings_its_target_message_with_its_content(fake: FakeDiscord, bot: TinyBot) -> None:
    bot.tree.add_command(quote_it, guild=discord.Object(GUILD_ID))
    await bot.tree.sync(guild=discord.Object(GUILD_ID))
    [synced] = [c for c in fake.synced_commands(GUILD_ID) if c["type"] == 3]
    assert synced["name"] == "Quote it" and synced["description"] == ""
    # The bot (default intents, no message content) saw this message without its text.
    target = await fake.send_message_create(channel_id=CHANNEL_ID, author=CAROL, content="unmentioned words")
    record = await fake.use_message_command(user=BOB, message_id=target, name="Quote it")
    await fake.wait_for_interaction_response(record.id)
    assert record.payload["data"]["type"] == 3 and record.payload["data"]["target_id"] == str(target)
    assert record.original_content == f"{target}: unmentioned words"
    with pytest.raises(CommandNotOffered):
        await fake.use_message_command(user=BOB, message_id=target, name="Not synced")


async def test_a_context_menu_with_a_description_is_refused(fake: FakeDiscord, bot: TinyBot) -> None:
    import aiohttp

    url = f"{fake.api_base}/applications/{fake.application_id}/guilds/{GUILD_ID}/commands"
    async with aiohttp.ClientSession(headers={"Authorization": f"Bot {TOKEN}"}) as session:
        async with session.put(url, json=[{"type": 3, "name": "Quote it", "description": "no"}]) as response:
            assert response.status == 400
        async with session.put(url, json=[{"type": 3, "name": "Quote it"}]) as response:
            assert response.status == 200
