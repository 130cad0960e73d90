"""A damaged database, a truncated write-ahead log, a damaged or misplaced index snapshot, a
read-only data folder: each gives one clear line or recovers by rebuilding the cache, and
no article is lost (issue 11)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from .helpers import change_corpus, copy_home, database, killed_reload, newsbot, one_line, stored, write_corpus

COUNT = 60
QUESTION = "Combien la société Zorvex7 a-t-elle dépensé ?"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("loaded")
    write_corpus(home / "corpus", range(COUNT))
    assert newsbot(home, home / "corpus", "reload").returncode == 0
    assert newsbot(home, home / "corpus", "ask", QUESTION).returncode == 0  # the snapshot is saved
    return home


@pytest.fixture
def home(loaded: Path, tmp_path: Path) -> Path:
    return copy_home(loaded, tmp_path / "home")


def snapshot(home: Path) -> Path:
    return home / "data" / "newsbot.index.npz"


def answers(home: Path) -> None:
    result = newsbot(home, home / "corpus", "ask", QUESTION)
    assert result.returncode == 0, result.stderr
    assert "Zorvex7 a dépensé 8 millions" in result.stdout


def test_a_database_with_a_damaged_header_is_one_line_and_the_folder_rebuilds_it(home: Path) -> None:
    with open(database(home), "r+b") as file:
        file.write(b"this is no sqlite file" * 5)
    result = newsbot(home, home / "corpus", "ask", QUESTION)
    assert result.returncode == 1
    assert "not a usable newsbot database" in one_line(result)
    # The articles live in the folder: another database file is a reload away.
    database(home).rename(database(home).with_suffix(".damaged"))
    assert newsbot(home, home / "corpus", "reload").returncode == 0
    assert len(stored(home)) == COUNT


def test_a_truncated_write_ahead_log_reads_as_a_whole_corpus(home: Path) -> None:
    old = stored(home)
    change_corpus(home / "corpus", COUNT)
    # Killed after its commit, while writing the snapshot: the commit is still in the log.
    assert killed_reload(home, home / "corpus", "snapshot", 1).returncode < 0
    wal = database(home).with_name("newsbot.sqlite3-wal")
    assert wal.stat().st_size > 0
    with open(wal, "r+b") as file:
        file.truncate(wal.stat().st_size // 2)
    state = stored(home)
    assert state == old or set(state) == {path.name for path in (home / "corpus").glob("*.txt")}
    answers(home)
    assert newsbot(home, home / "corpus", "reload").returncode == 0
    assert len(stored(home)) == len(list((home / "corpus").glob("*.txt")))


def test_a_damaged_snapshot_is_rebuilt(home: Path) -> None:
    data = bytearray(snapshot(home).read_bytes())
    data[len(data) // 3 : len(data) // 3 + 200] = b"\xff" * 200
    snapshot(home).write_bytes(bytes(data))
    answers(home)
    answers(home)


def test_a_snapshot_path_that_is_a_folder_is_answered_around(home: Path) -> None:
    snapshot(home).unlink()
    snapshot(home).mkdir()
    answers(home)
    assert snapshot(home).is_dir()


def test_a_read_only_data_folder_still_answers_and_a_reload_is_one_line(home: Path) -> None:
    """Read-only through a read-only bind mount where that is possible (root ignores file
    modes), else through the folder's mode."""
    data = home / "data"
    for leftover in data.glob("*-shm"):
        leftover.unlink()
    bound = subprocess.run(["mount", "--bind", str(data), str(data)], capture_output=True).returncode == 0
    if bound:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(data)], check=True, capture_output=True)
    elif os.geteuid() == 0:
        pytest.skip("root without mount rights: file modes cannot make the folder read-only")
    else:
        data.chmod(0o555)
    try:
        # The commands that only read answer from the database opened read-only.
        for args in (("ask", QUESTION), ("stats",), ("headlines",)):
            result = newsbot(home, home / "corpus", *args)
            assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
        assert "Zorvex7 a dépensé 8 millions" in newsbot(home, home / "corpus", "ask", QUESTION).stdout
        reload = newsbot(home, home / "corpus", "reload")
        assert reload.returncode == 1 and "read-only" in one_line(reload)
    finally:
        if bound:
            subprocess.run(["umount", str(data)], capture_output=True)
        else:
            data.chmod(0o755)
    assert len(stored(home)) == COUNT
