"""What the service reports to the CLI and the Discord layer, and the errors it raises."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.messages import Problem
from retrieval.records import Article, LoadFailure

from ..store import FeedbackStats, StoreStats

Progress = Callable[[str, int, int], None]
"""``progress(step, done, total)`` for long work (CLI progress lines, benchmarks)."""


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> str:
    """``text`` with what cannot be stored or printed whole replaced by U+FFFD: lone
    surrogates (bytes a terminal could not decode) make SQLite and stdout refuse the text,
    and a NUL cuts it short in SQLite's text functions."""
    return _UNSTORABLE.sub("\ufffd", text)


class ServiceError(Problem):
    """An operation the user asked for cannot be done; the message says why and what to do."""


class FolderError(ServiceError):
    """The corpus folder as a whole cannot be scanned (missing, not a folder, too deep)."""


class ReloadInProgress(ServiceError):
    """A second reload was asked for without waiting while one runs."""

    def __init__(self) -> None:
        super().__init__("reload_in_progress")


class ReloadRefused(ServiceError):
    """A reload would remove too much of the stored corpus: an empty or unmounted folder, a
    half-finished copy. Refused so that one bad mount never costs the bot its articles."""

    def __init__(self, removed: int, stored: int, folder: object) -> None:
        super().__init__("reload_refused", removed=removed, stored=stored, folder=folder)


@dataclass(frozen=True)
class ReloadReport:
    """What a reload did, for moderators."""

    ok: bool
    requested_by: str
    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: int = 0
    failures: tuple[LoadFailure, ...] = ()
    duration_s: float = 0.0
    articles: int = 0
    passages: int = 0
    error: str | None = None
    refused: bool = False
    """The reload was refused because it would have removed too much (see ReloadRefused)."""
    problem: Problem | None = None
    """The failure as a sentence the report can say in the reader's language."""


@dataclass(frozen=True)
class ServiceStats:
    """The store's statistics plus what only the running service knows (the live engine)."""

    store: StoreStats
    live_articles: int
    live_passages: int
    reload_running: bool
    feedback: FeedbackStats = field(default_factory=FeedbackStats)


@dataclass(frozen=True)
class WebOutcome:
    """What adding articles from the web did: the articles now answerable, how many were
    already stored, how many expired (``NEWSBOT_RETENTION_DAYS``), and those that failed."""

    added: tuple[Article, ...]
    duplicates: int
    expired: int
    failures: tuple[LoadFailure, ...]
    run_id: int | None = None
    """The run the articles were stored with; ``None`` when nothing was stored."""
