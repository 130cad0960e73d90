"""End-to-end service benchmark: a question through the service, start-up, and event-loop lag.

    python benchmarks/bench_service.py [--sizes 10000,100000] [--questions 300] [--start-only]

For the shipped seeds and for generated corpora of about N passages (N/10 articles of ten
paragraphs), it prints:

* the first start (a full reload: read, parse, analyse, index, store) and its event-loop lag;
* start-up from the stored corpus and the saved index when no file changed, and the same
  with the saved index deleted;
* a reload when no file changed;
* a reload with 5 % of the articles changed while questions keep being asked, its
  event-loop lag, and how many questions were answered during it;
* question latency through the service, ask → rendered Discord text (p50/p95/p99), split
  into the stages of ``Engine.answer`` timed one by one: parse, retrieval (BM25 top-k) and
  composition (candidates, features, ranking, decision, quotes);
* resident memory.

``--start-only`` stops after the first start and a restart (with resident memory then):
at a million passages the whole run takes most of an hour, these two about ten minutes.

Event-loop lag is measured by a task that sleeps 5 ms in a loop and records how late it
wakes up: a blocked loop (a CPU-heavy step on it) shows as lag, which delays the gateway
heartbeat and every Discord event.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import Settings  # noqa: E402
from bot.discord.runner import make_event_loop_responsive  # noqa: E402
from bot.render import render_answer  # noqa: E402
from bot.service import NewsService, ReloadReport  # noqa: E402
from retrieval.answer import QuestionContext, compose  # noqa: E402
from retrieval.engine import SEARCH_DEPTH  # noqa: E402
from retrieval.snapshot import segments_folder  # noqa: E402

SYLLABLES = "ba be bi bo bu ca ce ci co cu da de di do du fa fe fi la le li lo lu ma me mi mo mu na ne ni no nu pa pe pi po pu ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo vu an en on ou ai eau oi".split()
FUNCTION_WORDS = "le la les un une des de du et en dans pour par sur avec que qui a est sont au aux".split()


def make_vocabulary(size: int, rng: random.Random) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def _vocabulary(passages: int, rng: random.Random) -> tuple[list[str], list[float]]:
    vocabulary = make_vocabulary(max(2000, int(25 * (passages * 45) ** 0.5)), rng)
    cumulative = list(itertools.accumulate(1.0 / (rank + 10) ** 1.07 for rank in range(len(vocabulary))))
    return vocabulary, cumulative


def _article_text(
    rng: random.Random, vocabulary: list[str], cumulative: list[float], title: str, topic: list[str]
) -> str:
    paragraphs = []
    for _ in range(10):
        sentences = []
        for _ in range(3):
            words = (
                rng.choices(vocabulary, cum_weights=cumulative, k=10)
                + rng.sample(topic, 2)
                + rng.sample(FUNCTION_WORDS, 3)
            )
            rng.shuffle(words)
            sentences.append(" ".join(words).capitalize() + ".")
        paragraphs.append(" ".join(sentences))
    return title + "\n" + "\n".join(paragraphs) + "\n"


def write_corpus(folder: Path, passages: int, seed: int = 1) -> list[str]:
    """Articles of ten paragraphs of three ~15-word sentences; returns sample questions."""
    rng = random.Random(seed)
    vocabulary, cumulative = _vocabulary(passages, rng)
    articles = max(1, passages // 10)
    questions = []
    for index in range(articles):
        topic = rng.sample(vocabulary[200:], 3)
        title = f"Dépêche {index}: {' '.join(topic).capitalize()}"
        (folder / f"a{index:06d}.txt").write_text(
            _article_text(rng, vocabulary, cumulative, title, topic), encoding="utf-8"
        )
        if len(questions) < 2000:
            questions.append(f"Que dit la dépêche sur {topic[0]} et {topic[1]} ?")
        if (index + 1) % 1000 == 0 or index + 1 == articles:
            print(f"\r  writing articles {index + 1}/{articles}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return questions


def add_articles(folder: Path, passages: int, count: int, round_: int) -> list[tuple[str, str]]:
    """``count`` new articles like :func:`write_corpus`'s, named to sort among the existing
    ones (spread over the folder); each with a question only it answers (a new topic word)."""
    vocabulary, cumulative = _vocabulary(passages, random.Random(1))
    rng = random.Random(1000 + round_)
    articles = max(1, passages // 10)
    added = []
    for i in range(count):
        word = f"zorblux{round_}x{i}"
        topic = [word, *rng.sample(vocabulary[200:], 2)]
        name = f"a{(i * articles) // count:06d}-new{round_}-{i}.txt"
        title = f"Dépêche nouvelle {round_}-{i}: {' '.join(topic).capitalize()}"
        (folder / name).write_text(_article_text(rng, vocabulary, cumulative, title, topic), encoding="utf-8")
        added.append((name, f"Que dit la dépêche sur {word} et {topic[1]} ?"))
    return added


def _written_since(folder: Path, since: float) -> int:
    """Bytes of the files below ``folder`` modified since ``since`` (a snapshot's update)."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and p.stat().st_mtime >= since)


class LagSampler:
    """Samples event-loop lag: how late a 5 ms sleep wakes up."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(0.005)
            self.samples.append((time.perf_counter() - start - 0.005) * 1000)

    def __enter__(self) -> LagSampler:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()

    def summary(self) -> str:
        if not self.samples:
            return "no samples"
        ordered = sorted(self.samples)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return f"max {ordered[-1]:.1f} ms, p99 {p99:.1f} ms over {len(ordered)} samples"


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))]

    return f"p50 {pick(0.5):.2f} ms, p95 {pick(0.95):.2f} ms, p99 {pick(0.99):.2f} ms"


def rss_mb() -> float:
    """Peak resident memory of this process so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    """Resident memory now (Linux; the peak elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return rss_mb()


async def bench(
    label: str, corpus: Path, questions: list[str], workdir: Path, n_questions: int, start_only: bool = False
) -> None:
    settings = Settings(corpus_dir=corpus, data_dir=workdir, db_path=workdir / f"{label}.sqlite3", log_questions=False)
    print(f"\n== {label}", flush=True)
    started = time.perf_counter()
    with LagSampler() as lag:
        service = await NewsService.open(settings)
        await service.settle()  # and the index saved for the next start
    print(
        f"first start (full reload, index saved): {time.perf_counter() - started:.1f} s; "
        f"{len(service.engine.articles)} articles, {len(service.engine)} passages; loop lag {lag.summary()}"
    )

    if start_only:
        await service.close()
        started = time.perf_counter()
        service = await NewsService.open(settings)
        print(
            f"start-up from the stored corpus and saved index (no file changed): {time.perf_counter() - started:.2f} s"
        )
        print(
            f"resident memory after the restart {current_rss_mb():.0f} MB (this process ran the first start too), "
            f"peak {rss_mb():.0f} MB"
        )
        await service.close()
        return
    sample = (questions * (n_questions // max(1, len(questions)) + 1))[:n_questions]
    total = []
    engine = service.engine
    for question in sample:
        t0 = time.perf_counter()
        answer = await service.ask(question)
        render_answer(answer)
        total.append((time.perf_counter() - t0) * 1000)
    # The stages of Engine.answer timed one by one on the same questions (warm caches, as a
    # bot that has answered them once): parse, retrieval (BM25 top-k), composition.
    parse_ms, search_ms, composition = [], [], []
    for question in sample:
        t0 = time.perf_counter()
        parsed = engine.parser.parse(question)
        context = QuestionContext.build(engine, parsed)
        t1 = time.perf_counter()
        hits = engine.search(context.query_terms(), k=SEARCH_DEPTH)
        t2 = time.perf_counter()
        compose(engine, context, hits, lang=parsed.lang, models=engine.models)
        t3 = time.perf_counter()
        parse_ms.append((t1 - t0) * 1000)
        search_ms.append((t2 - t1) * 1000)
        composition.append((t3 - t2) * 1000)
    answered = 0
    for question in sample[:50]:
        answered += (await service.ask(question)).answered
    print(f"question through the service (ask → rendered text): {percentiles(total)}")
    print(f"  parse (question analysis, near spellings): {percentiles(parse_ms)}")
    print(f"  retrieval (BM25 top-{SEARCH_DEPTH}): {percentiles(search_ms)}")
    print(f"  composition (candidates, features, ranking, decision, quotes): {percentiles(composition)}")
    print(f"  answered {answered}/50 sample questions")
    await service.close()

    started = time.perf_counter()
    service = await NewsService.open(settings)
    print(f"start-up from the stored corpus and saved index (no file changed): {time.perf_counter() - started:.2f} s")
    await service.close()
    settings.index_path.unlink()
    started = time.perf_counter()
    service = await NewsService.open(settings)
    print(
        f"  the same with the saved index deleted (rebuilt from stored tokens): {time.perf_counter() - started:.2f} s"
    )
    await service.settle()  # the index is saved again in the background

    started = time.perf_counter()
    report = await service.reload(requested_by="bench")
    print(f"reload with no file changed: {time.perf_counter() - started:.2f} s ({report.unchanged} unchanged)")

    files = sorted(corpus.glob("*.txt"))
    for path in files[:: max(1, len(files) // max(1, len(files) // 20))][: max(1, len(files) // 20)]:
        path.write_text(
            path.read_text(encoding="utf-8") + "Une phrase ajoutée pour la mise à jour.\n", encoding="utf-8"
        )
    with LagSampler() as lag:
        report, asked_during = await reload_while_asking(service, sample, pause=0.01)
        started = time.perf_counter()
        await service.settle()  # the new index snapshot is written after the swap
        saved = time.perf_counter() - started
    print(
        f"reload with {len(report.updated)} changed articles: {report.duration_s:.1f} s (then {saved:.1f} s saving "
        f"the index in the background), loop lag throughout {lag.summary()}, {asked_during} questions answered meanwhile"
    )
    await service.settle()
    await bench_added(service, corpus, sample, settings)
    print(f"resident memory (peak): {rss_mb():.0f} MB")
    await service.close()


async def reload_while_asking(service: NewsService, sample: list[str], pause: float) -> tuple[ReloadReport, int]:
    """A reload, with a question asked every ``pause`` seconds until it returns: its report
    and how many questions were answered meanwhile."""
    asked = 0
    reload = asyncio.create_task(service.reload(requested_by="bench"))
    while not reload.done():
        await service.ask(sample[asked % len(sample)])
        asked += 1
        await asyncio.sleep(pause)
    return await reload, asked


async def bench_added(
    service: NewsService, corpus: Path, sample: list[str], settings: Settings, rounds: int = 3
) -> None:
    """10 articles added, each round paired with a no-change reload just before it: time
    until the new articles are answerable (the reload's return: the new engine is live),
    loop lag, and the snapshot's update (the background save and merges after the swap)."""
    passages = len(service.engine)
    snapshot_folder = segments_folder(settings.index_path)
    for round_ in range(rounds):
        started = time.perf_counter()
        await service.reload(requested_by="bench")
        no_change = time.perf_counter() - started
        added = add_articles(corpus, passages, 10, round_)
        with LagSampler() as lag:
            started = time.perf_counter()
            report, asked_during = await reload_while_asking(service, sample, pause=0.005)
            answerable = time.perf_counter() - started
            wall = time.time()
            settle_started = time.perf_counter()
            await service.settle()
            settled = time.perf_counter() - settle_started
        found = 0
        for name, question in added:
            answer = await service.ask(question)
            found += bool(answer.citations) and answer.citations[0].article.path.endswith(name)
        written = _written_since(snapshot_folder, wall - 0.001) + settings.index_path.stat().st_size
        print(
            f"10 articles added ({len(report.added)} in the report) at {passages} passages: answerable after "
            f"{answerable:.2f} s (paired no-change reload {no_change:.2f} s: +{answerable - no_change:.2f} s); "
            f"loop lag {lag.summary()}; {asked_during} questions answered meanwhile; "
            f"{found}/10 new articles found first by their question; snapshot updated in the background in "
            f"{settled:.2f} s, ~{max(0, written) / 1e6:.2f} MB written"
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="generated corpus sizes in passages")
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument(
        "--start-only",
        action="store_true",
        help="only the first start and a restart (a 1M-passage run in minutes, not most of an hour)",
    )
    args = parser.parse_args()
    make_event_loop_responsive()  # as `newsbot run` does
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        seeds = workdir / "seeds"
        shutil.copytree(ROOT / "seeds", seeds)
        seed_questions = [
            line.split('"q": "')[1].split('"')[0]
            for line in (ROOT / "tests/data/dev.jsonl").read_text(encoding="utf-8").splitlines()
        ]
        await bench("seeds", seeds, seed_questions, workdir, args.questions, args.start_only)
        for size in [int(s) for s in args.sizes.split(",") if s]:
            folder = workdir / f"gen{size}"
            folder.mkdir()
            questions = write_corpus(folder, size)
            await bench(f"{size} passages", folder, questions, workdir, args.questions, args.start_only)


if __name__ == "__main__":
    asyncio.run(main())
