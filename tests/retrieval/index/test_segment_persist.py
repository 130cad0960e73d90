"""Persistence by segment (retrieval/index/segment_persist.py): a save writes only new or
changed files, a load gives back the same scores bit for bit, and a damaged or missing
file reads as "no snapshot"."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from retrieval.index.segment_persist import load_segments, save_segments
from retrieval.index.segments import SegmentedBM25

WORDS = [f"w{i}" for i in range(40)]


def _passages(rng: random.Random, count: int) -> list[list[str]]:
    weights = [1.0 / (i + 1) for i in range(len(WORDS))]
    return [rng.choices(WORDS, weights, k=rng.randint(1, 15)) for _ in range(count)]


def _same(a: SegmentedBM25, b: SegmentedBM25) -> None:
    assert a.handles().tolist() == b.handles().tolist()
    for q in (["w0"], ["w1", "w5", "w1"], ["w30", "w2", "nope"], WORDS[:8]):
        assert np.array_equal(a.get_scores(q).view(np.uint64), b.get_scores(q).view(np.uint64))
        assert a.top_k(q, 7) == b.top_k(q, 7)


@pytest.fixture
def index() -> SegmentedBM25:
    rng = random.Random(7)
    index = SegmentedBM25(_passages(rng, 200))
    index.add(_passages(rng, 30))
    index.remove([3, 50, 201])
    return index


def test_round_trip_and_incremental_save(tmp_path: Path, index: SegmentedBM25) -> None:
    folder = tmp_path / "snap"
    first = save_segments(folder, index, "gen-1")
    loaded = load_segments(folder, "gen-1")
    assert loaded is not None
    _same(index, loaded)
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}

    handles = index.add([["w1", "fresh"], ["w2", "w3"]])
    index.remove([10])
    second = save_segments(folder, index, "gen-2")
    assert second < first / 4  # the big segment was not rewritten
    names = {p.name for p in folder.iterdir()}
    unchanged = [n for n in before if n.endswith(".npz") and n in names]
    assert unchanged and all((folder / n).stat().st_mtime_ns == before[n] for n in unchanged)
    loaded = load_segments(folder, "gen-2")
    assert loaded is not None
    _same(index, loaded)
    assert loaded.next_handle == handles.stop
    assert load_segments(folder, "gen-1") is None  # another version of the corpus


def test_merged_away_segments_are_deleted(tmp_path: Path, index: SegmentedBM25) -> None:
    folder = tmp_path / "snap"
    save_segments(folder, index, "k")
    while index.merge_step():
        pass
    save_segments(folder, index, "k")
    files = sorted(p.name for p in folder.glob("seg-*.npz"))
    assert len(files) == index.segment_count
    loaded = load_segments(folder, "k")
    assert loaded is not None
    _same(index, loaded)


@pytest.mark.parametrize("damage", ["missing", "flipped", "truncated", "tombstones", "vocab"])
def test_damaged_or_missing_files_are_detected(tmp_path: Path, index: SegmentedBM25, damage: str) -> None:
    folder = tmp_path / "snap"
    save_segments(folder, index, "k")
    segment = sorted(folder.glob("seg-*.npz"))[0]
    if damage == "missing":
        segment.unlink()
    elif damage == "flipped":
        data = bytearray(segment.read_bytes())
        data[len(data) // 2] ^= 0x01
        segment.write_bytes(bytes(data))
    elif damage == "truncated":
        segment.write_bytes(segment.read_bytes()[:-10])
    elif damage == "tombstones":
        next(folder.glob("seg-*.del-*.npy")).unlink()
    else:
        vocab = next(folder.glob("vocab-*.bin"))
        vocab.write_bytes(vocab.read_bytes().replace(b"w1", b"w9", 1))
    assert load_segments(folder, "k") is None


def test_no_folder_or_foreign_manifest(tmp_path: Path) -> None:
    assert load_segments(tmp_path / "none", "k") is None
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    assert load_segments(tmp_path, "k") is None
