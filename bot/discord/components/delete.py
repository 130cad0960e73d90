"""The "delete" button under an answer: the person who asked can remove the answer.

A dynamic item (the asker's id lives in the button's ``custom_id``, kept by Discord with the
message, never by us), so the button keeps working after a restart without any stored state.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord

from bot.discord.client import NewsBot
from bot.discord.helpers import interaction_lang
from bot.messages import messages_for

log = logging.getLogger(__name__)


class DeleteAnswer(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"newsbot:delete:(?P<asker>[0-9]+)"
):
    """Deletes the answer it is attached to, for the asker only."""

    def __init__(self, asker_id: int, label: str | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.secondary, emoji="🗑️", label=label, custom_id=f"newsbot:delete:{asker_id}"
            )
        )
        self.asker_id = asker_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> DeleteAnswer:
        return cls(int(match["asker"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.asker_id:
            text = messages_for(interaction_lang(interaction)).delete_not_yours
            await interaction.response.send_message(text, ephemeral=True)
            return
        await interaction.response.defer()
        if interaction.message is not None:
            try:
                await interaction.message.delete()
            except discord.HTTPException as error:
                log.warning("could not delete answer %s: %s", interaction.message.id, error.status)


async def setup(bot: NewsBot) -> None:
    bot.add_dynamic_items(DeleteAnswer)
