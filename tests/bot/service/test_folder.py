"""Parsing the changed files of a reload: a large load is spread over worker processes and
must store exactly what one thread would."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import bot.service.folder as folder_module
from bot.config import Settings
from bot.service import NewsService
from bot.service.folder import parse_files, scan_folder
from retrieval.text.analyzers import Analyzers

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """The seeds, a hundred short dispatches, and two files that cannot be parsed."""
    folder = tmp_path / "articles"
    shutil.copytree(ROOT / "seeds", folder)
    for i in range(100):
        (folder / f"depeche_{i:03d}.txt").write_text(
            f"Dépêche {i}\nLa mairie de Quimper a voté {i} millions d'euros pour le pont numéro {i}. "
            f"Les travaux commenceront en {2026 + i % 3}.\n",
            encoding="utf-8",
        )
    (folder / "vide.txt").write_text("", encoding="utf-8")
    (folder / "binaire.txt").write_bytes(b"\x00\x01\x02" * 50)
    return folder


def test_worker_processes_parse_what_one_thread_parses(corpus: Path) -> None:
    changed = scan_folder(corpus, "g", {}).files
    one = parse_files(corpus, changed, {}, Analyzers(), workers=1)
    steps: list[tuple[str, int, int]] = []
    two = parse_files(corpus, changed, {}, Analyzers(), lambda *step: steps.append(step), workers=2)
    assert two == one
    assert len(one[0]) == 105 and {f.path.rsplit("/", 1)[-1] for f in one[1]} == {"vide.txt", "binaire.txt"}
    assert steps[-1] == ("parse", len(changed), len(changed))  # progress reaches the end


async def test_a_large_first_start_answers_as_a_small_one(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    question = "Combien la mairie de Quimper a-t-elle voté pour le pont numéro 42 ?"
    answers = []
    for name, threshold in (("pool", 1), ("thread", 10**9)):
        monkeypatch.setattr(folder_module, "PARALLEL_MIN_FILES", threshold)
        data = tmp_path / name
        settings = Settings(corpus_dir=corpus, db_path=data / "newsbot.sqlite3", data_dir=data)
        async with await NewsService.open(settings) as service:
            answer = await service.ask(question)
            answers.append((answer.answered, [(c.article.path, c.quote) for c in answer.citations]))
    assert answers[0] == answers[1]
    assert answers[0][0] and "42 millions" in answers[0][1][0][1]


def test_a_machine_that_cannot_start_worker_processes_parses_in_the_thread(
    corpus: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A container without /dev/shm cannot make the pool's semaphores: the load goes on."""

    def no_semaphores(*args: object, **kwargs: object) -> None:
        raise OSError(38, "Function not implemented")

    changed = scan_folder(corpus, "g", {}).files
    monkeypatch.setattr(folder_module, "ProcessPoolExecutor", no_semaphores)
    assert parse_files(corpus, changed, {}, Analyzers(), workers=2) == parse_files(
        corpus, changed, {}, Analyzers(), workers=1
    )
    assert "parsing in this thread instead" in caplog.text
