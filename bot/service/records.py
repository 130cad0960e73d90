"""What the service reports to the CLI and the Discord layer, and the errors it raises."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from retrieval.records import LoadFailure

from ..store import StoreStats

Progress = Callable[[str, int, int], None]
"""``progress(step, done, total)`` for long work (CLI progress lines, benchmarks)."""


class ServiceError(Exception):
    """An operation the user asked for cannot be done; the message says why and what to do."""


class ReloadInProgress(ServiceError):
    """A second reload was asked for without waiting while one runs."""

    def __init__(self) -> None:
        super().__init__("A reload is already running; try again when it has finished.")


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


@dataclass(frozen=True)
class ServiceStats:
    """The store's statistics plus what only the running service knows (the live engine)."""

    store: StoreStats
    live_articles: int
    live_passages: int
    reload_running: bool
