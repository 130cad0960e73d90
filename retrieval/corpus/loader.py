"""The one loop that turns a corpus folder into articles: scan → signature → read → parse.

Both callers use it: a plain load of a folder (the tests, the benchmarks) and the service's
reload, which knows what an earlier load found (``known``: each file's content hash and
signature, from its store) and only wants the files that changed. A file whose signature is
the known one is not read; a file read whose content hash is the known one is not parsed.
One bad file never stops the rest from loading: it is reported with its reason. A file that
failed at an earlier load with the same signature (``failed``) is reported again without
being read. A file whose real path is outside the folder is reported and never read, unless
the caller allows it: a link must not turn a private file into a quote.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ..records import Article, LoadFailure
from .articles import parse_article
from .files import (
    MANIFEST_NAME,
    ArticleError,
    CorpusFile,
    Metadata,
    content_digest,
    file_signature,
    manifest_entry,
    manifest_rel,
    outside_target,
    read_file,
    read_manifest,
    scan,
)

log = logging.getLogger(__name__)

__all__ = ["OUTSIDE_LINK", "FailedFile", "KnownFile", "LoadResult", "LoadedFile", "load_corpus"]

OUTSIDE_LINK = "links to {target}, outside the corpus folder: skipped"
"""The reason given for a file skipped because its real path is outside the folder."""


class KnownFile(Protocol):
    """What a caller remembers of a file from an earlier load (a store's row for it)."""

    @property
    def content_hash(self) -> str: ...

    @property
    def signature(self) -> str | None: ...


class FailedFile(Protocol):
    """A file (or the manifest) that failed at an earlier load: its signature then and why."""

    @property
    def signature(self) -> str: ...

    @property
    def reason(self) -> str: ...


@dataclass(frozen=True, slots=True)
class LoadedFile:
    """One article file as this load found it, parsed or not."""

    file: CorpusFile
    digest: str | None
    """Content hash with its manifest entry (:func:`~retrieval.corpus.files.content_digest`),
    the known one when the file was not read; ``None`` when it could not be read."""
    signature: str | None
    """Its :func:`~retrieval.corpus.files.file_signature`; ``None`` when it must be read
    again next time (changed just before the scan) or could not be read."""
    raw: bytes | None = None
    """The bytes read, when the caller asked to keep them (to parse them later itself)."""


@dataclass(slots=True)
class LoadResult:
    """What loading a corpus folder produced.

    ``articles`` are the files parsed by this load, by path; ``failures`` the files (and a
    broken manifest) that could not be used, in path order, the manifest first; ``files``
    every article file found, readable or not, so a caller can tell a file that is gone
    from one that failed.
    """

    articles: list[Article] = field(default_factory=list)
    failures: list[LoadFailure] = field(default_factory=list)
    files: dict[str, LoadedFile] = field(default_factory=dict)
    manifest: dict[str, Metadata] = field(default_factory=dict)
    known_bad: set[str] = field(default_factory=set)
    """Failures found again unchanged (see ``failed``): reported, not read."""
    failure_signatures: dict[str, str] = field(default_factory=dict)
    """Signatures of the files (and the manifest) that failed in this load, for ``failed``
    next time; a file changed just before the scan has none and is read again."""
    outside: dict[str, Path] = field(default_factory=dict)
    """Files skipped because their real path (given) is outside the folder."""


def load_corpus(
    folder: Path,
    progress: Callable[[int, int], None] | None = None,
    *,
    known: Mapping[str, KnownFile] | None = None,
    failed: Mapping[str, FailedFile] | None = None,
    parse: bool = True,
    keep_bytes: bool = False,
    follow_outside_links: bool = False,
) -> LoadResult:
    """Load the articles of ``folder`` that are not ``known`` already.

    ``known`` maps a file's path (``seeds/001_x.txt``) to what an earlier load found; a file
    whose signature or content hash is the known one is listed in ``files`` but neither
    parsed nor (for a matching signature) read. ``failed`` maps paths (the manifest's too)
    to failures of an earlier load: one whose signature is unchanged is reported with its
    reason, unread. ``parse=False`` only finds which files changed: nothing is parsed;
    ``keep_bytes`` keeps the bytes read in ``files`` for a caller that parses later.
    ``follow_outside_links`` reads files whose links lead outside ``folder``.
    ``progress(done, total)`` is called after every file.
    Raises :class:`~retrieval.corpus.files.CorpusError` when the folder is unusable.
    """
    known = known or {}
    failed = failed or {}
    started_ns = time.time_ns()  # before the scan: a file changed after it is "racy"
    files = scan(folder)
    result = LoadResult()
    _load_manifest(folder, failed, result, started_ns, follow_outside_links)
    for done, file in enumerate(files, 1):
        target = None if follow_outside_links else outside_target(folder, file.path)
        if target is not None:
            log.warning("skipping %s: it links outside the corpus folder", file.rel)
            result.outside[file.rel] = target
            result.failures.append(LoadFailure(file.rel, OUTSIDE_LINK.format(target=target)))
        else:
            _load_file(folder, file, known.get(file.rel), failed.get(file.rel), result, started_ns, parse, keep_bytes)
        if progress:
            progress(done, len(files))
    return result


def _load_manifest(
    folder: Path, failed: Mapping[str, FailedFile], result: LoadResult, started_ns: int, follow_outside_links: bool
) -> None:
    """Read ``manifest.json`` into ``result``, unless it is the one that failed last time or
    a link out of the folder."""
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return
    rel = manifest_rel(folder)
    target = None if follow_outside_links else outside_target(folder, path)
    if target is not None:
        result.outside[rel] = target
        result.failures.append(LoadFailure(rel, OUTSIDE_LINK.format(target=target)))
        return
    try:
        signature = file_signature(path.stat(), None, started_ns)
    except OSError:
        signature = None
    earlier = failed.get(rel)
    if signature is not None and earlier is not None and earlier.signature == signature:
        result.failures.append(LoadFailure(rel, earlier.reason))
        result.known_bad.add(rel)
        return
    result.manifest, failure = read_manifest(folder)
    if failure:
        result.failures.append(failure)
        if signature is not None:
            result.failure_signatures[rel] = signature


def _load_file(
    folder: Path,
    file: CorpusFile,
    known: KnownFile | None,
    failed: FailedFile | None,
    result: LoadResult,
    started_ns: int,
    parse: bool,
    keep_bytes: bool,
) -> None:
    """Find, read and parse one file into ``result`` (see :func:`load_corpus`)."""
    entry = manifest_entry(result.manifest, folder, file)
    signature: str | None = None
    try:
        signature = file_signature(file.path.stat(), entry, started_ns)
        if failed is not None and signature is not None and failed.signature == signature:
            result.files[file.rel] = LoadedFile(file, None, signature)
            result.failures.append(LoadFailure(file.rel, failed.reason))
            result.known_bad.add(file.rel)
            return
        if known is not None and signature is not None and known.signature == signature:
            result.files[file.rel] = LoadedFile(file, known.content_hash, signature)
            return
        raw = read_file(file)
    except (ArticleError, OSError) as error:
        reason = str(error) if isinstance(error, ArticleError) else f"cannot read the file: {error.strerror or error}"
        log.warning("skipping %s: %s", file.rel, reason)
        result.files[file.rel] = LoadedFile(file, None, None)
        result.failures.append(LoadFailure(file.rel, reason))
        if signature is not None:
            result.failure_signatures[file.rel] = signature
        return
    digest = content_digest(raw, entry)
    result.files[file.rel] = LoadedFile(file, digest, signature, raw if keep_bytes else None)
    if not parse or (known is not None and known.content_hash == digest):
        return
    try:
        result.articles.append(parse_article(file.rel, raw, entry, digest=digest))
    except ArticleError as error:
        log.warning("skipping %s: %s", file.rel, error)
        result.failures.append(LoadFailure(file.rel, str(error)))
        if signature is not None:
            result.failure_signatures[file.rel] = signature
