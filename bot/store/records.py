"""The records the store reads and writes (plain dataclasses, no database access)."""

from __future__ import annotations

from dataclasses import dataclass, field

from retrieval.records import Article, LoadFailure, Passage


@dataclass(frozen=True)
class StoredPassage:
    """A passage plus its cached analyzer tokens.

    The tokens are cached so that start-up can rebuild the index without running the
    analyzer over every passage again. Databases written before schema version 2 have no
    cache: such rows come back with ``tokens == ()`` and the caller must re-analyse the
    passage (an analysed passage that really yields no token also has ``()``; re-analysing
    it is harmless and gives ``()`` again).
    """

    passage: Passage
    tokens: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoredCorpus:
    """Every stored article with its passages, and the corpus generation they belong to.

    The generation is an opaque id that changes with every reload that changes the stored
    corpus; anything derived from the corpus (a saved index) is valid for one generation.
    """

    generation: str
    entries: list[tuple[Article, list[StoredPassage]]]


@dataclass(frozen=True)
class StoredFile:
    """What a reload last saw of an article's file: its hash and its file signature."""

    content_hash: str
    signature: str | None
    """Size, times and inode of the file (plus its manifest entry): when they are unchanged
    the file need not be read again. ``None`` when it must be read next time."""
    pipeline: str | None = None
    """The text pipeline that parsed it (see :mod:`retrieval.corpus.pipeline`); ``None``: unknown."""


@dataclass(frozen=True)
class KnownFailure:
    """A file that failed at the last reload, and the signature it had then: while the
    signature and the text pipeline stay the same, it would fail the same way."""

    signature: str
    pipeline: str
    reason: str


@dataclass(frozen=True)
class ArticleRow:
    """A stored article with its bookkeeping (for ``/sources`` and ``/headlines``).

    ``first_seen`` / ``last_seen`` are canonical UTC ISO timestamps: when the path first
    entered the corpus and the last reload that found it.
    """

    article: Article
    first_seen: str
    last_seen: str
    passages: int


@dataclass
class ReloadRun:
    """One reload attempt, successful or not, as shown to moderators; or one poll of the
    feeds, or one import (see ``kind``).

    ``requested_by`` is ``"cli"``, ``"discord"``, ``"startup"``, ``"feeds"`` or ``"import"``
    (never a user name). ``id`` is filled in by the store once the run row is committed.
    """

    requested_by: str
    started_at: str
    duration_s: float
    added: int
    updated: int
    unchanged: int
    removed: int
    failures: list[LoadFailure]
    ok: bool
    error: str | None = None
    id: int | None = None
    generation: str | None = None
    """The corpus generation a successful run left (see :class:`StoredCorpus`), filled in
    with ``id``; ``None`` for a failed run, which changed nothing."""
    kind: str = "reload"
    """``"reload"`` (the folder, or the start), ``"poll"`` (the feeds), ``"import"``, or
    ``"refresh"`` (web articles extracted again by a new text pipeline)."""
    feeds: int | None = None
    """A poll's feeds polled, and those that failed (their errors are its ``failures``)."""
    feeds_failed: int | None = None
    duplicates: int | None = None
    """A poll's items already in the corpus (same link or same text)."""


@dataclass
class QuestionLog:
    """One question asked, without any user identity.

    ``origin`` is ``"cli"`` or ``"discord"``; ``guild_id``/``channel_id`` only for Discord.
    """

    asked_at: str
    origin: str
    question: str
    answered: bool
    top_article: str | None
    top_score: float | None
    latency_ms: float
    guild_id: int | None = None
    channel_id: int | None = None


@dataclass
class StoreStats:
    """Numbers for the ``/stats`` command.

    ``*_day`` count the last 24 hours and ``*_week`` the last 7 days before ``now``;
    ``top_unanswered`` lists up to 5 ``(question, times asked)`` pairs of the last 7 days,
    grouped case-insensitively on the trimmed text (shown as most recently asked).
    """

    articles: int
    passages: int
    last_reload: ReloadRun | None
    """The last run of kind ``"reload"`` (polls and imports are not reloads)."""
    asked_day: int
    answered_day: int
    asked_week: int
    answered_week: int
    top_unanswered: list[tuple[str, int]] = field(default_factory=list)
    last_poll: ReloadRun | None = None
    """The last poll of the feeds (kind ``"poll"``), when there was one."""
