"""Save a BM25 index, with a set of words derived from the same corpus, to a file, and load
them back instead of rebuilding them.

Building the index of a large corpus takes seconds; loading it takes a fraction of that. A
snapshot is a cache: it is only used when its *key* — chosen by the caller, who knows which
version of the corpus it holds (the service uses the store's corpus generation) — and its
passage count match; anything else (no file, another key, another format, a damaged or
truncated file) reads as "no snapshot" and the caller builds the index from the corpus, as
without one. Deleting the file is always safe.

The file is an uncompressed ``.npz`` of plain arrays (loaded with ``allow_pickle=False``,
so a file planted in the data folder cannot run code), written to a temporary file and
renamed into place, so a reader never sees half a snapshot.
"""

from __future__ import annotations

import json
import logging
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .bm25 import BM25Index, pack_strings, unpack_strings
from .segment_persist import write_atomic

__all__ = ["SNAPSHOT_FORMAT", "SavedIndex", "load_index", "save_index"]

log = logging.getLogger(__name__)

_savez: Callable[..., None] = np.savez
"""``numpy.savez``, typed loosely: its stubs read ``**arrays`` as its ``allow_pickle`` flag."""

SNAPSHOT_FORMAT = 1
"""Bumped whenever the saved arrays change meaning; older snapshots then read as stale."""

_HEADER = "snapshot.header"
_WORDS = "engine.surface"
"""The saved words' array (named for what the engine saves there: its surface vocabulary)."""


@dataclass(frozen=True, slots=True)
class SavedIndex:
    """What a snapshot holds."""

    index: BM25Index
    words: frozenset[str]


def save_index(path: Path, index: BM25Index, words: Iterable[str], key: str) -> int:
    """Save ``index`` and ``words`` under ``key``; returns the file's size.

    Raises :class:`OSError` (disk full, read-only folder...) with nothing left behind.
    """
    arrays = index.to_arrays()
    arrays[_WORDS] = pack_strings(words)
    header = {"format": SNAPSHOT_FORMAT, "key": key, "passages": len(index)}
    arrays[_HEADER] = pack_strings([json.dumps(header)])
    write_atomic(path, lambda file: _savez(file, **arrays))
    return path.stat().st_size


def load_index(path: Path, key: str, passages: int) -> SavedIndex | None:
    """The index and words saved at ``path`` for ``key`` and a corpus of ``passages``
    passages, or ``None`` when there is no such snapshot (the reason is logged).

    Anything at ``path`` that is not a regular file reads as no snapshot without being
    opened: a FIFO would block the read forever, a folder cannot be read.
    """
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            log.warning("%s is not a regular file: the index is rebuilt instead of read", path)
            return None
    except OSError:  # absent, or unreachable: the read below says which
        pass
    header = _read_header(path)
    if header is None:
        return None
    if header["key"] != key or header["passages"] != passages:
        log.info("index snapshot %s is for another version of the corpus; rebuilding", path)
        return None
    try:
        with _open(path) as data:
            arrays = {name: data[name] for name in data.files if name != _HEADER}
        words = frozenset(unpack_strings(arrays.pop(_WORDS)))
        index = BM25Index.from_arrays(arrays)
    except Exception as error:  # a cache: whatever is wrong with it, rebuild instead
        log.warning("index snapshot %s is damaged (%s); rebuilding the index", path, error)
        return None
    if len(index) != passages:
        log.warning("index snapshot %s does not match its header; rebuilding the index", path)
        return None
    return SavedIndex(index, words)


def _read_header(path: Path) -> dict[str, object] | None:
    """The snapshot's header if it is one of ours in this format, else ``None``."""
    try:
        with _open(path) as data:
            header = json.loads(unpack_strings(data[_HEADER])[0])
    except FileNotFoundError:
        return None
    except Exception as error:  # a cache: whatever is wrong with it, rebuild instead
        log.warning("ignoring unreadable index snapshot %s: %s", path, error)
        return None
    if not isinstance(header, dict) or header.get("format") != SNAPSHOT_FORMAT:
        log.info("index snapshot %s has another format; rebuilding", path)
        return None
    if not isinstance(header.get("key"), str) or not isinstance(header.get("passages"), int):
        return None
    return header


def _open(path: Path) -> np.lib.npyio.NpzFile:
    data = np.load(path, allow_pickle=False)
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise ValueError("not an .npz archive")
    return data
