"""An engine's derived state saved beside the database, so a restart need not rebuild it.

The file format and its checks are :mod:`retrieval.index.persist`'s; this module only says
what of an :class:`~retrieval.engine.Engine` goes in it (its BM25 index and its surface
vocabulary) and makes an :class:`~retrieval.engine.EngineState` of what comes out.
"""

from __future__ import annotations

from pathlib import Path

from .engine import Engine, EngineState
from .index.persist import SNAPSHOT_FORMAT, load_index, save_index

__all__ = ["SNAPSHOT_FORMAT", "read_snapshot", "write_snapshot"]


def write_snapshot(path: Path, engine: Engine, key: str) -> int:
    """Save ``engine``'s index and vocabulary under ``key``; returns the file's size.

    Raises :class:`OSError` (disk full, read-only folder...) with nothing left behind; an
    engine without passages has nothing worth saving and raises :class:`ValueError`.
    """
    state = engine.state
    if state.index is None:
        raise ValueError("an engine without passages has no snapshot")
    return save_index(path, state.index, state.surface, key)


def read_snapshot(path: Path, key: str, passages: int) -> EngineState | None:
    """The state saved at ``path`` for ``key`` and a corpus of ``passages`` passages, or
    ``None`` when there is no such snapshot (the reason is logged)."""
    saved = load_index(path, key, passages)
    return None if saved is None else EngineState(index=saved.index, surface=saved.words)
