"""Following feeds from Discord: ``/feeds add url [channel]``, ``/feeds list``, ``/feeds
remove``, ``/import url`` (moderators), and the background poll that announces new articles.

The poll runs in this process every minute for the feeds that are due (each feed every
``NEWSBOT_FEED_INTERVAL``, jittered, longer after failures); it goes through the service's
reload path, so it never runs at the same time as a reload. Announcements are sent with
mentions disabled and the untrusted titles escaped, at most ``NEWSBOT_ANNOUNCE_MAX`` per feed
and poll, the rest summarised in one line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from urllib.parse import urlsplit

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.client import NewsBot
from bot.discord.helpers import NO_MENTIONS, interaction_lang, moderators_only, text
from bot.feeds.fetch import Fetcher, FetchError, check_scheme
from bot.feeds.poll import Poller, PollReport, fetcher_for
from bot.feeds.texts import feeds_text, import_text
from bot.messages import CommandText, Lang, messages_for
from bot.render import safe
from bot.reports import fit
from bot.store import Feed, StoreError, utc_timestamp
from retrieval.corpus.files import ArticleError

log = logging.getLogger(__name__)


CHECK_SECONDS = 60.0
"""How often the poller looks for due feeds (one row read when none is due)."""


class Feeds(commands.Cog):
    feeds = app_commands.Group(
        name=text(CommandText.FEEDS),
        description=text(CommandText.FEEDS_DESCRIPTION),
        allowed_contexts=app_commands.AppCommandContext(guild=True),
    )

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self._fetcher: Fetcher | None = None
        self.poller: Poller | None = None
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    async def cog_load(self) -> None:
        self._fetcher = fetcher_for(self.bot.settings)
        await self._fetcher.__aenter__()
        self.poller = Poller(self.bot.service, self._fetcher, self.bot.settings)
        self._task = asyncio.create_task(self._poll_forever(), name="newsbot-feeds")

    async def cog_unload(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._fetcher is not None:
            await self._fetcher.__aexit__(None, None, None)

    def wake(self) -> None:
        """Poll now (a feed was just added) rather than at the next check."""
        self._wake.set()

    async def _poll_forever(self) -> None:
        await self.bot.wait_until_ready()
        interval = min(CHECK_SECONDS, self.bot.settings.feed_interval_seconds)
        while True:
            await self.poll_once()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=interval)
            self._wake.clear()

    async def poll_once(self) -> PollReport | None:
        """One poll of the due feeds and its announcements; a failure is logged, never raised."""
        assert self.poller is not None
        try:
            report = await self.poller.poll()
        except Exception:
            log.exception("polling the feeds failed")
            return None
        try:
            await self.announce(report)
        except Exception:
            log.exception("announcing new articles failed")
        return report

    async def announce(self, report: PollReport) -> None:
        """Post each feed's new articles in its channel: headline, publisher, link."""
        limit = self.bot.settings.announce_max
        for result in report.feeds:
            feed = result.feed
            added = report.added_for(feed.id)
            if feed.channel_id is None or not added:
                continue
            channel = self.bot.get_channel(feed.channel_id)
            if not isinstance(channel, discord.abc.Messageable):
                log.warning("feed %s: announcement channel %s not found", feed.url, feed.channel_id)
                continue
            guild = getattr(channel, "guild", None)
            messages = messages_for(str(guild.preferred_locale) if guild else None, default=Lang.EN)
            for item in added[:limit]:
                article = item.article
                source = article.source or urlsplit(article.url or "").hostname or ""
                text = messages.announce_article.format(
                    title=safe(article.title), source=safe(source), url=_link(article.url or article.path)
                )
                await channel.send(fit(text), allowed_mentions=NO_MENTIONS)
            if len(added) > limit:
                more = messages.announce_more.format(more=len(added) - limit, feed=safe(feed.title or feed.url))
                await channel.send(more, allowed_mentions=NO_MENTIONS)

    @feeds.command(name=text(CommandText.FEEDS_ADD), description=text(CommandText.FEEDS_ADD_DESCRIPTION))
    @app_commands.rename(url=text(CommandText.FEEDS_URL), channel=text(CommandText.FEEDS_CHANNEL))
    @app_commands.describe(
        url=text(CommandText.FEEDS_URL_DESCRIPTION), channel=text(CommandText.FEEDS_CHANNEL_DESCRIPTION)
    )
    @moderators_only()
    async def add(self, interaction: discord.Interaction, url: str, channel: discord.TextChannel | None = None) -> None:
        lang = interaction_lang(interaction) or Lang.EN
        messages = messages_for(lang)
        try:
            feed, created = await self.bot.service.store.add_feed(
                check_scheme(url),
                utc_timestamp(),
                guild_id=interaction.guild_id,
                channel_id=channel.id if channel else None,
            )
        except FetchError as error:
            await interaction.response.send_message(str(error), ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        minutes = round(self.bot.settings.feed_interval_seconds / 60)
        text = (messages.feed_added if created else messages.feed_known).format(
            url=feed.url, id=feed.id, minutes=minutes
        )
        if channel is not None:
            text += messages.feed_announced_in.format(channel=channel.mention)
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
        self.wake()

    @feeds.command(name=text(CommandText.FEEDS_LIST), description=text(CommandText.FEEDS_LIST_DESCRIPTION))
    @moderators_only()
    async def list_feeds(self, interaction: discord.Interaction) -> None:
        lang = interaction_lang(interaction) or Lang.EN
        text = feeds_text(await self.bot.service.store.feeds(), lang)
        await interaction.response.send_message(fit(safe(text)), ephemeral=True, allowed_mentions=NO_MENTIONS)

    @feeds.command(name=text(CommandText.FEEDS_REMOVE), description=text(CommandText.FEEDS_REMOVE_DESCRIPTION))
    @app_commands.rename(feed=text(CommandText.FEEDS_FEED))
    @app_commands.describe(feed=text(CommandText.FEEDS_FEED_DESCRIPTION))
    @moderators_only()
    async def remove(self, interaction: discord.Interaction, feed: str) -> None:
        messages = messages_for(interaction_lang(interaction) or Lang.EN)
        removed: Feed | None = await self.bot.service.store.remove_feed(feed.strip())
        text = (
            messages.feed_removed.format(url=removed.url) if removed else messages.feed_not_found.format(key=safe(feed))
        )
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name=text(CommandText.IMPORT), description=text(CommandText.IMPORT_DESCRIPTION))
    @app_commands.guild_only()
    @app_commands.rename(url=text(CommandText.IMPORT_URL))
    @app_commands.describe(url=text(CommandText.IMPORT_URL_DESCRIPTION))
    @moderators_only()
    async def import_page(self, interaction: discord.Interaction, url: str) -> None:
        lang = interaction_lang(interaction) or Lang.EN
        assert self.poller is not None
        await interaction.response.defer(thinking=True, ephemeral=True)
        try:
            outcome = await self.poller.import_url(url)
            text = import_text(outcome, url, lang)
        except (FetchError, ArticleError, StoreError) as error:
            text = messages_for(lang).import_failed.format(url=url, error=error)
        await interaction.followup.send(fit(safe(text)), ephemeral=True, allowed_mentions=NO_MENTIONS)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Feeds(bot))


def _link(url: str) -> str:
    """A link inside ``<…>`` (no embed): nothing in it may close the brackets or break the line."""
    return "".join(c if c.isprintable() and c not in "<> " else f"%{ord(c):02X}" for c in url)
