"""`/help`: what the bot does and how to ask."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.client import NewsBot
from bot.discord.helpers import NO_MENTIONS, interaction_lang

HELP = {
    "fr": (
        "Je réponds aux questions sur l'actualité avec des extraits exacts des articles et leurs sources.\n"
        "• Mentionnez-moi : `@{name} combien a coûté DeepSeek R1 ?` (ou écrivez-moi en message privé)\n"
        "• `/ask question` : poser une question\n"
        "• `/headlines` : les derniers articles · `/sources` : tous les articles\n"
        "• Modérateurs : `/reload` recharge les articles, `/stats` montre l'usage et les questions sans réponse\n"
        "Je ne cite que les articles : si la réponse n'y est pas, je le dis."
    ),
    "en": (
        "I answer questions about the news with exact quotes from the articles and their sources.\n"
        "• Mention me: `@{name} how much did DeepSeek R1 cost?` (or send me a direct message)\n"
        "• `/ask question`: ask a question\n"
        "• `/headlines`: the latest articles · `/sources`: every article\n"
        "• Moderators: `/reload` reloads the articles, `/stats` shows usage and unanswered questions\n"
        "I only quote the articles: when they don't hold the answer, I say so."
    ),
}


class Help(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="How to use the bot / Comment utiliser le bot")
    async def help(self, interaction: discord.Interaction) -> None:
        name = self.bot.user.name if self.bot.user else "newsbot"
        text = HELP[interaction_lang(interaction) or "fr"].format(name=name)
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Help(bot))
