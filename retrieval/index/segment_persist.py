"""Save a :class:`~retrieval.index.segments.SegmentedBM25` as a folder of segment files,
updated by writing only what changed.

Rewriting a whole snapshot after every few added articles costs time and disk in
proportion to the corpus (a whole-index file was ~900 MB at 1M passages). Segments are immutable, so a folder keeps one file per segment and a save
writes only:

* the segments not saved yet (``seg-<uid>.npz``); merged-away ones are deleted after;
* a segment's tombstones when they changed (``seg-<uid>.del-<count>.npy``, the removed
  local passages; a segment's removals only grow, so the count names the set);
* the vocabulary's new terms (``vocab-<start>-<end>.bin``: global term ids only grow);
* ``manifest.json``, small, written to a temporary file and renamed into place last, so a
  reader sees the old snapshot or the new one, never a mix. Files the new manifest no
  longer names are deleted after the rename.

The manifest records every file's size and CRC-32; :func:`load_segments` checks them all,
so a missing, truncated or damaged file reads as "no snapshot" (logged), like a stale key:
a snapshot is a cache and the caller rebuilds from the corpus. Arrays are loaded with
``allow_pickle=False``.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .bm25 import BM25Params, pack_strings, unpack_strings
from .segments import Segment, SegmentedBM25

__all__ = ["SEGMENTS_FORMAT", "load_segments", "save_segments"]

log = logging.getLogger(__name__)

SEGMENTS_FORMAT = 2
"""Bumped whenever the files change meaning; older folders then read as stale."""

_MANIFEST = "manifest.json"
_FIELDS = ("handles", "lengths", "terms", "offsets", "docs", "tf", "first")
_savez: Callable[..., None] = np.savez
"""``numpy.savez``, typed loosely: its stubs read ``**arrays`` as its ``allow_pickle`` flag."""


def _crc(path: Path) -> int:
    crc = 0
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            crc = zlib.crc32(chunk, crc)
    return crc


def write_atomic(path: Path, write: Callable[[Any], object]) -> None:
    """Write a file through a temporary one beside it, synced, then renamed into place: a
    crash or a full disk leaves the old file or the new one, never half of one (and no
    temporary file). Raises :class:`OSError` with nothing left behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; it is as readable as the database
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_atomic(path: Path, write: Callable[[Any], object]) -> dict[str, Any]:
    """:func:`write_atomic`, and the file's manifest entry."""
    write_atomic(path, write)
    return {"file": path.name, "bytes": path.stat().st_size, "crc32": _crc(path)}


def _read_manifest(folder: Path) -> dict[str, Any] | None:
    try:
        manifest = json.loads((folder / _MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        log.warning("ignoring unreadable index manifest in %s: %s", folder, error)
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != SEGMENTS_FORMAT:
        log.info("index segments in %s have another format; rebuilding", folder)
        return None
    return manifest


def save_segments(folder: Path, index: SegmentedBM25, key: str) -> int:
    """Save ``index`` under ``key`` into ``folder``, writing only new or changed files;
    returns the bytes written. Raises :class:`OSError` with the previous snapshot intact."""
    folder.mkdir(parents=True, exist_ok=True)
    old = _read_manifest(folder) or {}
    old_segments = {entry["uid"]: entry for entry in old.get("segments", [])}
    old_vocab = list(old.get("vocab", []))
    written = 0
    terms = index.vocabulary()
    saved_terms = old_vocab[-1]["end"] if old_vocab else 0
    if saved_terms > len(terms) or old.get("lineage") != index.lineage:  # another index's folder: start over
        old_segments, old_vocab, saved_terms = {}, [], 0
    vocab = old_vocab
    if saved_terms < len(terms):
        packed = pack_strings(terms[saved_terms:])
        entry = _write_atomic(folder / f"vocab-{saved_terms}-{len(terms)}.bin", packed.tofile)
        vocab = [*old_vocab, {**entry, "start": saved_terms, "end": len(terms)}]
        written += int(entry["bytes"])
    segments = []
    for seg, alive in index.segments():
        entry, size = _save_segment(folder, seg, alive, old_segments.get(seg.uid))
        segments.append(entry)
        written += size
    manifest = {
        "format": SEGMENTS_FORMAT,
        "key": key,
        "params": [index.params.k1, index.params.b, index.params.epsilon],
        "next_handle": index.next_handle,
        "lineage": index.lineage,
        "passages": len(index),
        "vocab": vocab,
        "segments": segments,
    }
    text = json.dumps(manifest).encode("utf-8")
    _write_atomic(folder / _MANIFEST, lambda file: file.write(text))
    written += len(text)
    _delete_unreferenced(folder, manifest)
    return written


def _save_segment(
    folder: Path, seg: Segment, alive: np.ndarray, old: dict[str, Any] | None
) -> tuple[dict[str, Any], int]:
    """The manifest entry of a segment, writing its files if they are not saved yet."""
    written = 0
    entry: dict[str, Any]
    if old is not None and (folder / old["file"]).exists():
        entry = {k: old[k] for k in ("uid", "file", "bytes", "crc32", "size")}
    else:
        arrays = {name: getattr(seg, name) for name in _FIELDS}
        entry = {"uid": seg.uid, "size": seg.size}
        entry |= _write_atomic(folder / f"seg-{seg.uid}.npz", lambda file: _savez(file, **arrays))
        written += int(entry["bytes"])
    removed = np.flatnonzero(~alive).astype(np.int32)
    if len(removed):
        name = f"seg-{seg.uid}.del-{len(removed)}.npy"
        previous = (old or {}).get("deleted")
        if previous is not None and previous["file"] == name and (folder / name).exists():
            entry["deleted"] = previous
        else:
            entry["deleted"] = _write_atomic(folder / name, lambda file: np.save(file, removed))
            written += int(entry["deleted"]["bytes"])
    return entry, written


def _delete_unreferenced(folder: Path, manifest: dict[str, Any]) -> None:
    """Remove segment, tombstone and vocabulary files the manifest no longer names."""
    keep = {_MANIFEST} | {v["file"] for v in manifest["vocab"]}
    for entry in manifest["segments"]:
        keep.add(entry["file"])
        if "deleted" in entry:
            keep.add(entry["deleted"]["file"])
    for path in folder.iterdir():
        if path.name not in keep and path.name.startswith(("seg-", "vocab-")):
            path.unlink(missing_ok=True)


def _checked(folder: Path, entry: dict[str, Any]) -> Path:
    """The file of a manifest entry, after checking its size and CRC-32."""
    path = folder / str(entry["file"])
    if path.stat().st_size != entry["bytes"] or _crc(path) != entry["crc32"]:
        raise ValueError(f"{path.name} does not match its manifest entry (damaged)")
    return path


def load_segments(folder: Path, key: str) -> SegmentedBM25 | None:
    """The index saved in ``folder`` under ``key``, or ``None`` (the reason logged) when
    there is none, it is for another key, or any of its files is missing or damaged."""
    manifest = _read_manifest(folder)
    if manifest is None:
        return None
    if manifest.get("key") != key:
        log.info("index segments in %s are for another version of the corpus; rebuilding", folder)
        return None
    try:
        terms: list[str] = []
        for entry in manifest["vocab"]:
            chunk = unpack_strings(np.fromfile(_checked(folder, entry), dtype=np.uint8))
            if len(terms) != entry["start"] or len(chunk) != entry["end"] - entry["start"]:
                raise ValueError(f"{entry['file']} does not continue the vocabulary")
            terms += chunk
        parts = [_load_segment(folder, entry, len(terms)) for entry in manifest["segments"]]
        index = SegmentedBM25.from_segments(
            BM25Params(*manifest["params"]), terms, parts, int(manifest["next_handle"]), str(manifest["lineage"])
        )
    except (OSError, KeyError, TypeError, ValueError, IndexError) as error:
        log.warning("index segments in %s are damaged (%s); rebuilding the index", folder, error)
        return None
    if len(index) != manifest["passages"]:
        log.warning("index segments in %s do not match their manifest; rebuilding the index", folder)
        return None
    return index


def _load_segment(folder: Path, entry: dict[str, Any], n_terms: int) -> tuple[Segment, np.ndarray]:
    with np.load(_checked(folder, entry), allow_pickle=False) as data:
        arrays = {name: np.asarray(data[name]) for name in _FIELDS}
    seg = Segment(uid=int(entry["uid"]), **arrays)
    _check_segment(seg, int(entry["size"]), n_terms)
    alive = np.ones(seg.size, dtype=bool)
    if "deleted" in entry:
        removed = np.load(_checked(folder, entry["deleted"]), allow_pickle=False)
        if removed.ndim != 1 or (len(removed) and (removed.min() < 0 or removed.max() >= seg.size)):
            raise ValueError(f"{entry['deleted']['file']} names passages outside its segment")
        alive[removed] = False
    return seg, alive


def _check_segment(seg: Segment, size: int, n_terms: int) -> None:
    """Cheap structural checks: sizes and ranges, not every value."""
    n_postings = len(seg.docs)
    problems = [
        seg.size != size or len(seg.lengths) != size,
        len(seg.offsets) != len(seg.terms) + 1 or int(seg.offsets[-1]) != n_postings,
        len(seg.tf) != n_postings or len(seg.first) != n_postings,
        len(seg.terms) > 0 and (int(seg.terms.max()) >= n_terms or int(seg.terms.min()) < 0),
        n_postings > 0 and (int(seg.docs.max()) >= size or int(seg.docs.min()) < 0),
    ]
    if any(problems):
        raise ValueError(f"segment {seg.uid} does not fit together")
