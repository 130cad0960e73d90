"""`/help`: what the bot does and how to ask."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.client import NewsBot
from bot.discord.helpers import NO_MENTIONS, interaction_lang, text
from bot.messages import CommandText, Lang, messages_for


class Help(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name=text(CommandText.HELP), description=text(CommandText.HELP_DESCRIPTION))
    async def help(self, interaction: discord.Interaction) -> None:
        name = self.bot.user.name if self.bot.user else "newsbot"
        # In the language of the client's command names: French ones for a French client,
        # the English (default) names for every other.
        text = messages_for(interaction_lang(interaction) or Lang.EN).help.format(name=name)
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Help(bot))
