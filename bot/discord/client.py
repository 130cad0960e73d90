"""The Discord client: a thin ``commands.Bot`` around the news service.

Dependencies (settings, service) are passed in; features live in ``bot.discord.components``,
one module per feature, discovered and loaded as extensions in ``setup_hook`` (a new module
there is a new feature, with no list to keep in step); slash commands are synced only when they changed.
Every message goes out with no mentions allowed, whatever the quoted text contains.
"""

from __future__ import annotations

import asyncio
import logging
import pkgutil

import discord
from discord import app_commands
from discord.ext import commands

from bot.config import Settings
from bot.cooldown import Cooldown
from bot.discord import components
from bot.discord.helpers import NO_MENTIONS, interaction_lang, send_ephemeral
from bot.discord.sync import sync_if_changed
from bot.logs import silence_voice_warnings
from bot.messages import Lang, messages_for
from bot.service import NewsService
from retrieval.templates import templates_for

log = logging.getLogger(__name__)

def intents() -> discord.Intents:
    """Only what mentions, DMs and slash commands need: no privileged intent. A message that
    mentions the bot carries its content even without the message-content intent."""
    return discord.Intents(guilds=True, guild_messages=True, dm_messages=True)


def extensions() -> list[str]:
    """Every module of ``bot.discord.components`` (each has a ``setup(bot)``), by name."""
    prefix = components.__name__ + "."
    return sorted(info.name for info in pkgutil.iter_modules(components.__path__, prefix) if not info.ispkg)


class NewsTree(app_commands.CommandTree):
    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """One handler for every command: log with the traceback, apologise ephemerally."""
        if isinstance(error, app_commands.CheckFailure):
            message = str(error) or messages_for(Lang.EN).something_went_wrong
        else:
            command = interaction.command.qualified_name if interaction.command else "?"
            log.error("error in /%s", command, exc_info=error)
            message = messages_for(interaction_lang(interaction), default=Lang.EN).something_went_wrong
        await send_ephemeral(interaction, message)


class NewsBot(commands.Bot):
    def __init__(self, settings: Settings, service: NewsService, **options: object) -> None:
        silence_voice_warnings()  # before discord.py's constructor logs them
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents(),
            allowed_mentions=NO_MENTIONS,
            tree_cls=NewsTree,
            **options,  # type: ignore[arg-type]
        )
        self.settings = settings
        self.service = service
        self.cooldown = Cooldown(settings.cooldown_questions, settings.cooldown_seconds)
        self._store_watch: asyncio.Task[None] | None = None

    async def setup_hook(self) -> None:
        for extension in extensions():
            await self.load_extension(extension)
        await sync_if_changed(self.tree, self.settings.guild_ids, self.settings.data_dir)
        self._store_watch = asyncio.create_task(self._follow_store(), name="newsbot-follow-store")

    async def _follow_store(self) -> None:
        """Serve a reload made by another process (``newsbot reload`` on the same database)."""
        while True:
            await asyncio.sleep(self.settings.store_check_seconds)
            try:
                await self.service.follow_store()
            except Exception:
                log.exception("checking the store for another process's reload failed")

    async def close(self) -> None:
        if self._store_watch is not None:
            self._store_watch.cancel()
        await super().close()

    async def on_ready(self) -> None:
        log.info("connected as %s (id %s) to %d guild(s)", self.user, self.user.id if self.user else "?", len(self.guilds))

    async def on_message(self, message: discord.Message) -> None:
        """Mentions are handled by the ask component; there are no prefix commands."""

    def is_moderator(self, interaction: discord.Interaction) -> bool:
        """Manage Server, or the configured moderator role. Checked in code: the commands'
        default permissions only tell Discord clients whom to show them to."""
        member = interaction.user
        if interaction.guild is None or not isinstance(member, discord.Member):
            return False
        if interaction.permissions.manage_guild:
            return True
        role = self.settings.mod_role
        return bool(role) and any(r.name == role for r in member.roles)

    def templates(self, interaction: discord.Interaction):  # type: ignore[no-untyped-def]
        return templates_for(interaction_lang(interaction) or "fr")
