"""The Discord client: a thin ``commands.Bot`` around the news service.

Dependencies (settings, service) are passed in; features live in ``bot.discord.components``,
one module per feature, discovered and loaded as extensions in ``setup_hook`` (a new module
there is a new feature, with no list to keep in step); slash commands are synced only when they changed.
Every message goes out with no mentions allowed, whatever the quoted text contains.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import pkgutil
import signal
import sys
from collections.abc import AsyncIterator
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands
from discord.gateway import DiscordWebSocket, ReconnectWebSocket

from bot.config import Settings
from bot.cooldown import Cooldown
from bot.discord import components
from bot.discord.failures import GatewayUnreachable
from bot.discord.followups import FollowUps
from bot.discord.helpers import NO_MENTIONS, NewsTranslator, interaction_lang, send_ephemeral
from bot.discord.sync import sync_if_changed
from bot.logs import silence_voice_warnings
from bot.messages import Lang, messages_for
from bot.service import NewsService

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_S = 5.0
"""How long a shutdown waits for answers already being composed: long enough for an answer
to finish, short enough for systemd's, Docker's or Kubernetes' stop timeout."""

EARLY_RECONNECTS = 3
"""How many times the gateway may ask for a new connection (op 7, op 9, or a close discord.py
reconnects at once) before the first READY; one more and start-up fails. Discord may do it
once or twice (an identify it rate-limited), a gateway that never lets a session start
would otherwise be retried in a loop with no pause."""


def intents() -> discord.Intents:
    """Only what mentions, DMs and slash commands need: no privileged intent. A message that
    mentions the bot carries its content even without the message-content intent."""
    return discord.Intents(guilds=True, guild_messages=True, dm_messages=True)


def extensions() -> list[str]:
    """Every module of ``bot.discord.components`` (each has a ``setup(bot)``), by name."""
    prefix = components.__name__ + "."
    return sorted(info.name for info in pkgutil.iter_modules(components.__path__, prefix) if not info.ispkg)


class NewsTree(app_commands.CommandTree):
    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """One handler for every command: log with the traceback, apologise ephemerally."""
        if isinstance(error, app_commands.CheckFailure):
            message = str(error) or messages_for(Lang.EN).something_went_wrong
        else:
            command = interaction.command.qualified_name if interaction.command else "?"
            log.error("error in /%s", command, exc_info=error)
            message = messages_for(interaction_lang(interaction), default=Lang.EN).something_went_wrong
        await send_ephemeral(interaction, message)


class NewsBot(commands.Bot):
    def __init__(self, settings: Settings, service: NewsService, **options: object) -> None:
        silence_voice_warnings()  # before discord.py's constructor logs them
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents(),
            allowed_mentions=NO_MENTIONS,
            tree_cls=NewsTree,
            **options,  # type: ignore[arg-type]  # discord.py types each keyword; these are passed through as given
        )
        self.settings = settings
        self.service = service
        self.cooldown = Cooldown(settings.cooldown_questions, settings.cooldown_seconds)
        self.follow_ups = FollowUps(settings.follow_up_seconds)
        """The questions of recent answers, for replies to them (see :mod:`bot.discord.followups`)."""
        self._store_watch: asyncio.Task[None] | None = None
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self.shutting_down = False
        self._shutdown_task: asyncio.Task[None] | None = None
        self.session_started = False
        self._early_reconnects = 0
        self._early_close_code: int | None = None

    async def setup_hook(self) -> None:
        await self.tree.set_translator(NewsTranslator())
        for extension in extensions():
            await self.load_extension(extension)
        await sync_if_changed(self.tree, self.settings.guild_ids, self.settings.data_dir, self.application_id)
        self._store_watch = asyncio.create_task(self._follow_store(), name="newsbot-follow-store")

    async def _follow_store(self) -> None:
        """Serve a reload made by another process (``newsbot reload`` on the same database)."""
        while True:
            await asyncio.sleep(self.settings.store_check_seconds)
            try:
                await self.service.follow_store()
            except Exception:
                log.exception("checking the store for another process's reload failed")

    @contextlib.asynccontextmanager
    async def answering(self) -> AsyncIterator[None]:
        """Wrap the work on one question, so a shutdown can let it finish first."""
        self._in_flight += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._in_flight -= 1
            if not self._in_flight:
                self._idle.set()

    async def shutdown(self, reason: str) -> None:
        """Stop taking questions, let the ones in flight finish (within the grace period), then
        close the gateway cleanly; the caller then closes the service and its database."""
        if self.shutting_down:
            return
        self.shutting_down = True
        log.info("%s: shutting down (%d answer(s) in flight)", reason, self._in_flight)
        try:
            await asyncio.wait_for(self._idle.wait(), SHUTDOWN_GRACE_S)
        except TimeoutError:
            log.warning("shutting down with %d answer(s) unfinished", self._in_flight)
        await self.close()

    def stop_on_signals(self, loop: asyncio.AbstractEventLoop) -> list[signal.Signals]:
        """SIGTERM (what systemd, Docker and Kubernetes send) and SIGINT both shut down
        gracefully instead of killing the process mid-answer. Returns the signals handled,
        for :meth:`asyncio.AbstractEventLoop.remove_signal_handler`."""
        handled = []
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                loop.add_signal_handler(sig, self._on_signal, sig)
            except (NotImplementedError, RuntimeError):  # not the main thread, or no signals here
                continue
            handled.append(sig)
        return handled

    def _on_signal(self, sig: signal.Signals) -> None:
        # The task is kept so it is not garbage-collected before it runs.
        self._shutdown_task = asyncio.create_task(self.shutdown(sig.name), name="newsbot-shutdown")

    async def close(self) -> None:
        if self._store_watch is not None:
            self._store_watch.cancel()
        await super().close()

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        """Also where a gateway failure before the first READY ends start-up.

        discord.py (checked against 2.7.1) dispatches ``disconnect`` from inside the
        ``except`` block of ``Client.connect`` that is about to retry, so the exception being
        handled is the gateway failure. Until READY (which dispatches ``connect``) it is
        raised again as :class:`GatewayUnreachable`, which ``connect`` does not catch: the
        bot's start fails with one line (see :mod:`bot.discord.failures`). After READY
        nothing changes: discord.py reconnects with back-off."""
        if event_name == "connect":
            self.session_started = True
        elif (
            event_name == "disconnect"
            and not self.session_started
            and not self.is_closed()
            # A shard's failure reaches here from the shard's own task, where raising would
            # only end that task; discord.py retries a shard's connection itself.
            and not isinstance(self, discord.AutoShardedClient)
        ):
            self._end_start_on_gateway_failure(sys.exc_info()[1])
        super().dispatch(event_name, *args, **kwargs)

    def _end_start_on_gateway_failure(self, error: BaseException | None) -> None:
        gateway = str(DiscordWebSocket.DEFAULT_GATEWAY)
        if error is None:
            return
        if isinstance(error, ReconnectWebSocket):
            self._early_reconnects += 1
            # The gateway's own close code; discord.py closing after an op 9 sets its own.
            if self.ws is not None and self.ws._close_code is None and self.ws.socket.close_code is not None:
                self._early_close_code = self.ws.socket.close_code
            if self._early_reconnects <= EARLY_RECONNECTS:
                return
            code = self._early_close_code
            detail = f"close code {code}" if code is not None else "invalid session"
            raise GatewayUnreachable(error, gateway, closed=True, detail=detail) from error
        if isinstance(error, discord.ConnectionClosed) and error.code != 1000:
            return  # discord.py raises these itself (4004: the token, 4014: the intents)
        log.debug("gateway %s failed before READY", gateway, exc_info=error)
        raise GatewayUnreachable(error, gateway) from error

    async def on_ready(self) -> None:
        user_id = self.user.id if self.user else "?"
        log.info("connected as %s (id %s) to %d guild(s)", self.user, user_id, len(self.guilds))

    async def on_message(self, message: discord.Message) -> None:
        """Mentions are handled by the ask component; there are no prefix commands."""

    def is_moderator(self, interaction: discord.Interaction) -> bool:
        """Manage Server, or the configured moderator role.

        Checked here, at run time, and nowhere else: the moderators' commands carry no
        ``default_member_permissions``, because Discord enforces those before the bot sees
        the interaction, so a member with only the moderator role could not run them."""
        member = interaction.user
        if interaction.guild is None or not isinstance(member, discord.Member):
            return False
        if interaction.permissions.manage_guild:
            return True
        return moderator_role(interaction.guild, self.settings.mod_role) in member.roles


class ShardedNewsBot(NewsBot, commands.AutoShardedBot):
    """The same bot over several gateway connections (``NEWSBOT_SHARDS``): discord.py's
    ``AutoShardedBot`` opens one per shard and routes each server's events through its own.
    Discord requires sharding from 2,500 servers, and closes a connection that would hold
    more with 4011 "Sharding required"
    (https://discord.com/developers/docs/events/gateway#sharding)."""


def make_bot(settings: Settings, service: NewsService, **options: object) -> NewsBot:
    """A :class:`NewsBot`, or a :class:`ShardedNewsBot` when ``NEWSBOT_SHARDS`` is set:
    ``auto`` takes the count Discord recommends (``GET /gateway/bot``), a number is used as is."""
    if settings.shards is None:
        return NewsBot(settings, service, **options)
    count = None if settings.shards == "auto" else settings.shards
    return ShardedNewsBot(settings, service, shard_count=count, **options)


def moderator_role(guild: discord.Guild, setting: str | None) -> discord.Role | None:
    """The role ``NEWSBOT_MOD_ROLE`` names in ``guild``: by id (what it should hold), or by
    name only when exactly one role has that name, since role names are not unique and a
    member could create a look-alike role elsewhere in the list."""
    if not setting:
        return None
    value = setting.strip().removeprefix("<@&").removesuffix(">")
    if value.isdigit():
        return guild.get_role(int(value))
    named = [role for role in guild.roles if role.name == value]
    if len(named) != 1:
        log.warning(
            "NEWSBOT_MOD_ROLE %r matches %d roles in guild %s; set it to the role's id", value, len(named), guild.id
        )
        return None
    return named[0]
