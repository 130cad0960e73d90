"""Print answer-quality figures for every eval set, through `newsbot ask --json`.

    python benchmarks/eval_quality.py [--corpus seeds] [--verbose] [FILE.jsonl ...]

Defaults to every tests/data/*.jsonl. --verbose prints each missed question with the
answer given, to read the failures rather than tune to them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval.evaluation import load_gold, score  # noqa: E402


def answers_for(questions: list[str], corpus: Path) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "NEWSBOT_DATA_DIR": tmp, "NEWSBOT_DB": str(Path(tmp) / "eval.sqlite3")}
        result = subprocess.run(
            [sys.executable, "-m", "bot.cli", "--corpus", str(corpus), "ask", "--json"],
            input="\n".join(questions) + "\n", capture_output=True, text=True, env=env, cwd=ROOT, check=True,
        )
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--corpus", type=Path, default=ROOT / "seeds")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    files = args.files or sorted((ROOT / "tests" / "data").glob("*.jsonl"))
    for path in files:
        gold = load_gold(path)
        answers = answers_for([row["q"] for row in gold], args.corpus)
        scores = score(gold, answers)
        print(f"{path.name:22} {scores.summary()}")
        if args.verbose:
            for row, answer in zip(gold, answers):
                if row["id"] in scores.misses:
                    first = answer["citations"][0] if answer["citations"] else None
                    got = f"{Path(first['path']).name}: {first['quote'][:160]}" if first else "(no answer)"
                    print(f"   {row['id']} {row['q']}\n      expected {row.get('answer_any', 'no answer')} in "
                          f"{row.get('sources', '-')}\n      got {got}")


if __name__ == "__main__":
    main()
