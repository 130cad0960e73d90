"""The word lists load from their data files, comments and blank lines aside."""

from __future__ import annotations

from retrieval.lexicon import stopwords, word_set


def test_stopword_files_hold_words_not_comments() -> None:
    for words in (stopwords.FRENCH, stopwords.ENGLISH):
        assert words and not any(word.startswith("#") or not word.strip() for word in words)


def test_interrogatives_are_stopwords_and_tech_words_are_not() -> None:
    assert {"combien", "quel", "pourquoi"} <= stopwords.FRENCH
    assert {"who", "what", "when"} <= stopwords.ENGLISH
    assert not {"new", "open", "source"} & stopwords.ENGLISH


def test_a_list_is_read_once() -> None:
    assert word_set("stopwords.fr.txt") is word_set("stopwords.fr.txt")


def test_abbreviations_include_titles_months_and_company_forms() -> None:
    from retrieval.text.sentences import ABBREVIATIONS

    assert {"m", "mme", "dr", "janv", "sept", "inc", "n°"} <= ABBREVIATIONS
