"""Two reloads at once, and a reload while questions are being answered: every question is
answered, from the old or the new corpus, and the store ends as the folder is (issue 11)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import ROOT, change_corpus, copy_home, environment, newsbot, one_line, stored, write_corpus

COUNT = 400


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("loaded")
    write_corpus(home / "corpus", range(COUNT))
    assert newsbot(home, home / "corpus", "reload").returncode == 0
    return home


def start(home: Path, *args: str) -> subprocess.Popen[str]:
    """``newsbot ARGS`` started, not waited for (its stdin a pipe for ``communicate``)."""
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "--corpus", str(home / "corpus"), *args],
        cwd=ROOT,
        env=environment(home),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_reloads_at_once_end_with_the_folder_stored(loaded: Path, tmp_path: Path) -> None:
    home = copy_home(loaded, tmp_path / "home")
    names = change_corpus(home / "corpus", COUNT)
    first, second = start(home, "reload"), start(home, "reload")
    results = [process.communicate(timeout=120) for process in (first, second)]
    for process, (_, stderr) in zip((first, second), results, strict=True):
        if process.returncode != 0:  # the one that lost the race says so, in one line
            assert process.returncode == 1 and "Traceback" not in stderr, stderr
            lines = [line for line in stderr.splitlines() if line.strip()]
            assert len(lines) == 1 and ("another" in lines[0].lower() or "locked" in lines[0]), stderr
    assert 0 in (first.returncode, second.returncode)
    assert set(stored(home)) == names
    again = newsbot(home, home / "corpus", "reload")
    assert again.returncode == 0, one_line(again)


def test_a_reload_under_a_loop_of_questions_answers_every_question(loaded: Path, tmp_path: Path) -> None:
    home = copy_home(loaded, tmp_path / "home")
    names = change_corpus(home / "corpus", COUNT)
    numbers = range(COUNT // 10, COUNT // 10 + 150)  # articles the reload leaves as they are
    questions = "".join(f"Combien la société Zorvex{n} a-t-elle dépensé ?\n" for n in numbers)
    reload = start(home, "reload")
    asking = start(home, "ask", "--json")
    out, err = asking.communicate(questions, timeout=180)
    reload.communicate(timeout=180)
    assert asking.returncode == 0 and "Traceback" not in err, err
    answers = [json.loads(line) for line in out.splitlines()]
    assert len(answers) == len(numbers)
    for number, answer in zip(numbers, answers, strict=True):
        assert answer["answered"], answer
        assert f"Zorvex{number} a dépensé {number + 1} millions" in answer["text"]
    assert reload.returncode == 0
    assert set(stored(home)) == names
