"""Shared by the fault-injection tests: a synthetic corpus of small articles, the newsbot
command as a subprocess, and what the store holds, read straight from SQLite."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KILLER = Path(__file__).with_name("killer.py")

WORDS = (
    "marché startup modèle calcul données serveur réseau énergie budget usine laboratoire "
    "contrat logiciel puce investissement recherche ingénieur capital régulation export"
).split()


def article_text(number: int, version: int = 1) -> str:
    """A small article with a name of its own (``Zorvex<number>``), so a question can reach it."""
    rng = hashlib.sha256(f"{number}:{version}".encode()).digest()
    words = [WORDS[b % len(WORDS)] for b in rng[:12]]
    return (
        f"Zorvex{number} annonce une étape nouvelle, version {version}\n"
        f"La société Zorvex{number} a dépensé {number + version} millions d'euros pour son {words[0]} "
        f"et son {words[1]} cette année. Son {words[2]} et son {words[3]} progressent selon ses dirigeants. "
        f"Le {words[4]} de Zorvex{number} dépend du {words[5]} et du {words[6]}, disent les analystes.\n"
    )


def write_corpus(folder: Path, numbers: range | list[int], version: int = 1) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for number in numbers:
        (folder / f"a{number:05d}.txt").write_text(article_text(number, version), encoding="utf-8")


def change_corpus(folder: Path, count: int) -> set[str]:
    """The folder's "new" version: a tenth of the files rewritten, a twentieth removed, a
    twentieth added; returns the file names of the new version."""
    for number in range(0, count // 10):
        (folder / f"a{number:05d}.txt").write_text(article_text(number, 2), encoding="utf-8")
    for number in range(count - count // 20, count):
        (folder / f"a{number:05d}.txt").unlink()
    write_corpus(folder, range(count, count + count // 20))
    return {path.name for path in folder.glob("*.txt")}


def environment(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a newsbot child: its database under ``home/data``, English, no token."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "DISCORD_", "LC_")) and k != "LANG"}
    env.update(
        NEWSBOT_DATA_DIR=str(home / "data"),
        NEWSBOT_DB=str(home / "data" / "newsbot.sqlite3"),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        PYTHONIOENCODING="utf-8",
    )
    env.update(extra)
    return env


def newsbot(
    home: Path, corpus: Path, *args: str, stdin: str | None = None, timeout: float = 120, **extra: str
) -> subprocess.CompletedProcess[str]:
    """Run ``newsbot --corpus corpus ARGS`` with its database under ``home/data``."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "--corpus", str(corpus), *args],
        cwd=home,
        env=environment(home, **extra),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def killed_reload(home: Path, corpus: Path, point: str, after: int) -> subprocess.CompletedProcess[str]:
    """``newsbot reload`` killed with SIGKILL at ``point`` (see killer.py)."""
    return subprocess.run(
        [sys.executable, str(KILLER), point, str(after), "--", "--corpus", str(corpus), "reload"],
        cwd=home,
        env=environment(home),
        capture_output=True,
        text=True,
        timeout=120,
    )


def database(home: Path) -> Path:
    return home / "data" / "newsbot.sqlite3"


def stored(home: Path) -> dict[str, str]:
    """``{file name: content hash}`` of the stored articles, read as another newsbot would
    (read-write, so that SQLite recovers a log a killed process left)."""
    conn = sqlite3.connect(database(home))
    try:
        rows = conn.execute("SELECT path, content_hash FROM articles").fetchall()
    finally:
        conn.close()
    return {path.rsplit("/", 1)[-1]: content_hash for path, content_hash in rows}


def copy_home(source: Path, target: Path) -> Path:
    """A private copy of a prepared home (database, snapshot) for one test to break."""
    shutil.copytree(source, target)
    return target


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The one line a failure prints, after checking it is one line and no traceback."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]
