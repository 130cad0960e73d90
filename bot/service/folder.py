"""Reading the corpus folder: the scan (through the library's one loader) and the parse of
the files a reload plan picked.

Plain functions run in the service's build thread: they touch the disk and burn CPU, and
must never run on the event loop. What a scan does with each file (signatures, known-bad
files, links out of the folder, the manifest's limits) is
:func:`retrieval.corpus.load_corpus`'s; this module only hands it what the store remembers
and keeps the result in the form the reload plan reads.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.corpus import CorpusError, LoadedFile, load_corpus
from retrieval.corpus import require_folder as require_corpus_folder
from retrieval.corpus.articles import parse_article
from retrieval.corpus.files import ArticleError, CorpusFile, Metadata, manifest_entry, read_file
from retrieval.corpus.passages import split_passages
from retrieval.corpus.pipeline import pipeline_id
from retrieval.engine import passage_terms
from retrieval.records import Article, LoadFailure
from retrieval.text.analyzers import Analyzers

from ..store import KnownFailure, StoredFile, StoredPassage
from .records import FolderError, Progress

log = logging.getLogger("bot.service")

ScannedFile = LoadedFile
"""One article file as a scan found it; ``raw`` holds its bytes when it was read (``None``
when unreadable, or not read because its signature matched the stored one: then ``digest``
is the stored hash)."""

_FOLDER_PROBLEMS = {"missing": "folder_missing", "not_a_folder": "not_a_folder", "too_deep": "folder_too_deep"}
"""The library's names for an unusable folder → the bot's message keys."""


@dataclass
class Scan:
    """The corpus folder as found on disk, and the stored corpus it was compared with."""

    generation: str
    known: dict[str, StoredFile]
    pipeline: str
    """The text pipeline of this newsbot: stored articles parsed by another are parsed again."""
    files: dict[str, ScannedFile] = field(default_factory=dict)
    failures: list[LoadFailure] = field(default_factory=list)
    manifest: dict[str, Metadata] = field(default_factory=dict)
    known_failures: dict[str, KnownFailure] = field(default_factory=dict)
    """Files (and the manifest) that failed at the last reload, with their signatures then."""
    known_bad: set[str] = field(default_factory=set)
    """Failures found again unchanged: reported from the store, not read again."""
    failure_signatures: dict[str, str] = field(default_factory=dict)
    """Signatures of the files (and the manifest) that failed in this scan."""


def folder_error(error: CorpusError) -> FolderError:
    """The library's unusable-folder error as the bot says it (in the reader's language)."""
    return FolderError(_FOLDER_PROBLEMS[error.kind], folder=error.folder)


def require_folder(folder: Path) -> None:
    """Raise :class:`FolderError` unless ``folder`` is a folder: checked before a first start
    creates a database for it (the scan says the same, but only after the store exists)."""
    try:
        require_corpus_folder(folder)
    except CorpusError as error:
        raise folder_error(error) from None


def _no_progress(step: str, done: int, total: int) -> None:
    """The progress callback when nobody listens."""


OUTSIDE_LINK_HINT = " (set NEWSBOT_FOLLOW_OUTSIDE_LINKS=true to read such files)"
"""Said after the library's reason for a link out of the folder: the setting that reads it."""


def scan_folder(
    folder: Path,
    generation: str,
    known: dict[str, StoredFile],
    progress: Progress = _no_progress,
    known_failures: dict[str, KnownFailure] | None = None,
    follow_outside_links: bool = False,
) -> Scan:
    """Find every article file and hash it (raw bytes are kept for the parse step).

    A stored file is only vouched for by its signature when the current text pipeline
    parsed it, and a known failure only when the current pipeline found it: the others are
    read again, so an upgrade re-parses everything once.
    """
    pipeline = pipeline_id()
    result = Scan(generation, known, pipeline, known_failures=dict(known_failures or {}))
    try:
        loaded = load_corpus(
            folder,
            lambda done, total: progress("scan", done, total),
            known={rel: file for rel, file in known.items() if file.pipeline == pipeline},
            failed={rel: failure for rel, failure in result.known_failures.items() if failure.pipeline == pipeline},
            parse=False,
            keep_bytes=True,
            follow_outside_links=follow_outside_links,
        )
    except CorpusError as error:
        raise folder_error(error) from None
    result.files = loaded.files
    result.manifest = loaded.manifest
    result.known_bad = loaded.known_bad
    result.failure_signatures = loaded.failure_signatures
    result.failures = [
        LoadFailure(failure.path, failure.reason + OUTSIDE_LINK_HINT) if failure.path in loaded.outside else failure
        for failure in loaded.failures
    ]
    return result


PARALLEL_MIN_FILES = 400
"""Fewer changed files than this are parsed in the build thread: a worker process starts a
fresh interpreter (about a second with the library's imports), which only a large load,
such as the first one, pays back."""

_PARSE_CHUNK = 64
"""Files handed to a worker at a time: large enough that sending them costs little next to
parsing them, small enough that the progress moves."""

ParseItem = tuple[str, bytes | None, CorpusFile, Metadata | None]
"""What a file's parse needs: its relative path, its bytes (``None``: read them), the file
and its manifest entry."""


def parse_files(
    folder: Path,
    changed: dict[str, ScannedFile],
    manifest: dict[str, Metadata],
    analyzers: Analyzers,
    progress: Progress = _no_progress,
    workers: int | None = None,
) -> tuple[list[tuple[Article, list[StoredPassage]]], list[LoadFailure]]:
    """Parse, split and analyse the changed files; a file that fails is reported, not raised.

    A large load is spread over ``workers`` processes (by default one per CPU this process
    may use, from :data:`PARALLEL_MIN_FILES` files on): parsing is pure Python, so threads
    would take turns on one core, and the event loop would wait for the GIL meanwhile.
    """
    items: list[ParseItem] = [
        (rel, scanned.raw, scanned.file, manifest_entry(manifest, folder, scanned.file))
        for rel, scanned in sorted(changed.items())
    ]
    if workers is None:
        workers = _cpus() if len(items) >= PARALLEL_MIN_FILES else 1
    if workers > 1:
        try:
            return _collect(_parsed_in_pool(items, workers), len(items), progress)
        except (OSError, BrokenProcessPool) as error:  # no semaphores (a container without /dev/shm), a killed worker
            log.warning("parsing in %d worker processes failed (%s): parsing in this thread instead", workers, error)
    return _collect((parse_one(item, analyzers) for item in items), len(items), progress)


def _collect(
    results: Iterable[tuple[Article, list[StoredPassage]] | LoadFailure], total: int, progress: Progress
) -> tuple[list[tuple[Article, list[StoredPassage]]], list[LoadFailure]]:
    parsed: list[tuple[Article, list[StoredPassage]]] = []
    failures: list[LoadFailure] = []
    for done, result in enumerate(results, 1):
        if isinstance(result, LoadFailure):
            log.warning("skipping %s: %s", result.path, result.reason)
            failures.append(result)
        else:
            parsed.append(result)
        progress("parse", done, total)
    return parsed, failures


def _cpus() -> int:
    """The CPUs this process may run on (its affinity, where the system has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no affinity call
        return os.cpu_count() or 1


def parse_one(item: ParseItem, analyzers: Analyzers) -> tuple[Article, list[StoredPassage]] | LoadFailure:
    """One file parsed, split and analysed, or why it could not be."""
    rel, raw, file, entry = item
    try:
        # Not read by the scan when its signature matched a stored row that another
        # process has replaced since.
        article = parse_article(rel, raw if raw is not None else read_file(file), entry)
        passages = split_passages(article)
        if not passages:
            raise ArticleError("no sentences found in the article text")
        return article, [StoredPassage(p, tuple(passage_terms(analyzers, article, p))) for p in passages]
    except ArticleError as error:
        return LoadFailure(rel, str(error))


def _parsed_in_pool(
    items: list[ParseItem], workers: int
) -> Iterator[tuple[Article, list[StoredPassage]] | LoadFailure]:
    """Each item parsed in worker processes started fresh ("spawn": forking a process that
    runs an event loop and threads would copy their locks mid-use), in order."""
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_exit_with_parent,
        initargs=(os.getpid(),),
    ) as pool:
        yield from pool.map(_parse_in_worker, items, chunksize=_PARSE_CHUNK)


PARENT_CHECK_S = 1.0
"""How often a parse worker checks that the process that started it is still there."""


def _exit_with_parent(parent: int) -> None:
    """Make this worker exit once its parent is gone. A bot killed mid-parse (``kill -9``,
    the out-of-memory killer) never shuts its pool down: its workers, blocked writing
    results nobody reads, would live on, holding memory and the terminal's pipes."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_S)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


_worker_analyzers: Analyzers | None = None
"""A worker process's analyzers, made by its first file and kept for the next ones (their
word cache is what makes analysis fast)."""


def _parse_in_worker(item: ParseItem) -> tuple[Article, list[StoredPassage]] | LoadFailure:
    global _worker_analyzers
    if _worker_analyzers is None:
        _worker_analyzers = Analyzers()
    return parse_one(item, _worker_analyzers)
