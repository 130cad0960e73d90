"""Incremental engines (``Engine.updated``) against fresh builds.

After random sequences of articles added, changed and removed, each engine derived from the
previous one must equal a fresh engine built on the resulting corpus (articles in path
order): the same passages in the same order, the same hits (positions, scores bit for bit,
ties), document frequencies, known names and near spellings, and the same answers. The
vocabulary is small so that ties and floored idfs (terms in most passages) are common.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retrieval.corpus.passages import split_passages
from retrieval.engine import Engine
from retrieval.records import Article

WORDS = "modèle puce calcul données startup Nvidia Pékin investit milliards coût entraînement serveur".split()


def _article(path: str, seed: int) -> Article:
    rng = random.Random(seed)
    sentences = []
    for _ in range(rng.randint(1, 9)):
        words = [rng.choice(WORDS[: rng.choice((3, len(WORDS)))]) for _ in range(rng.randint(4, 14))]
        sentences.append(" ".join(words).capitalize() + ".")
    return Article(path, f"Titre {WORDS[seed % len(WORDS)]} {seed}", " ".join(sentences), f"h{seed}")


def _entry(article: Article) -> tuple[Article, list, None]:
    return article, split_passages(article), None


def _fresh(articles: dict[str, Article]) -> Engine:
    ordered = [articles[path] for path in sorted(articles)]
    return Engine(ordered, [p for a in ordered for p in split_passages(a)])


QUERIES = [[w] for w in WORDS] + [WORDS[:3], WORDS[2:7], ["nvidia", "inconnu"], WORDS[::2]]


def _same(engine: Engine, fresh: Engine) -> None:
    assert engine.passages == fresh.passages
    assert list(engine.articles) == list(fresh.articles)
    assert len(engine) == len(fresh)
    for words in QUERIES:
        terms = engine.terms(" ".join(words), "fr")
        assert engine.search(terms, k=7) == fresh.search(terms, k=7), words
        for term in terms:
            assert engine.weight(term) == fresh.weight(term)
            assert engine.has_term(term) == fresh.has_term(term)
    for word in ["Nvidia", "pékin", "titre", "zorglub", "milliard", "Nvidai", "startupp"]:
        assert engine.knows_name(word) == fresh.knows_name(word), word
        assert engine.closest_word(word) == fresh.closest_word(word), word


op = st.one_of(
    st.tuples(st.just("add"), st.integers(0, 60), st.integers(0, 10_000)),
    st.tuples(st.just("change"), st.integers(0, 60), st.integers(0, 10_000)),
    st.tuples(st.just("remove"), st.integers(0, 60), st.just(0)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start=st.lists(st.integers(0, 10_000), min_size=0, max_size=8), ops=st.lists(op, min_size=1, max_size=8))
def test_updated_engines_equal_fresh_builds(start: list[int], ops: list[tuple[str, int, int]]) -> None:
    articles = {f"c/{i:03d}.txt": _article(f"c/{i:03d}.txt", seed) for i, seed in enumerate(start)}
    engine = _fresh(articles)
    for kind, which, seed in ops:
        added, removed = [], []
        if kind == "add":
            path = f"c/{which:03d}b.txt"  # sorts between the starting articles
            articles[path] = _article(path, seed)
            added = [_entry(articles[path])]
        elif articles:
            path = sorted(articles)[which % len(articles)]
            if kind == "change":
                articles[path] = _article(path, seed)
                added = [_entry(articles[path])]
            else:
                del articles[path]
                removed = [path]
        previous = engine
        engine = engine.updated(added, removed)
        _same(engine, _fresh(articles))
        assert previous is not engine
    while engine.merge_step():
        pass
    _same(engine, _fresh(articles))


def test_the_old_engine_keeps_answering_for_its_own_corpus() -> None:
    articles = {f"c/{i}.txt": _article(f"c/{i}.txt", i) for i in range(6)}
    old = _fresh(articles)
    before = {tuple(q): old.search(old.terms(" ".join(q), "fr")) for q in QUERIES}
    new = old.updated([_entry(_article("c/0.txt", 99)), _entry(_article("c/33.txt", 7))], ["c/4.txt"])
    assert "c/4.txt" in old.articles and "c/4.txt" not in new.articles
    assert {tuple(q): old.search(old.terms(" ".join(q), "fr")) for q in QUERIES} == before
    _same(old, _fresh(articles))


@pytest.mark.parametrize("count", [1, 5])
def test_answers_after_an_update_equal_a_fresh_start(count: int) -> None:
    from pathlib import Path

    from retrieval.corpus import load_corpus

    seeds = load_corpus(Path(__file__).resolve().parents[2] / "seeds").articles
    base = {a.path: a for a in seeds[:-count]}
    engine = _fresh(base).updated([_entry(a) for a in seeds[-count:]], [])
    fresh = _fresh({a.path: a for a in seeds})
    for question in ["Combien a coûté l'entraînement de DeepSeek R1 ?", "Qui est à l'origine de DeepSeek ?"]:
        assert engine.answer(question) == fresh.answer(question)
