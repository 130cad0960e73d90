"""The message context-menu command "Sources for this message" / "Sources de ce message":
right-click any message (Apps → Sources for this message) and see, privately, the articles
whose sentences support it, quoted verbatim, or "No article mentions this".

The message is looked up with the service's answering (the same as a question), never
logged as a question. Discord sends the message's text with the interaction even without
the message-content intent ("content in messages ... that the app is ... used on with a
message command": https://discord.com/developers/docs/events/gateway#message-content-intent).
"""

from __future__ import annotations

import re

import discord
from discord import app_commands

from bot.discord.client import NewsBot
from bot.discord.helpers import NO_MENTIONS, interaction_lang, news_bot, send_answer, text
from bot.messages import CommandText, messages_for

_MENTION = re.compile(r"<(?:@[!&]?|#)\d+>|@everyone|@here")


_ESCAPE = re.compile(r"\\(.)")


def _quoted(description: str) -> str:
    """An answer's statement: its block quotes when it has some (the quotes, not the
    "From the article:" and source lines around them), else all of it."""
    quoted = [line[2:] for line in description.splitlines() if line.startswith("> ")]
    return "\n".join(quoted) if quoted else description


def message_text(message: discord.Message, own: bool = False) -> str:
    """What a reader reads in ``message``: its text, then its embeds' titles and
    descriptions, without mentions, markdown escapes or the "…" of a cut quote. Of one of
    this bot's answers (``own``: an embed, or plain text without Embed Links) only the quotes."""
    parts = [_quoted(message.content) if own else message.content]
    for embed in message.embeds:
        parts += [embed.title or "", _quoted(embed.description or "")]
    text = "\n".join(part for part in parts if part)
    text = _ESCAPE.sub(r"\1", text).replace("\u200b", "").replace("…", " ")
    return _MENTION.sub(" ", text).strip()


async def sources_for_message(interaction: discord.Interaction, message: discord.Message) -> None:
    bot = news_bot(interaction)
    looked_up = message_text(message, own=bot.user is not None and message.author.id == bot.user.id)
    lang = interaction_lang(interaction)
    if not looked_up:
        m = messages_for(lang)
        await interaction.response.send_message(m.supporting_empty, ephemeral=True, allowed_mentions=NO_MENTIONS)
        return
    wait = bot.cooldown.retry_after(interaction.user.id)
    if wait:
        # A lookup costs what a question costs: the same per-user limit, said privately.
        cooldown = messages_for(lang or "fr").cooldown.format(seconds=max(1, round(wait)))
        await interaction.response.send_message(cooldown, ephemeral=True, allowed_mentions=NO_MENTIONS)
        return
    # Only the person who asked sees the result: it is their lookup, not a channel message.
    await interaction.response.defer(ephemeral=True, thinking=True)
    async with bot.answering():
        answer = await bot.service.supporting(looked_up, lang=lang)
    m = messages_for(lang or answer.lang)
    if not answer.answered or not answer.citations:
        await interaction.followup.send(m.supporting_none, ephemeral=True, allowed_mentions=NO_MENTIONS)
        return
    await send_answer(interaction, answer, ephemeral=True, intro=m.supporting_intro)


async def setup(bot: NewsBot) -> None:
    menu = app_commands.ContextMenu(name=text(CommandText.MESSAGE_SOURCES), callback=sources_for_message)
    bot.tree.add_command(menu)
