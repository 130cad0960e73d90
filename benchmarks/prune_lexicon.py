"""Remove a glossary entry or a thesaurus group where it harms answers on the shared sets.

    python benchmarks/prune_lexicon.py [--eval ../shared/eval] [--apply]

For each entry of ``retrieval/lexicon/glossary.en-fr.txt`` (English questions about French
articles) and each group of ``retrieval/lexicon/synonyms.fr.txt`` (French paraphrases), the
questions of the shared sets that use it are answered with the word lists as they are and
without it, counting the questions made right (answered from the right article with a quote
holding the answer, or declined when unanswerable), and every entry with an effect is
printed. With --apply, an entry that makes more of them wrong than right is removed.

The shipped lists are not pruned: the shared sets hold few English questions about French
articles and no news, so each entry moves a question or two at most. Keeping only the
entries they prove (2 of 416 glossary entries, 4 of 34 groups) cost 36 points of right
answers on the seeds' holdout set and 17 on the blind one, which no fit has seen; removing
only the five groups they find harmful cost one holdout question.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval.answer import QuestionParser  # noqa: E402
from retrieval.answer.question import GLOSSARY_FILE, SYNONYMS_FILE  # noqa: E402
from retrieval.corpus import load_corpus, split_passages  # noqa: E402
from retrieval.engine import Engine  # noqa: E402
from retrieval.evaluation import contains_answer, load_gold  # noqa: E402
from retrieval.lexicon import phrase_groups, phrase_table  # noqa: E402
from retrieval.text.language import detect_language  # noqa: E402

LEXICON = ROOT / "retrieval" / "lexicon"


def engine_for(folder: Path) -> Engine:
    articles = load_corpus(folder).articles
    return Engine(articles, [p for a in articles for p in split_passages(a)])


def right(engine: Engine, row: dict) -> bool:
    answer = engine.answer(row["q"])
    if not row.get("answerable", True):
        return not answer.answered
    if not answer.answered:
        return False
    first = answer.citations[0]
    return Path(first.article.path).name in row["sources"] and contains_answer(first.quote, row["answer_any"])


def score_with(
    engine: Engine, rows: Iterable[dict], glossary: Mapping[str, tuple[str, ...]], synonyms: Iterable[tuple[str, ...]]
) -> int:
    engine.parser = QuestionParser(
        engine.analyzers, set(engine.languages.values()), glossary=glossary, synonyms=synonyms
    )
    return sum(right(engine, row) for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--apply", action="store_true", help="remove the entries that do harm")
    args = parser.parse_args()
    seeds = load_gold(args.eval / "dev.jsonl") + load_gold(args.eval / "dev-more.jsonl")
    sets = [
        (engine_for(ROOT / "seeds"), seeds),
        (engine_for(args.eval / "piaf" / "dev" / "corpus"), load_gold(args.eval / "piaf" / "dev.jsonl")),
    ]
    glossary = dict(phrase_table(GLOSSARY_FILE))
    groups = list(phrase_groups(SYNONYMS_FILE))

    # Only English questions go through the glossary.
    english_sets = [(engine, [r for r in rows if detect_language(r["q"]) == "en"]) for engine, rows in sets]
    kept_glossary: dict[str, tuple[str, ...]] = {}
    for english, french in glossary.items():
        without = {k: v for k, v in glossary.items() if k != english}
        gain = 0
        for engine, rows in english_sets:
            engine.parser = QuestionParser(engine.analyzers, set(engine.languages.values()))
            targets = set(engine.parser.translations(english))
            probe = QuestionParser(engine.analyzers, set(engine.languages.values()), glossary=without)
            used = [r for r in rows if engine.parser.parse(r["q"]).query_terms() != probe.parse(r["q"]).query_terms()]
            if used and targets:
                gain += score_with(engine, used, glossary, groups) - score_with(engine, used, without, groups)
        if gain >= 0:
            kept_glossary[english] = french
        if gain:
            print(f"glossary {english!r}: {gain:+d} questions right")

    kept_groups: list[tuple[str, ...]] = []
    for group in groups:
        without_group = [g for g in groups if g != group]
        gain = 0
        for engine, rows in sets:
            engine.parser = QuestionParser(engine.analyzers, set(engine.languages.values()), synonyms=without_group)
            probe = QuestionParser(engine.analyzers, set(engine.languages.values()))
            used = [r for r in rows if engine.parser.parse(r["q"]).query_terms() != probe.parse(r["q"]).query_terms()]
            if used:
                gain += score_with(engine, used, glossary, groups) - score_with(engine, used, glossary, without_group)
        if gain >= 0:
            kept_groups.append(group)
        if gain:
            print(f"synonyms {' | '.join(group)}: {gain:+d} questions right")

    print(
        f"without harm: {len(kept_glossary)} of {len(glossary)} glossary entries, {len(kept_groups)} of {len(groups)} groups"
    )
    if args.apply:
        rewrite(LEXICON / GLOSSARY_FILE, [f"{k}: {' | '.join(v)}" for k, v in kept_glossary.items()])
        rewrite(LEXICON / SYNONYMS_FILE, [" | ".join(g) for g in kept_groups])


def rewrite(path: Path, lines: list[str]) -> None:
    """Keep the file's leading comment, replace its entries."""
    header = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        header.append(line)
    path.write_text("\n".join(header + lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
