"""The news service: start-up from the store, reloads, serialisation, failures, stats."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import random
import shutil
import sqlite3
from pathlib import Path

import pytest

import bot.service.folder as service_module
import retrieval.corpus.files as corpus_module
import retrieval.engine as engine_module
from bot.config import Settings
from bot.service import NewsService, ReloadInProgress, ServiceError
from bot.service import core as service_core
from retrieval.corpus.files import ArticleError
from retrieval.records import Article

ROOT = Path(__file__).resolve().parents[3]

PRICE_V1 = """La tarte aux prunes de Zorglub
Le pâtissier Zorglub vend sa tarte aux prunes pour 12 euros pièce dans sa boutique de Quimper. Les clients font la queue dès sept heures du matin pour en obtenir une part.
"""
PRICE_V2 = """La tarte aux prunes de Zorglub
Le pâtissier Zorglub vend désormais sa tarte aux prunes pour 19 euros pièce dans sa boutique de Quimper. Les clients font toujours la queue dès sept heures du matin.
"""
QUESTION = "Combien coûte la tarte aux prunes de Zorglub ?"
ROBOT = """Le robot Brindille
Le robot Brindille de la société Ecorce trie les feuilles mortes du parc municipal de Rennes en moins de dix minutes chaque matin. Les jardiniers le surveillent depuis une tablette.
"""


async def stored_hashes(service: NewsService) -> dict[str, str]:
    _, files = await service.store.article_files()
    return {path: file.content_hash for path, file in files.items()}


def settings_for(tmp_path: Path, corpus: Path, **overrides: object) -> Settings:
    values = {"corpus_dir": corpus, "db_path": tmp_path / "db" / "newsbot.sqlite3", "data_dir": tmp_path / "db"}
    return Settings(**{**values, **overrides})  # type: ignore[arg-type]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(ROOT / "seeds", folder)
    return folder


async def test_first_start_loads_the_folder_and_answers(tmp_path: Path, corpus: Path) -> None:
    async with await NewsService.open(settings_for(tmp_path, corpus)) as service:
        answer = await service.ask("Combien d'utilisateurs hebdomadaires compte ChatGPT ?")
    assert answer.answered
    assert "400 millions" in answer.citations[0].quote
    assert answer.citations[0].article.path == "corpus/000_9209ec4dec1a7abb.txt"


async def test_restart_with_unchanged_folder_builds_from_the_store_without_parsing(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(tmp_path, corpus)
    async with await NewsService.open(settings):
        pass

    def no_parsing(*args: object, **kwargs: object) -> None:
        raise AssertionError("start-up re-parsed a file although the folder did not change")

    monkeypatch.setattr(service_module, "parse_article", no_parsing)
    async with await NewsService.open(settings) as service:
        answer = await service.ask("Pour combien HP a-t-il racheté Humane ?")
        assert len(service.engine.articles) == 5
    assert "116 millions" in answer.citations[0].quote


def refuse_to_build_an_index(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_build(*args: object, **kwargs: object) -> None:
        raise AssertionError("the index was built although a saved one matched the corpus")

    monkeypatch.setattr(engine_module, "build_index", no_build)


async def test_restart_loads_the_saved_index_instead_of_building_it(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(tmp_path, corpus)
    async with await NewsService.open(settings):
        pass
    assert settings.index_path.is_file()

    refuse_to_build_an_index(monkeypatch)
    async with await NewsService.open(settings) as service:
        answer = await service.ask("Combien d'utilisateurs hebdomadaires compte ChatGPT ?")
        unknown = await service.ask("Que pense Zorglub de DeepSeek ?")
    assert "400 millions" in answer.citations[0].quote
    assert unknown.reason == "unknown_name"  # the saved vocabulary came back too


async def test_a_restart_after_a_reload_never_serves_an_older_saved_index(tmp_path: Path, corpus: Path) -> None:
    (corpus / "zorglub.txt").write_text(PRICE_V1, encoding="utf-8")
    settings = settings_for(tmp_path, corpus)
    async with await NewsService.open(settings):
        pass
    old_index = settings.index_path.read_bytes()
    async with await NewsService.open(settings) as service:
        # Another article in the same file, with as many passages: only the words differ.
        (corpus / "zorglub.txt").write_text(ROBOT, encoding="utf-8")
        assert (await service.reload()).updated == ("corpus/zorglub.txt",)
    settings.index_path.write_bytes(old_index)  # as if saving the new one had failed

    async with await NewsService.open(settings) as service:
        answer = await service.ask("Que trie le robot Brindille ?")
        gone = await service.ask(QUESTION)
    assert answer.answered and "feuilles mortes" in answer.citations[0].quote
    assert not gone.answered


async def test_a_damaged_saved_index_is_rebuilt_and_saved_again(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(tmp_path, corpus)
    async with await NewsService.open(settings):
        pass
    settings.index_path.write_bytes(settings.index_path.read_bytes()[:1000])
    async with await NewsService.open(settings) as service:
        first = await service.ask("Pour combien HP a-t-il racheté Humane ?")

    refuse_to_build_an_index(monkeypatch)
    async with await NewsService.open(settings) as service:
        second = await service.ask("Pour combien HP a-t-il racheté Humane ?")
    assert "116 millions" in first.citations[0].quote
    assert second == first


async def test_an_unwritable_index_location_only_costs_the_next_start_time(tmp_path: Path, corpus: Path) -> None:
    settings = settings_for(tmp_path, corpus)
    settings.index_path.parent.mkdir(parents=True)
    settings.index_path.mkdir()  # a folder where the file should go: every save fails
    async with await NewsService.open(settings):
        pass
    async with await NewsService.open(settings) as service:
        answer = await service.ask("Pour combien HP a-t-il racheté Humane ?")
    assert "116 millions" in answer.citations[0].quote


async def test_restart_does_not_read_files_whose_signature_is_unchanged(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(corpus_module, "RACY_WINDOW_NS", 0)  # the copied files count as old
    settings = settings_for(tmp_path, corpus)
    async with await NewsService.open(settings):
        pass

    def no_reading(*args: object) -> bytes:
        raise AssertionError("an unchanged file was read again")

    monkeypatch.setattr(service_module, "read_file", no_reading)
    async with await NewsService.open(settings) as service:
        answer = await service.ask("Pour combien HP a-t-il racheté Humane ?")
        report = await service.reload()
    assert "116 millions" in answer.citations[0].quote
    assert report.ok and report.unchanged == 5 and not report.failures


@pytest.mark.parametrize("trust_recent_files", [False, True])
async def test_a_rewrite_keeping_size_and_modification_time_is_still_reloaded(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch, trust_recent_files: bool
) -> None:
    """``cp -p`` or ``rsync -t`` can rewrite a file and set its old modification time back:
    the change time still moves, and a file written just before a scan is read again."""
    if trust_recent_files:
        monkeypatch.setattr(corpus_module, "RACY_WINDOW_NS", 0)
    article = corpus / "zorglub.txt"
    article.write_text(PRICE_V1, encoding="utf-8")
    async with await NewsService.open(settings_for(tmp_path, corpus)) as service:
        before = article.stat()
        article.write_text(PRICE_V1.replace("12 euros", "19 euros"), encoding="utf-8")
        os.utime(article, ns=(before.st_atime_ns, before.st_mtime_ns))
        assert article.stat().st_size == before.st_size
        report = await service.reload()
        answer = await service.ask(QUESTION)
    assert report.updated == ("corpus/zorglub.txt",)
    assert "19 euros" in answer.citations[0].quote


async def test_reload_with_nothing_changed_keeps_the_live_index(tmp_path: Path, corpus: Path) -> None:
    async with await NewsService.open(settings_for(tmp_path, corpus)) as service:
        engine_before = service.engine
        report = await service.reload()
        assert service.engine is engine_before
    assert report.ok and report.unchanged == 5
    assert (report.added, report.updated, report.removed, report.failures) == ((), (), (), ())


async def start_with_an_older_pipeline(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """Load the corpus as an older newsbot would have, one whose parser read the Zorglub
    price (19 euros in the file) as 12 euros, and leave it in the store."""
    real_parse = service_module.parse_article

    def old_parse(*args: object) -> Article:
        article = real_parse(*args)  # type: ignore[arg-type]
        return dataclasses.replace(article, text=article.text.replace("19 euros", "12 euros"))

    with monkeypatch.context() as old_version:
        old_version.setattr(service_module, "parse_article", old_parse)
        old_version.setattr(service_module, "pipeline_id", lambda: "0+pystemmer-old")
        async with await NewsService.open(settings) as service:
            assert "12 euros" in (await service.ask(QUESTION)).citations[0].quote


async def test_after_an_upgrade_that_parses_differently_every_file_is_parsed_again(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (corpus / "zorglub.txt").write_text(PRICE_V2, encoding="utf-8")
    settings = settings_for(tmp_path, corpus)
    await start_with_an_older_pipeline(settings, monkeypatch)

    async with await NewsService.open(settings) as service:
        answer = await service.ask(QUESTION)
        stats = await service.stats()
    assert "19 euros" in answer.citations[0].quote
    assert stats.store.last_reload is not None and stats.store.last_reload.updated == 6


async def test_a_file_that_fails_is_reported_at_every_reload_until_fixed(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(corpus_module, "RACY_WINDOW_NS", 0)  # signatures are trusted at once
    (corpus / "zorglub.txt").write_text(PRICE_V1, encoding="utf-8")
    async with await NewsService.open(settings_for(tmp_path, corpus)) as service:
        (corpus / "zorglub.txt").write_bytes(b"\xff\xfe garbage")
        first = await service.reload()
        second = await service.reload()
        (corpus / "zorglub.txt").write_text(PRICE_V2, encoding="utf-8")
        fixed = await service.reload()
        answer = await service.ask(QUESTION)
    assert [f.path for f in first.failures] == [f.path for f in second.failures] == ["corpus/zorglub.txt"]
    assert fixed.updated == ("corpus/zorglub.txt",) and not fixed.failures
    assert "19 euros" in answer.citations[0].quote


async def test_an_article_the_new_pipeline_could_not_parse_is_parsed_again_later(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (corpus / "zorglub.txt").write_text(PRICE_V2, encoding="utf-8")
    settings = settings_for(tmp_path, corpus)
    await start_with_an_older_pipeline(settings, monkeypatch)
    real_parse = service_module.parse_article

    def new_parse_failing_on_zorglub(rel: str, *args: object) -> Article:
        if rel.endswith("zorglub.txt"):
            raise ArticleError("cannot read the file: Permission denied")
        return real_parse(rel, *args)  # type: ignore[arg-type]

    with monkeypatch.context() as unreadable:
        unreadable.setattr(service_module, "parse_article", new_parse_failing_on_zorglub)
        async with await NewsService.open(settings) as service:
            upgraded = (await service.stats()).store.last_reload
    async with await NewsService.open(settings) as service:
        answer = await service.ask(QUESTION)
    assert upgraded is not None and [f.path for f in upgraded.failures] == ["corpus/zorglub.txt"]
    assert "19 euros" in answer.citations[0].quote


async def test_a_reload_overtaken_by_another_process_changes_nothing_and_can_be_retried(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (corpus / "zorglub.txt").write_text(PRICE_V1, encoding="utf-8")
    settings = settings_for(tmp_path, corpus)
    async with await NewsService.open(settings) as bot, await NewsService.open(settings) as cli:
        (corpus / "zorglub.txt").write_text(PRICE_V2, encoding="utf-8")
        real_apply = bot.store.apply_reload

        async def cli_reloads_first(*args: object, **kwargs: object) -> object:
            # Between the bot's plan (and its new engine) and its transaction.
            assert (await cli.reload()).updated == ("corpus/zorglub.txt",)
            return await real_apply(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(bot.store, "apply_reload", cli_reloads_first)
        overtaken = await bot.reload()
        monkeypatch.undo()
        still_old = await bot.ask(QUESTION)
        retried = await bot.reload()
        answer = await bot.ask(QUESTION)
    assert not overtaken.ok and "Run the reload again" in (overtaken.error or "")
    assert "12 euros" in still_old.citations[0].quote
    assert retried.ok and "19 euros" in answer.citations[0].quote


async def test_reload_reports_added_updated_removed_and_failed_files_exactly(tmp_path: Path, corpus: Path) -> None:
    (corpus / "zorglub.txt").write_text(PRICE_V1, encoding="utf-8")
    async with await NewsService.open(settings_for(tmp_path, corpus)) as service:
        before = await service.ask(QUESTION)
        (corpus / "zorglub.txt").write_text(PRICE_V2, encoding="utf-8")
        (corpus / "new.md").write_text(
            "# Le robot Brindille\n\nLe robot Brindille de la société Ecorce trie les feuilles mortes du parc "
            "municipal de Rennes en moins de dix minutes chaque matin.\n",
            encoding="utf-8",
        )
        (corpus / "004_3ee402626e42975a.txt").unlink()
        (corpus / "empty.txt").write_bytes(b"")
        (corpus / "latin1.txt").write_bytes("Un café à Brest coûte désormais trois euros.".encode("latin-1"))

        report = await service.reload(requested_by="test")
        after = await service.ask(QUESTION)
        robot = await service.ask("Que trie le robot Brindille ?")
        microsoft = await service.ask("Combien Microsoft prévoit-il d'investir dans l'IA cette année ?")

    assert report.ok
    assert report.added == ("corpus/new.md",)
    assert report.updated == ("corpus/zorglub.txt",)
    assert report.removed == ("corpus/004_3ee402626e42975a.txt",)
    assert report.unchanged == 4
    assert {f.path for f in report.failures} == {"corpus/empty.txt", "corpus/latin1.txt"}
    assert "empty" in dict((f.path, f.reason) for f in report.failures)["corpus/empty.txt"]
    assert "UTF-8" in dict((f.path, f.reason) for f in report.failures)["corpus/latin1.txt"]
    assert report.articles == 6
    assert "12 euros" in before.citations[0].quote
    assert "19 euros" in after.citations[0].quote
    assert robot.answered and "feuilles mortes" in robot.citations[0].quote
    assert all(c.article.path != "corpus/004_3ee402626e42975a.txt" for c in microsoft.citations)


async def test_a_file_that_breaks_keeps_its_previous_version(tmp_path: Path, corpus: Path) -> None:
    (corpus / "zorglub.txt").write_text(PRICE_V1, encoding="utf-8")
    async with await NewsService.open(settings_for(tmp_path, corpus)) as service:
        (corpus / "zorglub.txt").write_bytes(b"\xff\xfe garbage \x00\x01")
        report = await service.reload()
        answer = await service.ask(QUESTION)
    assert [f.path for f in report.failures] == ["corpus/zorglub.txt"]
    assert report.removed == ()
    assert "12 euros" in answer.citations[0].quote


async def test_reload_that_fails_halfway_leaves_database_and_live_index_unchanged(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (corpus / "zorglub.txt").write_text(PRICE_V1, encoding="utf-8")
    settings = settings_for(tmp_path, corpus)
    async with await NewsService.open(settings) as service:
        engine_before = service.engine
        hashes_before = await stored_hashes(service)
        (corpus / "zorglub.txt").write_text(PRICE_V2, encoding="utf-8")
        (corpus / "extra.txt").write_text(PRICE_V2.replace("Zorglub", "Bidule"), encoding="utf-8")

        real_apply = service.store.apply_reload

        async def apply_then_fail(*args: object, **kwargs: object) -> int:
            # Let the real transaction run its writes, then fail inside it: the injected
            # fault fires after the first upsert, as a full disk would.
            async def exploding_insert_run(*a: object, **k: object) -> int:
                raise sqlite3.OperationalError("database or disk is full")

            monkeypatch.setattr(service.store, "_insert_run", exploding_insert_run)
            return await real_apply(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(service.store, "apply_reload", apply_then_fail)
        report = await service.reload()
        answer = await service.ask(QUESTION)
        assert service.engine is engine_before
        assert await stored_hashes(service) == hashes_before
    assert not report.ok
    assert "is full" in (report.error or "")
    assert "12 euros" in answer.citations[0].quote


async def test_reload_that_raises_while_parsing_keeps_the_old_corpus(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with await NewsService.open(settings_for(tmp_path, corpus)) as service:
        engine_before = service.engine
        (corpus / "zorglub.txt").write_text(PRICE_V1, encoding="utf-8")

        def broken_split(article: object) -> None:
            raise MemoryError("simulated crash in the parser")

        monkeypatch.setattr(service_module, "split_passages", broken_split)
        report = await service.reload()
        assert service.engine is engine_before
        assert "corpus/zorglub.txt" not in await stored_hashes(service)
    assert not report.ok


async def test_second_reload_waits_for_the_first_or_is_refused(tmp_path: Path, corpus: Path) -> None:
    async with await NewsService.open(settings_for(tmp_path, corpus)) as service:
        first = asyncio.create_task(service.reload())
        await asyncio.sleep(0)
        assert service.reload_running
        with pytest.raises(ReloadInProgress):
            await service.reload(wait=False)
        second = await service.reload()
        assert (await first).ok and second.ok


def write_generated_articles(folder: Path, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    words = [f"mot{i}" for i in range(3000)]
    for i in range(count):
        sentences = [
            " ".join(rng.choice(words) for _ in range(rng.randint(8, 20))).capitalize() + "."
            for _ in range(rng.randint(4, 9))
        ]
        (folder / f"gen_{i:05d}.txt").write_text(f"Dépêche numéro {i}\n" + " ".join(sentences) + "\n", encoding="utf-8")


async def test_questions_during_a_large_reload_come_from_one_corpus_version(tmp_path: Path, corpus: Path) -> None:
    (corpus / "zorglub.txt").write_text(PRICE_V1, encoding="utf-8")
    async with await NewsService.open(settings_for(tmp_path, corpus)) as service:
        write_generated_articles(corpus, 2000)
        (corpus / "zorglub.txt").write_text(PRICE_V2, encoding="utf-8")
        reload = asyncio.create_task(service.reload())
        seen: list[str] = []
        while not reload.done():
            answer = await service.ask(QUESTION)
            quote = answer.citations[0].quote
            article_text = answer.citations[0].article.text
            # The quote and the article it cites belong to the same version.
            assert quote in article_text
            seen.append("old" if "12 euros" in quote else "new")
            await asyncio.sleep(0.01)
        report = await reload
        final = await service.ask(QUESTION)
    assert report.ok and report.added and len(report.added) == 2000
    assert "19 euros" in final.citations[0].quote
    # The event loop stayed free: many questions were answered while the reload ran, all
    # from the old corpus (the swap happens when the reload completes).
    assert len(seen) >= 5
    assert set(seen) == {"old"}


async def test_empty_corpus_folder_is_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    with pytest.raises(ServiceError, match="no usable articles"):
        await NewsService.open(settings_for(tmp_path, folder))


async def test_headlines_put_dated_articles_first_newest_first(tmp_path: Path) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    body = "Le conseil municipal a voté le budget de la piscine et des écoles pour l'année prochaine."
    (folder / "a.txt").write_text(f"---\ntitle: Ancien\npublished: 2024-05-01\n---\n{body}\n", encoding="utf-8")
    (folder / "b.txt").write_text(
        f"---\ntitle: Récent\npublished: 2025-02-10\nsource: Ouest-France\n---\n{body}\n", encoding="utf-8"
    )
    (folder / "c.txt").write_text(f"Sans date\n{body}\n", encoding="utf-8")
    async with await NewsService.open(settings_for(tmp_path, folder)) as service:
        rows = await service.headlines(10)
    assert [row.article.title for row in rows] == ["Récent", "Ancien", "Sans date"]
    assert rows[0].article.source == "Ouest-France"
    assert rows[2].article.published is None


async def test_stats_count_questions_and_list_unanswered_ones(tmp_path: Path, corpus: Path) -> None:
    async with await NewsService.open(settings_for(tmp_path, corpus)) as service:
        await service.ask("Combien d'utilisateurs hebdomadaires compte ChatGPT ?")
        for _ in range(2):
            await service.ask("Quand sortira GPT-5 ?")
        stats = await service.stats()
    assert stats.live_articles == 5
    assert (stats.store.asked_day, stats.store.answered_day) == (3, 1)
    assert stats.store.top_unanswered[0] == ("Quand sortira GPT-5 ?", 2)
    assert stats.store.last_reload is not None and stats.store.last_reload.requested_by == "startup"


async def test_question_logging_can_be_turned_off(tmp_path: Path, corpus: Path) -> None:
    async with await NewsService.open(settings_for(tmp_path, corpus, log_questions=False)) as service:
        await service.ask("Combien d'utilisateurs hebdomadaires compte ChatGPT ?")
        stats = await service.stats()
    assert stats.store.asked_week == 0


async def test_a_locked_database_does_not_cost_the_user_an_answer(tmp_path: Path, corpus: Path) -> None:
    settings = settings_for(tmp_path, corpus)
    async with await NewsService.open(settings) as service:
        blocker = sqlite3.connect(settings.db_path, timeout=0.1)
        blocker.execute("BEGIN IMMEDIATE")
        answer = await service.ask("Combien d'utilisateurs hebdomadaires compte ChatGPT ?")
        assert answer.answered and "400 millions" in answer.citations[0].quote
        blocker.rollback()
        blocker.close()


# --------------------------------------------------------------------------- never lose the corpus


def empty_the_folder(corpus: Path) -> None:
    for file in corpus.iterdir():
        file.unlink()


async def test_a_reload_of_an_emptied_folder_is_refused_and_keeps_every_article(tmp_path: Path, corpus: Path) -> None:
    async with await NewsService.open(settings_for(tmp_path, corpus)) as service:
        empty_the_folder(corpus)
        report = await service.reload()
        answer = await service.ask("Pour combien HP a-t-il racheté Humane ?")
        assert len(await stored_hashes(service)) == 5
    assert not report.ok and report.refused and "remove 5 of the 5" in (report.error or "")
    assert report.articles == 5 and "116 millions" in answer.citations[0].quote


async def test_a_reload_removing_more_than_the_allowed_share_is_refused_unless_forced(
    tmp_path: Path, corpus: Path
) -> None:
    async with await NewsService.open(settings_for(tmp_path, corpus, max_removed_share=0.5)) as service:
        for file in sorted(corpus.iterdir())[:3]:
            file.unlink()
        refused = await service.reload()
        forced = await service.reload(allow_shrink=True)
    assert refused.refused and not refused.ok
    assert forced.ok and len(forced.removed) == 3 and forced.articles == 2


async def test_a_reload_removing_less_than_the_share_goes_through(tmp_path: Path, corpus: Path) -> None:
    async with await NewsService.open(settings_for(tmp_path, corpus)) as service:
        min(corpus.iterdir()).unlink()
        report = await service.reload()
    assert report.ok and len(report.removed) == 1


async def test_a_reload_of_a_missing_folder_changes_nothing(tmp_path: Path, corpus: Path) -> None:
    async with await NewsService.open(settings_for(tmp_path, corpus)) as service:
        shutil.rmtree(corpus)
        report = await service.reload()
        assert len(await stored_hashes(service)) == 5 and len(service.engine.articles) == 5
    assert not report.ok and "does not exist" in (report.error or "")


async def test_starting_on_an_emptied_folder_serves_the_stored_corpus(tmp_path: Path, corpus: Path) -> None:
    settings = settings_for(tmp_path, corpus)
    async with await NewsService.open(settings):
        pass
    empty_the_folder(corpus)
    async with await NewsService.open(settings) as service:
        answer = await service.ask("Pour combien HP a-t-il racheté Humane ?")
        assert len(await stored_hashes(service)) == 5
    assert "116 millions" in answer.citations[0].quote


# --------------------------------------------------------------------------- known-bad files


async def test_an_unchanged_bad_file_is_reported_but_forces_no_parse_nor_rebuild(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(corpus_module, "RACY_WINDOW_NS", 0)  # signatures are trusted at once
    (corpus / "vide.txt").write_text("", encoding="utf-8")
    settings = settings_for(tmp_path, corpus)
    async with await NewsService.open(settings) as service:
        first_run = (await service.stats()).store.last_reload

    def no_parsing(*args: object, **kwargs: object) -> None:
        raise AssertionError("a known-bad file was parsed again")

    monkeypatch.setattr(service_module, "parse_article", no_parsing)
    monkeypatch.setattr(service_module, "read_file", no_parsing)
    refuse_to_build_an_index(monkeypatch)
    async with await NewsService.open(settings) as service:
        restart_run = (await service.stats()).store.last_reload
        report = await service.reload()
    assert first_run is not None and restart_run is not None and restart_run.id == first_run.id  # no startup row
    assert [f.path for f in report.failures] == ["corpus/vide.txt"] and report.ok


async def test_a_fixed_bad_file_is_read_again(tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(corpus_module, "RACY_WINDOW_NS", 0)
    (corpus / "zorglub.txt").write_text("", encoding="utf-8")
    async with await NewsService.open(settings_for(tmp_path, corpus)) as service:
        (corpus / "zorglub.txt").write_text(PRICE_V1, encoding="utf-8")
        report = await service.reload()
        answer = await service.ask(QUESTION)
    assert report.added == ("corpus/zorglub.txt",) and not report.failures
    assert "12 euros" in answer.citations[0].quote


async def test_an_unchanged_broken_manifest_is_reported_but_forces_no_rebuild(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(corpus_module, "RACY_WINDOW_NS", 0)
    (corpus / "manifest.json").write_text("{not json", encoding="utf-8")
    settings = settings_for(tmp_path, corpus)
    async with await NewsService.open(settings) as service:
        first_run = (await service.stats()).store.last_reload
    refuse_to_build_an_index(monkeypatch)
    async with await NewsService.open(settings) as service:
        restart_run = (await service.stats()).store.last_reload
        report = await service.reload()
    assert first_run is not None and restart_run is not None and restart_run.id == first_run.id
    assert [f.path for f in report.failures] == ["corpus/manifest.json"]


async def test_abandoned_temporary_snapshots_are_removed_at_start(tmp_path: Path, corpus: Path) -> None:
    settings = settings_for(tmp_path, corpus)
    settings.index_path.parent.mkdir(parents=True)
    abandoned = settings.index_path.parent / f".{settings.index_path.name}.k1ll3d.tmp"
    being_written = settings.index_path.parent / f".{settings.index_path.name}.wr1t1n.tmp"
    abandoned.write_bytes(b"half a snapshot")
    being_written.write_bytes(b"a snapshot in progress")
    an_hour_ago = os.path.getmtime(abandoned) - 3600
    os.utime(abandoned, (an_hour_ago, an_hour_ago))
    async with await NewsService.open(settings):
        pass
    assert not abandoned.exists() and being_written.exists()


# --------------------------------------------------------------------------- links out of the folder

SECRET = """Notes privées
Le mot de passe du serveur de paie est Tournesol-8842 et il ne doit jamais sortir de ce fichier. Le serveur est redémarré chaque lundi.
"""


def link_outside(tmp_path: Path, corpus: Path) -> None:
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "notes.txt").write_text(SECRET, encoding="utf-8")
    (corpus / "secret.txt").symlink_to(outside / "notes.txt")


async def test_a_link_out_of_the_corpus_folder_is_reported_and_never_quoted(tmp_path: Path, corpus: Path) -> None:
    link_outside(tmp_path, corpus)
    async with await NewsService.open(settings_for(tmp_path, corpus)) as service:
        report = await service.reload()
        answer = await service.ask("Quel est le mot de passe du serveur de paie ?")
        stored = await stored_hashes(service)
    assert "corpus/secret.txt" not in stored
    assert [f.path for f in report.failures] == ["corpus/secret.txt"]
    assert "outside the corpus folder" in report.failures[0].reason
    assert all("Tournesol" not in c.quote for c in answer.citations)


async def test_links_out_of_the_folder_are_read_when_the_setting_allows(tmp_path: Path, corpus: Path) -> None:
    link_outside(tmp_path, corpus)
    async with await NewsService.open(settings_for(tmp_path, corpus, follow_outside_links=True)) as service:
        stored = await stored_hashes(service)
    assert "corpus/secret.txt" in stored


async def test_a_link_to_an_article_of_the_folder_is_stored_once(tmp_path: Path, corpus: Path) -> None:
    (corpus / "sub").mkdir()
    (corpus / "sub" / "zorglub.txt").write_text(PRICE_V1, encoding="utf-8")
    (corpus / "alias.txt").symlink_to(corpus / "sub" / "zorglub.txt")
    async with await NewsService.open(settings_for(tmp_path, corpus)) as service:
        stored = await stored_hashes(service)
    assert "corpus/sub/zorglub.txt" in stored and "corpus/alias.txt" not in stored


# --------------------------------------------------------------------------- another process's reload


async def test_a_reload_by_another_process_is_followed(tmp_path: Path, corpus: Path) -> None:
    settings = settings_for(tmp_path, corpus)
    async with await NewsService.open(settings) as bot, await NewsService.open(settings) as cli:
        assert not await bot.follow_store()  # nothing changed yet
        (corpus / "zorglub.txt").write_text(PRICE_V1, encoding="utf-8")
        assert (await cli.reload()).added == ("corpus/zorglub.txt",)
        before = await bot.ask(QUESTION)
        assert await bot.follow_store()
        after = await bot.ask(QUESTION)
        assert not await bot.follow_store()
    assert not before.answered or "12 euros" not in before.citations[0].quote
    assert "12 euros" in after.citations[0].quote


# --------------------------------------------------------------------------- writes


async def test_a_reload_that_finds_nothing_changed_does_not_rewrite_the_articles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "big"
    folder.mkdir()
    for n in range(20):
        sentences = [f"Le robot {n}-{i} trie les feuilles mortes du parc {i} de la ville {n}." for i in range(1500)]
        (folder / f"article{n:02d}.txt").write_text(f"Article {n}\n" + " ".join(sentences) + "\n", encoding="utf-8")
    text_bytes = sum(f.stat().st_size for f in folder.iterdir())
    settings = settings_for(tmp_path, folder)
    async with await NewsService.open(settings) as service:
        checkpoint = sqlite3.connect(settings.db_path)
        checkpoint.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        checkpoint.close()
        # The files were just written, so the first load could not trust their signatures;
        # now it can, and the reload stores them: bookkeeping, not article text.
        monkeypatch.setattr(corpus_module, "RACY_WINDOW_NS", 0)
        report = await service.reload()
        wal = settings.db_path.with_name(settings.db_path.name + "-wal")
        written = wal.stat().st_size if wal.exists() else 0
    assert report.ok and report.unchanged == 20
    assert written < text_bytes / 10, f"a no-change reload wrote {written} bytes for {text_bytes} of articles"


async def test_a_long_running_service_forgets_answers_past_their_retention(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with await NewsService.open(settings_for(tmp_path, corpus, question_retention_days=30)) as service:
        old = "2000-01-01T00:00:00.000000+00:00"
        await service.store.remember_answer(1, asked_at=old, question="Quand ?", lang="fr", citations=[], shown=1)
        monkeypatch.setattr(service_core, "PURGE_EVERY_S", 0.0)  # a day has passed since the start
        answer = await service.ask("Combien a coûté l'entraînement de DeepSeek R1 ?")
        service.remember_answer(answer, shown=1)
        await service.settle()
        assert await service.store.stored_answer(1) is None
