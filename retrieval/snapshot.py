"""An engine's derived state saved beside the database, so a restart need not rebuild it,
updated by segment after each change.

What is saved: the passages' index and the articles' surface vocabulary, each a folder of
immutable segment files (:mod:`retrieval.index.segment_persist`: a save writes only the
segments and tombstones that are new, and the vocabulary's new terms), and at ``path`` one
small file naming the corpus version (``key``) with each article's handles in those two
indexes (16 bytes an article). That file is written last, through a temporary file renamed
into place, and every part carries the key: a reader sees a consistent snapshot of one
version, or none (a crash between the parts reads as "no snapshot", and the caller rebuilds
from the corpus, as without one). Deleting the file is always safe.
"""

from __future__ import annotations

import json
import logging
import stat
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .engine import Engine, EngineState
from .index.bm25 import pack_strings, unpack_strings
from .index.segment_persist import load_segments, save_segments, write_atomic

__all__ = ["SNAPSHOT_FORMAT", "read_snapshot", "segments_folder", "write_snapshot"]

log = logging.getLogger(__name__)

SNAPSHOT_FORMAT = 2
"""1: one monolithic BM25Index file; 2: segment folders and this small file."""

_HEADER = "snapshot.header"
_savez: Callable[..., None] = np.savez
"""``numpy.savez``, typed loosely: its stubs read ``**arrays`` as its ``allow_pickle`` flag."""


def segments_folder(path: Path) -> Path:
    """The folder holding the segment files of the snapshot at ``path``."""
    return path.with_name(f"{path.name}.segments")


def write_snapshot(path: Path, engine: Engine, key: str) -> int:
    """Save ``engine``'s state under ``key``; returns the bytes written (only what changed
    since the previous save of the same folder).

    Raises :class:`OSError` (disk full, read-only folder...) with the previous snapshot
    intact; an engine without passages has nothing worth saving and raises :class:`ValueError`.
    """
    state = engine.state
    if state.index is None or not len(engine):
        raise ValueError("an engine without passages has no snapshot")
    folder = segments_folder(path)
    written = save_segments(folder / "passages", state.index, key)
    written += save_segments(folder / "surface", state.surface, key)
    header = {"format": SNAPSHOT_FORMAT, "key": key, "passages": len(engine), "articles": len(state.first_handles)}
    arrays = {
        _HEADER: pack_strings([json.dumps(header)]),
        "first_handles": np.asarray(state.first_handles, dtype=np.int64),
        "surface_handles": np.asarray(state.surface_handles, dtype=np.int64),
    }
    write_atomic(path, lambda file: _savez(file, **arrays))
    return written + path.stat().st_size


def read_snapshot(path: Path, key: str, passages: int) -> EngineState | None:
    """The state saved at ``path`` for ``key`` and a corpus of ``passages`` passages, or
    ``None`` when there is no such snapshot (the reason is logged).

    Anything at ``path`` that is not a regular file reads as no snapshot without being
    opened: a FIFO would block the read forever, a folder cannot be read.
    """
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            log.warning("%s is not a regular file: the index is rebuilt instead of read", path)
            return None
    except FileNotFoundError:
        return None
    except OSError:  # unreachable: the read below says why
        pass
    try:
        with np.load(path, allow_pickle=False) as data:
            if not isinstance(data, np.lib.npyio.NpzFile):
                raise ValueError("not an .npz archive")
            header = json.loads(unpack_strings(data[_HEADER])[0])
            if not isinstance(header, dict) or header.get("format") != SNAPSHOT_FORMAT:
                log.info("index snapshot %s has another format; rebuilding", path)
                return None
            first_handles = np.asarray(data["first_handles"], dtype=np.int64)
            surface_handles = np.asarray(data["surface_handles"], dtype=np.int64)
    except Exception as error:  # a cache: whatever is wrong with it, rebuild instead
        log.warning("index snapshot %s is damaged or unreadable (%s); rebuilding the index", path, error)
        return None
    if header.get("key") != key or header.get("passages") != passages:
        log.info("index snapshot %s is for another version of the corpus; rebuilding", path)
        return None
    if len(first_handles) != header.get("articles") or len(surface_handles) != len(first_handles):
        log.warning("index snapshot %s does not match its header; rebuilding the index", path)
        return None
    folder = segments_folder(path)
    index = load_segments(folder / "passages", key)
    surface = load_segments(folder / "surface", key)
    if index is None or surface is None or len(index) != passages or len(surface) != len(first_handles):
        log.info("index segments beside %s are missing or for another corpus; rebuilding", path)
        return None
    return EngineState(index, surface, first_handles, surface_handles)
