"""Reload planning: what a reload adds, updates, keeps and removes, decided without I/O.

Two pure steps around the parse: :func:`plan_reload` reads the scan and says which files to
parse and which stored articles are gone; :meth:`ReloadPlan.settle` takes the parse results
and says what the store must write. The service then applies the outcome in one
transaction. Kept pure so every rule (a file that fails keeps its previous version, a
signature only vouches for content that is stored) is testable without a database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from retrieval.records import Article, LoadFailure

from ..store import KnownFailure, StoredPassage
from .folder import Scan, ScannedFile


@dataclass(frozen=True)
class ReloadOutcome:
    """What the store must write after the parse."""

    added: tuple[str, ...]
    updated: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: tuple[str, ...]
    """Stored articles kept as they are: unchanged files, and files that failed to parse."""
    signatures: dict[str, str | None]
    """File signatures to store: only for files whose stored content matches them."""
    known_failures: dict[str, KnownFailure]
    """The files that failed, with their signatures: not read again while unchanged."""


@dataclass(frozen=True)
class FolderChanges:
    """How many files a reload would add, re-parse and remove (for a "folder changed" note)."""

    new: int
    changed: int
    removed: int

    def __bool__(self) -> bool:
        return bool(self.new or self.changed or self.removed)


@dataclass(frozen=True)
class ReloadPlan:
    """What a reload will parse and remove, from a scan of the folder."""

    generation: str
    """The stored corpus generation the plan was made from."""
    stored_hashes: dict[str, str]
    to_parse: dict[str, ScannedFile]
    """New files, changed files, and files stored by another text pipeline."""
    outdated: frozenset[str]
    """Stored articles parsed by another version of the text pipeline."""
    removed: tuple[str, ...]
    """Stored articles whose file is gone from the folder."""
    folder_matches_store: bool
    """Every file reads as stored, none failed, all by this pipeline: nothing to reload."""

    def changes(self) -> FolderChanges:
        """The plan in counts: new files, stored files to parse again, files gone."""
        new = sum(rel not in self.stored_hashes for rel in self.to_parse)
        return FolderChanges(new=new, changed=len(self.to_parse) - new, removed=len(self.removed))

    def removes_too_much(self, max_share: float) -> bool:
        """Whether the plan removes every stored article, or more than ``max_share`` of them.

        Counted on removals alone: a folder swapped for another one is a removal too, and is
        the same accident seen from the store."""
        stored = len(self.stored_hashes)
        if not stored or not self.removed:
            return False
        return len(self.removed) == stored or len(self.removed) / stored > max_share

    def settle(
        self,
        scan: Scan,
        parsed: Sequence[tuple[Article, Sequence[StoredPassage]]],
        parse_failures: Sequence[LoadFailure] = (),
    ) -> ReloadOutcome:
        """The outcome once ``parsed`` is known. A file present but unreadable or unparsable
        keeps its previous version (if any), counted with the unchanged ones."""
        known_failures: dict[str, KnownFailure] = {}
        for failure in [*scan.failures, *parse_failures]:
            scanned = scan.files.get(failure.path)
            signature = scan.failure_signatures.get(failure.path) or (scanned.signature if scanned else None)
            if signature is not None:
                known_failures[failure.path] = KnownFailure(signature, scan.pipeline, failure.reason)
        parsed_paths = {article.path for article, _ in parsed}
        unchanged = sorted(set(self.stored_hashes) - parsed_paths - set(self.removed))
        # A signature vouches for the stored version of a file: not for a file whose new
        # content failed to parse (it keeps its old version, and is read again next time).
        kept_hashes = self.stored_hashes | {article.path: article.content_hash for article, _ in parsed}
        signatures = {rel: file.signature for rel, file in scan.files.items() if file.digest == kept_hashes.get(rel)}
        return ReloadOutcome(
            added=tuple(a.path for a, _ in parsed if a.path not in self.stored_hashes),
            updated=tuple(a.path for a, _ in parsed if a.path in self.stored_hashes),
            removed=self.removed,
            unchanged=tuple(unchanged),
            signatures=signatures,
            known_failures=known_failures,
        )


def plan_reload(scan: Scan) -> ReloadPlan:
    """Compare the scanned folder with the stored corpus it was scanned against."""
    stored_hashes = {rel: file.content_hash for rel, file in scan.known.items()}
    outdated = frozenset(rel for rel, file in scan.known.items() if file.pipeline != scan.pipeline)
    to_parse = {
        rel: file
        for rel, file in scan.files.items()
        if file.digest is not None and (rel in outdated or stored_hashes.get(rel) != file.digest)
    }
    current = {rel: file.digest for rel, file in scan.files.items() if file.digest}
    return ReloadPlan(
        generation=scan.generation,
        stored_hashes=stored_hashes,
        to_parse=to_parse,
        outdated=outdated,
        removed=tuple(sorted(set(stored_hashes) - set(scan.files))),
        folder_matches_store=(
            current == stored_hashes and all(f.path in scan.known_bad for f in scan.failures) and not outdated
        ),
    )


def refreshed_signatures(scan: Scan) -> dict[str, str]:
    """Signatures of the stored files that read as stored although their signature changed
    (copied or touched since): stored, they let the next scan skip reading those files."""
    known = scan.known
    return {
        rel: file.signature
        for rel, file in scan.files.items()
        if file.signature and known.get(rel) and known[rel].signature != file.signature
    }
