"""The one service object behind the CLI and the Discord bot.

It owns the store (SQLite), the live :class:`~retrieval.engine.Engine` and the corpus
folder. Everything CPU-heavy (parsing articles, analysing passages, building the index,
answering) runs in worker threads, so the Discord event loop and its gateway heartbeat are
never held up.

* :mod:`.core`: :class:`NewsService`, its lifecycle, questions, and the reload's apply step.
* :mod:`.folder`: scanning the corpus folder and parsing changed files.
* :mod:`.plan`: what a reload adds, updates, keeps and removes (pure functions).
* :mod:`.memory`: pausing the cyclic GC and freeing big structures in small steps.
* :mod:`.records`: reports, statistics and errors.
"""

from __future__ import annotations

from retrieval.engine import free_in_slices

from .core import NewsService
from .memory import cyclic_gc_paused
from .plan import FolderChanges
from .records import (
    FolderError,
    Progress,
    ReloadInProgress,
    ReloadRefused,
    ReloadReport,
    ServiceError,
    ServiceStats,
    storable,
)

__all__ = [
    "FolderChanges",
    "FolderError",
    "NewsService",
    "Progress",
    "ReloadInProgress",
    "ReloadRefused",
    "ReloadReport",
    "ServiceError",
    "ServiceStats",
    "cyclic_gc_paused",
    "free_in_slices",
    "storable",
]
