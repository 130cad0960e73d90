"""Reloads and feed polls derive the next engine from the live one (``Engine.updated``):
after random sequences of files added, changed and removed (and web articles imported), the
service answers and searches exactly as a fresh start on the same folder and store, and a
restart from the snapshot updated by segment loads that same corpus."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

import retrieval.engine as engine_module
from bot.config import Settings
from bot.feeds.items import article_from_file
from bot.service import NewsService
from retrieval.engine import Engine

ROOT = Path(__file__).resolve().parents[3]
WORDS = "tarte prune robot Brindille Quimper Rennes pâtissier feuilles parc boutique matin euros".split()
QUESTIONS = [
    "Combien a coûté l'entraînement de DeepSeek R1 ?",
    "Qui est à l'origine de DeepSeek ?",
    "Combien coûte la tarte aux prunes à Quimper ?",
    "Que trie le robot Brindille ?",
    "Pour combien HP a-t-il racheté Humane ?",
]


def settings_for(tmp_path: Path, corpus: Path, name: str) -> Settings:
    folder = tmp_path / name
    return Settings(corpus_dir=corpus, db_path=folder / "newsbot.sqlite3", data_dir=folder)


def _text(rng: random.Random) -> str:
    sentences = [
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))).capitalize() + "."
        for _ in range(rng.randint(2, 8))
    ]
    return f"Dépêche {rng.choice(WORDS)}\n" + " ".join(sentences) + "\n"


def _same_search(engine: Engine, fresh: Engine) -> None:
    assert engine.passages == fresh.passages
    for words in [*([w] for w in WORDS), WORDS[:4], WORDS[3:9], ["deepseek", "prune"]]:
        terms = engine.terms(" ".join(words), "fr")
        assert engine.search(terms, k=8) == fresh.search(terms, k=8), words


async def _fresh_answers(tmp_path: Path, corpus: Path, name: str) -> tuple[list[object], Engine]:
    """Answers of a service started from nothing on ``corpus`` (a copy, with its own store)."""
    target = tmp_path / name / corpus.name  # the same folder name: the same article paths
    shutil.copytree(corpus, target)
    async with await NewsService.open(settings_for(tmp_path, target, f"{name}-db")) as fresh:
        return [await fresh.ask(q) for q in QUESTIONS], fresh.engine


def _no_build(*args: object, **kwargs: object) -> None:
    raise AssertionError("the whole index was built")


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_random_reloads_answer_as_a_fresh_start(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "seeds", corpus)
    settings = settings_for(tmp_path, corpus, "live")
    async with await NewsService.open(settings) as service:
        for step in range(6):
            files = sorted(corpus.glob("*.txt"))
            kind = rng.choice(["add", "add", "change", "remove"])
            if kind == "add" or len(files) < 3:
                (corpus / f"{rng.choice('0a5z')}{step}_{seed}.txt").write_text(_text(rng), encoding="utf-8")
            elif kind == "change":
                rng.choice(files).write_text(_text(rng), encoding="utf-8")
            else:
                rng.choice(files).unlink()
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(engine_module, "build_index", _no_build)  # derived from the live engine
                report = await service.reload()
            assert report.ok, report.error
            answers = [await service.ask(q) for q in QUESTIONS]
            fresh_answers, fresh_engine = await _fresh_answers(tmp_path, corpus, f"fresh{step}")
            assert answers == fresh_answers, (step, kind)
            _same_search(service.engine, fresh_engine)
        await service.settle()
        live = service.engine
        live_answers = [await service.ask(q) for q in QUESTIONS]

    # A restart reads the snapshot the reloads updated by segment, without building anything.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine_module, "build_index", _no_build)
        async with await NewsService.open(settings) as restarted:
            assert [await restarted.ask(q) for q in QUESTIONS] == live_answers
            _same_search(restarted.engine, live)


async def test_a_reload_with_one_changed_file_answers_as_a_fresh_start(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "seeds", corpus)
    (corpus / "zorglub.txt").write_text(
        "La tarte de Zorglub\nLe pâtissier Zorglub vend sa tarte aux prunes pour 12 euros pièce à Quimper.\n",
        encoding="utf-8",
    )
    async with await NewsService.open(settings_for(tmp_path, corpus, "live")) as service:
        (corpus / "zorglub.txt").write_text(
            "La tarte de Zorglub\nLe pâtissier Zorglub vend désormais sa tarte aux prunes pour 19 euros à Quimper.\n",
            encoding="utf-8",
        )
        assert (await service.reload()).updated == ("corpus/zorglub.txt",)
        answers = [await service.ask(q) for q in [*QUESTIONS, "Combien coûte la tarte de Zorglub ?"]]
        engine = service.engine
    async with await NewsService.open(settings_for(tmp_path, corpus, "fresh")) as fresh:
        assert [await fresh.ask(q) for q in [*QUESTIONS, "Combien coûte la tarte de Zorglub ?"]] == answers
        _same_search(engine, fresh.engine)
    assert "19 euros" in answers[-1].citations[0].quote


async def test_imported_web_articles_are_added_incrementally_and_survive_a_restart(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "seeds", corpus)
    page = tmp_path / "page.txt"
    page.write_text(
        "Le robot Brindille\nLe robot Brindille de la société Ecorce trie les feuilles mortes du parc de Rennes.\n",
        encoding="utf-8",
    )
    settings = settings_for(tmp_path, corpus, "live")
    async with await NewsService.open(settings) as service:
        before = len(service.engine)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(engine_module, "build_index", _no_build)
            outcome = await service.add_web_articles([article_from_file(page)], requested_by="test")
        assert len(outcome.added) == 1 and len(service.engine) > before
        answer = await service.ask("Que trie le robot Brindille ?")
        await service.settle()
    assert answer.answered and "feuilles mortes" in answer.citations[0].quote
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine_module, "build_index", _no_build)
        async with await NewsService.open(settings) as restarted:
            assert await restarted.ask("Que trie le robot Brindille ?") == answer
