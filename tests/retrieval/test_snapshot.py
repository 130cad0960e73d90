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
from retrieval import snapshot as snapshot_module
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


@pytest.mark.parametrize(
    "damage", ["truncated", "garbage", "flipped byte", "plain npy", "other format", "segment damaged", "segments gone"]
)
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
    elif damage == "segment damaged":
        (segment,) = snapshot_module.segments_folder(path).glob("passages/seg-*.npz")
        raw = segment.read_bytes()
        segment.write_bytes(raw[: len(raw) // 2] + bytes([raw[len(raw) // 2] ^ 0xFF]) + raw[len(raw) // 2 + 1 :])
    elif damage == "segments gone":
        for segment in snapshot_module.segments_folder(path).glob("*/seg-*.npz"):
            segment.unlink()
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
    # No temporary file left; the segment files are in their folder.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.npz", "index.npz.segments"]


def test_state_for_another_corpus_is_refused(seeds: tuple[list, list], engine: Engine) -> None:
    articles, passages = seeds
    with pytest.raises(ValueError, match="another corpus"):
        Engine(articles, passages[:-1], state=engine.state)


def test_a_snapshot_of_an_updated_engine_is_written_by_segment_and_restores_it(
    tmp_path: Path, seeds: tuple[list, list]
) -> None:
    """A restart after incremental updates: only the new segments and tombstones are
    written, and the state read back answers as the updated engine (and a fresh one) does."""
    articles, _ = seeds
    first = Engine(articles[:-2], [p for a in articles[:-2] for p in split_passages(a)])
    path = tmp_path / "index.npz"
    write_snapshot(path, first, "gen-1")
    folder = snapshot_module.segments_folder(path)
    before = {p: p.stat().st_ino for p in folder.glob("*/seg-*.npz")}
    changed = articles[0]
    updated = first.updated(
        [(a, split_passages(a), None) for a in [articles[-1], changed, articles[-2]]], [articles[1].path]
    )
    write_snapshot(path, updated, "gen-2")
    assert before and all(p.stat().st_ino == inode for p, inode in before.items())  # not rewritten
    assert len(list(folder.glob("*/seg-*.npz"))) == 2 * len(before) and list(folder.glob("passages/*.del-*"))
    state = read_snapshot(path, "gen-2", len(updated))
    assert state is not None
    kept = sorted([a for a in articles if a.path != articles[1].path], key=lambda a: a.path)
    passages = [p for a in kept for p in split_passages(a)]
    restored = Engine(kept, passages, state=state)
    fresh = Engine(kept, passages)
    for question in QUESTIONS:
        assert restored.answer(question) == updated.answer(question) == fresh.answer(question), question
    terms = fresh.terms("DeepSeek modèle coût Nvidia", "fr")
    assert restored.search(terms) == fresh.search(terms)
