"""A bot killed while its worker processes parse a large reload leaves no process behind:
nobody shuts the pool down after a ``kill -9``, so each worker must notice on its own."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from .helpers import ROOT, write_corpus

# The child parses the folder in two worker processes (as a reload of 400 files or more
# does), prints its child processes once the first article is back, and kills itself.
CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from bot.service.folder import _parsed_in_pool
    from retrieval.corpus.files import CorpusFile

    folder = Path(sys.argv[1])
    items = [
        (path.name, path.read_bytes(), CorpusFile(path, f"corpus/{path.name}"), None)
        for path in sorted(folder.glob("*.txt"))
    ]
    for _ in _parsed_in_pool(items, 2):
        children = []
        for task in Path("/proc/self/task").iterdir():
            children += (task / "children").read_text().split()
        print(" ".join(children), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """
)


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for its new parent to reap it does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads child processes from Linux's /proc")
def test_parse_workers_exit_when_the_bot_is_killed(tmp_path: Path) -> None:
    write_corpus(tmp_path / "corpus", range(1500))
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path / "corpus")],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert child.stdout is not None
    workers = [int(pid) for pid in child.stdout.readline().split()]
    assert child.wait(timeout=60) == -9
    assert workers, "the parse ran in no worker process"
    deadline = time.monotonic() + 15
    while any(map(alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(map(alive, workers)), f"workers {workers} outlived the killed bot"
