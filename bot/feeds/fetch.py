"""Fetching feeds and pages from URLs that moderators typed and feeds listed: safely.

Every URL here comes from outside (a moderator's ``/feeds add``, a feed's item links, a
page's redirects), so the client refuses what a hostile or mistaken URL could make it do:

* only ``http``/``https``;
* no private, loopback, link-local, multicast, reserved or cloud-metadata address, checked
  on the addresses the name resolves to, by the resolver the connection itself uses (so a
  name cannot resolve to a public address for the check and a private one for the
  connection), and again on every redirect, of which only a few are followed;
* a total timeout and a size cap on every body (read in chunks, abandoned past the cap);
* one request at a time per host, so following many feeds of one site never hammers it;
* conditional requests (``If-None-Match`` / ``If-Modified-Since``) for feeds.

``NEWSBOT_ALLOW_PRIVATE_URLS=true`` lifts the address rule (intranet feeds, the tests'
server on 127.0.0.1).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from ..config import Settings

MAX_REDIRECTS = 5
"""Redirects followed for one request; a chain longer than this is refused (a loop)."""
USER_AGENT = "newsbot/0.1 (+https://github.com/; feed reader for a Discord bot)"

_METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address) for address in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)
"""Cloud metadata services (AWS/GCP/Azure, AWS IPv6, Alibaba): credentials live there."""


class FetchError(Exception):
    """A URL that could not be fetched; the message says why, for the feed's last error."""


class UnsafeURLError(FetchError):
    """A URL refused before any request: not http(s), or a private address."""


def check_scheme(url: str) -> str:
    """``url`` stripped, if it is an absolute http(s) URL with a host; else :class:`UnsafeURLError`.

    Returned in the one form a server sees it: scheme and host in lower case (they are
    case-insensitive), no ``#fragment`` (never sent), so "HTTPS://Example.org/rss#top" and
    "https://example.org/rss" are one feed."""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        raise UnsafeURLError(f"not a valid URL: {url!r}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise UnsafeURLError(f"only http and https URLs can be followed, not {parts.scheme or 'a bare name'!r}")
    if not parts.hostname:
        raise UnsafeURLError(f"the URL has no host: {url!r}")
    userinfo, at, host = parts.netloc.rpartition("@")
    return urlunsplit((parts.scheme.lower(), userinfo + at + host.lower(), parts.path, parts.query, ""))


def is_forbidden_address(address: str) -> bool:
    """Whether connecting to ``address`` could reach the host's own network."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return True  # not an address we can judge: refuse
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip in _METADATA_ADDRESSES
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or (isinstance(ip, ipaddress.IPv4Address) and ip in ipaddress.ip_network("100.64.0.0/10"))
    )


class SafeResolver(AbstractResolver):
    """The default resolver, minus forbidden addresses: a name resolving only to them fails."""

    def __init__(self) -> None:
        self._inner = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        allowed = [result for result in results if not is_forbidden_address(result["host"])]
        if not allowed:
            raise UnsafeURLError(f"{host} resolves to a private or local address; such URLs are refused")
        return allowed

    async def close(self) -> None:
        await self._inner.close()


@dataclass(frozen=True)
class Response:
    """A fetched body (``None`` for 304 Not Modified) and what the next request needs."""

    url: str
    """The final URL, after redirects."""
    status: int
    body: bytes | None
    content_type: str
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class Fetcher:
    """One HTTP client for every feed and page; open with ``async with Fetcher(...)``."""

    def __init__(
        self,
        *,
        timeout_s: float = 20.0,
        max_bytes: int = 5_000_000,
        allow_private: bool = False,
        max_redirects: int = MAX_REDIRECTS,
    ) -> None:
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        self.allow_private = allow_private
        self.max_redirects = max_redirects
        self._session: aiohttp.ClientSession | None = None
        self._host_locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def __aenter__(self) -> Fetcher:
        connector = aiohttp.TCPConnector(
            resolver=None if self.allow_private else SafeResolver(), limit_per_host=1, ttl_dns_cache=60
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=self.timeout_s),
            headers={"User-Agent": USER_AGENT},
            trust_env=False,  # a proxy from the environment would bypass the address check
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def get(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None, accept: str = "*/*"
    ) -> Response:
        """GET ``url`` within the rules above; raise :class:`FetchError` saying why not.

        Redirects are followed by hand so each hop is checked like the first. A status
        other than 200 and 304 is an error (its code in the message)."""
        if self._session is None:
            raise RuntimeError("Fetcher used outside 'async with'")
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = check_scheme(url)
        for _ in range(self.max_redirects + 1):
            self._check_literal_address(current)
            host = (urlsplit(current).hostname or "").lower()
            async with self._host_locks[host]:
                try:
                    response = await self._request(current, headers)
                except TimeoutError:
                    raise FetchError(f"no answer from {host} within {self.timeout_s:g} s") from None
                except UnsafeURLError:
                    raise
                except aiohttp.ClientConnectorError as error:
                    inner = error.os_error if isinstance(error.os_error, UnsafeURLError) else None
                    if inner is not None:
                        raise inner from None
                    raise FetchError(f"cannot connect to {host}: {error.os_error.strerror or error}") from None
                except aiohttp.ClientError as error:
                    raise FetchError(f"request to {host} failed: {error.__class__.__name__}: {error}") from None
            if isinstance(response, str):
                current = check_scheme(urljoin(current, response))
                continue
            return response
        raise FetchError(f"more than {self.max_redirects} redirects (a redirect loop?) from {url}")

    async def _request(self, url: str, headers: dict[str, str]) -> Response | str:
        """One request: the response, or the next URL when it redirects."""
        assert self._session is not None
        async with self._session.get(url, headers=headers, allow_redirects=False) as response:
            if response.status in (301, 302, 303, 307, 308):
                location = response.headers.get("Location")
                if not location:
                    raise FetchError(f"HTTP {response.status} without a Location header from {url}")
                return location
            if response.status not in (200, 304):
                raise FetchError(f"HTTP {response.status} {response.reason or ''}".strip() + f" from {url}")
            declared = response.content_length
            if declared is not None and declared > self.max_bytes:
                raise FetchError(f"{url} is {declared:,} bytes; the limit is {self.max_bytes:,}")
            body = await self._read_capped(response, url) if response.status == 200 else None
            return Response(
                url=str(response.url),
                status=response.status,
                body=body,
                content_type=response.headers.get("Content-Type", ""),
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
            )

    async def _read_capped(self, response: aiohttp.ClientResponse, url: str) -> bytes:
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(65536):
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchError(f"{url} is larger than the limit of {self.max_bytes:,} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def _check_literal_address(self, url: str) -> None:
        """A URL naming an IP address skips the resolver: judge the address itself."""
        if self.allow_private:
            return
        host = urlsplit(url).hostname or ""
        try:
            ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            if host.lower() == "localhost" or host.lower().endswith(".localhost"):
                raise UnsafeURLError(f"{host} is a local address; such URLs are refused") from None
            return
        if is_forbidden_address(host):
            raise UnsafeURLError(f"{host} is a private or local address; such URLs are refused")


def settings_kwargs(settings: Settings) -> dict[str, Any]:
    """The :class:`Fetcher` arguments of :class:`bot.config.Settings`."""
    return {
        "timeout_s": settings.fetch_timeout_seconds,
        "max_bytes": settings.fetch_max_bytes,
        "allow_private": settings.allow_private_urls,
    }
