"""Moderators' commands: `/reload` the corpus and `/stats`.

Visible to every member of a server (no ``default_member_permissions``) and checked here at
run time: Discord enforces default permissions before the bot is asked, which would lock out
members who hold only ``NEWSBOT_MOD_ROLE``. Server admins can still hide the commands in
Server Settings → Integrations.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.client import NewsBot
from bot.discord.helpers import NO_MENTIONS, interaction_lang, moderators_only, text
from bot.messages import CommandText, Lang, messages_for
from bot.reports import fit, reload_text, stats_text
from bot.service import ReloadInProgress

log = logging.getLogger(__name__)


class Moderation(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name=text(CommandText.RELOAD), description=text(CommandText.RELOAD_DESCRIPTION))
    @app_commands.guild_only()
    @app_commands.rename(force=text(CommandText.RELOAD_FORCE))
    @app_commands.describe(force=text(CommandText.RELOAD_FORCE_DESCRIPTION))
    @moderators_only()
    async def reload(self, interaction: discord.Interaction, force: bool = False) -> None:
        lang = interaction_lang(interaction) or Lang.EN
        await interaction.response.defer(thinking=True, ephemeral=True)
        try:
            report = await self.bot.service.reload(requested_by="discord", wait=False, allow_shrink=force)
        except ReloadInProgress:
            await interaction.followup.send(messages_for(lang).reload_in_progress, ephemeral=True)
            return
        log.info("reload requested in guild %s: ok=%s", interaction.guild_id, report.ok)
        await interaction.followup.send(fit(reload_text(report, lang)), ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name=text(CommandText.STATS), description=text(CommandText.STATS_DESCRIPTION))
    @app_commands.guild_only()
    @moderators_only()
    async def stats(self, interaction: discord.Interaction) -> None:
        # Deferred first: the store may be busy with a reload for longer than Discord's
        # three-second deadline for the first response.
        await interaction.response.defer(thinking=True, ephemeral=True)
        stats = await self.bot.service.stats()
        text = fit(stats_text(stats, interaction_lang(interaction) or Lang.EN))
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Moderation(bot))
