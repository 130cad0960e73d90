"""``newsbot feeds add|list|remove``, ``newsbot fetch`` and ``newsbot import``, run as the
real command against the test site."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.bot.feeds.fixtures import ROBOT, TARTE, rss
from tests.bot.feeds.site import Site
from tests.bot.test_cli import SEEDS, newsbot

PRIVATE_OK = {"NEWSBOT_ALLOW_PRIVATE_URLS": "true", "NEWSBOT_FETCH_TIMEOUT": "5"}
TARTE_QUESTION = "Combien coûte la tarte aux prunes de Zorglub ?"


def corpus_in(tmp_path: Path) -> Path:
    folder = tmp_path / "news"
    shutil.copytree(SEEDS, folder)
    return folder


def test_follow_a_feed_fetch_it_and_answer_from_it(tmp_path: Path, site: Site) -> None:
    corpus = corpus_in(tmp_path)
    site.page("/tarte", TARTE)
    feed_url = site.feed("/gazette.xml", rss("La Gazette", [{"title": "Zorglub", "link": site.url("/tarte")}]))

    added = newsbot(tmp_path, "feeds", "add", feed_url, corpus=corpus, env=PRIVATE_OK)
    assert added.returncode == 0, added.stderr
    assert f"Following {feed_url} (no. 1)" in added.stdout
    again = newsbot(tmp_path, "feeds", "add", feed_url, corpus=corpus, env=PRIVATE_OK)
    assert "Already following" in again.stdout
    # The same feed written another way (scheme in capitals, a #fragment) is the same feed.
    shouted = feed_url.replace("http://", "HTTP://") + "#latest"
    assert "Already following" in newsbot(tmp_path, "feeds", "add", shouted, corpus=corpus, env=PRIVATE_OK).stdout

    fetched = newsbot(tmp_path, "fetch", corpus=corpus, env=PRIVATE_OK)
    assert fetched.returncode == 0, fetched.stderr
    assert "1 feeds, 1 new articles" in fetched.stdout

    answer = json.loads(newsbot(tmp_path, "ask", "--json", TARTE_QUESTION, corpus=corpus).stdout)
    assert answer["answered"] and "12 euros" in answer["citations"][0]["quote"]
    assert answer["citations"][0]["path"].startswith("web://127.0.0.1/")

    listed = newsbot(tmp_path, "feeds", "list", corpus=corpus)
    assert f"1. {feed_url} · La Gazette · checked " in listed.stdout

    # The folder's reload keeps the feed's article; removing the feed keeps it too.
    assert newsbot(tmp_path, "reload", corpus=corpus).returncode == 0
    removed = newsbot(tmp_path, "feeds", "remove", "1", corpus=corpus)
    assert removed.returncode == 0 and "Its articles stay" in removed.stdout
    assert "No feeds followed" in newsbot(tmp_path, "feeds", "list", corpus=corpus).stdout
    assert json.loads(newsbot(tmp_path, "ask", "--json", TARTE_QUESTION, corpus=corpus).stdout)["answered"]


def test_a_failing_feed_shows_its_error_in_the_list(tmp_path: Path, site: Site) -> None:
    corpus = corpus_in(tmp_path)
    newsbot(tmp_path, "feeds", "add", site.url("/nothing.xml"), corpus=corpus, env=PRIVATE_OK)
    fetched = newsbot(tmp_path, "fetch", corpus=corpus, env=PRIVATE_OK)
    assert fetched.returncode == 1, "every feed failed"
    assert "1 feeds failing" in fetched.stderr and "HTTP 404" in fetched.stderr and fetched.stdout == ""
    listed = newsbot(tmp_path, "feeds", "list", corpus=corpus)
    assert "failing (1 times): HTTP 404" in listed.stdout


def test_private_addresses_are_refused_by_default(tmp_path: Path, site: Site) -> None:
    corpus = corpus_in(tmp_path)
    url = site.page("/tarte", TARTE)
    result = newsbot(tmp_path, "import", url, corpus=corpus)
    assert result.returncode == 1
    assert "private or local address" in result.stderr and "Traceback" not in result.stderr
    assert site.hits["/tarte"] == 0


def test_a_non_http_url_is_refused_in_one_line(tmp_path: Path) -> None:
    result = newsbot(tmp_path, "feeds", "add", "file:///etc/passwd", corpus=corpus_in(tmp_path))
    assert result.returncode == 1
    assert "only http and https" in result.stderr and "Traceback" not in result.stderr


def test_import_a_url_and_a_file(tmp_path: Path, site: Site) -> None:
    corpus = corpus_in(tmp_path)
    url = site.page("/tarte", TARTE)
    imported = newsbot(tmp_path, "import", url, corpus=corpus, env=PRIVATE_OK)
    assert imported.returncode == 0, imported.stderr
    assert "Imported: Zorglub ouvre une pâtisserie à Quimper" in imported.stdout
    assert "already in the corpus" in newsbot(tmp_path, "import", url, corpus=corpus, env=PRIVATE_OK).stdout
    saved = tmp_path / "robot.html"
    saved.write_text(ROBOT, encoding="utf-8")
    from_file = newsbot(tmp_path, "import", str(saved), corpus=corpus)
    assert from_file.returncode == 0 and "Le robot Brindille" in from_file.stdout


def test_a_fetch_where_some_feeds_work_exits_zero(tmp_path: Path, site: Site) -> None:
    corpus = corpus_in(tmp_path)
    site.page("/tarte", TARTE)
    good = site.feed("/gazette.xml", rss("La Gazette", [{"title": "Zorglub", "link": site.url("/tarte")}]))
    newsbot(tmp_path, "feeds", "add", good, corpus=corpus, env=PRIVATE_OK)
    newsbot(tmp_path, "feeds", "add", site.url("/nothing.xml"), corpus=corpus, env=PRIVATE_OK)
    fetched = newsbot(tmp_path, "fetch", corpus=corpus, env=PRIVATE_OK)
    assert fetched.returncode == 0, fetched.stderr
    assert "2 feeds, 1 new articles" in fetched.stdout and "1 feeds failing" in fetched.stdout


def test_feeds_add_of_something_that_is_not_a_url_says_so(tmp_path: Path) -> None:
    result = newsbot(tmp_path, "feeds", "add", "not a url", corpus=corpus_in(tmp_path))
    assert result.returncode == 1 and result.stdout == ""
    assert (
        result.stderr.strip()
        == "newsbot: “not a url” is not a URL: give the whole address, starting with http:// or https://."
    )


def test_importing_a_missing_file_says_it_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "missing" / "file.html"
    result = newsbot(tmp_path, "import", str(missing), corpus=corpus_in(tmp_path))
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip() == (
        f"newsbot: Could not import {missing}: there is no such file (and it is not an http or https URL)."
    )
    assert "bare name" not in result.stderr


def test_importing_a_folder_says_it_is_a_folder(tmp_path: Path) -> None:
    result = newsbot(tmp_path, "import", str(tmp_path), corpus=corpus_in(tmp_path))
    assert result.returncode == 1 and result.stdout == ""
    assert f"Could not import {tmp_path}: it is a folder" in result.stderr


def test_an_import_that_finds_no_sentence_fails_on_stderr(tmp_path: Path) -> None:
    corpus = corpus_in(tmp_path)
    page = tmp_path / "titles.md"
    page.write_text("# Titre\n\nun deux trois quatre\n\nXIV\n", encoding="utf-8")
    result = newsbot(tmp_path, "import", str(page), corpus=corpus)
    assert result.returncode == 1
    assert result.stdout == "" and "Could not import" in result.stderr
