"""``kill -9`` of ``newsbot reload`` at three points on a corpus of a couple of thousand
small articles: the store holds the old corpus or the new one, never a mix, and the next
commands answer, count and reload as if nothing had happened (issue 11)."""

from __future__ import annotations

import shutil
import signal
from dataclasses import dataclass
from pathlib import Path

import pytest

from retrieval.corpus.files import content_digest

from .helpers import change_corpus, copy_home, killed_reload, newsbot, stored, write_corpus

COUNT = 2000


@dataclass(frozen=True)
class Prepared:
    old_home: Path
    """A home whose database holds the old corpus (and its folder)."""
    old: dict[str, str]
    new: dict[str, str]
    """What a completed reload of the new folder stores."""
    new_names: set[str]


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    old_home = tmp_path_factory.mktemp("old")
    write_corpus(old_home / "corpus", range(COUNT))
    assert newsbot(old_home, old_home / "corpus", "reload").returncode == 0
    reference = tmp_path_factory.mktemp("reference") / "corpus"
    shutil.copytree(old_home / "corpus", reference)
    names = change_corpus(reference, COUNT)
    # What a reload stores for each file: its content digest (no manifest here).
    new = {name: content_digest((reference / name).read_bytes()) for name in names}
    return Prepared(old_home, stored(old_home), new, names)


@pytest.mark.parametrize(
    ("point", "after", "expected"),
    [("parse", 50, "old"), ("transaction", 1, "old"), ("snapshot", 1, "new")],
)
def test_a_reload_killed_leaves_the_old_or_the_new_corpus_and_the_next_commands_work(
    prepared: Prepared, tmp_path: Path, point: str, after: int, expected: str
) -> None:
    home = copy_home(prepared.old_home, tmp_path / "home")
    corpus = home / "corpus"
    change_corpus(corpus, COUNT)
    killed = killed_reload(home, corpus, point, after)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    state = stored(home)
    assert state in (prepared.old, prepared.new), "a mix of the old and the new corpus"
    assert state == (prepared.old if expected == "old" else prepared.new)

    answer = newsbot(home, corpus, "ask", "Combien la société Zorvex500 a-t-elle dépensé ?")
    assert answer.returncode == 0, answer.stderr
    assert "Zorvex500" in answer.stdout and "Traceback" not in answer.stderr
    stats = newsbot(home, corpus, "stats")
    assert stats.returncode == 0 and stats.stdout.startswith(f"Corpus: {len(state)} articles"), stats.stdout
    reload = newsbot(home, corpus, "reload")
    assert reload.returncode == 0, reload.stderr
    assert stored(home) == prepared.new and len(prepared.new) == len(prepared.new_names)
