"""Per-route rate limits for the fake Discord, answered with 429 as Discord documents it.

https://discord.com/developers/docs/topics/rate-limits: a route hit more often than its
limit within its window gets ``429 Too Many Requests`` with a JSON body ``{"message",
"retry_after" (seconds, a float), "global"}`` and the headers ``Retry-After`` (whole
seconds), ``X-RateLimit-Limit``, ``-Remaining``, ``-Reset``, ``-Reset-After``, ``-Bucket``
and ``-Scope``. Limits are per *major parameter* (channel, guild, or webhook id and token),
so one busy channel does not slow another.

Successful responses carry no bucket headers (see ``rest.py``): the client learns of a limit
only from the 429, the case it must handle by waiting ``retry_after`` and retrying.
The 429 also carries ``Via``, as Discord's responses do: discord.py takes a 429 without it
for a Cloudflare ban and gives up instead of retrying.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

MAJOR_PARAMETERS = ("channel_id", "guild_id", "token")


@dataclass
class RouteLimit:
    limit: int
    window_s: float
    hits: dict[str, deque[float]] = field(default_factory=dict)


class RateLimits:
    """The limits a test set, and the hits counted against them."""

    def __init__(self) -> None:
        self._limits: dict[tuple[str, str], RouteLimit] = {}

    def set(self, method: str, route: str, *, limit: int, per_s: float) -> None:
        """At most ``limit`` requests ``method route`` (a route template such as
        ``/channels/{channel_id}/messages``) per major parameter in any ``per_s`` seconds."""
        self._limits[(method, route)] = RouteLimit(limit, per_s)

    def retry_after(self, method: str, route: str | None, params: Mapping[str, str]) -> float | None:
        """Seconds to wait when this request is over its limit, else ``None`` (and it counts)."""
        rule = self._limits.get((method, route or ""))
        if rule is None:
            return None
        major = next((params[name] for name in MAJOR_PARAMETERS if name in params), "")
        now = time.monotonic()
        hits = rule.hits.setdefault(major, deque())
        while hits and hits[0] <= now - rule.window_s:
            hits.popleft()
        if len(hits) >= rule.limit:
            return max(0.001, hits[0] + rule.window_s - now)
        hits.append(now)
        return None

    def limit_of(self, method: str, route: str | None) -> int:
        rule = self._limits.get((method, route or ""))
        return rule.limit if rule else 0


def too_many_requests_body(retry_after: float) -> dict[str, object]:
    return {"message": "You are being rate limited.", "retry_after": round(retry_after, 3), "global": False}


def too_many_requests_headers(retry_after: float, limit: int, bucket: str) -> dict[str, str]:
    return {
        "Retry-After": str(math.ceil(retry_after)),
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
        "X-RateLimit-Reset-After": f"{retry_after:.3f}",
        "X-RateLimit-Bucket": bucket,
        "X-RateLimit-Scope": "user",
        "Via": "1.1 google",
    }
