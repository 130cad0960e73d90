"""A web server on 127.0.0.1 for the feed tests, serving what each test writes.

It runs in its own thread with its own event loop, so the same site serves async tests, the
service, and ``newsbot`` subprocesses alike. Routes are exact paths (the query string is
ignored, so a link decorated with ``utm_*`` reaches the same page).
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class Route:
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    etag: str | None = None
    location: str | None = None
    """A redirect target (status 302)."""
    slow: bool = False
    """Never answers (until the site stops): past any client timeout."""
    chunked: bool = False
    """Sent without a Content-Length, so only reading tells its size."""


@dataclass
class Site:
    routes: dict[str, Route] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)
    not_modified: Counter[str] = field(default_factory=Counter)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def page(self, path: str, body: str | bytes, **options: object) -> str:
        """Serve ``body`` at ``path``; return its URL."""
        data = body.encode() if isinstance(body, str) else body
        self.routes[path] = Route(body=data, **options)  # type: ignore[arg-type]  # Route's own fields
        return self.url(path)

    def feed(self, path: str, body: str, **options: object) -> str:
        return self.page(path, body, content_type="application/rss+xml; charset=utf-8", **options)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.hits[request.path] += 1
        route = self.routes.get(request.path)
        if route is None:
            return web.Response(status=404, text="not found")
        if route.slow:
            await asyncio.Event().wait()  # cancelled when the server stops
        if route.location is not None:
            return web.Response(status=302, headers={"Location": route.location})
        if route.etag and request.headers.get("If-None-Match") == route.etag:
            self.not_modified[request.path] += 1
            return web.Response(status=304, headers={"ETag": route.etag})
        headers = {"ETag": route.etag} if route.etag else {}
        if route.chunked:
            response = web.StreamResponse(status=route.status, headers={**headers, "Content-Type": route.content_type})
            response.enable_chunked_encoding()
            await response.prepare(request)
            for start in range(0, len(route.body), 65536):
                await response.write(route.body[start : start + 65536])
            await response.write_eof()
            return response
        return web.Response(
            status=route.status, body=route.body, headers={**headers, "Content-Type": route.content_type}
        )


class SiteServer:
    """Start with :meth:`start`, stop with :meth:`stop` (the fixture does both)."""

    def __init__(self) -> None:
        self.site = Site()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="feeds-test-site", daemon=True)

    def start(self) -> Site:
        self._thread.start()
        self._ready.wait()
        return self.site

    def stop(self) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join()

    def _run(self) -> None:
        self._loop.run_until_complete(self._serve())
        self._loop.close()

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", self.site.handle)
        runner = web.AppRunner(app, shutdown_timeout=0.1)
        await runner.setup()
        tcp = web.TCPSite(runner, "127.0.0.1", 0)
        await tcp.start()
        self.site.port = runner.addresses[0][1]
        self._stop = asyncio.Event()
        self._ready.set()
        await self._stop.wait()
        await runner.cleanup()
