"""Saved engine state: a restart answers exactly as the engine that was saved, and any
snapshot that is not for this corpus version is ignored rather than served."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from retrieval.corpus import load_corpus
from retrieval.corpus.passages import split_passages
from retrieval.engine import Engine
from retrieval.index import persist as snapshot_module
from retrieval.snapshot import read_snapshot, write_snapshot

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = [
    json.loads(line)["q"]
    for name in ("dev.jsonl", "dev-more.jsonl")
    for line in (ROOT / "tests" / "data" / name).read_text(encoding="utf-8").splitlines()
    if line.strip()
]


@pytest.fixture(scope="module")
def seeds() -> tuple[list, list]:
    result = load_corpus(ROOT / "seeds")
    passages = [p for article in result.articles for p in split_passages(article)]
    return result.articles, passages


@pytest.fixture(scope="module")
def engine(seeds: tuple[list, list]) -> Engine:
    return Engine(*seeds)


def test_restored_engine_gives_the_same_answers(tmp_path: Path, seeds: tuple[list, list], engine: Engine) -> None:
    path = tmp_path / "index.npz"
    write_snapshot(path, engine, "gen-1")
    state = read_snapshot(path, "gen-1", len(engine))
    assert state is not None
    restored = Engine(*seeds, state=state)
    for question in QUESTIONS:
        assert restored.answer(question) == engine.answer(question), question
    assert restored.knows_name("Liang") and not restored.knows_name("Zorglub")


def test_snapshot_of_another_corpus_version_is_not_used(tmp_path: Path, engine: Engine) -> None:
    path = tmp_path / "index.npz"
    write_snapshot(path, engine, "gen-1")
    assert read_snapshot(path, "gen-2", len(engine)) is None
    assert read_snapshot(path, "gen-1", len(engine) + 1) is None


def test_missing_file_reads_as_no_snapshot(tmp_path: Path) -> None:
    assert read_snapshot(tmp_path / "absent.npz", "gen-1", 10) is None


@pytest.mark.parametrize("damage", ["truncated", "garbage", "flipped byte", "plain npy", "other format"])
def test_damaged_snapshot_reads_as_no_snapshot(
    tmp_path: Path, engine: Engine, damage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "index.npz"
    write_snapshot(path, engine, "gen-1")
    data = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(b"not a snapshot at all")
    elif damage == "flipped byte":
        # Inside the postings, past the small header members: the zip CRC catches it.
        middle = len(data) // 2
        path.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :])
    elif damage == "plain npy":
        with path.open("wb") as file:
            np.save(file, np.arange(10))
    else:  # written by another version of newsbot
        with monkeypatch.context() as patch:
            patch.setattr(snapshot_module, "SNAPSHOT_FORMAT", snapshot_module.SNAPSHOT_FORMAT + 1)
            write_snapshot(path, engine, "gen-1")
    assert read_snapshot(path, "gen-1", len(engine)) is None


def test_a_failed_write_leaves_no_file_behind(tmp_path: Path, engine: Engine) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(OSError):
        write_snapshot(blocker / "index.npz", engine, "gen-1")
    assert [p.name for p in tmp_path.iterdir()] == ["data"]


def test_rewriting_replaces_the_snapshot_atomically(tmp_path: Path, engine: Engine) -> None:
    path = tmp_path / "index.npz"
    write_snapshot(path, engine, "gen-1")
    write_snapshot(path, engine, "gen-2")
    assert read_snapshot(path, "gen-2", len(engine)) is not None
    assert read_snapshot(path, "gen-1", len(engine)) is None
    assert [p.name for p in tmp_path.iterdir()] == ["index.npz"]  # no temporary file left


def test_state_for_another_corpus_is_refused(seeds: tuple[list, list], engine: Engine) -> None:
    articles, passages = seeds
    with pytest.raises(ValueError, match="another corpus"):
        Engine(articles, passages[:-1], state=engine.state)
