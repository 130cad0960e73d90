"""Removing what a killed process left behind: half-written index snapshots.

A snapshot is written to a temporary file beside the database and renamed into place; a
``kill -9`` in between leaves the temporary file, and nothing else would ever remove it.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

log = logging.getLogger("bot.service")

STALE_AFTER_S = 15 * 60
"""A temporary snapshot untouched for this long is abandoned. Younger ones are left alone: a
running bot may be writing one right now, and a file being written keeps changing."""


def remove_abandoned_snapshots(index_path: Path, now: float | None = None) -> list[Path]:
    """Delete the abandoned temporary files of ``index_path`` (``.<name>.XXXX.tmp``)."""
    now = time.time() if now is None else now
    removed: list[Path] = []
    try:
        candidates = list(index_path.parent.glob(f".{index_path.name}.*.tmp"))
    except OSError:
        return removed
    for candidate in candidates:
        try:
            if candidate.is_file() and now - candidate.stat().st_mtime > STALE_AFTER_S:
                candidate.unlink()
                removed.append(candidate)
        except OSError as error:
            log.warning("could not remove the abandoned snapshot %s: %s", candidate, error)
    if removed:
        log.info("removed %d abandoned index snapshot file(s) beside %s", len(removed), index_path)
    return removed
