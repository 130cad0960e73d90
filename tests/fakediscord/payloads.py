"""JSON payloads and request validation for the fake Discord.

Why validation lives in the fake: the point of end-to-end tests is to catch what
real Discord would reject (2000-character messages, 101-character command
descriptions, conflicting ``allowed_mentions``, empty messages) before a user does,
so the fake answers those with Discord's own error codes and bodies.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from .models import JSONDict

DISCORD_EPOCH_MS = 1420070400000

# Message types and flags.
MESSAGE_DEFAULT = 0
MESSAGE_REPLY = 19
MESSAGE_CHAT_INPUT_COMMAND = 20
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7

# Error codes used by the fake (https://discord.com/developers/docs/topics/opcodes-and-status-codes).
UNKNOWN_CHANNEL = 10003
UNKNOWN_MESSAGE = 10008
UNKNOWN_USER = 10013
UNKNOWN_WEBHOOK = 10015
UNKNOWN_INTERACTION = 10062
CANNOT_SEND_EMPTY_MESSAGE = 50006
CANNOT_MESSAGE_USER = 50007
MISSING_PERMISSIONS = 50013
INVALID_FORM_BODY = 50035
ALREADY_ACKNOWLEDGED = 40060

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000
MAX_COMMAND_NAME = 32
MAX_COMMAND_DESCRIPTION = 100
MAX_COMMAND_OPTIONS = 25
MAX_CHOICES = 25

#: Locales Discord accepts in ``*_localizations`` and sends as ``locale``.
VALID_LOCALES = frozenset(
    "id da de en-GB en-US es-ES es-419 fr hr it lt hu nl no pl pt-BR ro fi sv-SE vi tr cs el bg ru uk "
    "hi th zh-CN ja zh-TW ko".split()
)
_COMMAND_NAME_RE = re.compile(r"^[-_'\w]{1,32}$")
_USER_MENTION_RE = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION_RE = re.compile(r"<@&(\d+)>")

_EMBED_LIMITS = {"title": 256, "description": 4096}
_FIELD_LIMITS = {"name": 256, "value": 1024}


class SnowflakeFactory:
    """Strictly increasing snowflakes with real timestamps (discord.py derives ``created_at`` from them)."""

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> int:
        candidate = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last = max(candidate, self._last + 1)
        return self._last


def iso_now() -> str:
    return datetime.now(timezone.utc).isoformat()


def error_body(message: str, code: int, errors: JSONDict | None = None) -> JSONDict:
    body: JSONDict = {"message": message, "code": code}
    if errors is not None:
        body["errors"] = errors
    return body


def form_error(path: Sequence[str | int], code: str, message: str) -> JSONDict:
    """A 50035 'Invalid Form Body' with Discord's nested ``errors`` shape at ``path``."""
    errors: JSONDict = {"_errors": [{"code": code, "message": message}]}
    for key in reversed(path):
        errors = {str(key): errors}
    return error_body("Invalid Form Body", INVALID_FORM_BODY, errors)


def _too_long(path: Sequence[str | int], limit: int) -> JSONDict:
    return form_error(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def _bad_length(path: Sequence[str | int], limit: int) -> JSONDict:
    return form_error(path, "BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {limit} in length.")


def _bad_locale(path: Sequence[str | int], locale: str) -> JSONDict:
    return form_error(path, "ENUM_TYPE_COERCE", f'Value "{locale}" is not a valid enum value.')


def parse_mention_ids(content: str | None) -> tuple[list[int], list[int]]:
    """User ids and role ids mentioned in ``content``, in order, without duplicates."""
    text = content or ""
    users = list(dict.fromkeys(int(x) for x in _USER_MENTION_RE.findall(text)))
    roles = list(dict.fromkeys(int(x) for x in _ROLE_MENTION_RE.findall(text)))
    return users, roles


def allowed_mention_ids(allowed: Mapping[str, Any] | None, candidates: Iterable[int], kind: str) -> list[int]:
    """Which mentioned ``users``/``roles`` Discord would actually ping under ``allowed_mentions``."""
    ids = list(candidates)
    if allowed is None:
        return ids
    if kind in allowed.get("parse", []):
        return ids
    explicit = {int(x) for x in allowed.get(kind, [])}
    return [i for i in ids if i in explicit]


def message_payload(
    *,
    message_id: int,
    channel_id: int,
    author: JSONDict,
    content: str,
    guild_id: int | None = None,
    member: JSONDict | None = None,
    mentions: Sequence[JSONDict] = (),
    mention_roles: Sequence[int] = (),
    mention_everyone: bool = False,
    message_type: int = MESSAGE_DEFAULT,
    flags: int = 0,
    embeds: Sequence[JSONDict] = (),
    components: Sequence[JSONDict] = (),
    attachments: Sequence[JSONDict] = (),
    message_reference: JSONDict | None = None,
    referenced_message: JSONDict | None = None,
    webhook_id: int | None = None,
    application_id: int | None = None,
    interaction_metadata: JSONDict | None = None,
    nonce: str | int | None = None,
    tts: bool = False,
) -> JSONDict:
    """A full message object as Discord returns it from REST and sends in MESSAGE_CREATE."""
    data: JSONDict = {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "type": message_type,
        "content": content,
        "author": author,
        "timestamp": iso_now(),
        "edited_timestamp": None,
        "tts": tts,
        "mention_everyone": mention_everyone,
        "mentions": list(mentions),
        "mention_roles": [str(r) for r in mention_roles],
        "attachments": list(attachments),
        "embeds": list(embeds),
        "components": list(components),
        "pinned": False,
        "flags": flags,
    }
    optional: dict[str, Any] = {
        "guild_id": str(guild_id) if guild_id is not None else None,
        "member": member,
        "message_reference": message_reference,
        "webhook_id": str(webhook_id) if webhook_id is not None else None,
        "application_id": str(application_id) if application_id is not None else None,
        "interaction_metadata": interaction_metadata,
        "nonce": nonce,
    }
    data.update({k: v for k, v in optional.items() if v is not None})
    if message_reference is not None:
        data["referenced_message"] = referenced_message
    return data


def validate_message_body(body: Mapping[str, Any], *, has_files: bool, creating: bool) -> JSONDict | None:
    """Return Discord's error body for a message payload it would reject, else ``None``.

    ``creating`` enables the empty-message check, which edits do not get.
    """
    content = body.get("content")
    if isinstance(content, str) and len(content) > MAX_CONTENT:
        return _too_long(["content"], MAX_CONTENT)
    embeds = body.get("embeds") or []
    error = _validate_embeds(embeds)
    if error is not None:
        return error
    error = _validate_allowed_mentions(body.get("allowed_mentions"))
    if error is not None:
        return error
    error = _validate_components(body.get("components") or [])
    if error is not None:
        return error
    if creating and not _has_message_content(body, has_files):
        return error_body("Cannot send an empty message", CANNOT_SEND_EMPTY_MESSAGE)
    return None


def _has_message_content(body: Mapping[str, Any], has_files: bool) -> bool:
    keys = ("embeds", "components", "sticker_ids", "attachments", "poll")
    return bool(body.get("content")) or has_files or any(body.get(k) for k in keys)


def _validate_embeds(embeds: Sequence[Mapping[str, Any]]) -> JSONDict | None:
    if len(embeds) > MAX_EMBEDS:
        return _too_long(["embeds"], MAX_EMBEDS)
    total = 0
    for index, embed in enumerate(embeds):
        for key, limit in _EMBED_LIMITS.items():
            text = embed.get(key) or ""
            total += len(text)
            if len(text) > limit:
                return _too_long(["embeds", index, key], limit)
        for field_index, fld in enumerate(embed.get("fields") or []):
            for key, limit in _FIELD_LIMITS.items():
                text = str(fld.get(key) or "")
                total += len(text)
                if len(text) > limit or not text:
                    return _bad_length(["embeds", index, "fields", field_index, key], limit)
        total += len((embed.get("footer") or {}).get("text") or "") + len((embed.get("author") or {}).get("name") or "")
    if total > MAX_EMBED_TOTAL:
        return form_error(["embeds"], "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
    return None


MAX_CUSTOM_ID = 100
MAX_ROW_BUTTONS = 5


def _validate_components(rows: Sequence[Mapping[str, Any]]) -> JSONDict | None:
    """Buttons as Discord takes them: at most 5 per action row, each ``custom_id`` at most 100
    characters and unique within the message
    (https://discord.com/developers/docs/components/reference#button,
    https://discord.com/developers/docs/components/reference#action-row)."""
    seen: set[str] = set()
    for row_index, row in enumerate(rows):
        children = row.get("components") or []
        if len(children) > MAX_ROW_BUTTONS:
            return _too_long(["components", row_index, "components"], MAX_ROW_BUTTONS)
        for index, child in enumerate(children):
            custom_id = child.get("custom_id")
            if custom_id is None:
                continue
            path: list[str | int] = ["components", row_index, "components", index, "custom_id"]
            if not 1 <= len(str(custom_id)) <= MAX_CUSTOM_ID:
                return _bad_length(path, MAX_CUSTOM_ID)
            if custom_id in seen:
                return form_error(path, "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated")
            seen.add(str(custom_id))
    return None


def validate_choices(choices: Any) -> JSONDict | None:
    """An autocomplete result: at most 25 choices, each name 1-100 characters and a string
    value at most 100 (https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object-autocomplete,
    https://discord.com/developers/docs/interactions/application-commands#application-command-object-application-command-option-choice-structure)."""
    if not isinstance(choices, list):
        return form_error(["data", "choices"], "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
    if len(choices) > MAX_CHOICES:
        return _too_long(["data", "choices"], MAX_CHOICES)
    for index, choice in enumerate(choices):
        name = str(choice.get("name") or "")
        if not 1 <= len(name) <= 100:
            return _bad_length(["data", "choices", index, "name"], 100)
        value = choice.get("value")
        if isinstance(value, str) and not 1 <= len(value) <= 100:
            return _bad_length(["data", "choices", index, "value"], 100)
    return None


def _validate_allowed_mentions(allowed: Any) -> JSONDict | None:
    """Discord rejects ``parse: ["users"]`` together with an explicit ``users`` list (same for roles)."""
    if not isinstance(allowed, Mapping):
        return None
    parse = allowed.get("parse") or []
    for kind in ("users", "roles"):
        if kind in parse and allowed.get(kind):
            return form_error(
                ["allowed_mentions"],
                "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
            )
    return None


def validate_commands(commands: Any) -> JSONDict | None:
    """Return the 50035 body Discord gives for an invalid bulk-overwrite payload, else ``None``."""
    if not isinstance(commands, list):
        return form_error([], "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
    seen: set[tuple[str, int]] = set()
    for index, command in enumerate(commands):
        error = _validate_command(command, [index])
        if error is not None:
            return error
        key = (command["name"], command.get("type", 1))
        if key in seen:
            message = f"Application command names must be unique: {key[0]}"
            return form_error([index, "name"], "APPLICATION_COMMANDS_DUPLICATE_NAME", message)
        seen.add(key)
    return None


def _validate_command(command: Mapping[str, Any], path: list[str | int]) -> JSONDict | None:
    slash = command.get("type", 1) == 1
    error = _validate_name_and_description(command, path, check_description=slash, lowercase=slash)
    if error is not None:
        return error
    if not slash and (command.get("description") or command.get("options")):
        # "description: Empty string for USER and MESSAGE commands"; options are CHAT_INPUT only
        # (https://discord.com/developers/docs/interactions/application-commands#application-command-object-application-command-structure).
        return form_error(
            [*path, "description"], "APPLICATION_COMMAND_INVALID", "Context menu commands take no description"
        )
    return _validate_options(command.get("options") or [], [*path, "options"])


def _validate_options(options: Sequence[Mapping[str, Any]], path: list[str | int]) -> JSONDict | None:
    if len(options) > MAX_COMMAND_OPTIONS:
        return _too_long(path, MAX_COMMAND_OPTIONS)
    seen_optional = False
    for index, option in enumerate(options):
        option_path = [*path, index]
        error = _validate_name_and_description(option, option_path, check_description=True, lowercase=True)
        if error is not None:
            return error
        if option.get("required"):
            if seen_optional:
                message = "Required options must be placed before non-required options"
                return form_error(option_path, "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID", message)
        else:
            seen_optional = True
        if len(option.get("choices") or []) > MAX_CHOICES:
            return _too_long([*option_path, "choices"], MAX_CHOICES)
        error = _validate_options(option.get("options") or [], [*option_path, "options"])
        if error is not None:
            return error
    return None


def _validate_name_and_description(
    item: Mapping[str, Any], path: list[str | int], *, check_description: bool, lowercase: bool
) -> JSONDict | None:
    """Slash commands and options need lowercase ``[-_'\\w]`` names; context menus only a length."""
    names = {None: item.get("name") or "", **(item.get("name_localizations") or {})}
    for locale, name in names.items():
        if locale is not None and locale not in VALID_LOCALES:
            return _bad_locale([*path, "name_localizations", locale], locale)
        if lowercase:
            valid = bool(_COMMAND_NAME_RE.match(name)) and name == name.lower()
        else:
            valid = 1 <= len(name) <= MAX_COMMAND_NAME
        if not valid:
            key = "name" if locale is None else "name_localizations"
            return form_error([*path, key], "APPLICATION_COMMAND_INVALID_NAME", f"Command name is invalid: {name!r}")
    if not check_description:
        return None
    descriptions = {None: item.get("description") or "", **(item.get("description_localizations") or {})}
    for locale, description in descriptions.items():
        if locale is not None and locale not in VALID_LOCALES:
            return _bad_locale([*path, "description_localizations", locale], locale)
        if not 1 <= len(description) <= MAX_COMMAND_DESCRIPTION:
            key = "description" if locale is None else "description_localizations"
            return _bad_length([*path, key], MAX_COMMAND_DESCRIPTION)
    return None


def command_payload(
    command: Mapping[str, Any], *, command_id: int, application_id: int, guild_id: int | None, version: int
) -> JSONDict:
    """The stored/returned form of a synced command: the request echoed back with server fields."""
    data: JSONDict = {
        "type": 1,
        "description": "",
        "default_member_permissions": None,
        "nsfw": False,
        "options": [],
        **dict(command),
        "id": str(command_id),
        "application_id": str(application_id),
        "version": str(version),
    }
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
    return data


def option_payloads(options: Mapping[str, Any] | Sequence[JSONDict]) -> list[JSONDict]:
    """Interaction ``data.options``; a mapping ``{"question": "..."}`` is typed from the Python values."""
    if not isinstance(options, Mapping):
        return [dict(o) for o in options]
    return [{"name": name, "type": _option_type(value), "value": value} for name, value in options.items()]


def _option_type(value: Any) -> int:
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return 4
    if isinstance(value, float):
        return 10
    return 3


def callback_response(
    *, interaction_id: int, interaction_type: int, callback_type: int, message: JSONDict | None
) -> JSONDict:
    """The InteractionCallbackResponse body returned for ``?with_response=1`` (discord.py parses it)."""
    flags = int(message.get("flags", 0)) if message else 0
    interaction: JSONDict = {
        "id": str(interaction_id),
        "type": interaction_type,
        "response_message_loading": bool(flags & FLAG_LOADING),
        "response_message_ephemeral": bool(flags & FLAG_EPHEMERAL),
    }
    resource: JSONDict = {"type": callback_type}
    if message is not None:
        interaction["response_message_id"] = message["id"]
        resource["message"] = message
    return {"interaction": interaction, "resource": resource}
