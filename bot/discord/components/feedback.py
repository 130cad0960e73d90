"""The buttons under an answer besides "delete": 👍/👎 feedback and "more sources".

Both are dynamic items: the answer's key (a random number the service stored the answer
under) lives in the button's ``custom_id``, which Discord keeps with the message, so the
buttons keep working after a restart with nothing registered per message. Clicks are
acknowledged first (a store busy with a reload may take longer than Discord's three-second
deadline), then answered ephemerally: only the person who clicked sees the reply.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from typing import Any

import discord

from bot.discord.client import NewsBot
from bot.discord.components.delete import DeleteAnswer
from bot.discord.helpers import NO_MENTIONS, interaction_lang, news_bot, send_answer
from bot.messages import Messages, messages_for, say
from bot.store import StoreError, VoteOutcome
from retrieval.answer import Answer

log = logging.getLogger(__name__)

FIRST_CITATIONS = 1
"""How many citations an answer shows at first; "more sources" shows the others."""

Button = discord.ui.Button[discord.ui.View]


class Vote(discord.ui.DynamicItem[Button], template=r"newsbot:vote:(?P<key>[0-9]+):(?P<helpful>[01])"):
    """👍 (helpful) or 👎 on one answer; a second click of the same user changes the vote."""

    def __init__(self, key: int, helpful: bool) -> None:
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.secondary,
                emoji="👍" if helpful else "👎",
                custom_id=f"newsbot:vote:{key}:{int(helpful)}",
            )
        )
        self.key, self.helpful = key, helpful

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Vote:
        return cls(int(match["key"]), match["helpful"] == "1")

    async def callback(self, interaction: discord.Interaction) -> None:
        m = messages_for(interaction_lang(interaction))
        await interaction.response.defer()  # an update of nothing: the message stays as it is
        try:
            outcome = await news_bot(interaction).service.vote(self.key, interaction.user.id, self.helpful)
        except StoreError as error:
            log.warning("vote on answer %s not recorded: %s", self.key, error)
            text = m.vote_failed.format(error=say(error, interaction_lang(interaction)))
        else:
            text = vote_sentence(outcome, self.helpful, m)
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)


def vote_sentence(outcome: VoteOutcome, helpful: bool, m: Messages) -> str:
    verdict = m.vote_helpful if helpful else m.vote_unhelpful
    sentence = {
        VoteOutcome.RECORDED: m.vote_recorded,
        VoteOutcome.CHANGED: m.vote_changed,
        VoteOutcome.UNCHANGED: m.vote_unchanged,
        VoteOutcome.UNKNOWN_ANSWER: m.answer_gone,
    }[outcome]
    return sentence.format(verdict=verdict)


class MoreSources(discord.ui.DynamicItem[Button], template=r"newsbot:more:(?P<key>[0-9]+)"):
    """Shows the citations the answer left out, to whoever clicks."""

    def __init__(self, key: int, label: str | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.primary, emoji="📰", label=label, custom_id=f"newsbot:more:{key}"
            )
        )
        self.key = key

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> MoreSources:
        return cls(int(match["key"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        lang = interaction_lang(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            more = await news_bot(interaction).service.more_citations(self.key)
        except StoreError as error:
            log.warning("citations of answer %s not read: %s", self.key, error)
            await interaction.followup.send(say(error, lang), ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        if more is None or not more[1]:
            m = messages_for(lang or (more[0] if more else None))
            text = m.answer_gone if more is None else m.more_none
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        answer_lang, citations = more
        answer = Answer("", answer_lang, True, citations)
        await send_answer(interaction, answer, ephemeral=True)


def first_shown(answer: Answer) -> Answer:
    """``answer`` with only the citations an answer message shows at first."""
    if len(answer.citations) <= FIRST_CITATIONS:
        return answer
    return dataclasses.replace(answer, citations=answer.citations[:FIRST_CITATIONS])


def answer_view(bot: NewsBot, answer: Answer, asker_id: int) -> discord.ui.View:
    """The buttons under an answer: 👍/👎 and "more sources" (when it had more citations than
    it shows) on an answer that quotes something, and "delete" for the asker on every one.
    No timeout: the dynamic items handle clicks forever."""
    m = messages_for(answer.lang)
    view = discord.ui.View(timeout=None)
    if answer.answered and answer.citations:
        shown = min(len(answer.citations), FIRST_CITATIONS)
        key = bot.service.remember_answer(answer, shown)
        view.add_item(Vote(key, True))
        view.add_item(Vote(key, False))
        if len(answer.citations) > shown:
            view.add_item(MoreSources(key, label=m.more_label.format(count=len(answer.citations) - shown)))
    view.add_item(DeleteAnswer(asker_id, label=m.delete_label))
    return view


async def setup(bot: NewsBot) -> None:
    bot.add_dynamic_items(Vote, MoreSources)
