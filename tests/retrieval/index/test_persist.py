"""The saved index knows nothing of the engine: an index and its words, under a key."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np

from retrieval.index.bm25 import BM25Index
from retrieval.index.persist import load_index, save_index


def _index() -> BM25Index:
    rng = random.Random(8)
    return BM25Index([rng.choices(["a", "b", "c", "d", "e"], k=rng.randint(1, 9)) for _ in range(60)])


def test_an_index_and_its_words_round_trip(tmp_path: Path) -> None:
    index, path = _index(), tmp_path / "index.npz"
    size = save_index(path, index, ["deepseek", "r1"], key="generation-1")
    assert size == path.stat().st_size
    saved = load_index(path, "generation-1", passages=60)
    assert saved is not None
    assert saved.words == frozenset({"deepseek", "r1"})
    assert np.array_equal(saved.index.get_scores(["a", "e"]), index.get_scores(["a", "e"]))
    assert saved.index.top_k(["b", "c"], 5) == index.top_k(["b", "c"], 5)


def test_another_key_or_passage_count_reads_as_no_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "index.npz"
    save_index(path, _index(), [], key="generation-1")
    assert load_index(path, "generation-2", passages=60) is None
    assert load_index(path, "generation-1", passages=61) is None


def test_what_is_not_a_regular_file_reads_as_no_snapshot_unopened(tmp_path: Path) -> None:
    """A FIFO would block ``np.load`` forever; a folder cannot be read: both are "no
    snapshot", and the caller rebuilds."""
    import os

    os.mkfifo(tmp_path / "fifo.npz")
    (tmp_path / "folder.npz").mkdir()
    assert load_index(tmp_path / "fifo.npz", "generation-1", passages=60) is None
    assert load_index(tmp_path / "folder.npz", "generation-1", passages=60) is None
