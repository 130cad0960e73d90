"""`/headlines` (latest articles) and `/sources` (every article, or those whose title
contains a search term, with autocompletion on titles), a page at a time.

A listing longer than a page ends with "… and N more (page 1/4)" and Previous/Next buttons,
never with a cut. The buttons are persistent (dynamic items, as under an answer), not views
with a timeout: everything a page needs (which list, its count or search term, the page, the
language, who asked) lives in the button's ``custom_id``, which Discord keeps with the
message. So nothing is held in memory per listing, the buttons still work after a restart,
and there is no timeout after which buttons that look alive stop answering. The page is
built again from the store at each click (a reload meanwhile shows the current list).

The person who asked pages the message itself; anyone else who clicks gets that page
privately (an ephemeral copy they can page on), so nobody turns someone else's listing.
"""

from __future__ import annotations

import re
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.client import NewsBot
from bot.discord.helpers import NO_MENTIONS, interaction_lang, news_bot, text
from bot.messages import CommandText, messages_for
from bot.render import one_line, safe, shorten
from bot.reports import ListingPage, listing_page, sources_title

HEADLINES = "h"
SOURCES = "s"

SEARCH_MAX_CHARS = 50
"""The longest search term ``/sources`` takes (its option's ``max_length``): the term rides
in the page buttons' ``custom_id``, which Discord caps at 100 characters
(https://discord.com/developers/docs/components/reference#button)."""

HEADLINES_MAX = 100

Button = discord.ui.Button[discord.ui.View]


async def build_page(bot: NewsBot, kind: str, arg: str, lang: str, number: int) -> ListingPage:
    """Page ``number`` of the listing ``kind`` (its count, or its search term, in ``arg``)."""
    m = messages_for(lang)
    if kind == HEADLINES:
        rows = await bot.service.headlines(int(arg or 10))
        title = m.headlines_title
    else:
        rows = await bot.service.sources(arg or None)
        if arg and not rows:
            return ListingPage(m.no_matching_sources.format(term=safe(arg)), 0, 1)
        title = sources_title(rows, lang, arg or None)
    # Formatting every line of a 100k-article listing is CPU work: in a worker.
    return await bot.service.in_worker(listing_page, title, rows, lang, number)


class PageButton(
    discord.ui.DynamicItem[Button],
    template=r"newsbot:page:(?P<kind>[hs]):(?P<lang>fr|en):(?P<owner>[0-9]+):(?P<page>[0-9]+):(?P<arg>.*)",
):
    """Previous or Next under a listing: the page it leads to is in its ``custom_id``."""

    def __init__(
        self,
        kind: str,
        lang: str,
        owner: int,
        page: int,
        arg: str,
        *,
        label: str | None = None,
        emoji: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.secondary,
                label=label,
                emoji=emoji,
                disabled=disabled,
                custom_id=f"newsbot:page:{kind}:{lang}:{owner}:{page}:{arg}",
            )
        )
        self.kind, self.lang, self.owner, self.page, self.arg = kind, lang, owner, page, arg

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PageButton:
        return cls(match["kind"], match["lang"], int(match["owner"]), int(match["page"]), match["arg"])

    async def callback(self, interaction: discord.Interaction) -> None:
        bot = news_bot(interaction)
        mine = interaction.user.id == self.owner
        # Acknowledged first: the store may take longer than Discord's three seconds.
        if mine:
            await interaction.response.defer()  # the message itself is edited below
            lang = self.lang
        else:
            await interaction.response.defer(ephemeral=True, thinking=True)
            lang = interaction_lang(interaction) or self.lang
        page = await build_page(bot, self.kind, self.arg, lang, self.page)
        view = page_view(page, self.kind, lang, interaction.user.id, self.arg)
        if mine:
            await interaction.edit_original_response(content=page.text, view=view, allowed_mentions=NO_MENTIONS)
        elif view is not None:
            await interaction.followup.send(page.text, ephemeral=True, view=view, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.followup.send(page.text, ephemeral=True, allowed_mentions=NO_MENTIONS)


def page_view(page: ListingPage, kind: str, lang: str, owner: int, arg: str) -> discord.ui.View | None:
    """Previous/Next under a page of a listing with more than one page (none otherwise)."""
    if page.count <= 1:
        return None
    m = messages_for(lang)
    first, last = page.number == 0, page.number == page.count - 1
    view = discord.ui.View(timeout=None)
    # The two ids differ (each names the page it leads to), as Discord requires in one message.
    view.add_item(
        PageButton(kind, lang, owner, max(page.number - 1, 0), arg, label=m.page_previous, emoji="◀️", disabled=first)
    )
    view.add_item(
        PageButton(
            kind, lang, owner, min(page.number + 1, page.count - 1), arg, label=m.page_next, emoji="▶️", disabled=last
        )
    )
    return view


def search_term(value: str | None) -> str:
    """The search term as it is kept in the buttons: one line, stripped, at most
    ``SEARCH_MAX_CHARS`` (a client that ignores ``max_length`` is cut here)."""
    return one_line(value or "").strip()[:SEARCH_MAX_CHARS].strip()


def title_choice(title: str) -> app_commands.Choice[str]:
    """A title offered while typing: shown up to Discord's 100 characters, and searched for
    as its first ``SEARCH_MAX_CHARS`` (a title's start is in the title, so it still finds it)."""
    value = one_line(title).strip()
    if len(value) > SEARCH_MAX_CHARS:
        cut = value[:SEARCH_MAX_CHARS]
        value = cut[: cut.rindex(" ")] if " " in cut[SEARCH_MAX_CHARS // 2 :] else cut
    return app_commands.Choice(name=shorten(one_line(title).strip(), 100), value=value.strip())


class Headlines(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    async def _post(self, interaction: discord.Interaction, kind: str, arg: str) -> None:
        # Deferred before the store is read: during a big reload the query can take longer
        # than Discord's three-second deadline for the first response.
        await interaction.response.defer(thinking=True)
        lang = interaction_lang(interaction) or "fr"
        page = await build_page(self.bot, kind, arg, lang, 0)
        view = page_view(page, kind, lang, interaction.user.id, arg)
        if view is not None:
            await interaction.followup.send(page.text, view=view, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.followup.send(page.text, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name=text(CommandText.HEADLINES), description=text(CommandText.HEADLINES_DESCRIPTION))
    @app_commands.rename(count=text(CommandText.HEADLINES_COUNT))
    @app_commands.describe(count=text(CommandText.HEADLINES_COUNT_DESCRIPTION))
    async def headlines(
        self, interaction: discord.Interaction, count: app_commands.Range[int, 1, HEADLINES_MAX] = 10
    ) -> None:
        await self._post(interaction, HEADLINES, str(count))

    @app_commands.command(name=text(CommandText.SOURCES), description=text(CommandText.SOURCES_DESCRIPTION))
    @app_commands.rename(search=text(CommandText.SOURCES_SEARCH))
    @app_commands.describe(search=text(CommandText.SOURCES_SEARCH_DESCRIPTION))
    async def sources(
        self, interaction: discord.Interaction, search: app_commands.Range[str, 1, SEARCH_MAX_CHARS] | None = None
    ) -> None:
        await self._post(interaction, SOURCES, search_term(search))

    @sources.autocomplete("search")
    async def complete_title(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Titles containing what has been typed so far (at most 25, Discord's limit)."""
        titles = await self.bot.service.source_titles(search_term(current), limit=25)
        return [title_choice(title) for title in titles]


async def setup(bot: NewsBot) -> None:
    bot.add_dynamic_items(PageButton)
    await bot.add_cog(Headlines(bot))
