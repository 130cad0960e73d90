"""What every Discord feature shares: no pings, the user's language, ephemeral replies, the
commands' names and descriptions in both languages."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

import discord
from discord import app_commands

from bot.messages import COMMAND_TEXTS, CommandText, Lang, messages_for
from bot.render import answer_embed, render_answer
from retrieval.answer import Answer

if TYPE_CHECKING:
    from bot.discord.client import NewsBot

log = logging.getLogger("bot.discord")

NO_MENTIONS = discord.AllowedMentions.none()


def interaction_lang(interaction: discord.Interaction) -> str | None:
    """ "fr"/"en" from the user's Discord locale, else from the server's, or None to follow
    the question's language (a German user on a German server asking in French)."""
    for locale in (interaction.locale, interaction.guild_locale):
        value = str(getattr(locale, "value", locale) or "")
        if value.startswith("fr"):
            return "fr"
        if value.startswith("en"):
            return "en"
    return None


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


def text(key: CommandText) -> app_commands.locale_str:
    """A command's name or description: the English text, with ``key`` for the translator."""
    return app_commands.locale_str(COMMAND_TEXTS[Lang.EN][key], key=key)


class NewsTranslator(app_commands.Translator):
    """French names and descriptions for every command (``name_localizations`` and
    ``description_localizations``), so a French client shows "/titres" and French help
    instead of one string carrying both languages."""

    async def translate(
        self, string: app_commands.locale_str, locale: discord.Locale, context: app_commands.TranslationContextTypes
    ) -> str | None:
        key = string.extras.get("key")
        if not str(locale.value).startswith("fr") or key is None:
            return None
        return COMMAND_TEXTS[Lang.FR].get(CommandText(key))


T = TypeVar("T")


def news_bot(interaction: discord.Interaction) -> NewsBot:
    """The bot an interaction reached (always newsbot's own client)."""
    from bot.discord.client import NewsBot  # the client imports these helpers

    bot = interaction.client
    assert isinstance(bot, NewsBot)
    return bot


def moderators_only() -> Callable[[T], T]:
    """Refuse non-moderators with a polite, localised CheckFailure (shown ephemerally)."""

    def predicate(interaction: discord.Interaction) -> bool:
        bot = news_bot(interaction)
        if bot.is_moderator(interaction):
            return True
        messages = messages_for(interaction_lang(interaction))
        role = bot.settings.mod_role
        suffix = messages.moderators_only_role.format(role=role) if role else ""
        raise app_commands.CheckFailure(messages.moderators_only.format(role=suffix))

    return app_commands.check(predicate)


async def send_answer(
    interaction: discord.Interaction,
    answer: Answer,
    *,
    ephemeral: bool = False,
    view: discord.ui.View | None = None,
    intro: str | None = None,
) -> discord.WebhookMessage:
    """``answer`` as the interaction's follow-up: an embed where the bot may embed links,
    else plain text without link previews (a quoted article's bare https:// link must not
    unfurl a page). Never pings."""
    options: dict[str, Any] = {"ephemeral": ephemeral, "allowed_mentions": NO_MENTIONS, "wait": True}
    if view is not None:
        options["view"] = view
    embed = answer_embed(answer, intro=intro) if interaction.app_permissions.embed_links else None
    if embed is not None:
        sent = await interaction.followup.send(embed=embed, **options)
    else:
        sent = await interaction.followup.send(render_answer(answer, intro=intro), suppress_embeds=True, **options)
    return cast(discord.WebhookMessage, sent)  # wait=True: the message, not None
