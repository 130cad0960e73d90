"""The fake Discord's REST API: the routes discord.py calls, answered like Discord answers them.

Why these details matter to discord.py 2.7:

* Bodies are decoded as JSON only when ``Content-Type`` is exactly
  ``application/json`` (``discord.http.json_or_text``); ``web.json_response`` would
  append ``; charset=utf-8`` and every body would reach discord.py as a ``str``.
* A 401 on ``GET /users/@me`` is what makes ``Client.login`` raise ``LoginFailure``.
* Interaction callbacks are POSTed with ``?with_response=1`` and the reply is parsed
  into ``InteractionCallbackResponse`` (``interaction.id``, ``resource.message``);
  followups are POSTed with ``?wait=1`` and must return the message.
* No rate-limit headers are sent on success; discord.py treats their absence as "no
  limit". A route a test limited (``FakeDiscord.rate_limit``) answers 429 when hit too
  fast, with the body and headers Discord documents (see ``ratelimit.py``).

Every request is recorded (after it was answered) and waiters are woken.
"""

from __future__ import annotations

import copy
import json
import logging
import time
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web

from .gateway import GATEWAY_PATH
from .ratelimit import RateLimits, too_many_requests_body, too_many_requests_headers
from .models import (
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    THREAD_TYPES,
    VIEW_CHANNEL,
    FakeGuild,
    JSONDict,
)
from .payloads import (
    ALREADY_ACKNOWLEDGED,
    CANNOT_MESSAGE_USER,
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    MESSAGE_CHAT_INPUT_COMMAND,
    MESSAGE_DEFAULT,
    MESSAGE_REPLY,
    MISSING_PERMISSIONS,
    UNKNOWN_CHANNEL,
    UNKNOWN_INTERACTION,
    UNKNOWN_MESSAGE,
    UNKNOWN_USER,
    UNKNOWN_WEBHOOK,
    callback_response,
    command_payload,
    error_body,
    form_error,
    validate_choices,
    validate_commands,
    validate_message_body,
)
from .records import InteractionRecord, RecordedFile, RecordedRequest, SentMessage
from .state import ChannelRef, FakeState, apply_edit, dm_channel_payload, reference_echo

_log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"
UNKNOWN_GUILD = 10004
UNKNOWN_MEMBER = 10007

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: Routes discord.py calls without the bot token (the interaction token authorises them).
_TOKEN_AUTHORISED_PREFIXES = ("/interactions/", "/webhooks/")
_TRUE_QUERY = ("1", "true", "True")

#: "Interaction tokens are valid for 15 minutes ... you must send an initial response within
#: 3 seconds of receiving the event" (https://discord.com/developers/docs/interactions/receiving-and-responding#responding-to-an-interaction).
INITIAL_RESPONSE_DEADLINE_S = 3.0
TOKEN_LIFETIME_S = 15 * 60.0
INVALID_WEBHOOK_TOKEN = 50027


@dataclass(frozen=True)
class RequestBody:
    """Decoded body: JSON (or multipart ``payload_json``) plus uploaded files."""

    json: Any
    files: tuple[RecordedFile, ...]

    @property
    def payload(self) -> JSONDict:
        return self.json if isinstance(self.json, dict) else {}


_BODY_KEY: web.RequestKey[RequestBody] = web.RequestKey("fakediscord.body", RequestBody)
_JSON_KEY: web.ResponseKey[Any] = web.ResponseKey("fakediscord.json", object)


def json_reply(data: Any, status: int = 200) -> web.Response:
    """JSON with a bare ``application/json`` Content-Type, the only one discord.py decodes."""
    response = web.Response(body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"})
    response[_JSON_KEY] = data
    return response


def no_content() -> web.Response:
    return web.Response(status=204)


def not_found(message: str, code: int) -> web.Response:
    return json_reply(error_body(message, code), 404)


class RestApi:
    """aiohttp routes, recording middleware and handlers over a ``FakeState``."""

    def __init__(
        self, state: FakeState, *, notify: Callable[[], Awaitable[None]], passthrough_paths: Collection[str] = ()
    ) -> None:
        self._state = state
        self._notify = notify
        self._passthrough = frozenset(passthrough_paths)
        self._templates: dict[str, str] = {}
        self.rate_limits = RateLimits()

    # ------------------------------------------------------------------ plumbing

    def add_routes(self, app: web.Application) -> None:
        """Register every REST route, then a catch-all that answers (and records) 404s."""
        for method, path, handler in self._routes():
            route = app.router.add_route(method, API_PREFIX + path, handler)
            canonical = route.resource.canonical if route.resource is not None else API_PREFIX + path
            self._templates[canonical] = canonical[len(API_PREFIX) :]
        app.router.add_route("*", "/{tail:.*}", self._unknown)

    def _routes(self) -> list[tuple[str, str, Handler]]:
        channel = r"/channels/{channel_id:\d+}"
        message = channel + r"/messages/{message_id:\d+}"
        guild = r"/guilds/{guild_id:\d+}"
        commands = r"/applications/{application_id:\d+}"
        webhook = r"/webhooks/{application_id:\d+}/{token}"
        webhook_message = webhook + r"/messages/{message_id:\d+|@original}"
        return [
            ("GET", "/users/@me", self._get_me),
            ("GET", r"/users/{user_id:\d+}", self._get_user),
            ("POST", "/users/@me/channels", self._create_dm),
            ("GET", "/oauth2/applications/@me", self._get_application),
            ("GET", "/applications/@me", self._get_application),
            ("GET", "/gateway", self._get_gateway),
            ("GET", "/gateway/bot", self._get_gateway_bot),
            ("GET", commands + "/commands", self._get_commands),
            ("PUT", commands + "/commands", self._put_commands),
            ("GET", commands + r"/guilds/{guild_id:\d+}/commands", self._get_commands),
            ("PUT", commands + r"/guilds/{guild_id:\d+}/commands", self._put_commands),
            ("GET", channel, self._get_channel),
            ("GET", channel + "/messages", self._get_history),
            ("POST", channel + "/messages", self._post_message),
            ("POST", channel + "/typing", self._typing),
            ("GET", message, self._get_message),
            ("PATCH", message, self._patch_message),
            ("DELETE", message, self._delete_message),
            ("PUT", message + "/reactions/{emoji}/@me", self._put_reaction),
            ("DELETE", message + "/reactions/{emoji}/@me", self._delete_reaction),
            ("GET", guild, self._get_guild),
            ("GET", guild + "/channels", self._get_guild_channels),
            ("GET", guild + "/roles", self._get_roles),
            ("GET", guild + r"/members/{user_id:\d+}", self._get_member),
            ("POST", r"/interactions/{interaction_id:\d+}/{token}/callback", self._interaction_callback),
            ("POST", webhook, self._post_followup),
            ("GET", webhook_message, self._get_webhook_message),
            ("PATCH", webhook_message, self._patch_webhook_message),
            ("DELETE", webhook_message, self._delete_webhook_message),
        ]

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Check the bot token, run the handler, record the exchange and wake waiters."""
        if request.path in self._passthrough:
            return await handler(request)
        received = time.monotonic()
        resource = request.match_info.route.resource
        template = self._templates.get(resource.canonical) if resource is not None else None
        relative = request.path[len(API_PREFIX) :] if request.path.startswith(API_PREFIX) else request.path
        authorized = request.headers.get("Authorization") == f"Bot {self._state.token}"
        try:
            body = await _read_body(request)
        except ValueError:
            body = RequestBody(json=None, files=())
            response: web.StreamResponse = json_reply(error_body("400: Bad Request", 0), 400)
        else:
            request[_BODY_KEY] = body
            if template is not None and _needs_bot_token(relative) and not authorized:
                response = json_reply(error_body("401: Unauthorized", 0), 401)
            elif (wait := self.rate_limits.retry_after(request.method, template, request.match_info)) is not None:
                response = self._too_many_requests(request.method, template, wait)
            else:
                response = await handler(request)
        self._record(request, relative, template, body, authorized, response, received)
        await self._notify()
        return response

    def _too_many_requests(self, method: str, template: str | None, wait: float) -> web.Response:
        response = json_reply(too_many_requests_body(wait), 429)
        bucket = f"{method} {template}".encode().hex()[:16]
        response.headers.update(too_many_requests_headers(wait, self.rate_limits.limit_of(method, template), bucket))
        return response

    def _record(
        self,
        request: web.Request,
        relative: str,
        template: str | None,
        body: RequestBody,
        authorized: bool,
        response: web.StreamResponse,
        received: float,
    ) -> None:
        self._state.requests.append(
            RecordedRequest(
                method=request.method,
                path=relative,
                route=template,
                path_params=dict(request.match_info) if template else {},
                query=dict(request.query),
                json=body.json,
                files=body.files,
                headers={k: v for k, v in request.headers.items() if k.lower() != "authorization"},
                authorized=authorized,
                status=response.status,
                response=copy.deepcopy(response.get(_JSON_KEY)),
                at=time.monotonic(),
                received=received,
            )
        )
        if template is None:
            _log.warning("fake discord: unknown route %s %s", request.method, relative)

    @staticmethod
    def _body(request: web.Request) -> RequestBody:
        return request[_BODY_KEY]

    async def _unknown(self, request: web.Request) -> web.Response:
        return json_reply(error_body("404: Not Found", 0), 404)

    # ------------------------------------------------------------------ users, application, gateway

    async def _get_me(self, request: web.Request) -> web.Response:
        user = self._state.bot_user.to_payload()
        extra = {"verified": True, "mfa_enabled": False, "flags": 0, "locale": "en-US", "email": None}
        return json_reply({**user, **extra})

    async def _get_user(self, request: web.Request) -> web.Response:
        user = self._state.users.get(int(request.match_info["user_id"]))
        return json_reply(user.to_payload()) if user else not_found("Unknown User", UNKNOWN_USER)

    async def _create_dm(self, request: web.Request) -> web.Response:
        user = self._state.users.get(int(self._body(request).payload.get("recipient_id", 0)))
        if user is None:
            return not_found("Unknown User", UNKNOWN_USER)
        return json_reply(dm_channel_payload(self._state.dm_channel_id(user), user))

    async def _get_application(self, request: web.Request) -> web.Response:
        state = self._state
        return json_reply(
            {
                "id": str(state.application_id),
                "name": state.application_name,
                "icon": None,
                "description": "",
                "summary": "",
                "bot": state.bot_user.to_payload(),
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": state.app_owner.to_payload(),
                "team": None,
                "verify_key": "0" * 64,
                "flags": state.application_flags,
                "rpc_origins": [],
                "redirect_uris": [],
                "interactions_endpoint_url": None,
                "approximate_guild_count": len(state.guilds),
                "integration_types_config": {"0": {}},
            }
        )

    def _gateway_url(self, request: web.Request) -> str:
        return f"ws://{request.host}{GATEWAY_PATH}"

    async def _get_gateway(self, request: web.Request) -> web.Response:
        return json_reply({"url": self._gateway_url(request)})

    async def _get_gateway_bot(self, request: web.Request) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        # "shards: The recommended number of shards to use when connecting"
        # (https://discord.com/developers/docs/events/gateway#get-gateway-bot).
        shards = self._state.recommended_shards
        return json_reply({"url": self._gateway_url(request), "shards": shards, "session_start_limit": limit})

    # ------------------------------------------------------------------ application commands

    def _command_scope(self, request: web.Request) -> int | None | web.Response:
        """The guild id (``None`` for global) of a commands route, or the error response."""
        if int(request.match_info["application_id"]) != self._state.application_id:
            return json_reply(error_body("Unknown Application", 10002), 404)
        guild_id = request.match_info.get("guild_id")
        if guild_id is None:
            return None
        if int(guild_id) not in self._state.guilds:
            return json_reply(error_body("Missing Access", 50001), 403)
        return int(guild_id)

    async def _get_commands(self, request: web.Request) -> web.Response:
        scope = self._command_scope(request)
        if isinstance(scope, web.Response):
            return scope
        return json_reply(self._state.commands.get(scope, []))

    async def _put_commands(self, request: web.Request) -> web.Response:
        """Bulk overwrite: validate like Discord and keep the ids of commands that survive."""
        scope = self._command_scope(request)
        if isinstance(scope, web.Response):
            return scope
        commands = self._body(request).json
        error = validate_commands(commands)
        if error is not None:
            return json_reply(error, 400)
        state = self._state
        existing = {(c["name"], int(c.get("type", 1))): int(c["id"]) for c in state.commands.get(scope, [])}
        state.commands[scope] = [
            command_payload(
                command,
                command_id=existing.get((command["name"], int(command.get("type", 1)))) or state.ids.next(),
                application_id=state.application_id,
                guild_id=scope,
                version=state.ids.next(),
            )
            for command in commands
        ]
        return json_reply(state.commands[scope])

    # ------------------------------------------------------------------ channels and messages

    def _channel(self, request: web.Request) -> ChannelRef | None:
        return self._state.resolve_channel(int(request.match_info["channel_id"]))

    async def _get_channel(self, request: web.Request) -> web.Response:
        ref = self._channel(request)
        if ref is None:
            return not_found("Unknown Channel", UNKNOWN_CHANNEL)
        if ref.guild is not None and ref.channel is not None:
            return json_reply(ref.channel.to_payload(ref.guild.id))
        assert ref.dm_user is not None
        return json_reply(dm_channel_payload(ref.id, ref.dm_user))

    async def _get_history(self, request: web.Request) -> web.Response:
        """Newest first, honouring ``limit``/``before``/``after`` like Discord."""
        ref = self._channel(request)
        if ref is None:
            return not_found("Unknown Channel", UNKNOWN_CHANNEL)
        messages = self._state.channel_history(ref.id)
        if before := request.query.get("before"):
            messages = [m for m in messages if int(m["id"]) < int(before)]
        if after := request.query.get("after"):
            messages = [m for m in messages if int(m["id"]) > int(after)]
        limit = min(int(request.query.get("limit", 50)), 100)
        page = messages[:limit] if after else messages[-limit:]
        return json_reply(list(reversed(page)))

    def _send_refusal(self, ref: ChannelRef, *, reply: bool) -> web.Response | None:
        """403 when Discord would refuse the bot posting in this channel.

        Threads need Send Messages in Threads instead of Send Messages, and a reply needs Read
        Message History ("If replying to a message, the READ_MESSAGE_HISTORY permission is
        required", https://discord.com/developers/docs/resources/message#create-message).
        """
        if ref.dm_user is not None and not ref.dm_user.accepts_dms:
            return json_reply(error_body("Cannot send messages to this user", CANNOT_MESSAGE_USER), 403)
        if ref.guild is not None:
            in_thread = ref.channel is not None and ref.channel.type in THREAD_TYPES
            needed = VIEW_CHANNEL | (SEND_MESSAGES_IN_THREADS if in_thread else SEND_MESSAGES)
            if reply:
                needed |= READ_MESSAGE_HISTORY
            if ref.guild.channel_permissions(self._state.bot_user.id, ref.id) & needed != needed:
                return json_reply(error_body("Missing Permissions", MISSING_PERMISSIONS), 403)
        return None

    async def _post_message(self, request: web.Request) -> web.Response:
        ref = self._channel(request)
        if ref is None:
            return not_found("Unknown Channel", UNKNOWN_CHANNEL)
        body = self._body(request)
        payload = body.payload
        refusal = self._send_refusal(ref, reply=bool(payload.get("message_reference")))
        if refusal is not None:
            return refusal
        error = validate_message_body(payload, has_files=bool(body.files), creating=True)
        if error is not None:
            return json_reply(error, 400)
        reference = payload.get("message_reference")
        referenced = self._state.messages.get(int(reference["message_id"])) if reference else None
        if reference and referenced is None and reference.get("fail_if_not_exists", True):
            error = form_error(["message_reference"], "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
            return json_reply(error, 400)
        message = self._state.create_bot_message(
            ref,
            payload,
            files=body.files,
            message_type=MESSAGE_REPLY if reference else MESSAGE_DEFAULT,
            flags=int(payload.get("flags") or 0),
            reference=reference_echo(reference, ref) if reference else None,
            referenced=referenced,
        )
        self._state.bot_messages.append(SentMessage(channel_id=ref.id, payload=payload, message=message))
        return json_reply(message)

    def _channel_message(self, request: web.Request) -> JSONDict | None:
        message = self._state.messages.get(int(request.match_info["message_id"]))
        if message is None or message["channel_id"] != request.match_info["channel_id"]:
            return None
        return message

    async def _get_message(self, request: web.Request) -> web.Response:
        message = self._channel_message(request)
        return json_reply(message) if message else not_found("Unknown Message", UNKNOWN_MESSAGE)

    async def _patch_message(self, request: web.Request) -> web.Response:
        message = self._channel_message(request)
        if message is None:
            return not_found("Unknown Message", UNKNOWN_MESSAGE)
        if message["author"]["id"] != str(self._state.bot_user.id):
            return json_reply(error_body("Cannot edit a message authored by another user", 50005), 403)
        return self._edit(message, self._body(request), edits=None)

    async def _delete_message(self, request: web.Request) -> web.Response:
        message = self._channel_message(request)
        if message is None:
            return not_found("Unknown Message", UNKNOWN_MESSAGE)
        self._state.messages.pop(int(message["id"]), None)
        return no_content()

    async def _typing(self, request: web.Request) -> web.Response:
        return no_content() if self._channel(request) else not_found("Unknown Channel", UNKNOWN_CHANNEL)

    async def _put_reaction(self, request: web.Request) -> web.Response:
        message = self._channel_message(request)
        if message is None:
            return not_found("Unknown Message", UNKNOWN_MESSAGE)
        self._state.reactions.append((int(message["channel_id"]), int(message["id"]), request.match_info["emoji"]))
        return no_content()

    async def _delete_reaction(self, request: web.Request) -> web.Response:
        info = request.match_info
        key = (int(info["channel_id"]), int(info["message_id"]), info["emoji"])
        if key in self._state.reactions:
            self._state.reactions.remove(key)
        return no_content()

    def _edit(self, message: JSONDict, body: RequestBody, *, edits: list[JSONDict] | None) -> web.Response:
        """Validate and apply an edit; ``edits`` collects the PATCH bodies of @original."""
        error = validate_message_body(body.payload, has_files=bool(body.files), creating=False)
        if error is not None:
            return json_reply(error, 400)
        apply_edit(message, body.payload, self._state.attachments(body.files) if body.files else None)
        if edits is not None:
            edits.append(body.payload)
        return json_reply(message)

    # ------------------------------------------------------------------ guilds

    def _guild(self, request: web.Request) -> FakeGuild | None:
        return self._state.guilds.get(int(request.match_info["guild_id"]))

    async def _get_guild(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        if guild is None:
            return not_found("Unknown Guild", UNKNOWN_GUILD)
        data = guild.create_payload()
        for key in ("channels", "members", "threads", "presences", "voice_states", "joined_at", "member_count"):
            data.pop(key, None)
        return json_reply(data)

    async def _get_guild_channels(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        if guild is None:
            return not_found("Unknown Guild", UNKNOWN_GUILD)
        return json_reply([c.to_payload(guild.id) for c in guild.channels])

    async def _get_roles(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        if guild is None:
            return not_found("Unknown Guild", UNKNOWN_GUILD)
        return json_reply([r.to_payload() for r in guild.roles])

    async def _get_member(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        member = guild.get_member(int(request.match_info["user_id"])) if guild else None
        return json_reply(member.to_payload()) if member else not_found("Unknown Member", UNKNOWN_MEMBER)

    # ------------------------------------------------------------------ interactions and webhooks

    async def _interaction_callback(self, request: web.Request) -> web.Response:
        """Initial response. Only one is allowed, like Discord (40060 on the second)."""
        record = self._state.interactions.get(int(request.match_info["interaction_id"]))
        if record is None or record.token != request.match_info["token"]:
            return not_found("Unknown interaction", UNKNOWN_INTERACTION)
        if record.callbacks:
            return json_reply(error_body("Interaction has already been acknowledged.", ALREADY_ACKNOWLEDGED), 400)
        if time.monotonic() - record.created > INITIAL_RESPONSE_DEADLINE_S:
            return not_found("Unknown interaction", UNKNOWN_INTERACTION)
        body = self._body(request)
        callback_type = int(body.payload.get("type", 0))
        data = body.payload.get("data") or {}
        # DEFERRED_UPDATE_MESSAGE (6) and UPDATE_MESSAGE (7) are "only valid for
        # component-based interactions" (type 3, or 5 for a modal submit):
        # https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object-interaction-callback-type
        if callback_type in (6, 7) and int(record.payload["type"]) not in (3, 5):
            return json_reply(error_body("Interaction callback type is invalid for this interaction", 50035), 400)
        # An autocomplete interaction (type 4) is answered with choices (8) and nothing else,
        # and choices answer nothing else ("APPLICATION_COMMAND_AUTOCOMPLETE_RESULT: Respond
        # to an autocomplete interaction with suggested choices", same page).
        if (callback_type == 8) != (int(record.payload["type"]) == 4):
            return json_reply(error_body("Interaction callback type is invalid for this interaction", 50035), 400)
        if callback_type == 8:
            error = validate_choices(data.get("choices"))
            if error is not None:
                return json_reply(error, 400)
        if callback_type in (4, 7):
            error = validate_message_body(data, has_files=bool(body.files), creating=callback_type == 4)
            if error is not None:
                return json_reply(error, 400)
        record.callbacks.append(body.payload)
        message = self._callback_message(record, callback_type, data, body.files)
        if request.query.get("with_response") not in _TRUE_QUERY:
            return no_content()
        return json_reply(
            callback_response(
                interaction_id=record.id,
                interaction_type=int(record.payload["type"]),
                callback_type=callback_type,
                message=message,
            )
        )

    def _callback_message(
        self, record: InteractionRecord, callback_type: int, data: JSONDict, files: Sequence[RecordedFile]
    ) -> JSONDict | None:
        """Type 4 creates the @original message, 5 a 'thinking' one; 7 edits the component's message."""
        state = self._state
        if callback_type in (4, 5):
            loading = callback_type == 5
            record.original = state.create_bot_message(
                state.interaction_channel(record),
                {} if loading else data,
                files=() if loading else files,
                message_type=MESSAGE_CHAT_INPUT_COMMAND if int(record.payload["type"]) == 2 else MESSAGE_DEFAULT,
                flags=(int(data.get("flags") or 0) & FLAG_EPHEMERAL) | (FLAG_LOADING if loading else 0),
                interaction=record,
            )
            return record.original
        component_message = record.payload.get("message")
        if callback_type == 7 and component_message:
            stored = state.messages.get(int(component_message["id"]), component_message)
            apply_edit(stored, data, state.attachments(files) if files else None)
            return stored
        return None

    def _webhook_record(self, request: web.Request) -> InteractionRecord | None:
        if int(request.match_info["application_id"]) != self._state.application_id:
            return None
        return self._state.interactions_by_token.get(request.match_info["token"])

    async def _post_followup(self, request: web.Request) -> web.Response:
        """Followups need an initial response first. After a 'thinking' defer, the first
        followup replaces the loading message (keeping the defer's ephemeral flag), as on Discord."""
        record = self._webhook_record(request)
        if record is None or not record.responded:
            return not_found("Unknown Webhook", UNKNOWN_WEBHOOK)
        if time.monotonic() - record.created > TOKEN_LIFETIME_S:
            return json_reply(error_body("Invalid Webhook Token", INVALID_WEBHOOK_TOKEN), 401)
        body = self._body(request)
        error = validate_message_body(body.payload, has_files=bool(body.files), creating=True)
        if error is not None:
            return json_reply(error, 400)
        message = self._followup_message(record, body)
        channel_id = int(record.payload["channel_id"])
        record.followups.append(SentMessage(channel_id=channel_id, payload=body.payload, message=message))
        return json_reply(message) if request.query.get("wait") in _TRUE_QUERY else no_content()

    def _followup_message(self, record: InteractionRecord, body: RequestBody) -> JSONDict:
        state = self._state
        original = record.original
        # Once the loading message is deleted, a followup is a new message with its own flags.
        loading = original is not None and int(original.get("flags", 0)) & FLAG_LOADING
        if loading and not record.original_deleted and not record.followups:
            apply_edit(original, body.payload, state.attachments(body.files) if body.files else None)
            return original
        return state.create_bot_message(
            state.interaction_channel(record),
            body.payload,
            files=body.files,
            message_type=MESSAGE_CHAT_INPUT_COMMAND,
            flags=int(body.payload.get("flags") or 0) & FLAG_EPHEMERAL,
            interaction=record,
        )

    def _webhook_message(self, request: web.Request, record: InteractionRecord) -> JSONDict | None:
        message_id = request.match_info["message_id"]
        if message_id == "@original":
            if record.original is None and self._deferred_update(record):
                # After DEFERRED_UPDATE_MESSAGE (6) on a component, "edit the original message
                # later": @original is the message the component is on
                # (https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object-interaction-callback-type).
                component_message = record.payload["message"]
                return self._state.messages.get(int(component_message["id"]))
            return None if record.original_deleted else record.original
        return next((f.message for f in record.followups if f.message["id"] == message_id), None)

    @staticmethod
    def _deferred_update(record: InteractionRecord) -> bool:
        return bool(record.payload.get("message")) and record.response_type in (6, 7)

    async def _get_webhook_message(self, request: web.Request) -> web.Response:
        record = self._webhook_record(request)
        if record is None:
            return not_found("Unknown Webhook", UNKNOWN_WEBHOOK)
        message = self._webhook_message(request, record)
        return json_reply(message) if message else not_found("Unknown Message", UNKNOWN_MESSAGE)

    async def _patch_webhook_message(self, request: web.Request) -> web.Response:
        record = self._webhook_record(request)
        if record is None:
            return not_found("Unknown Webhook", UNKNOWN_WEBHOOK)
        message = self._webhook_message(request, record)
        if message is None:
            return not_found("Unknown Message", UNKNOWN_MESSAGE)
        is_original = request.match_info["message_id"] == "@original"
        return self._edit(message, self._body(request), edits=record.original_edits if is_original else None)

    async def _delete_webhook_message(self, request: web.Request) -> web.Response:
        record = self._webhook_record(request)
        if record is None:
            return not_found("Unknown Webhook", UNKNOWN_WEBHOOK)
        message = self._webhook_message(request, record)
        if message is None:
            return not_found("Unknown Message", UNKNOWN_MESSAGE)
        if request.match_info["message_id"] == "@original":
            record.original_deleted = True
        self._state.messages.pop(int(message["id"]), None)
        return no_content()


def _needs_bot_token(relative_path: str) -> bool:
    return not relative_path.startswith(_TOKEN_AUTHORISED_PREFIXES)


async def _read_body(request: web.Request) -> RequestBody:
    """Decode JSON or multipart (``payload_json`` + files); raises ValueError on bad JSON."""
    if not request.body_exists:
        return RequestBody(json=None, files=())
    if request.content_type.startswith("multipart/"):
        return await _read_multipart(request)
    raw = await request.read()
    if not raw:
        return RequestBody(json=None, files=())
    if request.content_type == "application/json":
        return RequestBody(json=json.loads(raw), files=())
    return RequestBody(json=raw.decode("utf-8", errors="replace"), files=())


async def _read_multipart(request: web.Request) -> RequestBody:
    """discord.py sends files as ``files[n]`` parts next to a ``payload_json`` part."""
    payload: Any = None
    files: list[RecordedFile] = []
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            continue
        data = await part.read(decode=False)
        if part.name == "payload_json":
            payload = json.loads(data)
            continue
        files.append(
            RecordedFile(
                field_name=part.name or "",
                filename=part.filename,
                content_type=part.headers.get("Content-Type"),
                data=bytes(data),
            )
        )
    return RequestBody(json=payload, files=tuple(files))
