"""A fake Discord (REST + gateway) on 127.0.0.1 for end-to-end tests of the real discord.py bot.

Typical use::

    async with FakeDiscord(guilds=[guild], users=[alice]) as fake:
        with patched_endpoints(fake):
            async with run_bot(MyBot(guild_ready_timeout=0.05), fake.token) as bot:
                mention = f"<@{fake.bot_user.id}> hi"
                msg_id = await fake.send_message_create(channel_id=channel_id, author=alice, content=mention)
                reply = await fake.wait_for_message(channel_id)
"""

from .harness import patched_endpoints, run_bot
from .models import (
    ADMINISTRATOR,
    ALL_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    EMBED_LINKS,
    MANAGE_GUILD,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES_IN_THREADS,
    SEND_MESSAGES,
    VIEW_CHANNEL,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    PermissionOverwrite,
)
from .records import InteractionRecord, RecordedFile, RecordedRequest, SentMessage
from .server import CommandNotOffered, ComponentNotOffered, FakeDiscord

__all__ = [
    "ADMINISTRATOR",
    "ALL_PERMISSIONS",
    "CommandNotOffered",
    "ComponentNotOffered",
    "DEFAULT_EVERYONE_PERMISSIONS",
    "EMBED_LINKS",
    "MANAGE_GUILD",
    "READ_MESSAGE_HISTORY",
    "SEND_MESSAGES_IN_THREADS",
    "SEND_MESSAGES",
    "VIEW_CHANNEL",
    "FakeChannel",
    "FakeDiscord",
    "FakeGuild",
    "FakeMember",
    "FakeRole",
    "FakeUser",
    "InteractionRecord",
    "PermissionOverwrite",
    "RecordedFile",
    "RecordedRequest",
    "SentMessage",
    "patched_endpoints",
    "run_bot",
]
