"""Passages: the units BM25 ranks. Whole sentences only, every sentence once, sub-headings as
context but never as quotable text."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from retrieval.corpus import load_corpus
from retrieval.corpus.passages import (
    MAX_WORDS,
    MIN_WORDS,
    is_heading,
    iter_blocks,
    passage_text,
    split_passages,
    word_count,
)
from retrieval.records import Article, Passage
from retrieval.text.sentences import split_sentences

SEEDS = Path(__file__).resolve().parents[3] / "seeds"


@pytest.fixture(scope="module")
def seeds() -> dict[str, tuple[Article, list[Passage]]]:
    """Seed prefix ("003") → (article, passages)."""
    result = load_corpus(SEEDS)
    return {a.path.split("/")[-1][:3]: (a, split_passages(a)) for a in result.articles}


def make_article(text: str, title: str = "Un titre") -> Article:
    return Article(path="c/a.txt", title=title, text=text, content_hash=hashlib.sha256(text.encode()).hexdigest())


def sentence(i: int, words: int = 15) -> str:
    return " ".join([f"Phrase{i}"] + [f"mot{j}" for j in range(words - 1)]) + "."


def spans_of(passages: list[Passage]) -> list[tuple[int, int]]:
    return [(s.start, s.end) for p in passages for s in p.sentences]


# Every sentence once, in order --------------------------------------------------------------


def test_every_seed_sentence_is_in_exactly_one_passage_in_order(seeds) -> None:
    for article, passages in seeds.values():
        expected = [
            (s.start, s.end)
            for block in iter_blocks(article.text)
            if block.kind != "heading"
            for s in split_sentences(article.text, block.start, block.end)
        ]
        assert spans_of(passages) == expected, article.path


def test_passage_ordinals_count_from_zero(seeds) -> None:
    for article, passages in seeds.values():
        assert [p.ordinal for p in passages] == list(range(len(passages)))
        assert all(p.article_path == article.path for p in passages)


def test_only_headings_and_bullets_are_left_out_of_passages(seeds) -> None:
    for article, passages in seeds.values():
        covered = [False] * len(article.text)
        for start, end in spans_of(passages):
            covered[start:end] = [True] * (end - start)
        for block in iter_blocks(article.text):
            if block.kind == "heading":
                covered[block.start : block.end] = [True] * (block.end - block.start)
        offset = 0
        for line in article.text.split("\n"):
            if line.startswith("- "):
                covered[offset : offset + 2] = [True, True]
            offset += len(line) + 1
        lost = "".join(ch for ch, ok in zip(article.text, covered) if not ok and not ch.isspace())
        assert lost == "", article.path


def test_passages_never_overlap(seeds) -> None:
    for _, passages in seeds.values():
        spans = spans_of(passages)
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))


def test_passage_text_is_the_article_slice(seeds) -> None:
    article, passages = seeds["002"]
    for passage in passages:
        assert passage_text(article, passage) == article.text[passage.start : passage.end]


def test_passage_boundaries_fall_between_sentences() -> None:
    text = " ".join(sentence(i) for i in range(10))
    passages = split_passages(make_article(text))
    for passage in passages:
        piece = passage_text(make_article(text), passage)
        assert piece.startswith("Phrase") and piece.endswith(".")


# Sizes --------------------------------------------------------------------------------------


def test_about_three_sentences_per_passage() -> None:
    text = " ".join(sentence(i) for i in range(10))  # 15 words each
    passages = split_passages(make_article(text))
    assert [len(p.sentences) for p in passages] == [3, 3, 3, 1]


def test_most_seed_passages_hold_40_to_120_words(seeds) -> None:
    counts = [word_count(passage_text(a, p)) for a, passages in seeds.values() for p in passages]
    within = sum(MIN_WORDS <= c <= MAX_WORDS for c in counts)
    assert within / len(counts) >= 0.7, counts


def test_seed_passage_over_120_words_is_a_single_sentence(seeds) -> None:
    for article, passages in seeds.values():
        for passage in passages:
            if word_count(passage_text(article, passage)) > MAX_WORDS:
                assert len(passage.sentences) == 1, (article.path, passage.ordinal)


def test_seed_passage_under_40_words_ends_its_section(seeds) -> None:
    for article, passages in seeds.values():
        for passage, following in zip(passages, passages[1:] + [None]):
            if word_count(passage_text(article, passage)) < MIN_WORDS:
                assert following is None or following.context != passage.context, (article.path, passage.ordinal)


def test_long_sentences_are_not_gathered_past_120_words() -> None:
    text = " ".join(sentence(i, words=50) for i in range(4))
    passages = split_passages(make_article(text))
    assert [len(p.sentences) for p in passages] == [2, 2]
    assert all(word_count(passage_text(make_article(text), p)) <= MAX_WORDS for p in passages)


def test_single_very_long_sentence_is_one_passage() -> None:
    text = sentence(0, words=150)
    passages = split_passages(make_article(text))
    assert len(passages) == 1
    assert len(passages[0].sentences) == 1
    assert word_count(passage_text(make_article(text), passages[0])) == 150


def test_short_section_is_its_own_passage() -> None:
    text = "\n".join(
        [
            " ".join(sentence(i) for i in range(3)),
            "Une courte section",
            "Seulement dix mots dans cette section qui est très courte.",
            "Une autre section",
            " ".join(sentence(i) for i in range(3, 6)),
        ]
    )
    passages = split_passages(make_article(text))
    assert len(passages) == 3
    middle = passage_text(make_article(text), passages[1])
    assert middle == "Seulement dix mots dans cette section qui est très courte."
    assert passages[1].context == "Un titre\nUne courte section"


# Sub-headings -------------------------------------------------------------------------------

SEED_003_HEADINGS = ["Nvidia", "Méta", "Yann LeCun", "Openai", "Elon Musk", "Satya Nadella"]


@pytest.mark.parametrize("heading", SEED_003_HEADINGS)
def test_sub_heading_is_never_inside_a_passage_sentence(seeds, heading: str) -> None:
    article, passages = seeds["003"]
    start = article.text.index(f"\n{heading}\n") + 1
    end = start + len(heading)
    for s_start, s_end in spans_of(passages):
        assert s_end <= start or s_start >= end, heading


@pytest.mark.parametrize("heading", SEED_003_HEADINGS)
def test_sub_heading_is_the_context_of_the_passage_below_it(seeds, heading: str) -> None:
    article, passages = seeds["003"]
    heading_end = article.text.index(f"\n{heading}\n") + 1 + len(heading)
    below = next(p for p in passages if p.start > heading_end)
    assert below.context == f"{article.title}\n{heading}"


def test_sub_heading_context_lasts_until_the_next_heading(seeds) -> None:
    article, passages = seeds["003"]
    openai = [p for p in passages if p.context.endswith("\nOpenai")]
    assert len(openai) >= 2
    texts = " ".join(passage_text(article, p) for p in openai)
    assert "distillation" in texts
    assert "Sam Altman" in texts
    assert "Elon Musk a lancé" not in texts


def test_passages_before_any_heading_have_the_title_as_context(seeds) -> None:
    article, passages = seeds["004"]
    assert all(p.context == article.title for p in passages)


def test_markdown_heading_starts_a_passage_and_is_not_quoted() -> None:
    text = sentence(0) + "\n## Les réactions\n" + sentence(1)
    article = make_article(text)
    passages = split_passages(article)
    assert len(passages) == 2
    assert passages[1].context == "Un titre\nLes réactions"
    assert "##" not in passage_text(article, passages[1])


@pytest.mark.parametrize(
    "line",
    [
        "Nvidia",
        "Satya Nadella",
        "Des réactions contrastées dans l’industrie",
        "Trump favorable à un accord avec Oracle pour l’acquisition de TikTok?",
    ],
)
def test_short_line_without_closing_punctuation_is_a_heading(line: str) -> None:
    assert is_heading(line)


@pytest.mark.parametrize(
    "line",
    [
        "Le PDG de l’entreprise, Jensen Huang, n’a pas commenté publiquement.",
        "Musk a répondu à l’allégation par un mot: «évidemment».",
        "- Spore.bio lève 23 millions de dollars pour sa solution de détection de bactéries en usine",
        "Cette adoption rapide montre que, quelle que soit l’origine de l’innovation, les consommateurs sont prêts à adopter des",
    ],
)
def test_sentence_item_or_long_line_is_not_a_heading(line: str) -> None:
    assert not is_heading(line)


# List items ---------------------------------------------------------------------------------


def test_list_item_is_a_sentence_without_its_bullet(seeds) -> None:
    article, passages = seeds["000"]
    texts = [article.text[start:end] for start, end in spans_of(passages)]
    assert "Spore.bio lève 23 millions de dollars pour sa solution de détection de bactéries en usine" in texts
    assert "Après l'échec de l'AI Pin, Humane se fait racheter par HP pour 116 millions de dollars" in texts


def test_no_seed_sentence_starts_with_a_bullet(seeds) -> None:
    for article, passages in seeds.values():
        for start, end in spans_of(passages):
            assert not article.text[start:end].startswith(("- ", "• ", "* ")), article.path


@pytest.mark.parametrize("bullet", ["- ", "• ", "* ", "1. ", "2) "])
def test_bullets_of_every_kind_are_left_out_of_sentences(bullet: str) -> None:
    text = f"{bullet}Spore.bio lève 23 millions de dollars"
    article = make_article(text)
    passages = split_passages(article)
    assert passage_text(article, passages[0]) == "Spore.bio lève 23 millions de dollars"
