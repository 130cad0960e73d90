"""Questions: `/ask` and messages that mention the bot (or any DM).

What counts as a question on a real server: a mention of the bot's user *or* of its managed
role (Discord's picker often inserts the role), or a DM. A reply to one of the bot's answers
pings it too; such a reply is a question only when it looks like one ("merci !" is not), so
the bot does not answer thanks with "I don't know". Webhook and system messages are never
questions.

Before any retrieval the bot checks it may post in the channel: a refused post costs a
retrieval, a 403 (which counts toward Discord's invalid-request limit) and a useless apology.
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.client import NewsBot
from bot.discord.components.feedback import answer_view, first_shown
from bot.discord.helpers import NO_MENTIONS, interaction_lang, send_answer, text
from bot.messages import CommandText, messages_for
from bot.render import answer_embed, render_answer
from retrieval.answer import detect_language
from retrieval.engine import MAX_QUESTION_CHARS

log = logging.getLogger(__name__)

QUESTION_WORDS = frozenset(
    """
    qui que quoi quel quelle quels quelles quand ou comment combien pourquoi lequel laquelle
    lesquels lesquelles est-ce qu'est-ce dont
    who whom whose what when where why how which is are was were do does did can could
    will would should has have had
    """.split()
)
"""Words that make a reply without a question mark a question (accents folded, lower case)."""

_HUMAN_MESSAGE_TYPES = frozenset({discord.MessageType.default, discord.MessageType.reply})


def strip_mentions(content: str, bot_id: int, role_id: int | None = None) -> str:
    """The question without the bot's mention (``<@id>``, ``<@!id>`` or its role ``<@&id>``)."""
    text = re.sub(rf"<@!?{bot_id}>", " ", content)
    if role_id is not None:
        text = re.sub(rf"<@&{role_id}>", " ", text)
    return text.strip()


def looks_like_question(text: str) -> bool:
    """A question mark, or a question word among the first few words (either language)."""
    if "?" in text or "？" in text:
        return True
    folded = "".join(c for c in unicodedata.normalize("NFD", text.lower()) if not unicodedata.combining(c))
    words = re.findall(r"[a-z]+(?:-[a-z]+)?", folded.replace("’", "'"))
    return any(word in QUESTION_WORDS for word in words[:4])


class Ask(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self._warned_until: dict[int, float] = {}
        self._forbidden_channels: set[int] = set()

    @app_commands.command(name=text(CommandText.ASK), description=text(CommandText.ASK_DESCRIPTION))
    @app_commands.rename(question=text(CommandText.ASK_QUESTION))
    @app_commands.describe(question=text(CommandText.ASK_QUESTION_DESCRIPTION))
    async def ask(
        self, interaction: discord.Interaction, question: app_commands.Range[str, 1, MAX_QUESTION_CHARS]
    ) -> None:
        # max_length: Discord's client refuses a longer question before it is sent; the
        # check below stays for clients that do not enforce it.
        async with self.bot.answering():
            await self._ask(interaction, question)

    async def _ask(self, interaction: discord.Interaction, question: str) -> None:
        lang = interaction_lang(interaction)
        wait = self.bot.cooldown.retry_after(interaction.user.id)
        if wait:
            # Ephemeral, so only the asker sees it: it cannot flood the channel.
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
        view = answer_view(self.bot, answer, interaction.user.id)
        shown = first_shown(answer)
        sent = await send_answer(interaction, shown, view=view)
        self.bot.follow_ups.remember(sent.id, answer.question)

    def _question_of(self, message: discord.Message) -> str | None:
        """The question ``message`` asks the bot, "" for a bare mention, or ``None`` when it
        is not addressed to the bot (or is not a question at all).

        Without the message-content intent a message that mentions only the bot's role
        arrives with no text (Discord keeps the text only for mentions of the bot's user),
        so it comes back as "" and the asker is told how to reach the bot."""
        me = self.bot.user
        if me is None or message.author.bot or message.webhook_id is not None:
            return None
        if message.type not in _HUMAN_MESSAGE_TYPES:
            return None
        role = message.guild.self_role if message.guild is not None else None
        role_id = role.id if role is not None else None
        text = strip_mentions(message.content, me.id, role_id)
        if message.guild is None:
            return text
        explicit = re.search(rf"<@!?{me.id}>", message.content) is not None or (
            role is not None and role in message.role_mentions
        )
        if explicit:
            return text
        if me in message.mentions and looks_like_question(text):
            return text  # a reply to the bot, with the ping on, that asks something
        return None

    def _cooled_down(self, message: discord.Message) -> float:
        """Seconds to wait, or 0.0; says so once per window (``_warned_until``), then stays silent."""
        wait = self.bot.cooldown.retry_after(message.author.id)
        if not wait:
            return 0.0
        now = time.monotonic()
        if self._warned_until.get(message.author.id, 0.0) > now:
            log.info("cooldown: ignoring message %s (user already told)", message.id)
            return -wait
        self._warned_until = {uid: t for uid, t in self._warned_until.items() if t > now}
        self._warned_until[message.author.id] = now + wait
        return wait

    def _may_post(self, message: discord.Message) -> tuple[bool, bool, bool]:
        """(may send at all, may reply to the message, may embed) from the bot's channel
        permissions. Without Embed Links Discord drops a message's embeds, so the answer
        goes as plain text."""
        guild = message.guild
        if guild is None or guild.me is None:
            return True, True, True
        channel = message.channel
        perms = channel.permissions_for(guild.me)
        in_thread = isinstance(channel, discord.Thread)
        may_send = perms.view_channel and (perms.send_messages_in_threads if in_thread else perms.send_messages)
        return may_send, perms.read_message_history, perms.embed_links

    def _log_forbidden(self, channel_id: int, why: str) -> None:
        """One warning per channel: the operator needs to fix a permission, not a log flood."""
        if channel_id in self._forbidden_channels:
            log.debug("still cannot post in channel %s: %s", channel_id, why)
            return
        self._forbidden_channels.add(channel_id)
        log.warning("cannot post in channel %s (%s); grant the bot Send Messages there", channel_id, why)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        question = self._question_of(message)
        me = self.bot.user
        if question is None or me is None or self.bot.shutting_down:
            return
        async with self.bot.answering():
            await self._answer(message, question, me)

    async def _answer(self, message: discord.Message, question: str, me: discord.ClientUser) -> None:
        may_send, may_reply, may_embed = self._may_post(message)
        if not may_send:
            self._log_forbidden(message.channel.id, "missing Send Messages or View Channel")
            return
        lang = detect_language(question)
        reference = message.to_reference(fail_if_not_exists=False) if may_reply else None

        async def send(
            text: str,
            *,
            quiet_links: bool = False,
            embed: discord.Embed | None = None,
            view: discord.ui.View | None = None,
        ) -> discord.Message:
            # fail_if_not_exists=False: a question deleted meanwhile still gets its answer,
            # as a plain message, instead of a 400 (Discord's default fails the whole post).
            # Options are passed only when set: discord.py's own default is a sentinel, not None.
            options: dict[str, Any] = {"mention_author": False, "allowed_mentions": NO_MENTIONS}
            if reference is not None:
                options["reference"] = reference
            if view is not None:
                options["view"] = view
            if embed is not None:
                return await message.channel.send(embed=embed, **options)
            return await message.channel.send(text, suppress_embeds=quiet_links, **options)

        try:
            if not question:
                role = message.guild.self_role if message.guild is not None else None
                by_role = role is not None and role in message.role_mentions and me not in message.mentions
                sentence = messages_for(lang).role_mention if by_role else messages_for(lang).usage
                await send(sentence.format(name=me.name))
                return
            wait = self._cooled_down(message)
            if wait < 0:
                return
            if wait:
                await send(messages_for(lang).cooldown.format(seconds=max(1, round(wait))))
                return
            # A reply to a recent answer is asked in the context of that answer's question.
            replied = message.reference
            previous = self.bot.follow_ups.question_of(replied.message_id if replied else None)
            async with message.channel.typing():
                answer = await self.bot.service.ask(
                    question,
                    origin="discord",
                    guild_id=message.guild.id if message.guild else None,
                    channel_id=message.channel.id,
                    previous=previous,
                )
            shown = first_shown(answer)
            sent = await send(
                render_answer(shown),
                quiet_links=True,
                embed=answer_embed(shown) if may_embed else None,
                view=answer_view(self.bot, answer, message.author.id),
            )
            self.bot.follow_ups.remember(sent.id, answer.question)
        except discord.Forbidden as error:
            # Not retried, no apology: it would be refused too.
            self._log_forbidden(message.channel.id, f"{error.status} {error.code}")
        except Exception:
            log.exception("error answering message %s", message.id)
            try:
                await send(messages_for(lang).something_went_wrong)
            except discord.HTTPException:
                log.warning("could not send the apology for message %s", message.id)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Ask(bot))
