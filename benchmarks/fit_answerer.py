"""Fit the answerer's two models on the shared question sets and write their weights.

    python benchmarks/fit_answerer.py [--eval ../shared/eval] [--folds 4] [--no-write]

The ranker scores each candidate quote: the log-odds that it comes from an article that
answers the question and holds the answer. The decider scores the question: the log-odds
that the corpus answers it at all. Both are L2-regularised logistic regressions (numpy,
Newton's method) over the features of ``retrieval/answer/features.py``.

Training data mimics what a bot meets: each collection's articles are split in two halves;
with one half loaded, questions about it are answerable and questions about the other half
must get "I don't know", then the halves swap; with every article loaded, every question is
answerable. No rule or weight names a question, an article or a word.

Honest figures come from a k-fold by article: the models are fitted on the articles of k−1
folds and scored on the last fold — once with every article loaded (like ``piaf/dev``),
once with half of that fold's articles removed (like ``piaf/dev-half``). They are printed
beside the figures of the shipped fit (fitted on everything, so those are in-sample).

The decline threshold is chosen for a stated precision of "I don't know": the lowest
threshold at which at least ``--idk-precision`` of the cross-validated "I don't know"s are
for questions whose article is absent.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval.answer import (  # noqa: E402
    CANDIDATE_FEATURES,
    QUESTION_FEATURES,
    AnswerModels,
    LinearModel,
    QuestionContext,
)
from retrieval.answer.compose import candidate_quote, gather_candidates  # noqa: E402
from retrieval.answer.features import MAX_MARGIN, question_vector  # noqa: E402
from retrieval.corpus import load_corpus  # noqa: E402
from retrieval.corpus.passages import split_passages  # noqa: E402
from retrieval.engine import SEARCH_DEPTH, Engine  # noqa: E402
from retrieval.evaluation import Scores, contains_answer, load_gold  # noqa: E402
from retrieval.records import Article  # noqa: E402

WEIGHTS = ROOT / "retrieval" / "answer" / "weights.json"
COLLECTIONS = ("piaf", "squad", "seeds")
"""The shared sets: PIAF (French) and SQuAD (English) split by article, and the seeds' two
question sets (trained on as they are; the project's holdout and blind sets stay unseen)."""
CITE_MARGIN = 2.0
"""A further article is quoted when its best candidate is within this many log-odds of the
best one: a presentation choice (how many sources to show), not a fitted decision."""
L2 = 1.0
"""Ridge penalty on standardised features: enough to keep correlated features finite."""


@dataclass
class Collection:
    name: str
    articles: list[Article]
    questions: list[dict]
    natural_negatives: bool = False
    """Its question sets hold their own unanswerable questions (the seeds' do)."""


@dataclass
class QuestionData:
    """One question as one corpus sees it: its candidates' features, whose article
    answers, and which hold the answer."""

    row: dict
    answerable: bool
    context: QuestionContext
    features: np.ndarray
    articles: np.ndarray
    """Article index per candidate (within this question's candidates)."""
    good: np.ndarray
    missing: np.ndarray


@dataclass
class Scenario:
    questions: list[QuestionData] = field(default_factory=list)
    with_negatives: bool = False
    """Some of its questions must get "I don't know" (the decline threshold is chosen on these)."""


def split_of(name: str, salt: str, parts: int) -> int:
    return int(hashlib.sha256(f"{salt}:{name}".encode()).hexdigest(), 16) % parts


def load_collection(eval_dir: Path, name: str) -> Collection:
    if name == "seeds":
        questions = load_gold(eval_dir / "dev.jsonl") + load_gold(eval_dir / "dev-more.jsonl")
        return Collection(name, load_corpus(eval_dir.parent / "seeds").articles, questions, natural_negatives=True)
    result = load_corpus(eval_dir / name / "dev" / "corpus")
    return Collection(name, result.articles, load_gold(eval_dir / name / "dev.jsonl"))


def build_engine(articles: Sequence[Article]) -> Engine:
    passages = [p for a in articles for p in split_passages(a)]
    return Engine(articles, passages)


def answerable(row: dict, present: set[str]) -> bool:
    return row.get("answerable", True) and bool(set(row.get("sources", ())) & present)


def scenario(engine: Engine, questions: Iterable[dict], present: set[str], with_negatives: bool = False) -> Scenario:
    out = Scenario(with_negatives=with_negatives)
    for row in questions:
        answerable_ = answerable(row, present)
        parsed = engine.parser.parse(row["q"])
        context = QuestionContext.build(engine, parsed)
        if not context.concepts:
            continue
        hits = engine.search(context.query_terms(), k=SEARCH_DEPTH)
        candidates = gather_candidates(engine, context, hits)
        paths = {path: i for i, path in enumerate(dict.fromkeys(c.article_path for c in candidates))}
        good = [
            answerable_
            and Path(c.article_path).name in row["sources"]
            and contains_answer(candidate_quote(engine, c, parsed), row["answer_any"])
            for c in candidates
        ]
        out.questions.append(
            QuestionData(
                row,
                answerable_,
                context,
                np.array([c.features for c in candidates], dtype=float).reshape(-1, len(CANDIDATE_FEATURES)),
                np.array([paths[c.article_path] for c in candidates], dtype=int),
                np.array(good, dtype=bool),
                np.array([c.missing for c in candidates], dtype=float),
            )
        )
    return out


def fit_logistic(
    x: np.ndarray, y: np.ndarray, l2: float = L2, weights: np.ndarray | None = None
) -> tuple[np.ndarray, float]:
    """Weights and bias of an L2-regularised logistic regression, by Newton's method on
    standardised features (the penalty does not touch the bias)."""
    mean, std = x.mean(axis=0), x.std(axis=0)
    std[std == 0] = 1.0
    z = np.hstack([(x - mean) / std, np.ones((len(x), 1))])
    sample = np.ones(len(x)) if weights is None else weights
    beta = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(z @ beta)))
        gradient = z.T @ (sample * (p - y)) + penalty * beta
        hessian = (z * (sample * p * (1 - p))[:, None]).T @ z + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    w = beta[:-1] / std
    return w, float(beta[-1] - (w * mean).sum())


def fit_conditional_logit(groups: list[tuple[np.ndarray, np.ndarray]], l2: float = L2) -> np.ndarray:
    """Weights of a conditional logit: within each question, the softmax of the candidates'
    scores puts its mass on the good ones. Only differences between one question's
    candidates matter, so nothing about the question itself leaks into the ranking."""
    x_all = np.vstack([x for x, _ in groups])
    mean, std = x_all.mean(axis=0), x_all.std(axis=0)
    std[std == 0] = 1.0
    scaled = [((x - mean) / std, good) for x, good in groups]
    beta = np.zeros(x_all.shape[1])
    for _ in range(30):
        gradient = l2 * beta
        hessian = np.diag(np.full(len(beta), l2))
        for z, good in scaled:
            s = z @ beta
            p = np.exp(s - s.max())
            p /= p.sum()
            r = p * good
            r /= r.sum()
            gradient += z.T @ (p - r)
            centred = z - p @ z
            hessian += (centred * p[:, None]).T @ centred
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-7:
            break
    return beta / std


def best_of(q: QuestionData, w: np.ndarray, b: float) -> tuple[int, float, float]:
    """Index of the best candidate, its log-odds, and its margin over another article's best."""
    scores = q.features @ w + b
    best = int(np.argmax(scores))
    others = scores[q.articles != q.articles[best]]
    margin = float(scores[best] - others.max()) if len(others) else MAX_MARGIN
    return best, float(scores[best]), margin


def question_row(q: QuestionData, w: np.ndarray, b: float) -> list[float]:
    if not len(q.features):
        return question_vector(q.context, None, 0.0, 0.0, 0.0)
    best, score, margin = best_of(q, w, b)
    return question_vector(q.context, list(q.features[best]), float(q.missing[best]), score, margin)


def fit(train: list[Scenario], precision: float, fitted_on: str) -> AnswerModels:
    """Both models, and the decline threshold chosen on the training scenarios that have
    questions to decline."""
    questions = [q for s in train for q in s.questions]
    ranked = [q for q in questions if q.answerable and q.good.any()]
    w, b = fit_conditional_logit([(q.features, q.good) for q in ranked]), 0.0
    ranker = LinearModel(CANDIDATE_FEATURES, tuple(map(float, w)), b)
    qx = np.array([question_row(q, w, b) for q in questions])
    qy = np.array([q.answerable for q in questions], dtype=float)
    dw, db = fit_logistic(qx, qy)
    decider = LinearModel(QUESTION_FEATURES, tuple(map(float, dw)), db)
    models = AnswerModels(ranker, decider, 0.0, cite_margin=CITE_MARGIN, fitted_on=fitted_on)
    return replace(models, threshold=choose_threshold(declinable(models, train), precision))


@dataclass(frozen=True)
class Outcome:
    """One held-out question answered with no decline: what the decider thought, and
    what the answer would have been worth."""

    answerable: bool
    confidence: float
    fold: int
    right_article: bool
    quote_holds: bool
    within_three: bool


def scores_at(outcomes: Iterable[Outcome], thresholds: Sequence[float]) -> Scores:
    """The eval figures with each outcome's fold declining below its own threshold."""
    scores = Scores()
    for o in outcomes:
        answered = o.confidence >= thresholds[o.fold]
        if o.answerable:
            scores.answerable += 1
            scores.abstained_wrongly += not answered
            scores.hit_at_1 += answered and o.right_article
            scores.answer_at_1 += answered and o.quote_holds
            scores.answer_at_3 += answered and o.within_three
        else:
            scores.unanswerable += 1
            scores.abstained_correctly += not answered
    return scores


def outcomes(
    engine: Engine, models: AnswerModels, questions: Iterable[dict], present: set[str], fold: int
) -> list[Outcome]:
    """Every question answered as if the threshold were -inf, with the decider's log-odds."""
    engine.models = replace(models, threshold=-math.inf)
    out = []
    for row in questions:
        answer = engine.answer(row["q"])
        cites = answer.citations
        right = bool(cites) and Path(cites[0].article.path).name in row["sources"]
        holds = [contains_answer(c.quote, row["answer_any"]) for c in cites]
        out.append(
            Outcome(
                answerable=answerable(row, present),
                confidence=_logit(answer.confidence) if cites else -math.inf,
                fold=fold,
                right_article=right,
                quote_holds=right and bool(holds) and holds[0],
                within_three=any(holds),
            )
        )
    return out


def _logit(p: float) -> float:
    p = min(max(p, 1e-12), 1 - 1e-12)
    return math.log(p / (1 - p))


def declinable(models: AnswerModels, train: list[Scenario]) -> list[tuple[float, bool]]:
    w, b = np.array(models.ranker.weights), models.ranker.bias
    return [
        (models.decider.score(question_row(q, w, b)), q.answerable)
        for s in train
        if s.with_negatives
        for q in s.questions
    ]


def choose_threshold(scored: Sequence[tuple[float, bool]], precision: float) -> float:
    """The highest threshold at which the "I don't know"s said below it are at least
    ``precision`` correct, from (log-odds, answerable) pairs."""
    ordered = sorted(scored)
    best = ordered[0][0] - 1e-6
    correct = 0
    for i, (score, is_answerable) in enumerate(ordered):
        correct += not is_answerable
        if correct / (i + 1) >= precision and i + 1 < len(ordered):
            best = (score + ordered[i + 1][0]) / 2
    return best


def halves(articles: Sequence[Article], salt: str) -> tuple[list[Article], list[Article]]:
    first = [a for a in articles if split_of(Path(a.path).name, salt, 2) == 0]
    return first, [a for a in articles if a not in first]


def training_scenarios(collection: Collection, articles: Sequence[Article]) -> list[Scenario]:
    """The collection's questions over ``articles``, then over each half of them; a
    collection with questions of its own to decline (the seeds) is used as it is."""
    names = {Path(a.path).name for a in articles}
    if collection.natural_negatives:
        return [scenario(build_engine(articles), collection.questions, names, with_negatives=True)]
    questions = [q for q in collection.questions if set(q["sources"]) & names]
    out = [scenario(build_engine(articles), questions, names)]
    for kept in halves(articles, "half"):
        out.append(scenario(build_engine(kept), questions, {Path(a.path).name for a in kept}, with_negatives=True))
    return out


@dataclass
class HeldOut:
    outcomes: dict[tuple[str, str], list[Outcome]] = field(default_factory=dict)
    declinable: list[list[tuple[float, bool]]] = field(default_factory=list)
    """Per fold, the training questions' (log-odds, answerable), to choose thresholds on."""

    def thresholds(self, precision: float) -> list[float]:
        return [choose_threshold(scored, precision) for scored in self.declinable]


def held_out(collections: list[Collection], folds: int, precision: float) -> HeldOut:
    """k-fold by article: for each fold, fit on the others' articles, then answer the fold's
    questions with every article loaded ("dev") and with half the fold's articles removed
    ("half")."""
    result = HeldOut()
    started = time.perf_counter()
    for fold in range(folds):
        train, held = [], []
        for c in collections:
            if c.natural_negatives:
                train += training_scenarios(c, c.articles)  # trained on, never scored here
                continue
            inside = [a for a in c.articles if split_of(Path(a.path).name, "fold", folds) != fold]
            held.append((c, [a for a in c.articles if a not in inside]))
            train += training_scenarios(c, inside)
        models = fit(train, precision, f"fold {fold + 1}")
        result.declinable.append(declinable(models, train))
        for c, test in held:
            names = {Path(a.path).name for a in test}
            questions = [q for q in c.questions if set(q["sources"]) & names]
            every = {Path(a.path).name for a in c.articles}
            dev = outcomes(build_engine(c.articles), models, questions, every, fold)
            result.outcomes.setdefault((c.name, "dev"), []).extend(dev)
            _, removed = halves(test, "half")
            present = every - {Path(a.path).name for a in removed}
            engine = build_engine([a for a in c.articles if Path(a.path).name in present])
            result.outcomes.setdefault((c.name, "half"), []).extend(outcomes(engine, models, questions, present, fold))
        print(f"fold {fold + 1}/{folds} done ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--idk-precision", type=float, default=0.85)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    collections = [load_collection(args.eval, name) for name in COLLECTIONS]
    result = held_out(collections, args.folds, args.idk_precision)
    print(
        f"k-fold by article ({args.folds} folds), each fold's threshold for {args.idk_precision:.0%} correct \"I don't know\"s:"
    )
    thresholds = result.thresholds(args.idk_precision)
    for (name, setting), rs in sorted(result.outcomes.items()):
        print(f"  {name}/{setting:5} {scores_at(rs, thresholds).rates()}")
    print('other operating points (precision of "I don\'t know" on the training halves):')
    for precision in (0.7, 0.75, 0.8, 0.85, 0.9):
        t = result.thresholds(precision)
        for (name, setting), rs in sorted(result.outcomes.items()):
            print(f"  {precision:.0%} {name}/{setting:5} {scores_at(rs, t).rates()}")

    train = [s for c in collections for s in training_scenarios(c, c.articles)]
    shipped = fit(train, args.idk_precision, " + ".join(c.name for c in collections))
    print(f"shipped fit: threshold {shipped.threshold:.3f}")
    if not args.no_write:
        WEIGHTS.write_text(json.dumps(shipped.to_json(), indent=2) + "\n", encoding="utf-8")
        print(f"wrote {WEIGHTS.relative_to(ROOT)}")
    print(f"done in {time.perf_counter() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
