"""What the fake Discord remembers about the bot's behaviour, for test assertions.

Why separate records instead of raw request logs only: assertions such as "the bot
replied to message X without pinging anyone" read far better against a
``SentMessage`` (payload sent + message returned) than against HTTP plumbing, while
``RecordedRequest`` keeps the raw view for everything else.
"""

from __future__ import annotations

import time

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .models import JSONDict
from .payloads import FLAG_EPHEMERAL


@dataclass(frozen=True)
class RecordedFile:
    """A multipart file part the bot uploaded."""

    field_name: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass(frozen=True)
class RecordedRequest:
    """One REST request as the fake received and answered it.

    ``path`` and ``route`` are relative to the API base (``/api/v10``); ``route`` is the
    matched template such as ``/channels/{channel_id}/messages`` and is ``None`` for
    requests no route knew (those were answered 404). ``json`` is the decoded JSON body,
    or the decoded ``payload_json`` part of a multipart body. ``headers`` never contains
    ``Authorization``; ``authorized`` says whether it carried the right bot token.
    """

    method: str
    path: str
    route: str | None
    path_params: Mapping[str, str]
    query: Mapping[str, str]
    json: Any
    files: tuple[RecordedFile, ...]
    headers: Mapping[str, str]
    authorized: bool
    status: int
    response: Any
    at: float
    """``time.monotonic()`` once the request was answered."""
    received: float = 0.0
    """``time.monotonic()`` when the request arrived: ``at - received`` is the fake's own time."""

    @property
    def key(self) -> str:
        """``"POST /channels/{channel_id}/messages"``, handy in predicates and error output."""
        return f"{self.method} {self.route or self.path}"

    def matches(self, method: str | None = None, route: str | None = None, **path_params: object) -> bool:
        """True if method, route template and the given path parameters (compared as str) match."""
        if method is not None and self.method != method:
            return False
        if route is not None and self.route != route:
            return False
        return all(self.path_params.get(k) == str(v) for k, v in path_params.items())


@dataclass
class SentMessage:
    """A message the bot created: the ``payload`` it sent and the ``message`` the fake returned.

    ``message`` is the live stored object, so it reflects later edits by the bot;
    ``RecordedRequest.response`` keeps the snapshot returned at the time.
    """

    channel_id: int
    payload: JSONDict
    message: JSONDict

    @property
    def id(self) -> int:
        return int(self.message["id"])

    @property
    def content(self) -> str:
        return str(self.message.get("content") or "")

    @property
    def text(self) -> str:
        """What a reader sees: the content, then each embed's title, description and fields."""
        parts = [self.content]
        for embed in self.embeds:
            parts += [str(embed.get(k) or "") for k in ("title", "description")]
            parts += [f"{f.get('name', '')}\n{f.get('value', '')}" for f in embed.get("fields") or []]
        return "\n".join(p for p in parts if p)

    @property
    def embeds(self) -> list[JSONDict]:
        return list(self.message.get("embeds") or [])

    @property
    def reference_id(self) -> int | None:
        """Id of the message this replies to, if any."""
        ref = self.payload.get("message_reference") or {}
        return int(ref["message_id"]) if ref.get("message_id") is not None else None

    @property
    def allowed_mentions(self) -> JSONDict | None:
        return self.payload.get("allowed_mentions")

    @property
    def pinged_user_ids(self) -> list[int]:
        """Users Discord would notify: content mentions filtered by ``allowed_mentions``."""
        return [int(u["id"]) for u in self.message.get("mentions") or []]

    @property
    def ephemeral(self) -> bool:
        return bool(int(self.message.get("flags", 0)) & FLAG_EPHEMERAL)


@dataclass
class InteractionRecord:
    """One interaction the test sent and everything the bot did with it.

    ``callbacks`` are the bodies POSTed to ``/interactions/{id}/{token}/callback``
    (``{"type": 4, "data": {...}}``); ``original`` is the current ``@original`` message
    (after edits), ``original_edits`` the PATCH bodies, ``followups`` the followup messages.
    """

    id: int
    token: str
    payload: JSONDict
    callbacks: list[JSONDict] = field(default_factory=list)
    original: JSONDict | None = None
    original_edits: list[JSONDict] = field(default_factory=list)
    original_deleted: bool = False
    followups: list[SentMessage] = field(default_factory=list)
    created: float = field(default_factory=time.monotonic)
    """``time.monotonic()`` when the interaction was sent: Discord's response deadlines count from it."""

    @property
    def responded(self) -> bool:
        return bool(self.callbacks)

    @property
    def response_type(self) -> int | None:
        """Callback type of the initial response (4 message, 5 deferred, 9 modal ...)."""
        return int(self.callbacks[0]["type"]) if self.callbacks else None

    @property
    def choices(self) -> list[JSONDict]:
        """The choices of an autocomplete result (callback type 8), else ``[]``."""
        if self.response_type != 8:
            return []
        return list((self.callbacks[0].get("data") or {}).get("choices") or [])

    @property
    def ephemeral(self) -> bool:
        return self.original is not None and bool(int(self.original.get("flags", 0)) & FLAG_EPHEMERAL)

    @property
    def original_content(self) -> str | None:
        return None if self.original is None else str(self.original.get("content") or "")

    @property
    def command_name(self) -> str | None:
        return (self.payload.get("data") or {}).get("name")
