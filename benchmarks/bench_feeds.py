"""Feed benchmark: from a feed item published to a question about it answered.

    python benchmarks/bench_feeds.py [--sizes 10000,100000] [--items 10]

For generated corpora of about N passages (the articles of ``bench_service.py``: N/10
articles of ten paragraphs), a web server on 127.0.0.1 serves an RSS feed of ``--items`` new
items and their pages. The service starts over the corpus (a full load), follows the feed,
and one poll runs while a question about one of the new items is asked every 10 ms; it
prints:

* the first start (full load) and the share of it spent detecting each article's language
  (issue 13 asks at most 10 % at 100k passages);
* the poll (fetch the feed and the pages, extract them, add them through the reload path,
  each part timed),
  the seconds from the poll's start until the question is answered from a new item, and
  the event-loop lag throughout (issue 14 asks < 50 ms);
* that every new item is then answerable.

Event-loop lag is sampled as in ``bench_service.py`` (a 5 ms sleep and how late it wakes).
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_service import LagSampler, write_corpus  # noqa: E402

import retrieval.corpus.articles as articles_module  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.discord.runner import make_event_loop_responsive  # noqa: E402
from bot.feeds.fetch import Fetcher  # noqa: E402
from bot.feeds.poll import Poller  # noqa: E402
from bot.service import NewsService  # noqa: E402
from bot.store import is_web_path, utc_timestamp  # noqa: E402

NAMES = "Zorbalie Quintafer Mirvalon Brokasse Tulmino Falvéra Gribonne Oscamir Pélunor Vastrouille Drimolen Karbusse".split()
FRUITS = "prunes poires abricots myrtilles cerises pommes coings figues mirabelles groseilles fraises pêches".split()
TOWNS = "Quimper Brest Lorient Vannes Morlaix Dinan Lannion Redon Auray Guingamp Paimpol Concarneau".split()


def item_page(index: int) -> tuple[str, str, str]:
    """The page of new item ``index``, its title and a question only it answers."""
    name, fruit, town = NAMES[index % len(NAMES)], FRUITS[index % len(FRUITS)], TOWNS[index % len(TOWNS)]
    title = f"{name} ouvre une pâtisserie à {town}"
    paragraphs = [
        f"Le pâtissier {name} vend sa tarte aux {fruit} pour {12 + index} euros pièce dans sa boutique de {town}.",
        "Les clients font la queue dès sept heures du matin pour en obtenir une part, selon les commerçants voisins.",
        "La boutique ouvre tous les jours sauf le lundi et emploie quatre apprentis venus de toute la Bretagne.",
    ]
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    page = (
        f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        '<meta property="og:site_name" content="La Gazette">'
        '<meta property="article:published_time" content="2025-01-28T08:00:00+00:00">'
        f"</head><body><nav><a href='/'>Accueil</a></nav><article><h1>{escape(title)}</h1>{body}</article>"
        "</body></html>"
    )
    return page, title, f"Combien coûte la tarte aux {fruit} de {name} ?"


def rss(base: str, titles: list[str]) -> str:
    entries = "".join(
        f"<item><title>{escape(title)}</title><link>{base}/item/{i}</link><guid>{base}/item/{i}</guid>"
        "<pubDate>Tue, 28 Jan 2025 09:00:00 GMT</pubDate></item>"
        for i, title in enumerate(titles)
    )
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Gazette</title>{entries}</channel></rss>'


@contextmanager
def site(routes: dict[str, tuple[str, bytes]]) -> Iterator[str]:
    """A web server on 127.0.0.1 in its own thread serving ``path -> (type, body)``."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
            content_type, body = routes.get(self.path, ("text/plain", b""))
            self.send_response(200 if self.path in routes else 404)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class Timed:
    """Wraps a function and adds up the time spent in it (the language detector)."""

    def __init__(self, function: Callable[..., Any]) -> None:
        self.function = function
        self.seconds = 0.0
        self.calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return self.function(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started
            self.calls += 1


async def bench(size: int, workdir: Path, n_items: int) -> None:
    print(f"\n== {size} passages", flush=True)
    corpus = workdir / f"gen{size}"
    corpus.mkdir()
    write_corpus(corpus, size)
    settings = Settings(
        corpus_dir=corpus,
        data_dir=workdir,
        db_path=workdir / f"feeds{size}.sqlite3",
        log_questions=False,
        allow_private_urls=True,
    )
    detector = Timed(articles_module.detect_language)
    articles_module.detect_language = detector  # type: ignore[assignment]  # counted, same results
    started = time.perf_counter()
    try:
        service = await NewsService.open(settings)
    finally:
        articles_module.detect_language = detector.function  # type: ignore[assignment]
    load = time.perf_counter() - started
    await service.settle()
    print(
        f"first start (full load): {load:.1f} s for {len(service.engine.articles)} articles, "
        f"{len(service.engine)} passages; language detection {detector.seconds:.2f} s over {detector.calls} "
        f"articles = {100 * detector.seconds / load:.1f} % of the load"
    )

    pages = [item_page(i) for i in range(n_items)]
    routes: dict[str, tuple[str, bytes]] = {
        f"/item/{i}": ("text/html; charset=utf-8", p.encode()) for i, (p, _, _) in enumerate(pages)
    }
    with site(routes) as base:
        routes["/feed.xml"] = ("application/rss+xml", rss(base, [title for _, title, _ in pages]).encode())
        await service.store.add_feed(f"{base}/feed.xml", utc_timestamp())
        question = pages[-1][2]
        adding = 0.0
        add_web_articles = service.add_web_articles

        async def timed_add(*args: Any, **kwargs: Any) -> Any:
            nonlocal adding
            started = time.perf_counter()
            try:
                return await add_web_articles(*args, **kwargs)
            finally:
                adding += time.perf_counter() - started

        service.add_web_articles = timed_add  # type: ignore[method-assign]  # timed, same behaviour
        async with Fetcher(allow_private=True, timeout_s=10) as fetcher:
            poller = Poller(service, fetcher, settings)
            asked = 0
            with LagSampler() as lag:
                started = time.perf_counter()
                poll = asyncio.create_task(poller.poll(due_only=False))
                while True:
                    answer = await service.ask(question)
                    asked += 1
                    if answer.answered and is_web_path(answer.citations[0].article.path):
                        answerable = time.perf_counter() - started
                        break
                    await asyncio.sleep(0.01)
                report = await poll
                polled = time.perf_counter() - started
    print(
        f"poll of 1 feed with {n_items} new items: {polled:.2f} s ({len(report.outcome.added)} articles added), "
        f"of which {polled - adding:.2f} s fetching and extracting, {adding:.2f} s adding them (parsed, "
        "one transaction, the next engine derived from the live one and swapped); "
        f"a question about a new item answered {answerable:.2f} s after the poll started "
        f"({asked} asks meanwhile); loop lag throughout {lag.summary()}"
    )
    answered = 0
    for _, _, item_question in pages:
        answer = await service.ask(item_question)
        answered += answer.answered and is_web_path(answer.citations[0].article.path)
    print(f"  new items answerable after the poll: {answered}/{n_items}")
    await service.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="generated corpus sizes in passages")
    parser.add_argument("--items", type=int, default=10, help="new items in the feed")
    args = parser.parse_args()
    make_event_loop_responsive()  # as `newsbot run` does
    with tempfile.TemporaryDirectory() as tmp:
        for size in [int(s) for s in args.sizes.split(",") if s]:
            await bench(size, Path(tmp), args.items)


if __name__ == "__main__":
    asyncio.run(main())
