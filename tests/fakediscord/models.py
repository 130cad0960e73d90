"""The world the fake Discord serves: users, guilds, roles, channels, members.

Why plain dataclasses: a test describes its guilds once, and every payload the fake
emits (READY, GUILD_CREATE, member objects, interaction ``permissions`` strings,
403s on REST) is derived from this one description, so the payloads stay consistent
with each other the way real Discord's do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

JSONDict = dict[str, Any]

# Permission bits (https://discord.com/developers/docs/topics/permissions).
CREATE_INSTANT_INVITE = 1 << 0
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_EXTERNAL_EMOJIS = 1 << 18
USE_APPLICATION_COMMANDS = 1 << 31
SEND_MESSAGES_IN_THREADS = 1 << 38
ALL_PERMISSIONS = (1 << 51) - 1

#: What a fresh guild's @everyone role gets in the fake (close to Discord's default).
DEFAULT_EVERYONE_PERMISSIONS = (
    CREATE_INSTANT_INVITE
    | ADD_REACTIONS
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_EXTERNAL_EMOJIS
    | USE_APPLICATION_COMMANDS
    | SEND_MESSAGES_IN_THREADS
)
#: ``app_permissions`` Discord reports for interactions in DMs.
DEFAULT_DM_PERMISSIONS = (
    ADD_REACTIONS
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_EXTERNAL_EMOJIS
    | USE_APPLICATION_COMMANDS
)

# Channel types.
GUILD_TEXT = 0
DM = 1
GUILD_VOICE = 2
GUILD_CATEGORY = 4
GUILD_ANNOUNCEMENT = 5
ANNOUNCEMENT_THREAD = 10
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
THREAD_TYPES = frozenset({ANNOUNCEMENT_THREAD, PUBLIC_THREAD, PRIVATE_THREAD})

_OVERWRITE_ROLE = 0
_OVERWRITE_MEMBER = 1
_JOINED_AT = "2024-01-01T00:00:00.000000+00:00"


@dataclass
class FakeUser:
    """A Discord user; ``accepts_dms=False`` makes DM sends fail with 50007 like a closed DM."""

    id: int
    username: str
    bot: bool = False
    global_name: str | None = None
    accepts_dms: bool = True

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def to_payload(self) -> JSONDict:
        return {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }


@dataclass
class FakeRole:
    id: int
    name: str
    permissions: int = 0
    position: int = 0
    bot_id: int | None = None
    """Set for the managed role Discord creates for a bot invited with permissions
    (``tags.bot_id``, https://discord.com/developers/docs/topics/permissions#role-object-role-tags-structure)."""

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"

    def to_payload(self) -> JSONDict:
        return {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "managed": self.bot_id is not None,
            "mentionable": False,
            "flags": 0,
            **({"tags": {"bot_id": str(self.bot_id)}} if self.bot_id is not None else {}),
        }


@dataclass
class PermissionOverwrite:
    """A channel overwrite; ``target_id`` is a role id (``is_member=False``) or a user id."""

    target_id: int
    allow: int = 0
    deny: int = 0
    is_member: bool = False

    def to_payload(self) -> JSONDict:
        return {
            "id": str(self.target_id),
            "type": _OVERWRITE_MEMBER if self.is_member else _OVERWRITE_ROLE,
            "allow": str(self.allow),
            "deny": str(self.deny),
        }


@dataclass
class FakeChannel:
    id: int
    name: str
    type: int = GUILD_TEXT
    position: int = 0
    topic: str | None = None
    parent_id: int | None = None
    nsfw: bool = False
    overwrites: list[PermissionOverwrite] = field(default_factory=list)

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    def to_payload(self, guild_id: int) -> JSONDict:
        return {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(guild_id),
            "name": self.name,
            "position": self.position,
            "topic": self.topic,
            "parent_id": str(self.parent_id) if self.parent_id is not None else None,
            "nsfw": self.nsfw,
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "flags": 0,
            "permission_overwrites": [o.to_payload() for o in self.overwrites],
        }


@dataclass
class FakeMember:
    user: FakeUser
    role_ids: list[int] = field(default_factory=list)
    nick: str | None = None

    def to_payload(self, *, with_user: bool = True) -> JSONDict:
        """Member object; message ``member`` fields and mention entries omit ``user``."""
        data: JSONDict = {
            "roles": [str(r) for r in self.role_ids],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": _JOINED_AT,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.to_payload()
        return data


@dataclass
class FakeGuild:
    """A guild. The @everyone role (id == guild id) is created if not given."""

    id: int
    name: str
    owner_id: int
    roles: list[FakeRole] = field(default_factory=list)
    members: list[FakeMember] = field(default_factory=list)
    channels: list[FakeChannel] = field(default_factory=list)
    preferred_locale: str = "en-US"
    everyone_permissions: int = DEFAULT_EVERYONE_PERMISSIONS
    features: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.get_role(self.id) is None:
            self.roles.insert(0, FakeRole(id=self.id, name="@everyone", permissions=self.everyone_permissions))

    def get_member(self, user_id: int) -> FakeMember | None:
        return next((m for m in self.members if m.user.id == user_id), None)

    def get_role(self, role_id: int) -> FakeRole | None:
        return next((r for r in self.roles if r.id == role_id), None)

    def get_channel(self, channel_id: int) -> FakeChannel | None:
        return next((c for c in self.channels if c.id == channel_id), None)

    def add_member(self, user: FakeUser, *, role_ids: Iterable[int] = (), nick: str | None = None) -> FakeMember:
        """Add ``user`` (idempotent: an existing member is returned unchanged)."""
        existing = self.get_member(user.id)
        if existing is not None:
            return existing
        member = FakeMember(user=user, role_ids=list(role_ids), nick=nick)
        self.members.append(member)
        return member

    def base_permissions(self, user_id: int) -> int:
        """Guild-level permissions: owner and administrators get everything."""
        if user_id == self.owner_id:
            return ALL_PERMISSIONS
        member = self.get_member(user_id)
        role_ids = [self.id, *(member.role_ids if member else [])]
        perms = 0
        for role_id in role_ids:
            role = self.get_role(role_id)
            if role is not None:
                perms |= role.permissions
        return ALL_PERMISSIONS if perms & ADMINISTRATOR else perms

    def channel_permissions(self, user_id: int, channel_id: int) -> int:
        """Permissions in a channel, applying overwrites in Discord's documented order."""
        perms = self.base_permissions(user_id)
        channel = self.get_channel(channel_id)
        if perms & ADMINISTRATOR or channel is None:
            return perms
        member = self.get_member(user_id)
        member_roles = set(member.role_ids) if member else set()
        for overwrite in channel.overwrites:
            if not overwrite.is_member and overwrite.target_id == self.id:
                perms = (perms & ~overwrite.deny) | overwrite.allow
        allow = deny = 0
        for overwrite in channel.overwrites:
            if not overwrite.is_member and overwrite.target_id in member_roles:
                allow |= overwrite.allow
                deny |= overwrite.deny
        perms = (perms & ~deny) | allow
        for overwrite in channel.overwrites:
            if overwrite.is_member and overwrite.target_id == user_id:
                perms = (perms & ~overwrite.deny) | overwrite.allow
        return perms

    def partial_payload(self) -> JSONDict:
        """The ``guild`` object embedded in interactions."""
        return {"id": str(self.id), "locale": self.preferred_locale, "features": list(self.features)}

    def create_payload(self, *, member_ids: Iterable[int] | None = None) -> JSONDict:
        """GUILD_CREATE payload; ``member_ids`` limits the members sent (no GUILD_MEMBERS intent)."""
        wanted = None if member_ids is None else set(member_ids)
        members = [m for m in self.members if wanted is None or m.user.id in wanted]
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "owner_id": str(self.owner_id),
            "unavailable": False,
            "large": False,
            "member_count": len(self.members),
            "preferred_locale": self.preferred_locale,
            "features": list(self.features),
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "system_channel_id": None,
            "joined_at": _JOINED_AT,
            "roles": [r.to_payload() for r in self.roles],
            "channels": [c.to_payload(self.id) for c in self.channels],
            "members": [m.to_payload() for m in members],
            "threads": [],
            "presences": [],
            "voice_states": [],
            "emojis": [],
            "stickers": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }
