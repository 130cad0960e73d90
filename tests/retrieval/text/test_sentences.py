"""Sentence boundaries: a quote is whole sentences, so a wrong split cuts a fact in half and a
missed split glues two facts together."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.corpus import load_corpus
from retrieval.text.sentences import split_sentences

SEEDS = Path(__file__).resolve().parents[3] / "seeds"


def sentences(text: str) -> list[str]:
    return [text[span.start : span.end] for span in split_sentences(text)]


def test_period_space_capital_splits() -> None:
    assert sentences("DeepSeek a publié R1. Le modèle est ouvert.") == [
        "DeepSeek a publié R1.",
        "Le modèle est ouvert.",
    ]


def test_question_and_exclamation_marks_split() -> None:
    assert sentences("Où est l'Europe ? Mistral avance ! Le Chat progresse.") == [
        "Où est l'Europe ?",
        "Mistral avance !",
        "Le Chat progresse.",
    ]


def test_ellipsis_splits() -> None:
    assert sentences("L'aura de ses fondateurs n'y est pas étrangère… De son côté, Mira Murati revient.") == [
        "L'aura de ses fondateurs n'y est pas étrangère…",
        "De son côté, Mira Murati revient.",
    ]


def test_sentence_starting_with_a_digit_splits() -> None:
    assert sentences("Le fonds est ouvert. 12 startups ont été financées.") == [
        "Le fonds est ouvert.",
        "12 startups ont été financées.",
    ]


def test_sentence_starting_with_an_opening_guillemet_splits() -> None:
    assert sentences("Il est parti. « Je reviens », a-t-il dit.") == ["Il est parti.", "« Je reviens », a-t-il dit."]


def test_decimal_comma_does_not_split() -> None:
    assert sentences("DeepSeek a coûté 5,6 millions de dollars. Le modèle est ouvert.") == [
        "DeepSeek a coûté 5,6 millions de dollars.",
        "Le modèle est ouvert.",
    ]


def test_decimal_point_does_not_split() -> None:
    assert sentences("La puce vise 1.6 Tbps en 2025. La production suivra.") == [
        "La puce vise 1.6 Tbps en 2025.",
        "La production suivra.",
    ]


def test_lowercase_after_period_does_not_split() -> None:
    assert sentences("Il a dit non. puis il est parti.") == ["Il a dit non. puis il est parti."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("M. Dupont est arrivé. Il a parlé.", ["M. Dupont est arrivé.", "Il a parlé."]),
        ("Mme. Michu aussi. Elle a parlé.", ["Mme. Michu aussi.", "Elle a parlé."]),
        ("Selon J. Biden, tout va bien. Mais pas pour tous.", ["Selon J. Biden, tout va bien.", "Mais pas pour tous."]),
        (
            "The photo was taken on Jan. 28, 2025. It shows apps.",
            ["The photo was taken on Jan. 28, 2025.", "It shows apps."],
        ),
        ("Voir la fig. 3 du rapport. Elle est claire.", ["Voir la fig. 3 du rapport.", "Elle est claire."]),
        ("Dr. House soigne. Il guérit.", ["Dr. House soigne.", "Il guérit."]),
    ],
    ids=["M.", "Mme.", "initial", "Jan.", "fig.", "Dr."],
)
def test_abbreviation_or_initial_does_not_split(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_a_word_longer_than_the_look_back_before_a_period_is_read_whole() -> None:
    # Only the last letters before a period are searched for the word it ends: enough of a
    # long word that it is never taken for an initial ("M.") or an abbreviation ("Dr.").
    long_word = "Pneumonoultramicroscopicsilicovolcanoconiosisdr" * 2
    text = f"Il a écrit {long_word}. Elle a lu le mot. Très long {'x' * 47}M. Voilà."
    assert sentences(text) == [f"Il a écrit {long_word}.", "Elle a lu le mot.", f"Très long {'x' * 47}M.", "Voilà."]
    assert sentences(f"Et puis {'a' * 60} M. Dupont arriva.") == [f"Et puis {'a' * 60} M. Dupont arriva."]


def test_period_inside_guillemets_does_not_split() -> None:
    text = "Il a déclaré : « Nous savons. Nous agissons », avant de partir. Puis il est revenu."
    assert sentences(text) == [
        "Il a déclaré : « Nous savons. Nous agissons », avant de partir.",
        "Puis il est revenu.",
    ]


def test_period_after_closing_guillemet_splits() -> None:
    assert sentences("Il a dit : « Nous savons. Nous agissons ». Puis il est parti.") == [
        "Il a dit : « Nous savons. Nous agissons ».",
        "Puis il est parti.",
    ]


def test_punctuation_attached_to_closing_guillemet_ends_the_sentence() -> None:
    assert sentences("Il a dit : « Nous savons. Nous agissons.» Puis il est parti.") == [
        "Il a dit : « Nous savons. Nous agissons.»",
        "Puis il est parti.",
    ]


@pytest.mark.parametrize("space", [" ", "\u00a0", "\u202f"], ids=["space", "nbsp", "narrow-nbsp"])
def test_french_spaced_closing_guillemet_after_period_ends_the_sentence(space: str) -> None:
    text = f"Il a dit : « Nous savons. Nous agissons.{space}» Puis il est parti."
    assert sentences(text) == [f"Il a dit : « Nous savons. Nous agissons.{space}»", "Puis il est parti."]


def test_unbalanced_closing_guillemet_does_not_block_later_splits() -> None:
    text = "Il a répondu » sans ouvrir. Ensuite il est parti. Enfin il est revenu."
    assert sentences(text) == ["Il a répondu » sans ouvrir.", "Ensuite il est parti.", "Enfin il est revenu."]


def test_spans_are_exact_trimmed_slices() -> None:
    text = "  DeepSeek a publié R1.   Le modèle est ouvert !\n"
    spans = split_sentences(text)
    assert [(s.start, s.end) for s in spans] == [(2, 23), (26, 48)]
    assert [text[s.start : s.end] for s in spans] == ["DeepSeek a publié R1.", "Le modèle est ouvert !"]


def test_split_within_a_range_returns_offsets_into_the_whole_text() -> None:
    text = "Titre\nUn. Deux.\nAutre ligne."
    start = text.index("Un")
    end = text.index("\nAutre")
    spans = split_sentences(text, start, end)
    assert [text[s.start : s.end] for s in spans] == ["Un.", "Deux."]
    assert spans[0].start == start


def test_text_without_end_punctuation_is_one_sentence() -> None:
    assert sentences("Spore.bio lève 23 millions de dollars") == ["Spore.bio lève 23 millions de dollars"]


def test_blank_text_has_no_sentences() -> None:
    assert split_sentences("   \n ") == []


def test_seed_sentences_tile_their_lines() -> None:
    # Between consecutive sentences of a line there is only whitespace: nothing is lost.
    for article in load_corpus(SEEDS).articles:
        offset = 0
        for line in article.text.split("\n"):
            spans = split_sentences(article.text, offset, offset + len(line))
            assert spans, (article.path, line)
            cursor = offset
            for span in spans:
                assert article.text[cursor : span.start].strip() == ""
                text = article.text[span.start : span.end]
                assert text == text.strip() and text
                cursor = span.end
            assert article.text[cursor : offset + len(line)].strip() == ""
            offset += len(line) + 1


def test_seed_sentence_with_million_figure_is_not_cut() -> None:
    article = next(a for a in load_corpus(SEEDS).articles if a.path.startswith("seeds/002_"))
    texts = [article.text[s.start : s.end] for s in split_sentences(article.text)]
    assert (
        "De plus, DeepSeek affirme avoir entraîné l’un de ses modèles pour seulement 5,6 millions de dollars, "
        "une fraction des centaines de millions dépensés par les entreprises américaines pour des projets similaires."
    ) in texts
