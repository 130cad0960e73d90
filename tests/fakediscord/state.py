"""Everything the fake Discord knows, plus the rules shared by REST and event injection.

Why a separate layer: what the bot does (REST handlers) and what a test makes users
do (gateway injection) must agree on channels, DMs, stored messages, mentions and
interactions. Keeping that logic here, free of HTTP and websocket code, is what keeps
both sides consistent, and keeps the protocol modules small.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .models import (
    ADMINISTRATOR,
    DM,
    EMBED_LINKS,
    MENTION_EVERYONE,
    FakeChannel,
    FakeGuild,
    FakeRole,
    FakeUser,
    JSONDict,
)
from .payloads import (
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    SnowflakeFactory,
    allowed_mention_ids,
    iso_now,
    message_payload,
    parse_mention_ids,
)
from .records import InteractionRecord, RecordedFile, RecordedRequest, SentMessage

#: Attachment URLs point at a TLD that never resolves, so a bot that downloads them fails loudly.
ATTACHMENT_URL_BASE = "https://cdn.fakediscord.invalid/attachments"


@dataclass(frozen=True)
class ChannelRef:
    """A channel id resolved to either a guild channel or the DM with ``dm_user``."""

    id: int
    guild: FakeGuild | None
    channel: FakeChannel | None
    dm_user: FakeUser | None


class FakeState:
    """The fake's world (users, guilds, commands) and its history (requests, messages, interactions)."""

    def __init__(
        self,
        *,
        token: str,
        bot_user: FakeUser | None,
        application_id: int | None,
        application_flags: int,
        application_name: str,
        app_owner: FakeUser | None,
        guilds: Sequence[FakeGuild],
        users: Sequence[FakeUser],
    ) -> None:
        self.ids = SnowflakeFactory()
        self.token = token
        self.bot_user = bot_user or FakeUser(id=self.ids.next(), username="newsbot", bot=True)
        self.application_id = application_id if application_id is not None else self.bot_user.id
        self.application_flags = application_flags
        self.application_name = application_name
        self.app_owner = app_owner or FakeUser(id=self.ids.next(), username="app-owner")
        self.guilds: dict[int, FakeGuild] = {}
        self.recommended_shards = 1
        """What ``GET /gateway/bot`` recommends (``FakeDiscord(recommended_shards=...)``)."""
        self.users: dict[int, FakeUser] = {}
        for user in (self.bot_user, self.app_owner, *users):
            self.add_user(user)
        for guild in guilds:
            self.register_guild(guild)

        self.requests: list[RecordedRequest] = []
        self.commands: dict[int | None, list[JSONDict]] = {}
        self.messages: dict[int, JSONDict] = {}
        self.interactions: dict[int, InteractionRecord] = {}
        self.interactions_by_token: dict[str, InteractionRecord] = {}
        self.reactions: list[tuple[int, int, str]] = []
        self.bot_messages: list[SentMessage] = []
        self._history: dict[int, list[int]] = {}
        self._dm_channels: dict[int, int] = {}
        self._dm_users: dict[int, int] = {}

    # ------------------------------------------------------------------ world

    def add_user(self, user: FakeUser) -> FakeUser:
        self.users[user.id] = user
        return user

    def register_guild(self, guild: FakeGuild) -> None:
        """Make the bot a member (it is in every configured guild) and learn the members.

        Like Discord, the bot gets its managed role (``tags.bot_id``), the one a member's
        role picker offers as "@newsbot"."""
        if not any(role.bot_id == self.bot_user.id for role in guild.roles):
            guild.roles.append(
                FakeRole(id=self.ids.next(), name=self.bot_user.username, bot_id=self.bot_user.id, position=1)
            )
        managed = [role.id for role in guild.roles if role.bot_id == self.bot_user.id]
        member = guild.add_member(self.bot_user)
        for role_id in managed:
            if role_id not in member.role_ids:
                member.role_ids.append(role_id)
        self.guilds[guild.id] = guild
        for member in guild.members:
            self.users.setdefault(member.user.id, member.user)

    def dm_channel_id(self, user: FakeUser | int) -> int:
        """The DM channel between the bot and ``user`` (created on first use, as Discord does)."""
        if isinstance(user, FakeUser):
            self.users.setdefault(user.id, user)
        user_id = user if isinstance(user, int) else user.id
        if user_id not in self._dm_channels:
            channel_id = self.ids.next()
            self._dm_channels[user_id] = channel_id
            self._dm_users[channel_id] = user_id
        return self._dm_channels[user_id]

    def resolve_channel(self, channel_id: int) -> ChannelRef | None:
        for guild in self.guilds.values():
            channel = guild.get_channel(channel_id)
            if channel is not None:
                return ChannelRef(id=channel_id, guild=guild, channel=channel, dm_user=None)
        user_id = self._dm_users.get(channel_id)
        if user_id is not None:
            return ChannelRef(id=channel_id, guild=None, channel=None, dm_user=self.users[user_id])
        return None

    def find_command(self, name: str, command_type: int, guild_id: int | None) -> JSONDict | None:
        """The synced command an interaction refers to: guild commands shadow global ones."""
        scopes = [guild_id, None] if guild_id is not None else [None]
        for scope in scopes:
            for command in self.commands.get(scope, []):
                if command["name"] == name and int(command.get("type", 1)) == command_type:
                    return command
        return None

    def invocation_refusal(
        self, command: JSONDict, guild: FakeGuild | None, user: FakeUser, options: Sequence[JSONDict] = ()
    ) -> str | None:
        """Why Discord would not let ``user`` invoke ``command`` here, or ``None``.

        Discord enforces these before the app sees anything: a command whose ``contexts`` lack
        the interaction's context (0 guild, 1 bot DM, 2 private channel) is not offered there,
        and in a guild ``default_member_permissions`` hides it from members lacking those
        permissions unless they are administrators ("0" means administrators only)
        (https://discord.com/developers/docs/interactions/application-commands#permissions).
        Per-guild overrides (Integrations settings) are not modelled.
        """
        context = 0 if guild is not None else 1
        contexts = command.get("contexts")
        if contexts is not None and context not in [int(c) for c in contexts]:
            return f"/{command['name']} is not available in context {context} (contexts {contexts})"
        if guild is None and command.get("dm_permission") is False:
            return f"/{command['name']} is not available in DMs (dm_permission false)"
        for option in options:
            declared = next((o for o in command.get("options") or [] if o.get("name") == option.get("name")), None)
            limit = declared.get("max_length") if declared else None
            if limit is not None and isinstance(option.get("value"), str) and len(option["value"]) > int(limit):
                # The client refuses to send it (max_length, https://discord.com/developers/docs/interactions/application-commands#application-command-object-application-command-option-structure).
                return f"option {option['name']} is longer than its max_length {limit}"
        required = command.get("default_member_permissions")
        if guild is not None and required is not None:
            perms = guild.base_permissions(user.id)
            if not perms & ADMINISTRATOR and perms & int(required) != int(required):
                return f"/{command['name']} needs permissions {required}; user {user.id} has {perms}"
        return None

    # ------------------------------------------------------------------ messages

    def channel_history(self, channel_id: int) -> list[JSONDict]:
        """Every non-ephemeral, undeleted message in the channel, oldest first."""
        return [self.messages[i] for i in self._history.get(channel_id, []) if i in self.messages]

    def store_message(self, message: JSONDict, channel_id: int, *, in_history: bool = True) -> None:
        self.messages[int(message["id"])] = message
        if in_history:
            self._history.setdefault(channel_id, []).append(int(message["id"]))

    def mention_entry(self, user: FakeUser, guild: FakeGuild | None) -> JSONDict:
        """Guild mentions carry a partial ``member`` (discord.py upgrades them to Member)."""
        entry = user.to_payload()
        member = guild.get_member(user.id) if guild else None
        if member is not None:
            entry["member"] = member.to_payload(with_user=False)
        return entry

    def create_bot_message(
        self,
        ref: ChannelRef,
        payload: Mapping[str, Any],
        *,
        files: Sequence[RecordedFile],
        message_type: int,
        flags: int,
        reference: JSONDict | None = None,
        referenced: JSONDict | None = None,
        interaction: InteractionRecord | None = None,
    ) -> JSONDict:
        """Create and store a message authored by the bot from a REST ``payload``."""
        content = str(payload.get("content") or "")
        mentions, role_ids, everyone = self._resolve_pings(ref, content, payload.get("allowed_mentions"), referenced)
        message = message_payload(
            message_id=self.ids.next(),
            channel_id=ref.id,
            author=self.bot_user.to_payload(),
            content=content,
            mentions=mentions,
            mention_roles=role_ids,
            mention_everyone=everyone,
            message_type=message_type,
            flags=flags,
            embeds=self._visible_embeds(ref, payload, interaction),
            components=payload.get("components") or [],
            attachments=self.attachments(files),
            message_reference=reference,
            referenced_message=without_reference(referenced) if referenced else None,
            webhook_id=self.application_id if interaction else None,
            application_id=self.application_id if interaction else None,
            interaction_metadata=_interaction_metadata(interaction) if interaction else None,
            nonce=payload.get("nonce"),
            tts=bool(payload.get("tts")),
        )
        ephemeral = bool(flags & FLAG_EPHEMERAL)
        self.store_message(message, ref.id, in_history=not ephemeral)
        if not ephemeral:
            self._on_bot_message(message, ref)
        return message

    def _visible_embeds(
        self, ref: ChannelRef, payload: Mapping[str, Any], interaction: InteractionRecord | None
    ) -> list[JSONDict]:
        """The embeds Discord keeps: a bot without Embed Links in a guild channel posts its
        message with the embeds dropped, silently ("EMBED_LINKS: links sent by users with this
        permission will be auto-embedded", https://discord.com/developers/docs/topics/permissions).
        Interaction responses are webhook messages and keep theirs."""
        embeds = list(payload.get("embeds") or [])
        if interaction is None and ref.guild is not None:
            if not ref.guild.channel_permissions(self.bot_user.id, ref.id) & EMBED_LINKS:
                return []
        return embeds

    def _on_bot_message(self, message: JSONDict, ref: ChannelRef) -> None:
        """Hook for the server to echo the bot's visible messages over the gateway."""

    def _resolve_pings(
        self, ref: ChannelRef, content: str, allowed: Mapping[str, Any] | None, referenced: JSONDict | None
    ) -> tuple[list[JSONDict], list[int], bool]:
        """Who Discord would notify: content mentions filtered by ``allowed_mentions``.

        A reply pings the replied-to author unless ``allowed_mentions`` is given without
        ``replied_user: true``; @everyone needs ``parse: ["everyone"]`` (or no
        allowed_mentions) and, in guilds, the Mention Everyone permission.
        """
        user_ids, role_ids = parse_mention_ids(content)
        pinged = allowed_mention_ids(allowed, user_ids, "users")
        if referenced is not None and (allowed is None or allowed.get("replied_user")):
            author_id = int(referenced["author"]["id"])
            if author_id not in pinged:
                pinged.append(author_id)
        guild = ref.guild
        mentions = [self.mention_entry(self.users[u], guild) for u in pinged if u in self.users]
        roles = [r for r in allowed_mention_ids(allowed, role_ids, "roles") if guild and guild.get_role(r)]
        wants_everyone = "@everyone" in content or "@here" in content
        everyone_allowed = allowed is None or "everyone" in (allowed.get("parse") or [])
        may_ping = guild is None or bool(guild.channel_permissions(self.bot_user.id, ref.id) & MENTION_EVERYONE)
        return mentions, roles, wants_everyone and everyone_allowed and may_ping

    def attachments(self, files: Sequence[RecordedFile]) -> list[JSONDict]:
        """Attachment objects for uploaded files, as Discord returns them."""
        result = []
        for file in files:
            attachment_id = self.ids.next()
            url = f"{ATTACHMENT_URL_BASE}/{attachment_id}/{file.filename}"
            result.append(
                {
                    "id": str(attachment_id),
                    "filename": file.filename or "file",
                    "size": len(file.data),
                    "url": url,
                    "proxy_url": url,
                    "content_type": file.content_type,
                }
            )
        return result

    def interaction_channel(self, record: InteractionRecord) -> ChannelRef:
        ref = self.resolve_channel(int(record.payload["channel_id"]))
        assert ref is not None, "interaction channel vanished"
        return ref


def _interaction_metadata(record: InteractionRecord) -> JSONDict:
    """``interaction_metadata`` of messages created by an interaction response."""
    payload = record.payload
    user = payload.get("user") or payload["member"]["user"]
    data = payload.get("data") or {}
    return {
        "id": str(record.id),
        "type": payload["type"],
        "user": user,
        "authorizing_integration_owners": payload.get("authorizing_integration_owners", {}),
        "name": data.get("name"),
        "command_type": data.get("type"),
    }


def dm_channel_payload(channel_id: int, user: FakeUser) -> JSONDict:
    return {"id": str(channel_id), "type": DM, "last_message_id": None, "flags": 0, "recipients": [user.to_payload()]}


def reference_echo(reference: Mapping[str, Any], ref: ChannelRef) -> JSONDict:
    """The ``message_reference`` Discord stores for a reply the bot sent."""
    echo: JSONDict = {
        "type": int(reference.get("type", 0)),
        "message_id": str(reference["message_id"]),
        "channel_id": str(reference.get("channel_id") or ref.id),
    }
    if ref.guild is not None:
        echo["guild_id"] = str(ref.guild.id)
    return echo


def without_reference(message: JSONDict) -> JSONDict:
    """Discord nests ``referenced_message`` only one level deep."""
    return {k: v for k, v in message.items() if k != "referenced_message"}


def apply_edit(message: JSONDict, payload: Mapping[str, Any], attachments: list[JSONDict] | None) -> None:
    """Apply the editable fields; clears the 'thinking' flag like Discord's first edit does."""
    was_loading = bool(int(message.get("flags", 0)) & FLAG_LOADING)
    for key in ("content", "embeds", "components"):
        if key in payload:
            message[key] = payload[key] if payload[key] is not None else ("" if key == "content" else [])
    if attachments is not None:
        message["attachments"] = [*message.get("attachments", []), *attachments]
    elif "attachments" in payload:
        keep = {str(a.get("id")) for a in payload["attachments"] or []}
        message["attachments"] = [a for a in message.get("attachments", []) if a["id"] in keep]
    message["flags"] = int(message.get("flags", 0)) & ~FLAG_LOADING
    if not was_loading:
        message["edited_timestamp"] = iso_now()
