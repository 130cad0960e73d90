"""Reading the corpus folder: the scan (find and hash files) and the parse of changed ones.

Plain functions run in the service's build thread: they touch the disk and burn CPU, and
must never run on the event loop.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.corpus.articles import parse_article
from retrieval.corpus.files import (
    MANIFEST_NAME,
    MAX_FILE_BYTES,
    ArticleError,
    CorpusFile,
    Metadata,
    content_digest,
    file_signature,
    manifest_entry,
    read_file,
    read_manifest,
    scan,
)
from retrieval.corpus.passages import split_passages
from retrieval.corpus.pipeline import pipeline_id
from retrieval.engine import passage_terms
from retrieval.records import Article, LoadFailure
from retrieval.text.analyzers import Analyzers

from ..store import KnownFailure, StoredFile, StoredPassage
from .records import FolderError, Progress

log = logging.getLogger("bot.service")


@dataclass(frozen=True, slots=True)
class ScannedFile:
    """One article file as a scan found it."""

    file: CorpusFile
    raw: bytes | None
    """The bytes, kept for parsing; ``None`` when unreadable, or not read because its
    signature matched the stored one (then ``digest`` is the stored hash)."""
    digest: str | None
    """Content hash (with its manifest entry); ``None`` when the file is unreadable."""
    signature: str | None


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

    def is_known_bad(self, rel: str, signature: str | None) -> bool:
        """Whether ``rel`` failed at the last reload with this same signature and pipeline."""
        known = self.known_failures.get(rel)
        return signature is not None and known is not None and (known.signature, known.pipeline) == (
            signature,
            self.pipeline,
        )


def require_folder(folder: Path) -> None:
    """Raise :class:`FolderError` unless ``folder`` is a folder: checked before a first start
    creates a database for it (the scan says the same, but only after the store exists)."""
    if not folder.exists():
        raise FolderError("folder_missing", folder=folder)
    if not folder.is_dir():
        raise FolderError("not_a_folder", folder=folder)


def _no_progress(step: str, done: int, total: int) -> None:
    """The progress callback when nobody listens."""


def scan_folder(
    folder: Path,
    generation: str,
    known: dict[str, StoredFile],
    progress: Progress = _no_progress,
    known_failures: dict[str, KnownFailure] | None = None,
    follow_outside_links: bool = False,
) -> Scan:
    """Find every article file and hash it (raw bytes are kept for the parse step).

    A file whose signature (size, times, inode, manifest entry) is the one stored at the
    last reload, and that the current text pipeline parsed, is not read: its stored hash
    stands. On big folders, reading and hashing every file took most of a restart. A file
    (or manifest) that failed at the last reload and has the same signature is reported
    with its stored reason without being read: it would fail the same way. A file whose
    real path is outside the folder (a symbolic link out of it) is reported and never read,
    unless ``follow_outside_links``: a link must not turn a private file into a quote.
    """
    result = Scan(generation, known, pipeline_id(), known_failures=dict(known_failures or {}))
    started_ns = time.time_ns()
    require_folder(folder)
    try:
        files = scan(folder)
    except RecursionError:
        raise FolderError("folder_too_deep", folder=folder) from None
    if not follow_outside_links:
        files = _inside(folder, files, result)
    _scan_manifest(folder, result, started_ns, follow_outside_links)
    for done, file in enumerate(files, 1):
        entry = manifest_entry(result.manifest, folder, file)
        signature: str | None = None
        try:
            signature = file_signature(file.path.stat(), entry, started_ns)
            stored = known.get(file.rel)
            if result.is_known_bad(file.rel, signature):
                result.files[file.rel] = ScannedFile(file, None, None, signature)
                result.failures.append(LoadFailure(file.rel, result.known_failures[file.rel].reason))
                result.known_bad.add(file.rel)
            elif (
                signature is not None
                and stored is not None
                and stored.signature == signature
                and stored.pipeline == result.pipeline
            ):
                result.files[file.rel] = ScannedFile(file, None, stored.content_hash, signature)
            else:
                raw = read_file(file)
                result.files[file.rel] = ScannedFile(file, raw, content_digest(raw, entry), signature)
        except (ArticleError, OSError) as error:
            reason = str(error) if isinstance(error, ArticleError) else f"cannot read the file: {error.strerror or error}"
            result.files[file.rel] = ScannedFile(file, None, None, None)
            result.failures.append(LoadFailure(file.rel, reason))
            if signature is not None:
                result.failure_signatures[file.rel] = signature
        progress("scan", done, len(files))
    return result


OUTSIDE_LINK = (
    "links to {target}, outside the corpus folder: skipped (set NEWSBOT_FOLLOW_OUTSIDE_LINKS=true to read such files)"
)


def _outside(folder: Path, path: Path) -> Path | None:
    """The real path of ``path`` when it lies outside ``folder`` (after every link), else None.

    Only links need resolving: the scan does not descend into linked folders, so a plain
    file it found is inside. (Resolving every path made big scans noticeably slower.)
    """
    if not path.is_symlink():
        return None
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):  # a loop of links, or gone meanwhile: the read will say
        return None
    return None if real.is_relative_to(folder.resolve()) else real


def _inside(folder: Path, files: list[CorpusFile], result: Scan) -> list[CorpusFile]:
    """The files whose real path is inside ``folder``; the others are reported as failures."""
    kept = []
    for file in files:
        target = _outside(folder, file.path)
        if target is None:
            kept.append(file)
        else:
            log.warning("skipping %s: it links outside the corpus folder", file.rel)
            result.failures.append(LoadFailure(file.rel, OUTSIDE_LINK.format(target=target)))
    return kept


def _scan_manifest(folder: Path, result: Scan, started_ns: int, follow_outside_links: bool = False) -> None:
    """Read ``manifest.json`` into ``result``, unless it is the one that failed last time."""
    path = folder / MANIFEST_NAME
    rel = f"{folder.resolve().name}/{MANIFEST_NAME}"
    target = None if follow_outside_links or not path.is_file() else _outside(folder, path)
    if target is not None:
        result.failures.append(LoadFailure(rel, OUTSIDE_LINK.format(target=target)))
        return
    try:
        signature = file_signature(path.stat(), None, started_ns) if path.is_file() else None
    except OSError:
        signature = None
    if result.is_known_bad(rel, signature):
        result.failures.append(LoadFailure(rel, result.known_failures[rel].reason))
        result.known_bad.add(rel)
        return
    failure: LoadFailure | None
    try:
        size = path.stat().st_size if path.is_file() else 0
        if size > MAX_FILE_BYTES:
            # Read whole and parsed on every scan: capped like an article file.
            result.manifest, failure = {}, LoadFailure(
                rel, f"manifest ignored: file too large ({size:,} bytes; the limit is {MAX_FILE_BYTES:,})"
            )
        else:
            result.manifest, failure = read_manifest(folder)
    except RecursionError:
        result.manifest, failure = {}, LoadFailure(rel, "manifest ignored: nested too deeply to be read")
    except OSError as error:
        result.manifest, failure = {}, LoadFailure(rel, f"manifest ignored: {error.strerror or error}")
    if failure:
        result.failures.append(failure)
        if signature is not None:
            result.failure_signatures[failure.path] = signature


def parse_files(
    folder: Path,
    changed: dict[str, ScannedFile],
    manifest: dict[str, Metadata],
    analyzers: Analyzers,
    progress: Progress = _no_progress,
) -> tuple[list[tuple[Article, list[StoredPassage]]], list[LoadFailure]]:
    """Parse, split and analyse the changed files; a file that fails is reported, not raised."""
    parsed: list[tuple[Article, list[StoredPassage]]] = []
    failures: list[LoadFailure] = []
    for done, (rel, scanned) in enumerate(sorted(changed.items()), 1):
        file = scanned.file
        try:
            # Not read by the scan when its signature matched a stored row that another
            # process has replaced since.
            raw = scanned.raw if scanned.raw is not None else read_file(file)
            article = parse_article(rel, raw, manifest_entry(manifest, folder, file))
            passages = split_passages(article)
            if not passages:
                raise ArticleError("no sentences found in the article text")
            stored = [StoredPassage(p, tuple(passage_terms(analyzers, article, p))) for p in passages]
            parsed.append((article, stored))
        except ArticleError as error:
            log.warning("skipping %s: %s", rel, error)
            failures.append(LoadFailure(rel, str(error)))
        progress("parse", done, len(changed))
    return parsed, failures
