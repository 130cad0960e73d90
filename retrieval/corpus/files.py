"""Find the article files of a corpus folder, tell whether they changed, and read them.

Every ``.txt``, ``.md`` and ``.html`` file below the folder is an article (hidden files and folders are
skipped). Optional metadata comes from front matter in the file or from a ``manifest.json``
in the corpus folder. This module deals with files as files — where they are, whether they
changed since a previous load (signatures, content digests), their bytes and their metadata
block; :mod:`retrieval.corpus.articles` makes an article of the text, and
:mod:`retrieval.corpus.loader` runs both over a folder.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import stat as stat_module
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..records import LoadFailure
from ..text.normalize import nfc

log = logging.getLogger(__name__)

ARTICLE_SUFFIXES: frozenset[str] = frozenset({".txt", ".md", ".markdown", ".html", ".htm"})
"""Plain text as it is; Markdown rendered and HTML extracted first (:mod:`.web`)."""
MANIFEST_NAME = "manifest.json"
MAX_FILE_BYTES = 5_000_000
"""Larger files are not news articles (a dump, a binary); refusing them keeps reloads fast.
The manifest is capped the same way: it is read whole and parsed at every load."""
MAX_DEPTH = 200
"""Folders nested deeper than this below the corpus folder make the folder unusable: no
archive of articles is that deep, while a folder copied into itself is, and would otherwise
be scanned until the path is too long for the system."""

META_KEYS: dict[str, str] = {
    "title": "title",
    "titre": "title",
    "source": "source",
    "publisher": "source",
    "editeur": "source",
    "url": "url",
    "link": "url",
    "published": "published",
    "date": "published",
    "published_at": "published",
    "lang": "lang",
    "language": "lang",
    "langue": "lang",
    "author": "author",
    "auteur": "author",
}
"""Front-matter / manifest keys we understand, mapped to Article fields."""


class ArticleError(ValueError):
    """A file that cannot become an article; the message is shown to moderators."""


CorpusProblem = Literal["missing", "not_a_folder", "too_deep"]


class CorpusError(Exception):
    """The corpus folder as a whole is unusable; the message says what to do.

    ``kind`` names the problem so that a caller can say it in its own words (the bot does,
    in the reader's language) without matching the English message."""

    def __init__(self, message: str, kind: CorpusProblem, folder: Path) -> None:
        super().__init__(message)
        self.kind: CorpusProblem = kind
        self.folder = folder


def require_folder(folder: Path) -> None:
    """Raise :class:`CorpusError` unless ``folder`` is a folder.

    Separate from :func:`scan` so that a caller can check before it creates anything for the
    folder (the bot's database) rather than after."""
    if not folder.exists():
        raise CorpusError(
            f"corpus folder {folder} does not exist; set NEWSBOT_CORPUS_DIR or pass --corpus", "missing", folder
        )
    if not folder.is_dir():
        raise CorpusError(
            f"{folder} is not a folder; point NEWSBOT_CORPUS_DIR at the folder of articles", "not_a_folder", folder
        )


@dataclass(frozen=True, slots=True)
class Metadata:
    """An article's metadata as its front matter or the manifest gives it; ``None`` where
    neither says (the article then derives what it can from its text)."""

    title: str | None = None
    source: str | None = None
    url: str | None = None
    published: str | None = None
    lang: str | None = None
    """As written ("en", "English", "fr-FR"); :meth:`Language.parse` reads it."""
    author: str | None = None

    def merged_over(self, other: Metadata) -> Metadata:
        """This metadata, with gaps filled from ``other``."""
        return Metadata(
            title=self.title or other.title,
            source=self.source or other.source,
            url=self.url or other.url,
            published=self.published or other.published,
            lang=self.lang or other.lang,
            author=self.author or other.author,
        )


def decode(raw: bytes) -> str:
    """Bytes → text, refusing what is not UTF-8 text (binary files, other encodings)."""
    if not raw.strip():
        raise ArticleError("the file is empty")
    if b"\x00" in raw:
        raise ArticleError("binary file (contains NUL bytes), not an article")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ArticleError(f"not UTF-8 text (byte {error.start}); re-save the file as UTF-8") from None
    return nfc(text.replace("\r\n", "\n").replace("\r", "\n"))


def content_digest(raw: bytes, manifest: Metadata | None = None) -> str:
    """sha256 of the file and of its manifest entry: a reload re-parses an article when
    either its text or its sidecar metadata changed."""
    digest = hashlib.sha256(raw)
    if manifest is not None and manifest != Metadata():
        digest.update(repr(manifest).encode())
    return digest.hexdigest()


_FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.S)


def split_front_matter(text: str) -> tuple[Metadata, str]:
    """Read a ``---``-delimited ``key: value`` block at the top, if any."""
    match = _FRONT.match(text)
    if not match:
        return Metadata(), text
    fields: dict[str, str] = {}
    for line in match.group(1).split("\n"):
        key, sep, value = line.partition(":")
        field = META_KEYS.get(key.strip().lower())
        if sep and field and value.strip():
            fields[field] = value.strip().strip("\"'")
    return Metadata(**fields), text[match.end() :]


@dataclass(frozen=True, slots=True)
class CorpusFile:
    """An article file found in the corpus folder."""

    path: Path
    rel: str
    """Path relative to the corpus folder's parent, e.g. ``seeds/001_x.txt``."""


def scan(folder: Path, max_depth: int = MAX_DEPTH) -> list[CorpusFile]:
    """The article files of ``folder``, sorted by relative path.

    Walks with an explicit stack rather than recursion, so no nesting can exhaust Python's
    stack; folders more than ``max_depth`` levels down raise :class:`CorpusError` (a folder
    copied into itself, say). Linked folders are not entered, so a loop of links cannot make
    the walk endless, and every file found directly is inside ``folder``.
    """
    require_folder(folder)
    # os.scandir rather than Path.rglob + resolve: on large folders pathlib's per-path work
    # was most of every reload's scan, and directory entries cost far less.
    prefix = folder.resolve().name
    files: list[CorpusFile] = []
    links: list[CorpusFile] = []
    pending: list[tuple[str, str, int]] = [(os.fspath(folder), "", 0)]
    while pending:
        directory, relative_dir, depth = pending.pop()
        if depth > max_depth:
            raise CorpusError(
                f"the folder {folder} is nested more than {max_depth} levels deep; flatten it", "too_deep", folder
            )
        try:
            entries = list(os.scandir(directory))
        except OSError as error:
            log.warning("cannot list %s: %s", directory, error.strerror or error)
            continue
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            relative = f"{relative_dir}{name}"
            try:
                if entry.is_dir(follow_symlinks=False):
                    pending.append((entry.path, f"{relative}/", depth + 1))
                    continue
                if os.path.splitext(name)[1].lower() not in ARTICLE_SUFFIXES:
                    continue
                if entry.is_file():  # follows a symlink; skips a dangling one
                    files.append(CorpusFile(Path(entry.path), f"{prefix}/{relative}"))
                    if entry.is_symlink():
                        links.append(files[-1])
            except OSError:  # gone meanwhile, or a loop of links: not an article
                continue
    return sorted(_without_inner_links(folder, prefix, files, links), key=lambda file: file.rel)


def _without_inner_links(
    folder: Path, prefix: str, files: list[CorpusFile], links: list[CorpusFile]
) -> list[CorpusFile]:
    """``files`` less the links to another file of the folder: that file is an article under
    its own name already, and the link would make it two (only links are resolved)."""
    if not links:
        return files
    root = folder.resolve()
    names = {file.rel for file in files} - {link.rel for link in links}
    doubles = set()
    for link in links:
        try:
            real = link.path.resolve(strict=True)
        except (OSError, RuntimeError):
            continue
        if real.is_relative_to(root) and f"{prefix}/{real.relative_to(root).as_posix()}" in names:
            doubles.add(link.rel)
    return [file for file in files if file.rel not in doubles]


def outside_target(folder: Path, path: Path) -> Path | None:
    """The real path of ``path`` when it lies outside ``folder`` (after every link), else None.

    A link out of the folder must not turn a private file into a quote. Only links need
    resolving: :func:`scan` does not enter linked folders, so a plain file it found is
    inside (and resolving every path made big scans noticeably slower).
    """
    if not path.is_symlink():
        return None
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):  # a loop of links, or gone meanwhile: the read will say
        return None
    return None if real.is_relative_to(folder.resolve()) else real


def manifest_rel(folder: Path) -> str:
    """The manifest's path as failures name it, like an article's (``seeds/manifest.json``)."""
    return f"{folder.resolve().name}/{MANIFEST_NAME}"


def read_manifest(folder: Path) -> tuple[dict[str, Metadata], LoadFailure | None]:
    """Per-file metadata from ``manifest.json``: ``{"file.txt": {"title": …, "source": …}}``.

    Keys are file names relative to the corpus folder. A broken manifest is reported, not
    fatal: the articles still load with derived metadata. So is one over
    ``MAX_FILE_BYTES`` (read whole at every load, a huge one would cost every load its
    time and memory) and one nested too deep for the JSON parser.
    """
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return {}, None
    rel = manifest_rel(folder)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ValueError(f"file too large ({size:,} bytes; the limit is {MAX_FILE_BYTES:,})")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except RecursionError:
            raise ValueError("nested too deeply to be read") from None
        if not isinstance(data, dict):
            raise ValueError("expected an object mapping file names to metadata")
        manifest = {}
        for name, fields in data.items():
            if not isinstance(fields, dict):
                raise ValueError(f"entry {name!r} is not an object")
            known = {META_KEYS[k.lower()]: str(v) for k, v in fields.items() if k.lower() in META_KEYS and v}
            manifest[name] = Metadata(**known)
        return manifest, None
    except OSError as error:
        log.warning("ignoring %s: %s", rel, error.strerror or error)
        return {}, LoadFailure(rel, f"manifest ignored: {error.strerror or error}")
    except (UnicodeDecodeError, ValueError) as error:
        log.warning("ignoring %s: %s", rel, error)
        return {}, LoadFailure(rel, f"manifest ignored: {error}")


def read_file(file: CorpusFile) -> bytes:
    """The raw bytes of an article file, refusing oversized ones and anything that is not a
    regular file (a FIFO would block the read forever, a device never end)."""
    try:
        info = file.path.stat()
        if not stat_module.S_ISREG(info.st_mode):
            raise ArticleError("not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise ArticleError(f"file too large ({info.st_size:,} bytes; the limit is {MAX_FILE_BYTES:,})")
        return file.path.read_bytes()
    except OSError as error:
        raise ArticleError(f"cannot read the file: {error.strerror or error}") from None


RACY_WINDOW_NS = 2_000_000_000
"""A file changed this recently (before the scan started) may change again within the same
timestamp tick without its times moving: its signature is not trusted (git's "racy" rule)."""


def file_signature(stat: os.stat_result, manifest: Metadata | None, scan_started_ns: int) -> str | None:
    """What identifies a file's content without reading it: size, modification and change
    times, inode, and its manifest entry (part of the article too). ``None`` for a file
    changed within ``RACY_WINDOW_NS`` of the scan, which must be read again next time.

    The change time moves on every write, rename or ``touch`` and cannot be set back by
    tools that preserve modification times (``cp -p``, ``rsync -t``), so an unchanged
    signature means an unchanged file; a false alarm only costs reading the file.
    """
    if stat.st_ctime_ns >= scan_started_ns - RACY_WINDOW_NS:
        return None
    entry = hashlib.sha256(repr(manifest).encode()).hexdigest()[:16] if manifest else "-"
    return f"{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}:{stat.st_ino}:{entry}"


def manifest_entry(manifest: dict[str, Metadata], folder: Path, file: CorpusFile) -> Metadata | None:
    return manifest.get(file.path.relative_to(folder).as_posix())
