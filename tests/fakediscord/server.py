"""A fake Discord (REST + gateway) on 127.0.0.1 for end-to-end tests of the real discord.py client.

Why: unit tests with mocked discord.py objects cannot tell whether the bot really
works against discord.py's HTTP and gateway code (payload shapes, the interaction
response flow, intents, error handling). ``FakeDiscord`` lets a test run the
unmodified ``commands.Bot`` over real sockets, inject what users do (messages,
slash commands), and wait for and assert on everything the bot did.

The protocol work lives in ``rest.py`` and ``gateway.py`` and the shared world in
``state.py``; this module is the test-facing surface: lifecycle, event injection and
waiters. Point the bot here with ``bot.endpoints.apply_endpoints`` (see ``harness``).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable, Coroutine, Mapping, Sequence
from types import TracebackType
from typing import Any, TypeVar

from aiohttp import web

from .gateway import GATEWAY_PATH, GatewayServer
from .models import DEFAULT_DM_PERMISSIONS, FakeGuild, FakeUser, JSONDict
from .payloads import MESSAGE_DEFAULT, MESSAGE_REPLY, message_payload, option_payloads, parse_mention_ids
from .records import InteractionRecord, RecordedRequest, SentMessage
from .rest import API_PREFIX, RestApi
from .state import ChannelRef, FakeState, dm_channel_payload, without_reference

__all__ = ["CommandNotOffered", "ComponentNotOffered", "FakeDiscord"]

_log = logging.getLogger(__name__)
_T = TypeVar("_T")

ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024


class CommandNotOffered(PermissionError):
    """Discord would not let this user invoke this command here (``send_interaction`` raises it)."""


class ComponentNotOffered(LookupError):
    """No such button to press: the message is gone, has no enabled button with that
    ``custom_id``, or is not the bot's (``click_button`` raises it)."""


class FakeDiscord(FakeState):
    """Fake Discord REST API + gateway bound to 127.0.0.1 on a free port.

    Use ``async with FakeDiscord(...) as fake:`` (or ``start()``/``stop()``), point the
    bot at ``fake.api_base`` / ``fake.gateway_url``, run it, inject events with
    ``send_message_create``/``send_interaction`` and assert on ``fake.requests`` and the
    helpers. ``application_id`` defaults to the bot user's id, as for Discord apps; the
    bot user is made a member of every guild. ``echo_bot_messages`` sends the bot its
    own visible messages back as MESSAGE_CREATE, as Discord does.
    """

    def __init__(
        self,
        *,
        token: str = "fake-bot-token",
        bot_user: FakeUser | None = None,
        application_id: int | None = None,
        application_flags: int = 0,
        application_name: str = "newsbot",
        app_owner: FakeUser | None = None,
        guilds: Sequence[FakeGuild] = (),
        users: Sequence[FakeUser] = (),
        heartbeat_interval_ms: int = 1000,
        compress_gateway: bool = True,
        echo_bot_messages: bool = True,
        host: str = "127.0.0.1",
        recommended_shards: int = 1,
    ) -> None:
        super().__init__(
            token=token,
            bot_user=bot_user,
            application_id=application_id,
            application_flags=application_flags,
            application_name=application_name,
            app_owner=app_owner,
            guilds=guilds,
            users=users,
        )
        self.echo_bot_messages = echo_bot_messages
        self.recommended_shards = recommended_shards
        self.host = host
        self.gateway = GatewayServer(self, heartbeat_interval_ms=heartbeat_interval_ms, compress=compress_gateway)
        self._rest = RestApi(self, notify=self._notify, passthrough_paths=[GATEWAY_PATH])
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._cond: asyncio.Condition | None = None
        self._background: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Bind a free port and serve REST under ``/api/v10`` and the gateway at ``/gateway``."""
        if self._runner is not None:
            raise RuntimeError("FakeDiscord already started")
        self._cond = asyncio.Condition()
        app = web.Application(middlewares=[self._rest.middleware], client_max_size=64 * 1024 * 1024)
        app.router.add_get(GATEWAY_PATH, self.gateway.handle)
        self._rest.add_routes(app)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        await web.TCPSite(runner, self.host, 0).start()
        self._runner = runner
        self._port = _bound_port(runner)
        _log.info("fake discord listening on %s (gateway %s)", self.api_base, self.gateway_url)

    async def stop(self) -> None:
        """Close gateway sockets, cancel pending echoes and shut the server down.

        Close the bot first: a bot still running would see the close and reconnect.
        """
        if self._runner is None:
            return
        await self.gateway.close_all()
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("FakeDiscord not started")
        return f"http://{self.host}:{self._port}"

    @property
    def api_base(self) -> str:
        """Value for ``discord.http.Route.BASE``: ``http://127.0.0.1:PORT/api/v10``."""
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        """Value for ``DiscordWebSocket.DEFAULT_GATEWAY``; also sent as READY's resume URL."""
        return f"ws://{self.host}:{self._port}{GATEWAY_PATH}" if self._port else ""

    # ------------------------------------------------------------------ gateway views

    @property
    def ready(self) -> asyncio.Event:
        """Set once READY and every GUILD_CREATE went out on the first IDENTIFY."""
        return self.gateway.ready

    @property
    def identified(self) -> asyncio.Event:
        return self.gateway.identified

    @property
    def identify_payloads(self) -> list[JSONDict]:
        """The ``d`` of every IDENTIFY (token, intents, properties ...)."""
        return self.gateway.identify_payloads

    @property
    def heartbeats(self) -> list[float]:
        """``time.monotonic()`` of every heartbeat received (each was ACKed)."""
        return self.gateway.heartbeats

    @property
    def dispatched(self) -> list[JSONDict]:
        """Every DISPATCH sent to the client, ``{"op": 0, "t": ..., "s": ..., "d": ...}``."""
        return self.gateway.dispatched

    # ------------------------------------------------------------------ record views

    @property
    def unknown_requests(self) -> list[RecordedRequest]:
        """Requests that matched no route (answered 404): the bot called something unexpected."""
        return [r for r in self.requests if r.route is None]

    def find_requests(
        self, method: str | None = None, route: str | None = None, **path_params: object
    ) -> list[RecordedRequest]:
        """E.g. ``find_requests("POST", "/channels/{channel_id}/typing", channel_id=5)``."""
        return [r for r in self.requests if r.matches(method, route, **path_params)]

    def sent_messages(self, channel_id: int | None = None) -> list[SentMessage]:
        """Messages the bot created with ``POST /channels/{id}/messages`` (not interaction replies)."""
        return [m for m in self.bot_messages if channel_id is None or m.channel_id == channel_id]

    def interaction(self, interaction_id: int) -> InteractionRecord:
        return self.interactions[interaction_id]

    def interaction_responses(self, interaction_id: int) -> list[JSONDict]:
        """Callback bodies for the interaction, e.g. ``[{"type": 4, "data": {"content": ...}}]``."""
        return list(self.interactions[interaction_id].callbacks)

    def synced_commands(self, guild_id: int | None = None) -> list[JSONDict]:
        """Commands as last synced globally (``None``) or to ``guild_id``."""
        return list(self.commands.get(guild_id, []))

    def command_id(self, name: str, guild_id: int | None = None, command_type: int = 1) -> int | None:
        command = self.find_command(name, command_type, guild_id)
        return int(command["id"]) if command else None

    # ------------------------------------------------------------------ waiting

    async def wait_for(self, check: Callable[[], _T | None], *, timeout: float = 10.0, what: str = "condition") -> _T:
        """Wait until ``check()`` returns something other than ``None``/``False`` and return it.

        Re-evaluated after every recorded request and gateway frame, so tests never sleep
        blindly; on timeout the ``TimeoutError`` lists the latest requests to aid debugging.
        """
        cond = self._require_cond()
        try:
            async with asyncio.timeout(timeout):
                async with cond:
                    while True:
                        result = check()
                        if result is not None and result is not False:
                            return result
                        await cond.wait()
        except TimeoutError:
            recent = ", ".join(f"{r.key} -> {r.status}" for r in self.requests[-8:]) or "none"
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}; last requests: {recent}") from None

    async def wait_for_request(
        self, predicate: Callable[[RecordedRequest], bool], *, timeout: float = 10.0, start: int = 0
    ) -> RecordedRequest:
        """First request from index ``start`` on (pass ``len(fake.requests)`` for new ones) matching."""
        return await self.wait_for(
            lambda: next((r for r in self.requests[start:] if predicate(r)), None), timeout=timeout, what="request"
        )

    async def wait_for_message(
        self,
        channel_id: int | None = None,
        *,
        predicate: Callable[[SentMessage], bool] | None = None,
        start: int = 0,
        timeout: float = 10.0,
    ) -> SentMessage:
        """First bot message in ``channel_id`` (from ``sent_messages`` index ``start``) matching."""

        def check() -> SentMessage | None:
            candidates = self.sent_messages(channel_id)[start:]
            return next((m for m in candidates if predicate is None or predicate(m)), None)

        return await self.wait_for(check, timeout=timeout, what=f"bot message in channel {channel_id}")

    async def wait_for_interaction_response(self, interaction_id: int, *, timeout: float = 10.0) -> InteractionRecord:
        """Wait for the initial callback of the interaction."""
        record = self.interactions[interaction_id]
        return await self.wait_for(
            lambda: record if record.responded else None, timeout=timeout, what=f"callback of {interaction_id}"
        )

    async def wait_for_followup(self, interaction_id: int, count: int = 1, *, timeout: float = 10.0) -> SentMessage:
        """Wait until the interaction has ``count`` followups; returns the ``count``-th."""
        record = self.interactions[interaction_id]
        return await self.wait_for(
            lambda: record.followups[count - 1] if len(record.followups) >= count else None,
            timeout=timeout,
            what=f"followup #{count} of {interaction_id}",
        )

    async def wait_for_original_edit(self, interaction_id: int, count: int = 1, *, timeout: float = 10.0) -> JSONDict:
        """Wait until ``@original`` was PATCHed ``count`` times; returns the current original message."""
        record = self.interactions[interaction_id]
        return await self.wait_for(
            lambda: record.original if len(record.original_edits) >= count else None,
            timeout=timeout,
            what=f"edit #{count} of @original of {interaction_id}",
        )

    async def wait_until_identified(self, timeout: float = 10.0) -> JSONDict:
        """Wait for a valid IDENTIFY; returns its payload."""
        async with asyncio.timeout(timeout):
            await self.gateway.identified.wait()
        return self.identify_payloads[-1]

    async def wait_until_ready(self, timeout: float = 10.0) -> None:
        """Wait until READY and all GUILD_CREATEs were sent (the bot's on_ready comes later)."""
        async with asyncio.timeout(timeout):
            await self.gateway.ready.wait()

    async def wait_for_heartbeats(self, count: int, *, timeout: float = 10.0) -> list[float]:
        return await self.wait_for(
            lambda: list(self.heartbeats) if len(self.heartbeats) >= count else None,
            timeout=timeout,
            what=f"{count} heartbeats",
        )

    def _require_cond(self) -> asyncio.Condition:
        if self._cond is None:
            raise RuntimeError("FakeDiscord not started")
        return self._cond

    async def _notify(self) -> None:
        """Wake waiters; called after every recorded request and gateway frame."""
        if self._cond is not None:
            async with self._cond:
                self._cond.notify_all()

    # ------------------------------------------------------------------ injection

    async def dispatch(self, event: str, data: JSONDict) -> int:
        """Send any gateway event; returns how many connections received it (intents apply)."""
        return await self.gateway.dispatch(event, data)

    async def send_message_create(
        self,
        *,
        channel_id: int,
        author: FakeUser,
        content: str,
        mentions: Sequence[FakeUser] | None = None,
        guild_id: int | None = None,
        reply_to: int | None = None,
        embeds: Sequence[JSONDict] = (),
        attachments: Sequence[JSONDict] = (),
        extra: Mapping[str, Any] | None = None,
    ) -> int:
        """Deliver MESSAGE_CREATE from ``author`` and return the new message id.

        ``mentions=None`` derives mentions from ``<@id>`` in ``content`` like Discord, plus
        the replied-to author for ``reply_to`` (replies ping by default, so a reply to the
        bot carries content even without the MESSAGE_CONTENT intent, as on Discord).
        ``guild_id`` is inferred from the channel (DM channels come from
        ``dm_channel_id(user)``); passing a different one is an error, and so is an author
        who is not a member of the guild.
        """
        ref = self._channel_ref_or_error(channel_id, guild_id)
        guild = ref.guild
        member = guild.get_member(author.id) if guild else None
        if guild is not None and member is None:
            raise ValueError(f"user {author.id} is not a member of guild {guild.id}")
        reference, referenced = self._reference(reply_to, ref)
        if mentions is None:
            mentions = self._implied_mentions(content, referenced)
        _, role_ids = parse_mention_ids(content)
        mention_roles = [r for r in role_ids if guild is not None and guild.get_role(r) is not None]
        message = message_payload(
            message_id=self.ids.next(),
            channel_id=channel_id,
            author=author.to_payload(),
            content=content,
            guild_id=guild.id if guild else None,
            member=member.to_payload(with_user=False) if member else None,
            mentions=[self.mention_entry(u, guild) for u in mentions],
            mention_roles=mention_roles,
            message_type=MESSAGE_REPLY if reference else MESSAGE_DEFAULT,
            embeds=embeds,
            attachments=attachments,
            message_reference=reference,
            referenced_message=referenced,
        )
        message.update(extra or {})
        self.store_message(message, channel_id)
        await self.gateway.dispatch("MESSAGE_CREATE", message)
        return int(message["id"])

    async def send_interaction(
        self,
        *,
        user: FakeUser,
        channel_id: int,
        name: str | None = None,
        options: Mapping[str, Any] | Sequence[JSONDict] = (),
        data: JSONDict | None = None,
        guild_id: int | None = None,
        locale: str = "en-US",
        guild_locale: str | None = None,
        permissions: int | None = None,
        app_permissions: int | None = None,
        interaction_type: int = 2,
        command_type: int = 1,
        extra: Mapping[str, Any] | None = None,
    ) -> InteractionRecord:
        """Deliver INTERACTION_CREATE (an APPLICATION_COMMAND by default) and return its record.

        Give ``name`` + ``options`` (a mapping ``{"question": "..."}`` or raw option dicts):
        the command id and ``data.guild_id`` are filled in from the last sync, which
        discord.py's tree needs to find guild commands. Or pass the whole ``data``.
        ``permissions`` defaults to the member's computed channel permissions (so a Manage
        Server check sees the roles you configured); ``guild_locale`` defaults to the
        guild's preferred locale. A DM channel id makes it a DM interaction.
        """
        ref = self._channel_ref_or_error(channel_id, guild_id)
        if ref.dm_user is not None and ref.dm_user.id != user.id:
            raise ValueError(f"channel {channel_id} is the DM of user {ref.dm_user.id}, not {user.id}")
        if data is None:
            if name is None:
                raise ValueError("send_interaction needs name= or data=")
            data = self._command_data(name, options, command_type, ref.guild)
        if interaction_type == 2:
            command = self.find_command(
                str(data.get("name")), int(data.get("type", 1)), ref.guild.id if ref.guild else None
            )
            given = data.get("options") or []
            refusal = self.invocation_refusal(command, ref.guild, user, given) if command is not None else None
            if refusal is not None:
                raise CommandNotOffered(refusal)
        interaction_id = self.ids.next()
        token = f"fake-interaction-{secrets.token_hex(16)}"
        payload: JSONDict = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": interaction_type,
            "data": data,
            "token": token,
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
            "channel_id": str(channel_id),
        }
        if ref.guild is not None:
            payload.update(self._guild_interaction_fields(ref, user, guild_locale, permissions, app_permissions))
        else:
            payload.update(self._dm_interaction_fields(ref, user, app_permissions))
        payload.update(extra or {})
        record = InteractionRecord(id=interaction_id, token=token, payload=payload)
        self.interactions[interaction_id] = record
        self.interactions_by_token[token] = record
        await self.gateway.dispatch("INTERACTION_CREATE", payload)
        return record

    async def autocomplete(
        self,
        *,
        user: FakeUser,
        channel_id: int,
        name: str,
        options: Mapping[str, Any],
        focused: str,
        **kwargs: Any,
    ) -> list[JSONDict]:
        """``user`` is typing in option ``focused`` of ``/name`` (``options`` holds what is typed
        so far); returns the choices the bot offered.

        What Discord sends: an APPLICATION_COMMAND_AUTOCOMPLETE interaction (type 4) whose
        ``data.options`` mark the option being typed with ``focused: true``, only for an
        option declared with ``autocomplete: true``; the app answers with type 8
        (https://discord.com/developers/docs/interactions/application-commands#autocomplete,
        https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object-interaction-type).
        ``kwargs`` go to :meth:`send_interaction` (``locale``...).
        """
        ref = self._channel_ref_or_error(channel_id, None)
        command = self.find_command(name, 1, ref.guild.id if ref.guild else None)
        if command is None:
            raise CommandNotOffered(f"/{name} was never synced")
        declared = next((o for o in command.get("options") or [] if o.get("name") == focused), None)
        if declared is None or not declared.get("autocomplete"):
            raise CommandNotOffered(f"option {focused!r} of /{name} does not autocomplete")
        data = self._command_data(name, options, 1, ref.guild)
        for option in data.get("options") or []:
            if option["name"] == focused:
                option["focused"] = True
                option["type"] = int(declared.get("type", 3))
        record = await self.send_interaction(user=user, channel_id=channel_id, data=data, interaction_type=4, **kwargs)
        await self.wait_for_interaction_response(record.id)
        return record.choices

    async def use_message_command(
        self, *, user: FakeUser, message_id: int, name: str, **kwargs: Any
    ) -> InteractionRecord:
        """``user`` right-clicks message ``message_id`` and picks the app's message command
        ``name`` (Apps → name).

        What Discord sends: an APPLICATION_COMMAND interaction whose ``data`` has ``type`` 3
        (MESSAGE), the message's id as ``target_id`` and the message itself in
        ``resolved.messages``, with its content whatever the app's intents
        (https://discord.com/developers/docs/interactions/application-commands#message-commands,
        https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object-application-command-data-structure).
        Only a message that exists can be clicked; ``kwargs`` go to :meth:`send_interaction`.
        """
        message = self.messages.get(message_id)
        if message is None:
            raise ComponentNotOffered(f"message {message_id} does not exist (any more)")
        channel_id = int(message["channel_id"])
        ref = self._channel_ref_or_error(channel_id, None)
        if self.find_command(name, 3, ref.guild.id if ref.guild else None) is None:
            raise CommandNotOffered(f"no message command {name!r} was synced")
        data = self._command_data(name, (), 3, ref.guild)
        data["target_id"] = str(message_id)
        data["resolved"] = {"messages": {str(message_id): without_reference(message)}}
        return await self.send_interaction(user=user, channel_id=channel_id, data=data, **kwargs)

    def rate_limit(self, method: str, route: str, *, limit: int, per_s: float) -> None:
        """Answer ``method route`` (a template, ``/channels/{channel_id}/messages``) with 429
        past ``limit`` requests per channel/guild/webhook in any ``per_s`` seconds, as
        Discord does (see ``ratelimit.py``); the 429s are in ``requests`` like the rest."""
        self._rest.rate_limits.set(method, route, limit=limit, per_s=per_s)

    async def click_button(
        self, *, user: FakeUser, message_id: int, custom_id: str, **kwargs: Any
    ) -> InteractionRecord:
        """``user`` presses the button ``custom_id`` under the bot's message ``message_id``.

        What Discord sends: a MESSAGE_COMPONENT interaction (type 3) whose ``data`` holds the
        button's ``custom_id`` and ``component_type`` 2, and whose ``message`` is the message
        as it is now (after the bot's edits). Only a button that is there and enabled can be
        pressed, so a test cannot send what no client could:
        https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object-interaction-type
        https://discord.com/developers/docs/interactions/message-components#button-object
        ``kwargs`` go to :meth:`send_interaction` (``locale``, ``permissions``...).
        """
        message = self.messages.get(message_id)
        if message is None:
            raise ComponentNotOffered(f"message {message_id} does not exist (any more)")
        if int(message["author"]["id"]) != self.bot_user.id:
            raise ComponentNotOffered(f"message {message_id} is not the bot's")
        buttons = {
            c.get("custom_id"): c
            for row in message.get("components") or []
            for c in row.get("components") or []
            if c.get("type") == 2
        }
        button = buttons.get(custom_id)
        if button is None or button.get("disabled"):
            raise ComponentNotOffered(f"message {message_id} has no enabled button {custom_id!r}")
        return await self.send_interaction(
            user=user,
            channel_id=int(message["channel_id"]),
            interaction_type=3,
            data={"custom_id": custom_id, "component_type": 2},
            extra={"message": message},
            **kwargs,
        )

    async def delete_message(self, message_id: int) -> None:
        """A user deletes a message: it is gone for REST and MESSAGE_DELETE is sent."""
        message = self.messages.pop(message_id)
        data: JSONDict = {"id": str(message_id), "channel_id": message["channel_id"]}
        ref = self.resolve_channel(int(message["channel_id"]))
        if ref is not None and ref.guild is not None:
            data["guild_id"] = str(ref.guild.id)
        await self.gateway.dispatch("MESSAGE_DELETE", data)

    async def add_guild(self, guild: FakeGuild) -> None:
        """The bot joins ``guild``: registers it and sends GUILD_CREATE."""
        self.register_guild(guild)
        await self.gateway.dispatch("GUILD_CREATE", guild.create_payload())

    async def disconnect_gateway(self, code: int = 4000) -> None:
        """Drop the gateway connection(s); with 4000 discord.py reconnects and RESUMEs."""
        await self.gateway.close_all(code=code)

    # ------------------------------------------------------------------ injection helpers

    def _on_bot_message(self, message: JSONDict, ref: ChannelRef) -> None:
        if self.echo_bot_messages:
            self._spawn(self._echo(message, ref))

    async def _echo(self, message: JSONDict, ref: ChannelRef) -> None:
        """Discord sends the bot its own messages back as MESSAGE_CREATE (with guild fields)."""
        event = dict(message)
        if ref.guild is not None:
            event["guild_id"] = str(ref.guild.id)
            bot_member = ref.guild.get_member(self.bot_user.id)
            if bot_member is not None:
                event["member"] = bot_member.to_payload(with_user=False)
        try:
            await self.gateway.dispatch("MESSAGE_CREATE", event)
        except RuntimeError as exc:  # the bot is not connected (any more): nothing to echo to
            _log.debug("echo skipped: %s", exc)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _channel_ref_or_error(self, channel_id: int, guild_id: int | None) -> ChannelRef:
        ref = self.resolve_channel(channel_id)
        if ref is None:
            raise ValueError(f"unknown channel {channel_id}; use a guild channel or dm_channel_id(user)")
        actual = ref.guild.id if ref.guild else None
        if guild_id is not None and guild_id != actual:
            raise ValueError(f"channel {channel_id} belongs to guild {actual}, not {guild_id}")
        return ref

    def _implied_mentions(self, content: str, referenced: JSONDict | None) -> list[FakeUser]:
        """``<@id>`` in the content, plus the replied-to author (replies ping by default)."""
        user_ids, _ = parse_mention_ids(content)
        if referenced is not None:
            user_ids.append(int(referenced["author"]["id"]))
        return [self.users[i] for i in dict.fromkeys(user_ids) if i in self.users]

    def _reference(self, reply_to: int | None, ref: ChannelRef) -> tuple[JSONDict | None, JSONDict | None]:
        if reply_to is None:
            return None, None
        referenced = self.messages.get(reply_to)
        if referenced is None:
            raise ValueError(f"reply_to: unknown message {reply_to}")
        reference: JSONDict = {"type": 0, "message_id": str(reply_to), "channel_id": str(ref.id)}
        if ref.guild is not None:
            reference["guild_id"] = str(ref.guild.id)
        return reference, without_reference(referenced)

    def _command_data(
        self, name: str, options: Mapping[str, Any] | Sequence[JSONDict], command_type: int, guild: FakeGuild | None
    ) -> JSONDict:
        command = self.find_command(name, command_type, guild.id if guild else None)
        if command is None:
            _log.warning("interaction for command %r that was never synced", name)
        data: JSONDict = {
            "id": command["id"] if command else str(self.ids.next()),
            "name": name,
            "type": command_type,
        }
        if command is not None and "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        option_list = option_payloads(options)
        if option_list:
            data["options"] = option_list
        return data

    def _guild_interaction_fields(
        self,
        ref: ChannelRef,
        user: FakeUser,
        guild_locale: str | None,
        permissions: int | None,
        app_permissions: int | None,
    ) -> JSONDict:
        guild, channel = ref.guild, ref.channel
        assert guild is not None and channel is not None
        member = guild.get_member(user.id)
        if member is None:
            raise ValueError(f"user {user.id} is not a member of guild {guild.id}")
        if permissions is None:
            permissions = guild.channel_permissions(user.id, channel.id)
        if app_permissions is None:
            app_permissions = guild.channel_permissions(self.bot_user.id, channel.id)
        return {
            "guild_id": str(guild.id),
            "guild": guild.partial_payload(),
            "guild_locale": guild_locale or guild.preferred_locale,
            "channel": channel.to_payload(guild.id),
            "member": {**member.to_payload(), "permissions": str(permissions)},
            "app_permissions": str(app_permissions),
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
        }

    def _dm_interaction_fields(self, ref: ChannelRef, user: FakeUser, app_permissions: int | None) -> JSONDict:
        return {
            "user": user.to_payload(),
            "channel": dm_channel_payload(ref.id, user),
            "app_permissions": str(app_permissions if app_permissions is not None else DEFAULT_DM_PERMISSIONS),
            "authorizing_integration_owners": {"0": "0"},
            "context": 1,
        }


def _bound_port(runner: web.AppRunner) -> int:
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    raise RuntimeError(f"could not determine bound port from {runner.addresses!r}")
