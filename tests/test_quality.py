"""Answer quality on every eval set, measured through `newsbot ask --json` itself.

One process answers a whole set (questions on stdin, one JSON object per line), exactly as a
user would batch them. Each set is held at floors just under what the shipped answer models
reach (``python benchmarks/eval_quality.py`` prints the figures), so that no change loses
ground. ``holdout`` and ``blind`` were written by people who had not seen the answerer and
were never fitted on; the shared PIAF and SQuAD sets are fitted on (their honest k-fold
figures are in the README), so their floors guard against regressions, not overfitting.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from retrieval.evaluation import Scores, load_gold, score

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SHARED = ROOT.parent / "shared" / "eval"


@dataclass(frozen=True)
class Floor:
    """Minimum shares: first citation right, its quote holds the answer, unanswerable
    questions declined; and the maximum share of answerable questions declined."""

    right_article: float
    quote: float
    correct_idk: float
    false_idk: float


SEEDS = (ROOT / "seeds",)
MIXED = (ROOT / "seeds", SHARED / "squad/dev/corpus")
"""The seeds and SQuAD's English articles in one folder: each question must still be
answered from the articles of its own language."""

FLOORS: dict[str, tuple[Path, tuple[Path, ...], Floor]] = {
    "seeds/dev": (DATA / "dev.jsonl", SEEDS, Floor(1.0, 1.0, 1.0, 0.0)),
    "seeds/dev-more": (DATA / "dev-more.jsonl", SEEDS, Floor(1.0, 1.0, 0.83, 0.0)),
    "seeds/holdout": (DATA / "holdout.jsonl", SEEDS, Floor(0.81, 0.81, 0.71, 0.19)),
    "seeds/blind": (DATA / "blind.jsonl", SEEDS, Floor(0.77, 0.77, 0.66, 0.23)),
    "piaf/dev": (SHARED / "piaf/dev.jsonl", (SHARED / "piaf/dev/corpus",), Floor(0.80, 0.57, 0.0, 0.145)),
    "piaf/dev-half": (
        SHARED / "piaf/dev-half.jsonl",
        (SHARED / "piaf/dev-half/corpus",),
        Floor(0.79, 0.58, 0.86, 0.175),
    ),
    "squad/dev": (SHARED / "squad/dev.jsonl", (SHARED / "squad/dev/corpus",), Floor(0.84, 0.40, 0.0, 0.12)),
    "squad/dev-half": (
        SHARED / "squad/dev-half.jsonl",
        (SHARED / "squad/dev-half/corpus",),
        Floor(0.84, 0.39, 0.75, 0.13),
    ),
    "mixed/seeds-dev": (DATA / "dev.jsonl", MIXED, Floor(1.0, 1.0, 1.0, 0.0)),
    "mixed/seeds-holdout": (DATA / "holdout.jsonl", MIXED, Floor(0.81, 0.81, 0.71, 0.19)),
    "mixed/seeds-blind": (DATA / "blind.jsonl", MIXED, Floor(0.77, 0.77, 0.58, 0.23)),
    "mixed/squad-dev": (SHARED / "squad/dev.jsonl", MIXED, Floor(0.86, 0.41, 0.0, 0.11)),
}


def missing(questions: Path, folders: tuple[Path, ...], shared: Path = SHARED) -> str | None:
    """Why a set cannot run, naming the first missing piece (the shared folder as a whole
    when it is absent), or ``None`` when everything is here."""
    for path in (questions, *folders):
        if path.is_relative_to(shared) and not shared.is_dir():
            return f"the shared eval folder {shared} is not here (it sits beside the repository)"
        if not (path.is_file() if path == questions else path.is_dir()):
            kind = "question file" if path == questions else "corpus folder"
            return f"the {kind} {path} is not here"
    return None


def test_a_skipped_set_names_what_is_missing(tmp_path: Path) -> None:
    shared = tmp_path / "shared" / "eval"
    mixed = (ROOT / "seeds", shared / "squad/dev/corpus")
    assert (
        missing(DATA / "dev.jsonl", mixed, shared)
        == f"the shared eval folder {shared} is not here (it sits beside the repository)"
    )
    shared.mkdir(parents=True)
    assert missing(DATA / "dev.jsonl", mixed, shared) == f"the corpus folder {shared / 'squad/dev/corpus'} is not here"
    assert missing(tmp_path / "gone.jsonl", SEEDS, shared) == f"the question file {tmp_path / 'gone.jsonl'} is not here"
    assert missing(DATA / "dev.jsonl", SEEDS, shared) is None


def one_folder(folders: tuple[Path, ...], tmp_path: Path) -> Path:
    """The folder itself, or a new one holding copies of every folder's articles."""
    if len(folders) == 1:
        return folders[0]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for folder in folders:
        for path in folder.glob("*.txt"):
            shutil.copy2(path, corpus / path.name)
    return corpus


def run_cli(questions: list[str], tmp_path: Path, corpus: Path = ROOT / "seeds") -> list[dict]:
    env = {**os.environ, "NEWSBOT_DATA_DIR": str(tmp_path), "NEWSBOT_DB": str(tmp_path / "eval.sqlite3")}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--corpus", str(corpus), "ask", "--json"],
        input="\n".join(questions) + "\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
        check=True,
    )
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def evaluate(questions: Path, corpus: Path, tmp_path: Path) -> Scores:
    gold = load_gold(questions)
    scores = score(gold, run_cli([row["q"] for row in gold], tmp_path, corpus))
    print(f"\n{questions}: {scores.summary()}")
    return scores


@pytest.mark.parametrize("name", list(FLOORS))
def test_eval_set_stays_at_or_above_its_floor(name: str, tmp_path: Path) -> None:
    questions, folders, floor = FLOORS[name]
    if (absent := missing(questions, folders)) is not None:
        pytest.skip(absent)
    scores = evaluate(questions, one_folder(folders, tmp_path), tmp_path)
    n = scores.answerable
    assert scores.hit_at_1 >= floor.right_article * n - 1e-9, scores.summary()
    assert scores.answer_at_1 >= floor.quote * n - 1e-9, scores.summary()
    assert scores.abstained_wrongly <= floor.false_idk * n + 1e-9, scores.summary()
    assert scores.abstained_correctly >= floor.correct_idk * scores.unanswerable - 1e-9, scores.summary()


def test_batch_answers_one_json_object_per_question_in_order(tmp_path: Path) -> None:
    answers = run_cli(
        ["Combien Microsoft prévoit-il d'investir dans l'IA cette année ?", "Quand sortira GPT-5 ?"], tmp_path
    )
    assert [a["question"] for a in answers] == [
        "Combien Microsoft prévoit-il d'investir dans l'IA cette année ?",
        "Quand sortira GPT-5 ?",
    ]
    assert answers[0]["answered"] and "80 milliards" in answers[0]["citations"][0]["quote"]
    assert answers[0]["citations"][0]["path"] == "seeds/004_3ee402626e42975a.txt"
    assert not answers[1]["answered"] and answers[1]["citations"] == []
