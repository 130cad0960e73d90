"""Point discord.py at another Discord: a proxy, or the fake Discord used by end-to-end tests.

Why this module exists: discord.py has no public setting for its endpoints, yet our
end-to-end tests must run the real, unmodified client over real sockets against a
fake Discord on 127.0.0.1. discord.py reads its endpoints from two class attributes,
and this is the one place that knows which ones (checked against discord.py 2.7.1):

* ``discord.http.Route.BASE`` -- the prefix of every REST route. The webhook adapter
  in ``discord/webhook/async_.py``, which carries interaction callbacks
  (``/interactions/{id}/{token}/callback``), ``@original`` edits and followups,
  imports this same ``Route`` class, so moving ``BASE`` moves those too.
* ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` -- an unsharded
  ``commands.Bot`` connects here directly (only ``AutoShardedBot`` asks
  ``/gateway/bot``), and discord.py falls back to it after an INVALID_SESSION.
  Resumes go to READY's ``resume_gateway_url``, which the server chooses, so the
  fake Discord sends its own websocket URL there and nothing else needs patching.

The only other hard-coded ``discord.com`` strings (``Webhook.url``, widget JSON URLs)
are display properties that never issue requests.

Reading ``DISCORD_API_BASE`` / ``DISCORD_GATEWAY_URL`` from the environment is the
config module's job; this module only applies values it is given.
"""

from __future__ import annotations

import logging

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

__all__ = ["apply_endpoints"]

_log = logging.getLogger(__name__)

_HTTP_SCHEMES = frozenset({"http", "https"})
_WS_SCHEMES = frozenset({"ws", "wss"})


def apply_endpoints(api_base: str | None, gateway_url: str | None) -> None:
    """Redirect discord.py's REST client and gateway; ``None`` leaves that endpoint as it is.

    ``api_base`` is the versioned REST prefix, e.g. ``http://127.0.0.1:8080/api/v10``
    (a trailing slash is ignored). ``gateway_url`` is a websocket URL such as
    ``ws://127.0.0.1:8080/gateway``; discord.py appends ``?v=10&encoding=json&compress=...``.

    This mutates process-wide class attributes, so call it before the bot logs in.

    Raises:
        ValueError: if a URL has the wrong scheme or no host, so a typo in the
            environment fails at start-up instead of silently reaching real Discord.
    """
    if api_base is not None:
        Route.BASE = _checked_api_base(api_base)
        _log.info("discord REST base set to %s", Route.BASE)
    if gateway_url is not None:
        DiscordWebSocket.DEFAULT_GATEWAY = _checked_gateway(gateway_url)
        _log.info("discord gateway set to %s", DiscordWebSocket.DEFAULT_GATEWAY)


def _checked_api_base(api_base: str) -> str:
    """Validate the REST prefix; routes are appended to it as ``/users/@me`` etc."""
    url = yarl.URL(api_base.strip())
    if url.scheme not in _HTTP_SCHEMES or not url.host:
        raise ValueError(f"API base must be an http(s) URL with a host, got {api_base!r}")
    return str(url).rstrip("/")


def _checked_gateway(gateway_url: str) -> yarl.URL:
    """Validate the gateway URL; discord.py replaces its query string when connecting."""
    url = yarl.URL(gateway_url.strip())
    if url.scheme not in _WS_SCHEMES or not url.host:
        raise ValueError(f"gateway URL must be a ws(s) URL with a host, got {gateway_url!r}")
    return url
