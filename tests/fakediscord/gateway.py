"""The fake Discord gateway: an aiohttp websocket speaking Discord's v10 protocol.

Why it behaves like this:

* discord.py connects with ``?v=10&encoding=json&compress=zlib-stream``; it decodes
  binary frames through its zlib-stream context and plain text frames directly. We
  honour ``zlib-stream`` by default (one ``compressobj`` per connection, each payload
  flushed with ``Z_SYNC_FLUSH`` so it ends in ``00 00 ff ff``) so the client's real
  decompression path is exercised; ``compress=False`` sends text frames instead.
  discord.py asks for ``zstd-stream`` instead when it can import a zstd decompressor (the
  ``zstandard`` package, or ``compression.zstd`` from Python 3.14); this project installs
  neither and runs on 3.11–3.13, so the choice is pinned to zlib-stream:
  ``test_login_ready_and_heartbeats`` asserts the query discord.py sends, and a connection
  asking for any other compression is closed (4000) with a warning naming it, rather than
  answered in a framing real Discord would not use.
* Intents are applied like Discord does: no GUILD_MESSAGES / DIRECT_MESSAGES intent,
  no MESSAGE_CREATE; without MESSAGE_CONTENT, guild messages that neither mention the
  bot nor come from it arrive with empty content. A bot relying on privileged data it
  did not ask for fails here the way it would in production.
* Heartbeats are acknowledged and timestamped; RESUME succeeds for a known session.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
import zlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiohttp import WSMsgType, web

from .models import FakeGuild, FakeUser, JSONDict

_log = logging.getLogger(__name__)

# Opcodes.
OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_PRESENCE_UPDATE = 3
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_GUILD_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11

# Intents that change what the fake sends.
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15

GATEWAY_PATH = "/gateway"
CLOSE_DECODE_ERROR = 4002
CLOSE_AUTHENTICATION_FAILED = 4004
CLOSE_INVALID_SHARD = 4010
CLOSE_SHARDING_REQUIRED = 4011
MAX_GUILDS_PER_SHARD = 2500
"""Discord's limit: "Each shard can only support a maximum of 2500 guilds, and apps that are
in 2500+ guilds must enable sharding" (https://discord.com/developers/docs/events/gateway#sharding)."""


def shard_of(guild_id: int, num_shards: int) -> int:
    """The shard that receives a guild's events: ``shard_id = (guild_id >> 22) % num_shards``
    (https://discord.com/developers/docs/events/gateway#sharding-sharding-formula)."""
    return (guild_id >> 22) % num_shards


_GUILD_EVENTS = frozenset({"GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"})
"""Events whose guild is the payload itself (its ``id``), not a ``guild_id`` field."""
_MESSAGE_EVENTS = frozenset({"MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE"})
_CONTENT_FIELDS = {"content": "", "embeds": [], "attachments": [], "components": []}


class GatewayHost(Protocol):
    """What the gateway needs from the fake server (implemented by ``FakeDiscord``)."""

    token: str
    bot_user: FakeUser
    application_id: int
    application_flags: int
    guilds: dict[int, FakeGuild]

    @property
    def gateway_url(self) -> str: ...

    async def _notify(self) -> None: ...


@dataclass
class GatewaySession:
    """Survives reconnects so RESUME can continue the sequence and keep the intents."""

    id: str
    intents: int
    shard: list[int]
    seq: int = 0


@dataclass
class GatewayConnection:
    """One client websocket; owns its zlib stream, which must see payloads in send order."""

    ws: web.WebSocketResponse
    query: Mapping[str, str]
    compressor: Any | None
    session: GatewaySession | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def send(self, payload: JSONDict) -> None:
        text = json.dumps(payload)
        async with self.lock:
            if self.ws.closed:
                return
            if self.compressor is None:
                await self.ws.send_str(text)
            else:
                data = self.compressor.compress(text.encode()) + self.compressor.flush(zlib.Z_SYNC_FLUSH)
                await self.ws.send_bytes(data)

    async def dispatch(self, event: str, data: JSONDict) -> JSONDict:
        """Send a DISPATCH with the session's next sequence number; returns the payload sent."""
        assert self.session is not None, "dispatch before IDENTIFY/RESUME"
        self.session.seq += 1
        payload = {"op": OP_DISPATCH, "t": event, "s": self.session.seq, "d": data}
        await self.send(payload)
        return payload


class GatewayServer:
    """Serves the websocket endpoint and records what the client sent over it."""

    def __init__(self, host: GatewayHost, *, heartbeat_interval_ms: int, compress: bool) -> None:
        self._host = host
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.compress = compress
        self.connections: list[GatewayConnection] = []
        self.sessions: dict[str, GatewaySession] = {}
        self.identify_payloads: list[JSONDict] = []
        self.resume_payloads: list[JSONDict] = []
        self.heartbeats: list[float] = []
        self.received: list[JSONDict] = []
        self.dispatched: list[JSONDict] = []
        self.dropped: list[JSONDict] = []
        self.connect_queries: list[dict[str, str]] = []
        self.close_codes: list[int | None] = []
        """The close code of every connection that ended (1000 is a clean close by the client)."""
        self.identified = asyncio.Event()
        self.ready = asyncio.Event()
        self.max_guilds_per_shard = MAX_GUILDS_PER_SHARD
        """A test lowers it to see the bot refused for holding too many guilds on one shard."""
        self.close_before_ready: int | None = None
        """When set, every IDENTIFY is answered by closing the connection with this code
        instead of READY: a gateway that never lets a session start. Discord documents 4000
        ("Unknown error ... Try reconnecting?") among the codes a client may reconnect after:
        https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-close-event-codes"""
        self._handlers: dict[int, Callable[[GatewayConnection, Any], Awaitable[None]]] = {
            OP_HEARTBEAT: self._on_heartbeat,
            OP_IDENTIFY: self._on_identify,
            OP_RESUME: self._on_resume,
            OP_REQUEST_GUILD_MEMBERS: self._on_request_members,
        }

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """aiohttp handler for the gateway URL."""
        ws = web.WebSocketResponse(timeout=2.0, max_msg_size=0)
        await ws.prepare(request)
        query = dict(request.query)
        self.connect_queries.append(query)
        if query.get("compress") not in (None, "zlib-stream"):
            _log.warning("the fake speaks zlib-stream only; the client asked %r", query.get("compress"))
            await ws.close(code=4000, message=b"Unsupported compression in the fake.")
            return ws
        use_zlib = self.compress and query.get("compress") == "zlib-stream"
        conn = GatewayConnection(ws=ws, query=query, compressor=zlib.compressobj() if use_zlib else None)
        self.connections.append(conn)
        _log.debug("gateway connection opened query=%s zlib=%s", query, use_zlib)
        try:
            hello = {"heartbeat_interval": self.heartbeat_interval_ms}
            await conn.send({"op": OP_HELLO, "d": hello, "s": None, "t": None})
            await self._read_loop(conn)
        finally:
            self.connections.remove(conn)
            self.close_codes.append(ws.close_code)
            _log.debug("gateway connection closed code=%s", ws.close_code)
        return ws

    async def _read_loop(self, conn: GatewayConnection) -> None:
        async for msg in conn.ws:
            if msg.type is not WSMsgType.TEXT:
                _log.warning("gateway ignoring non-text frame %s", msg.type)
                continue
            try:
                payload = json.loads(msg.data)
            except ValueError:
                await conn.ws.close(code=CLOSE_DECODE_ERROR, message=b"Error while decoding payload.")
                return
            self.received.append(payload)
            handler = self._handlers.get(payload.get("op"))
            if handler is not None:
                await handler(conn, payload.get("d"))
            await self._host._notify()

    async def _on_heartbeat(self, conn: GatewayConnection, _data: Any) -> None:
        self.heartbeats.append(time.monotonic())
        await conn.send({"op": OP_HEARTBEAT_ACK, "d": None, "s": None, "t": None})

    def _token_ok(self, token: Any) -> bool:
        return token in (self._host.token, f"Bot {self._host.token}")

    async def _on_identify(self, conn: GatewayConnection, data: JSONDict) -> None:
        self.identify_payloads.append(data)
        if not self._token_ok(data.get("token")):
            await conn.ws.close(code=CLOSE_AUTHENTICATION_FAILED, message=b"Authentication failed.")
            return
        if self.close_before_ready is not None:
            await conn.ws.close(code=self.close_before_ready, message=b"Unknown error.")
            return
        shard = [int(n) for n in data.get("shard") or [0, 1]]
        refusal = self._shard_refusal(shard)
        if refusal is not None:
            await conn.ws.close(code=refusal[0], message=refusal[1])
            return
        session = GatewaySession(id=uuid.uuid4().hex, intents=int(data.get("intents", 0)), shard=shard)
        self.sessions[session.id] = session
        conn.session = session
        await self._send(conn, "READY", self._ready_payload(session))
        self.identified.set()
        for guild in self._guilds_of(session):
            await self._send(conn, "GUILD_CREATE", self._guild_create(guild, session.intents))
        self.ready.set()

    def _shard_refusal(self, shard: list[int]) -> tuple[int, bytes] | None:
        """Discord closes an IDENTIFY whose ``shard`` is not ``[shard_id, num_shards]`` with
        0 <= shard_id < num_shards (4010 "Invalid shard"), and one whose shard would hold more
        guilds than a shard may (4011 "Sharding required")
        (https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-close-event-codes)."""
        if len(shard) != 2 or not 0 <= shard[0] < shard[1]:
            return CLOSE_INVALID_SHARD, b"Invalid shard."
        held = sum(1 for guild_id in self._host.guilds if shard_of(guild_id, shard[1]) == shard[0])
        if held > self.max_guilds_per_shard:
            return CLOSE_SHARDING_REQUIRED, b"Sharding required."
        return None

    def _guilds_of(self, session: GatewaySession) -> list[FakeGuild]:
        shard_id, count = session.shard
        return [guild for guild in self._host.guilds.values() if shard_of(guild.id, count) == shard_id]

    @staticmethod
    def _receives(session: GatewaySession, event: str, data: JSONDict) -> bool:
        """Whether an event reaches this session's shard: a guild's events go to the guild's
        shard, DMs to shard 0 only ("DMs will only be sent to shard 0", same page)."""
        shard_id, count = session.shard
        guild_id = data.get("id") if event in _GUILD_EVENTS else data.get("guild_id")
        if guild_id is None:
            return shard_id == 0
        return shard_of(int(guild_id), count) == shard_id

    def _ready_payload(self, session: GatewaySession) -> JSONDict:
        user = {**self._host.bot_user.to_payload(), "verified": True, "mfa_enabled": False, "flags": 0}
        return {
            "v": 10,
            "user": user,
            "guilds": [{"id": str(g.id), "unavailable": True} for g in self._guilds_of(session)],
            "session_id": session.id,
            "resume_gateway_url": self._host.gateway_url,
            "shard": session.shard,
            "application": {"id": str(self._host.application_id), "flags": self._host.application_flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "session_type": "normal",
        }

    def _guild_create(self, guild: FakeGuild, intents: int) -> JSONDict:
        """Without GUILD_MEMBERS Discord only sends the bot's own member."""
        member_ids = None if intents & INTENT_GUILD_MEMBERS else [self._host.bot_user.id]
        return guild.create_payload(member_ids=member_ids)

    async def _on_resume(self, conn: GatewayConnection, data: JSONDict) -> None:
        self.resume_payloads.append(data)
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or not self._token_ok(data.get("token")):
            await conn.send({"op": OP_INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        conn.session = session
        await self._send(conn, "RESUMED", {})

    async def _on_request_members(self, conn: GatewayConnection, data: JSONDict) -> None:
        guild = self._host.guilds.get(int(data["guild_id"]))
        if guild is None or conn.session is None:
            return
        query = str(data.get("query") or "").lower()
        user_ids = {int(u) for u in data.get("user_ids") or []}
        members = [
            m
            for m in guild.members
            if (not user_ids or m.user.id in user_ids) and m.user.username.lower().startswith(query)
        ]
        limit = int(data.get("limit") or 0)
        if limit:
            members = members[:limit]
        chunk: JSONDict = {
            "guild_id": str(guild.id),
            "members": [m.to_payload() for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        await self._send(conn, "GUILD_MEMBERS_CHUNK", chunk)

    async def dispatch(self, event: str, data: JSONDict) -> int:
        """Send an event to every identified connection whose intents allow it.

        Returns how many connections received it. Raises ``RuntimeError`` when no client
        is identified, since a test injecting events then is certainly mistaken.
        """
        targets = [c for c in self.connections if c.session is not None and not c.ws.closed]
        if not targets:
            raise RuntimeError(f"cannot dispatch {event}: no identified gateway connection")
        targets = [c for c in targets if c.session is not None and self._receives(c.session, event, data)]
        delivered = 0
        for conn in targets:
            assert conn.session is not None
            shaped = self._shape_for_intents(event, data, conn.session.intents)
            if shaped is None:
                self.dropped.append({"t": event, "d": data, "intents": conn.session.intents})
                _log.info("gateway dropped %s: intents %s do not allow it", event, conn.session.intents)
                continue
            await self._send(conn, event, shaped)
            delivered += 1
        await self._host._notify()
        return delivered

    async def _send(self, conn: GatewayConnection, event: str, data: JSONDict) -> None:
        """Every DISPATCH goes through here so ``dispatched`` is the complete log."""
        self.dispatched.append(await conn.dispatch(event, data))

    def _shape_for_intents(self, event: str, data: JSONDict, intents: int) -> JSONDict | None:
        """Drop or redact an event the way Discord does for the given intents."""
        if event not in _MESSAGE_EVENTS:
            return data
        in_guild = "guild_id" in data
        needed = INTENT_GUILD_MESSAGES if in_guild else INTENT_DIRECT_MESSAGES
        if not intents & needed:
            return None
        if not in_guild or intents & INTENT_MESSAGE_CONTENT or event == "MESSAGE_DELETE":
            return data
        # "Messages in which the app is mentioned" keep their content
        # (https://discord.com/developers/docs/events/gateway#message-content-intent): a user
        # mention in ``mentions``. A mention of the app's managed role is a role mention and
        # does not count, so such a message arrives without its text.
        bot_id = str(self._host.bot_user.id)
        author_id = str((data.get("author") or {}).get("id"))
        mentioned = any(str(u.get("id")) == bot_id for u in data.get("mentions") or [])
        if author_id == bot_id or mentioned:
            return data
        return {**data, **_CONTENT_FIELDS}

    async def request_reconnect(self) -> None:
        """Send op 7 Reconnect on every connection, as Discord does before it moves a session
        ("the client should attempt to resume": the session stays valid here, so a RESUME
        succeeds; https://discord.com/developers/docs/events/gateway#reconnect)."""
        for conn in list(self.connections):
            await conn.send({"op": OP_RECONNECT, "d": None, "s": None, "t": None})

    async def invalidate_sessions(self, *, resumable: bool) -> None:
        """Send op 9 Invalid Session on every connection. ``d`` says whether the session may be
        resumed; when it may not, the session is forgotten, so the client must IDENTIFY anew
        (https://discord.com/developers/docs/events/gateway-events#invalid-session)."""
        for conn in list(self.connections):
            if not resumable and conn.session is not None:
                self.sessions.pop(conn.session.id, None)
            await conn.send({"op": OP_INVALID_SESSION, "d": resumable, "s": None, "t": None})

    async def close_all(self, code: int = 1001, message: bytes = b"") -> None:
        """Close every client websocket (``code=4000`` makes discord.py RESUME)."""
        for conn in list(self.connections):
            await conn.ws.close(code=code, message=message)
