"""The slow part of the fault-injection suite (tests/faults runs a smaller one in CI).

    python benchmarks/faults.py [--articles 5000] [--questions 1000]

1. ``kill -9`` of ``newsbot reload`` at more points than CI tries (parse early and late,
   the transaction, the snapshot) on a corpus of ``--articles`` small articles, then ``ask``,
   ``stats`` and ``reload``. For each it prints whether the stored corpus was the old or
   the new one (anything else is a failure: a mix), how long the killed reload had run, and
   how long the recovery commands took.
2. ``--questions`` hostile questions (random, very long, regex metacharacters, mixed
   scripts) answered in-process through the service: the slowest, p99 and p50, and the
   longest rendered message, against Discord's limit.

Exits non-zero if any check fails, so it can gate a release.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from faults.helpers import (  # noqa: E402
    change_corpus,
    copy_home,
    killed_reload,
    newsbot,
    stored,
    write_corpus,
)
from faults.test_hostile import hostile_questions  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.render import MESSAGE_LIMIT, render_answer  # noqa: E402
from bot.service import NewsService  # noqa: E402
from retrieval.corpus.files import content_digest  # noqa: E402

POINTS = [("parse", 10), ("parse", 0.9), ("transaction", 1), ("snapshot", 1)]
"""Kill points: a count of calls, or a share of the articles the reload changes. The
transaction writes a reload's articles in one batch: killed after it, every new row is
written and nothing committed."""


def kills(articles: int, work: Path) -> bool:
    old_home = work / "old"
    write_corpus(old_home / "corpus", range(articles))
    started = time.perf_counter()
    assert newsbot(old_home, old_home / "corpus", "reload", timeout=1800).returncode == 0
    print(f"first load of {articles} articles: {time.perf_counter() - started:.1f} s")
    old = stored(old_home)
    ok = True
    print("| kill point | killed after | stored then | ask / stats / reload | reload, then |")
    print("|---|---|---|---|---|")
    for point, after in POINTS:
        home = copy_home(old_home, work / f"{point}-{after}")
        names = change_corpus(home / "corpus", articles)
        new = {name: content_digest((home / "corpus" / name).read_bytes()) for name in names}
        changed = articles // 10 + articles // 20
        calls = int(after * changed) if isinstance(after, float) else after
        started = time.perf_counter()
        killed = killed_reload(home, home / "corpus", point, max(1, calls))
        ran = time.perf_counter() - started
        state = stored(home)
        then = "old" if state == old else "new" if state == new else "MIX"
        timings = []
        for args in (("ask", "Combien la société Zorvex500 a-t-elle dépensé ?"), ("stats",), ("reload",)):
            started = time.perf_counter()
            result = newsbot(home, home / "corpus", *args, timeout=1800)
            timings.append(f"{time.perf_counter() - started:.1f}")
            ok &= result.returncode == 0 and "Traceback" not in result.stderr
        final = stored(home) == new
        ok &= killed.returncode == -signal.SIGKILL and then != "MIX" and final
        print(
            f"| {point}, call {max(1, calls)} | {ran:.1f} s | {then} | {' / '.join(timings)} s | "
            f"{'the folder' if final else 'WRONG'} |"
        )
        shutil.rmtree(home)
    return ok


async def questions(count: int, work: Path) -> bool:
    corpus = work / "questions" / "corpus"
    write_corpus(corpus, range(500))
    settings = Settings.load(env_file=None, environ={"NEWSBOT_DATA_DIR": str(work / "questions")})
    settings = dataclasses.replace(settings.with_corpus(corpus), db_path=work / "questions" / "newsbot.sqlite3")
    latencies: list[float] = []
    longest = 0
    async with await NewsService.open(settings) as service:
        for question in hostile_questions(count, seed=29):
            started = time.perf_counter()
            answer = await service.ask(question)
            text = render_answer(answer)
            latencies.append(time.perf_counter() - started)
            longest = max(longest, len(text))
    latencies.sort()
    print(
        f"{count} hostile questions: p50 {latencies[len(latencies) // 2] * 1000:.1f} ms, "
        f"p99 {latencies[int(len(latencies) * 0.99)] * 1000:.1f} ms, slowest {latencies[-1] * 1000:.1f} ms; "
        f"longest message {longest} characters (limit {MESSAGE_LIMIT})"
    )
    return longest <= MESSAGE_LIMIT


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--questions", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newsbot-faults-") as tmp:
        work = Path(tmp)
        ok = kills(args.articles, work)
        ok &= asyncio.run(questions(args.questions, work))
    print("all checks passed" if ok else "SOME CHECKS FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
