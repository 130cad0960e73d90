"""The real ``newsbot`` command, run as a subprocess from a folder without a .env file."""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from retrieval.engine import MAX_QUESTION_CHARS

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
SEED_FILE = re.compile(r"seeds/\d{3}_[0-9a-f]{16}\.txt")

MICROSOFT = "Combien Microsoft prévoit-il d'investir dans l'IA cette année ?"
CHATGPT = "Combien d'utilisateurs hebdomadaires compte ChatGPT ?"
HUMANE = "Pour combien HP a-t-il racheté Humane ?"
UNKNOWN = "Qu'a dit Zorglubix sur la Lune ?"
FRENCH = {"LANG": "fr_FR.UTF-8"}

NEW_ARTICLE = """La tarte aux prunes de Zorglub
Le pâtissier Zorglub vend sa tarte aux prunes pour 12 euros pièce dans sa boutique de Quimper. Les clients font la queue dès sept heures du matin pour en obtenir une part.
"""


def newsbot(
    home: Path,
    *args: str,
    corpus: Path | None = SEEDS,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
    file_size_limit: int | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m bot.cli`` in ``home/cwd`` with its database under ``home/data``;
    ``file_size_limit`` (bytes) stands for a full disk: no file may grow past it."""
    cwd = home / "cwd"
    cwd.mkdir(parents=True, exist_ok=True)
    # The terminal's language comes from the locale: English unless a test says otherwise.
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "DISCORD_", "LC_")) and k != "LANG"
    }
    environment.update(
        NEWSBOT_DATA_DIR=str(home / "data"),
        NEWSBOT_DB=str(home / "data" / "newsbot.sqlite3"),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        PYTHONIOENCODING="utf-8",
    )
    environment.update(env or {})
    command = [sys.executable, "-m", "bot.cli"]
    if corpus is not None:
        command += ["--corpus", str(corpus)]

    def limit_file_size() -> None:
        if file_size_limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, resource.RLIM_INFINITY))

    return subprocess.run(
        [*command, *args],
        preexec_fn=limit_file_size if file_size_limit is not None else None,
        cwd=cwd,
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )


def stderr_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "news"
    shutil.copytree(SEEDS, folder)
    return folder


# ---------------------------------------------------------------------- ask


def test_ask_prints_a_block_quote_and_its_source_file(tmp_path: Path) -> None:
    result = newsbot(tmp_path, "ask", MICROSOFT)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "D'après l'article :"
    assert lines[1].startswith("> ")
    assert "80 milliards" in lines[1]
    source = next(line for line in lines if line.startswith("— "))
    assert "`seeds/004_3ee402626e42975a.txt`" in source


def test_ask_json_prints_exactly_one_answer_object(tmp_path: Path) -> None:
    result = newsbot(tmp_path, "ask", "--json", MICROSOFT)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert set(data) == {"question", "answered", "citations", "text"}
    assert data["question"] == MICROSOFT
    assert data["answered"] is True
    assert data["citations"], "an answered question has citations"
    for citation in data["citations"]:
        assert set(citation) == {"path", "title", "source", "author", "url", "published", "quote", "score"}
        assert SEED_FILE.fullmatch(citation["path"])
    assert data["citations"][0]["path"] == "seeds/004_3ee402626e42975a.txt"
    assert "80 milliards" in data["citations"][0]["quote"]


def test_ask_json_text_is_the_message_ask_prints(tmp_path: Path) -> None:
    plain = newsbot(tmp_path, "ask", CHATGPT)
    as_json = newsbot(tmp_path, "ask", "--json", CHATGPT)
    assert json.loads(as_json.stdout)["text"] == plain.stdout.rstrip("\n")


def test_ask_json_quote_is_verbatim_from_the_article(tmp_path: Path) -> None:
    data = json.loads(newsbot(tmp_path, "ask", "--json", CHATGPT).stdout)
    citation = data["citations"][0]
    article = (ROOT / citation["path"]).read_text(encoding="utf-8")
    assert citation["quote"].strip("…") in article


def test_ask_without_an_answer_says_so_and_exits_zero(tmp_path: Path) -> None:
    result = newsbot(tmp_path, "ask", "--json", UNKNOWN)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["answered"] is False
    assert data["citations"] == []
    assert "Zorglubix" in data["text"]


def test_ask_batch_from_stdin_answers_each_non_empty_line_in_order(tmp_path: Path) -> None:
    questions = [MICROSOFT, CHATGPT, UNKNOWN, HUMANE]
    stdin = f"{questions[0]}\n\n{questions[1]}\n   \n{questions[2]}\n{questions[3]}\n"
    result = newsbot(tmp_path, "ask", "--json", stdin=stdin)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(questions)
    answers = [json.loads(line) for line in lines]
    assert [a["question"] for a in answers] == questions
    assert [a["answered"] for a in answers] == [True, True, False, True]
    assert "116 millions" in answers[3]["citations"][0]["quote"]


def test_ask_batch_without_json_separates_answers_with_a_blank_line(tmp_path: Path) -> None:
    result = newsbot(tmp_path, "ask", stdin=f"{CHATGPT}\n{HUMANE}\n")
    assert result.returncode == 0, result.stderr
    blocks = result.stdout.strip("\n").split("\n\n")
    assert len(blocks) == 2
    assert "400 millions" in blocks[0]
    assert "116 millions" in blocks[1]


def test_lang_en_switches_the_templates(tmp_path: Path) -> None:
    french = newsbot(tmp_path, "ask", MICROSOFT)
    english = newsbot(tmp_path, "ask", "--lang", "en", MICROSOFT)
    assert english.returncode == 0, english.stderr
    assert french.stdout.splitlines()[0] == "D'après l'article :"
    assert english.stdout.splitlines()[0] == "From the article:"
    # The quote itself is the same verbatim French sentence.
    assert french.stdout.splitlines()[1] == english.stdout.splitlines()[1]


def test_lang_en_abstains_in_english(tmp_path: Path) -> None:
    result = newsbot(tmp_path, "ask", "--lang", "en", UNKNOWN)
    assert result.stdout.startswith("The news articles I have don't mention “Zorglubix”.")


def test_unknown_date_is_shown_as_such(tmp_path: Path) -> None:
    result = newsbot(tmp_path, "ask", CHATGPT)  # seeds/000 has no date
    source = next(line for line in result.stdout.splitlines() if line.startswith("— "))
    assert "date inconnue" in source
    assert "`seeds/000_9209ec4dec1a7abb.txt`" in source


# ---------------------------------------------------------------------- corpus errors


def test_missing_corpus_folder_exits_non_zero_with_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    result = newsbot(tmp_path, "ask", CHATGPT, corpus=missing)
    assert result.returncode != 0
    lines = stderr_lines(result)
    assert len(lines) == 1, result.stderr
    assert str(missing) in lines[0]
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_empty_corpus_folder_exits_non_zero_with_one_line_naming_the_folder(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = newsbot(tmp_path, "ask", CHATGPT, corpus=empty)
    assert result.returncode != 0
    lines = stderr_lines(result)
    assert len(lines) == 1, result.stderr
    assert str(empty) in lines[0]


def test_corpus_of_one_empty_file_exits_non_zero_naming_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "blank"
    folder.mkdir()
    (folder / "article.txt").write_text("", encoding="utf-8")
    result = newsbot(tmp_path, "ask", CHATGPT, corpus=folder)
    assert result.returncode != 0
    assert str(folder) in stderr_lines(result)[-1]
    assert "Traceback" not in result.stderr


def test_corpus_of_one_empty_file_prints_exactly_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "blank"
    folder.mkdir()
    (folder / "article.txt").write_text("", encoding="utf-8")
    result = newsbot(tmp_path, "ask", CHATGPT, corpus=folder)
    assert len(stderr_lines(result)) == 1, result.stderr


# ---------------------------------------------------------------------- other commands


def test_headlines_n_prints_that_many_bullets(tmp_path: Path) -> None:
    result = newsbot(tmp_path, "headlines", "-n", "2", env=FRENCH)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Derniers articles :"
    bullets = [line for line in lines if line.startswith("• ")]
    assert len(bullets) == 2
    assert len(lines) == 3


def test_headlines_are_the_latest_first(tmp_path: Path) -> None:
    result = newsbot(tmp_path, "headlines", "-n", "2")
    bullets = [line for line in result.stdout.splitlines() if line.startswith("• ")]
    assert "2025-01-28" in bullets[0]  # seeds/003 is the only article with a full date


def test_sources_lists_every_article(tmp_path: Path) -> None:
    result = newsbot(tmp_path, "sources", env=FRENCH)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Sources (5 articles) :"
    bullets = [line for line in lines if line.startswith("• ")]
    files = sorted(SEED_FILE.search(line).group() for line in bullets)  # type: ignore[union-attr]
    assert files == sorted(f"seeds/{p.name}" for p in SEEDS.glob("*.txt"))


def test_sources_with_a_term_lists_the_matching_titles_only(tmp_path: Path) -> None:
    result = newsbot(tmp_path, "sources", "silicon", env=FRENCH)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Sources dont le titre contient « silicon » (1 articles) :"
    assert "Silicon Valley" in lines[1] and len(lines) == 2
    assert newsbot(tmp_path, "sources", "Zorblax", env=FRENCH).stdout.strip() == (
        "Aucun titre d'article ne contient « Zorblax »."
    )


def test_reload_prints_the_report_and_exits_zero(tmp_path: Path) -> None:
    newsbot(tmp_path, "sources")  # the first command loads the corpus
    result = newsbot(tmp_path, "reload")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"Reload done in \d+\.\ds: 0 added, 0 updated, 5 unchanged, 0 removed, 0 failed\.", lines[0])
    assert re.fullmatch(r"Live corpus: 5 articles, \d+ passages\.", lines[1])


def test_new_file_is_answered_from_after_reload(tmp_path: Path, corpus: Path) -> None:
    newsbot(tmp_path, "sources", corpus=corpus)
    (corpus / "zorglub.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    assert newsbot(tmp_path, "reload", corpus=corpus).returncode == 0
    result = newsbot(tmp_path, "ask", "--json", "Combien coûte la tarte aux prunes de Zorglub ?", corpus=corpus)
    answer = json.loads(result.stdout)
    assert answer["citations"][0]["path"] == "news/zorglub.txt"
    assert "12 euros" in answer["citations"][0]["quote"]


def test_reload_report_lists_a_file_added_since_the_last_run(tmp_path: Path, corpus: Path) -> None:
    newsbot(tmp_path, "sources", corpus=corpus)
    (corpus / "zorglub.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    result = newsbot(tmp_path, "reload", corpus=corpus)
    assert result.returncode == 0, result.stderr
    assert ": 1 added, 0 updated, 5 unchanged, 0 removed, 0 failed." in result.stdout.splitlines()[0]
    assert "Added: `news/zorglub.txt`" in result.stdout.splitlines()


def test_reload_report_lists_a_removed_file(tmp_path: Path, corpus: Path) -> None:
    newsbot(tmp_path, "sources", corpus=corpus)
    (corpus / "000_9209ec4dec1a7abb.txt").unlink()
    result = newsbot(tmp_path, "reload", corpus=corpus)
    assert result.returncode == 0, result.stderr
    assert "Removed: `news/000_9209ec4dec1a7abb.txt`" in result.stdout.splitlines()


def test_reload_reports_a_failed_file(tmp_path: Path, corpus: Path) -> None:
    newsbot(tmp_path, "sources", corpus=corpus)
    (corpus / "empty.txt").write_text("", encoding="utf-8")
    result = newsbot(tmp_path, "reload", corpus=corpus)
    assert "1 failed" in result.stdout.splitlines()[0]
    assert any(line.startswith("Failed: `news/empty.txt`: ") for line in result.stdout.splitlines())


def test_stats_after_a_question_counts_it(tmp_path: Path) -> None:
    newsbot(tmp_path, "ask", UNKNOWN)
    result = newsbot(tmp_path, "stats")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Corpus: 5 articles, ")
    assert "Questions, last 24 h: 1 asked, 0 answered." in lines


def test_stats_lists_the_unanswered_question(tmp_path: Path) -> None:
    newsbot(tmp_path, "ask", UNKNOWN)
    result = newsbot(tmp_path, "stats")
    assert f"• 1× {UNKNOWN}" in result.stdout.splitlines()


def test_stats_shows_the_last_reload(tmp_path: Path) -> None:
    newsbot(tmp_path, "reload")
    result = newsbot(tmp_path, "stats")
    assert re.search(r"^Last reload: .+ UTC by cli, ok; ", result.stdout, flags=re.MULTILINE)


def test_run_without_a_token_exits_non_zero_with_one_line(tmp_path: Path) -> None:
    result = newsbot(tmp_path, "run", env={"DISCORD_TOKEN": ""}, timeout=60)
    assert result.returncode != 0
    lines = stderr_lines(result)
    assert len(lines) == 1, result.stderr
    assert "DISCORD_TOKEN" in lines[0]


@pytest.mark.parametrize(
    ("command", "name", "value"),
    [(("ask", CHATGPT), "NEWSBOT_MAX_REMOVED_SHARE", "2"), (("run",), "NEWSBOT_GUILD_IDS", "abc")],
)
def test_bad_configuration_exits_non_zero_with_one_line_naming_the_variable(
    tmp_path: Path, command: tuple[str, ...], name: str, value: str
) -> None:
    result = newsbot(tmp_path, *command, env={name: value, "DISCORD_TOKEN": "x"})
    assert result.returncode == 2
    lines = stderr_lines(result)
    assert len(lines) == 1, result.stderr
    assert name in lines[0]


@pytest.mark.parametrize("command", [("ask", CHATGPT), ("headlines",), ("sources",), ("stats",), ("reload",)])
def test_a_bad_discord_only_setting_does_not_stop_the_terminal_commands(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    result = newsbot(tmp_path, *command, env={"NEWSBOT_COOLDOWN_SECONDS": "-5", "NEWSBOT_LOG_LEVEL": "LOUD"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


def test_a_bad_discord_only_setting_stops_run_in_one_line(tmp_path: Path) -> None:
    result = newsbot(tmp_path, "run", env={"NEWSBOT_COOLDOWN_SECONDS": "-5", "DISCORD_TOKEN": "x"})
    assert result.returncode == 2
    assert "NEWSBOT_COOLDOWN_SECONDS" in one_clean_line(result)


def test_an_unknown_log_level_stops_run_naming_the_valid_levels(tmp_path: Path) -> None:
    result = newsbot(tmp_path, "run", env={"NEWSBOT_LOG_LEVEL": "LOUD", "DISCORD_TOKEN": "x"})
    assert result.returncode == 2
    line = one_clean_line(result)
    assert "NEWSBOT_LOG_LEVEL" in line and "'LOUD'" in line and "DEBUG, INFO, WARNING, ERROR, CRITICAL" in line


def test_env_file_in_the_working_folder_is_read(tmp_path: Path) -> None:
    (tmp_path / "cwd").mkdir()
    (tmp_path / "cwd" / ".env").write_text("NEWSBOT_LANG=fr\n", encoding="utf-8")
    result = newsbot(tmp_path, "sources")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Sources (5 articles) :")


def test_env_file_in_a_parent_folder_is_not_read(tmp_path: Path) -> None:
    """README and .env.example: ``.env`` is read from the current folder only."""
    (tmp_path / ".env").write_text("NEWSBOT_LANG=fr\n", encoding="utf-8")
    result = newsbot(tmp_path, "sources")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Sources (5 articles):")


# ---------------------------------------------------------------------- locked database


@pytest.fixture(scope="module")
def locked_reload(tmp_path_factory: pytest.TempPathFactory) -> Iterator[subprocess.CompletedProcess[str]]:
    """``newsbot reload`` while another connection holds an exclusive lock on the database."""
    home = tmp_path_factory.mktemp("locked")
    first = newsbot(home, "sources")  # creates and fills the database
    assert first.returncode == 0, first.stderr
    holder = sqlite3.connect(home / "data" / "newsbot.sqlite3", isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        yield newsbot(home, "reload", timeout=120)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_locked_database_reload_exits_non_zero_saying_it_is_locked(
    locked_reload: subprocess.CompletedProcess[str],
) -> None:
    assert locked_reload.returncode != 0
    assert "locked" in locked_reload.stdout + locked_reload.stderr


def test_locked_database_reload_prints_one_line_without_traceback(
    locked_reload: subprocess.CompletedProcess[str],
) -> None:
    assert "Traceback" not in locked_reload.stderr
    lines = stderr_lines(locked_reload)
    assert len(lines) == 1, locked_reload.stderr
    assert "locked" in lines[0]


# ---------------------------------------------------------------------- one language


@pytest.mark.parametrize(
    ("env", "headlines", "reload", "stats"),
    [
        (FRENCH, "Derniers articles :", "Rechargement terminé", "Corpus : 5 articles"),
        ({"LANG": "de_DE.UTF-8"}, "Latest articles:", "Reload done", "Corpus: 5 articles"),
        ({"LANG": "fr_FR.UTF-8", "LC_ALL": "en_GB.UTF-8"}, "Latest articles:", "Reload done", "Corpus: 5 articles"),
        ({"LANG": "en_US.UTF-8", "NEWSBOT_LANG": "fr"}, "Derniers articles :", "Rechargement terminé", "Corpus : 5"),
    ],
)
def test_every_terminal_command_speaks_the_locales_language(
    tmp_path: Path, env: dict[str, str], headlines: str, reload: str, stats: str
) -> None:
    assert newsbot(tmp_path, "headlines", env=env).stdout.startswith(headlines)
    assert newsbot(tmp_path, "reload", env=env).stdout.startswith(reload)
    assert newsbot(tmp_path, "stats", env=env).stdout.startswith(stats)


# ---------------------------------------------------------------------- never lose the corpus


def test_reload_of_an_emptied_folder_is_refused_in_one_line_and_keeps_the_articles(
    tmp_path: Path, corpus: Path
) -> None:
    assert newsbot(tmp_path, "reload", corpus=corpus).returncode == 0
    for file in corpus.iterdir():
        file.unlink()
    refused = newsbot(tmp_path, "reload", corpus=corpus)
    assert refused.returncode == 1
    assert len(stderr_lines(refused)) == 1 and "--allow-shrink" in refused.stderr
    assert newsbot(tmp_path, "stats", corpus=corpus).stdout.startswith("Corpus: 5 articles")
    forced = newsbot(tmp_path, "reload", "--allow-shrink", corpus=corpus)
    assert forced.returncode == 0 and "5 removed" in forced.stdout


# ---------------------------------------------------------------------- ask only reads


def stored_articles(home: Path) -> int:
    conn = sqlite3.connect(home / "data" / "newsbot.sqlite3")
    try:
        return int(conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])
    finally:
        conn.close()


def reload_runs(home: Path) -> int:
    conn = sqlite3.connect(home / "data" / "newsbot.sqlite3")
    try:
        return int(conn.execute("SELECT COUNT(*) FROM reload_runs").fetchone()[0])
    finally:
        conn.close()


def test_ask_answers_from_the_store_and_says_the_folder_changed(tmp_path: Path, corpus: Path) -> None:
    assert newsbot(tmp_path, "reload", corpus=corpus).returncode == 0
    runs = reload_runs(tmp_path)
    (corpus / "zorglub.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    result = newsbot(tmp_path, "ask", "Combien coûte la tarte aux prunes de Zorglub ?", corpus=corpus)
    assert result.returncode == 0
    assert "12 euros" not in result.stdout  # not reloaded behind the user's back
    assert len(stderr_lines(result)) == 1 and "1 new" in result.stderr and "newsbot reload" in result.stderr
    assert reload_runs(tmp_path) == runs and stored_articles(tmp_path) == 5


def test_ask_on_an_emptied_folder_answers_from_the_store_and_deletes_nothing(tmp_path: Path, corpus: Path) -> None:
    assert newsbot(tmp_path, "reload", corpus=corpus).returncode == 0
    for file in corpus.iterdir():
        file.unlink()
    result = newsbot(tmp_path, "ask", HUMANE, corpus=corpus)
    assert result.returncode == 0 and "116 millions" in result.stdout
    assert "5 gone" in result.stderr
    assert stored_articles(tmp_path) == 5


def test_ask_with_the_folder_gone_answers_from_the_store(tmp_path: Path, corpus: Path) -> None:
    assert newsbot(tmp_path, "reload", corpus=corpus).returncode == 0
    shutil.rmtree(corpus)
    result = newsbot(tmp_path, "ask", HUMANE, corpus=corpus)
    assert result.returncode == 0 and "116 millions" in result.stdout
    assert len(stderr_lines(result)) == 1 and "does not exist" in result.stderr


def test_the_first_ask_on_an_empty_store_loads_the_folder(tmp_path: Path, corpus: Path) -> None:
    result = newsbot(tmp_path, "ask", HUMANE, corpus=corpus)
    assert result.returncode == 0 and "116 millions" in result.stdout and not result.stderr
    assert stored_articles(tmp_path) == 5


# ---------------------------------------------------------------------- defaults from any folder


def bare_newsbot(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``newsbot`` from a folder of its own with no NEWSBOT_* setting: every default in play."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "DISCORD_", "XDG_"))}
    environment.update(
        HOME=str(home / "home"),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        PYTHONIOENCODING="utf-8",
    )
    (home / "cwd").mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=home / "cwd",
        env=environment,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


def test_ask_from_another_folder_finds_the_shipped_corpus_and_writes_nothing_there(tmp_path: Path) -> None:
    result = bare_newsbot(tmp_path, "ask", HUMANE)
    assert result.returncode == 0, result.stderr
    assert "116 millions" in result.stdout
    assert list((tmp_path / "cwd").iterdir()) == []
    assert list((tmp_path / "home" / ".local" / "share" / "newsbot").glob("seeds-*.sqlite3"))


def test_another_corpus_folder_gets_its_own_database(tmp_path: Path, corpus: Path) -> None:
    assert bare_newsbot(tmp_path, "ask", HUMANE).returncode == 0
    assert bare_newsbot(tmp_path, "--corpus", str(corpus), "ask", HUMANE).returncode == 0
    databases = sorted(p.name for p in (tmp_path / "home" / ".local" / "share" / "newsbot").glob("*.sqlite3"))
    assert len(databases) == 2 and databases[0].startswith("news-") and databases[1].startswith("seeds-")


def test_a_missing_corpus_folder_creates_no_database(tmp_path: Path) -> None:
    result = bare_newsbot(tmp_path, "--corpus", str(tmp_path / "nowhere"), "ask", HUMANE)
    assert result.returncode == 1 and "does not exist" in result.stderr
    assert not (tmp_path / "home" / ".local" / "share" / "newsbot").exists()


# ---------------------------------------------------------------------- hostile folders and paths


def one_clean_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr and "Event loop is closed" not in result.stderr, result.stderr
    lines = stderr_lines(result)
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_a_folder_nested_too_deep_is_one_line(tmp_path: Path, corpus: Path) -> None:
    levels = [corpus]
    for _ in range(1000):
        levels.append(levels[-1] / "d")
        levels[-1].mkdir()
    try:
        result = newsbot(tmp_path, "ask", HUMANE, corpus=corpus)
    finally:
        for level in reversed(levels[1:]):  # shutil.rmtree recurses as deep as the folders
            level.rmdir()
    assert result.returncode == 1
    assert "nested too deep" in one_clean_line(result)


def test_a_manifest_nested_too_deep_is_reported_and_the_articles_load(tmp_path: Path, corpus: Path) -> None:
    (corpus / "manifest.json").write_text("[" * 100_000, encoding="utf-8")
    result = newsbot(tmp_path, "reload", corpus=corpus)
    assert result.returncode == 0, result.stderr
    assert "manifest.json" in result.stdout and "nested too deeply" in result.stdout
    assert newsbot(tmp_path, "stats", corpus=corpus).stdout.startswith("Corpus: 5 articles")


def test_a_huge_manifest_is_refused_like_a_huge_article(tmp_path: Path, corpus: Path) -> None:
    (corpus / "manifest.json").write_text('{"x.txt": {"title": "' + "a" * 6_000_000 + '"}}', encoding="utf-8")
    result = newsbot(tmp_path, "reload", corpus=corpus)
    assert result.returncode == 0, result.stderr
    assert "manifest.json" in result.stdout and "too large" in result.stdout


def test_a_database_path_that_is_a_folder_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "db-folder"
    folder.mkdir()
    result = newsbot(tmp_path, "ask", HUMANE, env={"NEWSBOT_DB": str(folder)})
    assert result.returncode == 1
    assert str(folder) in one_clean_line(result)


def test_a_fifo_at_the_snapshot_path_does_not_hang(tmp_path: Path) -> None:
    assert newsbot(tmp_path, "ask", HUMANE).returncode == 0
    index = tmp_path / "data" / "newsbot.index.npz"
    index.unlink()
    os.mkfifo(index)
    result = newsbot(tmp_path, "ask", HUMANE, timeout=60)
    assert result.returncode == 0 and "116 millions" in result.stdout


# ---------------------------------------------------------------------- a full disk

READ_ONLY_COMMANDS = [("ask", HUMANE), ("stats",), ("headlines", "-n", "2"), ("sources",)]


def check_read_only_commands_answer(run: object, reload_says: str) -> None:
    """Every read-only command answers from the intact store; a reload fails in one line."""
    assert callable(run)
    for command in READ_ONLY_COMMANDS:
        result = run(*command)
        assert result.returncode == 0, (command, result.stderr)
        assert "Traceback" not in result.stderr
    assert "116 millions" in run("ask", HUMANE).stdout
    assert run("stats").stdout.startswith("Corpus: 5 articles")
    reload = run("reload")
    assert reload.returncode == 1 and reload_says in one_clean_line(reload)


def test_read_only_commands_answer_when_no_file_may_grow(tmp_path: Path) -> None:
    """A file-size limit (RLIMIT_FSIZE) refuses every write that grows a file, as a full
    disk does: SQLite cannot create its shared-memory file, so the store opens read-only."""
    assert newsbot(tmp_path, "reload").returncode == 0
    assert newsbot(tmp_path, "ask", HUMANE).returncode == 0  # the index snapshot is saved
    for leftover in (tmp_path / "data").glob("*-shm"):
        leftover.unlink()
    # SQLite sees an I/O error, not a full disk: the reload says that much.
    check_read_only_commands_answer(lambda *args: newsbot(tmp_path, *args, file_size_limit=8192), "disk I/O error")


def test_read_only_commands_answer_on_a_full_tmpfs(tmp_path: Path) -> None:
    """The real thing, where a small tmpfs can be mounted (root on Linux); skipped elsewhere."""
    data = tmp_path / "data"
    data.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(data)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        assert newsbot(tmp_path, "reload").returncode == 0
        assert newsbot(tmp_path, "ask", HUMANE).returncode == 0
        with open(data / "filler", "wb") as filler:
            try:
                while True:
                    filler.write(b"\0" * 65536)
                    filler.flush()
            except OSError:
                pass
        check_read_only_commands_answer(lambda *args: newsbot(tmp_path, *args), "is full")
    finally:
        subprocess.run(["umount", str(data)], capture_output=True)


# ---------------------------------------------------------------------- smaller things


def test_json_echoes_at_most_the_first_500_characters_of_a_refused_long_question(tmp_path: Path) -> None:
    question = "Combien a coûté DeepSeek R1 ? " * 100
    answer = json.loads(newsbot(tmp_path, "ask", "--json", question).stdout)
    assert not answer["answered"]
    assert answer["question"] == question.strip()[:500]
    assert str(len(question.strip())) in answer["text"]  # the message still says how long it was


def test_the_first_reload_on_an_empty_database_reports_its_additions(tmp_path: Path) -> None:
    result = newsbot(tmp_path, "reload")
    assert result.returncode == 0, result.stderr
    assert ": 5 added, 0 updated, 0 unchanged, 0 removed, 0 failed." in result.stdout.splitlines()[0]
    stats = newsbot(tmp_path, "stats").stdout
    assert re.search(r"^Last reload: .+ UTC by cli, ok; 5 added", stats, flags=re.MULTILINE)
    assert reload_runs(tmp_path) == 1


def logged_questions(home: Path) -> list[str]:
    conn = sqlite3.connect(home / "data" / "newsbot.sqlite3")
    try:
        return [row[0] for row in conn.execute("SELECT question FROM questions ORDER BY id")]
    finally:
        conn.close()


def test_an_undecodable_question_is_answered_and_logged_whole(tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "DISCORD_"))}
    environment.update(
        NEWSBOT_DATA_DIR=str(tmp_path / "data"),
        NEWSBOT_DB=str(tmp_path / "data" / "newsbot.sqlite3"),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        PYTHONIOENCODING="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--corpus", str(SEEDS), "ask", b"Qui est Zorg\xffbix ?"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0 and b"Traceback" not in result.stderr, result.stderr
    assert logged_questions(tmp_path) == ["Qui est Zorg\ufffdbix ?"]


def test_questions_with_nul_or_bad_bytes_on_stdin_are_logged_whole(tmp_path: Path) -> None:
    stdin = b"Qui est Zorglubix\x00 sur la Lune ?\n" + b"Que dit Zorg\xffbix ?\n"
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "DISCORD_"))}
    environment.update(
        NEWSBOT_DATA_DIR=str(tmp_path / "data"),
        NEWSBOT_DB=str(tmp_path / "data" / "newsbot.sqlite3"),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        PYTHONIOENCODING="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--corpus", str(SEEDS), "ask", "--json"],
        cwd=tmp_path,
        env=environment,
        input=stdin,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0 and b"Traceback" not in result.stderr, result.stderr
    assert len(result.stdout.splitlines()) == 2
    assert logged_questions(tmp_path) == ["Qui est Zorglubix\ufffd sur la Lune ?", "Que dit Zorg\ufffdbix ?"]


def test_errors_are_said_in_the_terminals_language(tmp_path: Path, corpus: Path) -> None:
    missing = newsbot(tmp_path, "ask", HUMANE, corpus=tmp_path / "nowhere", env=FRENCH)
    assert "n'existe pas" in one_clean_line(missing)
    assert newsbot(tmp_path, "reload", corpus=corpus).returncode == 0
    for file in corpus.iterdir():
        file.unlink()
    refused = newsbot(tmp_path, "reload", corpus=corpus, env=FRENCH)
    line = one_clean_line(refused)
    assert line.startswith("newsbot: Échec du rechargement") and "retirerait 5 des 5 articles" in line


# ---------------------------------------------------------------------- the terminal's own words


def test_the_terminals_i_dont_know_names_newsbot_headlines(tmp_path: Path) -> None:
    for lang in ("fr", "en"):
        result = newsbot(tmp_path, "ask", "--lang", lang, "Qu'a dit le ministre des pêches sur les sardines ?")
        assert result.returncode == 0, result.stderr
        assert "`newsbot headlines`" in result.stdout and "/headlines" not in result.stdout


def test_the_terminal_prints_report_lines_without_discord_escapes(tmp_path: Path, corpus: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text(NEW_ARTICLE, encoding="utf-8")
    (corpus / "link_out.txt").symlink_to(outside)
    result = newsbot(tmp_path, "reload", corpus=corpus)
    assert result.returncode == 0, result.stderr
    assert "`news/link_out.txt`" in result.stdout and "NEWSBOT_FOLLOW_OUTSIDE_LINKS" in result.stdout
    assert "\\" not in result.stdout


def test_the_terminal_prints_titles_without_discord_escapes(tmp_path: Path, corpus: Path) -> None:
    (corpus / "note_du_jour.txt").write_text(
        "---\ntitle: note_du_jour *brouillon*\n---\n" + NEW_ARTICLE, encoding="utf-8"
    )
    assert newsbot(tmp_path, "reload", corpus=corpus).returncode == 0
    listed = newsbot(tmp_path, "sources", corpus=corpus).stdout
    assert "**note_du_jour *brouillon*** · " in listed and "\\" not in listed


def test_a_refused_reload_names_the_terminal_option_without_escapes(tmp_path: Path, corpus: Path) -> None:
    assert newsbot(tmp_path, "reload", corpus=corpus).returncode == 0
    for file in corpus.iterdir():
        file.unlink()
    refused = newsbot(tmp_path, "reload", corpus=corpus)
    assert refused.returncode == 1
    assert "`newsbot reload --allow-shrink`" in refused.stderr
    assert "/reload" not in refused.stderr and "\\" not in refused.stderr


def test_errors_name_the_database_option_the_user_gave(tmp_path: Path) -> None:
    folder = tmp_path / "db-folder"
    folder.mkdir()
    given = newsbot(tmp_path, "--db", str(folder), "ask", HUMANE)
    assert "--db" in one_clean_line(given) and "NEWSBOT_DB" not in given.stderr
    from_env = newsbot(tmp_path, "ask", HUMANE, env={"NEWSBOT_DB": str(folder)})
    assert "NEWSBOT_DB" in one_clean_line(from_env)


def test_errors_name_the_corpus_option_the_user_gave(tmp_path: Path) -> None:
    given = newsbot(tmp_path, "ask", CHATGPT, corpus=tmp_path / "nowhere")
    assert "--corpus" in one_clean_line(given) and "NEWSBOT_CORPUS_DIR" not in given.stderr
    from_env = newsbot(tmp_path, "ask", CHATGPT, corpus=None, env={"NEWSBOT_CORPUS_DIR": str(tmp_path / "nowhere")})
    assert "NEWSBOT_CORPUS_DIR" in one_clean_line(from_env) and "--corpus" not in from_env.stderr


@pytest.mark.parametrize(
    ("env", "args", "expected"),
    [
        ({"LANG": "en_US.UTF-8"}, (), "Ask me a question about the news"),
        ({"LC_ALL": "en_GB.UTF-8", "LANG": "fr_FR.UTF-8"}, (), "Ask me a question about the news"),
        ({"NEWSBOT_LANG": "en", "LANG": "fr_FR.UTF-8"}, (), "Ask me a question about the news"),
        ({"LANG": "fr_FR.UTF-8"}, (), "Posez-moi une question"),
        ({"NEWSBOT_LANG": "en"}, ("--lang", "fr"), "Posez-moi une question"),
    ],
)
def test_an_empty_question_is_answered_in_the_terminals_language(
    tmp_path: Path, env: dict[str, str], args: tuple[str, ...], expected: str
) -> None:
    result = newsbot(tmp_path, "ask", *args, "", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(expected)


def test_a_too_long_question_is_refused_in_the_terminals_language_with_the_limit(tmp_path: Path) -> None:
    result = newsbot(tmp_path, "ask", "x" * (MAX_QUESTION_CHARS + 1), env={"LANG": "en_US.UTF-8"})
    assert result.stdout.startswith("Your question is too long")
    assert f"at most {MAX_QUESTION_CHARS} characters" in result.stdout
    french = newsbot(tmp_path, "ask", "x" * (MAX_QUESTION_CHARS + 1), env=FRENCH)
    assert f"{MAX_QUESTION_CHARS} caractères au plus" in french.stdout


def test_the_question_s_own_language_still_wins_over_the_terminal_s(tmp_path: Path) -> None:
    result = newsbot(tmp_path, "ask", MICROSOFT, env={"LANG": "en_US.UTF-8"})
    assert result.stdout.splitlines()[0] == "D'après l'article :"


@pytest.mark.parametrize("count", ["0", "-1", "deux"])
def test_headlines_refuses_a_count_that_is_not_positive(tmp_path: Path, count: str) -> None:
    result = newsbot(tmp_path, "headlines", "-n", count)
    assert result.returncode == 2
    assert "argument -n" in result.stderr and result.stdout == ""


def test_ask_dash_reads_the_questions_from_stdin(tmp_path: Path) -> None:
    result = newsbot(tmp_path, "ask", "--json", "-", stdin=f"{MICROSOFT}\n{CHATGPT}\n")
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["question"] for a in answers] == [MICROSOFT, CHATGPT]


def test_verbose_shows_newsbot_s_details_without_the_libraries_chatter(tmp_path: Path) -> None:
    result = newsbot(tmp_path, "-v", "ask", CHATGPT)
    assert result.returncode == 0, result.stderr
    assert "DEBUG bot." in result.stderr or "DEBUG newsbot" in result.stderr or "DEBUG retrieval" in result.stderr
    assert "aiosqlite" not in result.stderr
    very = newsbot(tmp_path, "-vv", "ask", CHATGPT)
    assert "DEBUG aiosqlite" in very.stderr
