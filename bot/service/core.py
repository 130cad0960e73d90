"""The service's lifecycle, questions, and the apply step of a reload.

A reload builds a complete new engine next to the live one, commits the database changes in
one transaction, and only then swaps the engine reference: questions asked meanwhile are
answered from the old corpus, and a failed reload leaves both the database and the live
engine as they were. What to parse and remove is planned in :mod:`.plan`; the folder is read
in :mod:`.folder`.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import logging
import re
import secrets
import time
import weakref
from collections import Counter
from collections.abc import Callable, Coroutine, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self, TypeVar

from bot.messages import Problem
from retrieval.answer import Answer, Citation, QuestionParser
from retrieval.corpus import CorpusError
from retrieval.corpus.pipeline import pipeline_id
from retrieval.engine import MAX_QUESTION_CHARS, Engine, EngineState, free_in_slices, passage_terms
from retrieval.records import Article, LoadFailure, Passage
from retrieval.snapshot import read_snapshot, write_snapshot
from retrieval.text.analyzers import Analyzers
from retrieval.text.normalize import fold_accents

from ..config import Settings
from ..feeds.items import WebArticle, prepare_web_articles
from ..store import (
    ArticleRow,
    KnownFailure,
    QuestionLog,
    ReloadRun,
    Store,
    StoreBusyError,
    StoreConflictError,
    StoredFile,
    StoredPassage,
    StoreError,
    VoteOutcome,
    WebRecord,
    is_web_path,
    utc_timestamp,
)
from .answers import citation_from_record, citation_record
from .folder import Scan, parse_files, require_folder, scan_folder
from .leftovers import remove_abandoned_snapshots
from .memory import ARTICLES_PER_FREE_STEP, cyclic_gc_paused, empty_in_slices
from .plan import FolderChanges, ReloadOutcome, ReloadPlan, plan_reload, refreshed_signatures
from .records import (
    Progress,
    ReloadInProgress,
    ReloadRefused,
    ReloadReport,
    ServiceError,
    ServiceStats,
    WebOutcome,
    storable,
)
from .web import refresh_web_articles

log = logging.getLogger("bot.service")

T = TypeVar("T")

PURGE_EVERY_S = 24 * 3600.0
"""How often a long-running service deletes questions and kept answers past their retention
(a start does it too): the answers table gains a row for every answer posted on Discord."""


def in_context(parser: QuestionParser, question: str, previous: str | None) -> str:
    """``question`` asked as a follow-up of ``previous``: when it names nothing itself ("Et
    combien a-t-elle levé ?"), the names of ``previous`` ("Zorblax") are added to it, so the
    question's parse (names near the quote, names the corpus must know) is about them. A
    question with names of its own ("Et Mistral ?") changes the subject and stays as it is."""
    if not previous or parser.parse(question).names:
        return question
    folded = question.casefold()
    carried = [name for name in parser.parse(previous).names if name.casefold() not in folded]
    if not carried:
        return question
    return f"{question.strip()} ({', '.join(carried)})"


def answer_in_context(engine: Engine, question: str, lang: str | None, previous: str | None) -> Answer:
    """What a question worker runs: the question put in context, then answered."""
    if previous is not None and len(question) <= MAX_QUESTION_CHARS:
        contextual = in_context(engine.parser, question, previous)
        if len(contextual) <= MAX_QUESTION_CHARS:
            question = contextual
    return engine.answer(question, lang)


def lookup_text(text: str) -> str:
    """``text`` on one line, cut to ``MAX_QUESTION_CHARS`` at the end of a sentence when one
    ends in the second half, else at a word."""
    flat = " ".join(text.split())
    if len(flat) <= MAX_QUESTION_CHARS:
        return flat
    cut = flat[:MAX_QUESTION_CHARS]
    ends = [m.end() for m in re.finditer(r"[.!?…](?=\s)", cut)]
    if ends and ends[-1] > MAX_QUESTION_CHARS // 2:
        return cut[: ends[-1]]
    return cut[: cut.rindex(" ")] if " " in cut else cut


def _folded(text: str) -> str:
    return fold_accents(text.lower())


def titles_containing(rows: Sequence[ArticleRow], term: str) -> list[ArticleRow]:
    """The rows whose article title contains ``term``, case and accents aside."""
    wanted = _folded(term.strip())
    return [row for row in rows if wanted in _folded(row.article.title)]


class TitleIndex:
    """The corpus's titles folded (case and accents aside) and sorted once per engine, so a
    keystroke of ``/sources`` autocompletion costs a binary search and, at most, one scan
    that stops at ``limit`` matches, not a fold and sort of every title."""

    def __init__(self, titles: Iterable[str]) -> None:
        self.entries = sorted({(_folded(title), title) for title in titles})

    def matching(self, term: str, limit: int) -> list[str]:
        """Distinct titles containing ``term``, those starting with it first, then
        alphabetically; at most ``limit``."""
        wanted = _folded(term.strip())
        found: list[str] = []
        start = bisect.bisect_left(self.entries, (wanted,))
        for folded, title in itertools.islice(self.entries, start, None):
            if len(found) >= limit or not folded.startswith(wanted):
                break
            found.append(title)
        for folded, title in self.entries:
            if len(found) >= limit:
                break
            if wanted in folded and not folded.startswith(wanted):
                found.append(title)
        return found


class NewsService:
    """Open with ``await NewsService.open(settings)``; close with :meth:`close`."""

    def __init__(self, settings: Settings, store: Store, progress: Progress | None = None) -> None:
        self.settings = settings
        self.store = store
        self._progress = progress
        self._analyzers = Analyzers()
        self._engine = Engine([], [], analyzers=self._analyzers)
        self._reload_lock = asyncio.Lock()
        self._query_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="newsbot-query")
        self._build_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsbot-build")
        self._background: set[asyncio.Future[None]] = set()
        """Question logs being written."""
        self._snapshot_writes: set[asyncio.Future[None]] = set()
        self._answering: Counter[int] = Counter()
        self._purged_at = time.monotonic()
        self._titles: tuple[weakref.ref[Engine], TitleIndex] | None = None
        """The live engine's titles for autocompletion, made at the first keystroke after a
        swap (a weak reference: it never keeps an old engine alive)."""
        """Questions being answered, per engine (by id)."""
        self._engine_generation: str | None = None
        """The stored corpus generation the live engine was built from."""
        self._snapshot_generation: str | None = None
        """The generation of the index snapshot on disk, when this service knows it."""

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    async def open(
        cls,
        settings: Settings,
        *,
        progress: Progress | None = None,
        reload_if_changed: bool = True,
        load_if_empty: bool = True,
        read_only_if_unwritable: bool = False,
    ) -> NewsService:
        """Open the store and bring the live engine up: from the stored passages when the
        corpus folder is unchanged since the last reload, otherwise by reloading.

        ``reload_if_changed=False`` always starts from the stored corpus (when there is one),
        for a caller about to reload and report the differences itself. ``load_if_empty=False``
        leaves an empty store empty, for that same caller: its reload then reports the
        first load as its own. ``read_only_if_unwritable`` opens the store read-only when
        it cannot be opened for writing (a full disk, a read-only folder) (see :meth:`Store.open`), for commands that
        only read: they answer, and what they would log is dropped with a warning.
        """
        if not settings.db_path.exists():
            require_folder(settings.corpus_dir)  # nothing is created for a folder that is not there
        store = await Store.open(settings.db_path, read_only_if_unwritable=read_only_if_unwritable)
        service = cls(settings, store, progress)
        try:
            await service.start(reload_if_changed=reload_if_changed, load_if_empty=load_if_empty)
        except BaseException:
            await service.close()
            raise
        return service

    async def start(self, *, reload_if_changed: bool = True, load_if_empty: bool = True) -> None:
        await self._in_build(remove_abandoned_snapshots, self.settings.index_path)
        if reload_if_changed:  # web articles of another text pipeline, as files are re-parsed
            await refresh_web_articles(self.store, self._in_build, self._analyzers, "startup")
        with cyclic_gc_paused():
            await self._start(reload_if_changed, load_if_empty)
        if not self._engine.articles and load_if_empty:
            raise ServiceError("no_usable_articles", folder=self.settings.corpus_dir)
        await self._purge_old_questions()

    async def _start(self, reload_if_changed: bool, load_if_empty: bool) -> None:
        generation, known = await self.store.article_files()
        if not known and not load_if_empty:
            return
        if known and not reload_if_changed:
            # Answer from what is stored, whatever the folder holds now: only a reload
            # changes the stored corpus, so a read-only command never writes it.
            await self._serve_stored()
            return
        scanned = await self._scan_against(generation, known)
        plan = await self._in_build(plan_reload, scanned)
        if known and plan.folder_matches_store:
            await self._serve_stored()
            await self._remember_signatures(scanned)
        else:
            report = await self.reload(requested_by="startup", scanned=scanned)
            if report.refused:
                # Serve what is stored rather than nothing: the folder may come back.
                log.warning("serving the stored corpus: %s", report.error)
                await self._serve_stored()
            elif not report.ok:
                raise ServiceError("could_not_load", error=report.error)

    async def _serve_stored(self) -> None:
        started = time.perf_counter()
        self._engine, self._engine_generation = await self._load_stored_engine()
        log.info(
            "loaded %d articles (%d passages) from %s in %.2fs",
            len(self._engine.articles),
            len(self._engine),
            self.store.path,
            time.perf_counter() - started,
        )

    async def folder_changes(self) -> FolderChanges:
        """How the corpus folder differs from the stored corpus (nothing is written).

        Raises :class:`~retrieval.corpus.CorpusError` when the folder is missing.
        """
        plan = await self._in_build(plan_reload, await self._scan())
        return plan.changes()

    async def _scan(self) -> Scan:
        """Scan the folder (in the build thread) against the stored corpus."""
        return await self._scan_against(*await self.store.article_files())

    async def _scan_against(self, generation: str, known: dict[str, StoredFile]) -> Scan:
        failures = await self.store.known_failures()
        return await self._in_build(self._scan_files, generation, known, failures)

    def _scan_files(self, generation: str, known: dict[str, StoredFile], failures: dict[str, KnownFailure]) -> Scan:
        """:func:`scan_folder` against the stored files (in the build thread: every step
        here is in proportion to the corpus, too long for the event loop at a million
        passages)."""
        # Articles from the web have no file: the folder scan must neither see them as
        # deleted files nor count them when it decides whether the folder matches the store.
        files = {path: file for path, file in known.items() if not is_web_path(path)}
        return scan_folder(
            self.settings.corpus_dir, generation, files, self._report, failures, self.settings.follow_outside_links
        )

    async def _load_stored_engine(self) -> tuple[Engine, str]:
        """The engine of the stored corpus, and its generation: the saved index snapshot
        when there is one for this generation, else built from the stored tokens (and the
        snapshot written for next time)."""
        corpus = await self.store.load_corpus(tokens=False)
        n_passages = sum(len(passages) for _, passages in corpus.entries)
        state = await self._in_build(read_snapshot, self.settings.index_path, corpus.generation, n_passages)
        if state is not None:
            self._snapshot_generation = corpus.generation
            return await self._in_build(self._build_engine_from_box, [corpus.entries], state), corpus.generation
        corpus = await self.store.load_corpus()  # with the tokens, to build the index
        engine = await self._in_build(self._build_engine_from_box, [corpus.entries])
        self._save_snapshot(engine, corpus.generation)
        return engine, corpus.generation

    def _save_snapshot(self, engine: Engine, generation: str) -> None:
        """Write the engine's index snapshot in the build thread, without waiting for it.

        Submitted to the one build thread right away, so it runs before anything a later
        reload queues there (including dismantling this engine); :meth:`close` waits for it.
        A snapshot is only a cache: failing to write one is logged, never raised.
        """
        if generation == self._snapshot_generation or not len(engine):
            return
        path = self.settings.index_path

        def write() -> None:
            started = time.perf_counter()
            try:
                size = write_snapshot(path, engine, generation)
            except Exception as error:
                log.warning(
                    "index snapshot not saved to %s (%s); the next start will rebuild the index",
                    path,
                    error,
                    exc_info=not isinstance(error, OSError),
                )
                return
            self._snapshot_generation = generation
            log.info("saved the index snapshot %s (%.0f MB) in %.2fs", path, size / 1e6, time.perf_counter() - started)

        future = asyncio.wrap_future(self._build_pool.submit(write))
        self._snapshot_writes.add(future)
        future.add_done_callback(self._snapshot_writes.discard)

    async def _remember_signatures(self, scanned: Scan) -> None:
        """Store the signatures of files that had to be read although unchanged (copied or
        touched since), so the next scan skips reading them."""
        fresh = await self._in_build(refreshed_signatures, scanned)
        if fresh:
            try:
                await self.store.record_signatures(fresh)
            except StoreError as error:
                log.warning("file signatures not stored: %s", error)

    async def follow_store(self) -> bool:
        """Swap in the stored corpus when another process (``newsbot reload`` beside a running
        bot) changed it since the live engine was built; return whether it did.

        Cheap when nothing changed (one row read), so the bot can call it every few seconds.
        Skipped while this service reloads: that reload will leave the newest corpus live.
        """
        if self._reload_lock.locked():
            return False
        if await self.store.generation() == self._engine_generation:
            return False
        async with self._reload_lock:
            with cyclic_gc_paused():
                engine, generation = await self._load_stored_engine()
            old_engine_box = [self._engine]
            self._engine, self._engine_generation = engine, generation
            self._release_in_worker(old_engine_box)
        log.info(
            "another process changed the stored corpus: now serving %d articles (%d passages)",
            len(engine.articles),
            len(engine),
        )
        return True

    async def close(self) -> None:
        await self.settle()
        await self.store.close()
        self._query_pool.shutdown(wait=False, cancel_futures=True)
        self._build_pool.shutdown(wait=False, cancel_futures=True)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @property
    def engine(self) -> Engine:
        """The live engine (a snapshot: hold the reference for one whole question)."""
        return self._engine

    @property
    def reload_running(self) -> bool:
        return self._reload_lock.locked()

    # ------------------------------------------------------------------ questions

    async def ask(
        self,
        question: str,
        *,
        lang: str | None = None,
        origin: str = "cli",
        guild_id: int | None = None,
        channel_id: int | None = None,
        previous: str | None = None,
    ) -> Answer:
        """Answer from the live engine in a worker thread, then log the question.

        ``previous``, the question a follow-up answers on ("Et combien a-t-elle levé ?" in
        reply to a question about Zorblax), lends its names to a question that names none
        (see :func:`in_context`); the answer's ``question`` is then the question as asked
        in context."""
        started = time.perf_counter()
        answer = await self._answer(question, lang, previous)
        latency_ms = (time.perf_counter() - started) * 1000
        if self.settings.log_questions and answer.reason not in ("empty", "too_long"):
            top = answer.citations[0] if answer.citations else None
            record = QuestionLog(
                asked_at=utc_timestamp(),
                origin=origin,
                question=storable(answer.question),
                answered=answer.answered,
                top_article=top.article.path if top else None,
                top_score=top.score if top else None,
                latency_ms=latency_ms,
                guild_id=guild_id,
                channel_id=channel_id,
            )
            self._in_background(self._log_question(record))
        return answer

    async def _answer(self, question: str, lang: str | None, previous: str | None = None) -> Answer:
        engine = self._engine
        self._answering[id(engine)] += 1  # an old engine is only dismantled once unused
        try:
            return await asyncio.get_running_loop().run_in_executor(
                self._query_pool, answer_in_context, engine, question, lang, previous
            )
        finally:
            self._answering[id(engine)] -= 1

    async def supporting(self, text: str, *, lang: str | None = None) -> Answer:
        """The articles whose sentences support ``text`` (a message, not a question): the
        same answering as :meth:`ask`, on the message's first ``MAX_QUESTION_CHARS``
        characters (cut at a sentence, else a word), quotes verbatim. Not logged as a
        question: a statement looked up would fill the moderators' "unanswered" list."""
        return await self._answer(lookup_text(text), lang)

    def remember_answer(self, answer: Answer, shown: int) -> int:
        """The key of ``answer`` for the buttons under it (a random number, so a key seen in
        one message says nothing about others); the answer is stored in the background, so
        a busy or full disk never delays or costs the answer itself."""
        key = secrets.randbelow(2**62) + 1
        question = storable(answer.question) if self.settings.log_questions else None
        citations = [citation_record(c) for c in answer.citations]
        self._in_background(self._remember(key, question, answer.lang, citations, shown))
        if time.monotonic() - self._purged_at >= PURGE_EVERY_S:
            self._purged_at = time.monotonic()
            self._in_background(self._purge_old_questions())
        return key

    async def _remember(self, key: int, question: str | None, lang: str, citations: list[Any], shown: int) -> None:
        try:
            await self.store.remember_answer(
                key, asked_at=utc_timestamp(), question=question, lang=lang, citations=citations, shown=shown
            )
        except StoreError as error:
            log.warning("answer %s not stored (its buttons will say so): %s", key, error)

    async def vote(self, key: int, user_id: int, helpful: bool) -> VoteOutcome:
        """Record a 👍 (``helpful``) or 👎 on answer ``key``; a user's second vote replaces
        the first. The user id itself is not stored (see :mod:`bot.store.feedback`)."""
        await self._flush_background()  # an answer posted a moment ago is stored by now
        return await self.store.vote(key, user_id, helpful, voted_at=utc_timestamp())

    async def more_citations(self, key: int) -> tuple[str, tuple[Citation, ...]] | None:
        """(language, the citations answer ``key`` did not show), or ``None`` when the answer
        is not stored."""
        await self._flush_background()
        stored = await self.store.stored_answer(key)
        if stored is None:
            return None
        return stored.lang, tuple(citation_from_record(c) for c in stored.citations[stored.shown :])

    async def _log_question(self, record: QuestionLog) -> None:
        try:
            await self.store.log_question(record)
        except StoreError as error:
            # Losing one log row must never cost the user their answer.
            log.warning("question not logged: %s", error)

    async def settle(self) -> None:
        """Wait for the background work started so far: question logs, index snapshots."""
        await self._flush_background()
        if self._snapshot_writes:
            await asyncio.gather(*self._snapshot_writes)

    async def _flush_background(self) -> None:
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    def _in_background(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def headlines(self, n: int = 10) -> list[ArticleRow]:
        return await self.store.headlines(n)

    async def sources(self, term: str | None = None) -> list[ArticleRow]:
        """Every stored article, or those whose title contains ``term`` (case and accents
        aside); the filtering runs in a worker thread (a corpus may hold 100k titles)."""
        rows = await self.store.articles()
        if not term or not term.strip():
            return rows
        return await self.in_worker(titles_containing, rows, term)

    async def source_titles(self, term: str, limit: int = 25) -> list[str]:
        """Up to ``limit`` titles of the live corpus that contain ``term`` (all of them, in
        order, when ``term`` is empty), for autocompletion: read from the engine in memory,
        in a worker thread, so a keystroke never waits for the store."""
        engine = self._engine
        cached = self._titles
        if cached is None or cached[0]() is not engine:
            index = await self.in_worker(TitleIndex, [a.title for a in engine.articles.values()])
            cached = self._titles = (weakref.ref(engine), index)
        return await self.in_worker(cached[1].matching, term, limit)

    async def in_worker(self, function: Callable[..., T], *args: Any) -> T:
        """Run ``function(*args)`` in the question workers, off the event loop: for the
        bot's CPU-bound formatting of long lists."""
        return await asyncio.get_running_loop().run_in_executor(self._query_pool, function, *args)

    async def stats(self) -> ServiceStats:
        await self._flush_background()  # count every question asked so far
        return ServiceStats(
            store=await self.store.stats(datetime.now(UTC)),
            live_articles=len(self._engine.articles),
            live_passages=len(self._engine),
            reload_running=self.reload_running,
            feedback=await self.store.feedback_stats(),
        )

    # ------------------------------------------------------------------ reload

    async def reload(
        self,
        *,
        requested_by: str = "cli",
        wait: bool = True,
        scanned: Scan | None = None,
        allow_shrink: bool = False,
    ) -> ReloadReport:
        """Rescan the corpus folder and swap in a new engine.

        Only new or changed files are parsed. A file that fails keeps its previous version
        if it had one. A reload that would remove all the stored articles, or more than
        ``settings.max_removed_share`` of them, is refused (the report says so) unless
        ``allow_shrink``. Concurrent reloads are serialised: with ``wait=False`` a second one
        raises :class:`ReloadInProgress` instead of queueing.
        """
        if not wait and self._reload_lock.locked():
            raise ReloadInProgress()
        async with self._reload_lock:
            started_at = utc_timestamp()
            started = time.perf_counter()
            if scanned is None:  # else the caller's scan is of the store as it was: keep it
                await refresh_web_articles(self.store, self._in_build, self._analyzers, requested_by)
            try:
                with cyclic_gc_paused():
                    return await self._reload(requested_by, started_at, started, scanned, allow_shrink)
            except Exception as error:  # the whole reload failed: nothing was swapped
                if isinstance(error, (StoreError, ServiceError, CorpusError)):
                    log.warning("reload failed: %s", error)  # an operational problem, not a bug
                else:
                    log.exception("reload failed")
                duration = time.perf_counter() - started
                message = str(error) or error.__class__.__name__
                run = ReloadRun(requested_by, started_at, duration, 0, 0, 0, 0, [], ok=False, error=message)
                if not isinstance(error, StoreBusyError):  # a locked database would refuse this too
                    try:
                        await self.store.record_run(run)
                    except StoreError as store_error:
                        log.warning("failed reload not recorded: %s", store_error)
                return ReloadReport(
                    ok=False,
                    requested_by=requested_by,
                    duration_s=duration,
                    articles=len(self._engine.articles),
                    passages=len(self._engine),
                    error=message,
                    refused=isinstance(error, ReloadRefused),
                    problem=error if isinstance(error, Problem) else None,
                )

    async def _reload(
        self, requested_by: str, started_at: str, started: float, scanned: Scan | None, allow_shrink: bool
    ) -> ReloadReport:
        if scanned is None:
            scanned = await self._scan()
        # Planning and settling compare every stored path with the folder: at a million
        # passages each step holds the interpreter for a quarter of a second, so they run
        # in the build thread, never on the event loop.
        plan = await self._in_build(plan_reload, scanned)
        if not allow_shrink and plan.removes_too_much(self.settings.max_removed_share):
            raise ReloadRefused(len(plan.removed), len(plan.stored_hashes), self.settings.corpus_dir)
        if plan.outdated:
            log.info(
                "%d stored articles were parsed by another newsbot version: parsing them again", len(plan.outdated)
            )
        parsed, parse_failures = await self._in_build(
            parse_files, self.settings.corpus_dir, plan.to_parse, scanned.manifest, self._analyzers, self._report
        )
        failures = scanned.failures + parse_failures
        outcome = await self._in_build(plan.settle, scanned, parsed, parse_failures)
        try:
            return await self._apply(
                plan, outcome, parsed, failures, requested_by, started_at, started, scanned.pipeline
            )
        finally:
            # The per-file tables of the scan, the plan and the outcome are freed in the build
            # thread, a slice at a time, after the reload has returned; the scan is used up
            # (a caller's too).
            tables = [scanned.files, scanned.known, plan.stored_hashes, outcome.signatures]
            del scanned, plan, outcome
            self._in_background(self._in_build(empty_in_slices, *tables))

    async def _apply(
        self,
        plan: ReloadPlan,
        outcome: ReloadOutcome,
        parsed: list[tuple[Article, list[StoredPassage]]],
        failures: list[LoadFailure],
        requested_by: str,
        started_at: str,
        started: float,
        pipeline: str,
    ) -> ReloadReport:
        """Build the new engine, write the outcome in one transaction, then swap engines."""
        if not parsed and not outcome.removed and self._engine_generation == plan.generation:
            engine = self._engine  # nothing changed: the live engine is the stored corpus
        elif self._engine_generation == plan.generation:
            # The live engine is the stored corpus the plan was made from: derive the next
            # one from it, in proportion to the change (nothing else is read or rebuilt).
            engine = await self._in_build(self._derive, self._engine, parsed, outcome.removed)
        else:
            stored = await self.store.load_corpus()
            if stored.generation != plan.generation:  # another process reloaded meanwhile
                raise StoreConflictError(self.store.path)
            # The stored corpus (millions of objects on big corpora) is handed over in a
            # box that the worker empties, so it is used and freed there: freeing it on the
            # event loop would stall it.
            engine = await self._in_build(self._merge_and_build, [stored.entries], parsed, list(outcome.unchanged))
        duration = time.perf_counter() - started
        run = ReloadRun(
            requested_by,
            started_at,
            duration,
            len(outcome.added),
            len(outcome.updated),
            len(outcome.unchanged),
            len(outcome.removed),
            list(failures),
            ok=True,
        )
        # One transaction; if it raises, the database rolls back and the old engine stays.
        try:
            await self.store.apply_reload(
                parsed,
                outcome.removed,
                outcome.unchanged,
                run,
                now=utc_timestamp(),
                signatures=outcome.signatures,
                pipeline=pipeline,
                expected_generation=plan.generation,
                known_failures=outcome.known_failures,
            )
        finally:
            # The parsed passages and their tokens (millions of objects after a full load)
            # are freed in the worker: freed when this returns, on the event loop, they
            # stalled it.
            await self._in_build(free_in_slices, parsed, ARTICLES_PER_FREE_STEP)
        assert run.generation is not None
        if engine is not self._engine:
            old_engine_box = [self._engine]
            self._engine, self._engine_generation = engine, run.generation
            self._release_in_worker(old_engine_box)
            self._save_snapshot(engine, run.generation)
            self._merge_in_background(engine, run.generation)
        log.info(
            "reload by %s: %d added, %d updated, %d unchanged, %d removed, %d failed in %.2fs",
            requested_by,
            len(outcome.added),
            len(outcome.updated),
            len(outcome.unchanged),
            len(outcome.removed),
            len(failures),
            duration,
        )
        return ReloadReport(
            ok=True,
            requested_by=requested_by,
            added=outcome.added,
            updated=outcome.updated,
            removed=outcome.removed,
            unchanged=len(outcome.unchanged),
            failures=tuple(failures),
            duration_s=duration,
            articles=len(engine.articles),
            passages=len(engine),
        )

    # ------------------------------------------------------------------ web articles

    async def add_web_articles(
        self, found: Sequence[WebArticle], *, requested_by: str = "feeds", kind: str = "import"
    ) -> WebOutcome:
        """Add articles from feeds or imported pages through the reload path (one store
        transaction, a new engine built in the worker, then swapped), dropping web articles
        past ``NEWSBOT_RETENTION_DAYS``. One at a time with reloads: a reload running waits
        for this and this for it. An article already stored (same canonical link or the same
        text) is counted as a duplicate, not added."""
        async with self._reload_lock:
            started_at, started = utc_timestamp(), time.perf_counter()
            fresh, duplicates = await self._new_web_articles(found)
            expired: list[str] = []
            if self.settings.retention_days is not None:
                cutoff = (datetime.now(UTC) - timedelta(days=self.settings.retention_days)).date().isoformat()
                expired = await self.store.expired_web_paths(cutoff)
            if not fresh and not expired:
                return WebOutcome((), duplicates, 0, ())
            with cyclic_gc_paused():
                parsed, failures = await self._in_build(prepare_web_articles, fresh, self._analyzers)
                generation = await self.store.generation()
                if generation == self._engine_generation:  # the live engine is the stored corpus
                    count = len(self._engine.articles)
                    engine = await self._in_build(self._derive, self._engine, parsed, expired)
                else:
                    stored = await self.store.load_corpus()
                    generation, count = stored.generation, len(stored.entries)
                    engine = await self._in_build(
                        self._merge_and_build, [stored.entries], parsed, None, frozenset(expired)
                    )
                paths = {article.path for article, _ in parsed}
                records = [
                    WebRecord(item.article.path, item.canonical_url, item.fingerprint, item.feed_id, item.source)
                    for item in fresh
                    if item.article.path in paths
                ]
                run = ReloadRun(
                    requested_by,
                    started_at,
                    time.perf_counter() - started,
                    len(parsed),
                    0,
                    count - len(expired),
                    len(expired),
                    list(failures),
                    ok=True,
                    kind=kind,
                )
                try:
                    await self.store.apply_web_articles(
                        parsed,
                        records,
                        expired,
                        run,
                        utc_timestamp(),
                        pipeline=pipeline_id(),
                        expected_generation=generation,
                    )
                    added = tuple(article for article, _ in parsed)
                finally:
                    await self._in_build(free_in_slices, parsed, ARTICLES_PER_FREE_STEP)
            assert run.generation is not None
            old_engine_box = [self._engine]
            self._engine, self._engine_generation = engine, run.generation
            self._release_in_worker(old_engine_box)
            self._save_snapshot(engine, run.generation)
            self._merge_in_background(engine, run.generation)
        log.info(
            "%s: %d web articles added, %d duplicates, %d expired", requested_by, len(added), duplicates, len(expired)
        )
        return WebOutcome(added, duplicates, len(expired), tuple(failures), run.id)

    async def _new_web_articles(self, found: Sequence[WebArticle]) -> tuple[list[WebArticle], int]:
        """The articles not stored yet, nor repeated within ``found``; and how many were."""
        urls = [item.canonical_url for item in found if item.canonical_url]
        known_urls, known_prints = await self.store.known_web(urls, [item.fingerprint for item in found])
        known_paths: set[str] = set()  # a path is a hash of the link (or text): stored ones match above
        fresh: list[WebArticle] = []
        for item in found:
            if (
                (item.canonical_url and item.canonical_url in known_urls)
                or item.fingerprint in known_prints
                or item.article.path in known_paths
            ):
                continue
            known_prints.add(item.fingerprint)
            known_paths.add(item.article.path)
            if item.canonical_url:
                known_urls.add(item.canonical_url)
            fresh.append(item)
        return fresh, len(found) - len(fresh)

    # ------------------------------------------------------------------ worker-thread steps

    async def _in_build(self, function: Callable[..., T], *args: Any) -> T:
        """Run ``function`` in the one build thread (parsing, building, freeing, snapshots)."""
        return await asyncio.get_running_loop().run_in_executor(self._build_pool, function, *args)

    def _report(self, step: str, done: int, total: int) -> None:
        if self._progress:
            self._progress(step, done, total)

    def _merge_and_build(
        self,
        stored_box: list[list[tuple[Article, list[StoredPassage]]]],
        parsed: list[tuple[Article, list[StoredPassage]]],
        unchanged: list[str] | None,
        drop: frozenset[str] = frozenset(),
    ) -> Engine:
        """The unchanged stored articles (``None``: all of them) and the stored web articles,
        minus ``drop``, plus the newly parsed ones, as a new engine. A folder reload never
        lists web articles, which have no file, yet must keep them."""
        keep = set(unchanged) if unchanged is not None else None
        stored = stored_box.pop()
        corpus = [
            entry
            for entry in stored
            if (keep is None or entry[0].path in keep or is_web_path(entry[0].path)) and entry[0].path not in drop
        ] + parsed
        free_in_slices(stored, ARTICLES_PER_FREE_STEP)
        corpus.sort(key=lambda entry: entry[0].path)
        return self._build_engine(corpus)

    def _derive(
        self, engine: Engine, parsed: list[tuple[Article, list[StoredPassage]]], removed: Sequence[str]
    ) -> Engine:
        """The live engine minus ``removed`` plus the newly parsed articles (an updated file
        replaces its article), built in proportion to the change (see ``Engine.updated``)."""
        added = [
            (
                article,
                [entry.passage for entry in stored],
                [entry.tokens or tuple(passage_terms(self._analyzers, article, entry.passage)) for entry in stored],
            )
            for article, stored in parsed
        ]
        return engine.updated(added, removed)

    def _merge_in_background(self, engine: Engine, generation: str) -> None:
        """Merge the live engine's index segments in the build thread, one step at a time
        (answers do not change; questions keep reading the version before each step), while
        it stays live; then save the merged segments. Queued behind the snapshot write, and
        anything a later reload queues (including dismantling this engine) waits for it."""
        path = self.settings.index_path

        def merge() -> None:
            merged = False
            try:
                while self._engine is engine and engine.merge_step():
                    merged = True
            except Exception as error:  # merging is an optimisation: the segments stay as they are
                log.warning("index segments not merged (%s); answers are unchanged", error, exc_info=True)
                return
            if merged and self._engine is engine and self._snapshot_generation == generation:
                try:
                    write_snapshot(path, engine, generation)
                except Exception as error:  # a cache: the next start rebuilds or reads the older one
                    log.warning("merged index segments not saved to %s (%s)", path, error)

        future = asyncio.wrap_future(self._build_pool.submit(merge))
        self._snapshot_writes.add(future)
        future.add_done_callback(self._snapshot_writes.discard)

    def _release_in_worker(self, box: list[Engine]) -> None:
        """Free an old engine (millions of objects) in a worker thread, step by step, so
        the deallocation does not hold up the event loop. The caller keeps only the box."""
        answering = self._answering

        def release() -> None:
            engine = box.pop()
            while answering[id(engine)]:  # questions asked just before the swap finish first
                time.sleep(0.01)
            engine.dismantle()

        self._build_pool.submit(release)

    def _build_engine_from_box(
        self, corpus_box: list[list[tuple[Article, list[StoredPassage]]]], state: EngineState | None = None
    ) -> Engine:
        return self._build_engine(corpus_box.pop(), state)

    def _build_engine(
        self, corpus: list[tuple[Article, list[StoredPassage]]], state: EngineState | None = None
    ) -> Engine:
        """Build an engine (or restore it from a snapshot's ``state``), then free the corpus
        records and tokens (millions of objects at 100k passages) step by step: freed in
        one go, they hold the GIL for ~0.1 s."""
        articles = [article for article, _ in corpus]
        passages: list[Passage] = []
        tokens: list[tuple[str, ...]] = []
        for article, stored in corpus:
            for entry in stored:
                passages.append(entry.passage)
                if state is None:
                    # Rows from schema v1 carry no cached tokens: analyse them again.
                    tokens.append(entry.tokens or tuple(passage_terms(self._analyzers, article, entry.passage)))
        engine = Engine(
            articles,
            passages,
            tokens,
            analyzers=self._analyzers,
            progress=lambda done, total: self._report("index", done, total),
            state=state,
        )
        free_in_slices(tokens)
        free_in_slices(corpus, ARTICLES_PER_FREE_STEP)
        return engine

    async def _purge_old_questions(self) -> None:
        cutoff = datetime.now(UTC) - timedelta(days=self.settings.question_retention_days)
        try:
            await self.store.purge_questions(utc_timestamp(cutoff))
            await self.store.purge_answers(utc_timestamp(cutoff))
        except StoreError as error:
            log.warning("old questions not purged: %s", error)
