"""The one loop that turns a corpus folder into articles: scan → signature → read → parse.

Both callers use it: a plain load of a folder (the tests, the benchmarks) and the service's
reload, which knows what an earlier load found (``known``: each file's content hash and
signature, from its store) and only wants the files that changed. A file whose signature is
the known one is not read; a file read whose content hash is the known one is not parsed.
One bad file never stops the rest from loading: it is reported with its reason.
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

log = logging.getLogger(__name__)

__all__ = ["KnownFile", "LoadResult", "LoadedFile", "load_corpus"]


class KnownFile(Protocol):
    """What a caller remembers of a file from an earlier load (a store's row for it)."""

    @property
    def content_hash(self) -> str: ...

    @property
    def signature(self) -> str | None: ...


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


def load_corpus(
    folder: Path,
    progress: Callable[[int, int], None] | None = None,
    *,
    known: Mapping[str, KnownFile] | None = None,
    parse: bool = True,
) -> LoadResult:
    """Load the articles of ``folder`` that are not ``known`` already.

    ``known`` maps a file's path (``seeds/001_x.txt``) to what an earlier load found; a file
    whose signature or content hash is the known one is listed in ``files`` but neither
    parsed nor (for a matching signature) read. ``parse=False`` only finds which files
    changed: nothing is parsed. ``progress(done, total)`` is called after every file.
    Raises :class:`~retrieval.corpus.files.CorpusError` when the folder is unusable.
    """
    known = known or {}
    started_ns = time.time_ns()  # before the scan: a file changed after it is "racy"
    files = scan(folder)
    result = LoadResult()
    result.manifest, manifest_failure = read_manifest(folder)
    if manifest_failure:
        result.failures.append(manifest_failure)
    for done, file in enumerate(files, 1):
        _load_file(folder, file, known.get(file.rel), result, started_ns, parse)
        if progress:
            progress(done, len(files))
    return result


def _load_file(
    folder: Path, file: CorpusFile, known: KnownFile | None, result: LoadResult, started_ns: int, parse: bool
) -> None:
    """Find, read and parse one file into ``result`` (see :func:`load_corpus`)."""
    entry = manifest_entry(result.manifest, folder, file)
    try:
        signature = file_signature(file.path.stat(), entry, started_ns)
        if known is not None and signature is not None and known.signature == signature:
            result.files[file.rel] = LoadedFile(file, known.content_hash, signature)
            return
        raw = read_file(file)
    except (ArticleError, OSError) as error:
        reason = str(error) if isinstance(error, ArticleError) else f"cannot read the file: {error.strerror or error}"
        log.warning("skipping %s: %s", file.rel, reason)
        result.files[file.rel] = LoadedFile(file, None, None)
        result.failures.append(LoadFailure(file.rel, reason))
        return
    digest = content_digest(raw, entry)
    result.files[file.rel] = LoadedFile(file, digest, signature)
    if not parse or (known is not None and known.content_hash == digest):
        return
    try:
        result.articles.append(parse_article(file.rel, raw, entry, digest=digest))
    except ArticleError as error:
        log.warning("skipping %s: %s", file.rel, error)
        result.failures.append(LoadFailure(file.rel, str(error)))
