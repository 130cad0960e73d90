"""What every Discord feature shares: no pings, the user's language, ephemeral replies."""

from __future__ import annotations

import logging

import discord

log = logging.getLogger("bot.discord")

NO_MENTIONS = discord.AllowedMentions.none()


def interaction_lang(interaction: discord.Interaction) -> str | None:
    """"fr"/"en" from the user's Discord locale, or None to follow the question's language."""
    locale = str(interaction.locale or "")
    if locale.startswith("fr"):
        return "fr"
    if locale.startswith("en"):
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
