"""Questions: `/ask` and messages that mention the bot (or any DM)."""

from __future__ import annotations

import logging
import re

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.client import NewsBot
from bot.discord.helpers import NO_MENTIONS, interaction_lang
from bot.messages import messages_for
from bot.render import render_answer
from retrieval.answer import detect_language
from retrieval.engine import MAX_QUESTION_CHARS

log = logging.getLogger(__name__)

def strip_mentions(content: str, bot_id: int) -> str:
    """The question without the bot's mention (``<@id>`` or ``<@!id>``)."""
    return re.sub(rf"<@!?{bot_id}>", " ", content).strip()


class Ask(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="ask", description="Ask a question about the news / Poser une question sur l'actualité")
    @app_commands.describe(question="Your question / Votre question")
    async def ask(self, interaction: discord.Interaction, question: str) -> None:
        lang = interaction_lang(interaction)
        wait = self.bot.cooldown.retry_after(interaction.user.id)
        if wait:
            text = messages_for(lang or detect_language(question)).cooldown.format(seconds=max(1, round(wait)))
            await interaction.response.send_message(text, ephemeral=True)
            return
        if not question.strip() or len(question) > MAX_QUESTION_CHARS:
            # Answered at once and only to the asker: nothing to look up.
            answer = await self.bot.service.ask(question, lang=lang, origin="discord")
            await interaction.response.send_message(
                render_answer(answer), ephemeral=True, allowed_mentions=NO_MENTIONS, suppress_embeds=True
            )
            return
        await interaction.response.defer(thinking=True)
        answer = await self.bot.service.ask(
            question,
            lang=lang,
            origin="discord",
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
        )
        # No link preview: a quoted article's bare https:// link must not unfurl a page.
        await interaction.followup.send(render_answer(answer), allowed_mentions=NO_MENTIONS, suppress_embeds=True)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if message.author.bot or me is None:
            return
        is_dm = message.guild is None
        if not is_dm and me not in message.mentions:
            return
        question = strip_mentions(message.content, me.id)
        lang = detect_language(question)
        try:
            if not question:
                await message.reply(messages_for(lang).usage.format(name=me.name), mention_author=False, allowed_mentions=NO_MENTIONS)
                return
            wait = self.bot.cooldown.retry_after(message.author.id)
            if wait:
                text = messages_for(lang).cooldown.format(seconds=max(1, round(wait)))
                await message.reply(text, mention_author=False, allowed_mentions=NO_MENTIONS)
                return
            async with message.channel.typing():
                answer = await self.bot.service.ask(
                    question,
                    origin="discord",
                    guild_id=message.guild.id if message.guild else None,
                    channel_id=message.channel.id,
                )
            await message.reply(
                render_answer(answer), mention_author=False, allowed_mentions=NO_MENTIONS, suppress_embeds=True
            )
        except Exception:
            log.exception("error answering message %s", message.id)
            try:
                await message.reply(messages_for(lang).something_went_wrong, mention_author=False, allowed_mentions=NO_MENTIONS)
            except discord.HTTPException:
                log.warning("could not send the apology for message %s", message.id)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Ask(bot))
