"""`/headlines` (latest articles) and `/sources` (every article of the corpus)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.client import NewsBot
from bot.discord.helpers import NO_MENTIONS, interaction_lang, text
from bot.messages import CommandText
from bot.reports import fit, headlines_text, sources_text


class Headlines(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name=text(CommandText.HEADLINES), description=text(CommandText.HEADLINES_DESCRIPTION))
    @app_commands.rename(count=text(CommandText.HEADLINES_COUNT))
    @app_commands.describe(count=text(CommandText.HEADLINES_COUNT_DESCRIPTION))
    async def headlines(self, interaction: discord.Interaction, count: app_commands.Range[int, 1, 25] = 10) -> None:
        # Deferred before the store is read: during a big reload the query can take longer
        # than Discord's three-second deadline for the first response.
        await interaction.response.defer(thinking=True)
        rows = await self.bot.service.headlines(count)
        text = headlines_text(rows, interaction_lang(interaction) or "fr")
        await interaction.followup.send(fit(text), allowed_mentions=NO_MENTIONS)

    @app_commands.command(name=text(CommandText.SOURCES), description=text(CommandText.SOURCES_DESCRIPTION))
    async def sources(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        rows = await self.bot.service.sources()
        text = sources_text(rows, interaction_lang(interaction) or "fr")
        await interaction.followup.send(fit(text), allowed_mentions=NO_MENTIONS)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Headlines(bot))
