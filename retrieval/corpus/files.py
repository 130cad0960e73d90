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
from dataclasses import dataclass
from pathlib import Path

from ..records import LoadFailure
from ..text.normalize import nfc

log = logging.getLogger(__name__)

ARTICLE_SUFFIXES: frozenset[str] = frozenset({".txt", ".md", ".markdown", ".html", ".htm"})
"""Plain text as it is; Markdown rendered and HTML extracted first (:mod:`.web`)."""
MANIFEST_NAME = "manifest.json"
MAX_FILE_BYTES = 5_000_000
"""Larger files are not news articles (a dump, a binary); refusing them keeps reloads fast."""

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
}
"""Front-matter / manifest keys we understand, mapped to Article fields."""


class ArticleError(ValueError):
    """A file that cannot become an article; the message is shown to moderators."""




class CorpusError(Exception):
    """The corpus folder as a whole is unusable; the message says what to do."""


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

    def merged_over(self, other: Metadata) -> Metadata:
        """This metadata, with gaps filled from ``other``."""
        return Metadata(
            title=self.title or other.title,
            source=self.source or other.source,
            url=self.url or other.url,
            published=self.published or other.published,
            lang=self.lang or other.lang,
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
        raise ArticleError(
            f"not UTF-8 text (byte {error.start}); re-save the file as UTF-8"
        ) from None
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


def scan(folder: Path) -> list[CorpusFile]:
    """The article files of ``folder``, sorted by relative path."""
    if not folder.exists():
        raise CorpusError(f"corpus folder {folder} does not exist; set NEWSBOT_CORPUS_DIR or pass --corpus")
    if not folder.is_dir():
        raise CorpusError(f"{folder} is not a folder; point NEWSBOT_CORPUS_DIR at the folder of articles")
    # os.walk rather than Path.rglob + resolve: on large folders pathlib's per-path work was
    # most of every reload's scan, and os.walk's directory entries cost far less.
    prefix = folder.resolve().name
    files = []
    for directory, subdirectories, names in os.walk(folder):
        subdirectories[:] = [name for name in subdirectories if not name.startswith(".")]
        relative_dir = os.path.relpath(directory, folder)
        for name in names:
            if name.startswith(".") or os.path.splitext(name)[1].lower() not in ARTICLE_SUFFIXES:
                continue
            path = Path(directory, name)
            if path.is_file():  # follows a symlink; skips a dangling one
                relative = name if relative_dir == "." else f"{relative_dir}/{name}"
                files.append(CorpusFile(path, f"{prefix}/{Path(relative).as_posix()}"))
    return sorted(files, key=lambda file: file.rel)


def read_manifest(folder: Path) -> tuple[dict[str, Metadata], LoadFailure | None]:
    """Per-file metadata from ``manifest.json``: ``{"file.txt": {"title": …, "source": …}}``.

    Keys are file names relative to the corpus folder. A broken manifest is reported, not
    fatal: the articles still load with derived metadata.
    """
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return {}, None
    rel = f"{folder.resolve().name}/{MANIFEST_NAME}"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("expected an object mapping file names to metadata")
        manifest = {}
        for name, fields in data.items():
            if not isinstance(fields, dict):
                raise ValueError(f"entry {name!r} is not an object")
            known = {META_KEYS[k.lower()]: str(v) for k, v in fields.items() if k.lower() in META_KEYS and v}
            manifest[name] = Metadata(**known)
        return manifest, None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        log.warning("ignoring %s: %s", rel, error)
        return {}, LoadFailure(rel, f"manifest ignored: {error}")


def read_file(file: CorpusFile) -> bytes:
    """The raw bytes of an article file, refusing oversized ones."""
    try:
        size = file.path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ArticleError(f"file too large ({size:,} bytes; the limit is {MAX_FILE_BYTES:,})")
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
