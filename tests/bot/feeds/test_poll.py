"""Following feeds end to end through the service: a poll's new articles are answered at
once with their link, never twice, never lost by a reload or a restart, and a broken feed
is reported without stopping the others."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.feeds.fetch import Fetcher
from bot.feeds.items import FeedItem, article_from_page
from bot.feeds.poll import Poller, import_file, next_poll_time
from bot.render import render_answer
from bot.reports import stats_text
from bot.service import NewsService
from bot.store import is_web_path, utc_timestamp
from retrieval.corpus.pipeline import pipeline_id
from tests.bot.feeds.fixtures import ROBOT, ROBOT_OTHER_PUBLISHER, TARTE, atom, page, rss
from tests.bot.feeds.site import Site

ROOT = Path(__file__).resolve().parents[3]
TARTE_QUESTION = "Combien coûte la tarte aux prunes de Zorglub ?"
ROBOT_QUESTION = "Qui trie les feuilles mortes du parc de Rennes ?"


def settings_for(tmp_path: Path, **overrides: object) -> Settings:
    corpus = tmp_path / "corpus"
    if not corpus.exists():
        shutil.copytree(ROOT / "seeds", corpus)
    values: dict[str, object] = {
        "corpus_dir": corpus,
        "db_path": tmp_path / "db" / "newsbot.sqlite3",
        "data_dir": tmp_path / "db",
        "allow_private_urls": True,
        "fetch_timeout_seconds": 2.0,
    }
    return Settings(**{**values, **overrides})  # type: ignore[arg-type]


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[NewsService]:
    async with await NewsService.open(settings_for(tmp_path)) as service:
        yield service


@pytest.fixture
async def poller(service: NewsService) -> AsyncIterator[Poller]:
    async with Fetcher(allow_private=True, timeout_s=2.0) as fetcher:
        yield Poller(service, fetcher, service.settings)


def tarte_feed(site: Site, **options: object) -> str:
    site.page("/tarte", TARTE)
    return site.feed(
        "/gazette.xml", rss("La Gazette", [{"title": "Zorglub à Quimper", "link": site.url("/tarte")}]), **options
    )


async def test_a_polled_article_is_answered_with_its_link(service: NewsService, poller: Poller, site: Site) -> None:
    assert not (await service.ask(TARTE_QUESTION)).answered
    feed, _ = await service.store.add_feed(tarte_feed(site), utc_timestamp())
    report = await poller.poll()
    assert [a.title for a in report.outcome.added] == ["Zorglub ouvre une pâtisserie à Quimper"]
    answer = await service.ask(TARTE_QUESTION)
    assert answer.answered
    cited = answer.citations[0].article
    assert "12 euros" in answer.citations[0].quote
    assert cited.url == site.url("/tarte") and cited.source == "La Gazette" and cited.published == "2025-01-28"
    assert cited.author == "Annick Le Goff"
    assert "· Annick Le Goff · La Gazette · 2025-01-28" in render_answer(answer)
    assert is_web_path(cited.path) and cited.path.startswith("web://127.0.0.1/")
    headlines = await service.headlines(3)
    assert any(row.article.title == cited.title for row in headlines)
    (stored,) = await service.store.feeds()
    assert stored.id == feed.id and stored.title == "La Gazette" and stored.last_error is None


async def test_a_second_poll_adds_only_new_items_and_uses_the_etag(
    service: NewsService, poller: Poller, site: Site
) -> None:
    await service.store.add_feed(tarte_feed(site, etag='"one"'), utc_timestamp())
    await poller.poll(due_only=False)
    again = await poller.poll(due_only=False)
    assert again.feeds[0].not_modified and not again.outcome.added
    assert site.hits["/tarte"] == 1
    site.page("/robot", ROBOT)
    site.feed(
        "/gazette.xml",
        rss(
            "La Gazette",
            [{"title": "Brindille", "link": site.url("/robot")}, {"title": "Zorglub", "link": site.url("/tarte")}],
        ),
        etag='"two"',
    )
    third = await poller.poll(due_only=False)
    assert [a.title for a in third.outcome.added] == ["Le robot Brindille trie les feuilles de Rennes"]
    assert site.hits["/tarte"] == 1  # a page already stored is not fetched again
    assert (await service.ask(ROBOT_QUESTION)).answered
    assert (await service.ask(TARTE_QUESTION)).answered


async def test_a_link_with_tracking_parameters_is_not_added_twice(
    service: NewsService, poller: Poller, site: Site
) -> None:
    site.page("/tarte", TARTE)
    items = [
        {"title": "Zorglub", "link": site.url("/tarte?utm_source=rss&utm_medium=feed")},
        {"title": "Zorglub (bis)", "link": site.url("/tarte#commentaires")},
    ]
    site.feed("/one.xml", rss("Un", items))
    await service.store.add_feed(site.url("/one.xml"), utc_timestamp())
    report = await poller.poll()
    assert len(report.outcome.added) == 1
    assert report.outcome.added[0].url == site.url("/tarte")


async def test_the_same_page_under_another_link_is_recognised_by_its_text(
    service: NewsService, poller: Poller, site: Site
) -> None:
    site.page("/tarte", TARTE)
    site.page("/amp/tarte", TARTE)
    site.feed("/a.xml", rss("A", [{"title": "Zorglub", "link": site.url("/tarte")}]))
    site.feed("/b.xml", rss("B", [{"title": "Zorglub", "link": site.url("/amp/tarte")}]))
    for path in ("/a.xml", "/b.xml"):
        await service.store.add_feed(site.url(path), utc_timestamp())
    report = await poller.poll()
    assert len(report.outcome.added) == 1 and report.outcome.duplicates == 1


async def test_the_same_story_from_two_publishers_stays_two_articles(
    service: NewsService, poller: Poller, site: Site
) -> None:
    site.page("/gazette/robot", ROBOT)
    site.page("/matin/robot", ROBOT_OTHER_PUBLISHER)
    site.feed("/gazette.xml", rss("La Gazette", [{"title": "Brindille", "link": site.url("/gazette/robot")}]))
    site.page(
        "/matin.xml",
        atom("Ouest Matin", [{"title": "Rennes", "link": site.url("/matin/robot")}]),
        content_type="application/atom+xml",
    )
    for path in ("/gazette.xml", "/matin.xml"):
        await service.store.add_feed(site.url(path), utc_timestamp())
    report = await poller.poll()
    assert sorted(a.source or "" for a in report.outcome.added) == ["La Gazette", "Ouest Matin"]
    answer = await service.ask(ROBOT_QUESTION)
    sources = {c.article.source for c in answer.citations} | {a.source for c in answer.citations for a in c.also}
    assert sources == {"La Gazette", "Ouest Matin"}


async def test_a_broken_feed_is_reported_and_never_stops_the_others(
    service: NewsService, poller: Poller, site: Site
) -> None:
    site.feed("/malformed.xml", "this is not a feed at all <<<")
    site.page("/down.xml", "oops", status=500)
    site.page("/slow.xml", "", slow=True)
    for path in ("/malformed.xml", "/down.xml", "/missing.xml", "/slow.xml"):
        await service.store.add_feed(site.url(path), utc_timestamp())
    await service.store.add_feed(tarte_feed(site), utc_timestamp())
    before = datetime.now(UTC)
    report = await poller.poll()
    assert len(report.outcome.added) == 1
    feeds = {feed.url.rsplit("/", 1)[-1]: feed for feed in await service.store.feeds()}
    assert "not a feed" in (feeds["malformed.xml"].last_error or "")
    assert "HTTP 500" in (feeds["down.xml"].last_error or "")
    assert "HTTP 404" in (feeds["missing.xml"].last_error or "")
    assert "no answer" in (feeds["slow.xml"].last_error or "")
    assert feeds["gazette.xml"].last_error is None and feeds["gazette.xml"].failures == 0
    for name in ("malformed.xml", "down.xml", "missing.xml", "slow.xml"):
        assert feeds[name].failures == 1
        # Backed off: not due again before twice the interval (less the jitter).
        assert feeds[name].next_poll is not None
        assert datetime.fromisoformat(feeds[name].next_poll) > before + timedelta(seconds=1.7 * 900)
    assert await service.store.due_feeds(utc_timestamp()) == []
    assert (await service.ask(TARTE_QUESTION)).answered


async def test_stats_show_the_last_poll_apart_from_the_last_reload(
    service: NewsService, poller: Poller, site: Site
) -> None:
    await service.store.add_feed(site.url("/missing.xml"), utc_timestamp())
    await service.store.add_feed(tarte_feed(site), utc_timestamp())
    await poller.poll()
    text = stats_text(await service.stats())
    assert "Last reload: " in text and " by startup, ok; " in text
    assert "Last feed poll: " in text and ", 2 feeds (1 failing), 1 new articles, 0 already known, 0 expired," in text
    assert f"• {site.url('/missing.xml')}: HTTP 404" in text

    site.page("/tarte2", TARTE)  # the same text under another link: a duplicate
    site.feed("/gazette.xml", rss("La Gazette", [{"title": "Zorglub", "link": site.url("/tarte2")}]))
    await poller.poll(due_only=False)
    stats = await service.stats()
    assert stats.store.last_reload is not None and stats.store.last_reload.requested_by == "startup"
    assert stats.store.last_poll is not None and stats.store.last_poll.kind == "poll"
    assert "2 feeds (1 failing), 0 new articles, 1 already known" in stats_text(stats)
    assert "Dernière relève des flux : " in stats_text(stats, "fr")


def test_back_off_doubles_with_each_failure_up_to_a_day() -> None:
    now = datetime(2025, 1, 28, tzinfo=UTC)
    waits = [(next_poll_time(now, 900, failures) - now).total_seconds() for failures in range(12)]
    assert 810 <= waits[0] <= 990 and 1620 <= waits[1] <= 1980
    assert all(wait <= 86400 * 1.1 for wait in waits) and waits[-1] >= 86400 * 0.9


async def test_an_item_whose_page_fails_keeps_the_feed_summary(
    service: NewsService, poller: Poller, site: Site
) -> None:
    summary = (
        "Le pâtissier Zorglub vend sa tarte aux prunes pour 12 euros pièce dans sa boutique de Quimper. "
        "Les clients font la queue dès sept heures."
    )
    site.feed(
        "/f.xml", rss("F", [{"title": "Zorglub à Quimper", "link": site.url("/gone"), "summary": f"<p>{summary}</p>"}])
    )
    await service.store.add_feed(site.url("/f.xml"), utc_timestamp())
    report = await poller.poll()
    (article,) = report.outcome.added
    assert article.title == "Zorglub à Quimper" and article.published == "2025-01-28"
    assert "<p>" not in article.text
    assert "12 euros" in (await service.ask(TARTE_QUESTION)).citations[0].quote


async def test_feed_articles_survive_a_folder_reload_and_a_restart(tmp_path: Path, site: Site) -> None:
    settings = settings_for(tmp_path)
    async with await NewsService.open(settings) as service:
        await service.store.add_feed(tarte_feed(site), utc_timestamp())
        async with Fetcher(allow_private=True, timeout_s=2) as fetcher:
            await Poller(service, fetcher, settings).poll()
        (settings.corpus_dir / "nouveau.txt").write_text(
            "Le robot Brindille\nLe robot Brindille de la société Ecorce trie les feuilles mortes du parc de Rennes.\n",
            encoding="utf-8",
        )
        report = await service.reload()
        assert report.ok and report.added == ("corpus/nouveau.txt",) and report.removed == ()
        assert (await service.ask(TARTE_QUESTION)).answered
        assert not await service.folder_changes()
    async with await NewsService.open(settings) as service:
        assert (await service.ask(TARTE_QUESTION)).answered
        report = await service.reload()
        assert report.ok and not report.removed


def age_web_articles(db: Path) -> None:
    """What an older text pipeline left: its own titles (and tokens) for the web articles."""
    conn = sqlite3.connect(db)
    conn.execute("UPDATE articles SET title = 'ancien titre', pipeline = '3+old' WHERE path LIKE 'web://%'")
    conn.commit()
    conn.close()


async def test_a_new_text_pipeline_extracts_stored_web_articles_again_without_the_network(
    tmp_path: Path, site: Site
) -> None:
    settings = settings_for(tmp_path)
    robot = "Le robot Brindille de la société Ecorce trie les feuilles mortes du parc de Rennes en dix minutes."
    site.page("/tarte", TARTE)
    items = [
        {"title": "Zorglub à Quimper", "link": site.url("/tarte")},
        {"title": "Le robot Brindille", "link": site.url("/gone"), "summary": robot},  # the page fails: the summary
    ]
    site.feed("/f.xml", rss("La Gazette", items))
    note = tmp_path / "pompon.md"
    note.write_text("# Le chat Pompon\n\nLe chat **Pompon** garde la médiathèque de Brest depuis trois ans.\n")
    async with await NewsService.open(settings) as service:
        await service.store.add_feed(site.url("/f.xml"), utc_timestamp())
        async with Fetcher(allow_private=True, timeout_s=2) as fetcher:
            await Poller(service, fetcher, settings).poll()
        await import_file(service, note)
        before = {row.article.path: row for row in await service.sources() if is_web_path(row.article.path)}
    titles = {"Zorglub ouvre une pâtisserie à Quimper", "Le robot Brindille", "Le chat Pompon"}
    assert {row.article.title for row in before.values()} == titles
    hits = sum(site.hits.values())

    age_web_articles(settings.db_path)
    async with await NewsService.open(settings) as service:  # a start, like the bot's
        after = {row.article.path: row for row in await service.sources() if is_web_path(row.article.path)}
        assert {row.article.title for row in after.values()} == titles
        assert {path: row.first_seen for path, row in after.items()} == {p: r.first_seen for p, r in before.items()}
        assert (await service.ask(TARTE_QUESTION)).citations[0].article.author == "Annick Le Goff"
        assert (await service.ask(ROBOT_QUESTION)).answered
        # The refresh is not the operator's last reload in /stats.
        last = (await service.store.stats(datetime.now(UTC))).last_reload
        assert last is None or last.updated == 0  # the three web articles were not "updated" by a reload

    age_web_articles(settings.db_path)
    async with await NewsService.open(settings, reload_if_changed=False) as service:  # `newsbot reload`
        assert {row.article.title for row in await service.sources() if is_web_path(row.article.path)} == {
            "ancien titre"
        }
        assert (await service.reload()).ok
        assert {row.article.title for row in await service.sources() if is_web_path(row.article.path)} == titles
    conn = sqlite3.connect(settings.db_path)
    assert {row[0] for row in conn.execute("SELECT pipeline FROM articles")} == {pipeline_id()}
    conn.execute("DELETE FROM web_sources")  # as stored before schema v10: kept as they are
    conn.commit()
    conn.close()
    assert sum(site.hits.values()) == hits  # nothing fetched again

    age_web_articles(settings.db_path)
    async with await NewsService.open(settings) as service:
        assert {row.article.title for row in await service.sources() if is_web_path(row.article.path)} == {
            "ancien titre"
        }
        assert (await service.ask(TARTE_QUESTION)).answered


async def test_a_damaged_stored_page_keeps_its_article_as_stored(tmp_path: Path, site: Site) -> None:
    settings = settings_for(tmp_path)
    async with await NewsService.open(settings) as service:
        await service.store.add_feed(tarte_feed(site), utc_timestamp())
        async with Fetcher(allow_private=True, timeout_s=2) as fetcher:
            await Poller(service, fetcher, settings).poll()
    conn = sqlite3.connect(settings.db_path)
    conn.execute("UPDATE web_sources SET body = x'00ff'")
    conn.commit()
    conn.close()
    age_web_articles(settings.db_path)
    async with await NewsService.open(settings) as service:
        assert (await service.ask(TARTE_QUESTION)).citations[0].article.title == "ancien titre"


async def test_old_web_articles_expire_after_the_retention_days(tmp_path: Path, site: Site) -> None:
    settings = settings_for(tmp_path, retention_days=30)
    site.page(
        "/old",
        page(
            "Zorglub ouvre une pâtisserie à Quimper",
            [
                "Le pâtissier Zorglub vend sa tarte aux prunes pour 12 euros pièce dans sa boutique de Quimper.",
            ],
            date="2020-01-01",
        ),
    )
    recent = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
    site.page(
        "/new",
        page(
            "Le robot Brindille",
            [
                "Le robot Brindille de la société Ecorce trie les feuilles mortes du parc de Rennes en dix minutes.",
            ],
            date=recent,
        ),
    )
    site.feed("/f.xml", rss("F", [{"title": "a", "link": site.url("/old")}, {"title": "b", "link": site.url("/new")}]))
    async with await NewsService.open(settings) as service:
        await service.store.add_feed(site.url("/f.xml"), utc_timestamp())
        async with Fetcher(allow_private=True, timeout_s=2) as fetcher:
            poller = Poller(service, fetcher, settings)
            await poller.poll()  # both added, then the old one expires at the next poll
            report = await poller.poll(due_only=False)
        assert report.outcome.expired == 1
        assert not (await service.ask(TARTE_QUESTION)).answered
        assert (await service.ask(ROBOT_QUESTION)).answered
        assert all(row.article.published != "2020-01-01" for row in await service.sources())
        assert any(row.article.path.startswith("corpus/") for row in await service.sources())  # files never expire


async def test_an_imported_page_and_file_join_the_corpus_once(
    service: NewsService, poller: Poller, site: Site, tmp_path: Path
) -> None:
    url = site.page("/tarte", TARTE)
    first = await poller.import_url(url + "?utm_campaign=x")
    assert [a.title for a in first.added] == ["Zorglub ouvre une pâtisserie à Quimper"]
    again = await poller.import_url(url)
    assert not again.added and again.duplicates == 1
    saved = tmp_path / "robot.html"
    saved.write_text(ROBOT, encoding="utf-8")
    from_file = await import_file(service, saved)
    assert [a.source for a in from_file.added] == ["La Gazette"]
    assert (await service.ask(ROBOT_QUESTION)).answered


async def test_a_poll_and_a_reload_never_run_at_the_same_time(
    service: NewsService, poller: Poller, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a poll's articles are being indexed, a reload that will not wait is refused
    (one that waits runs after it); the poll then completes and both corpora are served."""
    import asyncio
    import threading

    import bot.service.core as core_module
    from bot.service import ReloadInProgress

    entered, release = threading.Event(), threading.Event()
    prepare = core_module.prepare_web_articles

    def blocking_prepare(*args: object) -> object:
        entered.set()
        release.wait()
        return prepare(*args)  # type: ignore[arg-type]  # the original's own arguments

    monkeypatch.setattr(core_module, "prepare_web_articles", blocking_prepare)
    await service.store.add_feed(tarte_feed(site), utc_timestamp())
    polling = asyncio.create_task(poller.poll())
    await asyncio.to_thread(entered.wait)
    with pytest.raises(ReloadInProgress):
        await service.reload(wait=False)
    waiting = asyncio.create_task(service.reload())
    release.set()
    report = await polling
    assert len(report.outcome.added) == 1
    assert (await waiting).ok
    assert (await service.ask(TARTE_QUESTION)).answered


def test_a_page_whose_only_sentence_is_its_title_falls_back_to_the_feed_summary() -> None:
    """A JavaScript wall or consent page is not the article: the item's own summary is."""
    wall = "Please enable JavaScript to view this page."
    page = f"<html><head><title>{wall}</title></head><body><h1>{wall}</h1></body></html>".encode()
    summary = "Mistral AI raised 600 million euros in a round led by General Catalyst, the company said on Tuesday."
    item = FeedItem(
        link="https://news.example/a", title="Mistral raises 600 million euros", summary=summary, published="2025-01-02"
    )
    made = article_from_page(page, item, "https://news.example/a")
    assert made.article.text == summary
