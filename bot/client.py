"""The Discord client: a thin ``commands.Bot`` around the news service.

Dependencies (settings, service) are passed in; features live in ``bot.components`` and are
loaded as extensions in ``setup_hook``; slash commands are synced only when they changed.
Every message goes out with no mentions allowed, whatever the quoted text contains.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from retrieval.templates import templates_for

from .config import Settings
from .cooldown import Cooldown
from .service import NewsService
from .sync import sync_if_changed

log = logging.getLogger(__name__)

EXTENSIONS = (
    "bot.components.ask",
    "bot.components.headlines",
    "bot.components.help",
    "bot.components.moderation",
)

NO_MENTIONS = discord.AllowedMentions.none()


def intents() -> discord.Intents:
    """Only what mentions, DMs and slash commands need: no privileged intent. A message that
    mentions the bot carries its content even without the message-content intent."""
    return discord.Intents(guilds=True, guild_messages=True, dm_messages=True)


def interaction_lang(interaction: discord.Interaction) -> str | None:
    """"fr"/"en" from the user's Discord locale, or None to follow the question's language."""
    locale = str(interaction.locale or "")
    if locale.startswith("fr"):
        return "fr"
    if locale.startswith("en"):
        return "en"
    return None


SOMETHING_WENT_WRONG = {
    "fr": "Désolé, quelque chose s'est mal passé. L'erreur a été enregistrée ; réessayez dans un instant.",
    "en": "Sorry, something went wrong. The error was logged; please try again in a moment.",
}


class NewsTree(app_commands.CommandTree):
    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """One handler for every command: log with the traceback, apologise ephemerally."""
        if isinstance(error, app_commands.CheckFailure):
            message = str(error) or SOMETHING_WENT_WRONG["en"]
        else:
            command = interaction.command.qualified_name if interaction.command else "?"
            log.error("error in /%s", command, exc_info=error)
            message = SOMETHING_WENT_WRONG[interaction_lang(interaction) or "en"]
        await send_ephemeral(interaction, message)


async def send_ephemeral(interaction: discord.Interaction, message: str) -> None:
    """Answer ephemerally whether or not the interaction was already responded to.

    After a public defer ("newsbot is thinking…") a followup would replace the thinking
    message publicly, so that message is deleted first and the error sent only to the user.
    """
    try:
        if interaction.response.is_done():
            if interaction.response.type == discord.InteractionResponseType.deferred_channel_message:
                await interaction.delete_original_response()
            await interaction.followup.send(message, ephemeral=True, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.send_message(message, ephemeral=True, allowed_mentions=NO_MENTIONS)
    except discord.HTTPException:
        log.warning("could not send the error message for interaction %s", interaction.id)


class NewsBot(commands.Bot):
    def __init__(self, settings: Settings, service: NewsService, **options: object) -> None:
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

    async def setup_hook(self) -> None:
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        await sync_if_changed(self.tree, self.settings.guild_ids, self.settings.data_dir)

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
