"""Print answer-quality figures for every eval set, through `newsbot ask --json`.

    python benchmarks/eval_quality.py [--eval ../shared/eval] [--verbose] [SET ...]

Sets are named as in the table it prints (``seeds/dev``, ``piaf/dev-half``, …); by default
all of them. Each set is answered by one `newsbot ask --json` process on its own corpus, as
a user would batch questions. --verbose prints each missed question with the answer given,
to read the failures rather than tune to them.

The figures: first citation from the right article, its quote holds the answer (rank 1, and
any of the first three quotes), false "I don't know" (share of answerable questions
declined), correct "I don't know" (share of unanswerable ones declined), and the engine's
time per question (p50 and p99, warm caches, corpus load excluded).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval.corpus import load_corpus, split_passages  # noqa: E402
from retrieval.engine import Engine  # noqa: E402
from retrieval.evaluation import Scores, load_gold, score  # noqa: E402

DEFAULT_EVAL = ROOT.parent / "shared" / "eval"


@dataclass(frozen=True)
class EvalSet:
    name: str
    questions: Path
    corpus: tuple[Path, ...]
    """Folders whose articles make the corpus (several: copied into one folder)."""


def eval_sets(eval_dir: Path) -> list[EvalSet]:
    """The project's seed sets, every shared set whose files are present, and the mixed
    corpus (the seeds and SQuAD's English articles in one folder, asked both's questions)."""
    seeds = ROOT / "seeds"
    seed_sets = sorted((ROOT / "tests" / "data").glob("*.jsonl"))
    sets = [EvalSet(f"seeds/{path.stem}", path, (seeds,)) for path in seed_sets]
    for collection in ("piaf", "squad"):
        for variant in ("dev", "dev-half"):
            questions = eval_dir / collection / f"{variant}.jsonl"
            if questions.is_file():
                sets.append(
                    EvalSet(f"{collection}/{variant}", questions, (eval_dir / collection / variant / "corpus",))
                )
    squad = eval_dir / "squad" / "dev"
    if squad.is_dir():
        mixed = (seeds, squad / "corpus")
        sets += [EvalSet(f"mixed/seeds-{path.stem}", path, mixed) for path in seed_sets]
        sets.append(EvalSet("mixed/squad-dev", eval_dir / "squad" / "dev.jsonl", mixed))
    return sets


@contextmanager
def corpus_folder(folders: tuple[Path, ...]) -> Iterator[Path]:
    """The one folder, or a temporary one holding copies of every folder's articles."""
    if len(folders) == 1:
        yield folders[0]
        return
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        for folder in folders:
            for path in folder.iterdir():
                if path.is_file() and not path.name.startswith("."):
                    shutil.copy2(path, corpus / path.name)
        yield corpus


def answers_for(questions: list[str], corpus: Path) -> list[dict]:
    """The CLI's answers, one process for the whole set."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "NEWSBOT_DATA_DIR": tmp, "NEWSBOT_DB": str(Path(tmp) / "eval.sqlite3")}
        result = subprocess.run(
            [sys.executable, "-m", "bot.cli", "--corpus", str(corpus), "ask", "--json"],
            input="\n".join(questions) + "\n",
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            check=True,
        )
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def latency(questions: list[str], corpus: Path) -> tuple[float, float]:
    """The engine's own time per question, p50 and p99 in ms, the CLI's process start and
    corpus load excluded; the set is answered once to warm the caches, as a bot that has
    been asked such questions, then timed question by question."""
    articles = load_corpus(corpus).articles
    engine = Engine(articles, [p for a in articles for p in split_passages(a)])
    for question in questions:
        engine.answer(question)
    times = []
    for question in questions:
        started = time.perf_counter()
        engine.answer(question)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.99))]


def line(name: str, scores: Scores, times: tuple[float, float]) -> str:
    return f"{name:20} {scores.rates()}  {times[0]:.2f} / {times[1]:.2f} ms a question (p50 / p99)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sets", nargs="*", help="set names, e.g. piaf/dev (default: all)")
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL, help="the shared eval folder")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    for eval_set in eval_sets(args.eval):
        if args.sets and eval_set.name not in args.sets:
            continue
        gold = load_gold(eval_set.questions)
        questions = [row["q"] for row in gold]
        with corpus_folder(eval_set.corpus) as corpus:
            answers = answers_for(questions, corpus)
            times = latency(questions, corpus)
        scores = score(gold, answers)
        print(line(eval_set.name, scores, times), flush=True)
        if args.verbose:
            for row, answer in zip(gold, answers, strict=True):
                if row["id"] in scores.misses:
                    first = answer["citations"][0] if answer["citations"] else None
                    got = f"{Path(first['path']).name}: {first['quote'][:160]}" if first else "(no answer)"
                    print(
                        f"   {row['id']} {row['q']}\n      expected {row.get('answer_any', 'no answer')} in "
                        f"{row.get('sources', '-')}\n      got {got}"
                    )


if __name__ == "__main__":
    main()
