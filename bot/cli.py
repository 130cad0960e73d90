"""The ``newsbot`` command: ask questions from the terminal, manage the corpus, run the bot.

Every subcommand goes through the same :class:`~bot.service.NewsService` the Discord bot
uses, so the terminal shows exactly what Discord would show.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import io
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import reports
from bot.config import ConfigError, Settings
from bot.logs import configure_logging
from bot.messages import TERMINAL, Lang, Surface, messages_for, say, terminal_language
from bot.render import answer_json, render_answer
from bot.service import FolderError, NewsService, ServiceError, storable
from bot.store import StoreError
from retrieval.answer import AbstainReason, Answer
from retrieval.corpus import CorpusError
from retrieval.engine import MAX_QUESTION_CHARS
from retrieval.text.language import Language, detect_language

log = logging.getLogger("newsbot")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsbot",
        description="Answer questions about the news with verbatim quotes from a corpus of articles.",
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        help="folder of .txt/.md/.html articles (default: NEWSBOT_CORPUS_DIR or the shipped seeds/)",
    )
    parser.add_argument(
        "--db",
        type=Path,
        help="SQLite database file (default: NEWSBOT_DB, else one per corpus folder in the data folder)",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="log newsbot's details to stderr; -vv also the libraries' (aiosqlite, discord.py…)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ask = commands.add_parser("ask", help="answer a question (or one question per line from stdin)")
    ask.add_argument("question", nargs="?", help="the question; omit it, or give -, to read questions from stdin")
    ask.add_argument("--json", action="store_true", help="print one JSON object per answer")
    ask.add_argument("--lang", choices=["fr", "en"], help="answer template language (default: the question's)")

    headlines = commands.add_parser("headlines", help="list the latest articles")
    headlines.add_argument("-n", type=positive_int, default=10, help="how many (default 10)")
    sources = commands.add_parser("sources", help="list every article of the corpus (or those whose title has TERM)")
    sources.add_argument("term", nargs="?", help="only the articles whose title contains this (case and accents aside)")
    reload = commands.add_parser("reload", help="rescan the corpus folder and print the report")
    reload.add_argument(
        "--allow-shrink",
        action="store_true",
        help="apply the reload even if it removes most stored articles (refused by default)",
    )
    commands.add_parser("stats", help="corpus size, last reload and question statistics")
    feeds = commands.add_parser("feeds", help="follow RSS/Atom feeds: add, list, remove")
    feed_commands = feeds.add_subparsers(dest="feeds_command", required=True, metavar="ACTION")
    feed_commands.add_parser("add", help="follow a feed").add_argument("url", help="the feed's http(s) URL")
    feed_commands.add_parser("list", help="the followed feeds, their state and last error")
    feed_commands.add_parser("remove", help="stop following a feed (its articles stay)").add_argument(
        "feed", help="the feed's number (see feeds list) or URL"
    )
    commands.add_parser("fetch", help="poll every followed feed once and add the new articles")
    imports = commands.add_parser("import", help="add one web page (URL) or HTML file to the corpus")
    imports.add_argument("source", help="an http(s) URL or a local .html/.txt/.md file")
    commands.add_parser("run", help="run the Discord bot (needs DISCORD_TOKEN)")
    return parser


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1 (argparse says so otherwise)."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def terminal_surface(args: argparse.Namespace) -> Surface:
    """The terminal, naming the database and the corpus folder the way this command was given them."""
    return dataclasses.replace(
        TERMINAL,
        db_setting="--db" if args.db else "NEWSBOT_DB",
        corpus_setting="--corpus" if args.corpus else "NEWSBOT_CORPUS_DIR",
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    surface = terminal_surface(args)
    try:
        # The Discord bot's own settings (cooldown, token, guilds…) are checked by `run` only.
        settings = Settings.load(bot=args.command == "run")
    except ConfigError as error:
        message = messages_for(terminal_language(os.environ), default=Lang.EN, surface=surface).config_error
        print(f"newsbot: {message.format(error=error)}", file=sys.stderr)
        return 2
    if args.verbose:
        configure_logging(logging.DEBUG, libraries=logging.DEBUG if args.verbose > 1 else None)
    elif args.command == "run":
        configure_logging(settings.log_level)
    else:
        # Terminal commands report problems themselves (one line, or the reload report);
        # warnings such as skipped files are shown with -v.
        configure_logging(logging.ERROR)
    if args.corpus:
        settings = settings.with_corpus(args.corpus)
    if args.db:
        settings = dataclasses.replace(settings, db_path=args.db)
    try:
        if args.command == "run":
            from bot.discord.runner import run_bot

            return run_bot(settings)
        return asyncio.run(_run(args, settings, surface))
    except (CorpusError, ServiceError, StoreError) as error:
        print(f"newsbot: {say(error, terminal_language(os.environ, settings.lang), surface)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`newsbot sources | head`): nothing left to say to it, and
        # Python's flush at exit must not print a traceback about it either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


async def _run(args: argparse.Namespace, settings: Settings, surface: Surface) -> int:
    # Quiet for small corpora; a first start on thousands of articles shows where it is.
    # Every command starts from the stored corpus: only `reload` changes it (its report then
    # shows what changed since the last one), and only an empty store is loaded first.
    service = await NewsService.open(
        settings,
        progress=reports.progress_lines(print_progress, buckets=20),
        reload_if_changed=False,
        load_if_empty=args.command != "reload",
        # A full disk or a read-only folder must not stop the commands that only read.
        read_only_if_unwritable=args.command != "reload",
    )
    lang = terminal_language(os.environ, settings.lang)
    async with service:
        if args.command == "ask":
            await _note_folder_changes(service, lang, surface)
            return await _ask(service, args, lang, surface)
        if args.command == "headlines":
            print(reports.headlines_text(await service.headlines(args.n), lang, surface))
        elif args.command == "sources":
            print(reports.sources_text(await service.sources(args.term), lang, surface, args.term))
        elif args.command == "reload":
            report = await service.reload(requested_by="cli", allow_shrink=args.allow_shrink)
            if not report.ok:
                print(f"newsbot: {reports.reload_text(report, lang, surface)}", file=sys.stderr)
                return 1
            print(reports.reload_text(report, lang, surface))
        elif args.command == "stats":
            print(reports.stats_text(await service.stats(), lang, surface))
        elif args.command in ("feeds", "fetch", "import"):
            from bot.feeds.commands import run_feed_command

            return await run_feed_command(service, args, lang, surface)
    return 0


def print_progress(line: str) -> None:
    """Progress lines go to stderr, so that stdout stays the answers alone."""
    print(line, file=sys.stderr, flush=True)


async def _note_folder_changes(service: NewsService, lang: str, surface: Surface) -> None:
    """Say on stderr when the answers come from a stored corpus the folder no longer matches."""
    messages = messages_for(lang, surface=surface)
    try:
        changes = await service.folder_changes()
    except (CorpusError, FolderError) as error:
        print(f"newsbot: {messages.folder_unavailable.format(error=say(error, lang, surface))}", file=sys.stderr)
        return
    if changes:
        note = messages.folder_changed.format(
            folder=service.settings.corpus_dir, new=changes.new, changed=changes.changed, removed=changes.removed
        )
        print(f"newsbot: {note}", file=sys.stderr)


async def _ask(service: NewsService, args: argparse.Namespace, terminal: str, surface: Surface) -> int:
    batch = args.question in (None, "-")  # `ask -` reads stdin, as the usual convention goes
    if batch and isinstance(sys.stdin, io.TextIOWrapper):
        # Undecodable bytes become U+FFFD below instead of ending the batch with a traceback.
        sys.stdin.reconfigure(errors="surrogateescape")
    questions = (line.rstrip("\n") for line in sys.stdin) if batch else [args.question]
    for raw in questions:
        question = storable(raw)
        if batch and not question.strip():
            continue
        answer = await service.ask(question, lang=reply_language(question, args.lang, terminal), origin="cli")
        print(_json_line(answer) if args.json else render_answer(answer, surface=surface), flush=True)
        if not args.json and batch:
            print(flush=True)
    return 0


def reply_language(question: str, chosen: str | None, terminal: str) -> str | None:
    """The language to answer ``question`` in: ``--lang`` when given; else ``None`` (the
    question's own) when its words say which language it is in; else the terminal's
    (``NEWSBOT_LANG``, then the locale): an empty question, a bare name, a number."""
    if chosen:
        return chosen
    decided = detect_language(question, Language.FRENCH) == detect_language(question, Language.ENGLISH)
    return None if decided else terminal


def _json_line(answer: Answer) -> str:
    """``answer`` as its ``--json`` line; a question refused for its length is echoed cut to
    the length a question may have, so one pasted document does not come back whole."""
    if answer.reason != AbstainReason.TOO_LONG:
        return answer_json(answer)
    payload = json.loads(answer_json(answer))
    payload["question"] = payload["question"][:MAX_QUESTION_CHARS]
    return json.dumps(payload, ensure_ascii=False)


if __name__ == "__main__":
    raise SystemExit(main())
