"""Every sentence exists in both languages, with the same blanks; the terminal's language."""

from __future__ import annotations

import dataclasses
import sqlite3
import string
from pathlib import Path

import pytest

from bot.messages import DISCORD, ENGLISH, FRENCH, TERMINAL, Lang, Problem, messages_for, terminal_language
from bot.reports import progress_lines
from bot.store import StoreBusyError
from bot.store.errors import translate


def blanks(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(FRENCH)])
def test_both_languages_say_each_sentence_with_the_same_blanks(field: str) -> None:
    french, english = getattr(FRENCH, field), getattr(ENGLISH, field)
    assert french.strip() and english.strip()
    assert blanks(french) == blanks(english)


@pytest.mark.parametrize(
    ("lang", "expected"), [("fr", FRENCH), ("en-US", ENGLISH), ("en_GB", ENGLISH), (None, FRENCH), ("de", FRENCH)]
)
def test_messages_for_reads_locales_and_falls_back(lang: str | None, expected: object) -> None:
    assert messages_for(lang) is expected


@pytest.mark.parametrize(
    ("environ", "setting", "expected"),
    [
        ({"LANG": "fr_FR.UTF-8"}, None, Lang.FR),
        ({"LANG": "fr_CA.UTF-8", "LC_ALL": "C"}, None, Lang.EN),
        ({"LC_MESSAGES": "fr_BE", "LANG": "en_US"}, None, Lang.FR),
        ({}, None, Lang.EN),
        ({"LANG": "fr_FR.UTF-8"}, "en", Lang.EN),
    ],
)
def test_terminal_language_follows_the_setting_then_the_locale(
    environ: dict[str, str], setting: str | None, expected: Lang
) -> None:
    assert terminal_language(environ, setting) is expected


def test_progress_lines_emit_each_tenth_and_the_end_of_a_long_step() -> None:
    lines: list[str] = []
    report = progress_lines(lines.append)
    for done in range(1, 2001):
        report("index", done, 2000)
    assert len(lines) == 11 and lines[-1] == "index: 2000/2000"


def test_progress_lines_are_silent_for_short_steps() -> None:
    lines: list[str] = []
    report = progress_lines(lines.append)
    for done in range(1, 11):
        report("scan", done, 10)
    assert lines == []


def test_a_problem_is_english_in_logs_and_french_when_asked() -> None:
    error = StoreBusyError("store_locked", path="/srv/news.sqlite3")
    assert str(error).startswith("The database /srv/news.sqlite3 is locked")
    assert error.say("fr").startswith("La base /srv/news.sqlite3 est verrouillée")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_read_only_database_names_its_wal_and_shm_files(lang: str) -> None:
    """A command run on a read-only database can leave read-only -wal/-shm files behind:
    making the database writable again is not enough, and the sentence says so."""
    error = translate(sqlite3.OperationalError("attempt to write a readonly database"), Path("/srv/news.sqlite3"))
    assert error is not None
    said = error.say(lang)
    assert "/srv/news.sqlite3-wal" in said and "/srv/news.sqlite3-shm" in said


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_problem_names_the_option_the_user_gave(lang: str) -> None:
    error = StoreBusyError("store_locked", path="/srv/news.sqlite3")
    assert "NEWSBOT_DB" in error.say(lang)
    given = dataclasses.replace(TERMINAL, db_setting="--db")
    assert "--db" in error.say(lang, given) and "NEWSBOT_DB" not in error.say(lang, given)
    missing = Problem("folder_missing", folder="/srv/news")
    assert "--corpus" in missing.say(lang, dataclasses.replace(TERMINAL, corpus_setting="--corpus"))
    assert "NEWSBOT_CORPUS_DIR" not in missing.say(lang, dataclasses.replace(TERMINAL, corpus_setting="--corpus"))


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(FRENCH)])
def test_no_sentence_is_left_with_a_command_or_setting_to_fill_in(field: str) -> None:
    for lang in Lang:
        for surface in (DISCORD, TERMINAL):
            text = getattr(messages_for(lang, surface=surface), field)
            assert "{/" not in text and "{$" not in text, (lang, surface, text)


def test_french_sentences_name_the_commands_as_a_french_client_shows_them() -> None:
    # Discord shows a French client the commands' French names (name_localizations).
    french = messages_for("fr")
    assert "`/titres`" in french.abstain and "/headlines" not in french.abstain
    assert "`/headlines`" in messages_for("en").abstain
    everything = " ".join(str(getattr(french, name)) for name in french.__slots__)
    assert "`/headlines`" not in everything and "`/feeds " not in everything and "`/reload " not in everything
